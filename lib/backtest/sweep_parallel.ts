/**
 * Parallel parameter sweep: the columns of {@link sweepVectorized} split across Web Workers
 * (one per core by default). The target generator must live in a module so that workers can
 * import it: the module exports `createKernel(panel, args)` returning `(col, out) => void`
 * (same contract as `sweepVectorized`'s `fillTargets`, including the optional `range` form that
 * runs in blocks of bars). The panel's arrays are shared with the workers through
 * SharedArrayBuffers (copied once into shared memory unless they already live there), so no worker
 * receives a copy; columns are split into contiguous, equal ranges. Results are identical to the
 * single-threaded sweep (each column is computed by the same code).
 */

import type { BarPanel } from "./panel.ts";
import { emptySweepResult, type SweepOptions, type SweepResult } from "./vectorized.ts";

/** Where the target kernel lives. */
export interface SweepKernel {
  /** Module URL exporting `createKernel(panel, args)`. */
  url: string | URL;
  /** Structured-cloneable arguments passed to `createKernel`. @default undefined */
  args?: unknown;
}

/**
 * Run a sweep over `nColumns` columns on `workers` workers.
 *
 * @example
 * ```ts ignore
 * const res = await sweepVectorizedParallel(panel, 1000,
 *   { url: new URL("./ma_kernel.ts", import.meta.url) }, { workers: 2 });
 * ```
 */
export async function sweepVectorizedParallel(
  panel: BarPanel,
  nColumns: number,
  kernel: SweepKernel,
  options: SweepOptions & {
    /** Number of workers. @default navigator.hardwareConcurrency */
    workers?: number;
  } = {},
): Promise<SweepResult> {
  if (!(Number.isInteger(nColumns) && nColumns >= 0)) {
    throw new RangeError(`nColumns must be an integer >= 0, got ${nColumns}`);
  }
  const { workers: w, ...opts } = options;
  if (nColumns === 0) return emptySweepResult(0, 0);
  const nw = Math.max(1, Math.min(w ?? navigator.hardwareConcurrency ?? 1, Math.max(1, nColumns)));
  const per = Math.ceil(nColumns / nw);
  const shared = sharePanel(panel);
  const jobs: Promise<{ from: number; res: SweepResult }>[] = [];
  const url = String(kernel.url);
  for (let k = 0; k < nw; k++) {
    const from = k * per, to = Math.min(nColumns, from + per);
    if (from >= to) break;
    jobs.push(
      new Promise((resolve, reject) => {
        const worker = new Worker(new URL("./_sweep_worker.ts", import.meta.url), {
          type: "module",
        });
        worker.onmessage = (e) => {
          worker.terminate();
          if (e.data.ok) resolve({ from, res: e.data.res as SweepResult });
          else reject(new Error(`Sweep worker failed: ${e.data.error}`));
        };
        worker.onerror = (e) => {
          e.preventDefault();
          worker.terminate();
          reject(new Error(`Sweep worker failed: ${e.message}`));
        };
        worker.postMessage({
          panel: shared,
          kernelUrl: url,
          args: kernel.args,
          from,
          to,
          options: opts,
        });
      }),
    );
  }
  const parts = await Promise.all(jobs);
  const out = emptySweepResult(nColumns, 0);
  for (const { from, res } of parts) {
    for (const k of PER_COLUMN) out[k].set(res[k], from);
    out.barEvaluations += res.barEvaluations;
  }
  return out;
}

/** The per-column arrays of a {@link SweepResult}. */
const PER_COLUMN = [
  "finalEquity",
  "sharpe",
  "maxDrawdown",
  "totalCost",
  "traded",
  "leverageScaled",
  "leverageRejected",
  "dataEndExits",
  "heldWithoutBar",
] as const;

/** A view of a typed array in shared memory: the same array if it already is, else a copy. */
function share<T extends Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new (a.constructor as { new (b: SharedArrayBuffer): T })(
    new SharedArrayBuffer(a.byteLength),
  );
  out.set(a);
  return out;
}

/** The panel with every array in shared memory (posted to workers without copying). */
function sharePanel(p: BarPanel): BarPanel {
  const out: BarPanel = {
    symbols: p.symbols,
    tsMs: share(p.tsMs),
    open: share(p.open),
    high: share(p.high),
    low: share(p.low),
    close: share(p.close),
    volume: share(p.volume),
  };
  if (p.day) out.day = share(p.day);
  if (p.bid) out.bid = share(p.bid);
  if (p.ask) out.ask = share(p.ask);
  return out;
}
