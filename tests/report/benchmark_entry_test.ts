/**
 * The buy-and-hold benchmark on slow close-only data (a quarterly macro series): sized at the
 * fill price, never more than the equity, and its entry described in checkable words. Every
 * expected value is worked out by hand in the comments.
 */
import assert from "node:assert/strict";
import { BUILTIN_STRATEGIES, makePanel, runBacktest } from "../../lib/backtest/mod.ts";
import type { BarPanel } from "../../lib/backtest/mod.ts";
import { benchmarkEntry, summarizeBacktest } from "../../lib/report/mod.ts";

const TOL = 1e-12;
const Q = [Date.UTC(1959, 0, 1), Date.UTC(1959, 3, 1), Date.UTC(1959, 6, 1)];

function closeOnly(closes: number[]): BarPanel {
  return makePanel({
    symbols: ["GDPC1"],
    tsMs: Q.slice(0, closes.length),
    open: [closes.map(() => NaN)],
    close: [closes],
  });
}

function buyAndHold(p: BarPanel, initialCash: number) {
  const bh = BUILTIN_STRATEGIES.buy_and_hold;
  const s = bh.createStrategy({ panel: p, adjustedClose: p.close }, bh.params.parse({}) as never);
  return runBacktest(p, s, { initialCash, costs: { participationCap: Infinity } });
}

Deno.test("buy_and_hold on close-only quarterly bars: entered at the next bar's close, sized at that price", () => {
  // closes 100, 110, 121. Decided at the close of bar 0 (100), filled at the close of bar 1
  // (110: no open). Sized at the fill: floor(1e6 / 110) = 9090 shares = 999,900, cash 100.
  // End: 100 + 9090 x 121 = 1,099,990 -> total return 0.09999.
  // (Sized on the signal close, 10,000 shares cost 1,100,000: cash -100,000, a 110% position on
  // free credit, end 1,110,000 -> 11.0%, above the asset's own 10% from the entry.)
  const p = closeOnly([100, 110, 121]);
  const r = buyAndHold(p, 1_000_000);
  assert.deepEqual(r.fills.map((f) => [f.bar, f.qty, f.price]), [[1, 9090, 110]]);
  assert.ok(Math.abs(r.cash[2]! - 100) < TOL * 1e6, `cash ${r.cash[2]}`);
  for (const c of r.cash) assert.ok(c >= 0, `cash ${c} < 0`);
  const tr = summarizeBacktest(r, 4).totalReturn;
  assert.ok(Math.abs(tr - 0.09999) < TOL, `${tr}`);

  const e = benchmarkEntry(r, p, "USD");
  assert.equal(e.fills.length, 1);
  assert.deepEqual(
    { ...e.fills[0]! },
    {
      symbol: "GDPC1",
      signalDate: "1959-01-01",
      date: "1959-04-01",
      price: 110,
      at: "close",
      shares: 9090,
      value: 999_900,
    },
  );
  assert.ok(Math.abs(e.investedShare - 0.9999) < TOL);
  assert.ok(Math.abs(e.assetReturnFromEntry - 0.1) < TOL); // 121 / 110 - 1
  assert.ok(Math.abs(e.assetReturnFromFirstClose - 0.21) < TOL); // 121 / 100 - 1
  assert.equal(e.lastDate, "1959-07-01");
  assert.match(
    e.text,
    /^entered 1959-04-01 at the close 110 \(decided at the first close, 1959-01-01/,
  );
  assert.match(
    e.text,
    /9090 whole shares = 999900\.00 USD, 99\.99% of the starting 1000000\.00 USD/,
  );
  assert.match(e.text, /marked at the 1959-07-01 close 121\./);
  assert.match(e.text, /10\.00% from the entry, 21\.00% from the first close$/);
});

Deno.test("buy_and_hold with opens: filled at the next open; a falling price does not leave cash idle", () => {
  // open 90 at bar 1 (below the signal close 100): floor(1000 / 90) = 11 shares = 990, cash 10
  // (sized on the signal close it would have bought 10 = 900 and left 100 in cash).
  const p = makePanel({
    symbols: ["X"],
    tsMs: Q,
    open: [[100, 90, 95]],
    close: [[100, 92, 99]],
  });
  const r = buyAndHold(p, 1000);
  assert.deepEqual(r.fills.map((f) => [f.bar, f.qty, f.price]), [[1, 11, 90]]);
  const e = benchmarkEntry(r, p, null);
  assert.equal(e.fills[0]!.at, "open");
  assert.match(e.text, /^entered 1959-04-01 at the open 90 /);
  assert.ok(Math.abs(e.invested - 990) < TOL);
  // end 10 + 11 x 99 = 1099
  assert.ok(Math.abs(r.equity[2]! - 1099) < TOL * 1000);
});

Deno.test("benchmarkEntry: one bar (no fill) says so; two symbols give the range of entry dates", () => {
  const one = closeOnly([100]);
  const e = benchmarkEntry(buyAndHold(one, 1000), one);
  assert.equal(e.fills.length, 0);
  assert.match(e.text, /never traded/);
  assert.ok(Number.isNaN(e.assetReturnFromEntry));

  // A from bar 0, B only from bar 1: A fills at bar 1, B at bar 2; 500 each of 1000 equity
  // (equity of the last close before each fill: 1000, then 1000 - 10 x 50 + 10 x 50 = 1000)
  const two = makePanel({
    symbols: ["A", "B"],
    tsMs: Q,
    open: [[NaN, NaN, NaN], [NaN, NaN, NaN]],
    close: [[50, 50, 50], [NaN, 20, 25]],
  });
  const r = buyAndHold(two, 1000);
  assert.deepEqual(r.fills.map((f) => [f.symbol, f.bar, f.qty, f.price]), [
    ["A", 1, 10, 50],
    ["B", 2, 20, 25],
  ]);
  const e2 = benchmarkEntry(r, two, "EUR");
  assert.equal(e2.fills[1]!.signalDate, "1959-04-01");
  assert.match(e2.text, /^entered 2 symbols from 1959-04-01 to 1959-07-01/);
  assert.match(e2.text, /1000\.00 EUR, 100\.00% of the starting 1000\.00 EUR/);
});
