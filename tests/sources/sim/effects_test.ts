/**
 * Planted effects are present with the configured strength and absent in the null world,
 * estimated the way research would (regressions over the simulated sample), against the
 * documented formulas (spy.ts, equities.ts, news.ts).
 */
import { assert } from "../../_assert.ts";
import { generateWorld, NULL_EFFECTS, type World } from "../../../lib/sources/sim/mod.ts";
import { SENTIMENT_WINDOW } from "../../../lib/sources/sim/news.ts";
import { TRADING_DAYS_PER_YEAR } from "../../../lib/core/constants.ts";

/** Estimates must land within this many standard errors of the truth. */
const Z_TOL = 4;
const RANGE = { start: "2022-01-03", end: "2023-12-29" };

function slope(x: number[], y: number[]): { b: number; se: number } {
  const n = x.length;
  const mx = x.reduce((a, v) => a + v, 0) / n, my = y.reduce((a, v) => a + v, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i]! - mx) ** 2;
    sxy += (x[i]! - mx) * (y[i]! - my);
  }
  const b = sxy / sxx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - my - b * (x[i]! - mx)) ** 2;
  return { b, se: Math.sqrt(sse / (n - 2) / sxx) };
}

function overnightSlope(w: World) {
  const d = w.spyDaily;
  const x: number[] = [], y: number[] = [];
  for (let i = 1; i < d.days.length; i++) {
    const sdOn = Math.sqrt(0.2) * d.sigma[i]! / Math.sqrt(TRADING_DAYS_PER_YEAR);
    x.push(d.zIntraday[i - 1]!);
    y.push((d.retOvernight[i]! + sdOn * sdOn / 2) / sdOn);
  }
  return slope(x, y);
}

/** Standardized residual return of each name-session: (r - beta r_spy) / sd_idio. */
function residuals(w: World) {
  const d = w.spyDaily;
  const out = new Map<string, Float64Array>();
  for (const info of w.equityInfo) {
    const t = w.equityTruth(info.ticker)!;
    const sd = t.idioVol / Math.sqrt(TRADING_DAYS_PER_YEAR);
    const e = new Float64Array(t.dates.length).fill(NaN);
    for (let i = 1; i < t.dates.length; i++) {
      const r = t.logTotal[i]! - t.logTotal[i - 1]!;
      const m = d.retOvernight[i]! + d.retIntraday[i]!;
      e[i] = (r - t.beta * m) / sd;
    }
    out.set(info.ticker, e);
  }
  return out;
}

function momentumSlope(w: World) {
  const res = residuals(w);
  const x: number[] = [], y: number[] = [];
  for (const info of w.equityInfo) {
    const t = w.equityTruth(info.ticker)!;
    const e = res.get(info.ticker)!;
    for (let i = 1; i < t.dates.length; i++) {
      if (!Number.isFinite(e[i]!) || t.momentumZ[i] === 0) continue;
      x.push(t.momentumZ[i]!);
      y.push(e[i]!);
    }
  }
  return slope(x, y);
}

function sentimentDrift(w: World) {
  const res = residuals(w);
  const vals: number[] = [];
  for (const a of w.news) {
    if (a.sentiment === 0) continue;
    const e = res.get(a.ticker)!;
    const i0 = w.newsEffectIndex(a);
    if (i0 < 1 || i0 + SENTIMENT_WINDOW > e.length) continue;
    let s = 0;
    for (let i = i0; i < i0 + SENTIMENT_WINDOW; i++) s += e[i]!;
    if (Number.isFinite(s)) vals.push(a.sentiment * s);
  }
  const n = vals.length;
  const m = vals.reduce((a, v) => a + v, 0) / n;
  const sd = Math.sqrt(vals.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1));
  return { m, se: sd / Math.sqrt(n) };
}

Deno.test("planted effects: recovered at their strength, absent in the null world", () => {
  const effects = { overnight: 0.4, momentum: 0.1, sentiment: 1.5 };
  const strong = generateWorld({ seed: 21, ...RANGE, equityCount: 40, effects });
  const nul = generateWorld({ seed: 21, ...RANGE, equityCount: 40, effects: NULL_EFFECTS });
  const on = overnightSlope(strong), on0 = overnightSlope(nul);
  assert(Math.abs(on.b - effects.overnight) < Z_TOL * on.se, `overnight ${on.b} +- ${on.se}`);
  assert(Math.abs(on0.b) < Z_TOL * on0.se, `null overnight ${on0.b} +- ${on0.se}`);
  // Momentum: sector factors add noise to the residual, the slope is still s.
  const mo = momentumSlope(strong), mo0 = momentumSlope(nul);
  assert(Math.abs(mo.b - effects.momentum) < Z_TOL * mo.se, `momentum ${mo.b} +- ${mo.se}`);
  assert(Math.abs(mo0.b) < Z_TOL * mo0.se, `null momentum ${mo0.b} +- ${mo0.se}`);
  const se = sentimentDrift(strong), se0 = sentimentDrift(nul);
  assert(Math.abs(se.m - effects.sentiment) < Z_TOL * se.se, `sentiment ${se.m} +- ${se.se}`);
  assert(Math.abs(se0.m) < Z_TOL * se0.se, `null sentiment ${se0.m} +- ${se0.se}`);
});
