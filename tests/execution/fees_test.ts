import assert from "node:assert/strict";
import { commission, IBKR_FIXED, regulatoryFees, ZERO_FEES } from "../../lib/execution/mod.ts";

const RTOL = 1e-12;
function close(a: number, b: number, msg = ""): void {
  assert.ok(Math.abs(a - b) <= RTOL * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);
}

Deno.test("commission: IBKR fixed per-share, minimum and maximum (by hand)", () => {
  close(commission(100, 50, IBKR_FIXED), 1); // 0.5 -> min 1
  close(commission(1000, 50, IBKR_FIXED), 5); // 0.005 * 1000
  close(commission(-1000, 50, IBKR_FIXED), 5); // sign ignored
  close(commission(1000, 0.2, IBKR_FIXED), 2); // 5 > 1% of 200 = 2 -> max binds over min
  assert.equal(commission(0, 50, IBKR_FIXED), 0);
  assert.equal(commission(100, 50, ZERO_FEES), 0);
  close(commission(100, 50, { pctOfValue: 0.001 }), 5);
});

Deno.test("regulatory fees: sells only, TAF capped (by hand)", () => {
  close(regulatoryFees(-1000, 100, IBKR_FIXED), 100_000 * 27.8e-6 + 0.166);
  close(regulatoryFees(-100_000, 10, IBKR_FIXED), 1_000_000 * 27.8e-6 + 8.3);
  assert.equal(regulatoryFees(1000, 100, IBKR_FIXED), 0);
  assert.equal(regulatoryFees(NaN, 100, IBKR_FIXED), 0);
});
