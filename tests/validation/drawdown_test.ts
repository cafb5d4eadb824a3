import { assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { maxDrawdown } from "../../lib/validation/drawdown.ts";

const ATOL = 1e-12;

Deno.test("maxDrawdown: hand-worked geometric and arithmetic", () => {
  assertAlmostEquals(maxDrawdown([0.1, -0.5, 0.2]), 0.5, ATOL); // 1.1 -> 0.55
  assertAlmostEquals(maxDrawdown([-0.1]), 0.1, ATOL); // first-period loss from E0 = 1
  // 1.1 -> 0.891 (0.19), new peak 1.3365 -> 1.0692 (0.2)
  assertAlmostEquals(maxDrawdown([0.1, -0.1, -0.1, 0.5, -0.2]), 0.2, ATOL);
  assertAlmostEquals(maxDrawdown([0.1, -0.3, 0.1], { compounding: "arithmetic" }), 0.3, ATOL);
  assertAlmostEquals(maxDrawdown([0.05, 0.05]), 0, ATOL);
  assertAlmostEquals(maxDrawdown([-1]), 1, ATOL);
});

Deno.test("maxDrawdown: empty, one observation, constant, bad values, scale of losses", () => {
  assertEquals(maxDrawdown([]), 0);
  assertEquals(maxDrawdown([0.02]), 0);
  assertEquals(maxDrawdown(new Float64Array(10)), 0);
  assertThrows(() => maxDrawdown([0.1, NaN]), RangeError, "index 1");
  assertThrows(() => maxDrawdown([-1.5]), RangeError, "-1.5");
  assertAlmostEquals(maxDrawdown([-1.5], { compounding: "arithmetic" }), 1.5, ATOL);
  assertThrows(() => maxDrawdown([0.1], { compounding: "x" as "geometric" }), RangeError);
  // appending gains after the trough does not change the drawdown
  assertAlmostEquals(maxDrawdown([0.1, -0.5, 0.2, 0.3, 0.4]), 0.5, ATOL);
});
