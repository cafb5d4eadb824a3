/**
 * Position sizing: volatility targeting and fractional Kelly.
 */

import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import { choleskySolve, type Matrix, portfolioVariance } from "./covariance.ts";

/** Options of {@link volTarget}. */
export interface VolTargetOptions {
  /** Target annualised volatility (0.10 = 10%). */
  targetVol: number;
  /** Periods per year of the covariance (daily returns: 252). @default TRADING_DAYS_PER_YEAR */
  periodsPerYear?: number;
  /** Maximum gross exposure sum |w| after scaling. @default Infinity */
  maxGross?: number;
}

/** Result of {@link volTarget}; `met` is false when the gross cap stopped the scaling. */
export interface VolTargetResult {
  weights: Float64Array;
  scale: number;
  exAnteVol: number;
  met: boolean;
  reason?: string;
}

/**
 * Scale weights to an ex-ante annualised volatility target:
 * vol = sqrt(w' Sigma w * periodsPerYear); scale = targetVol / vol, reduced so that
 * sum |scale * w| <= maxGross. A scaling stopped by the cap is reported (`met` false), not
 * hidden. Zero weights or zero risk give scale 0 and `met` false.
 *
 * @see Moreira, A., & Muir, T. (2017). Volatility-managed portfolios. J. Finance 72(4).
 *      doi:10.1111/jofi.12513
 * @example
 * ```ts
 * volTarget([1], { n: 1, data: Float64Array.of(0.0004) }, { targetVol: 0.1 }); // scale 0.3175
 * ```
 */
export function volTarget(
  weights: ArrayLike<number>,
  cov: Matrix,
  o: VolTargetOptions,
): VolTargetResult {
  if (!(o.targetVol >= 0)) throw new RangeError(`targetVol must be >= 0, got ${o.targetVol}`);
  const ppy = o.periodsPerYear ?? TRADING_DAYS_PER_YEAR;
  const vol = Math.sqrt(portfolioVariance(weights, cov) * ppy);
  if (!(vol > 0)) {
    return {
      weights: new Float64Array(weights.length),
      scale: 0,
      exAnteVol: 0,
      met: false,
      reason: "zero ex-ante risk",
    };
  }
  let scale = o.targetVol / vol;
  let gross = 0;
  for (let i = 0; i < weights.length; i++) gross += Math.abs(weights[i]!);
  const maxGross = o.maxGross ?? Infinity;
  let met = true;
  let reason: string | undefined;
  if (gross * scale > maxGross) {
    scale = maxGross / gross;
    met = false;
    reason = `gross cap ${maxGross} binds: ex-ante vol ${
      (vol * scale).toFixed(4)
    } < target ${o.targetVol}`;
  }
  const out = Float64Array.from(weights, (w) => w * scale);
  const res: VolTargetResult = { weights: out, scale, exAnteVol: vol * scale, met };
  if (reason) res.reason = reason;
  return res;
}

/**
 * Fractional Kelly weights w = fraction * Sigma^-1 mu (the growth-optimal leverage of the
 * continuous-time / quadratic approximation; one asset: fraction * mu / sigma^2).
 * Conventions: mu and Sigma per period, excess of the financing rate.
 *
 * @see Thorp, E. O. (2006). The Kelly criterion in blackjack, sports betting and the stock
 *      market. Handbook of Asset and Liability Management, vol. 1, ch. 9.
 * @example
 * ```ts
 * kellyWeights([0.0004], { n: 1, data: Float64Array.of(0.0001) }, 0.5); // [2]
 * ```
 */
export function kellyWeights(mu: ArrayLike<number>, cov: Matrix, fraction = 0.5): Float64Array {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`Kelly fraction must be in [0, 1], got ${fraction}`);
  }
  if (mu.length !== cov.n) {
    throw new RangeError(`mu has ${mu.length} entries, cov is ${cov.n}x${cov.n}`);
  }
  for (let i = 0; i < mu.length; i++) {
    if (!Number.isFinite(mu[i]!)) throw new RangeError(`mu[${i}] is not finite: ${mu[i]}`);
  }
  const x = choleskySolve(cov, mu);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * fraction;
  return x;
}
