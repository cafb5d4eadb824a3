/**
 * Annualisation over the bars actually observed when a series has gaps on its clock: shared by
 * lib/backtest (the gate's and the in-sample Sharpe, the ledger's trials) and lib/report (the
 * headline vol, Sharpe, Sortino and turnover), so both annualise the same way. Pure arithmetic;
 * the gap count comes from lib/features `panelGaps`.
 */

/**
 * Bars observed per year of the clock when `gaps` periods are missing between the bars of
 * `returns` per-bar returns: P_eff = P * n / (n + G). The n returns span n + G periods of the
 * clock, so n / (n + G) of its P periods a year carry a bar.
 *
 * Why: with i.i.d. per-period returns of mean mu and standard deviation sigma, a bar spanning k
 * periods has (to first order in the compounding) mean mu * k and variance sigma^2 * k. Over n
 * bars spanning N = n + G periods, mean_bar = mu * N / n and, for spans of equal length,
 * sd_bar = sigma * sqrt(N / n), so
 *   mean_bar / sd_bar * sqrt(P_eff) = mu / sigma * sqrt(N / n) * sqrt(P * n / N) = mu / sigma * sqrt(P)
 *   sd_bar * sqrt(P_eff) = sigma * sqrt(N / n) * sqrt(P * n / N) = sigma * sqrt(P),
 * the Sharpe ratio and volatility of the full grid. Annualising each bar as one period instead
 * (factor P) inflates both by sqrt(N / n), the root of the mean span. With unequal spans the
 * sample sd also picks up the dispersion of the bar means (mu^2 Var(k)), negligible for small
 * per-period Sharpe; Sortino's downside deviation is scaled by the same factor (exact for
 * normal returns with mu = 0). Turnover (traded / mean equity per bar) times P_eff is turnover
 * per year of the clock.
 * Conventions: G as lib/features `panelGaps` counts it (sessions of the calendar, or weeks,
 * months...); G = 0 returns `periodsPerYear` itself (bit for bit).
 *
 * @see Lo, A. W. (2002). The Statistics of Sharpe Ratios. Financial Analysts Journal 58(4),
 *      36-52, doi:10.2469/faj.v58.n4.2453 (Sharpe over q periods is sqrt(q) times the
 *      one-period Sharpe under i.i.d. returns).
 * @example
 * ```ts
 * import { observedPeriodsPerYear } from "./annualise.ts";
 * observedPeriodsPerYear(52, 3, 1); // 39: 3 weekly returns over 4 weeks
 * observedPeriodsPerYear(252, 100, 0); // 252
 * ```
 */
export function observedPeriodsPerYear(
  periodsPerYear: number,
  returns: number,
  gaps: number,
): number {
  if (!Number.isInteger(gaps) || gaps < 0) {
    throw new RangeError(
      `Cannot annualise over observed bars: gaps must be a count >= 0, got ${gaps}`,
    );
  }
  if (!Number.isInteger(returns) || returns < 0) {
    throw new RangeError(
      `Cannot annualise over observed bars: returns must be a count >= 0, got ${returns}`,
    );
  }
  if (gaps === 0) return periodsPerYear;
  if (returns === 0) {
    throw new RangeError(`Cannot annualise over observed bars: ${gaps} gaps between no returns`);
  }
  return periodsPerYear * returns / (returns + gaps);
}
