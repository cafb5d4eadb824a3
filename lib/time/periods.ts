/**
 * The week, month, quarter or year holding a date: its first day (the label `ingest-file` stamps
 * a period's row with), its last day, the next period's first day, and its last session on a
 * trading calendar (the session whose close is the period's close).
 *
 * Conventions: a week runs Monday..Sunday and is labelled by its Monday (ISO week), a month by
 * its 1st, a quarter by 1 Jan / 1 Apr / 1 Jul / 1 Oct, a year by 1 Jan. Dates are ISO strings
 * "YYYY-MM-DD" (proleptic Gregorian, years 0000-9999, no validation); day numbers are days since
 * 1970-01-01.
 *
 *   first day    = Monday on or before the date (week), else day 1 of the month, of the
 *                  quarter's first month (month - (month - 1) mod 3), of January
 *   last day     = first day + 6 (week), else the day before the next month, quarter or year
 *   next period  = last day + 1
 *   last session = the latest date d in [max(first day, cal.firstDate), last day] with
 *                  cal.sessionBounds(d) not null; none when there is no such date or when the
 *                  calendar cannot tell (the last day is after cal.lastDate)
 *
 * @example
 * ```ts
 * periodStart("2025-01-01", "week"); // "2024-12-30" (a Wednesday: the Monday before)
 * periodLastDate("1996-02-14", "month"); // "1996-02-29"
 * nextPeriod("1996-10-01", "quarter"); // "1997-01-01"
 * periodLastSession("1990-01-08", "week", getCalendar("nyse")); // "1990-01-12" (Friday)
 * periodLastSession("2024-03-01", "month", getCalendar("nyse")); // "2024-03-28" (Good Friday 29th)
 * periodLastSession("1700-01-01", "year", getCalendar("nyse")); // null (nyse starts in 1926)
 * ```
 */
import { MS_PER_DAY } from "../core/constants.ts";
import type { TradingCalendar } from "./trading_calendar.ts";

/** Period frequencies: week, month, quarter, year. */
export const PERIOD_FREQS = ["week", "month", "quarter", "year"] as const;
/** One of {@link PERIOD_FREQS}. */
export type PeriodFreq = (typeof PERIOD_FREQS)[number];

/** Day number of a calendar date (month 1-12; out-of-range months and days roll over). */
export function dayOf(y: number, m: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d); // Date.UTC would read years 0-99 as 1900-1999
  return Math.floor(t.getTime() / MS_PER_DAY);
}

/** ISO date of a day number. */
export function isoDay(day: number): string {
  const d = new Date(day * MS_PER_DAY);
  const y = d.getUTCFullYear();
  return `${String(y).padStart(4, "0")}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-${
    String(d.getUTCDate()).padStart(2, "0")
  }`;
}

/** Day number of an ISO date "YYYY-MM-DD" (no validation). */
export function dayOfIso(iso: string): number {
  return dayOf(+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10));
}

/** First day (the label, ISO) of the `freq` period holding `date` (module doc). */
export function periodStart(date: string, freq: PeriodFreq): string {
  const y = +date.slice(0, 4), m = +date.slice(5, 7);
  switch (freq) {
    case "week": {
      const d = dayOfIso(date);
      const wd = (((d + 4) % 7) + 7) % 7; // 0 = Sunday (1970-01-01 was a Thursday)
      return isoDay(d - ((wd + 6) % 7));
    }
    case "month":
      return isoDay(dayOf(y, m, 1));
    case "quarter":
      return isoDay(dayOf(y, m - ((m - 1) % 3), 1));
    case "year":
      return isoDay(dayOf(y, 1, 1));
  }
}

/** Last calendar day (ISO) of the `freq` period holding `date` (module doc). */
export function periodLastDate(date: string, freq: PeriodFreq): string {
  const label = periodStart(date, freq);
  const y = +label.slice(0, 4), m = +label.slice(5, 7);
  switch (freq) {
    case "week":
      return isoDay(dayOfIso(label) + 6);
    case "month":
      return isoDay(dayOf(y, m + 1, 1) - 1);
    case "quarter":
      return isoDay(dayOf(y, m + 3, 1) - 1);
    case "year":
      return isoDay(dayOf(y + 1, 1, 1) - 1);
  }
}

/** First day (label) of the period after the `freq` period holding `date`. */
export function nextPeriod(date: string, freq: PeriodFreq): string {
  return isoDay(dayOfIso(periodLastDate(date, freq)) + 1);
}

/**
 * Latest session of `cal` from `from` to `to` (ISO, inclusive), or null when there is none in
 * the part of the range on or after `cal.firstDate`, or when `to` is after `cal.lastDate` (the
 * calendar cannot tell).
 */
export function lastSessionIn(cal: TradingCalendar, from: string, to: string): string | null {
  const first = Math.max(dayOfIso(from), dayOfIso(cal.firstDate));
  const last = dayOfIso(to);
  if (last > dayOfIso(cal.lastDate)) return null;
  for (let d = last; d >= first; d--) {
    const iso = isoDay(d);
    if (cal.sessionBounds(iso)) return iso;
  }
  return null;
}

/**
 * Last session (ISO) of the `freq` period holding `date` on `cal`, or null when the period has
 * none or the calendar cannot tell (module doc).
 */
export function periodLastSession(
  date: string,
  freq: PeriodFreq,
  cal: TradingCalendar,
): string | null {
  return lastSessionIn(cal, periodStart(date, freq), periodLastDate(date, freq));
}
