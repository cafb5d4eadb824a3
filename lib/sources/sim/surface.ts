/**
 * The SPY implied-volatility surface: SSVI (Gatheral & Jacquier 2014) with parameters driven by
 * the volatility state sigma_d of the day.
 *
 * Total implied variance at log-forward-moneyness k = ln(K / F) and maturity T (years, ACT/365):
 *   w(k, T) = theta/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2)),
 *   theta(T) = VRP (vbar T + (v - vbar)(1 - e^{-kappa T}) / kappa),  v = sigma_d^2,
 *   phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma)).
 * Constants: vbar = 0.16^2, kappa = 4, VRP = 1.15 (variance risk premium), gamma = 0.45,
 * rho = clamp(-0.7 - 1.5 (sigma_d - 0.16), -0.9, -0.4), eta = 1.9 / (1 + |rho|) capped at 1.2.
 * No static arbitrage: theta increases in T (v, vbar > 0) and, with gamma <= 1/2 and
 * eta (1 + |rho|) <= 2, the power-law SSVI is free of butterfly and calendar arbitrage
 * (Gatheral & Jacquier, Remark 4.4 / Theorem 4.2).
 *
 * @see Gatheral, J., & Jacquier, A. (2014). Arbitrage-free SVI volatility surfaces.
 *      Quantitative Finance 14(1), 59-71. doi:10.1080/14697688.2013.819986
 */
export interface SsviParams {
  v: number;
  vbar: number;
  kappa: number;
  vrp: number;
  rho: number;
  eta: number;
  gamma: number;
}

/**
 * Surface parameters for a day with volatility state `sigma` (annualized).
 *
 * @example
 * ```ts
 * const p = ssviParams(0.16);
 * impliedVol(p, 0, 30 / 365); // ATM 30-day implied vol ~ sqrt(1.15) * 0.16
 * ```
 */
export function ssviParams(sigma: number): SsviParams {
  const rho = Math.min(-0.4, Math.max(-0.9, -0.7 - 1.5 * (sigma - 0.16)));
  return {
    v: sigma * sigma,
    vbar: 0.0256,
    kappa: 4,
    vrp: 1.15,
    rho,
    eta: Math.min(1.2, 1.9 / (1 + Math.abs(rho))),
    gamma: 0.45,
  };
}

/** ATM total implied variance theta(T). */
export function atmTotalVariance(p: SsviParams, t: number): number {
  return p.vrp * (p.vbar * t + (p.v - p.vbar) * (1 - Math.exp(-p.kappa * t)) / p.kappa);
}

/** Total implied variance w(k, T). */
export function totalVariance(p: SsviParams, k: number, t: number): number {
  const theta = atmTotalVariance(p, t);
  const phi = p.eta / (Math.pow(theta, p.gamma) * Math.pow(1 + theta, 1 - p.gamma));
  const pk = phi * k;
  return theta / 2 * (1 + p.rho * pk + Math.sqrt((pk + p.rho) ** 2 + 1 - p.rho * p.rho));
}

/** Implied volatility sqrt(w(k, T) / T). */
export function impliedVol(p: SsviParams, k: number, t: number): number {
  return Math.sqrt(totalVariance(p, k, t) / t);
}

/**
 * Intraday volatility state: the day's state moved by the spot's log change since the open with
 * a leverage elasticity of -4, sigma = sigma_d (S / S_open)^-4, clamped to [0.05, 1.5]. Option
 * quotes and I:VIX both use it, so the index moves with the chain intraday.
 */
export function stateSigma(sigmaDay: number, spot: number, open: number): number {
  return Math.min(1.5, Math.max(0.05, sigmaDay * Math.pow(spot / open, -4)));
}
