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

/** Average-rank percentile of one row by counting (the definition, O(m^2)). */
function bruteRankRow(row: number[]): number[] {
  const fin = row.filter(Number.isFinite);
  return row.map((v) => {
    if (!Number.isFinite(v)) return NaN;
    if (fin.length === 1) return 0.5;
    const less = fin.filter((w) => w < v).length, eq = fin.filter((w) => w === v).length;
    return (less + (eq - 1) / 2) / (fin.length - 1);
  });
}

function assertRanksMatch(x: Float64Array, nS: number, what: string) {
  const before = Float64Array.from(x);
  const r = rankCrossSection(x, nS);
  assertEquals(Array.from(x), Array.from(before), `${what}: input left unmodified`);
  for (let base = 0; base < x.length; base += nS) {
    const want = bruteRankRow(Array.from(x.subarray(base, base + nS)));
    want.forEach((e, s) => {
      const got = r[base + s]!;
      if (Number.isNaN(e)) assert(Number.isNaN(got), `${what}: row ${base / nS} col ${s} NaN`);
      else assertAlmostEquals(got, e, 1e-12, `${what}: row ${base / nS} col ${s}`);
    });
  }
}

Deno.test("rank: bucket sort agrees with counting ranks on wide, clustered and extreme rows", () => {
  let seed = 777;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  // 1500 wide: a cluster of 1 + k ulp-scale steps plus one huge outlier forces re-bucketing
  const nS = 1500;
  const clustered = new Float64Array(nS * 3);
  for (let s = 0; s < nS; s++) {
    clustered[s] = 1 + Math.floor(rnd() * 400) * 2 ** -52; // many exact ties, 1-ulp neighbours
    clustered[nS + s] = -1 - Math.floor(rnd() * 400) * 2 ** -40;
    clustered[2 * nS + s] = (rnd() - 0.5) * 1e-3;
  }
  clustered[7] = 1e300;
  clustered[nS + 9] = -Number.MAX_VALUE;
  clustered[2 * nS + 3] = Number.MIN_VALUE; // smallest subnormal
  clustered[2 * nS + 4] = -Number.MIN_VALUE;
  clustered[2 * nS + 5] = -0;
  clustered[2 * nS + 6] = 0;
  assertRanksMatch(clustered, nS, "clustered");
  // heavy-tailed positive values spanning 600 orders of magnitude, with NaN and infinities
  const nS2 = 257;
  const wild = new Float64Array(nS2 * 20);
  for (let i = 0; i < wild.length; i++) {
    const u = rnd();
    wild[i] = u < 0.03
      ? NaN
      : u < 0.05
      ? -Infinity
      : u < 0.07
      ? Infinity
      : (rnd() < 0.3 ? -1 : 1) * Math.exp((rnd() - 0.5) * 1380);
  }
  assertRanksMatch(wild, nS2, "wild");
});

Deno.test("rank: exact ties only; constant and one-value rows; partial last row", () => {
  // values one ulp apart are distinct ranks, -0 ties +0 (as pandas' average rank)
  const eps = 2 ** -52;
  assertEquals(Array.from(rankCrossSection(f([1 + eps, 1, 1 + eps, -0, 0]), 5)), [
    0.875,
    0.5,
    0.875,
    0.125,
    0.125,
  ]);
  assertEquals(Array.from(rankCrossSection(f([4, 4, 4, 4]), 4)), [0.5, 0.5, 0.5, 0.5]);
  assertEquals(Array.from(rankCrossSection(f([NaN, -Infinity, 3]), 3)), [NaN, NaN, 0.5]);
  assert(rankCrossSection(f([NaN, NaN]), 2).every(Number.isNaN));
  assertEquals(rankCrossSection(f([]), 3).length, 0);
  // 5 values with width 3: the last row holds two values and is ranked among themselves
  assertEquals(Array.from(rankCrossSection(f([3, 1, 2, 9, 8]), 3)), [1, 0, 0.5, 1, 0]);
});

/**
 * Raw features by their definitions in the module doc, one cell at a time (no running sums):
 * mom, reversal, vol (ddof 1), Amihud and log dollar volume, NaN when any input is unusable.
 */
function bruteRaw(close: Float64Array, volume: Float64Array, nS: number, nT: number) {
  const ok = (v: number) => v > 0 && Number.isFinite(v);
  const c = (t: number, s: number) => close[t * nS + s]!;
  const r = (t: number, s: number) =>
    t >= 1 && ok(c(t, s)) && ok(c(t - 1, s)) ? Math.log(c(t, s) / c(t - 1, s)) : NaN;
  const out = { mom: [] as number[], rev: [] as number[], vol: [] as number[] } as Record<
    "mom" | "rev" | "vol" | "amihud" | "ldv",
    number[]
  >;
  out.amihud = [];
  out.ldv = [];
  for (let t = 0; t < nT; t++) {
    for (let s = 0; s < nS; s++) {
      out.mom.push(
        t >= 252 && ok(c(t - 252, s)) && ok(c(t - 21, s))
          ? Math.log(c(t - 21, s) / c(t - 252, s))
          : NaN,
      );
      out.rev.push(
        t >= 21 && ok(c(t, s)) && ok(c(t - 21, s)) ? -Math.log(c(t, s) / c(t - 21, s)) : NaN,
      );
      let vol = NaN;
      if (t >= 62) {
        const xs = Array.from({ length: 63 }, (_, k) => r(t - k, s));
        const mu = xs.reduce((a, b) => a + b, 0) / 63;
        vol = Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / 62);
      }
      out.vol.push(vol);
      let am = NaN, dv = NaN;
      if (t >= 20) {
        let sa = 0, sd = 0;
        for (let k = 0; k < 21; k++) {
          const d = c(t - k, s) * volume[(t - k) * nS + s]!;
          sa += d > 0 ? (Math.abs(r(t - k, s)) / d) * 1e6 : NaN;
          sd += Number.isFinite(d) && d >= 0 ? d : NaN;
        }
        am = sa / 21;
        dv = sd / 21 > 0 ? Math.log(sd / 21) : NaN;
      }
      out.amihud.push(am);
      out.ldv.push(dv);
    }
  }
  return out;
}

Deno.test("raw features agree with cell-by-cell definitions on a panel with gaps and bad values", () => {
  let seed = 4242;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const nS = 6, nT = 300;
  const dates = tradingDays("2015-01-02", "2017-12-29").slice(0, nT);
  const close = new Float64Array(nS * nT), volume = new Float64Array(nS * nT);
  for (let s = 0; s < nS; s++) {
    let lp = Math.log(30);
    for (let t = 0; t < nT; t++) {
      lp += 0.02 * (rnd() - 0.5);
      close[t * nS + s] = Math.exp(lp);
      volume[t * nS + s] = 1e4 * (1 + rnd());
    }
  }
  // symbol 1 lists late, symbol 2 has a halt, symbol 3 a zero and a negative close, symbol 4
  // an infinite close and a zero volume, symbol 5 a NaN volume
  for (let t = 0; t < 40; t++) close[t * nS + 1] = NaN;
  for (let t = 100; t < 103; t++) close[t * nS + 2] = NaN;
  close[150 * nS + 3] = 0;
  close[200 * nS + 3] = -5;
  close[120 * nS + 4] = Infinity;
  volume[180 * nS + 4] = 0;
  volume[90 * nS + 5] = NaN;
  const got = crossSectionalFeatures({
    dates,
    symbols: ["A", "B", "C", "D", "E", "F"],
    close,
    volume,
  }, {
    normalize: "none",
  });
  const want = bruteRaw(close, volume, nS, nT);
  const pairs = [
    ["mom_12_1", "mom"],
    ["reversal_21", "rev"],
    ["vol_63", "vol"],
    ["amihud_21", "amihud"],
    ["log_dollar_volume_21", "ldv"],
  ] as const;
  for (const [k, b] of pairs) {
    want[b].forEach((e, i) => {
      const g = got[k][i]!;
      if (Number.isNaN(e)) assert(Number.isNaN(g), `${k} at ${i}: want NaN, got ${g}`);
      else assertAlmostEquals(g, e, 1e-9 * Math.max(1, Math.abs(e)), `${k} at ${i}`);
    });
  }
});

Deno.test("month seasonality across a one-year gap in the panel equals its definition", () => {
  // sessions 2015-2019 with 2017-02-01 .. 2018-03-31 missing; returns then span the gap
  const all = tradingDays("2015-01-02", "2019-12-31");
  const dates = all.filter((d) => d < "2017-02-01" || d > "2018-03-31");
  const nT = dates.length;
  let seed = 99;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const close = new Float64Array(nT);
  let lp = 3;
  for (let t = 0; t < nT; t++) close[t] = Math.exp(lp += 0.02 * (rnd() - 0.5));
  const p = { dates, symbols: ["A"], close, volume: new Float64Array(nT).fill(1) };
  const got = crossSectionalFeatures(p, { normalize: "none" }).month_seasonality;
  const ym = (d: string) => [Number(d.slice(0, 4)), Number(d.slice(5, 7))];
  for (let t = 0; t < nT; t++) {
    const next = t + 1 < nT ? dates[t + 1]! : "2020-01-02";
    const [ny, nm] = ym(next);
    let acc = 0, cnt = 0;
    for (let back = 1; back <= 5; back++) {
      let sum = 0, n = 0;
      for (let u = 1; u <= t; u++) {
        const [y, m] = ym(dates[u]!);
        if (y === ny! - back && m === nm) {
          sum += Math.log(close[u]! / close[u - 1]!);
          n++;
        }
      }
      if (n >= 15) {
        acc += sum;
        cnt++;
      }
    }
    const e = cnt > 0 ? acc / cnt : NaN;
    if (Number.isNaN(e)) assert(Number.isNaN(got[t]!), `t=${dates[t]}: want NaN, got ${got[t]}`);
    else assertAlmostEquals(got[t]!, e, 1e-12, `t=${dates[t]}`);
  }
});
