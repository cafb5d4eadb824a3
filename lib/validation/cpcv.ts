/**
 * Cross-validation splits for financial labels that span time: combinatorial purged
 * cross-validation (CPCV), purged k-fold and walk-forward.
 *
 * Every sample i carries a label interval [t0[i], t1[i]] (for example the bar where a position
 * opens and the instant its triple-barrier label resolves), in any numeric time unit (epoch ms is
 * the workbench habit). Samples must be ordered by t0. They are cut into `groups` contiguous
 * groups of as equal size as possible (sizes differ by at most one, larger groups first).
 *
 * Purging: a training sample is dropped when its label interval overlaps a test block, i.e.
 * t0[i] <= blockEnd + embargo and t1[i] >= blockStart, where a test block is one test group,
 * blockStart = t0 of its first sample and blockEnd = the largest t1 in the group (closed
 * intervals: touching counts as overlap). Embargo: the interval is extended by `embargo` time
 * units after each test block, so training samples that start shortly after a test block (whose
 * features may have seen the test labels' outcome) are dropped as well. Embargo in bars
 * (`embargoBars` N with the data's sorted bar times): the block end is extended to the N-th bar
 * time strictly after it (to the last bar when fewer follow; N = 0: no embargo), so on monthly
 * data N = 1 drops the samples decided on the next month's bar, whatever its length in days.
 *
 * @see Lopez de Prado, M. (2018). Advances in Financial Machine Learning, Wiley, ch. 7 (purging,
 *      embargo) and ch. 12 (CPCV, phi = k/N * C(N, k) paths). ISBN 978-1-119-48208-6.
 */
import { binomial, combinations } from "./_combinations.ts";

/** One train/test split: sorted sample indices. */
export interface Split {
  /** Training sample indices after purging and embargo, ascending. */
  train: Int32Array;
  /** Test sample indices, ascending. */
  test: Int32Array;
  /** Groups that form the test set, ascending. */
  testGroups: number[];
  /** Training samples removed by purging or embargo. */
  purged: number;
}

/** Options of {@linkcode cpcvSplits}. */
export interface CpcvOptions {
  /** Number of groups N the samples are cut into (>= 2). */
  groups: number;
  /** Number of test groups k per split (1 <= k < N). */
  testGroups: number;
  /**
   * Embargo after each test block, in the time unit of t0/t1 (e.g. ms).
   * @default 0
   */
  embargo?: number;
  /**
   * Embargo in bars instead (not with a non-zero `embargo`): each test block's end is extended
   * to the `embargoBars`-th time of `barTimes` strictly after it (the last bar time when fewer
   * follow). Needs `barTimes`.
   */
  embargoBars?: number;
  /** The data's bar times, ascending (duplicates allowed), for `embargoBars`. */
  barTimes?: ArrayLike<number>;
  /**
   * The extended block end of every group as a previous run reported it
   * ({@linkcode CpcvResult.embargoEnds}, e.g. from an export manifest): rebuilds the same splits
   * without the bar times. Overrides `embargo` and `embargoBars`; length `groups`, each entry
   * at least the group's block end.
   */
  embargoEnds?: ArrayLike<number>;
}

/** Result of {@linkcode cpcvSplits}. */
export interface CpcvResult {
  /** All C(N, k) splits, test groups enumerated in lexicographic order. */
  splits: Split[];
  /** Group boundaries: group g holds samples [groupBounds[g], groupBounds[g + 1]). */
  groupBounds: Int32Array;
  /**
   * Path map, phi = k/N * C(N, k) rows of N entries: `paths[p][g]` is the index of the split whose
   * test predictions for group g belong to backtest path p (path p takes, for every group, the
   * p-th split in enumeration order that tests that group).
   */
  paths: Int32Array[];
  /**
   * Per group: the end of its test block (largest t1) extended by the embargo; a training
   * sample with t0 <= this and t1 >= the block's start is dropped when the group is tested.
   */
  embargoEnds: Float64Array;
}

function checkLabels(t0: Float64Array, t1: Float64Array): void {
  if (t0.length !== t1.length) {
    throw new RangeError(
      `Cannot build splits: t0 has ${t0.length} samples but t1 has ${t1.length}`,
    );
  }
  for (let i = 0; i < t0.length; i++) {
    const a = t0[i]!, b = t1[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      throw new RangeError(`Cannot build splits: label interval ${i} is [${a}, ${b}]`);
    }
    if (b < a) {
      throw new RangeError(`Cannot build splits: label ${i} ends (${b}) before it starts (${a})`);
    }
    if (i > 0 && a < t0[i - 1]!) {
      throw new RangeError(
        `Cannot build splits: samples must be sorted by t0, but t0[${i}] = ${a} < t0[${i - 1}] = ${
          t0[i - 1]
        }`,
      );
    }
  }
}

function checkInt(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(
      `Cannot build splits: ${name} must be an integer in [${lo}, ${hi}], got ${v}`,
    );
  }
}

/** Contiguous group boundaries, sizes differing by at most one (larger groups first). */
function groupBoundaries(n: number, groups: number): Int32Array {
  const b = new Int32Array(groups + 1);
  const base = Math.floor(n / groups);
  const extra = n % groups;
  for (let g = 0; g < groups; g++) b[g + 1] = b[g]! + base + (g < extra ? 1 : 0);
  return b;
}

/** Test block interval [start, end] of each group: t0 of its first sample, max t1 in the group. */
function blockIntervals(t0: Float64Array, t1: Float64Array, bounds: Int32Array) {
  const groups = bounds.length - 1;
  const start = new Float64Array(groups);
  const end = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    start[g] = t0[bounds[g]!]!;
    let e = -Infinity;
    for (let i = bounds[g]!; i < bounds[g + 1]!; i++) if (t1[i]! > e) e = t1[i]!;
    end[g] = e;
  }
  return { start, end };
}

/**
 * Build one split: test = the samples of `testGroups`; train = the samples of `trainGroups`
 * minus those whose label overlaps a test block extended by the embargo.
 */
function buildSplit(
  t0: Float64Array,
  t1: Float64Array,
  bounds: Int32Array,
  blocks: { start: Float64Array; end: Float64Array },
  testGroups: number[],
  trainGroups: number[],
  embargoEnds: Float64Array,
): Split {
  let testSize = 0;
  for (const g of testGroups) testSize += bounds[g + 1]! - bounds[g]!;
  const test = new Int32Array(testSize);
  let k = 0;
  for (const g of testGroups) for (let i = bounds[g]!; i < bounds[g + 1]!; i++) test[k++] = i;

  const k2 = testGroups.length;
  const bs = new Float64Array(k2);
  const be = new Float64Array(k2);
  for (let j = 0; j < k2; j++) {
    bs[j] = blocks.start[testGroups[j]!]!;
    be[j] = embargoEnds[testGroups[j]!]!;
  }
  let candidates = 0;
  for (const g of trainGroups) candidates += bounds[g + 1]! - bounds[g]!;
  const buf = new Int32Array(candidates);
  let m = 0;
  for (const g of trainGroups) {
    for (let i = bounds[g]!; i < bounds[g + 1]!; i++) {
      const a = t0[i]!, b = t1[i]!;
      let keep = true;
      for (let j = 0; j < k2; j++) {
        if (a <= be[j]! && b >= bs[j]!) {
          keep = false;
          break;
        }
      }
      if (keep) buf[m++] = i;
    }
  }
  return {
    train: m === candidates ? buf : buf.slice(0, m),
    test,
    testGroups: testGroups.slice(),
    purged: candidates - m,
  };
}

/**
 * Combinatorial purged cross-validation splits with embargo and the backtest path map.
 *
 * The n samples are cut into N contiguous groups; each of the C(N, k) splits tests k groups and
 * trains on the other N - k groups, purged and embargoed as described in the module doc. Each
 * group is tested in C(N-1, k-1) splits, so the test predictions recombine into
 * phi = k/N * C(N, k) = C(N-1, k-1) complete backtest paths ({@linkcode cpcvPaths}).
 * Conventions: t0 sorted ascending, t1 >= t0, finite; embargo in the same unit as t0/t1.
 *
 * @see Lopez de Prado (2018), Advances in Financial Machine Learning, ch. 12.
 * @example
 * ```ts
 * import { cpcvSplits } from "./cpcv.ts";
 * const t0 = Float64Array.from({ length: 60 }, (_, i) => i);
 * const t1 = t0.map((v) => v + 2); // each label spans 3 bars
 * const { splits, paths } = cpcvSplits(t0, t1, { groups: 6, testGroups: 2, embargo: 1 });
 * // splits.length === 15, paths.length === 5
 * ```
 */
export function cpcvSplits(t0: Float64Array, t1: Float64Array, options: CpcvOptions): CpcvResult {
  const { groups, testGroups: k, embargo = 0, embargoBars } = options;
  checkLabels(t0, t1);
  checkInt("groups", groups, 2, Number.MAX_SAFE_INTEGER);
  checkInt("testGroups", k, 1, groups - 1);
  if (!(Number.isFinite(embargo) && embargo >= 0)) {
    throw new RangeError(`Cannot build splits: embargo must be finite and >= 0, got ${embargo}`);
  }
  if (embargoBars !== undefined) {
    checkInt("embargoBars", embargoBars, 0, Number.MAX_SAFE_INTEGER);
    if (embargo !== 0) {
      throw new RangeError(
        `Cannot build splits: give embargo (${embargo}) or embargoBars (${embargoBars}), not both`,
      );
    }
    if (!options.barTimes) {
      throw new RangeError("Cannot build splits: embargoBars needs the data's barTimes");
    }
  }
  const n = t0.length;
  if (n < groups) {
    throw new RangeError(`Cannot build splits: ${n} samples for ${groups} groups (need >= 1 each)`);
  }
  const bounds = groupBoundaries(n, groups);
  const blocks = blockIntervals(t0, t1, bounds);
  const embargoEnds = blockEmbargoEnds(blocks.end, options);
  const combos = combinations(groups, k);
  const splits: Split[] = [];
  for (const c of combos) {
    const test = Array.from(c);
    const train: number[] = [];
    for (let g = 0, j = 0; g < groups; g++) {
      if (j < test.length && test[j] === g) j++;
      else train.push(g);
    }
    splits.push(buildSplit(t0, t1, bounds, blocks, test, train, embargoEnds));
  }
  const phi = binomial(groups - 1, k - 1);
  const paths = Array.from({ length: phi }, () => new Int32Array(groups));
  const seen = new Int32Array(groups);
  splits.forEach((s, si) => {
    for (const g of s.testGroups) paths[seen[g]!++]![g] = si;
  });
  return { splits, groupBounds: bounds, paths, embargoEnds };
}

/** Each group's block end extended by the embargo of `options` ({@linkcode CpcvOptions}). */
function blockEmbargoEnds(end: Float64Array, options: CpcvOptions): Float64Array {
  const groups = end.length;
  if (options.embargoEnds) {
    const e = options.embargoEnds;
    if (e.length !== groups) {
      throw new RangeError(
        `Cannot build splits: embargoEnds has ${e.length} entries for ${groups} groups`,
      );
    }
    return Float64Array.from({ length: groups }, (_, g) => {
      const v = e[g]!;
      if (!(v >= end[g]!)) {
        throw new RangeError(
          `Cannot build splits: embargoEnds[${g}] = ${v} is before the block's end ${end[g]}`,
        );
      }
      return v;
    });
  }
  const bars = options.embargoBars;
  if (bars === undefined) return end.map((v) => v + (options.embargo ?? 0));
  const times = options.barTimes!;
  const m = times.length;
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(times[i]!) || (i > 0 && times[i]! < times[i - 1]!)) {
      throw new RangeError(
        `Cannot build splits: barTimes must be finite and ascending, got ${times[i]} at ${i}`,
      );
    }
  }
  return end.map((v) => {
    if (bars === 0) return v;
    let lo = 0, hi = m; // first bar time > v
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    // the bars-th distinct time after v
    let seen = 0, last = v;
    for (let i = lo; i < m && seen < bars; i++) {
      if (times[i]! > last) {
        last = times[i]!;
        seen++;
      }
    }
    return last;
  });
}

/** Number of CPCV backtest paths phi = k/N * C(N, k) = C(N-1, k-1). */
export function cpcvPathCount(groups: number, testGroups: number): number {
  return binomial(groups - 1, testGroups - 1);
}

/**
 * Recombine per-split test predictions into the phi CPCV backtest paths.
 *
 * `predictions[s]` holds the predictions (or strategy returns) of split s for its test samples,
 * in the order of `splits[s].test`. Path p for group g copies the values split `paths[p][g]`
 * produced for that group's samples; the result is one array per path of length n covering every
 * sample exactly once.
 *
 * @example
 * ```ts
 * import { cpcvPaths, cpcvSplits } from "./cpcv.ts";
 * const t0 = Float64Array.from({ length: 12 }, (_, i) => i);
 * const cv = cpcvSplits(t0, t0, { groups: 4, testGroups: 2 });
 * const preds = cv.splits.map((s) => Float64Array.from(s.test, (i) => i * 10));
 * cpcvPaths(cv, preds); // 3 paths, each [0, 10, ..., 110]
 * ```
 */
export function cpcvPaths(cv: CpcvResult, predictions: ArrayLike<number>[]): Float64Array[] {
  const { splits, groupBounds: bounds, paths } = cv;
  if (predictions.length !== splits.length) {
    throw new RangeError(
      `Cannot assemble CPCV paths: ${predictions.length} prediction arrays for ${splits.length} splits`,
    );
  }
  const n = bounds[bounds.length - 1]!;
  // offset of each (split, group) block inside the split's test array
  const offsets = splits.map((s, si) => {
    if (predictions[si]!.length !== s.test.length) {
      throw new RangeError(
        `Cannot assemble CPCV paths: split ${si} has ${s.test.length} test samples but ${
          predictions[si]!.length
        } predictions`,
      );
    }
    const m = new Map<number, number>();
    let off = 0;
    for (const g of s.testGroups) {
      m.set(g, off);
      off += bounds[g + 1]! - bounds[g]!;
    }
    return m;
  });
  return paths.map((row) => {
    const out = new Float64Array(n);
    for (let g = 0; g < row.length; g++) {
      const si = row[g]!;
      const src = predictions[si]!;
      const off = offsets[si]!.get(g)!;
      for (let i = bounds[g]!, j = off; i < bounds[g + 1]!; i++, j++) out[i] = src[j]!;
    }
    return out;
  });
}

/** Options of {@linkcode purgedKFold}. */
export interface PurgedKFoldOptions {
  /** Number of folds (>= 2). */
  folds: number;
  /**
   * Embargo after each test fold, in the unit of t0/t1.
   * @default 0
   */
  embargo?: number;
}

/**
 * Purged k-fold cross-validation: CPCV with one test group per split (k folds, each tested
 * once), with the same purging and embargo rules.
 *
 * @see Lopez de Prado (2018), Advances in Financial Machine Learning, ch. 7.4.
 * @example
 * ```ts
 * import { purgedKFold } from "./cpcv.ts";
 * const t0 = Float64Array.from({ length: 50 }, (_, i) => i);
 * purgedKFold(t0, t0.map((v) => v + 3), { folds: 5, embargo: 2 }).length; // 5
 * ```
 */
export function purgedKFold(
  t0: Float64Array,
  t1: Float64Array,
  options: PurgedKFoldOptions,
): Split[] {
  return cpcvSplits(t0, t1, {
    groups: options.folds,
    testGroups: 1,
    embargo: options.embargo ?? 0,
  }).splits;
}

/** Options of {@linkcode walkForwardSplits}. */
export interface WalkForwardOptions {
  /** Number of contiguous groups the samples are cut into (>= 2). */
  groups: number;
  /**
   * Groups of training history before the first test group.
   * @default 1
   */
  minTrainGroups?: number;
  /**
   * Rolling window: train on at most this many groups before the test group.
   * @default undefined (expanding window)
   */
  maxTrainGroups?: number;
}

/**
 * Walk-forward splits: test group g (g = minTrainGroups .. N-1) is predicted by a model trained
 * only on earlier groups (expanding, or rolling with `maxTrainGroups`), purged of training
 * samples whose label interval reaches into the test group (t1[i] >= start of the test group).
 * No embargo is needed because training data precede the test data.
 *
 * @see Lopez de Prado (2018), Advances in Financial Machine Learning, ch. 11-12.
 * @example
 * ```ts
 * import { walkForwardSplits } from "./cpcv.ts";
 * const t0 = Float64Array.from({ length: 40 }, (_, i) => i);
 * walkForwardSplits(t0, t0.map((v) => v + 1), { groups: 4 }).length; // 3
 * ```
 */
export function walkForwardSplits(
  t0: Float64Array,
  t1: Float64Array,
  options: WalkForwardOptions,
): Split[] {
  const { groups, minTrainGroups = 1, maxTrainGroups } = options;
  checkLabels(t0, t1);
  checkInt("groups", groups, 2, Number.MAX_SAFE_INTEGER);
  checkInt("minTrainGroups", minTrainGroups, 1, groups - 1);
  if (maxTrainGroups !== undefined) checkInt("maxTrainGroups", maxTrainGroups, 1, groups - 1);
  const n = t0.length;
  if (n < groups) {
    throw new RangeError(`Cannot build splits: ${n} samples for ${groups} groups (need >= 1 each)`);
  }
  const bounds = groupBoundaries(n, groups);
  const blocks = blockIntervals(t0, t1, bounds);
  const out: Split[] = [];
  for (let g = minTrainGroups; g < groups; g++) {
    const first = maxTrainGroups === undefined ? 0 : Math.max(0, g - maxTrainGroups);
    const train: number[] = [];
    for (let h = first; h < g; h++) train.push(h);
    out.push(buildSplit(t0, t1, bounds, blocks, [g], train, blocks.end));
  }
  return out;
}
