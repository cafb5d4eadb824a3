import pl from "nodejs-polars";
import {
  formatQuality,
  gapUnit,
  loadedQuality,
  periodGaps,
  periodStart,
} from "../../lib/quality/mod.ts";
import { assert, assertEquals } from "../_assert.ts";

Deno.test("periodStart: ISO weeks from Monday, months, quarters, years (hand-worked)", () => {
  assertEquals(periodStart("2024-01-01", "week"), "2024-01-01"); // a Monday
  assertEquals(periodStart("2024-01-07", "week"), "2024-01-01"); // its Sunday
  assertEquals(periodStart("2025-01-01", "week"), "2024-12-30"); // a Wednesday, across the year
  assertEquals(periodStart("1958-03-29", "week"), "1958-03-24"); // co2's first Saturday
  assertEquals(periodStart("1949-11-30", "month"), "1949-11-01");
  assertEquals(periodStart("2023-06-30", "quarter"), "2023-04-01");
  assertEquals(periodStart("2023-12-31", "year"), "2023-01-01");
});

Deno.test("periodGaps: hand-worked missing weeks, months, quarters and years", () => {
  // AirPassengers 1949-01..1960-12 without Nov 1949 .. Jan 1950: 144 months, 141 rows.
  const months: string[] = [];
  for (let y = 1949; y <= 1960; y++) {
    for (let m = 1; m <= 12; m++) months.push(`${y}-${String(m).padStart(2, "0")}-01`);
  }
  const gap = months.filter((d) => !["1949-11-01", "1949-12-01", "1950-01-01"].includes(d));
  assertEquals(gap.length, 141);
  const m = periodGaps(gap, { frequency: "month", start: "1949-01-01", end: "1960-12-01" })!;
  assertEquals(m.sessions, 144);
  assertEquals(m.missingSessions, ["1949-11-01", "1949-12-01", "1950-01-01"]);
  assertEquals(m.offCalendar, 0);
  // January 2024: weeks of Mondays 1, 8, 15, 22, 29; a Wednesday row fills its week but is
  // not stamped on the week's label.
  const w = periodGaps(["2024-01-01", "2024-01-17", "2024-01-29"], {
    frequency: "week",
    start: "2024-01-01",
    end: "2024-01-31",
  })!;
  assertEquals(w.sessions, 5);
  assertEquals(w.missingSessions, ["2024-01-08", "2024-01-22"]);
  assertEquals(w.offCalendar, 1);
  assertEquals(w.offCalendarExamples, ["2024-01-17"]);
  const q = periodGaps(["2023-01-01", "2023-07-01"], {
    frequency: "quarter",
    start: "2023-01-01",
    end: "2023-12-31",
  })!;
  assertEquals([q.sessions, q.missingSessions], [4, ["2023-04-01", "2023-10-01"]]);
  const y = periodGaps(["2020-01-01", "2023-01-01", "2030-01-01"], {
    frequency: "year",
    start: "2020-01-01",
    end: "2023-12-31",
  })!;
  assertEquals([y.sessions, y.missingSessions], [4, ["2021-01-01", "2022-01-01"]]);
  assertEquals(
    periodGaps(["2024-01-01"], { frequency: "day", start: "2024-01-01", end: "2024-01-01" }),
    null,
  );
});

function frame(dates: string[], values: (number | null)[], frequency: string) {
  return {
    name: "curated/user/x",
    frame: pl.DataFrame({
      symbol: dates.map(() => "X"),
      date: pl.Series("date", dates.map((d) => new Date(d + "T00:00:00Z")), pl.Date),
      value: pl.Series("value", values, pl.Float64),
    }),
    timeColumn: "date",
    meta: { calendar: "none", frequency, currency: null, kind: "series" },
  };
}

Deno.test("loadedQuality: a monthly series names its missing months and its missing values", () => {
  // Oct 1949 .. Mar 1950 without Nov, Dec, Jan; Feb's value is missing (null).
  const r = loadedQuality(
    frame(["1949-10-01", "1950-02-01", "1950-03-01"], [119, null, 135], "month"),
  );
  assertEquals(r.rows, 3);
  // counts named after the frequency: months, not sessions
  assertEquals(r.counts.months_expected, 6);
  assertEquals(r.counts.missing_months, 3);
  assertEquals(r.counts.sessions_expected, undefined);
  assertEquals(r.counts.missing_sessions, undefined);
  assertEquals(r.examples.missing_months, ["X@1949-11-01", "X@1949-12-01", "X@1950-01-01"]);
  assertEquals(r.counts.null_value, 1);
  assertEquals(r.examples.null_value, ["X@1950-02-01"]);
  // A weekly series with a NaN value (as a parquet written by pandas may hold) and one missing
  // week: 1958-03-24, 03-31 (NaN), [04-07 missing], 04-14.
  const w = loadedQuality(
    frame(["1958-03-24", "1958-03-31", "1958-04-14"], [316.1, NaN, 317.5], "week"),
  );
  assertEquals(w.counts.weeks_expected, 4);
  assertEquals(w.counts.missing_weeks, 1);
  assertEquals(w.examples.missing_weeks, ["X@1958-04-07"]);
  assert(formatQuality(w).includes("weeks_expected=4 missing_weeks=1"), formatQuality(w));
  assert(!/sessions/.test(formatQuality(w)), formatQuality(w));
  assertEquals(w.counts.null_value, 1);
  assertEquals(w.examples.null_value, ["X@1958-03-31"]);
});

Deno.test("gapUnit: periodic frequencies name their period, daily and intraday data sessions", () => {
  assertEquals(["week", "month", "quarter", "year"].map(gapUnit), [
    "weeks",
    "months",
    "quarters",
    "years",
  ]);
  assertEquals(["day", "1d", "session", "30m"].map(gapUnit), [
    "sessions",
    "sessions",
    "sessions",
    "sessions",
  ]);
});
