/**
 * The backtest report as a person sees it: every chart of a report draws its traces in headless
 * chromium, with no console error, for runs from one month to twenty years; the page stays under
 * 5 MB with plotly.js inlined once (minified), or references it with `plotlySrc`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makePanel, runBacktest, syntheticPanel } from "../../lib/backtest/mod.ts";
import { IBKR_FIXED } from "../../lib/execution/mod.ts";
import {
  backtestFigures,
  backtestReportHtml,
  chartRows,
  heatmapHeight,
  peakParticipation,
  plotlyCdnUrl,
  rollingWindowFor,
  writePlotlyFile,
} from "../../lib/report/mod.ts";
import { pngSize, renderCheck, screenshot, skipBrowser } from "../_chromium.ts";

/** 5 MB, decimal: the report's size bound. */
const MAX_REPORT_BYTES = 5_000_000;

const COSTS = { fees: IBKR_FIXED, halfSpreadBps: 2, impactCoef: 1, borrowRateAnnual: 0.02 };

/** A momentum run of `bars` sessions on 4 synthetic names starting 2001-01-02. */
function run(bars: number, start = "2001-01-02") {
  const p = syntheticPanel({ symbols: 4, bars, seed: 11, start });
  const res = runBacktest(p, {
    onBar(ctx) {
      if (ctx.t < 5 || ctx.t % 5) return;
      for (let s = 0; s < 4; s++) {
        const mom = ctx.close(s) / ctx.close(s, 5) - 1;
        ctx.orderTargetWeight(s, mom > 0 ? 0.2 : -0.1);
      }
    },
  }, { costs: COSTS });
  return { p, res };
}

const TITLES = [
  "Equity and drawdown",
  "Monthly returns",
  "Exposures",
  "Cumulative costs",
  "Rolling Sharpe",
];

Deno.test("chartRows: every row up to the limit, else the last of each bucket and the final row", () => {
  assert.deepEqual(chartRows(0), { rows: [], k: 1 });
  assert.deepEqual(chartRows(3, 10), { rows: [0, 1, 2], k: 1 });
  assert.deepEqual(chartRows(5, 2), { rows: [2, 4], k: 3 });
  assert.deepEqual(chartRows(7, 3), { rows: [2, 5, 6], k: 3 });
  // 20 years of sessions: at most 1000 points
  assert.ok(chartRows(5040).rows.length <= 1000);
  assert.equal(chartRows(5040).rows.at(-1), 5039);
});

Deno.test("rollingWindowFor: the requested window when the run is long enough, else half of it", () => {
  assert.equal(rollingWindowFor(1000, 63), 63);
  assert.equal(rollingWindowFor(127, 63), 63); // 126 returns = 2 windows
  assert.equal(rollingWindowFor(22, 63), 10); // one month: 21 returns
  assert.equal(rollingWindowFor(3, 63), 5); // floor
});

Deno.test("heatmapHeight: room for one year's row (the old 120 + 30 rule left none under Plotly's margins)", () => {
  assert.ok(heatmapHeight(1) >= 250);
  assert.equal(heatmapHeight(30), 110 + 32 * 30);
  const fig = backtestFigures(run(30).res)[1]!;
  const m = fig.layout!.margin as { t: number; b: number };
  assert.ok((fig.layout!.height as number) - m.t - m.b >= 150, "plot area of the heatmap");
});

Deno.test("fifty years of sessions: under 5 MB, at most 1000 points a trace, one heatmap row a year", () => {
  const { res } = run(12_600, "1970-01-02");
  const { html, figures } = backtestReportHtml(res);
  assert.ok(html.length < MAX_REPORT_BYTES, `${html.length} bytes`);
  for (const f of figures) {
    for (const t of f.data as { type: string; x: unknown[] }[]) {
      if (t.type === "scatter") assert.ok(t.x.length <= 1000, `${t.x.length} points`);
    }
  }
  const heat = figures[1]!.data[0] as { y: string[] };
  assert.equal(heat.y[0], "1970");
  const lastYear = new Date(res.tsMs.at(-1)!).getUTCFullYear();
  assert.ok(lastYear >= 2015, `${lastYear}: decades of data`);
  assert.equal(heat.y.length, lastYear - 1970 + 1);
  assert.equal(figures[1]!.layout!.height, heatmapHeight(heat.y.length));
});

Deno.test("intraday rows are labelled with their time of day, daily rows with the date", () => {
  const T0 = Date.UTC(2024, 2, 4, 14, 30);
  const minute = makePanel({
    symbols: ["X"],
    tsMs: [0, 1, 2].map((k) => T0 + k * 60_000),
    open: [[10, 10.1, 10.2]],
    close: [[10.1, 10.2, 10.3]],
    volume: [[1000, 1000, 1000]],
  });
  const res = runBacktest(minute, { onBar() {} });
  const x = (backtestFigures(res)[0]!.data[0] as { x: string[] }).x;
  assert.deepEqual(x, ["2024-03-04 14:30", "2024-03-04 14:31", "2024-03-04 14:32"]);
  const daily = (backtestFigures(run(3).res)[0]!.data[0] as { x: string[] }).x;
  assert.deepEqual(daily, ["2001-01-02", "2001-01-03", "2001-01-04"]);
});

Deno.test("peakParticipation: busiest (symbol, day) over the trailing ADV, by hand", () => {
  // one symbol, ADV 1000 (volume 1000 every day), fills of 30 and 20 on day 3, 50 on day 4
  const p = syntheticPanel({ symbols: 1, bars: 6, seed: 1 });
  p.volume.fill(1000);
  const f = (bar: number, qty: number) => ({
    orderId: 0,
    bar,
    symbol: p.symbols[0]!,
    qty,
    price: 1,
    commission: 0,
    fees: 0,
    spread: 0,
    impact: 0,
    kind: "trade" as const,
    tag: "",
  });
  const out = peakParticipation(p, [f(3, 30), f(3, -20), f(4, 45), f(0, 999)], { advWindow: 2 });
  // day 0 has no ADV yet (no completed day): skipped and counted
  assert.deepEqual(out, { peak: 0.05, noAdv: 1 });
});

Deno.test("capacity: bounded by the participation cap, stated in the table", () => {
  const { p, res } = run(252);
  const { peak } = peakParticipation(p, res.fills);
  assert.ok(peak > 0 && peak <= 0.1 + 1e-12, `peak ${peak} within the engine's 10% cap`);
  const unbounded = backtestReportHtml(res).summary;
  const { summary, html } = backtestReportHtml(res, { participation: { cap: 0.1, peak } });
  assert.ok(summary.capacityUsd <= (0.1 / peak) * res.initialCash * (1 + 1e-12));
  assert.ok(summary.capacityUsd <= unbounded.capacityUsd);
  assert.ok(html.includes("busiest day"));
  assert.ok(backtestReportHtml(res).html.includes("participation not checked"));
});

for (
  const [label, bars] of [["one month", 22], ["one year", 252], [
    "twenty years",
    5040,
  ]] as const
) {
  Deno.test({
    name: `report of a ${label} backtest: every chart drawn in chromium, no console error, < 5 MB`,
    ignore: skipBrowser(),
    fn: async () => {
      const { res } = run(bars);
      const { html } = backtestReportHtml(res, { title: label });
      assert.ok(html.length < MAX_REPORT_BYTES, `${html.length} bytes`);
      assert.equal(html.split("<script>").length - 1, 7, "plotly.js once, shared arrays, 5 charts");
      const dir = await Deno.makeTempDir();
      try {
        const path = join(dir, "report.html");
        await Deno.writeTextFile(path, html);
        assert.ok((await Deno.stat(path)).size < MAX_REPORT_BYTES);
        const check = await renderCheck(path);
        assert.deepEqual(check.errors, []);
        assert.equal(check.charts.length, 5);
        check.charts.forEach((c, i) => {
          assert.ok(c.title.startsWith(TITLES[i]!), `chart ${i} title "${c.title}"`);
          assert.ok(c.traces >= 1, `${c.title}: traces`);
          assert.equal(c.drawn, c.traces, `${c.title}: ${c.drawn} of ${c.traces} traces drawn`);
        });
        // the heatmap is one image; lines carry at least one point per row shown
        assert.equal(check.charts[1]!.marks, 1);
        assert.ok(check.charts[0]!.marks >= Math.min(bars, 900), `${check.charts[0]!.marks}`);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "the probe sees a failed chart: the old heatmap height on a one-year run",
  ignore: skipBrowser(),
  fn: async () => {
    const { res } = run(252);
    const { html } = backtestReportHtml(res);
    // put back the rule of issue 19 (120 + 30 * years, Plotly's default margins)
    const broken = html.replace(
      /"height":\d+,"margin":\{"t":50,"b":40,"l":70,"r":30\},"yaxis":\{"type":"category"/,
      '"height":150,"yaxis":{"type":"category"',
    );
    assert.notEqual(broken, html);
    const dir = await Deno.makeTempDir();
    try {
      const path = join(dir, "broken.html");
      await Deno.writeTextFile(path, broken);
      const check = await renderCheck(path);
      assert.ok(check.errors.some((e) => e.includes("axis scaling")), check.errors.join("; "));
      assert.equal(check.charts[1]!.drawn, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "plotlySrc: a report referencing plotly.js in a file next to it draws the same; cdn link",
  ignore: skipBrowser(),
  fn: async () => {
    const { res } = run(252);
    const dir = await Deno.makeTempDir();
    try {
      const src = writePlotlyFile(dir);
      assert.match(src, /^plotly-\d+\.\d+\.\d+\.min\.js$/);
      assert.equal(writePlotlyFile(dir), src, "second report reuses the file");
      const { html } = backtestReportHtml(res, { plotlySrc: src });
      assert.ok(html.length < 300_000, `${html.length} bytes without the bundle`);
      assert.ok(html.includes(`<script src="${src}"></script>`));
      const path = join(dir, "report.html");
      await Deno.writeTextFile(path, html);
      const check = await renderCheck(path);
      assert.deepEqual(check.errors, []);
      assert.ok(check.charts.length === 5 && check.charts.every((c) => c.drawn === c.traces));
      const png = join(dir, "report.png");
      await screenshot(path, png, { width: 1200, height: 2600 });
      const keep = Deno.env.get("WORKBENCH_REPORT_TEST_DIR");
      if (keep) await Deno.copyFile(png, join(keep, "report_one_year.png"));
      assert.deepEqual(pngSize(await Deno.readFile(png)), { width: 1200, height: 2600 });
      const cdn = backtestReportHtml(res, { plotlySrc: plotlyCdnUrl() }).html;
      assert.match(cdn, /<script src="https:\/\/cdn\.plot\.ly\/plotly-\d+\.\d+\.\d+\.min\.js">/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
