/**
 * The commit protocol of an `s3://` lake (the catalog in PostgreSQL):
 * 1. Take the dataset's row lock in a catalog transaction (writers anywhere take turns) and read
 *    its entries in that transaction's turn.
 * 2. Write data files locally under temporary names (as for a local lake), then upload each with
 *    `If-None-Match: *` under its content-addressed name: a 412 means an object of that name
 *    exists, accepted only when its recorded sha256 and size are this file's.
 * 3. In the same transaction: delete the objects of earlier replacements whose grace period is
 *    over ({@link collectGarbage}), record the files this entry replaces as garbage
 *    (`lake_garbage`), insert the manifest entry and commit: the commit point. A writer killed
 *    before it leaves the old state (uploaded files are unreferenced, invisible to readers, and
 *    reported by `deno task verify`); the connection drop makes PostgreSQL roll back and release
 *    the lock.
 *
 * Replaced objects are not deleted at the commit: a reader that read the older file list a
 * moment before may still be fetching them. They are deleted once `WORKBENCH_S3_DELETE_GRACE_S`
 * [600] seconds have passed since the replacing commit, by the next writer of the dataset or by
 * `deno task snapshot gc`; never while a live snapshot pin (catalog table `lake_pin`) holds them,
 * and never when a later entry committed the same content-addressed file again. With a grace of
 * 0 the writer deletes them right after its commit, in a second short transaction.
 */
import { LockError } from "./lock.ts";
import { foldManifest, type ManifestEntry, type ManifestFile } from "./manifest.ts";
import type { DatasetSpec } from "./spec.ts";
import { CatalogError, type DatasetLock, type FileRef } from "./catalog/pg.ts";
import { datasetName, objectKey, type RemoteLake } from "./store/remote.ts";
import { filePath } from "./integrity.ts";
import { liveKeys, readCatalogPins } from "./_pins.ts";
import { dirname } from "node:path";

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

/** A remote write in progress: the lock and the entries read under it. */
export interface RemoteWrite {
  lake: RemoteLake;
  lock: DatasetLock;
  entries: ManifestEntry[];
}

const DEFAULT_GRACE_S = 600;

/**
 * Seconds a replaced object outlives the commit that replaced it: `WORKBENCH_S3_DELETE_GRACE_S`
 * (a number >= 0) [600], in milliseconds. A bad value is a RangeError naming the variable.
 */
export function deleteGraceMs(): number {
  let raw: string | undefined;
  try {
    raw = Deno.env.get("WORKBENCH_S3_DELETE_GRACE_S") || undefined;
  } catch { /* no env permission */ }
  if (raw === undefined) return DEFAULT_GRACE_S * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`WORKBENCH_S3_DELETE_GRACE_S must be seconds >= 0, not "${raw}"`);
  }
  return n * 1000;
}

/** Step 1: lock the dataset in the catalog and read its entries. */
export async function beginRemote(
  lake: RemoteLake,
  spec: Where,
  timeoutMs = 60_000,
): Promise<RemoteWrite> {
  const name = datasetName(spec);
  let lock: DatasetLock;
  try {
    lock = await lake.catalog.lock(name, timeoutMs);
  } catch (e) {
    if (e instanceof CatalogError && /another writer held it/.test(e.message)) {
      throw new LockError(e.message);
    }
    throw e;
  }
  try {
    const entries = await lake.catalog.entries(name);
    lake.seen.set(name, entries);
    return { lake, lock, entries };
  } catch (e) {
    await lock.release();
    throw e;
  }
}

const keyOf = (f: FileRef) => (f.partition ? `${f.partition}/${f.file}` : f.file);

/** What {@link collectGarbage} did. */
export interface GarbageResult {
  /** Objects deleted. */
  deleted: FileRef[];
  /** Garbage rows kept: a live pin holds the file. */
  pinned: FileRef[];
  /** Garbage rows kept: their grace period is not over. */
  waiting: FileRef[];
  /** Garbage rows forgotten without deleting: the file is committed again. */
  recommitted: FileRef[];
}

/**
 * Under a held dataset lock: delete the replaced objects whose grace is over, that no live pin
 * holds and that no state in `committed` (entry lists, e.g. before and after this commit) holds;
 * forget their garbage rows in the lock's transaction (committed with it).
 */
export async function collectGarbage(
  w: RemoteWrite,
  spec: Where,
  root: string | undefined,
  committed: ManifestEntry[][],
  options: { now?: Date; graceMs?: number } = {},
): Promise<GarbageResult> {
  const now = options.now ?? new Date();
  const graceMs = options.graceMs ?? deleteGraceMs();
  const out: GarbageResult = { deleted: [], pinned: [], waiting: [], recommitted: [] };
  const rows = await w.lock.garbage();
  if (rows.length === 0) return out;
  const held = new Set<string>();
  for (const entries of committed) {
    for (const f of foldManifest(entries).files) held.add(keyOf(f));
  }
  const pinned = liveKeys(await readCatalogPins(w.lake.catalog, datasetName(spec)), now);
  for (const r of rows) {
    const k = keyOf(r);
    if (held.has(k)) out.recommitted.push(r);
    else if (pinned.has(k)) out.pinned.push(r);
    else if (now.getTime() - Date.parse(r.replaced_at) < graceMs) out.waiting.push(r);
    else {
      await w.lake.bucket.delete(objectKey(w.lake, spec, r));
      w.lake.cache.drop(filePath(spec, r, root));
      out.deleted.push(r);
    }
  }
  await w.lock.forget([...out.deleted, ...out.recommitted]);
  return out;
}

/**
 * Steps 2-4 for files staged under temporary local paths (`staged[i]` holds `added[i]`'s bytes).
 */
export async function commitRemote(
  w: RemoteWrite,
  spec: Where,
  root: string | undefined,
  staged: { tmp: string; file: ManifestFile }[],
  entry: ManifestEntry,
  onStep?: (step: string) => void,
): Promise<void> {
  const { lake } = w;
  for (const s of staged) {
    const bytes = await Deno.readFile(s.tmp);
    const key = objectKey(lake, spec, s.file);
    const r = await lake.bucket.putIfAbsent(key, bytes, { sha256: s.file.sha256 });
    if (r === "exists") {
      const h = await lake.bucket.head(key);
      if (!h || h.size !== bytes.length || (h.metadata.sha256 ?? s.file.sha256) !== s.file.sha256) {
        throw new Error(
          `Cannot write s3://${lake.bucket.bucket}/${key}: an object of that name exists with other content (${
            h ? `${h.size} bytes, sha256 ${h.metadata.sha256?.slice(0, 16) ?? "unknown"}` : "gone"
          }); run \`deno task verify\` (nothing was committed)`,
        );
      }
    }
    const path = filePath(spec, s.file, root);
    Deno.mkdirSync(dirname(path), { recursive: true });
    await Deno.rename(s.tmp, path);
    lake.cache.add(path, bytes.length);
  }
  onStep?.("uploaded");
  const after = [...w.entries, entry];
  const graceMs = deleteGraceMs();
  // Earlier replacements first (checked against the states before and after this entry), then
  // this entry's replaced files join the garbage with the commit.
  await collectGarbage(w, spec, root, [w.entries, after], { graceMs });
  await w.lock.defer(entry.removed);
  await w.lock.commit(entry);
  w.lake.seen.set(datasetName(spec), after);
  onStep?.("committed");
  if (graceMs === 0 && entry.removed.length > 0) {
    // No grace: delete this entry's replaced files now, under the lock again.
    const again = await beginRemote(lake, spec);
    try {
      await collectGarbage(again, spec, root, [again.entries], { graceMs: 0 });
      await again.lock.commit(null);
    } finally {
      await again.lock.release();
    }
  }
}
