/**
 * Dataset specifications and the lake layout.
 *
 * Layout: `<root>/<zone>/<source>/<dataset>/<partition>/part-<sha8>.parquet` with Hive partitions
 * `date=YYYY-MM-DD` (intraday data; the New York calendar date of the event time) or `year=YYYY`
 * (daily and slower data), or no partition directory. Bookkeeping lives beside the zones, under
 * `<root>/_meta/` (manifests, journals, locks), never inside a dataset's tree. The manifest is the
 * only truth about which files a dataset holds: the workbench's readers take its committed list
 * (`committedFiles`, `readDataset`), never a directory listing, so a stray file in a partition is
 * not read; another engine should read an exported file list rather than glob the folders.
 */
import { join } from "node:path";
import { loadConfig } from "../config/config.ts";
import { localRootOf } from "./store/location.ts";
import type { Units } from "./units.ts";

/** Lake zones: vendor payloads as received, validated and PIT-stamped tables, reference data. */
export type Zone = "raw" | "curated" | "reference";

/**
 * Column types of a dataset schema. `ts_ms`: Datetime in milliseconds, UTC. `date`: calendar
 * date. `i64` keeps nanosecond vendor stamps exact (write them from a BigInt64Array).
 */
export type ColumnType = "f64" | "f32" | "i64" | "i32" | "str" | "bool" | "date" | "ts_ms";

/**
 * Parquet compression codec of data files. `lz4` is Parquet's LZ4_RAW (fastest to write, larger
 * files); every codec here is read by DuckDB and Polars. `zstd` is written at level 1: on bar
 * data it writes about 1.5x faster than Polars' default level 3 for files within 0.2% of the size
 * (one session of second bars: 5.5 vs 8.2 ms, 113.8 vs 113.5 kB).
 */
export type Codec = "zstd" | "lz4" | "snappy" | "uncompressed";

/** The zstd level data files are written at (see {@link Codec}). */
export const ZSTD_LEVEL = 1;

/**
 * What a dataset's rows mean, declared by its producer and recorded in the manifest, so that
 * everything downstream (sessions, `known_at`, annualisation, labels in reports) takes it from
 * the dataset rather than assuming US equities.
 */
export interface DatasetMeta {
  /** `bars` (OHLCV, any subset of the price fields may be null), `series` (one value per time), `table` (anything else). */
  kind: "bars" | "series" | "table";
  /** Trading calendar name (lib/time `getCalendar`): nyse, fx, crypto, weekdays, lse, xetra, none. */
  calendar: string;
  /** ISO 4217 currency of prices/values, or null (unitless series, mixed). */
  currency: string | null;
  /** Bar/observation frequency: `session`, `day`, `week`, `month`, `quarter`, `year`, or an interval like `30m`, `1s`, `1h`. */
  frequency: string;
  /**
   * Units of the values (lib/lake/units.ts): price, index, percent, bp, rate, ratio, count, other.
   * @default absent: bars and series with a currency are prices, others unknown (`resolveUnits`)
   */
  units?: Units;
  /**
   * How the stored values were derived from the producer's (ingest-file `--from-returns`):
   * `from_returns:simple:base=100` or `from_returns:log:base=100` (index levels cumulated from
   * returns per symbol, lib/ingest/user_file_returns.ts). @default absent: stored as read
   */
  transform?: string;
}

/** What a dataset is and how it is stored. */
export interface DatasetSpec {
  /** Meaning of the rows (calendar, currency, frequency), recorded in the manifest. @default none (readers infer from the source) */
  meta?: DatasetMeta;
  zone: Zone;
  /** Producer: vendor (`polygon`, `fred`), `sim`, `user`, `workbench`. */
  source: string;
  /** Dataset name in snake_case, e.g. `stock_bars_minute`. */
  dataset: string;
  /** Hive partitioning. @default "none" */
  partitioning?: "date" | "year" | "none";
  /** Event-time column (`ts_ms` typed, e.g. `ts`, or `date` typed, e.g. `date`). */
  timeColumn: string;
  /** Columns that identify a row; a later write of the same key replaces the earlier row. */
  naturalKey: string[];
  /** Declared columns (lineage columns are added by the writer and need not be listed). */
  schema: Record<string, ColumnType>;
  /** Accept a change of a column's type (the new type is recorded). @default false */
  allowTypeChange?: boolean;
  /** Accept writes that lack a recorded column (it is written as null). @default false */
  allowDropColumn?: boolean;
  /** Compression of new data files (recorded per file in the manifest). @default "zstd" */
  codec?: Codec;
}

/** Lineage columns added to every row by the writer. */
export const LINEAGE_COLUMNS = ["ingested_at", "source_uri", "transform_id"] as const;
/** The point-in-time column every curated row carries. */
export const KNOWN_AT = "known_at";

const NAME = /^[a-z][a-z0-9_]*$/;

/** Lake root from options, else `WORKBENCH_DATA`, else `./data/lake`. */
export function lakeRoot(root?: string): string {
  if (root) return root;
  try {
    const env = Deno.env.get("WORKBENCH_DATA");
    if (env) return env;
  } catch { /* no env permission */ }
  return loadConfig({ env: {}, envFile: ".env" }).lakeRoot;
}

/** Throw a clear error when a spec is malformed. */
export function validateSpec(spec: DatasetSpec): void {
  for (const [what, v] of [["source", spec.source], ["dataset", spec.dataset]] as const) {
    if (!NAME.test(v)) {
      throw new TypeError(`Invalid dataset spec: ${what} "${v}" must match ${NAME} (snake_case)`);
    }
  }
  if (!["raw", "curated", "reference"].includes(spec.zone)) {
    throw new TypeError(
      `Invalid dataset spec ${spec.dataset}: zone "${spec.zone}" is not raw, curated or reference`,
    );
  }
  if (!(spec.timeColumn in spec.schema)) {
    throw new TypeError(
      `Invalid dataset spec ${spec.dataset}: time column "${spec.timeColumn}" is not in the schema`,
    );
  }
  const tt = spec.schema[spec.timeColumn];
  if (tt !== "ts_ms" && tt !== "date") {
    throw new TypeError(
      `Invalid dataset spec ${spec.dataset}: time column "${spec.timeColumn}" must be ts_ms or date, not ${tt}`,
    );
  }
  if (spec.naturalKey.length === 0) {
    throw new TypeError(`Invalid dataset spec ${spec.dataset}: natural key is empty`);
  }
  for (const k of spec.naturalKey) {
    if (!(k in spec.schema)) {
      throw new TypeError(
        `Invalid dataset spec ${spec.dataset}: natural key column "${k}" is not in the schema`,
      );
    }
  }
  const p = partitionKey(spec);
  if (p && p in spec.schema) {
    throw new TypeError(
      `Invalid dataset spec ${spec.dataset}: column "${p}" clashes with the Hive partition key`,
    );
  }
  if (spec.zone === "curated" && !(KNOWN_AT in spec.schema)) {
    throw new TypeError(
      `Invalid dataset spec ${spec.dataset}: curated datasets need a "${KNOWN_AT}" column (ts_ms)`,
    );
  }
}

/** The Hive partition key name, or null. */
export function partitionKey(spec: DatasetSpec): string | null {
  const p = spec.partitioning ?? "none";
  return p === "none" ? null : p;
}

/**
 * The local folder of a lake: its root, or for an `s3://` lake the local mirror that caches its
 * data files (see `store/location.ts`).
 */
export function localRoot(root?: string): string {
  return localRootOf(lakeRoot(root));
}

/** Directory of a dataset's data files (in the local mirror for an `s3://` lake). */
export function datasetDir(
  spec: Pick<DatasetSpec, "zone" | "source" | "dataset">,
  root?: string,
): string {
  return join(localRoot(root), spec.zone, spec.source, spec.dataset);
}

/** Directory of a dataset's bookkeeping (manifest, journal, lock). */
export function metaDir(
  spec: Pick<DatasetSpec, "zone" | "source" | "dataset">,
  root?: string,
): string {
  return join(localRoot(root), "_meta", spec.zone, spec.source, spec.dataset);
}
