/**
 * Realised-volatility estimators.
 *
 * Range estimators (rolling over `window` bars of OHLC data, usually daily):
 * close-to-close, Parkinson, Garman-Klass, Rogers-Satchell, Yang-Zhang. Each returns a
 * Float64Array of the input's length holding the volatility (square root of the variance
 * estimate), annualised by sqrt(periodsPerYear) unless `annualize: false`; NaN during warm-up
 * and for any window that touches a non-finite or non-positive price. Output at t uses bars
 * <= t only.
 *
 * Intraday estimators: realised variance and bipower variation from a vector of intraday log
 * returns, and per-session versions over a minute-bar series.
 */
import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import { assertSameLength, assertWindow, nanArray } from "./_series.ts";

/** Open, high, low and close columns of the same length. */
export interface Ohlc {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** Options shared by the rolling range estimators. */
export interface RangeVolOptions {
  /** Number of bars in the window. @default 20 */
  window?: number;
  /** Multiply the variance by `periodsPerYear` before the square root. @default true */
  annualize?: boolean;
  /** Bars per year used to annualise. @default TRADING_DAYS_PER_YEAR (252) */
  periodsPerYear?: number;
}

const LN2 = Math.LN2;

function finalize(v: number, o: RangeVolOptions): number {
  const scale = (o.annualize ?? true) ? (o.periodsPerYear ?? TRADING_DAYS_PER_YEAR) : 1;
  return Math.sqrt(Math.max(v, 0) * scale);
}

function ok(...xs: number[]): boolean {
  for (const x of xs) if (!(x > 0) || !Number.isFinite(x)) return false;
  return true;
}

/** Rolling mean of a per-bar term (NaN terms poison their windows). */
function rollingMean(term: Float64Array, w: number): Float64Array {
  const n = term.length;
  const out = nanArray(n);
  for (let i = w - 1; i < n; i++) {
    let s = 0;
    let good = true;
    for (let j = i - w + 1; j <= i; j++) {
      const v = term[j]!;
      if (Number.isNaN(v)) {
        good = false;
        break;
      }
      s += v;
    }
    if (good) out[i] = s / w;
  }
  return out;
}

/** Rolling sample variance (ddof = 1) of a per-bar term. */
function rollingVar(term: Float64Array, w: number): Float64Array {
  const n = term.length;
  const out = nanArray(n);
  const m = rollingMean(term, w);
  for (let i = w - 1; i < n; i++) {
    const mu = m[i]!;
    if (Number.isNaN(mu)) continue;
    let ss = 0;
    for (let j = i - w + 1; j <= i; j++) ss += (term[j]! - mu) ** 2;
    out[i] = ss / (w - 1);
  }
  return out;
}

function apply(v: Float64Array, o: RangeVolOptions): Float64Array {
  return v.map((x) => (Number.isNaN(x) ? NaN : finalize(x, o)));
}

/**
 * Close-to-close volatility: r_t = ln(C_t / C_{t-1}); sigma^2 = sample variance (ddof = 1, mean
 * subtracted) of the last n returns. First value at index n.
 *
 * @example
 * ```ts
 * closeToCloseVol(close, { window: 20 }); // annualised by sqrt(252)
 * ```
 */
export function closeToCloseVol(close: Float64Array, options: RangeVolOptions = {}): Float64Array {
  const w = options.window ?? 20;
  assertWindow(w, "closeToCloseVol", 2);
  const r = nanArray(close.length);
  for (let i = 1; i < close.length; i++) {
    if (ok(close[i]!, close[i - 1]!)) r[i] = Math.log(close[i]! / close[i - 1]!);
  }
  return apply(rollingVar(r, w), options);
}

/**
 * Parkinson (1980) high-low volatility: sigma^2 = (1 / (4 ln 2)) * mean_n[ ln(H_t / L_t)^2 ].
 * Assumes zero drift and continuous trading; ignores opening jumps.
 *
 * @see Parkinson, M. (1980). The Extreme Value Method for Estimating the Variance of the Rate of
 *      Return. Journal of Business 53(1), 61-65. doi:10.1086/296071
 * @example
 * ```ts
 * parkinsonVol({ high, low }, { window: 20 });
 * ```
 */
export function parkinsonVol(
  hl: { high: Float64Array; low: Float64Array },
  options: RangeVolOptions = {},
): Float64Array {
  const w = options.window ?? 20;
  assertWindow(w, "parkinsonVol");
  assertSameLength("parkinsonVol", hl.high, hl.low);
  const t = nanArray(hl.high.length);
  for (let i = 0; i < t.length; i++) {
    const h = hl.high[i]!;
    const l = hl.low[i]!;
    if (ok(h, l)) t[i] = Math.log(h / l) ** 2 / (4 * LN2);
  }
  return apply(rollingMean(t, w), options);
}

/**
 * Garman-Klass (1980) volatility:
 * sigma^2 = mean_n[ 0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2 ].
 *
 * @see Garman, M. B., & Klass, M. J. (1980). On the Estimation of Security Price Volatilities
 *      from Historical Data. Journal of Business 53(1), 67-78. doi:10.1086/296072
 * @example
 * ```ts
 * garmanKlassVol({ open, high, low, close });
 * ```
 */
export function garmanKlassVol(ohlc: Ohlc, options: RangeVolOptions = {}): Float64Array {
  const w = options.window ?? 20;
  assertWindow(w, "garmanKlassVol");
  const { open, high, low, close } = ohlc;
  assertSameLength("garmanKlassVol", open, high, low, close);
  const t = nanArray(close.length);
  for (let i = 0; i < t.length; i++) {
    const o = open[i]!, h = high[i]!, l = low[i]!, c = close[i]!;
    if (ok(o, h, l, c)) t[i] = 0.5 * Math.log(h / l) ** 2 - (2 * LN2 - 1) * Math.log(c / o) ** 2;
  }
  return apply(rollingMean(t, w), options);
}

/** The Rogers-Satchell per-bar term ln(H/C) ln(H/O) + ln(L/C) ln(L/O), NaN for bad prices. */
function rsTerm(ohlc: Ohlc): Float64Array {
  const { open, high, low, close } = ohlc;
  const t = nanArray(close.length);
  for (let i = 0; i < t.length; i++) {
    const o = open[i]!, h = high[i]!, l = low[i]!, c = close[i]!;
    if (ok(o, h, l, c)) {
      t[i] = Math.log(h / c) * Math.log(h / o) + Math.log(l / c) * Math.log(l / o);
    }
  }
  return t;
}

/**
 * Rogers-Satchell (1991) drift-independent volatility:
 * sigma^2 = mean_n[ ln(H/C) ln(H/O) + ln(L/C) ln(L/O) ].
 *
 * @see Rogers, L. C. G., & Satchell, S. E. (1991). Estimating Variance from High, Low and Closing
 *      Prices. Annals of Applied Probability 1(4), 504-512. doi:10.1214/aoap/1177005835
 * @example
 * ```ts
 * rogersSatchellVol({ open, high, low, close });
 * ```
 */
export function rogersSatchellVol(ohlc: Ohlc, options: RangeVolOptions = {}): Float64Array {
  const w = options.window ?? 20;
  assertWindow(w, "rogersSatchellVol");
  assertSameLength("rogersSatchellVol", ohlc.open, ohlc.high, ohlc.low, ohlc.close);
  return apply(rollingMean(rsTerm(ohlc), w), options);
}

/**
 * Yang-Zhang (2000) volatility, robust to drift and opening jumps:
 * sigma^2 = V_o + k V_c + (1 - k) V_rs, with V_o the sample variance (ddof 1) of overnight
 * returns ln(O_t / C_{t-1}), V_c the sample variance of open-to-close returns ln(C_t / O_t),
 * V_rs the Rogers-Satchell mean, all over the last n bars, and
 * k = 0.34 / (1.34 + (n + 1) / (n - 1)). First value at index n.
 *
 * @see Yang, D., & Zhang, Q. (2000). Drift-Independent Volatility Estimation Based on High, Low,
 *      Open, and Close Prices. Journal of Business 73(3), 477-492. doi:10.1086/209650
 * @example
 * ```ts
 * yangZhangVol({ open, high, low, close }, { window: 20 });
 * ```
 */
export function yangZhangVol(ohlc: Ohlc, options: RangeVolOptions = {}): Float64Array {
  const w = options.window ?? 20;
  assertWindow(w, "yangZhangVol", 2);
  const { open, close } = ohlc;
  assertSameLength("yangZhangVol", ohlc.open, ohlc.high, ohlc.low, ohlc.close);
  const n = close.length;
  const on = nanArray(n);
  const oc = nanArray(n);
  for (let i = 0; i < n; i++) {
    if (i > 0 && ok(open[i]!, close[i - 1]!)) on[i] = Math.log(open[i]! / close[i - 1]!);
    if (ok(open[i]!, close[i]!)) oc[i] = Math.log(close[i]! / open[i]!);
  }
  const vo = rollingVar(on, w);
  const vc = rollingVar(oc, w);
  const vrs = rollingMean(rsTerm(ohlc), w);
  const k = 0.34 / (1.34 + (w + 1) / (w - 1));
  const v = nanArray(n);
  for (let i = 0; i < n; i++) v[i] = vo[i]! + k * vc[i]! + (1 - k) * vrs[i]!;
  return apply(v, options);
}

/**
 * Realised variance: RV = sum_i r_i^2 over intraday log returns (not annualised; NaN when a
 * return is non-finite, 0 for no returns).
 *
 * @see Andersen, T. G., & Bollerslev, T. (1998). Answering the Skeptics. International Economic
 *      Review 39(4), 885-905. doi:10.2307/2527343
 * @example
 * ```ts
 * realizedVariance(Float64Array.from([0.01, -0.02])); // 0.0005
 * ```
 */
export function realizedVariance(returns: Float64Array): number {
  let s = 0;
  for (let i = 0; i < returns.length; i++) s += returns[i]! * returns[i]!;
  return s;
}

/**
 * Bipower variation: BV = (pi / 2) * sum_{i=2..M} |r_i| |r_{i-1}| (mu_1^-2 with
 * mu_1 = sqrt(2 / pi)), without the small-sample factor M / (M - 1). Robust to jumps; RV - BV
 * estimates the jump contribution. 0 for fewer than two returns.
 *
 * @see Barndorff-Nielsen, O. E., & Shephard, N. (2004). Power and Bipower Variation with
 *      Stochastic Volatility and Jumps. J. Financial Econometrics 2(1), 1-37. doi:10.1093/jjfinec/nbh001
 * @example
 * ```ts
 * bipowerVariation(Float64Array.from([0.01, -0.02, 0.01])); // (pi/2) * (0.0002 + 0.0002)
 * ```
 */
export function bipowerVariation(returns: Float64Array): number {
  let s = 0;
  for (let i = 1; i < returns.length; i++) s += Math.abs(returns[i]!) * Math.abs(returns[i - 1]!);
  return (Math.PI / 2) * s;
}

/** Per-session realised measures, one entry per session in order of appearance. */
export interface SessionRealized {
  session: Int32Array;
  rv: Float64Array;
  bv: Float64Array;
  /** Number of intraday returns used. */
  count: Int32Array;
}

/**
 * Realised variance and bipower variation per session from a bar close series and a
 * non-decreasing session id per bar. Returns are ln(C_i / C_{i-1}) within a session only (the
 * overnight return is excluded).
 *
 * @example
 * ```ts
 * const { rv, bv } = sessionRealized(minuteClose, sessionIdPerMinute);
 * ```
 */
export function sessionRealized(close: Float64Array, session: Int32Array): SessionRealized {
  if (close.length !== session.length) {
    throw new RangeError(
      `Cannot compute sessionRealized: close has ${close.length} rows, session ${session.length}`,
    );
  }
  const ids: number[] = [];
  const rv: number[] = [];
  const bv: number[] = [];
  const cnt: number[] = [];
  let i = 0;
  while (i < close.length) {
    const s = session[i]!;
    let j = i;
    while (j < close.length && session[j] === s) j++;
    if (j < close.length && session[j]! < s) {
      throw new RangeError(`Cannot compute sessionRealized: session ids decrease at index ${j}`);
    }
    const r = new Float64Array(Math.max(0, j - i - 1));
    for (let k = i + 1; k < j; k++) r[k - i - 1] = Math.log(close[k]! / close[k - 1]!);
    ids.push(s);
    rv.push(realizedVariance(r));
    bv.push(bipowerVariation(r));
    cnt.push(r.length);
    i = j;
  }
  return {
    session: Int32Array.from(ids),
    rv: Float64Array.from(rv),
    bv: Float64Array.from(bv),
    count: Int32Array.from(cnt),
  };
}
