/** Partition values from event-time columns, without per-row allocation of Date objects. */
import pl from "nodejs-polars";
import type { DatasetSpec } from "./spec.ts";
import { partitionKey } from "./spec.ts";
import { MS_PER_DAY } from "../core/constants.ts";

const fmt = new Intl.DateTimeFormat("en-CA", {
  timeZone: "America/New_York",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
const hourCache = new Map<number, string>();

/** New York calendar date ("YYYY-MM-DD") of an epoch-ms instant (cached per UTC hour). */
export function nyDateOfMs(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  let d = hourCache.get(h);
  if (d === undefined) {
    d = fmt.format(new Date(h * 3_600_000));
    if (hourCache.size > 500_000) hourCache.clear();
    hourCache.set(h, d);
  }
  return d;
}

/** UTC date string of days since the epoch. */
export function dateOfDays(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

const dayCache = new Map<number, number>();

/** New York calendar day number (days since 1970-01-01) of an epoch-ms instant. */
export function nyDayOfMs(ms: number): number {
  const h = Math.floor(ms / 3_600_000);
  let d = dayCache.get(h);
  if (d === undefined) {
    d = Date.parse(nyDateOfMs(ms)) / MS_PER_DAY;
    if (dayCache.size > 500_000) dayCache.clear();
    dayCache.set(h, d);
  }
  return d;
}

/**
 * Partition day numbers of every row as an Int32Array (days since the epoch: the New York date
 * of an instant, or the date itself), or null for an unpartitioned dataset. Typed-array loop,
 * no strings per row.
 */
export function partitionDays(spec: DatasetSpec, df: pl.DataFrame): Int32Array | null {
  const key = partitionKey(spec);
  if (!key) return null;
  const col = df.getColumn(spec.timeColumn);
  const isDate = spec.schema[spec.timeColumn] === "date";
  const nulls = col.nullCount();
  if (nulls > 0) {
    throw new TypeError(
      `Cannot partition ${spec.dataset}: ${nulls} null values in ${spec.timeColumn}`,
    );
  }
  const raw = col.cast(isDate ? pl.Int32 : pl.Float64).toTypedArray() as Int32Array | Float64Array;
  return partitionDaysOf(isDate, raw);
}

/**
 * Partition day numbers of event times already in a typed array: epoch ms (the New York date of
 * each instant) or, when `isDate`, days since the epoch (returned as they are).
 */
export function partitionDaysOf(isDate: boolean, times: Int32Array | Float64Array): Int32Array {
  if (isDate) return Int32Array.from(times);
  const out = new Int32Array(times.length);
  // Consecutive instants of a batch mostly share their UTC hour: skip the cache lookup then.
  let hour = NaN, day = 0;
  for (let i = 0; i < times.length; i++) {
    const ms = times[i]!;
    const h = Math.floor(ms / 3_600_000);
    if (h !== hour) {
      hour = h;
      day = nyDayOfMs(ms);
    }
    out[i] = day;
  }
  return out;
}

/** Partition directory name of a day number. */
export function partitionName(spec: DatasetSpec, day: number): string {
  const d = dateOfDays(day);
  return partitionKey(spec) === "year" ? `year=${d.slice(0, 4)}` : `date=${d}`;
}

/**
 * The partition directory name of every row (`date=YYYY-MM-DD`, `year=YYYY`), or null for an
 * unpartitioned dataset. Intraday instants use their New York date.
 */
export function partitionValues(spec: DatasetSpec, df: pl.DataFrame): string[] | null {
  const key = partitionKey(spec);
  if (!key) return null;
  const col = df.getColumn(spec.timeColumn);
  const isDate = spec.schema[spec.timeColumn] === "date";
  const raw = col.cast(isDate ? pl.Int32 : pl.Int64).toArray() as (number | null)[];
  const out = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v === null || v === undefined) {
      throw new TypeError(`Cannot partition ${spec.dataset}: null ${spec.timeColumn} at row ${i}`);
    }
    const d = isDate ? dateOfDays(v) : nyDateOfMs(v);
    out[i] = key === "year" ? `year=${d.slice(0, 4)}` : `date=${d}`;
  }
  return out;
}
