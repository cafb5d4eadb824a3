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
import type { Rng } from "../../core/random.ts";
import { allocBars, type Bars } from "./bars.ts";

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

/** Bars of one session; every step has at least `minTrades` trades. */
export function intradayBars(rng: Rng, spec: IntradaySpec): Bars {
  const n = spec.steps;
  const bars = allocBars(n);
  const variance = new Float64Array(n);
  const x = new Float64Array(n);
  const phi = 1 - 8 / n;
  const eps = 0.25 * Math.sqrt(1 - phi * phi);
  let a = 0.25 * rng.normal();
  let sumVar = 0;
  const shape = shapes(n);
  for (let k = 0; k < n; k++) {
    a = phi * a + eps * rng.normal();
    const m = Math.exp(a);
    const vk = shape.vol[k]! * m * m;
    variance[k] = vk;
    sumVar += vk;
  }
  const scale = (spec.sdIntraday * spec.sdIntraday) / sumVar;
  let w = 0;
  for (let k = 0; k < n; k++) {
    variance[k] = variance[k]! * scale;
    x[k] = Math.sqrt(variance[k]!) * rng.normal();
  }
  for (const j of spec.jumps) {
    const at = Math.min(n - 1, Math.floor(rng.uniform() * n));
    x[at] = x[at]! + j;
  }
  for (let k = 0; k < n; k++) w += x[k]!;
  const gap = w - Math.log(spec.close / spec.open);
  let cumW = 0;
  let cumV = 0;
  let prev = spec.open;
  const volShape = shape.volume;
  const sumShape = shape.volumeSum;
  const lot = spec.lot;
  const tick = spec.tick;
  const rnd = tick === undefined ? roundPx : (x: number) => Math.round(x / tick) * tick;
  const minVol = spec.minTrades * lot;
  for (let k = 0; k < n; k++) {
    cumW += x[k]!;
    cumV += variance[k]!;
    const px = k === n - 1
      ? spec.close
      : spec.open * Math.exp(cumW - (cumV / sumVar / scale) * gap);
    const sd = Math.sqrt(variance[k]!);
    const o = rnd(prev);
    const c = rnd(px);
    const h = Math.max(o, c, rnd(Math.max(prev, px) * Math.exp(0.5 * sd * Math.abs(rng.normal()))));
    const l = Math.min(
      o,
      c,
      rnd(Math.min(prev, px) * Math.exp(-0.5 * sd * Math.abs(rng.normal()))),
    );
    const vRaw = spec.volume * volShape[k]! / sumShape * Math.exp(0.4 * rng.normal() - 0.08);
    const v = Math.max(minVol, Math.round(vRaw / lot) * lot);
    const nTrades = Math.max(
      spec.minTrades,
      Math.min(Math.floor(v / lot), Math.round(v / spec.tradeSize)),
    );
    bars.t[k] = spec.openMs + k * spec.stepMs;
    bars.o[k] = o;
    bars.h[k] = h;
    bars.l[k] = l;
    bars.c[k] = c;
    bars.v[k] = v;
    bars.n[k] = nTrades;
    bars.vw[k] = layoutVwap(o, h, l, c, v, nTrades);
    prev = px;
  }
  return bars;
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

function layoutVwap(o: number, h: number, l: number, c: number, v: number, n: number): number {
  const base = Math.floor(v / n);
  const first = base + (v - base * n);
  const m = midTradePrice(h, l);
  return (o * first + (h + l + c) * base + m * base * (n - 4)) / v;
}
