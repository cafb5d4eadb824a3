/**
 * Dukascopy throughput. Run: `deno bench -A bench/dukascopy_bench.ts` (a few seconds).
 * - decode: one simulated EURUSD session (24 `.bi5` hour files, LZMA alone via lzma1) to tick
 *   columns; prints ticks/s and compressed MB/s.
 * - bars: the session's ticks to M1 and to D1 bars; prints ticks/s.
 * - encode (the simulated market's cost per file): records to `.bi5`; prints ticks/s.
 */
import { parseBi5 } from "../lib/sources/dukascopy.ts";
import { fxBarsFromTicks } from "../lib/sources/fx_tick_bars.ts";
import { encodeBi5, simHourTicks } from "../lib/sources/sim/dukascopy.ts";
import { generateWorld } from "../lib/sources/sim/world.ts";
import { getCalendar } from "../lib/time/mod.ts";

const world = generateWorld({ seed: 1, start: "2024-01-02", end: "2024-03-29", equityCount: 1 });
const bounds = getCalendar("fx").sessionBounds("2024-03-13")!;
const hours: number[] = [];
for (let h = bounds.open.getTime(); h < bounds.close.getTime(); h += 3_600_000) hours.push(h);
const sims = hours.map((h) => simHourTicks(world, "EURUSD", h)!);
const files = sims.map(encodeBi5);
const nTicks = sims.reduce((s, t) => s + t.ms.length, 0);
const nBytes = files.reduce((s, f) => s + f.length, 0);

const ts: number[] = [],
  bid: number[] = [],
  ask: number[] = [],
  bv: number[] = [],
  av: number[] = [];
sims.forEach((t, k) =>
  t.ms.forEach((m, i) => {
    ts.push(hours[k]! + m);
    bid.push(t.bidPoints[i]! / 1e5);
    ask.push(t.askPoints[i]! / 1e5);
    bv.push(t.bidVolume[i]!);
    av.push(t.askVolume[i]!);
  })
);
const cols = {
  ts_ms: Float64Array.from(ts),
  bid: Float64Array.from(bid),
  ask: Float64Array.from(ask),
  bid_volume: Float64Array.from(bv),
  ask_volume: Float64Array.from(av),
};

function rate(label: string, units: number, unitName: string, f: () => void, reps = 5): void {
  f();
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) f();
  const s = (performance.now() - t0) / 1000 / reps;
  console.log(`${label}: ${(units / s / 1e6).toFixed(2)} million ${unitName}/s`);
}

rate("decode .bi5 (ticks)", nTicks, "ticks", () => files.forEach((f) => parseBi5(f)));
rate("decode .bi5 (compressed bytes)", nBytes, "bytes", () => files.forEach((f) => parseBi5(f)));
rate("bars M1 from ticks", nTicks, "ticks", () => fxBarsFromTicks(cols, "M1"));
rate("bars D1 from ticks", nTicks, "ticks", () => fxBarsFromTicks(cols, "D1"));
rate(
  "encode .bi5 (sim)",
  sims.slice(0, 4).reduce((s, t) => s + t.ms.length, 0),
  "ticks",
  () => sims.slice(0, 4).forEach(encodeBi5),
  1,
);

Deno.bench("dukascopy decode one session", () => {
  for (const f of files) parseBi5(f);
});
Deno.bench("fx bars M1 from one session of ticks", () => {
  fxBarsFromTicks(cols, "M1");
});
