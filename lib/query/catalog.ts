/**
 * The DuckDB catalog: one in-memory DuckDB instance with a view for every `sql/*.sql` file,
 * reading the lake's committed Parquet files in place (Hive partitioning, union by name).
 *
 * View files start with a header comment (`-- purpose:`, `-- grain:`, `-- inputs:`,
 * `-- known_at:`) and contain one `CREATE OR REPLACE VIEW <file name> AS ...` statement. A string
 * literal `'{{lake}}/<glob>'` stands for the lake's committed files whose path under the root
 * matches `<glob>` (`*`, `?`, `[...]` within a folder name, `**` across folders): it becomes an
 * explicit, glob-escaped list of those files, taken from the manifests after any interrupted
 * write is recovered (lib/lake `committedFiles`), never from a directory listing. So a stray
 * file is never read, a view never sees half a commit, and a lake root with `[`, `*` or `?` in
 * its path works. Any other `{{lake}}` stands for the root itself. A view whose data does not
 * exist yet is listed as unavailable with the reason instead of failing the catalog.
 *
 * Unless opened with `unsafe: true`, once the views exist the instance is locked: external access
 * is off except reads under the lake root (`allowed_directories`), extensions cannot load, the
 * configuration is frozen (`lock_configuration`), and {@link Catalog.query} runs exactly one
 * `SELECT` (or `EXPLAIN`) statement per call: no `COPY`, `ATTACH`, `INSTALL`, `SET`, `CREATE`,
 * `EXPORT`, `PRAGMA`, and no reading files outside the lake.
 *
 * @example
 * ```ts
 * import { withCatalog } from "./catalog.ts";
 * const rows = await withCatalog((c) => c.query("SELECT count(*) AS n FROM vendor_stock_bars"));
 * ```
 */
import {
  DuckDBConnection,
  DuckDBInstance,
  type DuckDBValue,
  StatementType,
} from "@duckdb/node-api";
import { join, resolve } from "node:path";
import { log } from "../core/log.ts";
import { redact } from "../core/secret.ts";
import { type DatasetSpec, lakeRoot } from "../lake/spec.ts";
import {
  committedFiles,
  committedState,
  duckdbLiteralPath,
  duckdbPathList,
  selectFiles,
} from "../lake/reader.ts";
import { filePath, IntegrityError } from "../lake/integrity.ts";
import { localFile } from "../lake/store/files.ts";
import { S3Error } from "../lake/store/s3.ts";
import type { ManifestFile } from "../lake/manifest.ts";
import { isRemoteRoot, localRootOf } from "../lake/store/location.ts";
import { openLake } from "../lake/open.ts";

/** A registered view and its header. */
export interface ViewInfo {
  name: string;
  file: string;
  purpose: string;
  grain: string;
  inputs: string;
  knownAt: string;
  available: boolean;
  error?: string;
  /** Committed files this view would read that were left out (see {@link SkippedFile}). */
  skipped?: number;
}

/**
 * A committed data file left out of the views because it is damaged: missing, unreadable, not
 * the size or sha256 its manifest records, a symlink out of the lake, or (an `s3://` lake) an
 * object missing from or changed in the bucket. The other files of its dataset, and the other
 * datasets, are still read. A failure of the store itself (S3 authorisation, an unreachable
 * endpoint) is no file's damage: it makes the views over that dataset unavailable, naming it.
 */
export interface SkippedFile {
  /** `zone/source/dataset`. */
  dataset: string;
  /** Path (local lake) or `s3://` address (remote lake) of the file. */
  file: string;
  /** `missing`, `checksum`, `size`, `symlink`, `unreadable`. */
  reason: string;
  /** What is wrong, naming the file (no credentials: S3 errors are redacted where raised). */
  cause: string;
  /** Path under the (local) lake root, as the views' globs match it. */
  path: string;
}

/** The one-line warning for a skipped file: dataset, file, cause and the repair command. */
export function skippedWarning(s: SkippedFile): string {
  return `${s.dataset}: ${s.cause}; left out of the views (the other files are read); run \`deno task verify --repair\``;
}

/** A query result as named columns plus row objects. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** DuckDB type of each column, as DuckDB spells it (`DOUBLE`, `TIMESTAMP WITH TIME ZONE`). */
  types?: string[];
}

/** Quote an SQL identifier (the one place identifiers are quoted). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quote an SQL string literal (for paths in DDL, where DuckDB cannot bind parameters). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Parse a view file's header comment. */
export function parseViewHeader(sql: string): Omit<ViewInfo, "name" | "file" | "available"> {
  const field = (k: string) => {
    const m = sql.match(new RegExp(`^--\\s*${k}\\s*:\\s*(.+)$`, "im"));
    return m ? m[1]!.trim() : "";
  };
  return {
    purpose: field("purpose"),
    grain: field("grain"),
    inputs: field("inputs"),
    knownAt: field("known_at"),
  };
}

/** Options for {@link Catalog.open}. */
export interface CatalogOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Folder of view files. @default "<repo>/sql" */
  sqlDir?: string;
  /**
   * Leave the instance unlocked: any statement, several per call, any file. For trusted
   * scripts only (`deno task query --unsafe`). @default false
   */
  unsafe?: boolean;
  /**
   * Told once per damaged file left out of the views ({@link SkippedFile}).
   * @default a `query.catalog.file_skipped` warning in the log
   */
  onSkipped?: (skipped: SkippedFile) => void;
}

/** A statement the locked catalog does not run (not a single SELECT). */
export class QueryRefusedError extends Error {
  override name = "QueryRefusedError";
}

/** Statement types a locked catalog runs. */
const READ_ONLY = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * A regular expression for a lake-relative glob: `*` and `?` within one folder name, `[...]`
 * (`[!...]` negated) a character class, `**` any number of folders.
 *
 * @example
 * ```ts
 * globRegExp("curated/*\/year=*\/*.parquet").test("curated/user/x/year=2024/a.parquet"); // true
 * ```
 */
export function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      re += slash ? "(?:[^/]*/)*" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      const neg = body.startsWith("!");
      if (neg) body = body.slice(1);
      re += `[${neg ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

/** What the views can read of a lake. */
interface LakeFiles {
  /** Sound committed files, relative to the root. */
  files: string[];
  /** Datasets that cannot be read at all (their manifest, or the store), with the cause. */
  errors: { dataset: string; error: string }[];
  /** Damaged files left out. */
  skipped: SkippedFile[];
}

/**
 * Whether an error is one file's damage (skip that file) rather than a failure of the store
 * (S3 authorisation, network, a server error: fail, naming it, instead of dropping every file).
 */
function fileDamage(e: unknown): string | null {
  if (e instanceof IntegrityError) return e.reason;
  if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.IsADirectory) {
    return "unreadable";
  }
  if (e instanceof S3Error && e.status === 404) return "missing";
  return null;
}

/** An error's message without the `Cannot read <dataset>: ` prefix and the repair hint. */
function causeOf(e: unknown, label: string, file: string): string {
  let m = redact((e as Error).message.split("\n")[0]!);
  if (m.startsWith(`Cannot read ${label}: `)) m = m.slice(`Cannot read ${label}: `.length);
  m = m.replace(/;\s*run `deno task verify --repair`\s*$/, "");
  if (e instanceof Deno.errors.PermissionDenied) m = `cannot be read (${m})`;
  return m.includes(file) ? m : `file ${file}: ${m}`;
}

/**
 * The sound files of one dataset when {@link committedFiles} refused it for a damaged file: every
 * committed file checked on its own (sha256 cache kept), the damaged ones listed in `skipped`. A
 * failure of the store itself is thrown (the dataset then cannot be read, naming why).
 */
async function soundFiles(
  spec: Where,
  given: string,
  root: string,
  skipped: SkippedFile[],
): Promise<string[]> {
  const label = `${spec.zone}/${spec.source}/${spec.dataset}`;
  const files: ManifestFile[] = selectFiles(spec, await committedState(spec, given), {});
  const out: (string | null)[] = new Array(files.length).fill(null);
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (next < files.length && failed === null) {
      const i = next++;
      const f = files[i]!;
      try {
        out[i] = await localFile(spec, f, { root: given, verify: true, cached: true });
      } catch (e) {
        const reason = fileDamage(e);
        if (reason === null) {
          failed ??= e;
          return;
        }
        const local = filePath(spec, f, given);
        const file = e instanceof IntegrityError ? e.file : local;
        skipped.push({
          dataset: label,
          file,
          reason,
          cause: causeOf(e, label, file),
          path: resolve(local).slice(root.length + 1),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
  if (failed !== null) throw failed;
  return out.filter((p): p is string => p !== null);
}

/**
 * The committed files of every dataset in a lake, relative to the root, recovered first. A
 * dataset with a damaged file keeps its sound files (the damaged ones are `skipped`); one whose
 * manifest or store cannot be read is an `error`.
 */
async function committedLake(given: string, root: string): Promise<LakeFiles> {
  const files: string[] = [];
  const errors: { dataset: string; error: string }[] = [];
  const skipped: SkippedFile[] = [];
  const dirs = (p: string) => {
    try {
      return [...Deno.readDirSync(p)].filter((e) => e.isDirectory).map((e) => e.name).sort();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
  };
  const rel = (p: string) => resolve(p).slice(root.length + 1);
  const add = async (zone: "raw" | "curated" | "reference", source: string, dataset: string) => {
    const spec = { zone, source, dataset };
    try {
      // The usual case: every file sound (hashes cached per process and in verified.json).
      for (const f of await committedFiles(spec, { root: given })) files.push(rel(f));
      return;
    } catch (e) {
      if (fileDamage(e) === null) {
        errors.push({ dataset: `${zone}/${source}/${dataset}`, error: errorLine(e) });
        return;
      }
    }
    try {
      const sound = await soundFiles(spec, given, root, skipped);
      for (const f of sound) files.push(rel(f));
    } catch (e) {
      errors.push({ dataset: `${zone}/${source}/${dataset}`, error: errorLine(e) });
    }
  };
  if (isRemoteRoot(given)) {
    // An s3:// lake: the datasets are the catalog's; their files are fetched into the local
    // mirror (the read-through cache), which the views then read.
    for (const name of await openLake(given)) {
      const [zone, source, dataset] = name.split("/") as ["raw", string, string];
      await add(zone, source, dataset);
    }
  } else {
    for (const zone of ["raw", "curated", "reference"] as const) {
      for (const source of dirs(join(root, "_meta", zone))) {
        for (const dataset of dirs(join(root, "_meta", zone, source))) {
          await add(zone, source, dataset);
        }
      }
    }
  }
  skipped.sort((x, y) => x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
  return { files, errors, skipped };
}

function errorLine(e: unknown): string {
  return redact((e as Error).message.split("\n")[0]!);
}

const LAKE_LITERAL = /'\{\{lake\}\}\/((?:[^']|'')*)'/g;

/**
 * Replace each `'{{lake}}/<glob>'` literal of a view with the list of committed files it
 * matches; an error names what is missing (no committed file, or a dataset that cannot be read).
 * `skipped` counts the damaged files the globs matched and left out.
 */
function bindLake(
  sql: string,
  root: string,
  lake: LakeFiles,
): { sql: string; skipped: number } | { error: string } {
  let error: string | null = null;
  let skipped = 0;
  const out = sql.replace(LAKE_LITERAL, (_m, g: string) => {
    const glob = g.replaceAll("''", "'");
    const re = globRegExp(glob);
    const head = globRegExp(glob.split("/").slice(0, 3).join("/"));
    const bad = glob.split("/").slice(0, 3).some((x) => x.includes("**"))
      ? lake.errors
      : lake.errors.filter((e) => head.test(e.dataset));
    if (bad.length > 0) {
      error ??= `Cannot read ${bad[0]!.dataset}: ${bad[0]!.error}`;
      return "NULL";
    }
    const left = lake.skipped.filter((s) => re.test(s.path));
    skipped += left.length;
    const hits = lake.files.filter((f) => re.test(f));
    if (hits.length === 0) {
      error ??= left.length > 0
        ? `every committed file of {{lake}}/${glob} is damaged and left out (${left.length}): ${
          skippedWarning(left[0]!)
        }`
        : `no committed data matches {{lake}}/${glob}`;
      return "NULL";
    }
    return duckdbPathList(hits.map((f) => join(root, f)));
  });
  if (error !== null) return { error };
  return { sql: out.replaceAll("{{lake}}", root.replaceAll("'", "''")), skipped };
}

/** The name of a table or table function DuckDB says does not exist, if that is the error. */
function missingName(message: string): string | null {
  const m = message.match(
    /Catalog Error: (?:Table|Table Function|Macro Function|Scalar Function) with name "?([^"\s!]+)"? does not exist/,
  );
  return m ? m[1]! : null;
}

/**
 * Damaged files left out of the views a view reads (by name, `FROM x` / `JOIN x`), for views
 * over other views (user_daily_bars over user_daily_bars_versions).
 */
function dependentSkips(
  sql: string,
  pending: { f: string }[],
  partial: Map<string, number>,
): number | undefined {
  let n = 0;
  for (const { f } of pending) {
    const name = f.replace(/\.sql$/, "");
    const own = new RegExp(`\\bCREATE\\s+OR\\s+REPLACE\\s+(?:VIEW|MACRO)\\s+${name}\\b`, "i");
    if (own.test(sql)) continue;
    if (partial.has(f) && new RegExp(`\\b(?:FROM|JOIN)\\s+${name}\\b`, "i").test(sql)) {
      n += partial.get(f)!;
    }
  }
  return n > 0 ? n : undefined;
}

const DEFAULT_SQL_DIR = new URL("../../sql/", import.meta.url).pathname;

/** A DuckDB connection with the workbench views registered. */
export class Catalog {
  readonly connection: DuckDBConnection;
  readonly views: ViewInfo[];
  readonly root: string;
  /** Whether the instance is locked (one read-only statement per query, lake files only). */
  readonly locked: boolean;
  /** Damaged committed files left out of the views (the rest of their datasets is read). */
  readonly skipped: SkippedFile[];
  #instance: DuckDBInstance;

  private constructor(
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    views: ViewInfo[],
    root: string,
    locked: boolean,
    skipped: SkippedFile[],
  ) {
    this.#instance = instance;
    this.connection = conn;
    this.views = views;
    this.root = root;
    this.locked = locked;
    this.skipped = skipped;
  }

  /** One warning line per damaged file left out ({@link skippedWarning}). */
  warnings(): string[] {
    return this.skipped.map(skippedWarning);
  }

  /**
   * Open an in-memory DuckDB, recover interrupted writes, register every view over the committed
   * files, then lock the instance (unless `unsafe`).
   */
  static async open(options: CatalogOptions = {}): Promise<Catalog> {
    // An s3:// lake is read through its local mirror (the read-through cache of its files).
    const given = lakeRoot(options.root);
    const local = isRemoteRoot(given) ? localRootOf(given) : given;
    const root = resolve(local).replace(/\/+$/, "");
    const sqlDir = options.sqlDir ?? DEFAULT_SQL_DIR;
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    try {
      // Parquet footers kept for the instance's life: a view over many files (union by name)
      // reads every footer when it is created, and each query over it would read them again
      // (the demo's lake query: ~50 ms and ~100 ms of CPU less over 500 minute-bar files).
      await conn.run("LOAD parquet");
      await conn.run("SET parquet_metadata_cache = true");
      const views: ViewInfo[] = [];
      let files: string[] = [];
      try {
        files = [...Deno.readDirSync(sqlDir)].filter((e) => e.isFile && e.name.endsWith(".sql"))
          .map((e) => e.name).sort();
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      const lake = files.length > 0
        ? await committedLake(isRemoteRoot(given) ? given : root, root)
        : { files: [], errors: [], skipped: [] };
      for (const s of lake.skipped) {
        if (options.onSkipped) options.onSkipped(s);
        else {
          log.warn("query.catalog.file_skipped", {
            dataset: s.dataset,
            file: s.file,
            cause: s.cause,
            fix: "deno task verify --repair",
          });
        }
      }
      // Views may depend on each other: retry failed ones until no progress.
      const pending = files.map((f) => ({ f, sql: Deno.readTextFileSync(join(sqlDir, f)) }));
      const errors = new Map<string, string>();
      const partial = new Map<string, number>();
      let progress = true;
      const done = new Set<string>();
      while (progress) {
        progress = false;
        for (const { f, sql } of pending) {
          if (done.has(f)) continue;
          const bound = bindLake(sql, root, lake);
          if ("error" in bound) {
            errors.set(f, bound.error);
            continue;
          }
          try {
            await conn.run(bound.sql);
            if (bound.skipped > 0) partial.set(f, bound.skipped);
            done.add(f);
            errors.delete(f);
            progress = true;
          } catch (e) {
            errors.set(f, (e as Error).message.split("\n")[0]!);
          }
        }
      }
      // A view over an unavailable view says why that one is unavailable, not just that a table
      // does not exist.
      const rootCause = (f: string, seen = new Set<string>()): string | undefined => {
        const err = errors.get(f);
        const dep = err ? missingName(err) : null;
        if (!err || !dep || seen.has(dep) || !errors.has(`${dep}.sql`)) return err;
        seen.add(dep);
        return `it reads ${dep}, which is unavailable: ${rootCause(`${dep}.sql`, seen)}`;
      };
      for (const { f, sql } of pending) {
        const err = rootCause(f);
        const left = partial.get(f) ??
          (err ? undefined : dependentSkips(sql, pending, partial));
        views.push({
          name: f.replace(/\.sql$/, ""),
          file: `sql/${f}`,
          ...parseViewHeader(sql),
          available: !err,
          ...(err ? { error: err } : {}),
          ...(left ? { skipped: left } : {}),
        });
      }
      if (!options.unsafe) await lockDown(conn, root);
      return new Catalog(instance, conn, views, root, !options.unsafe, lake.skipped);
    } catch (e) {
      conn.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  /**
   * Run a query with bound parameters (`$1`, `$2`, ... or `?`). A locked catalog runs exactly one
   * `SELECT` or `EXPLAIN` statement and throws {@link QueryRefusedError} for anything else.
   */
  async query(sql: string, params: DuckDBValue[] = []): Promise<QueryResult> {
    try {
      return await this.#query(sql, params);
    } catch (e) {
      // "Table with name user_daily_bars does not exist! Did you mean pg_database?" for a view
      // that exists but could not be made: say why it could not.
      const name = e instanceof QueryRefusedError ? null : missingName((e as Error).message);
      const view = name ? this.views.find((v) => v.name === name && !v.available) : undefined;
      if (view) {
        throw new Error(`view ${view.name} is unavailable: ${view.error}`, { cause: e });
      }
      throw e;
    }
  }

  async #query(sql: string, params: DuckDBValue[]): Promise<QueryResult> {
    if (!this.locked) {
      // Every statement runs in order; the result is the last one's. Parameters bind to a
      // single statement only.
      if (params.length) {
        const reader = await this.connection.runAndReadAll(sql, params);
        return {
          columns: reader.columnNames(),
          types: reader.columnTypes().map(String),
          rows: reader.getRowObjectsJS() as Record<string, unknown>[],
        };
      }
      const all = await this.connection.extractStatements(sql);
      let last: QueryResult = { columns: [], rows: [] };
      for (let i = 0; i < all.count; i++) {
        const p = await all.prepare(i);
        try {
          const reader = await p.runAndReadAll();
          last = {
            columns: reader.columnNames(),
            types: reader.columnTypes().map(String),
            rows: reader.getRowObjectsJS() as Record<string, unknown>[],
          };
        } finally {
          p.destroySync();
        }
      }
      return last;
    }
    const statements = await this.connection.extractStatements(sql);
    if (statements.count !== 1) {
      throw new QueryRefusedError(
        `one statement per query, got ${statements.count} (the query console runs a single SELECT; --unsafe lifts this)`,
      );
    }
    let prepared;
    try {
      prepared = await statements.prepare(0);
    } catch (e) {
      // Binding a statement that touches a file outside the lake (COPY TO, ATTACH, read_csv of
      // /etc/passwd) already fails on the lock: that is a refusal, not a failed query.
      const msg = (e as Error).message;
      if (/Permission Error|disabled (?:by|through) configuration/.test(msg)) {
        throw new QueryRefusedError(
          `${msg.split("\n")[0]} (the query console reads only the lake; --unsafe lifts this)`,
        );
      }
      throw e;
    }
    try {
      const type = prepared.statementType;
      if (!READ_ONLY.has(type)) {
        throw new QueryRefusedError(
          `${
            StatementType[type] ?? type
          } statements are refused: the query console is read-only (SELECT or EXPLAIN only; --unsafe lifts this)`,
        );
      }
      if (params.length) prepared.bind(params);
      const reader = await prepared.runAndReadAll();
      return {
        columns: reader.columnNames(),
        types: reader.columnTypes().map(String),
        rows: reader.getRowObjectsJS() as Record<string, unknown>[],
      };
    } finally {
      prepared.destroySync();
    }
  }

  /** Close the connection and the instance. */
  close(): void {
    try {
      this.connection.closeSync();
    } catch { /* already closed */ }
    try {
      this.#instance.closeSync();
    } catch { /* already closed */ }
  }
}

/**
 * Lock an instance after its views exist: file access only under the lake root, no extension
 * loading, configuration frozen (DuckDB's `allowed_directories`, `enable_external_access`,
 * `lock_configuration`).
 */
async function lockDown(conn: DuckDBConnection, root: string): Promise<void> {
  // The views name their files glob-escaped (`[[]` for `[`), and DuckDB checks the name as
  // written: both spellings of the root are allowed.
  const dirs = [...new Set([`${root}/`, `${duckdbLiteralPath(root)}/`])].map(quoteLiteral);
  await conn.run(`SET allowed_directories = [${dirs.join(", ")}]`);
  await conn.run("SET autoinstall_known_extensions = false");
  await conn.run("SET autoload_known_extensions = false");
  await conn.run("SET allow_community_extensions = false");
  await conn.run("SET enable_external_access = false");
  await conn.run("SET lock_configuration = true");
}

let shared: Promise<Catalog> | null = null;

/** The process-wide catalog (opened once). */
export function getCatalog(options: CatalogOptions = {}): Promise<Catalog> {
  shared ??= Catalog.open(options);
  return shared;
}

/** Open a catalog, run `fn`, and close it (also on error). */
export async function withCatalog<T>(
  fn: (c: Catalog) => Promise<T>,
  options: CatalogOptions = {},
): Promise<T> {
  const c = await Catalog.open(options);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
