/**
 * NYSE holiday, session-hour and early-close rules, 1926-2100 (the history lists are in
 * `_nyse_history.ts`).
 *
 * Recurring full-day holidays, as they changed (NYSE Rule 7.2 today; the NYSE "Closings" history
 * before that):
 * - New Year's Day (every year). Lincoln's Birthday, Feb 12 (to 1953). Washington's Birthday:
 *   Feb 22 to 1970, 3rd Monday of February from 1971. Good Friday. Memorial (Decoration) Day:
 *   May 30 to 1970, last Monday of May from 1971. Independence Day. Labor Day (1st Monday of
 *   September). Columbus Day, Oct 12 (to 1953). Election Day, the Tuesday after the first Monday
 *   of November (every year to 1967, then presidential years 1968-1980). Armistice/Veterans Day,
 *   Nov 11 (1934-1953). Thanksgiving: last Thursday of November to 1938, the second-to-last in
 *   1939-1941, the 4th from 1942. Christmas Day. Martin Luther King Jr. Day (3rd Monday of
 *   January, from 1998). Juneteenth (June 19, from 2022).
 * - Weekend observance changed with the end of Saturday trading: up to 1952-09-28 Saturdays were
 *   trading days, so a holiday on a Saturday closed that Saturday and one on a Sunday moved to
 *   Monday. From 1952-09-29 to 1953 a Sunday holiday moved to Monday and a Saturday one was not
 *   observed; from 1954 Independence Day and Christmas on a Saturday close the Friday before
 *   (Washington's Birthday and Memorial Day too in 1964-1970), New Year's Day on a Saturday is
 *   never observed (e.g. 2005, 2011, 2022: NYSE open on Dec 31). In 1970 May 30 fell on a
 *   Saturday and no Memorial Day was observed (NYSE open on May 29, 1970).
 *
 * Session hours (New York wall time; weekday regular session):
 * - to 1952-09-27: 10:00-15:00 Monday-Friday, 10:00-12:00 on trading Saturdays;
 * - 1952-09-29: close moved to 15:30 (Saturday trading retired); 1974-10-01: close 16:00;
 *   1985-09-30: open moved to 09:30 (today's 09:30-16:00).
 *   pandas_market_calendars codes the last two changes at Jan 1 of 1974 and 1985; the dates here
 *   are the NYSE timeline's ("trading day extended to 4:00 p.m., Oct 1 1974"; "opening moved to
 *   9:30 a.m., Sept 30 1985").
 * - Recurring early closes (from the years the NYSE made them a rule): the day after
 *   Thanksgiving from 1992 (14:00 in 1992, 13:00 from 1993); Christmas Eve on Monday-Thursday
 *   from 1999 (and listed years before); from 1995, July 3 when Independence Day is Tuesday,
 *   Wednesday or Friday, and when it is Thursday, July 3 from 2013 (before 2013 the Friday
 *   July 5 closed early instead). Everything else (the 1933, 1966, 1967-1970 and 1987 short
 *   days, funerals, storms, late opens) is listed in `_nyse_history.ts`.
 *
 * Unplanned intraday halts and moments of silence of a minute or two without a late open are not
 * modelled: sessions here are the scheduled hours.
 *
 * @see NYSE "Closings" history 1885-2011 (NYSE Group, via
 *      https://github.com/rsheftel/pandas_market_calendars/files/6827110/Stocks.NYSE-Closings.pdf)
 *      and http://www.ltadvisors.net/Info/research/closings.pdf; NYSE trading timeline
 *      https://web.archive.org/web/20141224054812/http://www.nyse.com/about/history/timeline_trading.html;
 *      NYSE Group annual "Holiday and Early Closings Calendar" press releases (2011-2028),
 *      https://www.nyse.com/markets/hours-calendars. Facts cross-checked day by day against the
 *      lists in pandas_market_calendars (holidays/nyse.py), read, not copied.
 */
import { dayNumber, weekdayOf } from "./_date.ts";

/** Day number of 1952-09-29, the first Monday of the five-day week (no Saturday sessions). */
export const FIVE_DAY_WEEK_FROM = dayNumber(1952, 9, 29);
const CLOSE_1530_FROM = FIVE_DAY_WEEK_FROM;
const CLOSE_1600_FROM = dayNumber(1974, 10, 1);
const OPEN_0930_FROM = dayNumber(1985, 9, 30);

/**
 * Regular (unshortened) session of a date as [open, close] minutes of the New York day, by the
 * era's hours (module doc); Saturdays before 1952-09-29 are 10:00-12:00.
 * @example regularHours(dayNumber(1950, 3, 4)) // [600, 720] (a trading Saturday)
 */
export function regularHours(dayNum: number): [number, number] {
  const open = dayNum < OPEN_0930_FROM ? 600 : 570;
  if (weekdayOf(dayNum) === 6) return [600, 720];
  const close = dayNum < CLOSE_1530_FROM ? 900 : dayNum < CLOSE_1600_FROM ? 930 : 960;
  return [open, close];
}

/** Whether a date is a candidate session day before holidays: Mon-Fri, and Saturdays to 1952-09-27. */
export function isWeekDayOfTrading(dayNum: number): boolean {
  const wd = weekdayOf(dayNum);
  return wd === 6 ? dayNum < FIVE_DAY_WEEK_FROM : wd !== 0;
}

/**
 * Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
 * @see J. Meeus, Astronomical Algorithms, 2nd ed., ch. 8.
 * @example easterSunday(2024) // day number of 2024-03-31
 */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dayNumber(year, month, day);
}

/** Day number of the n-th (1-based) given weekday of a month; n = -1 for the last one. */
export function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = dayNumber(year, month, 1);
    return first + ((weekday - weekdayOf(first) + 7) % 7) + 7 * (n - 1);
  }
  const last = dayNumber(year, month + 1, 1) - 1;
  return last - ((weekdayOf(last) - weekday + 7) % 7) + 7 * (n + 1);
}

/**
 * The day a fixed-date holiday closes the exchange, or null when it is not observed.
 * `saturdayToFriday`: from 1954 (or the given rule), a Saturday holiday closes the Friday before.
 */
function observedDay(dayNum: number, saturdayToFriday: boolean): number | null {
  const wd = weekdayOf(dayNum);
  if (wd === 0) return dayNum + 1;
  if (wd === 6) {
    if (dayNum < FIVE_DAY_WEEK_FROM) return dayNum; // a trading Saturday: closed that day
    return saturdayToFriday ? dayNum - 1 : null;
  }
  return dayNum;
}

/**
 * Thanksgiving (day number): the last Thursday of November through 1938, the second-to-last in
 * 1939-1941 ("Franklinsgiving"), the fourth Thursday since 1942 (Pub. L. 77-379).
 */
export function thanksgivingDay(year: number): number {
  return year <= 1938
    ? nthWeekday(year, 11, 4, -1)
    : year <= 1941
    ? nthWeekday(year, 11, 4, -2)
    : nthWeekday(year, 11, 4, 4);
}

/**
 * Full-day NYSE holidays of one year from the recurring rules (special closures excluded), as
 * day number -> name. Returns only days that would otherwise be sessions (weekdays, and
 * Saturdays before 1952-09-29).
 */
export function ruleHolidays(year: number): Map<number, string> {
  const out = new Map<number, string>();
  const fixed = (month: number, day: number, name: string, satToFri: boolean) => {
    const d = observedDay(dayNumber(year, month, day), satToFri);
    if (d !== null) out.set(d, name);
  };
  const modern = year >= 1954;
  fixed(1, 1, "New Year's Day", false);
  if (year >= 1998) out.set(nthWeekday(year, 1, 1, 3), "Martin Luther King Jr. Day");
  if (year <= 1953) fixed(2, 12, "Lincoln's Birthday", false);
  if (year <= 1970) fixed(2, 22, "Washington's Birthday", year >= 1964);
  else out.set(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  out.set(easterSunday(year) - 2, "Good Friday");
  if (year <= 1970) fixed(5, 30, "Memorial Day", year >= 1964 && year <= 1969);
  else out.set(nthWeekday(year, 5, 1, -1), "Memorial Day");
  if (year >= 2022) fixed(6, 19, "Juneteenth National Independence Day", true);
  fixed(7, 4, "Independence Day", modern);
  out.set(nthWeekday(year, 9, 1, 1), "Labor Day");
  if (year <= 1953) fixed(10, 12, "Columbus Day", false);
  if (year <= 1967 || (year <= 1980 && year % 4 === 0)) {
    out.set(nthWeekday(year, 11, 1, 1) + 1, "Election Day");
  }
  if (year >= 1934 && year <= 1953) fixed(11, 11, "Armistice Day", false);
  out.set(thanksgivingDay(year), "Thanksgiving Day");
  fixed(12, 25, "Christmas Day", modern);
  return out;
}

/**
 * Early closes of one year from the recurring rules, as [day number, close "HH:MM"], before
 * removing any closed day (module doc; ad hoc ones are in `_nyse_history.ts`).
 */
export function ruleEarlyCloses(year: number): [number, string][] {
  const out: [number, string][] = [];
  if (year >= 1995) {
    const jul3 = dayNumber(year, 7, 3);
    const wdJul4 = weekdayOf(jul3 + 1);
    if (wdJul4 === 2 || wdJul4 === 3 || wdJul4 === 5) out.push([jul3, "13:00"]);
    if (wdJul4 === 4) out.push([year >= 2013 ? jul3 : jul3 + 2, "13:00"]);
  }
  if (year >= 1992) out.push([nthWeekday(year, 11, 4, 4) + 1, year === 1992 ? "14:00" : "13:00"]);
  if (year >= 1999) {
    const dec24 = dayNumber(year, 12, 24);
    const wdDec24 = weekdayOf(dec24);
    if (wdDec24 >= 1 && wdDec24 <= 4) out.push([dec24, "13:00"]);
  }
  return out;
}
