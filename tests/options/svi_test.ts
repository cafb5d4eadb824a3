import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  butterflyArbitrage,
  calendarArbitrage,
  durrlemanG,
  fitSsvi,
  fitSvi,
  ssviSurfaceTotalVariance,
  ssviToSvi,
  ssviTotalVariance,
  sviTotalVariance,
} from "../../lib/options/mod.ts";
import { Rng } from "../../lib/core/mod.ts";

const TOL_EXACT = 1e-14;
// 0.2 % multiplicative noise on 31 quotes: parameters come back within these bounds.
const TOL_PARAM_NOISY = { a: 3e-3, b: 1e-2, rho: 3e-2, m: 1e-2, sigma: 1e-2 };
// Gatheral & Jacquier (2014), Example 3.1 (Axel Vogt): T = 1.
const VOGT = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };

Deno.test("SVI formulas: hand-worked values", () => {
  const p = { a: 0.04, b: 0.1, rho: -0.5, m: 0, sigma: 0.2 };
  // k = m: w = a + b sigma = 0.04 + 0.02
  assertAlmostEquals(sviTotalVariance(p, 0), 0.06, TOL_EXACT);
  // k = 0.2: x = 0.2, r = sqrt(0.08) ; w = 0.04 + 0.1 (-0.1 + 0.28284271247461906)
  assertAlmostEquals(sviTotalVariance(p, 0.2), 0.04 + 0.1 * (-0.1 + Math.sqrt(0.08)), TOL_EXACT);
  // flat smile (b = 0): w' = w'' = 0 so g = 1
  assertAlmostEquals(durrlemanG({ ...p, b: 0 }, 0.7), 1, TOL_EXACT);
  // SSVI at the money equals theta
  assertAlmostEquals(
    ssviTotalVariance({ rho: -0.3, eta: 1, gamma: 0.4 }, 0, 0.04),
    0.04,
    TOL_EXACT,
  );
});

Deno.test("SSVI slice equals its raw-SVI form (Gatheral-Jacquier Lemma 3.2)", () => {
  const p = { rho: -0.6, eta: 1.1, gamma: 0.3 };
  for (const theta of [0.001, 0.04, 0.5]) {
    const q = ssviToSvi(p, theta);
    for (let k = -2; k <= 2; k += 0.1) {
      assertAlmostEquals(sviTotalVariance(q, k), ssviTotalVariance(p, k, theta), 1e-15);
    }
  }
});

Deno.test("butterfly: Axel Vogt's example has arbitrage, a clean SSVI slice has none", () => {
  const r = butterflyArbitrage(VOGT);
  assertEquals(r.ok, false);
  assert(r.minG < 0);
  assert(r.regions.length === 1);
  // Gatheral & Jacquier's Figure 2 shows g < 0 on the right wing, between k ~ 0.6 and ~1.3
  assert(r.regions[0]!.from > 0.5 && r.regions[0]!.to < 1.4, JSON.stringify(r.regions));
  // eta (1 + |rho|) <= 2 and gamma <= 1/2: free of static arbitrage by G&J Corollary 4.1
  const clean = ssviToSvi({ rho: -0.7, eta: 1.1, gamma: 0.4 }, 0.05);
  const c = butterflyArbitrage(clean, { kMin: -4, kMax: 4 });
  assert(c.ok, JSON.stringify(c));
  assert(c.minG > 0);
  assertThrows(() => butterflyArbitrage(clean, { kMin: 1, kMax: 0 }), RangeError);
});

Deno.test("calendar: crossing slices are reported with the region, SSVI slices are not", () => {
  const short = { t: 0.5, w: (k: number) => 0.02 + 0.1 * k * k };
  const long = { t: 1, w: (_k: number) => 0.04 };
  const r = calendarArbitrage([long, short], { kMin: -1, kMax: 1, points: 201 });
  assertEquals(r.ok, false);
  const v = r.violations[0]!;
  assertEquals([v.t1, v.t2], [0.5, 1]);
  // 0.02 + 0.1 k^2 > 0.04 for |k| > sqrt(0.2) = 0.447
  assertEquals(v.regions.length, 2);
  assertAlmostEquals(v.regions[0]!.to, -0.45, 0.011);
  assertAlmostEquals(v.regions[1]!.from, 0.45, 0.011);
  assertAlmostEquals(v.maxDrop, 0.08, 1e-12);
  const p = { rho: -0.4, eta: 1, gamma: 0.5 };
  const ok = calendarArbitrage([0.01, 0.02, 0.05].map((th, j) => ({
    t: j + 1,
    w: (k: number) => ssviTotalVariance(p, k, th),
  })));
  assert(ok.ok);
});

function noisySlice(seed: number) {
  const truth = { a: 0.02, b: 0.1, rho: -0.4, m: 0.05, sigma: 0.15 };
  const rng = new Rng(seed);
  const k = Float64Array.from({ length: 31 }, (_, i) => -0.6 + i * 0.04);
  const w = k.map((x) => sviTotalVariance(truth, x) * (1 + 0.002 * rng.normal()));
  return { truth, k, w };
}

Deno.test("fitSvi: exact quotes recover the parameters", () => {
  const { truth, k } = noisySlice(1);
  const fit = fitSvi({ k, w: k.map((x) => sviTotalVariance(truth, x)) });
  assert(fit.ok, fit.message);
  for (const key of ["a", "b", "rho", "m", "sigma"] as const) {
    assertAlmostEquals(fit.params[key], truth[key], 1e-5, key);
  }
});

Deno.test("fitSvi: noisy quotes with one bad quote recover the parameters; outlier flagged", () => {
  const { truth, k, w } = noisySlice(2);
  w[5] = w[5]! * 1.5; // one bad quote
  const fit = fitSvi({ k, w });
  assert(fit.ok, fit.message);
  for (const key of ["a", "b", "rho", "m", "sigma"] as const) {
    assertAlmostEquals(fit.params[key], truth[key], TOL_PARAM_NOISY[key], key);
  }
  assertEquals(fit.outliers, [5]);
  assertEquals(fit.used, 31);
});

Deno.test("fitSvi: Vogt quotes are refitted without arbitrage, or refused when not enforced", () => {
  const k = Float64Array.from({ length: 31 }, (_, i) => -0.6 + i * 0.06);
  const w = k.map((x) => sviTotalVariance(VOGT, x));
  const fit = fitSvi({ k, w });
  assert(fit.ok, fit.message);
  assert(fit.butterfly.minG >= 0);
  // the closest arbitrage-free SVI is a few percent of w away from the arbitrageable quotes
  assert(fit.rmse < 5e-3, `${fit.rmse}`);
  const raw = fitSvi({ k, w }, { noArbitrage: false, label: "2026-01-16" });
  assertEquals(raw.ok, false);
  assert(raw.message.includes("2026-01-16") && raw.message.includes("g(k) < 0"), raw.message);
});

Deno.test("fitSvi: empty, too few, all-NaN, constant and bad values", () => {
  const e = fitSvi({ k: new Float64Array(0), w: new Float64Array(0) });
  assertEquals(e.ok, false);
  assert(Number.isNaN(e.params.a));
  const few = fitSvi({ k: Float64Array.of(-0.1, 0, 0.1), w: Float64Array.of(0.05, 0.04, 0.05) }, {
    label: "2025-03-21",
  });
  assertEquals(few.message, "Cannot fit SVI 2025-03-21: only 3 valid quotes (need 5)");
  const nan = fitSvi({ k: new Float64Array(8).fill(NaN), w: new Float64Array(8).fill(NaN) });
  assertEquals([nan.ok, nan.used, nan.dropped], [false, 0, 8]);
  const k = Float64Array.from({ length: 11 }, (_, i) => -0.5 + i * 0.1);
  const flat = fitSvi({ k, w: new Float64Array(11).fill(0.04) });
  assert(flat.ok, flat.message);
  for (const x of k) assertAlmostEquals(sviTotalVariance(flat.params, x), 0.04, 1e-6);
  const w = k.map((x) => 0.04 + 0.05 * x * x);
  w[3] = -1; // bad value: dropped and counted
  const bad = fitSvi({ k, w });
  assertEquals([bad.used, bad.dropped], [10, 1]);
  assertThrows(() => fitSvi({ k, w: new Float64Array(3) }), RangeError);
});

Deno.test("fitSsvi: recovers shape and theta from noisy synthetic slices; no arbitrage", () => {
  const truth = { rho: -0.35, eta: 1.2, gamma: 0.35 };
  const rng = new Rng(5);
  const ts = [0.02, 0.08, 0.25, 0.5, 1, 2];
  const thetas = ts.map((t) => 0.04 * t + 0.0005 * Math.sqrt(t));
  const slices = ts.map((t, j) => {
    const k = Float64Array.from({ length: 25 }, (_, i) => (-0.75 + i / 16) * Math.sqrt(t));
    return {
      t,
      k,
      w: k.map((x) => ssviTotalVariance(truth, x, thetas[j]!) * (1 + 0.002 * rng.normal())),
    };
  });
  slices.push({ t: 3, k: Float64Array.of(0), w: Float64Array.of(0.1) }); // too few quotes
  const fit = fitSsvi(slices);
  assert(fit.ok, fit.message);
  assertAlmostEquals(fit.params.rho, truth.rho, 0.02);
  assertAlmostEquals(fit.params.eta, truth.eta, 0.05);
  assertAlmostEquals(fit.params.gamma, truth.gamma, 0.03);
  thetas.forEach((th, j) => assertAlmostEquals(fit.theta[j]!, th, 0.01 * th + 1e-5));
  assertEquals(fit.skipped.length, 1);
  for (let j = 1; j < fit.theta.length; j++) assert(fit.theta[j]! >= fit.theta[j - 1]!);
  // surface interpolation: at a fitted maturity it is the slice
  assertAlmostEquals(
    ssviSurfaceTotalVariance(fit, 0.1, 0.5),
    ssviTotalVariance(fit.params, 0.1, fit.theta[3]!),
    1e-15,
  );
  // total variance non-decreasing in t at every k (interpolation keeps calendar no-arbitrage)
  for (const k of [-0.5, 0, 0.5]) {
    let prev = 0;
    for (let t = 0.01; t < 3; t += 0.05) {
      const w = ssviSurfaceTotalVariance(fit, k, t);
      assert(w >= prev - 1e-15);
      prev = w;
    }
  }
  assertEquals(fitSsvi([]).ok, false);
});

Deno.test("fitSvi: tick-floor quotes in the far wing are rejected, not fitted", () => {
  // an SSVI slice (rho -0.8) whose three farthest call quotes sit at a price floor (w x 1.87),
  // as in the simulated market's 22-day monthly expiry
  const truth = ssviToSvi({ rho: -0.8, eta: 1.05, gamma: 0.45 }, 0.0035);
  const rng = new Rng(9);
  const k = Float64Array.from({ length: 101 }, (_, i) => -0.3 + 0.65 * i / 100);
  const w = k.map((x) => sviTotalVariance(truth, x) * (1 + 0.001 * rng.normal()));
  for (const i of [98, 99, 100]) w[i] = w[i]! * 1.87;
  const fit = fitSvi({ k, w });
  assert(fit.ok, fit.message);
  for (const i of [98, 99, 100]) assert(fit.outliers.includes(i), `${fit.outliers}`);
  assertAlmostEquals(fit.params.rho, -0.8, 0.05);
});

Deno.test("warm starts reach the same fits as cold starts", () => {
  const { k, w } = noisySlice(4);
  const cold = fitSvi({ k, w });
  const warm = fitSvi({ k, w }, { start: { ...cold.params, m: cold.params.m + 0.02 } });
  assert(warm.ok);
  assertAlmostEquals(warm.rmse, cold.rmse, 1e-3 * cold.rmse);
  const truth = { rho: -0.5, eta: 1, gamma: 0.4 };
  const slices = [0.1, 0.3, 1].map((t) => {
    const kk = Float64Array.from({ length: 21 }, (_, i) => (-1 + i / 10) * 0.4 * Math.sqrt(t));
    return { t, k: kk, w: kk.map((x) => ssviTotalVariance(truth, x, 0.04 * t)) };
  });
  const s = fitSsvi(slices, { start: { rho: -0.45, eta: 0.9, gamma: 0.35 } });
  assert(s.ok);
  assertAlmostEquals(s.params.rho, truth.rho, 1e-3);
  assertAlmostEquals(s.params.eta, truth.eta, 1e-2);
});
