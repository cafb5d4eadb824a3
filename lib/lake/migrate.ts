/**
 * Move a lake between a local folder and S3 + PostgreSQL (either way), verified by checksums.
 *
 * For every dataset of the source (its manifest or catalog entries; a local source is recovered
 * first, and a damaged manifest is refused): each committed file is read (a remote one fetched)
 * and checked against its recorded sha256, written to the target under the same
 * content-addressed name (`If-None-Match: *` on S3; an existing file is accepted only with the
 * same sha256), then read back from the target and hashed again. Only after every file of a
 * dataset verifies are its entries written to the target's catalog: the whole log, verbatim (same
 * write ids, watermarks, specs), in one transaction (PostgreSQL) or one atomic file write
 * (`manifest.jsonl`). A rerun after an interruption copies what is missing and skips datasets
 * whose entries are there already; a target dataset with other entries is refused.
 *
 * Files that earlier entries replaced are not copied (they were deleted from the source too):
 * the target's state equals the source's, its history names them as removed.
 *
 * Files are copied `parallel` at a time (default 8) from one queue over all datasets, so a lake
 * of many small files is not bound by one request's round trip. The order of commits is kept
 * per dataset, not across datasets: a dataset's entries are written as soon as its last file
 * verified. At the first failure no further file is started, the copies in flight finish, and
 * the error is thrown; no dataset with a file not verified has its entries written.
 */
import { dirname } from "node:path";
import { sha256Hex, writeAtomic, writeDurable } from "../core/fs.ts";
import { filePath } from "./integrity.ts";
import {
  foldManifest,
  type ManifestEntry,
  type ManifestFile,
  manifestPath,
  readManifestLog,
} from "./manifest.ts";
import { lakeRoot, metaDir } from "./spec.ts";
import { localFile, remoteOf } from "./store/files.ts";
import { datasetName, objectKey } from "./store/remote.ts";
import { listDatasets, recoverLake } from "./verify.ts";
import { openLake } from "./open.ts";

type Where = { zone: "raw" | "curated" | "reference"; source: string; dataset: string };

/** What was moved for one dataset. */
export interface MigratedDataset {
  /** `zone/source/dataset`. */
  dataset: string;
  entries: number;
  files: number;
  bytes: number;
  /** Files written now (the rest were in the target already with the same sha256). */
  copied: number;
  /** The entries were there already (a rerun). */
  skipped: boolean;
}

/** Options of {@link migrateLake}. */
export interface MigrateOptions {
  /** Called after each dataset's entries are written (or found there already). */
  onDataset?: (d: MigratedDataset) => void;
  /** Called after each file is verified in the target, with the running totals. */
  onFile?: (p: MigrateProgress) => void;
  /** Files copied at the same time (1 to 64). @default 8 */
  parallel?: number;
}

/** Running totals of a migration, passed to {@link MigrateOptions.onFile}. */
export interface MigrateProgress {
  /** Files verified in the target so far. */
  files: number;
  /** Committed files of every dataset of the source. */
  totalFiles: number;
  /** Bytes of the verified files. */
  bytes: number;
  /** Of `files`, those written now. */
  copied: number;
}

/** Default of {@link MigrateOptions.parallel}. */
export const MIGRATE_PARALLEL = 8;

/** A migration that could not be done safely (message names the dataset and file). */
export class MigrateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrateError";
  }
}

async function entriesOf(d: Where, root: string): Promise<ManifestEntry[]> {
  const lake = remoteOf(root);
  if (lake) return await lake.catalog.entries(datasetName(d));
  const log = readManifestLog(metaDir(d, root));
  if (log.problems.length > 0) {
    throw new MigrateError(
      `Cannot migrate ${datasetName(d)}: its manifest is damaged (${
        log.problems[0]!.reason
      } at line ${log.problems[0]!.line}); run \`deno task verify --repair\` first`,
    );
  }
  return log.entries;
}

/** Write one file to the target when not there; returns whether it was written. */
async function put(
  d: Where,
  f: { partition: string; file: string; sha256: string },
  bytes: Uint8Array,
  to: string,
): Promise<boolean> {
  const lake = remoteOf(to);
  if (lake) {
    const key = objectKey(lake, d, f);
    const r = await lake.bucket.putIfAbsent(key, bytes, { sha256: f.sha256 });
    return r === "created";
  }
  const path = filePath(d, f, to);
  try {
    if (await sha256Hex(await Deno.readFile(path)) === f.sha256) return false;
    throw new MigrateError(
      `Cannot migrate ${datasetName(d)}: ${path} exists in the target with other content`,
    );
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  Deno.mkdirSync(dirname(path), { recursive: true });
  const tmp = `${dirname(path)}/.migrate-${crypto.randomUUID().slice(0, 8)}.tmp`;
  await writeDurable(tmp, bytes);
  await Deno.rename(tmp, path);
  return true;
}

/** The target's bytes of a file, read back from the store itself (not a cache). */
async function readBack(d: Where, f: { partition: string; file: string }, to: string) {
  const lake = remoteOf(to);
  if (lake) return await lake.bucket.get(objectKey(lake, d, f));
  try {
    return await Deno.readFile(filePath(d, f, to));
  } catch {
    return null;
  }
}

async function writeEntries(d: Where, entries: ManifestEntry[], to: string): Promise<boolean> {
  const lake = remoteOf(to);
  if (lake) return await lake.catalog.importEntries(datasetName(d), entries);
  const have = readManifestLog(metaDir(d, to));
  const same = have.entries.length === entries.length &&
    have.entries.every((e, i) => e.write_id === entries[i]!.write_id);
  if (same && have.problems.length === 0) return false;
  if (have.exists && have.entries.length > 0) {
    throw new MigrateError(
      `Cannot migrate ${datasetName(d)}: the target already has a manifest with other entries (${
        manifestPath(metaDir(d, to))
      })`,
    );
  }
  Deno.mkdirSync(metaDir(d, to), { recursive: true });
  await writeAtomic(
    manifestPath(metaDir(d, to)),
    entries.map((e) => JSON.stringify(e) + "\n").join(""),
  );
  return true;
}

/** Copy one committed file to the target and check it there; returns whether it was written. */
async function copyOne(
  d: Where,
  f: ManifestFile,
  from: string,
  to: string,
): Promise<{ copied: boolean; bytes: number }> {
  // Read (fetched when remote) and checked against the recorded sha256.
  const path = await localFile(d, f, { root: from, verify: true });
  const bytes = await Deno.readFile(path);
  if (await sha256Hex(bytes) !== f.sha256) {
    throw new MigrateError(`Cannot migrate ${datasetName(d)}: ${path} changed while read`);
  }
  const copied = await put(d, f, bytes, to);
  const back = await readBack(d, f, to);
  if (!back || await sha256Hex(back) !== f.sha256) {
    throw new MigrateError(
      `Cannot migrate ${datasetName(d)}: ${f.partition}/${f.file} reads back from ${to} ${
        back ? "with another sha256" : "as missing"
      }; nothing of this dataset was committed to the target catalog`,
    );
  }
  return { copied, bytes: bytes.length };
}

/**
 * Move every dataset of the lake `from` to the lake `to` (see the module doc). Remote settings
 * (S3 keys, `WORKBENCH_CATALOG`, cache) come from the environment.
 *
 * @example
 * ```ts
 * await migrateLake("./data/lake", "s3://research/lake", { parallel: 16 }); // WORKBENCH_CATALOG set
 * ```
 */
export async function migrateLake(
  from: string,
  to: string,
  options: MigrateOptions = {},
): Promise<MigratedDataset[]> {
  const parallel = options.parallel ?? MIGRATE_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) {
    throw new RangeError(`Cannot migrate with parallel ${parallel}: it must be an integer 1-64`);
  }
  if (lakeRoot(from) === lakeRoot(to)) {
    throw new MigrateError(`Cannot migrate ${from} onto itself`);
  }
  // A local source: roll forward interrupted writes first. A remote one: load its catalog.
  if (remoteOf(from)) await openLake(from);
  else await recoverLake(from);
  type Job = {
    d: Where;
    entries: ManifestEntry[];
    files: ManifestFile[];
    left: number;
    bytes: number;
    copied: number;
  };
  const jobs: Job[] = [];
  for (const d of listDatasets(from) as Where[]) {
    const entries = await entriesOf(d, from);
    if (entries.length === 0) continue;
    const files = foldManifest(entries).files;
    jobs.push({ d, entries, files, left: files.length, bytes: 0, copied: 0 });
  }
  const out: MigratedDataset[] = [];
  const commit = async (j: Job) => {
    const written = await writeEntries(j.d, j.entries, to);
    const r: MigratedDataset = {
      dataset: datasetName(j.d),
      entries: j.entries.length,
      files: j.files.length,
      bytes: j.bytes,
      copied: j.copied,
      skipped: !written,
    };
    options.onDataset?.(r);
    out.push(r);
  };
  const queue = jobs.flatMap((j) => j.files.map((f) => ({ j, f })));
  const progress: MigrateProgress = { files: 0, totalFiles: queue.length, bytes: 0, copied: 0 };
  let failure: { error: unknown } | null = null;
  let next = 0;
  // Catalog writes of finished datasets run one at a time, in the order they finish.
  let commits = Promise.resolve();
  for (const j of jobs) {
    if (j.left === 0) commits = commits.then(() => commit(j));
  }
  const worker = async () => {
    while (failure === null && next < queue.length) {
      const { j, f } = queue[next++]!;
      try {
        const r = await copyOne(j.d, f, from, to);
        j.bytes += r.bytes;
        if (r.copied) j.copied++;
        progress.files++;
        progress.bytes += r.bytes;
        if (r.copied) progress.copied++;
        options.onFile?.({ ...progress });
        if (--j.left === 0) {
          commits = commits.then(() => failure === null ? commit(j) : undefined);
          await commits;
        }
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
  try {
    await commits;
  } catch (e) {
    failure ??= { error: e };
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  return out.sort((a, b) => a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0);
}
