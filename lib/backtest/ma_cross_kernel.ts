/**
 * Sweep kernel (for {@link sweepVectorizedParallel}): moving-average crossover on symbol 0's
 * closes. Column c uses fast = fastMin + (c mod fastCount) and slow = fast + slowGap +
 * floor(c / fastCount) * slowStep; target = +shares when MA(fast) > MA(slow) else -shares,
 * decided at each close from closes up to that bar (prefix sums); NaN before the slow window
 * is full.
 *
 * This is a throughput kernel, not the backtest spec's `ma_cross` strategy
 * (lib/backtest/strategy_module.ts), and its results differ from it by design: targets are a
 * fixed share count (`targetKind` "shares"), long or short, on raw closes, where `ma_cross` holds
 * weight / nSym of equity, long or flat by default, on adjusted closes, keeps its state when the
 * averages are equal, and sizes at the fill price (shares = floor(w/n x equity / open), since
 * 8d081b7). A fixed share count has no sizing price, so neither the old decision-price nor the
 * new fill-price sizing applies to it, and the vectorised engine cannot size at the fill price
 * anyway. What is checked (tests/backtest/vectorized_parity_test.ts): each column swept equals
 * the event engine replaying the same share targets with `targetStrategy`, with and without
 * `maxGrossLeverage`, on a panel whose data ends early.
 */

import type { BarPanel } from "./panel.ts";
import type { SweepFill } from "./vectorized.ts";

/** Arguments of the MA crossover kernel. */
export interface MaCrossArgs {
  /** @default 5 */
  fastMin?: number;
  /** @default 40 */
  fastCount?: number;
  /** @default 10 */
  slowGap?: number;
  /** @default 4 */
  slowStep?: number;
  /** Shares held long or short. @default 100 */
  shares?: number;
}

/** Fast and slow windows of column c. */
export function maCrossWindows(c: number, a: MaCrossArgs = {}): [number, number] {
  const fastCount = a.fastCount ?? 40;
  const fast = (a.fastMin ?? 5) + (c % fastCount);
  return [fast, fast + (a.slowGap ?? 10) + Math.floor(c / fastCount) * (a.slowStep ?? 4)];
}

/**
 * Build the kernel for a panel (prefix sums computed once per worker). The kernel also has
 * `range(col, from, to, out)` (targets of bars from..to-1 into out[0 .. to - from)), so
 * {@link sweepVectorized} runs it in cache-sized blocks of bars.
 */
export function createKernel(panel: BarPanel, args: MaCrossArgs = {}): SweepFill {
  const n = panel.tsMs.length;
  const cs = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) cs[t + 1] = cs[t]! + panel.close[t]!;
  const shares = args.shares ?? 100;
  const range = (c: number, from: number, to: number, out: Float64Array): void => {
    const [fast, slow] = maCrossWindows(c, args);
    // writes every entry (NaN before the slow window is full), so sweeps may skip the NaN prefill
    const start = Math.max(from, Math.min(to, slow - 1));
    out.fill(NaN, 0, start - from);
    // MA(fast) > MA(slow)  <=>  sum_fast * slow > sum_slow * fast (no division)
    for (let t = start; t < to; t++) {
      const c1 = cs[t + 1]!;
      out[t - from] = (c1 - cs[t + 1 - fast]!) * slow > (c1 - cs[t + 1 - slow]!) * fast
        ? shares
        : -shares;
    }
  };
  const fill = (c: number, out: Float64Array): void => range(c, 0, n, out);
  return Object.assign(fill, { range });
}
