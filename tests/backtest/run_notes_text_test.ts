/**
 * Wording of the run notes a user reads beside the figures (trial 5, findings 7 and 8):
 * - the leverage limit names what it bounds (gross, not net), where (at fills) and that a book
 *   with shorts drifts above it between fills; a peak above the limit says it came from price
 *   moves; a peak at or below it says nothing more;
 * - every reason an order ends unfilled has a meaning, printed beside its count;
 * - a symbol that spans the whole panel with one hole is not described as truncated.
 */
import assert from "node:assert/strict";
import {
  type BacktestResult,
  coverageLine,
  runNotes,
  UNFILLED_REASON_TEXT,
} from "../../lib/backtest/mod.ts";
import { type BacktestSummary, unfilledLine } from "../../lib/report/mod.ts";

const DAY = 86_400_000;

/** The fields runNotes reads, of a run over `n` daily bars from 2000-01-03. */
function fakeRun(peakGross: number, peakBar: number, n = 4): BacktestResult {
  return {
    tsMs: Float64Array.from({ length: n }, (_, t) => Date.UTC(2000, 0, 3) + t * DAY),
    leverage: { limit: 1, peakGross, peakBar },
    orders: { leverageScaled: 2, leverageRejected: 1, delayedBars: {} },
  } as unknown as BacktestResult;
}

Deno.test("leverage note: gross, checked at fills, drift of a book with shorts named", () => {
  const over = runNotes(fakeRun(1.496, 2)).leverage;
  assert.match(over, /^limit 1x equity on gross exposure \(\|longs\| \+ \|shorts\|, not net\)/);
  assert.match(over, /checked at each fill that raises a position, not traded back between fills/);
  assert.match(over, /a book with shorts can drift above it as prices move/);
  assert.match(
    over,
    /2 orders scaled down to it, 1 rejected; peak gross leverage 1\.496 at the 2000-01-05 close, after that bar's fills \(\|longs\| \+ \|shorts\| over equity, all marked at that close\): above the 1x limit by price moves, not by a fill \(a fill that raises a position is checked with the other positions at their previous close\)$/,
  );
  const within = runNotes(fakeRun(1, 3)).leverage;
  assert.match(
    within,
    /peak gross leverage 1\.000 at the 2000-01-06 close, after that bar's fills/,
  );
  assert(!within.includes("above the"), within);
  // weekly bars: the peak is named by the week's close
  const wk = runNotes(fakeRun(0.9, 1), { frequency: "week", calendar: "nyse" });
  // bar 1 is 2000-01-04, in the week of Monday 2000-01-03, which closes Friday 2000-01-07
  assert.match(
    wk.leverage,
    /at the 2000-01-07 close \(week of 2000-01-03\), after that bar's fills/,
  );
});

Deno.test("unfilled reasons: each printed with its meaning", () => {
  for (const [k, v] of Object.entries(UNFILLED_REASON_TEXT)) {
    assert.ok(v.length > 20, `${k} has a meaning`);
  }
  const s = {
    ordersSubmitted: 588,
    ordersUnfilled: 40,
    ordersLeverageScaled: 20,
    unfilledByReason: { leverage_limit: 29, not_eligible_before_end: 11 },
  } as unknown as BacktestSummary;
  const line = unfilledLine(s);
  assert.match(
    line,
    /^40 of 588 orders not filled in full: leverage_limit 29 \(20 filled in part, up to the limit, the rest cancelled\), not_eligible_before_end 11 \(the run ended before the order's first fillable bar: orders fill at the next bar, so those sent at the last bar never can; not a data problem\)$/,
  );
});

Deno.test("coverage line: a symbol spanning the panel with a hole is not called truncated", () => {
  assert.equal(
    coverageLine([
      {
        symbol: "BASI",
        first: "1999-12-30",
        last: "2008-10-17",
        bars: 2210,
        before: 0,
        after: 0,
        inside: 1,
      },
      {
        symbol: "MSFT",
        first: "2000-09-27",
        last: "2001-09-27",
        bars: 249,
        before: 4076,
        after: 1323,
        inside: 0,
      },
      {
        symbol: "FULL",
        first: "1999-12-30",
        last: "2008-10-17",
        bars: 2211,
        before: 0,
        after: 0,
        inside: 0,
      },
    ]),
    "BASI spans the whole panel, 1999-12-30..2008-10-17, but has no bar on 1 row inside it; " +
      "MSFT has bars 2000-09-27..2001-09-27 only (4076 panel rows before, 1323 after, 0 missing inside)",
  );
});
