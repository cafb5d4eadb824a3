/**
 * Outliers by robust z-score.
 *
 * Modified z-score of Iglewicz and Hoaglin: M_i = 0.6745 * (x_i - median(x)) / MAD, with
 * MAD = median(|x_i - median(x)|) (unscaled). 0.6745 = Phi^-1(0.75) makes M comparable with a
 * standard z-score under normality. When MAD is 0 (more than half the values equal) the scores
 * are NaN (undefined) rather than infinite. NaN inputs are skipped for the medians and give NaN.
 *
 * @see Iglewicz, B., & Hoaglin, D. C. (1993). How to Detect and Handle Outliers. ASQC Quality
 *      Press, ch. 3.
 * @example
 * ```ts
 * robustZ([1, 2, 3, 4, 100]); // [-1.349, -0.6745, 0, 0.6745, 65.43]
 * ```
 */

function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}

/** Modified z-scores (see module doc). */
export function robustZ(x: ArrayLike<number>): Float64Array {
  let m = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) m++;
  const finite = new Float64Array(m);
  for (let i = 0, j = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) finite[j++] = x[i]!;
  finite.sort();
  const med = median(finite);
  const dev = finite.map((v) => Math.abs(v - med)).sort();
  const mad = median(dev);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = Number.isFinite(v) && mad > 0 ? 0.6745 * (v - med) / mad : NaN;
  }
  return out;
}

/** Log returns ln(p_t / p_{t-1}); the first element and any non-positive price give NaN. */
export function logReturns(price: ArrayLike<number>): Float64Array {
  const out = new Float64Array(price.length).fill(NaN);
  for (let i = 1; i < price.length; i++) {
    const a = price[i - 1]!, b = price[i]!;
    if (a > 0 && b > 0) out[i] = Math.log(b / a);
  }
  return out;
}

/** Options of {@link returnOutliers}. */
export interface OutlierOptions {
  /** |M| above which a return is an outlier (Iglewicz-Hoaglin suggest 3.5). @default 3.5 */
  threshold?: number;
}

/** Indices of prices whose log return from the previous price is a robust-z outlier. */
export function returnOutliers(price: ArrayLike<number>, options: OutlierOptions = {}): number[] {
  const thr = options.threshold ?? 3.5;
  const z = robustZ(logReturns(price));
  const out: number[] = [];
  for (let i = 0; i < z.length; i++) if (Math.abs(z[i]!) > thr) out.push(i);
  return out;
}
