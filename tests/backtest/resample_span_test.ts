/**
 * A run resampled to sessions (lib/backtest resampleToSessions) keeps what its session rows
 * lose: CAGR compounds from the starting equity at the first bar to the final equity at the last
 * bar (not from the first session's end), and the drawdown over every bar is reported beside the
 * one at session closes. Expected values are worked by hand from the bars below.
 */
import assert from "node:assert/strict";
import { makePanel, resampleToSessions, runBacktest } from "../../lib/backtest/mod.ts";
import { summarizeBacktest } from "../../lib/report/mod.ts";

// Two sessions of three 30-minute bars (close-only data: orders fill at a bar's close). Buy 100
// shares at the first bar's decision; they fill at bar 1's close (100). Closes:
//   session 0: 100, 100, 120      session 1: 60, 130, 110
// Equity = 10,000 cash - 100 x 100 + 100 x close: 10000, 10000, 12000 | 6000, 13000, 11000.
const closes = [100, 100, 120, 60, 130, 110];
const H = 3_600_000;
const t0 = Date.UTC(2024, 0, 2, 14, 30);
const tsMs = [0, 0.5, 1, 24, 24.5, 25].map((h) => t0 + h * H);
const day = Int32Array.from([0, 0, 0, 1, 1, 1]);

Deno.test("resampled run: CAGR from the first bar's equity, drawdown over every bar", () => {
  const p = makePanel({
    symbols: ["X"],
    tsMs,
    open: [closes.map(() => NaN)],
    close: [closes],
    day,
  });
  const res = runBacktest(p, {
    onBar: (ctx) => {
      if (ctx.t === 0) ctx.orderTarget(0, 100);
    },
  }, { initialCash: 10_000, costs: { participationCap: Infinity } });
  assert.deepEqual(Array.from(res.equity), [10000, 10000, 12000, 6000, 13000, 11000]);
  const d = resampleToSessions(res, day);
  assert.deepEqual(Array.from(d.equity), [12000, 11000]);
  const s = summarizeBacktest(d, 252);
  // CAGR: (11000 / 10000) ^ (1 / years) - 1 over the 25 hours from the first to the last bar;
  // the session rows alone would compound 12000 -> 11000 (a loss) over 24 hours.
  const years = 25 / 24 / 365.25;
  assert.ok(Math.abs(s.cagr - (Math.pow(1.1, 1 / years) - 1)) <= 1e-12 * Math.abs(s.cagr));
  assert.ok(s.cagr > 0);
  // session closes 12000 -> 11000: 1/12; every bar: peak 12000 -> trough 6000: 1/2
  assert.ok(Math.abs(s.maxDrawdown - 1 / 12) < 1e-15);
  assert.equal(s.maxDrawdownAllBars, 0.5);
  assert.ok(Math.abs(s.calmar - s.cagr / (1 / 12)) <= 1e-12 * Math.abs(s.calmar));
  // a run at its own bars: no all-bars figure, CAGR over its own rows as before
  const own = summarizeBacktest(res, 252 * 13);
  assert.equal(own.maxDrawdownAllBars, null);
  assert.ok(Math.abs(own.cagr - (Math.pow(1.1, 1 / years) - 1)) <= 1e-12 * Math.abs(own.cagr));
});
