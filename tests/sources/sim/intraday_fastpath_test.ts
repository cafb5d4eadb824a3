/**
 * The intraday generator's certified fast path (lib/sources/sim/_intraday.ts, FAST PATH) against
 * the frozen one-call-per-draw generator (bench/sim_generation_baseline.ts): bit for bit equal
 * bars on specs built to push the approximations onto their fallbacks (prices at $1 and below,
 * a custom tick, prices so large that the cent boundaries fall inside the error bound, volumes so
 * large that the lot boundaries do, jumps and wild volatility, a session long enough to exhaust
 * the running exponential's budget) and on ordinary SPY seconds.
 *
 * How much each spec falls back is observed from outside: the fast path calls no Math.exp, the
 * exact step calls it four or five times and the volatility AR exactly `steps` times, so the
 * calls beyond `steps` (Math.exp wrapped by a counter, the shape cache warmed first) count the
 * exact steps' exponentials. Each spec asserts its expected regime: all exact, a mix, or almost
 * all fast (the ordinary session, so the fast path is really taken).
 */
import { assert, assertEquals } from "../../_assert.ts";
import { Rng } from "../../../lib/core/random.ts";
import {
  intradayAggregates,
  intradayBars,
  type IntradaySpec,
  roundHalfUp,
} from "../../../lib/sources/sim/_intraday.ts";
import { aggregateAll, aggregateBars, type Bars } from "../../../lib/sources/sim/bars.ts";
import { baselineIntradayBars } from "../../../bench/sim_generation_baseline.ts";
import { assertSameBars } from "./_bars_assert.ts";

/** Math.exp calls made by `fn` (Math.exp wrapped for the duration, then restored). */
function countExp(fn: () => void): number {
  const exp = Math.exp;
  let calls = 0;
  Math.exp = (x: number) => (calls++, exp(x));
  try {
    fn();
  } finally {
    Math.exp = exp;
  }
  return calls;
}

function spec(over: Partial<IntradaySpec>): IntradaySpec {
  return {
    openMs: Date.UTC(2024, 2, 28, 13, 30),
    steps: 3000,
    stepMs: 1000,
    open: 100,
    close: 100.5,
    sdIntraday: 0.008,
    volume: 10e6,
    jumps: [],
    tradeSize: 180,
    minTrades: 4,
    lot: 100,
    ...over,
  };
}

/** Expected share of steps that take the exact path. */
type Regime = "exact" | "mixed" | "fast";

const CASES: [string, IntradaySpec, Regime][] = [
  // lx within 2^-20 of $1 or below it: roundPx's switch is not certified, exact steps; the
  // price wanders across $1, so both the cent and the 1/100-cent roundings are exercised.
  ["prices around $1", spec({ open: 1.0004, close: 0.9999, sdIntraday: 0.004 }), "mixed"],
  ["sub-dollar prices", spec({ open: 0.4321, close: 0.44, sdIntraday: 0.02 }), "exact"],
  ["custom tick (0.05)", spec({ open: 101.3, close: 100.9, tick: 0.05 }), "exact"],
  // At $25M a cent is 4e-10 of the price: after a few thousand steps the running exponential's
  // bound spans a good share of a cent, so many roundings are not certified.
  ["prices of $25M", spec({ open: 2.5e7, close: 2.51e7, steps: 6000 }), "mixed"],
  // vRaw / lot around 2e5 with lot 1: the volume bound (2^-21 relative) spans about 0.2 lots.
  [
    "volume at the lot boundary",
    spec({ volume: 6e8, lot: 1, minTrades: 1, tradeSize: 1 }),
    "mixed",
  ],
  // Excursions and log steps beyond 2^-8, and two jumps: the cubics are not taken there.
  ["jumps and wild volatility", spec({ sdIntraday: 0.3, jumps: [0.05, -0.08] }), "mixed"],
  // More than 2^15 quiet steps: the running exponential's budget (2^-34) runs out and the step
  // falls back to re-anchor it.
  [
    "a long quiet session",
    spec({ steps: 40_000, sdIntraday: 0.002, open: 50, close: 50.1 }),
    "fast",
  ],
  [
    "ordinary SPY seconds",
    spec({ steps: 23_400, open: 521.4, close: 523.07, volume: 61e6 }),
    "fast",
  ],
];

Deno.test("intradayBars fast path: bit for bit the baseline, falling back or not", () => {
  const parent = new Rng(2021);
  for (const [name, s, regime] of CASES) {
    intradayBars(1, s); // the shape cache for this many steps (it calls Math.exp once)
    let exactExp = 0;
    const seeds = s.steps > 10_000 ? 3 : 8;
    for (let i = 0; i < seeds; i++) {
      const label = `${name}:${i}`;
      const want = baselineIntradayBars(parent.fork(label), s);
      let got: Bars | undefined;
      exactExp += countExp(() => got = intradayBars(parent.fork(label).seed, s)) - s.steps;
      assertSameBars(got!, want, label);
    }
    // Four Math.exp per exact step (px, hx, lx, vRaw; the last step's px is the close).
    const perStep = exactExp / (seeds * s.steps);
    if (regime === "exact") assert(perStep >= 3.99, `${name}: ${perStep} exp per step`);
    if (regime === "mixed") assert(perStep > 0.04 && perStep < 3.9, `${name}: ${perStep}`);
    if (regime === "fast") assert(perStep > 0 && perStep < 0.004, `${name}: ${perStep}`);
  }
});

Deno.test("intradayAggregates fast path: the aggregates of the baseline's bars", () => {
  const parent = new Rng(2022);
  for (const [name, s] of CASES) {
    if (s.steps > 10_000) continue;
    for (let i = 0; i < 2; i++) {
      const label = `${name}:${i}`;
      const steps = baselineIntradayBars(parent.fork(label), s);
      const got = intradayAggregates(parent.fork(label).seed, s, { windowMs: 60_000, dayMs: 7 });
      assertSameBars(got.windows!, aggregateBars(steps, 60_000, 0), `${label} minutes`);
      assertSameBars(got.day, aggregateAll(steps, 7), `${label} day`);
    }
  }
});

Deno.test("intradayBars fast path: the prices around $1 do cross it", () => {
  // The $1 case is only a test of the switch if the session trades on both sides of it.
  const s = CASES[0]![1];
  let below = 0, above = 0;
  for (let i = 0; i < 8; i++) {
    const b = intradayBars(new Rng(2021).fork(`${CASES[0]![0]}:${i}`).seed, s);
    for (let k = 0; k < b.length; k++) b.c[k]! < 1 ? below++ : above++;
  }
  assert(below > 0 && above > 0, `closes below $1: ${below}, at or above: ${above}`);
});

/** The next double above (dir 1) or below (dir -1) a positive finite x. */
function nextDouble(x: number, dir: 1 | -1): number {
  const b = new Float64Array([x]);
  const i = new BigInt64Array(b.buffer);
  i[0] = i[0]! + BigInt(dir);
  return b[0]!;
}

Deno.test("roundHalfUp: Math.round bit for bit, at its edges and on random doubles", () => {
  const same = (x: number) => {
    const got = roundHalfUp(x), want = Math.round(x);
    if (!Object.is(got, want)) throw new Error(`roundHalfUp(${x}) = ${got}, Math.round ${want}`);
  };
  // Hand-checked: ties go up, the classic 0.49999999999999994 (floor(x + 0.5) would give 1),
  // negative ties toward +infinity, the sign of zero kept, NaN and infinities, 2^52 and above.
  assertEquals(roundHalfUp(2.5), 3);
  assertEquals(roundHalfUp(0.49999999999999994), 0);
  assertEquals(roundHalfUp(-2.5), -2);
  assert(Object.is(roundHalfUp(-0.2), -0), "-0.2 rounds to -0");
  assert(Object.is(roundHalfUp(-0), -0), "-0 stays -0");
  assert(Number.isNaN(roundHalfUp(NaN)));
  assertEquals(roundHalfUp(Infinity), Infinity);
  assertEquals(roundHalfUp(2 ** 52 + 1), 2 ** 52 + 1);
  // Neighbours of half-integers and of powers of two (where x + 1/2 changes binade), both sides.
  const edges: number[] = [0, 0.25, 0.5, 1, 2 ** 52, 2 ** 53, -0.5, -1.5];
  for (let j = -3; j <= 53; j++) edges.push(2 ** j, 2 ** j - 0.5, 2 ** j + 0.5, 2 ** j - 1.5);
  for (const m of [1, 3, 7, 12345, 52000, 2 ** 20 + 1]) edges.push(m - 0.5, m + 0.5, m);
  for (const e of edges) {
    for (const sign of [1, -1]) {
      let lo = sign * e, hi = sign * e;
      same(lo);
      for (let k = 0; k < 4 && lo !== 0; k++) {
        lo = nextDouble(Math.abs(lo), -1) * sign;
        hi = nextDouble(Math.abs(hi), 1) * sign;
        same(lo);
        same(hi);
      }
    }
  }
  // Random doubles over many binades, and prices in cents near half-cent boundaries.
  const r = new Rng(77);
  for (let i = 0; i < 200_000; i++) {
    const x = (r.uniform() - 0.25) * 2 ** Math.floor(r.uniform() * 70 - 10);
    same(x);
    same((Math.floor(r.uniform() * 1e7) + 0.5) / 100 * 100);
  }
});
