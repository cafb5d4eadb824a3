/**
 * The session generator's bulk draws (lib/sources/sim/_stream.ts, _intraday.ts) and the SPY bar
 * caches (spy.ts) against their specification: `StreamRng(seed)` draws exactly what
 * `new Rng(seed)` draws, call for call; `intradayBars` gives, bit for bit, the bars of the frozen
 * one-call-per-draw generator (bench/sim_generation_baseline.ts, the code before the change);
 * minute and day bars are the exact aggregations of the second bars whichever is asked first,
 * and a session is generated once for its day bar, its minutes and the I:VIX minutes built on them.
 */
import { assert, assertEquals, assertThrows } from "../../_assert.ts";
import { Rng } from "../../../lib/core/random.ts";
import { StreamRng } from "../../../lib/sources/sim/_stream.ts";
import {
  intradayAggregates,
  intradayBars,
  type IntradaySpec,
} from "../../../lib/sources/sim/_intraday.ts";
import { aggregateAll, aggregateBars, allocBars } from "../../../lib/sources/sim/bars.ts";
import { generateWorld } from "../../../lib/sources/sim/mod.ts";
import { etMidnightMs, SpyBars } from "../../../lib/sources/sim/spy.ts";
import {
  baselineAggregateBars,
  baselineIntradayBars,
  BaselineSpyBars,
} from "../../../bench/sim_generation_baseline.ts";
import { assertSameBars, BAR_COLS } from "./_bars_assert.ts";

Deno.test("StreamRng: the draws of Rng for the same seed, call for call", () => {
  const seeds = [0, 1, 42, 2 ** 31, 2 ** 32 - 1, new Rng(7).fork("spy:2024-03-28").seed];
  for (const seed of seeds) {
    const ref = new Rng(seed), got = new StreamRng(seed);
    const buf = new Float64Array(64);
    // A mixed order: odd and even bulk counts leave a pending second variate, then uniforms and
    // raw outputs in between (they do not touch it), then single normals.
    for (const count of [1, 2, 3, 7, 0, 10, 33]) {
      got.fillNormals(buf, 5, count);
      for (let i = 0; i < count; i++) {
        const want = ref.normal();
        assert(
          Object.is(buf[5 + i], want),
          `seed ${seed} count ${count} #${i}: ${buf[5 + i]} vs ${want}`,
        );
      }
      assertEquals(got.uniform(), ref.uniform(), `seed ${seed}: uniform after ${count}`);
      assertEquals(got.nextU32(), ref.nextU32(), `seed ${seed}: u32 after ${count}`);
      assertEquals(got.normal(), ref.normal(), `seed ${seed}: normal after ${count}`);
    }
  }
  // A long run (the polar method's rejections included).
  const ref = new Rng(99), got = new StreamRng(99);
  const z = new Float64Array(100_001);
  got.fillNormals(z, 0, z.length);
  for (let i = 0; i < z.length; i++) if (!Object.is(z[i], ref.normal())) throw new Error(`#${i}`);
});

Deno.test("StreamRng: a seed that is not a 32-bit unsigned integer is refused", () => {
  for (const bad of [-1, 2 ** 32, 1.5, NaN]) {
    assertThrows(() => new StreamRng(bad), RangeError, "seed");
  }
});

const SPECS: [string, IntradaySpec][] = [
  ["SPY seconds with two jumps", {
    openMs: Date.UTC(2024, 2, 28, 13, 30),
    steps: 23_400,
    stepMs: 1000,
    open: 521.4,
    close: 523.07,
    sdIntraday: 0.009,
    volume: 61e6,
    jumps: [-0.004, 0.011],
    tradeSize: 180,
    minTrades: 4,
    lot: 100,
  }],
  ["early-close seconds (12,600 steps)", {
    openMs: Date.UTC(2023, 10, 24, 14, 30),
    steps: 12_600,
    stepMs: 1000,
    open: 455.2,
    close: 454.9,
    sdIntraday: 0.004,
    volume: 30e6,
    jumps: [],
    tradeSize: 180,
    minTrades: 4,
    lot: 100,
  }],
  ["a penny stock's minutes (prices below $1)", {
    openMs: Date.UTC(2024, 2, 28, 13, 30),
    steps: 390,
    stepMs: 60_000,
    open: 0.8123,
    close: 1.07,
    sdIntraday: 0.05,
    volume: 2e6,
    jumps: [],
    tradeSize: 120,
    minTrades: 4,
    lot: 1,
  }],
  ["FX minutes on a tick, one trade minimum", {
    openMs: Date.UTC(2024, 2, 26, 21),
    steps: 1440,
    stepMs: 60_000,
    open: 1.0832,
    close: 1.0817,
    sdIntraday: 0.005,
    volume: 60_000,
    jumps: [],
    tradeSize: 1,
    minTrades: 1,
    lot: 1,
    tick: 0.00001,
  }],
];

Deno.test("intradayBars: bit for bit the one-call-per-draw generator", () => {
  const parent = new Rng(5);
  for (const [name, spec] of SPECS) {
    for (const label of ["a", "b"]) {
      const want = baselineIntradayBars(parent.fork(`${name}:${label}`), spec);
      const got = intradayBars(parent.fork(`${name}:${label}`).seed, spec);
      assertSameBars(got, want, name);
      // Into a larger scratch: the same rows, in a view of the scratch.
      const scratch = allocBars(spec.steps + 17);
      const into = intradayBars(parent.fork(`${name}:${label}`).seed, spec, scratch);
      assertSameBars(into, want, `${name} (scratch)`);
      assert(into.t.buffer === scratch.t.buffer, "written into the scratch");
    }
  }
  assertThrows(
    () => intradayBars(1, SPECS[0]![1], allocBars(100)),
    RangeError,
    "scratch of 100 rows for 23400 steps",
  );
});

Deno.test("intradayAggregates: bit for bit the aggregates of the step bars", () => {
  const parent = new Rng(6);
  for (const [name, spec] of SPECS) {
    const seed = parent.fork(name).seed;
    const steps = baselineIntradayBars(parent.fork(name), spec);
    for (const windowMs of [60_000, 300_000, 3_600_000]) {
      const got = intradayAggregates(seed, spec, { windowMs, dayMs: 123 });
      assertSameBars(
        got.windows!,
        baselineAggregateBars(steps, windowMs, 0),
        `${name} ${windowMs}`,
      );
      assertSameBars(got.day, aggregateAll(steps, 123), `${name} day`);
    }
    const dayOnly = intradayAggregates(seed, spec);
    assertEquals(dayOnly.windows, undefined);
    assertSameBars(dayOnly.day, aggregateAll(steps, 0), `${name} day only`);
  }
  for (const bad of [0, -60_000, NaN]) {
    assertThrows(
      () => intradayAggregates(1, SPECS[0]![1], { windowMs: bad }),
      RangeError,
      "windowMs",
    );
  }
});

Deno.test("aggregateBars: a hand-worked case, output sized to its windows", () => {
  // Three one-second bars, the first two in minute 0, the third in minute 1.
  const b = allocBars(3);
  b.t.set([0, 1000, 60_000]);
  b.o.set([10, 11, 12]);
  b.h.set([11, 13, 12.5]);
  b.l.set([9.5, 10.5, 11.5]);
  b.c.set([11, 12, 12]);
  b.v.set([100, 300, 50]);
  b.vw.set([10.5, 12, 12]);
  b.n.set([4, 5, 4]);
  const m = aggregateBars(b, 60_000, 0);
  assertEquals(m.length, 2);
  assertEquals(m.t.length, 2, "no spare capacity behind the two bars");
  assertEquals([...m.t], [0, 60_000]);
  assertEquals([...m.o], [10, 12]);
  assertEquals([...m.h], [13, 12.5]);
  assertEquals([...m.l], [9.5, 11.5]);
  assertEquals([...m.c], [12, 12]);
  assertEquals([...m.v], [400, 50]);
  assertEquals([...m.n], [9, 4]);
  assertEquals(m.vw[0], (10.5 * 100 + 12 * 300) / 400); // 11.625
  assertEquals(aggregateBars(allocBars(0), 60_000).length, 0);
  const all = aggregateAll(b, 7);
  assertEquals([all.length, all.t[0], all.o[0], all.h[0], all.l[0], all.c[0], all.v[0]], [
    1,
    7,
    10,
    13,
    9.5,
    12,
    450,
  ]);
});

Deno.test("SpyBars: minutes and day bars are the seconds' aggregates whichever comes first", () => {
  const w = generateWorld({ seed: 3, start: "2024-03-01", end: "2024-03-28", equityCount: 0 });
  const old = new BaselineSpyBars(w.rng, w.spy.daily);
  const [d1, d2, d3] = [w.days[3]!, w.days[9]!, w.days[15]!];
  const spy = new SpyBars(w.rng, w.spy.daily);
  // Day bar first: one generation, and the minutes come with it.
  const day1 = spy.dayBar(d1)!;
  assertEquals(spy.sessionsGenerated, 1);
  const min1 = spy.minuteBars(d1)!;
  assertEquals(spy.sessionsGenerated, 1, "the minutes came with the day bar");
  assertSameBars(day1, old.dayBar(d1, etMidnightMs(d1))!, `day bar ${d1}`);
  assertSameBars(min1, old.minuteBars(d1)!, `minutes ${d1}`);
  // The seconds themselves are generated when asked for (the day bar did not keep them).
  const sec1 = spy.secondBars(d1)!;
  assertEquals(spy.sessionsGenerated, 2);
  assertSameBars(sec1, old.secondBars(d1)!, `seconds ${d1}`);
  assertSameBars(aggregateBars(sec1, 60_000, 0), min1, "minutes = aggregated seconds");
  // Seconds first: minutes and day bar without another generation.
  const sec2 = spy.secondBars(d2)!;
  assertSameBars(spy.minuteBars(d2)!, baselineAggregateBars(sec2, 60_000, 0), `minutes ${d2}`);
  assertSameBars(spy.dayBar(d2)!, old.dayBar(d2, etMidnightMs(d2))!, `day bar ${d2}`);
  assertEquals(spy.sessionsGenerated, 3);
  // Minutes first, then I:VIX and I:SPX on the world's own SpyBars: one generation.
  const before = w.spy.sessionsGenerated;
  assertSameBars(w.spyMinuteBars(d3)!, old.minuteBars(d3)!, `minutes ${d3}`);
  w.indexMinuteBars("I:VIX", d3);
  w.indexDayBar("I:VIX", d3);
  w.indexMinuteBars("I:SPX", d3);
  assertSameBars(w.spy.dayBar(d3)!, old.dayBar(d3, etMidnightMs(d3))!, `day bar ${d3}`);
  assertEquals(w.spy.sessionsGenerated - before, 1);
  // Outside the range: nothing.
  assertEquals(spy.minuteBars("2024-03-29"), undefined);
  assertEquals(spy.dayBar("2024-03-30"), undefined);
  assertEquals(spy.secondBars("2023-12-29"), undefined);
});

Deno.test("equityDaily: each day bar is the aggregate of that day's minute bars", () => {
  const w = generateWorld({ seed: 8, start: "2024-02-01", end: "2024-03-28", equityCount: 6 });
  for (const e of w.equityInfo) {
    // Some minutes cached before, some not: the daily bars do not depend on it.
    w.equityMinuteBars(e.ticker, w.days[4]!);
    const daily = w.equityDaily(e.ticker);
    for (let j = 0; j < daily.length; j++) {
      const d = daily.dates[j]!;
      const want = aggregateAll(w.equityMinuteBars(e.ticker, d)!, etMidnightMs(d));
      for (const k of BAR_COLS) {
        assert(Object.is(daily[k][j], want[k][0]), `${e.ticker} ${d} ${k}`);
      }
    }
  }
});

Deno.test("equityDayBar: the day's minute aggregate, whether its minutes were generated first", () => {
  const cfg = { seed: 12, start: "2024-03-01", end: "2024-03-28", equityCount: 4 };
  const a = generateWorld(cfg), b = generateWorld(cfg);
  const t = a.equityInfo[0]!.ticker, d = a.days[6]!;
  const minutes = a.equityMinuteBars(t, d)!; // world a: minutes cached before the day bar
  const viaCache = a.equityDayBar(t, d)!;
  const viaScratch = b.equityDayBar(t, d)!; // world b: generated for the day bar alone
  assertSameBars(viaCache, aggregateAll(minutes, etMidnightMs(d)), "from cached minutes");
  assertSameBars(viaScratch, viaCache, "from a scratch generation");
  assertEquals(viaScratch.t[0], etMidnightMs(d));
  // b's minutes, generated afterwards, aggregate to the same bar.
  assertSameBars(aggregateAll(b.equityMinuteBars(t, d)!, etMidnightMs(d)), viaScratch, "b");
  assertEquals(a.equityDayBar(t, "2024-03-30"), undefined, "a Saturday");
  assertEquals(a.equityDayBar("NOPE", d), undefined, "an unknown ticker");
  assertEquals(a.equityDayBar("SPY", d), undefined, "SPY is not an equity of the universe");
});
