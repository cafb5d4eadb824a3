/**
 * Grows a batch of random-forest trees (bootstrap by per-row counts, OOB accumulation); run on the
 * main thread and in workers alike so that tree `t` is the same whichever thread grows it.
 */
import type { Rng } from "../core/mod.ts";
import {
  buildHistogram,
  type GrowData,
  type GrowParams,
  growTree,
  HistPool,
  leafOfBinned,
  type Tree,
} from "./_tree_grow.ts";

/** Inputs of a forest batch (all transferable or shared). */
export interface ForestJob {
  type: "forest";
  bins: Uint8Array | SharedArrayBuffer;
  n: number;
  nFeatures: number;
  nBins: Uint16Array;
  edges: Float32Array[];
  y: Float64Array | SharedArrayBuffer;
  w: Float64Array | SharedArrayBuffer | null;
  params: GrowParams;
  treeIds: number[];
  seed: number;
  bootstrap: boolean;
  /** Bootstrap draws as a fraction of n. */
  maxSamples: number;
}

/** Output of a forest batch. */
export interface ForestBatch {
  ids: number[];
  trees: Tree[];
  oobSum: Float64Array;
  oobCount: Float64Array;
}

/** Grows the job's trees; `rngFor(t)` must give tree t's generator. */
export function growForestTrees(job: ForestJob, rngFor: (t: number) => Rng): ForestBatch {
  const { n, nFeatures } = job;
  const bins = job.bins instanceof Uint8Array ? job.bins : new Uint8Array(job.bins);
  const y = job.y instanceof Float64Array ? job.y : new Float64Array(job.y);
  const w = job.w === null ? null : job.w instanceof Float64Array ? job.w : new Float64Array(job.w);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const counts = new Uint32Array(n);
  const d: GrowData = {
    n,
    nFeatures,
    bins,
    nBins: job.nBins,
    edges: job.edges,
    g,
    h,
    idx: new Uint32Array(n),
    nActive: 0,
    scratch: new Uint32Array(n),
  };
  const features = Int32Array.from({ length: nFeatures }, (_, j) => j);
  const pool = new HistPool(nFeatures);
  const build = (p: HistPool, slot: number, s: number, e: number, f: Int32Array) =>
    buildHistogram(p.view(slot), d, s, e, f);
  const oobSum = new Float64Array(n);
  const oobCount = new Float64Array(n);
  const trees: Tree[] = [];
  const draws = Math.max(1, Math.round(job.maxSamples * n));
  for (const t of job.treeIds) {
    const rng = rngFor(t);
    counts.fill(job.bootstrap ? 0 : 1);
    if (job.bootstrap) {
      for (let k = 0; k < draws; k++) {
        const r = Math.floor(rng.uniform() * n);
        counts[r] = counts[r]! + 1;
      }
    }
    let m = 0;
    for (let i = 0; i < n; i++) {
      const c = counts[i]!;
      const wi = w ? w[i]! : 1;
      g[i] = -y[i]! * wi * c;
      h[i] = wi * c;
      if (c > 0 && wi > 0) d.idx[m++] = i;
    }
    d.nActive = m;
    const { tree } = growTree(d, job.params, features, pool, build, rng);
    trees.push(tree);
    if (job.bootstrap) {
      for (let i = 0; i < n; i++) {
        if (counts[i] !== 0) continue;
        oobSum[i] = oobSum[i]! + tree.value[leafOfBinned(tree, bins, n, i)]!;
        oobCount[i] = oobCount[i]! + 1;
      }
    }
  }
  return { ids: job.treeIds, trees, oobSum, oobCount };
}
