/**
 * Options kernels benchmark.
 *
 * - `deno bench -A bench/options_bench.ts`: Deno.bench timings on 100k-option batches.
 * - `deno run -A bench/options_bench.ts [--n 10000000] [--no-svi]`: prints throughput for 10 million
 *   options (bsGreeks, bsPrice, impliedVol; processed in 1M chunks to bound memory, output
 *   arrays reused across chunks through the `out` option, "/alloc" lines without) and the time
 *   to fit SVI per slice and SSVI per minute to one trading day (390 minutes) of per-minute
 *   chains (8 expiries x 41 strikes), cold (multi-start) and warm-started from the previous
 *   minute's fit.
 */
import {
  bsGreeks,
  bsPrice,
  emptyOptionColumns,
  fitSsvi,
  fitSvi,
  impliedVolWithSummary,
  type OptionColumns,
  type SsviParams,
  ssviTotalVariance,
  type SviParams,
} from "../lib/options/mod.ts";
import { MINUTES_PER_SESSION, Rng } from "../lib/core/mod.ts";
import process from "node:process";

function randomBatch(n: number, seed: number): { o: OptionColumns; vol: Float64Array } {
  const rng = new Rng(seed);
  const o = emptyOptionColumns(n);
  const vol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    o.spot[i] = 100;
    o.strike[i] = 100 * Math.exp((rng.uniform() * 2 - 1) * Math.LN2); // K/S in 0.5..2
    o.t[i] = Math.exp(Math.log(1 / 365) + rng.uniform() * Math.log(5 * 365)); // 1 day..5 y
    o.rate[i] = -0.01 + 0.09 * rng.uniform();
    o.div[i] = -0.01 + 0.09 * rng.uniform();
    o.isCall[i] = rng.uniform() < 0.5 ? 1 : 0;
    vol[i] = Math.exp(Math.log(0.05) + rng.uniform() * Math.log(40)); // 0.05..2
  }
  return { o, vol };
}

function minuteChains(minutes: number) {
  const expiriesDays = [7, 14, 30, 45, 60, 90, 180, 365];
  const out: { t: number; k: Float64Array; w: Float64Array }[][] = [];
  const rng = new Rng(3);
  for (let m = 0; m < minutes; m++) {
    const p = { rho: -0.6 + 0.01 * Math.sin(m / 50), eta: 1.1, gamma: 0.4 };
    const level = 0.04 * (1 + 0.05 * Math.sin(m / 90));
    out.push(expiriesDays.map((d) => {
      const t = d / 365 - m / (365 * 1440);
      const k = Float64Array.from({ length: 41 }, (_, i) => (-1 + i / 20) * 0.6 * Math.sqrt(t));
      const w = k.map((x) => ssviTotalVariance(p, x, level * t) * (1 + 0.002 * rng.normal()));
      return { t, k, w };
    }));
  }
  return out;
}

if (import.meta.main) {
  const argN = Deno.args.indexOf("--n");
  const total = argN >= 0 ? Number(Deno.args[argN + 1]) : 10_000_000;
  const chunk = Math.min(total, 1_000_000);
  const { o, vol } = randomBatch(chunk, 1);
  const price = bsPrice(o, vol);
  bsGreeks(o, vol);
  impliedVolWithSummary(o, price); // warm-up
  // Wall-clock and process CPU time: on a shared machine the CPU-time figure is the one that
  // says what one core does (wall time also counts the time other processes held the core).
  const rate = (label: string, fn: () => void) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let done = 0;
    while (done < total) {
      fn();
      done += chunk;
    }
    const s = (performance.now() - t0) / 1000;
    const u = process.cpuUsage(c0);
    const cpu = (u.user + u.system) / 1e6;
    console.log(
      `${label.padEnd(15)} ${done.toLocaleString("en-US")} options: wall ${s.toFixed(2)} s = ${
        (done / s / 1e6).toFixed(2)
      } M/s; cpu ${cpu.toFixed(2)} s = ${(done / cpu / 1e6).toFixed(2)} M options/s`,
    );
  };
  // calibration of this machine: the transcendental floor of one option's Greeks (cpu time)
  {
    const a = vol.subarray(0, chunk);
    const out = new Float64Array(chunk);
    const c0 = process.cpuUsage();
    for (let i = 0; i < chunk; i++) {
      const x = a[i]!;
      out[i] = Math.exp(-x) + Math.exp(0.3 * x) + Math.exp(-x * x) + Math.log(x) + Math.sqrt(x);
    }
    const ns = process.cpuUsage(c0).user * 1e3 / chunk;
    console.log(`calibration    3 exp + log + sqrt: ${ns.toFixed(1)} ns cpu per element`);
  }
  // outputs reused across chunks (the `out` option), as a caller streaming batches would;
  // "/alloc" lines allocate fresh arrays per chunk (page faults on first touch included)
  const g = bsGreeks(o, vol);
  const pOut = new Float64Array(chunk);
  rate("bsGreeks", () => bsGreeks(o, vol, { out: g }));
  rate("bsGreeks/alloc", () => bsGreeks(o, vol));
  // chain layout: (t, rate, div) shared by blocks of 100 strikes, as in a real chain
  const oc = randomBatch(chunk, 2).o;
  for (let i = 0; i < chunk; i++) {
    const b = i - (i % 100);
    oc.t[i] = oc.t[b]!;
    oc.rate[i] = oc.rate[b]!;
    oc.div[i] = oc.div[b]!;
  }
  rate("bsGreeks/chain", () => bsGreeks(oc, vol, { out: g }));
  rate("bsPrice", () => bsPrice(o, vol, { out: pOut }));
  rate("bsPrice/alloc", () => bsPrice(o, vol));
  let maxIter = 0;
  const ivOut = new Float64Array(chunk);
  rate("impliedVol", () => {
    const { summary } = impliedVolWithSummary(o, price, { out: ivOut });
    maxIter = Math.max(maxIter, summary.maxIterations);
  });
  rate("impliedVol/alloc", () => impliedVolWithSummary(o, price));
  console.log(`impliedVol   max iterations per option: ${maxIter}`);
  const minutes = MINUTES_PER_SESSION;
  const chains = minuteChains(minutes);
  const day = (label: string, warm: boolean) => {
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    let fits = 0, ok = 0;
    let prev: (SviParams | undefined)[] = [];
    for (const chain of chains) {
      prev = chain.map((s, j) => {
        fits++;
        const f = fitSvi(s, warm && prev[j] ? { start: prev[j] } : {});
        if (f.ok) ok++;
        return f.params;
      });
    }
    let s = (performance.now() - t0) / 1000;
    let cpu = process.cpuUsage(c0).user / 1e6;
    console.log(
      `fitSvi ${
        label.padEnd(5)
      } ${fits} slices (${minutes} minutes x 8 expiries x 41 strikes): wall ${
        s.toFixed(2)
      } s, cpu ${cpu.toFixed(2)} s (${(1000 * cpu / fits).toFixed(2)} ms cpu/slice, ${ok} ok)`,
    );
    t0 = performance.now();
    c0 = process.cpuUsage();
    ok = 0;
    let prevS: SsviParams | undefined;
    for (const chain of chains) {
      const f = fitSsvi(chain, warm && prevS ? { start: prevS } : {});
      prevS = f.params;
      if (f.ok) ok++;
    }
    s = (performance.now() - t0) / 1000;
    cpu = process.cpuUsage(c0).user / 1e6;
    console.log(
      `fitSsvi ${label.padEnd(5)} ${minutes} surfaces (one per minute, 8 expiries): wall ${
        s.toFixed(2)
      } s, cpu ${cpu.toFixed(2)} s (${(1000 * cpu / minutes).toFixed(2)} ms cpu/surface, ${ok} ok)`,
    );
  };
  if (!Deno.args.includes("--no-svi")) {
    day("cold", false);
    day("warm", true);
  }
} else {
  const { o, vol } = randomBatch(100_000, 1);
  const price = bsPrice(o, vol);
  const chain = minuteChains(1)[0]!;
  Deno.bench("bsGreeks 100k", () => {
    bsGreeks(o, vol);
  });
  Deno.bench("bsPrice 100k", () => {
    bsPrice(o, vol);
  });
  Deno.bench("impliedVol 100k", () => {
    impliedVolWithSummary(o, price);
  });
  Deno.bench("fitSvi one slice (41 strikes)", () => {
    fitSvi(chain[2]!);
  });
  Deno.bench("fitSsvi one minute (8 expiries)", () => {
    fitSsvi(chain);
  });
}
