/**
 * The per-dataset manifest: an append-only JSON-lines log under `_meta/.../manifest.jsonl`. Each
 * write or compaction appends one entry listing the files it added and removed (rows, sha256,
 * min/max event time) and the dataset schema after it; folding the log gives the current state,
 * so a run can pin the exact files it read and be rerun bit for bit.
 */
import { join } from "node:path";
import type { ColumnType, DatasetMeta, DatasetSpec } from "./spec.ts";

/** One data file as recorded in the manifest. */
export interface ManifestFile {
  /** Partition directory name (`date=2024-01-02`), or "" for unpartitioned. */
  partition: string;
  file: string;
  rows: number;
  sha256: string;
  /** Min and max event time in the file (ISO string), or null when empty. */
  min_time: string | null;
  max_time: string | null;
  /** Parquet compression codec of the file; absent in entries written before it was recorded (zstd). */
  codec?: string;
}

/** One manifest entry. */
export interface ManifestEntry {
  write_id: string;
  at: string;
  kind: "write" | "compact";
  transform_id: string;
  source_uri: string;
  added: ManifestFile[];
  removed: { partition: string; file: string }[];
  schema: Record<string, ColumnType>;
  /** Completeness watermark set by the caller (ISO), carried forward when absent. */
  watermark?: string | null;
  /**
   * What the dataset is (its spec's meta, partitioning, time column and natural key) as the
   * writer knew it; carried forward when absent (entries written before it was recorded).
   */
  spec?: ManifestSpec;
}

/** The part of a {@link DatasetSpec} a manifest records, so a reader needs nothing but the name. */
export interface ManifestSpec {
  /** Declared meaning (calendar, currency, frequency, kind); absent when the producer declared none. */
  meta?: DatasetMeta;
  partitioning: NonNullable<DatasetSpec["partitioning"]>;
  timeColumn: string;
  naturalKey: string[];
}

/** The recorded part of a spec (see {@link ManifestSpec}). */
export function manifestSpecOf(spec: DatasetSpec): ManifestSpec {
  return {
    ...(spec.meta ? { meta: { ...spec.meta } } : {}),
    partitioning: spec.partitioning ?? "none",
    timeColumn: spec.timeColumn,
    naturalKey: [...spec.naturalKey],
  };
}

/** The folded state of a dataset. */
export interface ManifestState {
  files: ManifestFile[];
  rows: number;
  min_time: string | null;
  max_time: string | null;
  watermark: string | null;
  schema: Record<string, ColumnType>;
  entries: number;
  /** The latest recorded spec, or null when no entry recorded one (old manifests). */
  spec: ManifestSpec | null;
}

/** Path of the manifest log in a meta directory. */
export function manifestPath(meta: string): string {
  return join(meta, "manifest.jsonl");
}

/** Read all entries (empty when there is no manifest yet). */
export function readManifest(meta: string): ManifestEntry[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(manifestPath(meta));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as ManifestEntry);
}

/** Fold entries into the current state. */
export function foldManifest(entries: ManifestEntry[]): ManifestState {
  const files = new Map<string, ManifestFile>();
  let watermark: string | null = null;
  let schema: Record<string, ColumnType> = {};
  let spec: ManifestSpec | null = null;
  for (const e of entries) {
    if (e.spec) spec = e.spec;
    for (const r of e.removed) files.delete(`${r.partition}/${r.file}`);
    for (const a of e.added) files.set(`${a.partition}/${a.file}`, a);
    if (e.watermark !== undefined && e.watermark !== null) watermark = e.watermark;
    schema = e.schema;
  }
  const list = [...files.values()].sort((a, b) =>
    a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : a.file < b.file ? -1 : 1
  );
  let rows = 0;
  let min: string | null = null;
  let max: string | null = null;
  for (const f of list) {
    rows += f.rows;
    if (f.min_time !== null && (min === null || f.min_time < min)) min = f.min_time;
    if (f.max_time !== null && (max === null || f.max_time > max)) max = f.max_time;
  }
  return {
    files: list,
    rows,
    min_time: min,
    max_time: max,
    watermark,
    schema,
    entries: entries.length,
    spec,
  };
}

/**
 * Append one entry durably (write, fsync). Skips an entry whose write_id is already present
 * (a journal replayed after a crash may have been appended already); `fresh` says the write_id
 * was just made and cannot be there, which spares reading the whole manifest. @default false
 */
export async function appendManifest(
  meta: string,
  entry: ManifestEntry,
  options: { fresh?: boolean } = {},
): Promise<void> {
  if (!options.fresh && readManifest(meta).some((e) => e.write_id === entry.write_id)) return;
  Deno.mkdirSync(meta, { recursive: true });
  const f = await Deno.open(manifestPath(meta), { append: true, create: true });
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(entry) + "\n");
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.sync();
  } finally {
    f.close();
  }
}
