/**
 * The date a user should read as "the close" of a bar. Daily and intraday bars close on their
 * own date. A weekly, monthly, quarterly or yearly bar is stored on its period's first day (the
 * convention of `ingest-file`, {@link periodStart}: week = Monday, month = the 1st) and known at
 * the close of the period's last session; its value is that close (or the period's figure,
 * published at its end). Printing the stored label as "the 1990-01-08 close" names a day whose
 * close is not the value (and 1990-01-01, a holiday, has no close at all); this module names
 * the period's end instead and keeps the label beside it:
 *
 *   close date = the last session of the period on the calendar (nyse: Friday 1990-01-12 for
 *                the week of Monday 1990-01-08; Thursday when Friday is a holiday), or the
 *                period's last day when the calendar has no session in it or cannot tell
 *                (outside its supported range; calendar none: every day is a session)
 *   text       = "1990-01-12 close (week of 1990-01-08)", "1996-04-30 close (month 1996-04)",
 *                "1996-06-28 close (quarter 1996-Q2)", "1996-12-31 close (year 1996)"
 *
 * Daily and intraday frequencies get {@link closeLabeler} null: callers keep their own text.
 *
 * @example
 * ```ts
 * const l = closeLabeler("week", "nyse")!;
 * l.closeDate("1990-01-08"); // "1990-01-12"
 * l.close("1990-01-08"); // "1990-01-12 close (week of 1990-01-08)"
 * l.on("1990-01-08"); // "1990-01-12 (week of 1990-01-08)"
 * ```
 */

import { getCalendar } from "../time/trading_calendar.ts";
import {
  PERIOD_FREQS,
  type PeriodFreq,
  periodLastDate,
  periodLastSession,
  periodStart,
} from "../time/periods.ts";

/** Last calendar day (ISO) of the `freq` period holding `date` (lib/time). */
export { periodLastDate };

/**
 * Date of the close of the `freq` period holding `date` on `calendar` (module doc): its last
 * session (lib/time `periodLastSession`), else its last day.
 */
export function periodCloseDate(date: string, freq: PeriodFreq, calendar: string): string {
  return periodLastSession(date, freq, getCalendar(calendar)) ?? periodLastDate(date, freq);
}

/** Name of the `freq` period holding `date`: "week of 1990-01-08", "month 1996-04", "quarter 1996-Q2", "year 1996". */
export function periodName(date: string, freq: PeriodFreq): string {
  const label = periodStart(date, freq);
  switch (freq) {
    case "week":
      return `week of ${label}`;
    case "month":
      return `month ${label.slice(0, 7)}`;
    case "quarter":
      return `quarter ${label.slice(0, 4)}-Q${(+label.slice(5, 7) + 2) / 3}`;
    case "year":
      return `year ${label.slice(0, 4)}`;
  }
}

/** Texts of a period bar's close (module doc); dates are ISO `YYYY-MM-DD` stored bar dates. */
export interface CloseLabeler {
  /** The period's frequency. */
  frequency: PeriodFreq;
  /** Date of the period's close ("1990-01-12"). */
  closeDate(date: string): string;
  /** Name of the period ("week of 1990-01-08"). */
  period(date: string): string;
  /** "1990-01-12 close (week of 1990-01-08)": reads after "at the". */
  close(date: string): string;
  /** "1990-01-12 (week of 1990-01-08)": the bar as a date. */
  on(date: string): string;
}

/**
 * Labeler of bar dates of a `frequency` series on `calendar` (module doc), or null when the
 * bars are daily or intraday (a bar's own date is its close) or the frequency is unknown.
 */
export function closeLabeler(
  frequency: string | undefined,
  calendar: string | undefined,
): CloseLabeler | null {
  if (!frequency || !(PERIOD_FREQS as readonly string[]).includes(frequency)) return null;
  const f = frequency as PeriodFreq;
  const cal = calendar ?? "none";
  const cache = new Map<string, string>();
  const closeDate = (d: string) => {
    let c = cache.get(d);
    if (c === undefined) cache.set(d, c = periodCloseDate(d, f, cal));
    return c;
  };
  return {
    frequency: f,
    closeDate,
    period: (d) => periodName(d, f),
    close: (d) => `${closeDate(d)} close (${periodName(d, f)})`,
    on: (d) => `${closeDate(d)} (${periodName(d, f)})`,
  };
}
