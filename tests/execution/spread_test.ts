import assert from "node:assert/strict";
import { halfSpreadCost } from "../../lib/execution/mod.ts";

const RTOL = 1e-12;
function close(a: number, b: number, msg = ""): void {
  assert.ok(Math.abs(a - b) <= RTOL * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);
}

Deno.test("half spread: from quotes, else from the model", () => {
  close(halfSpreadCost(100, 50, { bid: 49.98, ask: 50.02 }), 2);
  close(halfSpreadCost(-100, 50, { halfSpreadBps: 5 }), 2.5);
  close(halfSpreadCost(100, 50, { bid: 50.1, ask: 50, halfSpreadBps: 5 }), 2.5); // crossed
  close(halfSpreadCost(100, 50, { bid: NaN, ask: 50, halfSpreadBps: 1 }), 0.5);
  assert.equal(halfSpreadCost(0, 50, { halfSpreadBps: 5 }), 0);
});
