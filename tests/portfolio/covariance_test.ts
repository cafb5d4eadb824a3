import assert from "node:assert/strict";
import { ledoitWolf, sampleCovariance } from "../../lib/portfolio/mod.ts";

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
