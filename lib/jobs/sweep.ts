/**
 * The backtest sweep on the cluster: job kind `backtest.sweep` runs a chunk of a spec's grid
 * (configuration indices) on a worker with `prepareSweep` and returns each configuration's
 * equity curve, bit-exact (codec.ts). {@link clusterEvaluate} is the `evaluate` option of
 * `runSpec`: it splits the grid into chunks, submits them and returns the curves in grid order,
 * so everything `runSpec` does afterwards (selection, ledger, gate) is what a single process does.
 * Workers read the spec's data themselves (the lake under `root`, or generated data named by the
 * spec), so the lake must be reachable from every worker (same disk, or the S3 lake).
 *
 * @example
 * ```ts ignore
 * const out = await runSpec(spec, { evaluate: clusterEvaluate(spec, { catalog, baseDir }) });
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
import {
  type BacktestSpec,
  gridConfigs,
  parseBacktestSpec,
  prepareSweep,
} from "../backtest/mod.ts";
import { canonicalJson } from "../validation/mod.ts";

const Payload = z.object({
  /** The spec as JSON (parsed again on the worker). */
  spec: z.unknown(),
  /** Folder a strategy module path is relative to. */
  baseDir: z.string().min(1),
  /** Lake root of `lake` data (absent: the worker's WORKBENCH_DATA). */
  root: z.string().min(1).optional(),
  /** Id of the sweep: a worker keeps the sweep's loaded data for its other chunks. */
  run: z.string().min(1),
  /** Configuration indices of this chunk. */
  indices: z.array(z.number().int().min(0)).min(1),
});

const PREPARED = new Map<string, ReturnType<typeof prepareSweep>>();

/** Job kind `backtest.sweep`. */
export const SWEEP_JOB = defineJobKind({
  name: "backtest.sweep",
  payload: Payload,
  // lease: a lost worker's job is retried 60 s after its last heartbeat (module doc of
  // lib/cluster/worker.ts); a job may run longer, up to the default 4 h
  leaseSeconds: 60,
  retryLimit: 10,
  run: async (p) => {
    // a worker keeps the last few sweeps' data loaded (chunks of one sweep share it; a later
    // sweep of the same spec reloads, since the lake may have changed)
    const key = canonicalJson([p.run, p.spec, p.baseDir, p.root ?? null]);
    let prep = PREPARED.get(key);
    if (!prep) {
      const spec = parseBacktestSpec(p.spec);
      prep = prepareSweep(spec, { baseDir: p.baseDir, ...(p.root ? { root: p.root } : {}) });
      PREPARED.set(key, prep);
      prep.catch(() => PREPARED.delete(key));
      while (PREPARED.size > 4) PREPARED.delete(PREPARED.keys().next().value!);
    }
    const curves = (await prep)(p.indices);
    return { indices: p.indices, equities: curves.map(encodeF64) };
  },
});

/** Options of {@link clusterEvaluate}. */
export interface ClusterSweepOptions {
  catalog: ClusterCatalog;
  /** Folder a strategy module path is relative to (absolute). */
  baseDir: string;
  /** Lake root of `lake` data. @default the workers' WORKBENCH_DATA */
  root?: string;
  /**
   * Configurations per job.
   * @default 10
   */
  chunk?: number;
  onProgress?: (p: ClusterProgress) => void;
  /** Lease of a job in seconds (>= 10). @default the kind's (60) */
  leaseSeconds?: number;
  /** Longest run of a job in seconds (tests use a short one). @default 4 h */
  expireInSeconds?: number;
  /** Retries of a job. @default the kind's (10) */
  retryLimit?: number;
}

/** An `evaluate` for runSpec that runs the sweep on the cluster (module doc). */
export function clusterEvaluate(
  spec: BacktestSpec,
  options: ClusterSweepOptions,
): (indices: number[]) => Promise<Float64Array[]> {
  const chunk = options.chunk ?? 10;
  if (!(Number.isInteger(chunk) && chunk >= 1)) {
    throw new RangeError(`chunk must be an integer >= 1, got ${chunk}`);
  }
  const n = gridConfigs(spec.grid).length;
  return async (indices) => {
    const run = crypto.randomUUID();
    const chunks: number[][] = [];
    for (let i = 0; i < indices.length; i += chunk) chunks.push(indices.slice(i, i + chunk));
    const outs = await runJobs<{ indices: number[]; equities: string[] }>(
      SWEEP_JOB.name,
      chunks.map((c) => ({
        spec,
        baseDir: options.baseDir,
        ...(options.root ? { root: options.root } : {}),
        run,
        indices: c,
      })),
      {
        catalog: options.catalog,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}),
        ...(options.expireInSeconds ? { expireInSeconds: options.expireInSeconds } : {}),
        ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
      },
    );
    const byIndex = new Map<number, Float64Array>();
    outs.forEach((o, k) => {
      if (o.indices.join() !== chunks[k]!.join() || o.equities.length !== o.indices.length) {
        throw new Error(`backtest.sweep job ${k}: output does not match its configurations`);
      }
      o.indices.forEach((i, j) => byIndex.set(i, decodeF64(o.equities[j]!)));
    });
    return indices.map((i) => {
      const e = byIndex.get(i);
      if (!e || i >= n) throw new Error(`backtest.sweep: no curve for configuration ${i}`);
      return e;
    });
  };
}
