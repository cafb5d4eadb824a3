import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import { fitGbt, fitRandomForest, predictEnsemble } from "../../lib/models/trees.ts";
import { type Matrix, matrixFromColumns, matrixFromRows } from "../../lib/models/matrix.ts";
import { Rng } from "../../lib/core/mod.ts";
import { buildHistogram, C_PLANE, H_PLANE, HIST_STRIDE } from "../../lib/models/_tree_grow.ts";
import { instantiateKernels, sharedMemory } from "../../lib/models/_hist_wasm.ts";
import { binMatrix, sortFloat32, valueBinCounts } from "../../lib/models/_binning.ts";

/** Stated margin: our test R^2 / accuracy may trail scikit-learn's by at most this much. */
const SCORE_MARGIN = 0.03;
const ATOL_LEAF = 1e-12;
/** Leaf values with the carried root histogram vs a direct build: rounding order only. */
const RTOL_CARRY = 1e-9;

const ref = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/models/trees_reference.json", import.meta.url)),
) as {
  n_train: number;
  x_rows: number[][];
  y_reg: number[];
  y_cls: number[];
  scores: Record<string, number>;
};
const xTrain = matrixFromRows(ref.x_rows.slice(0, ref.n_train));
const xTest = matrixFromRows(ref.x_rows.slice(ref.n_train));
const split = (y: number[]) => [y.slice(0, ref.n_train), y.slice(ref.n_train)] as const;

function r2(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) m += y[i]!;
  m /= y.length;
  let a = 0, b = 0;
  for (let i = 0; i < y.length; i++) {
    a += (y[i]! - p[i]!) ** 2;
    b += (y[i]! - m) ** 2;
  }
  return 1 - a / b;
}
function accuracy(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < y.length; i++) if ((p[i]! > 0.5 ? 1 : 0) === y[i]) c++;
  return c / y.length;
}

Deno.test("gbt: regression R^2 within margin of scikit-learn HistGradientBoostingRegressor", async () => {
  const [ytr, yte] = split(ref.y_reg);
  const m = await fitGbt(xTrain, ytr, {
    nTrees: 200,
    learningRate: 0.1,
    maxLeaves: 31,
    threads: 1,
  });
  const score = r2(yte, predictEnsemble(m, xTest));
  assert(
    score >= ref.scores.gbt_regression_r2! - SCORE_MARGIN,
    `R^2 ${score} vs sklearn ${ref.scores.gbt_regression_r2}`,
  );
});

Deno.test("gbt: binary accuracy within margin of scikit-learn HistGradientBoostingClassifier", async () => {
  const [ytr, yte] = split(ref.y_cls);
  const m = await fitGbt(xTrain, ytr, { task: "binary", nTrees: 200, threads: 1 });
  const score = accuracy(yte, predictEnsemble(m, xTest));
  assert(
    score >= ref.scores.gbt_binary_accuracy! - SCORE_MARGIN,
    `acc ${score} vs ${ref.scores.gbt_binary_accuracy}`,
  );
});

Deno.test("random forest: regression R^2 and OOB R^2 within margin of scikit-learn", async () => {
  const [ytr, yte] = split(ref.y_reg);
  const m = await fitRandomForest(xTrain, ytr, {
    nTrees: 100,
    minSamplesLeaf: 5,
    maxFeatures: 0.5,
  });
  const score = r2(yte, predictEnsemble(m, xTest));
  assert(
    score >= ref.scores.rf_regression_r2! - SCORE_MARGIN,
    `R^2 ${score} vs ${ref.scores.rf_regression_r2}`,
  );
  assert(
    Math.abs(m.oobScore! - ref.scores.rf_regression_oob_r2!) <= 2 * SCORE_MARGIN,
    `oob ${m.oobScore}`,
  );
});

Deno.test("random forest: binary accuracy within margin of scikit-learn", async () => {
  const [ytr, yte] = split(ref.y_cls);
  const m = await fitRandomForest(xTrain, ytr, {
    task: "binary",
    nTrees: 100,
    minSamplesLeaf: 5,
    maxFeatures: 0.5,
  });
  const score = accuracy(yte, predictEnsemble(m, xTest));
  assert(
    score >= ref.scores.rf_binary_accuracy! - SCORE_MARGIN,
    `acc ${score} vs ${ref.scores.rf_binary_accuracy}`,
  );
  assert(Math.abs(m.oobScore! - ref.scores.rf_binary_oob_accuracy!) <= 2 * SCORE_MARGIN);
});

Deno.test("gbt: hand-worked stump on a step function", async () => {
  // x = 0..9, y = 0 for x < 5 else 10; one tree, two leaves, lr 1: leaves are the group means.
  const x = matrixFromColumns({ a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
  const y = [0, 0, 0, 0, 0, 10, 10, 10, 10, 10];
  const m = await fitGbt(x, y, { nTrees: 1, learningRate: 1, maxLeaves: 2, minSamplesLeaf: 1 });
  const t = m.trees[0]!;
  assertEquals(t.feature[0], 0);
  assertAlmostEquals(t.threshold[0]!, 4.5, 0); // midpoint between 4 and 5, exact in float32
  assertAlmostEquals(m.baseScore, 5, ATOL_LEAF);
  const p = predictEnsemble(m, x);
  y.forEach((v, i) => assertAlmostEquals(p[i]!, v, ATOL_LEAF));
  assertAlmostEquals(m.importanceGain[0]!, 1, 0);
});

Deno.test("random forest: without bootstrap one tree fits distinct points exactly", async () => {
  const x = matrixFromColumns({ a: [1, 2, 3, 4] });
  const m = await fitRandomForest(x, [3, 1, 4, 1], { nTrees: 1, bootstrap: false });
  const p = predictEnsemble(m, x);
  [3, 1, 4, 1].forEach((v, i) => assertAlmostEquals(p[i]!, v, ATOL_LEAF));
  assertEquals(m.oobScore, undefined);
});

function synthetic(n: number, cols: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = new Rng(seed);
  const c: Record<string, number[]> = {};
  for (let j = 0; j < cols; j++) c[`f${j}`] = Array.from({ length: n }, () => rng.normal());
  const y = Float64Array.from(
    { length: n },
    (_, i) => c.f0![i]! * 2 + (c.f1![i]! > 0 ? 1 : 0) + 0.1 * rng.normal(),
  );
  return { x: matrixFromColumns(c), y };
}

Deno.test("random forest: same trees on 1 and 2 threads (tree seeds do not depend on the thread)", async () => {
  const { x, y } = synthetic(6000, 10, 4);
  const a = await fitRandomForest(x, y, { nTrees: 6, minSamplesLeaf: 10, threads: 1, seed: 9 });
  const b = await fitRandomForest(x, y, { nTrees: 6, minSamplesLeaf: 10, threads: 2, seed: 9 });
  const pa = predictEnsemble(a, x);
  const pb = predictEnsemble(b, x);
  pa.forEach((v, i) => assert(v === pb[i], `row ${i}`));
  assert(a.oobScore === b.oobScore);
});

Deno.test("gbt: same trees on 1 and 2 threads (feature-parallel histograms)", async () => {
  // 20,000 x 40 = 800,000 cells: large nodes are shared with the worker
  const { x, y } = synthetic(20_000, 40, 8);
  const a = await fitGbt(x, y, { nTrees: 3, threads: 1 });
  const b = await fitGbt(x, y, { nTrees: 3, threads: 2 });
  a.trees.forEach((t, k) => {
    const u = b.trees[k]!;
    assertEquals(Array.from(t.feature), Array.from(u.feature));
    t.value.forEach((v, j) => assert(v === u.value[j], `tree ${k} node ${j}`));
  });
});

Deno.test("gbt: carried root histogram gives the trees of a direct root build each tree", async () => {
  // unit weights switch the carry off (weighted path builds every root from the rows); leaves
  // below 256 rows exercise the row-by-row update of the carried histogram
  const { x, y } = synthetic(5000, 6, 11);
  const carried = await fitGbt(x, y, { nTrees: 30, maxLeaves: 31, threads: 1 });
  const direct = await fitGbt(x, y, {
    nTrees: 30,
    maxLeaves: 31,
    threads: 1,
    sampleWeight: new Float64Array(5000).fill(1),
  });
  carried.trees.forEach((t, k) => {
    const u = direct.trees[k]!;
    assertEquals(Array.from(t.feature), Array.from(u.feature), `tree ${k} features`);
    assertEquals(Array.from(t.binThreshold), Array.from(u.binThreshold), `tree ${k} bins`);
    t.value.forEach((v, j) =>
      assertAlmostEquals(v, u.value[j]!, RTOL_CARRY, `tree ${k} node ${j}`)
    );
  });
});

Deno.test("histogram kernels: hand-worked node, WebAssembly equals JavaScript", () => {
  // 8 rows, 2 features; node = rows 1, 3, 5, 6 (idx[2..6))
  const n = 8;
  const memory = sharedMemory(1 << 20);
  const buf = memory.buffer;
  const bins = new Uint8Array(buf, 0, 2 * n);
  bins.set([0, 1, 1, 2, 0, 3, 3, 3, /* feature 1 */ 5, 5, 5, 5, 255, 255, 0, 0]);
  const g = new Float64Array(buf, 64, n);
  g.set([9, 1, 9, 2, 9, 3, 4, 9]);
  const h = new Float64Array(buf, 128, n);
  h.set([9, 10, 9, 20, 9, 30, 40, 9]);
  const idx = new Uint32Array(buf, 192, n);
  idx.set([0, 2, 1, 3, 5, 6, 4, 7]);
  const ordered = { g: new Float64Array(buf, 256, n), h: new Float64Array(buf, 320, n) };
  const nBins = Uint16Array.from([4, 6]);
  const hists = [0, 1].map((k) =>
    new Float64Array(buf, 4096 + k * 2 * HIST_STRIDE * 8, 2 * HIST_STRIDE)
  );
  const base = { n, bins, g, h, idx, nBins, ordered };
  for (const unitHessian of [false, true]) {
    buildHistogram(hists[0]!, { ...base, unitHessian, kernels: instantiateKernels(memory) }, 2, 6, [
      0,
      1,
    ]);
    buildHistogram(hists[1]!, { ...base, unitHessian }, 2, 6, [0, 1]);
    for (const hist of hists) {
      const hv = (plane: number, f: number, b: number) => hist[f * HIST_STRIDE + plane + b];
      // feature 0: bins 1 (g 1), 2 (g 2), 3 (g 3 + 4); feature 1: bin 5 (rows 1, 3), 255 (row 5), 0 (row 6)
      assertEquals([0, 1, 2, 3].map((b) => hv(0, 0, b)), [0, 1, 2, 7]);
      assertEquals([0, 1, 2, 3].map((b) => hv(C_PLANE, 0, b)), [0, 1, 1, 2]);
      const hExpected = unitHessian ? [0, 1, 1, 2] : [0, 10, 20, 70];
      assertEquals([0, 1, 2, 3].map((b) => hv(H_PLANE, 0, b)), hExpected);
      assertEquals([0, 5, 255].map((b) => hv(0, 1, b)), [4, 3, 3]);
      assertEquals([0, 5, 255].map((b) => hv(C_PLANE, 1, b)), [1, 2, 1]);
    }
  }
});

Deno.test("histogram kernels: row-major kernel (small nodes) equals the column kernel", () => {
  const n = 8192, nf = 6;
  const memory = sharedMemory(1 << 22);
  const buf = memory.buffer;
  const rng = new Rng(5);
  const bins = new Uint8Array(buf, 0, n * nf);
  const rowBins = new Uint8Array(buf, n * nf, n * nf);
  for (let f = 0; f < nf; f++) {
    for (let i = 0; i < n; i++) {
      const b = rng.uniform() < 0.05 ? 255 : Math.floor(rng.uniform() * 200);
      bins[f * n + i] = b;
      rowBins[i * nf + f] = b;
    }
  }
  const g = new Float64Array(buf, 2 * n * nf, n).map(() => rng.normal());
  const h = new Float64Array(n).fill(1);
  const idx = new Uint32Array(buf, 2 * n * nf + 8 * n, n);
  // node: every 50th row (164 rows < n / 32), at idx[100, 264)
  for (let k = 0; k < 164; k++) idx[100 + k] = k * 50;
  const ordered = { g: new Float64Array(buf, 2 * n * nf + 12 * n, n), h: new Float64Array(n) };
  const nBins = new Uint16Array(nf).fill(200);
  const hists = [0, 1].map((k) =>
    new Float64Array(buf, 2 * n * nf + 20 * n + k * nf * HIST_STRIDE * 8, nf * HIST_STRIDE)
  );
  const kernels = instantiateKernels(memory);
  const base = { n, bins, g, h, idx, nBins, ordered, kernels, unitHessian: true };
  buildHistogram(hists[0]!, { ...base, rowBins }, 100, 264, [1, 2, 3, 4]);
  buildHistogram(hists[1]!, base, 100, 264, [1, 2, 3, 4]);
  let rows = 0;
  for (let f = 1; f <= 4; f++) {
    for (const plane of [0, H_PLANE, C_PLANE]) {
      for (const b of [...Array(200).keys(), 255]) {
        const o = f * HIST_STRIDE + plane + b;
        assert(hists[0]![o] === hists[1]![o], `feature ${f} plane ${plane} bin ${b}`);
        if (plane === C_PLANE) rows += hists[0]![o]!;
      }
    }
  }
  assertEquals(rows, 4 * 164);
});

Deno.test("binning: radix sort of float32 values equals Float32Array.prototype.sort", () => {
  const rng = new Rng(21);
  // signed zeros, ties, tiny and huge magnitudes, both signs; above the radix threshold
  const a = Float32Array.from(
    { length: 20_000 },
    (_, i) =>
      i % 7 === 0
        ? 0
        : i % 11 === 0
        ? -0
        : i % 13 === 0
        ? 1.5
        : rng.normal() * (i % 3 ? 1e-30 : 1e30),
  );
  const expected = a.slice().sort();
  const got = sortFloat32(a.slice());
  for (let i = 0; i < a.length; i++) assert(Object.is(got[i], expected[i]), `position ${i}`);
});

Deno.test("gbt: early stopping keeps the best iteration; importance favours informative features", async () => {
  const { x, y } = synthetic(1500, 4, 5);
  const v = synthetic(500, 4, 6);
  const m = await fitGbt(x, y, {
    nTrees: 300,
    learningRate: 0.5,
    validation: { x: v.x, y: v.y },
    earlyStoppingRounds: 5,
  });
  assert(m.nTrees < 300, `stopped at ${m.nTrees}`);
  const best = Math.min(...m.validLoss!);
  assertAlmostEquals(m.validLoss![m.nTrees - 1]!, best, 0);
  assert(m.importanceGain[0]! + m.importanceGain[1]! > 0.9, `${m.importanceGain}`);
});

Deno.test("trees: NaN goes right, shift invariance, inputs unmodified", async () => {
  const { x, y } = synthetic(400, 3, 7);
  const before = Float64Array.from(x.data);
  const m = await fitGbt(x, y, { nTrees: 20 });
  x.data.forEach((v, i) =>
    assert(v === before[i] || (Number.isNaN(v) && Number.isNaN(before[i]!)))
  );
  // shifting a feature by a power of two (exact in float32 for these magnitudes) shifts thresholds only
  const shifted = { ...x, data: Float64Array.from(x.data, (v, k) => (k < x.rows ? v + 8 : v)) };
  const ms = await fitGbt(shifted, y, { nTrees: 20 });
  const p = predictEnsemble(m, x);
  const ps = predictEnsemble(ms, shifted);
  p.forEach((v, i) => assertAlmostEquals(ps[i]!, v, 1e-9));
  // a NaN row follows the right branch at every split on that feature
  const t = m.trees[0]!;
  const f = t.feature[0]!;
  const row = Array.from({ length: 3 }, (_, j) => (j === f ? NaN : 0));
  const r = predictEnsemble({ ...m, trees: [t], baseScore: 0 }, matrixFromRows([row]));
  let k = 0;
  while (t.feature[k]! >= 0) {
    k = t.feature[k] === f ? t.right[k]! : (0 <= t.threshold[k]! ? t.left[k]! : t.right[k]!);
  }
  assertAlmostEquals(r[0]!, t.value[k]!, ATOL_LEAF);
});

Deno.test("trees: edge cases", async () => {
  await assertRejects(() => fitGbt(matrixFromColumns({ a: [] }), []), RangeError, "no rows");
  // one observation: the prediction is that observation
  const one = await fitGbt(matrixFromColumns({ a: [1] }), [4], { nTrees: 3 });
  assertAlmostEquals(predictEnsemble(one, matrixFromColumns({ a: [1] }))[0]!, 4, ATOL_LEAF);
  // all-NaN feature: no split possible, prediction is the mean
  const nan = await fitRandomForest(matrixFromColumns({ a: [NaN, NaN, NaN] }), [1, 2, 3], {
    nTrees: 2,
    bootstrap: false,
  });
  assertAlmostEquals(predictEnsemble(nan, matrixFromColumns({ a: [NaN] }))[0]!, 2, ATOL_LEAF);
  // constant target: every prediction is the constant
  const c = await fitGbt(matrixFromColumns({ a: [1, 2, 3, 4] }), [7, 7, 7, 7], {
    nTrees: 5,
    minSamplesLeaf: 1,
  });
  predictEnsemble(c, matrixFromColumns({ a: [0, 10] })).forEach((v) =>
    assertAlmostEquals(v, 7, ATOL_LEAF)
  );
  await assertRejects(
    () => fitGbt(matrixFromColumns({ a: [1, Infinity] }), [1, 2]),
    RangeError,
    "infinity",
  );
  await assertRejects(
    () => fitGbt(matrixFromColumns({ a: [1, 2] }), [0, 2], { task: "binary" }),
    RangeError,
    "0 or 1",
  );
  await assertRejects(
    () => fitGbt(matrixFromColumns({ a: [1, 2] }), [1, 1], { task: "binary" }),
    RangeError,
    "all 1",
  );
});

Deno.test("gbt: every histogram split is the first best (feature, bin) by exact gain over its rows", async () => {
  // duplicated and near-duplicated columns make candidates tie or nearly tie, so a screen that
  // dropped or reordered candidates would pick another feature or bin
  const rng = new Rng(11);
  const n = 6000;
  const a = Array.from({ length: n }, () => rng.normal());
  const b = a.map((v, i) => (i === 17 ? v + 1e-3 : v)); // a, except in one row
  const c = Array.from({ length: n }, () => rng.normal());
  const y = a.map((v, i) => Math.sin(2 * v) + 0.5 * c[i]! + 0.3 * rng.normal());
  const x = matrixFromColumns({ a, a2: [...a], b, c });
  const l2 = 1, minLeaf = 20;
  const m = await fitGbt(x, y, {
    nTrees: 1,
    maxDepth: 3,
    maxLeaves: 8,
    minSamplesLeaf: minLeaf,
    l2,
    threads: 1,
  });
  const tree = m.trees[0]!;
  const bins = binMatrix(m.binner, x);
  const nb = valueBinCounts(m.binner);
  const ybar = y.reduce((s, v) => s + v, 0) / n;
  const g = y.map((v) => ybar - v); // first tree: g = F0 - y, h = 1
  // rows reaching each node, by walking the tree in bin space
  const rowsOf: number[][] = Array.from({ length: tree.feature.length }, () => []);
  for (let i = 0; i < n; i++) {
    let k = 0;
    rowsOf[0]!.push(i);
    while (tree.feature[k]! >= 0) {
      k = bins[tree.feature[k]! * n + i]! <= tree.binThreshold[k]! ? tree.left[k]! : tree.right[k]!;
      rowsOf[k]!.push(i);
    }
  }
  let checked = 0;
  for (let k = 0; k < tree.feature.length; k++) {
    const rows = rowsOf[k]!;
    if (tree.feature[k]! < 0 || rows.length < 256) continue; // histogram nodes only
    const G = rows.reduce((s, i) => s + g[i]!, 0), H = rows.length;
    const parent = (G * G) / (H + l2);
    let best = 0, bf = -1, bb = -1;
    for (let f = 0; f < x.cols; f++) {
      const hg = new Float64Array(256), hc = new Float64Array(256);
      for (const i of rows) {
        hg[bins[f * n + i]!]! += g[i]!;
        hc[bins[f * n + i]!]!++;
      }
      let gl = 0, cl = 0;
      for (let t = 0; t < nb[f]! - 1; t++) {
        gl += hg[t]!;
        cl += hc[t]!;
        if (cl < minLeaf || H - cl < minLeaf) continue;
        const gr = G - gl;
        const gain = (gl * gl) / (cl + l2) + (gr * gr) / (H - cl + l2) - parent;
        if (gain > best * (1 + 1e-12)) [best, bf, bb] = [gain, f, t];
      }
    }
    assertEquals([tree.feature[k], tree.binThreshold[k]], [bf, bb], `node ${k}`);
    assertAlmostEquals(tree.gain[k]!, best, 1e-9 * best, `gain of node ${k}`);
    checked++;
  }
  assert(checked >= 3, `only ${checked} histogram nodes checked`);
  assert(tree.feature[0] === 0, "the duplicate column a2 must not displace a (first wins ties)");
});
