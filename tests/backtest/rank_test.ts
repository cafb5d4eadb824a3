import assert from "node:assert/strict";
import { argsortStable, momentumTargets, syntheticPanel } from "../../lib/backtest/mod.ts";
import { Rng } from "../../lib/core/mod.ts";

Deno.test("argsortStable: hand-worked cases", () => {
  // 0.3 at 0 and 2 tie (index order), NaN last
  assert.deepEqual(Array.from(argsortStable(Float64Array.of(0.3, -1, 0.3, NaN, 2))), [
    1,
    0,
    2,
    4,
    3,
  ]);
  assert.deepEqual(Array.from(argsortStable(new Float64Array(0))), []);
  assert.deepEqual(Array.from(argsortStable(Float64Array.of(5))), [0]);
  // constant: identity; all NaN: identity
  assert.deepEqual(Array.from(argsortStable(new Float64Array(4).fill(7))), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(argsortStable(new Float64Array(3).fill(NaN))), [0, 1, 2]);
  // -0 and +0 are one value (index order); infinities at the ends
  assert.deepEqual(
    Array.from(argsortStable(Float64Array.of(0, -0, Infinity, -Infinity, -0, 0))),
    [3, 0, 1, 4, 5, 2],
  );
  // input unmodified, output buffer reused, wrong length refused
  const v = Float64Array.of(3, 1, 2);
  const out = new Int32Array(3);
  assert.equal(argsortStable(v, out), out);
  assert.deepEqual(Array.from(out), [1, 2, 0]);
  assert.deepEqual(Array.from(v), [3, 1, 2]);
  assert.throws(() => argsortStable(v, new Int32Array(2)), /out has 2 slots, expected 3/);
});

Deno.test("argsortStable equals a stable comparator sort (random values with many ties)", () => {
  const rng = new Rng(21);
  for (let trial = 0; trial < 200; trial++) {
    const n = Math.floor(rng.uniform() * 700);
    const levels = 1 + Math.floor(rng.uniform() * 50); // few levels: many ties
    const v = Float64Array.from(
      { length: n },
      () => trial % 3 === 0 ? rng.normal() : Math.floor(rng.uniform() * levels) - levels / 2,
    );
    const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a]! - v[b]!);
    assert.deepEqual(Array.from(argsortStable(v)), want, `trial ${trial}`);
  }
});

Deno.test("momentumTargets: top and bottom quantile by hand, ties by symbol index", () => {
  // 5 symbols, lookback 2, skip 0: returns from bar 0 to bar 2 are +10%, -20%, +10%, 0, +30%
  const c0 = [100, 50, 20, 10, 40], c2 = [110, 40, 22, 10, 52];
  const nBars = 3, close = new Float64Array(5 * nBars);
  for (let s = 0; s < 5; s++) {
    close[s * nBars] = c0[s]!;
    close[s * nBars + 1] = c0[s]!;
    close[s * nBars + 2] = c2[s]!;
  }
  const panel = { ...syntheticPanel({ symbols: 5, bars: 3, seed: 1 }), close };
  // quantile 0.4 of 5 names: k = 2 per leg; ascending: S1 (-20%), S3 (0), S0 (+10%), S2 (+10%),
  // S4 (+30%); long S4 and S2 (the later of the tied pair), short S1 and S3
  const w = momentumTargets(panel, { lookback: 2, skip: 0, quantile: 0.4, rebalanceEvery: 5 });
  const at2 = [0, 1, 2, 3, 4].map((s) => w[s * nBars + 2]);
  assert.deepEqual(at2, [0, -0.25, 0.25, -0.25, 0.25]);
  assert.ok(Number.isNaN(w[0]!) && Number.isNaN(w[1]!)); // before the first rebalance
});
