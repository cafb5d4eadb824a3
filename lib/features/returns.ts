/**
 * Overnight and intraday returns of daily bars (features: known at the bar's open or close).
 * Log returns; NaN where a price is missing or non-positive.
 */
import { assertSameLength, nanArray } from "./_series.ts";

const good = (x: number) => x > 0 && Number.isFinite(x);

/**
 * Overnight (close-to-open) log return: on_t = ln(O_t / C_{t-1}); NaN at t = 0. Known at the
 * open of bar t.
 *
 * @example
 * ```ts
 * overnightReturns({ open: [101, 99], close: [100, 100] }); // [NaN, ln(0.99)]
 * ```
 */
export function overnightReturns(bars: { open: Float64Array; close: Float64Array }): Float64Array {
  assertSameLength("overnightReturns", bars.open, bars.close);
  const out = nanArray(bars.open.length);
  for (let i = 1; i < out.length; i++) {
    const o = bars.open[i]!, c = bars.close[i - 1]!;
    if (good(o) && good(c)) out[i] = Math.log(o / c);
  }
  return out;
}

/**
 * Intraday (open-to-close) log return: id_t = ln(C_t / O_t). Known at the close of bar t.
 * on_t + id_t equals the close-to-close log return ln(C_t / C_{t-1}).
 *
 * @example
 * ```ts
 * intradayReturns({ open: [100], close: [102] }); // [ln(1.02)]
 * ```
 */
export function intradayReturns(bars: { open: Float64Array; close: Float64Array }): Float64Array {
  assertSameLength("intradayReturns", bars.open, bars.close);
  const out = nanArray(bars.open.length);
  for (let i = 0; i < out.length; i++) {
    const o = bars.open[i]!, c = bars.close[i]!;
    if (good(o) && good(c)) out[i] = Math.log(c / o);
  }
  return out;
}
