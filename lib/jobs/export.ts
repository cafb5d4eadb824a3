/**
 * Batches of an out-of-core training export (lib/features/export_batched.ts) on the cluster: job
 * kind `features.export_batch` computes one batch of output dates (its window: batch number, date
 * indices i..j, first and last date) from the export's plan file (spec, dates, symbols' first and
 * last dates, meta; checked against its SHA-256) with `exportBatchPart`, writes the batch's
 * samples to `raw-<batch>.parquet` beside the plan (temporary name, then rename: a batch run twice
 * leaves one whole part with the same content) and returns the batch's stats. {@link
 * clusterExportBatches} is the `runBatches` option of `exportTrainingSetBatched`: one job per
 * batch, stats in batch order, so the merge (z-score, CPCV, weights, rows.parquet) is the
 * single-process one. The export folder must be readable and writable by every worker (same disk
 * or a shared mount) and the lake the same for all. Every batch reads the dataset at the
 * manifest version the submitter fixed and pinned (the plan's `version`), so an append while the
 * batches run changes no batch.
 *
 * @example
 * ```ts ignore
 * await exportTrainingSetBatched(spec, { outDir, batchDates: 250,
 *   runBatches: clusterExportBatches({ catalog }) });
 * ```
 */
import { dirname } from "node:path";
import { z } from "zod";
import {
  type ClusterCatalog,
  type ClusterProgress,
  defineJobKind,
  runJobs,
} from "../cluster/mod.ts";
import {
  type BatchJob,
  type BatchPartStats,
  type BatchPlan,
  exportBatchPart,
} from "../features/export_batched.ts";

const Payload = z.object({
  plan: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  batch: z.number().int().min(0),
  i: z.number().int().min(0),
  j: z.number().int().min(0),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});

/** Plans read by this process, by path and digest (a worker runs many batches of one export). */
const PLANS = new Map<string, BatchPlan>();

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The plan of a job; RangeError when the file is missing or is not the one submitted. */
async function readPlan(path: string, sha256: string): Promise<BatchPlan> {
  const key = `${path}\n${sha256}`;
  const hit = PLANS.get(key);
  if (hit) return hit;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new RangeError(
      `Cannot read export plan ${path}: ${
        (e as Error).message
      } (the export folder must be shared with the workers)`,
    );
  }
  const got = await sha256Hex(text);
  if (got !== sha256) {
    throw new RangeError(`Export plan ${path} has SHA-256 ${got}, the job expects ${sha256}`);
  }
  const plan = JSON.parse(text) as BatchPlan;
  if (PLANS.size >= 4) PLANS.delete(PLANS.keys().next().value!);
  PLANS.set(key, plan);
  return plan;
}

/** Run one batch job (the kind's handler). */
export async function runExportBatch(job: BatchJob): Promise<BatchPartStats> {
  const plan = await readPlan(job.plan, job.sha256);
  if (plan.dates[job.i] !== job.from || plan.dates[job.j] !== job.to) {
    throw new RangeError(
      `Batch ${job.batch} names ${job.from}..${job.to} but the plan's dates ${job.i}..${job.j} are ${
        plan.dates[job.i]
      }..${plan.dates[job.j]}`,
    );
  }
  return await exportBatchPart(plan, { batch: job.batch, i: job.i, j: job.j }, dirname(job.plan));
}

/** Job kind `features.export_batch`. */
export const EXPORT_BATCH_JOB = defineJobKind({
  name: "features.export_batch",
  payload: Payload,
  // lease: a lost worker's job is retried 60 s after its last heartbeat (module doc of
  // lib/cluster/worker.ts); a job may run longer, up to the default 4 h
  leaseSeconds: 60,
  retryLimit: 10,
  run: (p) => runExportBatch(p),
});

/** Options of {@link clusterExportBatches}. */
export interface ClusterExportOptions {
  catalog: ClusterCatalog;
  onProgress?: (p: ClusterProgress) => void;
  /** Lease of a job in seconds (>= 10). @default the kind's (60) */
  leaseSeconds?: number;
  /** Longest run of a job in seconds (tests use a short one). @default 4 h */
  expireInSeconds?: number;
  /** Retries of a job. @default the kind's (10) */
  retryLimit?: number;
}

/** A `runBatches` for exportTrainingSetBatched that runs the batches on the cluster (module doc). */
export function clusterExportBatches(
  options: ClusterExportOptions,
): (jobs: BatchJob[]) => Promise<BatchPartStats[]> {
  return (jobs) =>
    runJobs<BatchPartStats>(EXPORT_BATCH_JOB.name, jobs, {
      catalog: options.catalog,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}),
      ...(options.expireInSeconds ? { expireInSeconds: options.expireInSeconds } : {}),
      ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
    });
}
