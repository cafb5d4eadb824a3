/**
 * Missing periods of a weekly, monthly, quarterly or yearly series: every period from the one
 * holding `start` to the one holding `end` is expected to have a row, whatever the calendar (a
 * month is a month on `none` and on `nyse` alike).
 *
 * Conventions (those of `ingest-file --kind series`, which stamps a row with its period's first
 * day): a week runs Monday..Sunday and is labelled by its Monday (ISO week), a month by its 1st,
 * a quarter by 1 Jan / 1 Apr / 1 Jul / 1 Oct, a year by 1 Jan. A row dated inside a period but
 * not on its label (a monthly row on the 15th) still fills the period; it is also counted as
 * off-calendar so a stamping mistake is visible. Rows outside [start, end] are ignored.
 *
 *   expected = #labels L with label(start) <= L <= label(end)
 *   missing  = expected labels without a row
 *
 * @example
 * ```ts
 * // AirPassengers without Nov 1949 .. Jan 1950:
 * periodGaps(["1949-10-01", "1950-02-01"], { frequency: "month", start: "1949-10-01",
 *   end: "1950-02-01" })!.missingSessions; // ["1949-11-01", "1949-12-01", "1950-01-01"]
 * ```
 */

import { nextPeriod, PERIOD_FREQS, type PeriodFreq, periodStart } from "../time/periods.ts";

/** Frequencies {@link periodGaps} checks, their type, and the period arithmetic (lib/time). */
export { nextPeriod, PERIOD_FREQS, type PeriodFreq, periodStart };

/** Options of {@link periodGaps}. */
export interface PeriodGapOptions {
  /** `week`, `month`, `quarter` or `year` (anything else: null). */
  frequency: string;
  /** First date (YYYY-MM-DD, inclusive): its period is the first expected. */
  start: string;
  /** Last date (inclusive): its period is the last expected. */
  end: string;
}

/** What {@link periodGaps} found; the shape of `CalendarGapReport` (periods for sessions). */
export interface PeriodGapReport {
  /** Periods expected in [start, end]. */
  sessions: number;
  /** Labels (first day, YYYY-MM-DD) of the periods without any row, in order. */
  missingSessions: string[];
  /** Rows whose date is not their period's label. */
  offCalendar: number;
  /** A few of them. */
  offCalendarExamples: string[];
  /** Always 0 (no intraday stamps). */
  missingBars: number;
}

/** Missing periods of one instrument's ISO dates (module doc); null for other frequencies. */
export function periodGaps(
  dates: readonly string[],
  options: PeriodGapOptions,
): PeriodGapReport | null {
  const f = options.frequency as PeriodFreq;
  if (!(PERIOD_FREQS as readonly string[]).includes(f)) return null;
  const report: PeriodGapReport = {
    sessions: 0,
    missingSessions: [],
    offCalendar: 0,
    offCalendarExamples: [],
    missingBars: 0,
  };
  const have = new Set<string>();
  for (const d0 of dates) {
    const d = String(d0).slice(0, 10);
    if (d < options.start || d > options.end) continue;
    const label = periodStart(d, f);
    have.add(label);
    if (label !== d) {
      report.offCalendar++;
      if (report.offCalendarExamples.length < 10) report.offCalendarExamples.push(d);
    }
  }
  const last = periodStart(options.end, f);
  for (let p = periodStart(options.start, f); p <= last; p = nextPeriod(p, f)) {
    report.sessions++;
    if (!have.has(p)) report.missingSessions.push(p);
  }
  return report;
}
