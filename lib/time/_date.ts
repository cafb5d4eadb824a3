/**
 * Private helpers: ISO calendar dates as integer day numbers (days since 1970-01-01, UTC).
 * Day numbers make weekday, ordering and table look-ups plain integer arithmetic.
 */
import { MS_PER_DAY } from "../core/constants.ts";

/** English month names, lower case, January first (index = month - 1). */
export const MONTH_NAMES: readonly string[] = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/** A calendar date: an ISO string "YYYY-MM-DD", or a Date taken as its UTC date. */
export type DateInput = string | Date;

/** First date every public function accepts. */
export const FIRST_SUPPORTED_DATE = "1926-01-01";
/** Last date every public function accepts (years after the last published list are rule-based projections). */
export const LAST_SUPPORTED_DATE = "2100-12-31";

/** Years held in the internal tables: one year of padding either side of the public range. */
export const TABLE_FIRST_YEAR = 1925;
export const TABLE_LAST_YEAR = 2101;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a (proleptic Gregorian) UTC calendar date; month is 1-12. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

let isoCache: string[] | null = null;
let isoCacheFirst = 0;

/**
 * ISO "YYYY-MM-DD" of a day number. Strings of the table years are cached, a year at a time
 * when one of its days is first formatted (a packed array, so hot loops allocate nothing).
 */
export function isoOf(dayNum: number): string {
  if (isoCache === null) {
    isoCacheFirst = dayNumber(TABLE_FIRST_YEAR, 1, 1);
    isoCache = new Array<string>(dayNumber(TABLE_LAST_YEAR + 1, 1, 1) - isoCacheFirst).fill("");
  }
  const i = dayNum - isoCacheFirst;
  if (i < 0 || i >= isoCache.length) return formatIso(dayNum);
  const hit = isoCache[i]!;
  if (hit !== "") return hit;
  const year = yearOf(dayNum);
  const end = dayNumber(year + 1, 1, 1);
  for (let d = dayNumber(year, 1, 1); d < end; d++) isoCache[d - isoCacheFirst] = formatIso(d);
  return isoCache[i]!;
}

const PAD2: readonly string[] = Array.from({ length: 32 }, (_, i) => (i < 10 ? "0" : "") + i);

/**
 * "YYYY-MM-DD" of a day number by integer arithmetic (days-to-civil, H. Hinnant,
 * https://howardhinnant.github.io/date_algorithms.html), much cheaper than Date#toISOString.
 * Years outside 1000-9999 fall back to Date formatting.
 */
function formatIso(dayNum: number): string {
  const z = dayNum + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 1000 || y > 9999) return new Date(dayNum * MS_PER_DAY).toISOString().slice(0, 10);
  return `${y}-${PAD2[m]}-${PAD2[d]}`;
}

/** Weekday of a day number: 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(dayNum: number): number {
  return (((dayNum + 4) % 7) + 7) % 7;
}

/** Calendar year of a day number. */
export function yearOf(dayNum: number): number {
  return new Date(dayNum * MS_PER_DAY).getUTCFullYear();
}

export const FIRST_SUPPORTED_DAY = dayNumber(1926, 1, 1);
export const LAST_SUPPORTED_DAY = dayNumber(2100, 12, 31);

/** Parse a date without range checks; throws RangeError when malformed. */
export function parseDayUnchecked(date: DateInput, what = "date"): number {
  if (date instanceof Date) {
    const ms = date.getTime();
    if (!Number.isFinite(ms)) throw new RangeError(`Invalid ${what}: the Date is invalid`);
    return Math.floor(ms / MS_PER_DAY);
  }
  if (typeof date !== "string") {
    throw new RangeError(`Invalid ${what} ${String(date)}: expected "YYYY-MM-DD" or a Date`);
  }
  const m = ISO_DATE.exec(date);
  if (m === null) throw new RangeError(`Invalid ${what} "${date}": expected "YYYY-MM-DD"`);
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const dayNum = dayNumber(y, mo, d);
  // Date.UTC rolls 2023-02-30 over to March: reject anything that does not round-trip.
  if (mo < 1 || mo > 12 || d < 1 || isoOf(dayNum) !== date) {
    throw new RangeError(`Invalid ${what} "${date}": no such calendar date`);
  }
  return dayNum;
}

/** Parse a date and check it lies in the supported range; throws RangeError otherwise. */
export function parseDay(date: DateInput, what = "date"): number {
  const dayNum = parseDayUnchecked(date, what);
  if (dayNum < FIRST_SUPPORTED_DAY || dayNum > LAST_SUPPORTED_DAY) {
    throw new RangeError(
      `${what} ${isoOf(dayNum)} is outside the supported calendar range ` +
        `${FIRST_SUPPORTED_DATE}..${LAST_SUPPORTED_DATE}`,
    );
  }
  return dayNum;
}

/** Epoch milliseconds of an instant given as a Date or a number; RangeError when not finite. */
export function instantMs(instant: Date | number): number {
  const ms = instant instanceof Date ? instant.getTime() : instant;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new RangeError(`Invalid instant ${String(instant)}: expected a valid Date or epoch ms`);
  }
  return ms;
}
