/**
 * Named trading calendars a dataset can declare: which dates hold a session, when each session
 * opens and closes (so when a daily bar is known), which session an instant belongs to, and how
 * many sessions a year has (for annualisation).
 *
 * | name       | sessions                                                    | time zone          | currency |
 * | ---------- | ----------------------------------------------------------- | ------------------ | -------- |
 * | `nyse`     | NYSE regular sessions (holidays, special closures, early closes) | America/New_York | USD      |
 * | `fx`       | 24x5: the session of date D runs D-1 17:00 to D 17:00 New York, D a weekday | America/New_York | none (from the pair) |
 * | `crypto`   | 24x7: every UTC calendar day 00:00 to 24:00                | UTC                | none     |
 * | `weekdays` | every Monday-Friday, 00:00 to 24:00 UTC                     | UTC                | none     |
 * | `lse`      | London Stock Exchange sessions 08:00-16:30 London           | Europe/London      | GBP      |
 * | `xetra`    | Frankfurt Xetra sessions 09:00-17:30 Frankfurt              | Europe/Berlin      | EUR      |
 * | `us_federal` | US federal business days (Fed H.15, Treasury): weekdays except federal holidays, 00:00-24:00 New York | America/New_York | USD |
 * | `none`     | every calendar day, 00:00 to 24:00 UTC (no session checks)  | UTC                | none     |
 *
 * A daily bar of date D is known at `sessionBounds(D).close`; on `us_federal`, a date calendar,
 * that is the end of D (midnight) in New York. Every calendar answers for
 * 1926-01-01..2100-12-31 and throws RangeError outside it (dates and instants alike). The
 * history each exchange calendar is faithful for is stated in calendar.ts/holidays.ts (nyse),
 * lse.ts, xetra.ts and us_federal.ts.
 */
import { MS_PER_DAY } from "../core/constants.ts";
import {
  type DateInput,
  FIRST_SUPPORTED_DATE,
  FIRST_SUPPORTED_DAY,
  instantMs,
  isoOf,
  LAST_SUPPORTED_DATE,
  LAST_SUPPORTED_DAY,
  parseDay,
  parseDayUnchecked,
  weekdayOf,
} from "./_date.ts";
import { type RuleCalendar, ruleCalendar } from "./_rule_calendar.ts";
import { lseEarlyCloses, lseHolidays } from "./lse.ts";
import { xetraEarlyCloses, xetraHolidays } from "./xetra.ts";
import { US_FEDERAL_HOURS, usFederalEarlyCloses, usFederalHolidays } from "./us_federal.ts";
import {
  holidayName as nyseHolidayName,
  isEarlyClose as nyseIsEarlyClose,
  isTradingDay,
  type SessionBounds,
  sessionBounds as nyseSessionBounds,
  sessionDateOf as nyseSessionDateOf,
  tradingDays,
} from "./calendar.ts";
import { nyDayNumber, nyWallToMs } from "./new_york.ts";

/** Names of the calendars {@link getCalendar} knows. */
export const CALENDAR_NAMES = [
  "nyse",
  "fx",
  "crypto",
  "weekdays",
  "lse",
  "xetra",
  "us_federal",
  "none",
] as const;
/** A calendar name. */
export type CalendarName = typeof CALENDAR_NAMES[number];

/** A trading calendar (module doc). Dates are ISO "YYYY-MM-DD"; instants Date or epoch ms. */
export interface TradingCalendar {
  readonly name: CalendarName;
  /** IANA time zone of the session times. */
  readonly timeZone: string;
  /** Currency of instruments on this calendar (ISO 4217), or null when it depends on the instrument. */
  readonly currency: string | null;
  /**
   * Sessions in a typical year, the annualisation factor for per-session returns
   * (nyse/lse/xetra 252, us_federal 251, fx/weekdays 260, crypto/none 365).
   */
  readonly sessionsPerYear: number;
  /** First and last date the calendar answers for (ISO). */
  readonly firstDate: string;
  readonly lastDate: string;
  /** Whether a daily bar may carry this date. RangeError outside firstDate..lastDate. */
  isSession(date: DateInput): boolean;
  /** Open and close of the session on a date as UTC instants, or null when there is none. */
  sessionBounds(date: DateInput): SessionBounds | null;
  /** Session date an instant belongs to (open <= t < close), or null outside every session. */
  sessionDateOf(instant: Date | number): string | null;
  /** Session dates from start to end, both inclusive, ascending. */
  sessions(start: DateInput, end: DateInput): string[];
  /** Name of the holiday or closure on a date, or null (exchange calendars only). */
  holidayName?(date: DateInput): string | null;
  /** Whether a session closes before the regular close (exchange calendars only). */
  isEarlyClose?(date: DateInput): boolean;
}

const FX_ROLL_MINUTES = 17 * 60;

/** Day number of an instant's date, checked against the supported range. */
function checkedDay(ms: number, d: number): number {
  if (d < FIRST_SUPPORTED_DAY || d > LAST_SUPPORTED_DAY) {
    throw new RangeError(
      `Instant ${new Date(ms).toISOString()} is outside the supported calendar range ` +
        `${FIRST_SUPPORTED_DATE}..${LAST_SUPPORTED_DATE}`,
    );
  }
  return d;
}

/** Session dates start..end (inclusive) of a day predicate, parsing each bound once. */
function daysWhere(start: DateInput, end: DateInput, keep: (d: number) => boolean): string[] {
  const a = parseDay(start, "start date");
  const b = parseDay(end, "end date");
  const out: string[] = [];
  for (let d = a; d <= b; d++) if (keep(d)) out.push(isoOf(d));
  return out;
}

/**
 * A calendar of whole UTC days. `firstDate` defaults to the exchange calendars' first date;
 * `none` (no sessions, no zone) reaches back to 1000-01-01: yearly and monthly scientific or
 * economic series (sunspots from 1700, lake levels from 1875) have no reason to stop at 1926.
 */
function utcDayCalendar(
  name: "crypto" | "weekdays" | "none",
  sessionsPerYear: number,
  isSessionDay: (day: number) => boolean,
  firstDate: string = FIRST_SUPPORTED_DATE,
): TradingCalendar {
  const firstDay = parseDayUnchecked(firstDate);
  const outside = (what: string, d: number) =>
    new RangeError(
      `${what} ${
        isoOf(d)
      } is outside the ${name} calendar range ${firstDate}..${LAST_SUPPORTED_DATE}`,
    );
  const day = (date: DateInput, what = "date") => {
    const d = parseDayUnchecked(date, what);
    if (d < firstDay || d > LAST_SUPPORTED_DAY) throw outside(what, d);
    return d;
  };
  const isSession = (date: DateInput) => isSessionDay(day(date));
  return {
    name,
    timeZone: "UTC",
    currency: null,
    sessionsPerYear,
    firstDate,
    lastDate: LAST_SUPPORTED_DATE,
    isSession,
    sessionBounds(date) {
      const d = day(date);
      if (!isSessionDay(d)) return null;
      return { open: new Date(d * MS_PER_DAY), close: new Date((d + 1) * MS_PER_DAY) };
    },
    sessionDateOf(instant) {
      const ms = instantMs(instant);
      const d = Math.floor(ms / MS_PER_DAY);
      if (d < firstDay || d > LAST_SUPPORTED_DAY) {
        throw new RangeError(
          `Instant ${
            new Date(ms).toISOString()
          } is outside the ${name} calendar range ${firstDate}..${LAST_SUPPORTED_DATE}`,
        );
      }
      return isSessionDay(d) ? isoOf(d) : null;
    },
    sessions(start, end) {
      const a = day(start, "start date");
      const b = day(end, "end date");
      const out: string[] = [];
      for (let d = a; d <= b; d++) if (isSessionDay(d)) out.push(isoOf(d));
      return out;
    },
  };
}

const isWeekday = (d: number) => weekdayOf(d) !== 0 && weekdayOf(d) !== 6;

/** A calendar from yearly rules (lse, xetra: 252 sessions a year; us_federal: 251, its 1971-2020 mean). */
function exchangeCalendar(
  name: "lse" | "xetra" | "us_federal",
  timeZone: string,
  currency: string,
  hours: readonly [number, number],
  rules: {
    holidays: (year: number) => Map<number, string>;
    earlyCloses: (year: number) => [number, number][];
  },
  sessionsPerYear = 252,
): TradingCalendar {
  const cal: RuleCalendar = ruleCalendar({ timeZone, hours, ...rules });
  return {
    name,
    timeZone,
    currency,
    sessionsPerYear,
    firstDate: FIRST_SUPPORTED_DATE,
    lastDate: LAST_SUPPORTED_DATE,
    isSession: cal.isSession,
    sessionBounds: cal.sessionBounds,
    sessionDateOf: cal.sessionDateOf,
    sessions: cal.sessions,
    holidayName: cal.holidayName,
    isEarlyClose: cal.isEarlyClose,
  };
}

const CALENDARS: Record<CalendarName, TradingCalendar> = {
  nyse: {
    name: "nyse",
    timeZone: "America/New_York",
    currency: "USD",
    sessionsPerYear: 252,
    firstDate: "1926-01-01",
    lastDate: "2100-12-31",
    isSession: isTradingDay,
    sessionBounds: nyseSessionBounds,
    sessionDateOf: nyseSessionDateOf,
    sessions: tradingDays,
    holidayName: nyseHolidayName,
    isEarlyClose: nyseIsEarlyClose,
  },
  fx: {
    name: "fx",
    timeZone: "America/New_York",
    currency: null,
    sessionsPerYear: 260,
    firstDate: "1926-01-01",
    lastDate: "2100-12-31",
    isSession: (date) => isWeekday(parseDay(date)),
    sessionBounds(date) {
      const d = parseDay(date);
      if (!isWeekday(d)) return null;
      return {
        open: new Date(nyWallToMs(d - 1, FX_ROLL_MINUTES)),
        close: new Date(nyWallToMs(d, FX_ROLL_MINUTES)),
      };
    },
    sessionDateOf(instant) {
      const ms = instantMs(instant);
      // The session of date D starts at D-1 17:00 New York: from 17:00 on, an instant belongs
      // to the next day's session.
      let d = checkedDay(ms, nyDayNumber(ms));
      if (ms >= nyWallToMs(d, FX_ROLL_MINUTES)) d += 1;
      return isWeekday(d) && d <= LAST_SUPPORTED_DAY ? isoOf(d) : null;
    },
    sessions: (start, end) => daysWhere(start, end, isWeekday),
  },
  lse: exchangeCalendar("lse", "Europe/London", "GBP", [8 * 60, 16 * 60 + 30], {
    holidays: lseHolidays,
    earlyCloses: lseEarlyCloses,
  }),
  xetra: exchangeCalendar("xetra", "Europe/Berlin", "EUR", [9 * 60, 17 * 60 + 30], {
    holidays: xetraHolidays,
    earlyCloses: xetraEarlyCloses,
  }),
  us_federal: exchangeCalendar("us_federal", "America/New_York", "USD", US_FEDERAL_HOURS, {
    holidays: usFederalHolidays,
    earlyCloses: usFederalEarlyCloses,
  }, 251),
  crypto: utcDayCalendar("crypto", 365, () => true),
  weekdays: utcDayCalendar("weekdays", 260, isWeekday),
  none: utcDayCalendar("none", 365, () => true, "1000-01-01"),
};

/**
 * The calendar of a name (case-insensitive); RangeError naming the known ones otherwise.
 * @example getCalendar("nyse").isSession("2024-07-04") // false
 */
export function getCalendar(name: string): TradingCalendar {
  const key = name.toLowerCase() as CalendarName;
  const cal = (CALENDAR_NAMES as readonly string[]).includes(key) ? CALENDARS[key] : undefined;
  if (!cal) {
    throw new RangeError(
      `Unknown calendar "${name}": expected one of ${CALENDAR_NAMES.join(", ")}`,
    );
  }
  return cal;
}
