/**
 * Per-symbol completeness watermarks of curated datasets: the last date up to which every unit
 * of a symbol finished, stored as `<lake>/_meta/ingest/watermarks/<source>__<dataset>.json`
 * (`{ "SPY": "2024-01-31" }`), written atomically (temp file, fsync, rename). The lake manifest of
 * the curated dataset also carries the minimum over symbols (`setWatermark`). An incremental run
 * starts each symbol the day after its watermark.
 */
import { join } from "node:path";
import { writeAtomic } from "../core/fs.ts";
import { ingestMetaDir } from "./checkpoint.ts";

function path(source: string, dataset: string, root?: string): string {
  return join(ingestMetaDir(root), "watermarks", `${source}__${dataset}.json`);
}

/** Watermarks of a dataset by symbol ({} when none). */
export function readWatermarks(
  source: string,
  dataset: string,
  root?: string,
): Record<string, string> {
  try {
    return JSON.parse(Deno.readTextFileSync(path(source, dataset, root))) as Record<string, string>;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
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
