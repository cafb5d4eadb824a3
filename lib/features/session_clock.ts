/**
 * The clock features and labels count in: the sessions of the data's calendar (or its periods),
 * so that a bar the data lacks is a hole in the series, not a silently longer step.
 *
 * Which clock (`sessionClock(meta)`):
 * - `session`/`day`/`1d` data on a calendar other than `none`: the calendar's sessions. Two
 *   consecutive bars of a symbol with sessions strictly between them enclose those missing
 *   sessions.
 * - `week`/`month`/`quarter`/`year` data (any calendar): the periods (ISO weeks from Monday,
 *   months, quarters, years; lib/quality `periodStart`). A missing month between two rows is a
 *   missing period.
 * - Anything else, and daily data on calendar `none`: null, the rows are the only clock (a
 *   `none` daily series has no notion of an expected day: weekends may or may not be data).
 *
 * A symbol's first and last bars bound it: sessions before its first bar (not listed yet) or
 * after its last (delisted) are not missing.
 *
 * @example
 * ```ts
 * const gaps = sessionClock({ calendar: "nyse", frequency: "session" })!;
 * gaps("1990-06-01", "1990-06-05"); // ["1990-06-04"]: the Monday between Friday and Tuesday
 * ```
 */
import { getCalendar } from "../time/trading_calendar.ts";
import { nextPeriod, PERIOD_FREQS, type PeriodFreq, periodStart } from "../quality/period_gaps.ts";
import { periodKnownAt } from "../ingest/user_file_time.ts";

/** Which clock {@link sessionClock} gives a dataset: its sessions, its periods, or its rows. */
export type ClockKind = "sessions" | "periods" | "rows";

/** The kind of clock of a dataset (module doc). */
export function clockKind(meta: { calendar: string; frequency: string }): ClockKind {
  if ((PERIOD_FREQS as readonly string[]).includes(meta.frequency)) return "periods";
  return DAILY.has(meta.frequency) && meta.calendar !== "none" ? "sessions" : "rows";
}

/** Missing sessions (or periods) strictly between two bar dates `d1 < d2` (ISO). */
export type MissingBetween = (d1: string, d2: string) => string[];

const DAILY = new Set(["session", "day", "1d", "d"]);

/** First index of `a` (sorted) whose value is > `x`. */
function upperBound(a: readonly string[], x: string): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m]! <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * The clock of a dataset (module doc) as a function naming the sessions or periods missing
 * between two consecutive bars; null when rows are the clock. Sessions are fetched a calendar
 * year at a time and kept, so a call costs a binary search.
 */
export function sessionClock(
  meta: { calendar: string; frequency: string },
): MissingBetween | null {
  const f = meta.frequency;
  if ((PERIOD_FREQS as readonly string[]).includes(f)) {
    const freq = f as PeriodFreq;
    return (d1, d2) => {
      const out: string[] = [];
      const last = periodStart(d2, freq);
      for (let p = nextPeriod(periodStart(d1, freq), freq); p < last; p = nextPeriod(p, freq)) {
        out.push(p);
      }
      return out;
    };
  }
  if (!DAILY.has(f) || meta.calendar === "none") return null;
  const cal = getCalendar(meta.calendar);
  const years = new Map<number, string[]>();
  const ofYear = (y: number) => {
    let s = years.get(y);
    if (!s) years.set(y, s = cal.sessions(`${y}-01-01`, `${y}-12-31`));
    return s;
  };
  return (d1, d2) => {
    const out: string[] = [];
    const y2 = +d2.slice(0, 4);
    for (let y = +d1.slice(0, 4); y <= y2; y++) {
      const s = ofYear(y);
      for (let i = upperBound(s, d1); i < s.length && s[i]! < d2; i++) out.push(s[i]!);
    }
    return out;
  };
}

/** Gap-free runs of one symbol's bars: `[from, to)` index ranges, and what is missing. */
export interface SymbolSegments {
  /** Start index of each run (the first is 0); a run after the first follows missing sessions. */
  starts: number[];
  /** The missing sessions (or periods), in order. */
  missing: string[];
}

/**
 * Split a symbol's increasing bar dates into runs without a missing session between
 * consecutive bars. Without a clock, one run.
 */
export function segmentsOf(
  dates: readonly string[],
  between: MissingBetween | null,
): SymbolSegments {
  const out: SymbolSegments = { starts: [0], missing: [] };
  if (!between) return out;
  for (let i = 1; i < dates.length; i++) {
    const m = between(dates[i - 1]!, dates[i]!);
    if (m.length) {
      out.starts.push(i);
      for (const d of m) out.missing.push(d);
    }
  }
  return out;
}

/**
 * Session open and close of a bar's date as the export's labels and CPCV folds use them: when
 * the bar is decided on (its close, the instant it is known) and when a label ending on it
 * resolves.
 *
 * - Daily data: the calendar's session bounds of the date (the behaviour of `cal.sessionBounds`),
 *   and for a date that is no session on the calendar (a row on a holiday or weekend, a calendar
 *   without sessions), midnight at the end of that day in the calendar's zone (open = close).
 * - `week`/`month`/`quarter`/`year` data (stored on the period's first day): the instant the
 *   period's value is known, as lib/ingest `periodKnownAt` stamps `known_at` without a lag: the
 *   close of the period's last session, else midnight at the period's end (open = close).
 *
 * So every bar has a finite decision time and a label ending on it a finite end.
 *
 * @example
 * ```ts
 * const b = barTimes({ calendar: "nyse", frequency: "week" });
 * b("1990-01-01")!.close.toISOString(); // "1990-01-05T21:00:00.000Z": Friday's close
 * ```
 */
export function barTimes(
  meta: { calendar: string; frequency: string },
): (date: string) => { open: Date; close: Date } {
  const cal = getCalendar(meta.calendar);
  const f = meta.frequency;
  if ((PERIOD_FREQS as readonly string[]).includes(f)) {
    return (date) => {
      const t = new Date(periodKnownAt(date, f as PeriodFreq, cal));
      return { open: t, close: t };
    };
  }
  return (date) => {
    let b: { open: Date; close: Date } | null = null;
    try {
      b = cal.sessionBounds(date);
    } catch {
      b = null; // outside the calendar's range: the day's end below
    }
    if (b) return b;
    const t = new Date(periodKnownAt(date, "day", cal));
    return { open: t, close: t };
  };
}
