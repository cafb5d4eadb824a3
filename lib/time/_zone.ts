/**
 * Private: fast UTC-offset tables for an IANA time zone over the table years (1925-2101).
 *
 * The offsets come from luxon (IANA tz data via Intl, with each zone's history: US War Time,
 * British Double Summer Time 1941-1947 and British Standard Time 1968-1971, German summer time
 * 1940-1949 and from 1980). Transition instants are located once by a weekly scan plus bisection
 * to the minute; a per-UTC-day index then makes `offsetMinutes` O(1) (at most one transition
 * falls on a UTC day: transitions are weeks apart in every zone used here).
 */
// @deno-types="@types/luxon"
import { DateTime } from "luxon";
import { MS_PER_DAY, MS_PER_MINUTE } from "../core/constants.ts";
import { TABLE_FIRST_YEAR, TABLE_LAST_YEAR } from "./_date.ts";

/** A time zone's offset table with O(1) look-ups (see module doc). */
export class ZoneClock {
  readonly timeZone: string;
  private starts: Float64Array | null = null;
  private offsets: Int16Array | null = null;
  private dayIndex: Int32Array | null = null;
  private firstDay = 0;
  private readonly startMs = Date.UTC(TABLE_FIRST_YEAR, 0, 1);
  private readonly endMs = Date.UTC(TABLE_LAST_YEAR + 1, 0, 1);

  constructor(timeZone: string) {
    if (!DateTime.local().setZone(timeZone).isValid) {
      throw new RangeError(`Unknown time zone "${timeZone}"`);
    }
    this.timeZone = timeZone;
  }

  private luxonOffset(ms: number): number {
    return DateTime.fromMillis(ms, { zone: this.timeZone }).offset;
  }

  private build(): void {
    const starts = [this.startMs];
    const offsets = [this.luxonOffset(this.startMs)];
    const step = 7 * MS_PER_DAY;
    for (let lo = this.startMs; lo < this.endMs; lo += step) {
      const hi = Math.min(lo + step, this.endMs);
      const offHi = this.luxonOffset(hi);
      if (offHi === offsets[offsets.length - 1]) continue;
      let a = lo, b = hi; // offset(a) = previous, offset(b) = new
      while (b - a > MS_PER_MINUTE) {
        const mid = a + Math.floor((b - a) / 2 / MS_PER_MINUTE) * MS_PER_MINUTE;
        if (this.luxonOffset(mid) === offHi) b = mid;
        else a = mid;
      }
      starts.push(b);
      offsets.push(offHi);
    }
    this.firstDay = Math.floor(this.startMs / MS_PER_DAY);
    const nDays = Math.floor(this.endMs / MS_PER_DAY) - this.firstDay;
    const dayIndex = new Int32Array(nDays);
    let k = 0;
    for (let i = 0; i < nDays; i++) {
      const dayStart = (this.firstDay + i) * MS_PER_DAY;
      while (k + 1 < starts.length && starts[k + 1]! <= dayStart) k++;
      dayIndex[i] = k;
    }
    this.starts = Float64Array.from(starts);
    this.offsets = Int16Array.from(offsets);
    this.dayIndex = dayIndex;
  }

  /** UTC offset in minutes at an instant (epoch ms, already validated as finite). */
  offsetMinutes(ms: number): number {
    if (this.dayIndex === null) this.build();
    if (ms < this.startMs || ms >= this.endMs) {
      throw new RangeError(
        `Instant ${new Date(ms).toISOString()} is outside the ${this.timeZone} offset table ` +
          `${TABLE_FIRST_YEAR}-01-01..${TABLE_LAST_YEAR}-12-31`,
      );
    }
    const starts = this.starts!;
    let i = this.dayIndex![Math.floor(ms / MS_PER_DAY) - this.firstDay]!;
    if (i + 1 < starts.length && starts[i + 1]! <= ms) i++;
    return this.offsets![i]!;
  }

  /** Local calendar day number (days since 1970-01-01) of an instant. */
  dayNumber(ms: number): number {
    return Math.floor((ms + this.offsetMinutes(ms) * MS_PER_MINUTE) / MS_PER_DAY);
  }

  /**
   * Epoch ms of a local wall-clock time on a day number. A time inside a spring-forward gap is
   * resolved with the pre-transition offset; session times used here are never in a gap.
   */
  wallToMs(dayNum: number, minutesOfDay: number): number {
    const local = dayNum * MS_PER_DAY + minutesOfDay * MS_PER_MINUTE;
    // First guess with the offset at the local instant read as UTC, then confirmed.
    const guess = local - this.offsetMinutes(local) * MS_PER_MINUTE;
    return local - this.offsetMinutes(guess) * MS_PER_MINUTE;
  }
}
