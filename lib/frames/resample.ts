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
import pl from "nodejs-polars";
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

/** Options for {@linkcode resampleFrame}. */
export interface ResampleFrameOptions extends ResampleOptions {
  /** Symbol column; each symbol is resampled on its own. @default "ticker" (if present) */
  symbolColumn?: string;
}

/**
 * Resample a lake-style bar frame (ts as Datetime ms UTC, open, high, low, close, volume and
 * optional vwap) per symbol; output columns: symbol, ts, known_at (Datetime ms UTC), open, high,
 * low, close, volume, vwap, count. See {@linkcode resampleBars} for the conventions.
 *
 * @example
 * ```ts
 * const minutes = resampleFrame(await readDataset(secondSpec, { start, end }), { everyMs: 60_000 });
 * ```
 */
export function resampleFrame(df: pl.DataFrame, options: ResampleFrameOptions): pl.DataFrame {
  const sc = options.symbolColumn ?? (df.columns.includes("ticker") ? "ticker" : undefined);
  const parts = sc ? df.partitionBy(sc, true, true) : [df];
  const out: pl.DataFrame[] = [];
  const num = (d: pl.DataFrame, c: string) =>
    d.select(pl.col(c).cast(pl.Float64).fillNull(pl.lit(NaN)).alias(c)).getColumn(c)
      .toTypedArray() as Float64Array;
  for (const part of parts) {
    if (part.height === 0) continue;
    const p = part.sort("ts");
    const r = resampleBars({
      ts: p.select(pl.col("ts").cast(pl.Int64).cast(pl.Float64)).getColumn("ts")
        .toTypedArray() as Float64Array,
      open: num(p, "open"),
      high: num(p, "high"),
      low: num(p, "low"),
      close: num(p, "close"),
      volume: num(p, "volume"),
      ...(p.columns.includes("vwap") ? { vwap: num(p, "vwap") } : {}),
    }, options);
    const dt = (name: string, x: Float64Array) =>
      pl.Series(name, x).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
    const cols: pl.Series[] = [
      dt("ts", r.ts),
      dt("known_at", r.known_at),
      pl.Series("open", r.open),
      pl.Series("high", r.high),
      pl.Series("low", r.low),
      pl.Series("close", r.close),
      pl.Series("volume", r.volume),
      pl.Series("vwap", r.vwap),
      pl.Series("count", r.count),
    ];
    if (sc) {
      cols.unshift(
        pl.Series(sc, new Array<string>(r.ts.length).fill(String(p.getColumn(sc).get(0)))),
      );
    }
    out.push(pl.DataFrame(cols));
  }
  return out.length ? pl.concat(out) : pl.DataFrame({});
}
