import assert from "node:assert/strict";
import {
  fillCost,
  IBKR_FIXED,
  resolveCostModel,
  roundLot,
  spreadOnlyCosts,
  volumeNeeds,
} from "../../lib/execution/mod.ts";

const RTOL = 1e-12;
function close(a: number, b: number, msg = ""): void {
  assert.ok(Math.abs(a - b) <= RTOL * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);
}

Deno.test("cost model: defaults, validation, combined fill cost, lot rounding", () => {
  const m = resolveCostModel();
  assert.equal(m.participationCap, 0.1);
  assert.equal(m.remainder, "carry");
  assert.throws(() => resolveCostModel({ impactCoef: -1 }), RangeError);
  assert.throws(() => resolveCostModel({ advWindow: 0 }), RangeError);
  assert.throws(() => resolveCostModel({ halfSpreadBps: NaN }), RangeError);
  const r = resolveCostModel({ fees: IBKR_FIXED, halfSpreadBps: 5, impactCoef: 1 });
  const c = fillCost(-10_000, 50, r, { sigma: 0.02, adv: 1e6 });
  close(c.commission, 50);
  close(c.fees, 500_000 * 27.8e-6 + 1.66);
  close(c.spread, 250);
  close(c.impact, 1000);
  assert.equal(roundLot(123.7, 1), 123);
  assert.equal(roundLot(-123.7, 100), -100);
  close(roundLot(0.3, 0.1), 0.3); // 0.3 / 0.1 = 2.9999999999999996 must not truncate to 2
  assert.equal(roundLot(12.5, 0), 12.5);
});

Deno.test("volumeNeeds names the settings that need volume; a spread-only model needs none", () => {
  assert.deepEqual(volumeNeeds({}), ["a participation cap (costs.participationCap = 0.1)"]);
  assert.deepEqual(volumeNeeds({ participationCap: Infinity, impactCoef: 0.3 }), [
    "square-root impact (costs.impactCoef = 0.3)",
  ]);
  const so = spreadOnlyCosts(2);
  assert.deepEqual(volumeNeeds(so), []);
  // 100 units at 50 with 2 bps half-spread: 100 * 50 * 2e-4 = 1; nothing else, even with no ADV
  const c = fillCost(100, 50, resolveCostModel(so), { sigma: NaN, adv: NaN });
  assert.deepEqual(c, { commission: 0, fees: 0, spread: 1, impact: 0 });
});
