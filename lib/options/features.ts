/**
 * Option-chain features: ATM implied vol at fixed tenors, 25-delta risk reversal and butterfly,
 * skew slope, term-structure slope, a VIX-style 30-day variance computed from the chain with the
 * CBOE methodology, and the variance risk premium with point-in-time availability.
 */
import { CALENDAR_DAYS_PER_YEAR, MS_PER_DAY, TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import { impliedVol } from "./implied_vol.ts";
import type { OptionColumns } from "./option_columns.ts";
import { normCdf } from "./_special.ts";

/** A chain snapshot: option columns (one row per contract) and their mid prices. */
export interface ChainSnapshot {
  options: OptionColumns;
  /** Mid price per row (NaN where no usable quote). */
  price: Float64Array;
}

/** Features of one expiry. */
export interface ExpiryFeatures {
  /** Time to expiry (years). */
  t: number;
  /** Forward S exp((r - q) T) from the rows' rate and dividend yield. */
  forward: number;
  /** ATM (k = ln(K/F) = 0) implied vol, linear in k between bracketing out-of-the-money quotes. */
  atmIv: number;
  /** iv(25-delta call) - iv(25-delta put); forward (undiscounted) deltas N(d1), N(d1) - 1. */
  rr25: number;
  /** (iv(25d call) + iv(25d put)) / 2 - atmIv. */
  bf25: number;
  /** Least-squares slope d iv / d k over out-of-the-money quotes with |k| <= skewWindow. */
  skewSlope: number;
}

/** All features of a snapshot. */
export interface ChainFeatures {
  expiries: ExpiryFeatures[];
  /** Tenors (days) of `atmIv`. */
  tenorsDays: number[];
  /** ATM iv interpolated to each tenor (linear in total variance iv^2 T, flat vol outside). */
  atmIv: Float64Array;
  /** 25-delta risk reversal, butterfly and skew slope at 30 days (linear in T, flat outside). */
  rr25_30d: number;
  bf25_30d: number;
  skewSlope30d: number;
  /** ATM iv at the last tenor minus ATM iv at 30 days (default 90d - 30d), vol units. */
  termSlope: number;
  /** VIX-style 30-day variance (annualised) and index 100 sqrt(variance); NaN if no bracket. */
  vixVariance30d: number;
  vix: number;
}

/** Options for {@link chainFeatures}. */
export interface ChainFeaturesOptions {
  /** Fixed tenors for ATM iv. @default [7, 30, 60, 90] */
  tenorsDays?: number[];
  /** |k| window for the skew slope. @default 0.1 */
  skewWindow?: number;
}

interface Leg {
  k: number;
  strike: number;
  iv: number;
  fwdDelta: number;
  isCall: boolean;
  price: number;
}

function groupByExpiry(o: OptionColumns): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < o.t.length; i++) {
    const t = o.t[i]!;
    if (!(t > 0)) continue;
    let g = groups.get(t);
    if (!g) groups.set(t, g = []);
    g.push(i);
  }
  return new Map([...groups.entries()].sort((a, b) => a[0] - b[0]));
}

function interpAt(xs: number[], ys: number[], x: number): number {
  // xs increasing; linear inside, NaN outside
  for (let j = 1; j < xs.length; j++) {
    if (xs[j - 1]! <= x && x <= xs[j]!) {
      const dx = xs[j]! - xs[j - 1]!;
      return dx === 0 ? ys[j]! : ys[j - 1]! + (x - xs[j - 1]!) / dx * (ys[j]! - ys[j - 1]!);
    }
  }
  return NaN;
}

function expiryFeatures(
  t: number,
  rows: number[],
  o: OptionColumns,
  iv: Float64Array,
  price: Float64Array,
  skewWindow: number,
): ExpiryFeatures {
  const r0 = rows[0]!;
  const forward = o.spot[r0]! * Math.exp((o.rate[r0]! - o.div[r0]!) * t);
  const legs: Leg[] = [];
  const sq = Math.sqrt(t);
  for (const i of rows) {
    const K = o.strike[i]!;
    const isCall = o.isCall[i] === 1;
    const otm = isCall ? K >= forward : K < forward;
    if (!otm || !(iv[i]! > 0)) continue;
    const k = Math.log(K / forward);
    const s = iv[i]! * sq;
    const nd1 = normCdf(-k / s + 0.5 * s);
    legs.push({
      k,
      strike: K,
      iv: iv[i]!,
      fwdDelta: isCall ? nd1 : nd1 - 1,
      isCall,
      price: price[i]!,
    });
  }
  legs.sort((a, b) => a.k - b.k);
  const ks = legs.map((l) => l.k);
  const ivs = legs.map((l) => l.iv);
  const atmIv = interpAt(ks, ivs, 0);
  const calls = legs.filter((l) => l.isCall);
  const puts = legs.filter((l) => !l.isCall);
  // call deltas decrease with k: interpolate on reversed arrays (increasing delta)
  const c25 = interpAt(
    calls.map((l) => l.fwdDelta).reverse(),
    calls.map((l) => l.iv).reverse(),
    0.25,
  );
  const p25 = interpAt(
    puts.map((l) => l.fwdDelta).reverse(),
    puts.map((l) => l.iv).reverse(),
    -0.25,
  );
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const l of legs) {
    if (Math.abs(l.k) > skewWindow) continue;
    n++;
    sx += l.k;
    sy += l.iv;
    sxx += l.k * l.k;
    sxy += l.k * l.iv;
  }
  const den = n * sxx - sx * sx;
  const skewSlope = n >= 2 && den > 0 ? (n * sxy - sx * sy) / den : NaN;
  return {
    t,
    forward,
    atmIv,
    rr25: c25 - p25,
    bf25: 0.5 * (c25 + p25) - atmIv,
    skewSlope,
  };
}

function interpInTime(ts: number[], ys: number[], tau: number, totalVariance: boolean): number {
  const pts: [number, number][] = [];
  ts.forEach((t, j) => {
    if (Number.isFinite(ys[j]!)) pts.push([t, ys[j]!]);
  });
  if (pts.length === 0) return NaN;
  if (tau <= pts[0]![0]) return pts[0]![1];
  if (tau >= pts[pts.length - 1]![0]) return pts[pts.length - 1]![1];
  for (let j = 1; j < pts.length; j++) {
    const [t1, y1] = pts[j - 1]!;
    const [t2, y2] = pts[j]!;
    if (tau <= t2) {
      const u = (tau - t1) / (t2 - t1);
      if (!totalVariance) return y1 + u * (y2 - y1);
      const w = y1 * y1 * t1 + u * (y2 * y2 * t2 - y1 * y1 * t1);
      return Math.sqrt(w / tau);
    }
  }
  return NaN;
}

/**
 * CBOE single-term variance from one expiry's strip:
 * sigma^2 = (2/T) sum_i dK_i / K_i^2 e^{RT} Q(K_i) - (1/T) (F/K0 - 1)^2, with F = K* + e^{RT}
 * (C - P) at the strike K* where |C - P| is smallest, K0 the first strike at or below F, Q the
 * out-of-the-money mid (put below K0, call above, their average at K0), dK_i half the distance
 * between neighbouring strikes (one-sided at the ends), and the strip cut after two consecutive
 * zero (or missing) prices on each side.
 */
function cboeTermVariance(
  t: number,
  rows: number[],
  o: OptionColumns,
  price: Float64Array,
): number {
  const byStrike = new Map<number, { c: number; p: number }>();
  for (const i of rows) {
    const K = o.strike[i]!;
    const e = byStrike.get(K) ?? { c: NaN, p: NaN };
    if (o.isCall[i] === 1) e.c = price[i]!;
    else e.p = price[i]!;
    byStrike.set(K, e);
  }
  const strikes = [...byStrike.keys()].sort((a, b) => a - b);
  const R = o.rate[rows[0]!]!;
  const growth = Math.exp(R * t);
  let kStar = NaN, best = Infinity;
  for (const K of strikes) {
    const e = byStrike.get(K)!;
    const d = Math.abs(e.c - e.p);
    if (d < best) {
      best = d;
      kStar = K;
    }
  }
  if (!Number.isFinite(kStar)) return NaN;
  const e0 = byStrike.get(kStar)!;
  const F = kStar + growth * (e0.c - e0.p);
  let i0 = -1;
  for (let j = 0; j < strikes.length; j++) if (strikes[j]! <= F) i0 = j;
  if (i0 < 0) return NaN;
  const K0 = strikes[i0]!;
  const used: { K: number; q: number }[] = [];
  const atm = byStrike.get(K0)!;
  used.push({ K: K0, q: 0.5 * (atm.c + atm.p) });
  for (const dir of [-1, 1]) {
    let zeros = 0;
    for (let j = i0 + dir; j >= 0 && j < strikes.length; j += dir) {
      const e = byStrike.get(strikes[j]!)!;
      const q = dir < 0 ? e.p : e.c;
      if (!(q > 0)) {
        if (++zeros >= 2) break;
        continue;
      }
      zeros = 0;
      used.push({ K: strikes[j]!, q });
    }
  }
  used.sort((a, b) => a.K - b.K);
  if (used.length < 2) return NaN;
  let sum = 0;
  for (let j = 0; j < used.length; j++) {
    const lo = used[Math.max(0, j - 1)]!.K;
    const hi = used[Math.min(used.length - 1, j + 1)]!.K;
    const dK = j === 0 || j === used.length - 1 ? hi - lo : 0.5 * (hi - lo);
    sum += dK / (used[j]!.K * used[j]!.K) * growth * used[j]!.q;
  }
  const adj = F / K0 - 1;
  return 2 / t * sum - adj * adj / t;
}

/**
 * Features of one chain snapshot (apply per minute for a per-minute chain).
 *
 * Implied vols come from {@link impliedVol} on the mid prices (rows that cannot be inverted are
 * skipped). ATM iv per expiry is interpolated at k = 0 from out-of-the-money quotes and across
 * expiries linearly in total variance (flat vol beyond the listed expiries). The VIX-style
 * variance uses the CBOE white-paper formula on the two expiries bracketing 30 days,
 * sigma30^2 = [T1 s1^2 (T2 - tau) + T2 s2^2 (tau - T1)] / ((T2 - T1) tau), tau = 30/365, and is
 * NaN when 30 days is not bracketed. Days are calendar days (t in ACT/365 years).
 *
 * @see Cboe Global Markets (2019). VIX White Paper: Cboe Volatility Index.
 *      https://cdn.cboe.com/resources/futures/vixwhite.pdf
 * @example
 * ```ts
 * // const f = chainFeatures({ options, price }); f.atmIv[1] is the 30-day ATM iv
 * ```
 */
export function chainFeatures(
  chain: ChainSnapshot,
  options: ChainFeaturesOptions = {},
): ChainFeatures {
  const tenorsDays = options.tenorsDays ?? [7, 30, 60, 90];
  const skewWindow = options.skewWindow ?? 0.1;
  const o = chain.options;
  if (chain.price.length !== o.spot.length) {
    throw new RangeError(
      `Cannot compute chain features: ${chain.price.length} prices for ${o.spot.length} options`,
    );
  }
  const iv = impliedVol(o, chain.price, { logSummary: false });
  const groups = groupByExpiry(o);
  const expiries: ExpiryFeatures[] = [];
  for (const [t, rows] of groups) {
    expiries.push(expiryFeatures(t, rows, o, iv, chain.price, skewWindow));
  }
  const ts = expiries.map((e) => e.t);
  const yr = (d: number) => d / CALENDAR_DAYS_PER_YEAR;
  const atmIv = Float64Array.from(
    tenorsDays,
    (d) => interpInTime(ts, expiries.map((e) => e.atmIv), yr(d), true),
  );
  const tau = yr(30);
  const at30 = (f: (e: ExpiryFeatures) => number) => interpInTime(ts, expiries.map(f), tau, false);
  const atm30 = interpInTime(ts, expiries.map((e) => e.atmIv), tau, true);
  const atmLast = atmIv[atmIv.length - 1]!;
  let vixVariance30d = NaN;
  let near = -1, next = -1;
  ts.forEach((t, j) => {
    if (t <= tau) near = j;
    else if (next < 0) next = j;
  });
  if (near >= 0 && next >= 0) {
    const t1 = ts[near]!;
    const t2 = ts[next]!;
    const v1 = cboeTermVariance(t1, groups.get(t1)!, o, chain.price);
    const v2 = cboeTermVariance(t2, groups.get(t2)!, o, chain.price);
    vixVariance30d = (t1 * v1 * (t2 - tau) + t2 * v2 * (tau - t1)) / ((t2 - t1) * tau);
  }
  return {
    expiries,
    tenorsDays,
    atmIv,
    rr25_30d: at30((e) => e.rr25),
    bf25_30d: at30((e) => e.bf25),
    skewSlope30d: at30((e) => e.skewSlope),
    termSlope: atmLast - atm30,
    vixVariance30d,
    vix: 100 * Math.sqrt(vixVariance30d),
  };
}

/** Options for {@link varianceRiskPremium}. */
export interface VarianceRiskPremiumOptions {
  /** Horizon of the implied variance, calendar days. @default 30 */
  horizonDays?: number;
  /** Periods per year to annualise the realised variance. @default TRADING_DAYS_PER_YEAR (252) */
  periodsPerYear?: number;
  /**
   * Only values known at or before this instant (epoch ms) are returned; later ones are NaN.
   * @default Infinity (no cut)
   */
  asOfMs?: number;
}

/** Result of {@link varianceRiskPremium}. */
export interface VarianceRiskPremium {
  /** Realised variance over (t, t + horizon], annualised (NaN until the window is complete). */
  realisedVar: Float64Array;
  /** implied variance - realised variance. */
  vrp: Float64Array;
  /** First instant the value is known: t + horizon (epoch ms). */
  knownAtMs: Float64Array;
}

/**
 * Variance risk premium: implied variance at t minus the variance realised over the following
 * horizon, RV = (periodsPerYear / n) sum r_i^2 over the n log returns stamped in
 * (t, t + horizon]. The value for t is only known at t + horizon (`knownAtMs`); rows whose window
 * is not complete in the data, or is known after `asOfMs`, are NaN, so no future information
 * leaks into research code.
 *
 * @see Carr, P., & Wu, L. (2009). Variance risk premiums. Review of Financial Studies 22(3),
 *      1311-1341. doi:10.1093/rfs/hhn038
 * @example
 * ```ts
 * // const { vrp, knownAtMs } = varianceRiskPremium(ts, vix.map((v) => (v / 100) ** 2), retTs, ret);
 * ```
 */
export function varianceRiskPremium(
  tsMs: Float64Array,
  impliedVar: Float64Array,
  retTsMs: Float64Array,
  logRet: Float64Array,
  options: VarianceRiskPremiumOptions = {},
): VarianceRiskPremium {
  if (tsMs.length !== impliedVar.length || retTsMs.length !== logRet.length) {
    throw new RangeError("Cannot compute the variance risk premium: column lengths differ");
  }
  const horizonMs = (options.horizonDays ?? 30) * MS_PER_DAY;
  const ppy = options.periodsPerYear ?? TRADING_DAYS_PER_YEAR;
  const asOf = options.asOfMs ?? Infinity;
  const n = tsMs.length;
  const realisedVar = new Float64Array(n).fill(NaN);
  const vrp = new Float64Array(n).fill(NaN);
  const knownAtMs = new Float64Array(n);
  const lastRet = retTsMs.length ? retTsMs[retTsMs.length - 1]! : -Infinity;
  // prefix sums of squared returns (returns must be in time order)
  const cum = new Float64Array(logRet.length + 1);
  for (let i = 0; i < logRet.length; i++) {
    if (i > 0 && !(retTsMs[i]! >= retTsMs[i - 1]!)) {
      throw new RangeError(`Cannot compute the variance risk premium: returns not sorted at ${i}`);
    }
    cum[i + 1] = cum[i]! + logRet[i]! * logRet[i]!;
  }
  const firstAfter = (x: number) => {
    let lo = 0, hi = retTsMs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (retTsMs[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  for (let i = 0; i < n; i++) {
    const t = tsMs[i]!;
    const end = t + horizonMs;
    knownAtMs[i] = end;
    if (end > asOf || end > lastRet) continue;
    const a = firstAfter(t);
    const b = firstAfter(end);
    const m = b - a;
    if (m <= 0) continue;
    const rv = (cum[b]! - cum[a]!) * ppy / m;
    realisedVar[i] = rv;
    vrp[i] = impliedVar[i]! - rv;
  }
  return { realisedVar, vrp, knownAtMs };
}
