/**
 * Out-of-sample scores for model comparison.
 *
 * - r2 = 1 - sum (y - p)^2 / sum (y - ybar)^2 (unweighted; NaN for fewer than 2 rows or constant y).
 * - accuracy = share of rows with [p > 0.5] = y.
 * - logLoss = -mean(y log p + (1 - y) log(1 - p)), p clipped to [1e-15, 1 - 1e-15]
 *   (as scikit-learn's log_loss).
 * - auc: probability that a random positive scores above a random negative (ties count 1/2),
 *   by the rank-sum (Mann-Whitney) formula; NaN without both classes.
 * - calibrationCurve: rows sorted into `bins` equal-width probability bins (a probability equal to
 *   an inner edge goes to the lower bin); per non-empty bin the mean predicted probability and the
 *   observed frequency (as scikit-learn's calibration_curve with strategy "uniform").
 *
 * @see https://scikit-learn.org/stable/modules/model_evaluation.html
 * @example
 * ```ts
 * import { auc, r2 } from "./metrics.ts";
 * r2([1, 2, 3], [1, 2, 3]); // 1
 * auc([0, 1], [0.2, 0.8]); // 1
 * ```
 */

/** Coefficient of determination. */
export function r2(y: ArrayLike<number>, p: ArrayLike<number>): number {
  checkLen(y, p);
  if (y.length < 2) return NaN;
  let m = 0;
  for (let i = 0; i < y.length; i++) m += y[i]!;
  m /= y.length;
  let sse = 0, sst = 0;
  for (let i = 0; i < y.length; i++) {
    sse += (y[i]! - p[i]!) ** 2;
    sst += (y[i]! - m) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : NaN;
}

/** Share of rows where the 0.5-thresholded probability equals the label. */
export function accuracy(y: ArrayLike<number>, p: ArrayLike<number>): number {
  checkLen(y, p);
  if (y.length === 0) return NaN;
  let c = 0;
  for (let i = 0; i < y.length; i++) if ((p[i]! > 0.5 ? 1 : 0) === y[i]) c++;
  return c / y.length;
}

/** Mean binary log loss with clipping at 1e-15. */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>): number {
  checkLen(y, p);
  if (y.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]!));
    s -= y[i]! * Math.log(q) + (1 - y[i]!) * Math.log(1 - q);
  }
  return s / y.length;
}

/** Area under the ROC curve (rank-sum, average ranks for ties). */
export function auc(y: ArrayLike<number>, p: ArrayLike<number>): number {
  checkLen(y, p);
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
  const rank = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && p[order[j + 1]!] === p[order[i]!]) j++;
    for (let k = i; k <= j; k++) rank[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let pos = 0, sumPos = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === 1) {
      pos++;
      sumPos += rank[i]!;
    }
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (sumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Reliability diagram points: mean predicted probability and observed frequency per bin. */
export function calibrationCurve(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  bins = 10,
): { predicted: number[]; observed: number[]; count: number[] } {
  checkLen(y, p);
  const sp = new Float64Array(bins), sy = new Float64Array(bins), c = new Float64Array(bins);
  const step = 1 / bins;
  for (let i = 0; i < y.length; i++) {
    // bin = number of inner edges k / bins (k = 1..bins-1, computed as numpy.linspace does)
    // strictly below p, so an edge value falls in the lower bin (numpy.searchsorted, side left)
    let b = 0;
    while (b < bins - 1 && (b + 1) * step < p[i]!) b++;
    sp[b] = sp[b]! + p[i]!;
    sy[b] = sy[b]! + y[i]!;
    c[b] = c[b]! + 1;
  }
  const out = { predicted: [] as number[], observed: [] as number[], count: [] as number[] };
  for (let b = 0; b < bins; b++) {
    if (c[b]! === 0) continue;
    out.predicted.push(sp[b]! / c[b]!);
    out.observed.push(sy[b]! / c[b]!);
    out.count.push(c[b]!);
  }
  return out;
}

function checkLen(y: ArrayLike<number>, p: ArrayLike<number>): void {
  if (y.length !== p.length) {
    throw new RangeError(`Cannot score: ${y.length} labels but ${p.length} predictions`);
  }
}
