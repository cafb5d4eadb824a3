/**
 * Main-thread side of the tree workers: a histogram helper that shares the feature work of each
 * large node with one worker through Atomics (synchronous on both sides), and a runner for
 * forest batches in a worker.
 */
import { buildHistogram, CTRL, type GrowData, type HistBuild, HistPool } from "./_tree_grow.ts";
import type { ForestBatch, ForestJob } from "./_forest_job.ts";

/** Below this many (rows x features) a node's histogram is built on the main thread alone. */
export const PARALLEL_MIN_CELLS = 400_000;

const WORKER_URL = new URL("./_tree_worker.ts", import.meta.url);

/** Shared-memory buffers of a boosting fit, sized for n rows and F features. */
export interface SharedGrowData extends GrowData {
  sab: {
    bins: SharedArrayBuffer;
    g: SharedArrayBuffer;
    h: SharedArrayBuffer;
    idx: SharedArrayBuffer;
  };
}

/** Allocates GrowData whose bins, g, h and idx live in SharedArrayBuffers. */
export function sharedGrowData(
  n: number,
  nFeatures: number,
  nBins: Uint16Array,
  edges: Float32Array[],
): SharedGrowData {
  const sab = {
    bins: new SharedArrayBuffer(n * nFeatures),
    g: new SharedArrayBuffer(n * 8),
    h: new SharedArrayBuffer(n * 8),
    idx: new SharedArrayBuffer(n * 4),
  };
  return {
    n,
    nFeatures,
    nBins,
    edges,
    bins: new Uint8Array(sab.bins),
    g: new Float64Array(sab.g),
    h: new Float64Array(sab.h),
    idx: new Uint32Array(sab.idx),
    nActive: n,
    scratch: new Uint32Array(n),
    sab,
  };
}

/** One histogram worker bound to a fit's shared data and a shared histogram pool. */
export class HistWorkers {
  readonly pool: HistPool;
  #worker: Worker | null = null;
  #ctrl: Int32Array;
  #d: GrowData;
  private constructor(d: GrowData, pool: HistPool, ctrl: Int32Array) {
    this.#d = d;
    this.pool = pool;
    this.#ctrl = ctrl;
  }

  /** Starts one worker (threads >= 2) or none, with `slots` shared histogram slots. */
  static async start(d: SharedGrowData, threads: number, slots: number): Promise<HistWorkers> {
    const slotBytes = d.nFeatures * 256 * 3 * 8;
    const poolSab = new SharedArrayBuffer(slotBytes * slots);
    const pool = new HistPool(d.nFeatures, slots, poolSab);
    const ctrlSab = new SharedArrayBuffer(4 * (CTRL.FEATURES + d.nFeatures));
    const hw = new HistWorkers(d, pool, new Int32Array(ctrlSab));
    if (threads >= 2) {
      const worker = new Worker(WORKER_URL, { type: "module" });
      const ready = new Promise<void>((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`tree worker failed: ${e.message}`));
        };
      });
      worker.postMessage({
        type: "hist",
        ctrl: ctrlSab,
        bins: d.sab.bins,
        g: d.sab.g,
        h: d.sab.h,
        idx: d.sab.idx,
        pool: poolSab,
        n: d.n,
        nFeatures: d.nFeatures,
        nBins: d.nBins,
        unitHessian: d.unitHessian === true,
        slots,
      });
      await ready;
      hw.#worker = worker;
    }
    return hw;
  }

  /** The histogram builder to hand to growTree. */
  readonly build: HistBuild = (pool, slot, start, end, features) => {
    const cells = (end - start) * features.length;
    if (
      !this.#worker || !pool.isShared(slot) || cells < PARALLEL_MIN_CELLS || features.length < 2
    ) {
      buildHistogram(pool.view(slot), this.#d, start, end, features);
      return;
    }
    const half = features.length >> 1;
    const ctrl = this.#ctrl;
    ctrl[CTRL.CMD] = 1;
    ctrl[CTRL.START] = start;
    ctrl[CTRL.END] = end;
    ctrl[CTRL.SLOT] = slot;
    ctrl[CTRL.NF] = features.length - half;
    ctrl.set(features.subarray(half), CTRL.FEATURES);
    Atomics.store(ctrl, CTRL.DONE, 0);
    Atomics.add(ctrl, CTRL.GEN, 1);
    Atomics.notify(ctrl, CTRL.GEN);
    buildHistogram(pool.view(slot), this.#d, start, end, features.subarray(0, half));
    while (Atomics.load(ctrl, CTRL.DONE) === 0) Atomics.wait(ctrl, CTRL.DONE, 0);
    if (Atomics.load(ctrl, CTRL.ERROR) !== 0) {
      this.close();
      throw new Error("Cannot build histogram: the tree worker failed (see its error above)");
    }
  };

  /** Stops the worker. */
  close(): void {
    if (!this.#worker) return;
    this.#ctrl[CTRL.CMD] = -1;
    Atomics.add(this.#ctrl, CTRL.GEN, 1);
    Atomics.notify(this.#ctrl, CTRL.GEN);
    this.#worker.terminate();
    this.#worker = null;
  }
}

/** Runs a forest batch in a new worker and resolves with its trees. */
export function runForestWorker(job: ForestJob): Promise<ForestBatch> {
  const worker = new Worker(WORKER_URL, { type: "module" });
  return new Promise<ForestBatch>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<ForestBatch>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(`forest worker failed: ${e.message}`));
    };
    worker.postMessage(job);
  });
}
