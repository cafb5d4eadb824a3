import assert from "node:assert/strict";
import { runBacktest, syntheticPanel } from "../../lib/backtest/mod.ts";
import { IBKR_FIXED } from "../../lib/execution/mod.ts";
import {
  backtestFigures,
  backtestReportHtml,
  monthlyReturns,
  summarizeBacktest,
} from "../../lib/report/mod.ts";
import { renderCheck, skipBrowser } from "../_chromium.ts";

function demoRun() {
  const p = syntheticPanel({ symbols: 6, bars: 300, seed: 5 });
  return runBacktest(p, {
    onBar(ctx) {
      if (ctx.t < 20 || ctx.t % 10) return;
      for (let s = 0; s < 6; s++) {
        const mom = ctx.close(s) / ctx.close(s, 20) - 1;
        ctx.orderTargetWeight(s, mom > 0 ? 0.25 : -0.15);
      }
    },
  }, { costs: { fees: IBKR_FIXED, halfSpreadBps: 2, impactCoef: 1, borrowRateAnnual: 0.02 } });
}

Deno.test("monthly returns chain to the total return (by construction of compounding)", () => {
  const res = demoRun();
  const mr = monthlyReturns(res.tsMs, res.equity, res.initialCash);
  let g = 1;
  for (const row of mr.values) for (const v of row) if (Number.isFinite(v)) g *= 1 + v;
  assert.ok(Math.abs(g - res.equity.at(-1)! / res.initialCash) < 1e-12);
  assert.deepEqual(mr.years, [2015, 2016]);
  assert.deepEqual(monthlyReturns([], [], 1), { years: [], values: [] });
});

Deno.test("summary: cost attribution adds up; gross P&L = net P&L + costs", () => {
  const res = demoRun();
  const s = summarizeBacktest(res);
  const c = s.costs;
  assert.ok(Math.abs(c.total - (c.commission + c.fees + c.spread + c.impact + c.borrow)) < 1e-9);
  assert.ok(c.impact > 0 && c.borrow > 0 && c.commission > 0);
  assert.ok(Math.abs(s.grossPnl - (s.finalEquity - s.initialEquity) - c.total) < 1e-6);
  assert.equal(backtestFigures(res).length, 5);
});

Deno.test({
  name: "HTML report renders in headless chromium: all five charts draw every trace",
  ignore: skipBrowser(),
  fn: async () => {
    const { html } = backtestReportHtml(demoRun(), {
      title: "demo",
      meta: { strategy: "momentum" },
    });
    assert.ok(html.includes('<table class="summary">'));
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/report.html`;
      await Deno.writeTextFile(path, html);
      const check = await renderCheck(path);
      assert.deepEqual(check.errors, []);
      assert.deepEqual(
        check.charts.map((c) => c.title.split(" (")[0]),
        [
          "Equity and drawdown",
          "Monthly returns",
          "Exposures",
          "Cumulative costs by kind",
          "Rolling Sharpe",
        ],
      );
      for (const c of check.charts) {
        assert.ok(c.traces > 0 && c.drawn === c.traces, `${c.title}: ${c.drawn}/${c.traces} drawn`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("report: currency, annualisation and unfilled orders stated; no USD label on a CHF run", () => {
  const res = demoRun();
  const { html, summary } = backtestReportHtml(res, {
    currency: "CHF",
    periodsPerYear: 260,
    annualisation: "260 periods a year: sessions of calendar fx",
  });
  assert.equal(summary.periodsPerYear, 260);
  assert.ok(html.includes("final equity (CHF)"));
  assert.ok(html.includes("equity (CHF)"));
  assert.ok(html.includes("260 periods a year: sessions of calendar fx"));
  assert.ok(!html.includes("(USD)"));
  assert.ok(html.includes(`all ${summary.ordersSubmitted} orders filled`));
  const unknown = backtestReportHtml(res, { currency: null }).html;
  assert.ok(unknown.includes("final equity (units)"));
  // the default stays USD for runs that state nothing (simulated US equities)
  assert.ok(backtestReportHtml(res).html.includes("final equity (USD)"));
});

Deno.test("report: a result carries its panel's annualisation and currency by default", async () => {
  const { makePanel, resampleToSessions } = await import("../../lib/backtest/mod.ts");
  const T0 = Date.UTC(1997, 5, 3, 13);
  const p = makePanel({
    symbols: ["USD_CHF"],
    tsMs: [0, 1, 2, 3].map((k) => T0 + k * 1_800_000),
    open: [[1.4, 1.41, 1.42, 1.43]],
    close: [[1.41, 1.42, 1.43, 1.44]],
    day: [0, 0, 1, 1],
  });
  Object.assign(p, { currency: "CHF", periodsPerYear: 12_480, sessionsPerYear: 260 });
  const res = runBacktest(p, {
    onBar(ctx) {
      if (ctx.t === 0) ctx.orderTarget(0, 1000);
    },
  });
  assert.equal(res.periodsPerYear, 12_480);
  assert.equal(summarizeBacktest(res).periodsPerYear, 12_480);
  const daily = resampleToSessions(res, p.day!);
  assert.equal(daily.periodsPerYear, 260);
  assert.equal(summarizeBacktest(daily).periodsPerYear, 260);
  const { html } = backtestReportHtml(daily);
  assert.ok(html.includes("final equity (CHF)") && html.includes("260 periods a year"));
});
