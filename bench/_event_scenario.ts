/**
 * The event engine's benchmark scenario, shared by `bench/backtest_bench.ts` and
 * `bench/backtest_compare.ts` (whose Python peer, `bench/backtest_peer.py`, implements the same
 * rules): 500 symbols x 2,520 daily bars (synthetic, seed 1), a monthly (every 21st bar from bar
 * 21) 20-bar momentum rebalance, 50 shorts and 50 longs at 1% of equity each, every cost
 * switched on: IBKR fixed commission with SEC fee and FINRA TAF, 2 bps half-spread, square-root
 * impact (coefficient 1), 1% borrow, the default 10% ADV participation cap (remainder carried),
 * 20-session ADV and volatility windows, positions recorded.
 */

import {
  argsortStable,
  type BacktestOptions,
  type BacktestResult,
  type BarPanel,
  runBacktest,
  type Strategy,
  syntheticPanel,
} from "../lib/backtest/mod.ts";
import { IBKR_FIXED } from "../lib/execution/mod.ts";

export const EVENT_SYMBOLS = 500;
export const EVENT_BARS = 2520;

/** The scenario's panel. */
export function eventPanel(symbols = EVENT_SYMBOLS, bars = EVENT_BARS): BarPanel {
  return syntheticPanel({ symbols, bars, seed: 1 });
}

/** Monthly momentum: bottom 50 short, top 50 long, 0.5 / 50 of equity each. */
export const momentumStrategy: Strategy = {
  onBar(ctx) {
    if (ctx.t < 21 || ctx.t % 21 !== 0) return;
    const n = ctx.symbols.length;
    const mom = new Float64Array(n);
    for (let s = 0; s < n; s++) mom[s] = ctx.close(s) / ctx.close(s, 20) - 1;
    const order = argsortStable(mom); // stable ascending, as a comparator sort on mom
    const k = 50;
    for (let r = 0; r < n; r++) {
      const s = order[r]!;
      ctx.orderTargetWeight(s, r < k ? -0.5 / k : r >= n - k ? 0.5 / k : 0);
    }
  },
};

/** Every cost switched on. */
export const EVENT_OPTIONS: BacktestOptions = {
  costs: { fees: IBKR_FIXED, halfSpreadBps: 2, impactCoef: 1, borrowRateAnnual: 0.01 },
  recordPositions: true,
};

/** One run of the scenario on `panel`. */
export function runEventScenario(panel: BarPanel): BacktestResult {
  return runBacktest(panel, momentumStrategy, EVENT_OPTIONS);
}
