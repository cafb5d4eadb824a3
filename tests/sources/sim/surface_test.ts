import { assert, assertAlmostEquals } from "../../_assert.ts";
import {
  atmTotalVariance,
  ssviParams,
  stateSigma,
  totalVariance,
} from "../../../lib/sources/sim/mod.ts";

const TOL = 1e-14;

Deno.test("ssvi: hand-worked ATM variance and term structure", () => {
  // v = vbar: theta(T) = VRP * vbar * T = 1.15 * 0.0256 * T.
  const p = ssviParams(0.16);
  assertAlmostEquals(atmTotalVariance(p, 0.5), 1.15 * 0.0256 * 0.5, TOL);
  // At k = 0: w = theta/2 (1 + sqrt(rho^2 + 1 - rho^2)) = theta.
  for (const t of [1 / 365, 0.25, 2]) {
    assertAlmostEquals(totalVariance(p, 0, t), atmTotalVariance(p, t), TOL);
  }
  // v != vbar: theta(T) = VRP (vbar T + (v - vbar)(1 - e^{-4T}) / 4).
  const q = ssviParams(0.3);
  const want = 1.15 * (0.0256 * 1 + (0.09 - 0.0256) * (1 - Math.exp(-4)) / 4);
  assertAlmostEquals(atmTotalVariance(q, 1), want, TOL);
});

Deno.test("ssvi: parameters inside the no-arbitrage region; wings obey Lee's bound", () => {
  for (const sigma of [0.05, 0.1, 0.16, 0.3, 0.8, 1.5]) {
    const p = ssviParams(sigma);
    assert(Math.abs(p.rho) < 1 && p.eta * (1 + Math.abs(p.rho)) <= 2 && p.gamma <= 0.5);
    for (const t of [1 / 365, 0.1, 1]) {
      // Lee (2004): total variance grows at most like 2|k| in the wings.
      const k = 50;
      assert(totalVariance(p, k, t) / k <= 2 + 1e-9 && totalVariance(p, -k, t) / k <= 2 + 1e-9);
    }
  }
  // State: unchanged at the open, up when the spot falls (leverage), clamped.
  assertAlmostEquals(stateSigma(0.2, 100, 100), 0.2, TOL);
  assert(stateSigma(0.2, 99, 100) > 0.2);
  assertAlmostEquals(stateSigma(0.2, 10, 100), 1.5, TOL);
});
