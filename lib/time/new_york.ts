/**
 * America/New_York wall-clock conversions, DST-correct.
 *
 * The UTC offset of New York (-05:00 EST, -04:00 EDT, and -04:00 all year during the 1942-1945
 * "War Time") is taken from luxon (IANA tz data via Intl, which carries the historical US and
 * New York City DST rules): the transition instants of 1925-2101 are located once and kept in
 * a table with a per-UTC-day index (`_zone.ts`), so each later conversion is O(1), fast enough
 * for millions of bar timestamps.
 */
import { MS_PER_DAY, MS_PER_MINUTE } from "../core/constants.ts";
import { instantMs, isoOf } from "./_date.ts";
import { ZoneClock } from "./_zone.ts";

/** IANA time zone of NYSE, Nasdaq and the FX day roll. */
export const NEW_YORK_TZ = "America/New_York";

const clock = new ZoneClock(NEW_YORK_TZ);

/**
 * UTC offset of New York at an instant, in minutes (-300 in winter, -240 in summer).
 * @throws RangeError outside 1925-01-01..2101-12-31 UTC.
 * @example nyOffsetMinutes(Date.UTC(2024, 6, 1)) // -240
 */
export function nyOffsetMinutes(instant: Date | number): number {
  return clock.offsetMinutes(instantMs(instant));
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
  return clock.wallToMs(dayNum, minutesOfDay);
}

/** Parse "HH:MM" to minutes of the day. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}
