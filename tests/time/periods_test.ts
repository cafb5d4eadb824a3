/**
 * lib/time periods: first day, last day, next period and last session of the period holding a
 * date (hand-worked on a 2024/2025 wall calendar and the NYSE closures named below).
 */
import { assertEquals } from "../_assert.ts";
import {
  getCalendar,
  lastSessionIn,
  nextPeriod,
  periodLastDate,
  periodLastSession,
  periodStart,
} from "../../lib/time/mod.ts";

Deno.test("periods: first day, last day and next period (hand-worked)", () => {
  assertEquals(periodStart("2025-01-01", "week"), "2024-12-30"); // Wednesday -> Monday before
  assertEquals(periodStart("2024-03-10", "week"), "2024-03-04"); // Sunday ends Monday's week
  assertEquals(periodStart("2024-08-17", "quarter"), "2024-07-01");
  assertEquals(periodStart("0050-05-05", "year"), "0050-01-01"); // not read as 1950
  assertEquals(periodLastDate("1996-02-14", "month"), "1996-02-29"); // leap year
  assertEquals(periodLastDate("1900-02-01", "month"), "1900-02-28"); // 1900 not leap
  assertEquals(periodLastDate("2024-12-30", "week"), "2025-01-05");
  assertEquals(periodLastDate("1996-11-20", "quarter"), "1996-12-31");
  assertEquals(nextPeriod("1996-10-01", "quarter"), "1997-01-01");
  assertEquals(nextPeriod("2024-12-30", "week"), "2025-01-06");
  assertEquals(nextPeriod("1999-01-01", "year"), "2000-01-01");
});

Deno.test("periods: last session on a calendar, null when none or the calendar cannot tell", () => {
  const nyse = getCalendar("nyse");
  assertEquals(periodLastSession("1990-01-08", "week", nyse), "1990-01-12"); // Friday
  assertEquals(periodLastSession("2024-03-01", "month", nyse), "2024-03-28"); // Good Friday 29th
  assertEquals(periodLastSession("1700-01-01", "year", nyse), null); // nyse starts 1926
  assertEquals(periodLastSession("2100-12-27", "week", nyse), null); // ends 2101-01-02
  assertEquals(periodLastSession("1990-01-08", "week", getCalendar("weekdays")), "1990-01-12");
  assertEquals(periodLastSession("1990-01-08", "week", getCalendar("none")), "1990-01-14");
  assertEquals(lastSessionIn(nyse, "2024-07-04", "2024-07-04"), null); // Independence Day
  assertEquals(lastSessionIn(nyse, "1925-12-01", "1926-01-05"), "1926-01-05");
});
