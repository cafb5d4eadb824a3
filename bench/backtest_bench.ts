/**
 * Backtest throughput. Run: `deno bench -A bench/backtest_bench.ts` (about a minute).
 * - event-driven engine: 500 symbols x 10 years of daily bars (2,520), monthly momentum
 *   rebalance with IBKR fees, spread, sqrt impact and the 10% ADV cap; prints bar-events/s
 *   (symbols x bars / wall time). Target >= 2 million/s.
 * - vectorised sweep: 1,000 MA-crossover parameter columns over 1 million bars of one symbol;
 *   prints bar-evaluations/s (columns x bars / wall time), target signal generation included.
 *   Target >= 100 million/s. Run both on one thread and on one worker per core.
 */

import {
  createMaCrossKernel,
  runBacktest,
  sweepVectorized,
  sweepVectorizedParallel,
  syntheticPanel,
} from "../lib/backtest/mod.ts";
import { IBKR_FIXED } from "../lib/execution/mod.ts";

const EVENT_SYMBOLS = 500;
const EVENT_BARS = 2520;
const SWEEP_COLUMNS = Number(Deno.env.get("SWEEP_COLUMNS") ?? 1000);
const SWEEP_BARS = 1_000_000;

const eventPanel = syntheticPanel({ symbols: EVENT_SYMBOLS, bars: EVENT_BARS, seed: 1 });

function runEvent(): number {
  const nBars = EVENT_BARS;
  const t0 = performance.now();
  runBacktest(eventPanel, {
    onBar(ctx) {
      if (ctx.t < 21 || ctx.t % 21 !== 0) return;
      const n = ctx.symbols.length;
      const mom = new Float64Array(n);
      for (let s = 0; s < n; s++) mom[s] = ctx.close(s) / ctx.close(s, 20) - 1;
      const order = Array.from(mom.keys()).sort((a, b) => mom[a]! - mom[b]!);
      const k = 50;
      for (let r = 0; r < n; r++) {
        const s = order[r]!;
        ctx.orderTargetWeight(s, r < k ? -0.5 / k : r >= n - k ? 0.5 / k : 0);
      }
    },
  }, {
    costs: { fees: IBKR_FIXED, halfSpreadBps: 2, impactCoef: 1, borrowRateAnnual: 0.01 },
    recordPositions: true,
  });
  const dt = (performance.now() - t0) / 1000;
  return (EVENT_SYMBOLS * nBars) / dt;
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
