// Test helper: load the committed QuantLib fixture as option columns.
import { emptyOptionColumns, type OptionColumns } from "../../lib/options/mod.ts";
import { CALENDAR_DAYS_PER_YEAR } from "../../lib/core/mod.ts";

export interface QuantLibFixture {
  o: OptionColumns;
  vol: Float64Array;
  price: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
  vega: Float64Array;
  theta: Float64Array;
  rho: Float64Array;
  qlIv: Float64Array;
}

export async function loadQuantLibFixture(): Promise<QuantLibFixture> {
  const text = await Deno.readTextFile(
    new URL("../fixtures/options/quantlib_bsm.csv", import.meta.url),
  );
  const lines = text.trim().split("\n").slice(1);
  const n = lines.length;
  const o = emptyOptionColumns(n);
  const f = () => new Float64Array(n);
  const out: QuantLibFixture = {
    o,
    vol: f(),
    price: f(),
    delta: f(),
    gamma: f(),
    vega: f(),
    theta: f(),
    rho: f(),
    qlIv: f(),
  };
  lines.forEach((line, i) => {
    const c = line.split(",").map(Number);
    o.spot[i] = c[0]!;
    o.strike[i] = c[1]!;
    o.t[i] = c[2]! / CALENDAR_DAYS_PER_YEAR;
    out.vol[i] = c[3]!;
    o.rate[i] = c[4]!;
    o.div[i] = c[5]!;
    o.isCall[i] = c[6]!;
    out.price[i] = c[7]!;
    out.delta[i] = c[8]!;
    out.gamma[i] = c[9]!;
    out.vega[i] = c[10]!;
    out.theta[i] = c[11]!;
    out.rho[i] = c[12]!;
    out.qlIv[i] = c[13]!;
  });
  return out;
}
