/**
 * Main-thread side of the tree workers: a histogram helper that shares the feature work of each
 * large node with one worker through Atomics (synchronous on both sides), and a runner for
 * forest batches in a worker.
 */
import {
  buildHistogram,
  CTRL,
  type GrowData,
  HIST_STRIDE,
  type HistBuild,
  HistPool,
} from "./_tree_grow.ts";
import { instantiateKernels, sharedMemory } from "./_hist_wasm.ts";
import type { ForestBatch, ForestJob } from "./_forest_job.ts";

/** Polls of the worker's done flag before a blocking wait (the halves end close together). */
const SPIN = 200_000;

/** Below this many (rows x features) a node's histogram is built on the main thread alone. */
export const PARALLEL_MIN_CELLS = 400_000;

const WORKER_URL = new URL("./_tree_worker.ts", import.meta.url);

/** Byte offsets of the arrays of a boosting fit within its shared buffer. */
export interface GrowLayout {
  bins: number;
  /** Row-major copy of the codes (for small nodes). */
  rowBins: number;
  g: number;
  h: number;
  idx: number;
  /** Partition buffer (main thread only). */
  scratch: number;
  pool: number;
  /** Histogram slots in the pool. */
  slots: number;
  /** Per thread (main, worker): gathered g then gathered h, n doubles each. */
  ordered: [number, number];
  bytes: number;
}

/** Shared-memory buffers of a boosting fit, sized for n rows and F features. */
export interface SharedGrowData extends GrowData {
  /** The WebAssembly memory holding every array, or null when too large for one. */
  memory: WebAssembly.Memory | null;
  /** The shared buffer (the memory's buffer, or a plain SharedArrayBuffer). */
  buffer: SharedArrayBuffer;
  layout: GrowLayout;
  pool: Float64Array;
}

/** Largest shared buffer given to WebAssembly (the kernels address it with 32-bit offsets). */
const MAX_WASM_BYTES = 2 ** 31;

/** Lays out bins, g, h, idx, `slots` histogram slots and two threads' gather buffers. */
function growLayout(n: number, nFeatures: number, slots: number): GrowLayout {
  let off = 0;
  const take = (bytes: number) => {
    const at = off;
    off += Math.ceil(bytes / 8) * 8;
    return at;
  };
  const bins = take(n * nFeatures);
  const rowBins = take(n * nFeatures);
  const g = take(8 * n);
  const h = take(8 * n);
  const idx = take(4 * n);
  const scratch = take(4 * n);
  const pool = take(slots * nFeatures * HIST_STRIDE * 8);
  const ordered: [number, number] = [take(16 * n), take(16 * n)];
  return { bins, rowBins, g, h, idx, scratch, pool, slots, ordered, bytes: off };
}

/** Views of the arrays of a layout on a buffer, with this thread's gather buffers. */
export function growViews(
  buffer: SharedArrayBuffer,
  l: GrowLayout,
  n: number,
  nFeatures: number,
  thread: 0 | 1,
) {
  return {
    bins: new Uint8Array(buffer, l.bins, n * nFeatures),
    rowBins: new Uint8Array(buffer, l.rowBins, n * nFeatures),
    g: new Float64Array(buffer, l.g, n),
    h: new Float64Array(buffer, l.h, n),
    idx: new Uint32Array(buffer, l.idx, n),
    pool: new Float64Array(buffer, l.pool, l.slots * nFeatures * HIST_STRIDE),
    ordered: {
      g: new Float64Array(buffer, l.ordered[thread], n),
      h: new Float64Array(buffer, l.ordered[thread] + 8 * n, n),
    },
  };
}

/**
 * Allocates GrowData whose bins, g, h, idx, gather buffers and `slots` histogram slots live in
 * one shared WebAssembly memory (a plain SharedArrayBuffer beyond 2 GiB), with the WebAssembly
 * histogram kernels bound to it.
 */
export function sharedGrowData(
  n: number,
  nFeatures: number,
  nBins: Uint16Array,
  edges: Float32Array[],
  slots: number,
): SharedGrowData {
  const layout = growLayout(n, nFeatures, slots);
  const memory = layout.bytes <= MAX_WASM_BYTES ? sharedMemory(layout.bytes) : null;
  const buffer = memory ? memory.buffer as SharedArrayBuffer : new SharedArrayBuffer(layout.bytes);
  const v = growViews(buffer, layout, n, nFeatures, 0);
  const d: SharedGrowData = {
    n,
    nFeatures,
    nBins,
    edges,
    bins: v.bins,
    rowBins: v.rowBins,
    g: v.g,
    h: v.h,
    idx: v.idx,
    ordered: v.ordered,
    nActive: n,
    scratch: new Uint32Array(buffer, layout.scratch, n),
    memory,
    buffer,
    layout,
    pool: v.pool,
  };
  if (memory) d.kernels = instantiateKernels(memory);
  return d;
}

/** Writes the row-major copy of column-major codes (n rows, `nFeatures` columns). */
export function transposeBins(
  bins: Uint8Array,
  rowBins: Uint8Array,
  n: number,
  nFeatures: number,
): void {
  // blocks of rows, so that the rows being written stay in cache while each column is read
  const block = 4096;
  for (let i0 = 0; i0 < n; i0 += block) {
    const i1 = Math.min(n, i0 + block);
    for (let f = 0; f < nFeatures; f++) {
      const col = f * n;
      for (let i = i0, o = i0 * nFeatures + f; i < i1; i++, o += nFeatures) {
        rowBins[o] = bins[col + i]!;
      }
    }
  }
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

  /** Starts one worker (threads >= 2) or none, on the shared histogram slots of `d`. */
  static async start(d: SharedGrowData, threads: number): Promise<HistWorkers> {
    const pool = new HistPool(d.nFeatures, d.layout.slots, d.pool);
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
        memory: d.memory,
        buffer: d.buffer,
        layout: d.layout,
        n: d.n,
        nFeatures: d.nFeatures,
        nBins: d.nBins,
        unitHessian: d.unitHessian === true,
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
    for (let spin = 0; spin < SPIN && Atomics.load(ctrl, CTRL.DONE) === 0; spin++);
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
