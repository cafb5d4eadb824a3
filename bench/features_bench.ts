/**
 * Feature benchmarks. Run: `deno bench -A bench/features_bench.ts`.
 *
 * - Cross-sectional feature set (7 features, each ranked per date) on a seeded synthetic panel of
 *   800 symbols x 13 years of daily bars (3276 sessions). Target: < 5 s cold. The first, cold run
 *   (no JIT warm-up, no caches) is timed and printed before Deno.bench's warm iterations.
 * - Consolidation of one simulated trading day: 500 SPY option contracts x 390 minutes
 *   (lib/frames/consolidate.ts, inputs prepared beforehand). Target: < 2 s. The cold run is
 *   printed first.
 * - Technical indicators over one long column.
 */
import process from "node:process";
import { Rng } from "../lib/core/mod.ts";
import { crossSectionalFeatures } from "../lib/features/cross_sectional.ts";
import { bollinger, macd, rsi } from "../lib/features/technical.ts";
import { tradingDays } from "../lib/time/mod.ts";
import { consolidateOptionMinutes, simConsolidationInput } from "../lib/frames/mod.ts";
import { generateWorld } from "../lib/sources/sim/world.ts";

const N_SYMBOLS = 800;
const dates = tradingDays("2010-11-01", "2023-12-29").slice(-3276); // 13 x 252 sessions
const nT = dates.length;

function panel() {
  const rng = new Rng(42);
  const close = new Float64Array(nT * N_SYMBOLS);
  const volume = new Float64Array(nT * N_SYMBOLS);
  for (let s = 0; s < N_SYMBOLS; s++) {
    let lp = Math.log(20 + 80 * rng.uniform());
    const sigma = 0.01 + 0.02 * rng.uniform();
    for (let t = 0; t < nT; t++) {
      lp += sigma * rng.normal();
      close[t * N_SYMBOLS + s] = Math.exp(lp);
      volume[t * N_SYMBOLS + s] = 1e5 * (1 + 9 * rng.uniform());
    }
  }
  return { dates, symbols: Array.from({ length: N_SYMBOLS }, (_, i) => `S${i}`), close, volume };
}

/** CPU milliseconds of this process (user + system) since `from`. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
const load = () => Deno.loadavg()[0]!.toFixed(1);

const p = panel();
const c0cpu = process.cpuUsage();
const t0 = performance.now();
const feats = crossSectionalFeatures(p, { normalize: "rank" });
const coldMs = performance.now() - t0;
const cells = nT * N_SYMBOLS;
console.log(
  `cross-sectional features cold: ${N_SYMBOLS} symbols x ${nT} days x ${
    Object.keys(feats).length
  } features (ranked) in ${coldMs.toFixed(0)} ms wall, ${cpuMs(c0cpu).toFixed(0)} ms CPU = ${
    ((cells / coldMs) * 1000 / 1e6).toFixed(2)
  } M symbol-days/s (target < 5000 ms; 1-min load average ${load()} on ${navigator.hardwareConcurrency} cores)`,
);

Deno.bench("cross-sectional features, 800 x 13y, ranked", { n: 3, warmup: 0 }, () => {
  crossSectionalFeatures(p, { normalize: "rank" });
});

const long = p.close.subarray(0, 1_000_000);
Deno.bench("rsi + macd + bollinger over 1e6 values", { n: 5, warmup: 1 }, () => {
  rsi(long, 14);
  macd(long);
  bollinger(long);
});

const world = generateWorld({ seed: 1, start: "2024-01-22", end: "2024-02-01" });
const sim = simConsolidationInput(world, "2024-02-01", { strikeBand: 0.1, maxContracts: 500 });
const c1cpu = process.cpuUsage();
const c0 = performance.now();
const cons = consolidateOptionMinutes(sim.input, { rate: sim.rate, div: sim.div });
const consMs = performance.now() - c0;
console.log(
  `consolidation cold: ${sim.contracts} contracts x 390 minutes = ${cons.height} rows x ${cons.width} columns in ${
    consMs.toFixed(0)
  } ms wall, ${cpuMs(c1cpu).toFixed(0)} ms CPU = ${
    ((cons.height / consMs) * 1000 / 1e3).toFixed(0)
  } k rows/s (target < 2000 ms; load average ${load()})`,
);

Deno.bench("consolidate one session, 500 contracts x 390 minutes", { n: 5, warmup: 1 }, () => {
  consolidateOptionMinutes(sim.input, { rate: sim.rate, div: sim.div });
});
