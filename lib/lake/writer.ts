/**
 * The lake writer: atomic, idempotent, deduplicating writes of a Polars DataFrame into a
 * dataset, with lineage on every row and a manifest entry per write.
 *
 * Protocol (crash-safe at any instant):
 * 1. Under the dataset lock, recover any interrupted write (see `recoverDataset`).
 * 2. For every partition touched: merge by natural key with the stored rows (a later row wins;
 *    rows identical to what is stored are dropped), and write either one new file with only the
 *    new keys (append) or one merged file replacing the partition's files (rewrite). Files are
 *    first written under a hidden temporary name and fsynced (Polars' sink, in its own threads,
 *    all partitions at once), then named by the sha256 of their bytes. A partition whose rows
 *    are in time order with unique keys (an O(n) check: with the time column in the key, keys
 *    can only repeat among rows of one instant, whose key hashes are compared) is neither
 *    deduplicated nor sorted, so rows of one instant keep their input order; other partitions
 *    are deduplicated and sorted by time then key. Only stored files whose recorded time range
 *    meets the incoming rows' are read, and only their rows inside that range: when none of
 *    them changes, the new keys are appended as one file without reading the partition.
 *    Batches whose partitions are contiguous are split by zero-copy slices. The codec is the
 *    spec's (`zstd` by default) and is recorded per file in the manifest.
 * 3. Write a journal naming every rename and removal plus the manifest entry, fsync, rename:
 *    this is the commit point.
 * 4. Apply the journal (rename temps into place, remove replaced files, append the manifest
 *    entry), then delete the journal. A crash before 3 leaves the old data (stray temps are
 *    removed by recovery); a crash after 3 is rolled forward by recovery.
 *
 * Trust: stored rows are read only from the manifest's committed files, each checked against its
 * sha256 first (an `IntegrityError` naming the file on a mismatch), so a changed file is never
 * merged and sealed under a new hash, and a stray file in a partition is neither merged nor
 * deleted. Nothing is written, replaced or removed through a symlink that leads out of the lake.
 * A dataset with data files but no manifest is refused (`deno task verify --repair` rebuilds it).
 * A torn last manifest line is cut before the write; garbage in the log refuses it. A full disk
 * is an error naming the file, before the commit point, with this write's temporaries removed.
 *
 * Idempotency: writing the same rows again changes nothing (no file, no manifest entry). File
 * names are content hashes, so the same input gives the same files. Lineage columns
 * (`ingested_at`, `source_uri`, `transform_id`) are excluded when comparing rows.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { redact } from "../core/secret.ts";
import { acquireLock, type LockOptions } from "./lock.ts";
import {
  appendManifest,
  foldManifest,
  type ManifestEntry,
  type ManifestFile,
  manifestSpecOf,
  type ManifestState,
  readManifest,
  readManifestLog,
  repairTornManifest,
} from "./manifest.ts";
import {
  type Codec,
  type ColumnType,
  datasetDir,
  type DatasetSpec,
  KNOWN_AT,
  LINEAGE_COLUMNS,
  metaDir,
  partitionKey,
  validateSpec,
  ZSTD_LEVEL,
} from "./spec.ts";
import { listDir, sha256Hex, syncDir, writeAtomic } from "../core/fs.ts";
import { partitionDaysOf, partitionName } from "./_partition.ts";
import { alignTypes, lakeType, polarsType } from "./_types.ts";
import {
  assertInsideLake,
  filePath,
  IntegrityError,
  recordWritten,
  type WrittenStat,
  writtenStat,
} from "./integrity.ts";
import { localFiles, remoteOf, removeReplacedFiles } from "./store/files.ts";
import { beginRemote, commitRemote, type RemoteWrite } from "./_remote_commit.ts";

/** A write was refused because of its schema. */
export class SchemaError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "SchemaError";
  }
}

/** Options for {@link writeDataset}. */
export interface WriteOptions {
  /** Code version + transform name, stored on every row. */
  transformId: string;
  /**
   * The request or file the rows came from; secrets are redacted before storing. It is every
   * row's `source_uri` unless the input carries its own `source_uri` column (a string column
   * without nulls, e.g. rows of several requests landed in one write): then each row keeps its
   * own, each distinct value redacted, and this is only the manifest entry's `source_uri` (the
   * write's label, e.g. the backfill's "first URL (+N more)").
   */
  sourceUri: string;
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Ingestion instant stamped on new rows. @default now */
  ingestedAt?: Date;
  /** Completeness watermark to record in the manifest (ISO or Date). @default unchanged */
  watermark?: Date | string;
  /** Lock options. */
  lock?: LockOptions;
  /** Test hook: called between steps ("files-written", "journal-written", "applied"). */
  onStep?: (step: string) => void;
}

/** What a write did. */
export interface WriteResult {
  /** Rows in the input after in-batch dedup. */
  rowsIn: number;
  /** Rows that were new or changed (0 when the write was a no-op). */
  rowsWritten: number;
  /** Partitions touched (appended or rewritten). */
  partitions: string[];
  filesAdded: string[];
  filesRemoved: string[];
  noop: boolean;
  writeId: string | null;
}

interface Journal {
  write_id: string;
  renames: { from: string; to: string }[];
  removes: string[];
  entry: ManifestEntry;
}

const JOURNAL = "journal.json";

/**
 * The pending journal of a dataset's meta directory, or null. A journal is written atomically,
 * so one that does not parse was changed by something else: that is an error naming the file.
 */
export function readJournal(meta: string): Journal | null {
  const jpath = join(meta, JOURNAL);
  let text: string;
  try {
    text = Deno.readTextFileSync(jpath);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    const j = JSON.parse(text) as Journal;
    if (!j || typeof j.write_id !== "string" || !Array.isArray(j.renames) || !j.entry) {
      throw new TypeError("missing write_id, renames or entry");
    }
    return j;
  } catch (e) {
    throw new Error(
      `Cannot recover ${meta}: the write journal ${jpath} is damaged (${(e as Error).message})`,
      { cause: e },
    );
  }
}

/** Temporaries older than this under `_meta` belong to a process that died (not a live one). */
const STALE_TEMP_MS = 60_000;

/**
 * Remove stale temporaries of atomic writes under a dataset's meta directory (`journal.json.*.tmp`,
 * `lock.*.tmp`) left by processes that died: those older than a minute, or every journal
 * temporary when `all` (the caller holds the lock, so no live writer of the journal exists).
 */
export function sweepMetaTemps(meta: string, all = false): number {
  let n = 0;
  const now = Date.now();
  for (const e of listDir(meta)) {
    if (!e.isFile || !e.name.endsWith(".tmp")) continue;
    const p = join(meta, e.name);
    try {
      const journalTemp = e.name.startsWith(`${JOURNAL}.`);
      const old = now - (Deno.statSync(p).mtime?.getTime() ?? now) > STALE_TEMP_MS;
      if ((all && journalTemp) || old) {
        Deno.removeSync(p);
        n++;
      }
    } catch { /* removed meanwhile */ }
  }
  return n;
}

/**
 * Finish or roll back an interrupted write of a dataset. Call under the dataset lock (the writer
 * and `readDataset` do).
 */
export async function recoverDataset(
  spec: Pick<DatasetSpec, "zone" | "source" | "dataset">,
  root?: string,
  options: {
    /**
     * Look for stray temporaries in every partition directory (a directory listing each). The
     * writer asks for it only after taking over the lock of a writer that died: a live writer
     * removes its own temporaries when it fails. @default true
     */
    sweep?: boolean;
  } = {},
): Promise<boolean> {
  const meta = metaDir(spec, root);
  const journal = readJournal(meta);
  let changed = false;
  if (journal) {
    await applyJournal(spec, root, meta, journal);
    changed = true;
  }
  if (options.sweep === false) return changed;
  if (sweepMetaTemps(meta, true) > 0) changed = true;
  // Stray temporaries from a write that died before its commit point (only in real directories
  // inside the lake: a symlinked partition is not entered).
  const dir = datasetDir(spec, root);
  assertInsideLake(dir, root, spec.dataset);
  for (
    const p of [
      dir,
      ...listDir(dir).filter((e) => e.isDirectory).map((e) => join(dir, e.name)),
    ]
  ) {
    for (const e of listDir(p)) {
      if (e.isFile && e.name.startsWith(".") && e.name.endsWith(".tmp")) {
        Deno.removeSync(join(p, e.name));
        changed = true;
      }
    }
  }
  return changed;
}

/**
 * Apply a journal; `fresh`: written by this process just now (not a replay after a crash).
 * Replaced files go through {@link removeReplacedFiles} (the one removal path of both backends).
 */
async function applyJournal(
  spec: Pick<DatasetSpec, "zone" | "source" | "dataset">,
  root: string | undefined,
  meta: string,
  j: Journal,
  fresh = false,
): Promise<void> {
  for (const r of j.renames) {
    try {
      Deno.renameSync(r.from, r.to);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e; // already renamed
    }
  }
  await removeReplacedFiles(spec, j.entry.removed, root);
  await syncDir(...new Set(j.renames.map((r) => r.to.slice(0, r.to.lastIndexOf("/")))));
  await appendManifest(meta, j.entry, { fresh });
  Deno.removeSync(join(meta, JOURNAL));
  await syncDir(meta);
}

/**
 * A dataset without a manifest must have no data files: files there mean the manifest was lost,
 * and writing beside them would leave two copies of their keys. Refused with an error naming a
 * file (`deno task verify --repair` rebuilds the manifest from the files).
 */
function refuseOrphanFiles(spec: DatasetSpec, dir: string): void {
  const top = listDir(dir);
  for (const e of top) {
    const found = e.isFile && e.name.endsWith(".parquet")
      ? e.name
      : e.isDirectory
      ? listDir(join(dir, e.name)).find((x) => x.name.endsWith(".parquet"))?.name
      : undefined;
    if (found) {
      const path = e.isFile ? join(dir, found) : join(dir, e.name, found);
      throw new IntegrityError(
        `Cannot write ${spec.zone}/${spec.source}/${spec.dataset}: it has no manifest but holds data files (${path}); run \`deno task verify --repair\` to rebuild the manifest from them`,
        path,
        "manifest",
        { dataset: spec.dataset },
      );
    }
  }
}

/** Cast the input to the declared types and check it against the spec and recorded schema. */
function conform(
  spec: DatasetSpec,
  df: pl.DataFrame,
  recorded: Record<string, ColumnType>,
): { df: pl.DataFrame; schema: Record<string, ColumnType> } {
  const where = `${spec.zone}/${spec.source}/${spec.dataset}`;
  const schema: Record<string, ColumnType> = { ...recorded };
  const cols: pl.Series[] = [];
  const present = new Set(df.columns);
  for (const c of df.columns) {
    if ((LINEAGE_COLUMNS as readonly string[]).includes(c)) continue;
    const s = df.getColumn(c);
    const declared = spec.schema[c];
    let t: ColumnType | null;
    let out = s;
    if (declared) {
      const actual = lakeType(s);
      if (actual !== declared) {
        try {
          out = s.cast(polarsType(declared), true);
        } catch (e) {
          throw new SchemaError(
            `Cannot write ${where}: column "${c}" is ${
              String(s.dtype)
            } and cannot be cast to ${declared} (${(e as Error).message})`,
          );
        }
      }
      t = declared;
    } else {
      t = lakeType(s);
      if (t === null) {
        throw new SchemaError(
          `Cannot write ${where}: column "${c}" has unsupported type ${String(s.dtype)}`,
        );
      }
    }
    const before = recorded[c];
    if (before && before !== t && !spec.allowTypeChange) {
      throw new SchemaError(
        `Cannot write ${where}: column "${c}" changes type from ${before} to ${t} (set allowTypeChange in the dataset spec to accept)`,
      );
    }
    schema[c] = t;
    cols.push(out);
  }
  const required = new Set([...Object.keys(spec.schema), ...Object.keys(recorded)]);
  for (const c of required) {
    if (present.has(c)) continue;
    const t = spec.schema[c] ?? recorded[c]!;
    const mustHave = spec.naturalKey.includes(c) || c === spec.timeColumn || c === KNOWN_AT;
    if (mustHave || !spec.allowDropColumn) {
      throw new SchemaError(
        `Cannot write ${where}: column "${c}" (${t}) is missing${
          mustHave ? "" : " (set allowDropColumn in the dataset spec to write it as null)"
        }`,
      );
    }
    cols.push(pl.Series(c, new Array(df.height).fill(null)).cast(polarsType(t)));
    schema[c] = t;
  }
  for (const k of [...spec.naturalKey, spec.timeColumn]) {
    const n = cols.find((s) => s.name === k)!.nullCount();
    if (n > 0) {
      throw new SchemaError(`Cannot write ${where}: key column "${k}" has ${n} null values`);
    }
  }
  return { df: pl.DataFrame(cols), schema };
}

/**
 * The input's own `source_uri` column (per-row lineage), each distinct value passed through
 * `redact` (one `replace` over the column, only when a value changes), or null when the input
 * has none (every row then gets `WriteOptions.sourceUri`). Costs one `unique` over the column.
 *
 * @throws SchemaError when the column is not strings or has nulls (no value in the message).
 */
function rowSourceUris(spec: DatasetSpec, input: pl.DataFrame): pl.Series | null {
  if (!input.columns.includes("source_uri")) return null;
  const where = `${spec.zone}/${spec.source}/${spec.dataset}`;
  const s = input.getColumn("source_uri");
  if (lakeType(s) !== "str") {
    throw new SchemaError(
      `Cannot write ${where}: column "source_uri" (per-row lineage) is ${
        String(s.dtype)
      }, not a string`,
    );
  }
  const nulls = s.nullCount();
  if (nulls > 0) {
    throw new SchemaError(
      `Cannot write ${where}: column "source_uri" (per-row lineage) has ${nulls} null values`,
    );
  }
  const from: string[] = [], to: string[] = [];
  for (const u of s.unique().toArray() as string[]) {
    const r = redact(u);
    if (r !== u) from.push(u), to.push(r);
  }
  if (from.length === 0) return s.cast(pl.Utf8);
  return input.select(pl.col("source_uri").cast(pl.Utf8).replace(from, to)).getColumn(
    "source_uri",
  );
}

/** Columns compared to decide whether a stored row equals an incoming one. */
function valueColumns(df: pl.DataFrame): string[] {
  return df.columns.filter((c) =>
    !(LINEAGE_COLUMNS as readonly string[]).includes(c) && c !== "__h"
  );
}

function withHash(df: pl.DataFrame, cols: string[]): pl.DataFrame {
  const h = df.select(...cols).hashRows(11, 22, 33, 44).cast(pl.Utf8).alias("__h");
  return df.withColumns(h);
}

/**
 * The committed files of a partition (the manifest's list: a stray file in the directory is
 * neither merged nor deleted), each verified against its sha256 before it is read.
 */
async function readPartition(
  spec: DatasetSpec,
  files: ManifestFile[],
  root: string | undefined,
): Promise<{ df: pl.DataFrame | null; files: string[] }> {
  if (files.length === 0) return { df: null, files: [] };
  const paths = await localFiles(spec, files, { root, cached: true });
  const frames = paths.map((p) => pl.readParquet(p));
  return {
    df: frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "diagonal" }),
    files: files.map((f) => f.file),
  };
}

function timeBounds(spec: DatasetSpec, df: pl.DataFrame): [string | null, string | null] {
  if (df.height === 0) return [null, null];
  const s = df.getColumn(spec.timeColumn);
  const isDate = spec.schema[spec.timeColumn] === "date";
  const v = s.cast(isDate ? pl.Int32 : pl.Int64);
  const lo = v.min() as number;
  const hi = v.max() as number;
  const iso = (x: number) =>
    isDate ? new Date(x * 86_400_000).toISOString().slice(0, 10) : new Date(x).toISOString();
  return [iso(lo), iso(hi)];
}

function timeIso(isDate: boolean, x: number): string {
  return isDate ? new Date(x * 86_400_000).toISOString().slice(0, 10) : new Date(x).toISOString();
}

/** The rows of one partition, with their event times (epoch ms, or days for date columns). */
interface Group {
  part: string;
  df: pl.DataFrame;
  times: Float64Array | Int32Array;
  /** Unique keys, already in sort order (set by the writer). */
  sorted: boolean;
}

function timesOf(df: pl.DataFrame, column: string, isDate: boolean): Float64Array | Int32Array {
  if (df.height === 0) return isDate ? new Int32Array(0) : new Float64Array(0);
  const s = df.getColumn(column).cast(isDate ? pl.Int32 : pl.Float64);
  return s.toTypedArray() as Float64Array | Int32Array;
}

function nonDecreasing(a: Float64Array | Int32Array): boolean {
  for (let i = 1; i < a.length; i++) if (!(a[i]! >= a[i - 1]!)) return false;
  return true;
}

/** Runs of equal times longer than this are checked with a Set instead of pairwise. */
const PAIRWISE_RUN = 16;

/**
 * True when no two rows of a group share a natural key that contains the time column, given
 * the group's times in non-decreasing order: keys can then only repeat within a run of equal
 * times, so row hashes of the key columns are compared within each run (an O(n) pass; strictly
 * increasing times need no hashing at all). Equal hashes answer false without telling a true
 * duplicate from a collision: the caller then deduplicates the group properly.
 */
function uniqueInTimeRuns(df: pl.DataFrame, keys: string[], times: Float64Array | Int32Array) {
  let runs = false;
  for (let i = 1; i < times.length && !runs; i++) runs = times[i] === times[i - 1];
  if (!runs) return true;
  const h = df.select(...keys).hashRows(11, 22, 33, 44).toTypedArray() as BigUint64Array;
  for (let i = 0; i < times.length;) {
    let j = i + 1;
    while (j < times.length && times[j] === times[i]) j++;
    if (j - i > PAIRWISE_RUN) {
      const set = new Set<bigint>();
      for (let k = i; k < j; k++) set.add(h[k]!);
      if (set.size !== j - i) return false;
    } else {
      for (let a = i + 1; a < j; a++) for (let b = i; b < a; b++) if (h[a] === h[b]) return false;
    }
    i = j;
  }
  return true;
}

/**
 * Split a batch by partition, in partition order. When every partition's rows are contiguous
 * (batches of whole sessions), the groups are zero-copy slices; otherwise Polars partitions.
 */
function partitionGroups(spec: DatasetSpec, df: pl.DataFrame, isDate: boolean): Group[] {
  const times = timesOf(df, spec.timeColumn, isDate);
  if (partitionKey(spec) === null) return [{ part: "", df, times, sorted: false }];
  if (df.height === 0) return [];
  const days = partitionDaysOf(isDate, times);
  // Runs of equal days (a typed-array pass), then one partition name per run. Runs are grouped
  // by partition NAME, not by day: the days of a year (or month) share one partition, and two
  // groups of one partition would each merge with its stored rows and both be added.
  const runs: { part: string; start: number; end: number }[] = [];
  const nameOfDay = new Map<number, string>();
  for (let i = 0; i < days.length;) {
    const d = days[i]!;
    let j = i + 1;
    while (j < days.length && days[j] === d) j++;
    let name = nameOfDay.get(d);
    if (name === undefined) nameOfDay.set(d, name = partitionName(spec, d));
    const last = runs[runs.length - 1];
    if (last && last.part === name && last.end === i) last.end = j;
    else runs.push({ part: name, start: i, end: j });
    i = j;
  }
  const contiguous = new Set(runs.map((r) => r.part)).size === runs.length;
  let groups: Group[];
  if (contiguous) {
    groups = runs.map((r) => ({
      part: r.part,
      df: runs.length === 1 ? df : df.slice(r.start, r.end - r.start),
      times: times.subarray(r.start, r.end),
      sorted: false,
    }));
  } else {
    const parts = Array.from(days, (d) => nameOfDay.get(d)!);
    groups = df.withColumns(pl.Series("__part", parts, pl.Utf8)).partitionBy("__part", true, true)
      .map((g) => {
        const gd = g.drop("__part");
        return {
          part: g.getColumn("__part").get(0) as string,
          df: gd,
          times: timesOf(gd, spec.timeColumn, isDate),
          sorted: false,
        };
      });
  }
  return groups.sort((a, b) => (a.part < b.part ? -1 : a.part > b.part ? 1 : 0));
}

/**
 * The incoming rows whose keys are not stored yet, when every incoming row whose key is stored
 * equals the stored row; null when some stored row would change (the caller rewrites the
 * partition). Reads only the stored rows of `files` inside the incoming time range (Parquet
 * statistics skip the rest); the incoming rows keep their order.
 */
async function freshRows(
  spec: DatasetSpec,
  schema: Record<string, ColumnType>,
  rowsNew: pl.DataFrame,
  stored: ManifestFile[],
  root: string | undefined,
): Promise<pl.DataFrame | null> {
  // Verified (sha256, once per process per unchanged file) before its rows decide anything.
  const files = await localFiles(spec, stored, { root, cached: true });
  const t = spec.timeColumn;
  const type = spec.schema[t] === "date" ? pl.Date : pl.Datetime("ms", "UTC");
  const v = rowsNew.getColumn(t).cast(spec.schema[t] === "date" ? pl.Int32 : pl.Int64);
  const lit = (x: number) => pl.lit(x).cast(type);
  const inRange = pl.col(t).gtEq(lit(v.min() as number)).and(
    pl.col(t).ltEq(lit(v.max() as number)),
  );
  const parts = await Promise.all(files.map((f) => pl.scanParquet(f).filter(inRange).collect()));
  const storedRows = alignTypes(
    parts.length === 1 ? parts[0]! : pl.concat(parts, { how: "diagonal" }),
    schema,
  );
  if (storedRows.height === 0) return rowsNew;
  const keys = storedRows.select(...spec.naturalKey);
  const overlap = rowsNew.join(keys, { on: spec.naturalKey, how: "semi" });
  if (overlap.height === 0) return rowsNew;
  const cols = valueColumns(rowsNew);
  if (!cols.every((c) => storedRows.columns.includes(c))) return null;
  if (!valueColumns(storedRows).every((c) => rowsNew.columns.includes(c))) return null;
  const onCols: string[] = [...spec.naturalKey, "__h"];
  const changed = withHash(overlap, cols).join(
    withHash(storedRows, cols).select(...spec.naturalKey, "__h"),
    { on: onCols, how: "anti" },
  );
  if (changed.height > 0) return null;
  return rowsNew.join(keys, { on: spec.naturalKey, how: "anti" });
}

/** A data file written under its temporary name, waiting for the commit. */
interface StagedFile {
  tmp: string;
  pdir: string;
  replace: boolean;
  oldFiles: string[];
  file: ManifestFile;
  /** The temporary's lstat before its bytes were read back and hashed. */
  seen: WrittenStat;
}

/** The hidden temporary name of a data file before the commit. */
function tempName(pdir: string, writeId: string, index: number): string {
  return join(pdir, `.part-${writeId.slice(0, 8)}-${index}.tmp`);
}

/**
 * Write a frame as Parquet under a hidden temporary name in `pdir`, fsynced, in Polars' own
 * threads (the JS thread is free meanwhile), and hash the bytes written. `seen`: the file's lstat
 * taken before they were read (the committed file is remembered as verified only while it still
 * has it: `recordWritten`).
 */
async function writeDataFile(
  out: pl.LazyDataFrame,
  pdir: string,
  writeId: string,
  index: number,
  codec: Codec,
): Promise<{ tmp: string; sha: string; size: number; seen: WrittenStat }> {
  const tmp = tempName(pdir, writeId, index);
  try {
    await sinkTo(out, tmp, codec);
    const seen = writtenStat(await Deno.lstat(tmp));
    // WebCrypto digests in a blocking-pool thread: the JS thread stays free for the next batch.
    const bytes = await Deno.readFile(tmp);
    // A write that failed without an error must not be committed: it must end in the footer.
    const n = bytes.length;
    if (
      n < 12 || bytes[n - 4] !== 80 || bytes[n - 3] !== 65 || bytes[n - 2] !== 82 ||
      bytes[n - 1] !== 49
    ) {
      throw new Error(`the file written is not complete Parquet (${n} bytes, no footer)`);
    }
    return { tmp, sha: await sha256Hex(bytes), size: bytes.length, seen };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const full = /no space|ENOSPC|os error 28|quota/i.test(msg) || diskFull(pdir);
    throw new Error(
      `Cannot write data file ${tmp}: ${
        full ? "the disk is full" : msg.split("\n")[0]
      } (nothing was committed; the write can be run again)`,
      { cause: e },
    );
  }
}

/**
 * Whether the file system of `dir` is out of space: Polars may report a failed write as a
 * damaged file ("Invalid thrift: transport error"), so on a failed sink a small probe write tells.
 */
function diskFull(dir: string): boolean {
  const probe = join(dir, `.probe-${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    Deno.writeFileSync(probe, new Uint8Array(65_536));
    return false;
  } catch (e) {
    return /No space|os error 28/i.test((e as Error).message);
  } finally {
    try {
      Deno.removeSync(probe);
    } catch { /* not created */ }
  }
}

async function sinkTo(out: pl.LazyDataFrame, tmp: string, codec: Codec): Promise<void> {
  await out.sinkParquet(tmp, {
    compression: codec,
    ...(codec === "zstd" ? { compressionLevel: ZSTD_LEVEL } : {}),
    statistics: true,
    maintainOrder: true,
    // fsync in Polars' thread: opening the file again to fsync it from Deno costs the JS thread
    // more than the fsync costs Polars' (the JS thread is the ingest's bottleneck).
    syncOnClose: "all",
    mkdir: true, // the partition directory, made in Polars' thread too
  }).collect();
}

/** The lineage columns a write's sink adds to its new rows (`rowUris`: they bring their own). */
function lineageColumns(options: WriteOptions, rowUris: boolean): pl.Expr[] {
  const ingested = (options.ingestedAt ?? new Date()).getTime();
  return [
    pl.lit(ingested).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")).alias("ingested_at"),
    ...(rowUris ? [] : [pl.lit(redact(options.sourceUri)).cast(pl.Utf8).alias("source_uri")]),
    pl.lit(options.transformId).cast(pl.Utf8).alias("transform_id"),
  ];
}

/** Where a staged data file goes and what it replaces. */
interface StageTarget {
  /** The partition (its directory is `pdir`). */
  part: string;
  pdir: string;
  /** The partition's `oldFiles` are removed at the commit. */
  replace: boolean;
  oldFiles: string[];
  /** The rows' time range when known (else read from the rows). */
  bounds: [string | null, string | null] | null;
  /** Lineage columns the sink adds (the rows are all new), or null (they carry theirs). */
  lineage: pl.Expr[] | null;
}

/**
 * A write opened by {@link withWrite}, under the dataset's lock with its manifest folded: any
 * number of `stage` and `drop` calls, then one `commit` (steps 2 to 4 of the module doc).
 */
interface OpenWrite {
  /** This write's id (temporary names, journal, manifest entry). */
  writeId: string;
  /** The dataset's directory. */
  dir: string;
  /** The manifest's state read under the lock. */
  state: ManifestState;
  /** Write `out` as a data file under its temporary name, fsynced, in Polars' threads. */
  stage(out: pl.DataFrame, to: StageTarget): void;
  /** Remove a partition's `files` at the commit with nothing in their place (left empty). */
  drop(partition: string, pdir: string, files: string[]): void;
  /**
   * Wait for every staged file, then commit them and the drops as one manifest entry of kind
   * `write` with `schema`: the journal (the commit point) and its apply, or the remote commit.
   * The files added and removed, or null when there are none (a no-op: no entry).
   */
  commit(schema: Record<string, ColumnType>): Promise<
    { added: ManifestFile[]; removed: { partition: string; file: string }[] } | null
  >;
}

/**
 * Run `body` as one write of a dataset (the protocol of the module doc, shared by
 * {@link writeDataset} and {@link replaceRows}): take the lock (a remote lake's catalog row lock,
 * or the local lock file followed by recovery), read and fold the manifest (a torn last line is
 * cut, garbage refused, data files without a manifest refused), give `body` the staging and the
 * commit, and whatever happens release the lock, with this write's temporaries removed when it
 * did not reach the commit point. `what` names the write in the journal error ("the write can be
 * run again").
 */
async function withWrite<T>(
  spec: DatasetSpec,
  options: WriteOptions,
  what: "write" | "replace",
  body: (w: OpenWrite) => Promise<T>,
): Promise<T> {
  const meta = metaDir(spec, options.root);
  const dir = datasetDir(spec, options.root);
  assertInsideLake(dir, options.root, spec.dataset);
  assertInsideLake(meta, options.root, spec.dataset);
  // An s3:// lake serialises writers on its catalog (a row lock in PostgreSQL), a local one on
  // its lock file.
  const lake = remoteOf(options.root);
  let remote: RemoteWrite | null = null;
  let release: () => Promise<void> | void;
  if (lake) {
    remote = await beginRemote(lake, spec, options.lock?.timeoutMs);
    release = remote.lock.release;
  } else {
    const r = await acquireLock(meta, options.lock);
    release = r;
    await recoverDataset(spec, options.root, { sweep: r.tookOver }).catch((e) => {
      r();
      throw e;
    });
    if (!r.tookOver) sweepMetaTemps(meta);
  }
  const temps: string[] = [];
  let committed = false;
  try {
    let entries: ManifestEntry[];
    if (remote) entries = remote.entries;
    else {
      // A torn last manifest line is cut now; garbage is refused before anything is written.
      let log = readManifestLog(meta);
      if (log.problems.length > 0) {
        await repairTornManifest(meta);
        log = readManifestLog(meta);
      }
      entries = log.entries;
    }
    const state = foldManifest(entries);
    if (state.entries === 0 && !remote) refuseOrphanFiles(spec, dir);
    const writeId = crypto.randomUUID();
    const codec = spec.codec ?? "zstd";
    const staged: Promise<StagedFile>[] = [];
    const dropped: { partition: string; pdir: string; files: string[] }[] = [];
    const stage = (out: pl.DataFrame, to: StageTarget) => {
      const { part, pdir, replace, oldFiles } = to;
      const index = staged.length;
      const [lo, hi] = to.bounds ?? timeBounds(spec, out);
      temps.push(tempName(pdir, writeId, index));
      const plan = to.lineage ? out.lazy().withColumns(...to.lineage) : out.lazy();
      staged.push(
        writeDataFile(plan, pdir, writeId, index, codec).then(({ tmp, sha, size, seen }) => ({
          tmp,
          seen,
          pdir,
          replace,
          oldFiles,
          file: {
            partition: part,
            file: `part-${sha.slice(0, 16)}.parquet`,
            rows: out.height,
            sha256: sha,
            min_time: lo,
            max_time: hi,
            codec,
            bytes: size,
          },
        })),
      );
    };
    const drop = (partition: string, pdir: string, files: string[]) => {
      dropped.push({ partition, pdir, files });
    };
    const commit = async (schema: Record<string, ColumnType>) => {
      // Every data file is written (in Polars' threads) and fsynced before the commit point.
      const settled = await Promise.allSettled(staged);
      const failed = settled.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const renames: { from: string; to: string }[] = [];
      const removes: string[] = [];
      const added: ManifestFile[] = [];
      const removed: { partition: string; file: string }[] = [];
      const seen: WrittenStat[] = [];
      for (const r of settled) {
        const f = (r as PromiseFulfilledResult<StagedFile>).value;
        seen.push(f.seen);
        renames.push({ from: f.tmp, to: join(f.pdir, f.file.file) });
        added.push(f.file);
        if (f.replace) {
          for (const old of f.oldFiles) {
            if (old === f.file.file) continue;
            removes.push(join(f.pdir, old));
            removed.push({ partition: f.file.partition, file: old });
          }
        }
      }
      for (const d of dropped) {
        for (const old of d.files) {
          removes.push(join(d.pdir, old));
          removed.push({ partition: d.partition, file: old });
        }
      }
      options.onStep?.("files-written");
      // No file changed: nothing to commit, unless the spec declares another meta (units,
      // currency, ...) than the recorded one: an entry with no files then records it.
      const metaChanged = state.entries > 0 && spec.meta !== undefined &&
        JSON.stringify(state.spec?.meta ?? null) !== JSON.stringify(spec.meta);
      if (added.length === 0 && removed.length === 0 && !metaChanged) return null;
      const wm = options.watermark;
      const entry: ManifestEntry = {
        write_id: writeId,
        at: new Date().toISOString(),
        kind: "write",
        transform_id: options.transformId,
        source_uri: redact(options.sourceUri),
        added,
        removed,
        schema,
        ...(wm !== undefined ? { watermark: wm instanceof Date ? wm.toISOString() : wm } : {}),
        spec: manifestSpecOf(spec),
      };
      if (remote) {
        const st = renames.map((r, i) => ({ tmp: r.from, file: added[i]! }));
        // A failure here leaves the old state; temporaries not yet uploaded are removed below.
        await commitRemote(remote, spec, options.root, st, entry, options.onStep);
        options.onStep?.("applied");
        return { added, removed };
      }
      Deno.mkdirSync(meta, { recursive: true });
      try {
        await writeAtomic(
          join(meta, JOURNAL),
          JSON.stringify({ write_id: writeId, renames, removes, entry } satisfies Journal),
        );
      } catch (e) {
        throw new Error(
          `Cannot write the journal ${join(meta, JOURNAL)}: ${
            (e as Error).message
          } (nothing was committed; the ${what} can be run again)`,
          { cause: e },
        );
      }
      committed = true;
      options.onStep?.("journal-written");
      await applyJournal(
        spec,
        options.root,
        meta,
        { write_id: writeId, renames, removes, entry },
        true,
      );
      // The files just renamed into place were hashed from the bytes read back: a cached read in
      // this process does not hash them again while their size, mtime and inode stay as written.
      added.forEach((f, i) => recordWritten(filePath(spec, f, options.root), f.sha256, seen[i]!));
      options.onStep?.("applied");
      return { added, removed };
    };
    return await body({ writeId, dir, state, stage, drop, commit });
  } finally {
    // Failed before the commit point: the temporaries are this write's own and nothing names
    // them (after it, recovery rolls the journal forward and they are renamed).
    if (!committed) {
      for (const t of temps) {
        try {
          Deno.removeSync(t);
        } catch { /* not written */ }
      }
      // A journal temporary of a failed atomic write (a full disk) is this writer's too.
      if (!remote) sweepMetaTemps(meta, true);
    }
    await release();
  }
}

/**
 * Write rows into a dataset. See the module doc for the protocol.
 *
 * Duplicates: within the input the last row of a natural key wins; against stored rows the
 * input wins. Schema: a new column is accepted and recorded; a changed type or a missing
 * recorded column is refused with `SchemaError` unless the spec allows it.
 *
 * @example
 * ```ts
 * const spec = { zone: "curated", source: "user", dataset: "bars", partitioning: "year",
 *   timeColumn: "date", naturalKey: ["symbol", "date"], schema: { symbol: "str", date: "date",
 *   close: "f64", known_at: "ts_ms" } } as const;
 * await writeDataset(spec, df, { transformId: "ingest-file@1", sourceUri: "file://bars.csv" });
 * ```
 */
export async function writeDataset(
  spec: DatasetSpec,
  input: pl.DataFrame,
  options: WriteOptions,
): Promise<WriteResult> {
  validateSpec(spec);
  return await withWrite(spec, options, "write", async ({ writeId, dir, state, stage, commit }) => {
    const { df: typed, schema } = conform(spec, input, state.schema);
    // Lineage columns are added where the rows are written (in Polars' threads, by the sink):
    // materialising them here cost the JS thread ~4 ms per 94k rows. Rows that bring their own
    // source_uri keep it (redacted): it travels with them through dedup, sort and merge.
    const rowUris = rowSourceUris(spec, input);
    const lineage = lineageColumns(options, rowUris !== null);
    let df = rowUris ? typed.withColumns(rowUris) : typed;
    const isDate = spec.schema[spec.timeColumn] === "date";
    const timeInKey = spec.naturalKey.includes(spec.timeColumn);
    const otherKeys = spec.naturalKey.filter((k) => k !== spec.timeColumn);
    // Without the time column in the key, one key may span partitions: dedup the whole batch
    // (last occurrence wins; order is restored by the sort below). With it, every key lives in
    // one partition and each group is deduplicated on its own, or not at all when it is
    // provably free of duplicates.
    if (!timeInKey && df.height > 1) {
      df = df.unique({ subset: spec.naturalKey, keep: "last", maintainOrder: false });
    }
    const groups = partitionGroups(spec, df, isDate);
    const sortCols = [spec.timeColumn, ...otherKeys];
    for (const g of groups) {
      // In time order with unique keys (checked in O(n)): neither deduplicated nor sorted.
      g.sorted = timeInKey && nonDecreasing(g.times) &&
        uniqueInTimeRuns(g.df, spec.naturalKey, g.times);
      if (timeInKey && !g.sorted && g.df.height > 1) {
        g.df = g.df.unique({ subset: spec.naturalKey, keep: "last", maintainOrder: false });
      }
    }
    const rowsIn = groups.reduce((a, g) => a + g.df.height, 0);
    const touched: string[] = [];
    let rowsWritten = 0;
    for (const g of groups) {
      const part = g.part;
      const rowsNew = g.df;
      if (rowsNew.height === 0) continue;
      const pdir = part ? join(dir, part) : dir;
      // Never write (or later replace and delete) through a symlink that leads out of the lake.
      assertInsideLake(pdir, options.root, spec.dataset);
      const bounds: [string | null, string | null] | null = g.sorted
        ? [timeIso(isDate, g.times[0]!), timeIso(isDate, g.times[g.times.length - 1]!)]
        : null;
      const sortedOut = () => (g.sorted ? rowsNew : rowsNew.sort(sortCols));
      // Append paths (the time column in the natural key): a stored row can share a key with
      // an incoming one only inside the incoming time range, so files whose recorded range
      // misses it are not read. With no such file, or when the stored rows in the range are only
      // repeated unchanged, the new keys go to one new file and the partition is not read
      // (streaming flushes, incremental backfills). A changed row rewrites the partition below.
      const partFiles = state.files.filter((f) => f.partition === part);
      if (partFiles.length > 0 && partFiles.length < 64 && timeInKey) {
        const [minNew, maxNew] = bounds ?? timeBounds(spec, rowsNew);
        const near = partFiles.filter((f) =>
          f.min_time === null || f.max_time === null ||
          (f.max_time >= minNew! && f.min_time <= maxNew!)
        );
        const fresh = near.length === 0
          ? rowsNew
          : await freshRows(spec, schema, rowsNew, near, options.root);
        if (fresh !== null) {
          if (fresh.height === 0) continue; // identical: no-op
          rowsWritten += fresh.height;
          stage(g.sorted ? fresh : fresh.sort(sortCols), {
            part,
            pdir,
            replace: false,
            oldFiles: [],
            bounds: fresh === rowsNew ? bounds : null,
            lineage,
          });
          touched.push(part);
          continue;
        }
      }
      // The manifest is the record of a partition's files: none there, nothing to merge with.
      const existing = await readPartition(spec, partFiles, options.root);
      if (existing.df) existing.df = alignTypes(existing.df, schema);
      let out: pl.DataFrame;
      let replace = false;
      if (!existing.df || existing.df.height === 0) {
        out = rowsNew;
        rowsWritten += rowsNew.height;
      } else {
        const cols = valueColumns(rowsNew).filter((c) => existing.df!.columns.includes(c));
        const sameCols = cols.length === valueColumns(rowsNew).length &&
          valueColumns(existing.df).every((c) => rowsNew.columns.includes(c));
        const fresh = rowsNew.join(existing.df.select(...spec.naturalKey), {
          on: spec.naturalKey,
          how: "anti",
        });
        const overlap = rowsNew.join(existing.df.select(...spec.naturalKey), {
          on: spec.naturalKey,
          how: "semi",
        });
        let changed = overlap;
        if (overlap.height > 0 && sameCols) {
          const a = withHash(overlap, cols);
          const b = withHash(existing.df, cols).select(...spec.naturalKey, "__h");
          const onCols: string[] = [...spec.naturalKey, "__h"];
          changed = a.join(b, { on: onCols, how: "anti" }).drop("__h");
        }
        if (changed.height === 0 && fresh.height === 0) continue; // identical: no-op
        if (changed.height === 0) {
          out = fresh;
          rowsWritten += fresh.height;
        } else {
          const kept = existing.df.join(changed.select(...spec.naturalKey), {
            on: spec.naturalKey,
            how: "anti",
          });
          // Stored rows keep their lineage; the new ones get this write's.
          out = pl.concat([
            kept,
            changed.withColumns(...lineage),
            fresh.withColumns(...lineage),
          ], { how: "diagonal" });
          replace = true;
          rowsWritten += changed.height + fresh.height;
        }
      }
      const oldFiles = existing.files;
      if (out === rowsNew) {
        stage(sortedOut(), { part, pdir, replace, oldFiles, bounds, lineage });
      } else {
        stage(out.sort(sortCols), {
          part,
          pdir,
          replace,
          oldFiles,
          bounds: null,
          lineage: replace ? null : lineage,
        });
      }
      touched.push(part);
    }
    const done = await commit(schema);
    if (!done) {
      return {
        rowsIn,
        rowsWritten: 0,
        partitions: [],
        filesAdded: [],
        filesRemoved: [],
        noop: true,
        writeId: null,
      };
    }
    return {
      rowsIn,
      rowsWritten,
      partitions: touched,
      filesAdded: done.added.map((a) => `${a.partition}/${a.file}`),
      filesRemoved: done.removed.map((r) => `${r.partition}/${r.file}`),
      noop: false,
      writeId,
    };
  });
}

/** Record a completeness watermark without writing rows. */
export async function setWatermark(
  spec: DatasetSpec,
  watermark: Date | string,
  options: { root?: string; transformId?: string } = {},
): Promise<void> {
  const meta = metaDir(spec, options.root);
  const lake = remoteOf(options.root);
  const remote = lake ? await beginRemote(lake, spec) : null;
  const release = remote ? remote.lock.release : await acquireLock(meta);
  try {
    if (!remote) {
      await recoverDataset(spec, options.root);
      await repairTornManifest(meta);
    }
    const state = foldManifest(remote ? remote.entries : readManifest(meta));
    const iso = watermark instanceof Date ? watermark.toISOString() : watermark;
    if (state.watermark === iso) return;
    const entry: ManifestEntry = {
      write_id: crypto.randomUUID(),
      at: new Date().toISOString(),
      kind: "write",
      transform_id: options.transformId ?? "watermark",
      source_uri: "",
      added: [],
      removed: [],
      schema: state.schema,
      watermark: iso,
    };
    if (remote) await commitRemote(remote, spec, options.root, [], entry);
    else await appendManifest(meta, entry, { fresh: true });
  } finally {
    await release();
  }
}

/** Options for {@link replaceRows}. */
export interface ReplaceOptions extends WriteOptions {
  /**
   * Which stored rows the input replaces: those whose `column` holds one of `values` (e.g.
   * `{ column: "symbol", values: ["DAX", "SMI"] }`). Every input row must be one of them.
   */
  where: { column: string; values: readonly string[] };
}

/** What a replace did: a {@link WriteResult} plus the stored rows it removed. */
export interface ReplaceResult extends WriteResult {
  /** Stored rows of the replaced values that were removed (replaced or gone). */
  rowsRemoved: number;
}

/**
 * Replace a dataset's rows of some values of one column (a user file's symbols) by the input's
 * rows, leaving the other rows untouched: afterwards the dataset holds, for those values, exactly
 * the input's rows (deduplicated by natural key, the last wins). Committed as ONE manifest entry
 * of kind `write` listing the files removed and added (the same journaled protocol and commit
 * point as {@link writeDataset}: a crash at any instant leaves the old rows or the new, never a
 * mix). Each partition holding rows of those values, or receiving input rows, is rewritten
 * (its other rows keep their lineage); a partition left empty has its files removed and none
 * added; a partition that gains rows but held none of those values gets one appended file.
 * Replacing with the rows already stored changes nothing (no file, no manifest entry).
 *
 * @example
 * ```ts ignore
 * await replaceRows(spec, df, { transformId: "ingest-file@2", sourceUri: "file://eu.csv",
 *   where: { column: "symbol", values: ["DAX", "SMI", "CAC", "FTSE"] } });
 * ```
 */
export async function replaceRows(
  spec: DatasetSpec,
  input: pl.DataFrame,
  options: ReplaceOptions,
): Promise<ReplaceResult> {
  validateSpec(spec);
  const { column, values } = options.where;
  if (!(column in spec.schema) || spec.schema[column] !== "str") {
    throw new TypeError(`Cannot replace rows of ${spec.dataset}: ${column} is not a string column`);
  }
  if (input.height > 0) {
    if (!input.columns.includes(column)) {
      throw new TypeError(`Cannot replace rows of ${spec.dataset}: the input has no ${column}`);
    }
    const outside = input.filter(
      pl.col(column).isIn(values as string[]).not().or(
        pl.col(column).isNull(),
      ),
    );
    if (outside.height > 0) {
      throw new RangeError(
        `Cannot replace rows of ${spec.dataset}: input row with ${column} ${
          String(outside.getColumn(column).get(0))
        } is not among the values replaced`,
      );
    }
  }
  return await withWrite(spec, options, "replace", async (w) => {
    const { writeId, dir, state, stage } = w;
    const { df: typed, schema } = input.height > 0 || input.width > 0
      ? conform(spec, input, state.schema)
      : { df: input, schema: state.schema };
    const rowUris = input.height > 0 ? rowSourceUris(spec, input) : null;
    const lineage = lineageColumns(options, rowUris !== null);
    let df = rowUris ? typed.withColumns(rowUris) : typed;
    if (df.height > 1) {
      df = df.unique({ subset: spec.naturalKey, keep: "last", maintainOrder: true });
    }
    const isDate = spec.schema[spec.timeColumn] === "date";
    const groups = new Map(
      (df.height > 0 ? partitionGroups(spec, df, isDate) : []).map((g) => [g.part, g.df]),
    );
    const byPart = new Map<string, ManifestFile[]>();
    for (const f of state.files) byPart.set(f.partition, [...(byPart.get(f.partition) ?? []), f]);
    const parts = [...new Set([...byPart.keys(), ...groups.keys()])].sort();
    const sortCols = [spec.timeColumn, ...spec.naturalKey.filter((k) => k !== spec.timeColumn)];
    const touched: string[] = [];
    let rowsWritten = 0;
    let rowsRemoved = 0;
    for (const part of parts) {
      const pdir = part ? join(dir, part) : dir;
      assertInsideLake(pdir, options.root, spec.dataset);
      const rowsNew = groups.get(part) ?? null;
      const existing = await readPartition(spec, byPart.get(part) ?? [], options.root);
      const stored = existing.df ? alignTypes(existing.df, schema) : null;
      const mine = stored && stored.columns.includes(column)
        ? pl.col(column).isIn(values as string[])
        : null;
      const old = stored && mine ? stored.filter(mine) : null;
      const nOld = old?.height ?? 0;
      const nNew = rowsNew?.height ?? 0;
      if (nOld === 0 && nNew === 0) continue;
      if (nOld === nNew && old && rowsNew) {
        // Unchanged when every new row equals a stored one (same key, same values).
        const cols = valueColumns(rowsNew);
        if (
          cols.every((c) => old.columns.includes(c)) &&
          valueColumns(old).every((c) => rowsNew.columns.includes(c))
        ) {
          const onCols = [...spec.naturalKey, "__h"];
          const diff = withHash(rowsNew, cols).join(
            withHash(old, cols).select(...spec.naturalKey, "__h"),
            { on: onCols, how: "anti" },
          );
          if (diff.height === 0) continue;
        }
      }
      rowsWritten += nNew;
      rowsRemoved += nOld;
      touched.push(part);
      if (nOld === 0) {
        // Nothing of these values stored here: the new rows are appended as one file.
        const to = { part, pdir, replace: false, oldFiles: [], bounds: null, lineage };
        stage(rowsNew!.sort(sortCols), to);
        continue;
      }
      const kept = stored!.filter(mine!.not());
      const frames = [kept, ...(rowsNew ? [rowsNew.withColumns(...lineage)] : [])];
      const out = pl.concat(frames, { how: "diagonal" });
      if (out.height === 0) {
        w.drop(part, pdir, existing.files);
        continue;
      }
      stage(out.sort(sortCols), {
        part,
        pdir,
        replace: existing.files.length > 0,
        oldFiles: existing.files,
        bounds: null,
        lineage: null,
      });
    }
    const done = await w.commit(schema);
    return {
      rowsIn: df.height,
      rowsWritten: done ? rowsWritten : 0,
      rowsRemoved: done ? rowsRemoved : 0,
      partitions: done ? touched : [],
      filesAdded: done ? done.added.map((a) => `${a.partition}/${a.file}`) : [],
      filesRemoved: done ? done.removed.map((r) => `${r.partition}/${r.file}`) : [],
      noop: !done,
      writeId: done ? writeId : null,
    };
  });
}
