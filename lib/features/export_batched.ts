/**
 * Out-of-core training export: the same files as {@link exportTrainingSet} (rows.parquet,
 * manifest.json, README.md) built from a lake dataset read in time batches, so memory holds one
 * batch's panel instead of the whole history.
 *
 * How (exactness is the point: the rows equal the eager export's, value for value):
 * 0. One lake state: the dataset's current manifest version is fixed first and pinned
 *    (`pinSnapshot`, expiring after {@link EXPORT_PIN_MS} so a dead submitter's pin lapses,
 *    removed at the end); every read below, in this process or in a cluster job (the version
 *    travels in the plan), is made at that version, so a write during the export changes
 *    nothing read and its replaced files stay on disk until the export ends. A `view:` source
 *    is read as it is (no version).
 * 1. Scan pass: the dataset is read one calendar year at a time (lake scans with pushdown) to
 *    collect its distinct dates and each symbol's first and last date; the dataset's meta
 *    (calendar, frequency, currency) is the one every read reports (the manifest's; a batch
 *    disagreeing is an error).
 * 2. Feature pass: output dates are cut into batches of `batchDates` dates. Each batch is read
 *    with a warm-up before it and a look-ahead after it: at least the longest feature lookback
 *    ({@link batchLookback}; per-symbol features count the symbol's own bars, cross-sectional
 *    ones count panel dates, `month_seasonality` needs five whole calendar years) and the label
 *    horizon. A symbol with a gap (fewer bars in the warm-up than its lookback while it has
 *    older bars, or fewer finite closes after the batch than the horizon while it has later
 *    bars) widens the window and the batch is read again, so every symbol sees exactly the bars
 *    the eager panel gives it. With `gaps: "skip"` (features over each symbol's observed bars,
 *    lib/features `DailyPanelOptions.gaps`) the cross-sectional lookback counts the symbol's own
 *    bars too, so a symbol needs that many of its bars before the batch, and missing sessions
 *    are no panel dates (no read back to them). Features and labels are computed on the window,
 *    the warm-up and look-ahead rows are dropped, and the batch's samples (same selection as the eager export)
 *    are spilled to a Parquet part with the raw features. The training rows' feature sums
 *    accumulate in the eager order (date, then symbol), so the mean is the same double.
 * 3. Normalisation pass over the parts: sum of squared deviations from that mean (the eager
 *    two-pass formula, same order), std with ddof 1.
 * 4. CPCV (lib/validation `cpcvSplits`) and uniqueness weights on the samples' decision and end
 *    times, which stay in memory (20 bytes a sample: t0, t1, symbol id; the split index lists
 *    are built once, turned into one byte per sample and split), then a write pass: each part
 *    z-scored and completed (weight, group, splits), the parts streamed into `rows.parquet` by a
 *    Polars sink.
 *
 * Not batchable (RangeError naming the feature; the eager export handles them): recursive
 * features whose value depends on the whole series since its start (`rsi_14`, `macd_hist_pct`,
 * `atr_14_pct`: EMA/Wilder recursion; `bb_pctb`: an SMA whose running sum is re-anchored at
 * fixed positions of the symbol's series; `vol_63`, `amihud_21`, `log_dollar_volume_21`,
 * `dow_seasonality`: running sums whose rounding depends on rows before any finite window),
 * `triple_barrier` labels (EWM volatility), sequence windows, and adjusted prices (`split`,
 * `total_return`: backward factors depend on the last bar of the whole read).
 *
 * @example
 * ```ts ignore
 * const spec = resolveExportSpec(JSON.parse(Deno.readTextFileSync("export.json")));
 * const r = await exportTrainingSetBatched(spec, { outDir: "data/exports/x", batchDates: 250 });
 * r.manifest.rows; r.batches;
 * ```
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { MS_PER_DAY } from "../core/mod.ts";
import { cpcvSplits } from "../validation/cpcv.ts";
import { loadDataset, type LoadedDataset, manifestId, parseDatasetRef } from "../dataset/load.ts";
import { resolveDatasetName } from "../dataset/load.ts";
import type { DatasetRef } from "../dataset/dataset_ref.ts";
import { committedState, stateAtVersion } from "../lake/reader.ts";
import { pinSnapshot, unpinSnapshot } from "../lake/snapshot.ts";
import { holdWork, removeStaleWork, type WorkOwner } from "./_export_work.ts";
import { lakeRoot } from "../lake/spec.ts";
import { panelLabels, type PanelLabelSpec } from "../labels/panel_labels.ts";
import { buildDailyFeaturePanel, DAILY_FEATURES, perDateNormalisation } from "./daily_panel.ts";
import {
  type BarInput,
  cpcvManifest,
  cpcvSettings,
  crossSectionBlocker,
  CrossSectionError,
  exportedMoments,
  ExportSpecError,
  featureFit,
  featureInputBlocker,
  firstExamples,
  missingCounter,
  missingInRange,
  noSampleMessage,
  presentBarInputs,
  rowClockSamples,
  specFrequencyBlocker,
  type TrainingExportSpec,
  type TrainingManifest,
  trainingManifest,
  uniquenessWeights,
  writeTrainingManifest,
} from "./training_export.ts";
import {
  type BarSource,
  dailyBarsOf,
  DEFAULT_DAY_BARS,
  lakeInputName,
} from "./training_sources.ts";
import { barTimes, clockKind, sessionClock } from "./session_clock.ts";

/**
 * Lookback of each daily feature: `bars` of the symbol's own series before the row (per-symbol
 * features), `rows` of panel dates (cross-sectional), `years` of whole calendar years
 * (`month_seasonality`), or `unbounded` with the reason. Derived from the kernels: roc_n uses t-n; stochastic %K 14 uses t-13..t; Yang-Zhang 20 uses the
 * overnight return of t-19, hence the close of t-20; Parkinson 20 uses t-19..t; the overnight
 * return uses C_{t-1}; mom_12_1 uses C_{t-252}; reversal_21 uses C_{t-21}.
 */
export const FEATURE_LOOKBACK: Record<
  string,
  { bars: number } | { rows: number } | { years: number } | { unbounded: string }
> = {
  rsi_14: { unbounded: "Wilder smoothing recursion from the series' first value" },
  macd_hist_pct: { unbounded: "EMA recursion from the series' first value" },
  atr_14_pct: { unbounded: "Wilder smoothing recursion from the series' first value" },
  bb_pctb: {
    unbounded:
      "its middle band is a running-sum SMA re-anchored every 1024 bars of the symbol's series",
  },
  roc_5: { bars: 5 },
  roc_20: { bars: 20 },
  stoch_k: { bars: 13 },
  vol_yz_20: { bars: 20 },
  vol_park_20: { bars: 19 },
  ret_overnight: { bars: 1 },
  ret_intraday: { bars: 0 },
  mom_12_1: { rows: 252 },
  reversal_21: { rows: 21 },
  vol_63: { unbounded: "running sums re-anchored every 256 panel rows only when complete" },
  amihud_21: { unbounded: "running sums re-anchored every 256 panel rows only when complete" },
  log_dollar_volume_21: {
    unbounded: "running sums re-anchored every 256 panel rows only when complete",
  },
  dow_seasonality: { unbounded: "running weekday sums over the whole panel, never re-anchored" },
  month_seasonality: { years: 5 },
};
// the unranked values read the same windows
for (const f of Object.keys(FEATURE_LOOKBACK)) {
  if (perDateNormalisation(f) === "rank") FEATURE_LOOKBACK[`${f}_raw`] = FEATURE_LOOKBACK[f]!;
}

/** What a batch must read around its dates: see {@link batchLookback}. */
export interface BatchLookback {
  /** Bars of each symbol's own series before a row. */
  symbolBars: number;
  /** Panel dates before a row. */
  panelRows: number;
  /** Whole calendar years before the row's year (month seasonality), 0 when not needed. */
  years: number;
  /** Finite closes of the symbol after a row that its label reads. */
  horizon: number;
}

/**
 * The warm-up and look-ahead a batch needs for these features and this label; RangeError naming
 * the first feature or label whose lookback is unbounded (module doc) or unknown.
 *
 * @example
 * ```ts
 * batchLookback(["roc_20", "mom_12_1"], { kind: "forward_return", horizon: 5 });
 * // { symbolBars: 20, panelRows: 252, years: 0, horizon: 5 }
 * ```
 */
export function batchLookback(features: readonly string[], label: PanelLabelSpec): BatchLookback {
  const out: BatchLookback = { symbolBars: 0, panelRows: 0, years: 0, horizon: 1 };
  for (const f of features) {
    const lb = FEATURE_LOOKBACK[f];
    if (!lb) {
      throw new RangeError(`Unknown daily feature ${f}; known: ${DAILY_FEATURES.join(", ")}`);
    }
    if ("unbounded" in lb) {
      throw new RangeError(
        `Cannot export in batches: feature ${f} has unbounded lookback (${lb.unbounded}); export it without batches`,
      );
    }
    if ("bars" in lb) out.symbolBars = Math.max(out.symbolBars, lb.bars);
    if ("rows" in lb) out.panelRows = Math.max(out.panelRows, lb.rows);
    if ("years" in lb) out.years = Math.max(out.years, lb.years);
  }
  if (label.kind === "forward_return") {
    const h = label.horizon ?? 1;
    if (!(Number.isInteger(h) && h >= 1)) {
      throw new RangeError(`Cannot export: label horizon ${h} must be an integer >= 1`);
    }
    out.horizon = h;
  } else if (label.kind === "overnight") out.horizon = 1;
  else {
    throw new RangeError(
      `Cannot export in batches: label ${label.kind} has unbounded lookback (EWM volatility recursion); export it without batches`,
    );
  }
  return out;
}

/** Options of {@link exportTrainingSetBatched}. */
export interface BatchedExportOptions {
  outDir: string;
  /** Output dates per batch. @default 250 */
  batchDates?: number;
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Called after each batch (progress; with runBatches, once all batches are done). */
  onBatch?: (info: BatchPartStats) => void;
  /**
   * Run the feature pass's batches elsewhere (lib/jobs `clusterExportBatches`: one cluster job
   * per batch): given the batches in order, resolve to their stats in the same order once every
   * batch's part is in the plan's folder ({@link exportBatchPart} on each). The work folder is
   * then `<outDir>/.batches-<uuid>` (every runner must reach it) instead of a local temporary
   * folder; it is removed at the end. The merge is the same, so the export is the same.
   */
  runBatches?: (jobs: BatchJob[]) => Promise<BatchPartStats[]>;
  /**
   * With `runBatches`: lease of the work folder's `owner.json`, renewed every third of it while
   * this process runs. Folders in `outDir` left by a submitter that died (lease out, process
   * gone) are removed, with their pins, when the next such export starts (lib/features/
   * _export_work.ts). @default 60 000 ms
   */
  ownerLeaseMs?: number;
}

/** What {@link exportTrainingSetBatched} did. */
export interface BatchedExportResult {
  manifest: TrainingManifest;
  batches: number;
  /** Reads of the feature pass (a batch read again after widening counts twice). */
  reads: number;
  /** The dataset read (as loadDailyBars reports it). */
  dataset: { name: string; manifest: string; meta: LoadedDataset["meta"]; periodsPerYear: number };
}

/** The dataset reference of a bar source; RangeError for a simulated world. */
function refOf(source: BarSource): { ref: DatasetRef; root?: string } {
  if (source.kind === "sim") {
    throw new RangeError(
      "Cannot export in batches: the source is a simulated world (batches read lake datasets)",
    );
  }
  const { root, ...rest } = source;
  const ref = rest.kind === "lake"
    ? parseDatasetRef({
      source: "lake",
      dataset: DEFAULT_DAY_BARS,
      ...(rest.symbols ? { symbols: rest.symbols } : {}),
    })
    : parseDatasetRef(rest as DatasetRef);
  return { ref, ...(root ? { root } : {}) };
}

/**
 * Why a spec cannot be exported in batches (module doc), or null when it can.
 *
 * @example
 * ```ts ignore
 * batchBlocker(spec); // "feature rsi_14 has unbounded lookback (...)" or null
 * ```
 */
export function batchBlocker(spec: TrainingExportSpec & { source: BarSource }): string | null {
  try {
    refOf(spec.source);
    batchLookback(spec.features, spec.label);
  } catch (e) {
    return (e as Error).message.replace(/^Cannot export in batches: /, "");
  }
  if (spec.sequence) return "sequence windows are built by the eager export only";
  if (
    spec.source.kind !== "lake" && "adjust" in spec.source && spec.source.adjust &&
    spec.source.adjust !== "raw"
  ) {
    return `adjust ${spec.source.adjust}: backward adjustment factors depend on the last bar of the whole read`;
  }
  return null;
}

/**
 * Rows the dataset's manifest holds (before filters): what the task compares with its
 * threshold to choose the batched path. 0 for a simulated world or a view.
 */
export async function sourceRows(source: BarSource): Promise<number> {
  if (source.kind === "sim") return 0;
  const { ref, root } = refOf(source);
  if (ref.dataset.startsWith("view:")) return 0;
  const st = await committedState(resolveDatasetName(ref.dataset), lakeRoot(root));
  return st.files.reduce((a, f) => a + f.rows, 0);
}

async function sha256Text(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256File(path: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Growable typed array. */
class Grow<T extends Float64Array | Int32Array> {
  #a: T;
  n = 0;
  constructor(private make: (n: number) => T) {
    this.#a = make(1024);
  }
  push(v: number) {
    if (this.n === this.#a.length) {
      const b = this.make(this.#a.length * 2);
      b.set(this.#a);
      this.#a = b;
    }
    this.#a[this.n++] = v;
  }
  done(): T {
    return this.#a.subarray(0, this.n) as T;
  }
}

/**
 * What every batch of an export needs besides its window: the spec, the lake root (absent: the
 * reader's default), the dataset's sorted distinct dates, each symbol's first and last date, the
 * meta every read must report, and the output date range. JSON, so a batch can run in another
 * process ({@link BatchedExportOptions.runBatches}).
 */
export interface BatchPlan {
  spec: TrainingExportSpec & { source: BarSource };
  root?: string;
  dates: string[];
  symFirst: Record<string, string>;
  symLast: Record<string, string>;
  meta: LoadedDataset["meta"];
  start: string;
  end: string;
  /**
   * Manifest version of the dataset every read of the export is made at (fixed by the
   * submitter before the scan pass and pinned until the export ends), so a write during the
   * export changes nothing read. Absent for a view (read as it is).
   */
  version?: number;
}

/** One batch: its number and its output dates `plan.dates[i..j]` (inclusive). */
export interface BatchWindow {
  batch: number;
  i: number;
  j: number;
}

/** A batch as another process runs it: its window, its dates and the plan file (with its digest). */
export interface BatchJob extends BatchWindow {
  /** Path of the plan (JSON of {@link BatchPlan}); the batch's part is written beside it. */
  plan: string;
  /** SHA-256 of the plan file's text. */
  sha256: string;
  from: string;
  to: string;
}

/** What one batch did; its samples are in `partName(batch)` of the work folder when rows > 0. */
export interface BatchPartStats {
  batch: number;
  from: string;
  to: string;
  /** Samples kept (label and every feature finite). */
  rows: number;
  /** Samples dropped for a missing label or feature. */
  dropped: number;
  /** Of those, samples a window or horizon over a missing session left without a value. */
  droppedMissingSessions?: number;
  /** Missing sessions after a bar of the batch's dates, and the first 10 (`SYMBOL@date`). */
  missingSessions?: number;
  missingExamples?: string[];
  /** Rows of the batch's dates without a value, per feature and for `label`. */
  rowsMissing?: Record<string, number>;
  /** Reads (a window widened once counts 2). */
  reads: number;
}

/** File name of a batch's part in the work folder. */
export function partName(batch: number): string {
  return `raw-${String(batch).padStart(6, "0")}.parquet`;
}

/**
 * Compute one batch of a batched export (module doc, step 2) and write its samples (symbol, date,
 * t0_ms, t1_ms, label, raw features; date then symbol) to `partName(batch)` in `workDir`. The
 * part is written to a temporary name and renamed, so a batch run twice (its first process killed
 * mid-write) leaves one whole part with the same content; nothing is written when no sample is
 * kept. Deterministic in (plan, window).
 *
 * @example
 * ```ts ignore
 * const s = await exportBatchPart(plan, { batch: 0, i: 0, j: 249 }, "/shared/x/.batches-1");
 * s.rows; // samples in raw-000000.parquet
 * ```
 */
export async function exportBatchPart(
  plan: BatchPlan,
  win: BatchWindow,
  workDir: string,
): Promise<BatchPartStats> {
  const { spec, dates: D, meta, start, end } = plan;
  const lb = batchLookback(spec.features, spec.label);
  const { ref } = refOf(spec.source);
  const loadOpts = {
    ...(plan.root ? { root: plan.root } : {}),
    ...(plan.version !== undefined ? { version: plan.version } : {}),
  };
  const nT = D.length;
  const { i, j } = win;
  if (!(Number.isInteger(i) && Number.isInteger(j) && 0 <= i && i <= j && j < nT)) {
    throw new RangeError(`Invalid batch window ${i}..${j} of ${nT} dates`);
  }
  const idxOf = (d: string) => { // first index with D[i] >= d
    let a = 0, b = nT;
    while (a < b) {
      const m = (a + b) >> 1;
      if (D[m]! < d) a = m + 1;
      else b = m;
    }
    return a;
  };
  const sessionBounds = barTimes(meta);
  const between = sessionClock(meta);
  const dayBefore = (d: string) =>
    new Date(Date.parse(d + "T00:00:00Z") - MS_PER_DAY).toISOString().slice(0, 10);
  const keep = spec.universe ? new Set(spec.universe) : null;
  const a = D[i]!, b = D[j]!;
  // gaps "skip": every feature (cross-sectional ones too) looks back over the symbol's own bars
  const skip = spec.gaps === "skip";
  const ownBars = skip ? Math.max(lb.symbolBars, lb.panelRows) : lb.symbolBars;
  let w = Math.max(0, i - Math.max(lb.symbolBars, lb.panelRows));
  if (lb.years) {
    w = Math.min(w, Math.max(0, idxOf(`${Number(a.slice(0, 4)) - lb.years}-01-01`) - 1));
  }
  let l = Math.min(nT - 1, j + lb.horizon);
  let reads = 0, dropped = 0;
  let d: LoadedDataset, bars: ReturnType<typeof dailyBarsOf>;
  for (;;) {
    d = await loadDataset({ ...ref, start: D[w]!, end: D[l]! }, loadOpts);
    bars = d.frame.height ? dailyBarsOf(d) : [];
    reads++;
    let back = false, ahead = false;
    for (const sb of bars) {
      let pre = 0, own = 0, post = 0;
      for (let k = 0; k < sb.dates.length; k++) {
        const dt = sb.dates[k]!;
        if (dt < a) pre++;
        else if (dt <= b) own++;
        else if (Number.isFinite(sb.close[k]!)) post++;
      }
      if (!own) continue;
      const first = plan.symFirst[sb.symbol], last = plan.symLast[sb.symbol];
      if (first === undefined || last === undefined) {
        throw new RangeError(
          `Cannot export ${spec.name} in batches: ${sb.symbol} appears in ${d.name} for ${a}..${b} but not in the scan pass (the dataset changed during the export)`,
        );
      }
      if (pre < ownBars && first < D[w]!) back = true;
      // Missing sessions between the symbol's last bar before the window and its first in it
      // are panel dates of the eager export (not with gaps "skip"): read back to that bar.
      const front = !skip && between !== null && first < D[w]! && sb.dates[0]! > D[w]! &&
        between(dayBefore(D[w]!), sb.dates[0]!).length > 0;
      if (front) back = true;
      if (post < lb.horizon && last > D[l]!) ahead = true;
    }
    if (!back && !ahead) break;
    if (back) w = Math.max(0, w - (i - w + 1));
    if (ahead) l = Math.min(nT - 1, l + (l - j) + 1);
  }
  if (JSON.stringify(d.meta) !== JSON.stringify(meta)) {
    throw new RangeError(
      `Cannot export ${spec.name} in batches: ${d.name} reads as ${
        JSON.stringify(d.meta)
      } for ${a}..${b} but ${JSON.stringify(meta)} in the scan pass`,
    );
  }
  const panel = buildDailyFeaturePanel(bars, {
    features: spec.features,
    periodsPerYear: d.periodsPerYear,
    missingBetween: between,
    ...(skip ? { gaps: "skip" as const } : {}),
  });
  const labels = panelLabels(panel, spec.label, { sessionBounds });
  const rowClock = panel.gaps?.missing.length && !skip
    ? rowClockSamples(bars, spec, { periodsPerYear: d.periodsPerYear, sessionBounds })
    : null;
  let droppedGap = 0;
  const lo = a > start ? a : start, hi = b < end ? b : end;
  const missing = missingInRange(panel, lo, hi, keep);
  const nS = panel.symbols.length;
  const cells: number[] = [];
  const missingBy = missingCounter(spec.features);
  for (let t = 0; t < panel.dates.length; t++) {
    const dt = panel.dates[t]!;
    if (dt < a || dt > b || dt < start || dt > end) continue;
    for (let s = 0; s < nS; s++) {
      if (keep && !keep.has(panel.symbols[s]!)) continue;
      const k = t * nS + s;
      if (!Number.isFinite(panel.close[k]!)) continue;
      const ok = missingBy.add(labels.label[k]!, spec.features, (f) => panel.features[f]![k]!);
      if (ok) cells.push(k);
      else {
        dropped++;
        if (rowClock?.has(`${dt}|${panel.symbols[s]}`)) droppedGap++;
      }
    }
  }
  const part = join(workDir, partName(win.batch));
  if (cells.length) {
    const tmp = `${part}.${crypto.randomUUID()}.tmp`;
    pl.DataFrame([
      pl.Series("symbol", cells.map((k) => panel.symbols[k % nS]!), pl.Utf8),
      pl.Series("date", cells.map((k) => panel.dates[Math.floor(k / nS)]!), pl.Utf8),
      pl.Series("t0_ms", Float64Array.from(cells, (k) => labels.t0Ms[k]!)),
      pl.Series("t1_ms", Float64Array.from(cells, (k) => labels.t1Ms[k]!)),
      pl.Series("label", Float64Array.from(cells, (k) => labels.label[k]!)),
      ...spec.features.map((f) =>
        pl.Series(f, Float64Array.from(cells, (k) => panel.features[f]![k]!))
      ),
    ]).writeParquet(tmp);
    await Deno.rename(tmp, part);
  }
  return {
    batch: win.batch,
    from: a,
    to: b,
    rows: cells.length,
    dropped,
    droppedMissingSessions: droppedGap,
    missingSessions: missing.count,
    missingExamples: missing.examples,
    rowsMissing: missingBy.counts,
    reads,
  };
}

/**
 * Build the export in batches (module doc); the spec's source must be a lake dataset reference.
 * RangeError for what cannot be batched or exported (as the eager export: no sample, fewer than
 * 2 training rows).
 */
export async function exportTrainingSetBatched(
  spec: TrainingExportSpec & { source: BarSource },
  options: BatchedExportOptions,
): Promise<BatchedExportResult> {
  const blocker = batchBlocker(spec);
  if (blocker) throw new RangeError(`Cannot export ${spec.name} in batches: ${blocker}`);
  const batchDates = options.batchDates ?? 250;
  if (!(Number.isInteger(batchDates) && batchDates >= 1)) {
    throw new RangeError(`Invalid batchDates ${batchDates}: must be an integer >= 1`);
  }
  const { ref, root: srcRoot } = refOf(spec.source);
  const root = options.root ?? srcRoot;
  if (ref.dataset.startsWith("view:")) return await exportAt(spec, options, undefined);
  // The lake state of the whole export: the dataset's manifest version now, pinned so that no
  // write or compaction deletes its files before the last batch read them (an expiry bounds
  // what a dead submitter's pin holds).
  const where = resolveDatasetName(ref.dataset);
  const version = (await committedState(where, lakeRoot(root))).entries;
  if (version === 0) return await exportAt(spec, options, undefined); // loadDataset names it
  const pin = await pinSnapshot(where, {
    root: lakeRoot(root),
    version,
    expiresAt: new Date(Date.now() + EXPORT_PIN_MS),
    id: `export-${crypto.randomUUID()}`,
  });
  try {
    return await exportAt(spec, options, version, {
      zone: where.zone,
      source: where.source,
      dataset: where.dataset,
      id: pin.id,
      root: lakeRoot(root),
    });
  } finally {
    await unpinSnapshot(where, pin.id, lakeRoot(root)).catch(() => {});
  }
}

/** How long an export's pin holds its version's files at most (a dead submitter's pin lapses). */
export const EXPORT_PIN_MS = 24 * 3_600_000;

/** {@link exportTrainingSetBatched} with every read at manifest `version` (absent: a view). */
async function exportAt(
  spec: TrainingExportSpec & { source: BarSource },
  options: BatchedExportOptions,
  version: number | undefined,
  pin?: WorkOwner["pin"],
): Promise<BatchedExportResult> {
  const lb = batchLookback(spec.features, spec.label);
  const batchDates = options.batchDates ?? 250;
  const { ref, root: srcRoot } = refOf(spec.source);
  const root = options.root ?? srcRoot;
  const loadOpts = { ...(root ? { root } : {}), ...(version !== undefined ? { version } : {}) };
  const load = (start: string, end: string) =>
    loadDataset({ ...ref, start, end }, loadOpts).then((d) => {
      if (!d.frame.height) return { d, bars: [] as ReturnType<typeof dailyBarsOf> };
      return { d, bars: dailyBarsOf(d) };
    });

  // 1. scan pass: dates, symbols' first/last date, meta, range
  let lo = ref.start, hi = ref.end;
  if (!lo || !hi) {
    if (ref.dataset.startsWith("view:")) {
      throw new RangeError(
        `Cannot export ${spec.name} in batches from ${ref.dataset}: give the view's start and end`,
      );
    }
    const where = resolveDatasetName(ref.dataset);
    const st = version !== undefined
      ? await stateAtVersion(where, version, lakeRoot(root))
      : await committedState(where, lakeRoot(root));
    const times = st.files.flatMap((f) => [f.min_time, f.max_time]).filter((t): t is string =>
      t !== null
    ).sort();
    lo ??= times[0]?.slice(0, 10);
    hi ??= times[times.length - 1]?.slice(0, 10);
    if (!lo || !hi) throw new RangeError(`Cannot export ${spec.name}: ${ref.dataset} has no rows`);
  }
  const dateSet = new Set<string>();
  let readRows = 0;
  const files = new Map<string, string>(); // path -> sha256, in the order the reads name them
  const symFirst = new Map<string, string>(), symLast = new Map<string, string>();
  const symBars = new Map<string, number>(); // bars with a close, for the no-sample message
  const symInputs = new Map<string, Set<BarInput>>(); // open/high/low/volume with a value
  let meta: LoadedDataset["meta"] | null = null;
  let first: LoadedDataset | null = null;
  for (let y = Number(lo.slice(0, 4)); y <= Number(hi.slice(0, 4)); y++) {
    const s = `${y}-01-01` < lo ? lo : `${y}-01-01`, e = `${y}-12-31` > hi ? hi : `${y}-12-31`;
    const { d, bars } = await load(s, e);
    first ??= d;
    readRows += d.frame.height;
    for (const f of d.files) files.set(f.path, f.sha256);
    if (meta === null) meta = d.meta;
    else if (JSON.stringify(meta) !== JSON.stringify(d.meta)) {
      throw new RangeError(
        `Cannot export ${spec.name} in batches: ${d.name} reads as ${
          JSON.stringify(d.meta)
        } in ${y} but ${JSON.stringify(meta)} before (declare the dataset's meta)`,
      );
    }
    for (const b of bars) {
      for (const dt of b.dates) dateSet.add(dt);
      if (!symFirst.has(b.symbol)) symFirst.set(b.symbol, b.dates[0]!);
      symLast.set(b.symbol, b.dates[b.dates.length - 1]!);
      let m = symBars.get(b.symbol) ?? 0;
      for (const c of b.close) if (Number.isFinite(c)) m++;
      symBars.set(b.symbol, m);
      const has = symInputs.get(b.symbol) ?? new Set<BarInput>();
      for (const c of presentBarInputs(b)) has.add(c);
      symInputs.set(b.symbol, has);
    }
  }
  const D = [...dateSet].sort();
  if (!D.length || !first || !meta) {
    throw new RangeError(
      `Cannot load bars: ${
        first?.name ?? ref.dataset
      } has no rows for ${lo}..${hi} (run the backfill or ingest-file first)`,
    );
  }
  const nT = D.length;
  const fb = specFrequencyBlocker(spec, meta.frequency, first.name);
  if (fb) throw new ExportSpecError(`Cannot export ${spec.name}: ${fb}`);
  const kept = [...symFirst.keys()].filter((x) => !spec.universe || spec.universe.includes(x));
  const lacking = featureInputBlocker(
    spec.features,
    spec.label,
    new Set(kept.flatMap((x) => [...symInputs.get(x) ?? []])),
    first.name,
  );
  if (lacking) throw new ExportSpecError(`Cannot export ${spec.name}: ${lacking}`);
  const thin = crossSectionBlocker(spec.features, kept.sort(), first.name);
  if (thin) throw new CrossSectionError(`Cannot export ${spec.name}: ${thin}`);

  // 2. feature pass: one window per batch of output dates, run here or by options.runBatches
  const start = spec.start ?? D[0]!, end = spec.end ?? D[nT - 1]!;
  const windows: BatchWindow[] = [];
  for (let i = 0; i < nT; i += batchDates) {
    const j = Math.min(i + batchDates, nT) - 1;
    if (D[j]! < start || D[i]! > end) continue;
    windows.push({ batch: windows.length, i, j });
  }
  const plan: BatchPlan = {
    spec,
    ...(root ? { root } : {}),
    dates: D,
    symFirst: Object.fromEntries(symFirst),
    symLast: Object.fromEntries(symLast),
    meta,
    start,
    end,
    ...(version !== undefined ? { version } : {}),
  };
  const work = options.runBatches
    ? join(options.outDir, `.batches-${crypto.randomUUID()}`)
    : await Deno.makeTempDir({ prefix: "export_batched_" });
  let release: (() => void) | null = null;
  try {
    let partStats: BatchPartStats[];
    if (options.runBatches) {
      // Folders of earlier exports whose submitter died go first; ours is marked as held.
      await removeStaleWork(options.outDir);
      await Deno.mkdir(work, { recursive: true });
      release = await holdWork(work, pin, options.ownerLeaseMs);
      const planPath = join(work, "plan.json");
      const text = JSON.stringify(plan);
      await Deno.writeTextFile(planPath, text);
      const sha256 = await sha256Text(text);
      partStats = await options.runBatches(
        windows.map((w) => ({ plan: planPath, sha256, ...w, from: D[w.i]!, to: D[w.j]! })),
      );
      if (partStats.length !== windows.length) {
        throw new Error(
          `runBatches returned ${partStats.length} results for ${windows.length} batches`,
        );
      }
      partStats.forEach((s, k) => {
        if (s.batch !== k) throw new Error(`runBatches returned batch ${s.batch} at ${k}`);
      });
      for (const s of partStats) options.onBatch?.(s);
    } else {
      partStats = [];
      for (const w of windows) {
        const s = await exportBatchPart(plan, w, work);
        partStats.push(s);
        options.onBatch?.(s);
      }
    }
    const reads = partStats.reduce((a, s) => a + s.reads, 0);
    const dropped = partStats.reduce((a, s) => a + s.dropped, 0);
    const droppedGap = partStats.reduce((a, s) => a + (s.droppedMissingSessions ?? 0), 0);
    const missingCount = partStats.reduce((a, s) => a + (s.missingSessions ?? 0), 0);
    const missingExamples = firstExamples(
      partStats.flatMap((s) =>
        (s.missingExamples ?? []).map((x) => {
          const at = x.lastIndexOf("@");
          return { symbol: x.slice(0, at), date: x.slice(at + 1) };
        })
      ),
    );
    const parts = partStats.filter((s) => s.rows > 0).map((s) => join(work, partName(s.batch)));
    const nF = spec.features.length;
    const rowsMissing: Record<string, number> = Object.fromEntries(
      [...spec.features, "label"].map((f) => [f, 0]),
    );
    for (const s of partStats) {
      for (const f of Object.keys(rowsMissing)) rowsMissing[f]! += s.rowsMissing?.[f] ?? 0;
    }

    // training sums, decision and end times, symbols: a pass over the parts in batch order
    // (date, then symbol: the eager export's order, so the mean is the same double)
    const symId = new Map<string, number>();
    const t0All = new Grow((n) => new Float64Array(n)),
      t1All = new Grow((n) => new Float64Array(n));
    const symAll = new Grow((n) => new Int32Array(n));
    const s1 = new Float64Array(nF);
    const lo = new Float64Array(nF).fill(Infinity), hi = new Float64Array(nF).fill(-Infinity);
    let trainRows = 0;
    for (const p of parts) {
      const df = pl.readParquet(p);
      const sym = df.getColumn("symbol").toArray() as string[];
      const dt = df.getColumn("date").toArray() as string[];
      const a0 = df.getColumn("t0_ms").toTypedArray() as Float64Array;
      const a1 = df.getColumn("t1_ms").toTypedArray() as Float64Array;
      const xs = spec.features.map((f) => df.getColumn(f).toTypedArray() as Float64Array);
      for (let r = 0; r < df.height; r++) {
        let id = symId.get(sym[r]!);
        if (id === undefined) symId.set(sym[r]!, id = symId.size);
        symAll.push(id);
        t0All.push(a0[r]!);
        t1All.push(a1[r]!);
        if (dt[r]! < spec.trainEnd) {
          trainRows++;
          for (let c = 0; c < nF; c++) {
            const v = xs[c]![r]!;
            s1[c]! += v;
            if (v < lo[c]!) lo[c] = v;
            if (v > hi[c]!) hi[c] = v;
          }
        }
      }
    }
    const n = t0All.n;
    if (n === 0) {
      // as the eager export: each feature's window against the longest kept symbol's bars
      const maxBars = kept.reduce((m, x) => Math.max(m, symBars.get(x) ?? 0), 0);
      throw new ExportSpecError(
        noSampleMessage(spec.name, rowsMissing, dropped, {
          maxBars,
          frequency: meta.frequency,
        }),
      );
    }
    if (trainRows < 2) {
      throw new RangeError(
        `Cannot export ${spec.name}: ${trainRows} training rows before ${spec.trainEnd} (need 2)`,
      );
    }
    // 3. normalisation: the eager two-pass formula, in the same row order
    const mean = Float64Array.from(s1, (x) => x / trainRows);
    const ss = new Float64Array(nF);
    for (const p of parts) {
      const df = pl.readParquet(p);
      const dt = df.getColumn("date").toArray() as string[];
      spec.features.forEach((f, c) => {
        const x = df.getColumn(f).toTypedArray() as Float64Array;
        const m = mean[c]!;
        let acc = ss[c]!;
        for (let r = 0; r < x.length; r++) if (dt[r]! < spec.trainEnd) acc += (x[r]! - m) ** 2;
        ss[c] = acc;
      });
    }
    const stats = spec.features.map((f, c) =>
      featureFit(f, { s1: s1[c]!, ss: ss[c]!, m: trainRows, min: lo[c]!, max: hi[c]! })
    );
    const zs = new Float64Array(nF), zq = new Float64Array(nF);

    // 4. CPCV and weights on the in-memory times, then the write pass
    const t0 = t0All.done(), t1 = t1All.done(), symIdx = symAll.done();
    // a bar embargo counts the dataset's dates of the scan pass (the eager panel's), decided at
    // their close
    const cv = cpcvSettings(spec, () => {
      const bt = barTimes(meta);
      return Float64Array.from(D, (d) => bt(d).close.getTime()).filter(Number.isFinite).sort();
    });
    let res: ReturnType<typeof cpcvSplits> | null = cpcvSplits(t0, t1, cv.options);
    const group = new Int32Array(n);
    for (let g = 0; g < cv.groups; g++) group.fill(g, res.groupBounds[g]!, res.groupBounds[g + 1]!);
    const codes = res.splits.map((sp) => {
      const c = new Int8Array(n);
      for (const i of sp.train) c[i] = 1;
      for (const i of sp.test) c[i] = 2;
      return c;
    });
    const cpcvManifestPart: TrainingManifest["cpcv"] = cpcvManifest(cv, res);
    res = null; // the index lists are no longer needed
    const weight = uniquenessWeights(symIdx, t0, t1);

    await Deno.mkdir(options.outDir, { recursive: true });
    const done: string[] = [];
    let off = 0;
    for (const p of parts) {
      const df = pl.readParquet(p);
      const m = df.height,
        sl = <T extends { subarray(a: number, b: number): T }>(x: T) => x.subarray(off, off + m);
      const out = pl.DataFrame([
        df.getColumn("symbol"),
        df.getColumn("date"),
        pl.Series("t0_ms", sl(t0)),
        pl.Series("t1_ms", sl(t1)),
        df.getColumn("label"),
        pl.Series("weight", sl(weight)),
        pl.Series("cpcv_group", sl(group)),
        ...codes.map((c, k) => pl.Series(`split_${k}`, sl(c))),
        ...spec.features.map((f, c) => {
          const x = df.getColumn(f).toTypedArray() as Float64Array;
          const st = stats[c]!;
          const col = Float64Array.from(x, (v) => (v - st.mean) / st.std);
          const dt = df.getColumn("date").toArray() as string[];
          let a = zs[c]!, q = zq[c]!;
          col.forEach((v, r) => {
            if (dt[r]! < spec.trainEnd) {
              a += v;
              q += v * v;
            }
          });
          zs[c] = a;
          zq[c] = q;
          return pl.Series(f, col);
        }),
      ]);
      const fp = join(work, `rows-${String(done.length).padStart(6, "0")}.parquet`);
      out.writeParquet(fp);
      done.push(fp);
      off += m;
    }
    stats.forEach((st, c) => {
      [st.exported_mean, st.exported_std] = exportedMoments(zs[c]!, zq[c]!, trainRows);
    });
    const rowsPath = join(options.outDir, "rows.parquet");
    const scans = done.map((fp) => pl.scanParquet(fp));
    const all = scans.length === 1 ? scans[0]! : pl.concat(scans, { how: "vertical" });
    await all.sinkParquet(rowsPath).collect();

    const fileList = [...files].map(([path, sha256]) => ({ path, sha256 }));
    const dsManifest = await manifestId(first.name, ref, fileList);
    const digest = await sha256Text(fileList.map((f) => `${f.path}:${f.sha256}`).join("\n"));
    const manifest = trainingManifest(spec, {
      rows: n,
      droppedIncomplete: dropped,
      droppedMissingSessions: droppedGap,
      missingSessions: { clock: clockKind(meta), count: missingCount, examples: missingExamples },
      rowsMissing,
      features: stats,
      trainRows,
      horizonSessions: spec.label.kind === "overnight" ? 1 : lb.horizon,
      cpcv: cpcvManifestPart,
      sequence: null,
      files: { "rows.parquet": await sha256File(rowsPath) },
      inputs: [{
        name: lakeInputName(dsManifest, fileList.length, readRows, meta),
        sha256: digest,
      }],
    });
    await writeTrainingManifest(options.outDir, manifest);
    return {
      manifest,
      batches: windows.length,
      reads,
      dataset: {
        name: first.name,
        manifest: dsManifest,
        meta,
        periodsPerYear: first.periodsPerYear,
      },
    };
  } finally {
    (release as (() => void) | null)?.();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
