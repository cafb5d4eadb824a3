import assert from "node:assert/strict";
import { capQuantity } from "../../lib/execution/mod.ts";

Deno.test("participation cap binds at 10% of ADV and keeps the sign", () => {
  assert.equal(capQuantity(50_000, { adv: 200_000, cap: 0.1 }), 20_000);
  assert.equal(capQuantity(-50_000, { adv: 200_000, cap: 0.1 }), -20_000);
  assert.equal(capQuantity(5_000, { adv: 200_000, cap: 0.1 }), 5_000);
  assert.equal(capQuantity(50_000, { adv: 200_000, cap: 0.1, usedToday: 15_000 }), 5_000);
  assert.equal(capQuantity(50_000, { adv: 200_000, cap: 0.1, usedToday: 30_000 }), 0);
  assert.equal(capQuantity(50_000, { adv: NaN, cap: 0.1 }), 0);
  assert.equal(capQuantity(50_000, { adv: NaN, cap: Infinity }), 50_000);
});
