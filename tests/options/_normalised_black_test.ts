import { assert, assertAlmostEquals } from "../_assert.ts";
import {
  normalisedBlackComplement,
  normalisedBlackOtm,
} from "../../lib/options/_normalised_black.ts";

// Conditioning floor of b(x, s) with respect to rounding of x/s is about (x/s)^2 eps; the
// fixture reaches |x/s| = 40, so 1e-12 covers the worst row with margin (observed 2e-13).
const RTOL_TAIL = 1e-12;
const RTOL_BODY = 2e-15;

Deno.test("mpmath reference: normalised OTM Black call at full relative precision", async () => {
  const rows = JSON.parse(
    await Deno.readTextFile(
      new URL("../fixtures/options/normalised_black_mpmath.json", import.meta.url),
    ),
  ) as [number, number, number][];
  assert(rows.length > 2000);
  for (const [x, s, ref] of rows) {
    const y = -x / s;
    const tol = y < 3 ? RTOL_BODY * 10 : RTOL_TAIL;
    assertAlmostEquals(normalisedBlackOtm(x, s), ref, 0, `x=${x} s=${s}`, tol);
  }
});

Deno.test("normalised Black: complement adds up, s = 0 and NaN", () => {
  for (const x of [-2, -0.5, -1e-3, 0]) {
    for (const s of [1e-3, 0.1, 1, 4]) {
      const sum = normalisedBlackOtm(x, s) + normalisedBlackComplement(x, s);
      assertAlmostEquals(sum, Math.exp(0.5 * x), 0, `x=${x} s=${s}`, 4 * RTOL_BODY);
    }
  }
  assert(normalisedBlackOtm(-1, 0) === 0);
  assert(Number.isNaN(normalisedBlackOtm(-1, NaN)));
});

// Published "Let's Be Rational" vectors (Jaeckel's reference code via vollib; provenance beside
// the fixture): b(x, s, q) = q (exp(x/2) Phi(q (x/s + s/2)) - exp(-x/2) Phi(q (x/s - s/2))) with
// x > 0. The put is the out-of-the-money value at -x; the call adds the intrinsic 2 sinh(x/2).
// Relative floor (x/s)^2 eps from the rounding of x, plus a few ulp.
const RTOL_LBR = 4e-15;
Deno.test("Let's Be Rational published vectors: normalised Black values", async () => {
  const { rows } = JSON.parse(
    await Deno.readTextFile(
      new URL("../fixtures/options/lets_be_rational_vectors.json", import.meta.url),
    ),
  ) as { rows: { case: number; x: number; s: number; q: number; normalised_black: number }[] };
  assert(rows.length >= 40);
  for (const r of rows) {
    const otm = normalisedBlackOtm(-r.x, r.s);
    const ours = r.q === 1 ? 2 * Math.sinh(0.5 * r.x) + otm : otm;
    const h = r.x / r.s;
    const tol = RTOL_LBR + 4 * Number.EPSILON * h * h;
    assertAlmostEquals(ours, r.normalised_black, 0, `case ${r.case}`, tol);
  }
});
