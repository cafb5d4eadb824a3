/**
 * Per-option-per-minute consolidation: one row per option contract per session minute with the
 * underlying's minute bar, VIX, the option's own bar, technical indicators and momentum of the
 * underlying, implied vol and Greeks computed by lib/options, and the latest news sentiment.
 *
 * Grid: every regular-session minute of `date` (from lib/time, early closes included) x every
 * contract present in the option bars. A row is stamped at the minute's open (`ts`) and is
 * known at its close (`known_at` = ts + 1 min); every value in the row was known by then:
 * - underlying and VIX: the latest bar with known_at <= row known_at (the same minute's bar when
 *   it exists, else the last one before: `spy_stale_min` counts the minutes of staleness);
 * - indicators over the underlying's minute closes (previous sessions given in `underlying` serve
 *   as warm-up): RSI 14 (Wilder), MACD 12/26/9 (+ signal, hist), Bollinger 20/2 (population sd),
 *   price change (close - previous close), ROC 5/30/60 (discrete);
 * - option OHLCV/VWAP: that minute's bar only; NaN when the contract did not trade that minute
 *   (no carrying forward of stale option prices); of two bars for one contract-minute the later
 *   in input order is used; bars stamped outside the regular session are not on the grid;
 * - iv and Greeks: Black-Scholes-Merton from the option's close and the underlying's close of the
 *   same minute, time to expiry (expiry session close - row known_at) / 365 days, continuous
 *   `rate` and `div`; NaN when the option did not trade or the price admits no vol;
 * - news: the latest article with known_at <= row known_at (sentiment in [-1, 1]) and its age.
 * Missing values are null in the output (never NaN).
 *
 * Cost: the output (195,000 rows x 44 columns for 500 contracts) is written once, by Polars;
 * `bench/consolidate_compare.ts` measures it against a pandas implementation of the same
 * definition. About 40 % of the CPU time is the implied-vol solves (~0.25 us per traded row
 * on that benchmark's near-the-money short-dated chain, each contract's solve warm-started from
 * its previous traded minute); on a busy VM much of the rest is writing the output's memory; run
 * long jobs with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1` (see the
 * benchmark's header).
 */
import pl from "nodejs-polars";
import { CALENDAR_DAYS_PER_YEAR, MS_PER_DAY, MS_PER_MINUTE } from "../core/mod.ts";
import { bsGreeks, impliedVol } from "../options/mod.ts";
import { sessionBounds } from "../time/mod.ts";
import { bollinger, macd, roc, rsi } from "../features/technical.ts";
import { asOfIndex } from "./asof.ts";

/** Inputs of {@linkcode consolidateOptionMinutes}; frames use the curated lake columns. */
export interface ConsolidationInput {
  /** Session date "YYYY-MM-DD". */
  date: string;
  /**
   * Underlying minute bars (ts, open, high, low, close, volume, vwap; known_at optional, default
   * ts + 1 min). Earlier sessions may be included for indicator warm-up.
   */
  underlying: pl.DataFrame;
  /** VIX minute bars (ts, open, high, low, close; known_at optional). */
  vix: pl.DataFrame;
  /**
   * Option minute bars of the session: ticker, ts, open, high, low, close, volume, vwap,
   * expiration_date (Date or "YYYY-MM-DD"), contract_type ("call" | "put"), strike.
   */
  options: pl.DataFrame;
  /** News with known_at (Datetime) and sentiment (f64 in [-1, 1]); optional. */
  news?: pl.DataFrame;
}

/** Options for {@linkcode consolidateOptionMinutes}. */
export interface ConsolidationOptions {
  /** Continuously compounded risk-free rate. @default 0.04 */
  rate?: number;
  /** Continuous dividend yield of the underlying. @default 0.013 (SPY's order of magnitude) */
  div?: number;
  /** Name of the underlying written in the `underlying` column. @default "SPY" */
  underlyingSymbol?: string;
}

/** Output columns and their lake types (schema of the curated dataset). */
export const CONSOLIDATED_SCHEMA = {
  ts: "ts_ms",
  known_at: "ts_ms",
  ticker: "str",
  underlying: "str",
  expiration_date: "str",
  contract_type: "str",
  strike: "f64",
  t_years: "f64",
  spy_open: "f64",
  spy_high: "f64",
  spy_low: "f64",
  spy_close: "f64",
  spy_volume: "f64",
  spy_vwap: "f64",
  spy_stale_min: "f64",
  vix_open: "f64",
  vix_high: "f64",
  vix_low: "f64",
  vix_close: "f64",
  opt_open: "f64",
  opt_high: "f64",
  opt_low: "f64",
  opt_close: "f64",
  opt_volume: "f64",
  opt_vwap: "f64",
  rsi_14: "f64",
  macd: "f64",
  macd_signal: "f64",
  macd_hist: "f64",
  bb_upper: "f64",
  bb_middle: "f64",
  bb_lower: "f64",
  price_change: "f64",
  roc_5: "f64",
  roc_30: "f64",
  roc_60: "f64",
  iv: "f64",
  delta: "f64",
  gamma: "f64",
  vega: "f64",
  theta: "f64",
  rho: "f64",
  news_sentiment: "f64",
  news_age_min: "f64",
} as const;

const YEAR_MS = CALENDAR_DAYS_PER_YEAR * MS_PER_DAY;
const OPTION_CONTRACT_TERMS = ["expiration_date", "contract_type", "strike"] as const;

function num(df: pl.DataFrame, name: string, asMs = false): Float64Array {
  if (!df.columns.includes(name)) {
    throw new TypeError(
      `Cannot consolidate: input frame has no column ${name} (has ${df.columns.join(", ")})`,
    );
  }
  const c = asMs ? pl.col(name).cast(pl.Int64).cast(pl.Float64) : pl.col(name).cast(pl.Float64);
  return df.select(c.fillNull(pl.lit(NaN)).alias(name)).getColumn(name)
    .toTypedArray() as Float64Array;
}

function msColumn(df: pl.DataFrame, name: string): Float64Array {
  return num(df, name, true);
}

const f64 = (df: pl.DataFrame, name: string) => num(df, name);

/**
 * Several columns as f64 (null -> NaN; the `ms` ones as epoch ms). A column without nulls is
 * read as a Series (f64 as is, ms through i64), without an expression: each Polars expression
 * has a fixed cost (~0.15 ms) that dominates on the small frames (minute bars of a session);
 * the others go through one select.
 */
function nums(df: pl.DataFrame, names: readonly string[], ms: readonly string[] = []) {
  const have = df.columns;
  for (const name of [...names, ...ms]) {
    if (!have.includes(name)) {
      throw new TypeError(
        `Cannot consolidate: input frame has no column ${name} (has ${have.join(", ")})`,
      );
    }
  }
  const out: Record<string, Float64Array> = {};
  const viaExpr: pl.Expr[] = [];
  for (const n of names) {
    const s = df.getColumn(n);
    if (s.dtype.equals(pl.Float64) && s.nullCount() === 0) {
      out[n] = s.toTypedArray() as Float64Array;
    } else viaExpr.push(pl.col(n).cast(pl.Float64).fillNull(pl.lit(NaN)).alias(n));
  }
  for (const n of ms) {
    const s = df.getColumn(n);
    if (s.nullCount() === 0) {
      out[n] = s.cast(pl.Int64).cast(pl.Float64).toTypedArray() as Float64Array;
    } else {
      viaExpr.push(pl.col(n).cast(pl.Int64).cast(pl.Float64).fillNull(pl.lit(NaN)).alias(n));
    }
  }
  if (viaExpr.length > 0) {
    const sel = df.select(...viaExpr);
    for (const n of sel.columns) out[n] = sel.getColumn(n).toTypedArray() as Float64Array;
  }
  return out;
}

/**
 * The typed columns of the bars with ts < `before`, sorted by ts. Bars given in strictly
 * increasing ts (the usual case) are read as they are and cut at `before`, without a Polars
 * filter and sort (a fixed cost of ~0.2 ms each on a session's bars); others are filtered and
 * sorted by Polars first (a null ts is dropped by the filter).
 */
function bars(df: pl.DataFrame, withVolume: boolean, before = Infinity) {
  const have = df.columns;
  const hasKnown = have.includes("known_at");
  const withVwap = withVolume && have.includes("vwap");
  const read = (s: pl.DataFrame) =>
    nums(
      s,
      [
        "open",
        "high",
        "low",
        "close",
        ...(withVolume ? ["volume"] : []),
        ...(withVwap ? ["vwap"] : []),
      ],
      ["ts", ...(hasKnown ? ["known_at"] : [])],
    );
  let c = read(df);
  let increasing = true;
  for (let i = 0, prev = -Infinity; i < c.ts!.length && increasing; i++) {
    const t = c.ts![i]!;
    increasing = t > prev; // false on NaN (a null ts)
    prev = t;
  }
  if (increasing) {
    let n = c.ts!.length;
    while (n > 0 && !(c.ts![n - 1]! < before)) n--;
    if (n < c.ts!.length) {
      for (const k of Object.keys(c)) c[k] = c[k]!.subarray(0, n);
    }
  } else {
    const f = before === Infinity ? df : df.filter(pl.col("ts").cast(pl.Int64).lt(before));
    c = read(f.sort("ts"));
  }
  const ts = c.ts!;
  return {
    ts,
    knownAt: hasKnown ? c.known_at! : ts.map((t) => t + MS_PER_MINUTE),
    open: c.open!,
    high: c.high!,
    low: c.low!,
    close: c.close!,
    volume: withVolume ? c.volume! : new Float64Array(ts.length),
    vwap: withVwap ? c.vwap! : new Float64Array(ts.length).fill(NaN),
  };
}

const OPTION_BAR_COLUMNS = ["open", "high", "low", "close", "volume", "vwap"] as const;
const GREEK_NAMES = ["delta", "gamma", "vega", "theta", "rho"] as const;

/**
 * Scratch typed arrays reused from call to call (grown when a call needs more): a fresh
 * multi-megabyte array per call costs V8 a collection and the kernel fresh zeroed pages, more
 * than the loops that fill it. Everything read from them is copied into Polars before the
 * kernel returns (a Series copies its typed array), so no output shares their memory.
 */
const scratch = new Map<string, Float64Array | Int32Array | Uint8Array>();

function scratchOf<T extends Float64Array | Int32Array | Uint8Array>(
  key: string,
  n: number,
  make: (n: number) => T,
): T {
  let a = scratch.get(key) as T | undefined;
  if (!a || a.length < n) {
    a = make(Math.max(n, 1024));
    scratch.set(key, a);
  }
  return a.subarray(0, n) as T;
}
const scratchF64 = (key: string, n: number) => scratchOf(key, n, (m) => new Float64Array(m));
const scratchI32 = (key: string, n: number) => scratchOf(key, n, (m) => new Int32Array(m));
const scratchU8 = (key: string, n: number) => scratchOf(key, n, (m) => new Uint8Array(m));

/**
 * Grid rows of one run of bars of contract `c` (bars from..to-1): rowOf[minute * nC + c] = bar,
 * the last bar of a contract-minute in input order winning; bars off the session grid skipped.
 * (The loops of the kernel are small functions called many times, so V8 optimises them as
 * ordinary functions whose code stays from call to call.)
 */
function placeRun(
  barTs: Float64Array,
  open: number,
  nMin: number,
  nC: number,
  c: number,
  from: number,
  to: number,
  rowOf: Int32Array,
): void {
  for (let i = from; i < to; i++) {
    // minute of the bar, rounded half away from zero (as Polars' round)
    const x = (barTs[i]! - open) / MS_PER_MINUTE;
    const mm = x < 0 ? -Math.round(-x) : Math.round(x);
    if (!(mm >= 0 && mm < nMin)) continue; // also a null ts (NaN)
    rowOf[mm * nC + c] = i; // the last bar in input order wins
  }
}

/**
 * out[gridRow[k]] = src[k] (or src[srcIdx[k]]) for the traded rows k in [from, to); the other
 * grid rows are NaN beforehand. Whether any value written is NaN. (A loop over the traded rows
 * only: a loop over every grid row branches on "traded?" at random, mispredicted about every
 * other row.)
 */
function scatterTraded(
  src: Float64Array,
  srcIdx: Int32Array | null,
  gridRow: Int32Array,
  out: Float64Array,
  from: number,
  to: number,
): boolean {
  let nan = false;
  if (srcIdx) {
    for (let k = from; k < to; k++) {
      const v = src[srcIdx[k]!]!;
      nan = nan || v !== v;
      out[gridRow[k]!] = v;
    }
  } else {
    for (let k = from; k < to; k++) {
      const v = src[k]!;
      nan = nan || v !== v;
      out[gridRow[k]!] = v;
    }
  }
  return nan;
}

const SCATTER_CHUNK = 8192;

/** 0, 1, ..., n - 1 (cached: the last one asked for). */
let contractIndexCache = new Uint32Array(0);
function contractIndex(n: number): Uint32Array {
  if (contractIndexCache.length !== n) {
    contractIndexCache = Uint32Array.from({ length: n }, (_, i) => i);
  }
  return contractIndexCache;
}

/** out[at + c] = (expiryMs[c] - knownAt) / YEAR_MS: the time to expiry of one minute's row. */
function timeToExpiry(
  expiryMs: Float64Array,
  knownAt: number,
  out: Float64Array,
  at: number,
): void {
  for (let c = 0; c < expiryMs.length; c++) out[at + c] = (expiryMs[c]! - knownAt) / YEAR_MS;
}

/** Traded rows (rowOf >= 0) in [from, to) (branch-free: rowOf[r] >>> 31 is 1 where -1). */
function countTraded(rowOf: Int32Array, from: number, to: number): number {
  let n = 0;
  for (let r = from; r < to; r++) n += 1 - (rowOf[r]! >>> 31);
  return n;
}

/**
 * Pricing inputs of the traded rows of one minute (grid rows r0..r0+nC-1), written from
 * traded row k0 on. Returns the next traded row; gridRow and barOf get each traded row's grid
 * row and option bar (both one slot longer than the traded rows: the first pass writes every
 * grid row's candidate and advances only past the traded ones, without a branch on "traded?",
 * which is mispredicted about every other row).
 */
function pricingRowsOfMinute(
  rowOf: Int32Array,
  r0: number,
  nC: number,
  k0: number,
  knownAt: number,
  spot: number,
  terms: { expiryMs: Float64Array; strike: Float64Array; isCall: Uint8Array },
  barClose: Float64Array,
  oc: { spot: Float64Array; strike: Float64Array; t: Float64Array; isCall: Uint8Array },
  price: Float64Array,
  series: Int32Array,
  gridRow: Int32Array,
  barOf: Int32Array,
): number {
  let end = k0;
  for (let r = r0; r < r0 + nC; r++) {
    const i = rowOf[r]!;
    gridRow[end] = r;
    barOf[end] = i;
    end += 1 - (i >>> 31); // i >>> 31 is 1 where i = -1 (not traded)
  }
  const { expiryMs, strike, isCall } = terms;
  const oSpot = oc.spot, oStrike = oc.strike, oT = oc.t, oCall = oc.isCall;
  for (let k = k0; k < end; k++) {
    const c = gridRow[k]! - r0;
    const t = (expiryMs[c]! - knownAt) / YEAR_MS;
    oSpot[k] = spot;
    oStrike[k] = strike[c]!;
    oT[k] = t > 0 ? t : NaN;
    oCall[k] = isCall[c]!;
    price[k] = barClose[barOf[k]!]!;
    series[k] = c;
  }
  return end;
}

/**
 * Consolidate one session; see the module doc for every column's definition.
 *
 * Layout of the work (columns stay in typed arrays or Polars end to end): everything that varies
 * by minute only (underlying, VIX, indicators, news) is computed on `nMin` rows and everything
 * that varies by contract only (ticker, terms) on `nC` rows; the `nMin x nC` grid (minute-major,
 * contracts in ticker order) is filled column by column in JS through one scratch grid column
 * that each Series copies (minute values repeated over the contracts, terms over the minutes,
 * t_years; the option bar's columns, iv and Greeks written over a NaN-filled column by a loop
 * over the traded rows only, each knowing its grid row and bar: a loop over every grid row would
 * branch on "traded?" at random, about every other row mispredicted), and NaN becomes null in
 * Polars only on the
 * columns that have NaN; the contracts' strings enter by one gather. The contract of each option
 * bar comes from the runs of equal tickers in the input (strings compared only where the ticker
 * changes, no join on the bar rows). Implied vol and Greeks are computed by one batch call each
 * (lib/options) for the grid's traded rows only (the winning bar of each contract-minute), in
 * grid order so that rows of one expiry and minute, which share t, are adjacent, and each
 * contract's implied vol is warm-started from its previous traded minute's (the same root as a
 * cold solve, about half the evaluations). The pricing inputs and outputs live in scratch arrays
 * reused from call to call (fresh multi-megabyte typed arrays per call cost more in V8
 * collections than the loops filling them; the scratch stays allocated, ~16 MB at 500
 * contracts). The loops are small module functions called per run, minute or chunk of rows, so
 * that V8 keeps their optimised code from call to call (a long loop in this function would be
 * re-entered by on-stack replacement and recompiled after each full collection).
 *
 * @example
 * ```ts
 * const df = consolidateOptionMinutes({ date: "2024-03-01", underlying, vix, options, news });
 * df.height; // contracts x session minutes
 * ```
 */
export function consolidateOptionMinutes(
  input: ConsolidationInput,
  options: ConsolidationOptions = {},
): pl.DataFrame {
  const rate = options.rate ?? 0.04;
  const div = options.div ?? 0.013;
  const sb = sessionBounds(input.date);
  if (!sb) throw new RangeError(`Cannot consolidate ${input.date}: not a trading day`);
  const open = sb.open.getTime();
  const nMin = Math.round((sb.close.getTime() - open) / MS_PER_MINUTE);
  const gridTs = Float64Array.from({ length: nMin }, (_, m) => open + m * MS_PER_MINUTE);
  const gridKnown = gridTs.map((t) => t + MS_PER_MINUTE);

  for (const c of ["ticker", "ts", ...OPTION_BAR_COLUMNS, ...OPTION_CONTRACT_TERMS]) {
    if (!input.options.columns.includes(c)) {
      throw new TypeError(
        `Cannot consolidate: input frame has no column ${c} (has ${
          input.options.columns.join(", ")
        })`,
      );
    }
  }

  // underlying: indicators over all given bars up to the session end, then aligned to the grid
  const u = bars(input.underlying, true, sb.close.getTime());
  if (u.ts.length === 0) {
    throw new RangeError(`Cannot consolidate ${input.date}: no underlying bars`);
  }
  const r14 = rsi(u.close, 14);
  const m = macd(u.close);
  const bb = bollinger(u.close, { window: 20, k: 2 });
  const chg = u.close.map((c, i) => (i === 0 ? NaN : c - u.close[i - 1]!));
  const roc5 = roc(u.close, 5), roc30 = roc(u.close, 30), roc60 = roc(u.close, 60);
  const ui = asOfIndex(gridKnown, u.knownAt);
  const v = bars(input.vix, false);
  const vi = asOfIndex(gridKnown, v.knownAt);

  // per-minute columns on nMin rows
  const atMin = (src: Float64Array, idx: Int32Array) => {
    const a = new Float64Array(nMin);
    for (let mm = 0; mm < nMin; mm++) {
      const j = idx[mm]!;
      a[mm] = j < 0 ? NaN : src[j]!;
    }
    return a;
  };
  const stale = new Float64Array(nMin);
  for (let mm = 0; mm < nMin; mm++) {
    const j = ui[mm]!;
    stale[mm] = j < 0 ? NaN : (gridTs[mm]! - u.ts[j]!) / MS_PER_MINUTE;
  }
  const newsSentiment = new Float64Array(nMin).fill(NaN);
  const newsAge = new Float64Array(nMin).fill(NaN);
  if (input.news && input.news.height > 0) {
    const ns = input.news.sort("known_at");
    const newsKnown = msColumn(ns, "known_at");
    const newsSent = f64(ns, "sentiment");
    const ni = asOfIndex(gridKnown, newsKnown);
    for (let mm = 0; mm < nMin; mm++) {
      const j = ni[mm]!;
      if (j < 0) continue;
      newsSentiment[mm] = newsSent[j]!;
      newsAge[mm] = (gridKnown[mm]! - newsKnown[j]!) / MS_PER_MINUTE;
    }
  }
  const spyClose = atMin(u.close, ui);
  const minuteCols: Record<string, Float64Array> = {
    spy_open: atMin(u.open, ui),
    spy_high: atMin(u.high, ui),
    spy_low: atMin(u.low, ui),
    spy_close: spyClose,
    spy_volume: atMin(u.volume, ui),
    spy_vwap: atMin(u.vwap, ui),
    spy_stale_min: stale,
    vix_open: atMin(v.open, vi),
    vix_high: atMin(v.high, vi),
    vix_low: atMin(v.low, vi),
    vix_close: atMin(v.close, vi),
    rsi_14: atMin(r14, ui),
    macd: atMin(m.macd, ui),
    macd_signal: atMin(m.signal, ui),
    macd_hist: atMin(m.hist, ui),
    bb_upper: atMin(bb.upper, ui),
    bb_middle: atMin(bb.middle, ui),
    bb_lower: atMin(bb.lower, ui),
    price_change: atMin(chg, ui),
    roc_5: atMin(roc5, ui),
    roc_30: atMin(roc30, ui),
    roc_60: atMin(roc60, ui),
    news_sentiment: newsSentiment,
    news_age_min: newsAge,
  };

  // contracts: one row per distinct ticker, in ticker order. The option bars usually come
  // contract by contract, so the strings are looked at only where the ticker changes (a run):
  // a run's first bar carries the contract terms, and the first run of a ticker is its first
  // bar in input order (the terms a contract gets when its bars disagree).
  const optBars = input.options;
  const tickerCol = optBars.getColumn("ticker");
  if (tickerCol.nullCount() > 0) {
    throw new TypeError(
      `Cannot consolidate: ${tickerCol.nullCount()} option bars have no ticker`,
    );
  }
  // (the terms are gathered at the runs' first bars only: no cast of every bar's date)
  const runIdx = optBars.select(pl.col("ticker"))
    .withRowIndex("__i")
    .filter(pl.col("__i").eq(0).or(pl.col("ticker").neq(pl.col("ticker").shift(1))))
    .getColumn("__i");
  const runs = optBars
    .select(
      pl.col("ticker").gather(runIdx),
      pl.col("expiration_date").gather(runIdx).cast(pl.Utf8),
      pl.col("contract_type").gather(runIdx),
      pl.col("strike").gather(runIdx).cast(pl.Float64),
    )
    .withColumn(runIdx);
  const meta = runs
    .unique({ subset: ["ticker"], keep: "first", maintainOrder: true })
    .sort("ticker")
    .withRowIndex("__c");
  const exp = meta.getColumn("expiration_date").toArray() as (string | null)[];
  const typ = meta.getColumn("contract_type").toArray() as (string | null)[];
  const mStrike = num(meta, "strike");
  const nC = exp.length;
  const expiryMs = new Float64Array(nC);
  const isCallC = new Uint8Array(nC);
  const closeOf = new Map<string, number>(); // expiry -> session close (few distinct expiries)
  for (let c = 0; c < nC; c++) {
    const e = exp[c];
    let close = e == null ? undefined : closeOf.get(e);
    if (close === undefined) {
      const eb = e == null ? null : sessionBounds(e);
      if (!eb) {
        throw new RangeError(`Cannot consolidate: a contract expires on ${e}, not a trading day`);
      }
      close = eb.close.getTime();
      closeOf.set(e!, close);
    }
    expiryMs[c] = close;
    isCallC[c] = typ[c] === "call" ? 1 : 0;
  }
  const contracts = meta.select(
    pl.col("ticker"),
    pl.col("expiration_date"),
    pl.col("contract_type"),
  );
  // contract of each run (left join: the runs' order is kept)
  const runC = runs.select("ticker", "__i").join(meta.select("ticker", "__c"), {
    on: "ticker",
    how: "left",
  });
  const runCols = nums(runC, ["__i", "__c"]);
  const runStart = runCols.__i!, runContract = runCols.__c!;

  // option bars of the session: grid row r = minute * nC + contract; the last bar of a
  // contract-minute wins; bars outside the regular session are not part of the grid
  const nBars = optBars.height;
  const barCols = nums(optBars, OPTION_BAR_COLUMNS, ["ts"]);
  const barTs = barCols.ts!;
  const N = nC * nMin;
  const rowOf = scratchI32("rowOf", N).fill(-1);
  for (let k = 0; k < runStart.length; k++) {
    const to = k + 1 < runStart.length ? runStart[k + 1]! : nBars;
    placeRun(barTs, open, nMin, nC, runContract[k]!, runStart[k]!, to, rowOf);
  }
  // pricing inputs of the traded grid rows, in grid order (minute-major, contracts by ticker:
  // the rows of one expiry and minute are adjacent, so t repeats from row to row)
  const barClose = barCols.close!;
  let nT = 0;
  for (let r = 0; r < N; r += nC) nT += countTraded(rowOf, r, r + nC);
  const oc = {
    spot: scratchF64("spot", nT),
    strike: scratchF64("strike", nT),
    t: scratchF64("t", nT),
    rate: scratchF64("rate", nT).fill(rate),
    div: scratchF64("div", nT).fill(div),
    isCall: scratchU8("isCall", nT),
  };
  const price = scratchF64("price", nT);
  const series = scratchI32("series", nT);
  const tradedGridRowPlus1 = scratchI32("tradedGridRow", nT + 1);
  const tradedBarPlus1 = scratchI32("tradedBar", nT + 1);
  const contractTerms = { expiryMs, strike: mStrike, isCall: isCallC };
  for (let mm = 0, k = 0; mm < nMin; mm++) {
    k = pricingRowsOfMinute(
      rowOf,
      mm * nC,
      nC,
      k,
      gridKnown[mm]!,
      spyClose[mm]!,
      contractTerms,
      barClose,
      oc,
      price,
      series,
      tradedGridRowPlus1,
      tradedBarPlus1,
    );
  }
  const tradedGridRow = tradedGridRowPlus1.subarray(0, nT);
  const tradedBar = tradedBarPlus1.subarray(0, nT);
  // each contract's solve starts from its previous traded minute's vol (same root, fewer steps)
  const iv = impliedVol(oc, price, {
    logSummary: false,
    out: scratchF64("iv", nT),
    warmStart: series,
  });
  const g = bsGreeks(oc, iv, {
    out: {
      delta: scratchF64("delta", nT),
      gamma: scratchF64("gamma", nT),
      vega: scratchF64("vega", nT),
      theta: scratchF64("theta", nT),
      rho: scratchF64("rho", nT),
    },
  });
  // the option bar's own columns scattered from the input bars (index: grid row -> bar), iv
  // and Greeks from the traded rows (grid row -> traded row), NaN where the contract did not
  // trade, through one scratch grid column (a Series copies it); NaN becomes null in Polars
  const gridCol = scratchF64("gridCol", N);
  const withNaN = new Set<string>(); // grid columns to turn NaN into null
  const gridSeries = (name: string, src: Float64Array, srcIdx: Int32Array | null) => {
    gridCol.fill(NaN);
    let nan = nT < N;
    for (let k = 0; k < nT; k += SCATTER_CHUNK) {
      const to = Math.min(nT, k + SCATTER_CHUNK);
      nan = scatterTraded(src, srcIdx, tradedGridRow, gridCol, k, to) || nan;
    }
    if (nan) withNaN.add(name);
    return pl.Series(name, gridCol);
  };
  // the minute columns repeated over the contracts, the contract's strike over the minutes
  const byMinute = (name: string, src: Float64Array) => {
    let nan = false;
    for (let mm = 0; mm < nMin; mm++) {
      const v = src[mm]!;
      nan ||= v !== v;
      gridCol.fill(v, mm * nC, (mm + 1) * nC);
    }
    if (nan) withNaN.add(name);
    return pl.Series(name, gridCol);
  };
  const byContract = (name: string, src: Float64Array) => {
    let nan = false;
    for (let c = 0; c < nC; c++) nan ||= src[c] !== src[c];
    for (let mm = 0; mm < nMin; mm++) gridCol.set(src, mm * nC);
    if (nan) withNaN.add(name);
    return pl.Series(name, gridCol);
  };
  const tYears = () => {
    for (let mm = 0; mm < nMin; mm++) timeToExpiry(expiryMs, gridKnown[mm]!, gridCol, mm * nC);
    return pl.Series("t_years", gridCol);
  };
  const dt = (s: pl.Series) => s.cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  // the contracts' strings: one gather each (grid row r is contract r mod nC)
  const contractOfRow = new Uint32Array(N);
  for (let mm = 0; mm < nMin; mm++) contractOfRow.set(contractIndex(nC), mm * nC);
  const strings = contracts.select(pl.all().gather(pl.Series("__c", contractOfRow)));
  const grid = pl.DataFrame([
    dt(byMinute("ts", gridTs)),
    dt(byMinute("known_at", gridKnown)),
    byContract("strike", mStrike),
    tYears(),
    ...Object.entries(minuteCols).map(([k, x]) => byMinute(k, x)),
    ...OPTION_BAR_COLUMNS.map((c) => gridSeries(`opt_${c}`, barCols[c]!, tradedBar)),
    gridSeries("iv", iv, null),
    ...GREEK_NAMES.map((n) => gridSeries(n, g[n], null)),
    ...strings.getColumns(),
  ]);
  return grid.select(
    ...Object.keys(CONSOLIDATED_SCHEMA).map((c) =>
      c === "underlying"
        ? pl.lit(options.underlyingSymbol ?? "SPY").alias("underlying")
        : withNaN.has(c)
        ? pl.col(c).fillNan(null)
        : pl.col(c)
    ),
  );
}
