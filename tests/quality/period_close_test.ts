/**
 * lib/quality `closeLabeler` / `periodCloseDate`: the close of a weekly, monthly, quarterly or
 * yearly bar is its period's last session on the calendar, else the period's last day.
 * Hand-worked from the NYSE's published closures and a printed calendar:
 * - week of 2001-09-10: NYSE closed 11..14 Sep 2001 (the attacks), so the week's only session,
 *   Monday 2001-09-10, is its close;
 * - week of 2005-03-21: Good Friday 2005-03-25 closed -> Thursday 2005-03-24;
 * - week of 2005-09-05 (Labor Day Monday): Friday 2005-09-09;
 * - week of 2006-12-25 (Christmas Monday): Friday 2006-12-29;
 * - month 2000-09: the 30th a Saturday -> Friday 2000-09-29; month 1996-04 -> Tuesday 1996-04-30;
 * - quarter 1996-Q2: 30 June a Sunday -> Friday 1996-06-28; year 1999 -> Friday 1999-12-31;
 * - calendar none (every day a session): week of 1990-01-08 -> Sunday 1990-01-14;
 *   weekdays: Friday 1990-01-12; a date inside the period finds the same close.
 */
import assert from "node:assert/strict";
import {
  closeLabeler,
  periodCloseDate,
  periodLastDate,
  periodName,
} from "../../lib/quality/mod.ts";

Deno.test("periodCloseDate: the period's last session on the calendar (hand-worked closures)", () => {
  assert.equal(periodCloseDate("2001-09-10", "week", "nyse"), "2001-09-10");
  assert.equal(periodCloseDate("2005-03-21", "week", "nyse"), "2005-03-24");
  assert.equal(periodCloseDate("2005-09-05", "week", "nyse"), "2005-09-09");
  assert.equal(periodCloseDate("2006-12-25", "week", "nyse"), "2006-12-29");
  assert.equal(periodCloseDate("2000-09-01", "month", "nyse"), "2000-09-29");
  assert.equal(periodCloseDate("1996-04-01", "month", "nyse"), "1996-04-30");
  assert.equal(periodCloseDate("1996-04-01", "quarter", "nyse"), "1996-06-28");
  assert.equal(periodCloseDate("1999-01-01", "year", "nyse"), "1999-12-31");
  assert.equal(periodCloseDate("1990-01-08", "week", "none"), "1990-01-14");
  assert.equal(periodCloseDate("1990-01-08", "week", "weekdays"), "1990-01-12");
  // any date of the period (a file dated on Fridays) finds the same close
  assert.equal(periodCloseDate("1990-01-12", "week", "nyse"), "1990-01-12");
  assert.equal(periodCloseDate("1996-04-17", "month", "nyse"), "1996-04-30");
});

Deno.test("periodLastDate and periodName", () => {
  assert.equal(periodLastDate("1996-02-01", "month"), "1996-02-29");
  assert.equal(periodLastDate("1900-02-01", "month"), "1900-02-28");
  assert.equal(periodLastDate("1996-10-01", "quarter"), "1996-12-31");
  assert.equal(periodLastDate("2024-12-30", "week"), "2025-01-05");
  assert.equal(periodName("1990-01-12", "week"), "week of 1990-01-08");
  assert.equal(periodName("1996-04-01", "month"), "month 1996-04");
  assert.equal(periodName("1996-08-15", "quarter"), "quarter 1996-Q3");
  assert.equal(periodName("1996-08-15", "year"), "year 1996");
});

Deno.test("closeLabeler: texts for weekly and slower bars; null for daily and intraday", () => {
  const w = closeLabeler("week", "nyse")!;
  assert.equal(w.close("1990-01-01"), "1990-01-05 close (week of 1990-01-01)");
  assert.equal(w.on("2005-09-05"), "2005-09-09 (week of 2005-09-05)");
  const m = closeLabeler("month", "nyse")!;
  assert.equal(m.close("1996-04-01"), "1996-04-30 close (month 1996-04)");
  for (const f of ["day", "session", "1d", "30m", "irregular", undefined]) {
    assert.equal(closeLabeler(f, "nyse"), null, String(f));
  }
});
