/**
 * Whole-lake checks and repair (`deno task verify [--repair]`), lake-wide recovery before any
 * read, and SQL views over committed files only.
 *
 * Checks per dataset: the manifest parses to its end (a torn or garbage line is reported with
 * file and line); every committed file exists, is a regular file inside the lake, has its
 * recorded sha256 and its recorded row count; no other file sits in the dataset's folders
 * (strays: files the manifest does not list, stale temporaries, symlinks).
 *
 * Repair never deletes data: a file that cannot be trusted (changed bytes, stray, symlink) is
 * moved to `<root>/_quarantine/<time>/<zone>/<source>/<dataset>/...` and a `repair` manifest entry
 * drops changed or missing files from the committed list (their time ranges and lineage sources are
 * reported, so lib/ingest/repair.ts can re-curate or refetch them; writes are idempotent, so a
 * rerun adds only what is missing). A lost
 * or damaged manifest is rebuilt from the data files: every file whose bytes match its
 * content-addressed name and whose columns hold the natural key is adopted; where files of one
 * partition share natural keys (a rerun after the manifest was lost), they are merged into one
 * file keeping, per key, the row with the latest `ingested_at`, and the originals quarantined, so
 * no row is duplicated.
 *
 * An `s3://` lake (catalog in PostgreSQL) is checked under the dataset's catalog lock against the
 * bucket: every committed object exists, hashes to its recorded sha256 and holds its recorded
 * rows; an object under the dataset's prefix that no committed entry lists, no live pin holds and
 * no pending deletion names (`lake_garbage`) and that is older than `orphanGraceMs` is an orphan
 * (`stray`: typically uploaded by a writer that died before its commit point). The repair
 * generalises: a changed object and an orphan are moved (copied, then deleted) under
 * `<prefix>/_quarantine/<time>/...` in the bucket, missing and changed files are dropped by a
 * `repair` entry committed in the catalog, and their time ranges and sources are reported for
 * re-curation or refetch as for a local lake. What it cannot do there: rebuild a lost catalog
 * from the objects (the catalog is the only manifest; restore it from a PostgreSQL backup or move
 * the lake back with `deno task lake-migrate`), and it never rewrites a cached copy (the cache is
 * re-fetched on the next read when it differs).
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { join, relative } from "node:path";
import { sha256Hex, writeAtomic, writeDurable } from "../core/fs.ts";
import { acquireLock } from "./lock.ts";
import {
  appendManifest,
  foldManifest,
  type LostRows,
  type ManifestEntry,
  type ManifestFile,
  manifestPath,
  type ManifestSpec,
  manifestSpecOf,
  type OpenLoss,
  readManifestLog,
  repairTornManifest,
} from "./manifest.ts";
import { duckdbPathList } from "./reader.ts";
import {
  type ColumnType,
  datasetDir,
  type DatasetSpec,
  lakeRoot,
  LINEAGE_COLUMNS,
  localRoot,
  metaDir,
  type Zone,
} from "./spec.ts";
import { lakeType } from "./_types.ts";
import { readJournal, recoverDataset } from "./writer.ts";
import { assertInsideLake, filePath } from "./integrity.ts";
import { remoteOf } from "./store/files.ts";
import { openLake } from "./open.ts";
import { datasetName, objectKey, type RemoteLake } from "./store/remote.ts";
import { liveKeys, pinnedKeys, readCatalogPins } from "./_pins.ts";
import { beginRemote } from "./_remote_commit.ts";

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

const ZONES: readonly Zone[] = ["raw", "curated", "reference"];

function dirs(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/**
 * Folders `<zone>/<source>` that hold no datasets: the model registry (lib/models/registry.ts)
 * keeps `reference/models/<name>/<version>/model.onnx|model.json` and its `index.json` without a
 * manifest (the model card carries the ONNX checksum). Taken for datasets, a registered model
 * was "missing its manifest" and `verify --repair` moved its files to `_quarantine/`.
 */
const NOT_DATASETS: ReadonlySet<string> = new Set(["reference/models"]);

/**
 * Every dataset of a lake: those with bookkeeping under `_meta/<zone>/<source>/<dataset>` and
 * those with a data folder `<zone>/<source>/<dataset>` (a dataset whose manifest was lost);
 * never the folders of {@link NOT_DATASETS}.
 */
export function listDatasets(root?: string): Where[] {
  const remote = remoteOf(root);
  if (remote) {
    // An s3:// lake: the datasets of its catalog as last loaded (`openLake`).
    return [...remote.seen.keys()].sort().map((n) => {
      const [zone, source, dataset] = n.split("/") as [Zone, string, string];
      return { zone, source, dataset };
    });
  }
  const base = lakeRoot(root);
  const seen = new Map<string, Where>();
  for (const top of [join(base, "_meta"), base]) {
    for (const zone of ZONES) {
      for (const source of dirs(join(top, zone))) {
        if (NOT_DATASETS.has(`${zone}/${source}`)) continue;
        for (const dataset of dirs(join(top, zone, source))) {
          seen.set(`${zone}/${source}/${dataset}`, { zone, source, dataset });
        }
      }
    }
  }
  return [...seen.values()].sort((a, b) =>
    `${a.zone}/${a.source}/${a.dataset}` < `${b.zone}/${b.source}/${b.dataset}` ? -1 : 1
  );
}

/**
 * Roll forward every interrupted write of a lake (each under its dataset lock), so that nothing
 * read afterwards sees half a commit. Returns the datasets that were recovered.
 */
export async function recoverLake(root?: string): Promise<string[]> {
  // An s3:// lake has nothing to roll forward (a write is one catalog transaction): load its
  // catalog state for the synchronous readers instead.
  if (remoteOf(root)) {
    await openLake(root);
    return [];
  }
  const out: string[] = [];
  for (const d of listDatasets(root)) {
    const meta = metaDir(d, root);
    if (!readJournal(meta)) continue;
    const release = await acquireLock(meta);
    try {
      if (await recoverDataset(d, root, { sweep: false })) {
        out.push(`${d.zone}/${d.source}/${d.dataset}`);
      }
    } finally {
      release();
    }
  }
  return out;
}

/** Regular expression of a lake glob (`*` within a name, `**` across folders, `?` one char). */
function globRegex(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Committed files of the lake, relative to the root, that match a lake glob such as
 * `curated/*\/stock_bars_*\/**\/*.parquet` (the manifests' lists, never a directory listing).
 */
export function committedFilesMatching(glob: string, root?: string): string[] {
  const re = globRegex(glob.replace(/^\/+/, ""));
  const out: string[] = [];
  for (const d of listDatasets(root)) {
    const prefix = `${d.zone}/${d.source}/${d.dataset}/`;
    const remote = remoteOf(root);
    const entries = remote
      ? remote.seen.get(datasetName(d)) ?? []
      : readManifestLog(metaDir(d, root)).entries;
    // A pending write is not visible until recovered (recoverLake runs first in the catalog).
    for (const f of foldManifest(entries).files) {
      const rel = prefix + (f.partition ? `${f.partition}/` : "") + f.file;
      if (re.test(rel)) {
        assertInsideLake(filePath(d, f, root), root, d.dataset);
        out.push(rel);
      }
    }
  }
  return out.sort();
}

/**
 * A view's SQL with every `read_parquet('{{lake}}/<glob>', ...)` replaced by the explicit list of
 * the committed files that match the glob (escaped, so a lake path with glob characters reads
 * literally), and any other `{{lake}}` by the root. A glob that matches no committed file becomes
 * an empty list, which DuckDB refuses ("needs at least one file"): the view is then unavailable.
 *
 * @example
 * ```ts ignore
 * await conn.run(lakeViewSql(Deno.readTextFileSync("sql/vendor_stock_bars.sql"), root));
 * ```
 */
export function lakeViewSql(sql: string, root?: string): string {
  // The local folder: the lake itself, or the local cache of an s3:// lake (`openLake` with
  // `fetch` brings its files there).
  const base = localRoot(root);
  const expanded = sql.replace(
    /read_parquet\(\s*'\{\{lake\}\}\/([^']*)'/g,
    (_m, glob: string) => {
      const files = committedFilesMatching(glob, root).map((r) => join(base, r));
      return `read_parquet(${files.length ? duckdbPathList(files) : "[]::VARCHAR[]"}`;
    },
  );
  return expanded.replaceAll("{{lake}}", base.replaceAll("'", "''"));
}

/** One finding of {@link verifyDataset}. */
export interface VerifyProblem {
  kind:
    | "manifest"
    | "missing"
    | "checksum"
    | "rows"
    | "stray"
    | "temp"
    | "symlink"
    | "journal"
    | "lost";
  /** The file (or directory) at fault. */
  file: string;
  detail: string;
  /** What `--repair` did about it, when it ran. */
  repaired?: string;
}

/** A file a repair dropped from the manifest (missing, changed, unreadable). */
export interface DroppedFile {
  /** Path of the file (it may no longer exist; a changed one is in the quarantine). */
  file: string;
  /** Its Hive partition (`date=2024-01-03`), or "". */
  partition: string;
  min_time: string | null;
  max_time: string | null;
  rows: number;
  /**
   * Distinct `source_uri` of the write entries that added files to this partition up to the one
   * that added this file: every source its rows can have come from (a compaction or a merging
   * write mixes them), so re-ingesting these restores it.
   */
  sources: string[];
}

/** The result of checking one dataset. */
export interface VerifyReport {
  dataset: string;
  files: number;
  rows: number;
  problems: VerifyProblem[];
  /**
   * Files dropped by a repair: their time ranges (refetch or re-curate them) and the lineage
   * `source_uri`s of the writes whose rows the file may have held (re-ingest those).
   */
  dropped: DroppedFile[];
  /** The manifest was rebuilt from the data files. */
  rebuilt: boolean;
}

/** Options of {@link verifyDataset}. */
export interface VerifyDatasetOptions {
  root?: string;
  /** Repair what can be repaired (see the module doc). @default false */
  repair?: boolean;
  /** The dataset's spec when the manifest records none (a lost manifest), or null. */
  specOf?: (d: Where) => DatasetSpec | null;
  /** Quarantine folder name (one per run). @default the current instant */
  stamp?: string;
  /**
   * `s3://` lakes: an object no committed entry lists is reported only when it is older than
   * this (a write in flight elsewhere may have uploaded it a moment ago). @default 3_600_000
   */
  orphanGraceMs?: number;
}

function walk(dir: string, rel = ""): { rel: string; entry: Deno.DirEntry }[] {
  const out: { rel: string; entry: Deno.DirEntry }[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(join(dir, rel))];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw e;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory && !e.isSymlink) out.push(...walk(dir, r));
    else out.push({ rel: r, entry: e });
  }
  return out;
}

function quarantineFile(
  root: string | undefined,
  d: Where,
  stamp: string,
  rel: string,
  path: string,
) {
  const dest = join(lakeRoot(root), "_quarantine", stamp, d.zone, d.source, d.dataset, rel);
  Deno.mkdirSync(join(dest, ".."), { recursive: true });
  Deno.renameSync(path, dest);
  return dest;
}

/** Row count from the Parquet footer (no data pages decoded). */
function parquetRows(path: string): number {
  const df = pl.scanParquet(path).select(pl.len().alias("n")).collectSync();
  return Number(df.getColumn("n").get(0));
}

/**
 * Check one dataset (and repair it when asked). Runs under the dataset lock, after rolling
 * forward an interrupted write.
 */
export async function verifyDataset(
  d: Where,
  options: VerifyDatasetOptions = {},
): Promise<VerifyReport> {
  const root = options.root;
  const meta = metaDir(d, root);
  const dir = datasetDir(d, root);
  const stamp = options.stamp ?? new Date().toISOString().replaceAll(":", "");
  const report: VerifyReport = {
    dataset: `${d.zone}/${d.source}/${d.dataset}`,
    files: 0,
    rows: 0,
    problems: [],
    dropped: [],
    rebuilt: false,
  };
  const remote = remoteOf(root);
  if (remote) return await verifyRemote(d, remote, options, stamp, report);
  assertInsideLake(dir, root, d.dataset);
  const release = await acquireLock(meta);
  try {
    if (readJournal(meta)) {
      report.problems.push({
        kind: "journal",
        file: join(meta, "journal.json"),
        detail: "an interrupted write was pending",
        repaired: "rolled forward",
      });
      await recoverDataset(d, root, { sweep: false });
    }
    const log = readManifestLog(meta);
    const state = foldManifest(log.entries, log.problems);
    for (const p of log.problems) {
      report.problems.push({
        kind: "manifest",
        file: p.file,
        detail: `line ${p.line} is ${
          p.kind === "torn" ? "torn" : "not a manifest entry"
        }: ${p.reason}`,
      });
    }
    const onDisk = walk(dir);
    if (!log.exists && onDisk.length > 0) {
      report.problems.push({
        kind: "manifest",
        file: manifestPath(meta),
        detail: `missing while ${onDisk.length} files are in ${dir}`,
      });
    }
    const needsRebuild = (log.problems.length > 0 && log.problems[0]!.kind === "garbage") ||
      (!log.exists && onDisk.some((x) => x.entry.name.endsWith(".parquet")));
    if (options.repair && needsRebuild) {
      const spec = specFor(d, state.spec, options.specOf);
      if (!spec) {
        report.problems.at(-1)!.repaired =
          "NOT repaired: the dataset's natural key is unknown (no spec recorded or registered)";
      } else {
        await rebuildManifest(d, spec, root, stamp, report);
        report.rebuilt = true;
        for (const p of report.problems) if (p.kind === "manifest") p.repaired = "rebuilt";
      }
      return finish(report, foldManifest(readManifestLog(meta).entries));
    }
    if (options.repair && log.problems.length > 0) {
      // A torn last line: cut (appendManifest does it before appending).
      await repairTornManifest(meta);
      for (const p of report.problems) if (p.kind === "manifest") p.repaired = "torn line cut";
    }
    // Committed files.
    const committed = new Set<string>();
    const drop: ManifestFile[] = [];
    const fix: ManifestFile[] = [];
    for (const f of state.files) {
      const rel = f.partition ? `${f.partition}/${f.file}` : f.file;
      committed.add(rel);
      const path = filePath(d, f, root);
      try {
        assertInsideLake(path, root, d.dataset);
      } catch (e) {
        report.problems.push({ kind: "symlink", file: path, detail: (e as Error).message });
        drop.push(f);
        continue;
      }
      let st: Deno.FileInfo;
      try {
        st = Deno.lstatSync(path);
      } catch {
        report.problems.push({
          kind: "missing",
          file: path,
          detail: "in the manifest, not on disk",
        });
        drop.push(f);
        continue;
      }
      if (st.isSymlink) {
        report.problems.push({
          kind: "symlink",
          file: path,
          detail: "a committed file is a symlink",
        });
        drop.push(f);
        continue;
      }
      const sha = await sha256Hex(Deno.readFileSync(path));
      if (sha !== f.sha256) {
        report.problems.push({
          kind: "checksum",
          file: path,
          detail: `sha256 ${sha.slice(0, 16)}.. but the manifest records ${
            f.sha256.slice(0, 16)
          }..`,
        });
        drop.push(f);
        continue;
      }
      let rows = -1;
      try {
        rows = parquetRows(path);
      } catch { /* unreadable despite the checksum: reported below */ }
      if (rows !== f.rows) {
        report.problems.push({
          kind: "rows",
          file: path,
          detail: `${rows < 0 ? "unreadable" : `${rows} rows`} but the manifest records ${f.rows}`,
        });
        if (rows >= 0) fix.push({ ...f, rows });
        else drop.push(f);
      }
    }
    // Everything else in the dataset's folders. A file a live snapshot pin holds (kept after a
    // write replaced it; lib/lake/snapshot.ts) is not a stray.
    const pinned = pinnedKeys(meta);
    for (const { rel, entry } of onDisk) {
      if (committed.has(rel) || (pinned.has(rel) && entry.isFile)) continue;
      const path = join(dir, rel);
      const kind = entry.isSymlink ? "symlink" : entry.name.endsWith(".tmp") ? "temp" : "stray";
      report.problems.push({
        kind,
        file: path,
        detail: kind === "symlink"
          ? "a symlink in the dataset's folders (never followed)"
          : kind === "temp"
          ? "a temporary left by a write that died"
          : "not in the manifest (ignored by readers)",
      });
    }
    if (options.repair) {
      for (const p of report.problems) {
        if (p.kind === "temp") {
          Deno.removeSync(p.file);
          p.repaired = "removed";
        } else if (
          p.kind === "stray" || (p.kind === "symlink" && !committed.has(relative(dir, p.file)))
        ) {
          p.repaired = `quarantined to ${
            quarantineFile(root, d, stamp, relative(dir, p.file), p.file)
          }`;
        }
      }
      for (const f of drop) {
        const path = filePath(d, f, root);
        const p = report.problems.find((x) => x.file === path)!;
        let moved = "";
        try {
          // Never move what a symlink leads to (it is outside the lake): the link itself was
          // quarantined above.
          if (p.kind === "symlink") throw new Error("not moved");
          Deno.lstatSync(path);
          moved = `, file quarantined to ${
            quarantineFile(root, d, stamp, relative(dir, path), path)
          }`;
        } catch { /* missing */ }
        p.repaired =
          `dropped from the manifest${moved}; rows of ${f.min_time} .. ${f.max_time} to restore`;
        report.dropped.push({
          file: path,
          partition: f.partition,
          min_time: f.min_time,
          max_time: f.max_time,
          rows: f.rows,
          sources: sourcesOf(log.entries, f),
        });
      }
      for (const f of fix) {
        report.problems.find((x) => x.file === filePath(d, f, root))!.repaired =
          "row count re-recorded";
      }
      if (drop.length || fix.length) {
        await appendRepair(meta, state, drop, fix, "verify --repair");
      }
    }
    return finish(report, foldManifest(readManifestLog(meta).entries));
  } finally {
    release();
  }
}

/** {@link verifyDataset} on an `s3://` lake (see the module doc). */
async function verifyRemote(
  d: Where,
  lake: RemoteLake,
  options: VerifyDatasetOptions,
  stamp: string,
  report: VerifyReport,
): Promise<VerifyReport> {
  const root = options.root;
  const name = datasetName(d);
  const w = await beginRemote(lake, d);
  try {
    const state = foldManifest(w.entries);
    const addr = (key: string) => `s3://${lake.bucket.bucket}/${key}`;
    const base = objectKey(lake, d, { partition: "", file: "" });
    const quarantine = async (key: string, bytes: Uint8Array) => {
      const rel = key.slice(base.length + 1);
      const q = [lake.prefix, "_quarantine", stamp, d.zone, d.source, d.dataset, rel]
        .filter((x) => x !== "").join("/");
      await lake.bucket.put(q, bytes);
      await lake.bucket.delete(key);
      return addr(q);
    };
    const committed = new Set<string>();
    const drop: ManifestFile[] = [];
    const fix: ManifestFile[] = [];
    const changed = new Map<string, Uint8Array>();
    for (const f of state.files) {
      const key = objectKey(lake, d, f);
      committed.add(key);
      const bytes = await lake.bucket.get(key);
      if (bytes === null) {
        report.problems.push({
          kind: "missing",
          file: addr(key),
          detail: "in the catalog, not in the bucket",
        });
        drop.push(f);
        continue;
      }
      const sha = await sha256Hex(bytes);
      if (sha !== f.sha256) {
        report.problems.push({
          kind: "checksum",
          file: addr(key),
          detail: `sha256 ${sha.slice(0, 16)}.. but the catalog records ${f.sha256.slice(0, 16)}..`,
        });
        changed.set(key, bytes);
        drop.push(f);
        continue;
      }
      let rows = -1;
      try {
        rows = pl.readParquet(Buffer.from(bytes)).height;
      } catch { /* unreadable despite the checksum: reported below */ }
      if (rows !== f.rows) {
        report.problems.push({
          kind: "rows",
          file: addr(key),
          detail: `${rows < 0 ? "unreadable" : `${rows} rows`} but the catalog records ${f.rows}`,
        });
        if (rows >= 0) fix.push({ ...f, rows });
        else drop.push(f);
      }
    }
    // Objects under the dataset's prefix that nothing accounts for.
    const keep = new Set<string>();
    for (const k of liveKeys(await readCatalogPins(lake.catalog, name))) keep.add(`${base}/${k}`);
    for (const g of await w.lock.garbage()) keep.add(objectKey(lake, d, g));
    const grace = options.orphanGraceMs ?? 3_600_000;
    const now = Date.now();
    const orphans: string[] = [];
    for (const o of await lake.bucket.list(`${base}/`)) {
      if (committed.has(o.key) || keep.has(o.key)) continue;
      if (now - o.modifiedMs < grace) continue;
      orphans.push(o.key);
      report.problems.push({
        kind: "stray",
        file: addr(o.key),
        detail: `in the bucket, in no committed entry (${o.size} bytes; left by a write that ` +
          "died before its commit point, or put there by hand; ignored by readers)",
      });
    }
    if (!options.repair) return finish(report, state);
    for (const key of orphans) {
      const p = report.problems.find((x) => x.file === addr(key))!;
      const bytes = await lake.bucket.get(key);
      p.repaired = bytes === null
        ? "gone meanwhile"
        : `quarantined to ${await quarantine(key, bytes)}`;
    }
    for (const f of drop) {
      const key = objectKey(lake, d, f);
      const p = report.problems.find((x) => x.file === addr(key))!;
      const bytes = changed.get(key);
      const moved = bytes ? `, object quarantined to ${await quarantine(key, bytes)}` : "";
      lake.cache.drop(filePath(d, f, root));
      p.repaired =
        `dropped from the catalog${moved}; rows of ${f.min_time} .. ${f.max_time} to restore`;
      report.dropped.push({
        file: addr(key),
        partition: f.partition,
        min_time: f.min_time,
        max_time: f.max_time,
        rows: f.rows,
        sources: sourcesOf(w.entries, f),
      });
    }
    for (const f of fix) {
      report.problems.find((x) => x.file === addr(objectKey(lake, d, f)))!.repaired =
        "row count re-recorded";
    }
    if (drop.length || fix.length) {
      const entry: ManifestEntry = {
        write_id: crypto.randomUUID(),
        at: new Date().toISOString(),
        kind: "repair",
        transform_id: "lake.verify",
        source_uri: "verify --repair",
        added: fix,
        removed: [...drop, ...fix].map((f) => ({ partition: f.partition, file: f.file })),
        schema: state.schema,
      };
      await w.lock.commit(entry);
      const after = [...w.entries, entry];
      lake.seen.set(name, after);
      return finish(report, foldManifest(after));
    }
    await w.lock.commit(null);
    return finish(report, state);
  } finally {
    await w.lock.release();
  }
}

/** See {@link DroppedFile.sources}. */
function sourcesOf(entries: ManifestEntry[], f: ManifestFile): string[] {
  let last = -1;
  entries.forEach((e, i) => {
    if (e.added.some((a) => a.partition === f.partition && a.file === f.file)) last = i;
  });
  const out = new Set<string>();
  for (let i = 0; i <= last; i++) {
    const e = entries[i]!;
    if (e.kind === "write" && e.added.some((a) => a.partition === f.partition)) {
      out.add(e.source_uri);
    }
  }
  return [...out];
}

function finish(report: VerifyReport, state: ReturnType<typeof foldManifest>): VerifyReport {
  report.files = state.files.length;
  report.rows = state.rows;
  // Rows an earlier repair could not restore stay an open problem until written again.
  for (const l of state.lost ?? []) {
    report.problems.push({ kind: "lost", file: l.file, detail: lostDetail(l) });
  }
  return report;
}

/** `3780 rows of 1995-01-03..1995-12-29` (the rows and time range of a loss). */
function lostRange(l: LostRows): string {
  return `${l.rows} rows of ${l.min_time}..${l.max_time}`;
}

/**
 * The `verify` problem text of a recorded loss: rows, range, when, why, what to do, and what
 * clears it.
 */
export function lostDetail(l: OpenLoss): string {
  return `${lostRange(l)} lost in a repair on ${l.at.slice(0, 10)} (${l.reason}); ${l.advice}` +
    ` (open until a write lands at least ${l.rows} rows spanning that range in ${
      l.partition ? `partition ${l.partition}` : "the dataset"
    } again)`;
}

/**
 * The read note of a recorded loss (lib/dataset `loadDataset`):
 * `3780 rows of 1995-01-03..1995-12-29 lost in a repair on 2026-12-08; re-ingest file:///...`.
 */
export function lostNote(l: OpenLoss): string {
  return `${lostRange(l)} lost in a repair on ${l.at.slice(0, 10)}; ${l.advice}`;
}

/**
 * Whether a loss overlaps a read window of ISO dates (inclusive; either bound may be absent).
 * An instant range compares by its UTC dates (a day of slack either side for session dates).
 */
export function lossOverlaps(l: LostRows, start?: string, end?: string): boolean {
  const lo = l.min_time?.slice(0, 10) ?? null, hi = l.max_time?.slice(0, 10) ?? null;
  const slack = (l.min_time?.length ?? 10) > 10 ? 1 : 0;
  const shift = (d: string, n: number) =>
    new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  if (start && hi !== null && shift(hi, slack) < start) return false;
  if (end && lo !== null && shift(lo, -slack) > end) return false;
  return true;
}

/**
 * Record in a dataset's manifest (or `s3://` catalog) the rows a repair dropped and could not
 * restore: one `repair` entry adding and removing nothing, whose `lost` list keeps them an open
 * problem of {@link verifyDataset} and a note of reads until they are written again (see
 * `LostRows` in manifest.ts for the rule). Under the dataset lock.
 */
export async function recordLosses(d: Where, losses: LostRows[], root?: string): Promise<void> {
  if (losses.length === 0) return;
  const entry = (schema: Record<string, ColumnType>): ManifestEntry => ({
    write_id: crypto.randomUUID(),
    at: new Date().toISOString(),
    kind: "repair",
    transform_id: "lake.verify.lost",
    source_uri: "verify --repair: rows not restored",
    added: [],
    removed: [],
    schema,
    lost: losses,
  });
  const remote = remoteOf(root);
  if (remote) {
    const w = await beginRemote(remote, d);
    try {
      const e = entry(foldManifest(w.entries).schema);
      await w.lock.commit(e);
      remote.seen.set(datasetName(d), [...w.entries, e]);
    } finally {
      await w.lock.release();
    }
    return;
  }
  const meta = metaDir(d, root);
  const release = await acquireLock(meta);
  try {
    await repairTornManifest(meta);
    const state = foldManifest(readManifestLog(meta).entries);
    await appendManifest(meta, entry(state.schema), { fresh: true });
  } finally {
    release();
  }
}

async function appendRepair(
  meta: string,
  state: ReturnType<typeof foldManifest>,
  drop: ManifestFile[],
  fix: ManifestFile[],
  why: string,
): Promise<void> {
  await appendManifest(meta, {
    write_id: crypto.randomUUID(),
    at: new Date().toISOString(),
    kind: "repair",
    transform_id: "lake.verify",
    source_uri: why,
    added: fix,
    removed: [...drop, ...fix].map((f) => ({ partition: f.partition, file: f.file })),
    schema: state.schema,
  }, { fresh: true });
}

function specFor(
  d: Where,
  recorded: ManifestSpec | null,
  specOf: VerifyDatasetOptions["specOf"],
): ManifestSpec | null {
  if (recorded) return recorded;
  const s = specOf?.(d);
  return s ? manifestSpecOf(s) : null;
}

/** Rebuild a lost or damaged manifest from the data files (see the module doc). */
async function rebuildManifest(
  d: Where,
  spec: ManifestSpec,
  root: string | undefined,
  stamp: string,
  report: VerifyReport,
): Promise<void> {
  const meta = metaDir(d, root);
  const dir = datasetDir(d, root);
  const old = readManifestLog(meta);
  const watermark = foldManifest(old.entries).watermark;
  const byPart = new Map<string, { rel: string; path: string; df: pl.DataFrame; sha: string }[]>();
  for (const { rel, entry } of walk(dir)) {
    const path = join(dir, rel);
    const q = (why: string) => {
      report.problems.push({
        kind: entry.isSymlink ? "symlink" : "stray",
        file: path,
        detail: why,
        repaired: `quarantined to ${quarantineFile(root, d, stamp, rel, path)}`,
      });
    };
    if (entry.isSymlink) {
      q("a symlink in the dataset's folders");
      continue;
    }
    if (entry.name.endsWith(".tmp")) {
      Deno.removeSync(path);
      continue;
    }
    const bytes = Deno.readFileSync(path);
    const sha = await sha256Hex(bytes);
    if (
      !/^part-[0-9a-f]{16}\.parquet$/.test(entry.name) || !entry.name.includes(sha.slice(0, 16))
    ) {
      q("its bytes do not match its content-addressed name");
      continue;
    }
    let df: pl.DataFrame;
    try {
      df = pl.readParquet(path);
    } catch {
      q("not readable as Parquet");
      continue;
    }
    if (![...spec.naturalKey, spec.timeColumn].every((c) => df.columns.includes(c))) {
      q(`lacks the natural key ${spec.naturalKey.join(", ")}`);
      continue;
    }
    const part = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    byPart.set(part, [...(byPart.get(part) ?? []), { rel, path, df, sha }]);
  }
  const added: ManifestFile[] = [];
  const schema: Record<string, ColumnType> = {};
  const bounds = (df: pl.DataFrame): [string | null, string | null] => {
    if (df.height === 0) return [null, null];
    const c = df.getColumn(spec.timeColumn);
    const isDate = c.dtype.variant === "Date";
    const v = c.cast(isDate ? pl.Int32 : pl.Int64);
    const iso = (x: number) =>
      isDate ? new Date(x * 86_400_000).toISOString().slice(0, 10) : new Date(x).toISOString();
    return [iso(Number(v.min())), iso(Number(v.max()))];
  };
  for (const [part, files] of [...byPart.entries()].sort()) {
    const keys = pl.concat(files.map((f) => f.df.select(...spec.naturalKey)), { how: "vertical" });
    const shared = keys.height !== keys.unique().height;
    for (const f of files) {
      for (const c of f.df.columns) {
        if ((LINEAGE_COLUMNS as readonly string[]).includes(c)) continue;
        const t = lakeType(f.df.getColumn(c));
        if (t) schema[c] ??= t;
      }
    }
    if (!shared) {
      for (const f of files) {
        const [lo, hi] = bounds(f.df);
        added.push({
          partition: part,
          file: f.rel.slice(f.rel.lastIndexOf("/") + 1),
          rows: f.df.height,
          sha256: f.sha,
          min_time: lo,
          max_time: hi,
          bytes: Deno.statSync(f.path).size,
        });
      }
      continue;
    }
    // Files sharing keys: one merged file, per key the row with the latest ingested_at.
    let all = pl.concat(files.map((f) => f.df), { how: "diagonal" });
    const order = all.columns.includes("ingested_at") ? ["ingested_at"] : [];
    all = all.withRowIndex("__i");
    all = all.sort([...order, "__i"]).unique({
      subset: spec.naturalKey,
      keep: "last",
      maintainOrder: false,
    }).drop("__i");
    const merged = all.sort([
      spec.timeColumn,
      ...spec.naturalKey.filter((k) => k !== spec.timeColumn),
    ]);
    const bytes = new Uint8Array(merged.writeParquet({ compression: "zstd" }));
    const sha = await sha256Hex(bytes);
    const name = `part-${sha.slice(0, 16)}.parquet`;
    const pdir = part ? join(dir, part) : dir;
    for (const f of files) {
      report.problems.push({
        kind: "stray",
        file: f.path,
        detail: "shares natural keys with another file of its partition",
        repaired: `merged into ${name}; original quarantined to ${
          quarantineFile(root, d, stamp, f.rel, f.path)
        }`,
      });
    }
    const tmp = join(pdir, `.${name}.repair.tmp`);
    await writeDurable(tmp, bytes);
    Deno.renameSync(tmp, join(pdir, name));
    const [lo, hi] = bounds(merged);
    added.push({
      partition: part,
      file: name,
      rows: merged.height,
      sha256: sha,
      min_time: lo,
      max_time: hi,
      codec: "zstd",
      bytes: bytes.length,
    });
  }
  const entry: ManifestEntry = {
    write_id: crypto.randomUUID(),
    at: new Date().toISOString(),
    kind: "repair",
    transform_id: "lake.verify.rebuild",
    source_uri: "verify --repair: manifest rebuilt from the data files",
    added,
    removed: [],
    schema,
    ...(watermark ? { watermark } : {}),
    spec,
  };
  const path = manifestPath(meta);
  if (old.exists) Deno.renameSync(path, `${path}.damaged-${stamp}`);
  Deno.mkdirSync(meta, { recursive: true });
  await writeAtomic(path, JSON.stringify(entry) + "\n");
}
