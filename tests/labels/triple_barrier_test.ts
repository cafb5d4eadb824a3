import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  ewmVolatility,
  metaLabels,
  sampleUniqueness,
  tripleBarrier,
} from "../../lib/labels/mod.ts";

const ATOL = 1e-14;
const f = (xs: number[]) => Float64Array.from(xs);
const close = f([100, 101, 104, 97, 98, 98.5]);
const vol = new Float64Array(6).fill(0.02);

Deno.test("triple barrier: hand-worked touches, vertical barrier and unresolved events", () => {
  const tb = tripleBarrier(close, { vol, maxHolding: 3 });
  // event 0: ln(1.01) = 0.00995 < 0.02, ln(1.04) = 0.0392 >= 0.02 -> upper at bar 2
  assertEquals(tb.t1[0], 2);
  assertEquals(tb.label[0], 1);
  assertAlmostEquals(tb.ret[0]!, Math.log(1.04), ATOL);
  // event 1: ln(104/101) = 0.0293 -> upper at bar 2
  assertEquals(tb.t1[1], 2);
  // event 2: ln(97/104) = -0.0697 -> lower at bar 3
  assertEquals(tb.t1[2], 3);
  assertEquals(tb.label[2], -1);
  assertEquals(tb.barrier[2], -1);
  // events 3, 4: no touch, vertical barrier (bar 6, 7) beyond the data -> unresolved
  assert(Number.isNaN(tb.label[3]!) && Number.isNaN(tb.t1[3]!));
  assert(Number.isNaN(tb.label[5]!));
  // vertical barrier after one bar: label = sign(ln 1.01) or 0
  const v = tripleBarrier(close, { vol, maxHolding: 1, events: Int32Array.from([0]) });
  assertEquals([v.t1[0], v.label[0], v.barrier[0]], [1, 1, 0]);
  const z = tripleBarrier(close, {
    vol,
    maxHolding: 1,
    events: Int32Array.from([0]),
    vertical: "zero",
  });
  assertEquals(z.label[0], 0);
});

Deno.test("triple barrier: short side flips the path, disabled barriers, meta-labels", () => {
  const side = new Float64Array(6).fill(-1);
  const tb = tripleBarrier(close, { vol, maxHolding: 3, side });
  assertEquals(tb.label[2], 1); // short from 104 to 97 earns +0.0697
  assertEquals(tb.side[2], -1);
  assertEquals(tb.label[0], -1); // short from 100, price rises 4%
  const noUpper = tripleBarrier(close, {
    vol,
    maxHolding: 3,
    upper: 0,
    events: Int32Array.from([0]),
  });
  assertEquals(noUpper.t1[0], 3); // ignores the 4% rise; ln(97/100) = -0.0305 hits the lower barrier
  assertEquals(noUpper.label[0], -1);
  const meta = metaLabels(close, { vol, maxHolding: 3, side });
  assertEquals(meta.meta[2], 1);
  assertEquals(meta.meta[0], 0);
  assert(Number.isNaN(meta.meta[4]!));
});

Deno.test("ewmVolatility: constant returns give zero, point-in-time warm-up", () => {
  const g = Float64Array.from({ length: 30 }, (_, i) => 100 * Math.exp(0.01 * i));
  const v = ewmVolatility(g, { span: 5 });
  assert(Number.isNaN(v[4]!));
  assertAlmostEquals(v[5]!, 0, 1e-15);
  // two alternating returns +-0.01: EW variance tends to a^0 * 0.01^2-ish, positive
  const alt = Float64Array.from({ length: 40 }, (_, i) => 100 * Math.exp(i % 2 ? 0.01 : 0));
  assert(ewmVolatility(alt, { span: 5 })[39]! > 0.005);
});

Deno.test("sample uniqueness: hand-worked spans", () => {
  // spans [0,2], [1,2], [2,3] -> concurrency [1, 2, 3, 1]
  const { uniqueness, concurrency } = sampleUniqueness({ t0: [0, 1, 2], t1: [2, 2, 3] }, 4);
  assertEquals(Array.from(concurrency), [1, 2, 3, 1]);
  assertAlmostEquals(uniqueness[0]!, 11 / 18, ATOL);
  assertAlmostEquals(uniqueness[1]!, 5 / 12, ATOL);
  assertAlmostEquals(uniqueness[2]!, 2 / 3, ATOL);
  // non-overlapping labels are fully unique; unresolved labels get NaN
  const u = sampleUniqueness({ t0: [0, 2, 4], t1: [1, 3, NaN] }, 5).uniqueness;
  assertEquals(u[0], 1);
  assertEquals(u[1], 1);
  assert(Number.isNaN(u[2]!));
  assertThrows(() => sampleUniqueness({ t0: [3], t1: [1] }, 5), RangeError, "spans");
});

Deno.test("edge cases: empty, one bar, all-NaN, constant, bad options", () => {
  assertEquals(tripleBarrier(new Float64Array(0)).label.length, 0);
  const one = tripleBarrier(f([5]), { vol: f([0.1]) });
  assert(Number.isNaN(one.label[0]!));
  const nan = new Float64Array(10).fill(NaN);
  assert(tripleBarrier(nan, { vol: nan }).label.every(Number.isNaN));
  const flat = new Float64Array(10).fill(50);
  const tb = tripleBarrier(flat, { vol: new Float64Array(10).fill(0.01), maxHolding: 2 });
  assertEquals(tb.label[0], 0); // vertical with zero return: sign(0) = 0
  assertThrows(() => tripleBarrier(flat, { maxHolding: 0 }), RangeError, "maxHolding 0");
  assertThrows(() => tripleBarrier(flat, { vol: f([1]) }), RangeError, "vol has 1 rows");
  assertEquals(sampleUniqueness({ t0: [], t1: [] }, 0).uniqueness.length, 0);
});
