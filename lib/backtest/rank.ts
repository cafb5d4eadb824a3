/**
 * Ranking for cross-sectional strategies: the order that sorts a vector of scores, without a
 * comparator callback per comparison.
 */

/**
 * Stable ascending argsort: `out[r]` is the index of the r-th smallest value; equal values keep
 * their index order, NaN values come last in index order. The same permutation as
 * `indices.sort((a, b) => values[a] - values[b])` (a stable sort) when no value is NaN (with NaN
 * that comparator is inconsistent and the order it gives is not defined); -0 and +0 are equal.
 *
 * Method: NaNs are set aside (index order); the rest is a bottom-up merge sort of (value, index)
 * pairs in typed arrays: insertion sort of runs of {@link RUN}, then merges that take the left
 * element unless the right one is strictly smaller (hence stable). O(n log n) comparisons of
 * doubles, inline, with no callback and no allocation beyond four scratch arrays: a 500-name
 * cross-section ranks several times faster than with a comparator sort.
 *
 * @param values scores (left unmodified)
 * @param out permutation to fill, length values.length @default a new Int32Array
 * @returns `out`
 * @example
 * ```ts
 * argsortStable(Float64Array.of(0.3, -1, 0.3, NaN, 2)); // Int32Array [1, 0, 2, 4, 3]
 * ```
 */
export function argsortStable(
  values: Float64Array,
  out: Int32Array = new Int32Array(values.length),
): Int32Array {
  const n = values.length;
  if (out.length !== n) {
    throw new RangeError(`argsortStable: out has ${out.length} slots, expected ${n}`);
  }
  let ka = new Float64Array(n), ia = new Int32Array(n);
  let m = 0; // numbers first, in index order
  for (let s = 0; s < n; s++) {
    const v = values[s]!;
    if (v === v) {
      ka[m] = v;
      ia[m++] = s;
    }
  }
  for (let s = 0, w = m; s < n; s++) if (values[s]! !== values[s]!) out[w++] = s;
  // insertion sort of each run (stable: shift only strictly greater keys)
  for (let lo = 0; lo < m; lo += RUN) {
    const hi = Math.min(lo + RUN, m);
    for (let j = lo + 1; j < hi; j++) {
      const v = ka[j]!, x = ia[j]!;
      let k = j - 1;
      while (k >= lo && ka[k]! > v) {
        ka[k + 1] = ka[k]!;
        ia[k + 1] = ia[k]!;
        k--;
      }
      ka[k + 1] = v;
      ia[k + 1] = x;
    }
  }
  let kb = new Float64Array(n), ib = new Int32Array(n);
  for (let width = RUN; width < m; width *= 2) {
    for (let lo = 0; lo < m; lo += 2 * width) {
      const mid = Math.min(lo + width, m), hi = Math.min(lo + 2 * width, m);
      let i = lo, j = mid, w = lo;
      while (i < mid && j < hi) {
        if (ka[j]! < ka[i]!) {
          kb[w] = ka[j]!;
          ib[w++] = ia[j++]!;
        } else {
          kb[w] = ka[i]!;
          ib[w++] = ia[i++]!;
        }
      }
      while (i < mid) {
        kb[w] = ka[i]!;
        ib[w++] = ia[i++]!;
      }
      while (j < hi) {
        kb[w] = ka[j]!;
        ib[w++] = ia[j++]!;
      }
    }
    [ka, kb] = [kb, ka];
    [ia, ib] = [ib, ia];
  }
  out.set(ia.subarray(0, m));
  return out;
}

/** Run length of the insertion sort in {@link argsortStable}. */
const RUN = 16;
