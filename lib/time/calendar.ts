/**
 * NYSE trading calendar: trading days, holidays, early closes and DST-correct session bounds,
 * for 1926-01-01..2100-12-31.
 *
 * Hours and rules follow their history (holidays.ts, _nyse_history.ts): Saturday sessions
 * 10:00-12:00 until 1952 (so `isTradingDay` is true on a trading Saturday), weekday sessions
 * 10:00-15:00 to 1952-09-27, 10:00-15:30 to 1974-09-30, 10:00-16:00 to 1985-09-27 and 09:30-16:00
 * since, early closes and late opens at their documented times. Years to 2025 follow the NYSE
 * closings history and the published lists (announced through 2028); later years are the same
 * rules projected forward (closures not yet announced, e.g. days of mourning, are unknowable).
 * Dates are ISO strings "YYYY-MM-DD"; a Date argument is taken as its UTC calendar date.
 * Every function throws RangeError for a malformed date or one outside the supported range.
 *
 * Implementation: on first use, the trading days of 1925-2101 are laid out once in sorted
 * arrays with a dense per-calendar-day index, so look-ups are O(1) and `tradingDays` over 30
 * years is a slice.
 */
import {
  type DateInput,
  dayNumber,
  FIRST_SUPPORTED_DAY,
  instantMs,
  isoOf,
  LAST_SUPPORTED_DAY,
  parseDay,
  parseDayUnchecked,
  TABLE_FIRST_YEAR,
  TABLE_LAST_YEAR,
  weekdayOf,
} from "./_date.ts";
import { isWeekDayOfTrading, regularHours, ruleEarlyCloses, ruleHolidays } from "./holidays.ts";
import {
  CLOSURE_RUNS,
  EARLY_CLOSE_RUNS,
  LATE_OPEN_RUNS,
  SATURDAY_CLOSURE_RUNS,
  WEDNESDAY_CLOSURE_RUN,
} from "./_nyse_history.ts";
import { minutesOf, nyDayNumber, nyWallToMs } from "./new_york.ts";

export type { DateInput } from "./_date.ts";
export { FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE } from "./_date.ts";

/** Regular session open since 1985-09-30, New York wall time (earlier eras: holidays.ts). */
export const SESSION_OPEN_ET = "09:30";
/** Regular session close since 1974-10-01, New York wall time. */
export const SESSION_CLOSE_ET = "16:00";
/** Close on the recurring early-close days since 1993, New York wall time. */
export const EARLY_CLOSE_ET = "13:00";

/** Bounds of one regular session as UTC instants; `close` is exclusive for `sessionDateOf`. */
export interface SessionBounds {
  open: Date;
  close: Date;
}

interface CalendarTable {
  firstDay: number;
  /** Sorted day numbers of all trading days 1925-2101. */
  sessions: Int32Array;
  /** Session open/close epoch ms, same order as `sessions`; NaN until first asked for. */
  openMs: Float64Array;
  closeMs: Float64Array;
  /** For calendar day (firstDay + i): index of the first session on or after that day. */
  nextIndex: Int32Array;
  /** For calendar day (firstDay + i): 1 if it is a trading day. */
  isSession: Uint8Array;
  /** Sessions closing before their era's regular close -> close minute of the New York day. */
  earlyClose: Map<number, number>;
  /** Sessions opening after their era's regular open -> open minute of the New York day. */
  lateOpen: Map<number, number>;
  holidayNames: Map<number, string>;
}

let table: CalendarTable | null = null;

/** Calls `f` for every day of an inclusive ISO run (checked: first <= last). */
function forEachDay(first: string, last: string, f: (d: number) => void): void {
  const a = parseDayUnchecked(first), b = parseDayUnchecked(last);
  if (a > b) throw new RangeError(`Calendar data: run ${first}..${last} is reversed`);
  for (let d = a; d <= b; d++) f(d);
}

function buildTable(): CalendarTable {
  const firstDay = dayNumber(TABLE_FIRST_YEAR, 1, 1);
  const lastDay = dayNumber(TABLE_LAST_YEAR, 12, 31);
  const holidayNames = new Map<number, string>();
  const earlyCandidates: [number, number][] = [];
  for (let y = TABLE_FIRST_YEAR; y <= TABLE_LAST_YEAR; y++) {
    for (const [d, name] of ruleHolidays(y)) holidayNames.set(d, name);
    for (const [d, hhmm] of ruleEarlyCloses(y)) earlyCandidates.push([d, minutesOf(hhmm)]);
  }
  for (const [first, last, name] of CLOSURE_RUNS) {
    forEachDay(first, last, (d) => {
      if (isWeekDayOfTrading(d)) holidayNames.set(d, name);
    });
  }
  for (const [first, last, name] of SATURDAY_CLOSURE_RUNS) {
    forEachDay(first, last, (d) => {
      if (weekdayOf(d) === 6 && isWeekDayOfTrading(d)) holidayNames.set(d, name);
    });
  }
  {
    // 1968 four-day weeks: a Wednesday closes unless its Monday-Friday week has a closure.
    const [first, last, name] = WEDNESDAY_CLOSURE_RUN;
    forEachDay(first, last, (d) => {
      if (weekdayOf(d) !== 3) return;
      for (let w = d - 2; w <= d + 2; w++) if (holidayNames.has(w)) return;
      holidayNames.set(d, name);
    });
  }
  const n = lastDay - firstDay + 1;
  const isSession = new Uint8Array(n);
  const sessions: number[] = [];
  for (let d = firstDay; d <= lastDay; d++) {
    if (isWeekDayOfTrading(d) && !holidayNames.has(d)) {
      isSession[d - firstDay] = 1;
      sessions.push(d);
    }
  }
  const nextIndex = new Int32Array(n + 1);
  let k = sessions.length;
  nextIndex[n] = k;
  for (let i = n - 1; i >= 0; i--) {
    if (isSession[i] === 1) k--;
    nextIndex[i] = k;
  }
  const earlyClose = new Map<number, number>();
  const lateOpen = new Map<number, number>();
  for (const [first, last, hhmm] of EARLY_CLOSE_RUNS) {
    forEachDay(first, last, (d) => earlyCandidates.push([d, minutesOf(hhmm)]));
  }
  for (const [d, m] of earlyCandidates) {
    if (isSession[d - firstDay] === 1 && m < regularHours(d)[1]) earlyClose.set(d, m);
  }
  for (const [first, last, hhmm] of LATE_OPEN_RUNS) {
    forEachDay(first, last, (d) => {
      if (isSession[d - firstDay] === 1 && minutesOf(hhmm) > regularHours(d)[0]) {
        lateOpen.set(d, minutesOf(hhmm));
      }
    });
  }
  return {
    firstDay,
    sessions: Int32Array.from(sessions),
    openMs: new Float64Array(sessions.length).fill(NaN),
    closeMs: new Float64Array(sessions.length).fill(NaN),
    nextIndex,
    isSession,
    earlyClose,
    lateOpen,
    holidayNames,
  };
}

function getTable(): CalendarTable {
  if (table === null) table = buildTable();
  return table;
}

function isSessionDay(t: CalendarTable, dayNum: number): boolean {
  return t.isSession[dayNum - t.firstDay] === 1;
}

/**
 * Whether NYSE holds a regular session on a date (not a weekend, holiday or special closure).
 * @example isTradingDay("2024-07-04") // false
 */
export function isTradingDay(date: DateInput): boolean {
  return isSessionDay(getTable(), parseDay(date));
}

/**
 * Whether a date is a trading day that closes before its era's regular close (13:00 ET on the
 * recurring early-close days since 1993; other times before, see holidays.ts).
 * @example isEarlyClose("2024-11-29") // true
 */
export function isEarlyClose(date: DateInput): boolean {
  return getTable().earlyClose.has(parseDay(date));
}

/**
 * Name of the holiday or special closure on a date, or null (weekends and trading days).
 * @example holidayName("2012-10-29") // "Hurricane Sandy"
 */
export function holidayName(date: DateInput): string | null {
  return getTable().holidayNames.get(parseDay(date)) ?? null;
}

/** Session index of a trading day, or -1. */
function sessionIndexOf(t: CalendarTable, dayNum: number): number {
  return isSessionDay(t, dayNum) ? t.nextIndex[dayNum - t.firstDay]! : -1;
}

/** Fills the open/close instants of session i on first use (the zone table of its year too). */
function ensureBounds(t: CalendarTable, i: number): void {
  if (t.openMs[i] === t.openMs[i]) return; // not NaN: done
  const d = t.sessions[i]!;
  const [open, close] = regularHours(d);
  t.openMs[i] = nyWallToMs(d, t.lateOpen.get(d) ?? open);
  t.closeMs[i] = nyWallToMs(d, t.earlyClose.get(d) ?? close);
}

/** ISO dates of sessions [from, to). */
function isoRange(t: CalendarTable, from: number, to: number): string[] {
  const out = new Array<string>(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = isoOf(t.sessions[i]!);
  return out;
}

/**
 * Open and close of the regular session on a date as UTC instants, or null if no session.
 * Today 09:30-16:00 New York time (13:00 on early closes), so 14:30Z-21:00Z in winter (EST)
 * and 13:30Z-20:00Z in summer (EDT); earlier eras and trading Saturdays (10:00-12:00) by the
 * history in holidays.ts.
 * @example sessionBounds("2024-03-11")?.open.toISOString() // "2024-03-11T13:30:00.000Z"
 */
export function sessionBounds(date: DateInput): SessionBounds | null {
  const t = getTable();
  const i = sessionIndexOf(t, parseDay(date));
  if (i < 0) return null;
  ensureBounds(t, i);
  return { open: new Date(t.openMs[i]!), close: new Date(t.closeMs[i]!) };
}

/**
 * Trading days from `start` to `end`, both inclusive, ascending; [] when start > end.
 * @example tradingDays("2024-12-23", "2024-12-27") // 23, 24, 26, 27 (Christmas closed)
 */
export function tradingDays(start: DateInput, end: DateInput): string[] {
  const t = getTable();
  const a = parseDay(start, "start date");
  const b = parseDay(end, "end date");
  if (a > b) return [];
  return isoRange(t, t.nextIndex[a - t.firstDay]!, t.nextIndex[b + 1 - t.firstDay]!);
}

/**
 * Number of trading days from `start` to `end`, both inclusive; 0 when start > end.
 * @example countTradingDays("2024-01-01", "2024-12-31") // 252
 */
export function countTradingDays(start: DateInput, end: DateInput): number {
  const t = getTable();
  const a = parseDay(start, "start date");
  const b = parseDay(end, "end date");
  if (a > b) return 0;
  return t.nextIndex[b + 1 - t.firstDay]! - t.nextIndex[a - t.firstDay]!;
}

/**
 * The trading day `n` sessions away from `date`: n > 0 counts forward from the first trading
 * day strictly after `date`, n < 0 backward from the last one strictly before; n = 0 returns
 * `date` if it is a trading day and throws RangeError otherwise. Results may fall up to a year
 * outside the supported range (the tables cover 1925-2101); beyond that it throws.
 * @example addTradingDays("2024-12-24", 1) // "2024-12-26"
 */
export function addTradingDays(date: DateInput, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`addTradingDays: n must be an integer, got ${n}`);
  const t = getTable();
  const d = parseDay(date);
  if (n === 0) {
    if (!isSessionDay(t, d)) throw new RangeError(`${isoOf(d)} is not a trading day`);
    return isoOf(d);
  }
  const firstAfter = t.nextIndex[d + 1 - t.firstDay]!;
  const lastBefore = t.nextIndex[d - t.firstDay]! - 1;
  const idx = n > 0 ? firstAfter + n - 1 : lastBefore + n + 1;
  const day = t.sessions[idx];
  if (day === undefined) {
    throw new RangeError(`addTradingDays(${isoOf(d)}, ${n}) leaves the calendar tables`);
  }
  return isoOf(day);
}

/**
 * First trading day strictly after `date`.
 * @example nextTradingDay("2024-11-27") // "2024-11-29"
 */
export function nextTradingDay(date: DateInput): string {
  return addTradingDays(date, 1);
}

/**
 * Last trading day strictly before `date`.
 * @example previousTradingDay("2024-01-02") // "2023-12-29"
 */
export function previousTradingDay(date: DateInput): string {
  return addTradingDays(date, -1);
}

/**
 * Session date an instant belongs to: its New York date if that is a trading day and
 * open <= instant < close, else null (pre-market, after hours, weekends, holidays).
 * @example sessionDateOf(new Date("2024-07-03T16:59:59Z")) // "2024-07-03" (early close 17:00Z)
 */
export function sessionDateOf(instant: Date | number): string | null {
  const ms = instantMs(instant);
  const t = getTable();
  const d = nyDayNumber(ms);
  if (d < FIRST_SUPPORTED_DAY || d > LAST_SUPPORTED_DAY) {
    throw new RangeError(
      `Instant ${new Date(ms).toISOString()} is outside the supported calendar range`,
    );
  }
  const i = sessionIndexOf(t, d);
  if (i < 0) return null;
  ensureBounds(t, i);
  return ms >= t.openMs[i]! && ms < t.closeMs[i]! ? isoOf(d) : null;
}
