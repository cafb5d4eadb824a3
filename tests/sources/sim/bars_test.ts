import { assert, assertAlmostEquals, assertEquals } from "../../_assert.ts";
import { aggregateAll, aggregateBars, allocBars, type Bars } from "../../../lib/sources/sim/mod.ts";

const RTOL_VWAP = 1e-12;

function bars(rows: [number, number, number, number, number, number, number, number][]): Bars {
  const b = allocBars(rows.length);
  rows.forEach(([t, o, h, l, c, v, vw, n], i) => {
    b.t[i] = t;
    b.o[i] = o;
    b.h[i] = h;
    b.l[i] = l;
    b.c[i] = c;
    b.v[i] = v;
    b.vw[i] = vw;
    b.n[i] = n;
  });
  return b;
}

Deno.test("aggregateBars: hand-worked two windows", () => {
  const b = bars([
    [0, 10, 11, 9, 10.5, 100, 10.2, 3],
    [1000, 10.5, 12, 10, 11, 300, 11.4, 5],
    [60_000, 11, 11.5, 10.8, 11.2, 200, 11.1, 2],
  ]);
  const m = aggregateBars(b, 60_000, 0);
  assertEquals(m.length, 2);
  assertEquals([m.t[0], m.o[0], m.h[0], m.l[0], m.c[0], m.v[0], m.n[0]], [
    0,
    10,
    12,
    9,
    11,
    400,
    8,
  ]);
  // VWAP = (10.2 * 100 + 11.4 * 300) / 400 = 11.1
  assertAlmostEquals(m.vw[0]!, 11.1, 0, undefined, RTOL_VWAP);
  assertEquals([m.t[1], m.o[1], m.c[1], m.v[1]], [60_000, 11, 11.2, 200]);
});

Deno.test("aggregateBars: empty, one bar, constant series, zero volume, NaN, input untouched", () => {
  assertEquals(aggregateBars(allocBars(0), 60_000).length, 0);
  const one = bars([[5000, 1, 2, 0.5, 1.5, 10, 1.2, 1]]);
  const a1 = aggregateBars(one, 60_000);
  assertEquals([a1.t[0], a1.o[0], a1.h[0], a1.l[0], a1.c[0], a1.v[0], a1.vw[0]], [
    0,
    1,
    2,
    0.5,
    1.5,
    10,
    1.2,
  ]);
  const flat = bars([[0, 5, 5, 5, 5, 0, 5, 0], [1000, 5, 5, 5, 5, 0, 5, 0]]);
  const af = aggregateAll(flat, 123);
  // Zero volume: VWAP falls back to the close.
  assertEquals([af.t[0], af.o[0], af.h[0], af.l[0], af.c[0], af.v[0], af.vw[0]], [
    123,
    5,
    5,
    5,
    5,
    0,
    5,
  ]);
  const bad = bars([[0, 1, 2, 0.5, 1.5, NaN, 1.2, 1], [1000, 1.5, 2, 1, 1.7, 10, 1.6, 1]]);
  const before = Array.from(bad.v);
  const ab = aggregateBars(bad, 60_000);
  assert(Number.isNaN(ab.v[0]!), "NaN volume propagates to the sum");
  assertEquals(Array.from(bad.v), before);
});
