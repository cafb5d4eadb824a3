/**
 * Trading calendars for 1926-01-01..2100-12-31: the NYSE calendar with its history (sessions,
 * holidays, early closes, Saturday sessions before 1952), the named calendars a dataset can
 * declare (`getCalendar`: nyse, fx, crypto, weekdays, lse, xetra, us_federal, none), New York time
 * conversions, the spot FX week, and the week/month/quarter/year holding a date (first and last
 * day, last session on a calendar). Dates are ISO strings "YYYY-MM-DD"; instants are Date or
 * epoch ms.
 */
export * from "./calendar.ts";
export * from "./fx.ts";
export { NEW_YORK_TZ, nyDate, nyOffsetMinutes } from "./new_york.ts";
export { easterSunday } from "./holidays.ts";
export { MONTH_NAMES } from "./_date.ts";
export {
  lastSessionIn,
  nextPeriod,
  PERIOD_FREQS,
  type PeriodFreq,
  periodLastDate,
  periodLastSession,
  periodStart,
} from "./periods.ts";
export * from "./trading_calendar.ts";
export { usFederalHolidays } from "./us_federal.ts";
