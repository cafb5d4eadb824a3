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
  /** Size of the file in bytes; absent in entries written before it was recorded. */
  bytes?: number;
}

/** One manifest entry. */
export interface ManifestEntry {
  write_id: string;
  at: string;
  /** `repair`: written by `verify --repair` (files dropped as missing or corrupt, or adopted). */
  kind: "write" | "compact" | "repair";
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
  /**
   * Rows `verify --repair` dropped (missing or changed files) and could not restore, recorded so
   * the loss stays visible after the repair (see {@link LostRows}); absent in every other entry
   * and in entries written before losses were recorded.
   */
  lost?: LostRows[];
}

/**
 * Rows of one dropped file that a repair could not restore (a user dataset cannot be refetched,
 * a refetch failed, ...). The record is open from its entry on until later `write` entries add,
 * to the same partition, files holding together at least `rows` rows whose recorded time range
 * spans [min_time, max_time] (re-ingesting the file, a backfill of the range); a compaction or a
 * repair never clears it. See {@link foldManifest} (`ManifestState.lost`).
 */
export interface LostRows {
  /** Partition of the dropped file (`year=1995`), or "". */
  partition: string;
  /** Path of the dropped file (it no longer exists or is quarantined). */
  file: string;
  rows: number;
  min_time: string | null;
  max_time: string | null;
  /** Lineage `source_uri`s (as recorded: redacted) whose rows the file may have held. */
  sources: string[];
  /** Why it was not restored (one line). */
  reason: string;
  /** What to do (`re-ingest file:///...`). */
  advice: string;
}

/** A {@link LostRows} record still open, with the instant of the entry that recorded it. */
export interface OpenLoss extends LostRows {
  /** When the repair recorded it (ISO instant). */
  at: string;
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
  /**
   * Rows a repair dropped and could not restore, not yet written again (see {@link LostRows}
   * for when a record clears); [] when none. Optional only for states built by hand.
   */
  lost?: OpenLoss[];
  /**
   * Lines of the manifest that could not be read (torn or garbage); the state is then the last
   * complete one, folded from the entries before the first bad line. Empty when the log is sound.
   */
  problems: ManifestProblem[];
}

/** A manifest line that is not a complete entry. */
export interface ManifestProblem {
  /** Path of the manifest file. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** `torn`: the last line, cut short (a write that died or a full disk); `garbage`: any other. */
  kind: "torn" | "garbage";
  /** What is wrong with it. */
  reason: string;
}

/** The manifest log read line by line: complete entries up to the first bad line, and problems. */
export interface ManifestLog {
  entries: ManifestEntry[];
  problems: ManifestProblem[];
  /** Bytes of the file that hold the complete entries (a repair truncates the log to these). */
  goodBytes: number;
  /** Total bytes of the file (0 when it does not exist). */
  totalBytes: number;
  /** The manifest file exists. */
  exists: boolean;
}

/** Path of the manifest log in a meta directory. */
export function manifestPath(meta: string): string {
  return join(meta, "manifest.jsonl");
}

/** Why a parsed manifest line is not an entry, or null when it is one. */
function entryShapeError(x: unknown): string | null {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return "not a JSON object";
  const e = x as Record<string, unknown>;
  if (typeof e.write_id !== "string") return "no write_id";
  if (!Array.isArray(e.added) || !Array.isArray(e.removed)) return "no added/removed lists";
  if (typeof e.schema !== "object" || e.schema === null) return "no schema";
  for (const a of e.added as unknown[]) {
    const f = a as Record<string, unknown> | null;
    if (
      !f || typeof f.partition !== "string" || typeof f.file !== "string" ||
      typeof f.rows !== "number" || typeof f.sha256 !== "string" ||
      !/^[0-9a-f]{64}$/.test(f.sha256) || f.file.includes("/") || f.partition.includes("/") ||
      f.file.startsWith(".")
    ) {
      return `added file ${JSON.stringify(a).slice(0, 120)} is malformed`;
    }
  }
  for (const r of e.removed as unknown[]) {
    const f = r as Record<string, unknown> | null;
    if (!f || typeof f.partition !== "string" || typeof f.file !== "string") {
      return "a removed file is malformed";
    }
  }
  if (e.lost !== undefined) {
    if (!Array.isArray(e.lost)) return "lost is not a list";
    for (const l of e.lost as unknown[]) {
      const f = l as Record<string, unknown> | null;
      if (
        !f || typeof f.partition !== "string" || typeof f.file !== "string" ||
        typeof f.rows !== "number" || !Array.isArray(f.sources) ||
        typeof f.reason !== "string" || typeof f.advice !== "string"
      ) {
        return `lost record ${JSON.stringify(l).slice(0, 120)} is malformed`;
      }
    }
  }
  return null;
}

/**
 * Read the manifest log line by line. Entries are taken up to the first line that is not a
 * complete entry (a torn last line from a write that died or a full disk, or garbage): that line
 * and everything after it are reported in `problems`, never guessed at.
 */
export function readManifestLog(meta: string): ManifestLog {
  const path = manifestPath(meta);
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { entries: [], problems: [], goodBytes: 0, totalBytes: 0, exists: false };
    }
    throw e;
  }
  const entries: ManifestEntry[] = [];
  const problems: ManifestProblem[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  let line = 0;
  let goodBytes = 0;
  while (start < bytes.length) {
    line++;
    let end = bytes.indexOf(10, start);
    const terminated = end >= 0;
    if (!terminated) end = bytes.length;
    const raw = bytes.subarray(start, end);
    const next = terminated ? end + 1 : end;
    let reason: string | null = null;
    let text = "";
    try {
      text = decoder.decode(raw);
    } catch {
      reason = "bytes that are not UTF-8";
    }
    if (reason === null && text.trim() === "") {
      start = next;
      if (problems.length === 0) goodBytes = next;
      continue;
    }
    let entry: unknown = null;
    if (reason === null) {
      try {
        entry = JSON.parse(text);
      } catch (e) {
        reason = `not JSON (${(e as Error).message.split("\n")[0]})`;
      }
    }
    if (reason === null) reason = entryShapeError(entry);
    if (reason === null && !terminated) reason = "no line end";
    if (reason !== null || problems.length > 0) {
      const last = next >= bytes.length;
      problems.push({
        file: path,
        line,
        kind: last && !terminated && problems.length === 0 ? "torn" : "garbage",
        reason: reason ?? "follows a bad line",
      });
    } else {
      entries.push(entry as ManifestEntry);
      goodBytes = next;
    }
    start = next;
  }
  return { entries, problems, goodBytes, totalBytes: bytes.length, exists: true };
}

/** Format manifest problems as one message naming the file and line of each. */
export function describeManifestProblems(problems: ManifestProblem[]): string {
  const first = problems[0];
  if (!first) return "";
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more bad lines)` : "";
  return `${first.file} line ${first.line} is ${
    first.kind === "torn" ? "torn" : "not a manifest entry"
  }: ${first.reason}${more}`;
}

/**
 * Read the complete entries (empty when there is no manifest yet). A torn or garbage line ends
 * the log: the entries before it are the last complete state (see {@link readManifestLog}, which
 * also reports the bad lines).
 */
export function readManifest(meta: string): ManifestEntry[] {
  return readManifestLog(meta).entries;
}

/** Fold entries into the current state (`problems` as given, [] by default). */
export function foldManifest(
  entries: ManifestEntry[],
  problems: ManifestProblem[] = [],
): ManifestState {
  const files = new Map<string, ManifestFile>();
  let watermark: string | null = null;
  let schema: Record<string, ColumnType> = {};
  let spec: ManifestSpec | null = null;
  /** Open losses with what later writes added to their partition. */
  const lost: { loss: OpenLoss; rows: number; lo: string | null; hi: string | null }[] = [];
  for (const e of entries) {
    if (e.spec) spec = e.spec;
    if (e.kind === "write" && lost.length > 0) {
      for (const l of lost) {
        for (const a of e.added) {
          if (a.partition !== l.loss.partition) continue;
          l.rows += a.rows;
          if (a.min_time !== null && (l.lo === null || a.min_time < l.lo)) l.lo = a.min_time;
          if (a.max_time !== null && (l.hi === null || a.max_time > l.hi)) l.hi = a.max_time;
        }
      }
      for (let i = lost.length - 1; i >= 0; i--) {
        const l = lost[i]!;
        const { min_time: lo, max_time: hi } = l.loss;
        if (
          l.rows >= l.loss.rows && (lo === null || (l.lo !== null && l.lo <= lo)) &&
          (hi === null || (l.hi !== null && l.hi >= hi))
        ) lost.splice(i, 1);
      }
    }
    for (const x of Array.isArray(e.lost) ? e.lost : []) {
      lost.push({ loss: { ...x, at: e.at }, rows: 0, lo: null, hi: null });
    }
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
    lost: lost.map((l) => l.loss),
    problems,
  };
}

/** A manifest that cannot be appended to until it is repaired. */
export class ManifestError extends Error {
  /** Path of the manifest file. */
  readonly file: string;
  constructor(message: string, file: string) {
    super(message);
    this.name = "ManifestError";
    this.file = file;
  }
}

/**
 * Repair a torn last line before appending (call under the dataset lock): the bytes after the
 * last complete entry are cut off (kept beside the log as `manifest.jsonl.torn-<time>` so nothing
 * is lost unseen). Garbage before the last line is not cut: it may hide committed entries, so it
 * is refused with a {@link ManifestError} naming the file and line (`deno task verify --repair`
 * rebuilds the log from the data files). Returns the problems repaired.
 */
export async function repairTornManifest(meta: string): Promise<ManifestProblem[]> {
  const log = readManifestLog(meta);
  if (log.problems.length === 0) return [];
  const path = manifestPath(meta);
  if (log.problems.length > 1 || log.problems[0]!.kind !== "torn") {
    throw new ManifestError(
      `Cannot append to ${path}: ${
        describeManifestProblems(log.problems)
      }; run \`deno task verify --repair\` to rebuild it from the data files`,
      path,
    );
  }
  const bytes = Deno.readFileSync(path);
  const stamp = new Date().toISOString().replaceAll(":", "");
  Deno.writeFileSync(`${path}.torn-${stamp}`, bytes.subarray(log.goodBytes));
  const f = await Deno.open(path, { write: true });
  try {
    await f.truncate(log.goodBytes);
    await f.sync();
  } finally {
    f.close();
  }
  return log.problems;
}

/**
 * Append one entry durably (write, fsync). Skips an entry whose write_id is already present
 * (a journal replayed after a crash may have been appended already); `fresh` says the write_id
 * was just made and cannot be there, which spares reading the whole manifest. @default false
 *
 * A replayed entry first has a torn last line cut off (see {@link repairTornManifest}; a fresh
 * entry's writer does that before writing). When the append itself
 * fails (a full disk), the bytes it added are cut off again, so the log keeps its last complete
 * state, and the error names the file.
 */
export async function appendManifest(
  meta: string,
  entry: ManifestEntry,
  options: { fresh?: boolean } = {},
): Promise<void> {
  if (!options.fresh) {
    // A replayed journal: its entry may be there already, after a torn line to cut. (A fresh
    // entry's writer checked the log under the lock it still holds.)
    await repairTornManifest(meta);
    if (readManifest(meta).some((e) => e.write_id === entry.write_id)) return;
  }
  Deno.mkdirSync(meta, { recursive: true });
  const path = manifestPath(meta);
  const f = await Deno.open(path, { append: true, create: true });
  let size = 0;
  try {
    size = (await f.stat()).size;
    const bytes = new TextEncoder().encode(JSON.stringify(entry) + "\n");
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.sync();
  } catch (e) {
    try {
      await f.truncate(size);
    } catch { /* the reader stops at the torn line; the next append cuts it */ }
    throw new Error(`Cannot append to manifest ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    f.close();
  }
}
