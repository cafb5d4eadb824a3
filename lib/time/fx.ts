/**
 * Spot FX trading week: open from Sunday 17:00 to Friday 17:00 New York time (the conventional
 * 5 pm New York roll), continuously in between. DST-correct: the week opens at 21:00Z or 22:00Z
 * depending on the season. Holidays (e.g. Christmas, New Year's Day thin markets) are not
 * modelled: the interbank market stays open on US holidays.
 */
import { MS_PER_DAY, MS_PER_MINUTE } from "../core/constants.ts";
import { type DateInput, instantMs, parseDay, weekdayOf } from "./_date.ts";
import { nyOffsetMinutes, nyWallToMs } from "./new_york.ts";

const FX_ROLL_MINUTES = 17 * 60;

/**
 * Whether the spot FX market is open at an instant (Sunday 17:00 <= t < Friday 17:00 New York).
 * @example isFxOpen(new Date("2024-03-10T21:00:00Z")) // true (17:00 EDT Sunday)
 */
export function isFxOpen(instant: Date | number): boolean {
  const ms = instantMs(instant);
  const localMs = ms + nyOffsetMinutes(ms) * MS_PER_MINUTE;
  const day = Math.floor(localMs / MS_PER_DAY);
  const minutes = (localMs - day * MS_PER_DAY) / MS_PER_MINUTE;
  const wd = weekdayOf(day);
  if (wd >= 1 && wd <= 4) return true;
  if (wd === 0) return minutes >= FX_ROLL_MINUTES;
  if (wd === 5) return minutes < FX_ROLL_MINUTES;
  return false;
}

/**
 * The FX week that opens on the Sunday on or before `date`: Sunday 17:00 to the following
 * Friday 17:00 New York time, as UTC instants (`close` exclusive). A Saturday therefore maps to
 * the week that closed the day before.
 * @example fxWeekBounds("2024-03-13").open.toISOString() // "2024-03-10T21:00:00.000Z"
 */
export function fxWeekBounds(date: DateInput): { open: Date; close: Date } {
  const d = parseDay(date);
  const sunday = d - weekdayOf(d);
  return {
    open: new Date(nyWallToMs(sunday, FX_ROLL_MINUTES)),
    close: new Date(nyWallToMs(sunday + 5, FX_ROLL_MINUTES)),
  };
}
