/**
 * Book features on hand-worked snapshots (the LOBSTER fixture, values worked from its rows) and
 * through the point-in-time harness (lib/features/point_in_time.ts).
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { bookFeatures, parseLobster, resampleBookFeatures } from "../../lib/book/mod.ts";
import type { BookSnapshots } from "../../lib/book/mod.ts";
import { assertPointInTime, checkPointInTime } from "../../lib/features/point_in_time.ts";
import { simulateLobsterDay } from "../../lib/sources/sim/lobster.ts";
import { fixtureTexts } from "./_fixture.ts";

const TOL = 1e-9;

async function fixture() {
  const { message, orderbook } = await fixtureTexts();
  return parseLobster(message, orderbook, { symbol: "TEST", date: "2012-06-21" }).day;
}

Deno.test("book features: hand-worked first snapshots", async () => {
  const f = bookFeatures(await fixture(), { depthLevels: 3 });
  // row 1: ask 100.02 x 100, 100.03 x 400, 100.04 x 200; bid 100.01 x 200, 100.00 x 300, 99.99 x 200
  assertAlmostEquals(f.mid![0]!, 100.015, TOL);
  assertAlmostEquals(f.spread![0]!, 0.01, TOL);
  assertAlmostEquals(f.microprice![0]!, 30005 / 300, TOL); // (100.02*200 + 100.01*100) / 300
  assertEquals(f.bid_depth_3![0], 700);
  assertEquals(f.ask_depth_3![0], 700);
  assertAlmostEquals(f.imbalance_1![0]!, 1 / 3, TOL);
  assertAlmostEquals(f.imbalance_3![0]!, 0, TOL);
  // row 2: the 100.02 ask is gone, only 600 shares on 2 ask levels
  assertEquals(f.ask_depth_3![1], 600);
  assertAlmostEquals(f.imbalance_3![1]!, (700 - 600) / 1300, TOL);
  assertAlmostEquals(f.spread_bps![1]!, 1e4 * 0.02 / 100.02, TOL);
  // OFI (Cont, Kukanov, Stoikov 2014): buy MO takes the best ask of 100 -> +100; cancel below
  // the shown levels -> 0; new better ask 300 -> -300; sell MO 50 on the bid -> -50; hidden
  // execution, deeper deletion, halts, a 4th-level bid -> 0
  assert(Number.isNaN(f.ofi![0]!));
  assertEquals(Array.from(f.ofi!.slice(1)), [100, 0, -300, -50, 0, 0, 0, 0, 0]);
});

Deno.test("book features: resampled per second (last state, summed OFI, known at the close)", async () => {
  const day = await fixture();
  const r = resampleBookFeatures(day, { intervalMs: 1000, depthLevels: 2 });
  const t0 = Date.UTC(2012, 5, 21, 13, 30, 0);
  assertEquals(Array.from(r.ts_ms!), [0, 1, 2, 3, 4, 5].map((s) => t0 + 1000 * s));
  assertEquals(Array.from(r.known_at_ms!), [1, 2, 3, 4, 5, 6].map((s) => t0 + 1000 * s));
  assertEquals(Array.from(r.ofi!), [100, -300, -50, 0, 0, 0]);
  assertEquals(Array.from(r.events!), [2, 2, 2, 1, 1, 2]);
  assertAlmostEquals(r.mid![0]!, 100.02, TOL); // (100.03 + 100.01) / 2 after the buy MO
  assertAlmostEquals(r.mid![1]!, 100.015, TOL);
  assertEquals(r.bid_depth_1![2], 150);
  // per minute: one interval
  const m = resampleBookFeatures(day, { intervalMs: 60_000 });
  assertEquals(m.ofi!.length, 1);
  assertEquals(m.ofi![0], -250);
  // an interval without events carries the state forward
  const w = resampleBookFeatures(day, { intervalMs: 1000, endMs: t0 + 8000 });
  assertEquals(w.events![7], 0);
  assertEquals(w.mid![7], w.mid![5]);
});

Deno.test("book features: empty, bad options, one-sided book", () => {
  const empty: BookSnapshots = {
    length: 0,
    tsMs: new Float64Array(),
    askPrice: [new Float64Array()],
    askSize: [new Float64Array()],
    bidPrice: [new Float64Array()],
    bidSize: [new Float64Array()],
  };
  assertEquals(bookFeatures(empty).mid!.length, 0);
  assertEquals(resampleBookFeatures(empty).ofi!.length, 0);
  assertThrows(() => bookFeatures(empty, { depthLevels: 2 }), RangeError, "depthLevels");
  assertThrows(() => resampleBookFeatures(empty, { intervalMs: 0 }), RangeError, "intervalMs");
  const one: BookSnapshots = {
    length: 1,
    tsMs: Float64Array.of(0),
    askPrice: [Float64Array.of(NaN)],
    askSize: [Float64Array.of(0)],
    bidPrice: [Float64Array.of(10)],
    bidSize: [Float64Array.of(5)],
  };
  const f = bookFeatures(one);
  assert(Number.isNaN(f.mid![0]!) && Number.isNaN(f.spread![0]!));
  assertEquals(f.imbalance_1![0], 1);
});

function asSnapshots(x: Record<string, Float64Array>, levels: number): BookSnapshots {
  return {
    length: x.ts!.length,
    tsMs: x.ts!,
    askPrice: Array.from({ length: levels }, (_, l) => x[`ap${l}`]!),
    askSize: Array.from({ length: levels }, (_, l) => x[`as${l}`]!),
    bidPrice: Array.from({ length: levels }, (_, l) => x[`bp${l}`]!),
    bidSize: Array.from({ length: levels }, (_, l) => x[`bs${l}`]!),
  };
}

const SIM = simulateLobsterDay("ZZZ", "2024-03-27", {
  levels: 3,
  endMs: 34_200_000 + 120_000,
  eventsPerSecond: 5,
  seed: 11,
});

function inputs(n: number, perSecond: number) {
  // regular snapshots (perSecond a second) so the harness's fixed width maps inputs to seconds
  const x: Record<string, Float64Array> = {
    ts: Float64Array.from(
      { length: n },
      (_, i) => Math.floor(i / perSecond) * 1000 + (i % perSecond),
    ),
  };
  for (let l = 0; l < 3; l++) {
    x[`ap${l}`] = SIM.askPrice[l]!.slice(0, n);
    x[`as${l}`] = SIM.askSize[l]!.slice(0, n);
    x[`bp${l}`] = SIM.bidPrice[l]!.slice(0, n);
    x[`bs${l}`] = SIM.bidSize[l]!.slice(0, n);
  }
  return x;
}

Deno.test("point in time: per-snapshot book features", () => {
  assertPointInTime((x) => bookFeatures(asSnapshots(x, 3), { depthLevels: 3 }), inputs(400, 1), {
    fixed: ["ts"],
  });
});

Deno.test("point in time: book features resampled per second (known at the interval end)", () => {
  assertPointInTime(
    (x) => {
      const r = resampleBookFeatures(asSnapshots(x, 3), { intervalMs: 1000, depthLevels: 3 });
      delete r.ts_ms;
      delete r.known_at_ms;
      return r;
    },
    inputs(400, 10),
    { width: 10, outputWidth: 1, fixed: ["ts"] },
  );
});

Deno.test("point in time: the harness catches a leaky book feature (next snapshot's mid)", () => {
  const rep = checkPointInTime(
    (x) => {
      const f = bookFeatures(asSnapshots(x, 3));
      return Float64Array.from(f.mid!, (_, i) => f.mid![Math.min(i + 1, f.mid!.length - 1)]!);
    },
    inputs(200, 1),
    { fixed: ["ts"] },
  );
  assert(!rep.ok);
});
