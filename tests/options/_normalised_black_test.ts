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
