import assert from "node:assert/strict";
import { sqrtImpactCost, sqrtImpactFraction } from "../../lib/execution/mod.ts";

const RTOL = 1e-12;
function close(a: number, b: number, msg = ""): void {
  assert.ok(Math.abs(a - b) <= RTOL * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);
}

Deno.test("square-root impact: hand value and cost scales as size^(3/2), fraction as sqrt", () => {
  close(sqrtImpactFraction(10_000, { sigma: 0.02, adv: 1_000_000 }), 0.002);
  close(sqrtImpactCost(10_000, 50, { sigma: 0.02, adv: 1_000_000 }), 1000);
  const m = { sigma: 0.015, adv: 3e6, coef: 0.7 };
  for (const k of [4, 9, 100]) {
    close(sqrtImpactFraction(1000 * k, m) / sqrtImpactFraction(1000, m), Math.sqrt(k), `k=${k}`);
    close(sqrtImpactCost(1000 * k, 20, m) / sqrtImpactCost(1000, 20, m), k ** 1.5, `k=${k}`);
  }
  assert.equal(sqrtImpactFraction(0, m), 0);
  assert.equal(sqrtImpactFraction(10, { sigma: 0.02, adv: 0 }), Infinity);
  assert.ok(Number.isNaN(sqrtImpactFraction(10, { sigma: NaN, adv: 1e6 })));
});
