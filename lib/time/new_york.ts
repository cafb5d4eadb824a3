/**
 * America/New_York wall-clock conversions, DST-correct.
 *
 * The UTC offset of New York (-05:00 EST, -04:00 EDT, and -04:00 all year during the 1942-1945
 * "War Time") is taken from luxon (IANA tz data via Intl, which carries the historical US and
 * New York City DST rules): the transition instants of 1925-2101 are located once, by bisection
 * on luxon's offset, and kept in a sorted table. A per-UTC-day index into that table (one Int32
 * per day) makes each later conversion O(1): at most one transition falls on a UTC day, so one
 * comparison settles it (fast enough for millions of bar timestamps).
 */
// @deno-types="@types/luxon"
import { DateTime } from "luxon";
import { MS_PER_DAY, MS_PER_MINUTE } from "../core/constants.ts";
import { instantMs, isoOf, TABLE_FIRST_YEAR, TABLE_LAST_YEAR } from "./_date.ts";

/** IANA time zone of NYSE, Nasdaq and the FX day roll. */
export const NEW_YORK_TZ = "America/New_York";

interface OffsetTable {
  /** Instants (epoch ms) from which `offsets[i]` applies; `starts[0]` is the table start. */
  starts: Float64Array;
  /** UTC offset in minutes (e.g. -300) valid from `starts[i]`. */
  offsets: Int16Array;
  endMs: number;
  /** For UTC day (firstDay + k): index of the entry in force at that day's 00:00Z. */
  dayIndex: Int32Array;
  firstDay: number;
}

let table: OffsetTable | null = null;

function luxonOffset(ms: number): number {
  return DateTime.fromMillis(ms, { zone: NEW_YORK_TZ }).offset;
}

function buildTable(): OffsetTable {
  const startMs = Date.UTC(TABLE_FIRST_YEAR, 0, 1);
  const endMs = Date.UTC(TABLE_LAST_YEAR + 1, 0, 1);
  const starts = [startMs];
  const offsets = [luxonOffset(startMs)];
  // Scan in 28-day steps (US transitions are at least four months apart), then bisect each
  // change of offset down to the minute.
  const step = 28 * MS_PER_DAY;
  for (let lo = startMs; lo < endMs; lo += step) {
    const hi = Math.min(lo + step, endMs);
    const offHi = luxonOffset(hi);
    if (offHi === offsets[offsets.length - 1]) continue;
    let a = lo, b = hi; // offset(a) = previous, offset(b) = new
    while (b - a > MS_PER_MINUTE) {
      const mid = a + Math.floor((b - a) / 2 / MS_PER_MINUTE) * MS_PER_MINUTE;
      if (luxonOffset(mid) === offHi) b = mid;
      else a = mid;
    }
    starts.push(b);
    offsets.push(offHi);
  }
  const firstDay = Math.floor(startMs / MS_PER_DAY);
  const nDays = Math.floor(endMs / MS_PER_DAY) - firstDay;
  const dayIndex = new Int32Array(nDays);
  let k = 0;
  for (let i = 0; i < nDays; i++) {
    const dayStart = (firstDay + i) * MS_PER_DAY;
    while (k + 1 < starts.length && starts[k + 1]! <= dayStart) k++;
    dayIndex[i] = k;
  }
  return {
    starts: Float64Array.from(starts),
    offsets: Int16Array.from(offsets),
    endMs,
    dayIndex,
    firstDay,
  };
}

function getTable(): OffsetTable {
  if (table === null) table = buildTable();
  return table;
}

/**
 * UTC offset of New York at an instant, in minutes (-300 in winter, -240 in summer).
 * @throws RangeError outside 1925-01-01..2101-12-31 UTC.
 * @example nyOffsetMinutes(Date.UTC(2024, 6, 1)) // -240
 */
export function nyOffsetMinutes(instant: Date | number): number {
  const ms = instantMs(instant);
  const t = getTable();
  if (ms < t.starts[0]! || ms >= t.endMs) {
    throw new RangeError(
      `Instant ${new Date(ms).toISOString()} is outside the New York offset table ` +
        `${TABLE_FIRST_YEAR}-01-01..${TABLE_LAST_YEAR}-12-31`,
    );
  }
  let i = t.dayIndex[Math.floor(ms / MS_PER_DAY) - t.firstDay]!;
  // At most one transition per UTC day (US transitions are months apart).
  if (i + 1 < t.starts.length && t.starts[i + 1]! <= ms) i++;
  return t.offsets[i]!;
}

/**
 * New York calendar date ("YYYY-MM-DD") of an instant.
 * @example nyDate(new Date("2024-03-11T03:30:00Z")) // "2024-03-10" (23:30 EDT)
 */
export function nyDate(instant: Date | number): string {
  return isoOf(nyDayNumber(instant));
}

/** Day number (days since 1970-01-01) of the New York calendar date of an instant. */
export function nyDayNumber(instant: Date | number): number {
  const ms = instantMs(instant);
  return Math.floor((ms + nyOffsetMinutes(ms) * MS_PER_MINUTE) / MS_PER_DAY);
}

/**
 * Epoch ms of a New York wall-clock time on a day number. Times inside the spring-forward gap
 * (02:00-03:00 local) do not exist and are resolved with the pre-transition offset; the exchange
 * times used here (09:30, 13:00, 16:00, 17:00) are never in a gap or an overlap.
 */
export function nyWallToMs(dayNum: number, minutesOfDay: number): number {
  const local = dayNum * MS_PER_DAY + minutesOfDay * MS_PER_MINUTE;
  // First guess assumes EST (UTC = local + 5 h); the offset found there is then confirmed.
  const guess = local - nyOffsetMinutes(local + 300 * MS_PER_MINUTE) * MS_PER_MINUTE;
  return local - nyOffsetMinutes(guess) * MS_PER_MINUTE;
}

/** Parse "HH:MM" to minutes of the day. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}
