/**
 * Private Black-Scholes-Merton pricer for the simulator (European, continuous dividend yield).
 * lib/options will provide the shared pricer; this stays private so the simulator has no
 * dependency on a sibling area and can be swapped later.
 *
 * call = S e^{-qT} N(d1) - K e^{-rT} N(d2), put = K e^{-rT} N(-d2) - S e^{-qT} N(-d1),
 * d1 = (ln(S/K) + (r - q + sigma^2/2) T) / (sigma sqrt T), d2 = d1 - sigma sqrt T.
 * T in years (ACT/365), rates continuous. At T <= 0 or sigma <= 0 the intrinsic value of the
 * forward is returned.
 *
 * @see Black, F., & Scholes, M. (1973). JPE 81(3), 637-654. doi:10.1086/260062
 */
import { normCdf, normPdf } from "../../core/normal.ts";

export interface BsGreeks {
  price: number;
  delta: number;
  gamma: number;
  /** Per calendar day. */
  theta: number;
  /** Per 1 vol point (0.01). */
  vega: number;
}

/** Black-Scholes price of a call (`isCall`) or put. */
export function bsPrice(
  isCall: boolean,
  s: number,
  k: number,
  t: number,
  r: number,
  q: number,
  sigma: number,
): number {
  const dfR = Math.exp(-r * t), dfQ = Math.exp(-q * t);
  if (t <= 0 || sigma <= 0) {
    return isCall ? Math.max(s * dfQ - k * dfR, 0) : Math.max(k * dfR - s * dfQ, 0);
  }
  const sq = sigma * Math.sqrt(t);
  const d1 = (Math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / sq;
  const d2 = d1 - sq;
  return isCall
    ? s * dfQ * normCdf(d1) - k * dfR * normCdf(d2)
    : k * dfR * normCdf(-d2) - s * dfQ * normCdf(-d1);
}

/** Price, delta, gamma, theta (per day) and vega (per vol point). */
export function bsGreeks(
  isCall: boolean,
  s: number,
  k: number,
  t: number,
  r: number,
  q: number,
  sigma: number,
): BsGreeks {
  const price = bsPrice(isCall, s, k, t, r, q, sigma);
  if (t <= 0 || sigma <= 0) {
    const itm = isCall ? s > k : s < k;
    return { price, delta: itm ? (isCall ? 1 : -1) : 0, gamma: 0, theta: 0, vega: 0 };
  }
  const sqt = Math.sqrt(t);
  const d1 = (Math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / (sigma * sqt);
  const d2 = d1 - sigma * sqt;
  const dfR = Math.exp(-r * t), dfQ = Math.exp(-q * t);
  const pdf = normPdf(d1);
  const delta = isCall ? dfQ * normCdf(d1) : -dfQ * normCdf(-d1);
  const gamma = dfQ * pdf / (s * sigma * sqt);
  const vega = s * dfQ * pdf * sqt / 100;
  const common = -s * dfQ * pdf * sigma / (2 * sqt);
  const thetaYear = isCall
    ? common - r * k * dfR * normCdf(d2) + q * s * dfQ * normCdf(d1)
    : common + r * k * dfR * normCdf(-d2) - q * s * dfQ * normCdf(-d1);
  return { price, delta, gamma, theta: thetaYear / 365, vega };
}
