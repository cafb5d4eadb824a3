/**
 * Panels from long tables (one row per symbol and bar), e.g. a lake read of curated daily bars
 * (`readDataset` of curated/<source>/<bars>) or a DuckDB view such as `user_daily_bars`:
 * columns `symbol`, a time column (`date` for daily bars, `ts` for intraday bars), `close`
 * (or `value` for a value series such as index levels), and any of `open`, `high`, `low`,
 * `volume`. An absent or null open/high/low is NaN (a close-only bar, which the event engine
 * fills at the close and says so); an absent or null volume is NaN (unknown, never 0). Bars are
 * the union of all time stamps, sorted; a symbol without a row at a bar gets NaN prices and zero
 * volume (no trading). Duplicate (symbol, time) rows are rejected. Intraday panels get `day`
 * from the trading calendar (`getCalendar(calendar).sessionDateOf`; outside every session, the
 * New York date on `nyse` and the UTC date on other calendars).
 */

import pl from "nodejs-polars";
import { DataError } from "../core/mod.ts";
import { getCalendar, nyDate } from "../time/mod.ts";
import type { BarPanel } from "./panel.ts";
import { checkPanelOnce } from "./panel.ts";

/** Options of {@link panelFromFrame}. */
export interface PanelFromFrameOptions {
  /** Time column: a Date / Datetime column or ISO date strings. @default "date" */
  timeColumn?: string;
  /** Fill `day` from the calendar's sessions of the time stamps (intraday bars). @default false */
  intraday?: boolean;
  /** Trading calendar of the sessions (lib/time `getCalendar` name). @default "nyse" */
  calendar?: string;
}

function toMs(v: unknown, row: number, col: string): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === "string") {
    const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    if (Number.isFinite(ms)) return ms;
  }
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "bigint") return Number(v);
  throw new DataError(`Cannot build panel: row ${row} has ${col} = ${String(v)}`, { column: col });
}

/**
 * Build a validated {@link BarPanel} from a long Polars frame.
 *
 * @example
 * ```ts ignore
 * const df = await readDataset(spec, { asOf, start, end });
 * const panel = panelFromFrame(df, { timeColumn: "date" });
 * ```
 */
export function panelFromFrame(df: pl.DataFrame, o: PanelFromFrameOptions = {}): BarPanel {
  const tc = o.timeColumn ?? "date";
  const closeCol = df.columns.includes("close") ? "close" : "value";
  for (const c of ["symbol", tc, closeCol]) {
    if (!df.columns.includes(c)) {
      throw new DataError(
        `Cannot build panel: column ${c} missing (have ${df.columns.join(", ")})`,
        {
          column: c,
        },
      );
    }
  }
  // One symbol without nulls (a single-instrument read): its value once, no string per row.
  const symSeries = df.getColumn("symbol");
  const oneSymbol = df.height > 0 && symSeries.nullCount() === 0 && symSeries.nUnique() === 1;
  const sym = oneSymbol ? null : symSeries.toArray() as string[];
  // A millisecond Datetime without nulls (lake bars) is read as numbers in one typed array: the
  // same epoch ms as each value's Date, without a Date object per row.
  const tSeries = df.getColumn(tc);
  const tType = tSeries.dtype as unknown as { variant?: string; timeUnit?: string };
  const times: ArrayLike<number> & Iterable<number> =
    tType.variant === "Datetime" && tType.timeUnit === "ms" && tSeries.nullCount() === 0
      ? Float64Array.from(tSeries.cast(pl.Int64).cast(pl.Float64).toTypedArray() as Float64Array)
      : (tSeries.toArray() as unknown[]).map((v, i) => toMs(v, i, tc));
  const col = (c: string) => {
    if (!df.columns.includes(c)) return new Float64Array(df.height).fill(NaN);
    const s = df.getColumn(c).cast(pl.Float64);
    // Without nulls a typed-array copy; else null -> NaN value by value.
    return s.nullCount() === 0
      ? Float64Array.from(s.toTypedArray() as Float64Array)
      : Float64Array.from(s.toArray() as (number | null)[], (v) => v ?? NaN);
  };
  const [op, hi, lo, cl, vo] = ["open", "high", "low", closeCol, "volume"].map(
    col,
  ) as Float64Array[];
  const symbols = sym ? [...new Set(sym)].sort() : symSeries.head(1).toArray() as string[];
  // Distinct stamps in ascending order (a typed array's numeric sort; times are finite), each
  // row's bar found by binary search; one symbol's strictly increasing stamps (a lake read is
  // sorted by time) are the bars themselves, row r at bar r.
  let increasing = !sym;
  for (let r = 1; r < times.length && increasing; r++) increasing = times[r]! > times[r - 1]!;
  const stamps = increasing ? Float64Array.from(times) : Float64Array.from(new Set(times)).sort();
  const sIdx = new Map(symbols.map((s, i) => [s, i] as const));
  const barOf = (t: number) => {
    let a = 0, b = stamps.length - 1;
    while (a < b) {
      const m = (a + b) >> 1;
      if (stamps[m]! < t) a = m + 1;
      else b = m;
    }
    return a;
  };
  const nSym = symbols.length, nBars = stamps.length;
  const mk = () => new Float64Array(nSym * nBars).fill(NaN);
  const open = mk(), high = mk(), low = mk(), close = mk();
  const volume = new Float64Array(nSym * nBars);
  const seen = new Uint8Array(nSym * nBars);
  for (let r = 0; r < times.length; r++) {
    const i = increasing ? r : (sym ? sIdx.get(sym[r]!)! * nBars : 0) + barOf(times[r]!);
    if (seen[i]) {
      throw new DataError(
        `Cannot build panel: duplicate row for ${sym ? sym[r] : symbols[0]} at ${
          new Date(times[r]!).toISOString()
        }`,
      );
    }
    seen[i] = 1;
    open[i] = op![r]!;
    high[i] = hi![r]!;
    low[i] = lo![r]!;
    close[i] = cl![r]!;
    volume[i] = vo![r]!;
  }
  const panel: BarPanel = {
    symbols,
    tsMs: stamps,
    open,
    high,
    low,
    close,
    volume,
  };
  if (o.intraday) {
    const cal = getCalendar(o.calendar ?? "nyse");
    const outside = cal.name === "nyse"
      ? nyDate
      : (t: number) => new Date(t).toISOString().slice(0, 10);
    const dates = Array.from(stamps, (t) => cal.sessionDateOf(t) ?? outside(t));
    const day = new Int32Array(nBars);
    let k = 0;
    for (let t = 1; t < nBars; t++) {
      if (dates[t] !== dates[t - 1]) k++;
      day[t] = k;
    }
    panel.day = day;
  }
  checkPanelOnce(panel);
  return panel;
}
