/**
 * Technical indicators over typed-array columns.
 *
 * Shared conventions (they follow R's TTR package, the reference the tests compare against):
 * - Every function returns Float64Arrays of the input's length, NaN during warm-up.
 * - Leading NaNs are warm-up: a series starts at its first finite value.
 * - Window kernels (`sma`, `bollinger`, `roc`, `stochastic`) return NaN for any window that
 *   touches a non-finite value. Recursive kernels (`ema`, `rsi`, `macd`, `atr`) reject a
 *   non-finite value after the series start with a RangeError (a recursion cannot skip a gap
 *   without silently changing every later value).
 * - Output at index t depends only on inputs at indices <= t (point in time; the PIT harness in
 *   tests/features checks this for every function here).
 * - Inputs are never modified.
 *
 * @see Ulrich, J. (2023). TTR: Technical Trading Rules. R package. https://CRAN.R-project.org/package=TTR
 */
import {
  assertNoInteriorGap,
  assertSameLength,
  assertWindow,
  firstFinite,
  nanArray,
} from "./_series.ts";

/** High, low and close columns of the same length. */
export interface Hlc {
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/**
 * Simple moving average: SMA_t = (1/n) * sum_{i=t-n+1..t} x_i.
 * NaN for t < n - 1 and for any window holding a non-finite value.
 *
 * @example
 * ```ts
 * sma(new Float64Array([1, 2, 3, 4]), 2); // [NaN, 1.5, 2.5, 3.5]
 * ```
 */
export function sma(x: Float64Array, window: number): Float64Array {
  assertWindow(window, "sma");
  const n = x.length;
  const out = nanArray(n);
  let sum = 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (Number.isFinite(v)) sum += v;
    else bad++;
    if (i >= window) {
      const old = x[i - window]!;
      if (Number.isFinite(old)) sum -= old;
      else bad--;
    }
    if (i >= window - 1 && bad === 0) out[i] = sum / window;
    // Re-anchor the running sum periodically so rounding drift cannot accumulate.
    if (i >= window - 1 && bad === 0 && (i & 1023) === 1023) {
      let s = 0;
      for (let j = i - window + 1; j <= i; j++) s += x[j]!;
      sum = s;
      out[i] = sum / window;
    }
  }
  return out;
}

/** Options for {@linkcode ema}. */
export interface EmaOptions {
  /**
   * Use Wilder's smoothing ratio 1/n instead of 2/(n+1).
   * @default false
   */
  wilder?: boolean;
}

/**
 * Exponential moving average: EMA_t = a * x_t + (1 - a) * EMA_{t-1}, a = 2/(n+1)
 * (or 1/n with `wilder`), seeded with the simple average of the first n values (TTR's
 * convention), so the first value is at index start + n - 1.
 *
 * @see Wilder, J. W. (1978). New Concepts in Technical Trading Systems. Trend Research.
 * @example
 * ```ts
 * ema(new Float64Array([1, 2, 3, 4]), 2); // [NaN, 1.5, 2.5, 3.5]
 * ```
 */
export function ema(x: Float64Array, window: number, options: EmaOptions = {}): Float64Array {
  assertWindow(window, "ema");
  const a = options.wilder ? 1 / window : 2 / (window + 1);
  const n = x.length;
  const out = nanArray(n);
  const start = firstFinite(x);
  assertNoInteriorGap(x, "ema", start);
  const seedAt = start + window - 1;
  if (seedAt >= n) return out;
  let s = 0;
  for (let i = start; i <= seedAt; i++) s += x[i]!;
  let prev = s / window;
  out[seedAt] = prev;
  for (let i = seedAt + 1; i < n; i++) {
    prev = a * x[i]! + (1 - a) * prev;
    out[i] = prev;
  }
  return out;
}

/**
 * Relative strength index with Wilder smoothing:
 * U_t = max(x_t - x_{t-1}, 0), D_t = max(x_{t-1} - x_t, 0),
 * RSI_t = 100 * EMA_w(U)_t / (EMA_w(U)_t + EMA_w(D)_t), EMA_w = Wilder EMA (ratio 1/n) seeded
 * with the mean of the first n changes, so the first value is at index start + n.
 * Conventions: a window without any change (flat prices) gives 50; scale 0..100.
 *
 * @see Wilder, J. W. (1978). New Concepts in Technical Trading Systems, ch. 6.
 * @example
 * ```ts
 * rsi(new Float64Array([1, 2, 3, 2]), 2); // [NaN, NaN, 100, 50]
 * ```
 */
export function rsi(x: Float64Array, window = 14): Float64Array {
  assertWindow(window, "rsi");
  const n = x.length;
  const start = firstFinite(x);
  assertNoInteriorGap(x, "rsi", start);
  const up = nanArray(n);
  const dn = nanArray(n);
  for (let i = start + 1; i < n; i++) {
    const d = x[i]! - x[i - 1]!;
    up[i] = d > 0 ? d : 0;
    dn[i] = d < 0 ? -d : 0;
  }
  const au = ema(up, window, { wilder: true });
  const ad = ema(dn, window, { wilder: true });
  const out = nanArray(n);
  for (let i = 0; i < n; i++) {
    const u = au[i]!;
    const d = ad[i]!;
    if (Number.isNaN(u)) continue;
    out[i] = u + d === 0 ? 50 : (100 * u) / (u + d);
  }
  return out;
}

/** Options for {@linkcode macd}. */
export interface MacdOptions {
  /** Fast EMA window. @default 12 */
  fast?: number;
  /** Slow EMA window. @default 26 */
  slow?: number;
  /** Signal EMA window. @default 9 */
  signal?: number;
}

/**
 * Moving average convergence/divergence (Appel), in price units:
 * macd = EMA_fast(x) - EMA_slow(x); signal = EMA_signal(macd) seeded with the mean of the first
 * `signal` MACD values; hist = macd - signal. (TTR's `MACD(..., percent = FALSE)`.)
 *
 * @see Appel, G. (2005). Technical Analysis: Power Tools for Active Investors. FT Press.
 * @example
 * ```ts
 * const { macd: m, signal, hist } = macd(closes); // defaults 12/26/9
 * ```
 */
export function macd(
  x: Float64Array,
  options: MacdOptions = {},
): { macd: Float64Array; signal: Float64Array; hist: Float64Array } {
  const fast = options.fast ?? 12;
  const slow = options.slow ?? 26;
  const sig = options.signal ?? 9;
  assertWindow(fast, "macd fast");
  assertWindow(slow, "macd slow");
  assertWindow(sig, "macd signal");
  const ef = ema(x, fast);
  const es = ema(x, slow);
  const m = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) m[i] = ef[i]! - es[i]!;
  const s = ema(m, sig);
  const h = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) h[i] = m[i]! - s[i]!;
  return { macd: m, signal: s, hist: h };
}

/** Options for {@linkcode bollinger}. */
export interface BollingerOptions {
  /** Window length. @default 20 */
  window?: number;
  /** Band width in standard deviations. @default 2 */
  k?: number;
}

/**
 * Bollinger bands: middle = SMA_n(x), upper/lower = middle +/- k * sigma_n, where sigma_n is
 * the POPULATION standard deviation of the window (divide by n, not n - 1), as Bollinger
 * defined the bands and as TTR's `BBands` computes them. NaN for windows with a non-finite
 * value.
 *
 * @see Bollinger, J. (2001). Bollinger on Bollinger Bands. McGraw-Hill, ch. 7.
 * @example
 * ```ts
 * bollinger(new Float64Array([1, 3]), { window: 2, k: 1 }); // middle 2, upper 3, lower 1 at t=1
 * ```
 */
export function bollinger(
  x: Float64Array,
  options: BollingerOptions = {},
): { upper: Float64Array; middle: Float64Array; lower: Float64Array } {
  const w = options.window ?? 20;
  const k = options.k ?? 2;
  assertWindow(w, "bollinger");
  const n = x.length;
  const middle = sma(x, w);
  const upper = nanArray(n);
  const lower = nanArray(n);
  for (let i = w - 1; i < n; i++) {
    const m = middle[i]!;
    if (Number.isNaN(m)) continue;
    let ss = 0;
    for (let j = i - w + 1; j <= i; j++) {
      const d = x[j]! - m;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / w);
    upper[i] = m + k * sd;
    lower[i] = m - k * sd;
  }
  return { upper, middle, lower };
}

/**
 * Average true range with Wilder smoothing: TR_t = max(H_t, C_{t-1}) - min(L_t, C_{t-1}) for
 * t >= 1 (TR_0 is undefined, as in TTR), ATR = Wilder EMA_n(TR) seeded with the mean of
 * TR_1..TR_n, so the first value is at index n.
 *
 * @see Wilder, J. W. (1978). New Concepts in Technical Trading Systems, ch. 2.
 * @example
 * ```ts
 * atr({ high, low, close }, 14);
 * ```
 */
export function atr(hlc: Hlc, window = 14): Float64Array {
  assertWindow(window, "atr");
  const { high, low, close } = hlc;
  assertSameLength("atr", high, low, close);
  const n = close.length;
  const tr = nanArray(n);
  for (let i = 1; i < n; i++) {
    const pc = close[i - 1]!;
    const h = high[i]!;
    const l = low[i]!;
    if (Number.isNaN(pc) || Number.isNaN(h) || Number.isNaN(l)) continue;
    tr[i] = Math.max(h, pc) - Math.min(l, pc);
  }
  return ema(tr, window, { wilder: true });
}

/** Options for {@linkcode roc}. */
export interface RocOptions {
  /**
   * "discrete": x_t / x_{t-n} - 1; "continuous": ln(x_t / x_{t-n}).
   * @default "discrete"
   */
  type?: "discrete" | "continuous";
}

/**
 * Rate of change over n bars: x_t / x_{t-n} - 1 (discrete) or ln(x_t / x_{t-n}) (continuous).
 * NaN for t < n and where either end is non-finite.
 *
 * @example
 * ```ts
 * roc(new Float64Array([100, 110, 121]), 1); // [NaN, 0.1, 0.1]
 * ```
 */
export function roc(x: Float64Array, window = 1, options: RocOptions = {}): Float64Array {
  assertWindow(window, "roc");
  const cont = (options.type ?? "discrete") === "continuous";
  const n = x.length;
  const out = nanArray(n);
  for (let i = window; i < n; i++) {
    const a = x[i - window]!;
    const b = x[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    out[i] = cont ? Math.log(b / a) : b / a - 1;
  }
  return out;
}

/** Options for {@linkcode stochastic}. */
export interface StochasticOptions {
  /** Look-back of the high/low range for %K. @default 14 */
  kWindow?: number;
  /** SMA window of %D. @default 3 */
  dWindow?: number;
}

/**
 * Stochastic oscillator (Lane), fast %K and %D in percent (0..100):
 * %K_t = 100 * (C_t - min L_{t-n+1..t}) / (max H_{t-n+1..t} - min L_{t-n+1..t}),
 * %D = SMA_d(%K). A zero range (flat window) gives 50 (TTR gives NaN there).
 * TTR's `stoch()` returns the same as fractions (fastK, fastD).
 *
 * @see Lane, G. C. (1984). Lane's Stochastics. Technical Analysis of Stocks & Commodities 2(3).
 * @example
 * ```ts
 * const { k, d } = stochastic({ high, low, close });
 * ```
 */
export function stochastic(
  hlc: Hlc,
  options: StochasticOptions = {},
): { k: Float64Array; d: Float64Array } {
  const kw = options.kWindow ?? 14;
  const dw = options.dWindow ?? 3;
  assertWindow(kw, "stochastic kWindow");
  assertWindow(dw, "stochastic dWindow");
  const { high, low, close } = hlc;
  assertSameLength("stochastic", high, low, close);
  const n = close.length;
  const k = nanArray(n);
  for (let i = kw - 1; i < n; i++) {
    let hh = -Infinity;
    let ll = Infinity;
    let ok = Number.isFinite(close[i]!);
    for (let j = i - kw + 1; j <= i && ok; j++) {
      const h = high[j]!;
      const l = low[j]!;
      if (!Number.isFinite(h) || !Number.isFinite(l)) ok = false;
      if (h > hh) hh = h;
      if (l < ll) ll = l;
    }
    if (!ok) continue;
    const den = hh - ll;
    k[i] = den === 0 ? 50 : (100 * (close[i]! - ll)) / den;
  }
  return { k, d: sma(k, dw) };
}
