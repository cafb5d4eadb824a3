/**
 * Returns of an equity curve, their annualised Sharpe ratio and its drawdown, as the backtest layer needs them
 * (candidate selection, trial recording). They live here, below `lib/report`, so that the
 * backtest layer never imports the report layer above it; `lib/report/metrics.ts` re-exports
 * them with the rest of its metrics.
 *
 * Conventions (as in empyrical): simple per-bar returns r_t = E_t / E_{t-1} - 1; non-finite
 * returns are skipped; Sharpe annualised by sqrt(periodsPerYear); risk-free rate 0.
 *
 * @see empyrical (Quantopian), https://github.com/quantopian/empyrical
 */

import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";

/**
 * Simple returns of an equity curve (length n - 1): r_t = E_{t+1} / E_t - 1.
 *
 * @example
 * ```ts
 * returnsFromEquity([100, 110, 99]); // Float64Array [0.1, -0.1]
 * ```
 */
export function returnsFromEquity(equity: ArrayLike<number>): Float64Array {
  const n = Math.max(0, equity.length - 1);
  const r = new Float64Array(n);
  for (let t = 0; t < n; t++) r[t] = equity[t + 1]! / equity[t]! - 1;
  return r;
}

/** The finite values of a series. */
export function finiteValues(r: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.length; i++) if (Number.isFinite(r[i]!)) out.push(r[i]!);
  return out;
}

/**
 * Annualised Sharpe ratio: mean(r) / stdev(r, ddof 1) * sqrt(periodsPerYear) over the finite
 * returns; NaN with fewer than 2 finite returns or zero dispersion (a run that never traded).
 * `periodsPerYear` is the number of return periods in a year (252 NYSE sessions, 260 FX
 * sessions, 52 weeks): pass the panel's, never assume daily bars.
 *
 * @example
 * ```ts
 * sharpeRatio([0.01, -0.005, 0.02], 252); // 0.005 / 0.01258 * sqrt(252) = 6.31
 * ```
 */
export function sharpeRatio(r: ArrayLike<number>, periodsPerYear = TRADING_DAYS_PER_YEAR): number {
  const x = finiteValues(r);
  if (x.length < 2) return NaN;
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
  return v > 0 ? (m / Math.sqrt(v)) * Math.sqrt(periodsPerYear) : NaN;
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
