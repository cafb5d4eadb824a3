/**
 * The training loop behind `deno task train --spec FILE`: build (or read) a training export,
 * evaluate every configuration of a model grid with CPCV, record one ledger trial per
 * configuration, refit the best configuration on all rows, export it to ONNX and register it as a
 * challenger.
 *
 * Per configuration: for each CPCV split (lib/validation `cpcvSplits` on the export's label
 * intervals t0/t1 with its group and embargo settings) the model is fitted on the split's purged
 * training rows (uniqueness weights from the export) and predicts its test rows; `cpcvPaths`
 * assembles the out-of-sample predictions into backtest paths. Strategy per path: position =
 * sign(prediction) for regression, +1 / -1 for P(y = 1) above / below 0.5 for binary; period
 * return = position * label - costBps / 1e4 * |position change|, averaged over symbols per date.
 * The trial's returns are the mean over paths per date (out of sample, net of the stated cost).
 *
 * Label horizon: a label of h sessions (forward_return `horizon`; bars of the dataset's
 * frequency, weeks or months on weekly or monthly data, named so in the output by
 * {@link barWord}) is an h-session return, so consecutive dates' returns overlap by h - 1 sessions. Treating them as
 * a per-session series overstates the annualised Sharpe by about sqrt(h) (each is h sessions of
 * drift and variance, annualised as if one) and its serial correlation breaks the i.i.d.
 * assumption of the DSR's T, skew and kurtosis. The strategy is therefore evaluated on
 * NON-OVERLAPPING periods ({@link nonOverlappingPeriods}): from the first date, the next date
 * whose decision time t0 is at or after the previous one's label end t1 (every h-th session
 * without gaps; after a missing session the chain restarts at the next labelled date). The
 * position is held from one such date to the next (costs are charged on the change between
 * them), and every statistic (Sharpe, observations, skew, kurtosis, DSR, PBO, the ledger trial
 * and the registered OOS returns) is of these returns, annualised with periodsPerYear / h periods
 * a year ({@link evaluationPeriodsPerYear}; for triple_barrier labels, whose holding varies up to
 * `maxHolding`, the realised rate: periodsPerYear x evaluated periods / labelled dates). This is Lo's (2002) rule that an h-period Sharpe is
 * annualised by sqrt(periods of that length per year), on returns that do not overlap (the
 * evaluation Bailey and Lopez de Prado's DSR assumes). With h = 1 every date is kept (t0 of the
 * next date = t1 of this one) and nothing changes. Chosen over the overlapping-portfolio (1/h
 * per vintage) construction because it needs only the label itself, whatever its kind.
 * @see Lo, A. W. (2002). The Statistics of Sharpe Ratios. Financial Analysts Journal 58(4),
 *      36-52. doi:10.2469/faj.v58.n4.2453
 * @see Bailey, D. H., & Lopez de Prado, M. (2014). The Deflated Sharpe Ratio. JPM 40(5).
 *      doi:10.3905/jpm.2014.40.5.094
 *
 * Selection: the configuration refitted and registered is the one with the highest per-period
 * Sharpe (ddof 1) of those trial returns ({@link selectConfig}); configurations whose Sharpe is
 * undefined (returns without dispersion, e.g. a model that never takes a position) are never
 * selected and are not recorded in the ledger. The per-split test score (R^2 or accuracy) is
 * reported beside it but does not enter the selection: the two can disagree (a configuration with
 * the worst mean R^2 can trade best), and the summary says where the selected one ranks by score.
 * Because the selection takes a maximum over every trial of the question, the summary carries the
 * multiple-testing evidence of the ledger (lib/validation `ledgerEvidence`): N = the question's
 * recorded trials (this grid and earlier runs), the deflated Sharpe ratio of the selected
 * configuration's returns against the expected maximum Sharpe of N unskilled trials, and the PBO
 * (CSCV, S = 16 partitions) of the question's trial return matrix.
 */
import {
  type BarSource,
  buildDailyFeaturePanel,
  exportTrainingSet,
  loadDailyBars,
  type LoadedDailyBars,
  rowClockSamples,
  type SymbolDailyBars,
  type TrainingExportSpec,
  type TrainingManifest,
} from "../features/mod.ts";
import { panelLabels } from "../labels/mod.ts";
import { TRADING_DAYS_PER_YEAR } from "../core/constants.ts";
import type { DatasetMeta } from "../lake/spec.ts";
import { generateWorld } from "../sources/sim/world.ts";
import {
  cpcvPaths,
  cpcvSplits,
  deflatedSharpe,
  expectedMaxSharpe,
  ledgerEvidence,
  type LedgerOptions,
  recordTrials,
  sharpeStats,
  trialId,
} from "../validation/mod.ts";
import { checkFitGrid, checkFitOptions } from "./fit_options.ts";
import { tabularManifest } from "./feature_manifest.ts";
import { fitLogistic, fitRidge, predictLinear } from "./linear.ts";
import { type Matrix, takeRows } from "./matrix.ts";
import { readTrainingExport } from "./training_data.ts";
import { accuracy, r2 } from "./metrics.ts";
import { exportOnnx } from "./onnx_export.ts";
import { type ModelVersion, registerModel } from "./registry.ts";
import { fitGbt, fitRandomForest, predictEnsemble } from "./trees.ts";

/** SPY daily open/close from the simulated market's daily state (fast: no second bars). */
export interface SimSpySource {
  kind: "sim-spy";
  seed?: number;
  start: string;
  end: string;
}

/** Model family and its configuration grid. */
export interface ModelGridSpec {
  kind: "random_forest" | "gbt" | "ridge" | "logistic";
  /** @default "regression" ("binary" for logistic) */
  task?: "regression" | "binary";
  /**
   * Configurations (options of the fit function, lib/models/fit_options.ts: an unknown or
   * ill-typed option is refused); one ledger trial each. @default [{}]
   */
  grid?: Record<string, unknown>[];
}

/** A training spec (the JSON file of `deno task train`). */
export interface TrainSpec {
  /** Registry name of the model. */
  name: string;
  /** Research question the trials are recorded under. */
  question: string;
  /** Training export to build: the export-training spec plus its bar source. */
  data: TrainingExportSpec & { source: BarSource | SimSpySource };
  model: ModelGridSpec;
  /** Cost per unit of position change, in basis points. @default 1 */
  costBps?: number;
  /** Register the refitted best model. @default true */
  register?: boolean;
}

/** Options for {@link runTraining}. */
export interface TrainOptions {
  /** Lake root (registry and default ledger). @default lakeRoot() */
  root?: string;
  /** Where the training export is written. @default a temporary folder */
  outDir?: string;
  /** Ledger. @default the lake ledger under `root` */
  ledger?: LedgerOptions;
  /** Code version recorded with the trials. @default "workbench" */
  codeVersion?: string;
  /** Progress lines. @default no output */
  log?: (line: string) => void;
  /**
   * Runs the CPCV folds (configuration x split) elsewhere, e.g. on cluster workers with
   * {@link runCpcvFold} (lib/jobs `clusterFolds`); returns each fold's test predictions and score
   * in the order given. The export directory must be readable where the folds run.
   * @default every fold is fitted in this process
   */
  folds?: (jobs: CpcvFoldJob[]) => Promise<CpcvFoldResult[]>;
}

/** One CPCV fold of a training run: everything a worker needs to fit it. */
export interface CpcvFoldJob {
  /** Training export folder (rows.parquet, manifest.json). */
  exportDir: string;
  features: string[];
  kind: ModelGridSpec["kind"];
  task: "regression" | "binary";
  /** Options of the fit function (one grid configuration). */
  config: Record<string, unknown>;
  /** CPCV settings of the export. */
  groups: number;
  testGroups: number;
  embargoMs: number;
  /**
   * Per group, the instant its test block's embargo reaches (the export manifest's
   * `cpcv.embargo_end_ms`, with `embargoBars`); replaces `embargoMs` when given.
   */
  embargoEndMs?: number[];
  /** Index of the split in `cpcvSplits`' order. */
  split: number;
}

/** A fitted fold: predictions of its test rows and the test score (R^2 or accuracy). */
export interface CpcvFoldResult {
  pred: Float64Array;
  score: number;
}

const EXPORT_CACHE = new Map<string, Promise<Awaited<ReturnType<typeof readTrainingExport>>>>();

/**
 * Fit one CPCV fold from a training export folder (a cluster worker's job): the same rows,
 * weights, split and fit as {@link runTraining}'s own loop, so the predictions are bit-identical.
 * The export is read once per process and folder.
 *
 * @example
 * ```ts ignore
 * const { pred, score } = await runCpcvFold({ exportDir, features, kind: "ridge",
 *   task: "regression", config: { lambda: 1 }, groups: 6, testGroups: 2, embargoMs: 0, split: 3 });
 * ```
 */
export async function runCpcvFold(job: CpcvFoldJob): Promise<CpcvFoldResult> {
  checkFitOptions(job.kind, job.config, "config");
  const key = `${job.exportDir}\u0000${job.features.join(",")}`;
  let p = EXPORT_CACHE.get(key);
  if (!p) {
    p = readTrainingExport(job.exportDir, job.features);
    EXPORT_CACHE.set(key, p);
    p.catch(() => EXPORT_CACHE.delete(key));
  }
  const data = await p;
  const cv = cpcvSplits(data.t0, data.t1, {
    groups: job.groups,
    testGroups: job.testGroups,
    ...(job.embargoEndMs ? { embargoEnds: job.embargoEndMs } : { embargo: job.embargoMs }),
  });
  const split = cv.splits[job.split];
  if (!split) {
    throw new RangeError(`CPCV split ${job.split} outside 0..${cv.splits.length - 1}`);
  }
  const y = job.task === "binary" ? data.label.map((v) => (v > 0 ? 1 : 0)) : data.label;
  return await fitFold(data.x, y, data.weight, split, job.kind, job.task, job.config);
}

async function fitFold(
  x: Matrix,
  y: Float64Array,
  w: Float64Array,
  split: { train: ArrayLike<number>; test: ArrayLike<number> },
  kind: ModelGridSpec["kind"],
  task: "regression" | "binary",
  config: Record<string, unknown>,
): Promise<CpcvFoldResult> {
  const tr = takeRows(x, split.train);
  const te = takeRows(x, split.test);
  const ytr = Float64Array.from(split.train, (i) => y[i]!);
  const wtr = Float64Array.from(split.train, (i) => w[i]!);
  const model = await fitOne(kind, task, tr, ytr, wtr, config);
  const pred = model.predict(te);
  const yte = Float64Array.from(split.test, (i) => y[i]!);
  return { pred, score: task === "binary" ? accuracy(yte, pred) : r2(yte, pred) };
}

/** What one configuration scored. */
export interface ConfigResult {
  params: Record<string, unknown>;
  trialId: string;
  /** Mean and standard deviation of the per-split test score (R^2 or accuracy). */
  scoreMean: number;
  scoreStd: number;
  /** Per-period Sharpe (ddof 1) of the trial's out-of-sample returns, and annualised (x sqrt(periodsPerYear)). */
  sharpe: number;
  sharpeAnnualized: number;
  /** Per-period Sharpe of each CPCV path. */
  pathSharpes: number[];
  returns: Float64Array;
  /** False when the Sharpe is undefined (no dispersion): not recorded, never selected. */
  recorded: boolean;
}

/** How the best configuration was chosen, and the multiple-testing evidence behind it. */
export interface SelectionSummary {
  /** The selection rule (module doc): highest per-period Sharpe of the OOS CPCV returns. */
  criterion: "oos_sharpe";
  /** Index of the selected configuration in `configs`. */
  index: number;
  /** Rank (1 = best) of the selected configuration by mean test score among `configs`. */
  scoreRank: number;
  /**
   * Trials N recorded in the ledger under the question (this grid and earlier runs); NaN (with
   * DSR, PBO and the reason in `pboNote`) when the ledger cannot give them.
   */
  trials: number;
  /** Variance of the per-period Sharpe ratios of those N trials (DSR's V). */
  srVariance: number;
  /** Expected maximum annualised Sharpe of N unskilled trials with that variance (DSR's SR0). */
  expectedMaxSharpeAnnualized: number;
  /** Deflated Sharpe ratio (probability) of the selected configuration's returns; NaN when undefined. */
  dsr: number;
  /** PBO of the question's trial return matrix (NaN with fewer than 2 trials or too few periods). */
  pbo: number;
  /** Why PBO is NaN, when it is. */
  pboNote: string;
}

/** Result of {@link runTraining}. */
export interface TrainSummary {
  /**
   * Periods per year annualising the Sharpe ratios: of the evaluated non-overlapping label
   * periods, the dataset's periods per year / label horizon (module doc).
   */
  periodsPerYear: number;
  /** The dataset's periods per year (its sessions; 252 for simulated data). */
  datasetPeriodsPerYear: number;
  /** Label horizon h in bars of the dataset (1 for overnight; triple_barrier: its maxHolding). */
  horizon: number;
  /** What one bar of the dataset is, {@link barWord}: "session", "week", "month", ... */
  horizonUnit: string;
  /** Non-overlapping periods the strategy returns are evaluated on (module doc). */
  evaluationPeriods: number;
  /** Dates with a label (overlapping h-session returns when h > 1). */
  labelDates: number;
  /** The lake dataset trained on (lake sources). */
  dataset?: { name: string; manifest: string; meta: DatasetMeta };
  rows: number;
  features: string[];
  splits: number;
  paths: number;
  configs: ConfigResult[];
  best: ConfigResult;
  /** Selection rule, where the best ranks by score, and the ledger's DSR / PBO evidence. */
  selection: SelectionSummary;
  /** The registered model card (when `register`). */
  registered?: ModelVersion;
  exportDir: string;
}

/** Runs the training loop of a spec (module doc). */
export async function runTraining(
  spec: TrainSpec,
  options: TrainOptions = {},
): Promise<TrainSummary> {
  const log = options.log ?? (() => {});
  const task = spec.model.task ?? (spec.model.kind === "logistic" ? "binary" : "regression");
  // a misspelled or ill-typed fit option is refused before any work (lib/models/fit_options.ts)
  checkFitGrid(spec.model.kind, spec.model.grid);
  const grid = spec.model.grid && spec.model.grid.length > 0 ? spec.model.grid : [{}];
  const costBps = spec.costBps ?? 1;
  // 1. training export
  // A lake source reads the lake of `options.root` unless the spec names its own root.
  const src = spec.data.source;
  const source = options.root && src.kind !== "sim" && src.kind !== "sim-spy" && !src.root
    ? { ...src, root: options.root }
    : src;
  const { bars, inputs, dataset } = await loadBars(source, spec.data.features);
  const outDir = options.outDir ?? (await Deno.makeTempDir({ prefix: `train_${spec.name}_` }));
  // Annualisation and label end times from the dataset's calendar (NYSE sessions for sim data).
  const periodsPerYear = dataset?.periodsPerYear ?? TRADING_DAYS_PER_YEAR;
  // Features and labels count the dataset's sessions: none spans a missing one (session_clock.ts).
  const panel = buildDailyFeaturePanel(bars, {
    features: spec.data.features,
    periodsPerYear,
    missingBetween: dataset?.missingBetween ?? null,
  });
  const labels = panelLabels(
    panel,
    spec.data.label,
    dataset ? { sessionBounds: dataset.sessionBounds } : {},
  );
  let manifest;
  try {
    const rowClock = panel.gaps?.missing.length
      ? rowClockSamples(bars, spec.data, {
        periodsPerYear,
        ...(dataset ? { sessionBounds: dataset.sessionBounds } : {}),
      })
      : undefined;
    manifest = await exportTrainingSet(
      { panel, labels, clock: dataset?.clock ?? "rows", ...(rowClock ? { rowClock } : {}) },
      spec.data,
      { outDir, inputs },
    );
  } catch (e) {
    // Too few rows dated before trainEnd: say where the data lies and what sets the date.
    if (e instanceof RangeError && / training rows before /.test(e.message)) {
      const range = panel.dates.length > 0
        ? `the data runs ${panel.dates[0]}..${panel.dates.at(-1)}`
        : "the data has no dates";
      throw new RangeError(
        `${e.message}: ${range}; "trainEnd" in the spec's data section ` +
          `(now ${spec.data.trainEnd}) sets that date (rows dated before it train): set it ` +
          "inside the data's range, or widen the data",
      );
    }
    throw e;
  }
  log(`export: ${manifest.rows} rows, ${manifest.features.length} features -> ${outDir}`);
  if (!manifest.cpcv) throw new RangeError("Cannot train: the export has no CPCV settings");
  const data = await readTrainingExport(outDir, spec.data.features);
  const features = spec.data.features;
  const { x, weight: w, t0, t1, dates, symbols } = data;
  const n = x.rows;
  const ret = data.label; // the label is the period return the strategy earns
  const y = task === "binary" ? ret.map((v) => (v > 0 ? 1 : 0)) : ret;
  // a bar embargo (spec `embargoBars`) comes back as the manifest's per-group embargo ends
  const embargoEnd = manifest.cpcv.embargo_end_ms;
  const cv = cpcvSplits(t0, t1, {
    groups: manifest.cpcv.groups,
    testGroups: manifest.cpcv.test_groups,
    ...(embargoEnd ? { embargoEnds: embargoEnd } : { embargo: manifest.cpcv.embargo_ms }),
  });
  log(`cpcv: ${cv.splits.length} splits, ${cv.paths.length} paths`);

  // 2. evaluate the grid on non-overlapping label periods (module doc)
  const allDates = [...new Set(dates)].sort();
  const chain = nonOverlappingPeriods(allDates, { dates, t0, t1 });
  const periods = chain.map((k) => allDates[k]!);
  const horizon = labels.horizon;
  const horizonUnit = barWord(dataset?.meta.frequency);
  const evalPpy = evaluationPeriodsPerYear(spec.data.label, periodsPerYear, {
    evaluated: periods.length,
    labelled: allDates.length,
  });
  log(
    `evaluation: ${periods.length} non-overlapping ${horizon}-${horizonUnit} label periods of ${allDates.length} labelled dates, ${+evalPpy
      .toFixed(4)} a year`,
  );
  const configs: ConfigResult[] = [];
  const pending: {
    params: Record<string, unknown>;
    returns: Float64Array;
    scores: number[];
    pathSharpes: number[];
  }[] = [];
  // Folds fitted elsewhere (cluster workers) come back in (configuration, split) order.
  const remote = options.folds
    ? await options.folds(grid.flatMap((config) =>
      cv.splits.map((_, si) => ({
        exportDir: outDir,
        features,
        kind: spec.model.kind,
        task,
        config,
        groups: manifest.cpcv!.groups,
        testGroups: manifest.cpcv!.test_groups,
        embargoMs: manifest.cpcv!.embargo_ms,
        ...(embargoEnd ? { embargoEndMs: embargoEnd } : {}),
        split: si,
      }))
    ))
    : null;
  if (remote && remote.length !== grid.length * cv.splits.length) {
    throw new RangeError(
      `folds returned ${remote.length} results for ${grid.length * cv.splits.length} folds`,
    );
  }
  for (const [gi, config] of grid.entries()) {
    const preds: Float64Array[] = [];
    const scores: number[] = [];
    for (const [si, split] of cv.splits.entries()) {
      const f = remote
        ? remote[gi * cv.splits.length + si]!
        : await fitFold(x, y, w, split, spec.model.kind, task, config);
      preds.push(f.pred);
      scores.push(f.score);
    }
    const paths = cpcvPaths(cv, preds);
    const pathReturns = paths.map((p) =>
      strategyReturns(p, ret, dates, symbols, periods, task, costBps)
    );
    const returns = new Float64Array(periods.length);
    for (const r of pathReturns) {
      for (let k = 0; k < r.length; k++) returns[k] = returns[k]! + r[k]! / pathReturns.length;
    }
    pending.push({
      params: { kind: spec.model.kind, task, ...config },
      returns,
      scores,
      pathSharpes: pathReturns.map(sharpeOf),
    });
    log(
      `config ${gi + 1}/${grid.length} ${JSON.stringify(config)}: score ${
        mean(scores).toFixed(4)
      }, OOS Sharpe ${(sharpeOf(returns) * Math.sqrt(evalPpy)).toFixed(2)} annualised (${
        sharpeOf(returns).toFixed(4)
      } per period)`,
    );
  }
  const dataManifest = manifest.files["rows.parquet"] ??
    (await sha256Text(JSON.stringify(manifest)));
  const trialInputs = pending.map((p) => ({
    question: spec.question,
    codeVersion: options.codeVersion ?? "workbench",
    dataManifest,
    // h > 1: the trial is of non-overlapping h-session returns; its own id, so a ledger trial of
    // the former overlapping evaluation (same configuration, other returns) is not taken for it
    params: horizon > 1 ? { ...p.params, evaluation: `non_overlapping_${horizon}` } : p.params,
    returns: p.returns,
    periods,
    periodsPerYear: evalPpy,
    kind: "model",
  }));
  // a configuration without dispersion has no Sharpe: DSR's N and V cannot count it
  const finite = pending.map((p) => Number.isFinite(sharpeOf(p.returns)));
  const ledger = options.ledger ?? (options.root ? { root: options.root } : {});
  const recorded = await recordTrials(trialInputs.filter((_, k) => finite[k]), ledger);
  let r = 0;
  for (const [k, p] of pending.entries()) {
    const s = sharpeOf(p.returns);
    configs.push({
      params: p.params,
      trialId: finite[k] ? recorded[r++]!.record.trialId : await trialId(trialInputs[k]!),
      scoreMean: mean(p.scores),
      scoreStd: std(p.scores),
      sharpe: s,
      sharpeAnnualized: s * Math.sqrt(evalPpy),
      pathSharpes: p.pathSharpes,
      returns: p.returns,
      recorded: finite[k]!,
    });
  }
  const bestIndex = selectConfig(configs);
  const best = configs[bestIndex]!;
  const selection = await selectionEvidence(
    spec.question,
    configs,
    bestIndex,
    evalPpy,
    ledger,
  );

  // 3. refit on every row, export, register
  const summary: TrainSummary = {
    periodsPerYear: evalPpy,
    datasetPeriodsPerYear: periodsPerYear,
    horizon,
    horizonUnit,
    evaluationPeriods: periods.length,
    labelDates: allDates.length,
    ...(dataset
      ? { dataset: { name: dataset.name, manifest: dataset.manifest, meta: dataset.meta } }
      : {}),
    rows: n,
    features,
    splits: cv.splits.length,
    paths: cv.paths.length,
    configs,
    best,
    selection,
    exportDir: outDir,
  };
  if (spec.register ?? true) {
    const { kind: _k, task: _t, ...bestConfig } = best.params;
    const final = await fitOne(spec.model.kind, task, x, y, w, bestConfig);
    const fm = tabularManifest(features);
    summary.registered = await registerModel({
      name: spec.name,
      onnx: exportOnnx(final.model),
      manifest: fm,
      modelKind: spec.model.kind,
      task,
      trainingDataHash: dataManifest,
      params: { ...best.params, normalisation: normalisationOf(manifest) },
      cpcvMetrics: {
        score_mean: best.scoreMean,
        score_std: best.scoreStd,
        sharpe: best.sharpe,
        sharpe_annualized: best.sharpeAnnualized,
        path_sharpe_min: Math.min(...best.pathSharpes),
        path_sharpe_max: Math.max(...best.pathSharpes),
        trials: selection.trials,
        deflated_sharpe: selection.dsr,
        pbo: selection.pbo,
      },
      question: spec.question,
      trialId: best.trialId,
      oosReturns: Array.from(best.returns),
      periodsPerYear: evalPpy,
      netOfCosts: costBps > 0,
      notes: `features are z-scored with the export's training statistics (params.normalisation)`,
    }, options.root ? { root: options.root } : {});
  }
  return summary;
}

/**
 * The selection rule of {@link runTraining}: the index of the configuration with the highest
 * per-period Sharpe ratio; configurations whose Sharpe is not finite (NaN: no dispersion) are
 * skipped; ties keep the first. Throws a RangeError when no configuration has a finite Sharpe.
 *
 * @example
 * ```ts
 * import { selectConfig } from "./train.ts";
 * selectConfig([{ sharpe: NaN }, { sharpe: -0.1 }, { sharpe: 0.02 }]); // 2
 * ```
 */
export function selectConfig(configs: readonly { sharpe: number }[]): number {
  let best = -1;
  configs.forEach((c, i) => {
    if (Number.isFinite(c.sharpe) && (best < 0 || c.sharpe > configs[best]!.sharpe)) best = i;
  });
  if (best < 0) {
    throw new RangeError(
      `Cannot select a configuration: none of the ${configs.length} has a defined Sharpe ` +
        "(their out-of-sample returns have no dispersion: the models never take a position)",
    );
  }
  return best;
}

/** Rank by mean score, and the ledger's DSR and PBO for the selected configuration. */
async function selectionEvidence(
  question: string,
  configs: ConfigResult[],
  index: number,
  periodsPerYear: number,
  ledger: LedgerOptions,
): Promise<SelectionSummary> {
  const best = configs[index]!;
  const scoreRank = 1 + configs.filter((c) => c.scoreMean > best.scoreMean).length;
  let ev;
  try {
    ev = await ledgerEvidence(question, { ...ledger, partitions: 16 });
  } catch (e) {
    // e.g. earlier trials of the question recorded with another periodicity: no honest N
    const note = `no ledger evidence for question ${question}: ${(e as Error).message}`;
    return {
      criterion: "oos_sharpe",
      index,
      scoreRank,
      trials: NaN,
      srVariance: NaN,
      expectedMaxSharpeAnnualized: NaN,
      dsr: NaN,
      pbo: NaN,
      pboNote: note,
    };
  }
  const { trials, srVariance } = ev.trials;
  const st = sharpeStats(best.returns);
  const dsr = [st.sr, st.skew, st.kurtosis].every(Number.isFinite)
    ? deflatedSharpe({
      sr: st.sr,
      trials,
      srVariance,
      observations: st.observations,
      skew: st.skew,
      kurtosis: st.kurtosis,
    })
    : NaN;
  return {
    criterion: "oos_sharpe",
    index,
    scoreRank,
    trials,
    srVariance,
    expectedMaxSharpeAnnualized: expectedMaxSharpe({ trials, srVariance }) *
      Math.sqrt(periodsPerYear),
    dsr,
    pbo: ev.pbo,
    pboNote: ev.pboNote,
  };
}

interface Fitted {
  model: Parameters<typeof exportOnnx>[0];
  predict: (x: Matrix) => Float64Array;
}

async function fitOne(
  kind: ModelGridSpec["kind"],
  task: "regression" | "binary",
  x: Matrix,
  y: Float64Array,
  w: Float64Array,
  config: Record<string, unknown>,
): Promise<Fitted> {
  if (kind === "ridge" || kind === "logistic") {
    const m = kind === "ridge"
      ? fitRidge(x, y, { ...config, sampleWeight: w })
      : fitLogistic(x, y, { ...config, sampleWeight: w });
    return { model: m, predict: (z) => predictLinear(m, z) };
  }
  const m = kind === "gbt"
    ? await fitGbt(x, y, { ...config, task, sampleWeight: w })
    : await fitRandomForest(x, y, { ...config, task, sampleWeight: w });
  return { model: m, predict: (z) => predictEnsemble(m, z) };
}

/**
 * The dates of a non-overlapping chain of label periods: date 0, then each next date whose
 * decision time t0 (earliest of its rows) is at or after the label end t1 (latest of the last
 * chosen date's rows). Returns indices into `periods` (sorted distinct dates). With h-session
 * forward returns on a calendar without gaps this is every h-th date; with h = 1 (t1 of a date =
 * t0 of the next) every date.
 *
 * @example
 * ```ts
 * import { nonOverlappingPeriods } from "./train.ts";
 * // 4 dates, 2-session labels: t0 = 0,1,2,3 and t1 = 2,3,4,5
 * const dates = ["a", "b", "c", "d"];
 * nonOverlappingPeriods(dates, { dates, t0: [0, 1, 2, 3], t1: [2, 3, 4, 5] });
 * // [0, 2]
 * ```
 */
export function nonOverlappingPeriods(
  periods: readonly string[],
  rows: { dates: readonly string[]; t0: ArrayLike<number>; t1: ArrayLike<number> },
): number[] {
  const at = new Map(periods.map((d, k) => [d, k]));
  const start = new Float64Array(periods.length).fill(Infinity);
  const end = new Float64Array(periods.length).fill(-Infinity);
  for (let i = 0; i < rows.dates.length; i++) {
    const k = at.get(rows.dates[i]!);
    if (k === undefined) {
      throw new RangeError(
        `Cannot chain label periods: row ${i} date ${rows.dates[i]} not in periods`,
      );
    }
    const a = rows.t0[i]!, b = rows.t1[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) {
      throw new RangeError(
        `Cannot chain label periods: row ${i} (${
          rows.dates[i]
        }) has t0 ${a}, t1 ${b} (need finite t0 <= t1)`,
      );
    }
    start[k] = Math.min(start[k]!, a);
    end[k] = Math.max(end[k]!, b);
  }
  const out: number[] = [];
  let last = -Infinity;
  for (let k = 0; k < periods.length; k++) {
    if (start[k] === Infinity) continue; // a date without rows
    if (start[k]! >= last) {
      out.push(k);
      last = end[k]!;
    }
  }
  return out;
}

/**
 * Periods per year of the non-overlapping label periods {@link nonOverlappingPeriods} keeps:
 * forward_return of horizon h: periodsPerYear / h (each evaluated return spans h of the
 * dataset's periods); overnight: periodsPerYear (one per session); triple_barrier (holding varies
 * up to maxHolding): the realised rate periodsPerYear x evaluated / labelled.
 * The annualised Sharpe is then SR_period x sqrt(this) (Lo 2002, i.i.d. h-period returns).
 *
 * @see Lo, A. W. (2002). The Statistics of Sharpe Ratios. FAJ 58(4). doi:10.2469/faj.v58.n4.2453
 * @example
 * ```ts
 * import { evaluationPeriodsPerYear } from "./train.ts";
 * evaluationPeriodsPerYear({ kind: "forward_return", horizon: 5 }, 260, { evaluated: 367, labelled: 1835 }); // 52
 * ```
 */
export function evaluationPeriodsPerYear(
  label: TrainSpec["data"]["label"],
  periodsPerYear: number,
  counts: { evaluated: number; labelled: number },
): number {
  if (label.kind === "forward_return") {
    const h = label.horizon ?? 1;
    if (!(Number.isInteger(h) && h >= 1)) {
      throw new RangeError(
        `Cannot annualise: forward_return horizon must be an integer >= 1, got ${h}`,
      );
    }
    return periodsPerYear / h;
  }
  if (label.kind === "overnight") return periodsPerYear;
  if (!(counts.labelled > 0)) {
    throw new RangeError("Cannot annualise triple_barrier returns: no labelled dates");
  }
  return (periodsPerYear * counts.evaluated) / counts.labelled;
}

/**
 * Net strategy returns of one path on the evaluated dates `periods` (the non-overlapping chain),
 * averaged over symbols per date; rows on other dates are skipped, so a position is held from one
 * evaluated date to the next and the cost is charged on the change between them.
 */
function strategyReturns(
  pred: Float64Array,
  ret: Float64Array,
  dates: string[],
  symbols: string[],
  periods: string[],
  task: "regression" | "binary",
  costBps: number,
): Float64Array {
  const at = new Map(periods.map((d, k) => [d, k]));
  const sum = new Float64Array(periods.length);
  const cnt = new Float64Array(periods.length);
  const lastPos = new Map<string, number>();
  for (let i = 0; i < pred.length; i++) {
    const k = at.get(dates[i]!);
    if (k === undefined) continue;
    const p = pred[i]!;
    const pos = task === "binary" ? (p > 0.5 ? 1 : p < 0.5 ? -1 : 0) : Math.sign(p);
    const prev = lastPos.get(symbols[i]!) ?? 0;
    lastPos.set(symbols[i]!, pos);
    const r = pos * ret[i]! - (costBps / 1e4) * Math.abs(pos - prev);
    sum[k] = sum[k]! + r;
    cnt[k] = cnt[k]! + 1;
  }
  return sum.map((s, k) => (cnt[k]! > 0 ? s / cnt[k]! : 0));
}

async function loadBars(
  source: BarSource | SimSpySource,
  features: string[],
): Promise<Pick<LoadedDailyBars, "bars" | "inputs" | "dataset">> {
  if (source.kind !== "sim-spy") {
    const { bars, inputs, dataset } = await loadDailyBars(source);
    return { bars, inputs, ...(dataset ? { dataset } : {}) };
  }
  const needHL = ["atr_14_pct", "stoch_k", "vol_yz_20", "vol_park_20"].filter((f) =>
    features.includes(f)
  );
  if (needHL.length > 0) {
    throw new RangeError(
      `Cannot use sim-spy with ${needHL.join(", ")}: the SPY daily state has no intraday high/low`,
    );
  }
  const cfg = { seed: source.seed ?? 1, start: source.start, end: source.end, equityCount: 1 };
  const d = generateWorld(cfg).spyDaily;
  const open = Float64Array.from(d.open);
  const close = Float64Array.from(d.close);
  const bars: SymbolDailyBars = {
    symbol: "SPY",
    dates: [...d.days],
    open,
    close,
    high: open.map((o, i) => Math.max(o, close[i]!)),
    low: open.map((o, i) => Math.min(o, close[i]!)),
    volume: Float64Array.from(d.volume),
  };
  return {
    bars: [bars],
    inputs: [{
      name: `sim-spy:${JSON.stringify(cfg)}`,
      sha256: await sha256Text(JSON.stringify(cfg)),
    }],
  };
}

/**
 * What one bar of a dataset of `frequency` is called where label horizons are printed: a
 * session for daily data (`session`, `day`, `1d`; also simulated data, no frequency), else the
 * period itself (`week`, `month`, `quarter`, `year`), or "bar" for anything else.
 *
 * @example barWord("month"); // "month" (a 1-month label period)
 * @example barWord("session"); // "session"
 */
export function barWord(frequency: string | undefined): string {
  if (frequency === undefined || ["session", "day", "1d", "d"].includes(frequency)) {
    return "session";
  }
  return ["week", "month", "quarter", "year"].includes(frequency) ? frequency : "bar";
}

function normalisationOf(m: TrainingManifest): { name: string; mean: number; std: number }[] {
  return m.features.map((f) => ({ name: f.name, mean: f.mean, std: f.std }));
}

function mean(a: number[]): number {
  return a.length ? a.reduce((s, v) => s + v, 0) / a.length : NaN;
}

function std(a: number[]): number {
  if (a.length < 2) return 0;
  const m = mean(a);
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1));
}

function sharpeOf(r: ArrayLike<number>): number {
  const a = Array.from(r);
  const s = std(a);
  return s > 0 ? mean(a) / s : NaN;
}

async function sha256Text(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}
