import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { chainFeatures, emptyOptionColumns, varianceRiskPremium } from "../../lib/options/mod.ts";
import { MS_PER_DAY } from "../../lib/core/mod.ts";
import { syntheticChain } from "./_chain.ts";

const TOL_IV = 1e-10;
// CBOE strip with dK = 0.5 on S = 100 over [20, 400]: the strike-sum discretisation of the
// log-contract integral leaves a relative error of order dK^2 (about 1.3e-3 here; the test
// below checks the quadratic convergence).
const RTOL_VIX_FLAT = 2e-3;
// Linear interpolation of iv in k between strikes 0.5 apart misses the smile's curvature.
const TOL_ATM_INTERP = 1e-5;

Deno.test("chainFeatures: flat 20 % vol world (hand-checkable)", () => {
  const chain = syntheticChain({
    days: [7, 20, 45, 60, 90],
    flatVol: 0.2,
    strikeStep: 0.5,
    kRange: [20, 400],
  });
  const f = chainFeatures(chain);
  assertEquals(f.expiries.length, 5);
  for (const v of f.atmIv) assertAlmostEquals(v, 0.2, TOL_IV);
  assertAlmostEquals(f.rr25_30d, 0, TOL_IV);
  assertAlmostEquals(f.bf25_30d, 0, TOL_IV);
  assertAlmostEquals(f.skewSlope30d, 0, TOL_IV);
  assertAlmostEquals(f.termSlope, 0, TOL_IV);
  // with a flat vol the variance-swap strike equals sigma^2: VIX = 20
  assertAlmostEquals(f.vixVariance30d, 0.04, 0, "vix var", RTOL_VIX_FLAT);
  assertAlmostEquals(f.vix, 20, 0, "vix", RTOL_VIX_FLAT);
});

Deno.test("chainFeatures: VIX discretisation error shrinks like dK^2", () => {
  const err = (step: number) =>
    chainFeatures(
        syntheticChain({ days: [20, 45], flatVol: 0.2, strikeStep: step, kRange: [20, 400] }),
      ).vixVariance30d / 0.04 - 1;
  const e1 = err(1);
  const e2 = err(0.5);
  assertAlmostEquals(e1 / e2, 4, 0.1);
});

Deno.test("chainFeatures: skewed SSVI surface has negative RR and skew, positive BF", () => {
  const ssvi = { rho: -0.7, eta: 1.2, gamma: 0.4 };
  const atmVar = (t: number) => 0.04 * t; // 20 % ATM vol at every maturity
  const chain = syntheticChain({
    days: [10, 25, 40, 70, 100],
    ssvi,
    atmVar,
    strikeStep: 0.5,
    kRange: [20, 400],
  });
  const f = chainFeatures(chain);
  for (const v of f.atmIv) assertAlmostEquals(v, 0.2, TOL_ATM_INTERP);
  assert(f.rr25_30d < -0.01, `${f.rr25_30d}`);
  assert(f.bf25_30d > 0, `${f.bf25_30d}`);
  assert(f.skewSlope30d < 0);
  // a skewed smile makes the variance swap (VIX) exceed ATM variance
  assert(f.vix > 20);
});

Deno.test("chainFeatures: empty chain, NaN prices, no bracket, bad lengths", () => {
  const e = chainFeatures({ options: emptyOptionColumns(0), price: new Float64Array(0) });
  assertEquals(e.expiries.length, 0);
  assert(Number.isNaN(e.atmIv[0]!) && Number.isNaN(e.vix));
  const chain = syntheticChain({ days: [45], flatVol: 0.3, kRange: [50, 150] });
  const f = chainFeatures(chain);
  assert(Number.isNaN(f.vix)); // 30 days not bracketed
  assertAlmostEquals(f.atmIv[0]!, 0.3, TOL_IV); // flat extrapolation
  const nan = chainFeatures({ options: chain.options, price: chain.price.map(() => NaN) });
  assert(Number.isNaN(nan.expiries[0]!.atmIv));
  assertThrows(
    () => chainFeatures({ options: chain.options, price: new Float64Array(1) }),
    RangeError,
  );
});

Deno.test("varianceRiskPremium: hand-worked window and point-in-time availability", () => {
  // daily returns of +-1 % for 60 days: RV = 252 * 1e-4 = 0.0252
  const day0 = Date.UTC(2026, 0, 1);
  const retTs = Float64Array.from({ length: 60 }, (_, i) => day0 + (i + 1) * MS_PER_DAY);
  const ret = retTs.map((_, i) => (i % 2 ? 0.01 : -0.01));
  const ts = Float64Array.of(day0, day0 + 10 * MS_PER_DAY, day0 + 40 * MS_PER_DAY);
  const iv = Float64Array.of(0.04, 0.04, 0.04);
  const r = varianceRiskPremium(ts, iv, retTs, ret);
  assertAlmostEquals(r.realisedVar[0]!, 0.0252, 1e-15);
  assertAlmostEquals(r.vrp[1]!, 0.04 - 0.0252, 1e-15);
  assert(Number.isNaN(r.vrp[2]!)); // window ends after the data
  assertEquals(r.knownAtMs[0], day0 + 30 * MS_PER_DAY);
  // as of day 35 only the first value is known
  const asOf = varianceRiskPremium(ts, iv, retTs, ret, { asOfMs: day0 + 35 * MS_PER_DAY });
  assert(Number.isFinite(asOf.vrp[0]!) && Number.isNaN(asOf.vrp[1]!));
  // changing data after t + horizon changes nothing for t
  const ret2 = ret.slice();
  for (let i = 31; i < 60; i++) ret2[i] = 0.05;
  assertEquals(varianceRiskPremium(ts, iv, retTs, ret2).vrp[0], r.vrp[0]);
  assertEquals(
    varianceRiskPremium(new Float64Array(0), new Float64Array(0), retTs, ret).vrp.length,
    0,
  );
  assertThrows(() => varianceRiskPremium(ts, new Float64Array(1), retTs, ret), RangeError);
});
