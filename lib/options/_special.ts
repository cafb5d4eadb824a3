/**
 * Private special functions for the options kernels: the scaled complementary error function
 * erfcx(x) = exp(x^2) erfc(x), erfc and the normal CDF, unrolled for speed in tight loops.
 *
 * Coefficients are W. J. Cody's rational Chebyshev approximations (CALERF), the same published
 * numbers as lib/core/normal.ts; here they are written out as literals (no array look-ups) and
 * erfcx is exposed so that tails keep full relative precision without the exp(-x^2) factor.
 *
 * @see Cody, W. J. (1969). Rational Chebyshev approximations for the error function.
 *      Math. Comp. 23(107), 631-637. doi:10.1090/S0025-5718-1969-0247736-4
 */

const RSQRTPI = 0.5641895835477562869480794515607725858440;
export const INV_SQRT2 = 0.7071067811865475244008443621048490392848;
export const INV_SQRT_2PI = 0.3989422804014326779399460599343818684759;

/** 1 - erfc(y) * ... for |y| <= 0.46875: returns erf(y) / y. */
function erfOverY(z: number): number {
  // z = y^2
  const xnum = (((1.85777706184603153e-1 * z + 3.16112374387056560e00) * z +
            1.13864154151050156e02) * z + 3.77485237685302021e02) * z + 3.20937758913846947e03;
  const xden = (((z + 2.36012909523441209e01) * z + 2.44024637934444173e02) * z +
        1.28261652607737228e03) * z + 2.84423683343917062e03;
  return xnum / xden;
}

/** erfcx(y) for 0.46875 < y <= 4 (Cody's second interval, without the exp factor). */
function erfcxMid(y: number): number {
  const xnum = (((((((2.15311535474403846e-8 * y + 5.64188496988670089e-1) * y +
                            8.88314979438837594e00) * y + 6.61191906371416295e01) * y +
                    2.98635138197400131e02) *
                  y + 8.81952221241769090e02) * y + 1.71204761263407058e03) * y +
        2.05107837782607147e03) * y + 1.23033935479799725e03;
  const xden = (((((((y + 1.57449261107098347e01) * y + 1.17693950891312499e02) * y +
                        5.37181101862009858e02) * y + 1.62138957456669019e03) * y +
                3.29079923573345963e03) *
              y + 4.36261909014324716e03) * y + 3.43936767414372164e03) * y +
    1.23033935480374942e03;
  return xnum / xden;
}

/** erfcx(y) for y > 4 (Cody's asymptotic interval). */
function erfcxLarge(y: number): number {
  const z = 1 / (y * y);
  const xnum = ((((1.63153871373020978e-2 * z + 3.05326634961232344e-1) * z +
                3.60344899949804439e-1) * z + 1.25781726111229246e-1) * z +
        1.60837851487422766e-2) * z +
    6.58749161529837803e-4;
  const xden = ((((z + 2.56852019228982242e00) * z + 1.87295284992346047e00) * z +
            5.27905102951428412e-1) * z + 6.05183413124413191e-2) * z + 2.33520497626869185e-3;
  return (RSQRTPI - z * xnum / xden) / y;
}

/** exp(-y*y) with the square split so the result keeps full relative precision. */
function expNegSquare(y: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del);
}

/** exp(y*y) with the square split (relative precision for large y). */
function expSquare(y: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(ysq * ysq) * Math.exp(del);
}

/**
 * Scaled complementary error function erfcx(x) = exp(x^2) * erfc(x), relative error about
 * 1e-15 for x >= 0; for x < 0 uses erfcx(x) = 2 exp(x^2) - erfcx(-x) (overflows to Infinity
 * below about -26.6).
 */
export function erfcx(x: number): number {
  if (x >= 0) {
    if (x <= 0.46875) return Math.exp(x * x) * (1 - x * erfOverY(x * x));
    if (x <= 4) return erfcxMid(x);
    return erfcxLarge(x);
  }
  if (x < -26.7) return Infinity;
  return 2 * expSquare(x) - erfcx(-x);
}

/** Complementary error function with full relative precision in the right tail. */
export function erfc(x: number): number {
  const y = x < 0 ? -x : x;
  let r: number;
  if (y <= 0.46875) return 1 - x * erfOverY(x * x);
  if (y <= 4) r = erfcxMid(y) * expNegSquare(y);
  else if (y < 26.543) r = erfcxLarge(y) * expNegSquare(y);
  else r = y === y ? 0 : NaN;
  return x < 0 ? 2 - r : r;
}

/** Standard normal CDF Phi(z) = erfc(-z / sqrt 2) / 2, relative precision in the left tail. */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z * INV_SQRT2);
}

/** Standard normal density. */
export function normPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * Phi(z) given pdf = phi(z) already computed (saves the exponential): for |z| / sqrt 2 above
 * 0.46875 uses erfc(y) = erfcx(y) exp(-y^2) with exp(-y^2) = sqrt(2 pi) phi(z).
 */
export function normCdfFromPdf(z: number, pdf: number): number {
  const y = z < 0 ? -z * INV_SQRT2 : z * INV_SQRT2;
  if (y <= 0.46875) {
    const w = z * INV_SQRT2;
    return 0.5 + 0.5 * w * erfOverY(w * w);
  }
  const tail = 0.5 * SQRT_2PI * pdf * (y <= 4 ? erfcxMid(y) : erfcxLarge(y));
  return z < 0 ? tail : 1 - tail;
}

const SQRT_2PI = 2.5066282746310005024157652848110452530070;
