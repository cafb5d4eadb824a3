/**
 * Data-quality report of a curated dataset over a date range: gaps against the calendar,
 * stale values, robust-z return outliers, OHLC consistency and crossed quotes, picked by the
 * columns the dataset has. Counts go into every backfill summary and `deno task quality`.
 */
import pl from "nodejs-polars";
import { type DatasetSpec, KNOWN_AT, scanDataset } from "../lake/mod.ts";
import { entityKey, latestVersions } from "../lake/versions.ts";
import { crossedQuotes, ohlcViolations, staleRuns } from "./checks.ts";
import { fxGaps, sessionGaps } from "./gaps.ts";
import { calendarGaps } from "./calendar_gaps.ts";
import { PERIOD_FREQS } from "./period_gaps.ts";
import { closeLabeler } from "./period_close.ts";
import { changeOutliers, returnOutliers } from "./outliers.ts";
import { resolveUnits, type Units, unitsClass, unitsLabel } from "../lake/units.ts";

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
  /** What the dataset declares (reports on a loaded dataset reference). */
  calendar?: string;
  frequency?: string;
  currency?: string | null;
  /**
   * Units of the values (lib/lake/units.ts): declared, `price (default)` for bars and series
   * with a currency, or `unknown`.
   */
  units?: string;
  /**
   * Date range checked (inclusive). Weekly and slower data: the stored dates, each its period's
   * first day (Monday, the 1st), as the lake and queries hold them.
   */
  start?: string;
  end?: string;
  /**
   * Weekly and slower data: the closes the range spans, the date of the first and the last
   * period's close (its last session on the calendar, lib/quality `closeLabeler`), e.g. a weekly
   * file dated on Fridays 1990-01-05..2005-11-11 is stored 1990-01-01..2005-11-07 and closes
   * 1990-01-05..2005-11-11. Absent for daily and intraday data (their dates are their closes).
   */
  closes?: { start: string; end: string };
  /** Instruments checked. */
  symbols?: number;
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

/** A column as float64 with nulls as NaN (typed-array copy when it has no nulls). */
function f64(df: pl.DataFrame, c: string): Float64Array {
  const s = df.getColumn(c).cast(pl.Float64);
  if (s.nullCount() === 0) return Float64Array.from(s.toTypedArray() as Float64Array);
  return Float64Array.from((s.toArray() as (number | null)[]).map((v) => v ?? NaN));
}

/**
 * Every column {@link qualityReport} looks at (by presence or by value); {@link datasetQuality}
 * reads only these (and the time column), so the other columns of the files are not decoded.
 */
const QUALITY_COLUMNS: ReadonlySet<string> = new Set([
  "ticker",
  "instrument",
  "symbol",
  "series_id",
  "ts",
  "open",
  "high",
  "low",
  "close",
  "mid_open",
  "mid_high",
  "mid_low",
  "mid_close",
  "bid_close",
  "ask_close",
  "bid_price",
  "ask_price",
  "value",
]);

/** Quality checks of one frame of a dataset (rows of several symbols allowed). */
export function qualityReport(
  dataset: string,
  df: pl.DataFrame,
  options: QualityOptions,
): QualityReport {
  const rep: QualityReport = { dataset, rows: df.height, counts: {}, examples: {} };
  const cols = new Set(df.columns);
  const symCol = ["ticker", "instrument", "symbol", "series_id"].find((c) => cols.has(c));
  // One instrument (a job's usual frame): the frame itself, as partitionBy would give it.
  const groups: pl.DataFrame[] = df.height === 0
    ? []
    : symCol && df.getColumn(symCol).nUnique() > 1
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
    const ts = cols.has("ts")
      ? Float64Array.from(
        g.getColumn("ts").cast(pl.Int64).cast(pl.Float64).toTypedArray() as Float64Array,
      )
      : null;
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
  const t = spec.timeColumn;
  // Only the columns the checks use are decoded (the plan keeps the sort's columns itself).
  const lf = await scanDataset(spec, {
    start: new Date(options.start + "T00:00:00Z"),
    end: new Date(Date.parse(options.end + "T00:00:00Z") + 2 * 86_400_000),
    ...(options.root ? { root: options.root } : {}),
    dropLineage: true,
    // collected right below: many small files (a session each) are cheaper decoded whole
    smallFilesInMemory: true,
  });
  const keep = lf.columns.filter((c) => c === t || QUALITY_COLUMNS.has(c));
  // A versioned dataset (key holds known_at) keeps every version of a revised row: the checks
  // count the latest version per (symbol, time), as loadDataset reads it.
  const ent = entityKey(spec);
  const pick = ent
    ? [...new Set([...keep, ...ent, KNOWN_AT])].filter((c) => lf.columns.includes(c))
    : keep;
  const read = await (keep.length ? lf.select(...pick) : lf).collect();
  const df = ent && keep.length ? latestVersions(read, spec).select(...keep) : read;
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

/** A dataset as read by lib/dataset `loadDataset` (only the fields the report needs). */
export interface LoadedFrame {
  name: string;
  /** Rows with `symbol`, the time column, and bar or value columns. */
  frame: pl.DataFrame;
  /** `date` (pl.Date) or `ts` (Datetime ms). */
  timeColumn: string;
  meta: {
    calendar: string;
    frequency: string;
    currency: string | null;
    kind: string;
    units?: Units;
  };
}

/**
 * What the gap counts of {@link loadedQuality} count at a dataset frequency: `weeks`, `months`,
 * `quarters` or `years` for periodic data (lib/quality `PERIOD_FREQS`), else `sessions` (daily
 * and intraday data, whose gaps are calendar sessions).
 *
 * @example
 * ```ts
 * gapUnit("week"); // "weeks"
 * gapUnit("1d"); // "sessions"
 * ```
 */
export function gapUnit(frequency: string): string {
  return (PERIOD_FREQS as readonly string[]).includes(frequency) ? `${frequency}s` : "sessions";
}

/** Options of {@link loadedQuality}. */
export interface LoadedQualityOptions {
  /** First date checked for gaps. @default the first date of the rows */
  start?: string;
  /** Last date checked (inclusive). @default the last date of the rows */
  end?: string;
  /** Minimum run of identical closes counted as stale. @default 30 */
  staleRun?: number;
  /** Robust-z threshold for return outliers. @default 8 */
  outlierZ?: number;
}

/**
 * Quality of a loaded dataset reference on its own calendar and frequency: per symbol, gaps
 * against the dataset's calendar ({@link calendarGaps}: `sessions_expected`, `missing_sessions`,
 * `off_calendar_rows`, `missing_bars`; weekly and slower data count and name missing periods by
 * their first day, under the period's name: `weeks_expected`/`missing_weeks`, `months_...`,
 * `quarters_...`, `years_...`, {@link gapUnit}), null counts of the bar columns (`null_open`, ...; a series' `null_value`
 * counts null or NaN values, with examples; a
 * close-only series reports its missing fields instead of failing), OHLC violations on rows that
 * carry all four prices, robust-z return outliers (`return_outliers`; for values whose units are
 * a rate, ratio or count, outliers of the changes x_t - x_{t-1}: `change_outliers`) and stale
 * runs of the close (or `value`).
 *
 * @example
 * ```ts ignore
 * const r = loadedQuality(await loadDataset("user/eurusd_daily"));
 * r.counts.missing_sessions; // 0 on a complete FX series, US holidays included
 * ```
 */
export function loadedQuality(d: LoadedFrame, options: LoadedQualityOptions = {}): QualityReport {
  const df = d.frame;
  const t = d.timeColumn;
  const isDate = t === "date";
  const rep: QualityReport = {
    dataset: d.name,
    rows: df.height,
    calendar: d.meta.calendar,
    frequency: d.meta.frequency,
    currency: d.meta.currency,
    units: unitsLabel(d.meta),
    symbols: 0,
    counts: {},
    examples: {},
  };
  const add = (k: string, n: number, ex: unknown[] = []) => {
    rep.counts[k] = (rep.counts[k] ?? 0) + n;
    if (ex.length) rep.examples[k] = [...(rep.examples[k] ?? []), ...ex].slice(0, 10);
  };
  if (df.height === 0) return rep;
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const tms = df.getColumn(t).cast(isDate ? pl.Int32 : pl.Float64).toTypedArray();
  let lo = Infinity, hi = -Infinity;
  for (const v of tms) {
    lo = Math.min(lo, Number(v));
    hi = Math.max(hi, Number(v));
  }
  const toDay = (v: number) => (isDate ? dayOf(v * 86_400_000) : dayOf(v));
  rep.start = options.start ?? toDay(lo);
  rep.end = options.end ?? toDay(hi);
  const periods = closeLabeler(d.meta.frequency, d.meta.calendar);
  if (periods) {
    rep.closes = { start: periods.closeDate(rep.start), end: periods.closeDate(rep.end) };
  }
  const price = df.columns.includes("close")
    ? "close"
    : df.columns.includes("value")
    ? "value"
    : null;
  const groups = df.partitionBy("symbol", true, true);
  rep.symbols = groups.length;
  const units = resolveUnits(d.meta).units;
  const byChange = units !== null && unitsClass(units) !== "level";
  const unit = gapUnit(d.meta.frequency);
  for (const g0 of groups) {
    const g = g0.sort(t);
    const sym = String(g.getColumn("symbol").get(0));
    const times = isDate
      ? (g.getColumn(t).cast(pl.Utf8).toArray() as string[])
      : (g.getColumn(t).cast(pl.Float64).toTypedArray() as Float64Array);
    const gaps = calendarGaps(times, {
      calendar: d.meta.calendar,
      frequency: d.meta.frequency,
      start: rep.start,
      end: rep.end,
    });
    if (gaps) {
      add(`${unit}_expected`, gaps.sessions);
      add(
        `missing_${unit}`,
        gaps.missingSessions.length,
        gaps.missingSessions.slice(0, 3).map((x) => `${sym}@${x}`),
      );
      add(
        "off_calendar_rows",
        gaps.offCalendar,
        gaps.offCalendarExamples.slice(0, 3).map((x) => `${sym}@${x}`),
      );
      if (!isDate) add("missing_bars", gaps.missingBars);
    }
    for (const c of ["open", "high", "low", "close", "volume"]) {
      if (g.columns.includes(c)) add(`null_${c}`, g.getColumn(c).nullCount());
    }
    const at = (i: number) =>
      `${sym}@${
        isDate ? (times as string[])[i] : new Date((times as Float64Array)[i]!).toISOString()
      }`;
    if (g.columns.includes("value")) {
      // A series' missing values (null or NaN), named like its missing periods.
      const v = f64(g, "value");
      const idx: number[] = [];
      for (let i = 0; i < v.length; i++) if (Number.isNaN(v[i]!)) idx.push(i);
      add("null_value", idx.length, idx.slice(0, 3).map(at));
    }
    const px = ["open", "high", "low", "close"];
    if (px.every((c) => g.columns.includes(c))) {
      const full = g.filter(pl.allHorizontal(px.map((c) => pl.col(c).isNotNull())));
      if (full.height) {
        const [o, h, l, c] = px.map((k) => f64(full, k)) as [
          Float64Array,
          Float64Array,
          Float64Array,
          Float64Array,
        ];
        add("ohlc_inconsistent", ohlcViolations(o, h, l, c).length);
      }
    }
    if (price) {
      const c = f64(g, price);
      // Rates, counts and ratios are judged by their changes, prices (and unknown units) by
      // their log returns.
      const out = byChange
        ? changeOutliers(c, { threshold: options.outlierZ ?? 8 })
        : returnOutliers(c, { threshold: options.outlierZ ?? 8 });
      add(byChange ? "change_outliers" : "return_outliers", out.length, out.slice(0, 3).map(at));
      const stale = staleRuns(c, options.staleRun ?? 30);
      add("stale_runs", stale.length, stale.slice(0, 3).map((r) => `${at(r.start)}x${r.length}`));
    }
  }
  return rep;
}

/**
 * The range of a report as a user reads it: `start..end` for daily and intraday data; for weekly
 * and slower data the closes with the periods named, "closes 1990-01-05..2005-11-11 (weeks of
 * 1990-01-01..2005-11-07)", "closes 1973-10-31..1996-04-30 (months 1973-10..1996-04)".
 */
function rangeText(r: QualityReport): string {
  const periods = closeLabeler(r.frequency, r.calendar);
  if (!periods || !r.start || !r.end) return `${r.start}..${r.end}`;
  const c = r.closes ?? { start: periods.closeDate(r.start), end: periods.closeDate(r.end) };
  const name = (d: string) => periods.period(d).replace(/^(week of|month|quarter|year) /, "");
  const unit = periods.frequency === "week" ? "weeks of" : `${periods.frequency}s`;
  return `closes ${c.start}..${c.end} (${unit} ${name(r.start)}..${name(r.end)})`;
}

/** One line per report. */
export function formatQuality(r: QualityReport): string {
  const parts = Object.entries(r.counts).map(([k, v]) => `${k}=${v}`);
  const ex = Object.entries(r.examples).map(([k, v]) => `  ${k}: ${v.join(", ")}`);
  const what = r.calendar
    ? ` (calendar ${r.calendar}, frequency ${r.frequency}, currency ${r.currency ?? "none"}${
      r.units ? `, units ${r.units}` : ""
    }, ${rangeText(r)}, ${r.symbols} symbols)`
    : "";
  return [`${r.dataset}${what}: rows=${r.rows} ${parts.join(" ")}`, ...ex].join("\n");
}
