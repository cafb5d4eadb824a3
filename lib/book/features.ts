/**
 * Order-book features per snapshot and resampled to fixed intervals: spread, mid, microprice,
 * cumulative depth and depth imbalance at levels 1..k, and order-flow imbalance.
 *
 * Inputs are book snapshots in columns (level arrays indexed [level - 1][snapshot], prices in USD,
 * an empty level NaN price and 0 size, as {@linkcode parseLobster} gives them). Every feature at
 * snapshot n uses snapshots n and n - 1 only; a resampled value at an interval uses snapshots up to
 * the interval's end and is known at that end. The point-in-time harness checks both
 * (tests/book/features_test.ts).
 */
import type { BookDay } from "./lobster.ts";

/** Book snapshots: what the features read. */
export type BookSnapshots = Pick<
  BookDay,
  "length" | "tsMs" | "askPrice" | "askSize" | "bidPrice" | "bidSize"
>;

/** Options of {@linkcode bookFeatures}. */
export interface BookFeatureOptions {
  /** Depth and imbalance are reported at levels 1..depthLevels. @default min(5, book levels) */
  depthLevels?: number;
}

/**
 * Per-snapshot feature columns. `bid_depth_j` / `ask_depth_j` and `imbalance_j` for
 * j = 1..depthLevels.
 */
export type BookFeatures = Record<string, Float64Array>;

/**
 * Features of every snapshot.
 *
 * - mid = (a1 + b1) / 2; spread = a1 - b1 (USD); spread_bps = 10^4 spread / mid.
 * - microprice = (a1 Vb1 + b1 Va1) / (Va1 + Vb1): the mid weighted by the opposite side's size at
 *   the touch (the imbalance-weighted mid, Stoikov's first-order micro-price; his full estimator
 *   adds a correction estimated from the imbalance's dynamics).
 * - bid_depth_j = sum_{i<=j} Vb_i, ask_depth_j = sum_{i<=j} Va_i (shares; empty levels count 0).
 * - imbalance_j = (bid_depth_j - ask_depth_j) / (bid_depth_j + ask_depth_j), in [-1, 1].
 * - ofi: the order-flow imbalance event e_n of Cont, Kukanov and Stoikov (2014), eq. (2):
 *   e_n = 1{Pb_n >= Pb_{n-1}} qb_n - 1{Pb_n <= Pb_{n-1}} qb_{n-1}
 *       - 1{Pa_n <= Pa_{n-1}} qa_n + 1{Pa_n >= Pa_{n-1}} qa_{n-1},
 *   with P, q the best price and size; OFI over an interval is the sum of e_n in it.
 *
 * Conventions: a side with an empty best level makes mid, spread, microprice and ofi NaN; ofi at
 * the first snapshot is NaN (no previous state); imbalance is NaN when both depths are 0.
 *
 * @see Cont, R., Kukanov, A., & Stoikov, S. (2014). The Price Impact of Order Book Events.
 *      Journal of Financial Econometrics 12(1), 47-88. doi:10.1093/jjfinec/nbt003
 * @see Stoikov, S. (2018). The micro-price: a high-frequency estimator of future prices.
 *      Quantitative Finance 18(12), 1959-1966. doi:10.1080/14697688.2018.1489139
 *
 * @example
 * ```ts ignore
 * const f = bookFeatures(day, { depthLevels: 3 });
 * f.mid[0]; f.imbalance_3[0]; f.ofi[1];
 * ```
 */
export function bookFeatures(book: BookSnapshots, options: BookFeatureOptions = {}): BookFeatures {
  const levels = book.askPrice.length;
  const k = options.depthLevels ?? Math.min(5, levels);
  if (!(Number.isInteger(k) && k >= 1 && k <= levels)) {
    throw new RangeError(`depthLevels must be an integer in 1..${levels}, got ${k}`);
  }
  const n = book.length;
  const mid = new Float64Array(n), spread = new Float64Array(n), spreadBps = new Float64Array(n);
  const micro = new Float64Array(n), ofi = new Float64Array(n);
  const bidDepth = Array.from({ length: k }, () => new Float64Array(n));
  const askDepth = Array.from({ length: k }, () => new Float64Array(n));
  const imb = Array.from({ length: k }, () => new Float64Array(n));
  const a1 = book.askPrice[0]!,
    b1 = book.bidPrice[0]!,
    qa = book.askSize[0]!,
    qb = book.bidSize[0]!;
  for (let i = 0; i < n; i++) {
    const a = a1[i]!, b = b1[i]!, va = qa[i]!, vb = qb[i]!;
    const m = (a + b) / 2;
    mid[i] = m;
    spread[i] = a - b;
    spreadBps[i] = (1e4 * (a - b)) / m;
    micro[i] = va + vb > 0 ? (a * vb + b * va) / (va + vb) : NaN;
    let db = 0, da = 0;
    for (let j = 0; j < k; j++) {
      db += book.bidSize[j]![i]!;
      da += book.askSize[j]![i]!;
      bidDepth[j]![i] = db;
      askDepth[j]![i] = da;
      imb[j]![i] = db + da > 0 ? (db - da) / (db + da) : NaN;
    }
    if (i === 0) ofi[i] = NaN;
    else {
      const pb = b1[i - 1]!, pa = a1[i - 1]!;
      if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(pa) || Number.isNaN(pb)) ofi[i] = NaN;
      else {
        ofi[i] = (b >= pb ? vb : 0) - (b <= pb ? qb[i - 1]! : 0) - (a <= pa ? va : 0) +
          (a >= pa ? qa[i - 1]! : 0);
      }
    }
  }
  const out: BookFeatures = { mid, spread, spread_bps: spreadBps, microprice: micro, ofi };
  for (let j = 0; j < k; j++) {
    out[`bid_depth_${j + 1}`] = bidDepth[j]!;
    out[`ask_depth_${j + 1}`] = askDepth[j]!;
    out[`imbalance_${j + 1}`] = imb[j]!;
  }
  return out;
}

/** Options of {@linkcode resampleBookFeatures}. */
export interface ResampleBookOptions extends BookFeatureOptions {
  /** Interval length in ms (1000 for seconds, 60000 for minutes). @default 1000 */
  intervalMs?: number;
  /** First interval's start, epoch ms. @default the first snapshot's time floored to the interval */
  startMs?: number;
  /** End (exclusive) of the last interval, epoch ms. @default the last snapshot's interval end */
  endMs?: number;
}

/** Resampled features: `ts_ms` (interval start), `known_at_ms` (interval end), the state columns and `ofi`. */
export type ResampledBookFeatures = Record<string, Float64Array>;

/**
 * Features per interval [t, t + interval): state features (mid, spread, microprice, depth,
 * imbalance) are those of the last snapshot before the interval's end (carried forward through
 * intervals without events; NaN before the first snapshot); `ofi` is the sum of the snapshot ofi
 * events e_n inside the interval (0 when none; Cont, Kukanov and Stoikov 2014 use 10 s intervals);
 * `events` counts the snapshots inside it. An interval is stamped at its start (`ts_ms`) and known
 * at its end (`known_at_ms`).
 *
 * @example
 * ```ts ignore
 * const perMinute = resampleBookFeatures(day, { intervalMs: 60_000, depthLevels: 3 });
 * ```
 */
export function resampleBookFeatures(
  book: BookSnapshots,
  options: ResampleBookOptions = {},
): ResampledBookFeatures {
  const iv = options.intervalMs ?? 1000;
  if (!(Number.isInteger(iv) && iv > 0)) {
    throw new RangeError(`intervalMs must be a positive integer, got ${iv}`);
  }
  const f = bookFeatures(book, options);
  const n = book.length;
  const t = book.tsMs;
  for (let i = 1; i < n; i++) {
    if (t[i]! < t[i - 1]!) throw new RangeError(`Snapshot times must not decrease (index ${i})`);
  }
  const start = options.startMs ?? (n ? Math.floor(t[0]! / iv) * iv : 0);
  const end = options.endMs ?? (n ? (Math.floor(t[n - 1]! / iv) + 1) * iv : start);
  const m = Math.max(0, Math.ceil((end - start) / iv));
  const stateCols = Object.keys(f).filter((c) => c !== "ofi");
  const out: ResampledBookFeatures = {
    ts_ms: new Float64Array(m),
    known_at_ms: new Float64Array(m),
    events: new Float64Array(m),
    ofi: new Float64Array(m),
  };
  for (const c of stateCols) out[c] = new Float64Array(m).fill(NaN);
  let i = 0;
  while (i < n && t[i]! < start) i++;
  let last = i - 1;
  for (let b = 0; b < m; b++) {
    const lo = start + b * iv, hi = lo + iv;
    out.ts_ms![b] = lo;
    out.known_at_ms![b] = hi;
    let ofi = 0, ev = 0;
    while (i < n && t[i]! < hi) {
      const e = f.ofi![i]!;
      if (!Number.isNaN(e)) ofi += e;
      ev++;
      last = i;
      i++;
    }
    out.ofi![b] = ofi;
    out.events![b] = ev;
    if (last >= 0) { for (const c of stateCols) out[c]![b] = f[c]![last]!; }
  }
  return out;
}
