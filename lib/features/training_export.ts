/**
 * Training export: a daily feature panel and its labels become Parquet files, a PatchTST-style
 * window tensor and a JSON manifest that a PyTorch user can train from directly.
 *
 * Files written to `outDir`:
 * - `rows.parquet`: one row per (date, symbol) sample, sorted by decision time then symbol:
 *   `symbol, date, t0_ms, t1_ms, label, weight, cpcv_group, split_<k>` and the features,
 *   z-scored with statistics fitted on TRAINING rows only (date < trainEnd); `split_<k>` is 1 for
 *   a training row of CPCV split k, 2 for a test row, 0 when purged/embargoed.
 * - `windows.npy` (float32, C order) of shape [samples, lookback, channels] with
 *   `windows_index.parquet` (sample -> row of rows.parquet, symbol, date, label, t1_ms,
 *   cpcv_group): the last `lookback` samples of one symbol ending at the labelled date.
 * - `manifest.json`: feature names and dtypes, normalisation statistics and the rows they were
 *   fitted on, label definition and end-time column, CPCV settings with per-split counts, patch
 *   length, stride and patch count, and SHA-256 hashes of every file written and of the inputs.
 *
 * Samples need a finite label and finite values of every feature (warm-up rows are dropped; the
 * manifest counts them). Features and labels count the data's sessions (lib/features
 * `sessionClock`): a window or label horizon over a session the data lacks has no value, so the
 * row is dropped, counted in `rows_dropped_incomplete` and, among them, in
 * `rows_dropped_missing_sessions` (rows that counting bars instead would have kept, over a
 * silently longer span); `missing_sessions` counts and names the sessions (or weekly and slower
 * periods) missing after a sample date. Daily data on calendar `none` has no expected days: its
 * rows are the clock (`missing_sessions.clock` is `rows`). Weights are the average uniqueness of each label among its symbol's
 * overlapping labels (AFML ch. 4).
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { MS_PER_DAY } from "../core/mod.ts";
import { type CpcvOptions, type CpcvResult, cpcvSplits } from "../validation/cpcv.ts";
import type { PanelLabels, PanelLabelSpec } from "../labels/panel_labels.ts";
import { sampleUniqueness } from "../labels/uniqueness.ts";
import { panelLabels } from "../labels/panel_labels.ts";
import {
  buildDailyFeaturePanel,
  DAILY_FEATURES,
  type DailyFeaturePanel,
  MIN_CROSS_SECTION,
  perDateNormalisation,
  type SymbolDailyBars,
} from "./daily_panel.ts";
import type { ClockKind } from "./session_clock.ts";
import { encodeNpyFloat32 } from "./npy.ts";

const DAILY_FEATURE_NAMES: readonly string[] = DAILY_FEATURES;

/** What to export. */
export interface TrainingExportSpec {
  name: string;
  /** Feature names (columns of the panel's `features`). */
  features: string[];
  label: PanelLabelSpec;
  /** Symbols to keep. @default all panel symbols */
  universe?: string[];
  /** First and last date of samples (inclusive). @default the panel's range */
  start?: string;
  end?: string;
  /**
   * The data's bar frequency, as a check: `1d` (= `day`, `session`), `week`, `month`, `quarter`
   * or `year`; a dataset of another frequency is refused ({@link specFrequencyBlocker}). Windows
   * and horizons count bars of the dataset either way. @default the dataset's own
   */
  frequency?: "1d" | "day" | "session" | "week" | "month" | "quarter" | "year";
  /**
   * Missing sessions (holidays of a market without a calendar, quarantined NA days): `break`
   * (a window or label horizon over one has no value, the row is dropped and counted) or `skip`
   * (each symbol's windows and horizons run over its observed bars, pandas
   * `dropna().rolling(n)`; lib/features `DailyPanelOptions.gaps`). @default "break"
   */
  gaps?: "break" | "skip";
  /** Samples dated before this are training rows (normalisation fit). */
  trainEnd: string;
  /**
   * CPCV fold assignment. The embargo after each test group is `embargoDays` calendar days or
   * `embargoBars` bars of the dataset's own bar sequence (its dates' decision times: on monthly
   * data 1 bar is the next month's bar); at most one of the two. @default
   * { groups: 6, testGroups: 2, embargoDays: 0 }
   */
  cpcv?: { groups: number; testGroups: number; embargoDays?: number; embargoBars?: number };
  /** Sequence windows for PatchTST-style models. @default none */
  sequence?: { lookback: number; patchLength: number; stride: number };
}

/** Provenance of an input (e.g. a lake manifest or a simulator config). */
export interface ExportInput {
  name: string;
  sha256: string;
}

/** The manifest written beside the files. */
export interface TrainingManifest {
  name: string;
  created_at: string;
  spec: TrainingExportSpec;
  rows: number;
  rows_dropped_incomplete: number;
  /** Of those, rows that a horizon or window over a missing session left without a value. */
  rows_dropped_missing_sessions: number;
  /**
   * Sessions (clock `sessions`) or periods (`periods`) missing between two bars of a symbol, the
   * earlier one dated in the sample range; up to 10 examples `SYMBOL@date`. Clock `rows`: not
   * checked (the rows are the clock).
   */
  missing_sessions: { clock: ClockKind; count: number; examples: string[] };
  /**
   * Rows in the sample range without a value, per feature and for `label` (a dropped row can
   * lack several): the feature with the most sets the warm-up.
   */
  rows_missing: Record<string, number>;
  /** Per feature: the z-score applied and the stats of the exported column ({@link FeatureFit}). */
  features: FeatureFit[];
  /** Constant (or otherwise degenerate) exported columns, one line each; empty when none. */
  warnings: string[];
  normalisation: { method: "zscore"; fitted_on: "train"; train_rows: number; train_end: string };
  label: {
    column: "label";
    dtype: "float64";
    end_time_column: "t1_ms";
    horizon_sessions: number;
    /** The label as computed: the spec's label with every default filled in ({@link resolvedLabelSpec}). */
    definition: Required<PanelLabelSpec>;
  };
  cpcv: {
    groups: number;
    test_groups: number;
    /** Embargo in ms (`embargoDays`); 0 with `embargo_bars`. */
    embargo_ms: number;
    /**
     * Only with the spec's `embargoBars`: the bars, and per group the instant (epoch ms) its
     * test block's embargo reaches (the largest t1 of the group extended to the N-th bar time
     * after it): a training row with t0_ms <= it and t1_ms >= the block's first t0_ms is
     * dropped when the group is tested (lib/validation `cpcvSplits` option `embargoEnds`).
     */
    embargo_bars?: number;
    embargo_end_ms?: number[];
    group_bounds: number[];
    splits: { test_groups: number[]; train: number; test: number; purged: number }[];
  } | null;
  sequence: {
    file: string;
    index_file: string;
    shape: number[];
    dtype: "float32";
    layout: "[samples, lookback, channels]";
    channels: string[];
    lookback: number;
    patch_length: number;
    stride: number;
    patches: number;
  } | null;
  files: Record<string, string>;
  inputs: ExportInput[];
}

/**
 * One exported feature column: `column = (x - mean) / std` where x is the feature's value, `mean`
 * its mean over the training rows and `std` its sample standard deviation there (ddof 1),
 * except for a feature `constant` over the training rows (min = max): then `std` is 1, `raw_std`
 * 0 and the column is x - mean (0 on every training row). `exported_mean` and `exported_std`
 * (ddof 1) are the stats of the written column over the training rows (0 and 1 up to rounding
 * unless constant). `per_date` names the normalisation before the z-score: `rank` (percentile
 * rank across symbols per date, lib/features `CROSS_SECTIONAL_FEATURES`) or `none`.
 */
export interface FeatureFit {
  name: string;
  dtype: "float64";
  mean: number;
  std: number;
  raw_std: number;
  constant: boolean;
  per_date: "rank" | "none";
  exported_mean: number;
  exported_std: number;
}

/**
 * The z-score of a feature from its training-row sums: mean = s1 / m, raw std = sqrt(ss / (m -
 * 1)) with ss the sum of squared deviations from that mean, constant when min = max. The
 * exported-column stats are filled by {@link exportedMoments}.
 *
 * @example
 * ```ts
 * featureFit("roc_5", { s1: 6, ss: 2, m: 3, min: 1, max: 3 }).std; // 1
 * ```
 */
export function featureFit(
  name: string,
  t: { s1: number; ss: number; m: number; min: number; max: number },
): FeatureFit {
  const mean = t.s1 / t.m;
  const constant = t.min === t.max;
  const rawStd = constant ? 0 : Math.sqrt(t.ss / (t.m - 1));
  return {
    name,
    dtype: "float64",
    mean: constant ? t.min : mean,
    std: constant || !(rawStd > 0) ? 1 : rawStd,
    raw_std: rawStd,
    constant,
    per_date: perDateNormalisation(name),
    exported_mean: NaN,
    exported_std: NaN,
  };
}

/**
 * Mean and sample standard deviation (ddof 1) of an exported column from its sum s and sum of
 * squares q over m training rows: sqrt(max(0, (q - m mean^2) / (m - 1))). The eager and the
 * batched export add the same values in the same order, so they agree to the bit.
 */
export function exportedMoments(s: number, q: number, m: number): [number, number] {
  const mu = s / m;
  return [mu, Math.sqrt(Math.max(0, (q - m * mu * mu) / (m - 1)))];
}

/**
 * One warning line per constant exported feature (see {@link FeatureFit}).
 *
 * @example
 * ```ts ignore
 * constantWarnings(fits, 1200); // ["feature ret_intraday is constant (0) over the 1200 training rows: ..."]
 * ```
 */
export function constantWarnings(fits: readonly FeatureFit[], trainRows: number): string[] {
  return fits.filter((f) => f.constant).map((f) =>
    `feature ${f.name} is constant (${f.mean}) over the ${trainRows} training rows: exported as x - ${f.mean} (0 on every training row), it carries no information`
  );
}

/**
 * A spec that the dataset cannot give, found once its metadata or symbols are read (exit 2 in
 * the task, one line): a frequency or label the data does not have, too few symbols to rank.
 */
export class ExportSpecError extends RangeError {
  override name = "ExportSpecError";
}

/** A spec that a dataset's symbols cannot give (exit 2 in the task): see {@link crossSectionBlocker}. */
export class CrossSectionError extends ExportSpecError {
  override name = "CrossSectionError";
}

/** The spec's `frequency` values and the dataset frequencies each one names. */
export const EXPORT_FREQUENCIES: Readonly<Record<string, readonly string[]>> = {
  "1d": ["session", "day", "1d", "d"],
  day: ["session", "day", "1d", "d"],
  session: ["session", "day", "1d", "d"],
  week: ["week"],
  month: ["month"],
  quarter: ["quarter"],
  year: ["year"],
};

/**
 * Why a spec cannot run on a dataset of this frequency, or null. The spec's `frequency` is an
 * assertion about the data (absent: the dataset's own, whatever it is): every window, horizon
 * and the sequence lookback count bars of the dataset, so "1d" on monthly data would silently
 * turn `mom_12_1` into 21 years. An `overnight` label needs daily bars with an open.
 *
 * @example
 * ```ts
 * specFrequencyBlocker({ frequency: "1d", label: { kind: "forward_return" } }, "month", "user/pepper");
 * // 'spec frequency "1d" but user/pepper is month data: ...'
 * ```
 */
export function specFrequencyBlocker(
  spec: Pick<TrainingExportSpec, "frequency" | "label">,
  frequency: string,
  what = "the data",
): string | null {
  const f = spec.frequency;
  if (f !== undefined && !(EXPORT_FREQUENCIES[f] ?? []).includes(frequency)) {
    return `spec frequency "${f}" but ${what} is ${frequency} data: features, label horizons and windows count bars of the dataset's own frequency; set "frequency": "${
      Object.keys(EXPORT_FREQUENCIES).find((k) =>
        k !== "1d" && EXPORT_FREQUENCIES[k]!.includes(frequency)
      ) ?? frequency
    }" or leave it out`;
  }
  const periodic = ["week", "month", "quarter", "year"].includes(frequency);
  if (spec.label.kind === "overnight" && periodic) {
    return `label overnight (close to the next open) needs daily bars; ${what} is ${frequency} data: use forward_return or triple_barrier`;
  }
  return null;
}

/**
 * Why the spec's cross-sectional (ranked per date) features cannot be computed on these symbols,
 * or null: a percentile rank needs {@linkcode MIN_CROSS_SECTION} symbols with a value on a date,
 * and a universe with fewer symbols than that would rank every row alone (always 0.5).
 *
 * @example
 * ```ts
 * crossSectionBlocker(["vol_63", "roc_5"], ["TTRC"], "user/ttrc");
 * // "vol_63 is ranked across symbols per date (needs 2 symbols with a value); user/ttrc has 1
 * // symbol in the export universe (TTRC), so every value would be 0.5: use vol_63_raw (...)"
 * ```
 */
export function crossSectionBlocker(
  features: readonly string[],
  symbols: readonly string[],
  what = "the data",
): string | null {
  const ranked = features.filter((f) => perDateNormalisation(f) === "rank");
  if (!ranked.length || symbols.length >= MIN_CROSS_SECTION) return null;
  const n = symbols.length;
  return `${ranked.join(", ")} ${
    ranked.length === 1 ? "is" : "are"
  } ranked across symbols per date (needs ${MIN_CROSS_SECTION} symbols with a value); ${what} has ${n} symbol${
    n === 1 ? "" : "s"
  } in the export universe${n ? ` (${symbols.join(", ")})` : ""}, so every value would be ${
    n ? "0.5" : "missing"
  }: use ${
    ranked.map((f) => `${f}_raw`).join(", ")
  } (the symbol's own time series, z-scored like the other features) or add symbols`;
}

/** A bar column a feature reads besides the close (every dataset exported has a close). */
export type BarInput = "open" | "high" | "low" | "volume";

/**
 * The bar columns each daily feature reads besides the close (from the kernels in
 * daily_panel.ts and cross_sectional.ts); a feature not listed reads the close only.
 */
export const FEATURE_INPUTS: Readonly<Record<string, readonly BarInput[]>> = {
  atr_14_pct: ["high", "low"],
  stoch_k: ["high", "low"],
  vol_park_20: ["high", "low"],
  vol_yz_20: ["open", "high", "low"],
  ret_overnight: ["open"],
  ret_intraday: ["open"],
  amihud_21: ["volume"],
  amihud_21_raw: ["volume"],
  log_dollar_volume_21: ["volume"],
  log_dollar_volume_21_raw: ["volume"],
};

/** "a", "a and b", "a, b and c". */
function andList(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs.at(-1)}`;
}

/**
 * Why the spec's features (or an `overnight` label) cannot be computed from the bar columns the
 * data has, or null: e.g. `atr_14_pct` on close-only bars would have no value on any row, which
 * is not a matter of too few bars. `present` holds the columns with at least one value among
 * open, high, low and volume (the close is always there). Used by both export paths before any
 * sample is selected.
 *
 * @example
 * ```ts
 * featureInputBlocker(["roc_5", "atr_14_pct"], { kind: "forward_return" }, new Set(), "user/fx_close");
 * // "atr_14_pct needs high and low; user/fx_close has close only (features that need only
 * // close: rsi_14, macd_hist_pct, ...)"
 * ```
 */
export function featureInputBlocker(
  features: readonly string[],
  label: PanelLabelSpec,
  present: ReadonlySet<string>,
  what = "the data",
): string | null {
  const lacks = (f: string) => (FEATURE_INPUTS[f] ?? []).filter((c) => !present.has(c));
  const needs = features.filter((f) => lacks(f).length > 0).map((f) =>
    `${f} needs ${andList(lacks(f))}`
  );
  if (label.kind === "overnight" && !present.has("open")) {
    needs.push("label overnight (close to the next open) needs open");
  }
  if (!needs.length) return null;
  const has = ["open", "high", "low", "close", "volume"].filter((c) =>
    c === "close" || present.has(c)
  );
  const usable = DAILY_FEATURE_NAMES.filter((f) =>
    !f.endsWith("_raw") && (FEATURE_INPUTS[f] ?? []).every((c) => present.has(c))
  );
  return `${needs.join("; ")}; ${what} has ${andList(has)}${
    has.length === 1
      ? " only"
      : `, no ${
        andList(["open", "high", "low", "volume"].filter((c) => !present.has(c))).replace(
          / and (\w+)$/,
          " or $1",
        )
      }`
  } (features that need only ${andList(has)}: ${usable.join(", ")}${
    usable.some((f) => perDateNormalisation(f) === "rank") ? ", and their <name>_raw versions" : ""
  }): drop those features, or ingest bars with those columns`;
}

/**
 * The columns among open, high, low and volume with a finite value in any of `arrays` (on the
 * cells `cell` selects, when given): what {@link featureInputBlocker} calls present.
 */
export function presentBarInputs(
  arrays: Readonly<Record<BarInput, Float64Array>>,
  cell?: (k: number) => boolean,
): Set<BarInput> {
  const out = new Set<BarInput>();
  for (const c of ["open", "high", "low", "volume"] as const) {
    const a = arrays[c];
    for (let k = 0; k < a.length; k++) {
      if (Number.isFinite(a[k]!) && (!cell || cell(k))) {
        out.add(c);
        break;
      }
    }
  }
  return out;
}

async function sha256File(path: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Average uniqueness per row within each symbol: a label spans the symbol's samples whose
 * decision time lies in [t0, t1] (clamped to the last sample), then {@linkcode sampleUniqueness}.
 */
export function uniquenessWeights(
  sym: Int32Array,
  t0: Float64Array,
  t1: Float64Array,
): Float64Array {
  const w = new Float64Array(sym.length);
  const bySym = new Map<number, number[]>();
  for (let i = 0; i < sym.length; i++) {
    const l = bySym.get(sym[i]!);
    if (l) l.push(i);
    else bySym.set(sym[i]!, [i]);
  }
  for (const idx of bySym.values()) {
    const times = Float64Array.from(idx, (i) => t0[i]!);
    const a = Int32Array.from(idx, (_, j) => j);
    const b = Float64Array.from(idx, (i, j) => {
      let lo = j, hi = times.length; // last position with time <= t1
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid]! <= t1[i]!) lo = mid + 1;
        else hi = mid;
      }
      return Math.max(j, lo - 1);
    });
    const u = sampleUniqueness({ t0: a, t1: b }, idx.length).uniqueness;
    idx.forEach((i, j) => (w[i] = u[j]!));
  }
  return w;
}

/**
 * Write the export; returns the manifest (also written as manifest.json).
 *
 * @example
 * ```ts
 * const m = await exportTrainingSet({ panel, labels: panelLabels(panel, spec.label) }, spec, { outDir: "data/exports/demo" });
 * ```
 */
export async function exportTrainingSet(
  data: {
    panel: DailyFeaturePanel;
    labels: PanelLabels;
    /** The data's clock (`rows` when absent). */
    clock?: ClockKind;
    /** {@link rowClockSamples} of the same bars, when the panel has missing sessions. */
    rowClock?: ReadonlySet<string>;
  },
  spec: TrainingExportSpec,
  options: {
    outDir: string;
    inputs?: ExportInput[];
    /** The dataset's name in messages. @default "the data" */
    dataset?: string;
    /** The dataset's frequency in messages (windows count its bars). @default "day" */
    frequency?: string;
  },
): Promise<TrainingManifest> {
  const { panel, labels } = data;
  const nS = panel.symbols.length, nT = panel.dates.length;
  if (labels.label.length !== nS * nT) {
    throw new RangeError(
      `Cannot export: labels have ${labels.label.length} cells, panel ${nS * nT}`,
    );
  }
  for (const f of spec.features) {
    if (!panel.features[f]) {
      throw new RangeError(
        `Cannot export: feature ${f} is not in the panel (has ${
          Object.keys(panel.features).join(", ")
        })`,
      );
    }
  }
  const keep = new Set(spec.universe ?? panel.symbols);
  const kept = panel.symbols.map((s) => keep.has(s));
  const lacking = featureInputBlocker(
    spec.features,
    spec.label,
    presentBarInputs(panel, (k) => kept[k % nS]!),
    options.dataset,
  );
  if (lacking) throw new ExportSpecError(`Cannot export ${spec.name}: ${lacking}`);
  const thin = crossSectionBlocker(
    spec.features,
    panel.symbols.filter((s, j) =>
      keep.has(s) && panel.dates.some((_, t) => Number.isFinite(panel.close[t * nS + j]!))
    ),
    options.dataset,
  );
  if (thin) throw new CrossSectionError(`Cannot export ${spec.name}: ${thin}`);
  const start = spec.start ?? panel.dates[0] ?? "";
  const end = spec.end ?? panel.dates[nT - 1] ?? "";
  // select samples (date-major order = decision time, then symbol)
  const cells: number[] = [];
  let dropped = 0, droppedGap = 0;
  const missingBy = missingCounter(spec.features);
  for (let t = 0; t < nT; t++) {
    const d = panel.dates[t]!;
    if (d < start || d > end) continue;
    for (let s = 0; s < nS; s++) {
      if (!keep.has(panel.symbols[s]!)) continue;
      const k = t * nS + s;
      if (!Number.isFinite(panel.close[k]!)) continue;
      const ok = missingBy.add(labels.label[k]!, spec.features, (f) => panel.features[f]![k]!);
      if (ok) cells.push(k);
      else {
        dropped++;
        if (data.rowClock?.has(`${d}|${panel.symbols[s]}`)) droppedGap++;
      }
    }
  }
  const missing = missingInRange(panel, start, end, keep);
  const n = cells.length;
  if (n === 0) {
    let maxBars = 0;
    for (let s = 0; s < nS; s++) {
      if (!keep.has(panel.symbols[s]!)) continue;
      let b = 0;
      for (let t = 0; t < nT; t++) if (Number.isFinite(panel.close[t * nS + s]!)) b++;
      if (b > maxBars) maxBars = b;
    }
    throw new ExportSpecError(
      noSampleMessage(spec.name, missingBy.counts, dropped, {
        maxBars,
        frequency: options.frequency ?? "day",
      }),
    );
  }
  const date = cells.map((k) => panel.dates[Math.floor(k / nS)]!);
  const symIdx = Int32Array.from(cells, (k) => k % nS);
  const t0 = Float64Array.from(cells, (k) => labels.t0Ms[k]!);
  const t1 = Float64Array.from(cells, (k) => labels.t1Ms[k]!);
  const isTrain = date.map((d) => d < spec.trainEnd);
  const trainRows = isTrain.filter(Boolean).length;
  if (trainRows < 2) {
    throw new RangeError(
      `Cannot export ${spec.name}: ${trainRows} training rows before ${spec.trainEnd} (need 2)`,
    );
  }

  // normalisation fitted on training rows only
  const stats = spec.features.map((f) => {
    const x = panel.features[f]!;
    let s1 = 0, m = 0, min = Infinity, max = -Infinity;
    cells.forEach((k, i) => {
      if (isTrain[i]) {
        const v = x[k]!;
        s1 += v;
        m++;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    });
    const mean = s1 / m;
    let ss = 0;
    cells.forEach((k, i) => {
      if (isTrain[i]) ss += (x[k]! - mean) ** 2;
    });
    return featureFit(f, { s1, ss, m, min, max });
  });
  const z = stats.map((st, j) => {
    const x = panel.features[spec.features[j]!]!;
    const col = Float64Array.from(cells, (k) => (x[k]! - st.mean) / st.std);
    let s = 0, q = 0;
    col.forEach((v, i) => {
      if (isTrain[i]) {
        s += v;
        q += v * v;
      }
    });
    [st.exported_mean, st.exported_std] = exportedMoments(s, q, trainRows);
    return col;
  });

  // CPCV on decision times (samples sorted by t0) with label ends t1; a bar embargo counts the
  // panel's dates (the dataset's bars), decided at their close
  const cv = cpcvSettings(spec, () => {
    const out: number[] = [];
    for (let t = 0; t < nT; t++) {
      const v = labels.t0Ms[t * nS]!;
      if (Number.isFinite(v)) out.push(v);
    }
    return Float64Array.from(out).sort();
  });
  const res = cpcvSplits(t0, t1, cv.options);
  const group = new Int32Array(n);
  for (let g = 0; g < cv.groups; g++) group.fill(g, res.groupBounds[g]!, res.groupBounds[g + 1]!);
  const splitCols = res.splits.map((sp, k) => {
    const a = new Int8Array(n);
    for (const i of sp.train) a[i] = 1;
    for (const i of sp.test) a[i] = 2;
    return pl.Series(`split_${k}`, a);
  });
  const weight = uniquenessWeights(symIdx, t0, t1);

  await Deno.mkdir(options.outDir, { recursive: true });
  const files: Record<string, string> = {};
  const rowsDf = pl.DataFrame([
    pl.Series("symbol", Array.from(symIdx, (s) => panel.symbols[s]!), pl.Utf8),
    pl.Series("date", date, pl.Utf8),
    pl.Series("t0_ms", t0),
    pl.Series("t1_ms", t1),
    pl.Series("label", Float64Array.from(cells, (k) => labels.label[k]!)),
    pl.Series("weight", weight),
    pl.Series("cpcv_group", group),
    ...splitCols,
    ...spec.features.map((f, j) => pl.Series(f, z[j]!)),
  ]);
  const rowsPath = join(options.outDir, "rows.parquet");
  rowsDf.writeParquet(rowsPath);
  files["rows.parquet"] = await sha256File(rowsPath);

  let sequence: TrainingManifest["sequence"] = null;
  if (spec.sequence) {
    const { lookback: L, patchLength: P, stride: S } = spec.sequence;
    if (!(L >= P && P >= 1 && S >= 1)) {
      throw new RangeError(
        `Cannot export windows: need lookback >= patchLength >= 1 and stride >= 1 (got ${L}, ${P}, ${S})`,
      );
    }
    const C = spec.features.length;
    const perSym = new Map<number, number[]>();
    for (let i = 0; i < n; i++) perSym.set(symIdx[i]!, [...(perSym.get(symIdx[i]!) ?? []), i]);
    const ends: { row: number; from: number[] }[] = [];
    for (const idx of perSym.values()) {
      for (let j = L - 1; j < idx.length; j++) {
        ends.push({ row: idx[j]!, from: idx.slice(j - L + 1, j + 1) });
      }
    }
    ends.sort((a, b) => a.row - b.row);
    const data = new Float32Array(ends.length * L * C);
    ends.forEach((e, w) => {
      e.from.forEach((r, l) => {
        for (let c = 0; c < C; c++) data[(w * L + l) * C + c] = z[c]![r]!;
      });
    });
    const npyPath = join(options.outDir, "windows.npy");
    await Deno.writeFile(npyPath, encodeNpyFloat32(data, [ends.length, L, C]));
    files["windows.npy"] = await sha256File(npyPath);
    const idxDf = pl.DataFrame([
      pl.Series("row", Int32Array.from(ends, (e) => e.row)),
      pl.Series("symbol", ends.map((e) => panel.symbols[symIdx[e.row]!]!), pl.Utf8),
      pl.Series("date", ends.map((e) => date[e.row]!), pl.Utf8),
      pl.Series("label", Float64Array.from(ends, (e) => labels.label[cells[e.row]!]!)),
      pl.Series("t1_ms", Float64Array.from(ends, (e) => t1[e.row]!)),
      pl.Series("cpcv_group", Int32Array.from(ends, (e) => group[e.row]!)),
    ]);
    const idxPath = join(options.outDir, "windows_index.parquet");
    idxDf.writeParquet(idxPath);
    files["windows_index.parquet"] = await sha256File(idxPath);
    sequence = {
      file: "windows.npy",
      index_file: "windows_index.parquet",
      shape: [ends.length, L, C],
      dtype: "float32",
      layout: "[samples, lookback, channels]",
      channels: spec.features,
      lookback: L,
      patch_length: P,
      stride: S,
      patches: Math.floor((L - P) / S) + 1,
    };
  }

  const manifest = trainingManifest(spec, {
    rows: n,
    droppedIncomplete: dropped,
    droppedMissingSessions: droppedGap,
    missingSessions: { clock: data.clock ?? "rows", ...missing },
    rowsMissing: missingBy.counts,
    features: stats,
    trainRows,
    horizonSessions: labels.horizon,
    cpcv: cpcvManifest(cv, res),
    sequence,
    files,
    inputs: options.inputs ?? [],
  });
  await writeTrainingManifest(options.outDir, manifest);
  return manifest;
}

/** The CPCV settings of a spec, defaults filled in ({@link cpcvSettings}). */
export interface CpcvSettings {
  groups: number;
  testGroups: number;
  /** Embargo in ms (`embargoDays` x 1 day; 0 with `embargoBars`). */
  embargoMs: number;
  /** `embargoBars` when given. */
  embargoBars?: number;
  /** The options of lib/validation `cpcvSplits`. */
  options: CpcvOptions;
}

/**
 * The CPCV settings of an export spec: groups, test groups and the embargo, `embargoDays`
 * (calendar days) or `embargoBars` (bars of the dataset's own sequence, whose decision times
 * `barTimes` gives, ascending; called only then). Both given: {@link ExportSpecError} naming
 * both; neither: no embargo.
 */
export function cpcvSettings(
  spec: Pick<TrainingExportSpec, "name" | "cpcv">,
  barTimes: () => Float64Array,
): CpcvSettings {
  const cv = spec.cpcv ?? { groups: 6, testGroups: 2, embargoDays: 0 };
  const base = { groups: cv.groups, testGroups: cv.testGroups };
  if (cv.embargoBars !== undefined) {
    if (cv.embargoDays !== undefined) {
      throw new ExportSpecError(
        `Cannot export ${spec.name}: cpcv has both embargoDays (${cv.embargoDays}) and embargoBars (${cv.embargoBars}); give one (days: calendar days, bars: the dataset's bars)`,
      );
    }
    if (!(Number.isInteger(cv.embargoBars) && cv.embargoBars >= 0)) {
      throw new ExportSpecError(
        `Cannot export ${spec.name}: cpcv.embargoBars must be an integer >= 0, got ${cv.embargoBars}`,
      );
    }
    return {
      ...base,
      embargoMs: 0,
      embargoBars: cv.embargoBars,
      options: { ...base, embargoBars: cv.embargoBars, barTimes: barTimes() },
    };
  }
  const embargoMs = (cv.embargoDays ?? 0) * MS_PER_DAY;
  return { ...base, embargoMs, options: { ...base, embargo: embargoMs } };
}

/** The manifest's `cpcv` of settings and their splits. */
export function cpcvManifest(
  cv: CpcvSettings,
  res: CpcvResult,
): NonNullable<TrainingManifest["cpcv"]> {
  return {
    groups: cv.groups,
    test_groups: cv.testGroups,
    embargo_ms: cv.embargoMs,
    ...(cv.embargoBars !== undefined
      ? { embargo_bars: cv.embargoBars, embargo_end_ms: Array.from(res.embargoEnds) }
      : {}),
    group_bounds: Array.from(res.groupBounds),
    splits: res.splits.map((s) => ({
      test_groups: s.testGroups,
      train: s.train.length,
      test: s.test.length,
      purged: s.purged,
    })),
  };
}

/**
 * Missing sessions of a panel (`panel.gaps`) after a bar dated in [from, to] of a kept symbol:
 * count and up to 10 examples `SYMBOL@date`, the earliest (by date, then symbol).
 */
export function missingInRange(
  panel: Pick<DailyFeaturePanel, "gaps">,
  from: string,
  to: string,
  keep: ReadonlySet<string> | null,
): { count: number; examples: string[] } {
  const hit = (panel.gaps?.missing ?? []).filter((m) =>
    m.prev >= from && m.prev <= to && (!keep || keep.has(m.symbol))
  );
  return { count: hit.length, examples: firstExamples(hit) };
}

/** The first 10 of missing (symbol, date) pairs by date then symbol, as `SYMBOL@date`. */
export function firstExamples(m: readonly { symbol: string; date: string }[]): string[] {
  return [...m].sort((a, b) =>
    a.date < b.date
      ? -1
      : a.date > b.date
      ? 1
      : a.symbol < b.symbol
      ? -1
      : a.symbol > b.symbol
      ? 1
      : 0
  ).slice(0, 10).map((x) => `${x.symbol}@${x.date}`);
}

/**
 * The samples (`date|symbol`) that counting bars instead of sessions would give every feature
 * and the label: the same bars through a panel without a clock. A session-clock sample missing
 * from the export but in this set was dropped because of a missing session.
 *
 * @example
 * ```ts ignore
 * const rowClock = panel.gaps?.missing.length ? rowClockSamples(bars, spec, { sessionBounds }) : undefined;
 * ```
 */
export function rowClockSamples(
  bars: SymbolDailyBars[],
  spec: Pick<TrainingExportSpec, "features" | "label">,
  options: {
    periodsPerYear?: number;
    sessionBounds?: (date: string) => { open: Date; close: Date } | null;
  } = {},
): Set<string> {
  const panel = buildDailyFeaturePanel(bars, {
    features: spec.features,
    ...(options.periodsPerYear !== undefined ? { periodsPerYear: options.periodsPerYear } : {}),
  });
  const labels = panelLabels(
    panel,
    spec.label,
    options.sessionBounds ? { sessionBounds: options.sessionBounds } : {},
  );
  const nS = panel.symbols.length;
  const out = new Set<string>();
  for (let k = 0; k < labels.label.length; k++) {
    if (!Number.isFinite(panel.close[k]!) || !Number.isFinite(labels.label[k]!)) continue;
    if (!spec.features.every((f) => Number.isFinite(panel.features[f]![k]!))) continue;
    out.add(`${panel.dates[Math.floor(k / nS)]}|${panel.symbols[k % nS]}`);
  }
  return out;
}

/**
 * Counts, over the rows of the sample range, those without a value per feature and for the
 * label (`rows_missing` of the manifest); `add` returns whether the row has every value.
 */
export function missingCounter(features: readonly string[]): {
  counts: Record<string, number>;
  add(label: number, fs: readonly string[], value: (f: string) => number): boolean;
} {
  const counts: Record<string, number> = Object.fromEntries(
    [...features, "label"].map((f) => [f, 0]),
  );
  return {
    counts,
    add(label, fs, value) {
      let ok = true;
      if (!Number.isFinite(label)) {
        counts.label!++;
        ok = false;
      }
      for (const f of fs) {
        if (!Number.isFinite(value(f))) {
          counts[f]!++;
          ok = false;
        }
      }
      return ok;
    },
  };
}

/**
 * Bars of a symbol's own series each feature looks back over at a row (windows count bars of
 * the dataset's frequency: on monthly data `mom_12_1` spans 252 months): the window in its name,
 * `mom_12_1` C_{t-252}, the slow EMA of MACD 12/26/9, the Bollinger band's 20, 260 rows of
 * weekday returns, five calendar years of months.
 */
export const FEATURE_WINDOW_BARS: Readonly<Record<string, number | string>> = {
  rsi_14: 14,
  macd_hist_pct: 26,
  bb_pctb: 20,
  roc_5: 5,
  roc_20: 20,
  atr_14_pct: 14,
  stoch_k: 14,
  vol_yz_20: 20,
  vol_park_20: 20,
  ret_overnight: 1,
  ret_intraday: 0,
  mom_12_1: 252,
  reversal_21: 21,
  vol_63: 63,
  amihud_21: 21,
  log_dollar_volume_21: 21,
  dow_seasonality: 260,
  month_seasonality: "5 calendar years",
};
for (const f of Object.keys(FEATURE_WINDOW_BARS)) {
  if (perDateNormalisation(f) === "rank") {
    (FEATURE_WINDOW_BARS as Record<string, number | string>)[`${f}_raw`] = FEATURE_WINDOW_BARS[f]!;
  }
}

/** What the data holds, for the {@link noSampleMessage} of a feature that never has a value. */
export interface BarsContext {
  /** Bars of the symbol with the most bars (with a close) in the export. */
  maxBars: number;
  /** The dataset's frequency (`session`, `day`, `week`, `month`, ...). */
  frequency: string;
}

/**
 * "Cannot export x: no sample has a label and every feature", naming the features (or the label)
 * with no value on any of the rows; with `bars`, each such feature's window against the bars the
 * data has, since windows count bars of the dataset's frequency.
 *
 * @example
 * ```ts
 * noSampleMessage("m", { mom_12_1: 1320, label: 22 }, 1320, { maxBars: 60, frequency: "month" });
 * // "Cannot export m: no sample has a label and every feature (no value on any of the 1320 rows:
 * // mom_12_1 looks back 252 bars; the longest symbol has 60 month bars. ...)"
 * ```
 */
export function noSampleMessage(
  name: string,
  rowsMissing: Record<string, number>,
  rows: number,
  bars?: BarsContext,
): string {
  const none = Object.entries(rowsMissing).filter(([, c]) => rows > 0 && c === rows).map(([f]) =>
    f
  );
  if (!bars || !none.length) {
    return `Cannot export ${name}: no sample has a label and every feature${
      none.length ? ` (no value on any of the ${rows} rows: ${none.join(", ")})` : ""
    }`;
  }
  const freq = bars.frequency;
  const unit = ["session", "day", "1d", "d"].includes(freq) ? "daily" : freq;
  const each = none.map((f) => {
    if (f === "label") return "label (its horizon reaches past every symbol's last bar)";
    const w = FEATURE_WINDOW_BARS[f];
    return w === undefined ? f : `${f} looks back ${typeof w === "number" ? `${w} bars` : w}`;
  });
  return `Cannot export ${name}: no sample has a label and every feature (no value on any of the ${rows} rows: ${
    each.join(", ")
  }; the longest symbol has ${bars.maxBars} ${unit} bars). Feature windows count bars of the dataset's own frequency (on ${unit} data ${
    none.filter((f) => typeof FEATURE_WINDOW_BARS[f] === "number").map((f) =>
      `${f} spans ${FEATURE_WINDOW_BARS[f]} ${unit === "daily" ? "sessions" : `${unit}s`}`
    ).join(", ") || "they are bars"
  }): drop those features or export a longer or higher-frequency dataset`;
}

/** What an export measured, for {@link trainingManifest}. */
export interface TrainingManifestParts {
  /** Rows written. */
  rows: number;
  /** Rows dropped because a feature or the label was missing. */
  droppedIncomplete: number;
  /** Of those, rows a window or horizon over a missing session left without a value. */
  droppedMissingSessions: number;
  /** Missing sessions (or periods) after sample dates, with up to 10 examples. */
  missingSessions: TrainingManifest["missing_sessions"];
  /** Rows in the sample range without a value, per feature and for `label`. */
  rowsMissing: Record<string, number>;
  /** Feature names with their z-score statistics (fitted on the training rows). */
  features: TrainingManifest["features"];
  /** Rows dated before `spec.trainEnd` that the statistics were fitted on. */
  trainRows: number;
  /** Label horizon in sessions. */
  horizonSessions: number;
  cpcv: TrainingManifest["cpcv"];
  sequence: TrainingManifest["sequence"];
  /** sha256 of each written file. */
  files: Record<string, string>;
  inputs: ExportInput[];
  /** @default now */
  createdAt?: Date;
}

/**
 * A label spec with the defaults lib/labels `panelLabels` applies filled in, so that a manifest
 * says what was computed: forward_return horizon 1 session, type "log" (ln(C_{t+h}/C_t));
 * triple_barrier maxHolding 10 sessions, upper 1, lower 1, volSpan 20.
 *
 * @example
 * ```ts
 * resolvedLabelSpec({ kind: "forward_return", horizon: 5 });
 * // { kind: "forward_return", horizon: 5, type: "log" }
 * ```
 */
export function resolvedLabelSpec(label: PanelLabelSpec): Required<PanelLabelSpec> {
  switch (label.kind) {
    case "forward_return":
      return { kind: label.kind, horizon: label.horizon ?? 1, type: label.type ?? "log" };
    case "overnight":
      return { kind: label.kind };
    case "triple_barrier":
      return {
        kind: label.kind,
        maxHolding: label.maxHolding ?? 10,
        upper: label.upper ?? 1,
        lower: label.lower ?? 1,
        volSpan: label.volSpan ?? 20,
      };
  }
}

/**
 * The manifest of a training export, built in one place for the eager ({@link exportTrainingSet})
 * and the batched (`exportTrainingSetBatched`) exports, so both write the same fields in the same
 * order: z-score normalisation fitted on the training rows up to `spec.trainEnd`, the label
 * column `label` ending at `t1_ms`, the CPCV settings and split sizes, the optional window
 * tensor, file checksums and input provenance.
 *
 * @example
 * ```ts ignore
 * const m = trainingManifest(spec, { rows, droppedIncomplete: 0, features, trainRows,
 *   horizonSessions: 1, cpcv: null, sequence: null, files, inputs: [] });
 * await writeTrainingManifest(outDir, m);
 * ```
 */
export function trainingManifest(
  spec: TrainingExportSpec,
  parts: TrainingManifestParts,
): TrainingManifest {
  return {
    name: spec.name,
    created_at: (parts.createdAt ?? new Date()).toISOString(),
    spec,
    rows: parts.rows,
    rows_dropped_incomplete: parts.droppedIncomplete,
    rows_dropped_missing_sessions: parts.droppedMissingSessions,
    missing_sessions: parts.missingSessions,
    rows_missing: parts.rowsMissing,
    features: parts.features,
    warnings: constantWarnings(parts.features, parts.trainRows),
    normalisation: {
      method: "zscore",
      fitted_on: "train",
      train_rows: parts.trainRows,
      train_end: spec.trainEnd,
    },
    label: {
      column: "label",
      dtype: "float64",
      end_time_column: "t1_ms",
      horizon_sessions: parts.horizonSessions,
      definition: resolvedLabelSpec(spec.label),
    },
    cpcv: parts.cpcv,
    sequence: parts.sequence,
    files: parts.files,
    inputs: parts.inputs,
  };
}

/** Write `manifest.json` (2-space JSON and a newline) and the PyTorch `README.md` of an export. */
export async function writeTrainingManifest(
  outDir: string,
  manifest: TrainingManifest,
): Promise<void> {
  await Deno.writeTextFile(
    join(outDir, "manifest.json"),
    JSON.stringify(manifest, null, 2) + "\n",
  );
  await Deno.writeTextFile(join(outDir, "README.md"), pytorchReadme(manifest));
}

/** A README with the PyTorch loading recipe for an export. */
export function pytorchReadme(m: TrainingManifest): string {
  const seq = m.sequence
    ? `
## Sequence windows (PatchTST)

\`windows.npy\` is float32 ${JSON.stringify(m.sequence.shape)} = [samples, lookback, channels];
patch length ${m.sequence.patch_length}, stride ${m.sequence.stride} (${m.sequence.patches} patches).

\`\`\`python
import json, numpy as np, pandas as pd, torch
m = json.load(open("manifest.json"))
x = torch.from_numpy(np.load("windows.npy"))             # [N, L, C]
idx = pd.read_parquet("windows_index.parquet")           # row, symbol, date, label, t1_ms, cpcv_group
y = torch.tensor(idx["label"].to_numpy(), dtype=torch.float32)
patches = x.unfold(1, m["sequence"]["patch_length"], m["sequence"]["stride"])  # [N, P, C, patch]
\`\`\`
`
    : "";
  return `# Training export: ${m.name}

Created ${m.created_at}. ${m.rows} samples, ${m.features.length} features (z-scored with statistics
fitted on the ${m.normalisation.train_rows} training rows dated before ${m.normalisation.train_end};
see manifest.json), label \`label\` ending at \`t1_ms\` (epoch ms; use it to purge).

## Tabular rows

\`\`\`python
import json, pandas as pd, torch
m = json.load(open("manifest.json"))
rows = pd.read_parquet("rows.parquet")
features = [f["name"] for f in m["features"]]
k = 0                                             # CPCV split k: 1 = train, 2 = test, 0 = purged
train, test = rows[rows[f"split_{k}"] == 1], rows[rows[f"split_{k}"] == 2]
X = torch.tensor(train[features].to_numpy(), dtype=torch.float32)
y = torch.tensor(train["label"].to_numpy(), dtype=torch.float32)
w = torch.tensor(train["weight"].to_numpy(), dtype=torch.float32)   # sample uniqueness
\`\`\`
${seq}`;
}
