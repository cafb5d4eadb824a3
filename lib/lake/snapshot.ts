/**
 * Pinned snapshots: the exact file list of a dataset at one manifest version (and optionally as
 * of a `known_at` instant), recorded under the dataset's `_meta/.../pins/<id>.json`, and exported
 * for engines outside the workbench (DuckDB, Spark, Trino, Polars) so they read a consistent
 * snapshot, never whatever the folders list at that moment.
 *
 * Conventions:
 * - Version `v` is the state folded from the first `v` manifest entries (the manifest's line
 *   count after `v` commits); the latest version is the number of entries.
 * - `asOf` is the point-in-time row filter of `readDataset`: rows with `known_at <= asOf`. It
 *   does not choose files (a file may hold rows on both sides), so it is written into every
 *   export as a `WHERE` clause.
 * - A versioned dataset (its key holds `known_at`, lib/lake/versions.ts) keeps every version of
 *   a revised row in its files: every export keeps one row per entity key, the greatest
 *   `known_at` after the as-of filter (as `loadDataset` does), and states that row count and the
 *   number of stored versions.
 * - While a live pin (no expiry, or an expiry in the future) lists a file, a write or compaction
 *   that replaces the file leaves it on disk ({@link pinnedFileSet}, called by the writer's
 *   journal apply; `verify` does not report it as a stray). {@link gcSnapshots} removes expired
 *   pins and deletes replaced files no live pin holds; {@link unpinSnapshot} removes a pin.
 * - An `s3://` lake keeps its pins in its catalog (table `lake_pin`) and its replaced objects in
 *   `lake_garbage` (see lib/lake/_remote_commit.ts): a writer deletes a replaced object only
 *   after a grace period and never while a live pin holds it; {@link gcSnapshots} removes expired
 *   pins and deletes the replaced objects that no live pin holds and whose grace is over.
 * - Pinning happens under the dataset lock after recovery, so no write or compaction can delete
 *   a file between reading the manifest and recording the pin. A version whose files were already
 *   deleted by a later write (no pin held them) cannot be pinned: the error names the files and
 *   the entry that replaced them.
 *
 * @example
 * ```ts ignore
 * const pin = await pinSnapshot({ zone: "curated", source: "user", dataset: "bars" },
 *   { asOf: new Date("2024-06-28T20:00:00Z") });
 * await exportSnapshot(pin, "out/snap");  // bars_<id>.duckdb.sql, .spark.sql, .trino.sql, .polars.py, .files.tsv
 * ```
 */
import { join, resolve } from "node:path";
import pl from "nodejs-polars";
import { listDir, writeAtomic } from "../core/fs.ts";
import { acquireLock, type LockOptions } from "./lock.ts";
import {
  foldManifest,
  type ManifestEntry,
  type ManifestFile,
  type ManifestState,
  readManifestLog,
} from "./manifest.ts";
import { type DatasetSpec, KNOWN_AT, lakeRoot, LINEAGE_COLUMNS, metaDir } from "./spec.ts";
import { recoverDataset } from "./writer.ts";
import { assertInsideLake, filePath, verifyFiles } from "./integrity.ts";
import { duckdbPathList } from "./reader.ts";
import { listDatasets } from "./verify.ts";
import { localFiles, remoteOf } from "./store/files.ts";
import { entityKey, latestVersions } from "./versions.ts";
import { datasetName, objectKey, type RemoteLake } from "./store/remote.ts";
import { beginRemote, collectGarbage } from "./_remote_commit.ts";
import { openLake } from "./open.ts";
import {
  pinIsLive,
  pinnedKey,
  pinnedKeys,
  pinsDir,
  readCatalogPins,
  readPinFile,
  readPins,
  type SnapshotPin,
} from "./_pins.ts";

export {
  datasetDirOfMeta,
  PinError,
  pinIsLive,
  type PinnedFile,
  pinnedFileSet,
  pinnedKeys,
  PinSchema,
  type SnapshotPin,
} from "./_pins.ts";

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

const label = (w: Where) => `${w.zone}/${w.source}/${w.dataset}`;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A snapshot cannot be pinned, found or exported (the message says which and why). */
export class SnapshotError extends Error {
  /** `zone/source/dataset`. */
  readonly dataset: string;
  constructor(message: string, dataset: string) {
    super(message);
    this.name = "SnapshotError";
    this.dataset = dataset;
  }
}

/** Options of {@link pinSnapshot}. */
export interface PinOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Manifest version (number of entries folded, 1-based). @default the latest */
  version?: number;
  /** Only rows with `known_at <= asOf` are part of the snapshot. @default every row */
  asOf?: Date;
  /** The pin stops holding its files after this instant. @default never */
  expiresAt?: Date;
  /** Pin id (letters, digits, `_.-`). @default `v<version>-<8 hex>` */
  id?: string;
  /** Creation instant recorded. @default now */
  now?: Date;
  /** Lock options (the pin is taken under the dataset lock). */
  lock?: LockOptions;
}

/**
 * Pin a snapshot of a dataset: record the exact files of a manifest version (each present with
 * its recorded size) under `_meta/.../pins/<id>.json`, written atomically under the dataset lock.
 * Throws a {@link SnapshotError} for an unknown dataset, a damaged manifest, a version that does
 * not exist, an `asOf` on a dataset without `known_at`, or a version whose files are gone.
 */
export async function pinSnapshot(where: Where, options: PinOptions = {}): Promise<SnapshotPin> {
  const name = label(where);
  if (options.id !== undefined && !ID.test(options.id)) {
    throw new RangeError(
      `Invalid pin id ${JSON.stringify(options.id)}: use letters, digits, "_", "." and "-"`,
    );
  }
  if (
    options.version !== undefined && (!Number.isInteger(options.version) || options.version < 1)
  ) {
    throw new RangeError(`Invalid manifest version ${options.version}: must be an integer >= 1`);
  }
  const root = options.root;
  const lake = remoteOf(root);
  if (lake) return await pinRemote(where, lake, options);
  const meta = metaDir(where, root);
  if (!readManifestLog(meta).exists) {
    throw new SnapshotError(
      `Cannot pin ${name}: it has no manifest under ${lakeRoot(root)} (nothing was ever written)`,
      name,
    );
  }
  const release = await acquireLock(meta, options.lock);
  try {
    await recoverDataset(where, root, { sweep: release.tookOver });
    const log = readManifestLog(meta);
    if (log.problems.length > 0) {
      const p = log.problems[0]!;
      throw new SnapshotError(
        `Cannot pin ${name}: ${p.file} line ${p.line} is ${p.kind} (${p.reason}); run \`deno task verify --repair\` first`,
        name,
      );
    }
    const n = log.entries.length;
    const { version, state } = versionState(
      name,
      log.entries,
      options,
      "its manifest",
      `Cannot pin ${name}: its manifest has no entries`,
    );
    // The version's files must all still be there: a later write or compaction deletes the
    // files it replaces unless a pin held them.
    const gone: string[] = [];
    for (const f of state.files) {
      const path = filePath(where, f, root);
      assertInsideLake(path, root, where.dataset);
      let size: number | null = null;
      try {
        const st = Deno.lstatSync(path);
        if (st.isFile) size = st.size;
      } catch { /* missing */ }
      if (size === null || (f.bytes !== undefined && size !== f.bytes)) {
        const by = log.entries.findIndex((e, i) =>
          i >= version && e.removed.some((r) => r.partition === f.partition && r.file === f.file)
        );
        gone.push(
          `${pinnedKey(f)} (${size === null ? "missing" : `${size} bytes, recorded ${f.bytes}`}${
            by >= 0
              ? `; replaced by entry ${by + 1}, a ${log.entries[by]!.kind} at ${
                log.entries[by]!.at
              }`
              : ""
          })`,
        );
      }
    }
    if (gone.length > 0) {
      throw new SnapshotError(
        `Cannot pin ${name} at version ${version}: ${gone.length} of its ${state.files.length} files are no longer on disk as recorded: ${
          gone.slice(0, 3).join(", ")
        }${
          gone.length > 3 ? ` and ${gone.length - 3} more` : ""
        }. Only files a pin held when they were replaced are kept; pin the latest version (${n}) instead`,
        name,
      );
    }
    const id = options.id ?? `v${version}-${crypto.randomUUID().slice(0, 8)}`;
    const dir = pinsDir(meta);
    const path = join(dir, `${id}.json`);
    try {
      Deno.lstatSync(path);
      throw new SnapshotError(`Cannot pin ${name}: a pin named ${id} exists (${path})`, name);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    // Absolute, so an export run from another folder builds the same addresses.
    const pin = pinRecord(where, id, state, version, n, resolve(lakeRoot(root)), options);
    Deno.mkdirSync(dir, { recursive: true });
    await writeAtomic(path, JSON.stringify(pin, null, 1) + "\n");
    return pin;
  } finally {
    release();
  }
}

/**
 * The folded state of a pinned version (1-based count of entries, default the latest), refused
 * when the version does not exist or an `asOf` pin has no `known_at` column to filter on.
 */
function versionState(
  name: string,
  entries: ManifestEntry[],
  options: { version?: number; asOf?: Date },
  log: string,
  empty: string,
): { version: number; state: ManifestState } {
  const n = entries.length;
  if (n === 0) throw new SnapshotError(empty, name);
  const version = options.version ?? n;
  if (version > n) {
    throw new SnapshotError(
      `Cannot pin ${name} at version ${version}: ${log} has ${n} entries (versions 1..${n})`,
      name,
    );
  }
  const state = foldManifest(entries.slice(0, version));
  if (options.asOf && !(KNOWN_AT in state.schema)) {
    throw new SnapshotError(
      `Cannot pin ${name} as of ${options.asOf.toISOString()}: version ${version} has no ${KNOWN_AT} column`,
      name,
    );
  }
  return { version, state };
}

/** The pin record of a folded version (see {@link SnapshotPin}). */
function pinRecord(
  where: Where,
  id: string,
  state: ReturnType<typeof foldManifest>,
  version: number,
  n: number,
  root: string,
  options: PinOptions,
): SnapshotPin {
  const spec = state.spec;
  return {
    format: 1,
    id,
    dataset: label(where),
    zone: where.zone,
    source: where.source,
    name: where.dataset,
    version,
    entries_at_pin: n,
    as_of: options.asOf ? options.asOf.toISOString() : null,
    created_at: (options.now ?? new Date()).toISOString(),
    expires_at: options.expiresAt ? options.expiresAt.toISOString() : null,
    root,
    schema: { ...state.schema },
    partition_key: spec
      ? (spec.partitioning === "none" ? null : spec.partitioning)
      : partitionKeyOfFiles(state.files),
    time_column: spec?.timeColumn ?? null,
    natural_key: spec ? [...spec.naturalKey] : [],
    rows: state.rows,
    files: state.files.map((f) => ({
      partition: f.partition,
      file: f.file,
      sha256: f.sha256,
      rows: f.rows,
      bytes: f.bytes ?? null,
      min_time: f.min_time,
      max_time: f.max_time,
    })),
  };
}

/**
 * {@link pinSnapshot} on an `s3://` lake: under the dataset's catalog lock (no write or gc can
 * delete an object meanwhile), check every object of the version is in the bucket with its
 * recorded size, then store the record in the catalog's `lake_pin`.
 */
async function pinRemote(
  where: Where,
  lake: RemoteLake,
  options: PinOptions,
): Promise<SnapshotPin> {
  const name = label(where);
  const w = await beginRemote(lake, where, options.lock?.timeoutMs);
  try {
    const n = w.entries.length;
    const { version, state } = versionState(
      name,
      w.entries,
      options,
      "its catalog",
      `Cannot pin ${name}: the catalog ${lake.catalog.where} has no entries for it (nothing was ever written)`,
    );
    const gone: string[] = [];
    for (const f of state.files) {
      const h = await lake.bucket.head(objectKey(lake, where, f));
      if (!h || (f.bytes !== undefined && h.size !== f.bytes)) {
        gone.push(`${pinnedKey(f)} (${h ? `${h.size} bytes, recorded ${f.bytes}` : "missing"})`);
      }
    }
    if (gone.length > 0) {
      throw new SnapshotError(
        `Cannot pin ${name} at version ${version}: ${gone.length} of its ${state.files.length} objects are no longer in s3://${lake.bucket.bucket} as recorded: ${
          gone.slice(0, 3).join(", ")
        }${
          gone.length > 3 ? ` and ${gone.length - 3} more` : ""
        }. Only objects a pin held (or whose deletion grace had not passed) are kept; pin the latest version (${n}) instead`,
        name,
      );
    }
    const id = options.id ?? `v${version}-${crypto.randomUUID().slice(0, 8)}`;
    const pin = pinRecord(where, id, state, version, n, lake.uri.replace(/\/+$/, ""), options);
    if (!(await lake.catalog.putPin(datasetName(where), id, pin))) {
      throw new SnapshotError(
        `Cannot pin ${name}: a pin named ${id} exists (catalog ${lake.catalog.where})`,
        name,
      );
    }
    return pin;
  } finally {
    await w.lock.release();
  }
}

/** The Hive key of partition folder names (`date=...` -> `date`), or null when unpartitioned. */
function partitionKeyOfFiles(files: ManifestFile[]): string | null {
  const p = files.find((f) => f.partition)?.partition;
  return p ? p.slice(0, p.indexOf("=")) : null;
}

/** Read one pin of a dataset; a {@link SnapshotError} listing the pins there when it is unknown. */
export async function getSnapshotPin(
  where: Where,
  id: string,
  root?: string,
): Promise<SnapshotPin> {
  const meta = metaDir(where, root);
  if (!ID.test(id)) throw new RangeError(`Invalid pin id ${JSON.stringify(id)}`);
  const lake = remoteOf(root);
  if (lake) {
    const pins = await readCatalogPins(lake.catalog, datasetName(where));
    const pin = pins.find((p) => p.id === id);
    if (pin) return pin;
    throw new SnapshotError(
      `No pin ${id} on ${label(where)}${
        pins.length ? ` (pins: ${pins.map((p) => p.id).join(", ")})` : " (it has no pins)"
      }`,
      label(where),
    );
  }
  try {
    return readPinFile(join(pinsDir(meta), `${id}.json`));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    const ids = readPins(meta).map((p) => p.id);
    throw new SnapshotError(
      `No pin ${id} on ${label(where)}${
        ids.length ? ` (pins: ${ids.join(", ")})` : " (it has no pins)"
      }`,
      label(where),
    );
  }
}

/** The pins of one dataset, or of every dataset of the lake when `where` is null. */
export async function listSnapshotPins(
  where: Where | null,
  root?: string,
): Promise<SnapshotPin[]> {
  const lake = remoteOf(root);
  if (lake && !where) await openLake(root);
  const sets = where ? [where] : listDatasets(root);
  if (!lake) return sets.flatMap((w) => readPins(metaDir(w, root)));
  const out: SnapshotPin[] = [];
  for (const w of sets) out.push(...await readCatalogPins(lake.catalog, datasetName(w)));
  return out;
}

/** Remove a pin record (its files stay until {@link gcSnapshots} finds no pin holding them). */
export async function unpinSnapshot(
  where: Where,
  id: string,
  root?: string,
): Promise<SnapshotPin> {
  const pin = await getSnapshotPin(where, id, root);
  const lake = remoteOf(root);
  if (lake) await lake.catalog.deletePin(datasetName(where), id);
  else Deno.removeSync(join(pinsDir(metaDir(where, root)), `${id}.json`));
  return pin;
}

/** What {@link gcSnapshots} did. */
export interface GcResult {
  dataset: string;
  /** Ids of expired pins removed. */
  expiredPins: string[];
  /** Files deleted (replaced by a write or compaction, held by no live pin). */
  deleted: string[];
  /** Replaced files still held by a live pin. */
  kept: string[];
  /** `s3://` lakes: replaced objects whose deletion grace is not over yet. */
  waiting?: string[];
}

/**
 * Remove expired pins of a dataset and delete the files its writes and compactions replaced
 * that no live pin holds any more (under the dataset lock, after recovery). Only files a `write`
 * or `compact` manifest entry removed and no later entry re-added are deleted: a stray file the
 * manifest never listed is left to `deno task verify --repair` (which quarantines, never deletes).
 */
export async function gcSnapshots(
  where: Where,
  options: {
    root?: string;
    now?: Date;
    lock?: LockOptions;
    /** `s3://` lakes: grace after replacement. @default WORKBENCH_S3_DELETE_GRACE_S */
    graceMs?: number;
  } = {},
): Promise<GcResult> {
  const root = options.root;
  const meta = metaDir(where, root);
  const now = options.now ?? new Date();
  const out: GcResult = { dataset: label(where), expiredPins: [], deleted: [], kept: [] };
  const lake = remoteOf(root);
  if (lake) {
    // Under the catalog lock: expired pins out, then the replaced objects whose grace is over
    // and that no live pin holds (see lib/lake/_remote_commit.ts `collectGarbage`).
    const w = await beginRemote(lake, where, options.lock?.timeoutMs);
    try {
      for (const p of await readCatalogPins(lake.catalog, datasetName(where))) {
        if (pinIsLive(p, now)) continue;
        await lake.catalog.deletePin(datasetName(where), p.id);
        out.expiredPins.push(p.id);
      }
      const g = await collectGarbage(w, where, root, [w.entries], {
        now,
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      });
      await w.lock.commit(null);
      const addr = (f: { partition: string; file: string }) =>
        `s3://${lake.bucket.bucket}/${objectKey(lake, where, f)}`;
      out.deleted = g.deleted.map(addr);
      out.kept = g.pinned.map(addr);
      out.waiting = g.waiting.map(addr);
      return out;
    } finally {
      await w.lock.release();
    }
  }
  if (!readManifestLog(meta).exists) return out;
  const release = await acquireLock(meta, options.lock);
  try {
    await recoverDataset(where, root, { sweep: release.tookOver });
    for (const p of readPins(meta)) {
      if (pinIsLive(p, now)) continue;
      Deno.removeSync(join(pinsDir(meta), `${p.id}.json`));
      out.expiredPins.push(p.id);
    }
    const held = pinnedKeys(meta, now);
    const log = readManifestLog(meta);
    const committed = new Set(foldManifest(log.entries).files.map(pinnedKey));
    const replaced = new Map<string, { partition: string; file: string }>();
    for (const e of log.entries) {
      if (e.kind !== "write" && e.kind !== "compact") continue;
      for (const r of e.removed) replaced.set(pinnedKey(r), r);
    }
    for (const [key, r] of [...replaced.entries()].sort()) {
      if (committed.has(key)) continue;
      const path = filePath(where, r, root);
      assertInsideLake(path, root, where.dataset);
      try {
        if (!Deno.lstatSync(path).isFile) continue;
      } catch {
        continue; // deleted when it was replaced
      }
      if (held.has(key)) {
        out.kept.push(path);
        continue;
      }
      Deno.removeSync(path);
      out.deleted.push(path);
    }
    return out;
  } finally {
    release();
  }
}

/** {@link gcSnapshots} on every dataset of a lake that has a manifest. */
export async function gcLakeSnapshots(
  options: { root?: string; now?: Date; graceMs?: number } = {},
): Promise<GcResult[]> {
  const out: GcResult[] = [];
  await openLake(options.root);
  for (const w of listDatasets(options.root)) out.push(await gcSnapshots(w, options));
  return out;
}

/**
 * The URI another engine reads a pinned file at: an absolute path for a local lake, or
 * `s3://bucket/prefix/<zone>/<source>/<dataset>/<partition>/<file>` when the root is an `s3://`
 * URI (built from the root string; no request is made).
 */
export function snapshotFileUri(
  pin: Pick<SnapshotPin, "zone" | "source" | "name">,
  f: { partition: string; file: string },
  root: string,
): string {
  const rel = [pin.zone, pin.source, pin.name, ...(f.partition ? [f.partition] : []), f.file];
  if (/^s3a?:\/\//.test(root)) return `${root.replace(/\/+$/, "")}/${rel.join("/")}`;
  return resolve(join(root, ...rel));
}

/** The folder URI of a pinned dataset (see {@link snapshotFileUri}). */
function datasetUri(pin: SnapshotPin, root: string): string {
  const rel = [pin.zone, pin.source, pin.name];
  if (/^s3a?:\/\//.test(root)) return `${root.replace(/\/+$/, "")}/${rel.join("/")}`;
  return resolve(join(root, ...rel));
}

/** Hive/Spark/Trino column type of a lake column type. */
const HIVE_TYPE: Record<string, string> = {
  f64: "DOUBLE",
  f32: "FLOAT",
  i64: "BIGINT",
  i32: "INT",
  str: "STRING",
  bool: "BOOLEAN",
  date: "DATE",
  ts_ms: "TIMESTAMP",
};

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const duckIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;
const hiveIdent = (s: string) => `\`${s.replaceAll("`", "``")}\``;
/** Escape Hadoop glob characters so a path component is matched literally. */
const hadoopLiteral = (s: string) => s.replace(/[\\{}[\]*?,]/g, (c) => `\\${c}`);

/**
 * Row counts of a versioned pin ({@link snapshotVersionCounts}): the rows stored in its files
 * (every version), those known by its `as_of` (all of them without one), and the rows left after
 * keeping the latest version of each entity key.
 */
export interface SnapshotVersionCounts {
  /** Entity key: the natural key without `known_at`. */
  entityKey: string[];
  /** Rows of the pinned files (every version, before the as-of filter): `pin.rows`. */
  stored: number;
  /** Rows with `known_at <= as_of` (= `stored` without an as-of). */
  known: number;
  /** One row per entity key: the greatest `known_at` (<= as_of). What every export returns. */
  latest: number;
}

/** A pin's files as the manifest records them (for the lake's file checks). */
function pinManifestFiles(pin: SnapshotPin): ManifestFile[] {
  return pin.files.map((f) => ({
    partition: f.partition,
    file: f.file,
    rows: f.rows,
    sha256: f.sha256,
    min_time: f.min_time,
    max_time: f.max_time,
    ...(f.bytes !== null ? { bytes: f.bytes } : {}),
  }));
}

/** The entity key of a pin's dataset, or null when it is not versioned (see lib/lake/versions.ts). */
function pinEntityKey(pin: SnapshotPin): string[] | null {
  if (pin.time_column === null) return null;
  return entityKey({ timeColumn: pin.time_column, naturalKey: pin.natural_key });
}

/**
 * The row counts of a pin of a versioned dataset (key holds `known_at`: several rows per
 * (symbol, time) once a value was revised), read from its files at the pin's root (an `s3://`
 * root through the lake's cache); null for a dataset that is not versioned. The latest-version
 * selection is `latestVersions`, the one `loadDataset` applies.
 */
export async function snapshotVersionCounts(
  pin: SnapshotPin,
): Promise<SnapshotVersionCounts | null> {
  const ent = pinEntityKey(pin);
  if (ent === null) return null;
  const where: Where = { zone: pin.zone, source: pin.source, dataset: pin.name };
  const files: ManifestFile[] = pinManifestFiles(pin);
  const paths = await localFiles(where, files, { root: pin.root, cached: true });
  const cols = [...ent, KNOWN_AT];
  const frames = paths.map((p) => {
    const df = pl.readParquet(p);
    return df.select(...cols.filter((c) => df.columns.includes(c)));
  });
  let df = frames.length ? pl.concat(frames, { how: "diagonal" }) : pl.DataFrame({});
  const stored = df.height;
  if (pin.as_of && df.columns.includes(KNOWN_AT)) {
    df = df.filter(pl.col(KNOWN_AT).cast(pl.Int64).ltEq(Date.parse(pin.as_of)));
  }
  const known = df.height;
  const latest = latestVersions(df, {
    timeColumn: pin.time_column!,
    naturalKey: pin.natural_key,
  }).height;
  return { entityKey: ent, stored, known, latest };
}

/** The header comment every export starts with. */
function header(
  pin: SnapshotPin,
  engine: string,
  counts?: SnapshotVersionCounts | null,
  comment = "--",
): string[] {
  const ent = pinEntityKey(pin);
  const lines = [
    `-- ${engine}: snapshot ${pin.id} of ${pin.dataset}, manifest version ${pin.version} of ${pin.entries_at_pin}`,
    `-- (${pin.files.length} files, ${pin.rows} rows before the as-of filter), pinned at ${pin.created_at}${
      pin.expires_at ? `, held until ${pin.expires_at}` : ", held until unpinned"
    }.`,
    pin.as_of
      ? `-- As of ${pin.as_of}: only rows with ${KNOWN_AT} <= that instant (UTC).`
      : "-- No as-of filter: every row of the version.",
    ...(ent === null ? [] : versionedHeader(pin, ent, counts)),
    "-- Written by `deno task snapshot export`; the files stay on disk while the pin exists.",
  ];
  return comment === "--" ? lines : lines.map((l) => comment + l.slice(2));
}

/** The header lines of a versioned dataset: the latest-version selection and the counts. */
function versionedHeader(
  pin: SnapshotPin,
  ent: string[],
  counts?: SnapshotVersionCounts | null,
): string[] {
  const by = `(${ent.join(", ")})`;
  return [
    `-- Versioned dataset: its key is (${
      pin.natural_key.join(", ")
    }). A corrected value is a new row`,
    `-- with a later ${KNOWN_AT} and the old row stays, so the files hold several rows per ${by}.`,
    `-- The view keeps one row per ${by}: the greatest ${KNOWN_AT}${
      pin.as_of ? " <= the as-of instant" : ""
    } (the`,
    "-- latest version, what the workbench's loadDataset and user_* views return).",
    counts
      ? `-- Rows: ${counts.latest} after the latest-version selection; ${counts.stored} stored versions in the files${
        pin.as_of ? ` (${counts.known} known by the as-of instant)` : ""
      }.`
      : `-- Rows: ${pin.rows} stored versions in the files (the latest-version count was not computed).`,
  ];
}

/** Timestamp text of an ISO instant without zone (`2024-03-08 15:00:00.000`, UTC). */
const utcText = (iso: string) => iso.replace("T", " ").replace(/Z$/, "");

/** A valid SQL identifier for a view name. */
export function snapshotViewName(pin: Pick<SnapshotPin, "name" | "id">): string {
  return `${pin.name}_${pin.id}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** The check line of a versioned export: the view's row count and the stored versions. */
function versionedCheck(
  from: string,
  counts: SnapshotVersionCounts | null | undefined,
  comment = "--",
): string {
  return `${comment} Check: SELECT count(*) FROM ${from};  ${comment} must be ${
    counts
      ? `${counts.latest} (one row per key; ${counts.stored} stored versions)`
      : "(not computed)"
  }`;
}

/**
 * DuckDB SQL creating a view over exactly the pinned files:
 * `read_parquet([list], hive_partitioning = true, union_by_name = true)` plus the as-of filter;
 * for a versioned dataset also `QUALIFY row_number() OVER (PARTITION BY <entity key> ORDER BY
 * known_at DESC) = 1` (the latest version per key). `counts` ({@link snapshotVersionCounts})
 * gives the row count the file states.
 */
export function duckdbSnapshotSql(
  pin: SnapshotPin,
  view: string,
  root: string,
  counts?: SnapshotVersionCounts | null,
): string {
  const uris = pin.files.map((f) => snapshotFileUri(pin, f, root));
  const s3 = /^s3a?:\/\//.test(root);
  const ent = pinEntityKey(pin);
  const lines = [
    ...header(pin, "DuckDB", counts),
    ...(ent ? [versionedCheck(duckIdent(view), counts)] : []),
    ...(s3
      ? [
        "-- The files are on S3: this needs DuckDB's httpfs extension and an S3 secret, e.g.",
        "--   INSTALL httpfs; LOAD httpfs;",
        "--   CREATE SECRET (TYPE s3, KEY_ID '...', SECRET '...', ENDPOINT '...', URL_STYLE 'path');",
      ]
      : []),
  ];
  const list = uris.length ? duckdbPathList(uris).slice(1, -1).split(", ") : [];
  const from = list.length
    ? `read_parquet([\n  ${list.join(",\n  ")}\n], hive_partitioning = true, union_by_name = true)`
    : `(SELECT ${
      Object.entries(pin.schema).map(([c, t]) =>
        `NULL::${
          t === "ts_ms" ? "TIMESTAMPTZ" : HIVE_TYPE[t] === "STRING" ? "VARCHAR" : HIVE_TYPE[t]
        } AS ${duckIdent(c)}`
      ).join(", ")
    } WHERE false)`;
  lines.push(`CREATE OR REPLACE VIEW ${duckIdent(view)} AS`);
  lines.push(`SELECT * FROM ${from}`);
  if (pin.as_of) {
    lines.push(
      `WHERE ${duckIdent(KNOWN_AT)} <= TIMESTAMPTZ ${sqlString(`${utcText(pin.as_of)}+00`)}`,
    );
  }
  if (ent) {
    lines.push(
      `QUALIFY row_number() OVER (PARTITION BY ${ent.map(duckIdent).join(", ")} ORDER BY ${
        duckIdent(KNOWN_AT)
      } DESC) = 1`,
    );
  }
  return lines.join("\n") + ";\n";
}

/** Column list for Hive DDL: the recorded schema plus the lineage columns every file carries. */
function hiveColumns(pin: SnapshotPin): string[] {
  const cols = Object.entries(pin.schema).map(([c, t]) =>
    `${hiveIdent(c)} ${HIVE_TYPE[t] ?? "STRING"}`
  );
  const lineage: Record<string, string> = {
    ingested_at: "TIMESTAMP",
    source_uri: "STRING",
    transform_id: "STRING",
  };
  for (const c of LINEAGE_COLUMNS) {
    if (!(c in pin.schema)) cols.push(`${hiveIdent(c)} ${lineage[c]}`);
  }
  return cols;
}

/**
 * The columns a versioned view returns (schema, lineage, partition key): the window's rank
 * column is dropped by naming them (Spark SQL and Trino have no `SELECT * EXCEPT`).
 */
function viewColumns(pin: SnapshotPin, partitionColumn: boolean): string[] {
  const cols = Object.keys(pin.schema);
  for (const c of LINEAGE_COLUMNS) if (!cols.includes(c)) cols.push(c);
  if (partitionColumn && pin.partition_key && !cols.includes(pin.partition_key)) {
    cols.push(pin.partition_key);
  }
  return cols;
}

/** Name of the rank column of a versioned view's window. */
const RANK = "__version_rank";

/**
 * Spark SQL over exactly the pinned files. Spark SQL's `USING parquet OPTIONS (path ...)` takes
 * one path (a folder or a Hadoop glob), not a list: the pinned files are given as one Hadoop glob
 * alternation `{a,b,...}` (Hadoop expands alternatives containing `/` into separate patterns) with
 * `basePath` so the Hive partition column is discovered. A glob silently skips a missing file, so
 * the expected row count is written beside it, and the DataFrame form with the explicit list
 * (which fails on a missing file) is given as a comment. A versioned dataset's view keeps the
 * latest version per key with a `row_number()` window in a subquery.
 */
export function sparkSnapshotSql(
  pin: SnapshotPin,
  view: string,
  root: string,
  counts?: SnapshotVersionCounts | null,
): string {
  const base = datasetUri(pin, root);
  const rels = pin.files.map((f) => hadoopLiteral(pinnedKey(f)));
  const uris = pin.files.map((f) => snapshotFileUri(pin, f, root));
  const s3 = /^s3:\/\//.test(root);
  const files = `${view}_files`;
  const glob = rels.length === 1
    ? `${hadoopLiteral(base)}/${rels[0]}`
    : `${hadoopLiteral(base)}/{${rels.join(",")}}`;
  const ent = pinEntityKey(pin);
  const lines = [
    ...header(pin, "Spark SQL", counts),
    "-- Spark SQL's USING parquet reads one path (a folder or a Hadoop glob), not a list of files:",
    "-- the pinned files are one Hadoop glob alternation {a,b,...} under basePath (which gives the",
    "-- Hive partition column). A glob silently skips a file that does not exist: check",
    `--   SELECT count(*) FROM ${files};   -- must be ${pin.rows}${
      ent ? " (every stored version)" : ""
    }`,
    "-- or use the DataFrame form at the end, which takes the explicit list and fails on a missing file.",
    "-- Timestamps are UTC instants: run with spark.sql.session.timeZone=UTC to print them as stored.",
    ...(s3 ? ["-- On open-source Spark with hadoop-aws, write the s3:// URIs as s3a://."] : []),
    ...(ent ? [versionedCheck(hiveIdent(view), counts)] : []),
  ];
  if (pin.files.length === 0) {
    lines.push(`-- The snapshot has no files: an empty view with the recorded columns.`);
    lines.push(
      `CREATE OR REPLACE TEMPORARY VIEW ${hiveIdent(view)} AS SELECT ${
        Object.entries(pin.schema).map(([c, t]) =>
          `CAST(NULL AS ${HIVE_TYPE[t] ?? "STRING"}) AS ${hiveIdent(c)}`
        ).join(", ")
      } WHERE false;`,
    );
    return lines.join("\n") + "\n";
  }
  lines.push(`CREATE OR REPLACE TEMPORARY VIEW ${hiveIdent(files)}`);
  lines.push("USING parquet");
  lines.push("OPTIONS (");
  lines.push(`  path ${sqlString(glob)},`);
  lines.push(`  basePath ${sqlString(base)},`);
  lines.push(`  mergeSchema 'true'`);
  lines.push(");");
  lines.push(`CREATE OR REPLACE TEMPORARY VIEW ${hiveIdent(view)} AS`);
  const asOf = pin.as_of
    ? `\nWHERE ${hiveIdent(KNOWN_AT)} <= TIMESTAMP ${sqlString(`${utcText(pin.as_of)}+00:00`)}`
    : "";
  if (ent) {
    lines.push(
      `SELECT ${viewColumns(pin, true).map(hiveIdent).join(", ")} FROM (`,
      `  SELECT *, row_number() OVER (PARTITION BY ${ent.map(hiveIdent).join(", ")} ORDER BY ${
        hiveIdent(KNOWN_AT)
      } DESC) AS ${hiveIdent(RANK)}`,
      `  FROM ${hiveIdent(files)}${asOf.replace("\n", "\n  ")}`,
      `) ${hiveIdent("latest")}`,
      `WHERE ${hiveIdent(RANK)} = 1;`,
    );
  } else lines.push(`SELECT * FROM ${hiveIdent(files)}${asOf};`);
  lines.push("");
  lines.push("-- The same with the explicit file list (PySpark):");
  lines.push("-- files = [");
  for (const u of uris) lines.push(`--   ${JSON.stringify(u)},`);
  lines.push("-- ]");
  lines.push(
    `-- (spark.read.option("basePath", ${JSON.stringify(base)}).option("mergeSchema", "true")`,
  );
  lines.push(`--   .parquet(*files).createOrReplaceTempView(${JSON.stringify(files)}))`);
  return lines.join("\n") + "\n";
}

/** The text of the symlink manifests of a pin: partition folder -> file URIs, one per line. */
export function symlinkManifests(pin: SnapshotPin, root: string): Map<string, string> {
  const out = new Map<string, string[]>();
  for (const f of pin.files) {
    out.set(f.partition, [...(out.get(f.partition) ?? []), snapshotFileUri(pin, f, root)]);
  }
  return new Map([...out.entries()].map(([p, u]) => [p, u.join("\n") + "\n"]));
}

/**
 * Trino: its Hive connector cannot read a list of files. `CREATE TABLE ... WITH (external_location
 * = ..., format = 'PARQUET', partitioned_by = ARRAY[...])` reads whatever the location lists at
 * query time (here: files added after the pin, and replaced files kept for other pins, so rows
 * would be missing or doubled). The supported way to name exact files is a Hive symlink table
 * (`SymlinkTextInputFormat`, as Delta Lake's manifests for Presto/Trino use): each partition's
 * location holds a text file listing the data files, and the Hive connector reads the files
 * named there. Trino's own `CREATE TABLE` cannot declare that input format, so the table is
 * declared once in the Hive metastore (Hive, Spark with Hive support, or AWS Glue), then queried
 * from Trino; the as-of filter is a Trino view.
 */
export function trinoSnapshotSql(
  pin: SnapshotPin,
  view: string,
  symlinkDir: string,
  counts?: SnapshotVersionCounts | null,
): string {
  const key = pin.partition_key;
  const cols = hiveColumns(pin);
  const ent = pinEntityKey(pin);
  const lines = [
    ...header(pin, "Trino (Hive connector)", counts),
    "-- Trino's Hive connector reads directories, not file lists: CREATE TABLE ... WITH",
    "-- (external_location = '<dataset folder>', format = 'PARQUET', partitioned_by = ARRAY[...]) would",
    "-- read every file the folder lists at query time, including files written after the pin and",
    "-- replaced files kept for other pins (rows missing or doubled). It cannot name files.",
    "-- Supported approach: a Hive symlink table (SymlinkTextInputFormat). Each partition location",
    `-- under ${symlinkDir} holds a 'manifest' text file listing the pinned data files; the Hive`,
    "-- connector reads exactly those. Trino cannot create such a table (its CREATE TABLE has no",
    "-- input-format property): run step 1 once in Hive, in Spark with Hive support, or in AWS Glue,",
    "-- against the metastore Trino's Hive catalog uses; then step 2 in Trino. The symlink folder must",
    "-- be where Trino's workers can read it (for an S3 lake: copy it to the bucket and change the",
    "-- LOCATIONs). Set hive.parquet.time-zone=UTC so timestamps read as the UTC instants they are.",
    "",
    "-- Step 1 (HiveQL):",
    `CREATE EXTERNAL TABLE ${hiveIdent(view)} (`,
    `  ${cols.join(",\n  ")}`,
    ")",
    ...(key ? [`PARTITIONED BY (${hiveIdent(key)} STRING)`] : []),
    "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'",
    "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'",
    "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'",
    `LOCATION ${sqlString(symlinkDir)};`,
  ];
  if (key) {
    const parts = [...new Set(pin.files.map((f) => f.partition))].sort();
    for (const p of parts) {
      lines.push(
        `ALTER TABLE ${hiveIdent(view)} ADD PARTITION (${hiveIdent(key)} = ${
          sqlString(p.slice(p.indexOf("=") + 1))
        }) LOCATION ${sqlString(`${symlinkDir}/${p}`)};`,
      );
    }
  }
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  lines.push("");
  lines.push("-- Step 2 (Trino; replace hive.default with your catalog and schema):");
  lines.push(`CREATE OR REPLACE VIEW hive.default.${q(`${view}_asof`)} AS`);
  const asOf = pin.as_of
    ? `\nWHERE ${q(KNOWN_AT)} <= TIMESTAMP ${sqlString(utcText(pin.as_of))}`
    : "";
  if (ent) {
    lines.push(
      `SELECT ${viewColumns(pin, key !== null).map(q).join(", ")} FROM (`,
      `  SELECT *, row_number() OVER (PARTITION BY ${ent.map(q).join(", ")} ORDER BY ${
        q(KNOWN_AT)
      } DESC) AS ${q(RANK)}`,
      `  FROM hive.default.${q(view)}${asOf.replace("\n", "\n  ")}`,
      `) ${q("latest")}`,
      `WHERE ${q(RANK)} = 1;`,
    );
    lines.push(
      `-- Check: SELECT count(*) FROM hive.default.${
        q(view)
      };  -- must be ${pin.rows} (every stored version)`,
    );
    lines.push(versionedCheck(`hive.default.${q(`${view}_asof`)}`, counts));
  } else {
    lines.push(`SELECT * FROM hive.default.${q(view)}${asOf};`);
    lines.push(`-- Check: SELECT count(*) FROM hive.default.${q(view)};  -- must be ${pin.rows}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Python Polars code reading exactly the pinned files: `pl.scan_parquet(FILES,
 * hive_partitioning=True)`, the as-of filter, and for a versioned dataset the latest version per
 * key (`pl.col("known_at") == pl.col("known_at").max().over(<entity key>)`: `known_at` is in the
 * key, so one row per entity is left), then an `assert` of the row count when it is known.
 */
export function polarsSnapshotPy(
  pin: SnapshotPin,
  view: string,
  root: string,
  counts?: SnapshotVersionCounts | null,
): string {
  const uris = pin.files.map((f) => snapshotFileUri(pin, f, root));
  const ent = pinEntityKey(pin);
  const py = (v: string) => JSON.stringify(v);
  const lines = [
    ...header(pin, "Python Polars", counts, "#"),
    ...(/^s3a?:\/\//.test(root)
      ? ["# The files are on S3: pass storage_options (endpoint, keys) to scan_parquet."]
      : []),
    "import polars as pl",
    "",
  ];
  if (uris.length === 0) {
    lines.push(
      "# The snapshot has no files: an empty frame with the recorded columns.",
      `${view} = pl.DataFrame(schema=[${Object.keys(pin.schema).map(py).join(", ")}])`,
    );
    return lines.join("\n") + "\n";
  }
  lines.push(
    "FILES = [",
    ...uris.map((u) => `    ${py(u)},`),
    "]",
    "",
    "lf = pl.scan_parquet(FILES, hive_partitioning=True)",
  );
  if (pin.as_of) {
    lines.push(
      `# As of ${pin.as_of}: ${KNOWN_AT} <= that instant (compared as milliseconds since the epoch, UTC).`,
      `lf = lf.filter(pl.col(${py(KNOWN_AT)}).dt.epoch("ms") <= ${Date.parse(pin.as_of)})`,
    );
  }
  let expect: number | null = pin.as_of ? null : pin.rows;
  if (ent) {
    lines.push(
      `# Latest version per (${ent.join(", ")}): the row with the greatest ${KNOWN_AT}.`,
      `lf = lf.filter(pl.col(${py(KNOWN_AT)}) == pl.col(${py(KNOWN_AT)}).max().over([${
        ent.map(py).join(", ")
      }]))`,
    );
    expect = counts ? counts.latest : null;
  }
  lines.push(`${view} = lf.collect()`);
  if (expect !== null) {
    lines.push(
      `assert ${view}.height == ${expect}, f"{${view}.height} rows, the snapshot has ${expect}${
        ent && counts ? ` (one per key; ${counts.stored} stored versions)` : ""
      }"`,
    );
  }
  lines.push("", `if __name__ == "__main__":`, `    print(${view})`);
  return lines.join("\n") + "\n";
}

/** The plain list: one line per file, tab-separated `uri partition sha256 rows bytes`. */
export function snapshotFileList(pin: SnapshotPin, root: string): string {
  const rows = pin.files.map((f) =>
    [snapshotFileUri(pin, f, root), f.partition, f.sha256, f.rows, f.bytes ?? ""].join("\t")
  );
  return ["uri\tpartition\tsha256\trows\tbytes", ...rows].join("\n") + "\n";
}

/** Options of {@link exportSnapshot}. */
export interface ExportOptions {
  /** Lake root the file URIs are built from. @default the pin's root */
  root?: string;
  /** View and file name stem. @default `<dataset>_<pin id>` (see {@link snapshotViewName}) */
  view?: string;
  /**
   * Check every local file's sha256 against the pin before writing (an `IntegrityError` naming
   * the first that differs or is missing). Skipped for an `s3://` root (the files are not local).
   * @default true
   */
  verify?: boolean;
}

/** The files an export wrote. */
export interface ExportResult {
  view: string;
  duckdb: string;
  spark: string;
  trino: string;
  /** Python Polars code (`<view>.polars.py`). */
  polars: string;
  list: string;
  pin: string;
  /** Folder of the Trino symlink manifests (one `manifest` per partition folder). */
  symlinkDir: string;
}

/**
 * Write a pinned snapshot's exports into `outDir`: `<view>.duckdb.sql`, `<view>.spark.sql`,
 * `<view>.trino.sql` (+ `<view>_symlink/<partition>/manifest`), `<view>.polars.py`,
 * `<view>.files.tsv` and a copy of the pin record `<view>.pin.json`. Each file is written
 * atomically. For a versioned dataset every view keeps the latest version per key, and the row
 * counts each file states are read from the pinned files first ({@link snapshotVersionCounts}).
 */
export async function exportSnapshot(
  pin: SnapshotPin,
  outDir: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const root = options.root ?? pin.root;
  const view = options.view ?? snapshotViewName(pin);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(view)) {
    throw new RangeError(`Invalid view name ${JSON.stringify(view)}: use letters, digits and "_"`);
  }
  const where: Where = { zone: pin.zone, source: pin.source, dataset: pin.name };
  if ((options.verify ?? true) && !/^s3a?:\/\//.test(root)) {
    const files: ManifestFile[] = pinManifestFiles(pin);
    await verifyFiles(where, files, { root, cached: true });
  }
  const out = resolve(outDir);
  Deno.mkdirSync(out, { recursive: true });
  const symlinkDir = join(out, `${view}_symlink`);
  const res: ExportResult = {
    view,
    duckdb: join(out, `${view}.duckdb.sql`),
    spark: join(out, `${view}.spark.sql`),
    trino: join(out, `${view}.trino.sql`),
    polars: join(out, `${view}.polars.py`),
    list: join(out, `${view}.files.tsv`),
    pin: join(out, `${view}.pin.json`),
    symlinkDir,
  };
  const counts = await snapshotVersionCounts(pin);
  await writeAtomic(res.duckdb, duckdbSnapshotSql(pin, view, root, counts));
  await writeAtomic(res.spark, sparkSnapshotSql(pin, view, root, counts));
  await writeAtomic(res.trino, trinoSnapshotSql(pin, view, symlinkDir, counts));
  await writeAtomic(res.polars, polarsSnapshotPy(pin, view, root, counts));
  await writeAtomic(res.list, snapshotFileList(pin, root));
  await writeAtomic(res.pin, JSON.stringify(pin, null, 1) + "\n");
  // Symlink manifests: a fresh folder each time (an old export's partitions must not linger).
  try {
    Deno.removeSync(symlinkDir, { recursive: true });
  } catch { /* none yet */ }
  for (const [part, text] of symlinkManifests(pin, root)) {
    const d = part ? join(symlinkDir, part) : symlinkDir;
    Deno.mkdirSync(d, { recursive: true });
    await writeAtomic(join(d, "manifest"), text);
  }
  if (listDir(symlinkDir).length === 0) Deno.mkdirSync(symlinkDir, { recursive: true });
  return res;
}
