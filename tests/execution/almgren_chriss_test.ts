import assert from "node:assert/strict";
import { acCostOfHoldings, acFrontier, almgrenChriss } from "../../lib/execution/mod.ts";

const PAPER = {
  shares: 1_000_000,
  horizon: 5,
  intervals: 5,
  sigma: 0.95,
  eta: 2.5e-6,
  gamma: 2.5e-7,
  epsilon: 0.0625,
};
/** BFGS reference converges to ~1e-3 shares. */
const ATOL_SHARES = 0.05;
/** E and V of the reference inherit its ~1e-3 share error (first order away from the optimum). */
const RTOL_COST = 1e-6;
const RTOL_EXACT = 1e-12;

function close(a: number, b: number, rtol: number, msg = ""): void {
  assert.ok(Math.abs(a - b) <= rtol * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);
}

Deno.test("Almgren-Chriss paper example: linear schedule costs 662,500 (by hand)", () => {
  // E = gamma X^2/2 + eps X + (eta - gamma tau/2)/tau * 5 * (2e5)^2
  //   = 125000 + 62500 + 2.375e-6 * 2e11 = 125000 + 62500 + 475000 = 662500.
  const s = almgrenChriss(PAPER, 0);
  close(s.expectedCost, 662_500, RTOL_EXACT, "E");
  // V = sigma^2 tau sum x_j^2 = 0.9025 * (0.8^2 + 0.6^2 + 0.4^2 + 0.2^2) * 1e12 = 1.083e12
  close(s.variance, 1.083e12, RTOL_EXACT, "V");
  [1e6, 8e5, 6e5, 4e5, 2e5, 0].forEach((x, j) => close(s.holdings[j]!, x, RTOL_EXACT, `x_${j}`));
  assert.equal(s.kappa, 0);
});

Deno.test("Almgren-Chriss optimal trajectories match an independent numerical optimisation", async () => {
  const ref = JSON.parse(
    await Deno.readTextFile(new URL("../fixtures/execution/almgren_chriss.json", import.meta.url)),
  ) as { cases: { lambda: number; holdings: number[]; expected_cost: number; variance: number }[] };
  for (const c of ref.cases) {
    const s = almgrenChriss(PAPER, c.lambda);
    c.holdings.forEach((h, j) =>
      assert.ok(Math.abs(s.holdings[j]! - h) < ATOL_SHARES, `lambda ${c.lambda} x_${j}`)
    );
    close(s.expectedCost, c.expected_cost, RTOL_COST, `E lambda ${c.lambda}`);
    close(s.variance, c.variance, RTOL_COST, `V lambda ${c.lambda}`);
  }
});

Deno.test("Almgren-Chriss lambda = 1e-6: kappa from cosh(kappa tau) = 1 + kt^2 tau^2 / 2 (by hand)", () => {
  // kt^2 = 1e-6 * 0.9025 / 2.375e-6 = 0.38; kappa = acosh(1.19) = ln(1.19 + sqrt(1.19^2 - 1))
  const kappa = Math.log(1.19 + Math.sqrt(1.19 * 1.19 - 1));
  const s = almgrenChriss(PAPER, 1e-6);
  close(s.kappa, kappa, RTOL_EXACT);
  close(s.holdings[1]!, 1e6 * Math.sinh(4 * kappa) / Math.sinh(5 * kappa), RTOL_EXACT);
});

Deno.test("Almgren-Chriss frontier: cost rises and variance falls with risk aversion", () => {
  const f = acFrontier(PAPER, [0, 1e-8, 1e-7, 1e-6, 1e-5]);
  for (let i = 1; i < f.length; i++) {
    assert.ok(f[i]!.expectedCost > f[i - 1]!.expectedCost);
    assert.ok(f[i]!.variance < f[i - 1]!.variance);
  }
  // the optimum for lambda minimises E + lambda V among the frontier points
  for (const p of f) {
    const own = p.expectedCost + p.lambda * p.variance;
    for (const q of f) assert.ok(own <= q.expectedCost + p.lambda * q.variance + 1e-6 * own);
  }
});

Deno.test("Almgren-Chriss invariants and bad input", () => {
  const s = almgrenChriss(PAPER, 1e-6);
  let sum = 0;
  for (const n of s.trades) sum += n;
  close(sum, PAPER.shares, RTOL_EXACT, "trades sum to X");
  const again = acCostOfHoldings(s.holdings, PAPER);
  close(again.expectedCost, s.expectedCost, RTOL_EXACT);
  // one interval: everything at once, no variance
  const one = almgrenChriss({ ...PAPER, intervals: 1 }, 1e-6);
  assert.deepEqual(Array.from(one.holdings), [1e6, 0]);
  assert.equal(one.variance, 0);
  // huge risk aversion: sells (almost) all in the first interval
  const fast = almgrenChriss(PAPER, 1e3);
  assert.ok(fast.holdings[1]! < 1);
  // nothing to trade
  assert.equal(almgrenChriss({ ...PAPER, shares: 0 }, 1e-6).expectedCost, 0);
  assert.throws(() => almgrenChriss({ ...PAPER, intervals: 0 }, 0), RangeError);
  assert.throws(() => almgrenChriss(PAPER, -1), RangeError);
  assert.throws(() => almgrenChriss({ ...PAPER, eta: NaN }, 0), RangeError);
  assert.throws(() => almgrenChriss({ ...PAPER, gamma: 10 }, 0), RangeError);
});
