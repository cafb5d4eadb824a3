/**
 * Open a lake for the synchronous readers. A local lake needs nothing. On an `s3://` lake the
 * catalog is read asynchronously, so `datasetState`, `parquetScanSql`, `lakeViewSql` and
 * `committedFilesMatching` read the state this process last loaded: `openLake` loads every
 * dataset's entries in one catalog query and, with `fetch`, brings their committed files into
 * the local cache (each checked against its sha256), so DuckDB views read cached local copies.
 */
import { foldManifest } from "./manifest.ts";
import { lakeRoot } from "./spec.ts";
import { localFiles, remoteOf } from "./store/files.ts";

/** Options of {@link openLake}. */
export interface OpenLakeOptions {
  /** Fetch every committed file into the local cache (remote lakes). @default false */
  fetch?: boolean;
}

/**
 * Load a remote lake's catalog state (no-op for a local lake). Returns the datasets loaded as
 * `zone/source/dataset`.
 *
 * @example
 * ```ts
 * await openLake("s3://research/lake", { fetch: true });
 * const sql = parquetScanSql(spec, "s3://research/lake");
 * ```
 */
export async function openLake(root?: string, options: OpenLakeOptions = {}): Promise<string[]> {
  const lake = remoteOf(root);
  if (!lake) return [];
  const all = await lake.catalog.allEntries();
  for (const [name, entries] of all) lake.seen.set(name, entries);
  if (options.fetch) {
    for (const [name, entries] of all) {
      const [zone, source, dataset] = name.split("/") as [string, string, string];
      const spec = { zone: zone as "raw", source, dataset };
      await localFiles(spec, foldManifest(entries).files, { root: lakeRoot(root), cached: true });
    }
  }
  return [...all.keys()].sort();
}
