/**
 * FROZEN BASELINE, do not optimise: the simulated market's session generator and SPY bar caching
 * as they were before the bulk-draw generator (lib/sources/sim/_intraday.ts, spy.ts and bars.ts
 * at commit 1069dae). `bench/sim_generation.ts` times it against the current code in the same
 * run, and tests/sources/sim/intraday_test.ts checks the current generator against it bit for
 * bit (the specification of the stream: the same draws in the same order give the same bars).
 */
import type { Rng } from "../lib/core/random.ts";
import { TRADING_DAYS_PER_YEAR } from "../lib/core/constants.ts";
import type { Bars } from "../lib/sources/sim/bars.ts";
import type { IntradaySpec } from "../lib/sources/sim/_intraday.ts";
import type { SpyDaily } from "../lib/sources/sim/spy.ts";
import { sessionBounds } from "../lib/sources/sim/_calendar.ts";

function roundPx(x: number): number {
  return x >= 1 ? Math.round(x * 100) / 100 : Math.round(x * 10000) / 10000;
}

function allocBars(length: number): Bars {
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

function sliceBars(b: Bars, from: number, to: number): Bars {
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

/** The old aggregation: output allocated at the input's length, then sliced. */
export function baselineAggregateBars(b: Bars, windowMs: number, originMs = 0): Bars {
  const out = allocBars(b.length);
  let j = -1;
  let cur = NaN;
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
  return sliceBars(out, 0, j + 1);
}

/** The old aggregateAll. */
export function baselineAggregateAll(b: Bars, t: number): Bars {
  const out = baselineAggregateBars(b, Number.MAX_SAFE_INTEGER, 0);
  if (out.length) out.t[0] = t;
  return out;
}

const shapeCache = new Map<
  number,
  { vol: Float64Array; volume: Float64Array; volumeSum: number }
>();

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

function midTradePrice(h: number, l: number): number {
  return roundPx((h + l) / 2);
}

function layoutVwap(o: number, h: number, l: number, c: number, v: number, n: number): number {
  const base = Math.floor(v / n);
  const first = base + (v - base * n);
  const m = midTradePrice(h, l);
  return (o * first + (h + l + c) * base + m * base * (n - 4)) / v;
}

/** The old generator: one `rng.normal()` call per draw, fresh arrays per session. */
export function baselineIntradayBars(rng: Rng, spec: IntradaySpec): Bars {
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

/** A small LRU (the old one). */
class Lru<K, V> {
  #map = new Map<K, V>();
  constructor(readonly capacity: number) {}
  getOrSet(key: K, make: () => V): V {
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const v = make();
    this.#map.set(key, v);
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value as K);
    return v;
  }
}

/** The old SPY bars: seconds LRU of 6 sessions, minutes LRU of 64, day bars each from seconds. */
export class BaselineSpyBars {
  #daily: SpyDaily;
  #rng: Rng;
  #index: Map<string, number>;
  #seconds = new Lru<string, Bars>(6);
  #minutes = new Lru<string, Bars>(64);
  #dayBars = new Map<string, Bars>();
  generated = 0;

  constructor(rng: Rng, daily: SpyDaily) {
    this.#rng = rng;
    this.#daily = daily;
    this.#index = new Map(daily.days.map((d, i) => [d, i]));
  }

  secondBars(date: string): Bars | undefined {
    const i = this.#index.get(date);
    if (i === undefined) return undefined;
    return this.#seconds.getOrSet(date, () => {
      this.generated++;
      const b = sessionBounds(date)!;
      const steps = (b.close.getTime() - b.open.getTime()) / 1000;
      const d = this.#daily;
      const sd = d.sigma[i]! / Math.sqrt(TRADING_DAYS_PER_YEAR) * Math.sqrt(1 - 0.2);
      return baselineIntradayBars(this.#rng.fork(`spy:${date}`), {
        openMs: b.open.getTime(),
        steps,
        stepMs: 1000,
        open: d.open[i]!,
        close: d.close[i]!,
        sdIntraday: sd,
        volume: d.volume[i]!,
        jumps: d.jumps[i]!,
        tradeSize: 180,
        minTrades: 4,
        lot: 100,
      });
    });
  }

  minuteBars(date: string): Bars | undefined {
    const s = this.secondBars(date);
    if (!s) return undefined;
    return this.#minutes.getOrSet(date, () => baselineAggregateBars(s, 60_000, 0));
  }

  dayBar(date: string, etMidnightMs: number): Bars | undefined {
    const cached = this.#dayBars.get(date);
    if (cached) return cached;
    const s = this.secondBars(date);
    if (!s) return undefined;
    const bar = baselineAggregateAll(s, etMidnightMs);
    this.#dayBars.set(date, bar);
    return bar;
  }
}
