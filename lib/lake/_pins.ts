/**
 * The pin records of a dataset (`_meta/<zone>/<source>/<dataset>/pins/<id>.json` on a local lake,
 * the catalog's `lake_pin` table on an `s3://` lake) and the set of files they hold. Kept apart from `snapshot.ts` (which pins, exports and collects garbage) so the
 * writer and `verify` can ask "is this file pinned?" without importing the writer back.
 */
import { dirname, join } from "node:path";
import { z } from "zod";
import { listDir } from "../core/fs.ts";

/** Folder of a dataset's pin records, under its meta directory. */
export function pinsDir(meta: string): string {
  return join(meta, "pins");
}

const FileSchema = z.object({
  partition: z.string().refine((s) => !s.includes("/") && !s.startsWith("."), "bad partition"),
  file: z.string().regex(/^[^/.][^/]*$/, "bad file name"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0).nullable(),
  min_time: z.string().nullable(),
  max_time: z.string().nullable(),
});

/** JSON shape of a pin record (format 1). */
export const PinSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
  /** `zone/source/dataset`. */
  dataset: z.string(),
  zone: z.enum(["raw", "curated", "reference"]),
  source: z.string(),
  name: z.string(),
  /** Manifest version: the number of manifest entries folded into this state. */
  version: z.number().int().min(1),
  /** Manifest entries when the pin was made (version <= entries_at_pin). */
  entries_at_pin: z.number().int().min(1),
  /** Row filter `known_at <= as_of` (ISO instant), or null for every row of the version. */
  as_of: z.string().nullable(),
  created_at: z.string(),
  /** After this instant the pin no longer holds its files (`gc` removes it). */
  expires_at: z.string().nullable(),
  /** The lake root the pin was made under, as given (a folder or an `s3://` URI). */
  root: z.string(),
  /** Column types of the version (lineage columns excluded, as in the manifest). */
  schema: z.record(z.string(), z.string()),
  /** Hive partition key (`date`, `year`) or null. */
  partition_key: z.string().nullable(),
  time_column: z.string().nullable(),
  natural_key: z.array(z.string()),
  /** Rows of all files (before the `as_of` filter). */
  rows: z.number().int().min(0),
  files: z.array(FileSchema),
});

/** A pin record. */
export type SnapshotPin = z.infer<typeof PinSchema>;
/** One file of a pin. */
export type PinnedFile = SnapshotPin["files"][number];

/** A pin record that cannot be read: nothing can say which files it holds. */
export class PinError extends Error {
  /** Path of the pin record. */
  readonly file: string;
  constructor(message: string, file: string) {
    super(message);
    this.name = "PinError";
    this.file = file;
  }
}

/** Read one pin record; a {@link PinError} naming the file when it is damaged. */
export function readPinFile(path: string): SnapshotPin {
  let raw: unknown;
  try {
    raw = JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw e;
    throw new PinError(
      `Cannot read pin record ${path}: not JSON (${(e as Error).message.split("\n")[0]})`,
      path,
    );
  }
  const r = PinSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new PinError(
      `Cannot read pin record ${path}: ${i.path.join(".") || "record"}: ${i.message}`,
      path,
    );
  }
  return r.data;
}

/** Every pin record of a dataset's meta directory, sorted by id (damaged ones throw). */
export function readPins(meta: string): SnapshotPin[] {
  const dir = pinsDir(meta);
  return listDir(dir)
    .filter((e) => e.isFile && e.name.endsWith(".json"))
    .map((e) => readPinFile(join(dir, e.name)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Whether a pin still holds its files at `now` (no expiry, or expiry in the future). */
export function pinIsLive(pin: SnapshotPin, now: Date = new Date()): boolean {
  return pin.expires_at === null || Date.parse(pin.expires_at) > now.getTime();
}

/** Dataset-relative key of a pinned file: `date=2024-01-02/part-x.parquet`, or the bare name. */
export function pinnedKey(f: Pick<PinnedFile, "partition" | "file">): string {
  return f.partition ? `${f.partition}/${f.file}` : f.file;
}

/**
 * Dataset-relative keys (`partition/file`) of the files held by live pins of a dataset. A pin
 * record that cannot be read throws a {@link PinError}: deleting a file it might hold would
 * break a reader, so the caller stops instead of guessing.
 */
export function pinnedKeys(meta: string, now: Date = new Date()): Set<string> {
  return liveKeys(readPins(meta), now);
}

/** The data folder of the dataset whose meta directory is `meta` (`<root>/_meta/z/s/d`). */
export function datasetDirOfMeta(meta: string): string {
  const dataset = meta.replace(/\/+$/, "");
  const d = dataset.slice(dataset.lastIndexOf("/") + 1);
  const sourceDir = dirname(dataset);
  const s = sourceDir.slice(sourceDir.lastIndexOf("/") + 1);
  const zoneDir = dirname(sourceDir);
  const z = zoneDir.slice(zoneDir.lastIndexOf("/") + 1);
  const root = dirname(dirname(zoneDir));
  return join(root, z, s, d);
}

/**
 * Absolute paths of the files held by live snapshot pins of the dataset whose meta directory is
 * `meta`: a path in this set must not be deleted when a write or a compaction replaces it (the
 * writer's `applyJournal` keeps it; `deno task snapshot gc` deletes it once no pin holds it).
 * Paths are built as the writer builds its removals (`join(datasetDir, partition, file)`).
 * A damaged pin record throws a {@link PinError} (see {@link pinnedKeys}).
 *
 * @example
 * ```ts ignore
 * const keep = pinnedFileSet(metaDir(spec, root));
 * for (const p of removes) if (!keep.has(p)) Deno.removeSync(p);
 * ```
 */
export function pinnedFileSet(meta: string, now: Date = new Date()): Set<string> {
  const keys = pinnedKeys(meta, now);
  if (keys.size === 0) return keys;
  const dir = datasetDirOfMeta(meta);
  return new Set([...keys].map((k) => join(dir, k)));
}

/**
 * Pin records of an `s3://` lake's dataset, kept in its catalog (`lake_pin`), sorted by id. A
 * stored record that does not parse throws a {@link PinError} (nothing can say what it holds).
 */
export async function readCatalogPins(
  catalog: { pins(dataset: string): Promise<unknown[]>; where: string },
  dataset: string,
): Promise<SnapshotPin[]> {
  return (await catalog.pins(dataset)).map((raw) => {
    const r = PinSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0]!;
      const where = `${catalog.where} lake_pin (${dataset})`;
      throw new PinError(
        `Cannot read a pin record of ${dataset} in ${where}: ${
          i.path.join(".") || "record"
        }: ${i.message}`,
        where,
      );
    }
    return r.data;
  });
}

/** Dataset-relative keys of the files held by the live pins among `pins`. */
export function liveKeys(pins: readonly SnapshotPin[], now: Date = new Date()): Set<string> {
  const out = new Set<string>();
  for (const p of pins) {
    if (!pinIsLive(p, now)) continue;
    for (const f of p.files) out.add(pinnedKey(f));
  }
  return out;
}
