/**
 * The commit protocol of an `s3://` lake (the catalog in PostgreSQL):
 * 1. Take the dataset's row lock in a catalog transaction (writers anywhere take turns) and read
 *    its entries in that transaction's turn.
 * 2. Write data files locally under temporary names (as for a local lake), then upload each with
 *    `If-None-Match: *` under its content-addressed name: a 412 means an object of that name
 *    exists, accepted only when its recorded sha256 and size are this file's.
 * 3. Insert the manifest entry and commit the transaction: the commit point. A writer killed
 *    before it leaves the old state (uploaded files are unreferenced, invisible to readers); the
 *    connection drop makes PostgreSQL roll back and release the lock.
 * 4. Remove replaced files (`removeReplacedFiles`, shared with the local lake).
 */
import { LockError } from "./lock.ts";
import type { ManifestEntry, ManifestFile } from "./manifest.ts";
import type { DatasetSpec } from "./spec.ts";
import { CatalogError, type DatasetLock } from "./catalog/pg.ts";
import { datasetName, objectKey, type RemoteLake } from "./store/remote.ts";
import { removeReplacedFiles } from "./store/files.ts";
import { filePath } from "./integrity.ts";
import { dirname } from "node:path";

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

/** A remote write in progress: the lock and the entries read under it. */
export interface RemoteWrite {
  lake: RemoteLake;
  lock: DatasetLock;
  entries: ManifestEntry[];
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
  await w.lock.commit(entry);
  w.lake.seen.set(datasetName(spec), [...w.entries, entry]);
  onStep?.("committed");
  await removeReplacedFiles(spec, entry.removed, root);
}
