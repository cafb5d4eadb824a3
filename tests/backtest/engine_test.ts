import assert from "node:assert/strict";
import {
  type BacktestResult,
  type BarContext,
  type BarPanel,
  makePanel,
  runBacktest,
  type Strategy,
  syntheticPanel,
} from "../../lib/backtest/mod.ts";
import { DataError } from "../../lib/core/mod.ts";
import { IBKR_FIXED, ZERO_FEES } from "../../lib/execution/mod.ts";

/** Money compared to a hundredth of a cent (float sums of a few terms). */
const ATOL_USD = 1e-6;
const NO_CAP = { participationCap: Infinity } as const;

function near(a: number, b: number, msg = "", atol = ATOL_USD): void {
  assert.ok(Math.abs(a - b) <= atol, `${msg}: ${a} vs ${b}`);
}
const DAY = 86_400_000;
const days = (n: number, start = Date.UTC(1991, 6, 1)) =>
  Array.from({ length: n }, (_, i) => start + i * DAY);

// First 16 daily closes of the DAX and SMI in R's datasets::EuStockMarkets (1991, real data,
// closing levels only; used here as prices with market-on-close fills).
const DAX = [
  1628.75,
  1613.63,
  1606.51,
  1621.04,
  1618.16,
  1610.61,
  1630.75,
  1640.17,
  1635.47,
  1645.89,
  1647.84,
  1638.35,
  1629.93,
  1621.49,
  1624.74,
  1627.63,
];
const SMI = [
  1678.1,
  1688.5,
  1678.6,
  1684.1,
  1686.6,
  1671.6,
  1682.9,
  1703.6,
  1697.5,
  1716.3,
  1723.8,
  1730.5,
  1727.4,
  1733.3,
  1734.0,
  1728.3,
];
const closesPanel = (closes: number[]) =>
  makePanel({ symbols: ["X"], tsMs: days(closes.length), open: [closes], close: [closes] });

Deno.test("buy-and-hold on real DAX closes: P&L by hand", () => {
  const px = DAX.slice(0, 12);
  const res = runBacktest(closesPanel(px), {
    onBar: (ctx) => {
      if (ctx.t === 0) ctx.submit({ symbol: "X", qty: 100, fillAt: "close" });
    },
  }, { costs: { ...NO_CAP, fees: IBKR_FIXED } });
  // Signal at close of bar 0, fills at close of bar 1 = 1613.63; held to bar 11 = 1638.35.
  // P&L = 100 * (1638.35 - 1613.63) - commission max(0.005 * 100, 1) = 2472 - 1 = 2471.
  assert.equal(res.fills.length, 1);
  assert.equal(res.fills[0]!.bar, 1);
  near(res.fills[0]!.price, 1613.63, "fill price");
  near(res.equity.at(-1)! - 1_000_000, 2471, "P&L");
  near(res.equity[0]!, 1_000_000, "no position on bar 0");
  near(res.totals.commission, 1, "commission");
});

/** Long `shares` when MA(fast) > MA(slow) of closes, flat otherwise; market-on-close fills. */
function maCross(fast: number, slow: number, shares: number): Strategy {
  const ma = (ctx: BarContext, n: number) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += ctx.close(0, k);
    return s / n;
  };
  return {
    onBar(ctx) {
      if (ctx.t < slow - 1) return;
      ctx.orderTarget(0, ma(ctx, fast) > ma(ctx, slow) ? shares : 0, "close");
    },
  };
}

Deno.test("MA(2)/MA(4) crossover on real DAX closes: P&L by hand", () => {
  // MA2 > MA4 first at bar 4 (1619.60 > 1614.835): buy fills at close 5 = 1610.61.
  // MA2 < MA4 at bar 12 (1634.14 < 1637.9): sell fills at close 13 = 1621.49.
  // Long again at bar 15: its buy would fill at bar 16, after the data ends (left unfilled).
  // P&L = 100 * (1621.49 - 1610.61) = 1088.
  const res = runBacktest(closesPanel(DAX), maCross(2, 4, 100), { costs: NO_CAP });
  assert.deepEqual(res.fills.map((f) => [f.bar, f.qty]), [[5, 100], [13, -100]]);
  near(res.equity.at(-1)! - 1_000_000, 1088, "P&L");
  near(res.equity[12]! - 1_000_000, 100 * (1629.93 - 1610.61), "open P&L at bar 12");
  assert.equal(res.unfilled.length, 1);
});

Deno.test("MA(2)/MA(4) crossover on real SMI closes: two round trips by hand", () => {
  // Long at bar 4 -> buy close 5 = 1671.6; flat at bar 5 -> sell close 6 = 1682.9;
  // long at bar 7 -> buy close 8 = 1697.5, held to bar 15 = 1728.3.
  // P&L = 100 * (1682.9 - 1671.6) + 100 * (1728.3 - 1697.5) = 1130 + 3080 = 4210.
  const res = runBacktest(closesPanel(SMI), maCross(2, 4, 100), { costs: NO_CAP });
  assert.deepEqual(res.fills.map((f) => [f.bar, f.qty]), [[5, 100], [6, -100], [8, 100]]);
  near(res.equity.at(-1)! - 1_000_000, 4210, "P&L", 1e-6);
});

// A hand-made OHLC panel: 3 bars of one symbol, Friday, Monday, Tuesday.
const FRI = Date.UTC(2024, 0, 5);
const HAND = makePanel({
  symbols: ["A"],
  tsMs: [FRI, FRI + 3 * DAY, FRI + 4 * DAY, FRI + 5 * DAY],
  open: [[100, 102, 98, 101]],
  high: [[101, 104, 99, 103]],
  low: [[99, 101, 95, 100]],
  close: [[100, 103, 97, 102]],
  volume: [[1000, 1000, 1000, 1000]],
});

Deno.test("a signal at bar t never fills at bar t's prices (cheating attempts fail)", () => {
  const fillsAt: number[] = [];
  const cheat: Strategy = {
    onBar(ctx) {
      // Try to buy at this bar's close (known now): must fill at the NEXT bar's close.
      if (ctx.t === 0) ctx.submit({ symbol: "A", qty: 10, fillAt: "close" });
      // Try a limit at this bar's low: it can only fill on a later bar's range.
      if (ctx.t === 1) ctx.submit({ symbol: "A", qty: 10, type: "limit", limitPrice: 101 });
      // Peek at the future: refused.
      assert.throws(() => ctx.close(0, -1), RangeError);
    },
  };
  const res = runBacktest(HAND, cheat, { costs: NO_CAP });
  for (const f of res.fills) fillsAt.push(f.bar);
  assert.deepEqual(fillsAt, [1, 2]);
  near(res.fills[0]!.price, 103, "close of bar 1, not 100 of bar 0");
  near(res.fills[1]!.price, 98, "bar 2 opens at 98 <= limit 101: fills at the open");
  assert.throws(() => runBacktest(HAND, cheat, { fillDelay: 0 }), RangeError);
  // Invariant on a random strategy: every fill is strictly after its order's bar.
  const p = syntheticPanel({ symbols: 4, bars: 120, seed: 3 });
  const submitted = new Map<number, number>();
  const r2 = runBacktest(p, {
    onBar(ctx) {
      for (let s = 0; s < 4; s++) {
        if (ctx.rng.uniform() < 0.3) {
          const id = ctx.submit({
            symbol: s,
            qty: ctx.rng.int(-50, 50) || 1,
            fillAt: ctx.rng.uniform() < 0.5 ? "open" : "close",
          });
          submitted.set(id, ctx.t);
        }
      }
    },
  }, { seed: 9 });
  assert.ok(r2.fills.length > 50);
  for (const f of r2.fills) assert.ok(f.bar > submitted.get(f.orderId)!);
});

Deno.test("market-on-open fills at the next open; costs by hand", () => {
  const res = runBacktest(HAND, {
    onBar(ctx) {
      if (ctx.t === 0) ctx.submit({ symbol: "A", qty: 100 });
      if (ctx.t === 2) ctx.submit({ symbol: "A", qty: -100 });
    },
  }, { costs: { ...NO_CAP, fees: IBKR_FIXED, halfSpreadBps: 10 } });
  // buy 100 @ open 1 = 102, sell 100 @ open 3 = 101.
  // commission 1 + 1; spread 100*102*1e-3 + 100*101*1e-3 = 10.2 + 10.1;
  // fees on the sell: 10100 * 27.8e-6 + 100 * 0.000166 = 0.28078 + 0.0166.
  const pnl = 100 * (101 - 102) - 2 - 20.3 - (10100 * 27.8e-6 + 0.0166);
  near(res.equity.at(-1)! - 1_000_000, pnl, "P&L");
  near(res.totals.spread, 20.3, "spread");
});

Deno.test("limit and stop fill rules (by hand)", () => {
  const run = (req: Parameters<BarContext["submit"]>[0]) =>
    runBacktest(HAND, { onBar: (ctx) => void (ctx.t === 0 && ctx.submit(req)) }, { costs: NO_CAP })
      .fills.map((f) => [f.bar, f.price]);
  // buy limit 101.5: bar 1 open 102 > 101.5, low 101 <= 101.5 -> fills at 101.5
  assert.deepEqual(run({ symbol: "A", qty: 1, type: "limit", limitPrice: 101.5 }), [[1, 101.5]]);
  // buy limit 96: bar 1 low 101 no; bar 2 open 98 > 96, low 95 -> 96
  assert.deepEqual(run({ symbol: "A", qty: 1, type: "limit", limitPrice: 96 }), [[2, 96]]);
  // day order expires after its first eligible day
  assert.deepEqual(run({ symbol: "A", qty: 1, type: "limit", limitPrice: 96, tif: "day" }), []);
  // sell limit 103.5: bar 1 high 104 -> 103.5
  assert.deepEqual(run({ symbol: "A", qty: -1, type: "limit", limitPrice: 103.5 }), [[1, 103.5]]);
  // buy stop 101: bar 1 open 102 >= 101 -> gap fill at the open 102
  assert.deepEqual(run({ symbol: "A", qty: 1, type: "stop", stopPrice: 101 }), [[1, 102]]);
  // sell stop 96: bar 1 low 101 no; bar 2 open 98 > 96, low 95 <= 96 -> 96
  assert.deepEqual(run({ symbol: "A", qty: -1, type: "stop", stopPrice: 96 }), [[2, 96]]);
  // buy stop 110: never triggers
  assert.deepEqual(run({ symbol: "A", qty: 1, type: "stop", stopPrice: 110 }), []);
});

Deno.test("participation cap binds: 10% of ADV per day, remainder carried or cancelled", () => {
  // ADV known at bar 1 = 1000 (bar 0's volume) -> at most 100 shares per day.
  const strat: Strategy = {
    onBar: (ctx) => void (ctx.t === 0 && ctx.submit({ symbol: "A", qty: 250 })),
  };
  const carry = runBacktest(HAND, strat, {});
  assert.deepEqual(carry.fills.map((f) => [f.bar, f.qty]), [[1, 100], [2, 100], [3, 50]]);
  const cancel = runBacktest(HAND, strat, { costs: { remainder: "cancel" } });
  assert.deepEqual(cancel.fills.map((f) => [f.bar, f.qty]), [[1, 100]]);
  assert.equal(cancel.unfilled.length, 0);
  // no volume history on bar 0: nothing can fill before ADV is known
  const first = runBacktest(HAND, strat, { costs: { participationCap: 0.1 }, fillDelay: 1 });
  assert.equal(first.fills[0]!.bar, 1);
});

Deno.test("a notional order split by the participation cap never trades more than it was sized for", () => {
  // 25,000 cash, weight 1 sized at the fill: bar 1 opens at 100 -> 250 shares, but 10% of the
  // 1000-share ADV lets 100 fill a day. 100 @ 100 and 100 @ 110 leave 25,000 - 10,000 - 11,000 =
  // 4,000 of the order's value: floor(4000 / 120) = 33 @ 120 on bar 3 (not the 50 sized at 100,
  // which would spend 27,000 of 25,000 cash).
  const p = makePanel({
    symbols: ["A"],
    tsMs: days(4),
    open: [[100, 100, 110, 120]],
    close: [[100, 100, 110, 120]],
    volume: [[1000, 1000, 1000, 1000]],
  });
  const strat: Strategy = {
    onBar: (ctx) => void (ctx.t === 0 && ctx.orderTargetWeight(0, 1, "open", "fill")),
  };
  const res = runBacktest(p, strat, {
    initialCash: 25_000,
    costs: { fees: ZERO_FEES, halfSpreadBps: 0, impactCoef: 0, participationCap: 0.1 },
  });
  assert.deepEqual(res.fills.map((f) => [f.bar, f.qty, f.price]), [
    [1, 100, 100],
    [2, 100, 110],
    [3, 33, 120],
  ]);
  near(res.cash.at(-1)!, 25_000 - 10_000 - 11_000 - 33 * 120, "cash never below 0");
  assert.equal(res.unfilled.length, 0);
});

Deno.test("square-root impact in the engine: 4x the size costs 8x", () => {
  const p = syntheticPanel({ symbols: 1, bars: 40, seed: 5 });
  const impactOf = (q: number) =>
    runBacktest(p, { onBar: (ctx) => void (ctx.t === 30 && ctx.submit({ symbol: 0, qty: q })) }, {
      costs: { impactCoef: 0.8, participationCap: Infinity },
    }).totals.impact;
  const a = impactOf(1000), b = impactOf(4000);
  assert.ok(a > 0);
  near(b / a, 8, "ratio", 1e-9);
});

Deno.test("2:1 split mid-backtest leaves equity unchanged; orders are adjusted", () => {
  const p = makePanel({
    symbols: ["A"],
    tsMs: days(4),
    open: [[100, 100, 50, 50]],
    close: [[100, 100, 50, 50]],
    volume: [[1e6, 1e6, 2e6, 2e6]],
  });
  let limitId = -1;
  const res = runBacktest(p, {
    onBar(ctx) {
      if (ctx.t === 0) ctx.submit({ symbol: "A", qty: 10 });
      if (ctx.t === 1) limitId = ctx.submit({ symbol: "A", qty: 4, type: "limit", limitPrice: 40 });
    },
  }, { corporateActions: [{ type: "split", symbol: "A", bar: 2, ratio: 2 }], costs: NO_CAP });
  assert.ok(limitId > 0);
  for (let t = 1; t < 4; t++) near(res.equity[t]!, 1_000_000, `equity at ${t}`);
  assert.equal(res.positions[3], 20);
  assert.equal(res.unfilled[0]!.qty, 8);
  near(res.unfilled[0]!.limitPrice, 20, "limit halved");
});

Deno.test("dividends pay longs and charge shorts; borrow fee ACT/365 over the weekend", () => {
  const flat = (v: number) => [v, v, v, v];
  const p = makePanel({
    symbols: ["L", "S"],
    tsMs: [FRI, FRI + 3 * DAY, FRI + 4 * DAY, FRI + 5 * DAY],
    open: [flat(50), flat(50)],
    close: [flat(50), flat(50)],
  });
  const res = runBacktest(p, {
    onBar(ctx) {
      if (ctx.t === 0) ctx.submit({ symbol: "L", qty: 100, fillAt: "close" });
      if (ctx.t === 0) ctx.submit({ symbol: "S", qty: -100, fillAt: "close" });
    },
  }, {
    corporateActions: [
      { type: "dividend", symbol: "L", bar: 3, amount: 0.5 },
      { type: "dividend", symbol: "S", bar: 3, amount: 0.5 },
    ],
    costs: { ...NO_CAP, borrowRateAnnual: 0.1 },
  });
  // Short filled at the close of Monday (bar 1): borrow Mon->Tue (1 day) and Tue->Wed (1 day):
  // 0.1 * 100 * 50 * 2 / 365. Dividends: +50 long, -50 short.
  near(res.totals.borrow, (0.1 * 5000 * 2) / 365, "borrow");
  near(res.dividends[3]!, 0, "dividends net");
  near(res.equity.at(-1)! - 1_000_000, -(0.1 * 5000 * 2) / 365, "P&L");
});

Deno.test("delisting closes positions at the last price or the acquisition price", () => {
  const p = makePanel({
    symbols: ["A", "B"],
    tsMs: days(4),
    open: [[10, 10, 11, NaN], [20, 20, 20, 20]],
    close: [[10, 10, 12, NaN], [20, 20, 20, 20]],
  });
  const run = (price?: number) =>
    runBacktest(p, {
      onBar(ctx) {
        if (ctx.t === 0) ctx.submit({ symbol: "A", qty: 100 });
        if (ctx.t === 2) ctx.submit({ symbol: "A", qty: 5 }); // after delisting: rejected
      },
    }, {
      costs: NO_CAP,
      corporateActions: [{ type: "delist", symbol: "A", bar: 2, ...(price ? { price } : {}) }],
    });
  const last = run();
  near(last.equity.at(-1)! - 1_000_000, 100 * (12 - 10), "at last close");
  assert.equal(last.fills.at(-1)!.kind, "delist");
  assert.equal(last.rejected.length, 1);
  const acq = run(15);
  near(acq.equity.at(-1)! - 1_000_000, 100 * (15 - 10), "at acquisition price");
});

Deno.test("deterministic: same inputs and seed give identical fills and P&L", () => {
  const p = syntheticPanel({ symbols: 5, bars: 200, seed: 11 });
  const strat = (): Strategy => ({
    onBar(ctx) {
      const s = ctx.rng.int(0, 4);
      ctx.orderTargetWeight(s, ctx.rng.uniform() - 0.5);
    },
  });
  const opts = { seed: 42, costs: { fees: IBKR_FIXED, impactCoef: 1, borrowRateAnnual: 0.02 } };
  const a: BacktestResult = runBacktest(p, strat(), opts);
  const b = runBacktest(p, strat(), opts);
  assert.deepEqual(a.fills, b.fills);
  assert.deepEqual(Array.from(a.equity), Array.from(b.equity));
  const c = runBacktest(p, strat(), { ...opts, seed: 43 });
  assert.notDeepEqual(Array.from(a.equity), Array.from(c.equity));
});

Deno.test("edge cases: no bars, one bar, a symbol with no data, bad bar, inputs unmodified", () => {
  const empty: BarPanel = makePanel({ symbols: ["A"], tsMs: [], open: [[]], close: [[]] });
  const r0 = runBacktest(empty, { onBar: () => {} });
  assert.equal(r0.equity.length, 0);
  const one = makePanel({ symbols: ["A"], tsMs: [0], open: [[10]], close: [[10]] });
  const r1 = runBacktest(one, { onBar: (ctx) => void ctx.orderTarget(0, 5) });
  assert.deepEqual(Array.from(r1.equity), [1_000_000]);
  assert.equal(r1.unfilled.length, 1);
  const nan = makePanel({
    symbols: ["A", "Z"],
    tsMs: days(3),
    open: [[10, 11, 12], [NaN, NaN, NaN]],
    close: [[10, 11, 12], [NaN, NaN, NaN]],
  });
  const r2 = runBacktest(nan, {
    onBar: (ctx) => void (ctx.t === 0 && ctx.submit({ symbol: "Z", qty: 1 })),
  }, {
    costs: NO_CAP,
  });
  assert.equal(r2.fills.length, 0);
  assert.equal(r2.unfilled.length, 1);
  assert.throws(
    () => makePanel({ symbols: ["A"], tsMs: days(2), open: [[10, -1]], close: [[10, 10]] }),
    DataError,
  );
  assert.throws(
    () => makePanel({ symbols: ["A"], tsMs: [5, 5], open: [[1, 1]], close: [[1, 1]] }),
    RangeError,
  );
  const r3 = runBacktest(HAND, { onBar: (ctx) => void ctx.submit({ symbol: "A", qty: NaN }) });
  assert.equal(r3.rejected.length, 4);
  const before = Array.from(HAND.close);
  runBacktest(HAND, { onBar: (ctx) => void ctx.orderTarget(0, 3) }, { costs: NO_CAP });
  assert.deepEqual(Array.from(HAND.close), before);
});
