/**
 * Dukascopy `.bi5` reading: the reference files written by Python's lzma module
 * (tests/reference/dukascopy_bi5.py, provenance in tests/fixtures/dukascopy/README.provenance.md)
 * are read exactly; the URL's month counts from 0; truncated and damaged files fail (and are
 * therefore retried) instead of landing partial data; record checks; the client against the
 * simulated datafeed.
 */
import { compress } from "lzma1";
import {
  bi5Path,
  decimalFactor,
  decodeLzmaAlone,
  DukascopyClient,
  hourFrame,
  parseBi5,
  rejectTicks,
} from "../../lib/sources/dukascopy.ts";
import { HttpError } from "../../lib/sources/_http.ts";
import { curateDukascopyTicks } from "../../lib/ingest/pipelines/dukascopy.ts";
import { encodeBi5, simHourTicks } from "../../lib/sources/sim/dukascopy.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";

const FIX = new URL("../fixtures/dukascopy/", import.meta.url);
const read = (name: string) => Deno.readFileSync(new URL(name, FIX));
const HOUR = Date.UTC(2024, 2, 15, 13); // 2024-03-15T13:00Z, the fixtures' hour

// The hand-chosen records of tests/reference/dukascopy_bi5.py.
const EURUSD = [
  [0, 108912, 108910, 1.5, 2.25],
  [250, 108913, 108911, 0.75, 1.0],
  [250, 108915, 108912, 3.0, 0.5],
  [61_000, 108905, 108901, 1.25, 1.125],
  [3_599_999, 108920, 108919, 10.0, 0.0625],
];

Deno.test("bi5: the Python-written EURUSD file decodes to the hand-chosen records exactly", () => {
  const t = parseBi5(read("EURUSD_2024-03-15T13.bi5"));
  assertEquals(t.length, 5);
  assertEquals(Array.from(t.ms), EURUSD.map((r) => r[0]));
  assertEquals(Array.from(t.askPoints), EURUSD.map((r) => r[1]));
  assertEquals(Array.from(t.bidPoints), EURUSD.map((r) => r[2]));
  assertEquals(Array.from(t.askVolume), EURUSD.map((r) => r[3]));
  assertEquals(Array.from(t.bidVolume), EURUSD.map((r) => r[4]));
  assertEquals(rejectTicks(t), [null, null, null, null, null]);
});

Deno.test("bi5: curated prices equal the reference prices (points / 10^5, JPY / 10^3)", () => {
  const expected = JSON.parse(new TextDecoder().decode(read("EURUSD_2024-03-15T13.json")));
  for (const ins of ["EURUSD", "USDJPY"]) {
    const t = parseBi5(read(`${ins}_2024-03-15T13.bi5`));
    const raw = hourFrame(ins, HOUR, t, rejectTicks(t));
    const cur = curateDukascopyTicks(raw).curated;
    const rows = cur.toRecords() as Record<string, unknown>[];
    const want = expected[ins] as Record<string, number>[];
    assertEquals(rows.length, want.length);
    rows.forEach((r, i) => {
      assertEquals((r.ts as Date).getTime(), want[i]!.ts_ms, `${ins} ts ${i}`);
      assertEquals((r.known_at as Date).getTime(), want[i]!.ts_ms, `${ins} known_at ${i}`);
      // Python's a / 1e5 and ours are the same IEEE division: equal bit for bit.
      assertEquals(r.bid, want[i]!.bid, `${ins} bid ${i}`);
      assertEquals(r.ask, want[i]!.ask, `${ins} ask ${i}`);
      assertEquals(r.bid_volume, want[i]!.bid_volume);
      assertEquals(r.ask_volume, want[i]!.ask_volume);
      assertEquals(r.seq, i);
    });
  }
  // Hand-worked: USDJPY 149456 ask points = 149.456, mid of the first tick (149456+149450)/2000.
  const j = curateDukascopyTicks(
    hourFrame("USDJPY", HOUR, parseBi5(read("USDJPY_2024-03-15T13.bi5")), [null, null]),
  ).curated;
  assertEquals(j.getColumn("ask").toArray()[0], 149.456);
  assertEquals(j.getColumn("mid").toArray()[0], 149.453);
});

Deno.test("bi5: a 0-byte file is an hour without ticks", () => {
  assertEquals(read("empty.bi5").length, 0);
  assertEquals(parseBi5(read("empty.bi5")).length, 0);
});

Deno.test("bi5: every truncation of a file fails instead of decoding garbage", () => {
  for (const name of ["EURUSD_2024-03-15T13.bi5", "USDJPY_2024-03-15T13.bi5"]) {
    const b = read(name);
    for (let cut = 1; cut < b.length; cut++) {
      assertThrows(() => parseBi5(b.subarray(0, cut)), Error, "LZMA stream");
    }
  }
  // A stream with a declared size (as the simulated market and the LZMA SDK write it).
  const sim = encodeBi5({
    ms: [1, 2, 3],
    askPoints: [110002, 110003, 110004],
    bidPoints: [110000, 110001, 110002],
    askVolume: [1, 2, 3],
    bidVolume: [4, 5, 6],
  });
  const full = parseBi5(sim);
  assertEquals(full.length, 3);
  // With a declared size the decoder may stop before the range coder's last flushed byte: a cut
  // there loses nothing (the output is complete and equal); any other cut fails.
  let failed = 0;
  for (let cut = 1; cut < sim.length; cut++) {
    try {
      assertEquals(parseBi5(sim.subarray(0, cut)), full, `cut at ${cut} of ${sim.length}`);
      assert(cut >= sim.length - 5, `cut at ${cut} of ${sim.length} decoded`);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("LZMA stream")) failed++;
      else throw e;
    }
  }
  assert(failed >= sim.length - 6, `${failed} of ${sim.length - 1} cuts failed`);
});

Deno.test("bi5: damaged payloads are errors naming the problem", () => {
  // 39 bytes: not whole 20-byte records.
  const odd = compress(new Uint8Array(39).fill(7), 1);
  assertThrows(() => parseBi5(odd), Error, "not a whole number of 20-byte records");
  // An HTML error page served with status 200.
  const html = new TextEncoder().encode("<html><body>Service unavailable</body></html>");
  assertThrows(() => decodeLzmaAlone(html), Error, "LZMA stream");
  // A header declaring an absurd size.
  const big = new Uint8Array(20);
  big[0] = 0x5d;
  big.fill(0x7f, 5, 13);
  assertThrows(() => decodeLzmaAlone(big), Error, "declares");
});

Deno.test("bi5 path: month counted from 0, hour floored, zero-padded", () => {
  assertEquals(bi5Path("EURUSD", Date.UTC(2024, 2, 15, 13)), "EURUSD/2024/02/15/13h_ticks.bi5");
  assertEquals(
    bi5Path("USDJPY", Date.UTC(2024, 0, 5, 7, 59, 59, 999)),
    "USDJPY/2024/00/05/07h_ticks.bi5",
  );
  assertEquals(bi5Path("EURUSD", Date.UTC(2023, 11, 31, 23)), "EURUSD/2023/11/31/23h_ticks.bi5");
});

Deno.test("decimal factor table: 10^5 for EURUSD, 10^3 for JPY pairs and gold; unknown throws", () => {
  assertEquals(decimalFactor("EURUSD"), 100_000);
  assertEquals(decimalFactor("USDJPY"), 1000);
  assertEquals(decimalFactor("XAUUSD"), 1000);
  assertThrows(() => decimalFactor("EURXYZ"), RangeError, "EURXYZ");
});

Deno.test("record checks: each reason on a hand-made hour", () => {
  const t = {
    length: 7,
    ms: Float64Array.from([10, 3_600_000, 5, 20, 30, 40, 50]),
    askPoints: Float64Array.from([100, 100, 100, 0, 99, 101, 101]),
    bidPoints: Float64Array.from([99, 99, 99, 99, 100, 100, 100]),
    askVolume: Float64Array.from([1, 1, 1, 1, 1, -1, 1]),
    bidVolume: Float64Array.from([1, 1, 1, 1, 1, 1, NaN]),
  };
  assertEquals(rejectTicks(t).map((r) => r?.code ?? null), [
    null,
    "outside_range",
    "not_increasing",
    "not_positive",
    "invalid_value",
    "negative_volume",
    "not_a_number",
  ]);
  assertEquals(rejectTicks(t)[4]!.detail, "crossed quote: ask 99 below bid 100");
});

Deno.test({
  name: "client against the simulated datafeed: ticks, empty weekend hour, 404, no query string",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sim = await startSimServer({
      seed: 5,
      world: { start: "2024-01-02", end: "2024-02-29", equityCount: 2 },
    });
    try {
      const dk = new DukascopyClient({
        baseUrl: `${sim.baseUrl}/datafeed`,
        httpOptions: { minIntervalMs: 0, maxRetries: 1, backoffBaseMs: 1 },
      });
      const h = Date.UTC(2024, 1, 14, 10); // Wednesday 2024-02-14 10:00 UTC
      const got = await dk.hourTicks("EURUSD", h);
      assertEquals(got.url, `${sim.baseUrl}/datafeed/EURUSD/2024/01/14/10h_ticks.bi5`);
      const want = simHourTicks(sim.world, "EURUSD", h)!;
      assertEquals(Array.from(got.ticks.ms), want.ms);
      assertEquals(Array.from(got.ticks.bidPoints), want.bidPoints);
      assert(got.ticks.length >= 240 && got.ticks.length <= 600, `${got.ticks.length} ticks`);
      assertEquals(got.rejected, []);
      // Saturday noon: the market is shut, a 0-byte file.
      const sat = await dk.hourTicks("EURUSD", Date.UTC(2024, 1, 17, 12));
      assertEquals([sat.ticks.length, sat.bytes], [0, 0]);
      // After the simulated "now": 404, a permanent error.
      await assertRejects(() => dk.hourTicks("EURUSD", Date.UTC(2024, 5, 3, 10)), HttpError, "404");
      // An instrument without a known price scale fails before any request.
      const before = sim.requestLog.length;
      await assertRejects(() => dk.hourTicks("EURXYZ", h), RangeError);
      assertEquals(sim.requestLog.length, before);
      assert(sim.requestLog.every((r) => !r.path.includes("?")), "no query strings");
    } finally {
      await sim.close();
    }
  },
});

Deno.test("sim ticks: the M1 mid candles of the world at open, high, low and close", () => {
  // Each world minute is reproduced by its ticks: first = open, last = close, max = high,
  // min = low (mid in points), bid/ask = mid -/+ the world's half-spread.
  return (async () => {
    const { generateWorld } = await import("../../lib/sources/sim/world.ts");
    const { fxDayStartMs } = await import("../../lib/sources/sim/fx.ts");
    const w = generateWorld({ seed: 9, start: "2024-01-02", end: "2024-01-31", equityCount: 1 });
    const day = w.fx.day("EUR_USD", "2024-01-17")!;
    const open = fxDayStartMs("2024-01-17");
    for (const hour of [0, 5, 23]) {
      const h = open + hour * 3_600_000;
      const t = simHourTicks(w, "EURUSD", h)!;
      for (let m = 0; m < 60; m++) {
        const k = hour * 60 + m;
        const idx = t.ms.map((ms, i) => [ms, i] as const).filter(([ms]) =>
          ms >= m * 60_000 && ms < (m + 1) * 60_000
        ).map(([, i]) => i);
        assert(idx.length >= 4, "at least 4 ticks a minute");
        const mid = idx.map((i) => (t.askPoints[i]! + t.bidPoints[i]!) / 2);
        assertEquals(mid[0], Math.round(day.mid.o[k]! * 1e5));
        assertEquals(mid[mid.length - 1], Math.round(day.mid.c[k]! * 1e5));
        assertEquals(Math.max(...mid), Math.round(day.mid.h[k]! * 1e5));
        assertEquals(Math.min(...mid), Math.round(day.mid.l[k]! * 1e5));
        const half = (t.askPoints[idx[0]!]! - t.bidPoints[idx[0]!]!) / 2;
        assertEquals(half, Math.round(day.halfSpread[k]! * 1e5));
      }
    }
  })();
});
