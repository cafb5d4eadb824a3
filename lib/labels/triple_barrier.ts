/**
 * Triple-barrier labels (Lopez de Prado, AFML ch. 3) with volatility-scaled horizontal barriers
 * and a vertical barrier, plus meta-labels.
 *
 * For an event starting at bar t0 with side s (+1 long, -1 short) and target volatility v_t0:
 *   path return r_j = s * ln(C_j / C_t0), j = t0 + 1 .. t0 + maxHolding;
 *   upper barrier at +upper * v_t0, lower barrier at -lower * v_t0 (a multiplier of 0 disables it);
 *   t1 = first j where r_j >= upper barrier or r_j <= lower barrier, else t0 + maxHolding.
 * The label is +1 for the upper barrier, -1 for the lower one, and at the vertical barrier the
 * sign of r_t1 (`vertical: "sign"`, AFML's getBins) or 0 (`vertical: "zero"`). The label looks
 * ahead by at most `maxHolding` bars. An event whose vertical barrier lies beyond the data and
 * that touched no horizontal barrier is unresolved: label, t1 and ret are NaN.
 *
 * @see Lopez de Prado, M. (2018). Advances in Financial Machine Learning. Wiley, ch. 3-4.
 */
const nanArray = (n: number): Float64Array => new Float64Array(n).fill(NaN);

/** Options for {@linkcode tripleBarrier}. */
export interface TripleBarrierOptions {
  /**
   * Target volatility per bar index, in log-return units over the holding period, known at t0
   * (e.g. {@linkcode ewmVolatility}). @default ewmVolatility(close, { span: 20 })
   */
  vol?: Float64Array;
  /** Upper (profit-taking) barrier multiplier of vol; 0 disables. @default 1 */
  upper?: number;
  /** Lower (stop-loss) barrier multiplier of vol; 0 disables. @default 1 */
  lower?: number;
  /** Vertical barrier in bars after t0. @default 20 */
  maxHolding?: number;
  /** Event start indices (increasing). @default every bar */
  events?: Int32Array;
  /** Side per bar index (+1 / -1) from a primary model; NaN or 0 skips the event. @default +1 */
  side?: Float64Array;
  /** Label at the vertical barrier: sign of the return, or 0. @default "sign" */
  vertical?: "sign" | "zero";
  /** Events whose target vol is below this are skipped (label NaN). @default 0 */
  minVol?: number;
}

/** Triple-barrier output, one entry per event. */
export interface TripleBarrierResult {
  /** Event start bar index t0. */
  t0: Int32Array;
  /** Bar index of the first touch (NaN when unresolved). Needed for purging and embargo. */
  t1: Float64Array;
  /** -1, 0, +1 (NaN when unresolved or skipped). */
  label: Float64Array;
  /** Side-adjusted log return from t0 to t1. */
  ret: Float64Array;
  /** Side used (+1 / -1, 0 when skipped). */
  side: Int8Array;
  /** Which barrier was touched: 1 upper, -1 lower, 0 vertical, NaN unresolved. */
  barrier: Float64Array;
}

/** Options for {@linkcode ewmVolatility}. */
export interface EwmVolOptions {
  /** Span of the exponential weights, alpha = 2 / (span + 1). @default 20 */
  span?: number;
}

/**
 * Exponentially weighted standard deviation of one-bar log returns, using returns up to and
 * including t (point in time): m_t = (1 - a) m_{t-1} + a r_t, s2_t = (1 - a)(s2_{t-1} + a (r_t -
 * m_{t-1})^2), a = 2 / (span + 1) (West's incremental EW variance, no bias correction). NaN for
 * the first `span` bars.
 *
 * @see Finch, T. (2009). Incremental calculation of weighted mean and variance. Univ. Cambridge.
 * @example
 * ```ts
 * const vol = ewmVolatility(close, { span: 50 });
 * ```
 */
export function ewmVolatility(close: Float64Array, options: EwmVolOptions = {}): Float64Array {
  const span = options.span ?? 20;
  if (!(span >= 1)) throw new RangeError(`Cannot compute ewmVolatility: span ${span} must be >= 1`);
  const a = 2 / (span + 1);
  const out = nanArray(close.length);
  let m = 0, s2 = 0, k = 0;
  for (let i = 1; i < close.length; i++) {
    const p0 = close[i - 1]!, p1 = close[i]!;
    if (!(p0 > 0 && p1 > 0 && Number.isFinite(p0) && Number.isFinite(p1))) continue;
    const r = Math.log(p1 / p0);
    if (k === 0) {
      m = r;
      s2 = 0;
    } else {
      const d = r - m;
      m += a * d;
      s2 = (1 - a) * (s2 + a * d * d);
    }
    k++;
    if (k >= span) out[i] = Math.sqrt(s2);
  }
  return out;
}

/**
 * Triple-barrier labels; see the module doc for the definition.
 *
 * @example
 * ```ts
 * const tb = tripleBarrier(close, { upper: 2, lower: 1, maxHolding: 10 });
 * // tb.label[i] in {-1, 0, 1}; tb.t1[i] is the touch index for purging
 * ```
 */
export function tripleBarrier(
  close: Float64Array,
  options: TripleBarrierOptions = {},
): TripleBarrierResult {
  const n = close.length;
  const maxH = options.maxHolding ?? 20;
  if (!Number.isInteger(maxH) || maxH < 1) {
    throw new RangeError(`Cannot label triple barrier: maxHolding ${maxH} must be an integer >= 1`);
  }
  const up = options.upper ?? 1;
  const lo = options.lower ?? 1;
  if (!(up >= 0) || !(lo >= 0)) {
    throw new RangeError(
      `Cannot label triple barrier: barrier multipliers ${up}/${lo} must be >= 0`,
    );
  }
  const vol = options.vol ?? ewmVolatility(close);
  if (vol.length !== n) {
    throw new RangeError(`Cannot label triple barrier: vol has ${vol.length} rows, close ${n}`);
  }
  const events = options.events ?? Int32Array.from({ length: n }, (_, i) => i);
  const minVol = options.minVol ?? 0;
  const zeroVertical = options.vertical === "zero";
  const m = events.length;
  const res: TripleBarrierResult = {
    t0: Int32Array.from(events),
    t1: nanArray(m),
    label: nanArray(m),
    ret: nanArray(m),
    side: new Int8Array(m),
    barrier: nanArray(m),
  };
  for (let e = 0; e < m; e++) {
    const t0 = events[e]!;
    if (t0 < 0 || t0 >= n) {
      throw new RangeError(`Cannot label triple barrier: event index ${t0} outside 0..${n - 1}`);
    }
    const sideRaw = options.side ? options.side[t0]! : 1;
    const s = sideRaw > 0 ? 1 : sideRaw < 0 ? -1 : 0;
    const v = vol[t0]!;
    const p0 = close[t0]!;
    if (s === 0 || !(v >= minVol) || !Number.isFinite(v) || !(p0 > 0)) continue;
    res.side[e] = s;
    const hiB = up > 0 ? up * v : Infinity;
    const loB = lo > 0 ? -lo * v : -Infinity;
    const last = t0 + maxH;
    let j = t0 + 1;
    for (; j <= last && j < n; j++) {
      const p = close[j]!;
      if (!(p > 0)) continue; // a missing price cannot touch a barrier
      const r = s * Math.log(p / p0);
      if (r >= hiB || r <= loB) {
        res.t1[e] = j;
        res.ret[e] = r;
        res.label[e] = r >= hiB ? 1 : -1;
        res.barrier[e] = r >= hiB ? 1 : -1;
        break;
      }
    }
    if (Number.isNaN(res.t1[e]!) && last < n) {
      const p = close[last]!;
      if (p > 0) {
        const r = s * Math.log(p / p0);
        res.t1[e] = last;
        res.ret[e] = r;
        res.label[e] = zeroVertical ? 0 : Math.sign(r);
        res.barrier[e] = 0;
      }
    }
  }
  return res;
}

/**
 * Meta-labels (AFML 3.6): given the side of a primary model, label 1 when acting on that side
 * would have earned a positive return by the first barrier touch, else 0 (NaN when unresolved).
 *
 * @example
 * ```ts
 * const meta = metaLabels(close, { side: primarySide, upper: 1, lower: 1, maxHolding: 10 });
 * ```
 */
export function metaLabels(
  close: Float64Array,
  options: TripleBarrierOptions & { side: Float64Array },
): TripleBarrierResult & { meta: Float64Array } {
  const tb = tripleBarrier(close, options);
  const meta = tb.ret.map((r) => (Number.isNaN(r) ? NaN : r > 0 ? 1 : 0));
  return { ...tb, meta };
}
