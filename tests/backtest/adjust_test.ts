import assert from "node:assert/strict";
import { adjustedCloses, makePanel } from "../../lib/backtest/mod.ts";

Deno.test("adjusted closes: 2:1 split halves earlier closes; dividend factor 1 - d / previous close", () => {
  const p = makePanel({
    symbols: ["A"],
    tsMs: [0, 1, 2, 3, 4].map((i) => i * 86_400_000),
    open: [[100, 102, 51, 52, 50]],
    close: [[100, 102, 51, 52, 50]],
  });
  const adj = adjustedCloses(p, [
    { type: "split", symbol: "A", bar: 2, ratio: 2 },
    { type: "dividend", symbol: "A", bar: 4, amount: 1.04 },
  ]);
  const f = 1 - 1.04 / 52; // 0.98
  const expected = [50 * f, 51 * f, 51 * f, 52 * f, 50];
  expected.forEach((v, i) => assert.ok(Math.abs(adj[i]! - v) < 1e-12, `bar ${i}`));
  // returns across the split are the economic ones: 102 -> 51 after 2:1 is 0%
  assert.ok(Math.abs(adj[2]! / adj[1]! - 1) < 1e-12);
  assert.deepEqual(Array.from(adjustedCloses(p, [])), Array.from(p.close));
  assert.deepEqual(Array.from(p.close), [100, 102, 51, 52, 50]); // input unmodified
});
