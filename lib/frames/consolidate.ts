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
 *   (no carrying forward of stale option prices);
 * - iv and Greeks: Black-Scholes-Merton from the option's close and the underlying's close of the
 *   same minute, time to expiry (expiry session close - row known_at) / 365 days, continuous
 *   `rate` and `div`; NaN when the option did not trade or the price admits no vol;
 * - news: the latest article with known_at <= row known_at (sentiment in [-1, 1]) and its age.
 */
import pl from "nodejs-polars";
import { CALENDAR_DAYS_PER_YEAR, MS_PER_DAY, MS_PER_MINUTE } from "../core/mod.ts";
import { bsGreeks, emptyOptionColumns, impliedVol } from "../options/mod.ts";
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

function knownAtOf(df: pl.DataFrame, ts: Float64Array): Float64Array {
  return df.columns.includes("known_at")
    ? msColumn(df, "known_at")
    : ts.map((t) => t + MS_PER_MINUTE);
}

/** Sort by ts and return the typed columns. */
function bars(df: pl.DataFrame, withVolume: boolean) {
  const s = df.sort("ts");
  const ts = msColumn(s, "ts");
  return {
    ts,
    knownAt: knownAtOf(s, ts),
    open: f64(s, "open"),
    high: f64(s, "high"),
    low: f64(s, "low"),
    close: f64(s, "close"),
    volume: withVolume ? f64(s, "volume") : new Float64Array(ts.length),
    vwap: withVolume && s.columns.includes("vwap")
      ? f64(s, "vwap")
      : new Float64Array(ts.length).fill(NaN),
  };
}

/**
 * Consolidate one session; see the module doc for every column's definition.
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

  // underlying: indicators over all given bars up to the session end, then aligned to the grid
  const u = bars(input.underlying.filter(pl.col("ts").cast(pl.Int64).lt(sb.close.getTime())), true);
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

  let newsIdx: Int32Array | null = null;
  let newsKnown: Float64Array = new Float64Array(0);
  let newsSent: Float64Array = new Float64Array(0);
  if (input.news && input.news.height > 0) {
    const ns = input.news.sort("known_at");
    newsKnown = msColumn(ns, "known_at");
    newsSent = f64(ns, "sentiment");
    newsIdx = asOfIndex(gridKnown, newsKnown);
  }

  // contracts: index each distinct ticker in Polars (no per-row JS strings)
  const meta = input.options
    .select(
      pl.col("ticker"),
      pl.col("expiration_date").cast(pl.Utf8),
      pl.col("contract_type"),
      pl.col("strike").cast(pl.Float64),
    )
    .unique({ subset: ["ticker"], keep: "first" })
    .sort("ticker")
    .withRowIndex("__c");
  const o = input.options.select("ticker", "ts", "open", "high", "low", "close", "volume", "vwap")
    .join(meta.select("ticker", "__c"), { on: "ticker" });
  const oC = num(o, "__c");
  const oTs = msColumn(o, "ts");
  const oOpen = f64(o, "open"), oHigh = f64(o, "high"), oLow = f64(o, "low");
  const oClose = f64(o, "close"), oVol = f64(o, "volume"), oVwap = f64(o, "vwap");
  const exp = meta.getColumn("expiration_date").toArray() as string[];
  const typ = meta.getColumn("contract_type").toArray() as string[];
  const mStrike = num(meta, "strike");
  const contracts = exp.map((e, c) => {
    const eb = sessionBounds(e);
    if (!eb) {
      throw new RangeError(`Cannot consolidate: a contract expires on ${e}, not a trading day`);
    }
    return { type: typ[c]!, strike: mStrike[c]!, expiryMs: eb.close.getTime() };
  });
  const nC = contracts.length;
  const N = nC * nMin; // row r = minute * nC + contract (time-major)
  const col = () => new Float64Array(N).fill(NaN);
  const out = {
    opt_open: col(),
    opt_high: col(),
    opt_low: col(),
    opt_close: col(),
    opt_volume: col(),
    opt_vwap: col(),
  };
  for (let i = 0; i < oTs.length; i++) {
    const mi = Math.round((oTs[i]! - open) / MS_PER_MINUTE);
    if (mi < 0 || mi >= nMin) continue; // outside the regular session
    const r = mi * nC + oC[i]!;
    out.opt_open[r] = oOpen[i]!;
    out.opt_high[r] = oHigh[i]!;
    out.opt_low[r] = oLow[i]!;
    out.opt_close[r] = oClose[i]!;
    out.opt_volume[r] = oVol[i]!;
    out.opt_vwap[r] = oVwap[i]!;
  }

  // per-minute columns broadcast over contracts
  const perMin = (src: Float64Array, idx: Int32Array) => {
    const a = new Float64Array(N);
    for (let mm = 0; mm < nMin; mm++) {
      const j = idx[mm]!;
      a.fill(j < 0 ? NaN : src[j]!, mm * nC, (mm + 1) * nC);
    }
    return a;
  };
  const stale = new Float64Array(nMin);
  for (let mm = 0; mm < nMin; mm++) {
    const j = ui[mm]!;
    stale[mm] = j < 0 ? NaN : (gridTs[mm]! - u.ts[j]!) / MS_PER_MINUTE;
  }
  const ident = Int32Array.from({ length: nMin }, (_, i) => i);

  // option pricing inputs
  const oc = emptyOptionColumns(N);
  const tYears = new Float64Array(N);
  const spyClose = perMin(u.close, ui);
  for (let mm = 0; mm < nMin; mm++) {
    for (let c = 0; c < nC; c++) {
      const r = mm * nC + c;
      const k = contracts[c]!;
      const t = (k.expiryMs - gridKnown[mm]!) / YEAR_MS;
      tYears[r] = t;
      oc.spot[r] = spyClose[r]!;
      oc.strike[r] = k.strike;
      oc.t[r] = t > 0 ? t : NaN;
      oc.rate[r] = rate;
      oc.div[r] = div;
      oc.isCall[r] = k.type === "call" ? 1 : 0;
    }
  }
  const iv = impliedVol(oc, out.opt_close, { logSummary: false });
  const g = bsGreeks(oc, iv);

  let newsSentiment: Float64Array = new Float64Array(N).fill(NaN);
  let newsAge: Float64Array = new Float64Array(N).fill(NaN);
  if (newsIdx) {
    newsSentiment = perMin(newsSent, newsIdx);
    const age = new Float64Array(nMin);
    for (let mm = 0; mm < nMin; mm++) {
      const j = newsIdx[mm]!;
      age[mm] = j < 0 ? NaN : (gridKnown[mm]! - newsKnown[j]!) / MS_PER_MINUTE;
    }
    newsAge = perMin(age, ident);
  }

  const cIdx = new Uint32Array(N);
  for (let mm = 0; mm < nMin; mm++) for (let c = 0; c < nC; c++) cIdx[mm * nC + c] = c;
  const strikeArr = new Float64Array(N);
  for (let mm = 0; mm < nMin; mm++) {
    for (let c = 0; c < nC; c++) strikeArr[mm * nC + c] = contracts[c]!.strike;
  }

  const cols: Record<string, Float64Array> = {
    strike: strikeArr,
    t_years: tYears,
    spy_open: perMin(u.open, ui),
    spy_high: perMin(u.high, ui),
    spy_low: perMin(u.low, ui),
    spy_close: spyClose,
    spy_volume: perMin(u.volume, ui),
    spy_vwap: perMin(u.vwap, ui),
    spy_stale_min: perMin(stale, ident),
    vix_open: perMin(v.open, vi),
    vix_high: perMin(v.high, vi),
    vix_low: perMin(v.low, vi),
    vix_close: perMin(v.close, vi),
    ...out,
    rsi_14: perMin(r14, ui),
    macd: perMin(m.macd, ui),
    macd_signal: perMin(m.signal, ui),
    macd_hist: perMin(m.hist, ui),
    bb_upper: perMin(bb.upper, ui),
    bb_middle: perMin(bb.middle, ui),
    bb_lower: perMin(bb.lower, ui),
    price_change: perMin(chg, ui),
    roc_5: perMin(roc5, ui),
    roc_30: perMin(roc30, ui),
    roc_60: perMin(roc60, ui),
    iv,
    delta: g.delta,
    gamma: g.gamma,
    vega: g.vega,
    theta: g.theta,
    rho: g.rho,
    news_sentiment: newsSentiment,
    news_age_min: newsAge,
  };
  const tsCol = new Float64Array(N);
  const kaCol = new Float64Array(N);
  for (let mm = 0; mm < nMin; mm++) {
    tsCol.fill(gridTs[mm]!, mm * nC, (mm + 1) * nC);
    kaCol.fill(gridKnown[mm]!, mm * nC, (mm + 1) * nC);
  }
  const dt = (name: string, x: Float64Array) =>
    pl.Series(name, x).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  const series: pl.Series[] = [dt("ts", tsCol), dt("known_at", kaCol), pl.Series("__c", cIdx)];
  for (const name of Object.keys(CONSOLIDATED_SCHEMA)) {
    const x = cols[name];
    if (x) series.push(pl.Series(name, x, pl.Float64));
  }
  // contract strings by a join on the contract index; NaN -> null so the lake and SQL see
  // missing values, not NaN
  return pl.DataFrame(series)
    .withColumns(...Object.keys(cols).map((c) => pl.col(c).fillNan(null)))
    .join(meta.select("__c", "ticker", "expiration_date", "contract_type"), {
      on: "__c",
      how: "left",
    })
    .withColumns(pl.lit(options.underlyingSymbol ?? "SPY").alias("underlying"))
    .select(...Object.keys(CONSOLIDATED_SCHEMA));
}
