/**
 * Reading the lake: a Polars DataFrame of a dataset, pruned by partition, filtered by event time,
 * and optionally as of a known-at instant (point in time: no row whose `known_at` is later).
 *
 * What is read is the manifest's committed file list after recovery (`committedState`), never a
 * directory listing; every file is checked against its recorded sha256 before Polars decodes it
 * (`verify`, on by default; bench-lake prints the cost) and refused when it is missing, changed
 * or a symlink out of the lake, with an `IntegrityError` naming it. A torn manifest line is
 * logged with file and line and the last complete state is read.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { log } from "../core/log.ts";
import { acquireLock } from "./lock.ts";
import {
  describeManifestProblems,
  foldManifest,
  type ManifestEntry,
  type ManifestFile,
  type ManifestState,
  readManifestLog,
} from "./manifest.ts";
import { datasetDir, type DatasetSpec, metaDir, partitionKey } from "./spec.ts";
import { nyDateOfMs } from "./_partition.ts";
import { readJournal, recoverDataset } from "./writer.ts";
import { scanDataset } from "./scan.ts";
import { assertInsideLake, filePath } from "./integrity.ts";
import { localFile, localFiles, remoteOf } from "./store/files.ts";
import { datasetName } from "./store/remote.ts";

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
  /**
   * Check every file read against its sha256 in the manifest (an `IntegrityError` naming the
   * file on a mismatch). Costs one sha256 pass over the bytes read, run beside Polars' read
   * (see bench-lake for the measured cost). @default true
   */
  verify?: boolean;
  /**
   * Only rows of these instruments (the dataset's `symbol`, `ticker`, `instrument` or
   * `series_id` column; a TypeError when it has none). Pushed into the Parquet scan. @default all
   */
  symbols?: string[];
  /**
   * Read the dataset as of this manifest version (the state folded from its first `version`
   * entries, {@link stateAtVersion}) instead of the latest: later writes change nothing read.
   * Its files must still exist (pin the version with `pinSnapshot` while reading). @default latest
   */
  version?: number;
  /**
   * Decode each selected file of at most {@link SMALL_FILE_BYTES} whole into memory instead of
   * scanning it lazily. Polars' lazy scan costs ~1-2 ms of CPU per file, more than decoding a
   * small file, so a read of many small files (one session per partition) takes 2-3x less CPU;
   * filters, sort and projection still apply, but no longer limit what those files decode (a
   * larger file is always scanned with pushdown). `readDataset` and `readDatasetBatches` do
   * this when no `columns` are asked for; `scanDataset` only when asked.
   * @default false (scanDataset)
   */
  smallFilesInMemory?: boolean;
}

/**
 * Largest Parquet file (bytes, as the manifest records it) that {@link ReadOptions}
 * `smallFilesInMemory` decodes whole instead of scanning.
 */
export const SMALL_FILE_BYTES = 4 * 1024 * 1024;

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

/** Whether a partition directory name may hold rows in [start, end) (the New York date +-1 day). */
function partitionInRange(
  key: string,
  name: string,
  options: Pick<ReadOptions, "start" | "end">,
): boolean {
  if (!name.startsWith(`${key}=`)) return true;
  const lo = options.start ? nyDateOfMs(options.start.getTime() - 86_400_000) : null;
  const hi = options.end ? nyDateOfMs(options.end.getTime() + 86_400_000) : null;
  const v = name.slice(key.length + 1);
  if (key === "year") return (!lo || v >= lo.slice(0, 4)) && (!hi || v <= hi.slice(0, 4));
  return (!lo || v >= lo) && (!hi || v <= hi);
}

/**
 * Partition directories of a dataset that may hold rows in [start, end): the partitions of its
 * committed files (the manifest), never a directory listing.
 */
export function partitionDirs(
  spec: DatasetSpec,
  options: Pick<ReadOptions, "start" | "end" | "root"> = {},
): string[] {
  const dir = datasetDir(spec, options.root);
  const key = partitionKey(spec);
  if (!key) return [dir];
  const parts = new Set(datasetState(spec, options.root).files.map((f) => f.partition));
  return [...parts].filter((p) => p && partitionInRange(key, p, options)).sort().map((n) =>
    join(dir, n)
  );
}

/**
 * The committed state of a dataset, recovered first: an interrupted write (a journal left by a
 * writer that died) is rolled forward under the dataset lock before anything is read. When it
 * cannot be (a read-only or full disk), the state is the last committed one: with the journal's
 * entry when its files are all in place, else without it (its renames, which come before any
 * removal, did not all happen, so the old files are all still there). No reader sees half a
 * commit either way.
 */
export async function committedState(spec: Where, root?: string): Promise<ManifestState> {
  const lake = remoteOf(root);
  if (lake) {
    // The catalog's committed entries: a write is in it whole (one transaction) or not at all.
    const name = datasetName(spec);
    const entries = await lake.catalog.entries(name);
    lake.seen.set(name, entries);
    return foldManifest(entries);
  }
  const meta = metaDir(spec, root);
  let pending = readJournal(meta);
  if (pending) {
    try {
      const release = await acquireLock(meta, { timeoutMs: 2_000 });
      try {
        await recoverDataset(spec, root);
      } finally {
        release();
      }
      pending = null;
    } catch (e) {
      log.warn("lake.recover.failed", {
        dataset: `${spec.zone}/${spec.source}/${spec.dataset}`,
        error: (e as Error).message,
      });
      pending = readJournal(meta);
    }
  }
  const lg = readManifestLog(meta);
  if (lg.problems.length > 0) {
    log.warn("lake.manifest.damaged", {
      dataset: `${spec.zone}/${spec.source}/${spec.dataset}`,
      problem: describeManifestProblems(lg.problems),
      using: `the last complete state (${lg.entries.length} entries)`,
    });
  }
  const entries: ManifestEntry[] = lg.entries;
  if (pending && !entries.some((e) => e.write_id === pending!.write_id)) {
    const inPlace = pending.renames.every((r) => {
      try {
        Deno.lstatSync(r.to);
        return true;
      } catch {
        return false;
      }
    });
    if (inPlace) return foldManifest([...entries, pending.entry], lg.problems);
  }
  return foldManifest(entries, lg.problems);
}

/**
 * The committed state of a dataset at manifest version `version` (1-based count of entries, as
 * in lib/lake/snapshot.ts): the latest state when `version` is the entry count, else the fold
 * of the first `version` committed entries. RangeError when the dataset has fewer entries.
 *
 * @example
 * ```ts ignore
 * const v = (await committedState(spec)).entries; // fix the state now...
 * const st = await stateAtVersion(spec, v);         // ...and read it later, whatever was appended
 * ```
 */
export async function stateAtVersion(
  spec: Where,
  version: number,
  root?: string,
): Promise<ManifestState> {
  const latest = await committedState(spec, root);
  if (version === latest.entries) return latest;
  if (!Number.isInteger(version) || version < 1 || version > latest.entries) {
    throw new RangeError(
      `Cannot read ${
        datasetName(spec)
      } at manifest version ${version}: it has ${latest.entries} entries`,
    );
  }
  const lake = remoteOf(root);
  const entries = lake
    ? lake.seen.get(datasetName(spec)) ?? []
    : readManifestLog(metaDir(spec, root)).entries;
  return foldManifest(entries.slice(0, version));
}

/** Options of {@link committedFiles}. */
export interface CommittedFilesOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Only files that may hold rows at or after this instant. */
  start?: Date;
  /** Only files that may hold rows before this instant. */
  end?: Date;
  /**
   * Check every file's sha256 against the manifest (an `IntegrityError` naming the first file
   * that differs or is missing). A file verified before, by this or an earlier process, whose
   * size, mtime and inode are unchanged is not hashed again (the dataset's `verified.json`);
   * `deno task verify` always hashes everything. @default true
   */
  verify?: boolean;
}

/**
 * Absolute paths of the files a dataset holds: its committed list (after recovery), never a
 * directory listing, each inside the lake and (by default) verified against its sha256. Files
 * not in the manifest are not returned (`deno task verify` reports them). This is what the SQL
 * views read.
 */
export async function committedFiles(
  spec: Where,
  options: CommittedFilesOptions = {},
): Promise<string[]> {
  const state = await committedState(spec, options.root);
  const files = selectFiles(spec, state, options);
  if ((options.verify ?? true) || remoteOf(options.root)) {
    // On an s3:// lake the files are fetched into the local cache (checked as asked) first.
    return await localFiles(spec, files, {
      root: options.root,
      verify: options.verify ?? true,
      cached: true,
      persist: true,
    });
  }
  return files.map((f) => {
    const p = filePath(spec, f, options.root);
    assertInsideLake(p, options.root, spec.dataset);
    return p;
  });
}

/** Committed files that may hold rows in [start, end) (partition, then recorded time range). */
export function selectFiles(
  spec: Where & Partial<Pick<DatasetSpec, "partitioning">>,
  state: ManifestState,
  options: Pick<ReadOptions, "start" | "end">,
): ManifestFile[] {
  const key = spec.partitioning !== undefined
    ? partitionKey(spec as DatasetSpec)
    : state.spec && state.spec.partitioning !== "none"
    ? state.spec.partitioning
    : null;
  const lo = options.start?.toISOString();
  const hi = options.end?.toISOString();
  return state.files.filter((f) => {
    if (key && f.partition && !partitionInRange(key, f.partition, options)) return false;
    // Recorded range: ISO instants, or dates (compared with the bounds' UTC dates, as the
    // filter of a date column does).
    if (lo && f.max_time !== null && f.max_time < (f.max_time.length > 10 ? lo : lo.slice(0, 10))) {
      return false;
    }
    if (
      hi && f.min_time !== null && f.min_time >= (f.min_time.length > 10 ? hi : hi.slice(0, 10))
    ) {
      return false;
    }
    return true;
  });
}

/**
 * Check one committed file: inside the lake, a regular file, and (when `verify`) its sha256.
 * Returns the local path Polars reads.
 */
export async function checkFile(
  spec: Where,
  f: ManifestFile,
  root: string | undefined,
  verify: boolean,
): Promise<string> {
  return await localFile(spec, f, { root, verify });
}

/**
 * Read a dataset into a Polars DataFrame, sorted by event time then natural key: the collected
 * lazy scan of {@link scanDataset} (lib/lake/scan.ts: partition, projection and predicate
 * pushdown, so memory follows what is read, not the dataset; every file checked first).
 * An empty or missing dataset gives an empty frame without columns.
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
  return await (await scanDataset(spec, {
    smallFilesInMemory: options.columns === undefined,
    ...options,
  })).collect();
}

/**
 * The folded manifest of a dataset: files, rows, time range, watermark, schema. A torn or garbage
 * line ends the log (the state is the last complete one) and is listed in `problems`. This does
 * not recover an interrupted write: readers use {@link committedState}.
 */
export function datasetState(spec: Where, root?: string): ManifestState {
  const lake = remoteOf(root);
  if (lake) {
    const seen = lake.seen.get(datasetName(spec));
    if (!seen) {
      throw new Error(
        `Cannot read the state of ${
          datasetName(spec)
        } synchronously: on an s3:// lake the catalog is read asynchronously; await committedState() or openLake() first`,
      );
    }
    return foldManifest(seen);
  }
  const lg = readManifestLog(metaDir(spec, root));
  return foldManifest(lg.entries, lg.problems);
}

/** Escape DuckDB glob characters so a path is read literally (`[*]`, `[?]`, `[[]`). */
export function duckdbLiteralPath(path: string): string {
  return path.replace(/[*?[]/g, (c) => `[${c}]`);
}

/** A DuckDB list literal of paths, each read literally. */
export function duckdbPathList(paths: string[]): string {
  return `[${paths.map((p) => `'${duckdbLiteralPath(p).replaceAll("'", "''")}'`).join(", ")}]`;
}

/**
 * A DuckDB `read_parquet([...])` expression over a dataset's committed files (the manifest's
 * list, never a glob: a stray file in the folder is not read), with Hive partitioning and union
 * by name (schema evolution), for SQL views and ad-hoc queries. Paths are escaped so a lake path
 * with glob characters is read literally. Call {@link committedState} (or `recoverLake`) first
 * when a writer may have died: this reads the manifest as it is. A dataset without files gives
 * an empty typed relation when its schema is recorded, else an error naming the dataset.
 */
export function parquetScanSql(spec: Where, root?: string): string {
  const state = datasetState(spec, root);
  if (state.problems.length > 0) {
    log.warn("lake.manifest.damaged", { problem: describeManifestProblems(state.problems) });
  }
  const remote = remoteOf(root) !== null;
  const paths = state.files.map((f) => {
    const p = filePath(spec, f, root);
    assertInsideLake(p, root, spec.dataset);
    if (remote) {
      try {
        Deno.statSync(p);
      } catch {
        throw new Error(
          `Cannot scan ${
            datasetName(spec)
          }: file ${f.partition}/${f.file} of the s3:// lake is not in the local cache; await committedFiles() or openLake(root, { fetch: true }) first`,
        );
      }
    }
    return p;
  });
  if (paths.length === 0) {
    const cols = Object.entries(state.schema);
    if (cols.length === 0) {
      throw new Error(
        `Cannot scan ${spec.zone}/${spec.source}/${spec.dataset}: no committed files under ${
          datasetDir(spec, root)
        } (manifest ${metaDir(spec, root)}/manifest.jsonl)`,
      );
    }
    const sqlType: Record<string, string> = {
      f64: "DOUBLE",
      f32: "FLOAT",
      i64: "BIGINT",
      i32: "INTEGER",
      str: "VARCHAR",
      bool: "BOOLEAN",
      date: "DATE",
      ts_ms: "TIMESTAMPTZ",
    };
    const list = cols.map(([c, t]) => `NULL::${sqlType[t]} AS "${c.replaceAll('"', '""')}"`);
    return `(SELECT ${list.join(", ")} WHERE false)`;
  }
  return `read_parquet(${duckdbPathList(paths)}, hive_partitioning = true, union_by_name = true)`;
}
