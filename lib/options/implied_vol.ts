/**
 * Black-Scholes-Merton implied volatility at machine precision, over columns.
 */
import { log, normInv } from "../core/mod.ts";
import { checkLengths, type OptionColumns } from "./option_columns.ts";
import {
  LN_INV_SQRT_2PI,
  millsDifference,
  normalisedBlackComplement,
  normalisedBlackOtm,
} from "./_normalised_black.ts";
import { fastExp, INV_SQRT_2PI, normCdfFast } from "./_special.ts";

/** Why some implied vols came back NaN (counts over the batch). */
export interface ImpliedVolSummary {
  /** Rows in the batch. */
  count: number;
  /** Rows with a finite implied vol (including 0 at exactly intrinsic). */
  solved: number;
  /** Price below the discounted intrinsic value (arbitrage): NaN. */
  belowIntrinsic: number;
  /** Price at or above the upper bound (S exp(-qT) for calls, K exp(-rT) for puts): NaN. */
  aboveUpper: number;
  /** NaN or non-positive spot / strike / t, NaN rate or price: NaN. */
  invalid: number;
  /** Price exactly at intrinsic: implied vol 0. */
  atIntrinsic: number;
  /** Largest number of iterations any row needed. */
  maxIterations: number;
}

/** Options for {@link impliedVol}. */
export interface ImpliedVolOptions {
  /**
   * Log one warning line (event `options.implied_vol.nan`) with the counts when some rows
   * give NaN.
   * @default true
   */
  logSummary?: boolean;
  /**
   * Array to write the implied vols into (length = rows) instead of a new one; every element is
   * overwritten (reuse across batches saves the allocation and first-touch page faults).
   * @default a new array
   */
  out?: Float64Array;
  /**
   * Warm start along series: rows with the same key (>= 0) are one series in row order (e.g.
   * one option contract minute by minute), and each row's iteration starts from the implied
   * vol of the latest earlier row of its series that has a positive one (scaled to the row's
   * own t): up to 4 third-order Householder steps on b - beta in s with the cold solver's
   * stopping rule; a row not converged by then (a start far off), key < 0 or first of its
   * series is solved cold. The result is the same root to the solver's precision (tests:
   * within 1e-13 relative of the cold solve on informative rows, with far-off starts); on
   * series whose vol moves little from row to row it needs about 2 evaluations of b instead
   * of 3.7 plus the starting model (the consolidation benchmark's chain: ~2.8x less CPU).
   * Length = rows.
   * @default none (every row starts cold)
   */
  warmStart?: Int32Array;
}

/** Options for {@link impliedVolWithSummary}. */
export type ImpliedVolWithSummaryOptions = Pick<ImpliedVolOptions, "out" | "warmStart">;

const MAX_ITER = 60;
const WARM_STEPS = 4;

/**
 * Solve b(x, s) = beta for s >= 0, x <= 0, 0 < beta < exp(x/2), where b is the normalised
 * out-of-the-money Black call. Returns s (-1 when beta >= exp(x/2)); `iters[0]` receives the
 * iteration count.
 */
function solveNormalised(x: number, beta: number, iters: Int32Array): number {
  const ex = fastExp(0.5 * x);
  const bmax = ex;
  if (!(beta < bmax)) return -1;
  const sc = Math.sqrt(-2 * x);
  // b(x, s_c) = exp(x/2) / 2 - exp(-x/2) Phi(-s_c) (h + t = 0, h - t = -s_c there), with
  // phi(s_c) = exp(x) / sqrt(2 pi): one erfcx, no exponential. It only picks the region and
  // anchors the starting model, so the mild cancellation for |x| -> 0 (relative error about
  // eps / s_c) is harmless.
  const bc = 0.5 * ex - normCdfFast(-sc, INV_SQRT_2PI * ex * ex) / ex;
  const lower = beta < bc;
  // above the inflection point: direct objective b - beta while beta <= bmax / 2, and the
  // log-complement objective closer to the upper bound (where b - beta is flat in s)
  const direct = !lower && beta <= 0.5 * bmax;
  const x2 = x * x;
  let lo: number;
  let hi: number;
  let s: number;
  let target: number;
  if (lower) {
    lo = 0;
    hi = sc;
    target = Math.log(beta);
    // Starting point: solve m(z) = ln beta in z = 1/s^2 for the model
    //   m(z) = -ln(sqrt(2 pi) x^2) - x^2 z / 2 - 1.5 ln z - 1 / (8 z) + delta z_c / z,
    // the tail asymptotics b ~ s^3 / (sqrt(2 pi) x^2) exp(-x^2/(2 s^2) - s^2/8) plus a correction
    // delta z_c / z that makes it exact at the inflection point z_c = 1/s_c^2 and vanishes in the
    // tail. m is cheap (no special functions); Newton steps in ln z until |du| < 0.1 (then
    // within about 1e-2 of the model root, the model's own accuracy) give the start. Its
    // logs come from one: ln z_c = -ln(-2x), ln(x^2) = 2 (ln(-2x) - ln 2).
    const zc = 1 / (sc * sc);
    const uc = -Math.log(-2 * x);
    const a0 = LN_INV_SQRT_2PI - 2 * (-uc - Math.LN2);
    const delta = Math.log(bc) - (a0 - 0.5 * x2 * zc - 1.5 * uc - 0.125 / zc);
    // from ln(2 z_c), or deeper in the tail from the root of the dominant terms a0 - x^2 z / 2
    // (fewer Newton steps on the model, and fewer Householder steps after: measured)
    const zTail = 2 * (a0 - target) / x2;
    let u = zTail > 2 * zc ? Math.log(zTail) : Math.LN2 + uc;
    // Halley in u = ln z converges fast in both the linear (tail) and logarithmic regimes
    for (let k = 0; k < 8; k++) {
      const z = fastExp(u);
      const iz = fastExp(-u); // beside z rather than 1 / z after it (shorter dependency chain)
      const m = a0 - 0.5 * x2 * z - 1.5 * u - 0.125 * iz + delta * zc * iz - target;
      const m1 = -0.5 * x2 * z - 1.5 + (0.125 - delta * zc) * iz;
      const m2 = -0.5 * x2 * z - (0.125 - delta * zc) * iz;
      // Halley step (m'' is free here): third order, fewer passes than Newton
      let du = -2 * m * m1 / (2 * m1 * m1 - m * m2);
      if (!(m1 < 0 && du * m * m1 < 0)) {
        if (!(m1 < 0)) break; // model not monotone here: keep the last point
        du = -m / m1; // Halley's denominator changed sign: plain Newton
      }
      if (du > 2) du = 2;
      else if (du < -2) du = -2;
      u = u + du > uc ? u + du : 0.5 * (u + uc);
      if (Math.abs(du) < 0.1) break;
    }
    s = fastExp(-0.5 * u); // 1 / sqrt(z)
    if (!(s > 0 && s < sc)) s = 0.5 * sc;
  } else {
    lo = sc;
    hi = Infinity;
    const ct = bmax - beta;
    target = Math.log(ct);
    const g = -2 * normInv(ct / (bmax + 1 / bmax));
    s = g > sc ? g : sc * 1.5 + 1e-3;
  }
  let n = 0;
  let prevStep = Infinity;
  for (; n < MAX_ITER; n++) {
    const h = x / s;
    const t = 0.5 * s;
    const s2 = s * s;
    const is = 1 / s; // (divisions sit on the iteration's dependency chain: share them)
    const is2 = is * is;
    const q1 = x2 * is2 * is - 0.25 * s; // second derivative of b over the first
    const q2 = q1 * q1 - 3 * x2 * is2 * is2 - 0.25; // third derivative of b over the first
    const lnPhi0 = LN_INV_SQRT_2PI - 0.5 * (h * h + t * t);
    let f: number, f1: number, f2: number, f3: number;
    let invF1 = 0; // 1 / f1 where it comes for free (lower region: f1 = 1 / dm)
    if (lower) {
      const dm = millsDifference(-h, t); // b = phi0 * dm, (db/ds) / b = 1 / dm
      if (!(dm > 0)) {
        lo = s;
        s = 0.5 * (lo + hi);
        continue;
      }
      const p = 1 / dm;
      invF1 = dm;
      f = lnPhi0 + Math.log(dm) - target;
      f1 = p;
      f2 = (q1 - p) * p;
      f3 = (q2 - 3 * p * q1 + 2 * p * p) * p;
    } else if (direct) {
      const v = fastExp(lnPhi0);
      f = (h + t > 0.5 ? normalisedBlackOtm(x, s) : v * millsDifference(-h, t)) - beta;
      f1 = v;
      f2 = v * q1;
      f3 = v * q2;
    } else {
      const v = fastExp(lnPhi0);
      const c = normalisedBlackComplement(x, s, ex, v);
      if (!(c > 0)) {
        hi = s;
        s = 0.5 * (lo + hi);
        continue;
      }
      const p = v / c;
      f = target - Math.log(c);
      f1 = p;
      f2 = (q1 + p) * p;
      f3 = (q2 + 3 * p * q1 + 2 * p * p) * p;
    }
    if (f === 0) break;
    if (f < 0) lo = s;
    else hi = s;
    let d: number;
    if (lower) {
      // Householder in z = 1/s^2, where ln b is nearly linear (ln b ~ -x^2 z / 2 in the tail)
      const sz = -0.5 * s2 * s;
      const szz = 0.75 * s2 * s2 * s;
      const szzz = -1.875 * s2 * s2 * s2 * s;
      const iF1 = -2 * is2 * is * invF1; // 1 / (f1 sz)
      const nu = -f * iF1;
      const g2 = (f2 * sz * sz + f1 * szz) * iF1;
      const g3 = (f3 * sz * sz * sz + 3 * f2 * sz * szz + f1 * szzz) * iF1;
      let dz = nu * (1 + 0.5 * g2 * nu) / (1 + nu * (g2 + g3 * nu / 6));
      if (!(dz * nu > 0 && Math.abs(dz) < 2 * Math.abs(nu))) dz = nu;
      const z = is2;
      d = z + dz > 0 ? 1 / Math.sqrt(z + dz) - s : -Infinity;
    } else {
      const if1 = 1 / f1;
      const nu = -f * if1;
      const g2 = f2 * if1;
      const g3 = f3 * if1;
      d = nu * (1 + 0.5 * g2 * nu) / (1 + nu * (g2 + g3 * nu / 6));
      // the Householder factor should be a modest correction of the Newton step
      if (!(d * nu > 0 && Math.abs(d) < 2 * Math.abs(nu))) d = nu;
    }
    const ad = Math.abs(d);
    // converged, or the steps stopped shrinking at the rounding-noise floor
    // (a third-order step below 1e-6 relative leaves an error of order 1e-18: no need to
    // evaluate again to confirm; 1e-5 measured the same worst-case errors on 300k extreme-wing
    // round trips, 1e-6 keeps a margin)
    if (ad <= 1e-6 * s || (ad < 1e-11 * s && ad >= 0.5 * prevStep)) {
      s += d;
      n++;
      break;
    }
    let next = s + d;
    if (!(next > lo && next < hi)) {
      next = hi < Infinity ? 0.5 * (lo + hi) : 2 * lo + 1;
      d = next - s;
    }
    s = next;
    prevStep = ad;
  }
  iters[0] = n;
  return s;
}

/**
 * Warm start of {@link solveNormalised}: from s0 (a nearby solution, e.g. the same contract's
 * previous minute), third-order Householder steps on b - beta in s (no logarithms: near the root
 * it converges as fast as the cold solver's objectives), with the cold solver's stopping rule.
 * Returns s, or -1 when it has not converged within WARM_STEPS steps or a step leaves the
 * bracket (a start far off; the caller then solves cold). Only for beta > 1e-100 (b far from
 * underflow, where b - beta keeps its relative precision) and beta < exp(x/2).
 */
function solveWarm(x: number, beta: number, s0: number, iters: Int32Array): number {
  const x2 = x * x;
  let lo = 0;
  let hi = Infinity;
  let s = s0;
  let prevStep = Infinity;
  for (let n = 0; n < WARM_STEPS; n++) {
    const h = x / s;
    const t = 0.5 * s;
    const is = 1 / s;
    const is2 = is * is;
    const q1 = x2 * is2 * is - 0.25 * s; // second derivative of b over the first
    const q2 = q1 * q1 - 3 * x2 * is2 * is2 - 0.25; // third derivative of b over the first
    const v = fastExp(LN_INV_SQRT_2PI - 0.5 * (h * h + t * t)); // db/ds
    const f = (h + t > 0.5 ? normalisedBlackOtm(x, s) : v * millsDifference(-h, t)) - beta;
    if (f === 0) {
      iters[0] = n + 1;
      return s;
    }
    if (f < 0) lo = s;
    else hi = s;
    const nu = -f / v;
    let d = nu * (1 + 0.5 * q1 * nu) / (1 + nu * (q1 + q2 * nu / 6));
    if (!(d * nu > 0 && Math.abs(d) < 2 * Math.abs(nu))) d = nu;
    const ad = Math.abs(d);
    if (ad <= 1e-6 * s || (ad < 1e-11 * s && ad >= 0.5 * prevStep)) {
      iters[0] = n + 1;
      return s + d;
    }
    const next = s + d;
    if (!(next > lo && next < hi)) return -1;
    s = next;
    prevStep = ad;
  }
  return -1;
}

const SOLVE_CHUNK = 2048;

/**
 * Implied vols of rows [from, to) into `iv` (see {@link impliedVolWithSummary}); `key` is the
 * warm-start series of each row (length 0: none) and `lastIv` the latest vol of each series;
 * `counts` accumulates solved, belowIntrinsic, aboveUpper, invalid, atIntrinsic and (max)
 * maxIterations.
 */
function solveRows(
  o: OptionColumns,
  price: Float64Array,
  iv: Float64Array,
  key: Int32Array,
  lastIv: Float64Array,
  from: number,
  to: number,
  counts: Float64Array,
): void {
  const iters = new Int32Array(1);
  const { spot, strike, t: tt, rate, div, isCall } = o;
  const hasKey = key.length > 0;
  let solved = 0, below = 0, above = 0, invalid = 0, atIntrinsic = 0, maxIter = counts[5]!;
  let lastT = NaN, lastR = NaN, lastQ = NaN, eq = NaN, er = NaN, sqT = NaN;
  for (let i = from; i < to; i++) {
    const S = spot[i]!;
    const K = strike[i]!;
    const T = tt[i]!;
    const r = rate[i]!;
    const q = div[i]!;
    const p = price[i]!;
    if (
      !(S > 0 && K > 0 && T > 0 && S < Infinity && K < Infinity && T < Infinity) || r !== r ||
      q !== q || !(Math.abs(p) < Infinity)
    ) {
      iv[i] = NaN;
      invalid++;
      continue;
    }
    if (T !== lastT || r !== lastR || q !== lastQ) {
      lastT = T;
      lastR = r;
      lastQ = q;
      // the same exponential as bsPrice, so a price it produced is never below our intrinsic
      eq = fastExp(-q * T);
      er = fastExp(-r * T);
      sqT = Math.sqrt(T);
    }
    const dS = S * eq;
    const dK = K * er;
    const x = Math.log(S / K) + (r - q) * T;
    const call = isCall[i] === 1;
    const theta = call ? 1 : -1;
    const intrinsic = theta * x > 0 ? theta * (dS - dK) : 0;
    const upper = call ? dS : dK;
    if (p < intrinsic) {
      iv[i] = NaN;
      below++;
      continue;
    }
    if (p >= upper) {
      iv[i] = NaN;
      above++;
      continue;
    }
    if (p === intrinsic) {
      iv[i] = 0;
      atIntrinsic++;
      solved++;
      continue;
    }
    const ax = x < 0 ? x : -x;
    const beta = (p - intrinsic) / Math.sqrt(dS * dK);
    const k = hasKey ? key[i]! : -1;
    const s0 = k >= 0 ? lastIv[k]! * sqT : NaN;
    let s = s0 > 0 && s0 < Infinity && beta > 1e-100 && beta < fastExp(0.5 * ax)
      ? solveWarm(ax, beta, s0, iters)
      : -1;
    if (s < 0) s = solveNormalised(ax, beta, iters);
    if (s < 0) {
      // beta at or above the normalised upper bound exp(x/2) (rounding at the bound)
      iv[i] = NaN;
      above++;
      continue;
    }
    if (iters[0]! > maxIter) maxIter = iters[0]!;
    const v = s / sqT;
    iv[i] = v;
    if (k >= 0 && v > 0) lastIv[k] = v;
    solved++;
  }
  counts[0] = counts[0]! + solved;
  counts[1] = counts[1]! + below;
  counts[2] = counts[2]! + above;
  counts[3] = counts[3]! + invalid;
  counts[4] = counts[4]! + atIntrinsic;
  counts[5] = maxIter;
}

/**
 * Implied volatility plus a summary of the rows that could not be inverted.
 *
 * Method: reduce each price to the normalised out-of-the-money Black call
 * beta = (price - discounted intrinsic) / sqrt(S exp(-qT) K exp(-rT)) at x = -|ln(F/K)|, then
 * solve b(x, s) = beta for s = sigma sqrt T with third-order Householder steps on
 * ln b - ln beta below the inflection point s_c = sqrt(2|x|) (taken in z = 1/s^2, where it is
 * nearly linear), on ln(exp(x/2) - beta) - ln(exp(x/2) - b) close to the upper bound
 * (beta > exp(x/2) / 2), and on b - beta in between: the objectives Jaeckel uses to make the
 * problem nearly linear. The start comes from the tail asymptotics of b anchored at s_c (lower
 * region) or a normal-quantile guess (upper), every step is kept inside a bisection bracket,
 * and iteration stops once a step is below 1e-6 relative (third order: the next error is of
 * order 1e-18) or steps stop shrinking at the rounding-noise floor. b and its complement are
 * evaluated without cancellation (see `_normalised_black.ts`), so the implied vol is as
 * accurate as the price's conditioning allows (tests: price -> vol -> price within 1e-12
 * relative everywhere, vol within 1e-12 relative where vega * vol / price > 1e-3). Mean about
 * 2.4 evaluations of b per option on the benchmark's random domain (at most 7), after about
 * 1.9 Halley steps on the cheap starting model.
 *
 * Conventions: price is the option value today (discounted); prices below the discounted
 * intrinsic value or at / above the upper bound give NaN and are counted, never thrown; a price
 * exactly at intrinsic gives 0. t = 0 is invalid (NaN).
 *
 * @see Jaeckel, P. (2015). Let's Be Rational. Wilmott 2015(75), 40-53. doi:10.1002/wilm.10395
 * @example
 * ```ts
 * import { impliedVolWithSummary, toOptionColumns } from "./mod.ts";
 * const o = toOptionColumns([{ spot: 42, strike: 40, t: 0.5, rate: 0.1, isCall: true }]);
 * impliedVolWithSummary(o, new Float64Array([4.759422392871532])).iv[0]; // 0.2
 * ```
 */
export function impliedVolWithSummary(
  o: OptionColumns,
  price: Float64Array,
  options: ImpliedVolWithSummaryOptions = {},
): { iv: Float64Array; summary: ImpliedVolSummary } {
  const n = checkLengths(o, "impliedVol", price);
  if (options.out && options.out.length !== n) {
    throw new RangeError(
      `Cannot write implied vols: out has length ${options.out.length}, expected ${n} rows`,
    );
  }
  const key = options.warmStart;
  if (key && key.length !== n) {
    throw new RangeError(
      `Cannot warm-start implied vols: warmStart has length ${key.length}, expected ${n} rows`,
    );
  }
  let maxKey = -1;
  if (key) { for (let i = 0; i < n; i++) if (key[i]! > maxKey) maxKey = key[i]!; }
  // latest positive implied vol of each series (NaN: none yet)
  const lastIv = new Float64Array(maxKey + 1).fill(NaN);
  const iv = options.out ?? new Float64Array(n);
  // counts: solved, belowIntrinsic, aboveUpper, invalid, atIntrinsic, maxIterations
  const counts = new Float64Array(6);
  const noKey = new Int32Array(0);
  // rows in chunks: the chunk kernel is called many times per batch, so V8 optimises it as an
  // ordinary function whose code stays from batch to batch (a single loop over the batch would
  // be re-entered through on-stack replacement, recompiled after every full collection)
  for (let from = 0; from < n; from += SOLVE_CHUNK) {
    solveRows(o, price, iv, key ?? noKey, lastIv, from, Math.min(n, from + SOLVE_CHUNK), counts);
  }
  const summary: ImpliedVolSummary = {
    count: n,
    solved: counts[0]!,
    belowIntrinsic: counts[1]!,
    aboveUpper: counts[2]!,
    invalid: counts[3]!,
    atIntrinsic: counts[4]!,
    maxIterations: counts[5]!,
  };
  return { iv, summary };
}

/**
 * Implied volatility (annualised, per sqrt(year) of `t`) for each option and price; see
 * {@link impliedVolWithSummary} for the method and conventions. Rows that cannot be inverted
 * give NaN, and a summary line is logged when there are any.
 *
 * @example
 * ```ts
 * import { impliedVol, toOptionColumns } from "./mod.ts";
 * const o = toOptionColumns([{ spot: 42, strike: 40, t: 0.5, rate: 0.1, isCall: false }]);
 * impliedVol(o, new Float64Array([0.8085993729000938]))[0]; // 0.2
 * ```
 */
export function impliedVol(
  o: OptionColumns,
  price: Float64Array,
  options: ImpliedVolOptions = {},
): Float64Array {
  const { iv, summary } = impliedVolWithSummary(o, price, {
    ...(options.out ? { out: options.out } : {}),
    ...(options.warmStart ? { warmStart: options.warmStart } : {}),
  });
  if ((options.logSummary ?? true) && summary.solved < summary.count) {
    log.warn("options.implied_vol.nan", { ...summary });
  }
  return iv;
}
