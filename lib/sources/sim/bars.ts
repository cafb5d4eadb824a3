/**
 * OHLCV bar columns and their exact aggregation.
 *
 * Aggregation of consecutive bars into a coarser bar: open = first open, high = max high,
 * low = min low, close = last close, volume = sum, trades = sum, VWAP = sum(vw * v) / sum(v).
 * Bars are stamped at their window start (epoch ms).
 */

/** Column-oriented bars; every array has `length` entries. */
export interface Bars {
  length: number;
  /** Window start, epoch ms. */
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  /** Volume (shares, contracts or ticks). */
  v: Float64Array;
  /** Volume-weighted average price. */
  vw: Float64Array;
  /** Number of trades. */
  n: Float64Array;
}

/** Bars as a column list [t, o, h, l, c, v, vw, n] (what a worker posts). */
export interface PackedBars {
  length: number;
  cols: Float64Array[];
}

/** Bars from their packed columns (no copy). */
export function unpackBars(p: PackedBars): Bars {
  const [t, o, h, l, c, v, vw, n] = p.cols;
  if (!t || !o || !h || !l || !c || !v || !vw || !n || p.cols.some((x) => x.length < p.length)) {
    throw new RangeError(`unpackBars: need 8 columns of ${p.length} values`);
  }
  return { length: p.length, t, o, h, l, c, v, vw, n };
}

/** The columns of `b` copied into a PackedBars. */
export function packBars(b: Bars): PackedBars {
  return {
    length: b.length,
    cols: [b.t, b.o, b.h, b.l, b.c, b.v, b.vw, b.n].map((x) => x.slice()),
  };
}

/** Empty bars of the given capacity. */
export function allocBars(length: number): Bars {
  return {
    length,
    t: new Float64Array(length),
    o: new Float64Array(length),
    h: new Float64Array(length),
    l: new Float64Array(length),
    c: new Float64Array(length),
    v: new Float64Array(length),
    vw: new Float64Array(length),
    n: new Float64Array(length),
  };
}

/** The first `length` rows of `b` (views, no copy). */
export function sliceBars(b: Bars, from: number, to: number): Bars {
  return {
    length: Math.max(0, to - from),
    t: b.t.subarray(from, to),
    o: b.o.subarray(from, to),
    h: b.h.subarray(from, to),
    l: b.l.subarray(from, to),
    c: b.c.subarray(from, to),
    v: b.v.subarray(from, to),
    vw: b.vw.subarray(from, to),
    n: b.n.subarray(from, to),
  };
}

/** Concatenate bar sets in order. */
export function concatBars(parts: Bars[]): Bars {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = allocBars(total);
  let at = 0;
  for (const p of parts) {
    for (const k of ["t", "o", "h", "l", "c", "v", "vw", "n"] as const) out[k].set(p[k], at);
    at += p.length;
  }
  return out;
}

/**
 * Aggregate bars into windows of `windowMs` aligned to `originMs` (window start = origin +
 * floor((t - origin) / windowMs) * windowMs). Empty windows produce no bar.
 *
 * @example
 * ```ts
 * const minute = aggregateBars(seconds, 60_000, 0);
 * ```
 */
export function aggregateBars(b: Bars, windowMs: number, originMs = 0): Bars {
  // Count the windows first so the output holds exactly them (a session of seconds makes 390
  // minutes, not 23,400 rows of which 390 are used).
  let windows = 0;
  let cur = NaN;
  for (let i = 0; i < b.length; i++) {
    const w = originMs + Math.floor((b.t[i]! - originMs) / windowMs) * windowMs;
    if (w !== cur) (windows++, cur = w);
  }
  const out = allocBars(windows);
  let j = -1;
  cur = NaN;
  let pv = 0;
  for (let i = 0; i < b.length; i++) {
    const w = originMs + Math.floor((b.t[i]! - originMs) / windowMs) * windowMs;
    if (w !== cur) {
      if (j >= 0) out.vw[j] = out.v[j]! > 0 ? pv / out.v[j]! : out.c[j]!;
      j++;
      cur = w;
      out.t[j] = w;
      out.o[j] = b.o[i]!;
      out.h[j] = b.h[i]!;
      out.l[j] = b.l[i]!;
      out.v[j] = 0;
      out.n[j] = 0;
      pv = 0;
    }
    if (b.h[i]! > out.h[j]!) out.h[j] = b.h[i]!;
    if (b.l[i]! < out.l[j]!) out.l[j] = b.l[i]!;
    out.c[j] = b.c[i]!;
    out.v[j] = out.v[j]! + b.v[i]!;
    out.n[j] = out.n[j]! + b.n[i]!;
    pv += b.vw[i]! * b.v[i]!;
  }
  if (j >= 0) out.vw[j] = out.v[j]! > 0 ? pv / out.v[j]! : out.c[j]!;
  return out;
}

/** Aggregate a whole set of bars into a single bar stamped `t`. */
export function aggregateAll(b: Bars, t: number): Bars {
  const out = aggregateBars(b, Number.MAX_SAFE_INTEGER, 0);
  if (out.length) out.t[0] = t;
  return out;
}
