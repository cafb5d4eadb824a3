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
 * The model registry (`reference/models/`, lib/models/registry.ts; not a dataset, it has no
 * manifest) is moved too, with the same guarantees: for every version its `index.json` lists,
 * `model.onnx` is checked against the card's `onnxSha256`, and `model.onnx` and `model.json` are
 * written under the same names (an existing file accepted only with the same sha256) and read
 * back and hashed; `index.json` is written last, only after every version verified. A version
 * listed in the index without its files, a card that disagrees with the index, or an ONNX file
 * whose checksum is not its card's refuses the migration of the registry.
 *
 * Files are copied `parallel` at a time (default 8) from one queue over all datasets, so a lake
 * of many small files is not bound by one request's round trip. The order of commits is kept
 * per dataset, not across datasets: a dataset's entries are written as soon as its last file
 * verified. At the first failure no further file is started, the copies in flight finish, and
 * the error is thrown; no dataset with a file not verified has its entries written.
 */
import { dirname, join } from "node:path";
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
import { datasetName, objectKey, type RemoteLake } from "./store/remote.ts";
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
  /**
   * Set for the model registry (`dataset` is then `reference/models`, `entries` the versions of
   * its index and `files` their model.onnx and model.json).
   */
  registry?: true;
}

/** Options of {@link migrateLake}. */
export interface MigrateOptions {
  /** Called after each dataset's entries (or the model registry's index) are written or found. */
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
  /** Committed files of every dataset of the source, and the registry's model files. */
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

/** Where a file goes in the target: an object of a remote lake, or a local path. */
type Target = { lake: RemoteLake; key: string } | { path: string };

function dataTarget(d: Where, f: { partition: string; file: string }, to: string): Target {
  const lake = remoteOf(to);
  return lake ? { lake, key: objectKey(lake, d, f) } : { path: filePath(d, f, to) };
}

/** A file named by its path relative to the lake root (the model registry's files). */
function relTarget(rel: string, root: string): Target {
  const lake = remoteOf(root);
  if (lake) return { lake, key: [lake.prefix, rel].filter((p) => p !== "").join("/") };
  return { path: join(lakeRoot(root), rel) };
}

/** Write one file to the target when not there; returns whether it was written. */
async function put(t: Target, sha256: string, bytes: Uint8Array, what: string): Promise<boolean> {
  if ("lake" in t) {
    const r = await t.lake.bucket.putIfAbsent(t.key, bytes, { sha256 });
    return r === "created";
  }
  const path = t.path;
  try {
    if (await sha256Hex(await Deno.readFile(path)) === sha256) return false;
    throw new MigrateError(
      `Cannot migrate ${what}: ${path} exists in the target with other content`,
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

/** The bytes of a file, read from the store itself (not a cache); null when there is none. */
async function readAt(t: Target): Promise<Uint8Array | null> {
  if ("lake" in t) return await t.lake.bucket.get(t.key);
  try {
    return await Deno.readFile(t.path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Write a file to the target, read it back and check its sha256; returns whether written. */
async function putVerified(
  t: Target,
  sha256: string,
  bytes: Uint8Array,
  what: string,
  name: string,
  to: string,
): Promise<boolean> {
  const copied = await put(t, sha256, bytes, what);
  const back = await readAt(t);
  if (!back || await sha256Hex(back) !== sha256) {
    throw new MigrateError(
      `Cannot migrate ${what}: ${name} reads back from ${to} ${
        back ? "with another sha256" : "as missing"
      }; nothing of ${what} was committed to the target${
        back && !copied ? " (the target already had that file with other content)" : ""
      }`,
    );
  }
  return copied;
}

/** The model registry's folder relative to a lake root (see lib/models/registry.ts). */
const REGISTRY = "reference/models";

/** One file of the registry to move, read and checked from the source. */
interface RegistryFile {
  rel: string;
  bytes: Uint8Array;
  sha256: string;
}

/**
 * The source's model registry: every version of its index with model.onnx checked against the
 * card's `onnxSha256`; null when the lake has no registry (no index.json or an empty one).
 */
async function readRegistry(
  from: string,
): Promise<{ index: RegistryFile; files: RegistryFile[]; versions: number } | null> {
  const what = "the model registry (reference/models)";
  const indexBytes = await readAt(relTarget(`${REGISTRY}/index.json`, from));
  if (indexBytes === null) return null;
  let models: { name?: unknown; version?: unknown }[];
  try {
    models = JSON.parse(new TextDecoder().decode(indexBytes)).models;
    if (!Array.isArray(models)) throw new Error("no models array");
  } catch (e) {
    throw new MigrateError(
      `Cannot migrate ${what}: index.json is not a registry index (${(e as Error).message})`,
    );
  }
  if (models.length === 0) return null;
  const files: RegistryFile[] = [];
  for (const m of models) {
    if (
      typeof m.name !== "string" || !/^[a-z][a-z0-9_]*$/.test(m.name) ||
      !Number.isInteger(m.version)
    ) {
      throw new MigrateError(
        `Cannot migrate ${what}: index.json has a bad row ${JSON.stringify(m)}`,
      );
    }
    const dir = `${REGISTRY}/${m.name}/${m.version}`;
    const card = await readAt(relTarget(`${dir}/model.json`, from));
    const onnx = await readAt(relTarget(`${dir}/model.onnx`, from));
    if (card === null || onnx === null) {
      throw new MigrateError(
        `Cannot migrate ${what}: ${m.name} v${m.version} is in index.json but ${dir}/${
          card === null ? "model.json" : "model.onnx"
        } is missing in ${from}`,
      );
    }
    let c: { name?: unknown; version?: unknown; onnxSha256?: unknown };
    try {
      c = JSON.parse(new TextDecoder().decode(card));
    } catch (e) {
      throw new MigrateError(
        `Cannot migrate ${what}: ${dir}/model.json is not JSON (${(e as Error).message})`,
      );
    }
    if (c.name !== m.name || c.version !== m.version) {
      throw new MigrateError(
        `Cannot migrate ${what}: ${dir}/model.json names ${String(c.name)} v${
          String(c.version)
        }, not ${m.name} v${m.version}`,
      );
    }
    const onnxSha = await sha256Hex(onnx);
    if (onnxSha !== c.onnxSha256) {
      throw new MigrateError(
        `Cannot migrate ${what}: ${dir}/model.onnx has sha256 ${onnxSha}, its card records ${
          String(c.onnxSha256)
        }`,
      );
    }
    files.push({ rel: `${dir}/model.onnx`, bytes: onnx, sha256: onnxSha });
    files.push({ rel: `${dir}/model.json`, bytes: card, sha256: await sha256Hex(card) });
  }
  const index = {
    rel: `${REGISTRY}/index.json`,
    bytes: indexBytes,
    sha256: await sha256Hex(indexBytes),
  };
  return { index, files, versions: models.length };
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
  const copied = await putVerified(
    dataTarget(d, f, to),
    f.sha256,
    bytes,
    datasetName(d),
    `${f.partition}/${f.file}`,
    to,
  );
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
  // One job per dataset (and one for the model registry): its files, copied from one queue,
  // then its commit (catalog entries, or the registry's index.json) once all verified.
  type Job = {
    copies: (() => Promise<{ copied: boolean; bytes: number }>)[];
    commit: (j: Job) => Promise<MigratedDataset>;
    left: number;
    bytes: number;
    copied: number;
  };
  const jobs: Job[] = [];
  for (const d of listDatasets(from) as Where[]) {
    const entries = await entriesOf(d, from);
    if (entries.length === 0) continue;
    const files = foldManifest(entries).files;
    jobs.push({
      copies: files.map((f) => () => copyOne(d, f, from, to)),
      commit: async (j) => ({
        dataset: datasetName(d),
        entries: entries.length,
        files: files.length,
        bytes: j.bytes,
        copied: j.copied,
        skipped: !(await writeEntries(d, entries, to)),
      }),
      left: files.length,
      bytes: 0,
      copied: 0,
    });
  }
  const registry = await readRegistry(from);
  if (registry) {
    const what = "the model registry (reference/models)";
    jobs.push({
      copies: registry.files.map((f) => async () => ({
        copied: await putVerified(relTarget(f.rel, to), f.sha256, f.bytes, what, f.rel, to),
        bytes: f.bytes.length,
      })),
      commit: async (j) => {
        const { rel, sha256, bytes } = registry.index;
        const written = await putVerified(relTarget(rel, to), sha256, bytes, what, rel, to);
        return {
          dataset: REGISTRY,
          entries: registry.versions,
          files: registry.files.length,
          bytes: j.bytes,
          copied: j.copied,
          skipped: !written,
          registry: true,
        };
      },
      left: registry.files.length,
      bytes: 0,
      copied: 0,
    });
  }
  const out: MigratedDataset[] = [];
  const commit = async (j: Job) => {
    const r = await j.commit(j);
    options.onDataset?.(r);
    out.push(r);
  };
  const queue = jobs.flatMap((j) => j.copies.map((copy) => ({ j, copy })));
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
      const { j, copy } = queue[next++]!;
      try {
        const r = await copy();
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
