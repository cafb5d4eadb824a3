/**
 * Trial 6 finding B: which instant the printed "peak gross leverage" measures. Hand-worked: the
 * peak is |longs| + |shorts| over equity after the bar's fills, all marked at its close, and it
 * can exceed the limit because a raising fill is checked with the other positions at their
 * previous close (lib/backtest/_book.ts fill, engine.ts mark after the fill sweeps).
 */
import assert from "node:assert/strict";
import { makePanel, runBacktest, runNotes } from "../../lib/backtest/mod.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2);

Deno.test("peak gross leverage: after the bar's fills, marked at its close", () => {
  // Cash 1000, limit 1. Bar 0: short 50 B (fills bar 1 at 10: cash 1500, gross 500, equity
  // 1000). Bar 1: buy 50 A (fills bar 2 at 10). At that fill B is still valued at its bar-1
  // close 10: G_other 500 + 50 x 10 = 1000 <= 1 x equity (1500 - 500) = 1000: filled in full,
  // cash 1000. B closes bar 2 at 14: gross 50 x 10 + 50 x 14 = 1200, equity 1000 + 500 - 700 =
  // 800: 1.5 after the fills at that close (before them: 700 / 800 = 0.875).
  const p = makePanel({
    symbols: ["A", "B"],
    tsMs: Array.from({ length: 4 }, (_, t) => T0 + t * DAY),
    open: [[10, 10, 10, 10], [10, 10, 14, 14]],
    close: [[10, 10, 10, 10], [10, 10, 14, 14]],
  });
  const strat = {
    onBar: (ctx: { t: number; orderTarget: (s: number, n: number) => number }) => {
      if (ctx.t === 0) ctx.orderTarget(1, -50);
      if (ctx.t === 1) ctx.orderTarget(0, 50);
    },
  };
  const r = runBacktest(p, strat as never, {
    initialCash: 1000,
    costs: { participationCap: Infinity, halfSpreadBps: 0, borrowRateAnnual: 0 },
    maxGrossLeverage: 1,
  });
  assert.deepEqual(r.fills.map((f) => [f.bar, f.qty, f.price]), [[1, -50, 10], [2, 50, 10]]);
  assert.equal(r.orders.leverageScaled ?? 0, 0);
  assert.ok(Math.abs(r.leverage!.peakGross - 1.5) < 1e-12, String(r.leverage!.peakGross));
  assert.equal(r.leverage!.peakBar, 2);
  const line = runNotes(r).leverage;
  assert.match(
    line,
    /peak gross leverage 1\.500 at the 2024-01-04 close, after that bar's fills .*: above the 1x limit by price moves, not by a fill \(a fill that raises a position is checked with the other positions at their previous close\)$/,
  );
});
