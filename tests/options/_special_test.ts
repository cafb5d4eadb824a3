import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import {
  erfcx,
  erfcxAny,
  erfcxFast,
  fastExp,
  fastSinh,
  normCdfFast,
} from "../../lib/options/_special.ts";
import { normCdf as coreNormCdf, Rng } from "../../lib/core/mod.ts";

// References: Math.exp / Math.sinh (V8's fdlibm port, correctly rounded to about 1 ulp), Cody's
// rational erfcx in this file (an independent code path: the fast table is only fitted to it)
// lib/core's normCdf (separate Cody implementation) and a few mpmath values.
const RTOL_EXP = 4.5e-16; // 2 ulp
const RTOL_SINH = 1e-15;
// erfcxFast was measured at 1.3e-15 against mpmath and Cody's forms at 8e-16.
const RTOL_ERFCX = 3e-15;
const RTOL_CDF = 5e-15;

Deno.test("fastExp matches Math.exp to 2 ulp; limits, NaN", () => {
  const rng = new Rng(4);
  for (let i = 0; i < 200_000; i++) {
    const x = -708 + 1417 * rng.uniform(); // normal (not subnormal) results
    assertAlmostEquals(fastExp(x), Math.exp(x), 0, `x=${x}`, RTOL_EXP);
  }
  // subnormal results carry fewer bits: a few units of the smallest subnormal
  assertAlmostEquals(fastExp(-711.5), Math.exp(-711.5), 4 * Number.MIN_VALUE);
  for (const x of [0, 1, -1, 1e-300, -1e-17, 0.5 * Math.LN2, 709.7, -708.3]) {
    assertAlmostEquals(fastExp(x), Math.exp(x), 0, `x=${x}`, RTOL_EXP);
  }
  assertEquals(fastExp(0), 1);
  assertEquals([fastExp(-800), fastExp(-Infinity), fastExp(800), fastExp(Infinity)], [
    0,
    0,
    Infinity,
    Infinity,
  ]);
  assert(Number.isNaN(fastExp(NaN)));
});

Deno.test("fastSinh matches Math.sinh on both sides of its series/exp switch", () => {
  const rng = new Rng(5);
  for (let i = 0; i < 100_000; i++) {
    const z = i % 2 ? rng.uniform() : 30 * rng.uniform();
    assertAlmostEquals(fastSinh(z), Math.sinh(z), 0, `z=${z}`, RTOL_SINH);
  }
  assertEquals(fastSinh(0), 0);
  assertEquals(fastSinh(1e-300), 1e-300);
});

Deno.test("erfcxFast / erfcxAny match Cody's erfcx on [0, 46] and beyond", () => {
  const rng = new Rng(6);
  for (let i = 0; i < 200_000; i++) {
    const y = i % 2 ? 3 * rng.uniform() : 46 * rng.uniform();
    assertAlmostEquals(erfcxFast(y), erfcx(y), 0, `y=${y}`, RTOL_ERFCX);
  }
  for (const y of [0, 1e-12, 0.46875, 4, 45.999]) {
    assertAlmostEquals(erfcxFast(y), erfcx(y), 0, `y=${y}`, RTOL_ERFCX);
  }
  for (const x of [-3, -0.2, 0, 10, 46, 47, 1e3]) {
    assertAlmostEquals(erfcxAny(x), erfcx(x), 0, `x=${x}`, RTOL_ERFCX);
  }
});

Deno.test("normCdfFast(z, phi(z)) matches lib/core normCdf, relative in the left tail", () => {
  // z = k/64: z^2 / 2 is exact, so the density input is correctly rounded to about 1 ulp
  for (let k = -5 * 64; k <= 9 * 64; k++) {
    const z = k / 64;
    const pdf = Math.exp(-0.5 * z * z) * 0.3989422804014327;
    const ref = coreNormCdf(z);
    // right half: 1 - tail, compared absolutely (2 ulp of 1)
    if (z < 0) assertAlmostEquals(normCdfFast(z, pdf), ref, 0, `z=${z}`, RTOL_CDF);
    else assertAlmostEquals(normCdfFast(z, pdf), ref, 4.5e-16, `z=${z}`);
  }
  // deep tail against mpmath 1.3.0 (mp.ncdf at 30 digits): lib/core drifts by 1e-14..1e-13 there
  const deep: [number, number][] = [
    [-10, 7.61985302416052606597334325145e-24],
    [-20, 2.75362411860623369507562278086e-89],
    [-30, 4.90671392714818705953380925658e-198],
    [-37, 5.72557122252457682268319254827e-300],
  ];
  for (const [z, ref] of deep) {
    const pdf = Math.exp(-0.5 * z * z) * 0.3989422804014327;
    assertAlmostEquals(normCdfFast(z, pdf), ref, 0, `z=${z}`, RTOL_CDF);
  }
  assertEquals(normCdfFast(-80, 0), 0);
  assertEquals(normCdfFast(80, 0), 1);
});
