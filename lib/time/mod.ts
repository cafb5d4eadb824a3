/**
 * Exchange calendar (NYSE/Nasdaq sessions, holidays, early closes), New York time conversions
 * and the spot FX week. Dates are ISO strings "YYYY-MM-DD"; instants are Date or epoch ms.
 */
export * from "./calendar.ts";
export * from "./fx.ts";
export { NEW_YORK_TZ, nyDate, nyOffsetMinutes } from "./new_york.ts";
export { easterSunday } from "./holidays.ts";
export * from "./trading_calendar.ts";
