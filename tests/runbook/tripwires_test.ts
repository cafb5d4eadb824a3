import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  bookWeights,
  currentDrawdown,
  drawdownTripwire,
  driftTripwire,
  monitorDrift,
  slippageTripwire,
  stalenessTripwire,
} from "../../lib/runbook/mod.ts";
import type { DriftRow } from "../../lib/validation/mod.ts";

const ATOL = 1e-12;

Deno.test("currentDrawdown: hand-worked paths", () => {
  assertEquals(currentDrawdown([]), 0);
  assertEquals(currentDrawdown([0.05]), 0);
  // 1 -> 1.1 -> 0.55: 50% below the 1.1 peak
  assertAlmostEquals(currentDrawdown([0.1, -0.5]), 0.5, ATOL);
  // 0.55 -> 0.66: still 40% below 1.1
  assertAlmostEquals(currentDrawdown([0.1, -0.5, 0.2]), 0.4, ATOL);
  // a first-day loss counts against the starting equity 1
  assertAlmostEquals(currentDrawdown([-0.2]), 0.2, ATOL);
  assertEquals(currentDrawdown([0, 0, 0]), 0);
  assertThrows(() => currentDrawdown([0.1, NaN]), RangeError, "index 1");
  assertThrows(() => currentDrawdown([-1.5]), RangeError);
});

Deno.test("drawdownTripwire: a planted 12% drawdown fires at 10%, not at 15%", () => {
  const planted = [0.01, 0.02, -0.04, -0.05, -0.04, 0.001];
  // peak 1.0302; trough 1.0302*0.96*0.95*0.96 = 0.90195...; then *1.001
  const dd = 1 - (0.96 * 0.95 * 0.96 * 1.001);
  const s = drawdownTripwire("2024-05-15", planted);
  assertAlmostEquals(s.value, dd, ATOL);
  assert(s.fired);
  assertEquals(s.status, "fired");
  assertEquals(drawdownTripwire("2024-05-15", planted, { maxDrawdown: 0.15 }).fired, false);
  const none = drawdownTripwire("2024-05-15", []);
  assertEquals(none.status, "no_data");
  assertEquals(none.fired, false);
});

Deno.test("slippageTripwire: realised vs modelled bps, minimum fills, bad fills counted", () => {
  // buys filled 12 bps above arrival, sells 12 bps below: realised cost 12 bps; model says 5
  const fills = Array.from({ length: 10 }, (_, i) => {
    const side = i % 2 === 0 ? 1 : -1;
    return { side, arrivalPx: 100, fillPx: 100 * (1 + side * 0.0012), modelCostBps: 5 };
  });
  const s = slippageTripwire("2024-05-15", fills);
  assertAlmostEquals(s.value, 12, 1e-9);
  assertAlmostEquals(s.threshold, 2 * 5 + 2, ATOL);
  assert(s.fired);
  const within = slippageTripwire("2024-05-15", fills, { slippageMaxRatio: 3 });
  assertEquals(within.fired, false);
  const few = slippageTripwire("2024-05-15", fills.slice(0, 9));
  assertEquals(few.status, "no_data");
  const bad = slippageTripwire("2024-05-15", [...fills, {
    side: 1,
    arrivalPx: 0,
    fillPx: 1,
    modelCostBps: 5,
  }]);
  assert(bad.detail.includes("1 fills rejected"));
  assertEquals(slippageTripwire("2024-05-15", []).status, "no_data");
});

Deno.test("stalenessTripwire: sessions of lag across a weekend and a holiday", () => {
  assertEquals(stalenessTripwire("2024-05-15", "2024-05-15").value, 0);
  // Fri 2024-05-24 -> Tue 2024-05-28 (Memorial Day Monday): one session behind
  const s = stalenessTripwire("2024-05-28", "2024-05-24");
  assertEquals(s.value, 1);
  assert(s.fired);
  assertEquals(stalenessTripwire("2024-05-28", "2024-05-24", { maxLagSessions: 1 }).fired, false);
  const none = stalenessTripwire("2024-05-28", null);
  assert(none.fired);
  assertEquals(none.value, Infinity);
});

function row(feature: string, psi: number): DriftRow {
  return {
    feature,
    psi,
    kl: 0,
    ks: 0,
    ksPValue: 1,
    status: psi >= 0.25 ? "significant" : psi >= 0.1 ? "moderate" : "stable",
    referenceCount: 100,
    currentCount: 100,
    referenceMissing: 0,
    currentMissing: 0,
  };
}

Deno.test("driftTripwire: prediction drift alone fires; features need minFeatures", () => {
  const f = [row("a", 0.3), row("b", 0.26), row("c", 0.05)];
  assertEquals(driftTripwire("d", f, [row("prediction:m", 0.1)]).fired, false);
  assertEquals(driftTripwire("d", f, [row("prediction:m", 0.1)], { minFeatures: 2 }).fired, true);
  const p = driftTripwire("d", [], [row("prediction:m", 0.4)]);
  assert(p.fired);
  assertAlmostEquals(p.value, 0.4, ATOL);
  assertEquals(driftTripwire("d", [], []).status, "no_data");
});

Deno.test("monitorDrift: shifted sample is significant, identical is stable, thin columns skipped", () => {
  const ref = Float64Array.from({ length: 500 }, (_, i) => (i * 7919) % 100);
  const same = ref.slice(0, 250);
  const shifted = same.map((x) => x + 60);
  const { rows, skipped } = monitorDrift(
    { features: { same: ref, shifted: ref, thin: ref }, predictions: { m: ref } },
    { features: { same, shifted, thin: [1, 2, NaN] }, predictions: { m: shifted } },
  );
  const by = Object.fromEntries(rows.map((r) => [r.feature, r]));
  assertEquals(by.same!.status, "stable");
  assertEquals(by.shifted!.status, "significant");
  assertEquals(by["prediction:m"]!.kind, "prediction");
  assertEquals(skipped, ["thin"]);
});

Deno.test("bookWeights: ranks with ties, equal-weight long/short, too few names", () => {
  const { rankPct, weights } = bookWeights(Float64Array.from([0.3, -0.1, 0.2, NaN, -0.4]), 0.25);
  assertEquals([...weights], [0.5, 0, 0, 0, -0.5]);
  assertEquals([...rankPct].map((x) => (Number.isNaN(x) ? "nan" : x)), [1, 1 / 3, 2 / 3, "nan", 0]);
  const tied = bookWeights(Float64Array.from([1, 1, 2]), 0.34);
  assertEquals([...tied.rankPct], [0.25, 0.25, 1]);
  assertEquals([...bookWeights(Float64Array.from([1]), 0.2).weights], [0]);
  assertEquals([...bookWeights(new Float64Array(0)).weights], []);
  assertEquals([...bookWeights(Float64Array.from([NaN, NaN])).weights], [0, 0]);
});
