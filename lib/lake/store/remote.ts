/**
 * An `s3://` lake: its bucket and prefix, its PostgreSQL catalog (`WORKBENCH_CATALOG`), its
 * local mirror folder and read-through cache. One object per lake URI and settings per process.
 *
 * S3 alone offers no safe commit point here (radosgw answers 412 to a conflicting conditional
 * PUT, but a manifest built on conditional PUTs is not implemented): an `s3://` lake without
 * `WORKBENCH_CATALOG` is refused with a clear error rather than written unsafely.
 */
import { ConfigError } from "../../core/errors.ts";
import { PgCatalog } from "../catalog/pg.ts";
import type { ManifestEntry, ManifestFile } from "../manifest.ts";
import { FileCache } from "./cache.ts";
import { localRootOf } from "./location.ts";
import { parseS3Uri, S3Bucket, s3ConfigFromEnv } from "./s3.ts";

/** A remote lake's parts. */
export interface RemoteLake {
  /** `s3://bucket/prefix` as configured. */
  uri: string;
  bucket: S3Bucket;
  /** Key prefix of the lake inside the bucket ("" for the bucket's top). */
  prefix: string;
  catalog: PgCatalog;
  /** The local mirror folder (see `location.ts`). */
  mirror: string;
  cache: FileCache;
  /**
   * Entries of each dataset as last read from the catalog by this process (`zone/source/dataset`
   * -> entries), for the synchronous readers (`datasetState`, `parquetScanSql`).
   */
  seen: Map<string, ManifestEntry[]>;
}

const lakes = new Map<string, RemoteLake>();

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/** The remote lake of an `s3://` root (settings from the environment; cached per process). */
export function remoteLake(uri: string): RemoteLake {
  const catalogUrl = env("WORKBENCH_CATALOG");
  const memo = `${uri}|${catalogUrl ?? ""}|${env("WORKBENCH_S3_ENDPOINT") ?? ""}|${
    env("WORKBENCH_CACHE_DIR") ?? ""
  }`;
  const had = lakes.get(memo);
  if (had) return had;
  if (!catalogUrl) {
    throw new ConfigError(
      "WORKBENCH_CATALOG",
      `is not set, and the lake ${uri} is on object storage: S3 alone has no safe commit point for manifests, so an s3:// lake needs a PostgreSQL catalog (WORKBENCH_CATALOG=postgres://...)`,
    );
  }
  const { bucket, prefix } = parseS3Uri(uri);
  const mirror = localRootOf(uri);
  const lake: RemoteLake = {
    uri,
    bucket: new S3Bucket(bucket, s3ConfigFromEnv()),
    prefix,
    catalog: new PgCatalog(catalogUrl),
    mirror,
    cache: new FileCache(mirror),
    seen: new Map(),
  };
  lakes.set(memo, lake);
  return lake;
}

/** Close the catalog connections of every remote lake opened by this process. */
export async function closeRemoteLakes(): Promise<void> {
  const all = [...lakes.values()];
  lakes.clear();
  await Promise.all(all.map((l) => l.catalog.close()));
}

/** The catalog name of a dataset: `zone/source/dataset`. */
export function datasetName(
  spec: { zone: string; source: string; dataset: string },
): string {
  return `${spec.zone}/${spec.source}/${spec.dataset}`;
}

/** Object key of a data file in a remote lake. */
export function objectKey(
  lake: Pick<RemoteLake, "prefix">,
  spec: { zone: string; source: string; dataset: string },
  f: Pick<ManifestFile, "partition" | "file">,
): string {
  const parts = [lake.prefix, spec.zone, spec.source, spec.dataset, f.partition, f.file];
  return parts.filter((p) => p !== "").join("/");
}
