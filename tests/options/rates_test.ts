import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  discountFactor,
  impliedDividendYield,
  zeroCurveFromTreasuries,
  zeroRate,
} from "../../lib/options/mod.ts";

const TOL = 1e-12;

Deno.test("zero curve: bill discount conversion by hand", () => {
  const c = zeroCurveFromTreasuries([{ tenor: 0.25, yieldPct: 5, kind: "bill" }]);
  // 91 days: P = 1 - 0.05 * 91 / 360 = 0.987361111..., z = -ln P / (91/365)
  assertAlmostEquals(c.zero[0]!, -Math.log(1 - 0.05 * 91 / 360) / (91 / 365), TOL);
  assertAlmostEquals(zeroRate(c, 7), c.zero[0]!, TOL); // flat extrapolation
});

Deno.test("zero curve: flat continuous curve is recovered from consistent quotes", () => {
  const z = 0.04;
  const billD = (1 - Math.exp(-z * 91 / 365)) * 360 / 91;
  const par = 2 * (Math.exp(z / 2) - 1); // semiannual par yield of a flat continuous curve
  const c = zeroCurveFromTreasuries([
    { tenor: 10, yieldPct: 100 * par, kind: "par" },
    { tenor: 0.25, yieldPct: 100 * billD, kind: "bill" },
    { tenor: 2, yieldPct: 100 * par, kind: "par" },
    { tenor: 5, yieldPct: NaN, kind: "par" }, // FRED "." (missing): skipped
  ]);
  assertEquals(Array.from(c.tenor), [0.25, 2, 10]);
  for (const v of c.zero) assertAlmostEquals(v, z, 1e-12);
  assertAlmostEquals(discountFactor(c, 3), Math.exp(-0.12), 1e-12);
});

Deno.test("zero curve: par bonds reprice to par (invariant) on an upward curve", () => {
  const quotes = [
    { tenor: 0.25, yieldPct: 5.2, kind: "bill" as const },
    { tenor: 2, yieldPct: 4.4, kind: "par" as const },
    { tenor: 10, yieldPct: 4.1, kind: "par" as const },
  ];
  const c = zeroCurveFromTreasuries(quotes);
  for (const q of quotes.slice(1)) {
    let pv = 0;
    for (let t = q.tenor; t > 1e-9; t -= 0.5) pv += q.yieldPct / 200 * discountFactor(c, t);
    assertAlmostEquals(pv + discountFactor(c, q.tenor), 1, 1e-12);
  }
  assertEquals(zeroCurveFromTreasuries([]).tenor.length, 0);
  assert(Number.isNaN(zeroRate(c, NaN)));
  assertThrows(
    () => zeroCurveFromTreasuries([{ tenor: 1, yieldPct: 400, kind: "bill" }]),
    RangeError,
  );
});

Deno.test("implied dividend yield from put-call parity", () => {
  const S = 100, r = 0.05, q = 0.02, T = 0.5;
  const pairs = [90, 98, 100, 102, 110].map((K) => {
    const put = 3 + K / 100;
    return { strike: K, put, call: put + S * Math.exp(-q * T) - K * Math.exp(-r * T) };
  });
  pairs[2]!.call += 5; // a stale quote: the median ignores it
  const d = impliedDividendYield(pairs, S, T, r);
  assertAlmostEquals(d.q, q, TOL);
  assertEquals(d.pairs, 3); // 90 and 110 are outside the 5 % window
  assertAlmostEquals(d.forward, S * Math.exp((r - q) * T), 1e-10);
  assert(Number.isNaN(impliedDividendYield([], S, T, r).q));
  assert(Number.isNaN(impliedDividendYield(pairs, S, 0, r).q));
  const nan = pairs.map((p) => ({ ...p, call: NaN }));
  assertEquals(impliedDividendYield(nan, S, T, r).pairs, 0);
});
