/**
 * Interest-rate state on each session: fed funds (steps of 25 bp at meetings every 30
 * sessions), 3-month bill, 2- and 10-year Treasury yields (percent). The 3-month bill sets the
 * option-pricing rate r = ln(1 + DTB3 / 100).
 *
 * FF_d = FF_{d-1} + 0.25 J_d at meetings, J in {-1, 0, +1} w.p. {0.25, 0.5, 0.25};
 * DTB3 = FF - 0.08 + x, x AR(1) phi 0.95 sd 0.01; DGS2 = FF - 0.3 + y, y AR(1) phi 0.995 sd
 * 0.04; DGS10 = DGS2 + z, z AR(1) around 0.2, phi 0.995 sd 0.03.
 */
import type { Rng } from "../../core/random.ts";

export interface RatesPath {
  fedFunds: Float64Array;
  dtb3: Float64Array;
  dgs2: Float64Array;
  dgs10: Float64Array;
}

export function ratesPath(rng: Rng, n: number): RatesPath {
  const r = rng.fork("rates");
  const out: RatesPath = {
    fedFunds: new Float64Array(n),
    dtb3: new Float64Array(n),
    dgs2: new Float64Array(n),
    dgs10: new Float64Array(n),
  };
  let ff = 2.5 + 0.25 * r.int(0, 12);
  let x = 0, y = 0, z = 0.2;
  for (let d = 0; d < n; d++) {
    if (d > 0 && d % 30 === 0) {
      const u = r.uniform();
      ff = Math.max(0.25, ff + (u < 0.25 ? -0.25 : u > 0.75 ? 0.25 : 0));
    }
    x = 0.95 * x + 0.01 * r.normal();
    y = 0.995 * y + 0.04 * r.normal();
    z = 0.2 + 0.995 * (z - 0.2) + 0.03 * r.normal();
    out.fedFunds[d] = ff;
    out.dtb3[d] = Math.round((ff - 0.08 + x) * 100) / 100;
    out.dgs2[d] = Math.round((ff - 0.3 + y) * 100) / 100;
    out.dgs10[d] = Math.round((ff - 0.3 + y + z) * 100) / 100;
  }
  return out;
}
