import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import {
  chainToSlices,
  emptyOptionColumns,
  fillImpliedDividends,
  fitSsvi,
  ssviTotalVariance,
} from "../../lib/options/mod.ts";
import { syntheticChain } from "./_chain.ts";

Deno.test("fillImpliedDividends recovers the dividend yield of a synthetic chain", () => {
  const chain = syntheticChain({ days: [10, 40], flatVol: 0.25, div: 0.017, kRange: [80, 120] });
  chain.options.div.fill(0);
  const q = fillImpliedDividends(chain.options, chain.price);
  assertEquals(q.size, 2);
  for (const v of q.values()) assertAlmostEquals(v, 0.017, 1e-10);
  assert(chain.options.div.every((v) => Math.abs(v - 0.017) < 1e-10));
  assertEquals(fillImpliedDividends(emptyOptionColumns(0), new Float64Array(0)).size, 0);
});

Deno.test("chainToSlices + fitSsvi recover the surface that priced the chain", () => {
  const truth = { rho: -0.6, eta: 1.2, gamma: 0.4 }; // eta (1 + |rho|) <= 2
  const atmVar = (t: number) => 0.03 * t + 0.0004 * Math.sqrt(t);
  const chain = syntheticChain({
    days: [7, 21, 49, 91, 182],
    ssvi: truth,
    atmVar,
    kRange: [60, 140],
  });
  const slices = chainToSlices(chain.options, chain.price, { minPrice: 1e-6 });
  assertEquals(slices.length, 5);
  for (const s of slices) {
    assert(s.k.length > 10, `${s.label}: ${s.k.length}`);
    // out of the money only: one quote per strike
    assertEquals(new Set(s.k).size, s.k.length);
    s.k.forEach((k, i) => {
      assertAlmostEquals(s.w[i]!, ssviTotalVariance(truth, k, atmVar(s.t)), 1e-10);
    });
  }
  const fit = fitSsvi(slices);
  assert(fit.ok, fit.message);
  assertAlmostEquals(fit.params.rho, truth.rho, 1e-3);
  assertAlmostEquals(fit.params.eta, truth.eta, 1e-2);
  assertAlmostEquals(fit.params.gamma, truth.gamma, 1e-2);
});

Deno.test("fitSsvi keeps eta (1 + |rho|) <= 2 even when the quotes come from outside it", () => {
  const outside = { rho: -0.6, eta: 1.3, gamma: 0.4 }; // 1.3 * 1.6 = 2.08
  const atmVar = (t: number) => 0.03 * t;
  const chain = syntheticChain({ days: [14, 60, 120], ssvi: outside, atmVar, kRange: [60, 140] });
  const fit = fitSsvi(chainToSlices(chain.options, chain.price, { minPrice: 1e-6 }));
  assert(fit.params.eta * (1 + Math.abs(fit.params.rho)) <= 2 + 1e-12);
  assert(fit.ok, fit.message);
});
