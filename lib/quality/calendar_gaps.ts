/**
 * Gaps of any dataset against its own trading calendar (lib/time `getCalendar`): the sessions
 * the calendar expects in [start, end] without a row, rows on dates that are not sessions, and
 * for intraday data the expected bar stamps inside sessions that have data.
 *
 * - Date-keyed data (`session`/`day` frequency): expected = `calendar.sessions(start, end)`;
 *   missing = expected dates without a row; off-calendar = rows whose date is not a session
 *   (a Saturday bar on `fx`, a 4 July bar on `nyse`).
 * - Intraday data (an interval like `30m`): each stamp belongs to the session
 *   `calendar.sessionDateOf(t)`; a stamp outside every session is off-calendar (extended hours
 *   on `nyse` count here, they are not errors); expected stamps of a session with data are
 *   open, open + interval, ..., < close (so an early close expects fewer); a session with no
 *   stamp at all is a missing session.
 * - Weekly, monthly, quarterly and yearly data: every period in [start, end] is expected, on
 *   any calendar ({@link periodGaps}); `sessions`/`missingSessions` then count and name periods
 *   (by their first day).
 * - Other frequencies: no gap check (null).
 *
 * @example
 * ```ts
 * calendarGaps(["2024-07-03", "2024-07-05"], { calendar: "fx", frequency: "session",
 *   start: "2024-07-03", end: "2024-07-05" }).missingSessions; // ["2024-07-04"]
 * ```
 */
import { getCalendar } from "../time/trading_calendar.ts";
import { PERIOD_FREQS, periodGaps } from "./period_gaps.ts";

/** Options of {@link calendarGaps}. */
export interface CalendarGapOptions {
  /** Calendar name (nyse, fx, crypto, weekdays, lse, xetra, none). */
  calendar: string;
  /**
   * `session`/`day`/`1d`, `week`/`month`/`quarter`/`year`, or an interval (`30m`, `5s`, `1h`);
   * other frequencies are not checked.
   */
  frequency: string;
  /** First date (YYYY-MM-DD, inclusive). */
  start: string;
  /** Last date (inclusive). */
  end: string;
}

/** What {@link calendarGaps} found. */
export interface CalendarGapReport {
  /** Sessions the calendar has in [start, end]. */
  sessions: number;
  /** Sessions without any row. */
  missingSessions: string[];
  /** Rows (dates or stamps) that fall on no session. */
  offCalendar: number;
  /** A few of them (ISO). */
  offCalendarExamples: string[];
  /** Expected intraday stamps missing in sessions that have data (0 for daily data). */
  missingBars: number;
}

const INTERVAL = /^(\d+)(s|m|h)$/;

/**
 * Gaps of one instrument's rows (module doc). `times`: ISO dates for date-keyed data, epoch ms
 * for intraday data. Null for frequencies that are not checked.
 */
export function calendarGaps(
  times: readonly string[] | ArrayLike<number>,
  options: CalendarGapOptions,
): CalendarGapReport | null {
  if ((PERIOD_FREQS as readonly string[]).includes(options.frequency)) {
    return periodGaps(Array.from(times as ArrayLike<string>, String), options);
  }
  const cal = getCalendar(options.calendar);
  const expected = cal.sessions(options.start, options.end);
  const report: CalendarGapReport = {
    sessions: expected.length,
    missingSessions: [],
    offCalendar: 0,
    offCalendarExamples: [],
    missingBars: 0,
  };
  const off = (what: string) => {
    report.offCalendar++;
    if (report.offCalendarExamples.length < 10) report.offCalendarExamples.push(what);
  };
  const f = options.frequency;
  if (["session", "day", "1d", "d"].includes(f)) {
    const have = new Set<string>();
    for (let i = 0; i < times.length; i++) {
      const d = String(times[i]);
      have.add(d);
      if (d < options.start || d > options.end) continue;
      if (!cal.isSession(d)) off(d);
    }
    report.missingSessions = expected.filter((d) => !have.has(d));
    return report;
  }
  const m = f.match(INTERVAL);
  if (!m) return null;
  const step = Number(m[1]) * (m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 3_600_000);
  const bySession = new Map<string, Set<number>>();
  for (let i = 0; i < times.length; i++) {
    const t = Number(times[i]);
    if (!Number.isFinite(t)) continue;
    const s = cal.sessionDateOf(t);
    if (s === null) {
      off(new Date(t).toISOString());
      continue;
    }
    if (s < options.start || s > options.end) continue;
    let set = bySession.get(s);
    if (!set) bySession.set(s, set = new Set());
    set.add(t);
  }
  for (const d of expected) {
    const have = bySession.get(d);
    if (!have) {
      report.missingSessions.push(d);
      continue;
    }
    const b = cal.sessionBounds(d)!;
    for (let t = b.open.getTime(); t < b.close.getTime(); t += step) {
      if (!have.has(t)) report.missingBars++;
    }
  }
  return report;
}
