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
