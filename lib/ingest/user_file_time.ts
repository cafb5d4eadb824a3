/**
 * Time parsing and period arithmetic for user files (`ingest-file`).
 *
 * One time-zone rule for every format (CSV text, Parquet values turned into the same text):
 * - a value with an offset or `Z` is that instant; its local date is the date as written;
 * - a naive value (no offset) is wall-clock time in `tz` (any IANA zone); a wall time that does
 *   not exist in the zone (the hour skipped by a DST change) is unparseable; an ambiguous one
 *   (the hour repeated) is its first occurrence here (`wallToMs`); `ingestBarsFile` infers the
 *   second pass from the file's order (`wallFold`) or quarantines it;
 * - an epoch number is read only with an explicit unit (s, ms, us, ns; ns and us as exact
 *   integers, truncated to the millisecond); its local date is the date in `tz`;
 * - a decimal year `Y.f` is the date `Y-01-01 + round(f * days in Y)` (the fraction of the year's
 *   days, 365 or 366), e.g. 1985.0417 -> 1985-01-16; with a monthly, quarterly or yearly frequency
 *   it is the period `floor(f * periods + 0.01)` of the year (R's `time()` of a `ts`:
 *   year + (month - 1) / 12, the 0.01 absorbs values printed to four decimals);
 * - a strptime-like pattern (`%Y%m%d%H%M`, `%d/%m/%y`, `%d-%b-%Y`; PATTERN_DIRECTIVES) reads naive
 *   wall time in `tz`.
 *
 * Day numbers are days since 1970-01-01 (proleptic Gregorian, valid far beyond 1926-2100).
 */
import { IANAZone } from "luxon";
import { MS_PER_DAY } from "../core/constants.ts";
import {
  lastSessionIn,
  MONTH_NAMES,
  periodLastDate,
  periodLastSession,
  periodStart,
  type TradingCalendar,
} from "../time/mod.ts";
import { dayOf, dayOfIso, isoDay } from "../time/periods.ts";

/** Epoch units `--time-unit` accepts. */
export const TIME_UNITS = ["s", "ms", "us", "ns"] as const;
/** An epoch unit. */
export type TimeUnit = typeof TIME_UNITS[number];

/** Daily-and-slower frequencies (rows stamped with a date). */
export const DATE_FREQS = ["session", "day", "week", "month", "quarter", "year"] as const;
/** A daily-or-slower frequency. */
export type DateFreq = typeof DATE_FREQS[number];

/** A parsed time cell: the instant (epoch ms) and the local date "YYYY-MM-DD" of the stamp. */
export interface ParsedTime {
  ms: number;
  date: string;
}

/** True when `tz` is an IANA zone name luxon knows (or "UTC"). */
export function isValidZone(tz: string): boolean {
  return tz === "UTC" || IANAZone.isValidZone(tz);
}

export { dayOf, dayOfIso, isoDay } from "../time/periods.ts";

function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  return isoDay(dayOf(y, m, d)) ===
    `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

const zoneCache = new Map<string, IANAZone>();

/**
 * Epoch ms of a wall-clock time in `tz`, or NaN when that wall time does not exist there (skipped
 * by a DST change). An ambiguous wall time gives its first occurrence.
 */
export function wallToMs(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  tz: string,
): number {
  const naive = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (tz === "UTC" || tz === "Etc/UTC") return naive;
  let zone = zoneCache.get(tz);
  if (!zone) zoneCache.set(tz, zone = IANAZone.create(tz));
  // Offset at the naive instant, refined once: exact except inside a DST gap (checked below).
  let guess = naive - zone.offset(naive) * 60_000;
  guess = naive - zone.offset(guess) * 60_000;
  // First occurrence of an ambiguous time: an hour earlier, if it shows the same wall time.
  const earlier = guess - 3_600_000;
  if (earlier + zone.offset(earlier) * 60_000 === naive) guess = earlier;
  if (guess + zone.offset(guess) * 60_000 !== naive) return NaN; // skipped wall time
  return guess;
}

const MS_PER_MINUTE = 60_000;
const HALF_WINDOW = 18 * 3_600_000; // wider than any UTC offset: a wall time's instants lie inside

function zoneFor(tz: string): IANAZone {
  let zone = zoneCache.get(tz);
  if (!zone) zoneCache.set(tz, zone = IANAZone.create(tz));
  return zone;
}

/** "HH:MM" of minutes after midnight. */
function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/**
 * The text of the DST change between `lo` and `hi` (UTC ms, whose offsets differ), found by
 * bisection to the minute: "DST fall-back 1996-10-27 in Europe/Zurich: the clock goes back from
 * 03:00 to 02:00, 02:00-02:59 happens twice" or "DST gap 1997-03-30 in Europe/Zurich: the clock
 * jumps from 02:00 to 03:00, 02:00-02:59 does not exist".
 */
function dstChangeText(lo: number, hi: number, tz: string): string {
  const zone = zoneFor(tz);
  lo = Math.floor(lo / MS_PER_MINUTE) * MS_PER_MINUTE;
  hi = Math.ceil(hi / MS_PER_MINUTE) * MS_PER_MINUTE;
  const before = zone.offset(lo);
  while (hi - lo > MS_PER_MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MS_PER_MINUTE) * MS_PER_MINUTE;
    if (zone.offset(mid) === before) lo = mid;
    else hi = mid;
  }
  const after = zone.offset(hi);
  const wallBefore = hi + before * MS_PER_MINUTE, wallAfter = hi + after * MS_PER_MINUTE;
  const day = new Date(wallBefore - 1).toISOString().slice(0, 10);
  return after < before
    ? `DST fall-back ${day} in ${tz}: the clock goes back from ${hhmm(wallBefore)} to ${
      hhmm(wallAfter)
    }, ${hhmm(wallAfter)}-${hhmm(wallBefore - MS_PER_MINUTE)} happens twice`
    : `DST gap ${day} in ${tz}: the clock jumps from ${hhmm(wallBefore)} to ${hhmm(wallAfter)}, ${
      hhmm(wallBefore)
    }-${hhmm(wallAfter - MS_PER_MINUTE)} does not exist`;
}

/** A wall time a zone shows twice (a DST fall-back): both instants and the change's text. */
export interface WallFold {
  /** The first occurrence (the offset before the change, summer time), epoch ms. */
  first: number;
  /** The second occurrence (the offset after it, standard time), epoch ms. */
  second: number;
  /** The DST change, e.g. "DST fall-back 1996-10-27 in Europe/Zurich: ... happens twice". */
  change: string;
}

/**
 * Both instants of a wall time (given as `Date.UTC` of its fields) that `tz` shows twice, or
 * null when the zone shows it once or never.
 *
 * @example wallFold(Date.UTC(1996, 9, 27, 2, 30), "Europe/Zurich")?.second // Date.UTC(1996, 9, 27, 1, 30)
 */
export function wallFold(naive: number, tz: string): WallFold | null {
  if (tz === "UTC" || tz === "Etc/UTC") return null;
  const zone = zoneFor(tz);
  const o1 = zone.offset(naive - HALF_WINDOW), o2 = zone.offset(naive + HALF_WINDOW);
  if (o1 === o2) return null;
  const shows = (ms: number) => ms + zone.offset(ms) * MS_PER_MINUTE === naive;
  const a = naive - o1 * MS_PER_MINUTE, b = naive - o2 * MS_PER_MINUTE;
  if (a === b || !shows(a) || !shows(b)) return null;
  const first = Math.min(a, b), second = Math.max(a, b);
  return { first, second, change: dstChangeText(first, second, tz) };
}

/**
 * The text of the DST gap that skips a wall time (given as `Date.UTC` of its fields) in `tz`,
 * or null when the zone shows that wall time.
 *
 * @example dstGapText(Date.UTC(1997, 2, 30, 2, 30), "Europe/Zurich") // "DST gap 1997-03-30 in Europe/Zurich: the clock jumps from 02:00 to 03:00, 02:00-02:59 does not exist"
 */
export function dstGapText(naive: number, tz: string): string | null {
  if (tz === "UTC" || tz === "Etc/UTC" || !isValidZone(tz)) return null;
  const zone = zoneFor(tz);
  const lo = naive - HALF_WINDOW, hi = naive + HALF_WINDOW;
  if (zone.offset(lo) === zone.offset(hi)) return null;
  const shows = (ms: number) => ms + zone.offset(ms) * MS_PER_MINUTE === naive;
  if (shows(naive - zone.offset(lo) * MS_PER_MINUTE)) return null;
  if (shows(naive - zone.offset(hi) * MS_PER_MINUTE)) return null;
  return dstChangeText(lo, hi, tz);
}

/** ISO date of an instant in a zone. */
export function dateInZone(ms: number, tz: string): string {
  if (tz === "UTC" || tz === "Etc/UTC") return isoDay(Math.floor(ms / MS_PER_DAY));
  let zone = zoneCache.get(tz);
  if (!zone) zoneCache.set(tz, zone = IANAZone.create(tz));
  return isoDay(Math.floor((ms + zone.offset(ms) * 60_000) / MS_PER_DAY));
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parse ISO text: `YYYY-MM-DD`, `YYYY-MM-DD[T ]hh:mm[:ss[.fff]]` with an optional `Z` or
 * `+hh:mm` offset. Naive text is wall time in `tz`. Null when it is not such text, not a real
 * date, or a wall time the zone skips.
 *
 * @example parseIsoTime("2024-03-06T20:00-05:00", "UTC") // { ms: 1709773200000, date: "2024-03-06" }
 */
export function parseIsoTime(text: string, tz: string): ParsedTime | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
  const h = m[4] === undefined ? 0 : +m[4], mi = m[5] === undefined ? 0 : +m[5];
  const s = m[6] === undefined ? 0 : +m[6];
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000 + 1e-6);
  if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  const date = m[0].slice(0, 10);
  const zone = m[8];
  if (zone === undefined) {
    const ms = wallToMs(y, mo, d, h, mi, s, frac, tz);
    return Number.isNaN(ms) ? null : { ms, date };
  }
  const naive = Date.UTC(y, mo - 1, d, h, mi, s, frac);
  if (zone === "Z" || zone === "z" || zone === "UTC") return { ms: naive, date };
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const off = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
  if (off > 18 * 60) return null;
  return { ms: naive - sign * off * 60_000, date };
}

/** Quarter text as pandas writes a PeriodIndex and people type it: 1959Q1, 1959-Q1, 1959 Q1, 1959q1. */
const QUARTER_TEXT = /^(\d{4})[- ]?[Qq]([1-4])$/;

/**
 * The first day of the quarter named by quarter text (`1959Q3` -> `1959-07-01`; also
 * `1959-Q3`, `1959 Q3`, `1959q3`), or null for other text.
 *
 * @example quarterTextDate("1959Q4") // "1959-10-01"
 */
export function quarterTextDate(text: string): string | null {
  const m = QUARTER_TEXT.exec(text.trim());
  if (!m) return null;
  return `${m[1]}-${String(3 * (+m[2]! - 1) + 1).padStart(2, "0")}-01`;
}

/**
 * Minutes after midnight of ISO text written as a UTC instant (`Z`, `UTC`, `+00:00`, `-00:00`:
 * how Parquet TIMESTAMPTZ columns of DuckDB/Spark and UTC-aware pandas/polars columns print),
 * or null for naive text, another offset, or text that is not ISO. A UTC instant carries no
 * local date: for daily data its date is taken in a zone (`ingestBarsFile`), unless it sits at
 * 00:00 (a date stored as UTC midnight).
 *
 * @example utcWrittenMinutes("2005-11-13T23:00:00+00:00") // 1380
 * @example utcWrittenMinutes("2005-11-14T00:00:00+01:00") // null
 */
export function utcWrittenMinutes(text: string): number | null {
  const m = ISO.exec(text.trim());
  if (!m || m[8] === undefined) return null;
  const z = m[8];
  if (z !== "Z" && z !== "z" && z !== "UTC" && !/^[+-]00:?(00)?$/.test(z)) return null;
  return (m[4] === undefined ? 0 : +m[4]) * 60 + (m[5] === undefined ? 0 : +m[5]);
}

/**
 * N when decimal years sit on an even grid of 1/N of a year with N > 1 (R's `time()` of a `ts`
 * of frequency N: year + k/N), else null (whole years, irregular values, or too few to tell).
 * The spacing is the smallest gap between distinct values; every value's fraction must be a
 * multiple of 1/N within max(0.02, 6e-5 N) of a step (values printed to four decimals). Only N = 4 and 12 map exactly
 * to calendar periods (quarters, months); N = 365 or 366 is a day of the year (`Y + (doy-1)/days`,
 * lubridate decimal_date).
 *
 * @example decimalYearGrid([1962, 1962 + 1 / 248, 1962 + 2 / 248]) // 248
 * @example decimalYearGrid([1953 + 3 / 12, 1953 + 4 / 12]) // 12
 */
export function decimalYearGrid(values: readonly number[]): number | null {
  const xs = [...new Set(values.filter(Number.isFinite))].sort((a, b) => a - b);
  if (xs.length < 3) return null;
  let d = Infinity;
  for (let i = 1; i < xs.length; i++) {
    const g = xs[i]! - xs[i - 1]!;
    if (g > 1e-9 && g < d) d = g;
  }
  if (!(d < 1)) return null;
  const n = Math.round(1 / d);
  if (n <= 1 || Math.abs(1 / d - n) > 0.05 * n) return null;
  for (const x of xs) {
    const f = (x - Math.floor(x + 1e-9)) * n;
    if (Math.abs(f - Math.round(f)) > Math.max(0.02, 6e-5 * n)) return null;
  }
  return n;
}

/**
 * True when text is ISO time text without an offset or `Z` (a naive value, read as wall time in
 * the ingest's zone).
 *
 * @example isNaiveIso("2024-03-06 20:00") // true
 * @example isNaiveIso("2024-03-06T20:00-05:00") // false
 */
export function isNaiveIso(text: string): boolean {
  const m = ISO.exec(text.trim());
  return m !== null && m[8] === undefined;
}

/**
 * Weekday (0 = Sunday) and minutes after midnight of an instant's wall time in `tz`.
 *
 * @example wallClock(Date.UTC(2024, 2, 8, 22, 0), "America/New_York") // { weekday: 5, minutes: 1020 } (Fri 17:00 EST)
 */
export function wallClock(ms: number, tz: string): { weekday: number; minutes: number } {
  let off = 0;
  if (tz !== "UTC" && tz !== "Etc/UTC") {
    let zone = zoneCache.get(tz);
    if (!zone) zoneCache.set(tz, zone = IANAZone.create(tz));
    off = zone.offset(ms);
  }
  const local = ms + off * 60_000;
  const day = Math.floor(local / MS_PER_DAY);
  return {
    weekday: (((day + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
    minutes: Math.floor((local - day * MS_PER_DAY) / 60_000),
  };
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

/** True when text is a bare integer (an epoch or a compact date, never read without a unit). */
export function isIntegerText(text: string): boolean {
  return INTEGER.test(text.trim());
}

/**
 * Epoch ms of an epoch value in `unit` (text or number). Seconds and milliseconds may carry a
 * decimal fraction; micro- and nanoseconds must be integers (read exactly as BigInt and truncated
 * toward minus infinity to the millisecond). NaN when it is not a number.
 */
export function epochToMs(v: string | number | bigint, unit: TimeUnit): number {
  if (typeof v === "bigint") return bigEpoch(v, unit);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return NaN;
    if (unit === "us" || unit === "ns") {
      return Number.isInteger(v) ? bigEpoch(BigInt(v), unit) : NaN;
    }
    return Math.round(unit === "s" ? v * 1000 : v);
  }
  const t = v.trim();
  if (INTEGER.test(t)) return bigEpoch(BigInt(t), unit);
  if ((unit === "s" || unit === "ms") && DECIMAL.test(t)) return epochToMs(Number(t), unit);
  return NaN;
}

function bigEpoch(v: bigint, unit: TimeUnit): number {
  const div = unit === "ns" ? 1_000_000n : unit === "us" ? 1_000n : 1n;
  if (unit === "s") return Number(v * 1000n);
  let q = v / div;
  if (v < 0n && q * div !== v) q -= 1n; // floor
  return Number(q);
}

/** Number of days in a year. */
function daysInYear(y: number): number {
  return dayOf(y + 1, 1, 1) - dayOf(y, 1, 1);
}

/**
 * The date of a decimal year (module doc for the convention), or null when it is not a decimal
 * number. With `freq` month, quarter or year it is the first day of the period.
 *
 * @example decimalYearToDate("1985.0417") // "1985-01-16"
 * @example decimalYearToDate("1953.33333333333", "month") // "1953-05-01"
 */
export function decimalYearToDate(v: string | number, freq?: string): string | null {
  const x = typeof v === "number" ? v : DECIMAL.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(x)) return null;
  const y = Math.floor(x + 1e-9);
  const f = Math.max(0, x - y);
  if (freq === "month" || freq === "quarter" || freq === "year") {
    const per = freq === "month" ? 12 : freq === "quarter" ? 4 : 1;
    const k = Math.min(per - 1, Math.floor(f * per + 0.01));
    return isoDay(dayOf(y, 1 + k * (12 / per), 1));
  }
  return isoDay(dayOf(y, 1, 1) + Math.round(f * daysInYear(y)));
}

/** The `--time-format` pattern directives {@link patternParser} reads, for help texts. */
export const PATTERN_DIRECTIVES =
  "%Y year, %y two-digit year (69-99 -> 1969-1999, 00-68 -> 2000-2068, as POSIX/C/Python\n" +
  "strptime), %m month, %b or %B English month name (Jan or January, any case), %d day, %j day\n" +
  "of the year (001-366), %q quarter 1-4 (--freq quarter; 1959Q3 is %YQ%q), %H hour 00-23,\n" +
  "%M minute, %S second, %f fraction of a second (1-9 digits, truncated to ms), %% a literal %";

/**
 * The year of a two-digit `%y`, as POSIX strptime (and C, Python) read it: 69-99 are 1969-1999,
 * 00-68 are 2000-2068.
 *
 * @example twoDigitYear(91) // 1991
 * @example twoDigitYear(68) // 2068
 */
export function twoDigitYear(yy: number): number {
  return yy >= 69 ? 1900 + yy : 2000 + yy;
}

/**
 * A reader for a strftime-like pattern (directives in {@link PATTERN_DIRECTIVES}, other
 * characters literal; e.g. `%Y%m%d%H%M`, `%d/%m/%y`, `%d-%b-%Y`). Naive wall time in `tz`.
 * As in C/Python strptime, `%m %d %H %M %S` take one or two digits when a non-digit follows
 * them in the pattern (`7/1/1991` reads with `%m/%d/%Y`), exactly two when another directive
 * follows (`%Y%m%d`); `%y` takes two digits, `%Y` four, `%j` one to three. A pattern needs a
 * year (`%Y` or `%y`) and a day (`%m`/`%b` with `%d`, or `%j`), except for a coarse `freq`:
 * without the day for month, quarter and year, the year alone for year; the missing fields
 * are 1 (the period's first day). Throws RangeError for an unknown directive or a missing
 * field.
 *
 * @example patternParser("%Y", "year")("1875", "UTC") // { ms: Date.UTC(1875, 0, 1), date: "1875-01-01" }
 * @example patternParser("%d/%m/%y")("01/07/91", "UTC")!.date // "1991-07-01"
 * @example patternParser("%d-%b-%Y")("1-Jul-1991", "UTC")!.date // "1991-07-01"
 */
export function patternParser(
  pattern: string,
  freq?: string,
): (text: string, tz: string) => ParsedTime | null {
  const fields: string[] = [];
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch !== "%") {
      re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      continue;
    }
    const dch = pattern[++i];
    if (dch === "%") {
      re += "%";
      continue;
    }
    // A variable-width number only where a non-digit literal (or the end) follows it.
    const next = pattern[i + 1];
    const loose = next === undefined || (next !== "%" && !/\d/.test(next));
    const rx = {
      Y: "(\\d{4})",
      y: "(\\d{2})",
      m: loose ? "(\\d{1,2})" : "(\\d{2})",
      d: loose ? "(\\d{1,2})" : "(\\d{2})",
      H: loose ? "(\\d{1,2})" : "(\\d{2})",
      M: loose ? "(\\d{1,2})" : "(\\d{2})",
      S: loose ? "(\\d{1,2})" : "(\\d{2})",
      j: loose ? "(\\d{1,3})" : "(\\d{3})",
      q: "([1-4])",
      f: "(\\d{1,9})",
      b: "([A-Za-z]{3,9})",
      B: "([A-Za-z]{3,9})",
    }[dch as "Y"];
    if (!rx) {
      throw new RangeError(
        `Unknown directive %${
          dch ?? ""
        } in --time-format "${pattern}": use %Y %y %m %b %d %j %q %H %M %S %f %%`,
      );
    }
    const f = dch === "B" ? "b" : dch!;
    if (
      fields.includes(f) || (f === "y" && fields.includes("Y")) ||
      (f === "Y" && fields.includes("y"))
    ) {
      throw new RangeError(
        `--time-format "${pattern}" gives the ${f === "y" ? "Y" : f} field twice`,
      );
    }
    fields.push(f);
    re += rx;
  }
  const has = (f: string) => fields.includes(f);
  if (has("q")) {
    // A quarter number (1959Q3: %YQ%q) names a quarter, read as its first month.
    if (freq !== "quarter" || fields.some((f) => f !== "q" && f !== "Y" && f !== "y")) {
      throw new RangeError(
        `--time-format "${pattern}": %q (quarter 1-4) goes with the year alone (%Y or %y, e.g. %YQ%q for 1959Q3) and --freq quarter${
          freq === "quarter" ? "" : `, not --freq ${freq ?? "(none)"}`
        }`,
      );
    }
    if (!has("Y") && !has("y")) {
      throw new RangeError(`--time-format "${pattern}" needs a year (%Y or %y) with %q`);
    }
  }
  const year = has("Y") || has("y"), month = has("m") || has("b") || has("q");
  const coarse = freq === "month" || freq === "quarter" || freq === "year";
  const needM = freq !== "year", needD = !coarse;
  if (
    !year || (has("j") && (month || has("d"))) ||
    (!has("j") && ((needM && !month) || (needD && !has("d")) || (has("d") && !month))) ||
    (has("j") && coarse)
  ) {
    const need = !year
      ? "a year (%Y or %y)"
      : has("j") && coarse
      ? `no day of the year (%j) with --freq ${freq}: a ${freq} is read from the year${
        freq === "year" ? "" : " and month"
      }`
      : has("j")
      ? "%j (day of the year) alone, without %m, %b or %d"
      : freq === "year"
      ? "%m (or %b) with the year, or the year alone"
      : freq === "quarter"
      ? `a quarter (%q, 1-4: e.g. %YQ%q for 1959Q1) or a month (%m or %b) with the year for --freq quarter (%Y alone fits --freq year only)`
      : coarse
      ? `a month (%m or %b) with the year for --freq ${freq} (%Y alone fits --freq year only)`
      : `a day: %m (or %b) and %d, or %j${
        freq === undefined ? "" : ` for --freq ${freq}`
      } (without a day: --freq month|quarter|year; the year alone: --freq year)`;
    throw new RangeError(`--time-format "${pattern}" needs ${need}`);
  }
  const rx = new RegExp(re + "$");
  return (text, tz) => {
    const m = rx.exec(text.trim());
    if (!m) return null;
    const v: Record<string, number> = { Y: 0, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0 };
    let doy = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!, t = m[i + 1]!;
      if (f === "b") {
        const l = t.toLowerCase();
        const k = MONTH_NAMES.findIndex((name) =>
          l === name.slice(0, 3) || (l.length > 3 && l === name)
        );
        if (k < 0) return null;
        v.m = k + 1;
      } else if (f === "y") v.Y = twoDigitYear(+t);
      else if (f === "j") doy = +t;
      else if (f === "q") v.m = 3 * (+t - 1) + 1;
      else if (f === "f") v.f = Math.floor(Number(`0.${t}`) * 1000 + 1e-6);
      else v[f] = +t;
    }
    if (doy > 0 || has("j")) {
      const day = dayOf(v.Y!, 1, 1) + doy - 1;
      if (doy < 1 || doy > daysInYear(v.Y!)) return null;
      const iso = isoDay(day);
      v.m = +iso.slice(5, 7);
      v.d = +iso.slice(8, 10);
    }
    if (!validYmd(v.Y!, v.m!, v.d!) || v.H! > 23 || v.M! > 59 || v.S! > 59) return null;
    const ms = wallToMs(v.Y!, v.m!, v.d!, v.H!, v.M!, v.S!, v.f!, tz);
    return Number.isNaN(ms) ? null : { ms, date: isoDay(dayOf(v.Y!, v.m!, v.d!)) };
  };
}

/**
 * The label date of the period holding `date`: the date itself (session, day), the Monday of its
 * week, the first day of its month, quarter or year (lib/time `periodStart`).
 */
export function periodLabel(date: string, freq: DateFreq): string {
  return freq === "session" || freq === "day" ? date : periodStart(date, freq);
}

/** Day number of the last day of the period labelled `label` (lib/time `periodLastDate`). */
export function periodLastDay(label: string, freq: DateFreq): number {
  return dayOfIso(freq === "session" || freq === "day" ? label : periodLastDate(label, freq));
}

/**
 * When a value of the period labelled `label` is known on `cal`: the close of the period's last
 * session; for a period without a session (a `day` that is a holiday, a calendar without
 * sessions that day), midnight at the end of its last day in the calendar's zone. A period whose
 * last session the calendar cannot tell (it ends after `cal.lastDate`, or has no session on or
 * after `cal.firstDate`: sunspots of 1700 on nyse, whose sessions start in 1926) is known at
 * that same period end, never earlier than any session close inside it would be (lib/time
 * `periodLastSession`).
 *
 * @example periodKnownAt("1959-01-01", "quarter", getCalendar("nyse")) // 1959-03-31 15:30 EST
 * @example periodKnownAt("1700-01-01", "year", getCalendar("nyse")) // 1701-01-01 00:00 New York
 */
export function periodKnownAt(label: string, freq: DateFreq, cal: TradingCalendar): number {
  const s = freq === "session" || freq === "day"
    ? lastSessionIn(cal, label, label)
    : periodLastSession(label, freq, cal);
  return s === null
    ? periodEndMs(label, freq, cal.timeZone)
    : cal.sessionBounds(s)!.close.getTime();
}

/** Midnight at the end of the last day of the period labelled `label`, in zone `tz` (epoch ms). */
export function periodEndMs(label: string, freq: DateFreq, tz: string): number {
  const next = isoDay(periodLastDay(label, freq) + 1);
  return wallToMs(+next.slice(0, 4), +next.slice(5, 7), +next.slice(8, 10), 0, 0, 0, 0, tz);
}

/**
 * The dates of `n` successive periods from `start` (the k-th row is the k-th period): sessions
 * of `cal` from the first session on or after `start`, calendar days, or period labels (Monday,
 * first of the month/quarter/year) from the period holding `start`.
 */
export function generateDates(
  start: string,
  freq: DateFreq,
  n: number,
  cal: TradingCalendar,
): string[] {
  const out: string[] = [];
  if (n <= 0) return out;
  if (freq === "session") {
    let from = dayOfIso(start);
    while (out.length < n) {
      const to = from + Math.max(370, Math.ceil((n - out.length) * 1.6));
      const last = Math.min(to, dayOfIso(cal.lastDate));
      if (from > last) {
        throw new RangeError(
          `Cannot place ${n} sessions from ${start}: the ${cal.name} calendar ends ${cal.lastDate}`,
        );
      }
      for (const s of cal.sessions(isoDay(from), isoDay(last))) {
        if (out.length < n) out.push(s);
      }
      from = last + 1;
    }
    return out;
  }
  if (freq === "day") {
    const d0 = dayOfIso(start);
    for (let k = 0; k < n; k++) out.push(isoDay(d0 + k));
    return out;
  }
  let label = periodLabel(start, freq);
  for (let k = 0; k < n; k++) {
    out.push(label);
    label = isoDay(periodLastDay(label, freq) + 1);
  }
  return out;
}

/**
 * Number of periods of `freq` from the one holding `start` to the one holding `end`, both
 * inclusive: sessions of `cal` from `start` to `end`, calendar days, or weeks (months,
 * quarters, years) by their labels. It is the number of rows {@link generateDates} needs for its
 * last date to reach `end`; 0 when `end` is before `start`.
 *
 * @example countPeriods("2024-01-02", "2024-01-31", "session", getCalendar("nyse")) // 21
 * @example countPeriods("2024-01-15", "2024-03-01", "month", cal) // 3 (Jan, Feb, Mar)
 */
export function countPeriods(
  start: string,
  end: string,
  freq: DateFreq,
  cal: TradingCalendar,
): number {
  if (end < start) return 0;
  if (freq === "session") return cal.sessions(start, end).length;
  if (freq === "day") return dayOfIso(end) - dayOfIso(start) + 1;
  const last = periodLabel(end, freq);
  let n = 0;
  for (let l = periodLabel(start, freq); l <= last; l = isoDay(periodLastDay(l, freq) + 1)) n++;
  return n;
}

/** Milliseconds of an interval like `30m`, `1h`, `15s`; null when it is not one. */
export function intervalMs(freq: string): number | null {
  const m = /^(\d+)(ms|s|m|h)$/.exec(freq);
  if (!m || Number(m[1]) <= 0) return null;
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as "s"];
}

/**
 * Candidate `--time-format` patterns for time texts that did not parse as ISO, for a hint:
 * `DD/MM/YYYY`-like texts (separator `/`, `.` or `-`; one- or two-digit fields) give `%d/%m/%Y`
 * when some first field exceeds 12, `%m/%d/%Y` when some second field does, else both
 * (ambiguous); a two-digit year gives `%y` instead of `%Y` (`01/07/91`: `%m/%d/%y` and
 * `%d/%m/%y`); `01-Jul-1991` gives `%d-%b-%Y`; `YYYY/MM/DD` gives
 * `%Y/%m/%d`; 8 digits `%Y%m%d`; `1700.0`-like texts `decimal-year`; a trailing ` HH:MM[:SS]` adds ` %H:%M[:%S]`. Empty when no
 * shape is recognised.
 *
 * @example guessTimeFormats(["07/01/1991", "07/02/1991"]) // ["%m/%d/%Y", "%d/%m/%Y"]
 * @example guessTimeFormats(["31.12.1991"]) // ["%d.%m.%Y"]
 * @example guessTimeFormats(["01/07/91", "02/07/91"]) // ["%m/%d/%y", "%d/%m/%y"]
 */
export function guessTimeFormats(samples: readonly string[]): string[] {
  const texts = samples.map((s) => s.trim()).filter((s) => s !== "");
  if (texts.length === 0) return [];
  const timeOf = (t: string) => {
    const m = /[ T](\d{2}):(\d{2})(:\d{2})?$/.exec(t);
    return m ? { rest: t.slice(0, m.index), suffix: m[3] ? " %H:%M:%S" : " %H:%M" } : null;
  };
  const first = timeOf(texts[0]!);
  const suffix = first?.suffix ?? "";
  const days = texts.map((t) => (first ? timeOf(t)?.rest ?? t : t));
  const dmy = days.map((d) => /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$/.exec(d));
  if (dmy.every((m) => m !== null)) {
    const sep = dmy[0]![2]!;
    const yd = dmy[0]![4]!.length === 2 ? "%y" : "%Y";
    if (dmy.some((m) => m![2] !== sep || m![4]!.length !== dmy[0]![4]!.length)) return [];
    const a = Math.max(...dmy.map((m) => +m![1]!)), b = Math.max(...dmy.map((m) => +m![3]!));
    const md = `%m${sep}%d${sep}${yd}${suffix}`, dm = `%d${sep}%m${sep}${yd}${suffix}`;
    if (a > 12 && b <= 12) return [dm];
    if (b > 12 && a <= 12) return [md];
    if (a <= 12 && b <= 12) return [md, dm];
    return [];
  }
  const dby = days.map((d) => /^(\d{1,2})([-/ .])([A-Za-z]{3,9})\2(\d{4}|\d{2})$/.exec(d));
  if (dby.every((m) => m !== null)) {
    const sep = dby[0]![2]!;
    return [`%d${sep}%b${sep}${dby[0]![4]!.length === 2 ? "%y" : "%Y"}${suffix}`];
  }
  const ymd = days.map((d) => /^\d{4}([/.])\d{2}\1\d{2}$/.exec(d));
  if (ymd.every((m) => m !== null)) {
    const sep = ymd[0]![1]!;
    return [`%Y${sep}%m${sep}%d${suffix}`];
  }
  if (days.every((d) => /^\d{8}$/.test(d))) return [`%Y%m%d${suffix}`];
  if (!first && days.every((d) => /^\d{4}\.\d+$/.test(d))) return ["decimal-year"];
  return [];
}

/**
 * A duration `N` + `d|h|m|w` (days, hours, minutes, weeks) in milliseconds, or null.
 * Days are 24 h (a lag added to an instant, not a calendar shift).
 *
 * @example parseDuration("30d") // 2_592_000_000
 */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)(w|d|h|m)$/.exec(text.trim());
  if (!m) return null;
  const unit = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d"];
  return +m[1]! * unit;
}
