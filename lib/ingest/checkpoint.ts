/**
 * Backfill checkpoints: an append-only JSON-lines file per job under
 * `<lake>/_meta/ingest/checkpoints/<job>.jsonl`, one line per finished unit, fsynced after each
 * append. A process killed at any instant leaves at most a torn last line, which is ignored on
 * read; the unit it described is simply run again, and because lake writes are idempotent by
 * natural key that re-run adds no duplicates. `verify --repair` appends an `invalidated` entry for a
 * unit whose data it dropped from the lake (a later `done` entry marks it done again), so a
 * resumed job reruns it; entries are read in order and the last one of a unit wins.
 */
import { join } from "node:path";
import { log } from "../core/log.ts";
import { lakeRoot } from "../lake/mod.ts";

/** One finished unit. */
export interface CheckpointEntry {
  unit: string;
  /** `invalidated`: the unit's data was dropped by a repair; it is no longer done. */
  status: "done" | "failed" | "invalidated";
  /** Raw rows fetched for the unit (before deduplication). */
  rawRows: number;
  /** Curated rows of the unit, or -1 when it landed in a batch (the run summary has totals). */
  curatedRows: number;
  quarantined: number;
  at: string;
  error?: string;
}

/** Directory of bookkeeping of the ingest engine. */
export function ingestMetaDir(root?: string): string {
  return join(lakeRoot(root), "_meta", "ingest");
}

/** Path of a job's checkpoint file. */
export function checkpointPath(jobId: string, root?: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(jobId)) throw new TypeError(`Invalid job id "${jobId}"`);
  return join(ingestMetaDir(root), "checkpoints", `${jobId}.jsonl`);
}

/**
 * Entries of a job's checkpoint; [] when there is none. A line that is not a complete entry (the
 * torn last write of a killed process, or garbage) is skipped and reported on the log with the
 * file and line number: the unit it described is simply run again.
 */
export function readCheckpoint(jobId: string, root?: string): CheckpointEntry[] {
  const path = checkpointPath(jobId, root);
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const out: CheckpointEntry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    let e: Partial<CheckpointEntry> | null = null;
    try {
      e = JSON.parse(line) as Partial<CheckpointEntry>;
    } catch { /* reported below */ }
    if (
      e && typeof e.unit === "string" &&
      (e.status === "done" || e.status === "failed" || e.status === "invalidated")
    ) {
      out.push(e as CheckpointEntry);
    } else {
      log.warn("ingest.checkpoint.bad_line", {
        file: path,
        line: i + 1,
        action: "skipped; its unit runs again",
      });
    }
  }
  return out;
}

/** Units recorded as done (and not invalidated by a later entry). */
export function doneUnits(jobId: string, root?: string): Set<string> {
  const done = new Set<string>();
  for (const e of readCheckpoint(jobId, root)) {
    if (e.status === "done") done.add(e.unit);
    else if (e.status === "invalidated") done.delete(e.unit);
  }
  return done;
}

/**
 * Append one entry, or several in one write and one fsync, durably (the I/O off the JS thread).
 * A torn previous line is terminated first.
 */
export async function appendCheckpoint(
  jobId: string,
  entry: CheckpointEntry | CheckpointEntry[],
  root?: string,
): Promise<void> {
  const entries = Array.isArray(entry) ? entry : [entry];
  if (entries.length === 0) return;
  const path = checkpointPath(jobId, root);
  await Deno.mkdir(join(path, ".."), { recursive: true });
  const f = await Deno.open(path, { append: true, create: true, read: true });
  try {
    const size = (await f.stat()).size;
    let prefix = "";
    if (size > 0) {
      const last = new Uint8Array(1);
      await f.seek(size - 1, Deno.SeekMode.Start);
      await f.read(last);
      if (last[0] !== 10) prefix = "\n";
    }
    const bytes = new TextEncoder().encode(
      prefix + entries.map((e) => JSON.stringify(e) + "\n").join(""),
    );
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.sync();
  } finally {
    f.close();
  }
}

/** Remove a job's checkpoint (a fresh, non-resumed run). */
export function clearCheckpoint(jobId: string, root?: string): void {
  try {
    Deno.removeSync(checkpointPath(jobId, root));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
