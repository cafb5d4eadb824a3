/**
 * NYSE / Nasdaq trading calendar: trading days, holidays, early closes and DST-correct session
 * bounds, for 1926-01-01..2100-12-31.
 *
 * Regular session 09:30-16:00 America/New_York, early closes at 13:00 (rules in holidays.ts).
 * Years 2000-2028 follow the published NYSE lists; 2029-2035 are the same rules projected
 * forward (closures not yet announced, e.g. days of mourning, are unknowable).
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
import { IRREGULAR_OPENS, ruleEarlyCloses, ruleHolidays, SPECIAL_CLOSURES } from "./holidays.ts";
import { minutesOf, nyDayNumber, nyWallToMs } from "./new_york.ts";

export type { DateInput } from "./_date.ts";
export { FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE } from "./_date.ts";

/** Regular session open, New York wall time. */
export const SESSION_OPEN_ET = "09:30";
/** Regular session close, New York wall time. */
export const SESSION_CLOSE_ET = "16:00";
/** Close on early-close days, New York wall time. */
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
  /** ISO strings of `sessions`, same order. */
  sessionIsos: string[];
  /** For calendar day (firstDay + i): index of the first session on or after that day. */
  nextIndex: Int32Array;
  /** For calendar day (firstDay + i): 1 if it is a trading day. */
  isSession: Uint8Array;
  earlyClose: Set<number>;
  holidayNames: Map<number, string>;
}

let table: CalendarTable | null = null;

function buildTable(): CalendarTable {
  const firstDay = dayNumber(TABLE_FIRST_YEAR, 1, 1);
  const lastDay = dayNumber(TABLE_LAST_YEAR, 12, 31);
  const holidayNames = new Map<number, string>();
  const earlyCandidates: number[] = [];
  for (let y = TABLE_FIRST_YEAR; y <= TABLE_LAST_YEAR; y++) {
    for (const [d, name] of ruleHolidays(y)) holidayNames.set(d, name);
    earlyCandidates.push(...ruleEarlyCloses(y));
  }
  for (const [iso, name] of Object.entries(SPECIAL_CLOSURES)) {
    holidayNames.set(parseDayUnchecked(iso), name);
  }
  const n = lastDay - firstDay + 1;
  const isSession = new Uint8Array(n);
  const sessions: number[] = [];
  for (let d = firstDay; d <= lastDay; d++) {
    const wd = weekdayOf(d);
    if (wd !== 0 && wd !== 6 && !holidayNames.has(d)) {
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
  const earlyClose = new Set(earlyCandidates.filter((d) => isSession[d - firstDay] === 1));
  return {
    firstDay,
    sessions: Int32Array.from(sessions),
    sessionIsos: sessions.map(isoOf),
    nextIndex,
    isSession,
    earlyClose,
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
 * Whether a date is a trading day that closes early (13:00 ET).
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

let openMs: Float64Array | null = null;
let closeMs: Float64Array | null = null;

/** Session index of a trading day, or -1. */
function sessionIndexOf(t: CalendarTable, dayNum: number): number {
  return isSessionDay(t, dayNum) ? t.nextIndex[dayNum - t.firstDay]! : -1;
}

/** Open/close epoch ms of every session, computed once on first use. */
function boundsTable(t: CalendarTable): [Float64Array, Float64Array] {
  if (openMs === null || closeMs === null) {
    const n = t.sessions.length;
    openMs = new Float64Array(n);
    closeMs = new Float64Array(n);
    const regularOpen = minutesOf(SESSION_OPEN_ET);
    const regularClose = minutesOf(SESSION_CLOSE_ET);
    const earlyClose = minutesOf(EARLY_CLOSE_ET);
    for (let i = 0; i < n; i++) {
      const d = t.sessions[i]!;
      const irregular = IRREGULAR_OPENS[t.sessionIsos[i]!];
      openMs[i] = nyWallToMs(d, irregular === undefined ? regularOpen : minutesOf(irregular));
      closeMs[i] = nyWallToMs(d, t.earlyClose.has(d) ? earlyClose : regularClose);
    }
  }
  return [openMs, closeMs];
}

/**
 * Open and close of the regular session on a date as UTC instants, or null if no session.
 * 09:30-16:00 New York time (13:00 on early closes), so 14:30Z-21:00Z in winter (EST) and
 * 13:30Z-20:00Z in summer (EDT).
 * @example sessionBounds("2024-03-11")?.open.toISOString() // "2024-03-11T13:30:00.000Z"
 */
export function sessionBounds(date: DateInput): SessionBounds | null {
  const t = getTable();
  const i = sessionIndexOf(t, parseDay(date));
  if (i < 0) return null;
  const [open, close] = boundsTable(t);
  return { open: new Date(open[i]!), close: new Date(close[i]!) };
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
  return t.sessionIsos.slice(t.nextIndex[a - t.firstDay], t.nextIndex[b + 1 - t.firstDay]);
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
  const iso = t.sessionIsos[idx];
  if (iso === undefined) {
    throw new RangeError(`addTradingDays(${isoOf(d)}, ${n}) leaves the calendar tables`);
  }
  return iso;
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
  const [open, close] = boundsTable(t);
  return ms >= open[i]! && ms < close[i]! ? t.sessionIsos[i]! : null;
}
