/**
 * Resampling of OHLCV bars (seconds -> minutes -> sessions).
 *
 * Convention: an output bar is stamped at its open (`ts`, the bucket start, as everywhere in the
 * lake) and carries `known_at`, its right edge (bucket end, or the session close for sessions):
 * the first instant the whole bar is known. Joining the result as of `known_at` therefore uses a
 * bar only after it has closed. Input bars are assigned to the bucket holding their open stamp,
 * so with right-closed input (a bar stamped at t covers [t, t + width)) nothing leaks across
 * buckets as long as the output width is a multiple of the input width.
 */
import { sessionBounds, sessionDateOf } from "../time/mod.ts";

/** OHLCV columns with open-stamped epoch-ms times (increasing). */
export interface OhlcvBars {
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Volume-weighted average price per bar; when absent the close stands in. */
  vwap?: Float64Array;
}

/** Resampled bars: OHLCV + VWAP, the bucket's right edge and how many input bars it holds. */
export interface ResampledBars extends OhlcvBars {
  known_at: Float64Array;
  vwap: Float64Array;
  count: Int32Array;
}

/** Options for {@linkcode resampleBars}. */
export interface ResampleOptions {
  /** Fixed bucket width in ms (e.g. 60_000 for minutes), aligned to the epoch (UTC). */
  everyMs?: number;
  /**
   * Bucket by regular NYSE session instead ("session"): bars outside the session are dropped,
   * `ts` is the session open and `known_at` the session close (early closes included).
   * @default undefined (fixed width)
   */
  by?: "session";
}

/**
 * Aggregate bars: open = first open, high = max, low = min, close = last close,
 * volume = sum, vwap = sum(vwap_i * volume_i) / sum(volume_i) (the close when volume is 0).
 *
 * @example
 * ```ts
 * const minutes = resampleBars(secondBars, { everyMs: 60_000 });
 * const days = resampleBars(minutes, { by: "session" });
 * ```
 */
export function resampleBars(bars: OhlcvBars, options: ResampleOptions): ResampledBars {
  const { ts, open, high, low, close, volume } = bars;
  const n = ts.length;
  for (const [k, v] of Object.entries({ open, high, low, close, volume })) {
    if (v.length !== n) {
      throw new RangeError(`Cannot resample: column ${k} has ${v.length} rows, ts ${n}`);
    }
  }
  const every = options.everyMs;
  if (options.by !== "session" && !(every && every > 0)) {
    throw new RangeError(
      `Cannot resample: give everyMs > 0 or by: "session" (got everyMs ${every})`,
    );
  }
  const start: number[] = [];
  const end: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  let curKey = NaN;
  let curEnd = NaN;
  let curDate = "";
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    if (i > 0 && !(t > ts[i - 1]!)) {
      throw new RangeError(
        `Cannot resample: ts must increase, got ${ts[i - 1]} then ${t} at index ${i}`,
      );
    }
    let key: number;
    let bEnd: number;
    if (options.by === "session") {
      const d = sessionDateOf(t);
      if (d === null) continue;
      if (d === curDate) {
        key = curKey;
        bEnd = curEnd;
      } else {
        const b = sessionBounds(d)!;
        key = b.open.getTime();
        bEnd = b.close.getTime();
        curDate = d;
      }
    } else {
      key = Math.floor(t / every!) * every!;
      bEnd = key + every!;
    }
    if (key !== curKey) {
      start.push(key);
      end.push(bEnd);
      first.push(i);
      last.push(i);
      curKey = key;
      curEnd = bEnd;
    } else {
      last[last.length - 1] = i;
    }
  }
  const m = start.length;
  const out: ResampledBars = {
    ts: Float64Array.from(start),
    known_at: Float64Array.from(end),
    open: new Float64Array(m),
    high: new Float64Array(m),
    low: new Float64Array(m),
    close: new Float64Array(m),
    volume: new Float64Array(m),
    vwap: new Float64Array(m),
    count: new Int32Array(m),
  };
  for (let b = 0; b < m; b++) {
    let hi = -Infinity, lo = Infinity, vol = 0, pv = 0, cnt = 0;
    let o = NaN, c = NaN;
    // bars between a bucket's first and last index all lie inside it (ts increases)
    for (let i = first[b]!; i <= last[b]!; i++) {
      if (Number.isNaN(o)) o = open[i]!;
      c = close[i]!;
      if (high[i]! > hi) hi = high[i]!;
      if (low[i]! < lo) lo = low[i]!;
      const v = volume[i]!;
      vol += v;
      pv += (bars.vwap ? bars.vwap[i]! : close[i]!) * v;
      cnt++;
    }
    out.open[b] = o;
    out.high[b] = hi;
    out.low[b] = lo;
    out.close[b] = c;
    out.volume[b] = vol;
    out.vwap[b] = vol > 0 ? pv / vol : c;
    out.count[b] = cnt;
  }
  return out;
}
