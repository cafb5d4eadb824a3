import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { forwardReturns, overnightLabels } from "../../lib/labels/mod.ts";

const ATOL = 1e-14;
const f = (xs: number[]) => Float64Array.from(xs);

Deno.test("forward returns over bars: hand-worked", () => {
  const r = forwardReturns(f([100, 110, 121]), { type: "simple" });
  assertAlmostEquals(r[0]!, 0.1, ATOL);
  assertAlmostEquals(r[1]!, 0.1, ATOL);
  assert(Number.isNaN(r[2]!));
  const l = forwardReturns(f([100, 110, 121]), { horizon: 2 });
  assertAlmostEquals(l[0]!, Math.log(1.21), ATOL);
  assert(Number.isNaN(l[1]!));
});

Deno.test("forward returns over sessions: to the close of the h-th next session", () => {
  const close = f([10, 11, 12, 13, 14, 15, 16]);
  const session = Int32Array.from([1, 1, 2, 2, 3, 3, 4]);
  const r = forwardReturns(close, { session, horizon: 1 });
  assertAlmostEquals(r[0]!, Math.log(13 / 10), ATOL); // session 2 ends at bar 3
  assertAlmostEquals(r[1]!, Math.log(13 / 11), ATOL);
  assertAlmostEquals(r[2]!, Math.log(15 / 12), ATOL);
  // session 4 is the last in the data and may be incomplete -> NaN
  assert(Number.isNaN(r[4]!) && Number.isNaN(r[6]!));
  assertThrows(
    () => forwardReturns(close, { session: Int32Array.from([2, 1, 1, 1, 1, 1, 1]) }),
    RangeError,
    "decrease",
  );
});

Deno.test("overnight labels: close to next open", () => {
  const y = overnightLabels({ open: f([100, 102, 99]), close: f([101, 103, 98]) });
  assertAlmostEquals(y[0]!, Math.log(102 / 101), ATOL);
  assertAlmostEquals(y[1]!, Math.log(99 / 103), ATOL);
  assert(Number.isNaN(y[2]!));
});

Deno.test("edge cases: empty, one, all-NaN, constant, bad value", () => {
  assertEquals(forwardReturns(new Float64Array(0)).length, 0);
  assert(Number.isNaN(forwardReturns(f([1]))[0]!));
  assert(forwardReturns(new Float64Array(5).fill(NaN)).every(Number.isNaN));
  assertEquals(forwardReturns(new Float64Array(5).fill(3))[0], 0);
  const bad = forwardReturns(f([1, -1, 2]));
  assert(Number.isNaN(bad[0]!) && Number.isNaN(bad[1]!));
  assertThrows(() => forwardReturns(f([1, 2]), { horizon: 0 }), RangeError, "horizon 0");
});
