/**
 * CPCV folds on the cluster: job kind `models.cpcv_fold` fits one (configuration, split) fold of
 * a training run from its export folder with `runCpcvFold` and returns the test predictions
 * (bit-exact, codec.ts) and score. {@link clusterFolds} is the `folds` option of `runTraining`
 * (lib/models/train.ts): one job per fold, outputs in fold order, so the trials, the best
 * configuration and the ledger entries are those of a single-process run. The export folder must
 * be readable by every worker (same disk or a shared mount).
 *
 * @example
 * ```ts ignore
 * await runTraining(spec, { folds: clusterFolds({ catalog }) });
 * ```
 */
import { z } from "zod";
import {
  type ClusterCatalog,
  type ClusterProgress,
  decodeF64,
  defineJobKind,
  encodeF64,
  runJobs,
} from "../cluster/mod.ts";
import { type CpcvFoldJob, type CpcvFoldResult, runCpcvFold } from "../models/train.ts";

const Payload = z.object({
  exportDir: z.string().min(1),
  features: z.array(z.string().min(1)).min(1),
  kind: z.enum(["random_forest", "gbt", "ridge", "logistic"]),
  task: z.enum(["regression", "binary"]),
  config: z.record(z.string(), z.unknown()),
  groups: z.number().int().min(2),
  testGroups: z.number().int().min(1),
  embargoMs: z.number().min(0),
  split: z.number().int().min(0),
});

/** Job kind `models.cpcv_fold`. */
export const CPCV_FOLD_JOB = defineJobKind({
  name: "models.cpcv_fold",
  payload: Payload,
  // lease: a lost worker's job is retried 60 s after its last heartbeat (module doc of
  // lib/cluster/worker.ts); a job may run longer, up to the default 4 h
  leaseSeconds: 60,
  retryLimit: 10,
  run: async (p) => {
    const r = await runCpcvFold(p as CpcvFoldJob);
    return { pred: encodeF64(r.pred), score: encodeF64([r.score]) };
  },
});

/** Options of {@link clusterFolds}. */
export interface ClusterFoldsOptions {
  catalog: ClusterCatalog;
  onProgress?: (p: ClusterProgress) => void;
  /** Lease of a job in seconds (>= 10). @default the kind's (60) */
  leaseSeconds?: number;
  /** Longest run of a job in seconds (tests use a short one). @default 4 h */
  expireInSeconds?: number;
  /** Retries of a job. @default the kind's (10) */
  retryLimit?: number;
}

/** A `folds` for runTraining that fits the folds on the cluster (module doc). */
export function clusterFolds(
  options: ClusterFoldsOptions,
): (jobs: CpcvFoldJob[]) => Promise<CpcvFoldResult[]> {
  return async (jobs) => {
    const outs = await runJobs<{ pred: string; score: string }>(CPCV_FOLD_JOB.name, jobs, {
      catalog: options.catalog,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}),
      ...(options.expireInSeconds ? { expireInSeconds: options.expireInSeconds } : {}),
      ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
    });
    return outs.map((o) => ({ pred: decodeF64(o.pred), score: decodeF64(o.score)[0]! }));
  };
}
