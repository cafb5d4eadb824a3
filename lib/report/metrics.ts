/**
 * Performance metrics of an equity curve or a backtest. Conventions (as in empyrical):
 * simple per-bar returns r_t = E_t / E_{t-1} - 1; non-finite returns are skipped; annualisation
 * by `periodsPerYear` (default TRADING_DAYS_PER_YEAR = 252 for daily bars); risk-free rate 0.
 *
 * @see empyrical (Quantopian), https://github.com/quantopian/empyrical — same definitions of
 *      Sharpe, Sortino (downside deviation over all periods), max drawdown, CAGR and Calmar.
 */

import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import type { BacktestResult } from "../backtest/mod.ts";
import { finiteValues as finite, returnsFromEquity, sharpeRatio } from "../backtest/returns.ts";

export { returnsFromEquity, sharpeRatio };

/**
 * Annualised Sortino ratio: mean(r) / DD * sqrt(periodsPerYear), DD = sqrt(mean(min(r, 0)^2))
 * over all periods (empyrical's downside risk with required return 0). Infinity when there is
 * no downside and the mean is positive; NaN with no returns.
 */
export function sortinoRatio(r: ArrayLike<number>, periodsPerYear = TRADING_DAYS_PER_YEAR): number {
  const x = finite(r);
  if (x.length < 1) return NaN;
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const dd = Math.sqrt(x.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / x.length);
  if (dd === 0) return m > 0 ? Infinity : NaN;
  return (m / dd) * Math.sqrt(periodsPerYear);
}

/** Largest drawdown and the longest time under water. */
export interface DrawdownStats {
  /** Largest fall from a running peak, as a positive fraction of the peak. */
  maxDrawdown: number;
  peakIndex: number;
  troughIndex: number;
  /** Longest run of bars strictly below the running peak (until recovery or the end). */
  maxDurationBars: number;
}

/**
 * Max drawdown of an equity curve: max_t (1 - E_t / max_{s<=t} E_s); duration is the longest
 * stretch of consecutive bars below the previous peak.
 *
 * @example
 * ```ts
 * drawdownStats([100, 120, 90, 130]).maxDrawdown; // 0.25
 * ```
 */
export function drawdownStats(equity: ArrayLike<number>): DrawdownStats {
  let peak = -Infinity, peakI = 0, maxDd = 0, pI = 0, tI = 0, run = 0, maxRun = 0;
  for (let t = 0; t < equity.length; t++) {
    const e = equity[t]!;
    if (!Number.isFinite(e)) continue;
    if (e >= peak) {
      peak = e;
      peakI = t;
      run = 0;
    } else {
      run++;
      if (run > maxRun) maxRun = run;
      const dd = 1 - e / peak;
      if (dd > maxDd) {
        maxDd = dd;
        pI = peakI;
        tI = t;
      }
    }
  }
  return { maxDrawdown: maxDd, peakIndex: pI, troughIndex: tI, maxDurationBars: maxRun };
}

/** Drawdown series 1 - E_t / running peak (0 at peaks). */
export function drawdownSeries(equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let t = 0; t < equity.length; t++) {
    const e = equity[t]!;
    if (e > peak) peak = e;
    out[t] = peak > 0 ? 1 - e / peak : 0;
  }
  return out;
}

/**
 * Compound annual growth rate: (E_end / E_0)^(periodsPerYear / (n - 1)) - 1; NaN with fewer
 * than 2 points.
 */
export function cagr(equity: ArrayLike<number>, periodsPerYear = TRADING_DAYS_PER_YEAR): number {
  const n = equity.length;
  if (n < 2) return NaN;
  return Math.pow(equity[n - 1]! / equity[0]!, periodsPerYear / (n - 1)) - 1;
}

/** Calmar ratio: CAGR / max drawdown (NaN when there is no drawdown). */
export function calmarRatio(
  equity: ArrayLike<number>,
  periodsPerYear = TRADING_DAYS_PER_YEAR,
): number {
  const dd = drawdownStats(equity).maxDrawdown;
  return dd > 0 ? cagr(equity, periodsPerYear) / dd : NaN;
}

/** Rolling Sharpe over `window` returns (NaN until the window is full). */
export function rollingSharpe(
  r: ArrayLike<number>,
  window: number,
  periodsPerYear = TRADING_DAYS_PER_YEAR,
): Float64Array {
  const out = new Float64Array(r.length).fill(NaN);
  for (let t = window - 1; t < r.length; t++) {
    out[t] = sharpeRatio(Array.prototype.slice.call(r, t - window + 1, t + 1), periodsPerYear);
  }
  return out;
}

/** Hit rate: share of non-zero returns that are positive (NaN if none). */
export function hitRate(r: ArrayLike<number>): number {
  let pos = 0, nz = 0;
  for (let i = 0; i < r.length; i++) {
    const v = r[i]!;
    if (Number.isFinite(v) && v !== 0) {
      nz++;
      if (v > 0) pos++;
    }
  }
  return nz ? pos / nz : NaN;
}

/**
 * Capacity estimate under square-root impact: at k times the run's capital, gross P&L and
 * linear costs scale by k and impact by k^1.5. Capacity is the capital at which impact eats half
 * of the P&L left after linear costs: k* = (0.5 * (G - L) / I)^2, capacity = k* * capital.
 * Infinity without impact costs; 0 when P&L after linear costs is not positive. Ignores the
 * participation cap (which would bind first at large k).
 *
 * @example
 * ```ts
 * capacityEstimate({ capital: 1e6, grossPnl: 1e5, linearCosts: 2e4, impactCosts: 1e4 }); // 16e6
 * ```
 */
export function capacityEstimate(
  m: { capital: number; grossPnl: number; linearCosts: number; impactCosts: number },
): number {
  const net = m.grossPnl - m.linearCosts;
  if (!(net > 0)) return 0;
  if (!(m.impactCosts > 0)) return Infinity;
  return (0.5 * net / m.impactCosts) ** 2 * m.capital;
}

/** Summary of a backtest. */
export interface BacktestSummary {
  bars: number;
  initialEquity: number;
  finalEquity: number;
  totalReturn: number;
  cagr: number;
  annualVol: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  maxDrawdown: number;
  maxDrawdownDurationBars: number;
  hitRate: number;
  /** Annualised turnover: traded notional / mean equity * periodsPerYear / bars. */
  turnoverAnnual: number;
  /** Average gross exposure / equity. */
  avgGrossLeverage: number;
  costs: {
    commission: number;
    fees: number;
    spread: number;
    impact: number;
    borrow: number;
    total: number;
  };
  /** Total costs in bps of traded notional. */
  costBpsOfTraded: number;
  /** P&L before all costs, in the run's currency. */
  grossPnl: number;
  capacityUsd: number;
  fills: number;
  /** Periods per year used for every annualised figure above. */
  periodsPerYear: number;
  /** Orders accepted by the engine (0 when the result does not count them). */
  ordersSubmitted: number;
  /** Orders that ended without a complete fill. */
  ordersUnfilled: number;
  /** `ordersUnfilled` by reason (lib/backtest `UnfilledReason`). */
  unfilledByReason: Record<string, number>;
  /** Orders refused at submission. */
  ordersRejected: number;
  /** Fills of market-on-open orders at the close of bars without an open (close-only data). */
  closeFillsForMissingOpen: number;
}

/**
 * Summarise a {@link BacktestResult}. Every annualised figure (CAGR, vol, Sharpe, Sortino,
 * Calmar, turnover) uses `periodsPerYear`: by default the result's own (its panel's
 * `periodsPerYear`, or the calendar's sessions per year once resampled to sessions), else 252
 * (NYSE sessions). Amounts are in the run's currency.
 *
 * @example
 * ```ts
 * const s = summarizeBacktest(result);
 * s.sharpe;
 * ```
 */
export function summarizeBacktest(
  res: BacktestResult,
  periodsPerYear = res.periodsPerYear ?? TRADING_DAYS_PER_YEAR,
): BacktestSummary {
  const eq = res.equity;
  const n = eq.length;
  const r = returnsFromEquity(eq);
  const x = finite(r);
  const m = x.length ? x.reduce((a, b) => a + b, 0) / x.length : NaN;
  const sd = x.length > 1
    ? Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1))
    : NaN;
  const dd = drawdownStats(eq);
  const t = res.totals;
  const total = t.commission + t.fees + t.spread + t.impact + t.borrow;
  let sumEq = 0, sumLev = 0;
  for (let i = 0; i < n; i++) {
    sumEq += eq[i]!;
    sumLev += eq[i]! > 0 ? res.gross[i]! / eq[i]! : 0;
  }
  const meanEq = n ? sumEq / n : NaN;
  const finalEquity = n ? eq[n - 1]! : res.initialCash;
  const grossPnl = finalEquity - res.initialCash + total;
  return {
    bars: n,
    initialEquity: res.initialCash,
    finalEquity,
    totalReturn: finalEquity / res.initialCash - 1,
    cagr: cagr(eq, periodsPerYear),
    annualVol: sd * Math.sqrt(periodsPerYear),
    sharpe: sharpeRatio(r, periodsPerYear),
    sortino: sortinoRatio(r, periodsPerYear),
    calmar: calmarRatio(eq, periodsPerYear),
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDurationBars: dd.maxDurationBars,
    hitRate: hitRate(r),
    turnoverAnnual: n ? (t.traded / meanEq) * periodsPerYear / n : NaN,
    avgGrossLeverage: n ? sumLev / n : NaN,
    costs: { ...pick(t), total },
    costBpsOfTraded: t.traded > 0 ? (total / t.traded) * 1e4 : 0,
    grossPnl,
    capacityUsd: capacityEstimate({
      capital: res.initialCash,
      grossPnl,
      linearCosts: total - t.impact,
      impactCosts: t.impact,
    }),
    fills: res.fills.length,
    periodsPerYear,
    ordersSubmitted: res.orders?.submitted ?? 0,
    ordersUnfilled: res.orders?.unfilled ?? 0,
    unfilledByReason: { ...(res.orders?.unfilledByReason ?? {}) },
    ordersRejected: res.rejected.length,
    closeFillsForMissingOpen: res.orders?.closeFillsForMissingOpen ?? 0,
  };
}

/**
 * One line on unfilled orders, e.g. "3 of 40 orders unfilled: participation_cap 2,
 * no_volume_history 1" ("all 40 orders filled" when none).
 */
export function unfilledLine(s: BacktestSummary): string {
  if (s.ordersUnfilled === 0) return `all ${s.ordersSubmitted} orders filled`;
  const why = Object.entries(s.unfilledByReason).sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`).join(", ");
  return `${s.ordersUnfilled} of ${s.ordersSubmitted} orders unfilled: ${why}`;
}

function pick(t: BacktestResult["totals"]) {
  return {
    commission: t.commission,
    fees: t.fees,
    spread: t.spread,
    impact: t.impact,
    borrow: t.borrow,
  };
}
