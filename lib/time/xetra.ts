/**
 * Frankfurt Xetra calendar (Europe/Berlin, 09:00-17:30, Monday-Friday), 1926-2100.
 *
 * Holidays: New Year's Day, Good Friday, Easter Monday, Labour Day (May 1), Christmas Eve,
 * Christmas Day, Boxing Day (Dec 26) and New Year's Eve (Dec 31), every year; in addition Whit
 * Monday in 2007 and 2015-2021, the Day of German Unity (Oct 3) in 2014-2021, and Reformation
 * Day 2017-10-31 (500th anniversary). Early close at 14:00 on the last weekday before Dec 31,
 * from 2010.
 *
 * Faithful range: Xetra opened on 1997-11-28; the rules are Deutsche Börse's Xetra trading
 * calendars from then on. Earlier years are the same rules projected back (an assumption, not the
 * Frankfurt floor calendar, which also closed on Ascension Day, Whit Monday, Corpus Christi, the
 * Day of German Unity (June 17 before 1990) and Repentance Day). Session hours are today's
 * (09:00-17:30) for every year.
 *
 * @see Deutsche Börse, Xetra trading calendar and trading hours,
 *      https://www.xetra.com/xetra-en/trading/trading-calendar-and-trading-hours ;
 *      exchange_calendars XETR (exchange_calendar_xetr.py) for the 2007, 2014-2021 and 2017
 *      dates; QuantLib Germany::Xetra for the base set.
 */
import { dayNumber, weekdayOf } from "./_date.ts";
import { easterSunday } from "./holidays.ts";

/**
 * Xetra full-day holidays of a year on weekdays (module doc), day number -> name.
 * @example xetraHolidays(2024).has(dayNumber(2024, 5, 1)) // true
 */
export function xetraHolidays(year: number): Map<number, string> {
  const out = new Map<number, string>();
  const fixed = (m: number, d: number, name: string) => out.set(dayNumber(year, m, d), name);
  const easter = easterSunday(year);
  fixed(1, 1, "New Year's Day");
  out.set(easter - 2, "Good Friday");
  out.set(easter + 1, "Easter Monday");
  fixed(5, 1, "Labour Day");
  if (year === 2007 || (year >= 2015 && year <= 2021)) out.set(easter + 50, "Whit Monday");
  if (year >= 2014 && year <= 2021) fixed(10, 3, "Day of German Unity");
  if (year === 2017) fixed(10, 31, "Reformation Day (500th anniversary)");
  fixed(12, 24, "Christmas Eve");
  fixed(12, 25, "Christmas Day");
  fixed(12, 26, "Boxing Day");
  fixed(12, 31, "New Year's Eve");
  for (const d of [...out.keys()]) {
    const wd = weekdayOf(d);
    if (wd === 0 || wd === 6) out.delete(d);
  }
  return out;
}

/** Xetra early closes (14:00 Frankfurt): the last weekday before Dec 31, from 2010. */
export function xetraEarlyCloses(year: number): [number, number][] {
  if (year < 2010) return [];
  let d = dayNumber(year, 12, 30);
  while (weekdayOf(d) === 0 || weekdayOf(d) === 6) d--;
  return [[d, 14 * 60]];
}
