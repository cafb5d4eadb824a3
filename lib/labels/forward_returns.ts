/**
 * Forward-return labels. A label at t looks forward by its declared horizon and no further (the
 * point-in-time harness in tests/labels checks this).
 */
const nanArray = (n: number): Float64Array => new Float64Array(n).fill(NaN);

/** Options for {@linkcode forwardReturns}. */
export interface ForwardReturnOptions {
  /** Horizon: bars, or sessions when `session` is given. @default 1 */
  horizon?: number;
  /**
   * Session id per bar (non-decreasing, e.g. yyyymmdd). When given, the label at t runs from
   * C_t to the last close of the `horizon`-th session after t's session. The final session in
   * the data may be incomplete, so labels that end in it are NaN.
   * @default undefined (horizon in bars)
   */
  session?: Int32Array;
  /** "log": ln(C_end / C_t); "simple": C_end / C_t - 1. @default "log" */
  type?: "log" | "simple";
}

/**
 * Forward return: y_t = ln(C_{t+h} / C_t) (or simple), NaN where the end lies beyond the data or
 * a price is missing or non-positive.
 *
 * @example
 * ```ts
 * forwardReturns(Float64Array.from([100, 110, 121]), { horizon: 1, type: "simple" }); // [0.1, 0.1, NaN]
 * ```
 */
export function forwardReturns(
  close: Float64Array,
  options: ForwardReturnOptions = {},
): Float64Array {
  const h = options.horizon ?? 1;
  if (!Number.isInteger(h) || h < 1) {
    throw new RangeError(`Cannot compute forwardReturns: horizon ${h} must be an integer >= 1`);
  }
  const simple = options.type === "simple";
  const n = close.length;
  const end = new Int32Array(n).fill(-1);
  if (options.session) {
    const s = options.session;
    if (s.length !== n) {
      throw new RangeError(
        `Cannot compute forwardReturns: session has ${s.length} rows, close ${n}`,
      );
    }
    // last bar index of each session run, in order
    const lastIdx: number[] = [];
    const runOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (i > 0 && s[i]! < s[i - 1]!) {
        throw new RangeError(`Cannot compute forwardReturns: session ids decrease at index ${i}`);
      }
      if (i > 0 && s[i] !== s[i - 1]) lastIdx.push(i - 1);
      runOf[i] = lastIdx.length;
    }
    // The final run may be an incomplete session: it is never used as a target.
    if (n > 0) lastIdx.push(n - 1);
    const complete = lastIdx.length - 1; // index of the final run, possibly still open
    for (let i = 0; i < n; i++) {
      const target = runOf[i]! + h;
      if (target < complete) end[i] = lastIdx[target]!;
    }
  } else {
    for (let i = 0; i + h < n; i++) end[i] = i + h;
  }
  const out = nanArray(n);
  for (let i = 0; i < n; i++) {
    const j = end[i]!;
    if (j < 0) continue;
    const a = close[i]!, b = close[j]!;
    if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    out[i] = simple ? b / a - 1 : Math.log(b / a);
  }
  return out;
}

/**
 * Overnight label: y_t = ln(O_{t+1} / C_t), the return from today's close to the next bar's
 * open (horizon 1 bar). NaN at the last bar.
 *
 * @example
 * ```ts
 * overnightLabels({ open: Float64Array.from([100, 102]), close: Float64Array.from([101, 103]) }); // [ln(102/101), NaN]
 * ```
 */
export function overnightLabels(bars: { open: Float64Array; close: Float64Array }): Float64Array {
  const n = bars.close.length;
  if (bars.open.length !== n) {
    throw new RangeError(
      `Cannot compute overnightLabels: open has ${bars.open.length} rows, close ${n}`,
    );
  }
  const out = nanArray(n);
  for (let i = 0; i + 1 < n; i++) {
    const c = bars.close[i]!, o = bars.open[i + 1]!;
    if (c > 0 && o > 0 && Number.isFinite(c) && Number.isFinite(o)) out[i] = Math.log(o / c);
  }
  return out;
}
