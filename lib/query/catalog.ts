/**
 * The DuckDB catalog: one in-memory DuckDB instance per process with a view for every
 * `sql/*.sql` file, reading the lake's Parquet in place (Hive partitioning, union by name).
 *
 * View files start with a header comment (`-- purpose:`, `-- grain:`, `-- inputs:`,
 * `-- known_at:`) and contain one `CREATE OR REPLACE VIEW <file name> AS ...` statement; the
 * placeholder `{{lake}}` stands for the lake root. A view whose data does not exist yet is listed
 * as unavailable with DuckDB's reason instead of failing the catalog.
 *
 * @example
 * ```ts
 * import { withCatalog } from "./catalog.ts";
 * const rows = await withCatalog((c) => c.query("SELECT count(*) AS n FROM stock_bars"));
 * ```
 */
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { join, resolve } from "node:path";
import { lakeRoot } from "../lake/spec.ts";

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
}

/** A query result as named columns plus row objects. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
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
}

const DEFAULT_SQL_DIR = new URL("../../sql/", import.meta.url).pathname;

/** A DuckDB connection with the workbench views registered. */
export class Catalog {
  readonly connection: DuckDBConnection;
  readonly views: ViewInfo[];
  readonly root: string;
  #instance: DuckDBInstance;

  private constructor(
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    views: ViewInfo[],
    root: string,
  ) {
    this.#instance = instance;
    this.connection = conn;
    this.views = views;
    this.root = root;
  }

  /** Open an in-memory DuckDB and register every view. */
  static async open(options: CatalogOptions = {}): Promise<Catalog> {
    const root = resolve(lakeRoot(options.root));
    const sqlDir = options.sqlDir ?? DEFAULT_SQL_DIR;
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    const views: ViewInfo[] = [];
    let files: string[] = [];
    try {
      files = [...Deno.readDirSync(sqlDir)].filter((e) => e.isFile && e.name.endsWith(".sql")).map((
        e,
      ) => e.name).sort();
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    // Views may depend on each other: retry failed ones until no progress.
    const pending = files.map((f) => ({ f, sql: Deno.readTextFileSync(join(sqlDir, f)) }));
    const errors = new Map<string, string>();
    let progress = true;
    const done = new Set<string>();
    while (progress) {
      progress = false;
      for (const { f, sql } of pending) {
        if (done.has(f)) continue;
        try {
          await conn.run(sql.replaceAll("{{lake}}", root.replaceAll("'", "''")));
          done.add(f);
          errors.delete(f);
          progress = true;
        } catch (e) {
          errors.set(f, (e as Error).message.split("\n")[0]!);
        }
      }
    }
    for (const { f, sql } of pending) {
      const err = errors.get(f);
      views.push({
        name: f.replace(/\.sql$/, ""),
        file: `sql/${f}`,
        ...parseViewHeader(sql),
        available: !err,
        ...(err ? { error: err } : {}),
      });
    }
    return new Catalog(instance, conn, views, root);
  }

  /** Run a query with bound parameters (`$1`, `$2`, ... or `?`). */
  async query(sql: string, params: DuckDBValue[] = []): Promise<QueryResult> {
    const reader = params.length
      ? await this.connection.runAndReadAll(sql, params)
      : await this.connection.runAndReadAll(sql);
    return {
      columns: reader.columnNames(),
      rows: reader.getRowObjectsJS() as Record<string, unknown>[],
    };
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
