/**
 * Where operations files live: `${lakeRoot()}/_ops/` holds `workers/<name>.json` (one per running
 * stream or backfill process), `heartbeats/<name>.json`, `streams/<name>/checkpoint.json` and
 * `spool/<name>/` (the stream write-ahead spool). Names are validated so a worker name can never
 * escape the directory.
 */
import { join } from "node:path";
import { lakeRoot } from "../lake/mod.ts";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Throw a `TypeError` for a worker name that is not a safe file name. */
export function checkWorkerName(name: string): string {
  if (!NAME.test(name) || name.includes("..")) {
    throw new TypeError(
      `Invalid worker name "${name}": use letters, digits, "_", "-", ".", ":" (max 128)`,
    );
  }
  return name;
}

/** The `_ops` directory of a lake root. */
export function opsDir(root?: string): string {
  return join(lakeRoot(root), "_ops");
}

/** Path of a file or folder under `_ops`. */
export function opsPath(root: string | undefined, ...parts: string[]): string {
  return join(opsDir(root), ...parts);
}

/** Write a JSON file atomically (temporary name, then rename). */
export function writeJsonAtomic(path: string, value: unknown): void {
  const dir = path.slice(0, path.lastIndexOf("/"));
  Deno.mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${Deno.pid}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(value, null, 1));
  Deno.renameSync(tmp, path);
}

/** Read a JSON file, or null when missing or unreadable (a torn write never happens: atomic). */
export function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as T;
  } catch {
    return null;
  }
}
