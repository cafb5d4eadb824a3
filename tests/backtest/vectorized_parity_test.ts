/**
 * Parity of the vectorised engine (lib/backtest/vectorized.ts) with the event engine
 * (runBacktest + targetStrategy) on what 8d081b7 added to the event engine: the leverage limit
 * (`maxGrossLeverage`: fills cut to what fits, the rest cancelled, counted) and data-end exits
 * (a symbol whose bars end early is closed at its last close; bars held through a hole are
 * counted). Hand-worked single-symbol cases first, then a four-symbol panel with costs, borrow
 * and the participation cap, then the MA-crossover sweep kernel.
 */
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
  targetStrategy,
  type VectorizedOptions,
} from "../../lib/backtest/mod.ts";
import { IBKR_FIXED } from "../../lib/execution/mod.ts";

/** Equity, prices and quantities of the two engines: same operations, so equal to 1e-9. */
const ATOL = 1e-9;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2);
const days = (n: number) => Array.from({ length: n }, (_, t) => T0 + t * DAY);
const noCosts = { participationCap: Infinity, halfSpreadBps: 0, borrowRateAnnual: 0 };

/** The event engine replaying `targets` as the vectorised engine reads them. */
function eventRun(p: BarPanel, targets: Float64Array, o: VectorizedOptions) {
  return runBacktest(
    p,
    targetStrategy(p, targets, { kind: o.targetKind ?? "shares", fillAt: o.fillAt ?? "open" }),
    {
      initialCash: o.initialCash ?? 1_000_000,
      costs: o.costs ?? {},
      ...(o.maxGrossLeverage !== undefined ? { maxGrossLeverage: o.maxGrossLeverage } : {}),
    },
  );
}

/** A generator over a fixed target column, with the `range` form (blocked single-symbol sweep). */
function columnFill(cols: Float64Array[]): SweepFill {
  const fill = (c: number, out: Float64Array) => out.set(cols[c]!);
  const range = (c: number, from: number, to: number, out: Float64Array) =>
    out.set(cols[c]!.subarray(from, to));
  return Object.assign(fill, { range });
}

function assertCloseArrays(a: ArrayLike<number>, b: ArrayLike<number>, what: string) {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let t = 0; t < a.length; t++) {
    assert.ok(Math.abs(a[t]! - b[t]!) <= ATOL, `${what} bar ${t}: ${a[t]} vs ${b[t]}`);
  }
}

// One symbol, 7 bars: a hole at bar 2, data ends at bar 4 (close 12), panel ends at bar 6.
const single = makePanel({
  symbols: ["A"],
  tsMs: days(7),
  open: [[10, 10, NaN, 11, 12, NaN, NaN]],
  close: [[10, 10, NaN, 11, 12, NaN, NaN]],
});
// 200 shares decided at bar 0 (2000 of stock on 1000 of cash); 50 shares decided at bar 5,
// after the data end (ignored by both engines)
const singleTargets = Float64Array.from([200, NaN, NaN, NaN, NaN, 50, NaN]);

Deno.test("one symbol, hand-worked: 200 shares on 1000 cash; data end at bar 4; hole at bar 2", () => {
  // limit 1: 100 shares at 10 (cash 0), the other 100 cancelled (scaled). Equity 1000, 1000
  // (bar 2: no bar, marked at 10, counted), 1100, then closed at bar 4's close 12: 1200 to the
  // end. Without a limit: 200 shares, cash -1000: 1000, 1000, 1200, 1400 (closed at 12).
  const cases = [
    {
      limit: 1,
      equity: [1000, 1000, 1000, 1100, 1200, 1200, 1200],
      qty: 100,
      scaled: 1,
    },
    {
      limit: undefined,
      equity: [1000, 1000, 1000, 1200, 1400, 1400, 1400],
      qty: 200,
      scaled: 0,
    },
  ];
  for (const k of cases) {
    const o: VectorizedOptions = {
      initialCash: 1000,
      costs: noCosts,
      ...(k.limit !== undefined ? { maxGrossLeverage: k.limit } : {}),
    };
    const ev = eventRun(single, singleTargets, o);
    const { curves, summary } = backtestVectorized(single, [singleTargets], o);
    const vec = curves[0]!;
    assertCloseArrays(ev.equity, k.equity, `event limit ${k.limit}`);
    assertCloseArrays(vec.equity, k.equity, `vectorised limit ${k.limit}`);
    const expFills = [
      { orderId: 1, bar: 1, qty: k.qty, price: 10, kind: "trade", tag: "" },
      { orderId: 0, bar: 4, qty: -k.qty, price: 12, kind: "data_end", tag: "data ended" },
    ];
    for (const fills of [ev.fills, vec.fills]) {
      assert.deepEqual(
        fills.map((f) => ({
          orderId: f.orderId,
          bar: f.bar,
          qty: f.qty,
          price: f.price,
          kind: f.kind,
          tag: f.tag,
        })),
        expFills,
      );
    }
    assert.deepEqual(vec.fills, ev.fills);
    assert.deepEqual(vec.orders, { leverageScaled: k.scaled, leverageRejected: 0 });
    assert.equal(ev.orders.leverageScaled, k.scaled);
    assert.deepEqual(vec.dataEnded, [{ symbol: "A", bar: 4, closed: true }]);
    assert.deepEqual(ev.dataEnded, vec.dataEnded);
    assert.deepEqual(vec.heldWithoutBar, { A: 1 });
    assert.deepEqual(ev.heldWithoutBar, vec.heldWithoutBar);
    assert.deepEqual(vec.leverage, ev.leverage);
    // peak gross: limit 1 -> 1100 / 1100 = 1 at bar 3 (first peak 1 at bar 1); none -> 2 at bar 1
    assert.deepEqual(vec.leverage, {
      limit: k.limit ?? Infinity,
      peakGross: k.limit ? 1 : 2,
      peakBar: 1,
    });
    // the sweep: general path, single-symbol path, and blocked path whose blocks of 2 bars put
    // the data end at the start of a block and skip the last block
    for (
      const gen of [
        (_: number, out: Float64Array) => out.set(singleTargets),
        columnFill([singleTargets]),
      ]
    ) {
      for (const blockBars of [1, 2, 3, 2048]) {
        const sw = sweepVectorized(single, 1, gen, { ...o, blockBars });
        assert.ok(Math.abs(sw.finalEquity[0]! - k.equity[6]!) <= ATOL);
        assert.equal(sw.leverageScaled[0], k.scaled);
        assert.equal(sw.leverageRejected[0], 0);
        assert.equal(sw.dataEndExits[0], 1);
        assert.equal(sw.heldWithoutBar[0], 1);
        assert.ok(Math.abs(sw.sharpe[0]! - summary.sharpe[0]!) <= ATOL);
        assert.ok(Math.abs(sw.maxDrawdown[0]! - summary.maxDrawdown[0]!) <= ATOL);
      }
    }
  }
});

Deno.test("one symbol: a buy after the cash is spent is rejected by the limit, never carried", () => {
  // 100 shares at bar 1 (cash 0), then 150 decided at bar 1: nothing fits at bar 2 (rejected);
  // the data end at bar 4 closes the 100 at 12. No limit: 150 held, cash -500 -> 1300.
  const tg = Float64Array.from([100, 150, NaN, NaN, NaN, NaN, NaN]);
  const o: VectorizedOptions = { initialCash: 1000, costs: noCosts, maxGrossLeverage: 1 };
  const ev = eventRun(single, tg, o);
  const vec = backtestVectorized(single, [tg], o).curves[0]!;
  assertCloseArrays(vec.equity, [1000, 1000, 1000, 1100, 1200, 1200, 1200], "vectorised");
  assertCloseArrays(ev.equity, vec.equity, "event");
  assert.deepEqual(vec.orders, { leverageScaled: 0, leverageRejected: 1 });
  assert.equal(ev.orders.leverageRejected, 1);
  assert.equal(ev.orders.unfilledByReason.leverage_limit, 1);
  assert.deepEqual(vec.fills, ev.fills);
  const sw = sweepVectorized(single, 1, columnFill([tg]), { ...o, blockBars: 2 });
  assert.equal(sw.leverageRejected[0], 1);
  assert.ok(Math.abs(sw.finalEquity[0]! - 1200) <= ATOL);
});

/**
 * Four symbols from the synthetic market: S001's data ends at bar 80, S002 has a hole at bars
 * 40..44. Long-only weights summing to 2.1 (S000 0.6, S001 0.6, S002 0.5, S003 0.4 or 0 every
 * 10 bars), rebalanced every 5 bars: without a limit the book borrows about 1.1 x equity.
 */
function parityPanel(): { p: BarPanel; targets: Float64Array } {
  const base = syntheticPanel({ symbols: 4, bars: 120, seed: 31, meanVolume: 40_000 });
  const nBars = 120;
  const cols = (a: Float64Array) =>
    [0, 1, 2, 3].map((s) => Array.from(a.subarray(s * nBars, (s + 1) * nBars)));
  const f = { open: cols(base.open), high: cols(base.high), low: cols(base.low) };
  const close = cols(base.close), volume = cols(base.volume);
  const blank = (s: number, from: number, to: number) => {
    for (const a of [f.open, f.high, f.low, close]) a[s]!.fill(NaN, from, to);
    volume[s]!.fill(0, from, to);
  };
  blank(1, 81, nBars);
  blank(2, 40, 45);
  const p = makePanel({
    symbols: base.symbols,
    tsMs: base.tsMs,
    open: f.open,
    high: f.high,
    low: f.low,
    close,
    volume,
  });
  const targets = new Float64Array(4 * nBars).fill(NaN);
  for (let t = 0; t < nBars; t += 5) {
    targets[t] = 0.6;
    targets[nBars + t] = 0.6;
    targets[2 * nBars + t] = 0.5;
    targets[3 * nBars + t] = Math.floor(t / 10) % 2 === 0 ? 0.4 : 0;
  }
  return { p, targets };
}

Deno.test("four symbols with costs: equal equity, fills and counts, with and without a limit", () => {
  const { p, targets } = parityPanel();
  const nBars = p.tsMs.length;
  let sawScaled = false;
  for (const maxGrossLeverage of [undefined, 1, 1.5]) {
    for (const fillAt of ["open", "close"] as const) {
      for (const remainder of ["carry", "cancel"] as const) {
        const o: VectorizedOptions = {
          targetKind: "weight",
          fillAt,
          costs: {
            fees: IBKR_FIXED,
            halfSpreadBps: 3,
            impactCoef: 0.5,
            borrowRateAnnual: 0.03,
            participationCap: 0.1,
            remainder,
          },
          ...(maxGrossLeverage !== undefined ? { maxGrossLeverage } : {}),
        };
        const what = `limit ${maxGrossLeverage} ${fillAt}/${remainder}`;
        const ev = eventRun(p, targets, o);
        const { curves, summary } = backtestVectorized(p, [targets], o);
        const vec = curves[0]!;
        assertCloseArrays(vec.equity, ev.equity, `${what} equity`);
        assertCloseArrays(vec.gross, ev.gross, `${what} gross`);
        assert.equal(vec.fills.length, ev.fills.length, `${what} fills`);
        vec.fills.forEach((f, k) => {
          const e = ev.fills[k]!;
          assert.deepEqual(
            [f.orderId, f.bar, f.symbol, f.kind, f.tag],
            [e.orderId, e.bar, e.symbol, e.kind, e.tag],
            `${what} fill ${k}`,
          );
          for (const x of ["qty", "price", "commission", "fees", "spread", "impact"] as const) {
            assert.ok(Math.abs(f[x] - e[x]) <= ATOL, `${what} fill ${k} ${x}`);
          }
        });
        assert.equal(vec.orders.leverageScaled, ev.orders.leverageScaled, what);
        assert.equal(vec.orders.leverageRejected, ev.orders.leverageRejected, what);
        assert.deepEqual(vec.dataEnded, ev.dataEnded);
        assert.deepEqual(vec.heldWithoutBar, ev.heldWithoutBar);
        assert.equal(vec.leverage.limit, ev.leverage!.limit);
        assert.equal(vec.leverage.peakBar, ev.leverage!.peakBar);
        assert.ok(Math.abs(vec.leverage.peakGross - ev.leverage!.peakGross) <= ATOL);
        // what the panel forces, independent of the engines: S001 closed at its last close
        // (bar 80) with the shares held at bar 79's close; S002 held through its 5-bar hole
        const s1 = ev.positions[nBars + 79]!;
        assert.ok(s1 > 0);
        assert.deepEqual(ev.dataEnded, [{ symbol: "S001", bar: 80, closed: true }]);
        const end = vec.fills.filter((f) => f.kind === "data_end");
        assert.deepEqual(end.map((f) => [f.symbol, f.bar, f.price, f.commission]), [
          ["S001", 80, p.close[nBars + 80]!, 0],
        ]);
        assert.equal(end[0]!.qty, -s1);
        assert.deepEqual(vec.heldWithoutBar, { S002: 5 });
        assert.ok(!vec.fills.some((f) => f.symbol === "S001" && f.bar > 80));
        const cashV = vec.equity.map((e, t) => e - vec.net[t]!);
        if (maxGrossLeverage === undefined) {
          assert.ok(Math.min(...cashV) < -500_000, "borrows without a limit");
          assert.equal(vec.orders.leverageScaled + vec.orders.leverageRejected, 0);
        } else {
          assert.ok(vec.orders.leverageScaled > 0, `${what}: the limit binds`);
          sawScaled = true;
          // limit 1 on a long-only book: fills never take cash below zero (costs included)
          if (maxGrossLeverage === 1) assert.ok(Math.min(...cashV) >= -1e-6, what);
        }
        // the sweep's summary (general path) agrees with the full run
        const sw = sweepVectorized(p, 1, (_, out) => out.set(targets), o);
        assert.ok(Math.abs(sw.finalEquity[0]! - summary.finalEquity[0]!) <= ATOL);
        assert.equal(sw.leverageScaled[0], vec.orders.leverageScaled);
        assert.equal(sw.leverageRejected[0], vec.orders.leverageRejected);
        assert.equal(sw.dataEndExits[0], 1);
        assert.equal(sw.heldWithoutBar[0], 5);
      }
    }
  }
  assert.ok(sawScaled);
});

Deno.test("vectorised maxGrossLeverage: same default and bad values as runBacktest", () => {
  const tg = new Float64Array(single.tsMs.length).fill(NaN);
  assert.equal(backtestVectorized(single, [tg]).curves[0]!.leverage.limit, Infinity);
  for (const bad of [0, -1, NaN]) {
    assert.throws(
      () => sweepVectorized(single, 1, () => {}, { maxGrossLeverage: bad }),
      /maxGrossLeverage must be > 0/,
    );
    assert.throws(
      () => runBacktest(single, { onBar() {} }, { maxGrossLeverage: bad }),
      /maxGrossLeverage must be > 0/,
    );
  }
});

Deno.test("a fill blocked by lot rounding after a cut fill is not counted as cut (event engine)", () => {
  // bar 1: A's 200 shares cut to 100 (limit 1, cash 1000 at 10); B's 0.5 share rounds to no
  // lot: it waits (lot_rounding), it is not rejected by the leverage limit
  const p = makePanel({
    symbols: ["A", "B"],
    tsMs: days(3),
    open: [[10, 10, 10], [5, 5, 5]],
    close: [[10, 10, 10], [5, 5, 5]],
  });
  const r = runBacktest(p, {
    onBar(ctx) {
      if (ctx.t !== 0) return;
      ctx.orderTarget(0, 200);
      ctx.submit({ symbol: 1, qty: 0.5 });
    },
  }, { initialCash: 1000, costs: noCosts, maxGrossLeverage: 1 });
  assert.equal(r.orders.leverageScaled, 1);
  assert.equal(r.orders.leverageRejected, 0);
  assert.deepEqual(r.orders.unfilledByReason, { leverage_limit: 1, lot_rounding: 1 });
});

Deno.test("MA-crossover kernel columns = the event engine replaying the same share targets", () => {
  // the kernel holds +-shares (a fixed count: no sizing price, so none of ma_cross's
  // fill-price sizing applies); data ends at bar 500 of 600, a hole at 200..202
  const base = syntheticPanel({ symbols: 1, bars: 600, seed: 8 });
  const cut = (a: Float64Array) => {
    const x = Float64Array.from(a);
    x.fill(NaN, 501);
    x.fill(NaN, 200, 203);
    return [x];
  };
  const vol = Float64Array.from(base.volume);
  vol.fill(0, 501);
  vol.fill(0, 200, 203);
  const p = makePanel({
    symbols: base.symbols,
    tsMs: base.tsMs,
    open: cut(base.open),
    high: cut(base.high),
    low: cut(base.low),
    close: cut(base.close),
    volume: [vol],
  });
  const args = { fastCount: 3, shares: 300 };
  const kernel = createMaCrossKernel(p, args);
  const nCol = 6;
  for (const maxGrossLeverage of [undefined, 1]) {
    const o: VectorizedOptions = {
      initialCash: 20_000, // 300 shares at ~100 are 1.5 x equity: the limit binds
      costs: { fees: IBKR_FIXED, halfSpreadBps: 1, borrowRateAnnual: 0.02 },
      ...(maxGrossLeverage !== undefined ? { maxGrossLeverage } : {}),
    };
    const sw = sweepVectorized(p, nCol, kernel, { ...o, blockBars: 128 });
    let scaled = 0;
    for (let c = 0; c < nCol; c++) {
      const tg = new Float64Array(600);
      kernel(c, tg);
      const ev = eventRun(p, tg, o);
      assert.ok(Math.abs(sw.finalEquity[c]! - ev.equity.at(-1)!) <= ATOL, `column ${c}`);
      assert.equal(sw.leverageScaled[c], ev.orders.leverageScaled);
      assert.equal(sw.leverageRejected[c], ev.orders.leverageRejected);
      assert.equal(sw.dataEndExits[c], ev.dataEnded!.filter((d) => d.closed).length);
      assert.equal(sw.heldWithoutBar[c], ev.heldWithoutBar!["S000"] ?? 0);
      assert.equal(sw.dataEndExits[c], 1); // always +-300 held after the slow window fills
      scaled += sw.leverageScaled[c]!;
    }
    if (maxGrossLeverage === 1) assert.ok(scaled > 0, "the limit binds");
    else assert.equal(scaled, 0);
  }
});
