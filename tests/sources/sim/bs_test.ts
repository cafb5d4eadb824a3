import { assertAlmostEquals, assertEquals } from "../../_assert.ts";
import { bsGreeks, bsPrice } from "../../../lib/sources/sim/_bs.ts";

/** Price agreement with QuantLib: absolute, scaled by spot. */
const ATOL_PRICE_PER_SPOT = 1e-10;
/** Greek agreement with QuantLib (theta per day, vega per vol point). */
const ATOL_GREEK = 1e-9;
const RTOL_GREEK = 1e-8;

interface Row {
  call: boolean;
  s: number;
  k: number;
  t: number;
  r: number;
  q: number;
  sigma: number;
  price: number;
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
}

Deno.test("bs: hand-worked value (Hull: S=K=100, T=1, r=5%, sigma=20%) and parity", () => {
  // d1 = (0.05 + 0.02) / 0.2 = 0.35, d2 = 0.15; C = 100 N(0.35) - 100 e^{-0.05} N(0.15) = 10.4506
  assertAlmostEquals(bsPrice(true, 100, 100, 1, 0.05, 0, 0.2), 10.450583572185565, 1e-10);
  assertAlmostEquals(
    bsPrice(false, 100, 100, 1, 0.05, 0, 0.2),
    10.450583572185565 - 100 + 100 * Math.exp(-0.05),
    1e-10,
  );
});

Deno.test("bs: matches QuantLib's analytic European engine on 720 cases", async () => {
  const fx = JSON.parse(
    await Deno.readTextFile(new URL("../../fixtures/sim/bs_quantlib.json", import.meta.url)),
  ) as { rows: Row[] };
  assertEquals(fx.rows.length, 720);
  for (const x of fx.rows) {
    const g = bsGreeks(x.call, x.s, x.k, x.t, x.r, x.q, x.sigma);
    const what = JSON.stringify({ ...x, price: undefined });
    assertAlmostEquals(g.price, x.price, ATOL_PRICE_PER_SPOT * x.s, `price ${what}`);
    assertAlmostEquals(g.delta, x.delta, ATOL_GREEK, `delta ${what}`, RTOL_GREEK);
    assertAlmostEquals(g.gamma, x.gamma, ATOL_GREEK, `gamma ${what}`, RTOL_GREEK);
    assertAlmostEquals(g.theta, x.theta, ATOL_GREEK * x.s, `theta ${what}`, RTOL_GREEK);
    assertAlmostEquals(g.vega, x.vega, ATOL_GREEK * x.s, `vega ${what}`, RTOL_GREEK);
  }
});

Deno.test("bs: degenerate inputs give the discounted intrinsic value", () => {
  assertAlmostEquals(bsPrice(true, 110, 100, 0, 0.05, 0, 0.2), 10, 1e-12);
  assertAlmostEquals(bsPrice(false, 110, 100, 0, 0.05, 0, 0.2), 0, 1e-12);
  assertAlmostEquals(bsPrice(true, 110, 100, 1, 0.05, 0, 0), 110 - 100 * Math.exp(-0.05), 1e-12);
  const g = bsGreeks(true, 110, 100, 0, 0.05, 0, 0.2);
  assertEquals([g.delta, g.gamma, g.vega], [1, 0, 0]);
  assertEquals(Number.isNaN(bsPrice(true, NaN, 100, 1, 0.05, 0, 0.2)), true);
});
