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
 * Method: sort a copy of the values with the built-in numeric sort of a Float64Array (no
 * callback), then place each index, in index order, at the first free slot of its value's block
 * (found by binary search: the first sorted value not less than it). O(n log n); a 500-name
 * cross-section ranks in a few microseconds, several times faster than a comparator sort.
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
  const sorted = values.slice().sort(); // numeric, -0 before +0, NaN last
  let nNum = n; // values before the NaN tail
  while (nNum > 0 && Number.isNaN(sorted[nNum - 1]!)) nNum--;
  // taken[b]: indices already placed in the block that starts at slot b
  const taken = new Int32Array(n + 1);
  let nanAt = nNum;
  for (let s = 0; s < n; s++) {
    const v = values[s]!;
    if (v !== v) {
      out[nanAt++] = s;
      continue;
    }
    let lo = 0, hi = nNum;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    out[lo + taken[lo]!++] = s;
  }
  return out;
}
