import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { Rng } from "../../lib/core/mod.ts";
import {
  bipowerVariation,
  closeToCloseVol,
  garmanKlassVol,
  parkinsonVol,
  realizedVariance,
  rogersSatchellVol,
  sessionRealized,
  yangZhangVol,
} from "../../lib/features/volatility.ts";

import { assertColumnsClose, readCsvColumns } from "./_fixtures.ts";

const ATOL = 1e-14;
/** R writes 15 significant digits; rolling sums over 20 bars add a little rounding. */
const RTOL_TTR = 1e-11;
/** Estimators on a simulated path agree with the true sigma within sampling error. */
const RTOL_SIM = 0.08;

const f = (xs: number[]) => Float64Array.from(xs);
const raw = { annualize: false } as const;

// Hand-worked bars (two bars, window 2):
// bar 0: O 100, H 110, L 95, C 105;   bar 1: O 104, H 108, L 100, C 102
const bars = {
  open: f([100, 104, 103]),
  high: f([110, 108, 106]),
  low: f([95, 100, 99]),
  close: f([105, 102, 104]),
};
const L = Math.log;

Deno.test("Parkinson, Garman-Klass, Rogers-Satchell match the paper formulas by hand", () => {
  const pk = (h: number, l: number) => L(h / l) ** 2 / (4 * Math.LN2);
  const expPk = Math.sqrt((pk(110, 95) + pk(108, 100)) / 2);
  assertAlmostEquals(parkinsonVol(bars, { window: 2, ...raw })[1]!, expPk, ATOL);
  const gk = (o: number, h: number, l: number, c: number) =>
    0.5 * L(h / l) ** 2 - (2 * Math.LN2 - 1) * L(c / o) ** 2;
  const expGk = Math.sqrt((gk(100, 110, 95, 105) + gk(104, 108, 100, 102)) / 2);
  assertAlmostEquals(garmanKlassVol(bars, { window: 2, ...raw })[1]!, expGk, ATOL);
  const rs = (o: number, h: number, l: number, c: number) =>
    L(h / c) * L(h / o) + L(l / c) * L(l / o);
  const expRs = Math.sqrt((rs(100, 110, 95, 105) + rs(104, 108, 100, 102)) / 2);
  assertAlmostEquals(rogersSatchellVol(bars, { window: 2, ...raw })[1]!, expRs, ATOL);
  // annualisation multiplies the variance by 252
  assertAlmostEquals(parkinsonVol(bars, { window: 2 })[1]!, expPk * Math.sqrt(252), 1e-12);
});

Deno.test("close-to-close and Yang-Zhang by hand (window 2)", () => {
  // returns r1 = ln(102/105), r2 = ln(104/102); sample variance of two values = (r1-r2)^2/2
  const r1 = L(102 / 105), r2 = L(104 / 102);
  assertAlmostEquals(
    closeToCloseVol(bars.close, { window: 2, ...raw })[2]!,
    Math.sqrt((r1 - r2) ** 2 / 2),
    ATOL,
  );
  // Yang-Zhang at t = 2 over bars 1..2
  const o1 = L(104 / 105), o2 = L(103 / 102);
  const c1 = L(102 / 104), c2 = L(104 / 103);
  const vo = (o1 - o2) ** 2 / 2, vc = (c1 - c2) ** 2 / 2;
  const rs = (o: number, h: number, l: number, c: number) =>
    L(h / c) * L(h / o) + L(l / c) * L(l / o);
  const vrs = (rs(104, 108, 100, 102) + rs(103, 106, 99, 104)) / 2;
  const k = 0.34 / (1.34 + 3 / 1);
  const yz = yangZhangVol(bars, { window: 2, ...raw });
  assert(Number.isNaN(yz[1]!));
  assertAlmostEquals(yz[2]!, Math.sqrt(vo + k * vc + (1 - k) * vrs), ATOL);
});

Deno.test("realised variance and bipower variation by hand", () => {
  const r = f([0.01, -0.02, 0.01]);
  assertAlmostEquals(realizedVariance(r), 0.0001 + 0.0004 + 0.0001, ATOL);
  assertAlmostEquals(bipowerVariation(r), (Math.PI / 2) * (0.0002 + 0.0002), ATOL);
  assertEquals(realizedVariance(new Float64Array(0)), 0);
  assertEquals(bipowerVariation(f([0.5])), 0);
  // a jump inflates RV far more than BV
  const j = f([0.001, -0.001, 0.001, 0.05, 0.001, -0.001]);
  assert(realizedVariance(j) > 10 * bipowerVariation(j));
  const s = sessionRealized(f([100, 101, 100, 200, 202]), Int32Array.from([1, 1, 1, 2, 2]));
  assertEquals(Array.from(s.session), [1, 2]);
  assertEquals(Array.from(s.count), [2, 1]);
  assertAlmostEquals(s.rv[0]!, L(1.01) ** 2 + L(100 / 101) ** 2, ATOL);
  assertAlmostEquals(s.rv[1]!, L(1.01) ** 2, ATOL);
  assertThrows(
    () => sessionRealized(f([1, 2, 3]), Int32Array.from([2, 1, 1])),
    RangeError,
    "decrease",
  );
});

Deno.test("all estimators recover sigma on a simulated driftless GBM path", () => {
  const rng = new Rng(11);
  const days = 400, steps = 390, sigma = 0.25;
  const dt = 1 / (252 * steps);
  const open = new Float64Array(days), high = new Float64Array(days);
  const low = new Float64Array(days), close = new Float64Array(days);
  let p = 100;
  for (let d = 0; d < days; d++) {
    open[d] = p;
    let h = p, l = p;
    for (let s = 0; s < steps; s++) {
      p *= Math.exp(-0.5 * sigma * sigma * dt + sigma * Math.sqrt(dt) * rng.normal());
      if (p > h) h = p;
      if (p < l) l = p;
    }
    high[d] = h, low[d] = l, close[d] = p;
  }
  const o = { window: days - 1 };
  const ohlc = { open, high, low, close };
  for (
    const [name, v] of [
      ["c2c", closeToCloseVol(close, o)],
      ["parkinson", parkinsonVol(ohlc, o)],
      ["gk", garmanKlassVol(ohlc, o)],
      ["rs", rogersSatchellVol(ohlc, o)],
      ["yz", yangZhangVol(ohlc, o)],
    ] as const
  ) {
    const est = v[days - 1]!;
    assert(Math.abs(est / sigma - 1) < RTOL_SIM, `${name}: ${est} vs ${sigma}`);
  }
});

Deno.test("edge cases: empty, one bar, all-NaN, constant, bad value; scale invariance", () => {
  const e = new Float64Array(0);
  assertEquals(garmanKlassVol({ open: e, high: e, low: e, close: e }).length, 0);
  const one = f([5]);
  assertEquals(parkinsonVol({ high: one, low: one }, { window: 1 })[0], 0);
  assert(Number.isNaN(closeToCloseVol(one, { window: 2 })[0]!));
  const nan = new Float64Array(10).fill(NaN);
  assert(
    yangZhangVol({ open: nan, high: nan, low: nan, close: nan }, { window: 3 }).every(Number.isNaN),
  );
  const flat = new Float64Array(10).fill(50);
  const fo = { open: flat, high: flat, low: flat, close: flat };
  assertEquals(yangZhangVol(fo, { window: 3 })[9], 0);
  assertEquals(parkinsonVol(fo, { window: 3 })[9], 0);
  // a non-positive price poisons the windows containing it
  const bad = f([100, 101, -1, 102, 103, 104]);
  const cc = closeToCloseVol(bad, { window: 2 });
  assert(Number.isNaN(cc[3]!) && Number.isNaN(cc[4]!) && Number.isFinite(cc[5]!));
  assertThrows(() => closeToCloseVol(bad, { window: 1 }), RangeError, "window 1");
  // scaling every price by a constant changes nothing
  const k = 3.7;
  const scaled = {
    open: bars.open.map((x) => x * k),
    high: bars.high.map((x) => x * k),
    low: bars.low.map((x) => x * k),
    close: bars.close.map((x) => x * k),
  };
  assertAlmostEquals(
    yangZhangVol(scaled, { window: 2 })[2]!,
    yangZhangVol(bars, { window: 2 })[2]!,
    1e-12,
  );
});

Deno.test("range estimators match R TTR 0.24.3 volatility() on ttrc (1000 days)", () => {
  const v = readCsvColumns(
    new URL("../fixtures/features/ttr_volatility_ttrc.csv", import.meta.url),
  );
  const ohlc = { open: v.open!, high: v.high!, low: v.low!, close: v.close! };
  const o = { window: 20 };
  assertColumnsClose(closeToCloseVol(v.close!, o), v.close_to_close_20!, RTOL_TTR, "close");
  assertColumnsClose(parkinsonVol(ohlc, o), v.parkinson_20!, RTOL_TTR, "parkinson");
  assertColumnsClose(garmanKlassVol(ohlc, o), v.garman_klass_20!, RTOL_TTR, "garman_klass");
  assertColumnsClose(
    rogersSatchellVol(ohlc, o),
    v.rogers_satchell_20!,
    RTOL_TTR,
    "rogers_satchell",
  );
  assertColumnsClose(yangZhangVol(ohlc, o), v.yang_zhang_20!, RTOL_TTR, "yang_zhang");
});
