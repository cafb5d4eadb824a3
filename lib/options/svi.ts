/**
 * SVI volatility smiles and SSVI surfaces: fitting from quotes and static-arbitrage checks.
 *
 * Conventions: k = ln(K / F) is log-moneyness against the forward; w = sigma_impl^2 * T is the
 * total implied variance (T in years). Raw SVI (Gatheral 2004):
 *   w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2)).
 * SSVI (Gatheral & Jacquier 2014), with theta = ATM total variance of the slice:
 *   w(k, theta) = theta/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2)),
 *   phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma))  (power-law).
 * Butterfly arbitrage: a slice is free of it iff Durrleman's
 *   g(k) = (1 - k w'/(2 w))^2 - w'^2/4 (1/w + 1/4) + w''/2 >= 0 (and w > 0, w -> inf in the
 * wings; Lee's bound w/|k| <= 2 is reported as the wing check).
 * Calendar arbitrage: w(k, T) must be non-decreasing in T for every k.
 *
 * @see Gatheral, J. (2004). A parsimonious arbitrage-free implied volatility parameterization.
 *      Global Derivatives & Risk Management, Madrid.
 * @see Gatheral, J., & Jacquier, A. (2014). Arbitrage-free SVI volatility surfaces.
 *      Quantitative Finance 14(1), 59-71. doi:10.1080/14697688.2013.819986
 * @see Zeliade Systems (2009). Quasi-explicit calibration of Gatheral's SVI model.
 */
import { nelderMead } from "./_nelder_mead.ts";

/** Raw SVI parameters of one expiry slice (total-variance form). */
export interface SviParams {
  a: number;
  b: number;
  rho: number;
  m: number;
  sigma: number;
}

/**
 * Raw SVI total variance w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2)).
 *
 * @example
 * ```ts
 * sviTotalVariance({ a: 0.04, b: 0.1, rho: -0.5, m: 0, sigma: 0.2 }, 0); // 0.06
 * ```
 */
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/**
 * Durrleman's butterfly function g(k) for a raw SVI slice (formula in the module doc), with
 * w' = b (rho + (k-m)/r), w'' = b sigma^2 / r^3, r = sqrt((k-m)^2 + sigma^2). g < 0 means the
 * risk-neutral density implied by the slice is negative at k.
 *
 * @see Gatheral & Jacquier (2014), Lemma 2.2. doi:10.1080/14697688.2013.819986
 * @example
 * ```ts
 * durrlemanG({ a: 0.04, b: 0.1, rho: -0.5, m: 0, sigma: 0.2 }, 0) > 0; // true
 * ```
 */
export function durrlemanG(p: SviParams, k: number): number {
  const x = k - p.m;
  const r = Math.sqrt(x * x + p.sigma * p.sigma);
  const w = p.a + p.b * (p.rho * x + r);
  const w1 = p.b * (p.rho + x / r);
  const w2 = p.b * p.sigma * p.sigma / (r * r * r);
  const u = 1 - k * w1 / (2 * w);
  return u * u - w1 * w1 / 4 * (1 / w + 0.25) + w2 / 2;
}

/** A k-interval where an arbitrage condition fails. */
export interface KRegion {
  from: number;
  to: number;
}

/** Result of {@link butterflyArbitrage} for one slice. */
export interface ButterflyReport {
  /** No butterfly arbitrage on the grid, positive variance and Lee's wing bound hold. */
  ok: boolean;
  /** Smallest g(k) on the grid and where it occurs. */
  minG: number;
  argMinK: number;
  /** Grid intervals where g(k) < -tolerance (the offending region). */
  regions: KRegion[];
  /** Smallest total variance on the grid (must be > 0). */
  minW: number;
  /** Wing slope b (1 + |rho|) (Lee: must be <= 2). */
  wingSlope: number;
}

/** Grid for the arbitrage checks. */
export interface ArbitrageGridOptions {
  /** Lowest log-moneyness checked. @default -2 */
  kMin?: number;
  /** Highest log-moneyness checked. @default 2 */
  kMax?: number;
  /** Grid points. @default 801 */
  points?: number;
  /** Violations smaller than this are ignored (rounding). @default 1e-10 */
  tolerance?: number;
}

function grid(o: ArbitrageGridOptions): Float64Array {
  const lo = o.kMin ?? -2;
  const hi = o.kMax ?? 2;
  const n = o.points ?? 801;
  if (!(hi > lo) || !(n >= 2)) {
    throw new RangeError(`Cannot build arbitrage grid: kMin=${lo} kMax=${hi} points=${n}`);
  }
  return Float64Array.from({ length: n }, (_, i) => lo + (hi - lo) * i / (n - 1));
}

function regionsWhere(ks: Float64Array, bad: (i: number) => boolean): KRegion[] {
  const out: KRegion[] = [];
  let start = -1;
  for (let i = 0; i < ks.length; i++) {
    if (bad(i)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push({ from: ks[start]!, to: ks[i - 1]! });
      start = -1;
    }
  }
  if (start >= 0) out.push({ from: ks[start]!, to: ks[ks.length - 1]! });
  return out;
}

/**
 * Butterfly-arbitrage check of a raw SVI slice: g(k) >= 0 on a k grid, w(k) > 0, and Lee's wing
 * bound b (1 + |rho|) <= 2; reports the offending k-intervals.
 *
 * @example
 * ```ts
 * // Axel Vogt's example (Gatheral & Jacquier 2014, Example 3.1) has butterfly arbitrage
 * butterflyArbitrage({ a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 }).ok; // false
 * ```
 */
export function butterflyArbitrage(
  p: SviParams,
  options: ArbitrageGridOptions = {},
): ButterflyReport {
  const ks = grid(options);
  const tol = options.tolerance ?? 1e-10;
  const g = ks.map((k) => durrlemanG(p, k));
  const w = ks.map((k) => sviTotalVariance(p, k));
  let minG = Infinity;
  let argMinK = NaN;
  let minW = Infinity;
  for (let i = 0; i < ks.length; i++) {
    const gi = Number.isNaN(g[i]!) ? -Infinity : g[i]!;
    if (gi < minG) {
      minG = gi;
      argMinK = ks[i]!;
    }
    if (w[i]! < minW) minW = w[i]!;
  }
  const regions = regionsWhere(ks, (i) => !(g[i]! >= -tol) || !(w[i]! > 0));
  const wingSlope = p.b * (1 + Math.abs(p.rho));
  return {
    ok: regions.length === 0 && wingSlope <= 2 + tol && minW > 0,
    minG,
    argMinK,
    regions,
    minW,
    wingSlope,
  };
}

/** One pair of consecutive maturities with calendar arbitrage. */
export interface CalendarViolation {
  t1: number;
  t2: number;
  /** Largest drop w(k, t1) - w(k, t2) > 0 on the grid. */
  maxDrop: number;
  regions: KRegion[];
}

/** Result of {@link calendarArbitrage}. */
export interface CalendarReport {
  ok: boolean;
  violations: CalendarViolation[];
}

/**
 * Calendar-arbitrage check: total variance must be non-decreasing in maturity at every k of the
 * grid. `slices` give maturity t and a total-variance function; they are sorted by t here.
 *
 * @example
 * ```ts
 * calendarArbitrage([{ t: 1, w: () => 0.05 }, { t: 0.5, w: () => 0.06 }]).ok; // false
 * ```
 */
export function calendarArbitrage(
  slices: readonly { t: number; w: (k: number) => number }[],
  options: ArbitrageGridOptions = {},
): CalendarReport {
  const ks = grid(options);
  const tol = options.tolerance ?? 1e-10;
  const sorted = [...slices].sort((x, y) => x.t - y.t);
  const violations: CalendarViolation[] = [];
  for (let j = 1; j < sorted.length; j++) {
    const s1 = sorted[j - 1]!;
    const s2 = sorted[j]!;
    const drop = ks.map((k) => s1.w(k) - s2.w(k));
    const regions = regionsWhere(ks, (i) => !(drop[i]! <= tol));
    if (regions.length > 0) {
      violations.push({ t1: s1.t, t2: s2.t, maxDrop: Math.max(...drop), regions });
    }
  }
  return { ok: violations.length === 0, violations };
}

/** Quotes of one expiry slice for {@link fitSvi}. */
export interface SliceQuotes {
  /** Log-moneyness ln(K/F). */
  k: Float64Array;
  /** Total implied variance iv^2 T. */
  w: Float64Array;
  /** Non-negative weights (vega, 1/spread^2, ...). @default all 1 */
  weight?: Float64Array;
}

/** Options for {@link fitSvi}. */
export interface FitSviOptions {
  /** Name used in messages (e.g. the expiry date). @default "slice" */
  label?: string;
  /** Fewer valid quotes than this and the fit is refused (ok = false). @default 5 */
  minQuotes?: number;
  /** Huber iteratively-reweighted fit to downweight bad quotes. @default true */
  robust?: boolean;
  /** Huber threshold in robust-scale (1.4826 MAD) units. @default 2 */
  huberC?: number;
  /**
   * Enforce no butterfly arbitrage (penalised refit when the plain fit has some). Whether or
   * not it is enforced, a fit with arbitrage has ok = false and the report says where.
   * @default true
   */
  noArbitrage?: boolean;
  /** Grid for the butterfly check. @default quotes' k range widened by 1 on each side */
  grid?: ArbitrageGridOptions;
  /**
   * Warm start, e.g. the same expiry's fit one minute earlier: the outer search over (m, sigma)
   * starts there only instead of from several points (much faster on per-minute chains).
   * @default none (cold multi-start)
   */
  start?: SviParams;
}

/** Result of {@link fitSvi}. */
export interface SviFit {
  params: SviParams;
  /** Usable fit: enough quotes and no butterfly arbitrage (when requested). */
  ok: boolean;
  /** Why not ok, or "ok". */
  message: string;
  /** Weighted RMSE of total variance over the used quotes (final robust weights). */
  rmse: number;
  /** Quotes used / dropped as invalid (NaN, w <= 0, weight <= 0). */
  used: number;
  dropped: number;
  /** Indices (into the input) of quotes rejected as outliers by the robust fit (weight 0). */
  outliers: number[];
  butterfly: ButterflyReport;
}

const NAN_SVI: SviParams = { a: NaN, b: NaN, rho: NaN, m: NaN, sigma: NaN };

/** Inner weighted linear least squares of Zeliade's quasi-explicit method for fixed m, sigma. */
function innerFit(
  k: Float64Array,
  w: Float64Array,
  wt: Float64Array,
  m: number,
  sigma: number,
): { p: SviParams; sse: number } {
  // w ~ a + d y + c z, y = (k - m)/sigma, z = sqrt(y^2 + 1); b = c / sigma, rho = d / c
  let s1 = 0, sy = 0, sz = 0, syy = 0, szz = 0, syz = 0, sw = 0, swy = 0, swz = 0;
  for (let i = 0; i < k.length; i++) {
    const q = wt[i]!;
    const y = (k[i]! - m) / sigma;
    const z = Math.sqrt(y * y + 1);
    s1 += q;
    sy += q * y;
    sz += q * z;
    syy += q * y * y;
    szz += q * z * z;
    syz += q * y * z;
    sw += q * w[i]!;
    swy += q * w[i]! * y;
    swz += q * w[i]! * z;
  }
  // solve the 3x3 normal equations by Cramer's rule
  const det = s1 * (syy * szz - syz * syz) - sy * (sy * szz - syz * sz) +
    sz * (sy * syz - syy * sz);
  let a: number, d: number, c: number;
  if (Math.abs(det) > 1e-300) {
    a = (sw * (syy * szz - syz * syz) - sy * (swy * szz - syz * swz) +
      sz * (swy * syz - syy * swz)) / det;
    d = (s1 * (swy * szz - swz * syz) - sw * (sy * szz - syz * sz) +
      sz * (sy * swz - swy * sz)) / det;
    c = (s1 * (syy * swz - syz * swy) - sy * (sy * swz - swy * sz) +
      sw * (sy * syz - syy * sz)) / det;
  } else {
    a = sw / s1;
    d = 0;
    c = 0;
  }
  // constraints: c >= 0, |d| <= c (|rho| < 1), minimum variance a + sqrt(c^2 - d^2) >= 0
  if (!(c > 0)) c = 1e-12;
  if (Math.abs(d) > 0.999 * c) d = Math.sign(d) * 0.999 * c;
  // re-solve a given d, c
  let num = 0;
  for (let i = 0; i < k.length; i++) {
    const y = (k[i]! - m) / sigma;
    num += wt[i]! * (w[i]! - d * y - c * Math.sqrt(y * y + 1));
  }
  a = num / s1;
  const floor = -Math.sqrt(c * c - d * d);
  if (a < floor) a = floor + 1e-12;
  const p = { a, b: c / sigma, rho: d / c, m, sigma };
  let sse = 0;
  for (let i = 0; i < k.length; i++) {
    const r = sviTotalVariance(p, k[i]!) - w[i]!;
    sse += wt[i]! * r * r;
  }
  return { p, sse };
}

function quasiExplicitFit(
  k: Float64Array,
  w: Float64Array,
  wt: Float64Array,
  start?: SviParams,
): SviParams {
  let kMin = Infinity, kMax = -Infinity, kAtMin = 0, wMin = Infinity;
  for (let i = 0; i < k.length; i++) {
    kMin = Math.min(kMin, k[i]!);
    kMax = Math.max(kMax, k[i]!);
    if (w[i]! < wMin) {
      wMin = w[i]!;
      kAtMin = k[i]!;
    }
  }
  const span = Math.max(kMax - kMin, 1e-3);
  let best: { p: SviParams; sse: number } | null = null;
  const warm = start !== undefined && Number.isFinite(start.m) && start.sigma > 0;
  const m0s = warm ? [start.m] : [kAtMin, 0, 0.5 * (kMin + kMax)];
  const s0s = warm ? [start.sigma] : [0.1 * span, 0.5 * span];
  for (const m0 of m0s) {
    for (const s0 of s0s) {
      const r = nelderMead(
        (x) => innerFit(k, w, wt, x[0]!, Math.exp(x[1]!)).sse,
        [m0, Math.log(s0)],
        { step: [0.1 * span, 0.5], maxEvals: 400, fTol: 1e-12 },
      );
      const fit = innerFit(k, w, wt, r.x[0]!, Math.exp(r.x[1]!));
      if (best === null || fit.sse < best.sse) best = fit;
    }
  }
  return best!.p;
}

function toVec(p: SviParams): number[] {
  return [
    p.a,
    Math.log(p.b),
    Math.atanh(Math.max(-0.999, Math.min(0.999, p.rho))),
    p.m,
    Math.log(p.sigma),
  ];
}
function fromVec(x: Float64Array): SviParams {
  return { a: x[0]!, b: Math.exp(x[1]!), rho: Math.tanh(x[2]!), m: x[3]!, sigma: Math.exp(x[4]!) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : 0.5 * (s[n / 2 - 1]! + s[n / 2]!);
}

/**
 * Fit a raw SVI slice to total-variance quotes.
 *
 * Method: Zeliade's quasi-explicit calibration (for fixed m, sigma the problem is linear in
 * a, b rho sigma, b sigma; Nelder-Mead over m and ln sigma from several starts), in robust mode
 * first on the inner 80 % of the k range, then an iteratively reweighted refit on all quotes
 * (Huber weights min(1, c s / |r|), s = 1.4826 MAD of residuals,
 * and weight 0 beyond 3 c s: those quotes are reported as outliers) so a few bad quotes do not
 * drag the smile, then, if Durrleman's g(k) < 0 somewhere on the check grid, a
 * 5-parameter Nelder-Mead refit with a penalty on negative g and on Lee's bound. If arbitrage
 * remains, ok = false and the message names the offending k-interval. Invalid quotes (NaN,
 * w <= 0, weight <= 0) are dropped and counted; fewer than `minQuotes` valid quotes give
 * ok = false with NaN parameters, never an exception.
 *
 * @example
 * ```ts
 * const truth = { a: 0.02, b: 0.1, rho: -0.4, m: 0.05, sigma: 0.15 };
 * const k = Float64Array.from({ length: 21 }, (_, i) => -0.5 + i * 0.05);
 * const fit = fitSvi({ k, w: k.map((x) => sviTotalVariance(truth, x)) });
 * fit.ok; // true, fit.params ~ truth
 * ```
 */
export function fitSvi(quotes: SliceQuotes, options: FitSviOptions = {}): SviFit {
  const label = options.label ?? "slice";
  const minQuotes = options.minQuotes ?? 5;
  const n0 = quotes.k.length;
  if (quotes.w.length !== n0 || (quotes.weight && quotes.weight.length !== n0)) {
    throw new RangeError(`Cannot fit SVI ${label}: k, w and weight lengths differ`);
  }
  const idx: number[] = [];
  for (let i = 0; i < n0; i++) {
    const wi = quotes.w[i]!;
    const q = quotes.weight ? quotes.weight[i]! : 1;
    if (Number.isFinite(quotes.k[i]!) && wi > 0 && wi < Infinity && q > 0 && q < Infinity) {
      idx.push(i);
    }
  }
  const n = idx.length;
  const emptyReport: ButterflyReport = {
    ok: false,
    minG: NaN,
    argMinK: NaN,
    regions: [],
    minW: NaN,
    wingSlope: NaN,
  };
  if (n < minQuotes) {
    return {
      params: NAN_SVI,
      ok: false,
      message: `Cannot fit SVI ${label}: only ${n} valid quotes (need ${minQuotes})`,
      rmse: NaN,
      used: n,
      dropped: n0 - n,
      outliers: [],
      butterfly: emptyReport,
    };
  }
  const k = Float64Array.from(idx, (i) => quotes.k[i]!);
  const w = Float64Array.from(idx, (i) => quotes.w[i]!);
  const base = Float64Array.from(idx, (i) => (quotes.weight ? quotes.weight[i]! : 1));
  let sumBase = 0;
  for (const q of base) sumBase += q;
  for (let i = 0; i < n; i++) base[i] = base[i]! / sumBase * n;
  const wt = Float64Array.from(base);
  const robust = options.robust ?? true;
  let p: SviParams;
  if (robust && n >= 2 * minQuotes) {
    // start from the inner 80 % of the k range: bad quotes sit mostly in the far wings (tick
    // floors, stale deep quotes) where they have the most leverage on a least-squares fit
    const sorted = Array.from(k).sort((x, y) => x - y);
    const lo = sorted[Math.floor(0.1 * n)]!;
    const hi = sorted[Math.ceil(0.9 * n) - 1]!;
    const inner = wt.map((q, i) => (k[i]! >= lo && k[i]! <= hi ? q : 0));
    p = quasiExplicitFit(k, w, inner, options.start);
  } else p = quasiExplicitFit(k, w, wt, options.start);
  const outliers: number[] = [];
  const huberC = options.huberC ?? 2;
  if (robust) {
    for (let iter = 0; iter < 4; iter++) {
      const res = Array.from(k, (x, i) => sviTotalVariance(p, x) - w[i]!);
      const med = median(res);
      const scale = 1.4826 * median(res.map((r) => Math.abs(r - med)));
      if (!(scale > 1e-12 * median(Array.from(w)))) break;
      for (let i = 0; i < n; i++) {
        // Huber weights, and rejection beyond 3 Huber thresholds (edge quotes have leverage)
        const a = Math.abs(res[i]!) / (huberC * scale);
        wt[i] = base[i]! * (a <= 1 ? 1 : a <= 3 ? 1 / a : 0);
      }
      p = quasiExplicitFit(k, w, wt, options.start ?? p);
    }
    wt.forEach((q, i) => {
      if (q === 0) outliers.push(idx[i]!);
    });
  }
  let kLo = Infinity, kHi = -Infinity;
  for (const x of k) {
    kLo = Math.min(kLo, x);
    kHi = Math.max(kHi, x);
  }
  const gridOpt: ArbitrageGridOptions = options.grid ?? { kMin: kLo - 1, kMax: kHi + 1 };
  let report = butterflyArbitrage(p, gridOpt);
  if (!report.ok && (options.noArbitrage ?? true)) {
    const ks = grid(gridOpt);
    let wScale = 0;
    for (let i = 0; i < n; i++) wScale += wt[i]! * w[i]! * w[i]!;
    for (const lambda of [1, 1e2, 1e4, 1e6]) {
      const obj = (x: Float64Array) => {
        const q = fromVec(x);
        let sse = 0;
        for (let i = 0; i < n; i++) {
          const r = sviTotalVariance(q, k[i]!) - w[i]!;
          sse += wt[i]! * r * r;
        }
        let pen = 0;
        for (const kk of ks) {
          // small margin so the optimum lands strictly inside the arbitrage-free set
          const g = durrlemanG(q, kk) - 1e-5;
          const ww = sviTotalVariance(q, kk);
          if (!(g >= 0)) pen += Number.isNaN(g) ? 1 : g * g;
          if (!(ww > 0)) pen += 1 + ww * ww;
        }
        const lee = q.b * (1 + Math.abs(q.rho)) - 2;
        if (lee > 0) pen += lee * lee;
        return sse / wScale + lambda * pen;
      };
      // restarted simplex: Nelder-Mead stalls on the kinks of the penalty
      for (let restart = 0; restart < 4; restart++) {
        const r = nelderMead(obj, toVec(p), { maxEvals: 2000, fTol: 1e-15 });
        p = fromVec(r.x);
        report = butterflyArbitrage(p, gridOpt);
        if (report.ok) break;
      }
      if (report.ok) break;
    }
  }
  let sse = 0, sw = 0;
  for (let i = 0; i < n; i++) {
    const r = sviTotalVariance(p, k[i]!) - w[i]!;
    sse += wt[i]! * r * r;
    sw += wt[i]!;
  }
  const ok = report.ok;
  const where = report.regions.map((r) => `[${r.from.toFixed(3)}, ${r.to.toFixed(3)}]`).join(
    ", ",
  );
  const message = ok ? "ok" : `Cannot fit SVI ${label} without butterfly arbitrage: ` +
    (where ? `g(k) < 0 on k in ${where}` : `wing slope ${report.wingSlope.toFixed(3)} > 2`);
  return {
    params: p,
    ok,
    message,
    rmse: Math.sqrt(sse / sw),
    used: n,
    dropped: n0 - n,
    outliers,
    butterfly: report,
  };
}

/** SSVI shape parameters (power-law phi). */
export interface SsviParams {
  rho: number;
  eta: number;
  gamma: number;
}

/**
 * SSVI power-law phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma)).
 */
export function ssviPhi(p: SsviParams, theta: number): number {
  return p.eta / (Math.pow(theta, p.gamma) * Math.pow(1 + theta, 1 - p.gamma));
}

/**
 * SSVI total variance w(k, theta) = theta/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2)).
 *
 * @example
 * ```ts
 * ssviTotalVariance({ rho: -0.3, eta: 1, gamma: 0.4 }, 0, 0.04); // 0.04 (ATM = theta)
 * ```
 */
export function ssviTotalVariance(p: SsviParams, k: number, theta: number): number {
  const phi = ssviPhi(p, theta);
  const y = phi * k + p.rho;
  return 0.5 * theta * (1 + p.rho * phi * k + Math.sqrt(y * y + 1 - p.rho * p.rho));
}

/**
 * The raw SVI parameters of an SSVI slice: a = theta/2 (1 - rho^2), b = theta phi / 2, rho,
 * m = -rho / phi, sigma = sqrt(1 - rho^2) / phi (Gatheral & Jacquier 2014, Lemma 3.2).
 *
 * @example
 * ```ts
 * ssviToSvi({ rho: 0, eta: 1, gamma: 0.5 }, 0.04).m; // 0
 * ```
 */
export function ssviToSvi(p: SsviParams, theta: number): SviParams {
  const phi = ssviPhi(p, theta);
  const r2 = 1 - p.rho * p.rho;
  return {
    a: 0.5 * theta * r2,
    b: 0.5 * theta * phi,
    rho: p.rho,
    m: -p.rho / phi,
    sigma: Math.sqrt(r2) / phi,
  };
}

/** One expiry's quotes for {@link fitSsvi}. */
export interface SsviSliceQuotes extends SliceQuotes {
  /** Time to expiry in years. */
  t: number;
  /** Name for messages (e.g. expiry date). */
  label?: string;
}

/** Options for {@link fitSsvi}. */
export interface FitSsviOptions {
  /** Slices with fewer valid quotes are skipped and reported. @default 3 */
  minQuotes?: number;
  /** Grid for the arbitrage checks. @default k in [-2, 2], 801 points */
  grid?: ArbitrageGridOptions;
  /** Warm start for the shape, e.g. the previous minute's fit. @default rho -0.3, mid-range */
  start?: SsviParams;
}

/** Result of {@link fitSsvi}. */
export interface SsviFit {
  params: SsviParams;
  /** Maturities (years) of the fitted slices, increasing. */
  t: Float64Array;
  /** ATM total variance per fitted slice (non-decreasing: no calendar arbitrage at the money). */
  theta: Float64Array;
  /** True when every check passed. */
  ok: boolean;
  message: string;
  /** Weighted RMSE of total variance over all used quotes. */
  rmse: number;
  /** Labels (or t) of slices skipped for too few quotes, with the reason. */
  skipped: string[];
  butterfly: ButterflyReport[];
  calendar: CalendarReport;
}

/**
 * Fit an SSVI surface (power-law phi) across expiries.
 *
 * Method: theta_t starts at each slice's ATM total variance (linear interpolation of w at k = 0),
 * made non-decreasing in t (running maximum, no calendar arbitrage at the money); the shape
 * (rho, eta, gamma) is fitted by Nelder-Mead over all quotes with rho = tanh(.), gamma in
 * (0, 1/2] and eta (1 + |rho|) <= 2, the sufficient condition of Gatheral & Jacquier (2014,
 * Corollary 4.1 and Remark 4.4) for a surface free of static arbitrage; theta_t is then refitted
 * per slice given the shape, kept non-decreasing, and the shape refitted once more. The result is
 * still checked numerically (butterfly per slice, calendar between slices) and ok = false with a
 * message if any check fails.
 *
 * @example
 * ```ts
 * // see tests/options/svi_test.ts: recovers (rho, eta, gamma) from synthetic quotes
 * ```
 */
export function fitSsvi(slices: readonly SsviSliceQuotes[], options: FitSsviOptions = {}): SsviFit {
  const minQuotes = options.minQuotes ?? 3;
  const skipped: string[] = [];
  type S = { t: number; k: Float64Array; w: Float64Array; q: Float64Array; label: string };
  const used: S[] = [];
  for (const s of slices) {
    const label = s.label ?? `t=${s.t}`;
    const keep: number[] = [];
    for (let i = 0; i < s.k.length; i++) {
      const q = s.weight ? s.weight[i]! : 1;
      if (Number.isFinite(s.k[i]!) && s.w[i]! > 0 && s.w[i]! < Infinity && q > 0 && q < Infinity) {
        keep.push(i);
      }
    }
    if (!(s.t > 0) || keep.length < minQuotes) {
      skipped.push(`${label}: only ${keep.length} valid quotes (need ${minQuotes})`);
      continue;
    }
    used.push({
      t: s.t,
      k: Float64Array.from(keep, (i) => s.k[i]!),
      w: Float64Array.from(keep, (i) => s.w[i]!),
      q: Float64Array.from(keep, (i) => (s.weight ? s.weight[i]! : 1)),
      label,
    });
  }
  used.sort((a, b) => a.t - b.t);
  const nS = used.length;
  if (nS === 0) {
    return {
      params: { rho: NaN, eta: NaN, gamma: NaN },
      t: new Float64Array(0),
      theta: new Float64Array(0),
      ok: false,
      message: "Cannot fit SSVI: no slice with enough valid quotes",
      rmse: NaN,
      skipped,
      butterfly: [],
      calendar: { ok: false, violations: [] },
    };
  }
  const theta = new Float64Array(nS);
  used.forEach((s, j) => {
    theta[j] = atmTotalVariance(s.k, s.w);
  });
  monotone(theta);
  let totalQ = 0;
  for (const s of used) for (const q of s.q) totalQ += q;
  // weighted squared error of one slice at ATM variance th (phi computed once per slice)
  const sliceSse = (p: SsviParams, s: (typeof used)[number], th: number) => {
    const phi = ssviPhi(p, th);
    const rho = p.rho;
    const c = 1 - rho * rho;
    let e = 0;
    for (let i = 0; i < s.k.length; i++) {
      const pk = phi * s.k[i]!;
      const y = pk + rho;
      const r = 0.5 * th * (1 + rho * pk + Math.sqrt(y * y + c)) - s.w[i]!;
      e += s.q[i]! * r * r;
    }
    return e;
  };
  const sse = (p: SsviParams, th: Float64Array) => {
    let e = 0;
    for (let j = 0; j < used.length; j++) e += sliceSse(p, used[j]!, th[j]!);
    return e;
  };
  const decode = (x: Float64Array): SsviParams => {
    const rho = Math.tanh(x[0]!);
    const gamma = 0.5 / (1 + Math.exp(-x[2]!));
    const eta = 2 / (1 + Math.abs(rho)) / (1 + Math.exp(-x[1]!));
    return { rho, eta, gamma };
  };
  const st = options.start;
  const logit = (u: number) => Math.log(u / (1 - u));
  let x0: number[] = st && Math.abs(st.rho) < 1 && st.eta > 0 && st.gamma > 0
    ? [
      Math.atanh(st.rho),
      logit(Math.min(1 - 1e-9, st.eta * (1 + Math.abs(st.rho)) / 2)),
      logit(Math.min(1 - 1e-9, 2 * st.gamma)),
    ]
    : [-0.3, 0, 0];
  let best = nelderMead((x) => sse(decode(x), theta), x0, { maxEvals: 2000, fTol: 1e-12 });
  for (let round = 0; round < 2; round++) {
    const p = decode(best.x);
    // refit theta per slice given the shape (1-D golden section on [0.5, 2] x current)
    used.forEach((s, j) => {
      theta[j] = golden(
        (th) => sliceSse(p, s, th),
        0.5 * theta[j]!,
        2 * theta[j]!,
      );
    });
    monotone(theta);
    x0 = Array.from(best.x);
    best = nelderMead((x) => sse(decode(x), theta), x0, { maxEvals: 2000, fTol: 1e-12 });
  }
  const params = decode(best.x);
  const gridOpt = options.grid ?? {};
  const butterfly = Array.from(theta, (th) => butterflyArbitrage(ssviToSvi(params, th), gridOpt));
  const calendar = calendarArbitrage(
    used.map((s, j) => ({ t: s.t, w: (k: number) => ssviTotalVariance(params, k, theta[j]!) })),
    gridOpt,
  );
  const badSlices = butterfly.map((b, j) => (b.ok ? "" : used[j]!.label)).filter((x) => x);
  const ok = badSlices.length === 0 && calendar.ok;
  const message = ok ? "ok" : [
    badSlices.length ? `butterfly arbitrage in ${badSlices.join(", ")}` : "",
    calendar.ok
      ? ""
      : `calendar arbitrage between ${
        calendar.violations.map((v) => `t=${v.t1}/${v.t2}`).join(", ")
      }`,
  ].filter((x) => x).join("; ");
  return {
    params,
    t: Float64Array.from(used, (s) => s.t),
    theta,
    ok,
    message,
    rmse: Math.sqrt(sse(params, theta) / totalQ),
    skipped,
    butterfly,
    calendar,
  };
}

/**
 * Total variance of a fitted SSVI surface at log-moneyness k and maturity t: theta(t) is linear
 * in t between fitted maturities, and proportional to t outside (theta(0) = 0, constant implied
 * ATM vol beyond the last slice), which keeps theta non-decreasing.
 *
 * @example
 * ```ts
 * // iv = sqrt(ssviSurfaceTotalVariance(fit, k, t) / t)
 * ```
 */
export function ssviSurfaceTotalVariance(fit: SsviFit, k: number, t: number): number {
  const ts = fit.t;
  const th = fit.theta;
  const n = ts.length;
  if (n === 0 || !(t > 0)) return NaN;
  let theta: number;
  if (t <= ts[0]!) theta = th[0]! * t / ts[0]!;
  else if (t >= ts[n - 1]!) theta = th[n - 1]! * t / ts[n - 1]!;
  else {
    let j = 1;
    while (ts[j]! < t) j++;
    const u = (t - ts[j - 1]!) / (ts[j]! - ts[j - 1]!);
    theta = th[j - 1]! + u * (th[j]! - th[j - 1]!);
  }
  return ssviTotalVariance(fit.params, k, theta);
}

function atmTotalVariance(k: Float64Array, w: Float64Array): number {
  // linear interpolation at k = 0 between the nearest quotes on each side
  let lo = -1, hi = -1;
  for (let i = 0; i < k.length; i++) {
    if (k[i]! <= 0 && (lo < 0 || k[i]! > k[lo]!)) lo = i;
    if (k[i]! >= 0 && (hi < 0 || k[i]! < k[hi]!)) hi = i;
  }
  if (lo < 0) return w[hi]!;
  if (hi < 0) return w[lo]!;
  if (k[hi]! === k[lo]!) return w[lo]!;
  const u = -k[lo]! / (k[hi]! - k[lo]!);
  return w[lo]! + u * (w[hi]! - w[lo]!);
}

function monotone(x: Float64Array): void {
  for (let i = 1; i < x.length; i++) if (x[i]! < x[i - 1]!) x[i] = x[i - 1]!;
}

function golden(f: (x: number) => number, a: number, b: number): number {
  const r = 0.6180339887498949;
  let c = b - r * (b - a);
  let d = a + r * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 80; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  return 0.5 * (a + b);
}
