/**
 * Cross-sectional equity features over a daily panel, ranked or z-scored per date.
 *
 * Panel layout: date-major typed arrays, value of symbol s on date t at index t * nSymbols + s.
 * Missing observations (not listed yet, delisted, halted) are NaN; a feature whose window touches
 * a missing value is NaN. Every feature at date t uses closes and volumes up to t only, and the
 * calendar (which is known in advance) for the next session's weekday and month.
 *
 * Features (r_t = ln(C_t / C_{t-1}), daily log returns):
 * - `mom_12_1`: ln(C_{t-21} / C_{t-252}), 12-month momentum skipping the last month
 *   (Jegadeesh & Titman 1993, doi:10.1111/j.1540-6261.1993.tb04702.x).
 * - `reversal_21`: -ln(C_t / C_{t-21}), short-term reversal (Jegadeesh 1990,
 *   doi:10.1111/j.1540-6261.1990.tb05110.x); sign flipped so high = expected to rise.
 * - `vol_63`: sample standard deviation (ddof 1) of the last 63 daily log returns, not annualised.
 * - `amihud_21`: mean over 21 days of |r_t| / (C_t V_t) times 1e6 (Amihud 2002,
 *   doi:10.1016/S1386-4181(01)00024-6).
 * - `log_dollar_volume_21`: ln of the mean of C_t V_t over 21 days.
 * - `dow_seasonality`: mean of r on the same weekday as the next session over the last 260 days
 *   (Keloharju, Linnainmaa & Nyberg 2016, doi:10.1111/jofi.12398).
 * - `month_seasonality`: mean over the previous 1..5 calendar years of the log return in the
 *   calendar month of the next session (Heston & Sadka 2008, doi:10.1016/j.jfineco.2007.02.003).
 */
import { nextTradingDay } from "../time/mod.ts";
import { RowRanker } from "./_rank.ts";

/** A daily panel of closes and volumes (date-major). */
export interface DailyPanel {
  /** Session dates "YYYY-MM-DD", increasing, one per panel row. */
  dates: string[];
  /** Symbols, one per panel column. */
  symbols: string[];
  /** Close prices (split-adjusted for returns to be meaningful), length dates * symbols. */
  close: Float64Array;
  /** Share volumes, same layout. */
  volume: Float64Array;
}

/** Options for {@linkcode crossSectionalFeatures}. */
export interface CrossSectionalOptions {
  /**
   * Per-date normalisation: "rank" (percentile rank in [0, 1], ties averaged), "zscore"
   * ((x - mean) / sample sd per date) or "none".
   * @default "rank"
   */
  normalize?: "rank" | "zscore" | "none";
}

/** Names of the features produced, in output order. */
export const CROSS_SECTIONAL_FEATURES = [
  "mom_12_1",
  "reversal_21",
  "vol_63",
  "amihud_21",
  "log_dollar_volume_21",
  "dow_seasonality",
  "month_seasonality",
] as const;

const good = (x: number) => x > 0 && Number.isFinite(x);

function checkPanel(p: DailyPanel): void {
  const n = p.dates.length * p.symbols.length;
  if (p.close.length !== n || p.volume.length !== n) {
    throw new RangeError(
      `Cannot build cross-sectional features: ${p.dates.length} dates x ${p.symbols.length} symbols needs ${n} values, got close ${p.close.length}, volume ${p.volume.length}`,
    );
  }
  for (let t = 1; t < p.dates.length; t++) {
    if (!(p.dates[t]! > p.dates[t - 1]!)) {
      throw new RangeError(
        `Cannot build cross-sectional features: dates not increasing at ${p.dates[t]}`,
      );
    }
  }
}

/** Daily log returns of a panel, NaN where either close is missing. */
export function panelLogReturns(p: { close: Float64Array }, nSymbols: number): Float64Array {
  const r = new Float64Array(p.close.length).fill(NaN);
  for (let i = nSymbols; i < r.length; i++) {
    const a = p.close[i - nSymbols]!, b = p.close[i]!;
    if (good(a) && good(b)) r[i] = Math.log(b / a);
  }
  return r;
}

/** Amihud's daily ratio |r| / (C V) x 1e6 from the dollar volume d = C V, NaN unless d > 0. */
const illiqOf = (d: number, r: number) => d > 0 ? (Math.abs(r) / d) * 1e6 : NaN;
/** Dollar volume d = C V when finite and non-negative, else NaN. */
const dollarOf = (d: number) => d - d === 0 && d >= 0 ? d : NaN;

/**
 * Rolling means per symbol over `w` rows of a date-major panel for two daily series at once (NaN
 * when any value in the window is NaN), via running sums and counts of NaN, re-anchored every 256
 * rows against rounding drift. The series are derived per cell rather than stored:
 * - mode 0: a = r, b = r^2; writes outA = vol = sqrt(max(0, (E[b] - E[a]^2) w / (w - 1)));
 * - mode 1: a = Amihud's ratio, b = dollar volume; writes outA = E[a], outB = ln E[b] (NaN unless
 *   E[b] > 0).
 * Every cell of the outputs is written.
 */
function rollingPair(
  mode: 0 | 1,
  r: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  nS: number,
  w: number,
  outA: Float64Array,
  outB: Float64Array | null,
): void {
  const nT = r.length / nS;
  const sa = new Float64Array(nS), sb = new Float64Array(nS);
  const ba = new Int32Array(nS), bb = new Int32Array(nS);
  const volScale = w / (w - 1);
  for (let t = 0; t < nT; t++) {
    const base = t * nS;
    const back = base - w * nS;
    const reanchor = t >= w && t % 256 === 0;
    const full = t >= w - 1;
    for (let s = 0; s < nS; s++) {
      const i = base + s;
      let va: number, vb: number;
      if (mode === 0) {
        va = r[i]!;
        vb = va * va;
      } else {
        const d = close[i]! * volume[i]!;
        va = illiqOf(d, r[i]!);
        vb = dollarOf(d);
      }
      if (va !== va) ba[s]!++;
      else sa[s]! += va;
      if (vb !== vb) bb[s]!++;
      else sb[s]! += vb;
      if (t >= w) {
        const o = back + s;
        let oa: number, ob: number;
        if (mode === 0) {
          oa = r[o]!;
          ob = oa * oa;
        } else {
          const d = close[o]! * volume[o]!;
          oa = illiqOf(d, r[o]!);
          ob = dollarOf(d);
        }
        if (oa !== oa) ba[s]!--;
        else sa[s]! -= oa;
        if (ob !== ob) bb[s]!--;
        else sb[s]! -= ob;
      }
      if (reanchor) reanchorSums(mode, r, close, volume, nS, w, t, s, ba, bb, sa, sb);
      const ma = full && ba[s] === 0 ? sa[s]! / w : NaN;
      const mb = full && bb[s] === 0 ? sb[s]! / w : NaN;
      if (mode === 0) outA[i] = Math.sqrt(Math.max(0, (mb - ma * ma) * volScale));
      else {
        outA[i] = ma;
        outB![i] = mb > 0 ? Math.log(mb) : NaN;
      }
    }
  }
}

/** Recomputes the window sums of symbol s at row t from scratch (see {@linkcode rollingPair}). */
function reanchorSums(
  mode: 0 | 1,
  r: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  nS: number,
  w: number,
  t: number,
  s: number,
  ba: Int32Array,
  bb: Int32Array,
  sa: Float64Array,
  sb: Float64Array,
): void {
  let accA = 0, accB = 0;
  for (let j = t - w + 1; j <= t; j++) {
    const i = j * nS + s;
    if (mode === 0) {
      const v = r[i]!;
      accA += v;
      accB += v * v;
    } else {
      const d = close[i]! * volume[i]!;
      accA += illiqOf(d, r[i]!);
      accB += dollarOf(d);
    }
  }
  if (ba[s] === 0) sa[s] = accA;
  if (bb[s] === 0) sb[s] = accB;
}

function weekdayOf(d: string): number {
  return new Date(d + "T00:00:00Z").getUTCDay();
}

/**
 * Builds every feature in {@linkcode CROSS_SECTIONAL_FEATURES} and normalises each per date.
 *
 * @example
 * ```ts
 * const feats = crossSectionalFeatures({ dates, symbols, close, volume }, { normalize: "rank" });
 * feats.mom_12_1[t * symbols.length + s];
 * ```
 */
export function crossSectionalFeatures(
  panel: DailyPanel,
  options: CrossSectionalOptions = {},
): Record<(typeof CROSS_SECTIONAL_FEATURES)[number], Float64Array> {
  checkPanel(panel);
  const nS = panel.symbols.length;
  const nT = panel.dates.length;
  const N = nS * nT;
  const { close, volume } = panel;
  // one pass for the log returns and both price-ratio features (Math.log dominates it)
  const r = new Float64Array(N);
  const mom = new Float64Array(N);
  const rev = new Float64Array(N);
  for (let t = 0; t < nT; t++) {
    for (let i = t * nS, e = i + nS; i < e; i++) {
      const c = close[i]!;
      const cOk = c > 0 && c !== Infinity;
      let x = NaN;
      if (t >= 1) {
        const a = close[i - nS]!;
        if (cOk && a > 0 && a !== Infinity) x = Math.log(c / a);
      }
      r[i] = x;
      x = NaN;
      if (t >= 252) {
        const a = close[i - 252 * nS]!, b = close[i - 21 * nS]!;
        if (good(a) && good(b)) x = Math.log(b / a);
      }
      mom[i] = x;
      x = NaN;
      if (t >= 21) {
        const b = close[i - 21 * nS]!;
        if (cOk && good(b)) x = -Math.log(c / b);
      }
      rev[i] = x;
    }
  }

  // vol_63 from rolling E[r] and E[r^2] (daily returns are small, so cancellation is benign)
  const vol = new Float64Array(N);
  rollingPair(0, r, close, volume, nS, 63, vol, null);
  // Amihud's ratio and dollar volume over 21 days
  const amihud = new Float64Array(N);
  const ldv = new Float64Array(N);
  rollingPair(1, r, close, volume, nS, 21, amihud, ldv);

  const { dow, month } = seasonality(panel, r);
  const raw = {
    mom_12_1: mom,
    reversal_21: rev,
    vol_63: vol,
    amihud_21: amihud,
    log_dollar_volume_21: ldv,
    dow_seasonality: dow,
    month_seasonality: month,
  };
  const norm = options.normalize ?? "rank";
  if (norm === "none") return raw;
  // the raw arrays are private to this call, so ranks are written over them
  const f = norm === "rank"
    ? (v: Float64Array) => rankRows(v, nS, v)
    : (v: Float64Array) => zscoreCrossSection(v, nS);
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, f(v)]),
  ) as typeof raw;
}

/** Day-of-week and month seasonality (see the module doc). */
function seasonality(
  panel: DailyPanel,
  r: Float64Array,
): { dow: Float64Array; month: Float64Array } {
  const nS = panel.symbols.length;
  const nT = panel.dates.length;
  const N = nS * nT;
  const wd = new Int8Array(nT);
  const year = new Int32Array(nT);
  const mon = new Int8Array(nT);
  for (let t = 0; t < nT; t++) {
    const d = panel.dates[t]!;
    wd[t] = weekdayOf(d);
    year[t] = Number(d.slice(0, 4));
    mon[t] = Number(d.slice(5, 7)) - 1;
  }
  const nextDate = (t: number) =>
    t + 1 < nT ? panel.dates[t + 1]! : nextTradingDay(panel.dates[t]!);
  // day of week: rolling 260-day sums of r per (weekday, symbol)
  const W = 260;
  const dsum = new Float64Array(7 * nS);
  const dcnt = new Int32Array(7 * nS);
  const dow = new Float64Array(N).fill(NaN);
  // month: completed calendar-month log returns per (year, month, symbol)
  const y0 = nT ? year[0]! : 0;
  const nY = nT ? year[nT - 1]! - y0 + 2 : 0;
  const msum = new Float64Array(nY * 12 * nS);
  const mcnt = new Int32Array(nY * 12 * nS);
  const month = new Float64Array(N).fill(NaN);
  let lastKey = -1;
  for (let t = 0; t < nT; t++) {
    const base = t * nS;
    const k = wd[t]! * nS;
    const mk = ((year[t]! - y0) * 12 + mon[t]!) * nS;
    for (let s = 0; s < nS; s++) {
      const v = r[base + s]!;
      if (!Number.isNaN(v)) {
        dsum[k + s]! += v;
        dcnt[k + s]!++;
        msum[mk + s]! += v;
        mcnt[mk + s]!++;
      }
      if (t >= W) {
        const o = r[base - W * nS + s]!;
        if (!Number.isNaN(o)) {
          const ko = wd[t - W]! * nS;
          dsum[ko + s]! -= o;
          dcnt[ko + s]!--;
        }
      }
    }
    const nd = nextDate(t);
    const kn = weekdayOf(nd) * nS;
    const ny = Number(nd.slice(0, 4));
    const nm = Number(nd.slice(5, 7)) - 1;
    for (let s = 0; s < nS; s++) {
      if (t >= W - 1 && dcnt[kn + s]! > 0) dow[base + s] = dsum[kn + s]! / dcnt[kn + s]!;
    }
    // previous years' same month: complete before the next session (they end before year ny),
    // so the values only change when the next session's (year, month) does: a row whose next
    // session falls in the same month as the previous row's copies that row
    const key = ny * 12 + nm;
    if (key === lastKey) {
      month.copyWithin(base, base - nS, base);
      continue;
    }
    lastKey = key;
    for (let s = 0; s < nS; s++) {
      let acc = 0, cnt = 0;
      for (let back = 1; back <= 5; back++) {
        const yi = ny - back - y0;
        if (yi < 0) break;
        const idx = (yi * 12 + nm) * nS + s;
        // a month counts only when fully observed inside the panel (>= 15 returns)
        if (mcnt[idx]! >= 15) {
          acc += msum[idx]!;
          cnt++;
        }
      }
      if (cnt > 0) month[base + s] = acc / cnt;
    }
  }
  return { dow, month };
}

/**
 * Percentile rank per date: (rank - 1) / (count - 1) in [0, 1] among the finite values of the
 * row, ties (values equal as numbers, -0 equal to +0) get their average rank, a row with one
 * finite value gets 0.5, NaN and +-Infinity give NaN.
 *
 * Implementation: no comparison sort; each row is ordered by a bucket (most-significant-digit
 * radix) sort on the 64-bit order-preserving integer keys of the doubles (`_rank.ts`), about six
 * linear passes per row, and ties are equal keys.
 *
 * @example
 * ```ts
 * rankCrossSection(Float64Array.from([3, 1, 2, 2]), 4); // [1, 0, 0.5, 0.5]
 * ```
 */
export function rankCrossSection(x: Float64Array, nSymbols: number): Float64Array {
  return rankRows(x, nSymbols, new Float64Array(x.length));
}

/** Ranks every row of x into out (which may be x itself); see {@linkcode rankCrossSection}. */
function rankRows(x: Float64Array, nSymbols: number, out: Float64Array): Float64Array {
  if (nSymbols <= 0) return out.fill(NaN);
  const ranker = new RowRanker(nSymbols);
  const whole = x.length - (x.length % nSymbols);
  for (let base = 0; base < whole; base += nSymbols) ranker.rankRow(x, base, nSymbols, out);
  if (whole < x.length) ranker.rankRow(x, whole, x.length - whole, out);
  return out;
}

/**
 * Z-score per date: (x - mean) / sd over the finite values of the row, sd with ddof 1; a row
 * with fewer than two finite values or zero spread gives 0 for its finite entries.
 *
 * @example
 * ```ts
 * zscoreCrossSection(Float64Array.from([1, 2, 3]), 3); // [-1, 0, 1]
 * ```
 */
export function zscoreCrossSection(x: Float64Array, nSymbols: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let base = 0; base < x.length; base += nSymbols) {
    let s1 = 0, m = 0;
    for (let s = 0; s < nSymbols; s++) {
      const v = x[base + s]!;
      if (Number.isFinite(v)) {
        s1 += v;
        m++;
      }
    }
    if (m === 0) continue;
    const mu = s1 / m;
    let ss = 0;
    for (let s = 0; s < nSymbols; s++) {
      const v = x[base + s]!;
      if (Number.isFinite(v)) ss += (v - mu) * (v - mu);
    }
    const sd = m > 1 ? Math.sqrt(ss / (m - 1)) : 0;
    for (let s = 0; s < nSymbols; s++) {
      const v = x[base + s]!;
      if (Number.isFinite(v)) out[base + s] = sd > 0 ? (v - mu) / sd : 0;
    }
  }
  return out;
}
