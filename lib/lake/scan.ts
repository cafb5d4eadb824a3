/**
 * Out-of-core reads of the lake: a dataset as a Polars lazy scan with projection, partition and
 * predicate pushdown, collected whole by the caller or streamed in batches of files.
 *
 * What is scanned is the manifest's committed file list after recovery (`committedState`), never
 * a directory listing or a glob: one `scanParquet` per committed file, concatenated diagonally
 * (schema evolution: a column a file lacks is null, a column whose type changed is cast to the
 * recorded type per file). Pruning happens in three places:
 * - partition and file: files whose partition or recorded [min_time, max_time] cannot hold rows
 *   in [start, end) are not opened at all (`selectFiles`);
 * - projection: only the columns the caller selects (plus the sort keys) are decoded;
 * - predicate: `start`/`end` on the event time, `asOf` on `known_at` and `symbols` on the
 *   symbol column are filters of the plan, which Polars pushes into each Parquet scan (row
 *   groups skipped by their statistics; within a row group the predicate columns are decoded
 *   first and the others only for matching rows).
 * `describeOptimizedPlan()` of a scan shows it: `PROJECT 2/13 COLUMNS`, `SELECTION: ...` under
 * each `Parquet SCAN` (tests/lake/scan_test.ts asserts it; bench/lake_memory.ts measures the
 * peak memory it saves).
 *
 * Trust: every selected file is checked before the plan is built (inside the lake, a regular
 * file, and by default its sha256 against the manifest: `checkFile`), so changed bytes make an
 * `IntegrityError` naming the file and never reach the decoder. The checks run up to 16 files
 * (256 MB) ahead of the file being used and are taken in file order, so the error names the
 * first bad file and the bytes held are bounded (plus the largest file). A small file read in
 * memory (`smallFilesInMemory`) is decoded from the very bytes its check hashed; a file scanned
 * lazily and replaced between the check and the collect is not detected (data files are
 * immutable and content-addressed; only a process writing into the lake outside the writer
 * could do it).
 */
import pl from "nodejs-polars";
import {
  committedState,
  type ReadOptions,
  selectFiles,
  SMALL_FILE_BYTES,
  stateAtVersion,
} from "./reader.ts";
import type { ManifestFile } from "./manifest.ts";
import { type ColumnType, type DatasetSpec, KNOWN_AT, LINEAGE_COLUMNS } from "./spec.ts";
import { lakeDtype, polarsType } from "./_types.ts";
import { IntegrityError } from "./integrity.ts";
import { checkedFile } from "./store/files.ts";
import { Buffer } from "node:buffer";

/** Files whose check may run ahead of the file being read, and their bytes in all. */
const CHECK_AHEAD_FILES = 16;
const CHECK_AHEAD_BYTES = 256 * 1024 * 1024;

/** Columns that name the instrument of a row, in the order a symbol filter looks for them. */
export const SYMBOL_COLUMNS = ["symbol", "ticker", "instrument", "series_id"] as const;

/** The symbol column of a schema (first of {@link SYMBOL_COLUMNS} present), or null. */
export function symbolColumn(columns: Iterable<string>): string | null {
  const have = new Set(columns);
  return SYMBOL_COLUMNS.find((c) => have.has(c)) ?? null;
}

/** Options of {@link readDatasetBatches}: those of a read plus the size of a batch. */
export interface BatchOptions extends ReadOptions {
  /**
   * Rows per batch, counted from the manifest's per-file row counts (before filters): files are
   * grouped until the next would exceed it. A batch never splits a file, nor a partition whose
   * files overlap in time, so one such group larger than the budget is one batch. @default 1_000_000
   */
  batchRows?: number;
  /** Bytes of Parquet per batch (the manifest's file sizes), as `batchRows`. @default unlimited */
  batchBytes?: number;
}

/**
 * Split committed files (as `selectFiles` returns them) into groups read one at a time, in time
 * order: by partition, then by `min_time` within a partition. A cut between two files is allowed
 * only when every file before it ends before every file after it starts (recorded min/max time),
 * so each group sorted on its own gives the dataset's order when the groups are concatenated.
 */
export function fileBatches(
  files: ManifestFile[],
  budget: { rows?: number; bytes?: number } = {},
): ManifestFile[][] {
  const maxRows = budget.rows ?? Infinity, maxBytes = budget.bytes ?? Infinity;
  if (!(maxRows > 0) || !(maxBytes > 0)) {
    throw new RangeError(
      `Invalid batch budget: rows ${budget.rows}, bytes ${budget.bytes} (must be positive)`,
    );
  }
  const sorted = [...files].sort((a, b) =>
    a.partition < b.partition
      ? -1
      : a.partition > b.partition
      ? 1
      : (a.min_time ?? "") < (b.min_time ?? "")
      ? -1
      : (a.min_time ?? "") > (b.min_time ?? "")
      ? 1
      : a.file < b.file
      ? -1
      : 1
  );
  const out: ManifestFile[][] = [];
  let cur: ManifestFile[] = [], rows = 0, bytes = 0;
  let maxTime: string | null = null; // latest max_time of the current partition's files so far
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i]!;
    const prev = sorted[i - 1];
    const newPartition = !prev || prev.partition !== f.partition;
    if (newPartition) maxTime = null;
    // a cut inside a partition needs disjoint times: all before end before f starts
    const canCut = newPartition ||
      (maxTime !== null && f.min_time !== null && maxTime < f.min_time);
    const over = rows + f.rows > maxRows || bytes + (f.bytes ?? 0) > maxBytes;
    if (cur.length > 0 && over && canCut) {
      out.push(cur);
      cur = [];
      rows = 0;
      bytes = 0;
    }
    cur.push(f);
    rows += f.rows;
    bytes += f.bytes ?? 0;
    if (f.max_time === null || f.min_time === null) maxTime = "\uffff"; // unknown: no cut after
    else if (maxTime === null || f.max_time > maxTime) maxTime = f.max_time;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** A lazy scan of some committed files with the recorded types, and the columns it has. */
interface FileScan {
  lazy: pl.LazyDataFrame;
  columns: Set<string>;
}

/** A file Polars cannot open or decode, as an IntegrityError naming it. */
function unreadable(spec: DatasetSpec, path: string, e: unknown): IntegrityError {
  return new IntegrityError(
    `Cannot read ${path}: ${(e as Error).message.split("\n")[0]}`,
    path,
    "checksum",
    { dataset: spec.dataset, cause: e },
  );
}

/** A file's lazy scan and its footer (column names and types, no row decoded). */
async function footerOf(
  spec: DatasetSpec,
  path: string,
): Promise<{ lf: pl.LazyDataFrame; head: pl.DataFrame }> {
  try {
    const lf = pl.scanParquet(path, { hivePartitioning: false, glob: false });
    return { lf, head: await lf.head(0).collect() };
  } catch (e) {
    throw unreadable(spec, path, e);
  }
}

/**
 * Small files decoded in this process, by sha256 of their bytes (content-addressed: equal bytes
 * decode to equal frames, whichever dataset or path they are at), least recently used first.
 * Only files whose bytes were checked against that sha256 are kept; at most
 * {@link DECODED_CACHE_ROWS} rows in all (the manifest's row counts). Issue #21: a backfill's
 * quality pass and the backtest after it read the same 500 one-session files, each decode ~0.6 ms
 * of this thread. Polars frames are immutable (copy on write), so a frame handed out twice is safe.
 */
const decodedCache = new Map<string, { df: pl.DataFrame; rows: number }>();
let decodedRows = 0;
/** Rows of decoded small files kept for a later read of the same files (~100 bytes a row). */
export const DECODED_CACHE_ROWS = 2_000_000;

/** Forget every decoded file (tests; a process that wants the memory back). */
export function clearDecodedCache(): void {
  decodedCache.clear();
  decodedRows = 0;
}

/**
 * A small file decoded whole (see ReadOptions `smallFilesInMemory`): its rows, read on this
 * thread (one Polars call; its column names and types come from the frame, no second frame), or
 * the frame of an earlier read of the same verified bytes.
 */
function decodedOf(
  spec: DatasetSpec,
  path: string,
  f: ManifestFile,
  verified: boolean,
  bytes: Uint8Array | undefined,
): pl.DataFrame {
  const hit = verified ? decodedCache.get(f.sha256) : undefined;
  if (hit) {
    decodedCache.delete(f.sha256); // most recently used last
    decodedCache.set(f.sha256, hit);
    return hit.df;
  }
  let df: pl.DataFrame;
  try {
    df = pl.readParquet(
      bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : path,
      { parallel: "none" },
    );
  } catch (e) {
    throw unreadable(spec, path, e);
  }
  if (verified && df.height <= DECODED_CACHE_ROWS) {
    decodedCache.set(f.sha256, { df, rows: df.height });
    decodedRows += df.height;
    for (const [k, v] of decodedCache) {
      if (decodedRows <= DECODED_CACHE_ROWS) break;
      decodedCache.delete(k);
      decodedRows -= v.rows;
    }
  }
  return df;
}

/** Casts of the columns whose type differs from the recorded one (names and types of a file). */
function castsOf(
  names: string[],
  dtypes: pl.DataType[],
  schema: Record<string, ColumnType>,
  columns: Set<string>,
): pl.Expr[] {
  const casts: pl.Expr[] = [];
  for (let i = 0; i < names.length; i++) {
    const c = names[i]!;
    columns.add(c);
    const t = schema[c];
    if (t && lakeDtype(dtypes[i]!) !== t) casts.push(pl.col(c).cast(polarsType(t), false));
  }
  return casts;
}

/**
 * Check files (each before the next, see the module doc), then build their lazy scan: one
 * `scanParquet` per file with its columns cast to the recorded types where they differ,
 * concatenated diagonally. Each file's footer is read in Polars' threads as soon as the file is
 * checked (issue #21: read on the JS thread it cost ~0.15 ms per file of a many-file read).
 * With `smallFilesInMemory`, a file of at most SMALL_FILE_BYTES is decoded whole instead (issue
 * #21: 500 one-session files of minute bars, ~0.4 s of CPU instead of ~1 s), and consecutive
 * decoded files with the same column names and types (after the casts) are joined into one frame
 * by one native concat: no lazy frame or empty head per file (the JS wrappers nodejs-polars
 * builds around each frame cost ~0.25 ms apiece, more than concatenating the rows).
 */
async function scanFiles(
  spec: DatasetSpec,
  files: ManifestFile[],
  schema: Record<string, ColumnType>,
  options: Pick<ReadOptions, "root" | "verify" | "smallFilesInMemory">,
): Promise<FileScan> {
  const verify = options.verify ?? true;
  const parts: (pl.DataFrame | Promise<{ lf: pl.LazyDataFrame; head: pl.DataFrame }>)[] = [];
  // The checks (each a read and a hash in the blocking pool) run a few files ahead of the one
  // used, bounded in files and bytes; each is awaited in file order, so an error names the
  // first bad file, as when they ran one by one (issue #21: 500 sequential awaits left this
  // thread idle for a third of a many-file read).
  const checks: (Promise<{ path: string; bytes?: Uint8Array }> | undefined)[] = [];
  let next = 0, ahead = 0;
  for (let k = 0; k < files.length; k++) {
    while (
      next < files.length && next - k < CHECK_AHEAD_FILES &&
      (next === k || ahead + (files[next]!.bytes ?? 0) <= CHECK_AHEAD_BYTES)
    ) {
      const check = checkedFile(spec, files[next]!, { root: options.root, verify });
      check.catch(() => {}); // awaited below in order; a check ahead must not go unhandled
      checks[next] = check;
      ahead += files[next++]!.bytes ?? 0;
    }
    const f = files[k]!;
    const { path, bytes } = await checks[k]!;
    checks[k] = undefined;
    ahead -= f.bytes ?? 0;
    if (options.smallFilesInMemory && f.bytes !== undefined && f.bytes <= SMALL_FILE_BYTES) {
      // decoded now, after its check, from the bytes checked; an error names this file
      parts.push(decodedOf(spec, path, f, verify, bytes));
      continue;
    }
    const footer = footerOf(spec, path);
    footer.catch(() => {}); // awaited below; a check failing first must not leave it unhandled
    parts.push(footer);
  }
  const scans: pl.LazyDataFrame[] = [];
  const columns = new Set<string>();
  let run: pl.DataFrame[] = [], runKey = "";
  const endRun = () => {
    if (run.length) {
      scans.push((run.length === 1 ? run[0]! : pl.concat(run, { how: "diagonal" })).lazy());
    }
    run = [];
  };
  for (const part of parts) {
    if (part instanceof Promise) {
      endRun();
      const { lf, head } = await part; // in file order: an error names the first bad file
      const casts = castsOf(head.columns, head.dtypes, schema, columns);
      scans.push(casts.length ? lf.withColumns(...casts) : lf);
      continue;
    }
    let df = part, names = df.columns, dtypes = df.dtypes;
    const casts = castsOf(names, dtypes, schema, columns);
    if (casts.length) (df = df.withColumns(...casts), names = df.columns, dtypes = df.dtypes);
    const key = names.map((c, i) => `${c}:${dtypes[i]}`).join(",");
    if (key !== runKey) endRun();
    runKey = key;
    run.push(df);
  }
  endRun();
  const lazy = scans.length === 1 ? scans[0]! : pl.concat(scans, { how: "diagonal" });
  return { lazy, columns };
}

/** The plan of a read on a scan: filters, sort, lineage drop, projection (see readDataset). */
function applyRead(
  spec: DatasetSpec,
  scan: FileScan,
  options: ReadOptions,
): pl.LazyDataFrame {
  let lf = scan.lazy;
  const t = spec.timeColumn;
  const isDate = spec.schema[t] === "date";
  const bound = (d: Date) =>
    isDate
      ? pl.lit(d.toISOString().slice(0, 10)).str.strptime(pl.Date, "%Y-%m-%d")
      : pl.lit(d.getTime()).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  const preds: pl.Expr[] = [];
  if (options.start) preds.push(pl.col(t).gtEq(bound(options.start)));
  if (options.end) preds.push(pl.col(t).lt(bound(options.end)));
  if (options.asOf) {
    if (!scan.columns.has(KNOWN_AT)) {
      throw new TypeError(
        `Cannot read ${spec.dataset} as of ${options.asOf.toISOString()}: it has no ${KNOWN_AT} column`,
      );
    }
    preds.push(
      pl.col(KNOWN_AT).ltEq(
        pl.lit(options.asOf.getTime()).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      ),
    );
  }
  if (options.symbols) {
    const sc = symbolColumn(scan.columns);
    if (!sc) {
      throw new TypeError(
        `Cannot read ${spec.dataset} for symbols ${
          options.symbols.slice(0, 3).join(", ")
        }: it has no ${SYMBOL_COLUMNS.join(", ")} column`,
      );
    }
    preds.push(pl.col(sc).cast(pl.Utf8).isIn(options.symbols));
  }
  if (preds.length) lf = lf.filter(preds.reduce((a, b) => a.and(b)));
  lf = lf.sort([t, ...spec.naturalKey.filter((k) => k !== t)]);
  if (options.dropLineage) {
    const lineage = LINEAGE_COLUMNS.filter((c) => scan.columns.has(c));
    if (lineage.length) lf = lf.drop(lineage);
  }
  if (options.columns) lf = lf.select(...options.columns);
  return lf;
}

/**
 * A dataset as a Polars lazy scan: the committed files that may hold rows in [start, end),
 * checked (see the module doc), with the time, `asOf` and `symbols` filters, the sort by event
 * time then natural key, the lineage drop and the column selection in the plan, so that
 * collecting it decodes only what the result needs. A dataset without matching files gives an
 * empty frame without columns. Collecting gives exactly `readDataset`'s frame.
 *
 * @throws IntegrityError for a committed file that is missing, changed, a symlink or unreadable;
 *   TypeError for `asOf` on a dataset without `known_at` or `symbols` on one without a symbol
 *   column.
 *
 * @example
 * ```ts ignore
 * const lf = await scanDataset(spec, { start: new Date("2024-03-01"), end: new Date("2024-04-01"),
 *   symbols: ["SPY"], columns: ["ts", "close"] });
 * const df = await lf.collect(); // decodes ts, close and the filter/sort columns of March only
 * ```
 */
export async function scanDataset(
  spec: DatasetSpec,
  options: ReadOptions = {},
): Promise<pl.LazyDataFrame> {
  const state = options.version !== undefined
    ? await stateAtVersion(spec, options.version, options.root)
    : await committedState(spec, options.root);
  const files = selectFiles(spec, state, options);
  if (files.length === 0) return pl.DataFrame({}).lazy();
  return applyRead(spec, await scanFiles(spec, files, state.schema, options), options);
}

/**
 * A dataset read in batches: groups of committed files ({@link fileBatches}, by `batchRows` /
 * `batchBytes` of the manifest's counts), each checked, scanned with the read's pushdown and
 * collected only when the caller asks for it; batches with no row left after the filters are
 * skipped. Each batch is sorted like `readDataset`, and the batches come in time order, so their
 * concatenation equals `readDataset`'s frame. Memory holds one batch (plus what the caller keeps).
 *
 * @example
 * ```ts ignore
 * for await (const day of readDatasetBatches(spec, { batchRows: 500_000, columns: ["ts", "close"] })) {
 *   total += day.height;
 * }
 * ```
 */
export async function* readDatasetBatches(
  spec: DatasetSpec,
  options: BatchOptions = {},
): AsyncGenerator<pl.DataFrame> {
  const state = options.version !== undefined
    ? await stateAtVersion(spec, options.version, options.root)
    : await committedState(spec, options.root);
  const files = selectFiles(spec, state, options);
  const groups = fileBatches(files, {
    rows: options.batchRows ?? 1_000_000,
    ...(options.batchBytes !== undefined ? { bytes: options.batchBytes } : {}),
  });
  for (const g of groups) {
    const scan = await scanFiles(spec, g, state.schema, {
      smallFilesInMemory: options.columns === undefined,
      ...options,
    });
    const df = await applyRead(spec, scan, options).collect();
    if (df.height > 0) yield df;
  }
}
