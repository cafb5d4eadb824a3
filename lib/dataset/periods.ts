/**
 * Periods per year of a dataset's frequency on its calendar: the factor that annualises
 * per-bar statistics (mean x P, volatility x sqrt(P), Sharpe x sqrt(P)).
 *
 * - `session` / `day` / `1d`: the calendar's sessions per year (nyse 252, fx and weekdays 260,
 *   crypto and none 365; lib/time `TradingCalendar.sessionsPerYear`);
 * - `week` 52, `month` 12, `quarter` 4, `year` 1 (lib/core constants);
 * - an interval (`30m`, `1s`, `1h`): sessions per year x bars per session, where bars per
 *   session = ceil(session length / interval) and the session length is the most common length
 *   of the calendar's sessions over a reference year (so early closes do not count): nyse 390
 *   minutes (30-minute bars: 13 per session, 252 x 13 = 3276 per year), fx 24 hours (30-minute
 *   bars: 48 per session, 260 x 48 = 12480 per year);
 * - `irregular` (event tables, mixed-frequency macro series): NaN, nothing to annualise.
 *
 * @example
 * ```ts
 * periodsPerYear("30m", "nyse"); // 3276
 * periodsPerYear("session", "fx"); // 260
 * ```
 */
import {
  MONTHS_PER_YEAR,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  QUARTERS_PER_YEAR,
  WEEKS_PER_YEAR,
} from "../core/constants.ts";
import { getCalendar } from "../time/trading_calendar.ts";

const INTERVAL = /^(\d+)(s|m|h)$/;

/** Frequencies with one bar per session (the calendar's trading day). */
export const SESSION_FREQUENCIES = ["session", "day", "1d", "d"] as const;

/** Frequencies of date-keyed data (daily and slower). */
export function isDateFrequency(frequency: string): boolean {
  return (SESSION_FREQUENCIES as readonly string[]).includes(frequency) ||
    ["week", "month", "quarter", "year"].includes(frequency);
}

/** Length in ms of an intraday interval (`30m`, `5s`, `1h`), or null when not an interval. */
export function intervalMsOf(frequency: string): number | null {
  const m = frequency.match(INTERVAL);
  if (!m) return null;
  const n = Number(m[1]);
  if (!(n > 0)) return null;
  return n * (m[2] === "s" ? MS_PER_SECOND : m[2] === "m" ? MS_PER_MINUTE : MS_PER_HOUR);
}

/** Reference year whose sessions give the typical session length. */
const REFERENCE_YEAR = 2024;

/** The most common session length (ms) of a calendar over the reference year. */
export function typicalSessionMs(calendar: string): number {
  const cal = getCalendar(calendar);
  const counts = new Map<number, number>();
  for (const d of cal.sessions(`${REFERENCE_YEAR}-01-01`, `${REFERENCE_YEAR}-12-31`)) {
    const b = cal.sessionBounds(d);
    if (!b) continue;
    const len = b.close.getTime() - b.open.getTime();
    counts.set(len, (counts.get(len) ?? 0) + 1);
  }
  let best = MS_PER_DAY, n = -1;
  for (const [len, c] of counts) if (c > n || (c === n && len > best)) [best, n] = [len, c];
  return best;
}

/**
 * Periods per year (module doc). RangeError for a frequency it cannot read.
 */
export function periodsPerYear(frequency: string, calendar: string): number {
  const cal = getCalendar(calendar);
  if ((SESSION_FREQUENCIES as readonly string[]).includes(frequency)) return cal.sessionsPerYear;
  if (frequency === "week") return WEEKS_PER_YEAR;
  if (frequency === "month") return MONTHS_PER_YEAR;
  if (frequency === "quarter") return QUARTERS_PER_YEAR;
  if (frequency === "year") return 1;
  if (frequency === "irregular") return NaN;
  const ms = intervalMsOf(frequency);
  if (ms === null) {
    throw new RangeError(
      `Unknown frequency "${frequency}": expected session, day, week, month, quarter, year, irregular or an interval like 30m, 5s, 1h`,
    );
  }
  return cal.sessionsPerYear * Math.ceil(typicalSessionMs(calendar) / ms);
}
