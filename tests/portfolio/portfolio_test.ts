import assert from "node:assert/strict";
import {
  applyConstraints,
  kellyWeights,
  ledoitWolf,
  portfolioVariance,
  sampleCovariance,
  volTarget,
} from "../../lib/portfolio/mod.ts";

const RTOL_REF = 1e-10;
const close = (a: number, b: number, rtol: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= rtol * Math.max(1e-300, Math.abs(b)) + 1e-18, `${msg} ${a} vs ${b}`);

Deno.test("sample covariance by hand and Ledoit-Wolf against scikit-learn", async () => {
  // x = [1,3,5], y = [2,4,7]: var x = 4, cov = (−2·−2.333 + 0 + 2·2.667)/2 = 5, var y = 6.333
  const s = sampleCovariance(Float64Array.of(1, 2, 3, 4, 5, 7), 2);
  [4, 5, 5, 19 / 3].forEach((v, i) => close(s.data[i]!, v, 1e-14));
  const ref = JSON.parse(
    await Deno.readTextFile(new URL("../fixtures/portfolio/ledoit_wolf.json", import.meta.url)),
  ) as {
    cases: {
      t: number;
      n: number;
      returns: number[];
      shrinkage: number;
      cov: number[];
      sample_cov_ddof1: number[];
    }[];
  };
  for (const c of ref.cases) {
    const r = Float64Array.from(c.returns);
    const lw = ledoitWolf(r, c.n);
    close(lw.shrinkage, c.shrinkage, RTOL_REF, `shrinkage T=${c.t}`);
    c.cov.forEach((v, i) => close(lw.cov.data[i]!, v, RTOL_REF, `cov ${i}`));
    const sc = sampleCovariance(r, c.n);
    c.sample_cov_ddof1.forEach((v, i) => close(sc.data[i]!, v, RTOL_REF, `sample ${i}`));
  }
});

Deno.test("covariance edge cases: NaN rows dropped, too few rows, constant series", () => {
  const withNaN = Float64Array.of(1, 2, NaN, 9, 3, 4, 5, 7);
  const a = sampleCovariance(withNaN, 2);
  const b = sampleCovariance(Float64Array.of(1, 2, 3, 4, 5, 7), 2);
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
  assert.throws(() => sampleCovariance(Float64Array.of(1, 2), 2), RangeError);
  assert.throws(() => ledoitWolf(new Float64Array(0), 3), RangeError);
  assert.throws(() => sampleCovariance(Float64Array.of(1, 2, 3), 2), RangeError);
  const flat = ledoitWolf(Float64Array.of(1, 1, 1, 1, 1, 1), 2);
  assert.equal(flat.shrinkage, 0);
  assert.deepEqual(Array.from(flat.cov.data), [0, 0, 0, 0]);
});

Deno.test("vol targeting: hand value, gross cap reported, zero risk", () => {
  // one asset, daily variance 4e-4 (2% daily): annual vol = 0.02 * sqrt(252) = 0.31749
  const cov = { n: 1, data: Float64Array.of(4e-4) };
  const r = volTarget([1], cov, { targetVol: 0.1 });
  close(r.scale, 0.1 / (0.02 * Math.sqrt(252)), 1e-14);
  close(r.exAnteVol, 0.1, 1e-14);
  assert.ok(r.met);
  const capped = volTarget([1], { n: 1, data: Float64Array.of(1e-6) }, {
    targetVol: 0.2,
    maxGross: 2,
  });
  assert.equal(capped.met, false);
  assert.equal(capped.weights[0], 2);
  assert.match(capped.reason!, /gross cap 2 binds/);
  const zero = volTarget([0], cov, { targetVol: 0.1 });
  assert.equal(zero.met, false);
  assert.throws(() => volTarget([1], cov, { targetVol: -1 }), RangeError);
  // scale invariance: doubling the input weights halves the scale, same output
  const two = volTarget([2, -1], { n: 2, data: Float64Array.of(4e-4, 1e-4, 1e-4, 9e-4) }, {
    targetVol: 0.1,
  });
  const four = volTarget([4, -2], { n: 2, data: Float64Array.of(4e-4, 1e-4, 1e-4, 9e-4) }, {
    targetVol: 0.1,
  });
  two.weights.forEach((w, i) => close(w, four.weights[i]!, 1e-14));
});

Deno.test("fractional Kelly: mu / sigma^2 by hand, Sigma^-1 mu for two assets", () => {
  close(kellyWeights([0.0004], { n: 1, data: Float64Array.of(1e-4) }, 0.5)[0]!, 2, 1e-14);
  // Sigma = [[2,1],[1,2]], mu = [1,0]: Sigma^-1 = [[2,-1],[-1,2]]/3 -> [2/3, -1/3]
  const w = kellyWeights([1, 0], { n: 2, data: Float64Array.of(2, 1, 1, 2) }, 1);
  close(w[0]!, 2 / 3, 1e-14);
  close(w[1]!, -1 / 3, 1e-14);
  assert.throws(
    () => kellyWeights([1, 0], { n: 2, data: Float64Array.of(1, 2, 2, 1) }),
    RangeError,
  );
  assert.throws(() => kellyWeights([NaN], { n: 1, data: Float64Array.of(1) }), RangeError);
  assert.throws(() => kellyWeights([1], { n: 1, data: Float64Array.of(1) }, 1.5), RangeError);
  close(portfolioVariance(w, { n: 2, data: Float64Array.of(2, 1, 1, 2) }), 2 / 3, 1e-14);
});

Deno.test("constraints: per-name, sector, net, gross caps by hand", () => {
  const r = applyConstraints([0.5, 0.3, -0.1, 0.2], {
    perNameCap: 0.4,
    sectors: ["tech", "tech", "energy", "energy"],
    sectorCaps: { tech: 0.5 },
  });
  // names: [0.4, 0.3, -0.1, 0.2]; tech gross 0.7 > 0.5 -> scale 5/7
  close(r.weights[0]!, 0.4 * 5 / 7, 1e-14);
  close(r.weights[1]!, 0.3 * 5 / 7, 1e-14);
  assert.deepEqual(r.binding, ["perName", "sector:tech"]);
  assert.equal(r.violations.length, 0);
  const net = applyConstraints([0.6, 0.4, -0.2], { netCap: 0.5 });
  // long 1.0 short 0.2 net 0.8 -> longs scaled by (0.5 + 0.2) / 1.0 = 0.7
  assert.deepEqual(Array.from(net.weights).map((x) => +x.toFixed(12)), [0.42, 0.28, -0.2]);
  const gross = applyConstraints([1, -1], { grossCap: 1 });
  assert.deepEqual(Array.from(gross.weights), [0.5, -0.5]);
});

Deno.test("constraints: turnover limit blends; an unmeetable combination is reported", () => {
  const r = applyConstraints([0.5, -0.5], { turnoverLimit: 0.5, previous: [0, 0] });
  assert.deepEqual(Array.from(r.weights), [0.25, -0.25]);
  assert.equal(r.violations.length, 0);
  // previous book breaks the per-name cap; the turnover limit forbids fixing it in one step
  const bad = applyConstraints([0.1, 0.1], {
    perNameCap: 0.2,
    turnoverLimit: 0.1,
    previous: [0.8, 0],
  });
  assert.ok(bad.violations.some((v) => v.constraint === "perName:0"));
  assert.throws(
    () =>
      applyConstraints([0.1, 0.1], {
        perNameCap: 0.2,
        turnoverLimit: 0.1,
        previous: [0.8, 0],
        throwOnViolation: true,
      }),
    /cannot be met/,
  );
  // edge cases
  assert.equal(applyConstraints([]).weights.length, 0);
  assert.throws(() => applyConstraints([NaN]), RangeError);
  assert.throws(() => applyConstraints([0.1], { grossCap: -1 }), RangeError);
  assert.throws(() => applyConstraints([0.1], { sectorCaps: { a: 1 } }), RangeError);
  const input = [0.5, 0.5];
  applyConstraints(input, { perNameCap: 0.1 });
  assert.deepEqual(input, [0.5, 0.5]);
});
