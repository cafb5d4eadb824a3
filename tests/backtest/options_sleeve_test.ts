import assert from "node:assert/strict";
import { type ChainSource, runOptionsSleeve } from "../../lib/backtest/mod.ts";
import { bsPrice, toOptionColumns } from "../../lib/options/mod.ts";

const ATOL_USD = 1e-6;
const VOL = 0.2;
const HALF_SPREAD = 0.05;

/** A Black-Scholes chain (constant vol, zero rates) on a given spot path; one or two expiries. */
function bsChain(spots: number[], expiries: string[], start = "2024-01-01"): ChainSource {
  const days = spots.map((_, i) =>
    new Date(Date.parse(start) + i * 86_400_000).toISOString().slice(0, 10)
  );
  const spotOf = new Map(days.map((d, i) => [d, spots[i]!]));
  return {
    days,
    spot: (d) => spotOf.get(d)!,
    rate: () => 0,
    div: 0,
    expiries: (d) => expiries.filter((e) => e > d),
    strikes: () => [90, 95, 100, 105, 110],
    quote: (c, d) => {
      const t = (Date.parse(c.expiry) - Date.parse(d)) / 86_400_000 / 365;
      const mid = bsPrice(
        toOptionColumns([{ spot: spotOf.get(d)!, strike: c.strike, t, isCall: c.type === "call" }]),
        Float64Array.of(VOL),
      )[0]!;
      return { bid: mid - HALF_SPREAD, ask: mid + HALF_SPREAD, t };
    },
  };
}

Deno.test("unhedged long call held to expiry: P&L = 100 x (intrinsic - entry mid) - half spread (by hand)", () => {
  const spots = [100, 101, 99, 103, 104, 106]; // expiry on day 5 at spot 106
  const src = bsChain(spots, ["2024-01-06"]);
  const res = runOptionsSleeve(src, {
    structure: "call",
    side: "long",
    contracts: 1,
    unhedged: true,
    minDte: 1,
  });
  const m0 = src.quote({ strike: 100, expiry: "2024-01-06", type: "call" }, "2024-01-01");
  const mid0 = (m0.bid + m0.ask) / 2;
  // intrinsic at expiry = 6; entry cost = 100 shares x 0.05
  const expected = 100 * (6 - mid0) - 100 * HALF_SPREAD;
  assert.ok(Math.abs(res.totals.total - expected) < ATOL_USD, `${res.totals.total} vs ${expected}`);
  assert.equal(res.totals.hedge, 0);
  assert.equal(res.rolls.length, 1);
});

Deno.test("delta-hedged short straddle: attribution identity, hedge = -delta, hedge costs by hand", () => {
  const spots = [100, 102, 99, 98, 101, 103, 100, 97, 99, 100, 102];
  const src = bsChain(spots, ["2024-01-09", "2024-02-15"]);
  const res = runOptionsSleeve(src, {
    structure: "straddle",
    side: "short",
    contracts: 2,
    targetDte: 30,
    hedgeCostBps: 2,
  });
  let cum = 0;
  for (let d = 0; d < spots.length; d++) {
    cum += res.optionPnl[d]! + res.hedgePnl[d]! - res.optionCosts[d]! - res.hedgeCosts[d]!;
    assert.ok(Math.abs(res.pnl[d]! - cum) < ATOL_USD);
    // residual delta after the hedge is the rounding to whole shares
    assert.ok(Math.abs(res.netDelta[d]!) < 1); // hedge truncated toward zero to whole shares
    if (d > 0) {
      const traded = Math.abs(res.hedgeShares[d]! - res.hedgeShares[d - 1]!);
      assert.ok(Math.abs(res.hedgeCosts[d]! - traded * spots[d]! * 2e-4) < ATOL_USD);
      assert.ok(
        Math.abs(res.hedgePnl[d]! - res.hedgeShares[d - 1]! * (spots[d]! - spots[d - 1]!)) <
          ATOL_USD,
      );
    }
  }
  const t = res.totals;
  assert.ok(Math.abs(t.total - (t.option + t.hedge - t.optionCosts - t.hedgeCosts)) < ATOL_USD);
  // short straddle: negative vega and gamma, entry costs 2 legs x 200 shares x 0.05
  assert.ok(res.netVega[0]! < 0 && res.netGamma[0]! < 0);
  assert.ok(Math.abs(res.optionCosts[0]! - 2 * 200 * HALF_SPREAD) < ATOL_USD);
  assert.equal(res.rolls[0]!.legs[0]!.expiry, "2024-02-15"); // 45 dte is closer to 30 than 8
});

Deno.test("options sleeve edge cases: no listed expiry, bad spot, bad size", () => {
  const none = runOptionsSleeve(bsChain([100, 101], []), {});
  assert.equal(none.totals.total, 0);
  assert.equal(none.rolls.length, 0);
  assert.throws(() => runOptionsSleeve(bsChain([100, NaN], ["2024-03-01"]), {}), RangeError);
  assert.throws(
    () => runOptionsSleeve(bsChain([100], ["2024-03-01"]), { contracts: 0 }),
    RangeError,
  );
});
