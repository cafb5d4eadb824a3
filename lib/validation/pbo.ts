/**
 * Probability of backtest overfitting (PBO) by combinatorially symmetric cross-validation (CSCV).
 *
 * @see Bailey, D. H., Borwein, J. M., Lopez de Prado, M., & Zhu, Q. J. (2017). The Probability of
 *      Backtest Overfitting. Journal of Computational Finance 20(4), 39-69.
 *      doi:10.21314/JCF.2016.322
 */
import { combinations } from "./_combinations.ts";

/** A T x N matrix of per-period returns, row-major: `values[t * cols + n]` (t = period, n = trial). */
export interface ReturnMatrix {
  /** Row-major values, length rows * cols. */
  values: Float64Array;
  /** Number of periods T. */
  rows: number;
  /** Number of trial configurations N. */
  cols: number;
}

/** Options of {@linkcode pbo}. */
export interface PboOptions {
  /**
   * Number S of contiguous row partitions (even, >= 2); C(S, S/2) combinations are evaluated.
   * @default 16
   */
  partitions?: number;
  /**
   * Performance metric ranked in and out of sample: "sharpe" = mean / stdev (ddof 1, per
   * period), or "mean" = mean return.
   * @default "sharpe"
   */
  metric?: "sharpe" | "mean";
}

/** Result of {@linkcode pbo}. */
export interface PboResult {
  /** Probability of backtest overfitting: share of combinations with logit <= 0. */
  pbo: number;
  /** Logit lambda = ln(omega / (1 - omega)) of the IS-best trial's OOS relative rank, per combination. */
  logits: Float64Array;
  /** OOS relative rank omega = rank / (N + 1) of the IS-best trial (rank 1 = worst), per combination. */
  relativeRanks: Float64Array;
  /** Index of the IS-best trial, per combination. */
  selected: Int32Array;
  /** IS metric of the IS-best trial, per combination. */
  inSample: Float64Array;
  /** OOS metric of the IS-best trial, per combination. */
  outOfSample: Float64Array;
  /**
   * Performance degradation: OLS fit outOfSample = intercept + slope * inSample over the
   * combinations, with R^2 (NaN when the IS values do not vary).
   */
  degradation: { slope: number; intercept: number; r2: number };
  /** Probability of loss: share of combinations whose IS-best trial has OOS metric < 0. */
  probLoss: number;
  /** Number of combinations C(S, S/2). */
  combinations: number;
}

/** Normalise the accepted input shapes to a row-major matrix, checking every value. */
function toMatrix(returns: ReturnMatrix | ArrayLike<number>[]): ReturnMatrix {
  let m: ReturnMatrix;
  if (Array.isArray(returns)) {
    const cols = returns.length;
    const rows = cols ? returns[0]!.length : 0;
    const values = new Float64Array(rows * cols);
    returns.forEach((c, j) => {
      if (c.length !== rows) {
        throw new RangeError(
          `Cannot compute PBO: trial ${j} has ${c.length} periods but trial 0 has ${rows}`,
        );
      }
      for (let t = 0; t < rows; t++) values[t * cols + j] = c[t]!;
    });
    m = { values, rows, cols };
  } else {
    m = returns as ReturnMatrix;
    if (m.values.length !== m.rows * m.cols) {
      throw new RangeError(
        `Cannot compute PBO: ${m.values.length} values for a ${m.rows} x ${m.cols} matrix`,
      );
    }
  }
  for (let i = 0; i < m.values.length; i++) {
    if (!Number.isFinite(m.values[i]!)) {
      throw new RangeError(
        `Cannot compute PBO: return at period ${Math.floor(i / m.cols)}, trial ${i % m.cols} is ${
          m.values[i]
        }`,
      );
    }
  }
  return m;
}

function metricOf(sum: number, sumSq: number, n: number, shift: number, sharpe: boolean): number {
  const mean = sum / n; // of the shifted values
  if (!sharpe) return mean + shift;
  const v = Math.max(0, (sumSq - sum * mean) / (n - 1));
  const mu = mean + shift;
  const sd = Math.sqrt(v);
  if (sd === 0 || sd < 1e-14 * Math.abs(mu)) return mu === 0 ? 0 : Math.sign(mu) * Infinity;
  return mu / sd;
}

/**
 * Probability of backtest overfitting by CSCV.
 *
 * The T x N matrix of per-period returns of N trial configurations is cut into S contiguous row
 * partitions (sizes differ by at most one, larger first). For each of the C(S, S/2) ways to pick
 * S/2 partitions as in-sample (IS, the rest out-of-sample, OOS): select n* = argmax of the IS
 * metric (first index on ties); omega = rank of n*'s OOS metric among the N OOS metrics / (N + 1)
 * (rank 1 = worst, ties get the average rank); logit = ln(omega / (1 - omega)).
 * PBO = share of combinations with logit <= 0 (the IS winner does no better than the OOS median).
 * Also: performance degradation (OLS of OOS on IS metric of n*) and probability of loss (share
 * with OOS metric of n* < 0). The metric is per period (the ranking does not depend on
 * annualisation). Non-finite returns are rejected; a constant trial has Sharpe 0 (zero mean) or
 * +/-Infinity.
 *
 * Cost: per-partition sums and sums of squares (T x N -> S x N) are computed once, each
 * combination then costs O(S/2 * N) and the rank is an O(N) count, so T = 2,500, N = 1,000,
 * S = 16 (12,870 combinations) runs in well under a second.
 *
 * @see Bailey, Borwein, Lopez de Prado & Zhu (2017), The Probability of Backtest Overfitting,
 *      J. Computational Finance 20(4). doi:10.21314/JCF.2016.322
 * @example
 * ```ts
 * import { pbo } from "./pbo.ts";
 * import { Rng } from "../core/mod.ts";
 * const rng = new Rng(1);
 * const trials = Array.from({ length: 20 }, () => rng.normals(480).map((z) => 0.01 * z));
 * pbo(trials, { partitions: 8 }).pbo; // about 0.5 for pure noise
 * ```
 */
export function pbo(
  returns: ReturnMatrix | ArrayLike<number>[],
  options: PboOptions = {},
): PboResult {
  const { partitions: s = 16, metric = "sharpe" } = options;
  if (!Number.isInteger(s) || s < 2 || s % 2 !== 0) {
    throw new RangeError(`Cannot compute PBO: partitions must be an even integer >= 2, got ${s}`);
  }
  if (metric !== "sharpe" && metric !== "mean") {
    throw new RangeError(`Cannot compute PBO: unknown metric ${metric}`);
  }
  const { values, rows: t, cols: n } = toMatrix(returns);
  if (n < 2) throw new RangeError(`Cannot compute PBO: need >= 2 trials, got ${n}`);
  const minRows = metric === "sharpe" ? 2 * s : s;
  if (t < minRows) {
    throw new RangeError(
      `Cannot compute PBO: ${t} periods for ${s} partitions (need >= ${minRows})`,
    );
  }
  const sharpe = metric === "sharpe";

  // column shifts (first row) keep sums of squares well conditioned
  const shift = values.slice(0, n);
  const bounds = new Int32Array(s + 1);
  const base = Math.floor(t / s), extra = t % s;
  for (let p = 0; p < s; p++) bounds[p + 1] = bounds[p]! + base + (p < extra ? 1 : 0);
  const pSum = new Float64Array(s * n);
  const pSq = new Float64Array(s * n);
  for (let p = 0; p < s; p++) {
    const off = p * n;
    for (let r = bounds[p]!; r < bounds[p + 1]!; r++) {
      const row = r * n;
      for (let j = 0; j < n; j++) {
        const x = values[row + j]! - shift[j]!;
        pSum[off + j]! += x;
        pSq[off + j]! += x * x;
      }
    }
  }
  const totSum = new Float64Array(n);
  const totSq = new Float64Array(n);
  for (let p = 0; p < s; p++) {
    for (let j = 0; j < n; j++) {
      totSum[j]! += pSum[p * n + j]!;
      totSq[j]! += pSq[p * n + j]!;
    }
  }

  const combos = combinations(s, s / 2);
  const c = combos.length;
  const logits = new Float64Array(c);
  const ranks = new Float64Array(c);
  const selected = new Int32Array(c);
  const isBest = new Float64Array(c);
  const oosBest = new Float64Array(c);
  const isSum = new Float64Array(n);
  const isSq = new Float64Array(n);
  const oos = new Float64Array(n);
  let overfit = 0, loss = 0;

  for (let ci = 0; ci < c; ci++) {
    const combo = combos[ci]!;
    isSum.fill(0);
    isSq.fill(0);
    let isRows = 0;
    for (let q = 0; q < combo.length; q++) {
      const p = combo[q]!;
      isRows += bounds[p + 1]! - bounds[p]!;
      const off = p * n;
      for (let j = 0; j < n; j++) {
        isSum[j]! += pSum[off + j]!;
        isSq[j]! += pSq[off + j]!;
      }
    }
    const oosRows = t - isRows;
    let best = 0, bestIs = -Infinity;
    for (let j = 0; j < n; j++) {
      const mi = metricOf(isSum[j]!, isSq[j]!, isRows, shift[j]!, sharpe);
      if (j === 0 || mi > bestIs) {
        bestIs = mi;
        best = j;
      }
      oos[j] = metricOf(totSum[j]! - isSum[j]!, totSq[j]! - isSq[j]!, oosRows, shift[j]!, sharpe);
    }
    const target = oos[best]!;
    let below = 0, equal = 0;
    for (let j = 0; j < n; j++) {
      const v = oos[j]!;
      if (v < target) below++;
      else if (v === target) equal++;
    }
    // average rank among ties (equal includes n* itself)
    const rank = below + (equal + 1) / 2;
    const omega = rank / (n + 1);
    const lambda = Math.log(omega / (1 - omega));
    logits[ci] = lambda;
    ranks[ci] = omega;
    selected[ci] = best;
    isBest[ci] = bestIs;
    oosBest[ci] = target;
    if (lambda <= 0) overfit++;
    if (target < 0) loss++;
  }

  return {
    pbo: overfit / c,
    logits,
    relativeRanks: ranks,
    selected,
    inSample: isBest,
    outOfSample: oosBest,
    degradation: ols(isBest, oosBest),
    probLoss: loss / c,
    combinations: c,
  };
}

/** OLS y = a + b x over the finite pairs, with R^2. */
function ols(x: Float64Array, y: Float64Array): { slope: number; intercept: number; r2: number } {
  let n = 0, sx = 0, sy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) {
      n++;
      sx += x[i]!;
      sy += y[i]!;
    }
  }
  if (n < 2) return { slope: NaN, intercept: NaN, r2: NaN };
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) {
      const dx = x[i]! - mx, dy = y[i]! - my;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
    }
  }
  if (sxx === 0) return { slope: NaN, intercept: NaN, r2: NaN };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? NaN : (sxy * sxy) / (sxx * syy) };
}
