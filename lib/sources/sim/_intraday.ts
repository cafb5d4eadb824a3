/**
 * Private: one session of bars from a Brownian bridge in log price with stochastic-volatility
 * noise, an intraday U-shape in volatility and volume, and jumps.
 *
 * Step variances: var_k proportional to U(u_k) * m_k^2 with u_k = (k + 0.5) / N,
 * U(u) = 1 + 1.8 e^{-10u} + 0.9 e^{-12(1-u)} and m_k = exp(a_k), a an AR(1) with persistence
 * 1 - 8/N and stationary sd 0.25; scaled so that sum var_k = sdIntraday^2. Increments
 * x_k = sqrt(var_k) z_k plus the given jumps at random steps; W = cumsum x, V = cumsum var.
 * Bridge: X_k = W_k - (V_k / V_N) (W_N - ln(close / open)), so X_N hits the close exactly.
 * Step bar: o = round(P_{k-1}), c = round(P_k), h = round(max(P_{k-1}, P_k) e^{0.5 sd_k |z|}),
 * l likewise below. Volume U-shape 1 + 2.5 e^{-8u} + 1.5 e^{-10(1-u)} with lognormal noise.
 * Each step's trades follow a fixed layout (see stepTrades) so VWAP and trade count are exact
 * functions of the bar.
 */
import { allocBars, type Bars, sliceBars } from "./bars.ts";
import { StreamRng } from "./_stream.ts";

/** Round a price to the tick: cents at or above $1, 1/100 of a cent below. */
export function roundPx(x: number): number {
  return x >= 1 ? Math.round(x * 100) / 100 : Math.round(x * 10000) / 10000;
}

export interface IntradaySpec {
  openMs: number;
  steps: number;
  stepMs: number;
  open: number;
  close: number;
  sdIntraday: number;
  /** Expected session volume. */
  volume: number;
  /** Log jumps to place at random steps. */
  jumps: readonly number[];
  /** Average trade size (shares). */
  tradeSize: number;
  /** Minimum trades per step (the trade layout needs 4 for distinct o/h/l/c). */
  minTrades: number;
  /** Lot size volume is rounded to. */
  lot: number;
  /** Price tick; default cents (1/100 cent below $1). */
  tick?: number;
}

const shapeCache = new Map<
  number,
  { vol: Float64Array; volume: Float64Array; volumeSum: number }
>();

/** U-shapes of variance and volume for n steps (cached per n). */
function shapes(n: number): { vol: Float64Array; volume: Float64Array; volumeSum: number } {
  let s = shapeCache.get(n);
  if (s) return s;
  const vol = new Float64Array(n), volume = new Float64Array(n);
  let volumeSum = 0;
  for (let k = 0; k < n; k++) {
    const u = (k + 0.5) / n;
    vol[k] = 1 + 1.8 * Math.exp(-10 * u) + 0.9 * Math.exp(-12 * (1 - u));
    volume[k] = 1 + 2.5 * Math.exp(-8 * u) + 1.5 * Math.exp(-10 * (1 - u));
    volumeSum += volume[k]!;
  }
  s = { vol, volume, volumeSum };
  shapeCache.set(n, s);
  return s;
}

/** Scratch for a session's normals (grown on demand; the generator is synchronous). */
let zBuf = new Float64Array(0);
let varBuf = new Float64Array(0);
let xBuf = new Float64Array(0);
let sdScratch = new Float64Array(0);

/**
 * Bars of one session; every step has at least `minTrades` trades. The draws come from
 * `new Rng(seed)` (lib/core/random.ts), in this order: 1 + N normals (the volatility AR), N
 * normals (the increments), one uniform per jump (its step), then 3 normals per step (high, low,
 * volume). Pass `seed` = `rng.fork(label).seed` to draw the fork's stream.
 *
 * `into` (optional, capacity at least `spec.steps`): write the bars there and return a view of
 * its first `spec.steps` rows instead of allocating; for callers that only aggregate them.
 *
 * @example
 * ```ts
 * const b = intradayBars(rng.fork("spy:2024-03-28").seed, {
 *   openMs: Date.UTC(2024, 2, 28, 13, 30), steps: 23_400, stepMs: 1000, open: 520, close: 523,
 *   sdIntraday: 0.008, volume: 60e6, jumps: [], tradeSize: 180, minTrades: 4, lot: 100,
 * });
 * ```
 */
export function intradayBars(seed: number, spec: IntradaySpec, into?: Bars): Bars {
  const n = spec.steps;
  if (into && into.t.length < n) {
    throw new RangeError(`intradayBars: scratch of ${into.t.length} rows for ${n} steps`);
  }
  const bars = into ? sliceBars(into, 0, n) : allocBars(n);
  generate(seed, spec, bars, undefined);
  return bars;
}

/** Options for {@link intradayAggregates}. */
export interface IntradayAggregatesOptions {
  /** Also aggregate into windows of this many ms aligned to epoch 0 (e.g. 60_000: minutes). */
  windowMs?: number;
  /** Stamp of the session's single bar (e.g. ET midnight). @default 0 */
  dayMs?: number;
}

/** What {@link intradayAggregates} gives: the session as one bar, and its windows if asked. */
export interface IntradayAggregates {
  day: Bars;
  windows?: Bars;
}

/**
 * The aggregates of `intradayBars(seed, spec)` without the step bars: exactly (bit for bit)
 * `aggregateAll(bars, dayMs)` and `aggregateBars(bars, windowMs, 0)` of them (open = first open,
 * high = max, low = min, close = last close, volume and trades summed in step order, VWAP =
 * sum(vw * v) / sum(v) in step order), computed in the generator's loop instead of passes over
 * stored steps.
 *
 * @example
 * ```ts
 * const { day, windows } = intradayAggregates(seed, spec, { windowMs: 60_000, dayMs });
 * ```
 */
export function intradayAggregates(
  seed: number,
  spec: IntradaySpec,
  options: IntradayAggregatesOptions = {},
): IntradayAggregates {
  const agg = new SessionAggregator(spec, options.windowMs);
  generate(seed, spec, undefined, agg);
  return agg.finish(options.dayMs ?? 0);
}

/** Running aggregates of a session's steps (see intradayAggregates). */
class SessionAggregator {
  windows?: Bars;
  windowMs: number;
  j = -1;
  cur = NaN;
  wPv = 0;
  dO = NaN;
  dH = NaN;
  dL = NaN;
  dC = NaN;
  dV = 0;
  dN = 0;
  dPv = 0;

  constructor(spec: IntradaySpec, windowMs: number | undefined) {
    this.windowMs = windowMs ?? 0;
    if (windowMs !== undefined) {
      if (!(windowMs > 0)) throw new RangeError(`intradayAggregates: windowMs ${windowMs}`);
      let count = 0, cur = NaN;
      for (let k = 0; k < spec.steps; k++) {
        const w = Math.floor((spec.openMs + k * spec.stepMs) / windowMs) * windowMs;
        if (w !== cur) (count++, cur = w);
      }
      this.windows = allocBars(count);
    }
  }

  finish(dayMs: number): IntradayAggregates {
    const w = this.windows;
    const j = this.j;
    if (w && j >= 0) w.vw[j] = w.v[j]! > 0 ? this.wPv / w.v[j]! : w.c[j]!;
    const day = allocBars(this.dC === this.dC ? 1 : 0);
    if (day.length) {
      day.t[0] = dayMs;
      day.o[0] = this.dO;
      day.h[0] = this.dH;
      day.l[0] = this.dL;
      day.c[0] = this.dC;
      day.v[0] = this.dV;
      day.n[0] = this.dN;
      day.vw[0] = this.dV > 0 ? this.dPv / this.dV : this.dC;
    }
    return w ? { day, windows: w } : { day };
  }
}

/*
 * FAST PATH (certified, exact fallback). The step loop's four exponentials feed only roundings
 * (c, hr, lr to the cent; volume to lots), roundPx's $1 switch, min/max and `prev = px` (which
 * feeds hx and lx only). A step first computes all four cheaply, each with a proven relative
 * error bound, and keeps their roundings only when no value within the bounds can round
 * differently; otherwise the whole step is computed by the original expressions (the exact
 * step in the loop). So every output equals the original code's bit for bit by construction,
 * whatever the inputs (tests/sources/sim/intraday_fastpath_test.ts drives the fallbacks).
 * Bounds (relative):
 * - px = open * exp(arg_k), arg_k computed exactly as before: E ~ exp(arg_k) is carried as
 *   E_k = E_{k-1} * P3(d), d = arg_k - arg_{k-1}, |d| <= 2^-8, P3(d) = 1 + d + d^2/2 + d^3/6.
 *   Each step adds to eps, E's bound, at most d^4/20 (Taylor remainder d^4/24 e^|d|) plus 2^-49
 *   (d's rounding, P3's evaluation, the product: about 6 * 2^-53; cross terms are below 2^-60
 *   while eps <= 2^-33). A fallback step re-anchors E = Math.exp(arg_k), eps = 2^-49 (Math.exp
 *   is assumed within 8 ulps; V8's fdlibm exp is within 1). px's bound over E's: 2^-48.
 * - hx = max(prev, px) * exp(th), lx = min(prev, px) * exp(-tl), th, tl = 0.5 sd |z| <= 2^-8:
 *   P3(+-t)'s remainder is at most t^4/24 e^t < 2^-36; max and min keep their operands' larger
 *   bound, which is px's (eps only grows between anchors, and prev is the previous px).
 * - vRaw = volume * shape_k / sumShape * exp(ev), |ev| <= 2: exp(ev) = Q(ev / 16)^16, Q the
 *   degree-5 Taylor polynomial; its remainder is at most u^6/720 e^|u| (|u| <= 1/8), relative
 *   6.8e-9, times 16 for the power: under 2^-22 with the roundings of Q and the squarings. The
 *   approximate vRaw / lot is volume * shape_k * (1 / (sumShape * lot)) * Q^16.
 * Taken only at or above $1 (lx > 1 + 2^-20, so all four are cents) and when each scaled value
 * y (a * 100, or vRaw / lot) lies within 0.5 - 2 R |y| - 2^-40 of r = floor(y + 1/2): the factor
 * 2 and 2^-40 cover the roundings of y in both versions and of the check itself, so the exact y
 * lies strictly inside (r - 1/2, r + 1/2), Math.round gives r, and r / 100 (r * lot) is then the
 * same operation on the same numbers as the original's. E >= 2^-900 and volume and
 * 1 / (sumShape * lot) in [2^-900, 2^900] keep every intermediate normal (errors relative),
 * except perhaps a final tiny y, whose absolute error (< 2^-1070) the 2^-40 covers.
 */
const C3 = 1 / 6, C4 = 1 / 24, C5 = 1 / 120;
/** Largest |d| (log step of px) and excursion t taken by the cubic. */
const D_MAX = 2 ** -8, T_MAX = 2 ** -8;
/** Largest |ev| (log volume noise) taken by Q(ev / 16)^16. */
const EV_MAX = 2;
/** Fallback beyond this bound on E (re-anchored at the fallback). */
const EPS_MAX = 2 ** -34;
/** Relative error of one Math.exp (8 ulps, generous) and of one incremental step's roundings. */
const EXP_ERROR = 2 ** -49, STEP_ROUNDING = 2 ** -49;
/** c, hr, lr over E's bound: px's (2^-48), the excursions' cubic (2^-36) and roundings. */
const PRICE_ROUNDING = 2 ** -48 + 2 ** -36 + 2 ** -47;
/** vRaw's bound: Q's remainder and roundings (2^-22), Math.exp and the product. */
const VOL_ERROR = 2 ** -21;
/** Absolute slack of the rounding checks (covers their own roundings). */
const CHECK_SLACK = 2 ** -40;
/** Prices above this are certainly on the cents side of roundPx's $1 switch (all R < 2^-30). */
const ONE_HI = 1 + 2 ** -20;
/** Below this E, and outside [MIN_E, 1 / MIN_E] the volume and 1 / (sumShape * lot): exact. */
const MIN_E = 2 ** -900;

/**
 * Math.round(x), bit for bit, via Math.floor where that is exact: for 0.5 <= x < 2^52,
 * floor(x + 1/2) = Math.round(x). Proof: x and 1/2 are multiples of u = ulp(x) <= 1/2, so is
 * s = x + 1/2, and s <= 2x lies at most one binade above x. fl(s) can only pass an integer N > s
 * by rounding up to it, which needs the grid of s to be coarser than u (s in the next binade,
 * [2^j, 2^j + 1/2) with j >= 0) and s = N - u, i.e. an integer N in (2^j, 2^j + 1/2 + u]: none
 * for u <= 1/4, and u = 1/2 means x >= 2^52. Elsewhere (x < 0.5, where 0.49999999999999994 + 0.5
 * rounds to 1; negatives and -0, whose sign Math.round keeps; NaN; x >= 2^52) Math.round itself.
 * Why: V8 compiles Math.round to a much slower sequence than Math.floor on this project's hosts
 * (see bench/sim_step_fastpath.ts).
 *
 * @example
 * ```ts
 * roundHalfUp(2.5); // 3, as Math.round
 * roundHalfUp(0.49999999999999994); // 0 (Math.floor(x + 0.5) would give 1)
 * roundHalfUp(-0.2); // -0, as Math.round
 * ```
 */
export function roundHalfUp(x: number): number {
  return x >= 0.5 && x < 4503599627370496 ? Math.floor(x + 0.5) : Math.round(x);
}

function generate(
  seed: number,
  spec: IntradaySpec,
  bars: Bars | undefined,
  agg: SessionAggregator | undefined,
): void {
  // Every field of the spec (and of the aggregator, and the jumps' length) is read here, before
  // the first loop: the specs of SPY, the equities and FX differ in shape (hidden class), their
  // jump arrays in elements kind, and a read after a loop is a map check of the
  // on-stack-replaced loop code, which V8 deoptimized at every session of the other shape
  // without discarding the code (issue #21: 500+ deopts per demo run).
  const n = spec.steps, jumps = spec.jumps, nJumps = jumps.length, sdIntraday = spec.sdIntraday;
  const lot = spec.lot, tick = spec.tick;
  const minTrades = spec.minTrades, tradeSize = spec.tradeSize, volume = spec.volume;
  const open = spec.open, close = spec.close, openMs = spec.openMs, stepMs = spec.stepMs;
  const win = agg === undefined ? undefined : agg.windows;
  const windowMs = agg === undefined ? 0 : agg.windowMs;
  if (zBuf.length < 3 * n + 1) {
    zBuf = new Float64Array(3 * n + 1);
    varBuf = new Float64Array(n);
    xBuf = new Float64Array(n);
    sdScratch = new Float64Array(n);
  }
  const z = zBuf, variance = varBuf, x = xBuf, sdBuf = sdScratch;
  const rng = new StreamRng(seed);
  // The AR's start and its N innovations, then the N increments' normals.
  rng.fillNormals(z, 0, 2 * n + 1);
  const phi = 1 - 8 / n;
  const eps = 0.25 * Math.sqrt(1 - phi * phi);
  let a = 0.25 * z[0]!;
  let sumVar = 0;
  const shape = shapes(n);
  const volU = shape.vol;
  for (let k = 0; k < n; k++) {
    a = phi * a + eps * z[1 + k]!;
    const m = Math.exp(a);
    const vk = volU[k]! * m * m;
    variance[k] = vk;
    sumVar += vk;
  }
  const scale = (sdIntraday * sdIntraday) / sumVar;
  let w = 0;
  for (let k = 0; k < n; k++) {
    variance[k] = variance[k]! * scale;
    const sd = Math.sqrt(variance[k]!);
    sdBuf[k] = sd;
    x[k] = sd * z[1 + n + k]!;
  }
  for (let ji = 0; ji < nJumps; ji++) {
    const j = jumps[ji]!;
    const at = Math.min(n - 1, Math.floor(rng.uniform() * n));
    x[at] = x[at]! + j;
  }
  for (let k = 0; k < n; k++) w += x[k]!;
  // High, low and volume normals of every step, in step order.
  rng.fillNormals(z, 0, 3 * n);
  const gap = w - Math.log(close / open);
  let cumW = 0;
  let cumV = 0;
  let prev = open;
  const volShape = shape.volume;
  const sumShape = shape.volumeSum;
  const cents = tick === undefined;
  const minVol = minTrades * lot;
  // A step opens at the previous step's rounded close (the same price rounded the same way).
  let cPrev = cents
    ? (open >= 1 ? roundHalfUp(open * 100) / 100 : roundHalfUp(open * 10000) / 10000)
    : roundHalfUp(open / tick) * tick;
  // FAST PATH: 1 / (sumShape * lot) replaces two divisions in the approximate vRaw / lot; the
  // path is off for ticks and for volumes or lots that could leave the normal range.
  const volLot = 1 / (sumShape * lot);
  const fastOk = cents && volume >= MIN_E && volume <= 1 / MIN_E && Math.abs(volLot) >= MIN_E &&
    Math.abs(volLot) <= 1 / MIN_E;
  // FAST PATH state: E ~ exp(arg) within relative epsE; whether prev is the exact previous px.
  let arg = 0, argPrev = 0, E = 1, epsE = 0, prevExact = true;
  let px = open;
  for (let k = 0; k < n; k++) {
    cumW += x[k]!;
    cumV += variance[k]!;
    argPrev = arg;
    arg = cumW - (cumV / sumVar / scale) * gap;
    const sd = sdBuf[k]!;
    const zh = z[3 * k]!, zl = z[3 * k + 1]!, zv = z[3 * k + 2]!;
    const o = cPrev;
    const ev = 0.4 * zv - 0.08;
    const th = 0.5 * sd * Math.abs(zh), tl = 0.5 * sd * Math.abs(zl);
    const d = arg - argPrev;
    let c = NaN, hr = NaN, lr = NaN, lots = NaN;
    if (
      fastOk && k !== n - 1 && d <= D_MAX && d >= -D_MAX && epsE <= EPS_MAX && E >= MIN_E &&
      th <= T_MAX && tl <= T_MAX && ev <= EV_MAX && ev >= -EV_MAX
    ) {
      // Approximations (see FAST PATH), then the certified roundings.
      const d2 = d * d;
      const eA = E * (1 + d * (1 + d * (0.5 + d * C3)));
      const epsA = epsE + d2 * d2 * 0.05 + STEP_ROUNDING;
      const pxA = open * eA;
      const hA = Math.max(prev, pxA) * (1 + th * (1 + th * (0.5 + th * C3)));
      const lA = Math.min(prev, pxA) * (1 - tl * (1 - tl * (0.5 - tl * C3)));
      const u = ev * 0.0625;
      let q = 1 + u * (1 + u * (0.5 + u * (C3 + u * (C4 + u * C5))));
      q = q * q;
      q = q * q;
      q = q * q;
      q = q * q;
      const yc = pxA * 100, yh = hA * 100, yl = lA * 100, yv = volume * volShape[k]! * volLot * q;
      // Candidates floor(y + 1/2): when certified, y is within 1/2 of it, so it is Math.round(y).
      const rc = Math.floor(yc + 0.5), rh = Math.floor(yh + 0.5), rl = Math.floor(yl + 0.5);
      const rv = Math.floor(yv + 0.5);
      // hA >= pxA >= lA: one limit from the largest price serves all three.
      const lim = 0.5 - 2 * (epsA + PRICE_ROUNDING) * yh - CHECK_SLACK;
      if (
        lA > ONE_HI && Math.abs(yc - rc) < lim && Math.abs(yh - rh) < lim &&
        Math.abs(yl - rl) < lim &&
        Math.abs(yv - rv) < 0.5 - 2 * VOL_ERROR * Math.abs(yv) - CHECK_SLACK
      ) {
        c = rc / 100;
        hr = rh / 100;
        lr = rl / 100;
        lots = rv * lot;
        E = eA;
        epsE = epsA;
        px = pxA;
        prevExact = false;
      }
    }
    if (c !== c) {
      // The exact step: the original expressions on the exact prev and px.
      if (!prevExact) prev = open * Math.exp(argPrev);
      if (k === n - 1) px = close;
      else {
        E = Math.exp(arg);
        epsE = EXP_ERROR;
        px = open * E; // = open * Math.exp(cumW - (cumV / sumVar / scale) * gap)
      }
      prevExact = true;
      const hx = Math.max(prev, px) * Math.exp(0.5 * sd * Math.abs(zh));
      const lx = Math.min(prev, px) * Math.exp(-0.5 * sd * Math.abs(zl));
      if (cents) {
        c = px >= 1 ? roundHalfUp(px * 100) / 100 : roundHalfUp(px * 10000) / 10000;
        hr = hx >= 1 ? roundHalfUp(hx * 100) / 100 : roundHalfUp(hx * 10000) / 10000;
        lr = lx >= 1 ? roundHalfUp(lx * 100) / 100 : roundHalfUp(lx * 10000) / 10000;
      } else {
        c = roundHalfUp(px / tick) * tick;
        hr = roundHalfUp(hx / tick) * tick;
        lr = roundHalfUp(lx / tick) * tick;
      }
      const vRaw = volume * volShape[k]! / sumShape * Math.exp(0.4 * zv - 0.08);
      lots = roundHalfUp(vRaw / lot) * lot;
    }
    const h = Math.max(o, c, hr);
    const l = Math.min(o, c, lr);
    const v = Math.max(minVol, lots);
    const nTrades = Math.max(minTrades, Math.min(Math.floor(v / lot), roundHalfUp(v / tradeSize)));
    // VWAP of the step's trade layout (stepTrades): the middle trades at midTradePrice(h, l).
    const base = Math.floor(v / nTrades);
    const first = base + (v - base * nTrades);
    const hl = (h + l) / 2;
    const mid = hl >= 1 ? roundHalfUp(hl * 100) / 100 : roundHalfUp(hl * 10000) / 10000;
    const vw = (o * first + (h + l + c) * base + mid * base * (nTrades - 4)) / v;
    const t = openMs + k * stepMs;
    if (bars) {
      bars.t[k] = t;
      bars.o[k] = o;
      bars.h[k] = h;
      bars.l[k] = l;
      bars.c[k] = c;
      bars.v[k] = v;
      bars.n[k] = nTrades;
      bars.vw[k] = vw;
    }
    if (agg) {
      // aggregateBars(bars, windowMs, 0) and aggregateAll(bars), step by step, same order.
      if (win) {
        const w = Math.floor(t / windowMs) * windowMs;
        let j = agg.j;
        if (w !== agg.cur) {
          if (j >= 0) win.vw[j] = win.v[j]! > 0 ? agg.wPv / win.v[j]! : win.c[j]!;
          agg.j = ++j;
          agg.cur = w;
          win.t[j] = w;
          win.o[j] = o;
          win.h[j] = h;
          win.l[j] = l;
          win.v[j] = 0;
          win.n[j] = 0;
          agg.wPv = 0;
        }
        if (h > win.h[j]!) win.h[j] = h;
        if (l < win.l[j]!) win.l[j] = l;
        win.c[j] = c;
        win.v[j] = win.v[j]! + v;
        win.n[j] = win.n[j]! + nTrades;
        agg.wPv += vw * v;
      }
      if (k === 0) {
        agg.dO = o;
        agg.dH = h;
        agg.dL = l;
      }
      if (h > agg.dH) agg.dH = h;
      if (l < agg.dL) agg.dL = l;
      agg.dC = c;
      agg.dV = agg.dV + v;
      agg.dN = agg.dN + nTrades;
      agg.dPv += vw * v;
    }
    prev = px;
    cPrev = c;
  }
}

/** Mid price used for the middle trades of a step: (h + l) / 2 rounded to the tick. */
export function midTradePrice(h: number, l: number): number {
  return roundPx((h + l) / 2);
}

/**
 * Trade layout of a step with n >= 4 trades and volume v: prices [o, x, y, m, ..., m, c] where
 * (x, y) = (l, h) when c >= o else (h, l), m = midTradePrice; sizes floor(v / n) each, the
 * remainder added to the first trade.
 */
export function stepTrades(
  o: number,
  h: number,
  l: number,
  c: number,
  v: number,
  n: number,
): { prices: number[]; sizes: number[] } {
  const base = Math.floor(v / n);
  const prices: number[] = new Array(n);
  const sizes: number[] = new Array(n).fill(base);
  sizes[0] = base + (v - base * n);
  const m = midTradePrice(h, l);
  prices[0] = o;
  prices[1] = c >= o ? l : h;
  prices[2] = c >= o ? h : l;
  for (let i = 3; i < n - 1; i++) prices[i] = m;
  prices[n - 1] = c;
  return { prices, sizes };
}
