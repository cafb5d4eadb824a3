/**
 * Avellaneda-Stoikov formulas (hand-worked), the book-replay backtest's queue-position fill model
 * on hand-built books, fees, inventory limits, markouts, and the trial ledger.
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  arrivalIntensity,
  avellanedaStoikovQuotes,
  backtestMarketMaking,
  marketMakingTrial,
  optimalSpread,
  recordMarketMakingTrials,
  reservationPrice,
  simulateAvellanedaStoikov,
} from "../../lib/execution/market_making.ts";
import type { BookDay } from "../../lib/book/mod.ts";
import { memoryLedgerStore, readTrials } from "../../lib/validation/ledger.ts";

const TOL = 1e-12;

Deno.test("A-S formulas: hand-worked", () => {
  assertAlmostEquals(reservationPrice(100, 2, 0.1, 2, 0.5), 99.6, TOL);
  assertAlmostEquals(reservationPrice(100, -3, 0.1, 2, 0), 100, TOL);
  assertAlmostEquals(optimalSpread(0.1, 2, 0, 1.5), 20 * Math.log(1 + 1 / 15), TOL);
  assertAlmostEquals(optimalSpread(0.1, 2, 1, 1.5), 0.4 + 20 * Math.log(16 / 15), TOL);
  assertAlmostEquals(arrivalIntensity(0, 140, 1.5), 140, TOL);
  assertAlmostEquals(arrivalIntensity(1, 140, 1.5), 140 * Math.exp(-1.5), TOL);
  const q = avellanedaStoikovQuotes(100, 1, 0.5, { gamma: 0.1, sigma: 2, k: 1.5 });
  assertAlmostEquals(q.reservation, 99.8, TOL);
  assertAlmostEquals(q.ask - q.bid, 0.2 + 20 * Math.log(16 / 15), TOL);
  // gamma -> 0 limit of the spread is 2 / k
  assertAlmostEquals(optimalSpread(1e-9, 2, 0, 1.5), 2 / 1.5, 1e-6);
  assertThrows(() => optimalSpread(0, 2, 1, 1.5), RangeError, "gamma");
  assertThrows(() => arrivalIntensity(0, 140, -1), RangeError, "k");
  assertThrows(() => simulateAvellanedaStoikov({ gamma: 0.1, paths: 1 }), RangeError, "paths");
});

/** A 1-level book day from rows [type, size, price, dir, ask, askSize, bid, bidSize], 1 s apart. */
function day(rows: number[][]): BookDay {
  const n = rows.length;
  const col = (j: number) => Float64Array.from(rows, (r) => r[j]!);
  return {
    symbol: "T",
    date: "2024-03-27",
    levels: 1,
    length: n,
    timeNs: Float64Array.from(rows, (_, i) => (34200 + i) * 1e9),
    tsMs: Float64Array.from(rows, (_, i) => 1_711_546_200_000 + i * 1000),
    seq: Float64Array.from(rows, (_, i) => i),
    eventType: Int8Array.from(rows, (r) => r[0]!),
    orderId: Float64Array.from(rows, (_, i) => i + 1),
    size: col(1),
    price: col(2),
    direction: Int8Array.from(rows, (r) => r[3]!),
    askPrice: [col(4)],
    askSize: [col(5)],
    bidPrice: [col(6)],
    bidSize: [col(7)],
  };
}

// gamma tiny and sigma 0: spread (2/gamma) ln(1 + gamma/k) ~ 2/k; k = 200 -> 0.01, so the
// strategy quotes mid -/+ 0.005 rounded outward: bid = best bid, ask = best ask (1-cent book).
const OPTS = { gamma: 1e-6, sigma: 0, k: 200, orderSize: 100, quoteIntervalMs: 1e9 };

Deno.test("replay: queue position - executions at our price consume the queue ahead first", () => {
  const d = day([
    [1, 100, 10.0, 1, 10.01, 500, 10.0, 300], // we join the bid at 10.00 behind 300
    [4, 200, 10.0, 1, 10.01, 500, 10.0, 100], // sell MO 200: queue ahead 100 left
    [4, 150, 10.0, 1, 10.01, 500, 9.99, 400], // 150 more: 100 ahead, 50 fills us
    [4, 80, 10.0, 1, 10.01, 500, 9.99, 400], // 80 more: fills 50 (our remainder)
  ]);
  const bt = backtestMarketMaking(d, OPTS);
  assertEquals(bt.fills.map((f) => [f.index, f.side, f.price, f.qty]), [[2, 1, 10, 50], [
    3,
    1,
    10,
    50,
  ]]);
  assertEquals(bt.summary.finalInventory, 100);
  assertEquals(bt.summary.bidsPosted, 1);
  assertEquals(bt.summary.bidsFilled, 1);
  assertEquals(bt.summary.fillRateBid, 1);
  assertEquals(bt.summary.asksFilled, 0);
  // P&L: bought 100 at 10.00, final mid (10.01 + 9.99) / 2 = 10.00 -> 0
  assertAlmostEquals(bt.summary.pnl, 0, 1e-9);
});

Deno.test("replay: cancellations ahead (pro rata), trade-through, marketable order, halt", () => {
  const rows = [
    [1, 100, 10.0, 1, 10.01, 500, 10.0, 400], // join bid behind 400
    [3, 200, 10.0, 1, 10.01, 500, 10.0, 200], // 200 of 400 cancelled: ahead 400 - 200*400/400 = 200
    [4, 200, 10.0, 1, 10.01, 500, 9.99, 100], // 200 executed: ahead 0, no fill yet
    [4, 30, 10.0, 1, 10.01, 500, 9.99, 100], // 30 more at our price: fills 30
  ];
  const pr = backtestMarketMaking(day(rows), OPTS);
  assertEquals(pr.fills.map((f) => f.qty), [30]);
  const behind = backtestMarketMaking(day(rows), { ...OPTS, cancelModel: "behind" });
  assertEquals(behind.fills.length, 0); // 400 ahead, 230 executed
  // a sell MO printing below our bid went through us: whole remainder filled
  const through = backtestMarketMaking(
    day([[1, 100, 10.0, 1, 10.01, 500, 10.0, 400], [4, 500, 9.99, 1, 10.01, 500, 9.99, 100]]),
    OPTS,
  );
  assertEquals(through.fills.map((f) => [f.price, f.qty]), [[10, 100]]);
  // an incoming sell limit at our bid would have traded with us
  const mk = backtestMarketMaking(
    day([[1, 100, 10.0, 1, 10.01, 500, 10.0, 400], [1, 60, 10.0, -1, 10.0, 60, 9.99, 100]]),
    OPTS,
  );
  assertEquals(mk.fills.map((f) => [f.side, f.qty]), [[1, 60]]);
  // after a halt, resting orders are gone
  const halt = backtestMarketMaking(
    day([
      [1, 100, 10.0, 1, 10.01, 500, 10.0, 0],
      [7, 0, -0.0001, -1, 10.01, 500, 10.0, 0],
      [4, 500, 9.99, 1, 10.01, 500, 9.99, 100],
    ]),
    OPTS,
  );
  assertEquals(halt.fills.length, 0);
});

Deno.test("replay: fees, inventory limit, markouts, symmetric vs inventory quotes", () => {
  const rows = [
    [1, 100, 10.0, 1, 10.01, 500, 10.0, 0], // bid at 10.00 with nobody ahead, ask 10.01 behind 500
    [4, 100, 10.0, 1, 10.01, 500, 9.99, 100], // our bid filled 100 at 10.00
    [1, 100, 9.98, 1, 10.0, 100, 9.98, 100], // mid moves to 9.99: adverse
    [1, 100, 9.98, 1, 10.0, 100, 9.98, 200],
  ];
  const bt = backtestMarketMaking(day(rows), {
    ...OPTS,
    makerFeePerShare: -0.002,
    maxInventory: 100,
  });
  assertEquals(bt.summary.sharesBought, 100);
  assertAlmostEquals(bt.summary.fees, -0.2, 1e-12); // rebate
  // markout 1 s: mid at t+1 s (row 2) = 9.99 -> 1 x (9.99 - 10.00) = -0.01; adverse part vs
  // the mid before the fill (10.005): -0.015
  assertAlmostEquals(bt.summary.markout[0]!.perShare, -0.01, 1e-9);
  assertAlmostEquals(bt.summary.markout[0]!.adverseSelectionPerShare, -0.015, 1e-9);
  // P&L = -1000 + 0.2 + 100 x 9.99 = -0.8
  assertAlmostEquals(bt.summary.pnl, -0.8, 1e-9);
  assertEquals(bt.summary.maxAbsInventory, 100);
  // inventory limit reached: no bid is quoted afterwards
  const every = backtestMarketMaking(day(rows), {
    ...OPTS,
    quoteIntervalMs: 1000,
    maxInventory: 100,
  });
  const afterFill = every.path.tsMs.findIndex((t) => t >= d0(rows) + 2000);
  assert(Number.isNaN(every.path.bid[afterFill]!));
  // with inventory 100 and sigma > 0 the inventory strategy's center is below the mid
  const inv = backtestMarketMaking(day(rows), {
    ...OPTS,
    sigma: 0.05,
    gamma: 1,
    quoteIntervalMs: 1000,
  });
  const sym = backtestMarketMaking(day(rows), {
    ...OPTS,
    sigma: 0.05,
    gamma: 1,
    quoteIntervalMs: 1000,
    strategy: "symmetric",
  });
  const i2 = inv.path.tsMs.length - 1;
  assert(inv.path.ask[i2]! <= sym.path.ask[i2]!);
  assertThrows(() => backtestMarketMaking(day([]), OPTS), RangeError, "empty");
  assertThrows(() => backtestMarketMaking(day(rows), { ...OPTS, k: 0 }), RangeError, "k must");
});

function d0(_rows: number[][]): number {
  return 1_711_546_200_000;
}

Deno.test("replay: results go into the trial ledger", async () => {
  const rows = [
    [1, 100, 10.0, 1, 10.01, 500, 10.0, 0],
    [4, 100, 10.0, 1, 10.01, 500, 9.99, 100],
  ];
  const a = backtestMarketMaking(day(rows), OPTS);
  const b = backtestMarketMaking(day(rows), { ...OPTS, strategy: "symmetric" });
  const t = marketMakingTrial(a, { question: "mm-test", codeVersion: "c1", dataManifest: "m1" });
  assertEquals(t.params.strategy, "inventory");
  assertEquals(t.params.symbol, "T");
  assertEquals(t.returns.length, a.returns.ret.length);
  const store = memoryLedgerStore();
  const res = await recordMarketMakingTrials([a, b], {
    question: "mm-test",
    codeVersion: "c1",
    dataManifest: "m1",
  }, {
    store,
  });
  assertEquals(res.map((r) => r.duplicate), [false, false]);
  assertEquals((await readTrials("mm-test", { store })).length, 2);
  const again = await recordMarketMakingTrials([a], {
    question: "mm-test",
    codeVersion: "c1",
    dataManifest: "m1",
  }, {
    store,
  });
  assertEquals(again[0]!.duplicate, true);
  // returns sum to the final P&L over the capital
  const sum = a.returns.ret.reduce((s, v) => s + v, 0);
  assertAlmostEquals(sum, a.summary.pnl / a.options.capital, 1e-12);
});
