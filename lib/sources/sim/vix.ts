/**
 * The volatility index "I:VIX", computed from the simulated SPY option surface.
 *
 * Index value (model, constant 30-day maturity T = 30/365):
 *   VIX = 100 sqrt( (2 e^{rT} / T) * integral_0^inf OTM(K) / K^2 dK ),
 * OTM = put below the forward F, call above, priced from the SSVI surface (surface.ts); the
 * integral runs over x = ln(K/F) in [-8 sqrt(theta), 8 sqrt(theta)] with the trapezoid rule on 97
 * nodes (OTM(K)/K^2 dK = OTM(F e^x) / (F e^x) dx). This is the CBOE formula applied to a
 * continuum of strikes at exactly 30 days.
 * `cboeVix` applies the discrete CBOE formula to two listed expiries of the simulated chain.
 *
 * @see Cboe (2019). Cboe Volatility Index white paper. https://cdn.cboe.com/api/global/us_indices/governance/Volatility_Index_Methodology_Cboe_Volatility_Index.pdf
 */
import { bsPrice } from "./_bs.ts";
import { atmTotalVariance, impliedVol, type SsviParams } from "./surface.ts";

const T30 = 30 / 365;
const NODES = 97;

/**
 * Model VIX at spot `s` (the level does not depend on s: the surface is in moneyness).
 *
 * @example
 * ```ts
 * modelVix(ssviParams(0.16), 450, 0.05, 0.013); // ~19.4: ATM 17.2 (sqrt(VRP) * 16) plus the smile
 * ```
 */
export function modelVix(p: SsviParams, s: number, r: number, q: number): number {
  const t = T30;
  const f = s * Math.exp((r - q) * t);
  const half = 8 * Math.sqrt(atmTotalVariance(p, t));
  const h = (2 * half) / (NODES - 1);
  let sum = 0;
  for (let i = 0; i < NODES; i++) {
    const x = -half + i * h;
    const k = f * Math.exp(x);
    const iv = impliedVol(p, x, t);
    const otm = bsPrice(x >= 0, s, k, t, r, q, iv);
    const wgt = i === 0 || i === NODES - 1 ? 0.5 : 1;
    sum += wgt * otm / k;
  }
  const variance = (2 * Math.exp(r * t) / t) * sum * h;
  return 100 * Math.sqrt(variance);
}

/** One expiry's quotes for the discrete CBOE formula. */
export interface CboeTerm {
  /** Years to expiry. */
  t: number;
  /** Ascending strikes and their call/put bids and asks. */
  strikes: number[];
  callBid: number[];
  callAsk: number[];
  putBid: number[];
  putAsk: number[];
}

/**
 * CBOE single-term variance: sigma^2 = (2/T) sum dK_i / K_i^2 e^{RT} Q(K_i) - (1/T)(F/K0 - 1)^2,
 * F = K* + e^{RT}(C - P) at the strike with the smallest |C - P| (mids), K0 = first strike <= F,
 * Q = put mid below K0, call mid above, their average at K0; strikes after two consecutive zero
 * bids (walking away from K0) and zero-bid strikes are excluded.
 */
export function cboeVariance(term: CboeTerm, r: number): number {
  const n = term.strikes.length;
  const t = term.t;
  const er = Math.exp(r * t);
  let best = 0, bestDiff = Infinity;
  for (let i = 0; i < n; i++) {
    const c = (term.callBid[i]! + term.callAsk[i]!) / 2;
    const p = (term.putBid[i]! + term.putAsk[i]!) / 2;
    if (Math.abs(c - p) < bestDiff) {
      bestDiff = Math.abs(c - p);
      best = i;
    }
  }
  const kStar = term.strikes[best]!;
  const fwd = kStar +
    er *
      (((term.callBid[best]! + term.callAsk[best]!) / 2) -
        ((term.putBid[best]! + term.putAsk[best]!) / 2));
  let i0 = 0;
  for (let i = 0; i < n; i++) if (term.strikes[i]! <= fwd) i0 = i;
  const k0 = term.strikes[i0]!;
  const q = new Float64Array(n);
  const use = new Uint8Array(n);
  q[i0] =
    ((term.callBid[i0]! + term.callAsk[i0]!) / 2 + (term.putBid[i0]! + term.putAsk[i0]!) / 2) / 2;
  use[i0] = 1;
  let zeros = 0;
  for (let i = i0 - 1; i >= 0; i--) {
    if (term.putBid[i]! <= 0) {
      if (++zeros >= 2) break;
      continue;
    }
    zeros = 0;
    q[i] = (term.putBid[i]! + term.putAsk[i]!) / 2;
    use[i] = 1;
  }
  zeros = 0;
  for (let i = i0 + 1; i < n; i++) {
    if (term.callBid[i]! <= 0) {
      if (++zeros >= 2) break;
      continue;
    }
    zeros = 0;
    q[i] = (term.callBid[i]! + term.callAsk[i]!) / 2;
    use[i] = 1;
  }
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (use[i]) idx.push(i);
  let sum = 0;
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    const k = term.strikes[i]!;
    const lo = term.strikes[idx[Math.max(0, j - 1)]!]!;
    const hi = term.strikes[idx[Math.min(idx.length - 1, j + 1)]!]!;
    const dk = j === 0 ? hi - k : j === idx.length - 1 ? k - lo : (hi - lo) / 2;
    sum += dk / (k * k) * er * q[i]!;
  }
  return (2 / t) * sum - (1 / t) * (fwd / k0 - 1) ** 2;
}

/**
 * CBOE VIX from a near and a next term bracketing 30 days:
 * VIX = 100 sqrt( (T1 s1^2 (N2 - N30)/(N2 - N1) + T2 s2^2 (N30 - N1)/(N2 - N1)) * N365 / N30 ),
 * with N in minutes.
 *
 * @example
 * ```ts
 * const vix = cboeVix(nearTerm, nextTerm, 0.05); // terms built from listed quotes
 * ```
 */
export function cboeVix(near: CboeTerm, next: CboeTerm, r1: number, r2 = r1): number {
  const s1 = cboeVariance(near, r1), s2 = cboeVariance(next, r2);
  const minYear = 525_600;
  const n1 = near.t * minYear, n2 = next.t * minYear, n30 = 43_200;
  const v = (near.t * s1 * (n2 - n30) / (n2 - n1) + next.t * s2 * (n30 - n1) / (n2 - n1)) *
    minYear / n30;
  return 100 * Math.sqrt(v);
}
