/**
 * The connection to the PostgreSQL catalog that carries the job queue (pg-boss), the workers'
 * status board and the shared vendor request budget: `WORKBENCH_CATALOG=postgres://user:pw@host/db`.
 * The URL is a secret (its userinfo is a password): it is registered with the redactor before any
 * use and only {@link describeCatalog} (host, port, database; no user, no password) is ever printed.
 *
 * Every table lives in one schema (`--schema`, default `workbench_jobs`), so a test uses a fresh
 * schema and drops it.
 *
 * @example
 * ```ts ignore
 * const cat = catalogFromEnv(); // throws a RangeError naming WORKBENCH_CATALOG when unset
 * describeCatalog(cat.url);    // "postgres://127.0.0.1:55432/workbench"
 * ```
 */
import postgres from "postgres";
import { registerSecret } from "../core/secret.ts";

/** Default schema of the queue and the status board. */
export const DEFAULT_CLUSTER_SCHEMA = "workbench_jobs";

/** Where the cluster's state lives. */
export interface ClusterCatalog {
  /** postgres:// URL (a secret: never printed). */
  url: string;
  /** Schema of the queue tables and the status board. @default "workbench_jobs" */
  schema: string;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Check a schema name (lower-case letters, digits, underscore; at most 63 characters). */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_RE.test(schema)) {
    throw new RangeError(
      `Invalid cluster schema "${schema}": use lower-case letters, digits and _ (at most 63, not starting with a digit)`,
    );
  }
  return schema;
}

/**
 * Register the URL's password with the redactor (the userinfo of any URL is removed by `redact`
 * anyway); returns the URL.
 */
export function protectUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) registerSecret(decodeURIComponent(u.password));
  } catch { /* not a URL: checked by the caller */ }
  return url;
}

/** A printable description of a catalog URL: scheme, host, port and database only. */
export function describeCatalog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(unparseable catalog URL)";
  }
}

/** Validate a catalog URL (postgres:// or postgresql://) without printing it. */
export function checkCatalogUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError("WORKBENCH_CATALOG is not a URL (expected postgres://user@host:port/db)");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new RangeError(
      `WORKBENCH_CATALOG must be a postgres:// URL, got scheme "${u.protocol.replace(":", "")}"`,
    );
  }
  return protectUrl(url);
}

/**
 * The catalog from the environment: `WORKBENCH_CATALOG` (required) and `WORKBENCH_JOBS_SCHEMA`
 * (optional schema).
 * @throws RangeError when WORKBENCH_CATALOG is unset or not a postgres URL.
 */
export function catalogFromEnv(schema?: string): ClusterCatalog {
  const url = Deno.env.get("WORKBENCH_CATALOG");
  if (!url) {
    throw new RangeError(
      "Cannot reach the job queue: WORKBENCH_CATALOG is not set (expected a postgres:// URL)",
    );
  }
  return {
    url: checkCatalogUrl(url),
    schema: checkSchemaName(
      schema ?? Deno.env.get("WORKBENCH_JOBS_SCHEMA") ?? DEFAULT_CLUSTER_SCHEMA,
    ),
  };
}

/** Whether WORKBENCH_CATALOG is set (the PG-backed ledger and checkpoints are then used). */
export function catalogConfigured(): boolean {
  try {
    return !!Deno.env.get("WORKBENCH_CATALOG");
  } catch {
    return false;
  }
}

/**
 * The URL without its `?schema=` parameter (the lake catalog's way of naming its schema, which the
 * PostgreSQL client would otherwise send as a server setting).
 */
export function connectionUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has("schema")) return url;
    u.searchParams.delete("schema");
    return protectUrl(u.toString());
  } catch {
    return url;
  }
}

/**
 * Schema of the catalog's tables (trial ledger, ingest checkpoints): the URL's `?schema=`, the
 * same one the lake catalog uses, else `workbench_lake`.
 */
export function catalogSchema(url: string): string {
  try {
    return checkSchemaName(new URL(url).searchParams.get("schema") ?? "workbench_lake");
  } catch (e) {
    if (e instanceof RangeError) throw e;
    return "workbench_lake";
  }
}

/** A `postgres` client on the catalog (notices silenced); close it with `end()`. */
export function openSql(url: string, options: { max?: number } = {}): postgres.Sql {
  protectUrl(url);
  return postgres(connectionUrl(url), { max: options.max ?? 2, onnotice: () => {} });
}

/** Double-quoted SQL identifier (schema and table names come through here only). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
