/**
 * CAGR over the calendar span of the bars (lib/report/metrics.ts `cagr`) and the missing periods
 * between bars (lib/report/data_gaps.ts `panelGaps`), against pandas on statsmodels' weekly co2
 * series with 59 missing weeks (tests/reference/report_cagr_calendar.py) and hand-worked cases.
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { cagr, calmarRatio, panelGaps, summarizeBacktest } from "../../lib/report/mod.ts";
import type { BacktestResult } from "../../lib/backtest/mod.ts";

const FIX = new URL("../fixtures/report/", import.meta.url).pathname;
const DAY = 86_400_000;
/** pow of a ratio near 1 over ~16,000 days, summed in another order than pandas */
const RTOL = 1e-12;

function close(a: number, b: number, what: string): void {
  assert(Math.abs(a - b) <= RTOL * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

/** The co2 fixture's rows with a value: instant of the ISO week's Monday (UTC) and the value. */
async function co2(): Promise<{ tsMs: Float64Array; value: Float64Array }> {
  const lines = (await Deno.readTextFile(`${FIX}co2_weekly.csv`)).trim().split("\n").slice(1);
  const ts: number[] = [], v: number[] = [];
  for (const l of lines) {
    const [d, x] = l.split(",");
    if (x === undefined || x.trim() === "") continue;
    const ms = Date.parse(`${d}T00:00:00Z`);
    const wd = new Date(ms).getUTCDay();
    ts.push(ms - ((wd + 6) % 7) * DAY);
    v.push(Number(x));
  }
  return { tsMs: Float64Array.from(ts), value: Float64Array.from(v) };
}

function result(tsMs: Float64Array, equity: Float64Array): BacktestResult {
  const n = equity.length;
  const z = () => new Float64Array(n);
  return {
    symbols: ["CO2"],
    tsMs,
    initialCash: equity[0]!,
    equity,
    cash: Float64Array.from(equity),
    gross: z(),
    net: z(),
    positions: new Float64Array(0),
    costs: { commission: z(), fees: z(), spread: z(), impact: z(), borrow: z(), traded: z() },
    totals: { commission: 0, fees: 0, spread: 0, impact: 0, borrow: 0, traded: 0 },
    dividends: z(),
    fills: [],
    rejected: [],
    unfilled: [],
    orders: { submitted: 0, unfilled: 0, unfilledByReason: {}, closeFillsForMissingOpen: 0 },
  };
}

Deno.test("cagr: weekly co2 with 59 missing weeks compounds over the calendar span (pandas)", async () => {
  const ref = JSON.parse(await Deno.readTextFile(`${FIX}co2_cagr.json`));
  const { tsMs, value } = await co2();
  assertEquals(value.length, ref.rows);
  assertEquals((tsMs[tsMs.length - 1]! - tsMs[0]!) / DAY, ref.span_days);
  close(cagr(value, 52, { tsMs }), ref.cagr_calendar, "calendar CAGR");
  // without instants the rows are the clock: the former figure (too high over 59 missing weeks)
  close(cagr(value, 52), ref.cagr_rows_52, "row CAGR");
  assert(cagr(value, 52) > cagr(value, 52, { tsMs }));
  // summarizeBacktest takes the bars' instants from the result
  const s = summarizeBacktest(result(tsMs, value), 52);
  close(s.cagr, ref.cagr_calendar, "summary CAGR");
  close(s.calmar, calmarRatio(value, 52, { tsMs }), "summary Calmar");
});

Deno.test("panelGaps: the 59 missing co2 weeks, as pandas counts them", async () => {
  const ref = JSON.parse(await Deno.readTextFile(`${FIX}co2_cagr.json`));
  const { tsMs } = await co2();
  const g = panelGaps({ tsMs, calendar: "none", frequency: "week" });
  assertEquals(g, { clock: "periods", count: ref.missing_weeks, examples: ref.missing_first });
});

Deno.test("cagr: hand-worked calendar spans, and bad input", () => {
  // 100 -> 121 over exactly two Julian years: 10% a year, whatever periodsPerYear says
  close(cagr([100, 121], 52, { tsMs: [0, 2 * 365.25 * DAY] }), 0.1, "two years");
  close(cagr([100, 110, 121], 252, { tsMs: [0, 10 * DAY, 365.25 * DAY] }), 0.21, "one year");
  // without instants: (n - 1) / periodsPerYear years (one row = half a year here)
  close(cagr([100, 121], 2), 1.21 ** 2 - 1, "rows");
  assert(Number.isNaN(cagr([100, 121], 52, { tsMs: [5, 5] })), "zero span");
  assert(Number.isNaN(cagr([100], 52, { tsMs: [0] })), "one point");
  assertThrows(() => cagr([100, 121], 52, { tsMs: [0] }), RangeError, "1 instants for 2");
});

Deno.test("panelGaps: NYSE sessions (a holiday is not missing), FX session dates, intraday by session, none by day", () => {
  const nyOpen = (d: string) => Date.parse(`${d}T13:30:00Z`); // 09:30 New York (EDT)
  // 2024-07-03 (Wed) -> 2024-07-05 (Fri): 4 July is a holiday, nothing missing
  assertEquals(
    panelGaps({
      tsMs: Float64Array.from(["2024-07-03", "2024-07-05"].map(nyOpen)),
      calendar: "nyse",
      frequency: "session",
    }),
    { clock: "sessions", count: 0, examples: [] },
  );
  // 2024-07-03 -> 2024-07-09 (Tue): Friday 5 and Monday 8 missing
  assertEquals(
    panelGaps({
      tsMs: Float64Array.from(["2024-07-03", "2024-07-09"].map(nyOpen)),
      calendar: "nyse",
      frequency: "day",
    }),
    { clock: "sessions", count: 2, examples: ["2024-07-05", "2024-07-08"] },
  );
  // FX: the session of Monday 2024-07-08 opens Sunday 17:00 New York (21:00 UTC); Friday's
  // session opens Thursday 21:00 UTC: Friday -> Monday is consecutive, not a gap
  assertEquals(
    panelGaps({
      tsMs: Float64Array.from([
        Date.parse("2024-07-04T21:00:00Z"),
        Date.parse("2024-07-07T21:00:00Z"),
      ]),
      calendar: "fx",
      frequency: "session",
    }),
    { clock: "sessions", count: 0, examples: [] },
  );
  // intraday bars count by their session: Friday 2024-07-05's session (first bar Thursday
  // 21:00 UTC) -> Tuesday 07-09's: Monday 07-08 missing; two bars of one session: nothing
  assertEquals(
    panelGaps({
      tsMs: Float64Array.from([
        Date.parse("2024-07-04T21:00:00Z"),
        Date.parse("2024-07-09T14:00:00Z"),
        Date.parse("2024-07-09T14:30:00Z"),
      ]),
      calendar: "fx",
      frequency: "30m",
    }),
    { clock: "sessions", count: 1, examples: ["2024-07-08"] },
  );
  // calendar none: every UTC day is a period (daily or intraday bars): 1970-01-01 -> 01-04
  // misses the 2nd and the 3rd
  assertEquals(
    panelGaps({ tsMs: Float64Array.from([0, 3 * DAY]), calendar: "none", frequency: "day" }),
    { clock: "days", count: 2, examples: ["1970-01-02", "1970-01-03"] },
  );
  assertEquals(
    panelGaps({
      tsMs: Float64Array.from([0, 1_800_000, DAY + 60_000]),
      calendar: "none",
      frequency: "30m",
    }),
    { clock: "days", count: 0, examples: [] },
  );
});
