/**
 * Private: the scalar TypeScript Black-Scholes-Merton kernels, one option at a time. The public
 * `bsPrice` / `bsGreeks` run the WebAssembly SIMD port of this code (`wasm/`); these stay as the
 * readable reference the tests compare the port against: operation for operation for the
 * Greeks, to a few ulp times the conditioning for prices (the SIMD price kernel evaluates the
 * far tail y - t >= 4 sqrt 2 by a divided difference of Cody's erfcx instead of the series and
 * quadrature of `_normalised_black.ts`).
 */
import type { OptionColumns } from "./option_columns.ts";
import { normalisedBlackOtm } from "./_normalised_black.ts";
import { fastExp, INV_SQRT_2PI, normCdfFast } from "./_special.ts";

function validInputs(s: number, k: number, t: number, v: number): boolean {
  // a sum of non-negative values is finite iff each one is (short of overflow near 1.8e308,
  // which is no price); NaN fails the comparisons
  return s > 0 && k > 0 && t >= 0 && v >= 0 && s + k + t + v < Infinity;
}

/** Prices into `out` (lengths checked by the caller); see bsPrice. */
export function bsPriceScalar(o: OptionColumns, vol: Float64Array, out: Float64Array): void {
  const n = vol.length;
  const { spot, strike, t: tt, rate, div, isCall } = o;
  let lastT = NaN, lastR = NaN, lastQ = NaN, eq = NaN, er = NaN, sqT = NaN;
  for (let i = 0; i < n; i++) {
    const S = spot[i]!;
    const K = strike[i]!;
    const T = tt[i]!;
    const r = rate[i]!;
    const q = div[i]!;
    const v = vol[i]!;
    if (!validInputs(S, K, T, v) || r !== r || q !== q) {
      out[i] = NaN;
      continue;
    }
    if (T !== lastT || r !== lastR || q !== lastQ) {
      lastT = T;
      lastR = r;
      lastQ = q;
      eq = fastExp(-q * T);
      er = fastExp(-r * T);
      sqT = Math.sqrt(T);
    }
    const dS = S * eq; // discounted forward
    const dK = K * er;
    const x = Math.log(S / K) + (r - q) * T;
    const theta = isCall[i] === 1 ? 1 : -1;
    const intrinsic = theta * x > 0 ? theta * (dS - dK) : 0;
    const s = v * sqT;
    const ax = x < 0 ? x : -x;
    out[i] = intrinsic + Math.sqrt(dS * dK) * normalisedBlackOtm(ax, s);
  }
}

/** Greeks into the five arrays (lengths checked by the caller); see bsGreeks. */
export function bsGreeksScalar(
  o: OptionColumns,
  vol: Float64Array,
  delta: Float64Array,
  gamma: Float64Array,
  vega: Float64Array,
  theta: Float64Array,
  rho: Float64Array,
): void {
  const n = vol.length;
  const { spot, strike, t: tt, rate, div, isCall } = o;
  let lastT = NaN, lastR = NaN, lastQ = NaN, eq = NaN, er = NaN, sqT = NaN;
  for (let i = 0; i < n; i++) {
    const S = spot[i]!;
    const K = strike[i]!;
    const T = tt[i]!;
    const r = rate[i]!;
    const q = div[i]!;
    const v = vol[i]!;
    if (!validInputs(S, K, T, v) || r !== r || q !== q) {
      delta[i] =
        gamma[i] =
        vega[i] =
        theta[i] =
        rho[i] =
          NaN;
      continue;
    }
    const call = isCall[i] === 1;
    // chains repeat (t, rate, div) across strikes: reuse the discount factors
    if (T !== lastT || r !== lastR || q !== lastQ) {
      lastT = T;
      lastR = r;
      lastQ = q;
      eq = fastExp(-q * T);
      er = fastExp(-r * T);
      sqT = Math.sqrt(T);
    }
    const s = v * sqT;
    if (s === 0) {
      const fwdMinusK = S * Math.exp((r - q) * T) - K;
      const itm = call ? fwdMinusK > 0 : fwdMinusK < 0;
      gamma[i] = vega[i] = 0;
      if (itm) {
        const sg = call ? 1 : -1;
        delta[i] = sg * eq;
        theta[i] = sg * (q * S * eq - r * K * er);
        rho[i] = sg * K * T * er;
      } else {
        delta[i] = theta[i] = rho[i] = 0;
      }
      continue;
    }
    // The work is latency-bound (log -> d1 -> exp and erfcx -> outputs), so everything that does
    // not need d1 is computed beside the log, and d1 feeds only multiplications after it.
    const invSs = 1 / (S * s);
    const invS = S * invSs;
    const seq = S * eq;
    const ker = K * er;
    const ratio = seq / ker; // = exp(x) = phi(d2) / phi(d1)
    const gammaPerPdf = eq * invSs;
    const decayPerPdf = -0.5 * seq * v * v * invS; // -S e^-qT sigma / (2 sqrt T) per phi(d1)
    const th = call ? 1 : -1;
    const d1 = (Math.log(S / K) + (r - q) * T) * invS + 0.5 * s;
    const d2 = d1 - s;
    // one exponential per option: phi(d1), and phi(d2) = phi(d1) S exp(-qT) / (K exp(-rT))
    const pdf = INV_SQRT_2PI * fastExp(-0.5 * d1 * d1);
    const pdf2 = pdf > 1e-280 ? pdf * ratio : INV_SQRT_2PI * fastExp(-0.5 * d2 * d2);
    gamma[i] = gammaPerPdf * pdf;
    vega[i] = seq * pdf * sqT;
    // one code path for calls and puts (th = +-1): no unpredictable call/put branch; the normal
    // CDFs reuse the densities (erfc(y) = erfcx(y) exp(-y^2)) and are branch-free
    const n1 = normCdfFast(th * d1, pdf);
    const n2 = normCdfFast(th * d2, pdf2);
    delta[i] = th * eq * n1;
    theta[i] = decayPerPdf * pdf + th * (q * seq * n1 - r * ker * n2);
    rho[i] = th * ker * T * n2;
  }
}
