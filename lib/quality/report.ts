/**
 * Data-quality report of a curated dataset over a date range: gaps against the calendar,
 * stale values, robust-z return outliers, OHLC consistency and crossed quotes, picked by the
 * columns the dataset has. Counts go into every backfill summary and `deno task quality`.
 */
import pl from "nodejs-polars";
import { type DatasetSpec, readDataset } from "../lake/mod.ts";
import { crossedQuotes, ohlcViolations, staleRuns } from "./checks.ts";
import { fxGaps, sessionGaps } from "./gaps.ts";
import { returnOutliers } from "./outliers.ts";

/** Options of {@link qualityReport}. */
export interface QualityOptions {
  /** First date (YYYY-MM-DD) for calendar gaps. */
  start: string;
  /** Last date (inclusive). */
  end: string;
  /** Bar length in ms; inferred from the dataset name (`_second`, `_minute`, `_m1`, `_s5`, `_day`). */
  barMs?: number;
  /** Minimum run of identical closes counted as stale. @default 30 */
  staleRun?: number;
  /** Robust-z threshold for return outliers. @default 8 */
  outlierZ?: number;
  /** Calendar for gaps. @default "fx" for datasets with bid/ask candles, else "exchange" */
  calendar?: "exchange" | "fx" | "none";
}

/** Counts by check (absent checks are not listed) and a few examples. */
export interface QualityReport {
  dataset: string;
  rows: number;
  counts: Record<string, number>;
  examples: Record<string, unknown[]>;
}

function inferBarMs(dataset: string): number {
  if (/_second$|_s1$/.test(dataset)) return 1000;
  if (/_s5$/.test(dataset)) return 5000;
  if (/_minute$|_m1$/.test(dataset)) return 60_000;
  if (/_h1$/.test(dataset)) return 3_600_000;
  return 0;
}

function f64(df: pl.DataFrame, c: string): Float64Array {
  return Float64Array.from(
    (df.getColumn(c).cast(pl.Float64).toArray() as (number | null)[]).map((v) => v ?? NaN),
  );
}

/** Quality checks of one frame of a dataset (rows of several symbols allowed). */
export function qualityReport(
  dataset: string,
  df: pl.DataFrame,
  options: QualityOptions,
): QualityReport {
  const rep: QualityReport = { dataset, rows: df.height, counts: {}, examples: {} };
  const cols = new Set(df.columns);
  const symCol = ["ticker", "instrument", "symbol", "series_id"].find((c) => cols.has(c));
  const groups: pl.DataFrame[] = df.height === 0
    ? []
    : symCol
    ? df.partitionBy(symCol, true, true)
    : [df];
  const barMs = options.barMs ?? inferBarMs(dataset);
  const add = (k: string, n: number, ex: unknown[] = []) => {
    rep.counts[k] = (rep.counts[k] ?? 0) + n;
    if (ex.length) rep.examples[k] = [...(rep.examples[k] ?? []), ...ex].slice(0, 10);
  };
  const isFx = cols.has("mid_close") || cols.has("bid_close");
  const cal = options.calendar ??
    (isFx ? "fx" : dataset.startsWith("option_") ? "none" : "exchange");
  for (const g0 of groups) {
    const g = cols.has("ts") ? g0.sort("ts") : g0;
    const sym = symCol ? String(g.getColumn(symCol).get(0)) : dataset;
    const ts = cols.has("ts") ? f64(g.withColumns(pl.col("ts").cast(pl.Int64)), "ts") : null;
    const px = ["open", "high", "low", "close"].every((c) => cols.has(c))
      ? ["open", "high", "low", "close"]
      : ["mid_open", "mid_high", "mid_low", "mid_close"].every((c) => cols.has(c))
      ? ["mid_open", "mid_high", "mid_low", "mid_close"]
      : null;
    if (px) {
      const [o, h, l, c] = px.map((k) => f64(g, k)) as [
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
      ];
      const bad = ohlcViolations(o, h, l, c);
      add(
        "ohlc_inconsistent",
        bad.length,
        bad.slice(0, 3).map((i) => `${sym}@${ts ? new Date(ts[i]!).toISOString() : i}`),
      );
      const out = returnOutliers(c, { threshold: options.outlierZ ?? 8 });
      add(
        "return_outliers",
        out.length,
        out.slice(0, 3).map((i) => `${sym}@${ts ? new Date(ts[i]!).toISOString() : i}`),
      );
      const stale = staleRuns(c, options.staleRun ?? 30);
      add(
        "stale_runs",
        stale.length,
        stale.slice(0, 3).map((r) => `${sym}@${r.start}x${r.length}`),
      );
    }
    if (cols.has("bid_close") && cols.has("ask_close")) {
      const q = crossedQuotes(f64(g, "bid_close"), f64(g, "ask_close"));
      add("crossed_quotes", q.crossed.length);
      add("locked_quotes", q.locked.length);
    }
    if (cols.has("bid_price") && cols.has("ask_price")) {
      const q = crossedQuotes(f64(g, "bid_price"), f64(g, "ask_price"));
      add("crossed_quotes", q.crossed.length);
      add("locked_quotes", q.locked.length);
    }
    if (cols.has("value") && cols.has("series_id")) {
      add("null_values", g.getColumn("value").nullCount());
    }
    if (ts && cal === "exchange" && px) {
      const gaps = sessionGaps(ts, { start: options.start, end: options.end, barMs });
      add(
        "missing_sessions",
        gaps.missingSessions.length,
        gaps.missingSessions.slice(0, 3).map((d) => `${sym}@${d}`),
      );
      add(
        "missing_bars",
        gaps.missingBars,
        gaps.examples.slice(0, 3).map((t) => `${sym}@${new Date(t).toISOString()}`),
      );
      add("early_closes", gaps.earlyCloses);
    } else if (ts && cal === "fx") {
      const gaps = fxGaps(ts, { start: options.start, end: options.end, barMs });
      add("missing_bars", gaps.missingBars);
      add("expected_bars", gaps.expected);
    }
  }
  return rep;
}

/** Read a curated dataset over [start, end] and report on it. */
export async function datasetQuality(
  spec: DatasetSpec,
  options: QualityOptions & {
    root?: string;
    /**
     * Only these instruments (matched on the first of `ticker`, `symbol`, `series_id`,
     * `instrument` the dataset has), e.g. the symbols of the job just run: a window that suits
     * them says nothing about other instruments with shorter histories. When none of them
     * names a row (an option job's underlying), every row is checked. @default all
     */
    symbols?: readonly string[];
  },
): Promise<QualityReport> {
  const df = await readDataset(spec, {
    start: new Date(options.start + "T00:00:00Z"),
    end: new Date(Date.parse(options.end + "T00:00:00Z") + 2 * 86_400_000),
    ...(options.root ? { root: options.root } : {}),
    dropLineage: true,
  });
  const t = spec.timeColumn;
  const idCol = ["ticker", "symbol", "series_id", "instrument"].find((c) => c in spec.schema);
  let mine = df;
  if (options.symbols && idCol && df.height) {
    const f = df.filter(pl.col(idCol).isIn([...options.symbols]));
    // Symbols that name no row are not instrument ids here (an option job's underlying, a
    // listing job's "active"): check everything then.
    if (f.height > 0) mine = f;
  }
  const lo = new Date(options.start + "T00:00:00Z").getTime() - 12 * 3_600_000;
  const hi = new Date(options.end + "T00:00:00Z").getTime() + 36 * 3_600_000;
  const inRange = mine.height && spec.schema[t] === "ts_ms"
    ? mine.filter(pl.col(t).cast(pl.Int64).gtEq(lo).and(pl.col(t).cast(pl.Int64).lt(hi)))
    : mine;
  return qualityReport(spec.dataset, inRange, options);
}

/** One line per report. */
export function formatQuality(r: QualityReport): string {
  const parts = Object.entries(r.counts).map(([k, v]) => `${k}=${v}`);
  const ex = Object.entries(r.examples).map(([k, v]) => `  ${k}: ${v.join(", ")}`);
  return [`${r.dataset}: rows=${r.rows} ${parts.join(" ")}`, ...ex].join("\n");
}
