/**
 * The backtest report's capacity row and title (trial 10 finding 7):
 * - a spread-only cost model (no participation cap) on data WITH volume: the row gives the run's
 *   busiest day as a share of ADV, worked here by hand from the panel's volumes and the fill
 *   (ADV = mean volume of the completed days before the fill), and says the cost model has no cap;
 *   it no longer says "no volume given";
 * - a capped cost model: the cap and the same peak; data without volume: "the data has no volume";
 * - the title leaves out an empty configuration ("q: buy_and_hold", not "q: buy_and_hold {}").
 */
import { assert, assertEquals } from "../_assert.ts";
import { makePanel, runBacktest } from "../../lib/backtest/mod.ts";
import {
  backtestReportHtml,
  backtestReportTitle,
  runParticipation,
  summarizeBacktest,
} from "../../lib/report/mod.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2001, 0, 1, 21);

function panel(volume: number[]) {
  return makePanel({
    symbols: ["MSFT"],
    tsMs: volume.map((_, k) => T0 + k * DAY),
    open: [[50, 51, 52, 53]],
    close: [[50.5, 51.5, 52.5, 53.5]],
    volume: [volume],
  });
}

function run(volume: number[], costs: Record<string, number>) {
  const p = panel(volume);
  const result = runBacktest(p, {
    onBar(ctx) {
      if (ctx.t === 0) ctx.orderTarget(0, 300);
    },
  }, { initialCash: 1e6, costs });
  return { panel: p, costs, result };
}

const SPREAD_ONLY = { participationCap: Infinity, impactCoef: 0, halfSpreadBps: 0 };
const VOL = [1000, 3000, 2000, 4000];

Deno.test("capacity row: spread-only costs on data with volume give the busiest day's share of ADV", () => {
  const r = run(VOL, SPREAD_ONLY);
  const trades = r.result.fills.filter((f) => f.kind === "trade");
  assertEquals(trades.length, 1);
  const f = trades[0]!;
  assertEquals(Math.abs(f.qty), 300);
  // ADV at the fill: mean volume of the completed days before it.
  const before = VOL.slice(0, f.bar);
  assert(before.length > 0, `filled at bar ${f.bar}`);
  const adv = before.reduce((a, b) => a + b, 0) / before.length;
  const part = runParticipation(r);
  assert(part, "volume is present: participation is measured");
  assertEquals(part.cap, Infinity);
  assertEquals(part.noAdv, 0);
  assert(Math.abs(part.peak - 300 / adv) < 1e-12, `${part.peak} vs ${300 / adv}`);
  const s = summarizeBacktest(r.result, undefined, { participation: part });
  assertEquals(s.capacityBoundBy, "none", "no cap and no impact: nothing bounds the capacity");
  const html = backtestReportHtml(r.result, { participation: part }).html;
  const pct = `${+((300 / adv) * 100).toPrecision(3)}%`;
  assert(
    html.includes(`no participation cap in the cost model, busiest day ${pct} of ADV`),
    html.match(/capacity estimate[^\n]{0,300}/)?.[0],
  );
  assert(!html.includes("no volume given"));
});

Deno.test("capacity row: a capped cost model names its cap; data without volume says so", () => {
  const capped = run(VOL, { ...SPREAD_ONLY, participationCap: 0.5 });
  const part = runParticipation(capped);
  assert(part && part.cap === 0.5);
  const html = backtestReportHtml(capped.result, { participation: part }).html;
  assert(/participation cap 50% of ADV, busiest day [\d.]+% of ADV/.test(html));

  const none = run([NaN, NaN, NaN, NaN], SPREAD_ONLY);
  assertEquals(runParticipation(none), undefined);
  const html2 = backtestReportHtml(none.result).html;
  assert(html2.includes("participation not checked: the data has no volume"));
});

Deno.test("report title: an empty configuration is left out", () => {
  assertEquals(backtestReportTitle("bh pair", "buy_and_hold", {}), "bh pair: buy_and_hold");
  assertEquals(
    backtestReportTitle("mom", "momentum", { lookback: 20 }),
    'mom: momentum {"lookback":20}',
  );
});
