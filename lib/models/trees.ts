/**
 * Tree ensembles on typed arrays: a histogram gradient-boosted tree learner and a random forest,
 * for regression and binary classification, with gain importance. Features are binned once to
 * Uint8 (<= 255 value bins + a missing bin, see `_binning.ts`), column-major; histograms use the
 * subtraction trick. Boosting builds histograms with WebAssembly kernels (`_hist_wasm.ts`) on one
 * shared memory (column-major codes, and a row-major copy for small nodes) and, for squared
 * error on all rows and features, carries the root histogram from tree to tree instead of
 * rebuilding it (see `RootCarry`). On 2+ threads, boosting shares each large node's histogram
 * work with a worker (shared memory + Atomics) and the forest grows half of its trees in a
 * worker; a single-thread path (`threads: 1`) gives the same trees.
 *
 * Split semantics: a node sends a row left when fround(x) <= threshold (float32), NaN right;
 * this is exactly what ONNX `TreeEnsembleRegressor` with BRANCH_LEQ does on float32 input, so the
 * exported model takes the same paths.
 */
import { Rng } from "../core/mod.ts";
import { binMatrix, type Binner, fitBinner, valueBinCounts } from "./_binning.ts";
import {
  type GrowParams,
  growTree,
  leafOfBinned,
  type RootCarry,
  type Tree,
} from "./_tree_grow.ts";
import { type ForestBatch, type ForestJob, growForestTrees } from "./_forest_job.ts";
import { HistWorkers, runForestWorker, sharedGrowData, transposeBins } from "./_tree_parallel.ts";
import { assertFiniteVector, type Matrix } from "./matrix.ts";

export type { Tree } from "./_tree_grow.ts";

/** A fitted tree ensemble. */
export interface TreeEnsemble {
  kind: "gbt" | "random_forest";
  task: "regression" | "binary";
  featureNames: string[];
  trees: Tree[];
  /** Added to the tree sum (boosting: initial raw score; forest: 0). */
  baseScore: number;
  /** How tree outputs combine: boosting sums, the forest averages. */
  aggregate: "sum" | "average";
  /** Gain importance per feature, normalised to sum 1 (0 when no split). */
  importanceGain: number[];
  /** Out-of-bag score (forest with bootstrap): R^2 (regression) or accuracy (binary). */
  oobScore?: number;
  /** Validation loss per iteration (boosting with a validation set). */
  validLoss?: number[];
  /** Number of trees kept (boosting with early stopping: the best iteration). */
  nTrees: number;
  /** The bin edges used in training. */
  binner: Binner;
}

/** Options for {@link fitGbt}. */
export interface GbtOptions {
  /** `regression` (squared error) or `binary` (log loss, labels 0/1). @default "regression" */
  task?: "regression" | "binary";
  /** Boosting iterations (trees). @default 100 */
  nTrees?: number;
  /** Shrinkage applied to each tree. @default 0.1 */
  learningRate?: number;
  /** Leaves per tree (best-first growth). @default 31 */
  maxLeaves?: number;
  /** Depth limit (root depth 0). @default Infinity */
  maxDepth?: number;
  /** Rows per leaf at least. @default 20 */
  minSamplesLeaf?: number;
  /** Hessian sum per leaf at least. @default 1e-3 */
  minHessian?: number;
  /** L2 penalty on leaf values. @default 0 */
  l2?: number;
  /** Fraction of rows drawn (without replacement) per tree. @default 1 */
  subsample?: number;
  /** Fraction of features drawn per tree. @default 1 */
  colsample?: number;
  /** Value bins per feature (2..255). @default 255 */
  maxBins?: number;
  /** Non-negative weights, one per row. @default all 1 */
  sampleWeight?: ArrayLike<number>;
  /** Validation rows for early stopping. @default none */
  validation?: { x: Matrix; y: ArrayLike<number>; sampleWeight?: ArrayLike<number> };
  /** Stop after this many iterations without a validation-loss improvement > tol. @default 10 */
  earlyStoppingRounds?: number;
  /** Improvement threshold for early stopping. @default 1e-7 */
  tol?: number;
  /** Seed for row/column sampling and binning. @default 0 */
  seed?: number;
  /** Threads (1 = main thread only; 2 uses one worker). @default min(2, hardwareConcurrency) */
  threads?: number;
}

/**
 * Gradient-boosted trees (Friedman 2001, doi:10.1214/aos/1013203451) with histogram split finding
 * (as LightGBM, Ke et al. 2017, and scikit-learn's HistGradientBoosting) and Newton leaf values.
 * Loss: squared error (g = F - y, h = 1) or log loss (g = p - y, h = p(1 - p)), both times the
 * sample weight. Initial score: weighted mean of y, or its log-odds. Each tree's leaf values are
 * -G/(H + l2) times the learning rate. Early stopping keeps the trees up to the best validation
 * loss. `predictEnsemble` returns the regression value or P(y = 1).
 *
 * @example
 * ```ts
 * import { fitGbt, predictEnsemble } from "./trees.ts";
 * import { matrixFromColumns } from "./matrix.ts";
 * const x = matrixFromColumns({ a: Array.from({ length: 200 }, (_, i) => i) });
 * const y = Array.from({ length: 200 }, (_, i) => (i < 100 ? 0 : 1));
 * const m = await fitGbt(x, y, { nTrees: 20, threads: 1 });
 * predictEnsemble(m, x); // close to y
 * ```
 */
export async function fitGbt(
  x: Matrix,
  y: ArrayLike<number>,
  options: GbtOptions = {},
): Promise<TreeEnsemble> {
  const task = options.task ?? "regression";
  const nTrees = options.nTrees ?? 100;
  const lr = options.learningRate ?? 0.1;
  const seed = options.seed ?? 0;
  const threads = options.threads ?? defaultThreads();
  checkInputs(x, y, task, "boosting");
  const w = checkWeights(options.sampleWeight, x.rows);
  const params: GrowParams = {
    maxLeaves: options.maxLeaves ?? 31,
    maxDepth: options.maxDepth ?? Infinity,
    minSamplesLeaf: options.minSamplesLeaf ?? 20,
    minHessian: options.minHessian ?? 1e-3,
    l2: options.l2 ?? 0,
    minGain: 0,
    featureFraction: 1,
  };
  const subsample = options.subsample ?? 1;
  const colsample = options.colsample ?? 1;
  if (!(subsample > 0 && subsample <= 1)) throw new RangeError(`subsample must be in (0, 1]`);
  if (!(colsample > 0 && colsample <= 1)) throw new RangeError(`colsample must be in (0, 1]`);
  const n = x.rows;
  const binner = fitBinner(x, { maxBins: options.maxBins ?? 255, seed });
  const nBins = valueBinCounts(binner);
  const slots = Math.min(Number.isFinite(params.maxLeaves) ? params.maxLeaves + 3 : 64, 256);
  const d = sharedGrowData(n, x.cols, nBins, binner.edges, slots);
  binMatrix(binner, x, d.bins);
  transposeBins(d.bins, d.rowBins!, n, x.cols);
  d.unitHessian = task === "regression" && !w;
  const parallel = threads >= 2 && n * x.cols >= 2 * 400_000;
  const hw = await HistWorkers.start(d, parallel ? threads : 1);
  try {
    const rng = new Rng(seed).fork("gbt");
    const yv = Float64Array.from(y as ArrayLike<number>);
    let sw = 0, swy = 0;
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i]! : 1;
      sw += wi;
      swy += wi * yv[i]!;
    }
    const ybar = swy / sw;
    if (task === "binary" && (ybar <= 0 || ybar >= 1)) {
      throw new RangeError(`Cannot fit boosting: binary labels are all ${ybar <= 0 ? 0 : 1}`);
    }
    const baseScore = task === "binary" ? Math.log(ybar / (1 - ybar)) : ybar;
    const raw = new Float64Array(n).fill(baseScore);
    const valid = options.validation;
    let vBins: Uint8Array | null = null;
    let vRaw: Float64Array | null = null;
    if (valid) {
      checkInputs(valid.x, valid.y, task, "boosting validation");
      vBins = binMatrix(binner, valid.x);
      vRaw = new Float64Array(valid.x.rows).fill(baseScore);
    }
    const validLoss: number[] = [];
    let best = Infinity;
    let bestIter = 0;
    const rounds = options.earlyStoppingRounds ?? 10;
    const tol = options.tol ?? 1e-7;
    const trees: Tree[] = [];
    const allFeatures = Int32Array.from({ length: x.cols }, (_, j) => j);
    // squared error on all rows and features: the root histogram is carried between trees
    const carry: RootCarry | undefined = d.unitHessian && subsample === 1 && colsample === 1
      ? { hist: null, scale: lr }
      : undefined;
    for (let m = 0; m < nTrees; m++) {
      // gradients
      for (let i = 0; i < n; i++) {
        const wi = w ? w[i]! : 1;
        if (task === "regression") {
          d.g[i] = wi * (raw[i]! - yv[i]!);
          d.h[i] = wi;
        } else {
          const p = sigmoid(raw[i]!);
          d.g[i] = wi * (p - yv[i]!);
          d.h[i] = wi * Math.max(p * (1 - p), 1e-16);
        }
      }
      // rows
      let nActive = 0;
      for (let i = 0; i < n; i++) {
        if ((w && w[i]! === 0) || (subsample < 1 && rng.uniform() >= subsample)) continue;
        d.idx[nActive++] = i;
      }
      d.nActive = nActive;
      const features = colsample < 1 ? sampleFeatures(allFeatures, colsample, rng) : allFeatures;
      const { tree, leafRanges } = growTree(
        d,
        params,
        features,
        hw.pool,
        hw.build,
        null,
        carry,
      );
      for (let k = 0; k < tree.value.length; k++) tree.value[k] = tree.value[k]! * lr;
      trees.push(tree);
      if (nActive === n) {
        for (const r of leafRanges) {
          const v = tree.value[r.node]!;
          for (let k = r.start; k < r.end; k++) {
            const i = d.idx[k]!;
            raw[i] = raw[i]! + v;
          }
        }
      } else {
        for (let i = 0; i < n; i++) {
          raw[i] = raw[i]! + tree.value[leafOfBinned(tree, d.bins, n, i)]!;
        }
      }
      if (valid && vBins && vRaw) {
        const nv = valid.x.rows;
        for (let i = 0; i < nv; i++) {
          vRaw[i] = vRaw[i]! + tree.value[leafOfBinned(tree, vBins, nv, i)]!;
        }
        const loss = lossOf(task, vRaw, valid.y, valid.sampleWeight);
        validLoss.push(loss);
        if (loss < best - tol) {
          best = loss;
          bestIter = m + 1;
        } else if (m + 1 - bestIter >= rounds) break;
      }
    }
    const kept = valid ? trees.slice(0, Math.max(bestIter, 1)) : trees;
    const model: TreeEnsemble = {
      kind: "gbt",
      task,
      featureNames: [...x.names],
      trees: kept,
      baseScore,
      aggregate: "sum",
      importanceGain: gainImportance(kept, x.cols),
      nTrees: kept.length,
      binner,
    };
    if (valid) model.validLoss = validLoss;
    return model;
  } finally {
    hw.close();
  }
}

/** Options for {@link fitRandomForest}. */
export interface ForestOptions {
  /** `regression` (variance) or `binary` (labels 0/1, leaf value = P(y = 1)). @default "regression" */
  task?: "regression" | "binary";
  /** Number of trees. @default 100 */
  nTrees?: number;
  /** Depth limit (root depth 0). @default Infinity */
  maxDepth?: number;
  /** Leaf limit per tree. @default Infinity */
  maxLeaves?: number;
  /** Rows per leaf at least. @default 1 */
  minSamplesLeaf?: number;
  /** Fraction of features tried at each split. @default 1 for regression, sqrt(F)/F for binary */
  maxFeatures?: number;
  /** Draw a bootstrap sample per tree (enables the out-of-bag score). @default true */
  bootstrap?: boolean;
  /** Bootstrap draws as a fraction of the rows. @default 1 */
  maxSamples?: number;
  /** Value bins per feature (2..255). @default 255 */
  maxBins?: number;
  /** Non-negative weights, one per row. @default all 1 */
  sampleWeight?: ArrayLike<number>;
  /** Seed. @default 0 */
  seed?: number;
  /** Threads (1 = main thread only; 2 grows half the trees in a worker). @default min(2, hardwareConcurrency) */
  threads?: number;
}

/**
 * Random forest (Breiman 2001, doi:10.1023/A:1010933404324) of histogram CART trees: each tree is
 * grown on a bootstrap sample (multinomial counts used as weights) trying `maxFeatures` of the
 * features at each split; leaves hold the weighted mean of y (for binary labels, P(y = 1)), and
 * the forest averages its trees. The out-of-bag score is R^2 (regression) or accuracy at 0.5
 * (binary) over rows left out by at least one tree, as scikit-learn's `oob_score_`. Tree t is
 * seeded by `seed` and t alone, so the forest is the same for any `threads`.
 *
 * @example
 * ```ts
 * import { fitRandomForest, predictEnsemble } from "./trees.ts";
 * import { matrixFromColumns } from "./matrix.ts";
 * const x = matrixFromColumns({ a: Array.from({ length: 100 }, (_, i) => i) });
 * const m = await fitRandomForest(x, Array.from({ length: 100 }, (_, i) => i * 2), { nTrees: 10 });
 * m.oobScore; // close to 1
 * ```
 */
export async function fitRandomForest(
  x: Matrix,
  y: ArrayLike<number>,
  options: ForestOptions = {},
): Promise<TreeEnsemble> {
  const task = options.task ?? "regression";
  const nTrees = options.nTrees ?? 100;
  const seed = options.seed ?? 0;
  const threads = options.threads ?? defaultThreads();
  const bootstrap = options.bootstrap ?? true;
  checkInputs(x, y, task, "random forest");
  const w = checkWeights(options.sampleWeight, x.rows);
  const n = x.rows;
  const binner = fitBinner(x, { maxBins: options.maxBins ?? 255, seed });
  const nBins = valueBinCounts(binner);
  const bins = binMatrix(binner, x);
  const params: GrowParams = {
    maxLeaves: options.maxLeaves ?? Infinity,
    maxDepth: options.maxDepth ?? Infinity,
    minSamplesLeaf: options.minSamplesLeaf ?? 1,
    minHessian: 0,
    l2: 0,
    minGain: 1e-12,
    featureFraction: options.maxFeatures ??
      (task === "binary" ? Math.max(1, Math.floor(Math.sqrt(x.cols))) / x.cols : 1),
  };
  const yv = Float64Array.from(y as ArrayLike<number>);
  const wv = w ? Float64Array.from(w) : null;
  const job = (ids: number[]): ForestJob => ({
    type: "forest",
    bins,
    n,
    nFeatures: x.cols,
    nBins,
    edges: binner.edges,
    y: yv,
    w: wv,
    params,
    treeIds: ids,
    seed,
    bootstrap,
    maxSamples: options.maxSamples ?? 1,
  });
  const ids = Array.from({ length: nTrees }, (_, t) => t);
  const useWorker = threads >= 2 && nTrees >= 2 && n * x.cols >= 50_000;
  const mine = useWorker ? ids.filter((t) => t % 2 === 0) : ids;
  const theirs = useWorker ? ids.filter((t) => t % 2 === 1) : [];
  const pending = theirs.length > 0 ? runForestWorker(job(theirs)) : null;
  let batches: ForestBatch[];
  try {
    const local = growForestTrees(job(mine), (t) => new Rng(seed).fork(`tree-${t}`));
    batches = pending ? [local, await pending] : [local];
  } catch (e) {
    if (pending) await pending.catch(() => undefined);
    throw e;
  }
  const trees: Tree[] = new Array(nTrees);
  const oobSum = new Float64Array(n);
  const oobCount = new Float64Array(n);
  for (const b of batches) {
    b.ids.forEach((t, k) => (trees[t] = b.trees[k]!));
    for (let i = 0; i < n; i++) {
      oobSum[i] = oobSum[i]! + b.oobSum[i]!;
      oobCount[i] = oobCount[i]! + b.oobCount[i]!;
    }
  }
  const model: TreeEnsemble = {
    kind: "random_forest",
    task,
    featureNames: [...x.names],
    trees,
    baseScore: 0,
    aggregate: "average",
    importanceGain: gainImportance(trees, x.cols),
    nTrees,
    binner,
  };
  if (bootstrap) model.oobScore = oobScoreOf(task, yv, oobSum, oobCount);
  return model;
}

/**
 * Predictions of a tree ensemble on a raw feature matrix (same column order as in training):
 * regression value, or P(y = 1) for binary (boosting: sigmoid of the raw score; forest: mean of
 * leaf probabilities).
 */
export function predictEnsemble(model: TreeEnsemble, x: Matrix): Float64Array {
  const raw = predictRawScore(model, x);
  if (model.kind === "gbt" && model.task === "binary") {
    for (let i = 0; i < raw.length; i++) raw[i] = sigmoid(raw[i]!);
  }
  return raw;
}

/** Raw score: baseScore + sum (or mean) of tree outputs, before any sigmoid. */
export function predictRawScore(model: TreeEnsemble, x: Matrix): Float64Array {
  if (x.cols !== model.featureNames.length) {
    throw new RangeError(
      `Cannot predict: model has ${model.featureNames.length} features, matrix has ${x.cols}`,
    );
  }
  const n = x.rows;
  const out = new Float64Array(n);
  const data = x.data;
  for (const t of model.trees) {
    const { feature, threshold, left, right, value } = t;
    for (let i = 0; i < n; i++) {
      let k = 0;
      let f = feature[0]!;
      while (f >= 0) {
        k = Math.fround(data[f * n + i]!) <= threshold[k]! ? left[k]! : right[k]!;
        f = feature[k]!;
      }
      out[i] = out[i]! + value[k]!;
    }
  }
  const scale = model.aggregate === "average" ? 1 / Math.max(model.trees.length, 1) : 1;
  for (let i = 0; i < n; i++) out[i] = model.baseScore + out[i]! * scale;
  return out;
}

/** Gain importance: total split gain per feature, normalised to sum 1. */
function gainImportance(trees: Tree[], cols: number): number[] {
  const imp = new Array<number>(cols).fill(0);
  for (const t of trees) {
    for (let k = 0; k < t.feature.length; k++) {
      const f = t.feature[k]!;
      if (f >= 0) imp[f] = imp[f]! + t.gain[k]!;
    }
  }
  const total = imp.reduce((a, b) => a + b, 0);
  return total > 0 ? imp.map((v) => v / total) : imp;
}

function oobScoreOf(
  task: "regression" | "binary",
  y: Float64Array,
  sum: Float64Array,
  count: Float64Array,
): number {
  let m = 0, k = 0;
  for (let i = 0; i < y.length; i++) {
    if (count[i]! > 0) {
      m += y[i]!;
      k++;
    }
  }
  if (k === 0) return NaN;
  m /= k;
  let sse = 0, sst = 0, correct = 0;
  for (let i = 0; i < y.length; i++) {
    if (count[i]! === 0) continue;
    const p = sum[i]! / count[i]!;
    sse += (y[i]! - p) ** 2;
    sst += (y[i]! - m) ** 2;
    if ((p > 0.5 ? 1 : 0) === y[i]) correct++;
  }
  return task === "binary" ? correct / k : 1 - sse / sst;
}

function lossOf(
  task: "regression" | "binary",
  raw: Float64Array,
  y: ArrayLike<number>,
  w?: ArrayLike<number>,
): number {
  let s = 0, sw = 0;
  for (let i = 0; i < raw.length; i++) {
    const wi = w ? w[i]! : 1;
    const r = raw[i]!;
    const l = task === "regression"
      ? 0.5 * (r - y[i]!) ** 2
      : (r > 0 ? r + Math.log1p(Math.exp(-r)) : Math.log1p(Math.exp(r))) - y[i]! * r;
    s += wi * l;
    sw += wi;
  }
  return s / sw;
}

function sampleFeatures(all: Int32Array, fraction: number, rng: Rng): Int32Array {
  const k = Math.max(1, Math.round(fraction * all.length));
  const a = Int32Array.from(all);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.uniform() * (a.length - i));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.slice(0, k).sort();
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function defaultThreads(): number {
  return Math.max(1, Math.min(2, navigator.hardwareConcurrency ?? 1));
}

function checkInputs(x: Matrix, y: ArrayLike<number>, task: string, what: string): void {
  if (x.rows === 0) throw new RangeError(`Cannot fit ${what}: no rows`);
  if (x.cols === 0) throw new RangeError(`Cannot fit ${what}: no features`);
  if (y.length !== x.rows) {
    throw new RangeError(`Cannot fit ${what}: y has ${y.length} rows, X has ${x.rows}`);
  }
  assertFiniteVector(y, "y");
  for (let j = 0; j < x.cols; j++) {
    const off = j * x.rows;
    for (let i = 0; i < x.rows; i++) {
      const v = x.data[off + i]!;
      if (v === Infinity || v === -Infinity) {
        throw new RangeError(
          `Cannot fit ${what}: column ${
            x.names[j]
          } row ${i} is ${v} (NaN is allowed, infinity is not)`,
        );
      }
    }
  }
  if (task === "binary") {
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1) {
        throw new RangeError(`Cannot fit ${what}: y[${i}] is ${y[i]} (labels must be 0 or 1)`);
      }
    }
  }
}

function checkWeights(w: ArrayLike<number> | undefined, n: number): ArrayLike<number> | undefined {
  if (w === undefined) return undefined;
  if (w.length !== n) throw new RangeError(`sampleWeight has ${w.length} rows, X has ${n}`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!(w[i]! >= 0) || !Number.isFinite(w[i]!)) {
      throw new RangeError(`sampleWeight[${i}] is ${w[i]} (need finite >= 0)`);
    }
    sum += w[i]!;
  }
  if (!(sum > 0)) throw new RangeError("sampleWeight sums to 0");
  return w;
}
