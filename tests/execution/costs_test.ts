import assert from "node:assert/strict";
import {
  capQuantity,
  commission,
  fillCost,
  halfSpreadCost,
  IBKR_FIXED,
  regulatoryFees,
  resolveCostModel,
  roundLot,
  sqrtImpactCost,
  sqrtImpactFraction,
  ZERO_FEES,
} from "../../lib/execution/mod.ts";

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

Deno.test("half spread: from quotes, else from the model", () => {
  close(halfSpreadCost(100, 50, { bid: 49.98, ask: 50.02 }), 2);
  close(halfSpreadCost(-100, 50, { halfSpreadBps: 5 }), 2.5);
  close(halfSpreadCost(100, 50, { bid: 50.1, ask: 50, halfSpreadBps: 5 }), 2.5); // crossed
  close(halfSpreadCost(100, 50, { bid: NaN, ask: 50, halfSpreadBps: 1 }), 0.5);
  assert.equal(halfSpreadCost(0, 50, { halfSpreadBps: 5 }), 0);
});

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

Deno.test("participation cap binds at 10% of ADV and keeps the sign", () => {
  assert.equal(capQuantity(50_000, { adv: 200_000, cap: 0.1 }), 20_000);
  assert.equal(capQuantity(-50_000, { adv: 200_000, cap: 0.1 }), -20_000);
  assert.equal(capQuantity(5_000, { adv: 200_000, cap: 0.1 }), 5_000);
  assert.equal(capQuantity(50_000, { adv: 200_000, cap: 0.1, usedToday: 15_000 }), 5_000);
  assert.equal(capQuantity(50_000, { adv: 200_000, cap: 0.1, usedToday: 30_000 }), 0);
  assert.equal(capQuantity(50_000, { adv: NaN, cap: 0.1 }), 0);
  assert.equal(capQuantity(50_000, { adv: NaN, cap: Infinity }), 50_000);
});

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
