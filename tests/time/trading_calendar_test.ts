/**
 * lib/time/trading_calendar.ts: hand-worked cases for every named calendar. Instants are worked
 * out by hand from the session rules in the module doc and the time-zone rules: New York EDT
 * (UTC-4) from 2024-03-10 07:00Z to 2024-11-03 06:00Z; London BST (UTC+1) from the last Sunday
 * of March to the last Sunday of October, and all year 1968-10-27..1971-10-31 (British Standard
 * Time); Berlin CEST (UTC+2) over the same summer dates as London.
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { CALENDAR_NAMES, getCalendar } from "../../lib/time/mod.ts";

function iso(b: { open: Date; close: Date } | null): [string, string] | null {
  return b === null ? null : [b.open.toISOString(), b.close.toISOString()];
}
const t = (s: string) => Date.parse(s);

Deno.test("getCalendar: every name, case-insensitive, unknown name rejected", () => {
  for (const name of CALENDAR_NAMES) assertEquals(getCalendar(name).name, name);
  assertEquals(getCalendar("NYSE").name, "nyse");
  assertThrows(() => getCalendar("tse"), RangeError, 'Unknown calendar "tse"');
  const expected: Record<string, [string, string | null, number]> = {
    nyse: ["America/New_York", "USD", 252],
    fx: ["America/New_York", null, 260],
    crypto: ["UTC", null, 365],
    weekdays: ["UTC", null, 260],
    lse: ["Europe/London", "GBP", 252],
    xetra: ["Europe/Berlin", "EUR", 252],
    us_federal: ["America/New_York", "USD", 251],
    none: ["UTC", null, 365],
  };
  for (const [name, [tz, ccy, n]] of Object.entries(expected)) {
    const c = getCalendar(name);
    assertEquals([c.timeZone, c.currency, c.sessionsPerYear], [tz, ccy, n], name);
    // none (no sessions, no zone) reaches back to 1000 for yearly and monthly science/macro data
    const first = name === "none" ? "1000-01-01" : "1926-01-01";
    assertEquals([c.firstDate, c.lastDate], [first, "2100-12-31"], name);
  }
});

Deno.test("fx: the session of Monday 2024-03-11 opens Sunday 17:00 EDT (21:00Z)", () => {
  const fx = getCalendar("fx");
  // DST began Sunday 2024-03-10 at 07:00Z, so Sunday 17:00 is already EDT.
  assertEquals(iso(fx.sessionBounds("2024-03-11")), [
    "2024-03-10T21:00:00.000Z",
    "2024-03-11T21:00:00.000Z",
  ]);
  // The Friday before: Thursday 17:00 EST to Friday 17:00 EST.
  assertEquals(iso(fx.sessionBounds("2024-03-08")), [
    "2024-03-07T22:00:00.000Z",
    "2024-03-08T22:00:00.000Z",
  ]);
  assertEquals(fx.sessionBounds("2024-03-09"), null);
  assertEquals(fx.sessionBounds("2024-03-10"), null);
  assertEquals(fx.sessionDateOf(t("2024-03-08T21:59:59.999Z")), "2024-03-08");
  assertEquals(fx.sessionDateOf(t("2024-03-08T22:00:00Z")), null, "Friday 17:00 NY: no session");
  assertEquals(fx.sessionDateOf(t("2024-03-09T12:00:00Z")), null);
  assertEquals(fx.sessionDateOf(t("2024-03-10T20:59:59.999Z")), null, "Sunday 16:59 EDT");
  assertEquals(fx.sessionDateOf(t("2024-03-10T21:00:00Z")), "2024-03-11");
  assertEquals(fx.sessionDateOf(t("2024-03-11T20:59:00Z")), "2024-03-11");
  assertEquals(fx.sessionDateOf(t("2024-03-11T21:00:00Z")), "2024-03-12", "Monday 17:00 rolls");
  assertEquals(fx.sessions("2024-03-08", "2024-03-12"), ["2024-03-08", "2024-03-11", "2024-03-12"]);
  assert(fx.isSession("2024-07-04"), "FX trades on US holidays");
  assert(fx.isSession("2024-12-25"), "and on Christmas (thin, but a weekday bar)");
  assert(!fx.isSession("2024-03-09"));
});

Deno.test("fx: the November DST week (EDT -> EST on Sunday 2024-11-03 06:00Z)", () => {
  const fx = getCalendar("fx");
  assertEquals(iso(fx.sessionBounds("2024-11-01")), [
    "2024-10-31T21:00:00.000Z", // Thursday 17:00 EDT
    "2024-11-01T21:00:00.000Z", // Friday 17:00 EDT
  ]);
  assertEquals(iso(fx.sessionBounds("2024-11-04")), [
    "2024-11-03T22:00:00.000Z", // Sunday 17:00 EST
    "2024-11-04T22:00:00.000Z",
  ]);
  assertEquals(fx.sessionDateOf(t("2024-11-03T21:30:00Z")), null, "Sunday 16:30 EST");
  assertEquals(fx.sessionDateOf(t("2024-11-03T22:00:00Z")), "2024-11-04");
  // 1926: Friday Jan 1 session opened Thursday 1925-12-31 17:00 EST.
  assertEquals(fx.sessionBounds("1926-01-01")?.open.toISOString(), "1925-12-31T22:00:00.000Z");
});

Deno.test("crypto, weekdays, none: UTC calendar days", () => {
  const crypto = getCalendar("crypto");
  const weekdays = getCalendar("weekdays");
  const none = getCalendar("none");
  assertEquals(iso(crypto.sessionBounds("2024-03-09")), [
    "2024-03-09T00:00:00.000Z",
    "2024-03-10T00:00:00.000Z",
  ]);
  assertEquals(crypto.sessionDateOf(t("2024-03-09T23:59:59.999Z")), "2024-03-09");
  assertEquals(crypto.sessionDateOf(t("2024-03-10T00:00:00Z")), "2024-03-10");
  assertEquals(crypto.sessions("2024-02-27", "2024-03-01"), [
    "2024-02-27",
    "2024-02-28",
    "2024-02-29",
    "2024-03-01",
  ]);
  assertEquals(crypto.sessions("2024-03-02", "2024-03-01"), []);
  assertEquals(none.sessions("2024-01-01", "2024-12-31").length, 366);
  assertEquals(crypto.sessions("1926-01-01", "2100-12-31").length, 63_918);
  assertEquals(weekdays.isSession("2024-03-09"), false);
  assertEquals(weekdays.sessionBounds("2024-03-10"), null);
  assertEquals(weekdays.sessionDateOf(t("2024-03-09T12:00:00Z")), null);
  assertEquals(weekdays.sessionDateOf(t("2024-03-11T00:00:00Z")), "2024-03-11");
  assertEquals(weekdays.sessions("2024-03-08", "2024-03-11"), ["2024-03-08", "2024-03-11"]);
  assert(weekdays.isSession("2024-12-25"));
  // 2024 has 262 weekdays (366 days, Jan 1 a Monday, Dec 30-31 Monday-Tuesday).
  assertEquals(weekdays.sessions("2024-01-01", "2024-12-31").length, 262);
});

Deno.test("none: UTC days from 1000-01-01 (sunspots from 1700, lake levels from 1875)", () => {
  const none = getCalendar("none");
  assert(none.isSession("1700-01-01"));
  assertEquals(iso(none.sessionBounds("1875-06-30")), [
    "1875-06-30T00:00:00.000Z",
    "1875-07-01T00:00:00.000Z",
  ]);
  assertEquals(none.sessionDateOf(t("1700-12-31T23:59:59Z")), "1700-12-31");
  assertEquals(none.sessions("1699-12-31", "1700-01-02"), [
    "1699-12-31",
    "1700-01-01",
    "1700-01-02",
  ]);
  // 1000..2100 inclusive: 1101 years, 267 of them leap (Gregorian rule)
  assertEquals(none.sessions("1000-01-01", "2100-12-31").length, 1101 * 365 + 267);
  assertThrows(() => none.isSession("0999-12-31"), RangeError, "outside the none calendar");
  assertThrows(() => none.sessionDateOf(Date.UTC(999, 5, 1)), RangeError, "outside");
});

Deno.test("every calendar rejects dates and instants outside 1926-2100 (none: 1000-2100)", () => {
  for (const name of CALENDAR_NAMES) {
    const c = getCalendar(name);
    const before = name === "none" ? "0999-12-31" : "1925-12-31";
    assertThrows(() => c.isSession(before), RangeError, "outside");
    assertThrows(() => c.sessionBounds("2101-01-01"), RangeError, "outside");
    assertThrows(() => c.sessions("2024-01-01", "2101-01-01"), RangeError, "end date");
    assertThrows(() => c.sessionDateOf(Date.UTC(2101, 5, 1)), RangeError, "outside");
    assertThrows(
      () => c.sessionDateOf(Date.UTC(name === "none" ? 999 : 1925, 5, 1)),
      RangeError,
      "outside",
    );
    assertThrows(() => c.sessionDateOf(NaN), RangeError, "Invalid instant");
    assertThrows(() => c.isSession("2024-02-30"), RangeError, "no such calendar date");
  }
});

Deno.test("nyse through getCalendar: a 1950 Saturday is a session", () => {
  const nyse = getCalendar("nyse");
  assert(nyse.isSession("1950-01-07"));
  // 10:00-12:00 EST = 15:00Z-17:00Z.
  assertEquals(iso(nyse.sessionBounds("1950-01-07")), [
    "1950-01-07T15:00:00.000Z",
    "1950-01-07T17:00:00.000Z",
  ]);
  assertEquals(nyse.sessionDateOf(t("1950-01-07T16:00:00Z")), "1950-01-07");
  assertEquals(nyse.holidayName?.("2012-10-29"), "Hurricane Sandy");
});

Deno.test("lse: hours in GMT/BST, bank holidays as they changed, 12:30 early closes", () => {
  const lse = getCalendar("lse");
  assertEquals(iso(lse.sessionBounds("2024-01-02")), [
    "2024-01-02T08:00:00.000Z",
    "2024-01-02T16:30:00.000Z",
  ]);
  assertEquals(iso(lse.sessionBounds("2024-07-01")), [
    "2024-07-01T07:00:00.000Z",
    "2024-07-01T15:30:00.000Z",
  ]);
  // British Standard Time: UTC+1 in the winter of 1969.
  assertEquals(lse.sessionBounds("1969-01-15")?.open.toISOString(), "1969-01-15T07:00:00.000Z");
  assertEquals(lse.sessionBounds("2024-12-24")?.close.toISOString(), "2024-12-24T12:30:00.000Z");
  assert(lse.isEarlyClose?.("2024-12-31"));
  // Dec 24 and 31, 2022 were Saturdays: the Fridays before closed at 12:30.
  assertEquals(lse.sessionBounds("2022-12-23")?.close.toISOString(), "2022-12-23T12:30:00.000Z");
  assertEquals(lse.sessionBounds("2022-12-30")?.close.toISOString(), "2022-12-30T12:30:00.000Z");
  // Christmas 2022 on a Sunday: Boxing Day Monday 26, Christmas substitute Tuesday 27.
  assertEquals(lse.sessions("2022-12-23", "2022-12-29"), [
    "2022-12-23",
    "2022-12-28",
    "2022-12-29",
  ]);
  // 2020: early May holiday moved to Friday May 8 (VE Day); Monday May 4 traded.
  assert(!lse.isSession("2020-05-08") && lse.isSession("2020-05-04"));
  // 1960: Whit Monday (Easter Apr 17 + 50 = Jun 6) and the first Monday of August closed;
  // New Year's Day (a Friday) traded: no bank holiday before 1974.
  assertEquals(lse.holidayName?.("1960-06-06"), "Whit Monday");
  assertEquals(lse.holidayName?.("1960-08-01"), "August Bank Holiday");
  assert(lse.isSession("1960-01-01") && lse.isSession("1960-05-30"));
  assertEquals(lse.holidayName?.("1974-01-01"), "New Year's Day");
  assertEquals(lse.holidayName?.("2023-05-08"), "Coronation of King Charles III");
  assertEquals(lse.sessionDateOf(t("2024-07-01T15:29:59Z")), "2024-07-01");
  assertEquals(lse.sessionDateOf(t("2024-07-01T15:30:00Z")), null);
});

Deno.test("xetra: CET/CEST hours, Dec 24/31 closed, 14:00 close on the last weekday before", () => {
  const x = getCalendar("xetra");
  assertEquals(iso(x.sessionBounds("2024-07-01")), [
    "2024-07-01T07:00:00.000Z",
    "2024-07-01T15:30:00.000Z",
  ]);
  assertEquals(iso(x.sessionBounds("2024-12-30")), [
    "2024-12-30T08:00:00.000Z",
    "2024-12-30T13:00:00.000Z",
  ]);
  assert(!x.isSession("2024-12-31") && !x.isSession("2024-12-24") && !x.isSession("2024-05-01"));
  assert(x.isSession("2024-10-03"), "German Unity Day traded again from 2022");
  assert(!x.isSession("2019-10-03"));
  assert(!x.isSession("2017-10-31"));
  assert(x.isSession("2024-05-20"), "Whit Monday 2024 traded");
  // 2027-12-31 is a Friday: the early close falls on Thursday Dec 30.
  assertEquals(x.sessionBounds("2027-12-30")?.close.toISOString(), "2027-12-30T13:00:00.000Z");
  assertEquals(x.sessionDateOf(t("2024-07-01T06:59:59Z")), null);
  assertEquals(x.sessionDateOf(t("2024-07-01T07:00:00Z")), "2024-07-01");
});
