/**
 * Trust in what is read: a dataset's files are the manifest's committed list, each checked
 * against its recorded sha256 and kept inside the lake (no symlink leads out of it).
 *
 * Cost of verification (bench/lake_throughput.ts prints it, reads with and without): the bytes
 * are hashed with WebCrypto in Deno's blocking pool while Polars reads the same file, so on a
 * machine with a spare core the hash hides behind the read; on one busy core it adds the hash
 * time (~450 MB/s of sha256 against ~30-100 MB/s of Parquet decoding of bar data).
 *
 * Files already verified by this process are remembered by (path, size, mtime, inode) and not
 * hashed again by writers and views (data files are immutable and content-addressed; any
 * rewrite of one changes its mtime). The files a writer of this process has just committed are
 * remembered the same way, with the sha256 it computed from the bytes it read back
 * ({@link recordWritten}), so reading them back in the same run does not hash them twice.
 * `readDataset` and `deno task verify` always hash.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { DataError } from "../core/errors.ts";
import { sha256Hex } from "../core/fs.ts";
import type { ManifestFile } from "./manifest.ts";
import { datasetDir, type DatasetSpec, localRoot } from "./spec.ts";

/** A data file that cannot be trusted: missing, changed, or outside the lake. */
export class IntegrityError extends DataError {
  /** Path of the file (or directory) at fault. */
  readonly file: string;
  /** `missing`, `checksum`, `size`, `symlink` (leads out of the lake), `manifest`. */
  readonly reason: "missing" | "checksum" | "size" | "symlink" | "manifest";
  constructor(
    message: string,
    file: string,
    reason: IntegrityError["reason"],
    options: { dataset?: string; cause?: unknown } = {},
  ) {
    super(message, {
      ...(options.dataset ? { dataset: options.dataset } : {}),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
    this.name = "IntegrityError";
    this.file = file;
    this.reason = reason;
  }
}

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

function label(spec: Where): string {
  return `${spec.zone}/${spec.source}/${spec.dataset}`;
}

/** Absolute path of a committed file. */
export function filePath(spec: Where, f: Pick<ManifestFile, "partition" | "file">, root?: string) {
  const dir = datasetDir(spec, root);
  return f.partition ? join(dir, f.partition, f.file) : join(dir, f.file);
}

/** Real path of each configured lake root (resolved), as this process found it. */
const realRoots = new Map<string, string>();

/**
 * The lake root with symlinks resolved, or null while it does not exist. Remembered per process
 * by the configured root (`fresh`: look again, forgetting what was remembered); a root that does
 * not exist yet is not remembered.
 */
function realRoot(root?: string, fresh = false): string | null {
  const configured = resolve(localRoot(root));
  if (!fresh) {
    const known = realRoots.get(configured);
    if (known !== undefined) return known;
  }
  realRoots.delete(configured);
  try {
    const real = Deno.realPathSync(configured);
    realRoots.set(configured, real);
    return real;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

function inside(base: string, real: string): boolean {
  const rel = relative(base, real);
  return !(rel.startsWith("..") || rel.startsWith("/"));
}

/**
 * The real path of `p`, or of its nearest existing ancestor when `p` does not exist; null when
 * not even `/` resolves. Existence is probed with `existsSync` (one stat, no exception; it
 * follows symlinks as realpath does, so a dangling symlink counts as missing, as before), then
 * one realpath resolves every level of the ancestor found.
 */
function realOfNearest(p: string): string | null {
  for (;;) {
    let q = p;
    while (!existsSync(q)) {
      const up = dirname(q);
      if (up === q) return null;
      q = up;
    }
    try {
      return Deno.realPathSync(q);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      // Removed between the probe and the realpath: look again from the same path.
    }
  }
}

/**
 * Throw an {@link IntegrityError} when `path` (or its nearest existing ancestor, for a path not
 * made yet) resolves outside the lake root: a symlinked zone, dataset, partition or file that
 * leads out of the lake is never read, written or deleted through.
 *
 * Cost: the path is resolved afresh at every call (a directory swapped for a symlink after this
 * process used it is refused); the root's real path is remembered per process (issue #21: one
 * realpath of the root per call was a third of the readlink calls of a demo run) and looked up
 * again before anything is refused, so a root moved or repointed since is judged by its new
 * place. What a remembered root cannot see: a symlink inside the lake that leads into the place
 * where the root used to resolve to.
 */
export function assertInsideLake(path: string, root?: string, dataset?: string): void {
  let base = realRoot(root);
  if (base === null) return; // no lake yet: nothing in it can be a symlink
  const real = realOfNearest(resolve(path));
  if (real === null || inside(base, real)) return;
  base = realRoot(root, true);
  if (base === null || inside(base, real)) return;
  throw new IntegrityError(
    `Refusing ${path}: it resolves to ${real}, outside the lake ${base} (a symlink leads out of the lake)`,
    path,
    "symlink",
    dataset ? { dataset } : {},
  );
}

const verified = new Map<string, string>();
/** Paths remembered by {@link recordWritten} and not saved to a `verified.json` yet. */
const unsaved = new Set<string>();

function statKey(path: string, st: Deno.FileInfo): string {
  return `${path}|${st.size}|${st.mtime?.getTime() ?? 0}|${st.ino ?? 0}`;
}

/** What a writer saw of a file it wrote (its lstat before reading the bytes back to hash them). */
export interface WrittenStat {
  /** Bytes. */
  size: number;
  /** Modification time, ms since the epoch (0 when the platform has none). */
  mtimeMs: number;
  /** Inode (0 when the platform has none). */
  ino: number;
}

/** The {@link WrittenStat} of an lstat. */
export function writtenStat(st: Deno.FileInfo): WrittenStat {
  return { size: st.size, mtimeMs: st.mtime?.getTime() ?? 0, ino: st.ino ?? 0 };
}

/**
 * Remember a data file this process has just written and committed as verified with `sha256`
 * (hashed by the writer from the bytes it read back), so that a cached read of it in this
 * process does not read and hash it again (issue #21: a run re-hashed every file it had just
 * written). The entry is the one {@link verifyFile} makes, keyed by the committed path's lstat
 * (size, mtime, inode); it is made only when that lstat is still `seen`, what the writer saw
 * before reading the bytes back (a rename keeps all three), so bytes changed after the hash
 * change the key and are hashed again. Returns whether it was remembered.
 *
 * @example
 * ```ts ignore
 * const seen = writtenStat(await Deno.lstat(tmp));
 * const sha = await sha256Hex(await Deno.readFile(tmp));
 * Deno.renameSync(tmp, path);
 * recordWritten(path, sha, seen); // true
 * ```
 */
export function recordWritten(path: string, sha256: string, seen: WrittenStat): boolean {
  let st: Deno.FileInfo;
  try {
    st = Deno.lstatSync(path);
  } catch {
    return false;
  }
  const now = writtenStat(st);
  if (
    !st.isFile || now.size !== seen.size || now.mtimeMs !== seen.mtimeMs || now.ino !== seen.ino
  ) {
    return false;
  }
  verified.set(statKey(path, st), sha256);
  unsaved.add(path);
  return true;
}

/** Forget what this process verified (benchmarks; tests that flip bytes keeping the mtime). */
export function clearVerifiedCache(): void {
  verified.clear();
  unsaved.clear();
  loadedCaches.clear();
}

/** Options for {@link verifyFile} and {@link verifyFiles}. */
export interface VerifyOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Skip hashing a file this process verified already and that is unchanged. @default false */
  cached?: boolean;
  /**
   * With `cached`: also remember verified files across processes, in the dataset's
   * `_meta/.../verified.json` (path -> size, mtime, inode, sha256; best effort, skipped on a
   * read-only lake). A file whose size, mtime or inode changed is hashed again. @default false
   */
  persist?: boolean;
}

const VERIFIED = "verified.json";
const loadedCaches = new Set<string>();

function cachePath(spec: Where, root?: string): string {
  return join(localRoot(root), "_meta", spec.zone, spec.source, spec.dataset, VERIFIED);
}

/** Merge a dataset's persisted verification cache into this process's (once per process). */
function loadCache(spec: Where, root?: string): void {
  const p = cachePath(spec, root);
  if (loadedCaches.has(p)) return;
  loadedCaches.add(p);
  try {
    const m = JSON.parse(Deno.readTextFileSync(p)) as Record<string, string>;
    for (const [k, sha] of Object.entries(m)) {
      if (typeof sha === "string" && /^[0-9a-f]{64}$/.test(sha)) verified.set(k, sha);
    }
  } catch { /* none yet, or damaged: everything is hashed again */ }
}

/** Save the verification cache entries of the given files (best effort). */
function saveCache(spec: Where, paths: string[], root?: string): void {
  const out: Record<string, string> = {};
  const wanted = new Set(paths);
  for (const [k, sha] of verified) {
    if (wanted.has(k.slice(0, k.indexOf("|")))) out[k] = sha;
  }
  for (const path of paths) unsaved.delete(path);
  const p = cachePath(spec, root);
  const tmp = `${p}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    Deno.writeTextFileSync(tmp, JSON.stringify(out));
    Deno.renameSync(tmp, p);
  } catch {
    try {
      Deno.removeSync(tmp);
    } catch { /* not created */ }
  }
}

function missing(spec: Where, f: ManifestFile, path: string, e: unknown): IntegrityError {
  return new IntegrityError(
    `Cannot read ${label(spec)}: file ${
      f.partition ? `${f.partition}/` : ""
    }${f.file} is in the manifest but missing on disk (${path}); run \`deno task verify --repair\``,
    path,
    "missing",
    { dataset: spec.dataset, cause: e },
  );
}

function mismatch(spec: Where, f: ManifestFile, path: string, sha: string): IntegrityError {
  return new IntegrityError(
    `Cannot read ${label(spec)}: file ${path} has sha256 ${
      sha.slice(0, 16)
    }.. but the manifest records ${
      f.sha256.slice(0, 16)
    }.. (the file changed after it was written); run \`deno task verify --repair\``,
    path,
    "checksum",
    { dataset: spec.dataset },
  );
}

/** Check a file's bytes against its sha256 (bytes already read by the caller). */
export async function checkBytes(
  spec: Where,
  f: ManifestFile,
  path: string,
  bytes: Uint8Array,
): Promise<void> {
  const sha = await sha256Hex(bytes);
  if (sha !== f.sha256) throw mismatch(spec, f, path, sha);
}

/**
 * Verify one committed file: inside the lake, present, and with the recorded sha256 (and size,
 * when recorded). Throws an {@link IntegrityError} naming the file. Returns its path.
 */
export async function verifyFile(
  spec: Where,
  f: ManifestFile,
  options: VerifyOptions = {},
): Promise<string> {
  const path = filePath(spec, f, options.root);
  assertInsideLake(path, options.root, spec.dataset);
  let st: Deno.FileInfo;
  try {
    st = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw missing(spec, f, path, e);
    throw e;
  }
  if (st.isSymlink || !st.isFile) {
    throw new IntegrityError(
      `Cannot read ${label(spec)}: ${path} is ${st.isSymlink ? "a symlink" : "not a file"}`,
      path,
      "symlink",
      { dataset: spec.dataset },
    );
  }
  if (f.bytes !== undefined && st.size !== f.bytes) {
    throw new IntegrityError(
      `Cannot read ${
        label(spec)
      }: file ${path} has ${st.size} bytes but the manifest records ${f.bytes}; run \`deno task verify --repair\``,
      path,
      "size",
      { dataset: spec.dataset },
    );
  }
  const key = statKey(path, st);
  if (options.cached && verified.get(key) === f.sha256) return path;
  await checkBytes(spec, f, path, await Deno.readFile(path));
  verified.set(key, f.sha256);
  return path;
}

/** Verify several files at once (hashes run in parallel in the blocking pool). */
export async function verifyFiles(
  spec: Where,
  files: ManifestFile[],
  options: VerifyOptions = {},
): Promise<string[]> {
  const persist = options.cached && options.persist;
  if (persist) loadCache(spec, options.root);
  const before = verified.size;
  const paths = await Promise.all(files.map((f) => verifyFile(spec, f, options)));
  // Saved when something was hashed, or when a file a writer of this process remembered
  // (recordWritten) is not in the file yet: the next process need not hash it either.
  if (persist && (verified.size !== before || paths.some((p) => unsaved.has(p)))) {
    saveCache(spec, paths, options.root);
  }
  return paths;
}
