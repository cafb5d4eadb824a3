/**
 * Private: the normalised Black function and its complement at full relative precision.
 *
 * With x = ln(F/K), s = sigma * sqrt(T), h = x/s, t = s/2, the undiscounted call price divided by
 * sqrt(F K) is b(x, s) = exp(x/2) Phi(h + t) - exp(-x/2) Phi(h - t). For an out-of-the-money
 * call (x <= 0) we write Phi(z) = phi(z) M(-z) with the Mills ratio
 * M(y) = integral_0^inf exp(-y v - v^2/2) dv, which gives the cancellation-free form
 *
 *   b(x, s) = phi0 * (M(y - t) - M(y + t)),   phi0 = exp(-(h^2 + t^2)/2) / sqrt(2 pi),  y = -h
 *           = phi0 * 2 * integral_0^inf exp(-y v - v^2/2) sinh(t v) dv.
 *
 * Three evaluation regimes, chosen so the relative error stays near machine epsilon:
 * - erfcx form (M(z) = sqrt(pi/2) erfcx(z/sqrt 2)) when the two terms do not nearly cancel;
 * - far out of the money and short expiry (where the erfcx difference would lose digits): the
 *   asymptotic series of the sinh integral in 1/(y-t)^2 when y - t >= 10, else Gauss-Laguerre
 *   quadrature of the sinh integral when y >= 6;
 * - a Taylor series in t with Mills-ratio moments M_n(y) (forward recursion
 *   M_(n+1) = n M_(n-1) - y M_n) for small t with moderate y.
 * This is our own derivation in the spirit of Jaeckel's "Let's Be Rational" (which uses an
 * asymptotic expansion and a small-t expansion for the same two regions).
 *
 * @see Jaeckel, P. (2015). Let's Be Rational. Wilmott 2015(75), 40-53. doi:10.1002/wilm.10395
 */
import { erfcxAny, fastExp, fastSinh, INV_SQRT2, INV_SQRT_2PI, normCdfFast } from "./_special.ts";

const SQRT_PI_OVER_2 = 1.2533141373155002512078826424055226265035;

// Gauss-Laguerre nodes and weights (weight exp(-w) on [0, inf)), computed once by Newton
// iteration on the Laguerre polynomial L_n. 14 nodes reach the conditioning floor for
// 6 <= y < 12 and 8 nodes suffice beyond (checked against mpmath, see tests).
function laguerreRule(n: number): { x: Float64Array; w: Float64Array } {
  const xs = new Float64Array(n);
  const ws = new Float64Array(n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) z = 3 / (1 + 2.4 * n);
    else if (i === 1) z += 15 / (1 + 2.5 * n);
    else z += ((1 + 2.55 * (i - 1)) / (1.9 * (i - 1))) * (z - xs[i - 2]!);
    let pp = 0;
    let p2 = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j + 1 - z) * p2 - j * p3) / (j + 1);
      }
      pp = (n * p1 - n * p2) / z;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15 * Math.abs(z)) break;
    }
    xs[i] = z;
    ws[i] = -1 / (pp * n * p2);
  }
  return { x: xs, w: ws };
}
export const LAG_NEAR = laguerreRule(14);
export const LAG_FAR = laguerreRule(8);

/** 2 * integral_0^inf exp(-y v - v^2/2) sinh(t v) dv by Gauss-Laguerre (y >= 6). */
function millsDifferenceLaguerre(y: number, t: number): number {
  const rule = y < 12 ? LAG_NEAR : LAG_FAR;
  const xs = rule.x;
  const ws = rule.w;
  const iy = 1 / y;
  const a = 0.5 * iy * iy;
  const c = t * iy;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    const w = xs[i]!;
    sum += ws[i]! * fastExp(-a * w * w) * fastSinh(c * w);
  }
  return 2 * iy * sum;
}

/**
 * Far tail (y - t >= 10): expanding exp(-v^2/2) in the sinh integral gives the asymptotic series
 * D = sum_j (-1/2)^j (2j)!/j! [(y-t)^-(2j+1) - (y+t)^-(2j+1)]; each bracket is computed without
 * cancellation as (a - b) S_n with a = 1/(y-t), b = 1/(y+t), a - b = 2t/((y-t)(y+t)) and
 * S_n = sum_{i<n} a^(n-1-i) b^i (S_(n+1) = a S_n + b^n). Terms shrink by about
 * (2j+1)/(y-t)^2, so 1e-17 is reached long before the series turns.
 */
function millsDifferenceAsymptotic(y: number, t: number): number {
  const a = 1 / (y - t);
  const b = 1 / (y + t);
  const amb = 2 * t * a * b;
  let sN = 1; // S_1
  let bN = b; // b^1
  let coef = 1; // (-1/2)^j (2j)!/j!
  let sum = amb; // j = 0: (a - b) S_1
  for (let j = 1; j < 60; j++) {
    // advance n = 2j-1 -> 2j+1
    sN = a * sN + bN;
    bN *= b;
    sN = a * sN + bN;
    bN *= b;
    coef *= -(2 * j - 1); // (-1/2)^j (2j)!/j! = prod_{i=1..j} -(2i-1)
    const term = coef * amb * sN;
    sum += term;
    if (Math.abs(term) <= 1e-17 * sum) break;
  }
  return sum;
}

// 1 / ((n + 1) (n + 2)) for odd n: the Taylor coefficient ratio, without a division per term
export const TAYLOR_RATIO = Float64Array.from({ length: 62 }, (_, n) => 1 / ((n + 1) * (n + 2)));

/** 2 * sum_k t^(2k+1)/(2k+1)! M_(2k+1)(y) with forward moment recursion (y small, t small). */
function millsDifferenceTaylor(y: number, t: number): number {
  let mPrev = SQRT_PI_OVER_2 * erfcxAny(y * INV_SQRT2); // M_0
  let m = 1 - y * mPrev; // M_1
  const t2 = t * t;
  let coef = t; // t^(2k+1) / (2k+1)!
  let sum = coef * m;
  for (let n = 1; n < 60; n += 2) {
    // M_(n+1) = n M_(n-1) - y M_n ; M_(n+2) = (n+1) M_n - y M_(n+1)
    const mEven = n * mPrev - y * m;
    const mOdd = (n + 1) * m - y * mEven;
    mPrev = mEven;
    m = mOdd;
    coef *= t2 * TAYLOR_RATIO[n]!;
    const term = coef * m;
    sum += term;
    if (Math.abs(term) <= 1e-17 * sum) break;
  }
  return 2 * sum;
}

/**
 * Mills-ratio difference D(y, t) = M(y - t) - M(y + t) for y >= 0, t > 0, so that the
 * normalised OTM call is b = phi0 * D and its log-derivative in s is db/ds / b = 1 / D.
 */
export function millsDifference(y: number, t: number): number {
  if (y - t >= 10) return millsDifferenceAsymptotic(y, t);
  if (y >= 6 && t <= 0.5 * y) return millsDifferenceLaguerre(y, t);
  if (t < 0.05 || (y < 1.5 && t < 0.25)) return millsDifferenceTaylor(y, t);
  return SQRT_PI_OVER_2 * (erfcxAny((y - t) * INV_SQRT2) - erfcxAny((y + t) * INV_SQRT2));
}

/** ln(1 / sqrt(2 pi)). */
export const LN_INV_SQRT_2PI = -0.91893853320467274178032973640561763986;

/**
 * Normalised out-of-the-money Black call b(x, s) for x <= 0 and s >= 0 (0 at s = 0).
 * Relative precision near machine epsilon wherever the value is representable.
 */
export function normalisedBlackOtm(x: number, s: number): number {
  if (!(s > 0)) return s === 0 ? 0 : NaN;
  const h = x / s;
  const t = 0.5 * s;
  const phi0 = INV_SQRT_2PI * fastExp(-0.5 * (h * h + t * t));
  if (h + t > 0.5) {
    // no cancellation danger: plain form, with phi(h + t) = phi0 / ex, phi(h - t) = phi0 ex
    const ex = fastExp(0.5 * x);
    const iex = 1 / ex;
    return ex * normCdfFast(h + t, phi0 * iex) - iex * normCdfFast(h - t, phi0 * ex);
  }
  if (phi0 === 0) return 0;
  return phi0 * millsDifference(-h, t);
}

/**
 * Complement of the normalised OTM call: exp(x/2) - b(x, s) = exp(x/2) Phi(-h-t) +
 * exp(-x/2) Phi(h-t), a sum of positive terms (no cancellation). x <= 0; `ex` = exp(x/2) and
 * `phi0` = exp(-(h^2+t^2)/2)/sqrt(2 pi) may be passed in by a caller that already has them
 * (phi(h+t) = phi0 / ex, phi(h-t) = phi0 * ex).
 */
export function normalisedBlackComplement(
  x: number,
  s: number,
  ex = fastExp(0.5 * x),
  phi0 = normalisedVega(x, s),
): number {
  if (!(s > 0)) return s === 0 ? ex : NaN;
  const h = x / s;
  const t = 0.5 * s;
  const iex = 1 / ex;
  return ex * normCdfFast(-h - t, phi0 * iex) + iex * normCdfFast(h - t, phi0 * ex);
}

/** Normalised vega db/ds = exp(-(h^2 + t^2)/2) / sqrt(2 pi) (= phi0). */
export function normalisedVega(x: number, s: number): number {
  const h = x / s;
  const t = 0.5 * s;
  return INV_SQRT_2PI * fastExp(-0.5 * (h * h + t * t));
}
