import assert from "node:assert/strict";
import {
  type BarPanel,
  checkPanelOnce,
  runBacktest,
  syntheticPanel,
  validatePanel,
} from "../../lib/backtest/mod.ts";
import { DataError, Rng } from "../../lib/core/mod.ts";

/**
 * The bar rule of `validatePanel` as its doc states it, one bar at a time, written plainly (the
 * reference the single-pass check is compared with).
 */
function barOk(o: number, h: number, l: number, c: number, v: number): boolean {
  if (Number.isNaN(o) && Number.isNaN(c)) return true; // no bar
  const volOk = Number.isNaN(v) || v >= 0;
  if (Number.isNaN(o)) {
    // close-only: close > 0 (finite); given high/low bracket it
    return Number.isFinite(c) && c > 0 && volOk && (Number.isNaN(h) || h >= c) &&
      (Number.isNaN(l) || (l > 0 && l <= c));
  }
  return Number.isFinite(c) && c > 0 && o > 0 && l > 0 && Number.isFinite(h) &&
    l <= Math.min(o, c) && h >= Math.max(o, c) && volOk;
}

function onePanel(o: number, h: number, l: number, c: number, v: number): BarPanel {
  return {
    symbols: ["A"],
    tsMs: Float64Array.of(0),
    open: Float64Array.of(o),
    high: Float64Array.of(h),
    low: Float64Array.of(l),
    close: Float64Array.of(c),
    volume: Float64Array.of(v),
  };
}

Deno.test("validatePanel agrees with the bar rule on every combination of edge values", () => {
  // values around a bar with open 10, close 11: the boundaries of every inequality, zero,
  // negatives, NaN and both infinities
  const px = [NaN, -1, 0, -0, 9, 10, 10.5, 11, 12, Infinity, -Infinity];
  const vol = [NaN, -1, 0, 5, Infinity];
  let good = 0, bad = 0;
  for (const o of px) {
    for (const h of px) {
      for (const l of px) {
        for (const c of px) {
          for (const v of vol) {
            const want = barOk(o, h, l, c, v);
            let got = true;
            try {
              validatePanel(onePanel(o, h, l, c, v));
            } catch (e) {
              assert.ok(e instanceof DataError, String(e));
              assert.match(e.message, /^Bad bar for A at bar 0 /);
              got = false;
            }
            assert.equal(got, want, `open ${o} high ${h} low ${l} close ${c} volume ${v}`);
            if (want) good++;
            else bad++;
          }
        }
      }
    }
  }
  assert.ok(good > 100 && bad > 10_000, `${good} good, ${bad} bad`);
});

Deno.test("validatePanel names the first bad bar in symbol-major order", () => {
  const p = syntheticPanel({ symbols: 3, bars: 10, seed: 4 });
  const i1 = 1 * 10 + 7, i2 = 2 * 10 + 2;
  p.low[i1] = p.high[i1]! * 1.01; // low above high: symbol S001, bar 7
  p.volume[i2] = -5; // later in symbol-major order although an earlier bar
  assert.throws(() => validatePanel(p), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /^Bad bar for S001 at bar 7 \(ts 2015-01-13T00:00:00.000Z\): open /);
    return true;
  });
});

Deno.test("checkPanelOnce: checks a panel once, again when its arrays change, never passes a bad one", () => {
  const p = syntheticPanel({ symbols: 2, bars: 30, seed: 3 });
  checkPanelOnce(p);
  // a value written in place after the check is not seen by checkPanelOnce (documented) but is
  // by validatePanel
  const saved = p.close[5]!;
  p.close[5] = -1;
  assert.doesNotThrow(() => checkPanelOnce(p));
  assert.throws(() => validatePanel(p), DataError);
  p.close[5] = saved;
  // a new array (same panel object) is checked again
  const bad = Float64Array.from(p.volume);
  bad[40] = -1;
  p.volume = bad;
  assert.throws(() => checkPanelOnce(p), /Bad bar for S001 at bar 10/);
  assert.throws(() => checkPanelOnce(p), DataError); // a failed panel stays unchecked
  assert.throws(() => runBacktest(p, { onBar() {} }), DataError);
  bad[40] = 10;
  assert.doesNotThrow(() => checkPanelOnce(p));
  // an added optional array is checked too (shape)
  p.bid = new Float64Array(3);
  assert.throws(() => checkPanelOnce(p), /Panel bid has 3 values, expected 60/);
  delete p.bid;
  // another panel object with the same arrays is checked on its own
  const q: BarPanel = { ...p, tsMs: Float64Array.of(...p.tsMs.slice(0, 29), 0) };
  assert.throws(() => checkPanelOnce(q), /strictly increasing/);
  assert.throws(() => runBacktest(q, { onBar() {} }), /strictly increasing/);
});

Deno.test("validatePanel: random valid panels pass, each single corruption is found", () => {
  const rng = new Rng(11);
  const p = syntheticPanel({ symbols: 4, bars: 50, seed: 8 });
  validatePanel(p);
  for (let k = 0; k < 200; k++) {
    const i = Math.floor(rng.uniform() * 200);
    const field = (["open", "high", "low", "close", "volume"] as const)[k % 5]!;
    const q: BarPanel = { ...p, [field]: Float64Array.from(p[field]) };
    // a corruption that breaks the rule for that field
    q[field][i] = field === "high"
      ? Math.max(p.open[i]!, p.close[i]!) * 0.999
      : field === "low"
      ? Math.min(p.open[i]!, p.close[i]!) * 1.001
      : field === "volume"
      ? -1
      : -p[field][i]!;
    const s = Math.floor(i / 50), t = i % 50;
    assert.throws(() => validatePanel(q), new RegExp(`Bad bar for S00${s} at bar ${t} `));
  }
});
