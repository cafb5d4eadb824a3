/**
 * A cluster worker: takes jobs of the registered kinds from the pg-boss queue on the catalog and
 * runs them, `concurrency` at a time. Each job's output is stored by pg-boss with the job's
 * completion (one row per job: a rerun cannot add a second output). While a job runs, its worker
 * renews the job's lease (pg-boss `touch`, every third of the job's `heartbeatSeconds`). A worker
 * killed mid-job (SIGKILL, machine lost) stops renewing it: pg-boss's supervisor (every instance,
 * workers and submitters, runs it every `monitorSeconds`) sees no heartbeat for a lease (default
 * 60 s), or the job active past its `expireInSeconds` (longest run, default 4 h), and puts it back
 * for another worker (up to the kind's `retryLimit`).
 * `stop()` (SIGTERM in `deno task worker`) stops taking jobs, waits for the running ones and
 * leaves.
 *
 * The worker keeps its row on the status board (`<schema>.wb_worker`: host, pid, active, done,
 * failed, last seen every second) for the submitters' progress lines.
 *
 * @example
 * ```ts ignore
 * const w = await startWorker({ catalog: catalogFromEnv(), concurrency: 2 });
 * Deno.addSignalListener("SIGTERM", () => w.stop());
 * await w.finished;
 * ```
 */
import { PgBoss } from "pg-boss";
import { log } from "../core/log.ts";
import { redact } from "../core/secret.ts";
import { type ClusterCatalog, connectionUrl, openSql, protectUrl } from "./connection.ts";
import {
  DEFAULT_LEASE_SECONDS,
  DEFAULT_MAX_RUN_SECONDS,
  jobKind,
  jobKindNames,
} from "./registry.ts";
import { type BoardRow, ensureBoard, writeBoard } from "./_board.ts";

/** What a job's payload looks like in the queue (the submitter writes it). */
export interface QueuedJob {
  /** Submission id (a UUID): the submitter's jobs. */
  batch: string;
  /** Position of the job in the submission. */
  index: number;
  payload: unknown;
}

/** What a worker stores as a job's output. */
export type JobOutput =
  | { ok: true; worker: string; attempt: number; output: unknown }
  | { ok: false; worker: string; attempt: number; error: string };

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  catalog: ClusterCatalog;
  /** Jobs run at once in this process. @default 1 */
  concurrency?: number;
  /** Kinds taken. @default every registered kind */
  kinds?: string[];
  /** Worker id on the board. @default `<host>-<pid>` */
  workerId?: string;
  /** Seconds between polls of an idle queue. @default 0.5 */
  pollSeconds?: number;
  /** Seconds between the supervisor's expiry checks. @default 2 */
  monitorSeconds?: number;
  /** Called after each job (tests, logs). */
  onJob?: (e: { kind: string; index: number; ok: boolean; attempt: number; ms: number }) => void;
}

/** A running worker. */
export interface ClusterWorker {
  id: string;
  /** Stop taking jobs, wait for the running ones, close. */
  stop(): Promise<void>;
  /** Resolves once stopped. */
  finished: Promise<void>;
  /** Counts so far. */
  stats(): { active: number; done: number; failed: number };
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/** The pg-boss instance of a catalog (errors go to the redacted log). */
export function newBoss(catalog: ClusterCatalog, monitorSeconds = 2): PgBoss {
  const boss = new PgBoss({
    connectionString: connectionUrl(protectUrl(catalog.url)),
    schema: catalog.schema,
    max: 4,
    monitorIntervalSeconds: monitorSeconds,
    superviseIntervalSeconds: monitorSeconds,
  });
  boss.on("error", (e: unknown) => {
    log.warn("cluster.queue.error", { error: redact(e instanceof Error ? e.message : String(e)) });
  });
  return boss;
}

/** Start a worker (module doc). */
export async function startWorker(options: WorkerOptions): Promise<ClusterWorker> {
  const concurrency = options.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  const kinds = (options.kinds ?? jobKindNames()).map(jobKind);
  if (kinds.length === 0) throw new RangeError("Cannot start a worker: no job kind registered");
  const id = options.workerId ?? `${hostname()}-${Deno.pid}`;
  const { schema } = options.catalog;
  const boss = newBoss(options.catalog, options.monitorSeconds ?? 2);
  await boss.start();
  const sql = openSql(options.catalog.url, { max: 1 });
  await ensureBoard(sql, schema);
  const row: BoardRow = {
    workerId: id,
    host: hostname(),
    pid: Deno.pid,
    startedAt: new Date(),
    lastSeen: new Date(),
    active: 0,
    done: 0,
    failed: 0,
    state: "running",
  };
  const board = () =>
    writeBoard(sql, schema, row).catch((e) =>
      log.warn("cluster.board.error", { error: redact(String(e)) })
    );
  await board();
  const beat = setInterval(board, 1000);
  for (const kind of kinds) {
    await boss.createQueue(kind.name, {
      expireInSeconds: kind.expireInSeconds ?? DEFAULT_MAX_RUN_SECONDS,
      heartbeatSeconds: kind.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
      retryLimit: kind.retryLimit ?? 10,
    });
  }
  const runOne = async (
    kind: (typeof kinds)[number],
    job: {
      id: string;
      data: QueuedJob;
      retryCount: number;
      heartbeatSeconds?: number | null;
      signal?: AbortSignal;
    },
  ): Promise<void> => {
    const t0 = performance.now();
    row.active++;
    // Renew the lease while the job runs (fenced to this attempt: a worker that lost the job
    // cannot keep a newer attempt alive).
    const hb = job.heartbeatSeconds ?? kind.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    const renew = setInterval(() => {
      boss.touch(kind.name, { id: job.id, retryCount: job.retryCount }).catch((e) =>
        log.warn("cluster.job.touch_failed", { kind: kind.name, error: redact(String(e)) })
      );
    }, Math.max(1000, (hb * 1000) / 3));
    void board();
    const attempt = job.retryCount;
    const index = job.data?.index ?? -1;
    try {
      const parsed = kind.payload.safeParse(job.data?.payload);
      if (!parsed.success) {
        row.failed++;
        // a bad payload fails the same way every time: report it, do not retry
        const out: JobOutput = {
          ok: false,
          worker: id,
          attempt,
          error: redact(`payload of ${kind.name}: ${parsed.error.message}`),
        };
        await boss.complete(kind.name, job.id, out);
        return;
      }
      const output = await kind.run(parsed.data, {
        workerId: id,
        jobId: job.id,
        attempt,
        signal: job.signal ?? new AbortController().signal,
      });
      const out: JobOutput = { ok: true, worker: id, attempt, output };
      await boss.complete(kind.name, job.id, out);
      row.done++;
      options.onJob?.({ kind: kind.name, index, ok: true, attempt, ms: performance.now() - t0 });
    } catch (e) {
      row.failed++;
      options.onJob?.({ kind: kind.name, index, ok: false, attempt, ms: performance.now() - t0 });
      const msg = redact(e instanceof Error ? e.message : String(e));
      log.warn("cluster.job.failed", { kind: kind.name, index, attempt, error: msg });
      await boss.fail(kind.name, job.id, { error: `[worker ${id}] ${msg}` }).catch((e2) =>
        log.warn("cluster.job.fail_not_recorded", { error: redact(String(e2)) })
      );
    } finally {
      clearInterval(renew);
      row.active--;
      void board();
    }
  };
  // One loop per unit of concurrency: fetch one job (pg-boss: FOR UPDATE SKIP LOCKED), run it,
  // complete or fail it, and fetch the next at once; poll every `pollSeconds` while idle.
  let stopping = false;
  const idleMs = (options.pollSeconds ?? 0.5) * 1000;
  const wakeIdle = new Set<() => void>();
  const loop = async (slot: number) => {
    let k = slot;
    while (!stopping) {
      let ran = false;
      for (let n = 0; n < kinds.length && !stopping; n++) {
        const kind = kinds[(k + n) % kinds.length]!;
        let jobs: {
          id: string;
          data: QueuedJob;
          retryCount: number;
          heartbeatSeconds?: number | null;
        }[] = [];
        try {
          jobs = await boss.fetch<QueuedJob>(kind.name, { batchSize: 1 });
        } catch (e) {
          log.warn("cluster.fetch.failed", { error: redact(String(e)) });
        }
        if (jobs.length > 0) {
          await runOne(kind, jobs[0]!);
          ran = true;
          k = (k + n + 1) % kinds.length;
          break;
        }
      }
      if (!ran && !stopping) {
        await new Promise<void>((r) => {
          const wake = () => {
            clearTimeout(t);
            wakeIdle.delete(wake);
            r();
          };
          const t = setTimeout(wake, idleMs);
          wakeIdle.add(wake);
        });
      }
    }
  };
  const loops = Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));
  let stopped: Promise<void> | null = null;
  return {
    id,
    finished,
    stats: () => ({ active: row.active, done: row.done, failed: row.failed }),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const w of [...wakeIdle]) w();
        row.state = "stopping";
        await board();
        await loops;
        await boss.stop({ graceful: true, timeout: 10_000 });
        clearInterval(beat);
        row.state = "stopped";
        await board();
        await sql.end({ timeout: 5 });
        resolveFinished();
      })();
      return stopped;
    },
  };
}
