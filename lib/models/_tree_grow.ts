/**
 * Histogram tree grower shared by gradient boosting and random forests (main thread and
 * workers). A node's rows are a range of the index array; its histogram holds per feature and
 * bin the sums of gradient, hessian and row count. The smaller child's histogram is built from
 * its rows and the larger child's is the parent's minus the smaller (histogram subtraction).
 *
 * Leaf value = -G / (H + l2), split gain = GL^2/(HL+l2) + GR^2/(HR+l2) - G^2/(H+l2) (the
 * second-order objective of XGBoost, Chen & Guestrin 2016, doi:10.1145/2939672.2939785). With
 * g = -y w and h = w (random forest), the leaf value is the weighted mean and the gain the
 * weighted variance reduction (CART).
 */
import type { Rng } from "../core/mod.ts";
import { MISSING_BIN } from "./_binning.ts";
import type { HistKernels } from "./_hist_wasm.ts";

/** Control block layout (Int32 indices) shared by the main thread and histogram workers. */
export const CTRL = {
  GEN: 0,
  CMD: 1,
  START: 2,
  END: 3,
  SLOT: 4,
  NF: 5,
  DONE: 6,
  /** Set to 1 by a worker whose histogram build threw. */
  ERROR: 7,
  FEATURES: 8,
} as const;

/**
 * Doubles per feature in a histogram: three planes of 256 bins, g sums at [0, 256), h sums at
 * [H_PLANE, H_PLANE + 256), row counts at [C_PLANE, C_PLANE + 256).
 */
export const HIST_STRIDE = 256 * 3;
/** Bytes of one feature's histogram block. */
const HIST_BYTES = HIST_STRIDE * 8;
/** Offset of the hessian plane within a feature's histogram block. */
export const H_PLANE = 256;
/** Offset of the count plane within a feature's histogram block. */
export const C_PLANE = 512;

/** One fitted tree as flat arrays; node 0 is the root, `feature[k] = -1` marks a leaf. */
export interface Tree {
  feature: Int32Array;
  /** Float32 threshold: go left when fround(x) <= threshold; NaN goes right. */
  threshold: Float32Array;
  /** The same split in bin space: go left when bin <= binThreshold. */
  binThreshold: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf value (for split nodes: the node's value before splitting). */
  value: Float64Array;
  /** Split gain (0 at leaves). */
  gain: Float64Array;
  /** Sum of hessians (weights) in the node. */
  cover: Float64Array;
}

/** Growth limits and penalties. */
export interface GrowParams {
  maxLeaves: number;
  maxDepth: number;
  minSamplesLeaf: number;
  minHessian: number;
  l2: number;
  minGain: number;
  /** Fraction of the tree's features drawn at each node (random forest). */
  featureFraction: number;
}

/** Histogram storage: a slot is `nFeatures * HIST_STRIDE` doubles. */
export class HistPool {
  readonly slotSize: number;
  readonly shared: Float64Array | null;
  readonly sharedSlots: number;
  #free: number[] = [];
  #extra = new Map<number, Float64Array>();
  #nextExtra: number;
  /** `shared` holds `sharedSlots` slots (for example a view of shared memory). */
  constructor(nFeatures: number, sharedSlots = 0, shared?: Float64Array) {
    this.slotSize = nFeatures * HIST_STRIDE;
    this.sharedSlots = sharedSlots;
    this.shared = shared ?? null;
    for (let s = sharedSlots - 1; s >= 0; s--) this.#free.push(s);
    this.#nextExtra = sharedSlots;
  }
  acquire(): number {
    const s = this.#free.pop();
    if (s !== undefined) return s;
    const id = this.#nextExtra++;
    this.#extra.set(id, new Float64Array(this.slotSize));
    return id;
  }
  release(id: number): void {
    if (id < this.sharedSlots) this.#free.push(id);
    else this.#extra.delete(id);
  }
  view(id: number): Float64Array {
    if (id < this.sharedSlots) {
      return this.shared!.subarray(id * this.slotSize, (id + 1) * this.slotSize);
    }
    return this.#extra.get(id)!;
  }
  isShared(id: number): boolean {
    return id < this.sharedSlots;
  }
}

/** Everything the grower reads: binned features and per-row gradients. */
export interface GrowData {
  n: number;
  nFeatures: number;
  bins: Uint8Array;
  /** Value bins per feature. */
  nBins: Uint16Array;
  /** Upper edges per feature (float32), for thresholds. */
  edges: Float32Array[];
  g: Float64Array;
  h: Float64Array;
  /** Active row indices in [0, nActive); reordered by the grower. */
  idx: Uint32Array;
  nActive: number;
  scratch: Uint32Array;
  /** All hessians are 1 (unweighted squared error): histograms copy counts into h. */
  unitHessian?: boolean;
  /**
   * WebAssembly kernels, when bins, g, h, idx, `ordered` and the histogram slots live in their
   * memory (see `_hist_wasm.ts`); histograms elsewhere use the JavaScript loops.
   */
  kernels?: HistKernels;
  /**
   * The same codes row-major (`rowBins[i * nFeatures + f]`, in the kernels' memory): small
   * nodes (fewer than n / ROWS_KERNEL_DIVISOR rows) with unit hessians use the row-major kernel.
   */
  rowBins?: Uint8Array;
  /** This thread's buffers for a node's gathered gradients and hessians (n each). */
  ordered?: { g: Float64Array; h: Float64Array };
}

/** Builds a node histogram for the rows idx[start, end) and the given features. */
export type HistBuild = (
  pool: HistPool,
  slot: number,
  start: number,
  end: number,
  features: Int32Array,
) => void;

/** Rows below which a node finds its split by sorting its rows' bins instead of a histogram. */
export const SMALL_NODE = 256;

/**
 * Single-threaded histogram kernel (also run by workers on their feature share). Only the value
 * bins in use (`nBins[f]`) and the missing bin are written. Each feature's block holds three
 * planes of 256 doubles (g sums, h sums, counts; see {@link HIST_STRIDE}), so the inner loop
 * indexes the planes by the bin code directly.
 */
export function buildHistogram(
  hist: Float64Array,
  d: HistData,
  start: number,
  end: number,
  features: ArrayLike<number>,
): void {
  const { n, bins, g, h, idx, nBins } = d;
  const all = end - start === n; // only the root holds every row, and its idx is ascending
  const unit = d.unitHessian === true;
  const m = end - start;
  // "ordered gradients" (as LightGBM and scikit-learn): gather the node's g/h once so the
  // per-feature loops read them sequentially
  let og = g, oh = h;
  const ix = idx.subarray(start, end);
  if (!all) {
    if (d.ordered) {
      og = d.ordered.g;
      oh = d.ordered.h;
    } else {
      if (orderedG.length < m) {
        orderedG = new Float64Array(m);
        orderedH = new Float64Array(m);
      }
      og = orderedG;
      oh = orderedH;
    }
    if (unit) {
      for (let k = 0; k < m; k++) og[k] = g[ix[k]!]!;
    } else {
      for (let k = 0; k < m; k++) {
        const i = ix[k]!;
        og[k] = g[i]!;
        oh[k] = h[i]!;
      }
    }
  }
  const wasm = d.kernels && hist.buffer === d.kernels.buffer && og.buffer === d.kernels.buffer
    ? d.kernels
    : null;
  const nf = features.length;
  const rb = d.rowBins;
  if (
    wasm && rb && unit && !all && m * ROWS_KERNEL_DIVISOR < n && nf > 0 &&
    features[nf - 1]! - features[0]! === nf - 1
  ) {
    // a small node, features f0..f1-1 (ascending, so contiguous): row-major kernel
    const f0 = features[0]!;
    const nFeatures = rb.length / n;
    for (let f = f0; f < f0 + nf; f++) {
      const base = f * HIST_STRIDE;
      hist.fill(0, base, base + nBins[f]!);
      hist.fill(0, base + C_PLANE, base + C_PLANE + nBins[f]!);
      hist[base + MISSING_BIN] = hist[base + C_PLANE + MISSING_BIN] = 0;
    }
    wasm.histRowsUnit(
      rb.byteOffset,
      nFeatures,
      ix.byteOffset,
      og.byteOffset,
      m,
      hist.byteOffset,
      f0,
      f0 + nf,
    );
    for (let f = f0; f < f0 + nf; f++) {
      const base = f * HIST_STRIDE;
      hist.copyWithin(base + H_PLANE, base + C_PLANE, base + C_PLANE + nBins[f]!);
      hist[base + H_PLANE + MISSING_BIN] = hist[base + C_PLANE + MISSING_BIN]!;
    }
    return;
  }
  if (wasm && unit) {
    // column-major kernel, two features per pass over the node's rows
    for (let q = 0; q < nf; q++) {
      const base = features[q]! * HIST_STRIDE;
      const nb = nBins[features[q]!]!;
      hist.fill(0, base, base + nb);
      hist.fill(0, base + C_PLANE, base + C_PLANE + nb);
      hist[base + MISSING_BIN] = hist[base + C_PLANE + MISSING_BIN] = 0;
    }
    const hp = hist.byteOffset, bp = bins.byteOffset, ip = ix.byteOffset, gp = og.byteOffset;
    let q = 0;
    for (; q + 1 < nf; q += 2) {
      const fa = features[q]!, fb = features[q + 1]!;
      wasm.histUnit2(
        bp + fa * n,
        bp + fb * n,
        ip,
        gp,
        m,
        hp + fa * HIST_BYTES,
        hp + fb * HIST_BYTES,
      );
    }
    if (q < nf) {
      const f = features[q]!;
      const h0 = hp + f * HIST_BYTES;
      wasm.histUnit(bp + f * n, ip, gp, m, h0, h0 + C_PLANE * 8);
    }
    for (let r = 0; r < nf; r++) {
      const base = features[r]! * HIST_STRIDE;
      hist.copyWithin(base + H_PLANE, base + C_PLANE, base + C_PLANE + nBins[features[r]!]!);
      hist[base + H_PLANE + MISSING_BIN] = hist[base + C_PLANE + MISSING_BIN]!;
    }
    return;
  }
  for (let q = 0; q < features.length; q++) {
    const f = features[q]!;
    const nb = nBins[f]!;
    const base = f * HIST_STRIDE;
    const hg = hist.subarray(base, base + 256);
    const hh = hist.subarray(base + H_PLANE, base + H_PLANE + 256);
    const hc = hist.subarray(base + C_PLANE, base + C_PLANE + 256);
    hg.fill(0, 0, nb);
    hc.fill(0, 0, nb);
    hg[MISSING_BIN] = hc[MISSING_BIN] = 0;
    const col = bins.subarray(f * n, f * n + n);
    if (wasm) {
      // the root (all rows) reads idx too: it is 0..n-1 there, and og is g
      if (unit) {
        wasm.histUnit(
          col.byteOffset,
          ix.byteOffset,
          og.byteOffset,
          m,
          hg.byteOffset,
          hc.byteOffset,
        );
        hh.set(hc.subarray(0, nb));
        hh[MISSING_BIN] = hc[MISSING_BIN]!;
      } else {
        hh.fill(0, 0, nb);
        hh[MISSING_BIN] = 0;
        wasm.histFull(
          col.byteOffset,
          ix.byteOffset,
          og.byteOffset,
          oh.byteOffset,
          m,
          hg.byteOffset,
          hh.byteOffset,
          hc.byteOffset,
        );
      }
      continue;
    }
    if (unit) {
      if (all) {
        for (let i = 0; i < n; i++) {
          const b = col[i]!;
          hg[b] = hg[b]! + og[i]!;
          hc[b] = hc[b]! + 1;
        }
      } else {
        for (let k = 0; k < m; k++) {
          const b = col[ix[k]!]!;
          hg[b] = hg[b]! + og[k]!;
          hc[b] = hc[b]! + 1;
        }
      }
      // h = count: copy the count plane
      hh.set(hc.subarray(0, nb));
      hh[MISSING_BIN] = hc[MISSING_BIN]!;
      continue;
    }
    hh.fill(0, 0, nb);
    hh[MISSING_BIN] = 0;
    if (all) {
      for (let i = 0; i < n; i++) {
        const b = col[i]!;
        hg[b] = hg[b]! + og[i]!;
        hh[b] = hh[b]! + oh[i]!;
        hc[b] = hc[b]! + 1;
      }
    } else {
      for (let k = 0; k < m; k++) {
        const b = col[ix[k]!]!;
        hg[b] = hg[b]! + og[k]!;
        hh[b] = hh[b]! + oh[k]!;
        hc[b] = hc[b]! + 1;
      }
    }
  }
}

/** What the histogram kernel reads. */
export type HistData = Pick<
  GrowData,
  "n" | "bins" | "g" | "h" | "idx" | "nBins" | "unitHessian" | "kernels" | "ordered" | "rowBins"
>;

/** Nodes with fewer than n / ROWS_KERNEL_DIVISOR rows use the row-major kernel when they can. */
export const ROWS_KERNEL_DIVISOR = 32;

let orderedG = new Float64Array(0);
let orderedH = new Float64Array(0);

/** Removes the rows idx[start, end) from a histogram (the larger child = parent - small child's rows). */
function removeRows(
  hist: Float64Array,
  d: GrowData,
  start: number,
  end: number,
  features: Int32Array,
): void {
  const { n, bins, g, h, idx } = d;
  for (let q = 0; q < features.length; q++) {
    const f = features[q]!;
    const base = f * HIST_STRIDE;
    const col = f * n;
    for (let k = start; k < end; k++) {
      const i = idx[k]!;
      const o = base + bins[col + i]!;
      hist[o] = hist[o]! - g[i]!;
      hist[o + H_PLANE] = hist[o + H_PLANE]! - h[i]!;
      hist[o + C_PLANE] = hist[o + C_PLANE]! - 1;
    }
  }
}

interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  /** Histogram slot, or -1 for a small node (split found by sorting). */
  slot: number;
  G: number;
  H: number;
  C: number;
  // best split
  gain: number;
  feature: number;
  bin: number;
  GL: number;
  HL: number;
  CL: number;
}

/** Result of growing one tree. */
export interface GrowResult {
  tree: Tree;
  /** For each leaf node id, its row range in idx (used to update training scores quickly). */
  leafRanges: { node: number; start: number; end: number }[];
}

/**
 * Root histogram carried from one boosting tree to the next (squared error, unit hessians, all
 * rows, all features). There g = F - y changes between trees only by the previous tree's scaled
 * leaf values, so the next root's g plane is this root's plus, over the leaves, scale x value x
 * the leaf's count plane, while the h and count planes stay the same. This replaces the pass
 * over all rows and features that the root histogram otherwise costs each tree.
 */
export interface RootCarry {
  /** The root histogram of the next tree, null until the first tree is grown. */
  hist: Float64Array | null;
  /** Factor on leaf values when they are added to the scores (the learning rate). */
  scale: number;
}

/**
 * Grows one tree on the active rows. `features` are the columns this tree may use (column
 * subsampling); `rng` draws per-node features when `featureFraction < 1`.
 */
export function growTree(
  d: GrowData,
  params: GrowParams,
  features: Int32Array,
  pool: HistPool,
  build: HistBuild,
  rng: Rng | null,
  carry?: RootCarry,
): GrowResult {
  const nodes = new NodeBuffer();
  const leafRanges: GrowResult["leafRanges"] = [];
  const l2 = params.l2;
  let G = 0, H = 0;
  for (let k = 0; k < d.nActive; k++) {
    const i = d.idx[k]!;
    G += d.g[i]!;
    H += d.h[i]!;
  }
  const C = d.nActive;
  const root = nodes.add(-G / (H + l2), H);
  const rootSlot = C >= SMALL_NODE ? pool.acquire() : -1;
  // the next tree's root histogram, updated leaf by leaf (see RootCarry)
  let next: Float64Array | null = null;
  if (carry && rootSlot < 0) carry.hist = null;
  if (rootSlot >= 0) {
    if (carry?.hist) pool.view(rootSlot).set(carry.hist);
    else build(pool, rootSlot, 0, d.nActive, features);
    if (carry) next = Float64Array.from(pool.view(rootSlot));
  }
  const useHeap = Number.isFinite(params.maxLeaves);
  const open: Pending[] = [];
  const push = (p: Pending) => {
    open.push(p);
    if (useHeap) siftUp(open, open.length - 1);
  };
  const pop = (): Pending => {
    if (!useHeap) return open.pop()!;
    const top = open[0]!;
    const last = open.pop()!;
    if (open.length > 0) {
      open[0] = last;
      siftDown(open, 0);
    }
    return top;
  };
  const leaf = (p: Pending) => {
    if (next) carryLeaf(next, d, features, p, nodes.value[p.node]! * carry!.scale, pool);
    if (p.slot >= 0) pool.release(p.slot);
    leafRanges.push({ node: p.node, start: p.start, end: p.end });
  };
  const consider = (p: Pending) => {
    if (p.depth < params.maxDepth && p.C >= 2 * params.minSamplesLeaf) {
      const feats = nodeFeatures(features, params.featureFraction, rng);
      if (p.slot >= 0) findSplit(pool.view(p.slot), p, feats, d.nBins, params);
      else findSplitSorted(d, p, feats, params);
      if (p.feature >= 0 && p.gain > params.minGain) {
        push(p);
        return;
      }
    }
    leaf(p);
  };
  consider({
    node: root,
    start: 0,
    end: d.nActive,
    depth: 0,
    slot: rootSlot,
    G,
    H,
    C,
    gain: 0,
    feature: -1,
    bin: 0,
    GL: 0,
    HL: 0,
    CL: 0,
  });
  let leaves = 1;
  while (open.length > 0 && leaves < params.maxLeaves) {
    const p = pop();
    const mid = partition(d, p.start, p.end, p.feature, p.bin);
    const GR = p.G - p.GL, HR = p.H - p.HL, CR = p.C - p.CL;
    const ln = nodes.add(-p.GL / (p.HL + l2), p.HL);
    const rn = nodes.add(-GR / (HR + l2), HR);
    nodes.split(p.node, p.feature, p.bin, d.edges[p.feature]![p.bin]!, ln, rn, p.gain);
    const leftSmaller = mid - p.start <= p.end - mid;
    const [sStart, sEnd] = leftSmaller ? [p.start, mid] : [mid, p.end];
    const smallCount = sEnd - sStart;
    const largeCount = p.end - p.start - smallCount;
    let smallSlot = -1;
    let largeSlot = -1;
    if (p.slot >= 0) {
      if (smallCount >= SMALL_NODE) {
        smallSlot = pool.acquire();
        build(pool, smallSlot, sStart, sEnd, features);
        subtract(pool.view(p.slot), pool.view(smallSlot), features, d.nBins);
        largeSlot = p.slot;
      } else if (largeCount >= SMALL_NODE) {
        removeRows(pool.view(p.slot), d, sStart, sEnd, features);
        largeSlot = p.slot;
      } else pool.release(p.slot);
    }
    const lSlot = leftSmaller ? smallSlot : largeSlot;
    const rSlot = leftSmaller ? largeSlot : smallSlot;
    const base = { gain: 0, feature: -1, bin: 0, GL: 0, HL: 0, CL: 0, depth: p.depth + 1 };
    consider({
      ...base,
      node: ln,
      start: p.start,
      end: mid,
      slot: lSlot,
      G: p.GL,
      H: p.HL,
      C: p.CL,
    });
    consider({ ...base, node: rn, start: mid, end: p.end, slot: rSlot, G: GR, H: HR, C: CR });
    leaves++;
  }
  for (const p of open) leaf(p);
  if (carry) carry.hist = next;
  return { tree: nodes.finish(), leafRanges };
}

/** Adds a leaf's scaled value, once per row and feature, to the g plane of the next root. */
function carryLeaf(
  next: Float64Array,
  d: GrowData,
  features: Int32Array,
  p: Pending,
  delta: number,
  pool: HistPool,
): void {
  if (p.slot >= 0) {
    const hist = pool.view(p.slot);
    for (let q = 0; q < features.length; q++) {
      const base = features[q]! * HIST_STRIDE;
      const top = base + d.nBins[features[q]!]!;
      for (let o = base; o < top; o++) next[o] = next[o]! + delta * hist[o + C_PLANE]!;
      const mb = base + MISSING_BIN;
      next[mb] = next[mb]! + delta * hist[mb + C_PLANE]!;
    }
    return;
  }
  const { n, bins, idx } = d;
  for (let q = 0; q < features.length; q++) {
    const f = features[q]!;
    const base = f * HIST_STRIDE;
    const col = f * n;
    for (let k = p.start; k < p.end; k++) {
      const o = base + bins[col + idx[k]!]!;
      next[o] = next[o]! + delta;
    }
  }
}

function nodeFeatures(features: Int32Array, fraction: number, rng: Rng | null): Int32Array {
  if (!(fraction < 1) || !rng) return features;
  const k = Math.max(1, Math.floor(fraction * features.length));
  const all = Int32Array.from(features);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.uniform() * (all.length - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, k);
}

function subtract(
  parent: Float64Array,
  child: Float64Array,
  features: Int32Array,
  nBins: Uint16Array,
): void {
  for (let q = 0; q < features.length; q++) {
    const f = features[q]!;
    const nb = nBins[f]!;
    for (let plane = f * HIST_STRIDE; plane < (f + 1) * HIST_STRIDE; plane += 256) {
      const top = plane + nb;
      for (let o = plane; o < top; o++) parent[o] = parent[o]! - child[o]!;
      const mb = plane + MISSING_BIN;
      parent[mb] = parent[mb]! - child[mb]!;
    }
  }
}

function findSplit(
  hist: Float64Array,
  p: Pending,
  feats: Int32Array,
  nBins: Uint16Array,
  params: GrowParams,
): void {
  const { l2, minSamplesLeaf, minHessian } = params;
  const parentScore = (p.G * p.G) / (p.H + l2);
  // Division-free screen: a candidate can only beat the best gain if its children's score
  // S = GL^2/(HL+l2) + GR^2/(HR+l2) exceeds T = best + parentScore (>= 0), that is, with both
  // denominators positive, GL^2 (HR+l2) + GR^2 (HL+l2) > T (HL+l2)(HR+l2). The screen uses T
  // lowered by a relative 1e-9 (far above rounding), so it never drops a candidate that the
  // exact gain below would accept; the exact gain then decides, as without the screen.
  const SCREEN = 1 - 1e-9;
  let bar = (p.gain + parentScore) * SCREEN;
  for (let q = 0; q < feats.length; q++) {
    const f = feats[q]!;
    const base = f * HIST_STRIDE;
    const nb = nBins[f]!;
    let gl = 0, hl = 0, cl = 0;
    for (let b = 0; b < nb - 1; b++) {
      const o = base + b;
      gl += hist[o]!;
      hl += hist[o + H_PLANE]!;
      cl += hist[o + C_PLANE]!;
      if (cl < minSamplesLeaf || hl < minHessian) continue;
      const cr = p.C - cl;
      const hr = p.H - hl;
      if (cr < minSamplesLeaf) break;
      if (hr < minHessian) continue;
      const gr = p.G - gl;
      const dl = hl + l2, dr = hr + l2;
      if (dl > 0 && dr > 0) {
        const rhs = bar * (dl * dr);
        if (gl * gl * dr + gr * gr * dl <= rhs && rhs !== Infinity) continue;
      }
      const gain = (gl * gl) / dl + (gr * gr) / dr - parentScore;
      if (gain > p.gain) {
        bar = (gain + parentScore) * SCREEN;
        p.gain = gain;
        p.feature = f;
        p.bin = b;
        p.GL = gl;
        p.HL = hl;
        p.CL = cl;
      }
    }
  }
}

let sortKeys = new Uint32Array(SMALL_NODE);

/** Split search for a small node: per feature, sort the rows by bin and scan the boundaries. */
function findSplitSorted(d: GrowData, p: Pending, feats: Int32Array, params: GrowParams): void {
  const { l2, minSamplesLeaf, minHessian } = params;
  const { n, bins, g, h, idx, nBins } = d;
  const m = p.end - p.start;
  if (sortKeys.length < m) sortKeys = new Uint32Array(m);
  const keys = sortKeys.subarray(0, m);
  const parentScore = (p.G * p.G) / (p.H + l2);
  for (let q = 0; q < feats.length; q++) {
    const f = feats[q]!;
    const col = f * n;
    const nb = nBins[f]!;
    for (let k = 0; k < m; k++) keys[k] = (bins[col + idx[p.start + k]!]! << 16) | k;
    keys.sort();
    let gl = 0, hl = 0, cl = 0;
    for (let k = 0; k < m; k++) {
      const key = keys[k]!;
      const b = key >>> 16;
      if (b === MISSING_BIN || b >= nb - 1) break;
      const i = idx[p.start + (key & 0xffff)]!;
      gl += g[i]!;
      hl += h[i]!;
      cl++;
      if (k + 1 < m && keys[k + 1]! >>> 16 === b) continue; // not a bin boundary yet
      if (cl < minSamplesLeaf || hl < minHessian) continue;
      const cr = p.C - cl;
      const hr = p.H - hl;
      if (cr < minSamplesLeaf) break;
      if (hr < minHessian) continue;
      const gr = p.G - gl;
      const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
      if (gain > p.gain) {
        p.gain = gain;
        p.feature = f;
        p.bin = b;
        p.GL = gl;
        p.HL = hl;
        p.CL = cl;
      }
    }
  }
}

/** Stable partition of idx[start, end) into bin <= b (left) then the rest; returns the split point. */
function partition(d: GrowData, start: number, end: number, f: number, b: number): number {
  const { idx, scratch, bins, n } = d;
  if (b >= MISSING_BIN) throw new RangeError(`Cannot split on bin ${b}: not a value bin`);
  const col = bins.subarray(f * n, f * n + n);
  const k = d.kernels;
  if (k && idx.buffer === k.buffer && scratch.buffer === k.buffer) {
    const l = k.partition(col.byteOffset, idx.byteOffset, scratch.byteOffset, start, end, b);
    idx.set(scratch.subarray(0, end - l), l);
    return l;
  }
  let l = start;
  let r = 0;
  // branch-free (a split sends rows either way at random): each row is written to both
  // sides and only the side it belongs to advances; l <= k, so no unread entry is overwritten.
  // bin <= b < MISSING_BIN keeps missing values right.
  for (let k = start; k < end; k++) {
    const i = idx[k]!;
    const left = +(col[i]! <= b);
    idx[l] = i;
    scratch[r] = i;
    l += left;
    r += 1 - left;
  }
  idx.set(scratch.subarray(0, r), l);
  return l;
}

function siftUp(a: Pending[], k: number): void {
  while (k > 0) {
    const parent = (k - 1) >> 1;
    if (a[parent]!.gain >= a[k]!.gain) break;
    [a[parent], a[k]] = [a[k]!, a[parent]!];
    k = parent;
  }
}

function siftDown(a: Pending[], k: number): void {
  for (;;) {
    const l = 2 * k + 1;
    const r = l + 1;
    let m = k;
    if (l < a.length && a[l]!.gain > a[m]!.gain) m = l;
    if (r < a.length && a[r]!.gain > a[m]!.gain) m = r;
    if (m === k) return;
    [a[m], a[k]] = [a[k]!, a[m]!];
    k = m;
  }
}

class NodeBuffer {
  feature: number[] = [];
  threshold: number[] = [];
  binThreshold: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  gain: number[] = [];
  cover: number[] = [];
  add(value: number, cover: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.binThreshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(value);
    this.gain.push(0);
    this.cover.push(cover);
    return this.feature.length - 1;
  }
  split(k: number, f: number, bin: number, thr: number, l: number, r: number, gain: number) {
    this.feature[k] = f;
    this.binThreshold[k] = bin;
    this.threshold[k] = thr;
    this.left[k] = l;
    this.right[k] = r;
    this.gain[k] = gain;
  }
  finish(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      binThreshold: Uint8Array.from(this.binThreshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      gain: Float64Array.from(this.gain),
      cover: Float64Array.from(this.cover),
    };
  }
}

/** Leaf reached by a binned row `i` (column-major codes with `n` rows). */
export function leafOfBinned(t: Tree, bins: Uint8Array, n: number, i: number): number {
  let k = 0;
  while (t.feature[k]! >= 0) {
    const b = bins[t.feature[k]! * n + i]!;
    k = b <= t.binThreshold[k]! && b !== MISSING_BIN ? t.left[k]! : t.right[k]!;
  }
  return k;
}
