/**
 * Gaps against the exchange calendar.
 *
 * For bars stamped at their open with a fixed length `barMs`, the expected stamps of a session
 * are open, open + barMs, ..., close - barMs, with open and close from lib/time (early closes
 * end at 13:00 New York, so their missing afternoon is not a gap). A session with no bar at all
 * is a missing session; otherwise each expected stamp without a bar is a missing bar. Bars
 * outside the regular session (extended hours) are neither expected nor counted.
 *
 * @example
 * ```ts
 * const g = sessionGaps([Date.parse("2024-01-02T14:30:00Z")], { start: "2024-01-02", end: "2024-01-02", barMs: 60_000 });
 * g.missingBars; // 389
 * ```
 */
import { fxWeekBounds, sessionBounds, tradingDays } from "../time/mod.ts";

/** Gap counts with a few examples. */
export interface GapReport {
  /** Sessions expected in [start, end]. */
  sessions: number;
  /** Sessions with no bar at all. */
  missingSessions: string[];
  /** Expected bar stamps absent inside sessions that have data. */
  missingBars: number;
  /** Up to 20 missing stamps (epoch ms), for a look. */
  examples: number[];
  /** Sessions that are early closes (expected bars end at 13:00 New York). */
  earlyCloses: number;
}

/** Options of {@link sessionGaps}. */
export interface SessionGapOptions {
  /** First session date (YYYY-MM-DD). */
  start: string;
  /** Last session date (inclusive). */
  end: string;
  /** Bar length in milliseconds (60000 for minute bars); 0 checks whole sessions only. */
  barMs: number;
}

/** Missing sessions and missing bars of an exchange-traded series. NaN stamps are ignored. */
export function sessionGaps(tsMs: ArrayLike<number>, options: SessionGapOptions): GapReport {
  // The finite stamps in ascending order (duplicates kept: the walks below skip them).
  let m = 0;
  for (let i = 0; i < tsMs.length; i++) if (Number.isFinite(tsMs[i]!)) m++;
  const sorted = new Float64Array(m);
  for (let i = 0, k = 0; i < tsMs.length; i++) {
    if (Number.isFinite(tsMs[i]!)) sorted[k++] = tsMs[i]!;
  }
  sorted.sort();
  const days = tradingDays(options.start, options.end);
  const report: GapReport = {
    sessions: days.length,
    missingSessions: [],
    missingBars: 0,
    examples: [],
    earlyCloses: 0,
  };
  let j = 0;
  for (const d of days) {
    const b = sessionBounds(d)!;
    const open = b.open.getTime(), close = b.close.getTime();
    if (close - open < 6.5 * 3_600_000) report.earlyCloses++;
    // Daily bars are stamped at midnight New York: any stamp on the session's date counts.
    const dayStart = open - 10 * 3_600_000, dayEnd = close + 8 * 3_600_000;
    while (j < sorted.length && sorted[j]! < dayStart) j++;
    let any = false;
    for (let k = j; k < sorted.length && sorted[k]! < dayEnd; k++) {
      any = true;
      break;
    }
    if (!any) {
      report.missingSessions.push(d);
      continue;
    }
    if (options.barMs > 0) {
      // Merge walk of the bar grid against the sorted stamps (both ascending).
      let k = j;
      for (let t = open; t < close; t += options.barMs) {
        while (k < sorted.length && sorted[k]! < t) k++;
        if (!(k < sorted.length && sorted[k] === t)) {
          report.missingBars++;
          if (report.examples.length < 20) report.examples.push(t);
        }
      }
    }
  }
  return report;
}

/**
 * Missing FX bars: every `barMs` stamp inside the FX week (Sunday 17:00 to Friday 17:00 New
 * York) between `start` 00:00Z and `end` 24:00Z without a bar. FX minutes can be legitimately
 * empty in thin hours, so read this count as a completeness indicator, not as errors.
 */
export function fxGaps(
  tsMs: ArrayLike<number>,
  options: SessionGapOptions,
): { expected: number; missingBars: number } {
  const have = new Set<number>();
  for (let i = 0; i < tsMs.length; i++) if (Number.isFinite(tsMs[i]!)) have.add(tsMs[i]!);
  const from = Date.parse(options.start + "T00:00:00Z");
  const to = Date.parse(options.end + "T00:00:00Z") + 86_400_000;
  let expected = 0, missing = 0;
  if (!(options.barMs > 0)) return { expected, missingBars: missing };
  let week = fxWeekBounds(options.start);
  for (let t = from; t < to; t += options.barMs) {
    if (t >= week.close.getTime()) week = fxWeekBounds(new Date(t + 2 * 86_400_000));
    if (t < week.open.getTime() || t >= week.close.getTime()) continue;
    expected++;
    if (!have.has(t)) missing++;
  }
  return { expected, missingBars: missing };
}
