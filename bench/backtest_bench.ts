/**
 * Backtest throughput. Run: `deno bench -A bench/backtest_bench.ts` (about a minute).
 * - event-driven engine: 500 symbols x 10 years of daily bars (2,520), monthly momentum
 *   rebalance with IBKR fees, spread, sqrt impact and the 10% ADV cap; prints bar-events/s
 *   (symbols x bars / wall time). Target >= 10 million/s (CPU time per core, side by side with
 *   a minimal Python loop: `bench/backtest_compare.ts`). Scenario: `bench/_event_scenario.ts`.
 * - vectorised sweep: 1,000 MA-crossover parameter columns over 1 million bars of one symbol;
 *   prints bar-evaluations/s (columns x bars / wall time), target signal generation included.
 *   Target >= 100 million/s. Run both on one thread and on one worker per core.
 */

import {
  createMaCrossKernel,
  sweepVectorized,
  sweepVectorizedParallel,
} from "../lib/backtest/mod.ts";
import { IBKR_FIXED } from "../lib/execution/mod.ts";
import { EVENT_BARS, EVENT_SYMBOLS, eventPanel, runEventScenario } from "./_event_scenario.ts";

const SWEEP_COLUMNS = Number(Deno.env.get("SWEEP_COLUMNS") ?? 1000);
const SWEEP_BARS = 1_000_000;

const panel = eventPanel();

function runEvent(): number {
  const t0 = performance.now();
  runEventScenario(panel);
  const dt = (performance.now() - t0) / 1000;
  return (EVENT_SYMBOLS * EVENT_BARS) / dt;
}

// One symbol, 1M bars (minute-like; each bar its own "day" for the ADV estimate).

const big = (() => {
  const n = SWEEP_BARS;
  const open = new Float64Array(n), close = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), volume = new Float64Array(n), tsMs = new Float64Array(n);
  let px = 100;
  let seed = 12345;
  for (let t = 0; t < n; t++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const r = (seed / 2147483648 - 0.5) * 0.002;
    open[t] = px;
    px *= 1 + r;
    close[t] = px;
    high[t] = Math.max(open[t]!, px);
    low[t] = Math.min(open[t]!, px);
    volume[t] = 100_000;
    tsMs[t] = 1.6e12 + t * 60_000;
  }
  return { symbols: ["X"], tsMs, open, high, low, close, volume };
})();

const kernelUrl = new URL("../lib/backtest/ma_cross_kernel.ts", import.meta.url);
const sweepCosts = { costs: { fees: IBKR_FIXED, halfSpreadBps: 1 }, prefillNaN: false };

function runSweep(): number {
  const t0 = performance.now();
  const res = sweepVectorized(big, SWEEP_COLUMNS, createMaCrossKernel(big, {}), sweepCosts);
  return res.barEvaluations / ((performance.now() - t0) / 1000);
}

async function runSweepParallel(): Promise<number> {
  const t0 = performance.now();
  const res = await sweepVectorizedParallel(big, SWEEP_COLUMNS, { url: kernelUrl }, {
    ...sweepCosts,
    workers: navigator.hardwareConcurrency,
  });
  return res.barEvaluations / ((performance.now() - t0) / 1000);
}

let printed = false;
Deno.bench({
  name: `event engine ${EVENT_SYMBOLS} symbols x ${EVENT_BARS} daily bars`,
  n: 3,
  warmup: 1,
  fn() {
    const r = runEvent();
    console.log(`event-driven: ${(r / 1e6).toFixed(2)} million bar-events/s`);
  },
});
Deno.bench({
  name:
    `vectorised sweep ${SWEEP_COLUMNS} columns x ${SWEEP_BARS} bars, ${navigator.hardwareConcurrency} workers`,
  n: 1,
  warmup: 0,
  async fn() {
    const r = await runSweepParallel();
    console.log(
      `vectorised sweep (${navigator.hardwareConcurrency} workers): ${
        (r / 1e6).toFixed(1)
      } million bar-evaluations/s`,
    );
  },
});
Deno.bench({
  name: `vectorised sweep ${SWEEP_COLUMNS} columns x ${SWEEP_BARS} bars, 1 thread`,
  n: 1,
  warmup: 0,
  fn() {
    const r = runSweep();
    if (!printed) {
      console.log(`vectorised sweep: ${(r / 1e6).toFixed(1)} million bar-evaluations/s`);
    }
    printed = true;
  },
});
