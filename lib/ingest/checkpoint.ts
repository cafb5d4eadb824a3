/**
 * Backfill checkpoints: an append-only JSON-lines file per job under
 * `<lake>/_meta/ingest/checkpoints/<job>.jsonl`, one line per finished unit, fsynced after each
 * append. A process killed at any instant leaves at most a torn last line, which is ignored on
 * read; the unit it described is simply run again, and because lake writes are idempotent by
 * natural key that re-run adds no duplicates. `verify --repair` appends an `invalidated` entry for a
 * unit whose data it dropped from the lake (a later `done` entry marks it done again), so a
 * resumed job reruns it; entries are read in order and the last one of a unit wins.
 *
 * With `WORKBENCH_CATALOG` set, checkpoints go to the PostgreSQL catalog instead (one row per job
 * and unit, {@link pgCheckpoints}), for single-process and cluster backfills alike, so
 * `verify --repair` sees the units of both: {@link checkpointStore} picks the store, and
 * {@link checkpointStoreOfJob} finds an existing job's (its file when there is one).
 */
import { join } from "node:path";
import { log } from "../core/log.ts";
import { lakeRoot } from "../lake/mod.ts";
import { catalogSchema, checkCatalogUrl, openSql, quoteIdent } from "../cluster/connection.ts";

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

/**
 * Checkpoints in the PostgreSQL catalog (`WORKBENCH_CATALOG`; used by cluster backfills, whose
 * units finish on different machines): table `<schema>.ingest_checkpoint` (schema from the URL's
 * `?schema=`, default `workbench_lake`), one row per (job, unit), so a unit run twice (its first
 * worker died after landing it) is recorded once. A later `invalidated` entry (a repair) replaces
 * the row; `done` replaces only a row that is not done.
 *
 * @example
 * ```ts ignore
 * const cp = pgCheckpoints(Deno.env.get("WORKBENCH_CATALOG")!);
 * await cp.append("job-1", [{ unit: "polygon/x/SPY/2024-01-02..2024-01-02", status: "done",
 *   rawRows: 390, curatedRows: -1, quarantined: 0, at: new Date().toISOString() }]);
 * (await cp.doneUnits("job-1")).size; // 1
 * ```
 */
export function pgCheckpoints(url: string): {
  append(jobId: string, entries: CheckpointEntry[]): Promise<void>;
  doneUnits(jobId: string): Promise<Set<string>>;
  read(jobId: string): Promise<CheckpointEntry[]>;
  clear(jobId: string): Promise<void>;
  jobs(): Promise<string[]>;
} {
  checkCatalogUrl(url);
  const schema = quoteIdent(catalogSchema(url));
  const t = `${schema}.ingest_checkpoint`;
  const withSql = async <T>(f: (sql: ReturnType<typeof openSql>) => Promise<T>): Promise<T> => {
    const sql = openSql(url, { max: 1 });
    try {
      await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch(() => {});
      await sql.unsafe(`CREATE TABLE IF NOT EXISTS ${t} (
        job_id text NOT NULL, unit text NOT NULL, status text NOT NULL, raw_rows bigint NOT NULL,
        curated_rows bigint NOT NULL, quarantined bigint NOT NULL, at timestamptz NOT NULL,
        error text, PRIMARY KEY (job_id, unit))`).catch(() => {});
      return await f(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
  const checkId = (jobId: string) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(jobId)) throw new TypeError(`Invalid job id "${jobId}"`);
  };
  return {
    append(jobId, entries) {
      checkId(jobId);
      if (entries.length === 0) return Promise.resolve();
      return withSql((sql) =>
        sql.begin(async (tx) => {
          for (const e of entries) {
            await tx.unsafe(
              `INSERT INTO ${t} AS c (job_id, unit, status, raw_rows, curated_rows, quarantined, at, error)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (job_id, unit) DO UPDATE SET status = EXCLUDED.status,
                 raw_rows = EXCLUDED.raw_rows, curated_rows = EXCLUDED.curated_rows,
                 quarantined = EXCLUDED.quarantined, at = EXCLUDED.at, error = EXCLUDED.error
               WHERE c.status <> 'done' OR EXCLUDED.status = 'invalidated'`,
              [
                jobId,
                e.unit,
                e.status,
                e.rawRows,
                e.curatedRows,
                e.quarantined,
                e.at,
                e.error ?? null,
              ],
            );
          }
        }).then(() => {})
      );
    },
    read(jobId) {
      checkId(jobId);
      return withSql(async (sql) => {
        const rows = await sql.unsafe(
          `SELECT * FROM ${t} WHERE job_id = $1 ORDER BY at, unit COLLATE "C"`,
          [jobId],
        );
        return rows.map((r) => ({
          unit: r.unit as string,
          status: r.status as CheckpointEntry["status"],
          rawRows: Number(r.raw_rows),
          curatedRows: Number(r.curated_rows),
          quarantined: Number(r.quarantined),
          at: (r.at as Date).toISOString(),
          ...(r.error ? { error: r.error as string } : {}),
        }));
      });
    },
    async doneUnits(jobId) {
      const done = new Set<string>();
      for (const e of await this.read(jobId)) if (e.status === "done") done.add(e.unit);
      return done;
    },
    clear(jobId) {
      checkId(jobId);
      return withSql(async (sql) => {
        await sql.unsafe(`DELETE FROM ${t} WHERE job_id = $1`, [jobId]);
      });
    },
    jobs() {
      return withSql(async (sql) => {
        const rows = await sql.unsafe(`SELECT DISTINCT job_id FROM ${t}`);
        return rows.map((r) => r.job_id as string).sort();
      });
    },
  };
}

/** One place checkpoints are kept: the lake's files or the PostgreSQL catalog. */
export interface CheckpointStore {
  kind: "file" | "catalog";
  append(jobId: string, entries: CheckpointEntry[]): Promise<void>;
  /** Units done (and not invalidated since). */
  doneUnits(jobId: string): Promise<Set<string>>;
  clear(jobId: string): Promise<void>;
  /** Job ids with a checkpoint, sorted. */
  jobs(): Promise<string[]>;
}

/** The file checkpoints of a lake as a {@link CheckpointStore}. */
export function fileCheckpoints(root?: string): CheckpointStore {
  return {
    kind: "file",
    append: (jobId, entries) => appendCheckpoint(jobId, entries, root),
    doneUnits: (jobId) => Promise.resolve(doneUnits(jobId, root)),
    clear: (jobId) => Promise.resolve(clearCheckpoint(jobId, root)),
    jobs: () => {
      try {
        return Promise.resolve(
          [...Deno.readDirSync(join(ingestMetaDir(root), "checkpoints"))]
            .filter((e) => e.isFile && e.name.endsWith(".jsonl"))
            .map((e) => e.name.slice(0, -".jsonl".length))
            .filter((j) => /^[A-Za-z0-9_.-]+$/.test(j)).sort(),
        );
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return Promise.resolve([]);
        return Promise.reject(e);
      }
    },
  };
}

/** The catalog's checkpoints as a {@link CheckpointStore}. */
export function catalogCheckpoints(url: string): CheckpointStore {
  const pg = pgCheckpoints(url);
  return {
    kind: "catalog",
    append: pg.append,
    doneUnits: (jobId) => pg.doneUnits(jobId),
    clear: pg.clear,
    jobs: pg.jobs,
  };
}

/** `WORKBENCH_CATALOG`, or undefined when unset or empty. */
export function catalogUrlFromEnv(): string | undefined {
  try {
    return Deno.env.get("WORKBENCH_CATALOG") || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a new backfill records its checkpoints: the PostgreSQL catalog when `catalogUrl` (default
 * `WORKBENCH_CATALOG`) is set, else the lake's files.
 *
 * @example
 * ```ts ignore
 * const cp = checkpointStore("./data/lake"); // catalog when WORKBENCH_CATALOG is set
 * if (!resume) await cp.clear(jobId);
 * ```
 */
export function checkpointStore(root?: string, catalogUrl = catalogUrlFromEnv()): CheckpointStore {
  return catalogUrl ? catalogCheckpoints(catalogUrl) : fileCheckpoints(root);
}

/**
 * The store that holds an existing job's checkpoint: its file when there is one (a job started
 * before the catalog was configured), else the catalog when configured, else the file store.
 */
export function checkpointStoreOfJob(
  jobId: string,
  root?: string,
  catalogUrl = catalogUrlFromEnv(),
): CheckpointStore {
  try {
    Deno.statSync(checkpointPath(jobId, root));
    return fileCheckpoints(root);
  } catch {
    return checkpointStore(root, catalogUrl);
  }
}
