/**
 * Hand-worked cases and invariants for lib/time/calendar.ts. Expected instants are worked out
 * by hand from 09:30 / 13:00 / 16:00 New York time and the US DST rule (EDT = UTC-4 from the
 * second Sunday of March, EST = UTC-5 from the first Sunday of November; before 2007 the first
 * Sunday of April to the last Sunday of October).
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  addTradingDays,
  countTradingDays,
  FIRST_SUPPORTED_DATE,
  holidayName,
  isEarlyClose,
  isTradingDay,
  LAST_SUPPORTED_DATE,
  nextTradingDay,
  nyDate,
  nyOffsetMinutes,
  previousTradingDay,
  sessionBounds,
  sessionDateOf,
  tradingDays,
} from "../../lib/time/mod.ts";

const MIN = 60_000;

function bounds(date: string): [string, string] | null {
  const b = sessionBounds(date);
  return b === null ? null : [b.open.toISOString(), b.close.toISOString()];
}

Deno.test("special closures are holidays with names", () => {
  const special: Record<string, string> = {
    "2001-09-11": "September 11",
    "2001-09-12": "September 11",
    "2001-09-13": "September 11",
    "2001-09-14": "September 11",
    "2004-06-11": "Reagan",
    "2007-01-02": "Ford",
    "2012-10-29": "Sandy",
    "2012-10-30": "Sandy",
    "2018-12-05": "Bush",
    "2025-01-09": "Carter",
  };
  for (const [date, word] of Object.entries(special)) {
    assertEquals(isTradingDay(date), false, date);
    assertEquals(sessionBounds(date), null, date);
    assert(holidayName(date)?.includes(word), `${date}: ${holidayName(date)}`);
  }
  // The days around the closures traded normally (the 2-minute silence at the open of
  // 2001-09-17 is deliberately not modelled, see _nyse_history.ts).
  assertEquals(bounds("2001-09-17"), ["2001-09-17T13:30:00.000Z", "2001-09-17T20:00:00.000Z"]);
  assertEquals(nextTradingDay("2001-09-10"), "2001-09-17");
  assertEquals(nextTradingDay("2012-10-26"), "2012-10-31");
  assertEquals(previousTradingDay("2025-01-10"), "2025-01-08");
});

Deno.test("weekend rules: New Year on Saturday is not observed, others shift", () => {
  // New Year's Day on Saturday: no Friday make-up (NYSE Rule 7.2).
  for (const d of ["2004-12-31", "2010-12-31", "2021-12-31", "2027-12-31"]) {
    assert(isTradingDay(d), d);
    assertEquals(holidayName(d), null);
  }
  assertEquals(holidayName("2023-01-02"), "New Year's Day"); // Sunday -> Monday
  assertEquals(holidayName("2021-12-24"), "Christmas Day"); // Saturday -> Friday
  assertEquals(holidayName("2022-12-26"), "Christmas Day"); // Sunday -> Monday
  assertEquals(holidayName("2020-07-03"), "Independence Day"); // Saturday -> Friday
  assertEquals(holidayName("2021-07-05"), "Independence Day"); // Sunday -> Monday
  assertEquals(holidayName("2022-06-20"), "Juneteenth National Independence Day"); // Sunday
  assertEquals(holidayName("2027-06-18"), "Juneteenth National Independence Day"); // Saturday
  assert(isTradingDay("2021-06-18"), "Juneteenth is a holiday only from 2022");
  assertEquals(holidayName("2024-03-29"), "Good Friday");
  assertEquals(holidayName("2000-04-21"), "Good Friday");
  assertEquals(holidayName("2024-01-15"), "Martin Luther King Jr. Day");
  assertEquals(holidayName("2024-02-19"), "Washington's Birthday");
  assertEquals(holidayName("2024-05-27"), "Memorial Day");
  assertEquals(holidayName("2024-09-02"), "Labor Day");
  assertEquals(holidayName("2024-11-28"), "Thanksgiving Day");
  // Weekends are closed but carry no holiday name.
  assertEquals(isTradingDay("2024-03-09"), false);
  assertEquals(isTradingDay("2024-03-10"), false);
  assertEquals(holidayName("2024-03-09"), null);
  assertEquals(holidayName("2024-03-11"), null);
});

Deno.test("DST weeks 2024 and 2025: open and close instants", () => {
  const cases: Record<string, [string, string]> = {
    "2024-03-08": ["2024-03-08T14:30:00.000Z", "2024-03-08T21:00:00.000Z"], // EST
    "2024-03-11": ["2024-03-11T13:30:00.000Z", "2024-03-11T20:00:00.000Z"], // EDT
    "2024-11-01": ["2024-11-01T13:30:00.000Z", "2024-11-01T20:00:00.000Z"], // EDT
    "2024-11-04": ["2024-11-04T14:30:00.000Z", "2024-11-04T21:00:00.000Z"], // EST
    "2025-03-07": ["2025-03-07T14:30:00.000Z", "2025-03-07T21:00:00.000Z"],
    "2025-03-10": ["2025-03-10T13:30:00.000Z", "2025-03-10T20:00:00.000Z"],
    "2025-10-31": ["2025-10-31T13:30:00.000Z", "2025-10-31T20:00:00.000Z"],
    "2025-11-03": ["2025-11-03T14:30:00.000Z", "2025-11-03T21:00:00.000Z"],
    // Pre-2007 rule: DST began 2006-04-02 and ended 2006-10-29.
    "2006-03-31": ["2006-03-31T14:30:00.000Z", "2006-03-31T21:00:00.000Z"],
    "2006-04-03": ["2006-04-03T13:30:00.000Z", "2006-04-03T20:00:00.000Z"],
    "2006-10-27": ["2006-10-27T13:30:00.000Z", "2006-10-27T20:00:00.000Z"],
    "2006-10-30": ["2006-10-30T14:30:00.000Z", "2006-10-30T21:00:00.000Z"],
  };
  for (const [date, expected] of Object.entries(cases)) assertEquals(bounds(date), expected, date);
});

Deno.test("early closes: 13:00 ET = 18:00Z in winter, 17:00Z in summer", () => {
  assertEquals(bounds("2024-07-03"), ["2024-07-03T13:30:00.000Z", "2024-07-03T17:00:00.000Z"]);
  assertEquals(bounds("2024-11-29"), ["2024-11-29T14:30:00.000Z", "2024-11-29T18:00:00.000Z"]);
  assertEquals(bounds("2024-12-24"), ["2024-12-24T14:30:00.000Z", "2024-12-24T18:00:00.000Z"]);
  assertEquals(bounds("2003-12-26"), ["2003-12-26T14:30:00.000Z", "2003-12-26T18:00:00.000Z"]);
  assertEquals(bounds("2002-07-05"), ["2002-07-05T13:30:00.000Z", "2002-07-05T17:00:00.000Z"]);
  // July 4 on Thursday: before 2013 the Friday after closed early, since 2013 the Wednesday.
  assertEquals(isEarlyClose("2002-07-03"), false);
  assertEquals(isEarlyClose("2013-07-03"), true);
  assertEquals(isEarlyClose("2013-07-05"), false);
  // No early close before a Monday July 4 or an observed Friday July 3.
  assertEquals(isEarlyClose("2022-07-01"), false);
  assertEquals(isEarlyClose("2026-07-02"), false);
  assertEquals(isEarlyClose("2028-07-03"), true); // published NYSE 2028 calendar
  // Christmas Eve on Friday is the observed holiday, not an early close; weekends are neither.
  assertEquals(isEarlyClose("2021-12-24"), false);
  assertEquals(isEarlyClose("2023-12-24"), false);
  assertEquals(isEarlyClose("2024-12-23"), false);
  // Late open on the first anniversary of September 11: 12:00-16:00 EDT.
  assertEquals(bounds("2002-09-11"), ["2002-09-11T16:00:00.000Z", "2002-09-11T20:00:00.000Z"]);
});

Deno.test("next / previous across holidays and long weekends", () => {
  assertEquals(nextTradingDay("2024-11-27"), "2024-11-29"); // Thanksgiving
  assertEquals(nextTradingDay("2024-03-28"), "2024-04-01"); // Good Friday + weekend
  assertEquals(previousTradingDay("2024-04-01"), "2024-03-28");
  assertEquals(nextTradingDay("2024-12-31"), "2025-01-02");
  assertEquals(previousTradingDay("2024-01-02"), "2023-12-29");
  assertEquals(nextTradingDay("2025-01-08"), "2025-01-10"); // Carter
  assertEquals(nextTradingDay("2024-03-09"), "2024-03-11"); // from a Saturday
  assertEquals(previousTradingDay("2024-03-10"), "2024-03-08"); // from a Sunday
  assertEquals(nextTradingDay("2021-12-23"), "2021-12-27"); // Christmas observed Friday
  assertEquals(addTradingDays("2024-12-24", 1), "2024-12-26");
  assertEquals(addTradingDays("2024-12-24", 0), "2024-12-24");
  assertEquals(addTradingDays("2024-12-25", 2), "2024-12-27");
  assertEquals(addTradingDays("2024-12-25", -2), "2024-12-23");
  assertThrows(() => addTradingDays("2024-12-25", 0), RangeError, "not a trading day");
  assertThrows(() => addTradingDays("2024-12-25", 1.5), RangeError, "integer");
  // At the edges of the supported range the neighbours still resolve (tables have padding).
  assertEquals(previousTradingDay("1926-01-02"), "1925-12-31");
  assertEquals(nextTradingDay("2100-12-31"), "2101-01-03");
});

Deno.test("tradingDays: inclusive ranges, empty, single day", () => {
  assertEquals(tradingDays("2024-12-23", "2024-12-27"), [
    "2024-12-23",
    "2024-12-24",
    "2024-12-26",
    "2024-12-27",
  ]);
  assertEquals(tradingDays("2024-03-11", "2024-03-11"), ["2024-03-11"]);
  assertEquals(tradingDays("2024-03-09", "2024-03-10"), []); // weekend only
  assertEquals(tradingDays("2024-03-12", "2024-03-11"), []); // start > end
  assertEquals(countTradingDays("2024-03-12", "2024-03-11"), 0);
  assertEquals(tradingDays(new Date("2024-12-23T23:00:00Z"), "2024-12-24"), [
    "2024-12-23",
    "2024-12-24",
  ]);
});

Deno.test("trading days per year (published NYSE counts)", () => {
  // 2001: September 11 closures; 2012: Sandy; 2023/2025: 250; 2008/2020: 253.
  const counts: Record<number, number> = {
    2001: 248,
    2008: 253,
    2012: 250,
    2018: 251,
    2020: 253,
    2021: 252,
    2022: 251,
    2023: 250,
    2024: 252,
    2025: 250,
  };
  for (const [y, n] of Object.entries(counts)) {
    assertEquals(countTradingDays(`${y}-01-01`, `${y}-12-31`), n, `year ${y}`);
    assertEquals(tradingDays(`${y}-01-01`, `${y}-12-31`).length, n, `year ${y}`);
  }
  for (let y = 2000; y <= 2035; y++) {
    const n = countTradingDays(`${y}-01-01`, `${y}-12-31`);
    assert(n >= 248 && n <= 253, `year ${y}: ${n} trading days`);
  }
});

Deno.test("invariants over every session 1926-2100", () => {
  const all = tradingDays(FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE);
  assertEquals(all.length, countTradingDays(FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE));
  for (let i = 0; i < all.length; i++) {
    const d = all[i]!;
    if (i > 0) {
      assert(all[i - 1]! < d, "ascending");
      assertEquals(previousTradingDay(d), all[i - 1]);
      assertEquals(nextTradingDay(all[i - 1]!), d);
    }
    const b = sessionBounds(d)!;
    const minutes = (b.close.getTime() - b.open.getTime()) / MIN;
    if (d >= "1998-01-01") {
      // 09:30-16:00, 13:00 on early closes; the one late open since 1998 is 2002-09-11 (noon).
      const expected = d === "2002-09-11" ? 240 : isEarlyClose(d) ? 210 : 390;
      assertEquals(minutes, expected, d);
    } else {
      assert(minutes > 0 && minutes <= 390, `${d}: ${minutes} minutes`);
    }
    assertEquals(nyDate(b.open), d);
    assertEquals(nyDate(b.close), d);
    assertEquals(sessionDateOf(b.open), d);
    assertEquals(sessionDateOf(b.close.getTime() - 1), d);
    assertEquals(sessionDateOf(b.close), null);
    assertEquals(sessionDateOf(b.open.getTime() - 1), null);
    assertEquals(holidayName(d), null);
  }
});

Deno.test("sessionDateOf outside sessions, Date and ms inputs agree", () => {
  assertEquals(sessionDateOf(new Date("2024-07-03T16:59:59.999Z")), "2024-07-03");
  assertEquals(sessionDateOf(new Date("2024-07-03T17:00:00Z")), null); // after early close
  assertEquals(sessionDateOf(Date.parse("2024-03-09T15:00:00Z")), null); // Saturday
  assertEquals(sessionDateOf(Date.parse("2024-12-25T15:00:00Z")), null); // holiday
  assertEquals(sessionDateOf(Date.parse("2024-03-11T13:29:59Z")), null); // pre-market
  const d = new Date("2024-03-11T13:30:00Z");
  const before = d.getTime();
  assertEquals(sessionDateOf(d), "2024-03-11");
  assertEquals(d.getTime(), before, "input Date left unmodified");
  assertEquals(isTradingDay(new Date("2024-07-04T12:00:00Z")), false);
  assertEquals(isTradingDay(new Date("2024-07-05T00:00:00Z")), true);
});

Deno.test("bad input throws RangeError with the value", () => {
  const bad = ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-1", "24-01-01", ""];
  for (const s of bad) assertThrows(() => isTradingDay(s), RangeError, `"${s}"`);
  assertThrows(() => isTradingDay("1925-12-31"), RangeError, "outside the supported");
  assertThrows(() => sessionBounds("2101-01-01"), RangeError, "2101-01-01");
  assertThrows(() => tradingDays("2024-01-01", "2024-02-30"), RangeError, "end date");
  assertThrows(() => isTradingDay(new Date(NaN)), RangeError, "invalid");
  assertThrows(() => isTradingDay(20240101 as unknown as string), RangeError, "20240101");
  assertThrows(() => sessionDateOf(NaN), RangeError, "Invalid instant");
  assertThrows(() => sessionDateOf(Date.parse("1925-06-01T15:00:00Z")), RangeError);
  assertThrows(() => sessionDateOf(Date.parse("2101-06-01T15:00:00Z")), RangeError);
  assert(isTradingDay("2024-02-29"), "leap day 2024 is valid and a Thursday");
});

/** [open, close] of a session as New York "HH:MM" (the offset is checked by other tests). */
function nyHours(date: string): [string, string] | null {
  const b = sessionBounds(date);
  if (b === null) return null;
  const hm = (x: Date) => {
    const local = new Date(x.getTime() + nyOffsetMinutes(x) * MIN);
    return local.toISOString().slice(11, 16);
  };
  return [hm(b.open), hm(b.close)];
}

Deno.test("history: Saturday sessions before 1952, with their 10:00-12:00 hours", () => {
  // 1926-01-02 was a Saturday session; 1952-05-24 the last Saturday traded; summer Saturdays
  // closed 1945-1952; from 1952-09-29 no Saturday trading (NYSE Closings list).
  assert(isTradingDay("1926-01-02"));
  assertEquals(nyHours("1926-01-02"), ["10:00", "12:00"]);
  assertEquals(bounds("1926-01-02"), ["1926-01-02T15:00:00.000Z", "1926-01-02T17:00:00.000Z"]); // EST
  assert(isTradingDay("1952-05-24"));
  assert(!isTradingDay("1952-05-31"), "summer Saturday closing");
  assertEquals(holidayName("1952-05-31"), "Summer Saturday closing");
  assert(!isTradingDay("1948-07-10"));
  assert(isTradingDay("1948-10-02"), "Saturday after the summer closings");
  assertEquals(holidayName("1952-10-04"), null, "a plain weekend day after Saturday trading ended");
  assert(!isTradingDay("1952-10-04"));
  assertEquals(nextTradingDay("1950-01-06"), "1950-01-07"); // Friday -> Saturday
  assertEquals(nextTradingDay("1952-10-03"), "1952-10-06"); // Friday -> Monday
  // A Saturday holiday closed that Saturday: July 4, 1936 and Christmas 1937 fell on Saturdays.
  assertEquals(holidayName("1936-07-04"), "Independence Day");
  assertEquals(holidayName("1937-12-25"), "Christmas Day");
  assert(isTradingDay("1937-12-24"), "no Friday make-up before 1954");
});

Deno.test("history: weekday hours by era (10-15, 10-15:30, 10-16, 9:30-16)", () => {
  assertEquals(nyHours("1926-01-04"), ["10:00", "15:00"]);
  assertEquals(nyHours("1952-09-26"), ["10:00", "15:00"]);
  assertEquals(nyHours("1952-09-29"), ["10:00", "15:30"]);
  assertEquals(nyHours("1974-09-30"), ["10:00", "15:30"]);
  assertEquals(nyHours("1974-10-01"), ["10:00", "16:00"]);
  assertEquals(nyHours("1985-09-27"), null); // Hurricane Gloria
  assertEquals(nyHours("1985-09-26"), ["10:00", "16:00"]);
  assertEquals(nyHours("1985-09-30"), ["09:30", "16:00"]);
  // War Time (EWT, UTC-4) in January 1943: 10:00 local = 14:00Z.
  assertEquals(bounds("1943-01-05"), ["1943-01-05T14:00:00.000Z", "1943-01-05T19:00:00.000Z"]);
});

Deno.test("history: rule holidays as they changed", () => {
  const closed: Record<string, string> = {
    "1953-02-12": "Lincoln's Birthday",
    "1970-02-23": "Washington's Birthday", // Feb 22, 1970 a Sunday -> Monday
    "1971-02-15": "Washington's Birthday", // 3rd Monday from 1971
    "1965-05-31": "Memorial Day", // May 30, 1965 a Sunday -> Monday
    "1971-05-31": "Memorial Day", // last Monday from 1971
    "1953-10-12": "Columbus Day",
    "1950-11-07": "Election Day",
    "1980-11-04": "Election Day",
    "1941-11-11": "Armistice Day",
    "1938-11-24": "Thanksgiving Day", // last Thursday (of 4)
    "1939-11-23": "Thanksgiving Day", // second-to-last (of 5)
    "1998-01-19": "Martin Luther King Jr. Day",
  };
  for (const [d, name] of Object.entries(closed)) assertEquals(holidayName(d), name, d);
  const open = [
    "1954-02-12", // Lincoln's Birthday dropped after 1953
    "1971-02-22", // Washington's Birthday on the fixed date ended with 1970
    "1970-05-29", // May 30, 1970 a Saturday: no Memorial Day observed
    "1954-10-12", // Columbus Day dropped after 1953
    "1954-11-11", // Armistice/Veterans Day dropped after 1953
    "1982-11-02", // Election Day closings ended with 1980
    "1984-11-06",
    "1969-11-04", // not a presidential year (1968-1980 closings only every four years)
    "1939-11-30", // the "Franksgiving" years closed the 23rd, not the last Thursday
    "1997-01-20", // no MLK Day before 1998
  ];
  for (const d of open) assert(isTradingDay(d), d);
});

Deno.test("history: special closures and short days", () => {
  const closed: Record<string, string> = {
    "1929-11-01": "1929", // backlog after the crash
    "1933-03-06": "Banking holiday",
    "1945-08-15": "V-J Day",
    "1963-11-25": "Kennedy",
    "1968-04-09": "Martin Luther King",
    "1968-06-12": "Paperwork crisis",
    "1969-07-21": "lunar",
    "1972-12-28": "Truman",
    "1977-07-14": "blackout",
    "1985-09-27": "Gloria",
    "1994-04-27": "Nixon",
  };
  for (const [d, word] of Object.entries(closed)) {
    assertEquals(isTradingDay(d), false, d);
    assert(holidayName(d)?.includes(word), `${d}: ${holidayName(d)}`);
  }
  // 1968 four-day weeks: Wednesdays closed unless the week had a holiday.
  assert(!isTradingDay("1968-07-10"));
  assert(isTradingDay("1968-07-03"), "Independence Day week");
  assert(isTradingDay("1968-11-06"), "Election Day week");
  assert(isTradingDay("1968-11-27"), "Thanksgiving week");
  assert(!isTradingDay("1968-12-18"));
  // Short days: JFK assassination 14:07, 1969 paperwork-crisis 14:00 closes, 1987 post-crash.
  assertEquals(nyHours("1963-11-22"), ["10:00", "14:07"]);
  assertEquals(nyHours("1969-03-03"), ["10:00", "14:00"]);
  assertEquals(nyHours("1969-08-05"), ["10:00", "14:30"]);
  assertEquals(nyHours("1987-10-23"), ["09:30", "14:00"]);
  assertEquals(nyHours("1978-01-20"), ["12:00", "16:00"]); // snowstorm late open
  assert(isEarlyClose("1963-11-22") && !isEarlyClose("1963-11-21"));
  assert(!isEarlyClose("1950-01-07"), "a Saturday's 12:00 close is its regular hours");
});
