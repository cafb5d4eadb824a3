import { assertAlmostEquals } from "../../_assert.ts";
import {
  type CboeTerm,
  cboeVariance,
  cboeVix,
  modelVix,
  ssviParams,
} from "../../../lib/sources/sim/mod.ts";

const TOL_VAR = 1e-12;
const RTOL_VIX = 1e-12;

function term(putBid90: number): CboeTerm {
  // Mids: calls 10.5 / 2 / 0.2, puts 0.3 / 2 / 10.1 (bid = ask = mid).
  return {
    t: 0.1,
    strikes: [90, 100, 110],
    callBid: [10.5, 2, 0.2],
    callAsk: [10.5, 2, 0.2],
    putBid: [putBid90, 2, 10.1],
    putAsk: [0.3, 2, 10.1],
  };
}

Deno.test("cboeVariance: hand-worked three-strike chain", () => {
  // F = 100 + e^{0}(2 - 2) = 100, K0 = 100. dK = 10 for every strike.
  // sum = 10/90^2 * 0.3 + 10/100^2 * 2 + 10/110^2 * 0.2 = 0.0025356593...
  // sigma^2 = 2/0.1 * sum - (1/0.1)(100/100 - 1)^2 = 0.0507131864...
  const sum = 10 / 8100 * 0.3 + 10 / 10000 * 2 + 10 / 12100 * 0.2;
  assertAlmostEquals(cboeVariance(term(0.3), 0), 20 * sum, TOL_VAR);
  // A zero bid drops the strike: the 90 put no longer counts.
  assertAlmostEquals(cboeVariance(term(0), 0), 20 * (sum - 10 / 8100 * 0.3), TOL_VAR);
});

Deno.test("cboeVix: 30-day interpolation of the two terms (by hand); model VIX does not depend on spot", () => {
  const near = { ...term(0.3), t: 20 / 365 }, next = { ...term(0.3), t: 40 / 365 };
  // Same quotes at both terms: T s^2 interpolates linearly in T between the terms.
  const s1 = cboeVariance(near, 0), s2 = cboeVariance(next, 0);
  const w = (40 - 30) / (40 - 20);
  const want = 100 * Math.sqrt((near.t * s1 * w + next.t * s2 * (1 - w)) * 365 / 30);
  assertAlmostEquals(cboeVix(near, next, 0), want, 0, undefined, RTOL_VIX);
  const p = ssviParams(0.2);
  assertAlmostEquals(
    modelVix(p, 100, 0.03, 0.01),
    modelVix(p, 450, 0.03, 0.01),
    0,
    undefined,
    1e-10,
  );
});
