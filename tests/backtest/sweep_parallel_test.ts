import assert from "node:assert/strict";
import {
  createMaCrossKernel,
  maCrossWindows,
  sweepVectorized,
  sweepVectorizedParallel,
  syntheticPanel,
} from "../../lib/backtest/mod.ts";
import { IBKR_FIXED } from "../../lib/execution/mod.ts";

Deno.test("parallel sweep on 2 workers equals the single-threaded sweep", async () => {
  const p = syntheticPanel({ symbols: 1, bars: 2000, seed: 4 });
  const args = { fastCount: 5, shares: 50 };
  const opts = { costs: { fees: IBKR_FIXED, halfSpreadBps: 1, impactCoef: 0.5 } };
  const kernel = createMaCrossKernel(p, args);
  const single = sweepVectorized(p, 11, kernel, opts);
  const par = await sweepVectorizedParallel(
    p,
    11,
    { url: new URL("../../lib/backtest/ma_cross_kernel.ts", import.meta.url), args },
    { ...opts, workers: 2 },
  );
  assert.deepEqual(par, single);
  assert.deepEqual(maCrossWindows(7, args), [7, 7 + 10 + 4]); // fast 5 + 7 mod 5, slow + 1 step
  assert.deepEqual(
    await sweepVectorizedParallel(p, 0, { url: "data:," }, {}),
    sweepVectorized(p, 0, () => {}),
  );
});

Deno.test("MA kernel: decision at bar t uses closes up to t only", () => {
  const p = syntheticPanel({ symbols: 1, bars: 300, seed: 9 });
  const a = new Float64Array(300).fill(NaN), b = new Float64Array(300).fill(NaN);
  createMaCrossKernel(p, {})(3, a);
  const q = { ...p, close: Float64Array.from(p.close) };
  for (let t = 200; t < 300; t++) q.close[t] = 1;
  createMaCrossKernel(q, {})(3, b);
  assert.deepEqual(Array.from(a.subarray(0, 200)), Array.from(b.subarray(0, 200)));
  assert.ok(Number.isNaN(a[maCrossWindows(3)[1] - 2]!));
});

Deno.test("prefillNaN false is safe with a kernel that writes every entry", () => {
  const p = syntheticPanel({ symbols: 1, bars: 500, seed: 5 });
  const k = createMaCrossKernel(p, { fastCount: 3 });
  const a = sweepVectorized(p, 6, k, {});
  const b = sweepVectorized(p, 6, k, { prefillNaN: false });
  assert.deepEqual(a, b);
});
