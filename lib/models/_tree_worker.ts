/**
 * Worker for the tree learners. Two modes:
 * - "hist": builds histograms for a share of the features of one node at a time, in a loop
 *   driven through a shared Int32Array control block (Atomics), for gradient boosting.
 * - "forest": grows whole random-forest trees for the tree ids it is given and posts them back.
 */
/// <reference lib="deno.worker" />
import { Rng } from "../core/mod.ts";
import { buildHistogram, CTRL, type HistData, HistPool } from "./_tree_grow.ts";
import { instantiateKernels } from "./_hist_wasm.ts";
import { type GrowLayout, growViews } from "./_tree_parallel.ts";
import { type ForestJob, growForestTrees } from "./_forest_job.ts";

/** Polls of the control block before a blocking wait. */
const SPIN = 200_000;

interface HistInit {
  type: "hist";
  ctrl: SharedArrayBuffer;
  /** The fit's WebAssembly memory, or null when its arrays are in a plain buffer. */
  memory: WebAssembly.Memory | null;
  buffer: SharedArrayBuffer;
  layout: GrowLayout;
  n: number;
  nFeatures: number;
  nBins: Uint16Array;
  unitHessian: boolean;
}

self.onmessage = (e: MessageEvent<HistInit | ForestJob>) => {
  const msg = e.data;
  if (msg.type === "forest") {
    const out = growForestTrees(msg, (t) => new Rng(msg.seed).fork(`tree-${t}`));
    self.postMessage(out);
    self.close();
    return;
  }
  const ctrl = new Int32Array(msg.ctrl);
  const buffer = msg.memory ? msg.memory.buffer as SharedArrayBuffer : msg.buffer;
  const v = growViews(buffer, msg.layout, msg.n, msg.nFeatures, 1);
  const d: HistData = {
    n: msg.n,
    bins: v.bins,
    rowBins: v.rowBins,
    g: v.g,
    h: v.h,
    idx: v.idx,
    ordered: v.ordered,
    nBins: msg.nBins,
    unitHessian: msg.unitHessian,
  };
  if (msg.memory) d.kernels = instantiateKernels(msg.memory);
  const pool = new HistPool(msg.nFeatures, msg.layout.slots, v.pool);
  let gen = Atomics.load(ctrl, CTRL.GEN); // read before "ready" so no job can be missed
  self.postMessage({ type: "ready" });
  for (;;) {
    // spin briefly before sleeping: the next node usually follows within a few hundred
    // microseconds, and waking a sleeping thread costs about as much
    for (let spin = 0; spin < SPIN && Atomics.load(ctrl, CTRL.GEN) === gen; spin++);
    Atomics.wait(ctrl, CTRL.GEN, gen);
    gen = Atomics.load(ctrl, CTRL.GEN);
    if (ctrl[CTRL.CMD] === -1) break;
    const nf = ctrl[CTRL.NF]!;
    const feats = ctrl.subarray(CTRL.FEATURES, CTRL.FEATURES + nf);
    try {
      buildHistogram(pool.view(ctrl[CTRL.SLOT]!), d, ctrl[CTRL.START]!, ctrl[CTRL.END]!, feats);
    } catch (err) {
      console.error(err);
      Atomics.store(ctrl, CTRL.ERROR, 1);
    }
    Atomics.store(ctrl, CTRL.DONE, 1);
    Atomics.notify(ctrl, CTRL.DONE);
  }
  self.close();
};
