/**
 * Daily bars for a training export: from a simulated world (adjusted for splits and dividends,
 * delisted names included while they traded) or from any daily dataset in the lake through a
 * dataset reference (lib/dataset `loadDataset`: the user's own data, vendor day bars), with the
 * dataset's calendar, frequency and currency attached.
 */
import pl from "nodejs-polars";
import type { DatasetMeta } from "../lake/spec.ts";
import { requirePriceUnits, unitsLabel } from "../lake/units.ts";
import { type DatasetRef, DatasetRefSchema } from "../dataset/dataset_ref.ts";
import { formatZodIssues } from "../cli/task.ts";
import { didYouMean } from "../cli/spec_schema.ts";
import {
  ExportDatasetRefSchema,
  ExportSpecSchema,
  LegacyLakeSourceSchema,
  SimSourceSchema,
} from "./export_spec.ts";
import { isDateFrequency } from "../dataset/periods.ts";
import { loadDataset, type LoadedDataset, parseDatasetRef } from "../dataset/load.ts";
import type { z } from "zod";
import { generateWorld } from "../sources/sim/world.ts";
import { DAILY_FEATURES, type SymbolDailyBars } from "./daily_panel.ts";
import {
  type ExportInput,
  ExportSpecError,
  exportTrainingSet,
  rowClockSamples,
  specFrequencyBlocker,
  type TrainingExportSpec,
  type TrainingManifest,
} from "./training_export.ts";
import { buildDailyFeaturePanel } from "./daily_panel.ts";
import { panelLabels } from "../labels/panel_labels.ts";
import type { NewsItem } from "./news.ts";
import {
  barTimes,
  type ClockKind,
  clockKind,
  type MissingBetween,
  sessionClock,
} from "./session_clock.ts";

/** A dataset reference as written in a spec (`adjust` may be left out). */
export type DatasetRefInput = z.input<typeof DatasetRefSchema>;

/** The dataset a legacy `{ kind: "lake" }` source reads (as written by lib/ingest's bar pipeline). */
export const DEFAULT_DAY_BARS = "polygon/stock_bars_day";

/**
 * Where the bars come from: a simulated world by name (`kind: "sim"`), the curated Polygon day
 * bars (`kind: "lake"`, kept for old specs), or any dataset reference into the lake
 * (`{ source: "lake", dataset: "user/msft_daily", symbols?, start?, end?, asOf?, adjust? }`,
 * lib/dataset).
 */
export type BarSource =
  | { kind: "sim"; seed?: number; start: string; end: string; equityCount?: number }
  | { kind: "lake"; root?: string; symbols?: string[] }
  | (DatasetRefInput & { root?: string; kind?: undefined });

/** What {@link loadDailyBars} read. */
export interface LoadedDailyBars {
  bars: SymbolDailyBars[];
  inputs: ExportInput[];
  news: NewsItem[];
  /** The dataset read (lake sources): calendar, frequency, currency and annualisation. */
  dataset?: {
    name: string;
    manifest: string;
    meta: DatasetMeta;
    periodsPerYear: number;
    /** Session bounds of a date on the dataset's calendar (label end times). */
    sessionBounds: (date: string) => { open: Date; close: Date } | null;
    /**
     * The clock features and labels count in (lib/features `sessionClock`): pass it to
     * `buildDailyFeaturePanel` so a window over a missing session has no value; null when the
     * rows are the clock (daily data on calendar `none`).
     */
    missingBetween: MissingBetween | null;
    /** `sessions`, `periods` or `rows` (what `missingBetween` counts). */
    clock: ClockKind;
  };
}

/** Why features and labels need prices (units messages). */
export const PRICE_USE =
  "the features and labels of export-training and train are returns of prices (ln(p_t / p_{t-1}))";
const PRICE_TODO =
  "no change-based label exists yet: export a price or index dataset, or, if these values are prices, re-ingest with --units price --replace";

/**
 * How a training export names a lake input in its manifest (the eager and the batched export
 * alike): the pinned reference, files and rows read, and the metadata the values are read with.
 *
 * @example
 * ```ts
 * lakeInputName("curated/user/ttrc#ab12", 3, 5550, { calendar: "nyse", frequency: "session", currency: "USD" });
 * // "lake:curated/user/ttrc#ab12 (3 files, 5550 rows; calendar nyse, frequency session, currency USD, units price (default))"
 * ```
 */
export function lakeInputName(
  manifest: string,
  files: number,
  rows: number,
  meta: LoadedDataset["meta"],
): string {
  return `lake:${manifest} (${files} files, ${rows} rows; calendar ${meta.calendar}, frequency ${meta.frequency}, currency ${
    meta.currency ?? "none"
  }, units ${unitsLabel(meta)})`;
}

/**
 * Per-symbol daily bars of a loaded dataset reference: dates as ISO strings, null fields as NaN
 * (a close-only series has NaN open/high/low/volume), a `series` dataset's `value` as close.
 * RangeError for intraday data (the daily panel takes one bar per date); lib/lake
 * `NotAPriceError` for values whose units are not a price or index level (a yield in percent).
 */
export function dailyBarsOf(d: LoadedDataset): SymbolDailyBars[] {
  // Features and labels are returns of the close: a yield, rate or count is refused.
  requirePriceUnits(d.ref.dataset, d.meta, PRICE_USE, PRICE_TODO);
  if (!isDateFrequency(d.meta.frequency) || d.timeColumn !== "date") {
    throw new RangeError(
      `Cannot build daily bars from ${d.name}: its frequency is ${d.meta.frequency} (export-training and train take daily or slower bars with a date; resample intraday data first)`,
    );
  }
  let df = d.frame;
  if (!df.columns.includes("close") && df.columns.includes("value")) {
    df = df.withColumns(pl.col("value").alias("close"));
  }
  if (!df.columns.includes("close")) {
    throw new RangeError(`Cannot build daily bars from ${d.name}: it has no close or value column`);
  }
  for (const c of ["open", "high", "low", "volume"]) {
    if (!df.columns.includes(c)) df = df.withColumns(pl.lit(null).cast(pl.Float64).alias(c));
  }
  const sel = df.select(
    pl.col("symbol").cast(pl.Utf8),
    pl.col("date").cast(pl.Utf8),
    ...["open", "high", "low", "close", "volume"].map((c) => pl.col(c).cast(pl.Float64)),
  ).sort(["symbol", "date"]);
  const tick = sel.getColumn("symbol").toArray() as string[];
  const dates = sel.getColumn("date").toArray() as string[];
  const col = (c: string) =>
    Float64Array.from(sel.getColumn(c).toArray() as (number | null)[], (v) => v ?? NaN);
  const o = col("open"), h = col("high"), l = col("low"), c = col("close"), v = col("volume");
  const bars: SymbolDailyBars[] = [];
  for (let i = 0; i < tick.length;) {
    let j = i;
    while (j < tick.length && tick[j] === tick[i]) j++;
    bars.push({
      symbol: tick[i]!,
      dates: dates.slice(i, j),
      open: o.slice(i, j),
      high: h.slice(i, j),
      low: l.slice(i, j),
      close: c.slice(i, j),
      volume: v.slice(i, j),
    });
    i = j;
  }
  return bars;
}

async function sha256Text(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Load daily bars per symbol, news (simulated worlds only; empty for the lake) and a provenance
 * record (hash of the simulator config, or of the lake manifest's per-file checksums, which pins
 * the exact files read).
 *
 * @example
 * ```ts
 * const { bars } = await loadDailyBars({ kind: "sim", seed: 1, start: "2023-01-03", end: "2024-06-28" });
 * ```
 */
export async function loadDailyBars(
  source: BarSource,
): Promise<LoadedDailyBars> {
  if (source.kind === "sim") {
    const cfg = {
      seed: source.seed ?? 1,
      start: source.start,
      end: source.end,
      equityCount: source.equityCount ?? 30,
    };
    const w = generateWorld(cfg);
    const bars = w.equityInfo.map((x) => {
      const d = w.equityDailyAdjusted(x.ticker, "all");
      return {
        symbol: x.ticker,
        dates: d.dates,
        open: d.o,
        high: d.h,
        low: d.l,
        close: d.c,
        volume: d.v,
      };
    }).filter((b) => b.dates.length > 0);
    const news = w.news.map((a) => ({
      symbol: a.ticker,
      knownAt: a.publishedMs,
      sentiment: a.sentiment,
    }));
    return {
      bars,
      news,
      inputs: [{
        name: `sim:${JSON.stringify(cfg)}`,
        sha256: await sha256Text(JSON.stringify(cfg)),
      }],
    };
  }
  const { root, ...rest } = source;
  const ref = rest.kind === "lake"
    ? {
      source: "lake" as const,
      dataset: DEFAULT_DAY_BARS,
      ...(rest.symbols ? { symbols: rest.symbols } : {}),
    }
    : rest;
  const d = await loadDataset(parseDatasetRef(ref), root ? { root } : {});
  if (d.frame.height === 0) {
    throw new RangeError(
      `Cannot load bars: ${d.name} has no rows for ${
        d.manifest.split("#")[0]
      } (run the backfill or ingest-file first)`,
    );
  }
  const bars = dailyBarsOf(d);
  // pin the exact files read: the lake manifest's per-file checksums
  const digest = await sha256Text(d.files.map((f) => `${f.path}:${f.sha256}`).join("\n"));
  return {
    bars,
    news: [],
    inputs: [{
      name: lakeInputName(d.manifest, d.files.length, d.frame.height, d.meta),
      sha256: digest,
    }],
    dataset: {
      name: d.name,
      manifest: d.manifest,
      meta: d.meta,
      periodsPerYear: d.periodsPerYear,
      sessionBounds: barTimes(d.meta),
      missingBetween: sessionClock(d.meta),
      clock: clockKind(d.meta),
    },
  };
}

/** Options of {@link resolveExportSpec}. */
export interface ResolveExportSpecOptions {
  /**
   * More `source` kinds the caller reads itself (lib/models train's `sim-spy`), each with the
   * schema of its object; such a source is checked and returned as is.
   * @default none
   */
  sources?: Readonly<Record<string, z.ZodType>>;
  /** Path of the spec inside the file, prefixed to every field named in an error (`["data"]`). @default [] */
  path?: readonly string[];
}

/** A zod error as one line, its fields' paths under `prefix`. */
function specIssues(e: z.ZodError, prefix: readonly PropertyKey[]): string {
  return formatZodIssues({ issues: e.issues.map((i) => ({ ...i, path: [...prefix, ...i.path] })) });
}

/**
 * Check a training-export spec read from JSON (lib/features/export_spec.ts `ExportSpecSchema`:
 * strict, an unknown field is refused with its path and the nearest known field) and settle its
 * bar source: the command line's dataset reference (`--dataset ...`) wins, then the spec's
 * `data` (a dataset reference, `{ "source": "lake", "dataset": "user/msft_daily", ... }`), then
 * its `source` (a dataset reference, `{ "kind": "sim", ... }` or the legacy `{ "kind": "lake" }`).
 * RangeError with one line naming what is wrong, e.g. `label.horizn: unknown field (did you mean
 * "horizon"?)`.
 *
 * @example
 * ```ts
 * const spec = resolveExportSpec({ name: "x", features: ["roc_5"], label: { kind: "forward_return" },
 *   trainEnd: "2024-01-01", data: { source: "lake", dataset: "user/msft_daily" } });
 * spec.source; // { source: "lake", dataset: "user/msft_daily", adjust: "raw" }
 * ```
 */
export function resolveExportSpec(
  raw: unknown,
  ref?: DatasetRefInput,
  options: ResolveExportSpecOptions = {},
): TrainingExportSpec & { source: BarSource } {
  const at = options.path ?? [];
  const where = at.length ? `${at.join(".")}: ` : "";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new RangeError(`${where}the spec must be a JSON object`);
  }
  const parsed = ExportSpecSchema.safeParse(raw);
  if (!parsed.success) throw new RangeError(specIssues(parsed.error, at));
  const s = parsed.data;
  // checked here, before any data is read (the feature panel would refuse them after the load)
  const unknown = s.features.filter((f) => !(DAILY_FEATURES as readonly string[]).includes(f));
  if (unknown.length > 0) {
    const near = didYouMean(unknown[0]!, DAILY_FEATURES);
    throw new RangeError(
      `${[...at, "features"].join(".")}: unknown feature ${
        unknown.map((f) => JSON.stringify(f)).join(", ")
      }${near ? ` (did you mean "${near}"?)` : ""}; known: ${DAILY_FEATURES.join(", ")}`,
    );
  }
  const { data, source: src, ...rest } = s;
  const asRef = (v: unknown, key: string): DatasetRef & { root?: string } => {
    const r = ExportDatasetRefSchema.safeParse(v);
    if (!r.success) throw new RangeError(specIssues(r.error, [...at, key]));
    return r.data;
  };
  let source: BarSource;
  if (ref) source = parseDatasetRef(ref);
  else if (data !== undefined) source = asRef(data, "data");
  else if (typeof src === "object" && src !== null && !Array.isArray(src)) {
    const kind = (src as { kind?: unknown }).kind;
    const extra = typeof kind === "string" ? options.sources?.[kind] : undefined;
    const schema = kind === "sim"
      ? SimSourceSchema
      : kind === "lake"
      ? LegacyLakeSourceSchema
      : extra;
    if (kind === undefined) source = asRef(src, "source");
    else if (schema) {
      const r = schema.safeParse(src);
      if (!r.success) throw new RangeError(specIssues(r.error, [...at, "source"]));
      source = r.data as BarSource;
    } else {
      const kinds = ["sim", "lake", ...Object.keys(options.sources ?? {})];
      throw new RangeError(
        `${[...at, "source", "kind"].join(".")}: "${String(kind)}" is not ${
          kinds.join(", ")
        } (or give a dataset reference without kind)`,
      );
    }
  } else {
    throw new RangeError(
      `${where}the spec needs data: { "source": "lake", "dataset": ... } (or source, or --dataset)`,
    );
  }
  return { ...(rest as TrainingExportSpec), source };
}

/**
 * The eager export of loaded bars (`deno task export-training` without batches): the feature
 * panel and labels on the dataset's clock (`missingBetween`; a simulated world counts rows),
 * the rows that counting bars would have kept when sessions are missing, then
 * {@link exportTrainingSet}.
 *
 * @example
 * ```ts ignore
 * const m = await exportLoadedBars(await loadDailyBars(spec.source), spec, { outDir: "data/exports/x" });
 * m.missing_sessions; // { clock: "sessions", count: 1, examples: ["TTRC@1990-06-04"] }
 * ```
 */
export async function exportLoadedBars(
  loaded: LoadedDailyBars,
  spec: TrainingExportSpec,
  options: { outDir: string },
): Promise<TrainingManifest> {
  const ds = loaded.dataset;
  const block = specFrequencyBlocker(spec, ds?.meta.frequency ?? "day", ds?.name);
  if (block) throw new ExportSpecError(`Cannot export ${spec.name}: ${block}`);
  const ppy = ds ? { periodsPerYear: ds.periodsPerYear } : {};
  const panel = buildDailyFeaturePanel(loaded.bars, {
    features: spec.features,
    ...ppy,
    ...(ds ? { missingBetween: ds.missingBetween } : {}),
    ...(spec.gaps ? { gaps: spec.gaps } : {}),
  });
  const bounds = ds ? { sessionBounds: ds.sessionBounds } : {};
  const labels = panelLabels(panel, spec.label, bounds);
  const rowClock = panel.gaps?.missing.length && spec.gaps !== "skip"
    ? rowClockSamples(loaded.bars, spec, { ...bounds, ...ppy })
    : undefined;
  return await exportTrainingSet(
    { panel, labels, clock: ds?.clock ?? "rows", ...(rowClock ? { rowClock } : {}) },
    spec,
    {
      outDir: options.outDir,
      inputs: loaded.inputs,
      ...(ds ? { dataset: ds.name, frequency: ds.meta.frequency } : {}),
    },
  );
}
