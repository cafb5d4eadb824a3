/**
 * Per-bar figures annualised over observed bars when bars are missing (lib/report/metrics.ts
 * `observedPeriodsPerYear`, `summarizeBacktest` option `gaps`): P_eff = P * n / (n + G).
 * Three layers: a hand-worked 4-bar weekly case with one missing week; numpy/pandas on a seeded
 * weekly simulation with ~10% of weeks dropped (tests/reference/gap_annualisation.py); and a
 * property: on a long simulated series with 40% of the weeks missing the corrected Sharpe and vol
 * are those of the full grid, the one-period-per-bar figures are not. Plus: no gaps changes
 * nothing (bit for bit), bad counts are refused, and the report's annualisation row says so.
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  backtestReportHtml,
  observedPeriodsPerYear,
  panelGaps,
  sharpeRatio,
  summarizeBacktest,
  summaryTableHtml,
} from "../../lib/report/mod.ts";
import type { BacktestResult } from "../../lib/backtest/mod.ts";
import { Rng } from "../../lib/core/random.ts";

const FIX = new URL("../fixtures/", import.meta.url).pathname;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** means and sums of ~1,000 returns in another order than numpy: a few ulps */
const RTOL = 1e-12;

function close(a: number, b: number, what: string, rtol = RTOL): void {
  assert(Math.abs(a - b) <= rtol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

function result(tsMs: Float64Array, equity: Float64Array, traded = 0): BacktestResult {
  const n = equity.length;
  const z = () => new Float64Array(n);
  return {
    symbols: ["X"],
    tsMs,
    initialCash: equity[0] ?? 1,
    equity,
    cash: Float64Array.from(equity),
    gross: z(),
    net: z(),
    positions: new Float64Array(0),
    costs: { commission: z(), fees: z(), spread: z(), impact: z(), borrow: z(), traded: z() },
    totals: { commission: 0, fees: 0, spread: 0, impact: 0, borrow: 0, traded },
    dividends: z(),
    fills: [],
    rejected: [],
    unfilled: [],
    orders: { submitted: 0, unfilled: 0, unfilledByReason: {}, closeFillsForMissingOpen: 0 },
  };
}

const MON = Date.UTC(2024, 0, 1); // a Monday
/** Weeks 0, 1, 3, 4: week 2 (2024-01-15) has no bar. Returns +10%, -10%, +10%. */
const HAND_TS = Float64Array.from([0, 1, 3, 4], (w) => MON + w * WEEK);
const HAND_EQ = Float64Array.from([100, 110, 99, 108.9]);

Deno.test("hand-worked: 4 weekly bars, one missing week: P_eff = 52 x 3 / 4 = 39", () => {
  const g = panelGaps({ tsMs: HAND_TS, calendar: "none", frequency: "week" });
  assertEquals(g, { clock: "periods", count: 1, examples: ["2024-01-15"] });
  assertEquals(observedPeriodsPerYear(52, 3, 1), 39);
  const s = summarizeBacktest(result(HAND_TS, HAND_EQ, 50), 52, { gaps: g!.count });
  // r = (0.1, -0.1, 0.1): mean 1/30, var ddof 1 = (2 x (1/15)^2 + (2/15)^2) / 2 = 0.04 / 3
  // Sharpe = (1/30) / sqrt(0.04/3) x sqrt(39) = sqrt(39) / (2 sqrt 3) = sqrt(13) / 2 = 1.80278
  close(s.sharpe, Math.sqrt(13) / 2, "Sharpe");
  // vol = sqrt(0.04/3 x 39) = sqrt(0.52) = 0.72111
  close(s.annualVol, Math.sqrt(0.52), "vol");
  // downside deviation sqrt(0.01 / 3): Sortino = (1/30) / sqrt(0.01/3) x sqrt(39) = sqrt(13)
  close(s.sortino, Math.sqrt(13), "Sortino");
  // turnover: 50 traded / mean equity 104.475 x 39 / 4 bars = 1950 / 417.9
  close(s.turnoverAnnual, 1950 / 417.9, "turnover");
  assertEquals(s.periodsPerYear, 52);
  assertEquals(s.periodsPerYearObserved, 39);
  assertEquals(s.gapPeriods, 1);
  // one period per bar (no gap count) would say sqrt(13/3) = 2.08: sqrt(4/3) too high
  const old = summarizeBacktest(result(HAND_TS, HAND_EQ, 50), 52);
  close(old.sharpe, Math.sqrt(13 / 3), "one period per bar");
  close(old.sharpe / s.sharpe, Math.sqrt(4 / 3), "bias = sqrt(mean span)");
  // CAGR and drawdown do not depend on the gap count
  assertEquals(old.cagr, s.cagr);
  assertEquals(old.maxDrawdown, s.maxDrawdown);
});

Deno.test("numpy/pandas: weekly i.i.d. returns, ~10% of weeks dropped, gap-corrected Sharpe/vol/Sortino to 1e-12", async () => {
  const ref = JSON.parse(await Deno.readTextFile(`${FIX}gap_annualisation.json`));
  const rows = (await Deno.readTextFile(`${FIX}gap_annualisation.csv`)).trim().split("\n").slice(1);
  const tsMs = Float64Array.from(rows, (l) => Date.parse(`${l.split(",")[0]}T00:00:00Z`));
  const eq = Float64Array.from(rows, (l) => Number(l.split(",")[1]));
  assertEquals(eq.length, ref.bars);
  const g = panelGaps({ tsMs, calendar: "none", frequency: "week" })!;
  assertEquals(g.count, ref.missing_weeks);
  assertEquals(g.examples, ref.missing_first);
  const s = summarizeBacktest(result(tsMs, eq), ref.periods_per_year, { gaps: g.count });
  close(s.periodsPerYearObserved, ref.p_eff, "P_eff");
  close(s.sharpe, ref.sharpe, "Sharpe");
  close(s.annualVol, ref.vol, "vol");
  close(s.sortino, ref.sortino, "Sortino");
  const old = summarizeBacktest(result(tsMs, eq), ref.periods_per_year);
  close(old.sharpe, ref.sharpe_one_period_per_bar, "one period per bar Sharpe");
  close(old.annualVol, ref.vol_one_period_per_bar, "one period per bar vol");
});

Deno.test("property: 40% of 50,000 weeks missing: corrected Sharpe and vol are the full grid's, one period per bar is sqrt(mean span) too high", () => {
  const rng = new Rng("gap-annualisation-property");
  const weeks = 50_000, mu = 0.002, sigma = 0.02;
  const full = new Float64Array(weeks);
  for (let i = 0; i < weeks; i++) full[i] = mu + sigma * rng.normal();
  const ts: number[] = [], eq: number[] = [];
  let e = 1e6;
  for (let w = 0; w <= weeks; w++) {
    if (w > 0) e *= 1 + full[w - 1]!;
    // keep the first and last week; a kept bar's return compounds across the dropped ones
    if (w === 0 || w === weeks || rng.uniform() >= 0.4) {
      ts.push(MON + w * WEEK);
      eq.push(e);
    }
  }
  const tsMs = Float64Array.from(ts), equity = Float64Array.from(eq);
  const g = panelGaps({ tsMs, calendar: "none", frequency: "week" })!;
  assertEquals(g.count, weeks + 1 - equity.length);
  const meanSpan = weeks / (equity.length - 1);
  assert(meanSpan > 1.6 && meanSpan < 1.75, `mean span ${meanSpan}`);
  const fullSharpe = sharpeRatio(full, 52);
  const m = full.reduce((a, b) => a + b, 0) / weeks;
  const fullVol = Math.sqrt(full.reduce((a, b) => a + (b - m) ** 2, 0) / (weeks - 1) * 52);
  const s = summarizeBacktest(result(tsMs, equity), 52, { gaps: g.count });
  const old = summarizeBacktest(result(tsMs, equity), 52);
  // sampling noise of the ratio on one path is ~0.5%; the one-period-per-bar bias is ~29%
  assert(Math.abs(s.sharpe / fullSharpe - 1) < 0.03, `corrected ${s.sharpe} vs full ${fullSharpe}`);
  assert(Math.abs(s.annualVol / fullVol - 1) < 0.03, `corrected vol ${s.annualVol} vs ${fullVol}`);
  assert(old.sharpe / fullSharpe > 1.2, `uncorrected ${old.sharpe} vs full ${fullSharpe}`);
  assert(old.annualVol / fullVol > 1.2, `uncorrected vol ${old.annualVol} vs ${fullVol}`);
  close(old.sharpe / s.sharpe, Math.sqrt(meanSpan), "bias factor", 1e-12);
});

Deno.test("no gaps: nothing changes, bit for bit (gaps 0 or not given)", () => {
  const ts = Float64Array.from([0, 1, 2, 3, 4], (w) => MON + w * WEEK);
  const eq = Float64Array.from([100, 103, 101.5, 104, 102]);
  const a = summarizeBacktest(result(ts, eq, 30), 52);
  const b = summarizeBacktest(result(ts, eq, 30), 52, { gaps: 0 });
  for (const k of ["sharpe", "sortino", "annualVol", "turnoverAnnual", "cagr"] as const) {
    assert(Object.is(a[k], b[k]), `${k}: ${a[k]} vs ${b[k]}`);
  }
  assertEquals(a.periodsPerYearObserved, 52);
  assertEquals(b.periodsPerYearObserved, 52);
  assertEquals(a.gapPeriods, null);
  assertEquals(b.gapPeriods, 0);
  // a non-integer factor comes back as given with no gaps (no P * n / n rounding)
  assert(Object.is(observedPeriodsPerYear(365.25 / 7, 3, 0), 365.25 / 7));
  assert(!summaryTableHtml(b).includes("observed bars"));
});

Deno.test("observedPeriodsPerYear: empty, one bar, constant series, bad counts", () => {
  assertEquals(observedPeriodsPerYear(252, 0, 0), 252);
  assertThrows(() => observedPeriodsPerYear(252, 0, 2), RangeError, "2 gaps between no returns");
  assertThrows(() => observedPeriodsPerYear(252, 10, -1), RangeError, "got -1");
  assertThrows(() => observedPeriodsPerYear(252, 10, 1.5), RangeError, "got 1.5");
  assertThrows(() => observedPeriodsPerYear(252, 10, NaN), RangeError, "got NaN");
  assertThrows(() => observedPeriodsPerYear(252, -3, 1), RangeError, "got -3");
  const one = Float64Array.from([MON]);
  assertThrows(
    () => summarizeBacktest(result(one, Float64Array.from([100])), 52, { gaps: 1 }),
    RangeError,
    "between no returns",
  );
  const s1 = summarizeBacktest(result(one, Float64Array.from([100])), 52, { gaps: 0 });
  assert(Number.isNaN(s1.sharpe) && Number.isNaN(s1.annualVol));
  // constant equity over a gap: no dispersion, NaN Sharpe, zero vol, whatever the factor
  const flat = summarizeBacktest(result(HAND_TS, Float64Array.from([5, 5, 5, 5])), 52, { gaps: 1 });
  assert(Number.isNaN(flat.sharpe));
  assertEquals(flat.annualVol, 0);
  const empty = summarizeBacktest(result(new Float64Array(0), new Float64Array(0)), 52, {});
  assertEquals(empty.periodsPerYearObserved, 52);
});

Deno.test("report: the annualisation row and rolling Sharpe say P_eff when gaps are given", () => {
  const { html, summary } = backtestReportHtml(result(HAND_TS, HAND_EQ), {
    periodsPerYear: 52,
    annualisation: "52 periods a year: week bars on calendar none",
    gaps: 1,
  });
  close(summary.sharpe, Math.sqrt(13) / 2, "report summary Sharpe");
  assert(
    html.includes(
      "52 periods a year: week bars on calendar none; Sharpe, Sortino, vol and turnover annualised over observed bars: 39 a year = 52 x 3 / (3 + 1 missing)",
    ),
    "annualisation row",
  );
  assert(html.includes("annualised by 39/year"), "rolling Sharpe title");
  const plain = backtestReportHtml(result(HAND_TS, HAND_EQ), { periodsPerYear: 52 }).html;
  assert(!plain.includes("observed bars") && plain.includes("annualised by 52/year"));
});

Deno.test("backtest task on weekly co2 (59 missing weeks): run and benchmark annualised over observed bars, said in text and --json", async () => {
  const REPO = new URL("../../", import.meta.url).pathname;
  const ref = JSON.parse(await Deno.readTextFile(`${FIX}report/co2_cagr.json`));
  const dir = await Deno.makeTempDir();
  const env = { TZ: "UTC", WORKBENCH_DATA: `${dir}/lake` };
  const run = async (args: string[]) => {
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--frozen", ...args],
      cwd: REPO,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
  };
  try {
    const csv = (await Deno.readTextFile(`${FIX}report/co2_weekly.csv`)).replace(
      /^,co2/,
      "date,co2",
    );
    await Deno.writeTextFile(`${dir}/co2.csv`, csv);
    const ing = await run([
      "tasks/ingest_file.ts",
      `${dir}/co2.csv`,
      ...["--dataset", "co2", "--kind", "series", "--symbol", "CO2", "--map", "value=co2"],
      ...["--freq", "week", "--currency", "none", "--max-quarantined", "0.05"],
      // a level series standing in for an index: the test is about annualising over gaps (a
      // series with no currency and no units is not backtested)
      ...["--units", "index"],
    ]);
    assertEquals(ing.code, 0, ing.stderr);
    await Deno.writeTextFile(
      `${dir}/spec.json`,
      JSON.stringify({
        question: "co2-bh",
        strategy: "buy_and_hold",
        grid: {},
        data: { source: "lake", dataset: "user/co2", symbols: ["CO2"] },
        costs: { model: "spread_only", halfSpreadBps: 0 },
      }),
    );
    const args = ["tasks/backtest.ts", "--spec", `${dir}/spec.json`, "--memory-ledger"];
    const txt = await run([...args, "--report", `${dir}/r.html`]);
    assertEquals(txt.code, 0, txt.stderr);
    const n = ref.rows - 1, g = ref.missing_weeks; // 2224 returns, 59 missing weeks (pandas)
    assert(txt.stdout.includes(`gaps: ${g} missing periods between bars`), txt.stdout);
    const pEff = 52 * n / (n + g);
    assert(
      txt.stdout.includes(
        `annualisation (run and benchmark): Sharpe, Sortino, vol and turnover annualised over observed bars: ${+pEff
          .toPrecision(6)} a year = 52 x ${n} / (${n} + ${g} missing)`,
      ),
      txt.stdout,
    );
    const html = await Deno.readTextFile(`${dir}/r.html`);
    assert(html.includes(`annualised over observed bars: ${+pEff.toPrecision(6)} a year`));
    const js = await run([...args, "--report", `${dir}/r2.html`, "--json"]);
    assertEquals(js.code, 0, js.stderr);
    const out = JSON.parse(js.stdout);
    assertEquals(out.data.gaps.count, g);
    assert(String(out.annualisationObserved).includes(`${n} + ${g} missing`));
    for (const s of [out.summary, out.benchmark.summary]) {
      assertEquals(s.gapPeriods, g);
      close(s.periodsPerYearObserved, pEff, "P_eff");
      // the same returns annualised by 52 would be sqrt(52 / P_eff) higher
      assert(s.sharpe > 0 && s.annualVol > 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
