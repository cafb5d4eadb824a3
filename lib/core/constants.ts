/**
 * Named constants for annualisation and time units. Import these; never scatter literals such
 * as 252 through the code.
 */

/** Trading sessions per year used to annualise daily statistics (NYSE convention). */
export const TRADING_DAYS_PER_YEAR = 252;
/** Calendar days per year used for option time to expiry (ACT/365 fixed). */
export const CALENDAR_DAYS_PER_YEAR = 365;
/** Minutes in a regular NYSE session (09:30-16:00 ET). */
export const MINUTES_PER_SESSION = 390;
/** Milliseconds per day. */
export const MS_PER_DAY = 86_400_000;
/** Milliseconds per minute. */
export const MS_PER_MINUTE = 60_000;
/** Nanoseconds per millisecond, as a bigint for exact vendor timestamps. */
export const NS_PER_MS = 1_000_000n;
/** Seconds per (ACT/365) year, for converting instants to year fractions. */
export const SECONDS_PER_YEAR = CALENDAR_DAYS_PER_YEAR * 86_400;
/** Weeks per year used to annualise weekly statistics. */
export const WEEKS_PER_YEAR = 52;
/** Months per year used to annualise monthly statistics. */
export const MONTHS_PER_YEAR = 12;
/** Quarters per year used to annualise quarterly statistics. */
export const QUARTERS_PER_YEAR = 4;
/** Sessions per year of a Monday-Friday calendar (FX 24x5, `weekdays`): 52 weeks x 5. */
export const WEEKDAY_SESSIONS_PER_YEAR = 260;
/** Milliseconds per hour. */
export const MS_PER_HOUR = 3_600_000;
/** Milliseconds per second. */
export const MS_PER_SECOND = 1_000;
