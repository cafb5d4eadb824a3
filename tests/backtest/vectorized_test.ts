import assert from "node:assert/strict";
import {
  backtestVectorized,
  type BarPanel,
  createMaCrossKernel,
  makePanel,
  runBacktest,
  type SweepFill,
  sweepVectorized,
  syntheticPanel,
  type VectorizedOptions,
} from "../../lib/backtest/mod.ts";
import { IBKR_FIXED } from "../../lib/execution/mod.ts";

/** "Agree to the cent": every equity value within half a cent. */
const ATOL_CENT = 0.005;

/** Cross-sectional momentum weights: long the top 2, short the bottom 2 on 10-bar returns. */
function momentumTargets(p: BarPanel, lookback: number, gross: number): Float64Array {
  const nSym = p.symbols.length, nBars = p.tsMs.length;
  const out = new Float64Array(nSym * nBars).fill(NaN);
  for (let t = lookback; t < nBars; t += 5) {
    const r = Array.from(
      { length: nSym },
      (_, s) => p.close[s * nBars + t]! / p.close[s * nBars + t - lookback]! - 1,
    );
    const order = r.map((v, s) => [v, s] as const).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
    order.forEach((s, k) => {
      out[s * nBars + t] = k < 2 ? -gross / 4 : k >= nSym - 2 ? gross / 4 : 0;
    });
  }
  return out;
}

function eventRun(p: BarPanel, targets: Float64Array, o: VectorizedOptions) {
  const nSym = p.symbols.length, nBars = p.tsMs.length;
  return runBacktest(p, {
    onBar(ctx) {
      for (let s = 0; s < nSym; s++) {
        const w = targets[s * nBars + ctx.t]!;
        if (Number.isNaN(w)) continue;
        if (o.targetKind === "weight") ctx.orderTargetWeight(s, w, o.fillAt);
        else ctx.orderTarget(s, w, o.fillAt);
      }
    },
  }, { initialCash: o.initialCash ?? 1_000_000, costs: o.costs ?? {} });
}

Deno.test("event-driven and vectorised engines agree to the cent (momentum, full costs)", () => {
  const p = syntheticPanel({ symbols: 8, bars: 300, seed: 21, meanVolume: 20_000 });
  const targets = momentumTargets(p, 10, 1.6);
  for (const fillAt of ["open", "close"] as const) {
    for (const remainder of ["carry", "cancel"] as const) {
      const o: VectorizedOptions = {
        targetKind: "weight",
        fillAt,
        costs: {
          fees: IBKR_FIXED,
          halfSpreadBps: 3,
          impactCoef: 0.9,
          borrowRateAnnual: 0.03,
          remainder,
        },
      };
      const ev = eventRun(p, targets, o);
      const { curves, summary } = backtestVectorized(p, [targets], o);
      const vec = curves[0]!;
      assert.ok(ev.fills.length > 100, "strategy trades");
      assert.ok(ev.totals.impact > 0 && ev.totals.borrow > 0, "costs exercised");
      // the participation cap binds on this thin panel (20k shares/day)
      const perOrder = new Map<number, number>();
      for (const f of ev.fills) perOrder.set(f.orderId, (perOrder.get(f.orderId) ?? 0) + 1);
      if (remainder === "carry") assert.ok([...perOrder.values()].some((n) => n > 1));
      else assert.ok(ev.fills.length === perOrder.size);
      for (let t = 0; t < p.tsMs.length; t++) {
        assert.ok(
          Math.abs(ev.equity[t]! - vec.equity[t]!) <= ATOL_CENT,
          `${fillAt}/${remainder} bar ${t}: ${ev.equity[t]} vs ${vec.equity[t]}`,
        );
      }
      for (const k of ["commission", "fees", "spread", "impact", "borrow", "traded"] as const) {
        assert.ok(Math.abs(ev.totals[k] - vec.totals[k]) <= ATOL_CENT, k);
      }
      assert.ok(Math.abs(summary.finalEquity[0]! - ev.equity.at(-1)!) <= ATOL_CENT);
    }
  }
});

Deno.test("engines agree on the hand-checked MA crossover in shares", () => {
  const closes = [1678.1, 1688.5, 1678.6, 1684.1, 1686.6, 1671.6, 1682.9, 1703.6, 1697.5, 1716.3];
  const p = makePanel({
    symbols: ["SMI"],
    tsMs: closes.map((_, i) => i * 86_400_000),
    open: [closes],
    close: [closes],
  });
  const tg = new Float64Array(closes.length).fill(NaN);
  for (let t = 3; t < closes.length; t++) {
    const m2 = (closes[t]! + closes[t - 1]!) / 2;
    const m4 = (closes[t]! + closes[t - 1]! + closes[t - 2]! + closes[t - 3]!) / 4;
    tg[t] = m2 > m4 ? 100 : 0;
  }
  const o: VectorizedOptions = { fillAt: "close", costs: { participationCap: Infinity } };
  const vec = backtestVectorized(p, [tg], o).curves[0]!;
  const ev = eventRun(p, tg, o);
  // by hand: 100 * (1682.9 - 1671.6) + 100 * (1716.3 - 1697.5) = 1130 + 1880 = 3010
  assert.ok(Math.abs(vec.equity.at(-1)! - 1_003_010) < 1e-6);
  for (let t = 0; t < closes.length; t++) {
    assert.ok(Math.abs(ev.equity[t]! - vec.equity[t]!) < 1e-9);
  }
});

Deno.test("sweep: summary per column equals full runs; Sharpe and drawdown by definition", () => {
  const p = syntheticPanel({ symbols: 3, bars: 150, seed: 4 });
  const cols = [5, 10, 20].map((lb) => momentumTargets(p, lb, 1));
  const full = backtestVectorized(p, cols, { targetKind: "weight" });
  const sw = sweepVectorized(p, 3, (c, out) => out.set(cols[c]!), { targetKind: "weight" });
  assert.equal(sw.barEvaluations, 3 * 3 * 150);
  for (let c = 0; c < 3; c++) {
    const eq = full.curves[c]!.equity;
    assert.equal(sw.finalEquity[c], eq.at(-1));
    const r = Array.from(eq.subarray(1), (v, i) => v / eq[i]! - 1);
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1));
    assert.ok(Math.abs(sw.sharpe[c]! - (m / sd) * Math.sqrt(252)) < 1e-9);
    let peak = -Infinity, dd = 0;
    for (const v of eq) {
      peak = Math.max(peak, v);
      dd = Math.max(dd, 1 - v / peak);
    }
    assert.ok(Math.abs(sw.maxDrawdown[c]! - dd) < 1e-12);
  }
});

Deno.test("vectorised edge cases: no columns, no bars, all-NaN targets, bad shapes", () => {
  const p = syntheticPanel({ symbols: 2, bars: 10, seed: 1 });
  assert.equal(sweepVectorized(p, 0, () => {}).finalEquity.length, 0);
  const idle = backtestVectorized(p, [new Float64Array(20).fill(NaN)]);
  assert.deepEqual(Array.from(idle.curves[0]!.equity), new Array(10).fill(1_000_000));
  assert.ok(Number.isNaN(idle.summary.sharpe[0]!)); // constant equity: undefined Sharpe
  assert.throws(() => backtestVectorized(p, [new Float64Array(3)]), RangeError);
  assert.throws(() => sweepVectorized(p, -1, () => {}), RangeError);
  assert.throws(() => backtestVectorized(p, [], { fillDelay: 0 }), RangeError);
  const empty = makePanel({ symbols: ["A"], tsMs: [], open: [[]], close: [[]] });
  assert.equal(backtestVectorized(empty, [new Float64Array(0)]).curves[0]!.equity.length, 0);
});

Deno.test("single-symbol sweep path equals the general path (costs, borrow, cap, weights)", () => {
  const p = syntheticPanel({ symbols: 1, bars: 400, seed: 8, meanVolume: 30_000 });
  const cols = [3, 7, 15].map((lb) => {
    const out = new Float64Array(400).fill(NaN);
    for (let t = lb; t < 400; t++) out[t] = p.close[t]! > p.close[t - lb]! ? 0.9 : -0.6;
    return out;
  });
  for (const remainder of ["carry", "cancel"] as const) {
    const o: VectorizedOptions = {
      targetKind: "weight",
      costs: {
        fees: IBKR_FIXED,
        halfSpreadBps: 2,
        impactCoef: 1,
        borrowRateAnnual: 0.05,
        remainder,
      },
    };
    const full = backtestVectorized(p, cols, o).summary;
    const sw = sweepVectorized(p, 3, (c, out) => out.set(cols[c]!), o);
    for (let c = 0; c < 3; c++) {
      assert.ok(full.totalCost[c]! > 0);
      assert.ok(Math.abs(sw.finalEquity[c]! - full.finalEquity[c]!) <= ATOL_CENT);
      assert.ok(Math.abs(sw.totalCost[c]! - full.totalCost[c]!) <= ATOL_CENT);
      assert.ok(Math.abs(sw.sharpe[c]! - full.sharpe[c]!) < 1e-9);
      assert.ok(Math.abs(sw.maxDrawdown[c]! - full.maxDrawdown[c]!) < 1e-12);
    }
  }
});

Deno.test("blocked sweep (range generator) equals full runs of the general path", () => {
  const nBars = 700;
  const base = syntheticPanel({ symbols: 1, bars: nBars, seed: 12, meanVolume: 25_000 });
  // sessions of 3 bars, so the participation cap resets every third bar
  const p: BarPanel = { ...base, day: Int32Array.from({ length: nBars }, (_, t) => t / 3) };
  const cols = [2, 5, 11, 23].map((lb) => {
    const out = new Float64Array(nBars).fill(NaN);
    for (let t = lb; t < nBars; t += 1 + (lb % 3)) {
      out[t] = p.close[t]! > p.close[t - lb]! ? 0.8 : -0.7;
    }
    return out;
  });
  const fill: SweepFill = (c, out) => out.set(cols[c]!);
  fill.range = (c, from, to, out) => out.set(cols[c]!.subarray(from, to));
  const cases: VectorizedOptions[] = [
    { targetKind: "weight", costs: { fees: IBKR_FIXED, halfSpreadBps: 2, impactCoef: 1 } },
    {
      targetKind: "weight",
      fillAt: "close",
      fillDelay: 2,
      costs: { fees: IBKR_FIXED, borrowRateAnnual: 0.05, remainder: "cancel", impactCoef: 0.5 },
    },
    { targetKind: "weight", initialCash: 50_000, costs: { lotSize: 100, halfSpreadBps: 5 } },
  ];
  for (const o of cases) {
    const full = backtestVectorized(p, cols, o);
    for (const blockBars of [1, 7, 64, 5000]) {
      const sw = sweepVectorized(p, cols.length, fill, { ...o, blockBars });
      assert.equal(sw.barEvaluations, cols.length * nBars);
      for (let c = 0; c < cols.length; c++) {
        const tag = `${JSON.stringify(o)} block ${blockBars} column ${c}`;
        const eq = full.curves[c]!.equity;
        assert.ok(full.summary.traded[c]! > 0, tag);
        assert.ok(Math.abs(sw.finalEquity[c]! - eq.at(-1)!) <= ATOL_CENT, tag);
        assert.ok(Math.abs(sw.totalCost[c]! - full.summary.totalCost[c]!) <= ATOL_CENT, tag);
        assert.ok(Math.abs(sw.traded[c]! - full.summary.traded[c]!) <= ATOL_CENT, tag);
        assert.ok(Math.abs(sw.sharpe[c]! - full.summary.sharpe[c]!) < 1e-9, tag);
        assert.ok(Math.abs(sw.maxDrawdown[c]! - full.summary.maxDrawdown[c]!) < 1e-12, tag);
      }
    }
  }
  assert.throws(() => sweepVectorized(p, 1, fill, { blockBars: 0 }), RangeError);
});

Deno.test("blocked MA-crossover sweep: shares, borrow on shorts, cap; same as column by column", () => {
  const p = syntheticPanel({ symbols: 1, bars: 3000, seed: 3, meanVolume: 3_000 });
  const k = createMaCrossKernel(p, { fastCount: 4, shares: 250 });
  const o: VectorizedOptions = {
    costs: { fees: IBKR_FIXED, halfSpreadBps: 1, impactCoef: 0.3, borrowRateAnnual: 0.02 },
  };
  const blocked = sweepVectorized(p, 9, k, { ...o, blockBars: 100 });
  const targets = Array.from({ length: 9 }, (_, c) => {
    const out = new Float64Array(3000);
    k(c, out);
    return out;
  });
  const full = backtestVectorized(p, targets, o);
  for (let c = 0; c < 9; c++) {
    const costs = full.curves[c]!.totals;
    assert.ok(costs.borrow > 0 && costs.impact > 0, "short borrow and impact charged");
    assert.ok(Math.abs(blocked.finalEquity[c]! - full.summary.finalEquity[c]!) <= ATOL_CENT);
    assert.ok(Math.abs(blocked.totalCost[c]! - full.summary.totalCost[c]!) <= ATOL_CENT);
    assert.ok(Math.abs(blocked.sharpe[c]! - full.summary.sharpe[c]!) < 1e-9);
    assert.ok(Math.abs(blocked.maxDrawdown[c]! - full.summary.maxDrawdown[c]!) < 1e-12);
  }
  // the range form writes the same targets as the full-column form
  const part = new Float64Array(50);
  k.range!(5, 1000, 1050, part);
  assert.deepEqual(Array.from(part), Array.from(targets[5]!.subarray(1000, 1050)));
});
