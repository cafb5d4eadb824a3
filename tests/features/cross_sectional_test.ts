import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  crossSectionalFeatures,
  rankCrossSection,
  zscoreCrossSection,
} from "../../lib/features/cross_sectional.ts";
import { tradingDays } from "../../lib/time/mod.ts";

const ATOL = 1e-12;
const f = (xs: number[]) => Float64Array.from(xs);

/** Two symbols with constant daily log growth g0, g1; volume 1000. */
function geometricPanel(nT: number, g: number[]) {
  const dates = tradingDays("2015-01-02", "2017-12-29").slice(0, nT);
  const nS = g.length;
  const close = new Float64Array(nT * nS);
  const volume = new Float64Array(nT * nS).fill(1000);
  for (let t = 0; t < nT; t++) {
    for (let s = 0; s < nS; s++) close[t * nS + s] = 50 * Math.exp(g[s]! * t);
  }
  return { dates, symbols: g.map((_, i) => `S${i}`), close, volume };
}

Deno.test("raw features on geometric prices match hand formulas", () => {
  const p = geometricPanel(300, [0.001, -0.002]);
  const x = crossSectionalFeatures(p, { normalize: "none" });
  const t = 299, i = t * 2;
  assertAlmostEquals(x.mom_12_1[i]!, 231 * 0.001, ATOL); // ln(C_{t-21}/C_{t-252}) = 231 g
  assertAlmostEquals(x.reversal_21[i + 1]!, 21 * 0.002, ATOL);
  assertAlmostEquals(x.vol_63[i]!, 0, 1e-9);
  // amihud: |r| / (C V) * 1e6 averaged over 21 days, C_u = 50 e^{g u}
  let a = 0;
  for (let u = t - 20; u <= t; u++) a += (0.001 / (50 * Math.exp(0.001 * u) * 1000)) * 1e6;
  assertAlmostEquals(x.amihud_21[i]!, a / 21, 1e-12);
  let dv = 0;
  for (let u = t - 20; u <= t; u++) dv += 50 * Math.exp(0.001 * u) * 1000;
  assertAlmostEquals(x.log_dollar_volume_21[i]!, Math.log(dv / 21), ATOL);
  assertAlmostEquals(x.dow_seasonality[i]!, 0.001, ATOL);
  assert(Number.isNaN(x.mom_12_1[251 * 2]!) && Number.isFinite(x.mom_12_1[252 * 2]!));
  assert(Number.isNaN(x.dow_seasonality[258 * 2]!));
});

Deno.test("month seasonality averages the same calendar month of previous years", () => {
  // one symbol; log return 0.01 on every January day, 0 otherwise; 3 years of sessions
  const dates = tradingDays("2015-01-02", "2017-12-29");
  const close = new Float64Array(dates.length);
  let lp = Math.log(20);
  const jan2015 = dates.filter((d) => d.startsWith("2015-01")).length - 1; // first day has no return
  const jan2016 = dates.filter((d) => d.startsWith("2016-01")).length;
  dates.forEach((d, t) => {
    if (t > 0 && d.slice(5, 7) === "01") lp += 0.01;
    close[t] = Math.exp(lp);
  });
  const p = { dates, symbols: ["A"], close, volume: new Float64Array(dates.length).fill(1) };
  const x = crossSectionalFeatures(p, { normalize: "none" }).month_seasonality;
  const t2016Dec31 = dates.indexOf("2016-12-30"); // next session is in January 2017
  assertAlmostEquals(x[t2016Dec31]!, ((jan2015 + jan2016) * 0.01) / 2, ATOL);
  const tJune2016 = dates.indexOf("2016-06-15");
  assertAlmostEquals(x[tJune2016]!, 0, ATOL); // June 2015 had zero returns
  assert(Number.isNaN(x[dates.indexOf("2015-06-15")]!)); // no previous year yet
});

Deno.test("rank and z-score per date: hand-worked, ties, NaN, single value, constant row", () => {
  assertEquals(Array.from(rankCrossSection(f([3, 1, 2, 2]), 4)), [1, 0, 0.5, 0.5]);
  const r = rankCrossSection(f([5, NaN, NaN, NaN, 1, 2]), 3);
  assertEquals(r[0], 0.5);
  assert(Number.isNaN(r[1]!));
  assertEquals(Array.from(r.subarray(3)), [NaN, 0, 1]);
  const z = zscoreCrossSection(f([1, 2, 3, 7, 7, 7]), 3);
  assertEquals(Array.from(z), [-1, 0, 1, 0, 0, 0]);
  assert(zscoreCrossSection(f([NaN, NaN]), 2).every(Number.isNaN));
});

Deno.test("normalised features: higher growth ranks higher; errors and edge cases", () => {
  const p = geometricPanel(300, [0.001, -0.002, 0.0005]);
  const x = crossSectionalFeatures(p);
  const i = 299 * 3;
  assertEquals([x.mom_12_1[i], x.mom_12_1[i + 1], x.mom_12_1[i + 2]], [1, 0, 0.5]);
  const empty = crossSectionalFeatures({ dates: [], symbols: [], close: f([]), volume: f([]) });
  assertEquals(empty.vol_63.length, 0);
  const one = crossSectionalFeatures(geometricPanel(1, [0.01]));
  assert(Number.isNaN(one.mom_12_1[0]!));
  const nan = geometricPanel(300, [0.001, 0.002]);
  nan.close.fill(NaN);
  assert(crossSectionalFeatures(nan).vol_63.every(Number.isNaN));
  assertThrows(
    () => crossSectionalFeatures({ ...p, volume: f([1]) }),
    RangeError,
    "needs 900 values",
  );
});

Deno.test("rank: packed-index sort agrees with a brute-force average rank on random rows", () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const nS = 37, nT = 50;
  const x = new Float64Array(nS * nT);
  for (let i = 0; i < x.length; i++) {
    const u = rnd();
    // negatives, zeros of both signs, exact ties, NaN and infinities
    x[i] = u < 0.05
      ? NaN
      : u < 0.08
      ? Infinity
      : u < 0.12
      ? -0
      : u < 0.16
      ? 0
      : u < 0.3
      ? Math.round(u * 10) - 5
      : (u - 0.6) * 1e3;
  }
  const r = rankCrossSection(x, nS);
  for (let t = 0; t < nT; t++) {
    const row = Array.from(x.subarray(t * nS, (t + 1) * nS));
    const fin = row.filter(Number.isFinite);
    row.forEach((v, s) => {
      if (!Number.isFinite(v)) return assert(Number.isNaN(r[t * nS + s]!));
      const less = fin.filter((w) => w < v).length, eq = fin.filter((w) => w === v).length;
      const expected = fin.length === 1 ? 0.5 : (less + (eq - 1) / 2) / (fin.length - 1);
      assertAlmostEquals(r[t * nS + s]!, expected, 1e-12);
    });
  }
});
