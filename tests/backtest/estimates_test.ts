/**
 * Trailing ADV and volatility estimates (lib/backtest/_estimates.ts): hand-worked cases, the
 * on-demand cursor against the full arrays, and the O(1)-per-day updates against a direct
 * re-implementation of the definition (window re-summed at every bar, two-pass stdev).
 */
import assert from "node:assert/strict";
import { Rng } from "../../lib/core/mod.ts";
import { EstimateCursor, marketEstimates } from "../../lib/backtest/_estimates.ts";
import type { BarPanel } from "../../lib/backtest/panel.ts";

/** Rounding of the running updates against the re-summed definition. */
const RTOL_ESTIMATE = 1e-12;

function panelOf(
  close: number[],
  volume: number[],
  day?: number[],
  nSym = 1,
): BarPanel {
  const nBars = close.length / nSym;
  const c = Float64Array.from(close);
  return {
    symbols: Array.from({ length: nSym }, (_, s) => `S${s}`),
    tsMs: Float64Array.from({ length: nBars }, (_, t) => 1.6e12 + t * 3_600_000),
    open: c.slice(),
    high: c.slice(),
    low: c.slice(),
    close: c,
    volume: Float64Array.from(volume),
    ...(day ? { day: Int32Array.from(day) } : {}),
  };
}

function assertClose(actual: number, expected: number, what: string, rtol = RTOL_ESTIMATE) {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
    return;
  }
  assert.ok(
    Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-300,
    `${what}: ${actual} vs ${expected}`,
  );
}

/** The definition, re-computed from scratch at every bar. */
function naiveEstimates(p: BarPanel, advWindow: number, volWindow: number) {
  const nSym = p.symbols.length, nBars = p.tsMs.length;
  const day = p.day ?? Int32Array.from({ length: nBars }, (_, t) => t);
  const adv = new Float64Array(nSym * nBars), sigma = new Float64Array(nSym * nBars);
  for (let s = 0; s < nSym; s++) {
    for (let t = 0; t < nBars; t++) {
      // completed days strictly before day[t], with the symbol trading
      const days: { vol: number; known: boolean; close: number }[] = [];
      let u = 0;
      while (u < nBars && day[u]! < day[t]!) {
        const d = day[u]!;
        let traded = false, known = true, vol = 0, close = NaN;
        for (; u < nBars && day[u] === d; u++) {
          const i = s * nBars + u;
          if (Number.isNaN(p.open[i]!) && Number.isNaN(p.close[i]!)) continue;
          traded = true;
          if (Number.isFinite(p.volume[i]!)) vol += p.volume[i]!;
          else known = false;
          close = p.close[i]!;
        }
        if (traded) days.push({ vol, known, close });
      }
      const vols = days.filter((d) => d.known).map((d) => d.vol).slice(-advWindow);
      adv[s * nBars + t] = vols.length ? vols.reduce((a, b) => a + b, 0) / vols.length : NaN;
      const rets: number[] = [];
      for (let k = 1; k < days.length; k++) {
        if (days[k - 1]!.close > 0 && days[k]!.close > 0) {
          rets.push(days[k]!.close / days[k - 1]!.close - 1);
        }
      }
      const r = rets.slice(-volWindow);
      if (r.length < 2) sigma[s * nBars + t] = NaN;
      else {
        const m = r.reduce((a, b) => a + b, 0) / r.length;
        const ss = r.reduce((a, b) => a + (b - m) ** 2, 0);
        sigma[s * nBars + t] = Math.sqrt(ss / (r.length - 1));
      }
    }
  }
  return { adv, sigma };
}

Deno.test("estimates: hand-worked daily case (ADV window 2, volatility window 3)", () => {
  const p = panelOf([10, 11, 9.9, 10.89, 11.979], [100, 200, 300, 400, 500]);
  const est = marketEstimates(p, 2, 3);
  // ADV at t: mean volume of the last 2 days before t
  [NaN, 100, 150, 250, 350].forEach((x, t) => assertClose(est.adv[t]!, x, `adv[${t}]`));
  // returns 0.1, -0.1, 0.1; at t = 3: stdev(0.1, -0.1) = sqrt(0.02); t = 4: sqrt(0.04 / 3)
  [NaN, NaN, NaN, Math.sqrt(0.02), Math.sqrt(0.04 / 3)].forEach((x, t) =>
    assertClose(est.sigma[t]!, x, `sigma[${t}]`)
  );
  const cur = new EstimateCursor(p, 2, 3);
  cur.seek(0, 4);
  assertClose(cur.adv, 350, "cursor adv");
  assertClose(cur.sigma, Math.sqrt(0.04 / 3), "cursor sigma");
});

Deno.test("estimates: intraday days, unknown volume kept out of ADV, untraded day skipped", () => {
  // day:     0    0    1    1    2    2    3    3    4
  const p = panelOf(
    [99, 100, 105, 110, NaN, NaN, 115, 121, 120],
    [10, 20, 30, NaN, 40, 50, 60, 70, 80],
    [0, 0, 1, 1, 2, 2, 3, 3, 4],
  );
  const est = marketEstimates(p, 2, 5);
  // day 0 volume 30; day 1 volume unknown (not 30 + 0); day 2 did not trade; day 3 volume 130
  [NaN, NaN, 30, 30, 30, 30, 30, 30, 80].forEach((x, t) =>
    assertClose(est.adv[t]!, x, `adv[${t}]`)
  );
  // returns: day 1 vs day 0 = 110/100 - 1, day 3 vs day 1 (the last traded day) = 121/110 - 1:
  // equal, so sigma is 0 from day 4, NaN before (fewer than two returns)
  for (let t = 0; t < 8; t++) assert.ok(Number.isNaN(est.sigma[t]!), `sigma[${t}] NaN`);
  assertClose(est.sigma[8]!, 0, "sigma[8]");
});

Deno.test("estimates: empty panel, one bar, bad windows", () => {
  const empty = panelOf([], []);
  const e = marketEstimates(empty, 20, 20);
  assert.equal(e.adv.length, 0);
  const one = marketEstimates(panelOf([10], [5]), 20, 20);
  assert.ok(Number.isNaN(one.adv[0]!) && Number.isNaN(one.sigma[0]!));
  for (const [a, v] of [[0, 20], [20, 0], [2.5, 20], [NaN, 20]]) {
    assert.throws(() => marketEstimates(panelOf([10], [5]), a!, v!), RangeError);
  }
});

Deno.test("estimates: running updates equal the re-summed definition (gaps, NaN volume, fractional volume)", () => {
  const rng = new Rng(7);
  const nSym = 3, nBars = 900;
  const close: number[] = [], volume: number[] = [], day: number[] = [];
  for (let t = 0; t < nBars; t++) day.push(Math.floor(t / 3));
  for (let s = 0; s < nSym; s++) {
    let px = 50 + 50 * rng.uniform();
    for (let t = 0; t < nBars; t++) {
      px *= Math.exp(0.02 * rng.normal());
      const gap = rng.uniform() < 0.08;
      close.push(gap ? NaN : px);
      const u = rng.uniform();
      // symbol 0 whole shares; symbol 1 fractional; symbol 2 whole with some unknown volume
      const v = s === 1 ? 1e5 * rng.uniform() : Math.round(1e6 * rng.uniform());
      volume.push(gap ? NaN : s === 2 && u < 0.05 ? NaN : v);
    }
  }
  const p = panelOf(close, volume, day, nSym);
  for (const [aw, vw] of [[20, 20], [1, 2], [5, 1], [7, 13]] as const) {
    const est = marketEstimates(p, aw, vw);
    const ref = naiveEstimates(p, aw, vw);
    for (let i = 0; i < nSym * nBars; i++) {
      if (i < nBars) {
        // whole shares: the running sum is exact, the same number as the re-summed window
        assert.ok(
          Object.is(est.adv[i], ref.adv[i]) || est.adv[i] === ref.adv[i],
          `whole-share adv[${i}] (${aw},${vw}): ${est.adv[i]} vs ${ref.adv[i]}`,
        );
      } else assertClose(est.adv[i]!, ref.adv[i]!, `adv[${i}] (${aw},${vw})`);
      assertClose(est.sigma[i]!, ref.sigma[i]!, `sigma[${i}] (${aw},${vw})`);
    }
    // the cursor sought at scattered bars gives the arrays' numbers
    const cur = new EstimateCursor(p, aw, vw);
    for (let s = 0; s < nSym; s++) {
      for (let t = 0; t < nBars; t += 1 + Math.floor(rng.uniform() * 40)) {
        cur.seek(s, t);
        cur.seek(s, t); // asking the same bar again is allowed
        assert.ok(Object.is(cur.adv, est.adv[s * nBars + t]), `cursor adv ${s},${t}`);
        assert.ok(Object.is(cur.sigma, est.sigma[s * nBars + t]), `cursor sigma ${s},${t}`);
      }
    }
    assert.throws(() => cur.seek(0, 0), RangeError);
  }
});

Deno.test("estimates: no drift over a long daily panel", () => {
  const rng = new Rng(11);
  const n = 12_000;
  const close: number[] = [], volume: number[] = [];
  let px = 100;
  for (let t = 0; t < n; t++) {
    px *= 1 + 0.01 * rng.normal();
    close.push(px);
    volume.push(1e6 * (1 + rng.uniform()) + 0.5);
  }
  const p = panelOf(close, volume);
  const est = marketEstimates(p, 20, 20);
  // reference at a few late bars, computed from the definition (window re-summed)
  for (const t of [n - 1, n - 7, n - 500, 5000]) {
    const r: number[] = [];
    for (let u = t - 20; u < t; u++) r.push(close[u]! / close[u - 1]! - 1);
    const m = r.reduce((a, b) => a + b, 0) / 20;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / 19);
    assertClose(est.sigma[t]!, sd, `sigma[${t}]`);
    const v = volume.slice(t - 20, t).reduce((a, b) => a + b, 0) / 20;
    assertClose(est.adv[t]!, v, `adv[${t}]`);
  }
});
