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
