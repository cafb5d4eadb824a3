/**
 * Reading the lake: a Polars DataFrame of a dataset, pruned by partition, filtered by event time,
 * and optionally as of a known-at instant (point in time: no row whose `known_at` is later).
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { acquireLock } from "./lock.ts";
import { foldManifest, type ManifestState, readManifest } from "./manifest.ts";
import { datasetDir, type DatasetSpec, KNOWN_AT, lakeRoot, metaDir, partitionKey } from "./spec.ts";
import { listDir } from "../core/fs.ts";
import { alignTypes } from "./_types.ts";
import { nyDateOfMs } from "./_partition.ts";
import { recoverDataset } from "./writer.ts";

/** Options for {@link readDataset}. */
export interface ReadOptions {
  /** Only rows with `known_at <= asOf` (point in time). */
  asOf?: Date;
  /** Event time lower bound, inclusive. */
  start?: Date;
  /** Event time upper bound, exclusive. */
  end?: Date;
  /** Columns to return. @default all */
  columns?: string[];
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Drop lineage columns from the result. @default false */
  dropLineage?: boolean;
}

/** Partition directories of a dataset that may hold rows in [start, end). */
export function partitionDirs(
  spec: DatasetSpec,
  options: Pick<ReadOptions, "start" | "end" | "root"> = {},
): string[] {
  const dir = datasetDir(spec, options.root);
  const key = partitionKey(spec);
  if (!key) return [dir];
  const lo = options.start ? nyDateOfMs(options.start.getTime() - 86_400_000) : null;
  const hi = options.end ? nyDateOfMs(options.end.getTime() + 86_400_000) : null;
  return listDir(dir)
    .filter((e) => e.isDirectory && e.name.startsWith(`${key}=`))
    .map((e) => e.name)
    .filter((name) => {
      const v = name.slice(key.length + 1);
      if (key === "year") {
        return (!lo || v >= lo.slice(0, 4)) && (!hi || v <= hi.slice(0, 4));
      }
      return (!lo || v >= lo) && (!hi || v <= hi);
    })
    .sort()
    .map((n) => join(dir, n));
}

/** Bring a dataset to a consistent state if a writer died mid-write (takes the lock briefly). */
async function ensureRecovered(spec: DatasetSpec, root?: string): Promise<void> {
  const meta = metaDir(spec, root);
  try {
    Deno.statSync(join(meta, "journal.json"));
  } catch {
    return; // nothing pending
  }
  const release = await acquireLock(meta);
  try {
    await recoverDataset(spec, root);
  } finally {
    release();
  }
}

/**
 * Read a dataset into a Polars DataFrame, sorted by event time then natural key.
 * An empty or missing dataset gives an empty frame with the spec's columns.
 *
 * @example
 * ```ts
 * const bars = await readDataset(spec, { start: new Date("2024-01-02"), asOf: new Date() });
 * ```
 */
export async function readDataset(
  spec: DatasetSpec,
  options: ReadOptions = {},
): Promise<pl.DataFrame> {
  await ensureRecovered(spec, options.root);
  const frames: pl.DataFrame[] = [];
  const schema = datasetState(spec, options.root).schema;
  for (const p of partitionDirs(spec, options)) {
    for (
      const e of listDir(p).filter((e) => e.isFile && e.name.endsWith(".parquet")).sort((a, b) =>
        a.name < b.name ? -1 : 1
      )
    ) {
      frames.push(alignTypes(pl.readParquet(join(p, e.name)), schema));
    }
  }
  if (frames.length === 0) return pl.DataFrame({});
  let df = frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "diagonal" });
  const t = spec.timeColumn;
  const isDate = spec.schema[t] === "date";
  const bound = (d: Date) =>
    isDate
      ? pl.lit(d.toISOString().slice(0, 10)).str.strptime(pl.Date, "%Y-%m-%d")
      : pl.lit(d.getTime()).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  if (options.start) df = df.filter(pl.col(t).gtEq(bound(options.start)));
  if (options.end) df = df.filter(pl.col(t).lt(bound(options.end)));
  if (options.asOf) {
    if (!df.columns.includes(KNOWN_AT)) {
      throw new TypeError(
        `Cannot read ${spec.dataset} as of ${options.asOf.toISOString()}: it has no ${KNOWN_AT} column`,
      );
    }
    df = df.filter(
      pl.col(KNOWN_AT).ltEq(
        pl.lit(options.asOf.getTime()).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      ),
    );
  }
  df = df.sort([t, ...spec.naturalKey.filter((k) => k !== t)]);
  if (options.dropLineage) df = df.drop("ingested_at", "source_uri", "transform_id");
  if (options.columns) df = df.select(...options.columns);
  return df;
}

/** The folded manifest of a dataset: files, rows, time range, watermark, schema. */
export function datasetState(
  spec: Pick<DatasetSpec, "zone" | "source" | "dataset">,
  root?: string,
): ManifestState {
  return foldManifest(readManifest(metaDir(spec, root)));
}

/**
 * A DuckDB `read_parquet(...)` expression over a dataset's files with Hive partitioning and
 * union by name (schema evolution), for use in SQL views and ad-hoc queries.
 */
export function parquetScanSql(
  spec: Pick<DatasetSpec, "zone" | "source" | "dataset">,
  root?: string,
): string {
  const glob = `${lakeRoot(root)}/${spec.zone}/${spec.source}/${spec.dataset}/**/*.parquet`
    .replaceAll("'", "''");
  return `read_parquet('${glob}', hive_partitioning = true, union_by_name = true)`;
}
