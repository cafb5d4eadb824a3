/**
 * Rates and dividend yields for option pricing: a continuously compounded zero curve bootstrapped
 * from Treasury bill and constant-maturity note yields (FRED DTB3, DGS2, DGS10 as stand-ins), and
 * an implied dividend yield from put-call parity of near-the-money pairs.
 */
import { CALENDAR_DAYS_PER_YEAR } from "../core/mod.ts";

/** One Treasury quote as published by FRED, in percent. */
export interface TreasuryQuote {
  /** Tenor in years (DTB3 = 0.25, DGS2 = 2, DGS10 = 10). */
  tenor: number;
  /** Yield in percent (FRED units). */
  yieldPct: number;
  /**
   * "bill": bank-discount rate (FRED DTB3, actual/360 discount basis);
   * "par": constant-maturity par yield, semiannual bond-equivalent (FRED DGS2, DGS10).
   */
  kind: "bill" | "par";
}

/** Zero curve: continuously compounded zero rates at increasing tenors (years). */
export interface ZeroCurve {
  tenor: Float64Array;
  zero: Float64Array;
}

/**
 * Zero rate at t: linear in the zero rate between knots, flat outside.
 *
 * @example
 * ```ts
 * zeroRate({ tenor: Float64Array.of(1, 2), zero: Float64Array.of(0.04, 0.05) }, 1.5); // 0.045
 * ```
 */
export function zeroRate(curve: ZeroCurve, t: number): number {
  const ts = curve.tenor;
  const zs = curve.zero;
  const n = ts.length;
  if (n === 0 || Number.isNaN(t)) return NaN;
  if (t <= ts[0]!) return zs[0]!;
  if (t >= ts[n - 1]!) return zs[n - 1]!;
  let j = 1;
  while (ts[j]! < t) j++;
  const u = (t - ts[j - 1]!) / (ts[j]! - ts[j - 1]!);
  return zs[j - 1]! + u * (zs[j]! - zs[j - 1]!);
}

/** Discount factor exp(-z(t) t). */
export function discountFactor(curve: ZeroCurve, t: number): number {
  return Math.exp(-zeroRate(curve, t) * t);
}

/**
 * Bootstrap a continuously compounded zero curve from Treasury quotes.
 *
 * - Bill (bank discount d, days n = round(365 tenor)): price P = 1 - d n / 360, zero
 *   z = -ln(P) / (n / 365).
 * - Par yield y (semiannual coupons y/2 per 1 face, bond-equivalent): the zero at the bond's
 *   maturity T solves sum_i y/2 DF(t_i) + DF(T) = 1 with t_i = T, T - 0.5, ... > 0 and DF from the
 *   curve built so far (linear in zero rate), found by bisection to 1e-14.
 * Quotes are processed in tenor order; NaN quotes are skipped (FRED marks holidays with ".").
 *
 * @see US Treasury, "Daily Treasury Bill Rates" and "Yield curve methodology";
 *      https://home.treasury.gov/policy-issues/financing-the-government/interest-rate-statistics
 * @example
 * ```ts
 * const c = zeroCurveFromTreasuries([{ tenor: 0.25, yieldPct: 5, kind: "bill" }]);
 * c.zero[0]; // -ln(1 - 0.05 * 91/360) / (91/365) = 0.0510175...
 * ```
 */
export function zeroCurveFromTreasuries(quotes: readonly TreasuryQuote[]): ZeroCurve {
  const qs = quotes.filter((q) => Number.isFinite(q.yieldPct) && q.tenor > 0)
    .sort((a, b) => a.tenor - b.tenor);
  const tenor: number[] = [];
  const zero: number[] = [];
  for (const q of qs) {
    const y = q.yieldPct / 100;
    let z: number;
    if (q.kind === "bill") {
      const days = Math.round(q.tenor * CALENDAR_DAYS_PER_YEAR);
      const price = 1 - y * days / 360;
      if (!(price > 0)) {
        throw new RangeError(`Cannot bootstrap: bill discount ${q.yieldPct}% gives price ${price}`);
      }
      z = -Math.log(price) / (days / CALENDAR_DAYS_PER_YEAR);
    } else {
      const T = q.tenor;
      const priceWith = (zT: number) => {
        const c: ZeroCurve = {
          tenor: Float64Array.from([...tenor, T]),
          zero: Float64Array.from([...zero, zT]),
        };
        let pv = 0;
        for (let t = T; t > 1e-9; t -= 0.5) pv += (y / 2) * discountFactor(c, t);
        return pv + discountFactor(c, T) - 1;
      };
      let lo = -0.5;
      let hi = 1;
      for (let i = 0; i < 200 && hi - lo > 1e-14; i++) {
        const mid = 0.5 * (lo + hi);
        if (priceWith(mid) > 0) lo = mid;
        else hi = mid;
      }
      z = 0.5 * (lo + hi);
    }
    tenor.push(q.tenor);
    zero.push(z);
  }
  return { tenor: Float64Array.from(tenor), zero: Float64Array.from(zero) };
}

/** One call/put pair at the same strike and expiry (mid prices). */
export interface ParityPair {
  strike: number;
  call: number;
  put: number;
}

/** Options for {@link impliedDividendYield}. */
export interface ImpliedDividendOptions {
  /** Use pairs with |ln(K/S)| at most this. @default 0.05 */
  moneynessWindow?: number;
  /** Fewer usable pairs than this give NaN. @default 1 */
  minPairs?: number;
}

/** Result of {@link impliedDividendYield}. */
export interface ImpliedDividend {
  /** Continuous dividend yield q (NaN if not enough pairs). */
  q: number;
  /** Implied forward F = S exp((r - q) T). */
  forward: number;
  /** Pairs used. */
  pairs: number;
}

/**
 * Implied continuous dividend yield from put-call parity C - P = S e^{-qT} - K e^{-rT}:
 * per pair q_i = -ln((C - P + K e^{-rT}) / S) / T, combined as the median over near-the-money
 * pairs (robust to a stale quote). Pairs with non-finite prices or a non-positive parity forward
 * are ignored.
 *
 * @see Hull, J. C. Options, Futures, and Other Derivatives, put-call parity with dividends.
 * @example
 * ```ts
 * // S = 100, r = 5 %, q = 2 %, T = 1, K = 100: C - P = 100 e^-0.02 - 100 e^-0.05
 * impliedDividendYield([{ strike: 100, call: 10, put: 10 - 100 * (Math.exp(-0.02) - Math.exp(-0.05)) }],
 *   100, 1, 0.05).q; // 0.02
 * ```
 */
export function impliedDividendYield(
  pairs: readonly ParityPair[],
  spot: number,
  t: number,
  rate: number,
  options: ImpliedDividendOptions = {},
): ImpliedDividend {
  const win = options.moneynessWindow ?? 0.05;
  const minPairs = options.minPairs ?? 1;
  const qs: number[] = [];
  if (spot > 0 && t > 0 && Number.isFinite(rate)) {
    for (const p of pairs) {
      if (!(Math.abs(Math.log(p.strike / spot)) <= win)) continue;
      if (!Number.isFinite(p.call) || !Number.isFinite(p.put)) continue;
      const dFwd = p.call - p.put + p.strike * Math.exp(-rate * t);
      if (!(dFwd > 0)) continue;
      qs.push(-Math.log(dFwd / spot) / t);
    }
  }
  if (qs.length < minPairs || qs.length === 0) return { q: NaN, forward: NaN, pairs: qs.length };
  qs.sort((a, b) => a - b);
  const n = qs.length;
  const q = n % 2 ? qs[(n - 1) / 2]! : 0.5 * (qs[n / 2 - 1]! + qs[n / 2]!);
  return { q, forward: spot * Math.exp((rate - q) * t), pairs: n };
}
