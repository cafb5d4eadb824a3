/**
 * Versioned (bitemporal) datasets: a dataset whose natural key holds `known_at` besides its time
 * column keeps every version of a row (user datasets: (symbol, date|ts, known_at)); a value
 * corrected later is a new row with a later `known_at`, the old one stays. One thing is named by
 * the key without `known_at` (the entity key); its versions differ by `known_at`.
 *
 * Readers that want one row per thing (a frame, a panel) keep, after the `asOf` filter, the
 * version with the greatest `known_at` of each entity key: {@link latestVersions}. Datasets
 * whose key does not hold `known_at` (vendor data, user datasets written before versions) are
 * returned as they are.
 *
 * @example
 * ```ts ignore
 * const df = latestVersions(await readDataset(spec, { asOf }), spec);
 * ```
 */
import pl from "nodejs-polars";
import { KNOWN_AT } from "./spec.ts";

/** The part of a spec that says whether it is versioned. */
export interface VersionedKeySpec {
  timeColumn: string;
  naturalKey: readonly string[];
}

/**
 * The entity key (natural key without `known_at`) of a versioned dataset, or null when its key
 * does not hold `known_at` beyond its time column (one row per key: nothing to pick).
 */
export function entityKey(spec: VersionedKeySpec): string[] | null {
  if (spec.timeColumn === KNOWN_AT || !spec.naturalKey.includes(KNOWN_AT)) return null;
  return spec.naturalKey.filter((k) => k !== KNOWN_AT);
}

/**
 * Per entity key, the row with the greatest `known_at` (the latest version; after an `asOf`
 * filter, the version known then). Row order otherwise kept (the rows kept are in the order they
 * came). The frame as it is for a dataset that is not versioned or lacks a key column.
 */
export function latestVersions(df: pl.DataFrame, spec: VersionedKeySpec): pl.DataFrame {
  const ent = entityKey(spec);
  if (ent === null || df.height < 2) return df;
  if (![...ent, KNOWN_AT].every((c) => df.columns.includes(c))) return df;
  const idx = "__row";
  const ranked = df.withRowIndex(idx);
  // Each entity's latest version (the last after sorting by known_at), then in original order.
  const keep = ranked.sort([...ent, KNOWN_AT, idx]).unique({
    subset: ent,
    keep: "last",
    maintainOrder: true,
  });
  return keep.height === df.height ? df : keep.sort(idx).drop(idx);
}
