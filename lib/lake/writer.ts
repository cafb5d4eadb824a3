/**
 * The lake writer: atomic, idempotent, deduplicating writes of a Polars DataFrame into a
 * dataset, with lineage on every row and a manifest entry per write.
 *
 * Protocol (crash-safe at any instant):
 * 1. Under the dataset lock, recover any interrupted write (see `recoverDataset`).
 * 2. For every partition touched: read the partition, merge by natural key (a later row wins;
 *    rows identical to what is stored are dropped), and write either one new file with only the
 *    new keys (append) or one merged file replacing the partition's files (rewrite). Files are
 *    first written under a hidden temporary name and fsynced.
 * 3. Write a journal naming every rename and removal plus the manifest entry, fsync, rename:
 *    this is the commit point.
 * 4. Apply the journal (rename temps into place, remove replaced files, append the manifest
 *    entry), then delete the journal. A crash before 3 leaves the old data (stray temps are
 *    removed by recovery); a crash after 3 is rolled forward by recovery.
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
  readManifest,
} from "./manifest.ts";
import {
  type ColumnType,
  datasetDir,
  type DatasetSpec,
  KNOWN_AT,
  LINEAGE_COLUMNS,
  metaDir,
  validateSpec,
} from "./spec.ts";
import { listDir, sha256Hex, syncDir, writeAtomic, writeDurable } from "./_fs.ts";
import { partitionDays, partitionName } from "./_partition.ts";
import { alignTypes, lakeType, polarsType } from "./_types.ts";

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
  /** The request or file the rows came from; secrets are redacted before storing. */
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
 * Finish or roll back an interrupted write of a dataset. Call under the dataset lock (the writer
 * and `readDataset` do).
 */
export function recoverDataset(
  spec: Pick<DatasetSpec, "zone" | "source" | "dataset">,
  root?: string,
): boolean {
  const meta = metaDir(spec, root);
  const jpath = join(meta, JOURNAL);
  let journal: Journal | null = null;
  try {
    journal = JSON.parse(Deno.readTextFileSync(jpath)) as Journal;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  let changed = false;
  if (journal) {
    applyJournal(meta, journal);
    changed = true;
  }
  // Stray temporaries from a write that died before its commit point.
  const dir = datasetDir(spec, root);
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

function applyJournal(meta: string, j: Journal): void {
  for (const r of j.renames) {
    try {
      Deno.renameSync(r.from, r.to);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e; // already renamed
    }
  }
  for (const p of j.removes) {
    try {
      Deno.removeSync(p);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  for (const d of new Set(j.renames.map((r) => r.to.slice(0, r.to.lastIndexOf("/"))))) syncDir(d);
  appendManifest(meta, j.entry);
  Deno.removeSync(join(meta, JOURNAL));
  syncDir(meta);
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

function readPartition(dir: string): { df: pl.DataFrame | null; files: string[] } {
  const files = listDir(dir).filter((e) => e.isFile && e.name.endsWith(".parquet")).map((e) =>
    e.name
  ).sort();
  if (files.length === 0) return { df: null, files };
  const frames = files.map((f) => pl.readParquet(join(dir, f)));
  return { df: frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "diagonal" }), files };
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
  const meta = metaDir(spec, options.root);
  const dir = datasetDir(spec, options.root);
  const release = await acquireLock(meta, options.lock);
  try {
    recoverDataset(spec, options.root);
    const state = foldManifest(readManifest(meta));
    const { df: typed, schema } = conform(spec, input, state.schema);
    const ingested = (options.ingestedAt ?? new Date()).getTime();
    let df = typed.withColumns(
      pl.lit(ingested).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")).alias("ingested_at"),
      pl.lit(redact(options.sourceUri)).cast(pl.Utf8).alias("source_uri"),
      pl.lit(options.transformId).cast(pl.Utf8).alias("transform_id"),
    );
    // In-batch dedup: last occurrence of a key wins (order restored by the sort below).
    if (df.height > 1) {
      df = df.unique({ subset: spec.naturalKey, keep: "last", maintainOrder: false });
    }
    const rowsIn = df.height;
    const days = partitionDays(spec, df);
    const groups: [string, pl.DataFrame][] = [];
    if (days === null) groups.push(["", df]);
    else if (df.height > 0) {
      const tagged = df.withColumns(pl.Series("__part", days));
      const first = days[0]!;
      if (days.every((d) => d === first)) groups.push([partitionName(spec, first), df]);
      else {
        for (const g of tagged.partitionBy("__part", false, true)) {
          const p = partitionName(spec, g.getColumn("__part").get(0) as number);
          groups.push([p, g.drop("__part")]);
        }
      }
      groups.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    }
    const sortCols = [spec.timeColumn, ...spec.naturalKey.filter((k) => k !== spec.timeColumn)];
    const writeId = crypto.randomUUID();
    const renames: { from: string; to: string }[] = [];
    const removes: string[] = [];
    const added: ManifestFile[] = [];
    const removed: { partition: string; file: string }[] = [];
    const touched: string[] = [];
    let rowsWritten = 0;
    const stageFile = async (
      out: pl.DataFrame,
      part: string,
      pdir: string,
      replace: boolean,
      oldFiles: string[],
    ) => {
      const bytes = new Uint8Array(out.writeParquet({ compression: "zstd" }));
      const sha = await sha256Hex(bytes);
      const name = `part-${sha.slice(0, 16)}.parquet`;
      Deno.mkdirSync(pdir, { recursive: true });
      const tmp = join(pdir, `.${name}.${writeId.slice(0, 8)}.tmp`);
      writeDurable(tmp, bytes);
      renames.push({ from: tmp, to: join(pdir, name) });
      const [lo, hi] = timeBounds(spec, out);
      added.push({
        partition: part,
        file: name,
        rows: out.height,
        sha256: sha,
        min_time: lo,
        max_time: hi,
      });
      if (replace) {
        for (const f of oldFiles) {
          if (f === name) continue;
          removes.push(join(pdir, f));
          removed.push({ partition: part, file: f });
        }
      }
    };
    for (const [part, rowsNew] of groups) {
      const pdir = part ? join(dir, part) : dir;
      // Append fast path: when the time column is part of the natural key and every incoming
      // row is later than everything the manifest records for this partition, no stored row can
      // share a key, so the partition need not be read (streaming and incremental backfills).
      const partFiles = state.files.filter((f) => f.partition === part);
      if (
        partFiles.length > 0 && partFiles.length < 64 && spec.naturalKey.includes(spec.timeColumn)
      ) {
        let maxStored: string | null = null;
        for (const f of partFiles) {
          if (f.max_time !== null && (maxStored === null || f.max_time > maxStored)) {
            maxStored = f.max_time;
          }
        }
        const [minNew] = timeBounds(spec, rowsNew);
        if (maxStored !== null && minNew !== null && minNew > maxStored) {
          rowsWritten += rowsNew.height;
          await stageFile(rowsNew.sort(sortCols), part, pdir, false, []);
          touched.push(part);
          continue;
        }
      }
      const existing = readPartition(pdir);
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
          out = pl.concat([kept, changed, fresh], { how: "diagonal" });
          replace = true;
          rowsWritten += changed.height + fresh.height;
        }
      }
      await stageFile(out.sort(sortCols), part, pdir, replace, existing.files);
      touched.push(part);
    }
    options.onStep?.("files-written");
    if (added.length === 0) {
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
    };
    Deno.mkdirSync(meta, { recursive: true });
    writeAtomic(
      join(meta, JOURNAL),
      JSON.stringify({ write_id: writeId, renames, removes, entry } satisfies Journal),
    );
    options.onStep?.("journal-written");
    applyJournal(meta, { write_id: writeId, renames, removes, entry });
    options.onStep?.("applied");
    return {
      rowsIn,
      rowsWritten,
      partitions: touched,
      filesAdded: added.map((a) => `${a.partition}/${a.file}`),
      filesRemoved: removed.map((r) => `${r.partition}/${r.file}`),
      noop: false,
      writeId,
    };
  } finally {
    release();
  }
}

/** Record a completeness watermark without writing rows. */
export async function setWatermark(
  spec: DatasetSpec,
  watermark: Date | string,
  options: { root?: string; transformId?: string } = {},
): Promise<void> {
  const meta = metaDir(spec, options.root);
  const release = await acquireLock(meta);
  try {
    recoverDataset(spec, options.root);
    const state = foldManifest(readManifest(meta));
    const iso = watermark instanceof Date ? watermark.toISOString() : watermark;
    if (state.watermark === iso) return;
    appendManifest(meta, {
      write_id: crypto.randomUUID(),
      at: new Date().toISOString(),
      kind: "write",
      transform_id: options.transformId ?? "watermark",
      source_uri: "",
      added: [],
      removed: [],
      schema: state.schema,
      watermark: iso,
    });
  } finally {
    release();
  }
}
