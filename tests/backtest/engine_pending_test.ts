/**
 * The event engine's pending orders (indexed by symbol and id): cancel by id, cancel a symbol's
 * orders, orderTarget's replacement, openOrders in submission order, and the unfilled counts by
 * reason; worked by hand on a 2-symbol, 4-bar panel.
 */
import assert from "node:assert/strict";
import { type BarPanel, runBacktest } from "../../lib/backtest/mod.ts";

const ATOL_USD = 1e-9;

function flatPanel(): BarPanel {
  const n = 2 * 4;
  return {
    symbols: ["A", "B"],
    tsMs: Float64Array.from({ length: 4 }, (_, t) => Date.UTC(2024, 0, 2 + t)),
    open: new Float64Array(n).fill(10),
    high: new Float64Array(n).fill(10.5),
    low: new Float64Array(n).fill(9.5),
    close: new Float64Array(n).fill(10),
    volume: new Float64Array(n).fill(1e6),
  };
}

Deno.test("pending orders: cancel by id, by symbol, orderTarget replaces, counts by reason", () => {
  const seen: Record<string, number[]> = {};
  const ids = (os: readonly { id: number }[]) => os.map((o) => o.id);
  const res = runBacktest(flatPanel(), {
    onBar(ctx) {
      if (ctx.t === 0) {
        ctx.submit({ symbol: "A", qty: 100, type: "limit", limitPrice: 5 }); // 1
        ctx.submit({ symbol: "B", qty: 100, type: "limit", limitPrice: 5 }); // 2
        ctx.submit({ symbol: 0, qty: 50, type: "limit", limitPrice: 6 }); // 3
        ctx.submit({ symbol: 1, qty: 10 }); // 4: market, fills at bar 1's open
        seen.a0 = ids(ctx.openOrders(0));
        seen.all0 = ids(ctx.openOrders());
        ctx.cancel(3);
        ctx.cancel(3); // already gone: nothing happens
        ctx.cancel(999); // never existed
        seen.a0after = ids(ctx.openOrders(0));
      } else if (ctx.t === 1) {
        seen.all1 = ids(ctx.openOrders()); // 4 filled; 1 and 2 not reached
        ctx.cancelAll(1); // order 2, last attempt: price not reached
        seen.all1b = ids(ctx.openOrders());
        ctx.submit({ symbol: "A", qty: 5 }); // 5
        ctx.orderTarget(0, 7); // cancels 1 and 5, sends 6 for 7 shares
        seen.all1c = ids(ctx.openOrders());
      }
    },
  }, { costs: { participationCap: Infinity } });
  assert.deepEqual(seen.a0, [1, 3]);
  assert.deepEqual(seen.all0, [1, 2, 3, 4]);
  assert.deepEqual(seen.a0after, [1]);
  assert.deepEqual(seen.all1, [1, 2]);
  assert.deepEqual(seen.all1b, [1]);
  assert.deepEqual(seen.all1c, [6]);
  assert.deepEqual(
    res.fills.map((f) => [f.orderId, f.bar, f.symbol, f.qty, f.price]),
    [[4, 1, "B", 10, 10], [6, 2, "A", 7, 10]],
  );
  assert.equal(res.orders.submitted, 6);
  assert.equal(res.orders.unfilled, 4);
  assert.deepEqual(res.orders.unfilledByReason, {
    cancelled_before_eligible: 2, // 3 (cancelled at bar 0) and 5 (replaced at bar 1)
    price_not_reached: 2, // 1 and 2, tried at bar 1
  });
  assert.equal(res.unfilled.length, 0);
  // positions recorded at each close: A 0, 0, 7, 7; B 0, 10, 10, 10 (symbol-major)
  assert.deepEqual(Array.from(res.positions), [0, 0, 7, 7, 0, 10, 10, 10]);
  // no costs configured: equity stays at the initial cash (flat prices)
  for (const e of res.equity) assert.ok(Math.abs(e - 1_000_000) <= ATOL_USD);
});

Deno.test("pending orders: orders left at the end are returned and counted; unknown symbol refused", () => {
  const res = runBacktest(flatPanel(), {
    onBar(ctx) {
      if (ctx.t === 2) ctx.submit({ symbol: "B", qty: 1, type: "stop", stopPrice: 20 });
      if (ctx.t === 3) {
        ctx.submit({ symbol: "A", qty: 1 }); // eligible after the end
        assert.throws(() => ctx.openOrders(5), RangeError);
        assert.throws(() => ctx.cancelAll(-1), RangeError);
      }
    },
  }, { costs: { participationCap: Infinity } });
  assert.deepEqual(res.unfilled.map((o) => o.id), [1, 2]);
  assert.deepEqual(res.orders.unfilledByReason, {
    price_not_reached: 1,
    not_eligible_before_end: 1,
  });
});
