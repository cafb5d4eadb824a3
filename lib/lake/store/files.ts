/**
 * A committed data file as a local readable path, for both kinds of lake, and the removal of
 * replaced files from a local lake.
 *
 * Local lake: the file itself, inside the lake (no symlink out), a regular file, and (when
 * verifying) with its recorded sha256. `s3://` lake: the cached copy in the local mirror; a file
 * not cached (or whose cached copy differs from its sha256) is fetched once from S3, checked
 * against its sha256 before anything reads it, and stored in the cache; an object that is
 * missing or differs is an `IntegrityError` naming its `s3://` address.
 */
import { dirname } from "node:path";
import { sha256Hex } from "../../core/fs.ts";
import type { ManifestFile } from "../manifest.ts";
import { type DatasetSpec, lakeRoot, metaDir } from "../spec.ts";
import {
  assertInsideLake,
  checkBytes,
  filePath,
  IntegrityError,
  verifyFile,
  verifyFiles,
} from "../integrity.ts";
import { isRemoteRoot } from "./location.ts";
import { pinnedKeys } from "../_pins.ts";
import { objectKey, type RemoteLake, remoteLake } from "./remote.ts";

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

/** The remote lake of a root, or null for a local lake. */
export function remoteOf(root?: string): RemoteLake | null {
  const r = lakeRoot(root);
  return isRemoteRoot(r) ? remoteLake(r) : null;
}

function label(spec: Where): string {
  return `${spec.zone}/${spec.source}/${spec.dataset}`;
}

/** Fetch a remote file into the mirror, checked against its sha256 first. Returns its path. */
async function fetchFile(
  lake: RemoteLake,
  spec: Where,
  f: ManifestFile,
  path: string,
): Promise<string> {
  const key = objectKey(lake, spec, f);
  const where = `s3://${lake.bucket.bucket}/${key}`;
  const bytes = await lake.bucket.get(key);
  if (bytes === null) {
    throw new IntegrityError(
      `Cannot read ${label(spec)}: file ${where} is in the catalog but missing from the bucket`,
      where,
      "missing",
      { dataset: spec.dataset },
    );
  }
  const sha = await sha256Hex(bytes);
  if (sha !== f.sha256) {
    throw new IntegrityError(
      `Cannot read ${label(spec)}: object ${where} has sha256 ${
        sha.slice(0, 16)
      }.. but the catalog records ${
        f.sha256.slice(0, 16)
      }.. (the object changed after it was written)`,
      where,
      "checksum",
      { dataset: spec.dataset },
    );
  }
  Deno.mkdirSync(dirname(path), { recursive: true });
  const tmp = `${dirname(path)}/.fetch-${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* not created */ }
    throw e;
  }
  lake.cache.add(path, bytes.length);
  return path;
}

/** Options of {@link localFile} and {@link localFiles}. */
export interface LocalFileOptions {
  /** Lake root. @default lakeRoot() */
  root?: string | undefined;
  /** Check the sha256 of what is read. @default true */
  verify?: boolean;
  /** Skip hashing a local file this process verified already and that is unchanged. @default false */
  cached?: boolean;
  /** With `cached`, remember verified files across processes (`verified.json`). @default false */
  persist?: boolean;
}

/**
 * A local readable path of one committed file (see the module doc), checked as asked.
 * Throws an `IntegrityError` naming the file when it is missing, changed or outside the lake.
 */
export async function localFile(
  spec: Where,
  f: ManifestFile,
  options: LocalFileOptions = {},
): Promise<string> {
  return (await checkedFile(spec, f, options)).path;
}

/**
 * {@link localFile}, with the bytes it hashed when it read the whole file to check its sha256
 * (a local lake, `verify` on, not `cached`): decoding those very bytes instead of opening the
 * path again reads the file once, and what is decoded is exactly what was checked.
 */
export async function checkedFile(
  spec: Where,
  f: ManifestFile,
  options: LocalFileOptions = {},
): Promise<{ path: string; bytes?: Uint8Array }> {
  const root = options.root;
  const verify = options.verify ?? true;
  const lake = remoteOf(root);
  if (!lake && verify && options.cached) {
    // Every check of this function, made once: inside the lake, a regular file, its sha256.
    return { path: await verifyFile(spec, f, { ...(root ? { root } : {}), cached: true }) };
  }
  const path = filePath(spec, f, root);
  assertInsideLake(path, root, spec.dataset);
  if (!lake) {
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(path);
    } catch (e) {
      throw new IntegrityError(
        `Cannot read ${
          label(spec)
        }: file ${path} is in the manifest but missing on disk; run \`deno task verify --repair\``,
        path,
        "missing",
        { dataset: spec.dataset, cause: e },
      );
    }
    if (st.isSymlink) {
      throw new IntegrityError(`Cannot read ${path}: it is a symlink`, path, "symlink", {
        dataset: spec.dataset,
      });
    }
    if (!verify) return { path };
    const bytes = await Deno.readFile(path);
    await checkBytes(spec, f, path, bytes);
    return { path, bytes };
  }
  // Remote: the cached copy when it is there and sound, else a fetch.
  try {
    if (verify) {
      await verifyFile(spec, f, { ...(root ? { root } : {}), cached: options.cached ?? false });
    } else {
      const st = Deno.lstatSync(path);
      if (!st.isFile || (f.bytes !== undefined && st.size !== f.bytes)) throw new Error("stale");
    }
    lake.cache.touch(path, f.bytes ?? 0);
    return { path };
  } catch (e) {
    if (e instanceof IntegrityError && e.reason === "symlink") throw e;
    // Not cached, or the cached copy differs: the bucket's object is the truth.
    if (!(e instanceof Deno.errors.NotFound) && !(e instanceof IntegrityError)) {
      lake.cache.drop(path);
    } else if (e instanceof IntegrityError && e.reason !== "missing") lake.cache.drop(path);
  }
  return { path: await fetchFile(lake, spec, f, path) };
}

/**
 * Local readable paths of committed files (in the given order). On a local lake with `verify`
 * this is `verifyFiles` (hashes in parallel in the blocking pool); on a remote lake the missing
 * files are fetched, a few at a time.
 */
export async function localFiles(
  spec: Where,
  files: ManifestFile[],
  options: LocalFileOptions = {},
): Promise<string[]> {
  const root = options.root;
  if (!remoteOf(root) && (options.verify ?? true)) {
    return await verifyFiles(spec, files, {
      ...(root ? { root } : {}),
      ...(options.cached !== undefined ? { cached: options.cached } : {}),
      ...(options.persist !== undefined ? { persist: options.persist } : {}),
    });
  }
  const out = new Array<string>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      out[i] = await localFile(spec, files[i]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
  return out;
}

/**
 * Remove files that a committed entry replaced (after its commit point) from a local lake,
 * keeping those a live snapshot pin holds. An `s3://` lake never deletes at the commit: its
 * replaced objects wait out a grace period in the catalog (`collectGarbage` in
 * lib/lake/_remote_commit.ts), so this refuses a remote root. A file already gone is no error.
 */
export function removeReplacedFiles(
  spec: Where,
  files: readonly Pick<ManifestFile, "partition" | "file">[],
  root?: string,
): Promise<void> {
  if (remoteOf(root)) {
    return Promise.reject(
      new TypeError(
        `Cannot remove replaced files of ${
          label(spec)
        } directly on an s3:// lake: its replaced objects are deleted after their grace period by the next writer or \`deno task snapshot gc\``,
      ),
    );
  }
  // Files a snapshot pin holds are kept (lib/lake/snapshot.ts `pinnedFileSet`/`pinnedKeys`);
  // `deno task snapshot gc` deletes them once no live pin holds them.
  const pinned = files.length ? pinnedKeys(metaDir(spec, root)) : null;
  for (const f of files) {
    if (pinned?.has(f.partition ? `${f.partition}/${f.file}` : f.file)) continue;
    try {
      Deno.removeSync(filePath(spec, f, root));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) return Promise.reject(e);
    }
  }
  return Promise.resolve();
}
