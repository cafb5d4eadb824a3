/**
 * Sample uniqueness weights for overlapping labels (AFML ch. 4).
 *
 * Label i spans bars [t0_i, t1_i] (both inclusive). Concurrency c_t = number of labels whose
 * span contains bar t; the average uniqueness of label i is u_i = mean_{t in [t0_i, t1_i]} 1 / c_t.
 * Labels with a NaN t1 (unresolved) get NaN and do not count towards concurrency.
 *
 * @see Lopez de Prado, M. (2018). Advances in Financial Machine Learning. Wiley, sec. 4.3-4.4.
 * @example
 * ```ts
 * const { uniqueness } = sampleUniqueness(tb, close.length);
 * ```
 */
export function sampleUniqueness(
  spans: { t0: ArrayLike<number>; t1: ArrayLike<number> },
  nBars: number,
): { uniqueness: Float64Array; concurrency: Int32Array } {
  const { t0, t1 } = spans;
  if (t0.length !== t1.length) {
    throw new RangeError(`Cannot compute uniqueness: t0 has ${t0.length} rows, t1 ${t1.length}`);
  }
  const diff = new Int32Array(nBars + 1);
  for (let i = 0; i < t0.length; i++) {
    const a = t0[i]!, b = t1[i]!;
    if (Number.isNaN(b)) continue;
    if (!(a >= 0 && b >= a && b < nBars)) {
      throw new RangeError(
        `Cannot compute uniqueness: label ${i} spans [${a}, ${b}] outside 0..${nBars - 1}`,
      );
    }
    diff[a]!++;
    diff[b + 1]!--;
  }
  const conc = new Int32Array(nBars);
  let c = 0;
  for (let t = 0; t < nBars; t++) {
    c += diff[t]!;
    conc[t] = c;
  }
  // prefix sums of 1 / c_t for O(1) span means
  const inv = new Float64Array(nBars + 1);
  for (let t = 0; t < nBars; t++) inv[t + 1] = inv[t]! + (conc[t]! > 0 ? 1 / conc[t]! : 0);
  const u = new Float64Array(t0.length).fill(NaN);
  for (let i = 0; i < t0.length; i++) {
    const a = t0[i]!, b = t1[i]!;
    if (Number.isNaN(b)) continue;
    u[i] = (inv[b + 1]! - inv[a]!) / (b - a + 1);
  }
  return { uniqueness: u, concurrency: conc };
}
