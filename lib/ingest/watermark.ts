/**
 * Per-symbol completeness watermarks of curated datasets: the last date up to which every unit
 * of a symbol finished, stored as `<lake>/_meta/ingest/watermarks/<source>__<dataset>.json`
 * (`{ "SPY": "2024-01-31" }`), written atomically (temp file, fsync, rename). The lake manifest of
 * the curated dataset also carries the minimum over symbols (`setWatermark`). An incremental run
 * starts each symbol the day after its watermark.
 */
import { join } from "node:path";
import { writeAtomic } from "../core/fs.ts";
import { log } from "../core/log.ts";
import { ingestMetaDir } from "./checkpoint.ts";

function path(source: string, dataset: string, root?: string): string {
  return join(ingestMetaDir(root), "watermarks", `${source}__${dataset}.json`);
}

/**
 * Watermarks of a dataset by symbol ({} when none). A damaged file (not a JSON object of date
 * strings) is reported with its path on the log and read as {}: watermarks are derived data,
 * rebuilt from the job checkpoint at the end of the next backfill run.
 */
export function readWatermarks(
  source: string,
  dataset: string,
  root?: string,
): Record<string, string> {
  const p = path(source, dataset, root);
  let text: string;
  try {
    text = Deno.readTextFileSync(p);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (
      typeof v !== "object" || v === null || Array.isArray(v) ||
      !Object.values(v).every((x) => typeof x === "string")
    ) {
      throw new TypeError("not an object of symbol -> date");
    }
    return v as Record<string, string>;
  } catch (e) {
    log.warn("ingest.watermarks.damaged", {
      file: p,
      error: (e as Error).message,
      action: "ignored; rebuilt from the checkpoint by the next backfill run",
    });
    return {};
  }
}

/** Temporaries older than this in the watermarks folder belong to a process that died. */
const STALE_TEMP_MS = 60_000;

/** Remove stale temporaries of atomic watermark writes (left by killed processes). */
function sweepTemps(dir: string): void {
  const now = Date.now();
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.endsWith(".tmp")) continue;
    try {
      const st = Deno.statSync(join(dir, e.name));
      if (now - (st.mtime?.getTime() ?? now) > STALE_TEMP_MS) Deno.removeSync(join(dir, e.name));
    } catch { /* removed meanwhile */ }
  }
}

/**
 * Raise the watermarks of some symbols (a watermark never moves back), atomically and durably
 * (temporary name, fsync, rename, directory fsync; the fsyncs off the JS thread). Returns the new
 * map.
 */
export async function raiseWatermarks(
  source: string,
  dataset: string,
  marks: Record<string, string>,
  root?: string,
): Promise<Record<string, string>> {
  const p = path(source, dataset, root);
  const cur = readWatermarks(source, dataset, root);
  let changed = false;
  for (const [sym, d] of Object.entries(marks)) {
    if (cur[sym] === undefined || d > cur[sym]!) {
      cur[sym] = d;
      changed = true;
    }
  }
  if (!changed) return cur;
  await Deno.mkdir(join(p, ".."), { recursive: true });
  sweepTemps(join(p, ".."));
  await writeAtomic(p, JSON.stringify(cur, Object.keys(cur).sort(), 1));
  return cur;
}

/**
 * The watermark a set of finished units implies for one symbol: the end of the longest run of
 * consecutive done units from the first unit (units sorted by start).
 */
export function contiguousEnd(
  units: { start: string; end: string }[],
  done: (i: number) => boolean,
): string | null {
  let mark: string | null = null;
  for (let i = 0; i < units.length; i++) {
    if (!done(i)) break;
    mark = units[i]!.end;
  }
  return mark;
}
