/**
 * Submit jobs to the cluster and wait for their outputs, in submission order.
 *
 * `runJobs(kind, payloads)` validates every payload with the kind's zod schema (before anything
 * is queued), inserts one pg-boss job per payload tagged with a fresh submission id, then polls
 * the queue until every job is completed, reporting progress across workers (jobs created,
 * active, completed, failed, retried; per worker: done in this submission, active now, last
 * seen). Each job has exactly one stored output (its completion), so a job that ran twice (its
 * first worker was killed after computing) still yields one output; outputs are returned by
 * index, so the caller's result does not depend on which worker ran what or in which order.
 * A job that fails for good (its kind's retryLimit exhausted, or a payload the worker rejects)
 * cancels the rest of the submission and throws {@link ClusterJobError} with the job's error.
 *
 * @example
 * ```ts ignore
 * const outs = await runJobs("backtest.sweep", chunks, { catalog: catalogFromEnv(),
 *   onProgress: (p) => console.error(formatProgress(p)) });
 * ```
 */
import { log } from "../core/log.ts";
import { redact } from "../core/secret.ts";
import { type ClusterCatalog, openSql, quoteIdent } from "./connection.ts";
import {
  checkLeaseSeconds,
  DEFAULT_LEASE_SECONDS,
  DEFAULT_MAX_RUN_SECONDS,
  jobKind,
} from "./registry.ts";
import { ensureBoard, readBoard } from "./_board.ts";
import { type JobOutput, newBoss, type QueuedJob } from "./worker.ts";

/** One worker's share of a submission. */
export interface WorkerProgress {
  workerId: string;
  /** Jobs of this submission the worker completed. */
  done: number;
  /** Jobs the worker is running now (any submission). */
  active: number;
  /** Seconds since the worker last wrote its row (over ~5 s: presumed dead). */
  silentSeconds: number;
  state: string;
}

/** Progress of one submission. */
export interface ClusterProgress {
  kind: string;
  batch: string;
  total: number;
  /** Waiting (created or waiting to retry). */
  queued: number;
  active: number;
  completed: number;
  /** Failed for good. */
  failed: number;
  /** Attempts beyond the first, summed over jobs (lost leases and errors). */
  retries: number;
  workers: WorkerProgress[];
  elapsedMs: number;
}

/** A job of a submission failed for good. */
export class ClusterJobError extends Error {
  override name = "ClusterJobError";
  constructor(message: string, readonly kind: string, readonly index: number) {
    super(message);
  }
}

/** Options of {@link runJobs}. */
export interface RunJobsOptions {
  catalog: ClusterCatalog;
  /** Called at every poll. */
  onProgress?: (p: ClusterProgress) => void;
  /** Poll interval in ms. @default 300 */
  pollMs?: number;
  /**
   * Lease of a job in seconds (overrides the kind's `leaseSeconds`): without a heartbeat from
   * its worker for this long, a job is retried elsewhere. Integer >= 10.
   */
  leaseSeconds?: number;
  /** Longest run of a job in seconds (overrides the kind's `expireInSeconds`). */
  expireInSeconds?: number;
  /** Retries of a job (overrides the kind's). */
  retryLimit?: number;
  /** Give up after this many ms (jobs are cancelled). @default no limit */
  timeoutMs?: number;
  /** Seconds between the submitter's own expiry checks. @default 2 */
  monitorSeconds?: number;
}

/** One progress line (no secrets: ids, counts, host-pid names). */
export function formatProgress(p: ClusterProgress): string {
  const ws = p.workers.filter((w) => w.done > 0 || (w.state === "running" && w.silentSeconds < 5))
    .map((w) =>
      `${w.workerId}: ${w.done} done, ${w.active} active${
        w.silentSeconds >= 5 && w.state === "running"
          ? ` (silent ${w.silentSeconds.toFixed(0)} s)`
          : ""
      }`
    );
  return `${p.kind}: ${p.completed}/${p.total} done, ${p.active} active, ${p.queued} queued, ${p.failed} failed, ${p.retries} retries, ${
    (p.elapsedMs / 1000).toFixed(1)
  } s${ws.length ? ` | ${ws.join("; ")}` : " | no live worker"}`;
}

/** Run payloads as jobs of `kindName` on the cluster; outputs in payload order (module doc). */
export async function runJobs<Out = unknown>(
  kindName: string,
  payloads: unknown[],
  options: RunJobsOptions,
): Promise<Out[]> {
  const kind = jobKind(kindName);
  payloads.forEach((p, i) => {
    const r = kind.payload.safeParse(p);
    if (!r.success) {
      throw new RangeError(`Cannot submit ${kindName} job ${i}: ${r.error.message}`);
    }
  });
  if (payloads.length === 0) return [];
  const t0 = performance.now();
  const { schema } = options.catalog;
  const batch = crypto.randomUUID();
  const boss = newBoss(options.catalog, options.monitorSeconds ?? 2);
  const sql = openSql(options.catalog.url, { max: 2 });
  try {
    await boss.start();
    await ensureBoard(sql, schema);
    const expire = options.expireInSeconds ?? kind.expireInSeconds ?? DEFAULT_MAX_RUN_SECONDS;
    const lease = checkLeaseSeconds(
      options.leaseSeconds ?? kind.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
    );
    const retryLimit = options.retryLimit ?? kind.retryLimit ?? 10;
    await boss.createQueue(kind.name, {
      expireInSeconds: expire,
      heartbeatSeconds: lease,
      retryLimit,
    });
    for (let i = 0; i < payloads.length; i += 500) {
      await boss.insert(
        kind.name,
        payloads.slice(i, i + 500).map((payload, k) => ({
          data: { batch, index: i + k, payload } satisfies QueuedJob,
          expireInSeconds: expire,
          heartbeatSeconds: lease,
          retryLimit,
        })),
      );
    }
    const table = `${quoteIdent(schema)}.job`;
    const deadline = options.timeoutMs ? t0 + options.timeoutMs : Infinity;
    for (;;) {
      const rows = await sql.unsafe(
        `SELECT (data->>'index')::int AS idx, state::text AS state, retry_count,
                output->>'worker' AS worker, output->>'ok' AS ok,
                CASE WHEN state::text = 'completed' AND output->>'ok' = 'false'
                     OR state::text = 'failed' THEN output::text END AS err
           FROM ${table} WHERE name = $1 AND data->>'batch' = $2`,
        [kind.name, batch],
      );
      const board = await readBoard(sql, schema);
      const p: ClusterProgress = {
        kind: kind.name,
        batch,
        total: payloads.length,
        queued: 0,
        active: 0,
        completed: 0,
        failed: 0,
        retries: 0,
        workers: [],
        elapsedMs: performance.now() - t0,
      };
      const doneBy = new Map<string, number>();
      let bad: { idx: number; err: string } | null = null;
      for (const r of rows) {
        p.retries += Number(r.retry_count);
        const st = r.state as string;
        if (st === "completed" && r.ok === "true") {
          p.completed++;
          doneBy.set(r.worker as string, (doneBy.get(r.worker as string) ?? 0) + 1);
        } else if (st === "completed" || st === "failed" || st === "cancelled") {
          p.failed++;
          bad ??= { idx: Number(r.idx), err: String(r.err ?? st) };
        } else if (st === "active") p.active++;
        else p.queued++;
      }
      p.workers = board.map((b) => ({
        workerId: b.workerId,
        done: doneBy.get(b.workerId) ?? 0,
        active: b.active,
        silentSeconds: b.silentSeconds,
        state: b.state,
      }));
      options.onProgress?.(p);
      if (bad) {
        await cancelBatch(sql, boss, table, kind.name, batch);
        throw new ClusterJobError(
          redact(`${kind.name} job ${bad.idx} failed: ${errorText(bad.err)}`),
          kind.name,
          bad.idx,
        );
      }
      if (p.completed === payloads.length) break;
      if (performance.now() > deadline) {
        await cancelBatch(sql, boss, table, kind.name, batch);
        throw new ClusterJobError(
          `${kind.name}: ${p.completed}/${p.total} jobs done after ${options.timeoutMs} ms; cancelled the rest`,
          kind.name,
          -1,
        );
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 300));
    }
    const outs = await sql.unsafe(
      `SELECT (data->>'index')::int AS idx, output FROM ${table}
        WHERE name = $1 AND data->>'batch' = $2 AND state::text = 'completed'`,
      [kind.name, batch],
    );
    const result = new Array<Out>(payloads.length);
    const seen = new Uint8Array(payloads.length);
    for (const r of outs) {
      const i = Number(r.idx);
      if (seen[i]) throw new Error(`${kind.name}: job ${i} has two completed rows`);
      seen[i] = 1;
      result[i] = (r.output as JobOutput & { ok: true }).output as Out;
    }
    return result;
  } finally {
    await boss.stop({ graceful: false, timeout: 2000 }).catch(() => {});
    await sql.end({ timeout: 5 });
  }
}

function errorText(raw: string): string {
  try {
    const o = JSON.parse(raw) as { error?: string; message?: string };
    return o.error ?? o.message ?? raw;
  } catch {
    return raw;
  }
}

async function cancelBatch(
  sql: ReturnType<typeof openSql>,
  boss: ReturnType<typeof newBoss>,
  table: string,
  name: string,
  batch: string,
): Promise<void> {
  try {
    const ids = await sql.unsafe(
      `SELECT id FROM ${table} WHERE name = $1 AND data->>'batch' = $2
          AND state::text IN ('created', 'retry', 'active')`,
      [name, batch],
    );
    if (ids.length === 0) return;
    await boss.cancel(name, ids.map((r) => r.id as string));
  } catch (e) {
    log.warn("cluster.cancel.failed", { error: redact(String(e)) });
  }
}

/**
 * An `onProgress` that prints {@link formatProgress} lines to stderr at most every `everyMs`
 * (and the last one, when every job is done).
 */
export function progressPrinter(
  everyMs = 1000,
  write: (line: string) => void = (l) => console.error(l),
): (p: ClusterProgress) => void {
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    if (now - last >= everyMs || p.completed === p.total) {
      last = now;
      write(formatProgress(p));
    }
  };
}
