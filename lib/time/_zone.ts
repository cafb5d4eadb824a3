/**
 * Private: fast UTC-offset tables for an IANA time zone over the table years (1925-2101).
 *
 * The offsets come from luxon (IANA tz data via Intl, with each zone's history: US War Time,
 * British Double Summer Time 1941-1947 and British Standard Time 1968-1971, German summer time
 * 1940-1949 and from 1980). Transition instants are located lazily, one year at a time when
 * an instant of that year is first asked for (a 27-day scan plus bisection to the minute), and
 * stored per UTC day, so `offsetMinutes` is O(1): at most one transition falls on a UTC day
 * (transitions are weeks apart in every zone used here).
 */
// @deno-types="@types/luxon"
import { DateTime, IANAZone } from "luxon";
import { MS_PER_DAY, MS_PER_MINUTE } from "../core/constants.ts";
import { TABLE_FIRST_YEAR, TABLE_LAST_YEAR } from "./_date.ts";

/** A time zone's offset table with O(1) look-ups (see module doc), built a year at a time. */
export class ZoneClock {
  readonly timeZone: string;
  private readonly zone: IANAZone;
  private readonly firstDay = Math.floor(Date.UTC(TABLE_FIRST_YEAR, 0, 1) / MS_PER_DAY);
  private readonly endDay = Math.floor(Date.UTC(TABLE_LAST_YEAR + 1, 0, 1) / MS_PER_DAY);
  /** Per UTC day (firstDay + i): offset at 00:00Z. */
  private readonly offStart: Int16Array;
  /** Per UTC day: instant of a transition within the day (NaN if none) and the offset after. */
  private readonly transMs: Float64Array;
  private readonly offAfter: Int16Array;
  /** Per table year: 1 once its days are filled; per UTC day: its year - TABLE_FIRST_YEAR. */
  private readonly built: Uint8Array;
  private readonly dayYear: Uint8Array;

  constructor(timeZone: string) {
    if (!DateTime.local().setZone(timeZone).isValid) {
      throw new RangeError(`Unknown time zone "${timeZone}"`);
    }
    this.timeZone = timeZone;
    this.zone = IANAZone.create(timeZone);
    const n = this.endDay - this.firstDay;
    this.offStart = new Int16Array(n);
    this.transMs = new Float64Array(n).fill(NaN);
    this.offAfter = new Int16Array(n);
    this.built = new Uint8Array(TABLE_LAST_YEAR - TABLE_FIRST_YEAR + 1);
    this.dayYear = new Uint8Array(n);
    for (let y = TABLE_FIRST_YEAR; y <= TABLE_LAST_YEAR; y++) {
      const a = Math.floor(Date.UTC(y, 0, 1) / MS_PER_DAY) - this.firstDay;
      const b = Math.floor(Date.UTC(y + 1, 0, 1) / MS_PER_DAY) - this.firstDay;
      this.dayYear.fill(y - TABLE_FIRST_YEAR, a, b);
    }
  }

  /** luxon's offset of the zone at an instant (IANA data via Intl), in minutes. */
  private luxonOffset(ms: number): number {
    return this.zone.offset(ms);
  }

  /** Locates the transitions of one calendar year (UTC) and fills its days. */
  private buildYear(year: number): void {
    const startMs = Date.UTC(year, 0, 1);
    const endMs = Date.UTC(year + 1, 0, 1);
    const starts: number[] = [startMs];
    const offsets: number[] = [this.luxonOffset(startMs)];
    // Transitions of these zones are at least 28 days apart (the closest pair: London,
    // 1947-03-16 and 1947-04-13), so a 27-day window holds at most one and comparing its ends
    // finds it. The tests compare every UTC midnight and noon with luxon.
    const step = 27 * MS_PER_DAY;
    for (let lo = startMs; lo < endMs; lo += step) {
      const hi = Math.min(lo + step, endMs);
      const offHi = this.luxonOffset(hi);
      if (offHi === offsets[offsets.length - 1]) continue;
      if (hi === endMs) break; // a change at the next year's first instant belongs to it
      let a = lo, b = hi; // offset(a) = previous, offset(b) = new
      while (b - a > MS_PER_MINUTE) {
        const mid = a + Math.floor((b - a) / 2 / MS_PER_MINUTE) * MS_PER_MINUTE;
        if (this.luxonOffset(mid) === offHi) b = mid;
        else a = mid;
      }
      starts.push(b);
      offsets.push(offHi);
    }
    let k = 0;
    const d0 = Math.floor(startMs / MS_PER_DAY), d1 = Math.floor(endMs / MS_PER_DAY);
    for (let d = d0; d < d1; d++) {
      const i = d - this.firstDay;
      const dayStart = d * MS_PER_DAY;
      while (k + 1 < starts.length && starts[k + 1]! <= dayStart) k++;
      this.offStart[i] = offsets[k]!;
      if (k + 1 < starts.length && starts[k + 1]! < dayStart + MS_PER_DAY) {
        this.transMs[i] = starts[k + 1]!;
        this.offAfter[i] = offsets[k + 1]!;
      }
    }
    this.built[year - TABLE_FIRST_YEAR] = 1;
  }

  /** UTC offset in minutes at an instant (epoch ms, already validated as finite). */
  offsetMinutes(ms: number): number {
    const i = Math.floor(ms / MS_PER_DAY) - this.firstDay;
    if (i < 0 || i >= this.offStart.length) {
      throw new RangeError(
        `Instant ${new Date(ms).toISOString()} is outside the ${this.timeZone} offset table ` +
          `${TABLE_FIRST_YEAR}-01-01..${TABLE_LAST_YEAR}-12-31`,
      );
    }
    const y = this.dayYear[i]!;
    if (this.built[y] !== 1) this.buildYear(TABLE_FIRST_YEAR + y);
    const t = this.transMs[i]!;
    return ms >= t ? this.offAfter[i]! : this.offStart[i]!;
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
