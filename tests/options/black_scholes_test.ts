import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  black76Columns,
  bsGreeks,
  bsPrice,
  emptyOptionColumns,
  type OptionColumns,
  perVolPoint,
  thetaPerDay,
  toOptionColumns,
} from "../../lib/options/mod.ts";
import { Rng } from "../../lib/core/mod.ts";
import { loadQuantLibFixture } from "./_fixtures.ts";

// Hull's textbook numbers are printed to 2-4 decimals.
const TOL_TEXTBOOK = 5e-3;
// QuantLib prices with S e^-qT N(d1) - K e^-rT N(d2), whose cancellation error is a few ulp of
// spot: compare prices to an absolute tolerance in units of spot.
const ATOL_PRICE_PER_SPOT = 1e-13;
// Greeks: absolute tolerance in their natural scale (delta 1, gamma 1/S, vega/theta/rho S).
const ATOL_GREEK_SCALED = 1e-12;
const RTOL_GREEK = 1e-12;
const RTOL_PARITY = 1e-13;
const RTOL_FD = 1e-6;

function one(
  spot: number,
  strike: number,
  t: number,
  rate: number,
  div: number,
  call: boolean,
): OptionColumns {
  return toOptionColumns([{ spot, strike, t, rate, div, isCall: call }]);
}

Deno.test("bsPrice: Hull examples (hand-checkable)", () => {
  // Hull, Options Futures and Other Derivatives, Example 15.6: S=42 K=40 r=10% sigma=20% T=0.5
  const c = bsPrice(one(42, 40, 0.5, 0.1, 0, true), new Float64Array([0.2]))[0]!;
  const p = bsPrice(one(42, 40, 0.5, 0.1, 0, false), new Float64Array([0.2]))[0]!;
  assertAlmostEquals(c, 4.76, TOL_TEXTBOOK);
  assertAlmostEquals(p, 0.81, TOL_TEXTBOOK);
  // Example 19.x: S=49 K=50 r=5% sigma=20% T=20 weeks: delta 0.522, gamma 0.066, vega 12.1,
  // theta -4.31 per year, rho 8.91.
  const g = bsGreeks(one(49, 50, 0.3846, 0.05, 0, true), new Float64Array([0.2]));
  assertAlmostEquals(g.delta[0]!, 0.522, TOL_TEXTBOOK);
  assertAlmostEquals(g.gamma[0]!, 0.066, TOL_TEXTBOOK);
  assertAlmostEquals(g.vega[0]!, 12.1, 0.05);
  assertAlmostEquals(g.theta[0]!, -4.31, 0.01);
  assertAlmostEquals(g.rho[0]!, 8.91, 0.01);
});

Deno.test("bsPrice: zero vol and zero time give discounted intrinsic", () => {
  const o = toOptionColumns([
    { spot: 100, strike: 90, t: 1, rate: 0.05, div: 0.01, isCall: true },
    { spot: 100, strike: 90, t: 1, rate: 0.05, div: 0.01, isCall: false },
    { spot: 100, strike: 90, t: 0, rate: 0.05, div: 0.01, isCall: true },
  ]);
  const p = bsPrice(o, new Float64Array([0, 0, 0.3]));
  assertAlmostEquals(p[0]!, 100 * Math.exp(-0.01) - 90 * Math.exp(-0.05), 1e-12);
  assertEquals(p[1], 0);
  assertAlmostEquals(p[2]!, 10, 1e-12);
  const g = bsGreeks(o, new Float64Array([0, 0, 0.3]));
  assertAlmostEquals(g.delta[0]!, Math.exp(-0.01), 1e-15);
  assertEquals([g.gamma[0], g.vega[0], g.delta[1], g.rho[1]], [0, 0, 0, 0]);
});

Deno.test("bsPrice/bsGreeks: empty, NaN, bad values, length mismatch", () => {
  assertEquals(bsPrice(emptyOptionColumns(0), new Float64Array(0)).length, 0);
  assertEquals(bsGreeks(emptyOptionColumns(0), new Float64Array(0)).delta.length, 0);
  const o = toOptionColumns([
    { spot: NaN, strike: 100, t: 1, isCall: true },
    { spot: 100, strike: -1, t: 1, isCall: true },
    { spot: 100, strike: 100, t: -1, isCall: true },
    { spot: 100, strike: 100, t: 1, rate: NaN, isCall: true },
    { spot: 100, strike: 100, t: 1, isCall: true },
  ]);
  const p = bsPrice(o, new Float64Array([0.2, 0.2, 0.2, 0.2, -0.1]));
  assert(p.every((v) => Number.isNaN(v)), `expected all NaN, got ${p}`);
  const g = bsGreeks(o, new Float64Array([0.2, 0.2, 0.2, 0.2, -0.1]));
  assert(g.theta.every((v) => Number.isNaN(v)));
  assertThrows(() => bsPrice(o, new Float64Array(2)), RangeError, "length");
  assertThrows(
    () => toOptionColumns([{ spot: 1, strike: 1, t: 1, isCall: "x" as "C" }]),
    TypeError,
  );
});

Deno.test("bsPrice: one observation and a constant batch agree; inputs unmodified", () => {
  const n = 5;
  const o = toOptionColumns(
    Array.from(
      { length: n },
      () => ({ spot: 100, strike: 110, t: 0.25, rate: 0.02, isCall: true }),
    ),
  );
  const copy = structuredClone(o);
  const vol = new Float64Array(n).fill(0.3);
  const p = bsPrice(o, vol);
  const single = bsPrice(one(100, 110, 0.25, 0.02, 0, true), new Float64Array([0.3]))[0]!;
  for (const v of p) assertEquals(v, single);
  assertEquals(o, copy);
  assertEquals(vol, new Float64Array(n).fill(0.3));
});

Deno.test("QuantLib reference: prices and five Greeks on 10,000 random cases", async () => {
  const f = await loadQuantLibFixture();
  const p = bsPrice(f.o, f.vol);
  const g = bsGreeks(f.o, f.vol);
  const n = f.vol.length;
  assert(n >= 10_000);
  for (let i = 0; i < n; i++) {
    const S = f.o.spot[i]!;
    const ctx = `row ${i}`;
    assertAlmostEquals(p[i]!, f.price[i]!, ATOL_PRICE_PER_SPOT * S, `price ${ctx}`);
    assertAlmostEquals(g.delta[i]!, f.delta[i]!, ATOL_GREEK_SCALED, `delta ${ctx}`, RTOL_GREEK);
    assertAlmostEquals(g.gamma[i]!, f.gamma[i]!, ATOL_GREEK_SCALED / S, `gamma ${ctx}`, RTOL_GREEK);
    assertAlmostEquals(g.vega[i]!, f.vega[i]!, ATOL_GREEK_SCALED * S, `vega ${ctx}`, RTOL_GREEK);
    assertAlmostEquals(g.theta[i]!, f.theta[i]!, ATOL_GREEK_SCALED * S, `theta ${ctx}`, RTOL_GREEK);
    assertAlmostEquals(g.rho[i]!, f.rho[i]!, ATOL_GREEK_SCALED * S, `rho ${ctx}`, RTOL_GREEK);
  }
});

function randomBatch(n: number, seed: number): { o: OptionColumns; vol: Float64Array } {
  const rng = new Rng(seed);
  const o = emptyOptionColumns(n);
  const vol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    o.spot[i] = 100;
    o.strike[i] = 100 * Math.exp(rng.uniform() * 1.4 - 0.7);
    o.t[i] = Math.exp(Math.log(1 / 365) + rng.uniform() * Math.log(5 * 365));
    o.rate[i] = -0.01 + 0.09 * rng.uniform();
    o.div[i] = -0.01 + 0.09 * rng.uniform();
    o.isCall[i] = rng.uniform() < 0.5 ? 1 : 0;
    vol[i] = Math.exp(Math.log(0.05) + rng.uniform() * Math.log(40));
  }
  return { o, vol };
}

Deno.test("invariant: put-call parity C - P = S e^-qT - K e^-rT", () => {
  const { o, vol } = randomBatch(2000, 7);
  o.isCall.fill(1);
  const c = bsPrice(o, vol);
  o.isCall.fill(0);
  const p = bsPrice(o, vol);
  for (let i = 0; i < vol.length; i++) {
    const fwd = o.spot[i]! * Math.exp(-o.div[i]! * o.t[i]!) -
      o.strike[i]! * Math.exp(-o.rate[i]! * o.t[i]!);
    assertAlmostEquals(c[i]! - p[i]!, fwd, RTOL_PARITY * (o.spot[i]! + o.strike[i]!));
  }
});

Deno.test("invariant: Greeks match central finite differences of bsPrice", () => {
  const { o, vol } = randomBatch(300, 11);
  const g = bsGreeks(o, vol);
  const bump = (field: keyof Omit<OptionColumns, "isCall">, h: number, v = vol) => {
    const c = { ...o, [field]: o[field].map((x) => x + h) };
    return bsPrice(c as OptionColumns, v);
  };
  for (let i = 0; i < vol.length; i++) {
    const S = o.spot[i]!;
    const hs = 1e-4 * S;
    const up = bump("spot", hs)[i]!;
    const dn = bump("spot", -hs)[i]!;
    const mid = bsPrice(o, vol)[i]!;
    const scale = S * (o.t[i]! + 1);
    assertAlmostEquals(g.delta[i]!, (up - dn) / (2 * hs), RTOL_FD, `delta ${i}`);
    assertAlmostEquals(g.gamma[i]!, (up - 2 * mid + dn) / (hs * hs), 1e-7, `gamma ${i}`, 1e-4);
    const hv = 1e-6;
    const vu = bsPrice(o, vol.map((x) => x + hv))[i]!;
    const vd = bsPrice(o, vol.map((x) => x - hv))[i]!;
    assertAlmostEquals(g.vega[i]!, (vu - vd) / (2 * hv), RTOL_FD * scale, `vega ${i}`);
    const ht = Math.min(1e-6, o.t[i]! / 10);
    const tu = bump("t", ht)[i]!;
    const td = bump("t", -ht)[i]!;
    assertAlmostEquals(g.theta[i]!, -(tu - td) / (2 * ht), 1e-4 * scale, `theta ${i}`);
    const hr = 1e-6;
    const ru = bump("rate", hr)[i]!;
    const rd = bump("rate", -hr)[i]!;
    assertAlmostEquals(g.rho[i]!, (ru - rd) / (2 * hr), RTOL_FD * scale, `rho ${i}`);
  }
});

Deno.test("invariant: price increases with vol and stays within no-arbitrage bounds", () => {
  const { o } = randomBatch(200, 3);
  let prev = bsPrice(o, new Float64Array(200).fill(0.01));
  for (let v = 0.02; v <= 3; v *= 1.3) {
    const cur = bsPrice(o, new Float64Array(200).fill(v));
    for (let i = 0; i < 200; i++) {
      assert(cur[i]! >= prev[i]!, `row ${i} vol ${v}: ${cur[i]} < ${prev[i]}`);
      const upper = o.isCall[i] ? o.spot[i]! * Math.exp(-o.div[i]! * o.t[i]!) : o.strike[i]! *
        Math.exp(-o.rate[i]! * o.t[i]!);
      assert(cur[i]! <= upper);
    }
    prev = cur;
  }
});

Deno.test("black76Columns prices options on a forward", () => {
  // Black-76: call = e^-rT (F N(d1) - K N(d2)); at the money F = K: e^-rT F (2 N(s/2) - 1)
  const o = black76Columns({
    forward: new Float64Array([100]),
    strike: new Float64Array([100]),
    t: new Float64Array([1]),
    rate: new Float64Array([0.05]),
    isCall: new Uint8Array([1]),
  });
  const p = bsPrice(o, new Float64Array([0.2]))[0]!;
  // 2 N(0.1) - 1 = 0.0796556745540579 (N(0.1) = 0.539827837277029)
  assertAlmostEquals(p, Math.exp(-0.05) * 100 * 0.079655674554058, 1e-12);
});

Deno.test("per-day and per-point helpers", () => {
  assertAlmostEquals(thetaPerDay(new Float64Array([-3.65]))[0]!, -0.01, 1e-15);
  assertAlmostEquals(
    thetaPerDay(new Float64Array([-2.52]), { daysPerYear: 252 })[0]!,
    -0.01,
    1e-15,
  );
  assertAlmostEquals(perVolPoint(new Float64Array([25]))[0]!, 0.25, 1e-15);
  assertThrows(() => thetaPerDay(new Float64Array([1]), { daysPerYear: 0 }), RangeError);
});

Deno.test("out option: results written into caller arrays equal fresh ones; bad length throws", () => {
  const { o, vol } = randomBatch(500, 21);
  const fresh = bsGreeks(o, vol);
  const n = vol.length;
  const out = {
    delta: new Float64Array(n).fill(7),
    gamma: new Float64Array(n).fill(7),
    vega: new Float64Array(n).fill(7),
    theta: new Float64Array(n).fill(7),
    rho: new Float64Array(n).fill(7),
  };
  const g = bsGreeks(o, vol, { out });
  assert(g.delta === out.delta && g.rho === out.rho);
  assertEquals(g, fresh);
  const pOut = new Float64Array(n).fill(7);
  const p = bsPrice(o, vol, { out: pOut });
  assert(p === pOut);
  assertEquals(p, bsPrice(o, vol));
  assertThrows(() => bsPrice(o, vol, { out: new Float64Array(n - 1) }), RangeError, "length");
  assertThrows(
    () => bsGreeks(o, vol, { out: { ...out, vega: new Float64Array(n + 1) } }),
    RangeError,
    "out.vega",
  );
});
