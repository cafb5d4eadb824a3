/**
 * Private special functions for the options kernels: the scaled complementary error function
 * erfcx(x) = exp(x^2) erfc(x), erfc and the normal CDF, unrolled for speed in tight loops; and
 * the hot-loop kernels fastExp (table-driven exp), erfcxFast / normCdfFast (branch-free
 * piecewise-polynomial erfcx reusing the caller's density), erfcxAny and fastSinh.
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

// ---------------------------------------------------------------------------------------------
// Fast kernels for the hot loops. V8 compiles Math.exp to a call into its C library port (about
// 10 ns here); the table-driven version below is inlined JavaScript (about 3.5 ns) and
// branch-free. (A bit-twiddling log through a shared Float64Array/Uint32Array buffer was tried
// and is slower than Math.log: the store-to-load round trip stalls.)

const EXP_TABLE_BITS = 6;
const EXP_N = 1 << EXP_TABLE_BITS;
// 2^(j/64), j = 0..63, and 2^m for m in [-1100, 1100] (0 and Infinity beyond the double range)
export const EXP_FRAC = Float64Array.from({ length: EXP_N }, (_, j) => Math.pow(2, j / EXP_N));
const EXP_POW2_OFFSET = 1100;
export const EXP_POW2 = Float64Array.from(
  { length: 2 * EXP_POW2_OFFSET + 1 },
  (_, i) => Math.pow(2, i - EXP_POW2_OFFSET),
);
const EXP_INV_STEP = EXP_N / Math.LN2;
// ln2/64 as hi + lo (fdlibm's ln2_hi has 32 significant bits: k * hi is exact for |k| < 2^21)
const EXP_STEP_HI = 6.93147180369123816490e-01 / EXP_N;
const EXP_STEP_LO = 1.90821492927058770002e-10 / EXP_N;
const ROUND_SHIFT = 6755399441055744; // 1.5 * 2^52: (x + ROUND_SHIFT) - ROUND_SHIFT rounds x

/**
 * exp(x) with a relative error of about 1e-16 (Tang's table method: x = k ln2/64 + r,
 * exp(x) = 2^(k/64) exp(r), |r| <= ln2/128, exp(r) - 1 by its degree-5 Taylor polynomial whose
 * truncation error r^6/720 is below 4e-17). NaN gives NaN, large |x| gives 0 or Infinity.
 *
 * @see Tang, P. T. P. (1989). Table-driven implementation of the exponential function in IEEE
 *      floating-point arithmetic. ACM TOMS 15(2), 144-157. doi:10.1145/63522.214389
 */
export function fastExp(x: number): number {
  // clamp (not early returns, which stop V8 from inlining this) so that 2^(k/64) stays inside
  // the table; NaN passes through Math.max / Math.min
  const xc = Math.max(-760, Math.min(760, x));
  const kf = (xc * EXP_INV_STEP + ROUND_SHIFT) - ROUND_SHIFT;
  const r = (xc - kf * EXP_STEP_HI) - kf * EXP_STEP_LO;
  const k = kf | 0;
  // r + r^2/2 + ... + r^5/120 in Estrin form (shorter dependency chain than Horner)
  const r2 = r * r;
  const q = r + r2 * ((0.5 + r * (1 / 6)) + r2 * ((1 / 24) + r * (1 / 120)));
  const f = EXP_FRAC[k & (EXP_N - 1)]!;
  return EXP_POW2[(k >> EXP_TABLE_BITS) + EXP_POW2_OFFSET]! * (f + f * q);
}

// erfcx on [0, 53] as a piecewise polynomial in u = 400 / (4 + y) (the interval layout of
// S. G. Johnson's Faddeeva package: 100 unit intervals in u, degree 6 in t = 2 (u - j) - 1).
// The coefficients are the degree-6 truncated Chebyshev series of Cody's erfcx on each interval
// (32-node discrete Chebyshev transform), computed once at module load: relative error about
// 1.3e-15 against mpmath (Cody's rational forms themselves: 8e-16), see tests.
const ERFCX_DEG = 6;
// a hair below 400 so that y = 0 maps to u < 100 (last interval j = 99, no bounds check needed)
const ERFCX_U_SCALE = 400 - 2 ** -30;
const ERFCX_STRIDE = ERFCX_DEG + 1;
function erfcxTable(): Float64Array {
  const nodes = 32;
  const coef = new Float64Array(100 * ERFCX_STRIDE);
  const f = new Float64Array(nodes);
  const cheb = new Float64Array(ERFCX_STRIDE);
  for (let j = 7; j < 100; j++) { // u in [7, 100]: y in [0, 53.1]
    for (let k = 0; k < nodes; k++) {
      const t = Math.cos(Math.PI * (k + 0.5) / nodes);
      f[k] = erfcx(ERFCX_U_SCALE / (j + 0.5 * (t + 1)) - 4);
    }
    for (let m = 0; m < ERFCX_STRIDE; m++) {
      let sum = 0;
      for (let k = 0; k < nodes; k++) sum += f[k]! * Math.cos(Math.PI * m * (k + 0.5) / nodes);
      cheb[m] = (m === 0 ? 1 : 2) * sum / nodes;
    }
    // Chebyshev -> monomial in t: T_0 = 1, T_1 = t, T_(m+1) = 2 t T_m - T_(m-1)
    let tPrev = new Float64Array(ERFCX_STRIDE);
    let tCur = new Float64Array(ERFCX_STRIDE);
    tPrev[0] = 1;
    tCur[1] = 1;
    const out = coef.subarray(j * ERFCX_STRIDE, (j + 1) * ERFCX_STRIDE);
    for (let i = 0; i < ERFCX_STRIDE; i++) out[i] = cheb[0]! * tPrev[i]! + cheb[1]! * tCur[i]!;
    for (let m = 2; m < ERFCX_STRIDE; m++) {
      const tNext = new Float64Array(ERFCX_STRIDE);
      for (let i = 0; i < ERFCX_STRIDE; i++) {
        tNext[i] = (i > 0 ? 2 * tCur[i - 1]! : 0) - tPrev[i]!;
        out[i] = out[i]! + cheb[m]! * tNext[i]!;
      }
      tPrev = tCur;
      tCur = tNext;
    }
  }
  return coef;
}
export const ERFCX_COEF = erfcxTable();

/**
 * erfcx(y) for 0 <= y <= 46.6 without branches (u = 400 / (4 + y) >= 8). Beyond that it returns
 * a wrong value (0 for y > 53, the intervals u < 7 are left empty): callers that need it there
 * use {@link erfcx}; callers that multiply by exp(-y^2) get 0 either way (underflow).
 */
export function erfcxFast(y: number): number {
  const u = ERFCX_U_SCALE / (4 + y);
  const j = u | 0;
  const t = 2 * (u - j) - 1;
  const b = j * ERFCX_STRIDE;
  const c = ERFCX_COEF;
  // degree-6 polynomial in Estrin form (shorter dependency chain than Horner)
  const t2 = t * t;
  const t4 = t2 * t2;
  return (c[b]! + c[b + 1]! * t) + t2 * (c[b + 2]! + c[b + 3]! * t) +
    t4 * ((c[b + 4]! + c[b + 5]! * t) + t2 * c[b + 6]!);
}

/**
 * Phi(z) given pdf = phi(z): tail = Phi(-|z|) = sqrt(pi/2) pdf erfcx(|z| / sqrt 2), then Phi(z)
 * = tail for z < 0 and 1 - tail otherwise. Full relative precision in the left tail. Beyond
 * |z| = 66 (y > 46.6) erfcxFast returns 0, where pdf has underflowed to 0 anyway.
 */
export function normCdfFast(z: number, pdf: number): number {
  const tail = SQRT_PI_OVER_2 * pdf * erfcxFast(Math.abs(z) * INV_SQRT2);
  return z < 0 ? tail : 1 - tail;
}
const SQRT_PI_OVER_2 = 1.2533141373155002512078826424055226265035;

/** erfcx(x) for any x: the branch-free table on [0, 46], Cody's forms elsewhere. */
export function erfcxAny(x: number): number {
  return x >= 0 && x <= 46 ? erfcxFast(x) : erfcx(x);
}

/**
 * sinh(z) for z >= 0 to about 1 ulp: the odd Taylor series through z^13 below 0.5 (truncation
 * z^14/15! < 5e-17 relative), (e^z - e^-z) / 2 from {@link fastExp} above (no cancellation).
 */
export function fastSinh(z: number): number {
  if (z < 0.5) {
    const z2 = z * z;
    return z + z * z2 * (1 / 6 + z2 * (1 / 120 + z2 * (1 / 5040 + z2 * (1 / 362880 +
                      z2 * (1 / 39916800 + z2 * (1 / 6227020800))))));
  }
  const e = fastExp(z);
  return 0.5 * (e - 1 / e);
}
