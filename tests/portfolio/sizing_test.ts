import assert from "node:assert/strict";
import { kellyWeights, portfolioVariance, volTarget } from "../../lib/portfolio/mod.ts";

const close = (a: number, b: number, rtol: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= rtol * Math.max(1e-300, Math.abs(b)) + 1e-18, `${msg} ${a} vs ${b}`);

Deno.test("vol targeting: hand value, gross cap reported, zero risk", () => {
  // one asset, daily variance 4e-4 (2% daily): annual vol = 0.02 * sqrt(252) = 0.31749
  const cov = { n: 1, data: Float64Array.of(4e-4) };
  const r = volTarget([1], cov, { targetVol: 0.1 });
  close(r.scale, 0.1 / (0.02 * Math.sqrt(252)), 1e-14);
  close(r.exAnteVol, 0.1, 1e-14);
  assert.ok(r.met);
  const capped = volTarget([1], { n: 1, data: Float64Array.of(1e-6) }, {
    targetVol: 0.2,
    maxGross: 2,
  });
  assert.equal(capped.met, false);
  assert.equal(capped.weights[0], 2);
  assert.match(capped.reason!, /gross cap 2 binds/);
  const zero = volTarget([0], cov, { targetVol: 0.1 });
  assert.equal(zero.met, false);
  assert.throws(() => volTarget([1], cov, { targetVol: -1 }), RangeError);
  // scale invariance: doubling the input weights halves the scale, same output
  const two = volTarget([2, -1], { n: 2, data: Float64Array.of(4e-4, 1e-4, 1e-4, 9e-4) }, {
    targetVol: 0.1,
  });
  const four = volTarget([4, -2], { n: 2, data: Float64Array.of(4e-4, 1e-4, 1e-4, 9e-4) }, {
    targetVol: 0.1,
  });
  two.weights.forEach((w, i) => close(w, four.weights[i]!, 1e-14));
});

Deno.test("fractional Kelly: mu / sigma^2 by hand, Sigma^-1 mu for two assets", () => {
  close(kellyWeights([0.0004], { n: 1, data: Float64Array.of(1e-4) }, 0.5)[0]!, 2, 1e-14);
  // Sigma = [[2,1],[1,2]], mu = [1,0]: Sigma^-1 = [[2,-1],[-1,2]]/3 -> [2/3, -1/3]
  const w = kellyWeights([1, 0], { n: 2, data: Float64Array.of(2, 1, 1, 2) }, 1);
  close(w[0]!, 2 / 3, 1e-14);
  close(w[1]!, -1 / 3, 1e-14);
  assert.throws(
    () => kellyWeights([1, 0], { n: 2, data: Float64Array.of(1, 2, 2, 1) }),
    RangeError,
  );
  assert.throws(() => kellyWeights([NaN], { n: 1, data: Float64Array.of(1) }), RangeError);
  assert.throws(() => kellyWeights([1], { n: 1, data: Float64Array.of(1) }, 1.5), RangeError);
  close(portfolioVariance(w, { n: 2, data: Float64Array.of(2, 1, 1, 2) }), 2 / 3, 1e-14);
});
