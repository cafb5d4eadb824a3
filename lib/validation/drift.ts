/**
 * Distribution drift between a reference sample (training period) and a current sample
 * (production period): population stability index (PSI), Kullback-Leibler divergence, and the
 * two-sample Kolmogorov-Smirnov statistic, per feature, for predictions and over rolling windows.
 *
 * Binning (PSI, KL) always comes from the REFERENCE sample: `bins` quantile bins (type 7
 * interpolated quantiles at i / bins, the numpy default) or `bins` equal-width bins between the
 * reference min and max; repeated edges (ties, constant series) are merged. The outer bins are
 * open (-Infinity and +Infinity), so every current value falls in a bin. Bins are right-closed:
 * (e[i-1], e[i]]. Epsilon handling: a bin proportion below `epsilon` is raised to `epsilon` and
 * the proportions are then renormalised to sum to 1, so empty bins give finite PSI and KL.
 *
 * @see Yurdakul, B. (2018). Statistical Properties of Population Stability Index. Western
 *      Michigan University dissertation 3208 (PSI, 0.1 / 0.25 conventions).
 *      https://scholarworks.wmich.edu/dissertations/3208
 * @see Kullback, S., & Leibler, R. A. (1951). On Information and Sufficiency. Ann. Math. Statist.
 *      22(1). doi:10.1214/aoms/1177729694
 */

/** Binning options shared by {@linkcode psi}, {@linkcode klDivergence} and the reports. */
export interface BinningOptions {
  /**
   * Number of bins built from the reference sample.
   * @default 10
   */
  bins?: number;
  /**
   * "quantile" (equal reference mass per bin) or "uniform" (equal width over the reference range).
   * @default "quantile"
   */
  binning?: "quantile" | "uniform";
  /**
   * Floor of a bin proportion before renormalisation (keeps empty bins finite).
   * @default 1e-4
   */
  epsilon?: number;
}

function checkSample(x: ArrayLike<number>, what: string, name: string): void {
  if (x.length === 0) throw new RangeError(`Cannot compute ${what}: ${name} sample is empty`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new RangeError(`Cannot compute ${what}: ${name} value at index ${i} is ${x[i]}`);
    }
  }
}

/**
 * Interior bin edges from a reference sample (ascending, duplicates merged); k edges define
 * k + 1 bins (-Infinity, e0], (e0, e1], ..., (e[k-1], +Infinity).
 *
 * @example
 * ```ts
 * import { binEdges } from "./drift.ts";
 * binEdges(Float64Array.from([1, 2, 3, 4, 5]), { bins: 4 }); // [2, 3, 4]
 * ```
 */
export function binEdges(
  reference: ArrayLike<number>,
  options: Pick<BinningOptions, "bins" | "binning"> = {},
): Float64Array {
  const { bins = 10, binning = "quantile" } = options;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`Cannot build bins: bins must be a positive integer, got ${bins}`);
  }
  checkSample(reference, "bin edges", "reference");
  const raw: number[] = [];
  if (binning === "quantile") {
    // type-7 quantiles (numpy default) from one sort
    const v = Float64Array.from(reference).sort();
    for (let i = 1; i < bins; i++) {
      const h = (v.length - 1) * (i / bins);
      const lo = Math.floor(h);
      const hi = Math.ceil(h);
      raw.push(v[lo]! + (h - lo) * (v[hi]! - v[lo]!));
    }
  } else if (binning === "uniform") {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < reference.length; i++) {
      lo = Math.min(lo, reference[i]!);
      hi = Math.max(hi, reference[i]!);
    }
    for (let i = 1; i < bins; i++) raw.push(lo + (hi - lo) * i / bins);
  } else {
    throw new RangeError(`Cannot build bins: unknown binning ${binning}`);
  }
  const out: number[] = [];
  for (const e of raw) if (out.length === 0 || e > out[out.length - 1]!) out.push(e);
  return Float64Array.from(out);
}

/** Bin counts of `x` for right-closed bins around `edges` (length edges.length + 1). */
export function binCounts(x: ArrayLike<number>, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    // first edge >= v  ->  bin index (right-closed)
    let lo = 0, hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

/** Proportions with the epsilon floor and renormalisation described in the module doc. */
function smoothed(counts: Float64Array, total: number, epsilon: number): Float64Array {
  const p = counts.map((c) => Math.max(c / total, epsilon));
  let s = 0;
  for (const v of p) s += v;
  return p.map((v) => v / s);
}

/** Reference and current bin proportions after smoothing. */
export interface BinnedSamples {
  /** Interior edges from the reference. */
  edges: Float64Array;
  /** Smoothed reference proportions. */
  reference: Float64Array;
  /** Smoothed current proportions. */
  current: Float64Array;
}

/**
 * Bin both samples on the reference's edges and return smoothed proportions (the inputs of PSI
 * and KL). Non-finite values and empty samples are rejected with a RangeError.
 *
 * @example
 * ```ts
 * import { binSamples } from "./drift.ts";
 * binSamples([1, 2, 3, 4], [3, 4, 5, 6], { bins: 2 }).current; // ~[0.0001, 0.9999]
 * ```
 */
export function binSamples(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: BinningOptions = {},
): BinnedSamples {
  const { epsilon = 1e-4 } = options;
  if (!(epsilon > 0 && epsilon < 1)) {
    throw new RangeError(`Cannot bin samples: epsilon must be in (0, 1), got ${epsilon}`);
  }
  checkSample(current, "drift", "current");
  const edges = binEdges(reference, options);
  return {
    edges,
    reference: smoothed(binCounts(reference, edges), reference.length, epsilon),
    current: smoothed(binCounts(current, edges), current.length, epsilon),
  };
}

/**
 * Population stability index of `current` against `reference`.
 *
 * PSI = sum_i (c_i - r_i) * ln(c_i / r_i) over reference-derived bins, with smoothed proportions
 * r (reference) and c (current); PSI = KL(c || r) + KL(r || c), symmetric and >= 0.
 * Conventions: 10 quantile bins, epsilon 1e-4 (module doc). Rule of thumb: < 0.1 stable,
 * 0.1-0.25 moderate shift, > 0.25 significant shift.
 *
 * @see Yurdakul (2018), Statistical Properties of Population Stability Index.
 * @example
 * ```ts
 * import { psi } from "./drift.ts";
 * psi([1, 2, 3, 4], [1, 2, 3, 4], { bins: 2 }); // 0
 * ```
 */
export function psi(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: BinningOptions = {},
): number {
  const b = binSamples(reference, current, options);
  let s = 0;
  for (let i = 0; i < b.edges.length + 1; i++) {
    const r = b.reference[i]!, c = b.current[i]!;
    s += (c - r) * Math.log(c / r);
  }
  return s;
}

/**
 * Kullback-Leibler divergence of the current distribution from the reference, in nats.
 *
 * KL(current || reference) = sum_i c_i * ln(c_i / r_i) over reference-derived bins with
 * smoothed proportions (module doc); >= 0, 0 iff the binned distributions agree, not symmetric.
 * Same as `scipy.stats.entropy(c, r)`.
 *
 * @see Kullback & Leibler (1951). doi:10.1214/aoms/1177729694
 * @example
 * ```ts
 * import { klDivergence } from "./drift.ts";
 * klDivergence([1, 2, 3, 4], [3, 4, 3, 4], { bins: 2 }); // ln 2 * ~1 = 0.69...
 * ```
 */
export function klDivergence(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: BinningOptions = {},
): number {
  const b = binSamples(reference, current, options);
  let s = 0;
  for (let i = 0; i < b.edges.length + 1; i++) {
    const r = b.reference[i]!, c = b.current[i]!;
    s += c * Math.log(c / r);
  }
  return s;
}

function sorted(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x).sort();
}

/**
 * Two-sample Kolmogorov-Smirnov statistic D = sup_x |F_ref(x) - F_cur(x)| of the empirical CDFs
 * (ties handled by stepping over equal values in both samples). Non-finite values and empty
 * samples are rejected.
 *
 * @see Smirnov, N. (1948). Table for estimating the goodness of fit of empirical distributions.
 *      Ann. Math. Statist. 19(2). doi:10.1214/aoms/1177730256
 * @example
 * ```ts
 * import { ksStatistic } from "./drift.ts";
 * ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]); // 0.5
 * ```
 */
export function ksStatistic(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  checkSample(reference, "KS statistic", "reference");
  checkSample(current, "KS statistic", "current");
  const a = sorted(reference), b = sorted(current);
  const n = a.length, m = b.length;
  let i = 0, j = 0, d = 0;
  while (i < n && j < m) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! === v) i++;
    while (j < m && b[j]! === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return d;
}

/**
 * Asymptotic p-value of the two-sample KS statistic: Q_KS(sqrt(en) * D), en = n m / (n + m),
 * with the Kolmogorov survival function Q_KS(x) = 2 sum_k (-1)^(k-1) exp(-2 k^2 x^2) (for
 * x < 1.18 the equivalent theta-function series 1 - sqrt(2 pi) / x sum_k exp(-(2k-1)^2 pi^2 /
 * (8 x^2)) is used). No small-sample correction: use for samples of a few hundred or more.
 * Equals `scipy.stats.kstwobign.sf(sqrt(en) * D)`.
 *
 * @see Kolmogorov, A. (1933); Smirnov (1948). doi:10.1214/aoms/1177730256
 * @example
 * ```ts
 * import { ksPValue } from "./drift.ts";
 * ksPValue(0.1, { referenceSize: 500, currentSize: 500 }); // ~0.0135
 * ```
 */
export function ksPValue(
  statistic: number,
  sizes: { referenceSize: number; currentSize: number },
): number {
  const { referenceSize: n, currentSize: m } = sizes;
  if (!(n > 0 && m > 0)) throw new RangeError(`Cannot compute KS p-value: sizes ${n}, ${m}`);
  if (!(statistic >= 0 && statistic <= 1)) {
    throw new RangeError(
      `Cannot compute KS p-value: statistic must be in [0, 1], got ${statistic}`,
    );
  }
  const x = Math.sqrt(n * m / (n + m)) * statistic;
  return kolmogorovSf(x);
}

function kolmogorovSf(x: number): number {
  if (x <= 0) return 1;
  if (x < 1.18) {
    const w = Math.PI * Math.PI / (8 * x * x);
    let s = 0;
    for (let k = 1; k <= 20; k++) s += Math.exp(-(2 * k - 1) * (2 * k - 1) * w);
    return Math.min(1, Math.max(0, 1 - Math.sqrt(2 * Math.PI) / x * s));
  }
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const t = Math.exp(-2 * k * k * x * x);
    s += (k % 2 === 1 ? 1 : -1) * t;
    if (t < 1e-300) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

/** PSI thresholds of the status labels. */
export interface DriftThresholds {
  /**
   * PSI at or above which the shift is "moderate".
   * @default 0.1
   */
  moderate?: number;
  /**
   * PSI at or above which the shift is "significant".
   * @default 0.25
   */
  significant?: number;
}

/** Options of {@linkcode driftReport} and {@linkcode rollingDrift}. */
export interface DriftOptions extends BinningOptions {
  /**
   * PSI thresholds for the status.
   * @default { moderate: 0.1, significant: 0.25 }
   */
  thresholds?: DriftThresholds;
}

/** Drift of one feature (or of the predictions). */
export interface DriftRow {
  /** Feature name (or "prediction"). */
  feature: string;
  /** Population stability index. */
  psi: number;
  /** KL(current || reference) in nats. */
  kl: number;
  /** Two-sample KS statistic. */
  ks: number;
  /** Asymptotic KS p-value. */
  ksPValue: number;
  /** "stable" (PSI < moderate), "moderate" or "significant" (PSI >= significant). */
  status: "stable" | "moderate" | "significant";
  /** Finite values used from the reference / current samples. */
  referenceCount: number;
  currentCount: number;
  /** Non-finite values dropped (counted, not silently lost). */
  referenceMissing: number;
  currentMissing: number;
}

function finiteOnly(x: ArrayLike<number>): { values: Float64Array; missing: number } {
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) out.push(x[i]!);
  return { values: Float64Array.from(out), missing: x.length - out.length };
}

function statusOf(p: number, t: DriftThresholds): DriftRow["status"] {
  const { moderate = 0.1, significant = 0.25 } = t;
  return p >= significant ? "significant" : p >= moderate ? "moderate" : "stable";
}

function driftRow(
  feature: string,
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: DriftOptions,
): DriftRow {
  const r = finiteOnly(reference), c = finiteOnly(current);
  if (r.values.length === 0 || c.values.length === 0) {
    throw new RangeError(
      `Cannot compute drift of ${feature}: no finite values in the ${
        r.values.length === 0 ? "reference" : "current"
      } sample`,
    );
  }
  const p = psi(r.values, c.values, options);
  const ks = ksStatistic(r.values, c.values);
  return {
    feature,
    psi: p,
    kl: klDivergence(r.values, c.values, options),
    ks,
    ksPValue: ksPValue(ks, { referenceSize: r.values.length, currentSize: c.values.length }),
    status: statusOf(p, options.thresholds ?? {}),
    referenceCount: r.values.length,
    currentCount: c.values.length,
    referenceMissing: r.missing,
    currentMissing: c.missing,
  };
}

/**
 * Drift of every feature present in `reference` (a column map, e.g. the training features or
 * `{ prediction: preds }` for model outputs) against the same column in `current`: PSI, KL, KS
 * and a status from the PSI thresholds. Non-finite values are dropped per column and counted in
 * `referenceMissing` / `currentMissing`; a column missing from `current` is rejected.
 *
 * @example
 * ```ts
 * import { driftReport } from "./drift.ts";
 * driftReport({ x: [1, 2, 3, 4, NaN] }, { x: [5, 6, 7, 8] }, { bins: 2 })[0]!.status; // "significant"
 * ```
 */
export function driftReport(
  reference: Record<string, ArrayLike<number>>,
  current: Record<string, ArrayLike<number>>,
  options: DriftOptions = {},
): DriftRow[] {
  return Object.keys(reference).map((f) => {
    const cur = current[f];
    if (cur === undefined) {
      throw new RangeError(`Cannot compute drift of ${f}: column missing from the current sample`);
    }
    return driftRow(f, reference[f]!, cur, options);
  });
}

/** Options of {@linkcode rollingDrift}. */
export interface RollingDriftOptions extends DriftOptions {
  /** Window length in observations of the current series. */
  window: number;
  /**
   * Step between window starts.
   * @default window (non-overlapping windows)
   */
  step?: number;
  /**
   * Name reported in the rows' `feature` field.
   * @default "value"
   */
  feature?: string;
}

/** Drift of one rolling window of the current series. */
export interface RollingDriftRow extends DriftRow {
  /** First index of the window in the current series. */
  start: number;
  /** One past the last index. */
  end: number;
}

/**
 * Drift of successive windows of a current series (in time order) against one reference sample:
 * windows [s, s + window) for s = 0, step, 2 step, ... while the window fits. Same statistics
 * and missing-value handling as {@linkcode driftReport}.
 *
 * @example
 * ```ts
 * import { rollingDrift } from "./drift.ts";
 * const ref = Array.from({ length: 100 }, (_, i) => i);
 * rollingDrift(ref, ref.concat(ref.map((v) => v + 50)), { window: 100 }).map((r) => r.status);
 * // ["stable", "significant"]
 * ```
 */
export function rollingDrift(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: RollingDriftOptions,
): RollingDriftRow[] {
  const { window, step = window, feature = "value" } = options;
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(
      `Cannot compute rolling drift: window must be a positive integer, got ${window}`,
    );
  }
  if (!Number.isInteger(step) || step < 1) {
    throw new RangeError(
      `Cannot compute rolling drift: step must be a positive integer, got ${step}`,
    );
  }
  const out: RollingDriftRow[] = [];
  const cur = Float64Array.from(current);
  for (let s = 0; s + window <= cur.length; s += step) {
    out.push({
      ...driftRow(feature, reference, cur.subarray(s, s + window), options),
      start: s,
      end: s + window,
    });
  }
  return out;
}
