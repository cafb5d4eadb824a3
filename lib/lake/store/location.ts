/**
 * Where a lake lives: a local folder, or `s3://bucket/prefix` (object storage, with the catalog
 * in PostgreSQL). An S3 lake is read and written through a local mirror folder, the read-through
 * cache of its immutable data files (`WORKBENCH_CACHE_DIR` [./data/cache], then
 * `s3/<endpoint host>/<bucket>/<prefix>`): every path function of the lake (`datasetDir`,
 * `filePath`) gives a path in that mirror, so Polars, DuckDB views and the rest of the code read
 * cached local copies unchanged.
 */
import { join } from "node:path";

/** True when a lake root names object storage (`s3://...`). */
export function isRemoteRoot(root: string): boolean {
  return root.startsWith("s3://");
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/** The cache folder of remote lakes (`WORKBENCH_CACHE_DIR`, default `./data/cache`). */
export function cacheDir(): string {
  return env("WORKBENCH_CACHE_DIR") ?? "./data/cache";
}

/**
 * The local folder that holds a lake's files: the root itself for a local lake, the mirror
 * (read-through cache) for an `s3://` lake.
 */
export function localRootOf(root: string): string {
  if (!isRemoteRoot(root)) return root;
  let host = "aws";
  const endpoint = env("WORKBENCH_S3_ENDPOINT");
  if (endpoint) {
    try {
      host = new URL(endpoint).host.replace(/[^A-Za-z0-9.-]/g, "_");
    } catch { /* reported by the S3 config */ }
  }
  const rest = root.slice("s3://".length).replace(/\/+$/, "");
  const safe = rest.split("/").filter((s) => s && s !== "." && s !== "..");
  return join(cacheDir(), "s3", host, ...safe);
}
