import assert from "node:assert/strict";
import {
  cagr,
  calmarRatio,
  capacityDetail,
  capacityEstimate,
  drawdownStats,
  hitRate,
  returnsFromEquity,
  rollingSharpe,
  sharpeRatio,
  sortinoRatio,
} from "../../lib/report/mod.ts";

const RTOL_REF = 1e-10;
const close = (a: number, b: number, rtol = RTOL_REF, msg = "") =>
  assert.ok(Math.abs(a - b) <= rtol * Math.abs(b) + 1e-15, `${msg} ${a} vs ${b}`);

Deno.test("metrics match pandas/numpy computed with empyrical's definitions", async () => {
  const ref = JSON.parse(
    await Deno.readTextFile(new URL("../fixtures/report/metrics.json", import.meta.url)),
  ) as {
    equity: number[];
    sharpe: number;
    sortino: number;
    max_drawdown: number;
    cagr: number;
    calmar: number;
    hit_rate: number;
  };
  const r = returnsFromEquity(ref.equity);
  close(sharpeRatio(r), ref.sharpe, RTOL_REF, "sharpe");
  close(sortinoRatio(r), ref.sortino, RTOL_REF, "sortino");
  close(drawdownStats(ref.equity).maxDrawdown, ref.max_drawdown, RTOL_REF, "mdd");
  close(cagr(ref.equity), ref.cagr, RTOL_REF, "cagr");
  close(calmarRatio(ref.equity), ref.calmar, RTOL_REF, "calmar");
  close(hitRate(r), ref.hit_rate, RTOL_REF, "hit rate");
});

Deno.test("metrics by hand", () => {
  // equity 100, 120, 90, 130: drawdown 1 - 90/120 = 0.25, one bar under water
  const dd = drawdownStats([100, 120, 90, 130]);
  assert.deepEqual(dd, { maxDrawdown: 0.25, peakIndex: 1, troughIndex: 2, maxDurationBars: 1 });
  assert.equal(drawdownStats([100, 90, 80, 85]).maxDurationBars, 3);
  // returns [0.1, -0.1]: mean 0, Sharpe 0; Sortino: DD = sqrt(0.01/2)
  close(sharpeRatio([0.1, -0.1]), 0);
  close(sortinoRatio([0.02, -0.01], 1), 0.005 / Math.sqrt(0.0001 / 2), 1e-12);
  // CAGR: doubling over 252 bars = 100%
  close(cagr(Float64Array.from({ length: 253 }, (_, i) => 2 ** (i / 252))), 1, 1e-12);
  close(
    capacityEstimate({ capital: 1e6, grossPnl: 1e5, linearCosts: 2e4, impactCosts: 1e4 }),
    16e6,
  );
  assert.equal(
    capacityEstimate({ capital: 1e6, grossPnl: 1e4, linearCosts: 2e4, impactCosts: 1 }),
    0,
  );
  assert.equal(
    capacityEstimate({ capital: 1e6, grossPnl: 1e5, linearCosts: 0, impactCosts: 0 }),
    Infinity,
  );
  // participation bound: busiest day 2% of ADV under a 10% cap -> 5x capital, below the 16x of
  // impact; a 0.5% day -> 20x, so impact's 16x binds
  close(
    capacityEstimate({
      capital: 1e6,
      grossPnl: 1e5,
      linearCosts: 2e4,
      impactCosts: 1e4,
      participationCap: 0.1,
      peakParticipation: 0.02,
    }),
    5e6,
  );
  assert.deepEqual(
    capacityDetail({
      capital: 1e6,
      grossPnl: 1e5,
      linearCosts: 2e4,
      impactCosts: 1e4,
      participationCap: 0.1,
      peakParticipation: 0.005,
    }),
    { capacity: 16e6, boundBy: "impact" },
  );
  // no impact: the cap alone; a cap of Infinity bounds nothing
  assert.deepEqual(
    capacityDetail({
      capital: 2e6,
      grossPnl: 1e5,
      linearCosts: 0,
      impactCosts: 0,
      participationCap: 0.1,
      peakParticipation: 0.1,
    }),
    { capacity: 2e6, boundBy: "participation" },
  );
  assert.equal(
    capacityEstimate({
      capital: 1e6,
      grossPnl: 1e5,
      linearCosts: 0,
      impactCosts: 0,
      participationCap: Infinity,
      peakParticipation: 0.3,
    }),
    Infinity,
  );
  const rs = rollingSharpe([0.01, 0.02, -0.01, 0.03], 3, 1);
  assert.ok(Number.isNaN(rs[1]!));
  close(rs[2]!, sharpeRatio([0.01, 0.02, -0.01], 1));
});

Deno.test("metrics edge cases: empty, one point, all-NaN, constant, bad value", () => {
  assert.equal(returnsFromEquity([]).length, 0);
  assert.ok(Number.isNaN(sharpeRatio([])));
  assert.ok(Number.isNaN(sharpeRatio([0.01])));
  assert.ok(Number.isNaN(sharpeRatio([NaN, NaN, NaN])));
  assert.ok(Number.isNaN(sharpeRatio([0.01, 0.01, 0.01]))); // zero dispersion
  assert.equal(sortinoRatio([0.01, 0.02]), Infinity);
  assert.ok(Number.isNaN(cagr([100])));
  assert.equal(drawdownStats([]).maxDrawdown, 0);
  assert.equal(drawdownStats([5, 5, 5]).maxDrawdown, 0);
  assert.ok(Number.isNaN(calmarRatio([5, 5, 5])));
  assert.ok(Number.isNaN(hitRate([0, 0])));
  // a bad (NaN) return is skipped, not propagated
  close(sharpeRatio([0.01, NaN, 0.02, -0.01]), sharpeRatio([0.01, 0.02, -0.01]));
});
