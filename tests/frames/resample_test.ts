import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import pl from "nodejs-polars";
import { resampleBars, resampleFrame } from "../../lib/frames/resample.ts";
import { sessionBounds } from "../../lib/time/mod.ts";

const ATOL = 1e-12;
const f = (xs: number[]) => Float64Array.from(xs);

Deno.test("seconds to minutes: OHLCV, VWAP, right edge as known_at", () => {
  const t0 = Date.parse("2024-01-02T14:30:00Z");
  const bars = {
    ts: f([t0, t0 + 1000, t0 + 59_000, t0 + 60_000]),
    open: f([10, 11, 12, 13]),
    high: f([11, 13, 12.5, 13]),
    low: f([9.5, 10.5, 11.8, 12.9]),
    close: f([11, 12, 12.2, 13]),
    volume: f([100, 300, 0, 50]),
    vwap: f([10.5, 12, 12.1, 13]),
  };
  const m = resampleBars(bars, { everyMs: 60_000 });
  assertEquals(Array.from(m.ts), [t0, t0 + 60_000]);
  assertEquals(Array.from(m.known_at), [t0 + 60_000, t0 + 120_000]);
  assertEquals([m.open[0], m.high[0], m.low[0], m.close[0], m.volume[0]], [10, 13, 9.5, 12.2, 400]);
  assertAlmostEquals(m.vwap[0]!, (10.5 * 100 + 12 * 300) / 400, ATOL);
  assertEquals(Array.from(m.count), [3, 1]);
});

Deno.test("minutes to sessions: drops extended hours, early close sets known_at", () => {
  const b = sessionBounds("2024-07-03")!; // early close 13:00 ET
  const open = b.open.getTime();
  const ts = f([open - 60_000, open, open + 60_000, b.close.getTime() - 60_000, b.close.getTime()]);
  const one = f([1, 1, 1, 1, 1]);
  const d = resampleBars({
    ts,
    open: f([1, 2, 3, 4, 5]),
    high: f([9, 2, 3, 4, 9]),
    low: f([0, 2, 3, 4, 0]),
    close: f([1, 2, 3, 4, 5]),
    volume: one,
  }, { by: "session" });
  assertEquals(d.ts.length, 1);
  assertEquals(d.ts[0], open);
  assertEquals(d.known_at[0], Date.parse("2024-07-03T17:00:00Z"));
  assertEquals([d.open[0], d.high[0], d.low[0], d.close[0], d.volume[0]], [2, 4, 2, 4, 3]);
});

Deno.test("resample edge cases: empty, one bar, NaN prices, bad input", () => {
  const e = f([]);
  assertEquals(
    resampleBars({ ts: e, open: e, high: e, low: e, close: e, volume: e }, { everyMs: 60_000 }).ts
      .length,
    0,
  );
  const one = resampleBars({
    ts: f([90_000]),
    open: f([1]),
    high: f([2]),
    low: f([0.5]),
    close: f([1.5]),
    volume: f([0]),
  }, { everyMs: 60_000 });
  assertEquals([one.ts[0], one.known_at[0], one.vwap[0]], [60_000, 120_000, 1.5]);
  const nan = f([NaN, NaN]);
  const r = resampleBars({
    ts: f([0, 1000]),
    open: nan,
    high: nan,
    low: nan,
    close: nan,
    volume: f([1, 1]),
  }, { everyMs: 60_000 });
  assert(Number.isNaN(r.close[0]!));
  assertThrows(
    () =>
      resampleBars({
        ts: f([2, 1]),
        open: f([1, 1]),
        high: f([1, 1]),
        low: f([1, 1]),
        close: f([1, 1]),
        volume: f([1, 1]),
      }, { everyMs: 10 }),
    RangeError,
    "must increase",
  );
  assertThrows(
    () => resampleBars({ ts: e, open: e, high: e, low: e, close: e, volume: e }, {}),
    RangeError,
    "everyMs",
  );
});

Deno.test("resampleFrame: per symbol, lake-style Datetime columns", () => {
  const t0 = Date.parse("2024-01-02T14:30:00Z");
  const df = pl.DataFrame({
    ticker: ["A", "B", "A", "A"],
    ts: [t0, t0, t0 + 30_000, t0 + 60_000],
    open: [1, 10, 2, 3],
    high: [1.5, 11, 2.5, 3.5],
    low: [0.5, 9, 1.5, 2.5],
    close: [1, 10, 2, 3],
    volume: [1, 5, 3, 2],
  }).withColumns(pl.col("ts").cast(pl.Int64).cast(pl.Datetime("ms", "UTC")));
  const m = resampleFrame(df, { everyMs: 60_000 }).sort(["ticker", "ts"]);
  assertEquals(m.getColumn("ticker").toArray(), ["A", "A", "B"]);
  assertEquals(m.getColumn("close").toArray(), [2, 3, 10]);
  assertEquals(m.getColumn("volume").toArray(), [4, 2, 5]);
  assertEquals(m.getColumn("vwap").toArray(), [(1 * 1 + 2 * 3) / 4, 3, 10]);
  const ka = m.getColumn("known_at").cast(pl.Float64).toArray() as number[];
  assertEquals(ka, [t0 + 60_000, t0 + 120_000, t0 + 60_000]);
});

Deno.test("seconds -> minutes -> session on the simulated SPY agrees with the simulator's own bars", async () => {
  const { generateWorld } = await import("../../lib/sources/sim/world.ts");
  const w = generateWorld({ seed: 3, start: "2024-03-01", end: "2024-03-04", equityCount: 0 });
  const sec = w.spySecondBars("2024-03-04")!;
  const bars = {
    ts: sec.t,
    open: sec.o,
    high: sec.h,
    low: sec.l,
    close: sec.c,
    volume: sec.v,
    vwap: sec.vw,
  };
  const m = resampleBars(bars, { everyMs: 60_000 });
  const ref = w.spyMinuteBars("2024-03-04")!;
  assertEquals(m.ts.length, ref.length);
  for (let i = 0; i < ref.length; i++) {
    assertEquals(m.ts[i], ref.t[i]);
    assertEquals([m.open[i], m.high[i], m.low[i], m.close[i]], [
      ref.o[i],
      ref.h[i],
      ref.l[i],
      ref.c[i],
    ]);
    assertAlmostEquals(m.volume[i]!, ref.v[i]!, 1e-9);
    assertAlmostEquals(m.vwap[i]!, ref.vw[i]!, 1e-9 * ref.vw[i]!);
  }
  const d = resampleBars(m, { by: "session" });
  assertEquals(d.ts.length, 1);
  assertEquals([d.open[0], d.close[0]], [ref.o[0], ref.c[ref.length - 1]]);
});
