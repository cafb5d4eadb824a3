/**
 * NYSE / Nasdaq holiday and early-close rules, 1999-2036.
 *
 * Full-day holidays (NYSE Rule 7.2): New Year's Day, Martin Luther King Jr. Day (3rd Monday of
 * January), Washington's Birthday (3rd Monday of February), Good Friday (Easter - 2 days),
 * Memorial Day (last Monday of May), Juneteenth (June 19, from 2022), Independence Day, Labor Day
 * (1st Monday of September), Thanksgiving (4th Thursday of November), Christmas Day. A fixed-date
 * holiday on a Saturday is observed on the Friday before, on a Sunday on the Monday after, except
 * New Year's Day on a Saturday, which is not observed at all (2005, 2011, 2022, 2028: NYSE stays
 * open on Dec 31).
 *
 * Early closes at 13:00 ET: the day after Thanksgiving; Christmas Eve when it is Monday to
 * Thursday; July 3 when Independence Day is Tuesday, Wednesday or Friday, and also when it is
 * Thursday from 2013 on (before 2013 the Friday July 5 closed early instead, i.e. 2002 here);
 * plus the ad hoc 2003-12-26.
 *
 * Special closures and irregular sessions are listed in {@link SPECIAL_CLOSURES} and
 * {@link IRREGULAR_OPENS}. Unplanned intraday halts (2005-06-01 systems problem, the minute-long
 * moments of silence of 2001-2006) are not modelled: sessions here are the scheduled hours.
 *
 * @see NYSE Group annual "Holiday and Early Closings Calendar" press releases (2011-2028), and
 *      the NYSE "Closings" history list (1885-2012), https://www.nyse.com/markets/hours-calendars
 */
import { dayNumber, weekdayOf } from "./_date.ts";

/** Full-day closures outside the regular holiday rules, ISO date -> name. */
export const SPECIAL_CLOSURES: Readonly<Record<string, string>> = {
  "2001-09-11": "September 11 attacks",
  "2001-09-12": "September 11 attacks",
  "2001-09-13": "September 11 attacks",
  "2001-09-14": "September 11 attacks",
  "2004-06-11": "National Day of Mourning for President Ronald Reagan",
  "2007-01-02": "National Day of Mourning for President Gerald Ford",
  "2012-10-29": "Hurricane Sandy",
  "2012-10-30": "Hurricane Sandy",
  "2018-12-05": "National Day of Mourning for President George H. W. Bush",
  "2025-01-09": "National Day of Mourning for President Jimmy Carter",
};

/** Scheduled late opens, ISO date -> open time ET "HH:MM". */
export const IRREGULAR_OPENS: Readonly<Record<string, string>> = {
  // First anniversary of the September 11 attacks: NYSE opened at noon.
  "2002-09-11": "12:00",
};

/** Ad hoc early closes (13:00 ET) that no recurring rule produces. */
const AD_HOC_EARLY_CLOSES: readonly string[] = ["2003-12-26"];

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
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = dayNumber(year, month, 1);
    return first + ((weekday - weekdayOf(first) + 7) % 7) + 7 * (n - 1);
  }
  const last = dayNumber(year, month + 1, 1) - 1;
  return last - ((weekdayOf(last) - weekday + 7) % 7);
}

/** Saturday -> Friday before, Sunday -> Monday after. */
function observed(dayNum: number): number {
  const wd = weekdayOf(dayNum);
  return wd === 6 ? dayNum - 1 : wd === 0 ? dayNum + 1 : dayNum;
}

/**
 * Full-day NYSE holidays of one year from the recurring rules (special closures excluded),
 * as day number -> name. Only weekdays are returned.
 */
export function ruleHolidays(year: number): Map<number, string> {
  const out = new Map<number, string>();
  const newYear = dayNumber(year, 1, 1);
  const wdNewYear = weekdayOf(newYear);
  if (wdNewYear !== 6) out.set(wdNewYear === 0 ? newYear + 1 : newYear, "New Year's Day");
  out.set(nthWeekday(year, 1, 1, 3), "Martin Luther King Jr. Day");
  out.set(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  out.set(easterSunday(year) - 2, "Good Friday");
  out.set(nthWeekday(year, 5, 1, -1), "Memorial Day");
  if (year >= 2022) {
    out.set(observed(dayNumber(year, 6, 19)), "Juneteenth National Independence Day");
  }
  out.set(observed(dayNumber(year, 7, 4)), "Independence Day");
  out.set(nthWeekday(year, 9, 1, 1), "Labor Day");
  out.set(nthWeekday(year, 11, 4, 4), "Thanksgiving Day");
  out.set(observed(dayNumber(year, 12, 25)), "Christmas Day");
  return out;
}

/** Early closes (13:00 ET) of one year as day numbers, before removing any closed day. */
export function ruleEarlyCloses(year: number): number[] {
  const out: number[] = [];
  const jul3 = dayNumber(year, 7, 3);
  const wdJul4 = weekdayOf(jul3 + 1);
  if (wdJul4 === 2 || wdJul4 === 3 || wdJul4 === 5) out.push(jul3);
  if (wdJul4 === 4) out.push(year >= 2013 ? jul3 : jul3 + 2);
  out.push(nthWeekday(year, 11, 4, 4) + 1);
  const dec24 = dayNumber(year, 12, 24);
  const wdDec24 = weekdayOf(dec24);
  if (wdDec24 >= 1 && wdDec24 <= 4) out.push(dec24);
  for (const iso of AD_HOC_EARLY_CLOSES) {
    if (Number(iso.slice(0, 4)) === year) {
      out.push(dayNumber(year, Number(iso.slice(5, 7)), Number(iso.slice(8, 10))));
    }
  }
  return out;
}
