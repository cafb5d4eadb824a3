/**
 * FX bars from ticks: hand-worked windows on the fx calendar (summer and winter session opens,
 * H4 boundaries counted from 17:00 New York), the aggregation identities between frames on a
 * simulated session of ticks, a brute-force check of every H4 bar, and bad input.
 */
import {
  type FxBarColumns,
  fxBarsFromBars,
  fxBarsFromTicks,
  fxBarWindow,
  type FxTickColumns,
  type FxTimeframe,
} from "../../lib/sources/fx_tick_bars.ts";
import { simHourTicks } from "../../lib/sources/sim/dukascopy.ts";
import { generateWorld } from "../../lib/sources/sim/world.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";

/** Volumes summed in another order may differ in the last bits. */
const RTOL_VOLUME = 1e-12;

const ms = (iso: string) => Date.parse(iso);

function ticks(rows: [string, number, number, number, number][]): FxTickColumns {
  return {
    ts_ms: Float64Array.from(rows, (r) => ms(r[0])),
    bid: Float64Array.from(rows, (r) => r[1]),
    ask: Float64Array.from(rows, (r) => r[2]),
    bid_volume: Float64Array.from(rows, (r) => r[3]),
    ask_volume: Float64Array.from(rows, (r) => r[4]),
  };
}

Deno.test("fx bar windows: session opens at 17:00 New York (21:00 UTC in summer, 22:00 in winter)", () => {
  // 2024-03-15 (Friday, EDT): session 2024-03-14T21:00Z .. 2024-03-15T21:00Z.
  assertEquals(fxBarWindow("D1", ms("2024-03-15T12:00:00Z")), {
    open: ms("2024-03-14T21:00:00Z"),
    close: ms("2024-03-15T21:00:00Z"),
    session: "2024-03-15",
  });
  // H4 bars from the open: 21:00, 01:00, 05:00, 09:00, 13:00, 17:00 UTC.
  assertEquals(fxBarWindow("H4", ms("2024-03-15T00:59:59.999Z")).open, ms("2024-03-14T21:00:00Z"));
  assertEquals(fxBarWindow("H4", ms("2024-03-15T01:00:00Z")).open, ms("2024-03-15T01:00:00Z"));
  assertEquals(fxBarWindow("H4", ms("2024-03-15T20:59:59Z")), {
    open: ms("2024-03-15T17:00:00Z"),
    close: ms("2024-03-15T21:00:00Z"),
    session: "2024-03-15",
  });
  // Winter (EST): 2024-01-16's session opens 2024-01-15T22:00Z; H4 at 22:00, 02:00, ...
  assertEquals(fxBarWindow("D1", ms("2024-01-15T22:00:00Z")).session, "2024-01-16");
  assertEquals(fxBarWindow("D1", ms("2024-01-15T21:59:59.999Z")).session, "2024-01-15");
  assertEquals(fxBarWindow("H4", ms("2024-01-16T03:00:00Z")).open, ms("2024-01-16T02:00:00Z"));
  // Sunday 17:00 New York opens Monday's session; Friday 17:00 closes the week.
  assertEquals(fxBarWindow("M1", ms("2024-03-10T21:00:30Z")).session, "2024-03-11");
  assertThrows(() => fxBarWindow("M1", ms("2024-03-15T21:00:00Z")), RangeError, "outside");
  assertThrows(() => fxBarWindow("H4", ms("2024-03-10T20:59:59Z")), RangeError, "outside");
  // M5 and M15 on the clock.
  assertEquals(fxBarWindow("M15", ms("2024-03-15T13:44:59Z")).open, ms("2024-03-15T13:30:00Z"));
  assertEquals(fxBarWindow("M5", ms("2024-03-15T13:44:59Z")).close, ms("2024-03-15T13:45:00Z"));
});

Deno.test("fx bars: a hand-worked set of ticks", () => {
  const t = ticks([
    ["2024-03-14T21:00:00.000Z", 1.0, 1.2, 1, 2],
    ["2024-03-14T21:00:30.000Z", 1.3, 1.5, 2, 1],
    ["2024-03-14T21:00:30.000Z", 0.9, 1.0, 0.5, 0.5],
    ["2024-03-14T21:00:59.999Z", 1.1, 1.3, 1, 1],
    ["2024-03-14T21:02:00.000Z", 1.2, 1.4, 4, 8],
    ["2024-03-15T01:00:00.000Z", 1.5, 1.6, 1, 1],
  ]);
  const m1 = fxBarsFromTicks(t, "M1");
  assertEquals(m1.length, 3);
  assertEquals(Array.from(m1.ts_ms), [
    ms("2024-03-14T21:00:00Z"),
    ms("2024-03-14T21:02:00Z"),
    ms("2024-03-15T01:00:00Z"),
  ]);
  assertEquals(Array.from(m1.close_ms), [
    ms("2024-03-14T21:01:00Z"),
    ms("2024-03-14T21:03:00Z"),
    ms("2024-03-15T01:01:00Z"),
  ]);
  // Bar 21:00: bid 1.0, 1.3, 0.9, 1.1; ask 1.2, 1.5, 1.0, 1.3; mid 1.1, 1.4, 0.95, 1.2.
  assertEquals([m1.bid_open[0], m1.bid_high[0], m1.bid_low[0], m1.bid_close[0]], [
    1.0,
    1.3,
    0.9,
    1.1,
  ]);
  assertEquals([m1.ask_open[0], m1.ask_high[0], m1.ask_low[0], m1.ask_close[0]], [
    1.2,
    1.5,
    1.0,
    1.3,
  ]);
  assertAlmostEquals(m1.mid_open[0]!, 1.1, 1e-15);
  assertAlmostEquals(m1.mid_high[0]!, 1.4, 1e-15);
  assertAlmostEquals(m1.mid_low[0]!, 0.95, 1e-15);
  assertAlmostEquals(m1.mid_close[0]!, 1.2, 1e-15);
  assertEquals([m1.ticks[0], m1.bid_volume[0], m1.ask_volume[0]], [4, 4.5, 4.5]);
  assertEquals([m1.ticks[1], m1.bid_volume[1], m1.ask_volume[1]], [1, 4, 8]);
  // H4: the first four hours (21:00-01:00) hold five ticks, 01:00 opens the second bar.
  const h4 = fxBarsFromTicks(t, "H4");
  assertEquals(Array.from(h4.ts_ms), [ms("2024-03-14T21:00:00Z"), ms("2024-03-15T01:00:00Z")]);
  assertEquals([h4.bid_open[0], h4.bid_high[0], h4.bid_low[0], h4.bid_close[0]], [
    1.0,
    1.3,
    0.9,
    1.2,
  ]);
  assertEquals([h4.ticks[0], h4.ticks[1]], [5, 1]);
  // D1: one bar for the session, stamped at its open, known at its close.
  const d1 = fxBarsFromTicks(t, "D1");
  assertEquals(d1.length, 1);
  assertEquals([d1.ts_ms[0], d1.close_ms[0], d1.session[0]], [
    ms("2024-03-14T21:00:00Z"),
    ms("2024-03-15T21:00:00Z"),
    "2024-03-15",
  ]);
  assertEquals([d1.bid_open[0], d1.bid_high[0], d1.bid_low[0], d1.bid_close[0]], [
    1.0,
    1.5,
    0.9,
    1.5,
  ]);
  assertEquals([d1.ticks[0], d1.bid_volume[0], d1.ask_volume[0]], [6, 9.5, 13.5]);
});

Deno.test("fx bars: empty input, one tick, out-of-order and weekend ticks", () => {
  assertEquals(fxBarsFromTicks(ticks([]), "H1").length, 0);
  const one = fxBarsFromTicks(ticks([["2024-03-13T10:15:00Z", 1.25, 1.5, 2, 3]]), "M15");
  assertEquals(one.length, 1);
  assertEquals([one.mid_open[0], one.mid_high[0], one.mid_low[0], one.mid_close[0]], [
    1.375,
    1.375,
    1.375,
    1.375,
  ]);
  assertThrows(
    () =>
      fxBarsFromTicks(
        ticks([["2024-03-13T10:15:00Z", 1, 2, 1, 1], ["2024-03-13T10:14:00Z", 1, 2, 1, 1]]),
        "M1",
      ),
    RangeError,
    "time order",
  );
  assertThrows(
    () => fxBarsFromTicks(ticks([["2024-03-16T12:00:00Z", 1, 2, 1, 1]]), "M1"),
    RangeError,
    "outside every fx session",
  );
});

/** A simulated session of EURUSD ticks as prices. */
function simSession(date: string): FxTickColumns {
  const w = generateWorld({ seed: 4, start: "2024-01-02", end: "2024-03-29", equityCount: 1 });
  const b = getCalendar("fx").sessionBounds(date)!;
  const cols = {
    ts: [] as number[],
    bid: [] as number[],
    ask: [] as number[],
    bv: [] as number[],
    av: [] as number[],
  };
  for (let h = b.open.getTime(); h < b.close.getTime(); h += 3_600_000) {
    const t = simHourTicks(w, "EURUSD", h)!;
    t.ms.forEach((m, i) => {
      cols.ts.push(h + m);
      cols.bid.push(t.bidPoints[i]! / 1e5);
      cols.ask.push(t.askPoints[i]! / 1e5);
      cols.bv.push(t.bidVolume[i]!);
      cols.av.push(t.askVolume[i]!);
    });
  }
  return {
    ts_ms: Float64Array.from(cols.ts),
    bid: Float64Array.from(cols.bid),
    ask: Float64Array.from(cols.ask),
    bid_volume: Float64Array.from(cols.bv),
    ask_volume: Float64Array.from(cols.av),
  };
}

function assertSameBars(a: FxBarColumns, b: FxBarColumns, what: string): void {
  assertEquals(a.length, b.length, `${what}: bar count`);
  for (const k of Object.keys(a) as (keyof FxBarColumns)[]) {
    if (k === "length") continue;
    if (k === "bid_volume" || k === "ask_volume") {
      for (let i = 0; i < a.length; i++) {
        assertAlmostEquals(a[k][i]!, b[k][i]!, 0, `${what}: ${k}[${i}]`, RTOL_VOLUME);
      }
    } else {
      assertEquals(
        Array.from(a[k] as ArrayLike<unknown>),
        Array.from(b[k] as ArrayLike<unknown>),
        `${what}: ${k}`,
      );
    }
  }
}

Deno.test("fx bars: coarse bars from finer bars equal coarse bars from ticks (every frame pair)", () => {
  for (const date of ["2024-01-17", "2024-03-15"]) {
    const t = simSession(date);
    assert(t.ts_ms.length > 5000, `${t.ts_ms.length} ticks`);
    const fromTicks = new Map<FxTimeframe, FxBarColumns>();
    for (const tf of ["M1", "M5", "M15", "H1", "H4", "D1"] as const) {
      fromTicks.set(tf, fxBarsFromTicks(t, tf));
    }
    assertEquals(fromTicks.get("M1")!.length, 1440, "every minute has ticks");
    assertEquals(fromTicks.get("H4")!.length, 6);
    assertEquals(fromTicks.get("D1")!.length, 1);
    const pairs: [FxTimeframe, FxTimeframe][] = [
      ["M1", "M5"],
      ["M1", "M15"],
      ["M5", "M15"],
      ["M15", "H1"],
      ["M1", "H1"],
      ["H1", "H4"],
      ["H4", "D1"],
      ["M1", "D1"],
    ];
    for (const [fine, coarse] of pairs) {
      assertSameBars(
        fxBarsFromBars(fromTicks.get(fine)!, coarse),
        fromTicks.get(coarse)!,
        `${date} ${coarse} from ${fine}`,
      );
    }
    // Totals: the D1 bar counts every tick.
    assertEquals(fromTicks.get("D1")!.ticks[0], t.ts_ms.length);
  }
});

Deno.test("fx bars: every H4 bar equals a brute-force scan of its ticks", () => {
  const t = simSession("2024-03-13");
  const h4 = fxBarsFromTicks(t, "H4");
  for (let j = 0; j < h4.length; j++) {
    const idx: number[] = [];
    for (let i = 0; i < t.ts_ms.length; i++) {
      if (t.ts_ms[i]! >= h4.ts_ms[j]! && t.ts_ms[i]! < h4.close_ms[j]!) idx.push(i);
    }
    const mids = idx.map((i) => (t.bid[i]! + t.ask[i]!) / 2);
    assertEquals(h4.ticks[j], idx.length);
    assertEquals(h4.bid_open[j], t.bid[idx[0]!]);
    assertEquals(h4.ask_close[j], t.ask[idx[idx.length - 1]!]);
    assertEquals(h4.bid_high[j], Math.max(...idx.map((i) => t.bid[i]!)));
    assertEquals(h4.ask_low[j], Math.min(...idx.map((i) => t.ask[i]!)));
    assertEquals(h4.mid_high[j], Math.max(...mids));
    assertEquals(h4.mid_low[j], Math.min(...mids));
    const bv = idx.reduce((s, i) => s + t.bid_volume[i]!, 0);
    assertAlmostEquals(h4.bid_volume[j]!, bv, 0, "bid volume", RTOL_VOLUME);
  }
});

Deno.test("fx bars: a finer frame built from a coarser one is refused (bars never split)", () => {
  const t = simSession("2024-03-13");
  const h4 = fxBarsFromTicks(t, "H4");
  assertThrows(() => fxBarsFromBars(h4, "H1"), RangeError, "straddles");
});
