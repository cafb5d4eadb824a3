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

/**
 * Rearrange finite `a` so that `a[k]` holds the value a full ascending sort puts there, every
 * element before it is <= and every one after it >= (Hoare's selection, median-of-three pivot).
 * Returns false, leaving `a` a permutation, when it gives up after 64 rounds (a pathological
 * order): the caller sorts instead.
 */
function select(a: Float64Array, k: number): boolean {
  let lo = 0, hi = a.length - 1;
  for (let round = 0; lo < hi; round++) {
    if (round === 64) return false;
    const mid = (lo + hi) >> 1;
    // Median of three to a[mid].
    if (a[mid]! < a[lo]!) [a[mid], a[lo]] = [a[lo]!, a[mid]!];
    if (a[hi]! < a[lo]!) [a[hi], a[lo]] = [a[lo]!, a[hi]!];
    if (a[hi]! < a[mid]!) [a[hi], a[mid]] = [a[mid]!, a[hi]!];
    const p = a[mid]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < p) i++;
      while (a[j]! > p) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // [lo, j] <= p <= [i, hi], and every element strictly between j and i equals p.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return true;
  }
  return true;
}

/**
 * The median of finite values (reordered in place): the same number as {@link median} of the
 * sorted values, found by selection in O(n) instead of a sort. A middle value of zero takes the
 * sort (selection does not order -0 before +0 as the sort does).
 */
function medianOf(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  let m: number;
  if (!select(a, h)) {
    a.sort();
    return median(a);
  }
  if (n % 2) m = a[h]!;
  else {
    // The largest of a[0..h) is the (h-1)-th order statistic.
    let below = a[0]!;
    for (let i = 1; i < h; i++) if (a[i]! > below) below = a[i]!;
    m = (below + a[h]!) / 2;
    if (below === 0) m = NaN; // a zero among the middle pair: sort for its sign
  }
  if (m === 0 || m !== m) {
    a.sort();
    return median(a);
  }
  return m;
}

/** Modified z-scores (see module doc). */
export function robustZ(x: ArrayLike<number>): Float64Array {
  let m = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) m++;
  const finite = new Float64Array(m);
  for (let i = 0, j = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) finite[j++] = x[i]!;
  const med = medianOf(finite);
  const dev = new Float64Array(m);
  for (let i = 0; i < m; i++) dev[i] = Math.abs(finite[i]! - med);
  const mad = medianOf(dev);
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

/** First differences x_t - x_{t-1}; the first element and a NaN on either side give NaN. */
export function firstDifferences(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = 1; i < x.length; i++) out[i] = x[i]! - x[i - 1]!;
  return out;
}

/**
 * Indices of values whose change from the previous value (x_t - x_{t-1}, not a return) is a
 * robust-z outlier: the check for rates and yields (a yield's "return" 4.03 -> 6.51 is not a
 * meaningful quantity, and a rate near or below zero has none), counts and ratios.
 *
 * @example
 * ```ts
 * changeOutliers([5, 5.01, 5.03, 5.02, 5.05, 7, 7.02]); // [5] (the +1.95 jump)
 * ```
 */
export function changeOutliers(x: ArrayLike<number>, options: OutlierOptions = {}): number[] {
  const thr = options.threshold ?? 3.5;
  const z = robustZ(firstDifferences(x));
  const out: number[] = [];
  for (let i = 0; i < z.length; i++) if (Math.abs(z[i]!) > thr) out.push(i);
  return out;
}
