/**
 * Benchmarks for the simulated market (lib/sources/sim).
 * Run: deno bench -A bench/sim_bench.ts
 *
 * - one year of SPY second bars (~5.9M bars over 252 sessions), generated day by day;
 * - one month of option minute aggregates for 500 contracts (500 x ~21 sessions x 390 minutes);
 * - one 50,000-bar page of SPY second aggregates served over loopback (generation + JSON);
 * - the option chain snapshot, 250 contracts per page.
 * Throughput figures are printed once before the timed runs.
 */
import { generateWorld, startSimServer } from "../lib/sources/sim/mod.ts";

const year = generateWorld({ seed: 1, start: "2024-01-02", end: "2024-12-31", equityCount: 0 });
const month = generateWorld({ seed: 2, start: "2024-03-01", end: "2024-03-28", equityCount: 0 });
const contracts = month.options.listed("2024-03-01").filter((c) => c.expiration >= "2024-03-28")
  .slice(0, 500);

function secondsYear(): number {
  const w = generateWorld({ seed: 1, start: "2024-01-02", end: "2024-12-31", equityCount: 0 });
  let n = 0;
  for (const d of w.days) n += w.spySecondBars(d)!.length;
  return n;
}

function optionMonth(): number {
  const w = generateWorld({ seed: 2, start: "2024-03-01", end: "2024-03-28", equityCount: 0 });
  let n = 0;
  for (const d of w.days) for (const c of contracts) n += w.options.minuteAggs(c, d).length;
  return n;
}

{
  let t0 = performance.now();
  const bars = secondsYear();
  let s = (performance.now() - t0) / 1000;
  console.log(
    `SPY second bars, 1 year: ${bars} bars in ${s.toFixed(2)} s (${
      (bars / s / 1e6).toFixed(2)
    } M bars/s)`,
  );
  t0 = performance.now();
  const aggs = optionMonth();
  s = (performance.now() - t0) / 1000;
  const minutes = contracts.length * month.days.length * 390;
  console.log(
    `Option minute aggs, 500 contracts x ${month.days.length} sessions: ${aggs} bars with trades of ${minutes} contract-minutes in ${
      s.toFixed(2)
    } s (${(minutes / s / 1e6).toFixed(2)} M contract-minutes/s)`,
  );
  void year;
}

Deno.bench({
  name: "SPY second bars, 1 year (252 sessions)",
  n: 2,
  warmup: 0,
  fn: () => void secondsYear(),
});
Deno.bench({
  name: "option minute aggs, 500 contracts x 1 month",
  n: 2,
  warmup: 0,
  fn: () => void optionMonth(),
});

const sim = await startSimServer({
  seed: 3,
  world: { start: "2024-03-01", end: "2024-03-28", equityCount: 10 },
});
Deno.bench({
  name: "serve 50,000 SPY second bars (one page)",
  n: 5,
  warmup: 1,
  async fn() {
    const r = await fetch(
      `${sim.baseUrl}/v2/aggs/ticker/SPY/range/1/second/2024-03-04/2024-03-28?apiKey=k&limit=50000`,
    );
    await r.arrayBuffer();
  },
});
Deno.bench({
  name: "serve options snapshot page (250 contracts)",
  n: 5,
  warmup: 1,
  async fn() {
    const r = await fetch(`${sim.baseUrl}/v3/snapshot/options/SPY?apiKey=k&limit=250`);
    await r.arrayBuffer();
  },
});
globalThis.addEventListener("unload", () => void sim.close());
