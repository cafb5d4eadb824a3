// deno-fmt-ignore-file: deno fmt would drop the AssemblyScript @inline decorators on functions
// @ts-nocheck: AssemblyScript source (f64, v128, load/store are compiler builtins), compiled
// to black_scholes_kernel.wasm by `deno task build-wasm`; Deno never type-checks or runs it.
/**
 * WebAssembly kernels for Black-Scholes-Merton prices and Greeks, two options per step in
 * f64x2 (v128 SIMD) lanes. AssemblyScript source of `black_scholes_kernel.wasm`.
 *
 * The Greeks kernel and the scalar fallback of the price kernel are the same arithmetic,
 * operation for operation, as the scalar TypeScript kernels in `../_black_scholes_scalar.ts`,
 * `../_special.ts` and `../_normalised_black.ts` (same table-driven exp, same piecewise-polynomial
 * erfcx), so their results agree with them to the last bit except through the logarithm
 * (fdlibm's algorithm here, V8's port of the same in JavaScript: within 1 ulp). The tables
 * (2^(j/64), 2^m, the erfcx coefficients, the Gauss-Laguerre rules, the Taylor ratios) are
 * written into `tables` by the TypeScript loader (`../_wasm_kernel.ts`) from the very arrays the
 * scalar kernels use, so there is one source for every coefficient.
 *
 * The price kernel (priceChunk) evaluates the normalised Black function in three regimes instead
 * of the scalar code's five: where the scalar code uses the far-tail asymptotic series or
 * Gauss-Laguerre quadrature (and for y - t >= 4 sqrt 2 generally) it takes the difference of
 * Cody's rational erfcx term by term (vMillsLarge: fixed cost, no cancellation); the erfcx
 * difference and the small-t Taylor series are as in the scalar code. So prices agree with the
 * scalar reference to a few ulp scaled by the conditioning (tests/options/wasm_kernel_test.ts),
 * and with mpmath to the same tolerances as the scalar code (measured: within 0.7 (1 + y^2) eps
 * in the new regime, against 1.6 (1 + y^2) eps for the scalar series and quadrature).
 * The price kernel sorts rows by regime and runs each regime's rows two (or eight) at a time, so
 * a row pays only for its own regime and no lane waits on another's branch.
 *
 * Cost notes (V8's x64 code): v128 constants are read from a memory block (KV_BLOCK) rather than
 * written as v128.const, which V8 rebuilds at every use; 64-bit arithmetic shifts (emulated
 * on SSE) are avoided; an exp that would underflow (a microcode assist of about 100 cycles per
 * lane) is only evaluated where the result is a subnormal.
 *
 * Memory: `ioPtr()` is the start of CHUNK-row input columns (spot, strike, t, rate, div, vol as
 * f64, then isCall as u8) and output columns (price or delta, gamma, vega, theta, rho as f64),
 * see the offsets below; the loader copies a chunk in, calls the kernel and copies results out.
 *
 * @see Tang, P. T. P. (1989). Table-driven implementation of the exponential function in IEEE
 *      floating-point arithmetic. ACM TOMS 15(2), 144-157. doi:10.1145/63522.214389
 * @see Cody, W. J. (1969). Rational Chebyshev approximations for the error function.
 *      Math. Comp. 23(107), 631-637. doi:10.1090/S0025-5718-1969-0247736-4
 * @see Jaeckel, P. (2015). Let's Be Rational. Wilmott 2015(75), 40-53. doi:10.1002/wilm.10395
 */

// ---- memory layout ---------------------------------------------------------------------------

export const CHUNK: i32 = 2048;
// tables (f64 counts): exp fractions 64, powers of two 2201, one pad, erfcx coefficients
// 100 x 8 (7 and a pad each, so an interval's coefficients are four aligned v128 loads),
// Laguerre near (14 nodes + 14 weights), far (8 + 8), Taylor ratios 62
const T_FRAC: i32 = 0;
const T_POW2: i32 = T_FRAC + 64;
const T_ERFCX: i32 = T_POW2 + 2202;
const T_LAG14X: i32 = T_ERFCX + 800;
const T_LAG14W: i32 = T_LAG14X + 14;
const T_LAG8X: i32 = T_LAG14W + 14;
const T_LAG8W: i32 = T_LAG8X + 8;
const T_TAYLOR: i32 = T_LAG8W + 8;
const T_TOTAL: i32 = T_TAYLOR + 62;

const tables: usize = memory.data(T_TOTAL * 8, 16);
// inputs: spot, strike, t, rate, div, vol (f64 columns), isCall (u8 column);
// outputs: 5 f64 columns (price uses the first)
const io: usize = memory.data(CHUNK * 8 * 11 + CHUNK, 16);
const IN_SPOT: usize = io;
const IN_STRIKE: usize = io + CHUNK * 8;
const IN_T: usize = io + CHUNK * 16;
const IN_RATE: usize = io + CHUNK * 24;
const IN_DIV: usize = io + CHUNK * 32;
const IN_VOL: usize = io + CHUNK * 40;
const OUT_0: usize = io + CHUNK * 48;
const OUT_1: usize = io + CHUNK * 56;
const OUT_2: usize = io + CHUNK * 64;
const OUT_3: usize = io + CHUNK * 72;
const OUT_4: usize = io + CHUNK * 80;
const IN_CALL: usize = io + CHUNK * 88;

/** Byte offset of the tables block (f64 array of length tablesLength()). */
export function tablesPtr(): usize {
  return tables;
}
/** Number of f64 in the tables block. */
export function tablesLength(): i32 {
  return T_TOTAL;
}
/** Byte offset of the input/output block (layout above). */
export function ioPtr(): usize {
  return io;
}

@inline function tab(i: i32): f64 {
  return load<f64>(tables + (<usize> i << 3));
}

// ---- constants (the same literals as ../_special.ts) -----------------------------------------

const RSQRTPI: f64 = 0.5641895835477562869480794515607725858440;
const INV_SQRT2: f64 = 0.7071067811865475244008443621048490392848;
const INV_SQRT_2PI: f64 = 0.3989422804014326779399460599343818684759;
const SQRT_PI_OVER_2: f64 = 1.2533141373155002512078826424055226265035;
const EXP_INV_STEP: f64 = 64.0 / 0.6931471805599453; // EXP_N / Math.LN2
const EXP_STEP_HI: f64 = 6.93147180369123816490e-01 / 64.0;
const EXP_STEP_LO: f64 = 1.90821492927058770002e-10 / 64.0;
const ROUND_SHIFT: f64 = 6755399441055744.0;
const ERFCX_U_SCALE: f64 = 400.0 - 9.313225746154785e-10; // 400 - 2^-30

// ---- scalar ports ----------------------------------------------------------------------------

/** Tang's table exp, as fastExp in ../_special.ts. */
function sExp(x: f64): f64 {
  const xc = Math.max(-760.0, Math.min(760.0, x));
  const kf = (xc * EXP_INV_STEP + ROUND_SHIFT) - ROUND_SHIFT;
  const r = (xc - kf * EXP_STEP_HI) - kf * EXP_STEP_LO;
  const k = isNaN(kf) ? 0 : <i32> kf;
  const r2 = r * r;
  const q = r + r2 * ((0.5 + r * (1.0 / 6.0)) + r2 * ((1.0 / 24.0) + r * (1.0 / 120.0)));
  const f = tab(T_FRAC + (k & 63));
  return tab(T_POW2 + (k >> 6) + 1100) * (f + f * q);
}

/** Piecewise-polynomial erfcx for 0 <= y <= 46.6, as erfcxFast in ../_special.ts. */
function sErfcxFast(y: f64): f64 {
  const u = ERFCX_U_SCALE / (4.0 + y);
  const j = isNaN(u) ? 0 : <i32> Math.min(u, 99.0);
  const t = 2.0 * (u - <f64> j) - 1.0;
  const b = T_ERFCX + j * 8;
  const t2 = t * t;
  const t4 = t2 * t2;
  return (tab(b) + tab(b + 1) * t) + t2 * (tab(b + 2) + tab(b + 3) * t) +
    t4 * ((tab(b + 4) + tab(b + 5) * t) + t2 * tab(b + 6));
}

function erfOverY(z: f64): f64 {
  const xnum = (((1.85777706184603153e-1 * z + 3.16112374387056560e00) * z +
            1.13864154151050156e02) * z + 3.77485237685302021e02) * z + 3.20937758913846947e03;
  const xden = (((z + 2.36012909523441209e01) * z + 2.44024637934444173e02) * z +
        1.28261652607737228e03) * z + 2.84423683343917062e03;
  return xnum / xden;
}

function erfcxMid(y: f64): f64 {
  const xnum = (((((((2.15311535474403846e-8 * y + 5.64188496988670089e-1) * y +
                            8.88314979438837594e00) * y + 6.61191906371416295e01) * y +
                    2.98635138197400131e02) * y +
                8.81952221241769090e02) * y + 1.71204761263407058e03) * y +
        2.05107837782607147e03) * y +
    1.23033935479799725e03;
  const xden = (((((((y + 1.57449261107098347e01) * y + 1.17693950891312499e02) * y +
                        5.37181101862009858e02) * y + 1.62138957456669019e03) * y +
                3.29079923573345963e03) * y +
            4.36261909014324716e03) * y + 3.43936767414372164e03) * y + 1.23033935480374942e03;
  return xnum / xden;
}

function erfcxLarge(y: f64): f64 {
  const z = 1.0 / (y * y);
  const xnum = ((((1.63153871373020978e-2 * z + 3.05326634961232344e-1) * z +
                3.60344899949804439e-1) * z + 1.25781726111229246e-1) * z +
        1.60837851487422766e-2) * z +
    6.58749161529837803e-4;
  const xden = ((((z + 2.56852019228982242e00) * z + 1.87295284992346047e00) * z +
            5.27905102951428412e-1) * z + 6.05183413124413191e-2) * z + 2.33520497626869185e-3;
  return (RSQRTPI - z * xnum / xden) / y;
}

function expSquare(y: f64): f64 {
  const ysq = Math.trunc(y * 16.0) / 16.0;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(ysq * ysq) * Math.exp(del);
}

/** Cody's erfcx for any x (erfcx in ../_special.ts). */
function sErfcx(x: f64): f64 {
  if (x >= 0) {
    if (x <= 0.46875) return Math.exp(x * x) * (1.0 - x * erfOverY(x * x));
    if (x <= 4.0) return erfcxMid(x);
    return erfcxLarge(x);
  }
  if (x < -26.7) return Infinity;
  return 2.0 * expSquare(x) - sErfcx(-x);
}

function sErfcxAny(x: f64): f64 {
  return x >= 0 && x <= 46.0 ? sErfcxFast(x) : sErfcx(x);
}

function sNormCdfFast(z: f64, pdf: f64): f64 {
  const tail = SQRT_PI_OVER_2 * pdf * sErfcxFast(Math.abs(z) * INV_SQRT2);
  return z < 0 ? tail : 1.0 - tail;
}

function sSinh(z: f64): f64 {
  if (z < 0.5) {
    const z2 = z * z;
    return z + z * z2 * (1.0 / 6.0 + z2 * (1.0 / 120.0 + z2 * (1.0 / 5040.0 + z2 * (1.0 /
                        362880.0 + z2 * (1.0 / 39916800.0 + z2 * (1.0 / 6227020800.0))))));
  }
  const e = sExp(z);
  return 0.5 * (e - 1.0 / e);
}

/** Gauss-Laguerre form of the Mills-ratio difference (y >= 6), as in ../_normalised_black.ts. */
function millsLaguerre(y: f64, t: f64): f64 {
  const near = y < 12.0;
  const xs = near ? T_LAG14X : T_LAG8X;
  const ws = near ? T_LAG14W : T_LAG8W;
  const m = near ? 14 : 8;
  const iy = 1.0 / y;
  const a = 0.5 * iy * iy;
  const c = t * iy;
  let sum = 0.0;
  for (let i = 0; i < m; i++) {
    const w = tab(xs + i);
    sum += tab(ws + i) * sExp(-a * w * w) * sSinh(c * w);
  }
  return 2.0 * iy * sum;
}

/** Far-tail asymptotic series (y - t >= 10), as in ../_normalised_black.ts. */
function millsAsymptotic(y: f64, t: f64): f64 {
  const a = 1.0 / (y - t);
  const b = 1.0 / (y + t);
  const amb = 2.0 * t * a * b;
  let sN = 1.0;
  let bN = b;
  let coef = 1.0;
  let sum = amb;
  for (let j = 1; j < 60; j++) {
    sN = a * sN + bN;
    bN *= b;
    sN = a * sN + bN;
    bN *= b;
    coef *= -<f64> (2 * j - 1);
    const term = coef * amb * sN;
    sum += term;
    if (Math.abs(term) <= 1e-17 * sum) break;
  }
  return sum;
}

/** Small-t Taylor series with Mills-ratio moments, as in ../_normalised_black.ts. */
function millsTaylor(y: f64, t: f64): f64 {
  let mPrev = SQRT_PI_OVER_2 * sErfcxAny(y * INV_SQRT2);
  let m = 1.0 - y * mPrev;
  const t2 = t * t;
  let coef = t;
  let sum = coef * m;
  for (let n = 1; n < 60; n += 2) {
    const mEven = <f64> n * mPrev - y * m;
    const mOdd = <f64> (n + 1) * m - y * mEven;
    mPrev = mEven;
    m = mOdd;
    coef *= t2 * tab(T_TAYLOR + n);
    const term = coef * m;
    sum += term;
    if (Math.abs(term) <= 1e-17 * sum) break;
  }
  return 2.0 * sum;
}

function millsDifference(y: f64, t: f64): f64 {
  if (y - t >= 10.0) return millsAsymptotic(y, t);
  if (y >= 6.0 && t <= 0.5 * y) return millsLaguerre(y, t);
  if (t < 0.05 || (y < 1.5 && t < 0.25)) return millsTaylor(y, t);
  return SQRT_PI_OVER_2 * (sErfcxAny((y - t) * INV_SQRT2) - sErfcxAny((y + t) * INV_SQRT2));
}

function normalisedBlackOtm(x: f64, s: f64): f64 {
  if (!(s > 0)) return s == 0 ? 0.0 : NaN;
  const h = x / s;
  const t = 0.5 * s;
  const phi0 = INV_SQRT_2PI * sExp(-0.5 * (h * h + t * t));
  if (h + t > 0.5) {
    const ex = sExp(0.5 * x);
    const iex = 1.0 / ex;
    return ex * sNormCdfFast(h + t, phi0 * iex) - iex * sNormCdfFast(h - t, phi0 * ex);
  }
  if (phi0 == 0) return 0.0;
  return phi0 * millsDifference(-h, t);
}

@inline function validInputs(s: f64, k: f64, t: f64, v: f64): bool {
  return s > 0 && k > 0 && t >= 0 && v >= 0 && s + k + t + v < Infinity;
}

/** One option's price, the scalar path (bsPrice in ../black_scholes.ts). */
function priceOne(i: usize): f64 {
  const o = i << 3;
  const S = load<f64>(IN_SPOT + o);
  const K = load<f64>(IN_STRIKE + o);
  const T = load<f64>(IN_T + o);
  const r = load<f64>(IN_RATE + o);
  const q = load<f64>(IN_DIV + o);
  const v = load<f64>(IN_VOL + o);
  if (!validInputs(S, K, T, v) || isNaN(r) || isNaN(q)) return NaN;
  const eq = sExp(-q * T);
  const er = sExp(-r * T);
  const sqT = Math.sqrt(T);
  const dS = S * eq;
  const dK = K * er;
  const x = Math.log(S / K) + (r - q) * T;
  const theta: f64 = load<u8>(IN_CALL + i) == 1 ? 1.0 : -1.0;
  const intrinsic = theta * x > 0 ? theta * (dS - dK) : 0.0;
  const s = v * sqT;
  const ax = x < 0 ? x : -x;
  return intrinsic + Math.sqrt(dS * dK) * normalisedBlackOtm(ax, s);
}

/** One option's Greeks, the scalar path (bsGreeks in ../black_scholes.ts). */
function greeksOne(i: usize): void {
  const o = i << 3;
  const S = load<f64>(IN_SPOT + o);
  const K = load<f64>(IN_STRIKE + o);
  const T = load<f64>(IN_T + o);
  const r = load<f64>(IN_RATE + o);
  const q = load<f64>(IN_DIV + o);
  const v = load<f64>(IN_VOL + o);
  if (!validInputs(S, K, T, v) || isNaN(r) || isNaN(q)) {
    store<f64>(OUT_0 + o, NaN);
    store<f64>(OUT_1 + o, NaN);
    store<f64>(OUT_2 + o, NaN);
    store<f64>(OUT_3 + o, NaN);
    store<f64>(OUT_4 + o, NaN);
    return;
  }
  const call = load<u8>(IN_CALL + i) == 1;
  const eq = sExp(-q * T);
  const er = sExp(-r * T);
  const sqT = Math.sqrt(T);
  const s = v * sqT;
  if (s == 0) {
    const fwdMinusK = S * Math.exp((r - q) * T) - K;
    const itm = call ? fwdMinusK > 0 : fwdMinusK < 0;
    store<f64>(OUT_1 + o, 0.0);
    store<f64>(OUT_2 + o, 0.0);
    if (itm) {
      const sg: f64 = call ? 1.0 : -1.0;
      store<f64>(OUT_0 + o, sg * eq);
      store<f64>(OUT_3 + o, sg * (q * S * eq - r * K * er));
      store<f64>(OUT_4 + o, sg * K * T * er);
    } else {
      store<f64>(OUT_0 + o, 0.0);
      store<f64>(OUT_3 + o, 0.0);
      store<f64>(OUT_4 + o, 0.0);
    }
    return;
  }
  const invSs = 1.0 / (S * s);
  const invS = S * invSs;
  const seq = S * eq;
  const ker = K * er;
  const ratio = seq / ker;
  const gammaPerPdf = eq * invSs;
  const decayPerPdf = -0.5 * seq * v * v * invS;
  const th: f64 = call ? 1.0 : -1.0;
  const d1 = (Math.log(S / K) + (r - q) * T) * invS + 0.5 * s;
  const d2 = d1 - s;
  const pdf = INV_SQRT_2PI * sExp(-0.5 * d1 * d1);
  const pdf2 = pdf > 1e-280 ? pdf * ratio : INV_SQRT_2PI * sExp(-0.5 * d2 * d2);
  store<f64>(OUT_1 + o, gammaPerPdf * pdf);
  store<f64>(OUT_2 + o, seq * pdf * sqT);
  const n1 = sNormCdfFast(th * d1, pdf);
  const n2 = sNormCdfFast(th * d2, pdf2);
  store<f64>(OUT_0 + o, th * eq * n1);
  store<f64>(OUT_3 + o, decayPerPdf * pdf + th * (q * seq * n1 - r * ker * n2));
  store<f64>(OUT_4 + o, th * ker * T * n2);
}

// ---- f64x2 kernels ---------------------------------------------------------------------------

// v128 constants. V8 (x64) builds a v128.const where it is used, from a 64-bit immediate
// moved through a general register and duplicated (three instructions, one a cross-domain
// move), and does not hoist it out of loops; the kernels below read their constants from this
// block instead (one load each). The start function fills it (the stores at the end of this
// file); slot numbers:
const KV_COUNT: i32 = 60;
const KV_BLOCK: usize = memory.data(KV_COUNT * 16, 16);
const K_EXP_ARG_MAX: i32 = 0; // f64x2.splat(760.0)
const K_EXP_ARG_MIN: i32 = 1; // f64x2.splat(-760.0)
const K_EXP_INV_STEP: i32 = 2; // f64x2.splat(EXP_INV_STEP)
const K_ROUND_SHIFT: i32 = 3; // f64x2.splat(ROUND_SHIFT)
const K_EXP_STEP_HI: i32 = 4; // f64x2.splat(EXP_STEP_HI)
const K_EXP_STEP_LO: i32 = 5; // f64x2.splat(EXP_STEP_LO)
const KI_ROUND_SHIFT_BITS: i32 = 6; // i64x2.splat(0x4338000000000000)
const K_HALF: i32 = 7; // f64x2.splat(0.5)
const K_1_OVER_6: i32 = 8; // f64x2.splat(1.0 / 6.0)
const K_1_OVER_24: i32 = 9; // f64x2.splat(1.0 / 24.0)
const K_1_OVER_120: i32 = 10; // f64x2.splat(1.0 / 120.0)
const K_1_OVER_64: i32 = 11; // f64x2.splat(1.0 / 64.0)
const K_EXP_BIAS_SHIFT: i32 = 12; // f64x2.splat(1023.0 + ROUND_SHIFT)
const KI_LOG_OFFSET: i32 = 13; // i64x2.splat(0x3ff0000000000000 - 0x3fe6a09e667f3bcd)
const KI_EXP_BIAS: i32 = 14; // i64x2.splat(1023)
const K_LOG_BIAS_SHIFT: i32 = 15; // f64x2.splat(6755399441055744.0 + 1023.0)
const K_ONE: i32 = 16; // f64x2.splat(1.0)
const K_TWO: i32 = 17; // f64x2.splat(2.0)
const K_LG2: i32 = 18; // f64x2.splat(LG2)
const K_LG4: i32 = 19; // f64x2.splat(LG4)
const K_LG6: i32 = 20; // f64x2.splat(LG6)
const K_LG1: i32 = 21; // f64x2.splat(LG1)
const K_LG3: i32 = 22; // f64x2.splat(LG3)
const K_LG5: i32 = 23; // f64x2.splat(LG5)
const K_LG7: i32 = 24; // f64x2.splat(LG7)
const K_LN2_HI: i32 = 25; // f64x2.splat(LN2_HI)
const K_LN2_LO: i32 = 26; // f64x2.splat(LN2_LO)
const K_ERFCX_U_SCALE: i32 = 27; // f64x2.splat(ERFCX_U_SCALE)
const K_FOUR: i32 = 28; // f64x2.splat(4.0)
const KI_ERFCX_LAST: i32 = 29; // i32x4.splat(99)
const K_SQRT_PI_OVER_2: i32 = 30; // f64x2.splat(SQRT_PI_OVER_2)
const K_INV_SQRT2: i32 = 31; // f64x2.splat(INV_SQRT2)
const K_INF: i32 = 32; // f64x2.splat(Infinity)
const K_MIN_NORMAL: i32 = 33; // f64x2.splat(2.2250738585072014e-308)
const KI_ONE_I64: i32 = 34; // i64x2.splat(1)
const K_TAYLOR_TOL: i32 = 35; // f64x2.splat(1e-17)
const K_SQRT2: i32 = 36; // f64x2.splat(SQRT2)
const K_CP5: i32 = 37; // f64x2.splat(CP5)
const K_CQ4: i32 = 38; // f64x2.splat(CQ4)
const K_CP4: i32 = 39; // f64x2.splat(CP4)
const K_CP3: i32 = 40; // f64x2.splat(CP3)
const K_CP2: i32 = 41; // f64x2.splat(CP2)
const K_CP1: i32 = 42; // f64x2.splat(CP1)
const K_CP0: i32 = 43; // f64x2.splat(CP0)
const K_CQ3: i32 = 44; // f64x2.splat(CQ3)
const K_CQ2: i32 = 45; // f64x2.splat(CQ2)
const K_CQ1: i32 = 46; // f64x2.splat(CQ1)
const K_CQ0: i32 = 47; // f64x2.splat(CQ0)
const K_RSQRTPI: i32 = 48; // f64x2.splat(RSQRTPI)
const K_NEG_HALF: i32 = 49; // f64x2.splat(-0.5)
const K_PHI_ARG_NORMAL: i32 = 50; // f64x2.splat(PHI_ARG_NORMAL)
const K_PHI_ARG_ZERO: i32 = 51; // f64x2.splat(PHI_ARG_ZERO)
const K_INV_SQRT_2PI: i32 = 52; // f64x2.splat(INV_SQRT_2PI)
const K_LARGE_FROM: i32 = 53; // f64x2.splat(LARGE_FROM)
const K_TAYLOR_T: i32 = 54; // f64x2.splat(0.05)
const K_TAYLOR_Y: i32 = 55; // f64x2.splat(1.5)
const K_TAYLOR_T_NEAR: i32 = 56; // f64x2.splat(0.25)
const K_ERFCX_TABLE_END: i32 = 57; // f64x2.splat(46.0 * SQRT2)
const K_PDF_FLOOR: i32 = 58; // f64x2.splat(1e-280)
const K_EXP_ARG_NORMAL: i32 = 59; // f64x2.splat(708.0)

/** The v128 constant in slot `slot` of KV_BLOCK. */
@inline function kv(slot: i32): v128 {
  return v128.load(KV_BLOCK + (<usize> slot << 4));
}


@inline function splat(x: f64): v128 {
  return f64x2.splat(x);
}
@inline function add(a: v128, b: v128): v128 {
  return f64x2.add(a, b);
}
@inline function sub(a: v128, b: v128): v128 {
  return f64x2.sub(a, b);
}
@inline function mul(a: v128, b: v128): v128 {
  return f64x2.mul(a, b);
}
@inline function div(a: v128, b: v128): v128 {
  return f64x2.div(a, b);
}

/** mask ? a : b, lane by lane. */
@inline function select(mask: v128, a: v128, b: v128): v128 {
  return v128.bitselect(a, b, mask);
}
@inline function lane0(a: v128): f64 {
  return f64x2.extract_lane(a, 0);
}
@inline function lane1(a: v128): f64 {
  return f64x2.extract_lane(a, 1);
}

/** Tang's table exp in two lanes (sExp, bit for bit). */
@inline function vExp(x: v128): v128 {
  // pmin/pmax (one instruction each on x64; min/max need a NaN-propagating sequence): with x
  // as the first operand a NaN passes through, as with Math.min/max in fastExp
  const xc = f64x2.pmax(f64x2.pmin(x, kv(K_EXP_ARG_MAX)), kv(K_EXP_ARG_MIN));
  const kr = add(mul(xc, kv(K_EXP_INV_STEP)), kv(K_ROUND_SHIFT));
  const kf = sub(kr, kv(K_ROUND_SHIFT));
  const r = sub(sub(xc, mul(kf, kv(K_EXP_STEP_HI))), mul(kf, kv(K_EXP_STEP_LO)));
  // k = kf as an integer: the low mantissa bits of kr = kf + 1.5 * 2^52 (|k| < 2^31; a NaN lane
  // gives some k, and a NaN result through q)
  const k = i64x2.sub(kr, kv(KI_ROUND_SHIFT_BITS));
  const k0 = i32x4.extract_lane(k, 0) & 63;
  const k1 = i32x4.extract_lane(k, 2) & 63;
  const r2 = mul(r, r);
  const q = add(
    r,
    mul(
      r2,
      add(
        add(kv(K_HALF), mul(r, kv(K_1_OVER_6))),
        mul(r2, add(kv(K_1_OVER_24), mul(r, kv(K_1_OVER_120)))),
      ),
    ),
  );
  const f = v128.load64_lane(
    tables + (<usize> (T_FRAC + k1) << 3),
    v128.load64_zero(tables + (<usize> (T_FRAC + k0) << 3)),
    1,
  );
  // 2^m, m = k >> 6 in [-1097, 1096], as 2^m1 * 2^m2 built from exponent bits (m1 = m >> 1,
  // m2 = m - m1, both normal): the first product is exact, the second rounds once, so the result
  // equals the table's 2^m * (f + f q) wherever 2^m is representable (the scalar fastExp).
  // m, m1 and m2 are computed exactly in f64 (floor of kf / 64, of m / 2; SSE has no 64-bit
  // arithmetic shift, which V8 would emulate in several instructions), and m1 + 1023 reaches
  // the exponent field as the low bits of m1 + 1023 + 1.5 * 2^52 shifted left by 52
  const mf = f64x2.floor(mul(kf, kv(K_1_OVER_64)));
  const m1f = f64x2.floor(mul(mf, kv(K_HALF)));
  const p1 = i64x2.shl(add(m1f, kv(K_EXP_BIAS_SHIFT)), 52);
  const p2 = i64x2.shl(add(sub(mf, m1f), kv(K_EXP_BIAS_SHIFT)), 52);
  return mul(p1, mul(p2, add(f, mul(f, q))));
}

/**
 * vExp for -708 <= x <= 709 (the caller guarantees it): there 2^m is normal, so one scaling
 * 2^m (f + f q) gives the same exact product as vExp's two, without the clamp (bit for bit
 * vExp, and sExp, on that range).
 */
@inline function vExpNormal(x: v128): v128 {
  const kr = add(mul(x, kv(K_EXP_INV_STEP)), kv(K_ROUND_SHIFT));
  const kf = sub(kr, kv(K_ROUND_SHIFT));
  const r = sub(sub(x, mul(kf, kv(K_EXP_STEP_HI))), mul(kf, kv(K_EXP_STEP_LO)));
  const k = i64x2.sub(kr, kv(KI_ROUND_SHIFT_BITS));
  const k0 = i32x4.extract_lane(k, 0) & 63;
  const k1 = i32x4.extract_lane(k, 2) & 63;
  const r2 = mul(r, r);
  const q = add(
    r,
    mul(
      r2,
      add(
        add(kv(K_HALF), mul(r, kv(K_1_OVER_6))),
        mul(r2, add(kv(K_1_OVER_24), mul(r, kv(K_1_OVER_120)))),
      ),
    ),
  );
  const f = v128.load64_lane(
    tables + (<usize> (T_FRAC + k1) << 3),
    v128.load64_zero(tables + (<usize> (T_FRAC + k0) << 3)),
    1,
  );
  const p = i64x2.shl(add(f64x2.floor(mul(kf, kv(K_1_OVER_64))), kv(K_EXP_BIAS_SHIFT)), 52);
  return mul(p, add(f, mul(f, q)));
}

// fdlibm's log: x = 2^k z, z in [sqrt(2)/2, sqrt(2)), f = z - 1, s = f / (2 + f),
// log(1 + f) = f - (f^2/2 - s (f^2/2 + R(s^2))) with R minimax of degree 14 in s (error < 1 ulp)
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;

/** Natural log in two lanes for positive normal finite x (callers route other x elsewhere). */
@inline function vLog(x: v128): v128 {
  // subtracting the bits of sqrt(2)/2 puts z in [sqrt(2)/2, sqrt(2)) (musl's trick); here
  // k + 1023 = (bits(x) - bits(sqrt(2)/2) + bits(1.0)) >> 52 is taken with a logical shift
  // (the operand is positive for positive x; SSE has no 64-bit arithmetic shift)
  const kb = i64x2.shr_u(i64x2.add(x, kv(KI_LOG_OFFSET)), 52);
  const iz = i64x2.sub(x, i64x2.shl(i64x2.sub(kb, kv(KI_EXP_BIAS)), 52));
  // k as f64 without leaving the vector: bits of 2^52 + 2^51 + (k + 1023), minus
  // 2^52 + 2^51 + 1023
  const kd = sub(i64x2.add(kb, kv(KI_ROUND_SHIFT_BITS)), kv(K_LOG_BIAS_SHIFT));
  const f = sub(iz, kv(K_ONE));
  const s = div(f, add(kv(K_TWO), f));
  const z = mul(s, s);
  const w = mul(z, z);
  const t1 = mul(w, add(kv(K_LG2), mul(w, add(kv(K_LG4), mul(w, kv(K_LG6))))));
  const t2 = mul(
    z,
    add(kv(K_LG1), mul(w, add(kv(K_LG3), mul(w, add(kv(K_LG5), mul(w, kv(K_LG7))))))),
  );
  const R = add(t2, t1);
  const hfsq = mul(mul(kv(K_HALF), f), f);
  return sub(
    mul(kd, kv(K_LN2_HI)),
    sub(sub(hfsq, add(mul(s, add(hfsq, R)), mul(kd, kv(K_LN2_LO)))), f),
  );
}

/** erfcx for 0 <= y <= 46.6 in two lanes (sErfcxFast, bit for bit). */
@inline function vErfcxFast(y: v128): v128 {
  const u = div(kv(K_ERFCX_U_SCALE), add(kv(K_FOUR), y));
  const uf = f64x2.trunc(u);
  // j = uf as an integer: the low 32 bits of uf + 1.5 * 2^52 (lanes 0 and 2), clamped so that
  // a lane whose result is discarded (y < 0 or NaN) never reads outside the table
  const ji = i32x4.min_s(
    i32x4.max_s(add(uf, kv(K_ROUND_SHIFT)), i32x4.splat(0)),
    kv(KI_ERFCX_LAST),
  );
  const j0 = i32x4.extract_lane(ji, 0);
  const j1 = i32x4.extract_lane(ji, 2);
  const t = sub(mul(kv(K_TWO), sub(u, uf)), kv(K_ONE));
  // each lane's 8 coefficients as four v128 loads, then lane k of both into one vector
  const a = tables + (<usize> (T_ERFCX + (j0 << 3)) << 3);
  const b = tables + (<usize> (T_ERFCX + (j1 << 3)) << 3);
  const a01 = v128.load(a);
  const a23 = v128.load(a, 16);
  const a45 = v128.load(a, 32);
  const a67 = v128.load(a, 48);
  const b01 = v128.load(b);
  const b23 = v128.load(b, 16);
  const b45 = v128.load(b, 32);
  const b67 = v128.load(b, 48);
  const c0 = v128.shuffle<f64>(a01, b01, 0, 2);
  const c1 = v128.shuffle<f64>(a01, b01, 1, 3);
  const c2 = v128.shuffle<f64>(a23, b23, 0, 2);
  const c3 = v128.shuffle<f64>(a23, b23, 1, 3);
  const c4 = v128.shuffle<f64>(a45, b45, 0, 2);
  const c5 = v128.shuffle<f64>(a45, b45, 1, 3);
  const c6 = v128.shuffle<f64>(a67, b67, 0, 2);
  const t2 = mul(t, t);
  const t4 = mul(t2, t2);
  return add(
    add(add(c0, mul(c1, t)), mul(t2, add(c2, mul(c3, t)))),
    mul(t4, add(add(c4, mul(c5, t)), mul(t2, c6))),
  );
}

/** Phi(z) given pdf = phi(z), two lanes (sNormCdfFast, bit for bit). */
@inline function vNormCdfFast(z: v128, pdf: v128): v128 {
  const tail = mul(
    mul(kv(K_SQRT_PI_OVER_2), pdf),
    vErfcxFast(mul(f64x2.abs(z), kv(K_INV_SQRT2))),
  );
  return select(f64x2.lt(z, splat(0.0)), tail, sub(kv(K_ONE), tail));
}

/** Lanes of `ok` (a mask) as a 2-bit set: bit i set when lane i is true. */
@inline function bits(mask: v128): i32 {
  return i64x2.bitmask(mask);
}

/** Validity mask of two options (validInputs plus finite rate and dividend). */
@inline function vValid(S: v128, K: v128, T: v128, v: v128, r: v128, q: v128): v128 {
  const zero = splat(0.0);
  const pos = v128.and(f64x2.gt(S, zero), f64x2.gt(K, zero));
  const nonneg = v128.and(f64x2.ge(T, zero), f64x2.ge(v, zero));
  const finite = f64x2.lt(add(add(add(S, K), T), v), kv(K_INF));
  const rq = v128.and(f64x2.eq(r, r), f64x2.eq(q, q));
  return v128.and(v128.and(pos, nonneg), v128.and(finite, rq));
}

/** Normal, finite, positive: the domain of vLog. */
@inline function vLogDomain(x: v128): v128 {
  return v128.and(f64x2.ge(x, kv(K_MIN_NORMAL)), f64x2.lt(x, kv(K_INF)));
}

/** Mask of the call rows of the pair at i: isCall bytes spread to the two 64-bit lanes. */
@inline function vCallMask(i: usize): v128 {
  const c = v128.load16_splat(IN_CALL + i);
  // byte 0 to lane 0's low byte, byte 1 to lane 1's, zero elsewhere (index -1: out of range)
  const lanes = i8x16.swizzle(
    c,
    i8x16(0, -1, -1, -1, -1, -1, -1, -1, 1, -1, -1, -1, -1, -1, -1, -1),
  );
  return i64x2.eq(lanes, kv(KI_ONE_I64));
}

@inline function vTheta(i: usize): v128 {
  const c0: f64 = load<u8>(IN_CALL + i) == 1 ? 1.0 : -1.0;
  const c1: f64 = load<u8>(IN_CALL + i + 1) == 1 ? 1.0 : -1.0;
  return f64x2(c0, c1);
}

// The results of the second to fourth pair of vMillsTaylor4 (an AssemblyScript function returns
// one value).
let taylorB: v128 = f64x2.splat(0.0);
let taylorC: v128 = f64x2.splat(0.0);
let taylorD: v128 = f64x2.splat(0.0);

/**
 * Small-t Taylor series D = 2 sum_k t^(2k+1)/(2k+1)! M_(2k+1)(y) with the forward moment
 * recursion M_(n+1) = n M_(n-1) - y M_n from M_0 = M(y), M_1 = 1 - y M(y) (millsTaylor in
 * ../_normalised_black.ts), for four pairs of lanes at once: the recursion is one long
 * dependency chain per lane, so four independent chains keep the pipeline busy. The loop adds
 * two terms per trip and ends when every lane's last term is below 1e-17 of its sum (a lane
 * that got there earlier keeps adding its smaller terms). The first pair's result is returned, the others are left in
 * taylorB, taylorC, taylorD.
 */
function vMillsTaylor4(
  yA: v128, tA: v128, yB: v128, tB: v128, yC: v128, tC: v128, yD: v128, tD: v128,
): v128 {
  let mPrevA = mul(kv(K_SQRT_PI_OVER_2), vErfcxFast(mul(yA, kv(K_INV_SQRT2))));
  let mPrevB = mul(kv(K_SQRT_PI_OVER_2), vErfcxFast(mul(yB, kv(K_INV_SQRT2))));
  let mPrevC = mul(kv(K_SQRT_PI_OVER_2), vErfcxFast(mul(yC, kv(K_INV_SQRT2))));
  let mPrevD = mul(kv(K_SQRT_PI_OVER_2), vErfcxFast(mul(yD, kv(K_INV_SQRT2))));
  let mA = sub(kv(K_ONE), mul(yA, mPrevA));
  let mB = sub(kv(K_ONE), mul(yB, mPrevB));
  let mC = sub(kv(K_ONE), mul(yC, mPrevC));
  let mD = sub(kv(K_ONE), mul(yD, mPrevD));
  const t2A = mul(tA, tA);
  const t2B = mul(tB, tB);
  const t2C = mul(tC, tC);
  const t2D = mul(tD, tD);
  let coefA = tA;
  let coefB = tB;
  let coefC = tC;
  let coefD = tD;
  let sumA = mul(coefA, mA);
  let sumB = mul(coefB, mB);
  let sumC = mul(coefC, mC);
  let sumD = mul(coefD, mD);
  // two terms per trip, one convergence test
  for (let n = 1; n < 60; n += 4) {
    {
      const nf = splat(<f64> n);
      const n1f = splat(<f64> (n + 1));
      const mEvenA = sub(mul(nf, mPrevA), mul(yA, mA));
      const mEvenB = sub(mul(nf, mPrevB), mul(yB, mB));
      const mEvenC = sub(mul(nf, mPrevC), mul(yC, mC));
      const mEvenD = sub(mul(nf, mPrevD), mul(yD, mD));
      const mOddA = sub(mul(n1f, mA), mul(yA, mEvenA));
      const mOddB = sub(mul(n1f, mB), mul(yB, mEvenB));
      const mOddC = sub(mul(n1f, mC), mul(yC, mEvenC));
      const mOddD = sub(mul(n1f, mD), mul(yD, mEvenD));
      mPrevA = mEvenA;
      mA = mOddA;
      mPrevB = mEvenB;
      mB = mOddB;
      mPrevC = mEvenC;
      mC = mOddC;
      mPrevD = mEvenD;
      mD = mOddD;
      const ratio = splat(tab(T_TAYLOR + n));
      coefA = mul(coefA, mul(t2A, ratio));
      coefB = mul(coefB, mul(t2B, ratio));
      coefC = mul(coefC, mul(t2C, ratio));
      coefD = mul(coefD, mul(t2D, ratio));
      const termA = mul(coefA, mA);
      const termB = mul(coefB, mB);
      const termC = mul(coefC, mC);
      const termD = mul(coefD, mD);
      sumA = add(sumA, termA);
      sumB = add(sumB, termB);
      sumC = add(sumC, termC);
      sumD = add(sumD, termD);
}
    const nf = splat(<f64> (n + 2));
    const n1f = splat(<f64> (n + 3));
    const mEvenA = sub(mul(nf, mPrevA), mul(yA, mA));
    const mEvenB = sub(mul(nf, mPrevB), mul(yB, mB));
    const mEvenC = sub(mul(nf, mPrevC), mul(yC, mC));
    const mEvenD = sub(mul(nf, mPrevD), mul(yD, mD));
    const mOddA = sub(mul(n1f, mA), mul(yA, mEvenA));
    const mOddB = sub(mul(n1f, mB), mul(yB, mEvenB));
    const mOddC = sub(mul(n1f, mC), mul(yC, mEvenC));
    const mOddD = sub(mul(n1f, mD), mul(yD, mEvenD));
    mPrevA = mEvenA;
    mA = mOddA;
    mPrevB = mEvenB;
    mB = mOddB;
    mPrevC = mEvenC;
    mC = mOddC;
    mPrevD = mEvenD;
    mD = mOddD;
    const ratio = splat(tab(T_TAYLOR + n + 2));
    coefA = mul(coefA, mul(t2A, ratio));
    coefB = mul(coefB, mul(t2B, ratio));
    coefC = mul(coefC, mul(t2C, ratio));
    coefD = mul(coefD, mul(t2D, ratio));
    const termA = mul(coefA, mA);
    const termB = mul(coefB, mB);
    const termC = mul(coefC, mC);
    const termD = mul(coefD, mD);
    sumA = add(sumA, termA);
    sumB = add(sumB, termB);
    sumC = add(sumC, termC);
    sumD = add(sumD, termD);
    // done when every lane's term is below 1e-17 of its sum (later terms are smaller still)
    const small = v128.and(
      v128.and(
        f64x2.le(f64x2.abs(termA), mul(kv(K_TAYLOR_TOL), sumA)),
        f64x2.le(f64x2.abs(termB), mul(kv(K_TAYLOR_TOL), sumB)),
      ),
      v128.and(
        f64x2.le(f64x2.abs(termC), mul(kv(K_TAYLOR_TOL), sumC)),
        f64x2.le(f64x2.abs(termD), mul(kv(K_TAYLOR_TOL), sumD)),
      ),
    );
    if (v128.all_true<i64>(small)) break;
  }
  taylorB = mul(kv(K_TWO), sumB);
  taylorC = mul(kv(K_TWO), sumC);
  taylorD = mul(kv(K_TWO), sumD);
  return mul(kv(K_TWO), sumA);
}

// Cody's rational form of erfcx for z >= 4: erfcx(z) = (1/sqrt(pi) - w P(w) / Q(w)) / z, w = 1/z^2
// (the coefficients of erfcxLarge above and of ../_special.ts)
const CP0: f64 = 6.58749161529837803e-4;
const CP1: f64 = 1.60837851487422766e-2;
const CP2: f64 = 1.25781726111229246e-1;
const CP3: f64 = 3.60344899949804439e-1;
const CP4: f64 = 3.05326634961232344e-1;
const CP5: f64 = 1.63153871373020978e-2;
const CQ0: f64 = 2.33520497626869185e-3;
const CQ1: f64 = 6.05183413124413191e-2;
const CQ2: f64 = 5.27905102951428412e-1;
const CQ3: f64 = 1.87295284992346047e00;
const CQ4: f64 = 2.56852019228982242e00;
const SQRT2: f64 = 1.4142135623730950488016887242096980785697;
/** Where vMillsLarge applies: y - t >= 4 sqrt 2 (both erfcx arguments >= 4). */
const LARGE_FROM: f64 = 5.656854249492380195206754896838792314;
/** exp(a) is normal for a >= PHI_ARG_NORMAL and rounds to 0 for a < PHI_ARG_ZERO (sExp too). */
const PHI_ARG_NORMAL: f64 = -708.0;
const PHI_ARG_ZERO: f64 = -746.0;

/**
 * Mills-ratio difference D(y, t) = sqrt(pi/2) (erfcx(z1) - erfcx(z2)), z1 = (y - t)/sqrt 2 >= 4,
 * z2 = (y + t)/sqrt 2, in two lanes at a fixed cost and without cancellation: the difference of
 * Cody's rational form is taken term by term as divided differences,
 *   E(z1) - E(z2) = d i1 i2 (1/sqrt(pi) - R1 (w1 + i1 i2 + w2)) - w2 i2 (R1 - R2),
 *   R1 - R2 = (w1 - w2) (dP - R2 dQ) / Q1,   w1 - w2 = d (z1 + z2) w1 w2,
 * with d = z2 - z1 = sqrt(2) t, i = 1/z, w = 1/z^2, R = P/Q, and dP = (P(w1) - P(w2))/(w1 - w2)
 * from the Horner recursion e_j = e_(j+1) w1 + A_(j+1)(w2) (positive coefficients and
 * arguments: no cancellation). The subtracted terms are below 10 % of the leading one, so the
 * relative error stays within a few ulp for any t > 0 (the plain difference loses y / (2 t)).
 */
@inline function vMillsLarge(y: v128, t: v128): v128 {
  const z1 = mul(sub(y, t), kv(K_INV_SQRT2));
  const z2 = mul(add(y, t), kv(K_INV_SQRT2));
  const d = mul(t, kv(K_SQRT2));
  const iz = div(kv(K_ONE), mul(z1, z2));
  const i1 = mul(z2, iz);
  const i2 = mul(z1, iz);
  const w1 = mul(i1, i1);
  const w2 = mul(i2, i2);
  const dw = mul(mul(d, add(z1, z2)), mul(w1, w2));
  // P and Q at w1 and w2, and their divided differences eP, eQ
  let p1 = kv(K_CP5);
  let p2 = p1;
  let eP = splat(0.0);
  let q1 = add(w1, kv(K_CQ4));
  let q2 = add(w2, kv(K_CQ4));
  let eQ = kv(K_ONE);
  eP = add(mul(eP, w1), p2); p1 = add(mul(p1, w1), kv(K_CP4)); p2 = add(mul(p2, w2), kv(K_CP4));
  eP = add(mul(eP, w1), p2); p1 = add(mul(p1, w1), kv(K_CP3)); p2 = add(mul(p2, w2), kv(K_CP3));
  eP = add(mul(eP, w1), p2); p1 = add(mul(p1, w1), kv(K_CP2)); p2 = add(mul(p2, w2), kv(K_CP2));
  eP = add(mul(eP, w1), p2); p1 = add(mul(p1, w1), kv(K_CP1)); p2 = add(mul(p2, w2), kv(K_CP1));
  eP = add(mul(eP, w1), p2); p1 = add(mul(p1, w1), kv(K_CP0)); p2 = add(mul(p2, w2), kv(K_CP0));
  eQ = add(mul(eQ, w1), q2); q1 = add(mul(q1, w1), kv(K_CQ3)); q2 = add(mul(q2, w2), kv(K_CQ3));
  eQ = add(mul(eQ, w1), q2); q1 = add(mul(q1, w1), kv(K_CQ2)); q2 = add(mul(q2, w2), kv(K_CQ2));
  eQ = add(mul(eQ, w1), q2); q1 = add(mul(q1, w1), kv(K_CQ1)); q2 = add(mul(q2, w2), kv(K_CQ1));
  eQ = add(mul(eQ, w1), q2); q1 = add(mul(q1, w1), kv(K_CQ0)); q2 = add(mul(q2, w2), kv(K_CQ0));
  const iq1 = div(kv(K_ONE), q1);
  const R1 = mul(p1, iq1);
  const R2 = div(p2, q2);
  const dR = mul(mul(dw, sub(eP, mul(R2, eQ))), iq1);
  const lead = mul(
    mul(d, mul(i1, i2)),
    sub(kv(K_RSQRTPI), mul(R1, add(add(w1, mul(i1, i2)), w2))),
  );
  return mul(kv(K_SQRT_PI_OVER_2), sub(lead, mul(mul(w2, i2), dR)));
}

// Scratch of the price kernel: per row y, t, phi0 and scale, and one list of row indices
// per regime of the normalised Black function (see priceChunk).
const scratch: usize = memory.data(CHUNK * 8 * 5 + 4 * (CHUNK + 2) * 4, 16);
const SC_Y: usize = scratch;
const SC_T: usize = scratch + CHUNK * 8;
const SC_PHI: usize = scratch + CHUNK * 16;
const SC_SCALE: usize = scratch + CHUNK * 24;
const SC_OK: usize = scratch + CHUNK * 32;
const LIST_ERFCX: usize = scratch + CHUNK * 40;
const LIST_LARGE: usize = LIST_ERFCX + (CHUNK + 2) * 4;
const LIST_TAYLOR: usize = LIST_LARGE + (CHUNK + 2) * 4;
const LIST_BELOW: usize = LIST_TAYLOR + (CHUNK + 2) * 4;

@inline function gather(col: usize, i0: usize, i1: usize): v128 {
  return v128.load64_lane(col + (i1 << 3), v128.load64_zero(col + (i0 << 3)), 1);
}

/** OUT_0[i] += v for the two rows of a pair (i0 == i1 for a list's odd last row). */
@inline function scatterAdd(i0: usize, i1: usize, v: v128): void {
  const p = add(gather(OUT_0, i0, i1), v);
  store<f64>(OUT_0 + (i0 << 3), lane0(p));
  store<f64>(OUT_0 + (i1 << 3), lane1(p));
}

const taylorY = new StaticArray<v128>(4);
const taylorT = new StaticArray<v128>(4);
const taylorD4 = new StaticArray<v128>(4);
const taylorRows = new StaticArray<usize>(8);

@inline function listRow(list: usize, k: i32): usize {
  return <usize> load<i32>(list + (<usize> k << 2));
}

/**
 * Prices of rows [0, n) of the io block into OUT_0 (bsPrice in ../black_scholes.ts):
 * intrinsic + sqrt(S e^-qT K e^-rT) b(-|x|, sigma sqrt T), b = phi0 D(y, t) with
 * phi0 = exp(-(h^2 + t^2)/2)/sqrt(2 pi), y = -h = |x|/s, t = s/2 and the Mills-ratio difference
 * D(y, t) = M(y - t) - M(y + t), M(z) = sqrt(pi/2) erfcx(z / sqrt 2) (../_normalised_black.ts).
 *
 * Pass 1 (two rows per step) computes the intrinsic value, y, t, phi0 and the scale, and sorts
 * the rows by the regime of D into four index lists; pass 2 runs each list two rows per step,
 * so every row pays for its own regime only and no lane waits on another's branch:
 * - erfcx (y - t < 4 sqrt 2, neither below), one list for y >= t and one for y < t: with
 *   e1 = erfcx(|y - t|/sqrt 2), e2 = erfcx((y + t)/sqrt 2), b = phi0 sqrt(pi/2) (e1 - e2) for
 *   y >= t, and b = exp(x/2) - phi0 sqrt(pi/2) (e1 + e2) for y < t (erfcx(-a) = 2 exp(a^2) -
 *   erfcx(a), exp((y - t)^2/2) = exp(x/2) / (sqrt(2 pi) phi0));
 * - large (y - t >= 4 sqrt 2): vMillsLarge, Cody's rational erfcx differenced term by term;
 * - Taylor (t < 0.05, or y < 1.5 and t < 0.25): the series in t with Mills-ratio moments.
 * Rows with phi0 = 0 keep the intrinsic value; invalid rows, zero vol, S/K outside the SIMD
 * log's domain and erfcx arguments beyond the table go to the scalar path (priceOne).
 */
export function priceChunk(n: i32): void {
  const zero = splat(0.0);
  let nE = 0;
  let nL = 0;
  let nT = 0;
  let nB = 0;
  let i: usize = 0;
  const pairs = <usize> (n & ~1);
  // pass 1 in three short loops (a long loop body is one dependency chain per pair and leaves
  // the out-of-order window with little to overlap): x and s; discounting and intrinsic; the
  // normalised coordinates and the regime lists
  for (; i < pairs; i += 2) {
    const o = i << 3;
    const S = v128.load(IN_SPOT + o);
    const K = v128.load(IN_STRIKE + o);
    const T = v128.load(IN_T + o);
    const r = v128.load(IN_RATE + o);
    const q = v128.load(IN_DIV + o);
    const v = v128.load(IN_VOL + o);
    const SK = div(S, K);
    const s = mul(v, f64x2.sqrt(T));
    // lanes for the scalar path: invalid, zero vol or time, S/K outside vLog's domain
    const simple = v128.and(
      v128.and(vValid(S, K, T, v, r, q), f64x2.gt(s, zero)),
      vLogDomain(SK),
    );
    v128.store(SC_OK + o, simple);
    v128.store(SC_Y + o, add(vLog(SK), mul(sub(r, q), T))); // x
    v128.store(SC_T + o, s);
  }
  for (i = 0; i < pairs; i += 2) {
    const o = i << 3;
    const T = v128.load(IN_T + o);
    const aq = mul(f64x2.neg(v128.load(IN_DIV + o)), T);
    const ar = mul(f64x2.neg(v128.load(IN_RATE + o)), T);
    // |q T|, |r T| <= 708 (all but absurd inputs): the exp without clamp and second scaling
    const normal = v128.and(
      f64x2.le(f64x2.abs(aq), kv(K_EXP_ARG_NORMAL)),
      f64x2.le(f64x2.abs(ar), kv(K_EXP_ARG_NORMAL)),
    );
    let eq: v128;
    let er: v128;
    if (v128.all_true<i64>(normal)) {
      eq = vExpNormal(aq);
      er = vExpNormal(ar);
    } else {
      eq = vExp(aq);
      er = vExp(ar);
    }
    const dS = mul(v128.load(IN_SPOT + o), eq);
    const dK = mul(v128.load(IN_STRIKE + o), er);
    const x = v128.load(SC_Y + o);
    // in the money (call x > 0, put x < 0): the discounted intrinsic, else 0
    const call = vCallMask(i);
    const d = sub(dS, dK);
    const itm = select(call, f64x2.gt(x, zero), f64x2.lt(x, zero));
    v128.store(OUT_0 + o, v128.and(itm, select(call, d, f64x2.neg(d))));
    v128.store(SC_SCALE + o, f64x2.sqrt(mul(dS, dK)));
  }
  for (i = 0; i < pairs; i += 2) {
    const o = i << 3;
    const x = v128.load(SC_Y + o);
    const s = v128.load(SC_T + o);
    const ax = select(f64x2.lt(x, zero), x, f64x2.neg(x));
    const h = div(ax, s);
    const t = mul(kv(K_HALF), s);
    const a = mul(kv(K_NEG_HALF), add(mul(h, h), mul(t, t)));
    // an exp that underflows (a < -708) costs a microcode assist on x64; below -746 the result
    // rounds to 0 anyway (zeroed here without evaluating it), so only rows in the band between
    // take the branch and pay for it (0.2 % of the benchmark's rows, against 6 % below -746)
    const tiny = f64x2.lt(a, kv(K_PHI_ARG_NORMAL));
    const zeroed = f64x2.lt(a, kv(K_PHI_ARG_ZERO));
    let e = v128.andnot(vExpNormal(f64x2.pmax(a, kv(K_PHI_ARG_NORMAL))), tiny);
    const band = v128.andnot(tiny, zeroed);
    if (v128.any_true(band)) e = select(band, vExp(select(band, a, kv(K_PHI_ARG_NORMAL))), e);
    const phi0 = mul(kv(K_INV_SQRT_2PI), e);
    v128.store(SC_Y + o, f64x2.neg(h));
    v128.store(SC_T + o, t);
    v128.store(SC_PHI + o, phi0);
  }
  for (i = 0; i < pairs; i += 2) {
    const o = i << 3;
    const y = v128.load(SC_Y + o);
    const t = v128.load(SC_T + o);
    const simple = v128.load(SC_OK + o);
    const live = v128.andnot(simple, f64x2.eq(v128.load(SC_PHI + o), zero));
    const large = v128.and(live, f64x2.ge(sub(y, t), kv(K_LARGE_FROM)));
    const taylor = v128.andnot(
      v128.and(
        live,
        v128.or(
          f64x2.lt(t, kv(K_TAYLOR_T)),
          v128.and(f64x2.lt(y, kv(K_TAYLOR_Y)), f64x2.lt(t, kv(K_TAYLOR_T_NEAR))),
        ),
      ),
      large,
    );
    const rest = v128.andnot(live, v128.or(large, taylor));
    // erfcx arguments beyond the table (y + t > 65, so t > 29.7): the scalar path
    const far = v128.and(rest, f64x2.gt(add(y, t), kv(K_ERFCX_TABLE_END)));
    const erfcx = v128.andnot(rest, far);
    const below = f64x2.lt(sub(y, t), zero);
    const eB = bits(v128.andnot(erfcx, below));
    const bB = bits(v128.and(erfcx, below));
    const lB = bits(large);
    const tB = bits(taylor);
    // append each lane's row to its regime's list (branch-free: write to all, advance one)
    const i0 = <i32> i;
    store<i32>(LIST_ERFCX + (<usize> nE << 2), i0);
    store<i32>(LIST_LARGE + (<usize> nL << 2), i0);
    store<i32>(LIST_TAYLOR + (<usize> nT << 2), i0);
    store<i32>(LIST_BELOW + (<usize> nB << 2), i0);
    nB += bB & 1;
    nE += eB & 1;
    nL += lB & 1;
    nT += tB & 1;
    store<i32>(LIST_ERFCX + (<usize> nE << 2), i0 + 1);
    store<i32>(LIST_LARGE + (<usize> nL << 2), i0 + 1);
    store<i32>(LIST_TAYLOR + (<usize> nT << 2), i0 + 1);
    store<i32>(LIST_BELOW + (<usize> nB << 2), i0 + 1);
    nB += bB >> 1;
    nE += eB >> 1;
    nL += lB >> 1;
    nT += tB >> 1;
    const scalarB = bits(v128.or(v128.not(simple), far));
    if (scalarB != 0) {
      if ((scalarB & 1) != 0) store<f64>(OUT_0 + (i << 3), priceOne(i));
      if ((scalarB & 2) != 0) store<f64>(OUT_0 + ((i + 1) << 3), priceOne(i + 1));
    }
  }
  for (; i < <usize> n; i++) store<f64>(OUT_0 + (i << 3), priceOne(i));

  // pass 2: each regime two rows per step; an odd list repeats its last row
  for (let k = 0; k < nE; k += 2) {
    const i0 = listRow(LIST_ERFCX, k);
    const i1 = k + 1 < nE ? listRow(LIST_ERFCX, k + 1) : i0;
    const y = gather(SC_Y, i0, i1);
    const t = gather(SC_T, i0, i1);
    const phi0 = gather(SC_PHI, i0, i1);
    const sc = gather(SC_SCALE, i0, i1);
    const e1 = vErfcxFast(mul(sub(y, t), kv(K_INV_SQRT2)));
    const e2 = vErfcxFast(mul(add(y, t), kv(K_INV_SQRT2)));
    scatterAdd(i0, i1, mul(sc, mul(phi0, mul(kv(K_SQRT_PI_OVER_2), sub(e1, e2)))));
  }
  for (let k = 0; k < nB; k += 2) {
    const i0 = listRow(LIST_BELOW, k);
    const i1 = k + 1 < nB ? listRow(LIST_BELOW, k + 1) : i0;
    const y = gather(SC_Y, i0, i1);
    const t = gather(SC_T, i0, i1);
    const phi0 = gather(SC_PHI, i0, i1);
    const sc = gather(SC_SCALE, i0, i1);
    const e1 = vErfcxFast(mul(sub(t, y), kv(K_INV_SQRT2)));
    const e2 = vErfcxFast(mul(add(y, t), kv(K_INV_SQRT2)));
    // exp(x/2) - phi0 sqrt(pi/2) (e1 + e2), exp(x/2) = exp(-y t)
    const ex = vExp(f64x2.neg(mul(y, t)));
    scatterAdd(i0, i1, mul(sc, sub(ex, mul(phi0, mul(kv(K_SQRT_PI_OVER_2), add(e1, e2))))));
  }
  for (let k = 0; k < nL; k += 2) {
    const i0 = listRow(LIST_LARGE, k);
    const i1 = k + 1 < nL ? listRow(LIST_LARGE, k + 1) : i0;
    const d = vMillsLarge(gather(SC_Y, i0, i1), gather(SC_T, i0, i1));
    scatterAdd(i0, i1, mul(gather(SC_SCALE, i0, i1), mul(gather(SC_PHI, i0, i1), d)));
  }
  // Taylor: eight rows per step (four chains); past the list's end a pair is computed on
  // repeated rows and only pairs that start inside the list are written
  for (let k = 0; k < nT; k += 8) {
    const r0 = listRow(LIST_TAYLOR, k);
    const ys: StaticArray<v128> = taylorY;
    const ts: StaticArray<v128> = taylorT;
    const rows: StaticArray<usize> = taylorRows;
    for (let j = 0; j < 8; j++) {
      // an odd slot past the end repeats its pair's row, an even one the step's first row
      rows[j] = k + j < nT ? listRow(LIST_TAYLOR, k + j) : (j & 1) != 0 ? rows[j - 1] : r0;
    }
    for (let p = 0; p < 4; p++) {
      ys[p] = gather(SC_Y, rows[2 * p], rows[2 * p + 1]);
      ts[p] = gather(SC_T, rows[2 * p], rows[2 * p + 1]);
    }
    const dA = vMillsTaylor4(ys[0], ts[0], ys[1], ts[1], ys[2], ts[2], ys[3], ts[3]);
    const ds: StaticArray<v128> = taylorD4;
    ds[0] = dA;
    ds[1] = taylorB;
    ds[2] = taylorC;
    ds[3] = taylorD;
    for (let p = 0; p < 4; p++) {
      if (k + 2 * p < nT) {
        const i0 = rows[2 * p];
        const i1 = rows[2 * p + 1];
        scatterAdd(i0, i1, mul(gather(SC_SCALE, i0, i1), mul(gather(SC_PHI, i0, i1), ds[p])));
      }
    }
  }
}

/**
 * Delta, gamma, vega, theta (per year), rho of rows [0, n) into OUT_0..OUT_4 (bsGreeks in
 * ../black_scholes.ts, the same formulas and units).
 */
export function greeksChunk(n: i32): void {
  const zero = splat(0.0);
  let i: usize = 0;
  const pairs = <usize> (n & ~1);
  for (; i < pairs; i += 2) {
    const o = i << 3;
    const S = v128.load(IN_SPOT + o);
    const K = v128.load(IN_STRIKE + o);
    const T = v128.load(IN_T + o);
    const r = v128.load(IN_RATE + o);
    const q = v128.load(IN_DIV + o);
    const v = v128.load(IN_VOL + o);
    const SK = div(S, K);
    const sqT = f64x2.sqrt(T);
    const s = mul(v, sqT);
    const simple = v128.and(
      v128.and(vValid(S, K, T, v, r, q), f64x2.gt(s, zero)),
      vLogDomain(SK),
    );
    const aq = mul(f64x2.neg(q), T);
    const ar = mul(f64x2.neg(r), T);
    // as in priceChunk: the exp without clamp and second scaling when every argument is normal
    let eq: v128;
    let er: v128;
    if (
      v128.all_true<i64>(v128.and(
        f64x2.le(f64x2.abs(aq), kv(K_EXP_ARG_NORMAL)),
        f64x2.le(f64x2.abs(ar), kv(K_EXP_ARG_NORMAL)),
      ))
    ) {
      eq = vExpNormal(aq);
      er = vExpNormal(ar);
    } else {
      eq = vExp(aq);
      er = vExp(ar);
    }
    const invSs = div(kv(K_ONE), mul(S, s));
    const invS = mul(S, invSs);
    const seq = mul(S, eq);
    const ker = mul(K, er);
    const gammaPerPdf = mul(eq, invSs);
    const decayPerPdf = mul(mul(mul(mul(kv(K_NEG_HALF), seq), v), v), invS);
    const th = vTheta(i);
    const d1 = add(mul(add(vLog(SK), mul(sub(r, q), T)), invS), mul(kv(K_HALF), s));
    const d2 = sub(d1, s);
    const a1 = mul(mul(kv(K_NEG_HALF), d1), d1);
    const pdf = mul(
      kv(K_INV_SQRT_2PI),
      v128.all_true<i64>(f64x2.ge(a1, kv(K_PHI_ARG_NORMAL))) ? vExpNormal(a1) : vExp(a1),
    );
    // phi(d2) = phi(d1) S e^-qT / (K e^-rT) unless phi(d1) is near underflow
    const big = f64x2.gt(pdf, kv(K_PDF_FLOOR));
    let pdf2 = mul(pdf, div(seq, ker));
    if (bits(big) != 3) {
      pdf2 = select(big, pdf2, mul(kv(K_INV_SQRT_2PI), vExp(mul(mul(kv(K_NEG_HALF), d2), d2))));
    }
    v128.store(OUT_1 + o, mul(gammaPerPdf, pdf));
    v128.store(OUT_2 + o, mul(mul(seq, pdf), sqT));
    const n1 = vNormCdfFast(mul(th, d1), pdf);
    const n2 = vNormCdfFast(mul(th, d2), pdf2);
    v128.store(OUT_0 + o, mul(mul(th, eq), n1));
    v128.store(
      OUT_3 + o,
      add(mul(decayPerPdf, pdf), mul(th, sub(mul(mul(q, seq), n1), mul(mul(r, ker), n2)))),
    );
    v128.store(OUT_4 + o, mul(mul(mul(th, ker), T), n2));
    const simpleBits = bits(simple);
    if (simpleBits != 3) {
      if ((simpleBits & 1) == 0) greeksOne(i);
      if ((simpleBits & 2) == 0) greeksOne(i + 1);
    }
  }
  for (; i < <usize> n; i++) greeksOne(i);
}

// ---- the v128 constants block (see KV_BLOCK), filled by the start function ----------------

v128.store(KV_BLOCK + (K_EXP_ARG_MAX << 4), f64x2.splat(760.0));
v128.store(KV_BLOCK + (K_EXP_ARG_MIN << 4), f64x2.splat(-760.0));
v128.store(KV_BLOCK + (K_EXP_INV_STEP << 4), f64x2.splat(EXP_INV_STEP));
v128.store(KV_BLOCK + (K_ROUND_SHIFT << 4), f64x2.splat(ROUND_SHIFT));
v128.store(KV_BLOCK + (K_EXP_STEP_HI << 4), f64x2.splat(EXP_STEP_HI));
v128.store(KV_BLOCK + (K_EXP_STEP_LO << 4), f64x2.splat(EXP_STEP_LO));
v128.store(KV_BLOCK + (KI_ROUND_SHIFT_BITS << 4), i64x2.splat(0x4338000000000000));
v128.store(KV_BLOCK + (K_HALF << 4), f64x2.splat(0.5));
v128.store(KV_BLOCK + (K_1_OVER_6 << 4), f64x2.splat(1.0 / 6.0));
v128.store(KV_BLOCK + (K_1_OVER_24 << 4), f64x2.splat(1.0 / 24.0));
v128.store(KV_BLOCK + (K_1_OVER_120 << 4), f64x2.splat(1.0 / 120.0));
v128.store(KV_BLOCK + (K_1_OVER_64 << 4), f64x2.splat(1.0 / 64.0));
v128.store(KV_BLOCK + (K_EXP_BIAS_SHIFT << 4), f64x2.splat(1023.0 + ROUND_SHIFT));
v128.store(KV_BLOCK + (KI_LOG_OFFSET << 4), i64x2.splat(0x3ff0000000000000 - 0x3fe6a09e667f3bcd));
v128.store(KV_BLOCK + (KI_EXP_BIAS << 4), i64x2.splat(1023));
v128.store(KV_BLOCK + (K_LOG_BIAS_SHIFT << 4), f64x2.splat(6755399441055744.0 + 1023.0));
v128.store(KV_BLOCK + (K_ONE << 4), f64x2.splat(1.0));
v128.store(KV_BLOCK + (K_TWO << 4), f64x2.splat(2.0));
v128.store(KV_BLOCK + (K_LG2 << 4), f64x2.splat(LG2));
v128.store(KV_BLOCK + (K_LG4 << 4), f64x2.splat(LG4));
v128.store(KV_BLOCK + (K_LG6 << 4), f64x2.splat(LG6));
v128.store(KV_BLOCK + (K_LG1 << 4), f64x2.splat(LG1));
v128.store(KV_BLOCK + (K_LG3 << 4), f64x2.splat(LG3));
v128.store(KV_BLOCK + (K_LG5 << 4), f64x2.splat(LG5));
v128.store(KV_BLOCK + (K_LG7 << 4), f64x2.splat(LG7));
v128.store(KV_BLOCK + (K_LN2_HI << 4), f64x2.splat(LN2_HI));
v128.store(KV_BLOCK + (K_LN2_LO << 4), f64x2.splat(LN2_LO));
v128.store(KV_BLOCK + (K_ERFCX_U_SCALE << 4), f64x2.splat(ERFCX_U_SCALE));
v128.store(KV_BLOCK + (K_FOUR << 4), f64x2.splat(4.0));
v128.store(KV_BLOCK + (KI_ERFCX_LAST << 4), i32x4.splat(99));
v128.store(KV_BLOCK + (K_SQRT_PI_OVER_2 << 4), f64x2.splat(SQRT_PI_OVER_2));
v128.store(KV_BLOCK + (K_INV_SQRT2 << 4), f64x2.splat(INV_SQRT2));
v128.store(KV_BLOCK + (K_INF << 4), f64x2.splat(Infinity));
v128.store(KV_BLOCK + (K_MIN_NORMAL << 4), f64x2.splat(2.2250738585072014e-308));
v128.store(KV_BLOCK + (KI_ONE_I64 << 4), i64x2.splat(1));
v128.store(KV_BLOCK + (K_TAYLOR_TOL << 4), f64x2.splat(1e-17));
v128.store(KV_BLOCK + (K_SQRT2 << 4), f64x2.splat(SQRT2));
v128.store(KV_BLOCK + (K_CP5 << 4), f64x2.splat(CP5));
v128.store(KV_BLOCK + (K_CQ4 << 4), f64x2.splat(CQ4));
v128.store(KV_BLOCK + (K_CP4 << 4), f64x2.splat(CP4));
v128.store(KV_BLOCK + (K_CP3 << 4), f64x2.splat(CP3));
v128.store(KV_BLOCK + (K_CP2 << 4), f64x2.splat(CP2));
v128.store(KV_BLOCK + (K_CP1 << 4), f64x2.splat(CP1));
v128.store(KV_BLOCK + (K_CP0 << 4), f64x2.splat(CP0));
v128.store(KV_BLOCK + (K_CQ3 << 4), f64x2.splat(CQ3));
v128.store(KV_BLOCK + (K_CQ2 << 4), f64x2.splat(CQ2));
v128.store(KV_BLOCK + (K_CQ1 << 4), f64x2.splat(CQ1));
v128.store(KV_BLOCK + (K_CQ0 << 4), f64x2.splat(CQ0));
v128.store(KV_BLOCK + (K_RSQRTPI << 4), f64x2.splat(RSQRTPI));
v128.store(KV_BLOCK + (K_NEG_HALF << 4), f64x2.splat(-0.5));
v128.store(KV_BLOCK + (K_PHI_ARG_NORMAL << 4), f64x2.splat(PHI_ARG_NORMAL));
v128.store(KV_BLOCK + (K_PHI_ARG_ZERO << 4), f64x2.splat(PHI_ARG_ZERO));
v128.store(KV_BLOCK + (K_INV_SQRT_2PI << 4), f64x2.splat(INV_SQRT_2PI));
v128.store(KV_BLOCK + (K_LARGE_FROM << 4), f64x2.splat(LARGE_FROM));
v128.store(KV_BLOCK + (K_TAYLOR_T << 4), f64x2.splat(0.05));
v128.store(KV_BLOCK + (K_TAYLOR_Y << 4), f64x2.splat(1.5));
v128.store(KV_BLOCK + (K_TAYLOR_T_NEAR << 4), f64x2.splat(0.25));
v128.store(KV_BLOCK + (K_ERFCX_TABLE_END << 4), f64x2.splat(46.0 * SQRT2));
v128.store(KV_BLOCK + (K_PDF_FLOOR << 4), f64x2.splat(1e-280));
v128.store(KV_BLOCK + (K_EXP_ARG_NORMAL << 4), f64x2.splat(708.0));
