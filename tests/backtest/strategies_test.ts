import assert from "node:assert/strict";
import {
  backtestVectorized,
  makePanel,
  momentumTargets,
  overnightStrategy,
  resampleToSessions,
  runBacktest,
  syntheticPanel,
  targetStrategy,
} from "../../lib/backtest/mod.ts";

const NO_CAP = { participationCap: Infinity } as const;

Deno.test("overnight strategy: enters at a close, exits at the next open, holds only overnight", () => {
  const p = syntheticPanel({ symbols: 1, bars: 250, seed: 6 });
  const res = runBacktest(p, overnightStrategy({ lookback: 2, threshold: 0, volWindow: 20 }), {
    costs: NO_CAP,
  });
  const entries = res.fills.filter((f) => f.tag === "overnight-entry");
  const exits = res.fills.filter((f) => f.tag === "overnight-exit");
  assert.ok(entries.length > 50);
  for (const e of entries) {
    const i = e.bar; // fills at the close of bar i
    assert.equal(e.price, p.close[i]);
    const x = exits.find((f) => f.bar === i + 1);
    if (i + 1 < 250) {
      assert.ok(x, `exit after entry at ${i}`);
      assert.equal(x!.price, p.open[i + 1]);
      assert.equal(x!.qty, -e.qty);
    }
  }
  // flat during every session: positions recorded at closes equal the entries of that close
  for (let t = 0; t < 250; t++) {
    const e = entries.find((f) => f.bar === t);
    assert.equal(res.positions[t], e ? e.qty : 0);
  }
});

Deno.test("momentum targets: legs of equal weight, gross as asked, NaN between rebalances", () => {
  const p = syntheticPanel({ symbols: 10, bars: 100, seed: 3 });
  const w = momentumTargets(p, {
    lookback: 20,
    skip: 5,
    quantile: 0.2,
    rebalanceEvery: 10,
    gross: 1,
  });
  const at = (t: number) => Array.from({ length: 10 }, (_, s) => w[s * 100 + t]!);
  assert.ok(at(19).every(Number.isNaN));
  const r = at(20);
  assert.equal(r.filter((x) => x > 0).length, 2);
  assert.equal(r.filter((x) => x < 0).length, 2);
  assert.ok(Math.abs(r.reduce((a, b) => a + Math.abs(b), 0) - 1) < 1e-12);
  assert.ok(Math.abs(r.reduce((a, b) => a + b, 0)) < 1e-12);
  assert.ok(at(21).every(Number.isNaN));
  assert.throws(() => momentumTargets(p, { lookback: 5, skip: 5 }), RangeError);
  // the replay strategy reproduces the vectorised engine
  const ev = runBacktest(p, targetStrategy(p, w), {});
  const vec = backtestVectorized(p, [w], { targetKind: "weight" }).curves[0]!;
  for (let t = 0; t < 100; t++) assert.ok(Math.abs(ev.equity[t]! - vec.equity[t]!) <= 0.005);
});

Deno.test("overnight strategy on intraday bars: signal at the second-to-last bar, MOC entry, next-open exit", () => {
  // 3 sessions x 4 bars; threshold -10 makes every computed signal a long entry
  const closes = [
    [100, 101, 102, 103],
    [104, 103, 104, 105],
    [106, 105, 104, 103],
  ];
  const day = Int32Array.from({ length: 12 }, (_, i) => Math.floor(i / 4));
  const flat = closes.flat();
  const opens = flat.map((c, i) => (i % 4 === 0 ? c - 0.5 : flat[i - 1]!));
  const p = makePanel({
    symbols: ["SPY"],
    tsMs: Array.from(
      { length: 12 },
      (_, i) => Date.UTC(2024, 0, 2 + Math.floor(i / 4), 15, (i % 4) * 30),
    ),
    open: [opens],
    close: [flat],
    day,
  });
  const r2 = runBacktest(
    p,
    overnightStrategy({ lookback: 1, threshold: -10, volWindow: 1, day, allowShort: false }),
    {
      costs: { participationCap: Infinity },
    },
  );
  const entries = r2.fills.filter((f) => f.tag === "overnight-entry").map((f) => [f.bar, f.price]);
  const exits = r2.fills.filter((f) => f.tag === "overnight-exit").map((f) => [f.bar, f.price]);
  // volWindow 1 needs one earlier session: session 1's signal (bar 6) enters at bar 7's close,
  // exits at bar 8's open; session 2's entry fills at bar 11 (last bar), no exit bar left.
  assert.deepEqual(entries.map((e) => e[0]), [7, 11]);
  assert.equal(entries[0]![1], 105);
  assert.deepEqual(exits, [[8, opens[8]!]]);
});

Deno.test("resampleToSessions: last-bar equity, summed costs, one row per session", () => {
  const p = syntheticPanel({ symbols: 2, bars: 12, seed: 1 });
  const day = Int32Array.from({ length: 12 }, (_, i) => Math.floor(i / 3));
  const res = runBacktest({ ...p, day }, {
    onBar: (ctx) => void ctx.orderTarget(ctx.t % 2, ctx.t % 3 === 0 ? 10 : 0),
  }, { costs: { halfSpreadBps: 5, participationCap: Infinity } });
  const d = resampleToSessions(res, day);
  assert.equal(d.equity.length, 4);
  assert.deepEqual(Array.from(d.equity), [2, 5, 8, 11].map((t) => res.equity[t]!));
  assert.deepEqual(Array.from(d.tsMs), [0, 3, 6, 9].map((t) => p.tsMs[t]!));
  const total = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(total(d.costs.spread) - total(res.costs.spread)) < 1e-9);
  assert.ok(total(res.costs.spread) > 0);
  assert.equal(d.positions[1 * 4 + 1], res.positions[1 * 12 + 5]);
  assert.throws(() => resampleToSessions(res, new Int32Array(3)), RangeError);
});

Deno.test("momentum leg size: floor(names x quantile); fewest names giving one name per leg", async () => {
  const { momentumLegNames, momentumMinNames, momentumCannotTrade } = await import(
    "../../lib/backtest/mod.ts"
  );
  // hand-worked: 2 x 0.25 = 0.5 -> 0; 12 x 0.25 = 3; 2 x 0.5 = 1
  assert.equal(momentumLegNames(2, 0.25), 0);
  assert.equal(momentumLegNames(12, 0.25), 3);
  assert.equal(momentumLegNames(2, 0.5), 1);
  // 1/0.25 = 4; 1/0.3 = 3.33 -> 4 (3 x 0.3 = 0.9); 1/0.2 = 5; 0.1 -> 10; 0.07 -> 15 (14 x 0.07 = 0.98)
  assert.equal(momentumMinNames(0.25), 4);
  assert.equal(momentumMinNames(0.3), 4);
  assert.equal(momentumMinNames(0.2), 5);
  assert.equal(momentumMinNames(0.1), 10);
  assert.equal(momentumMinNames(0.07), 15);
  assert.equal(momentumMinNames(0.5), 2);
  const r = momentumCannotTrade(2, 500, { quantile: 0.25 });
  assert.ok(r !== null);
  assert.match(r, /quantile 0\.25 of 2 names selects 0 names per leg/);
  assert.match(r, /long\/short legs need at least 4 names/);
  assert.match(r, /quantile of at least 0\.5 with 2 names/);
  assert.match(
    momentumCannotTrade(3, 500, { quantile: 0.2, longOnly: true })!,
    /long leg needs at least 5/,
  );
  assert.equal(momentumCannotTrade(4, 500, { quantile: 0.25 }), null);
  assert.match(
    momentumCannotTrade(12, 100, { quantile: 0.25, lookback: 126 })!,
    /lookback 126 .* 100 bars/,
  );
  assert.equal(momentumCannotTrade(12, 127, { quantile: 0.25, lookback: 126 }), null);
});

Deno.test("momentum targets: 2 names at quantile 0.25 hold nothing; at 0.5 one long, one short", async () => {
  const { momentumTargets, syntheticPanel } = await import("../../lib/backtest/mod.ts");
  const p = syntheticPanel({ symbols: 2, bars: 60, seed: 4 });
  const none = momentumTargets(p, { lookback: 20, skip: 2, quantile: 0.25, rebalanceEvery: 10 });
  assert.ok(none.every((v) => Number.isNaN(v) || v === 0));
  const one = momentumTargets(p, { lookback: 20, skip: 2, quantile: 0.5, rebalanceEvery: 10 });
  const n = 60;
  // at bar 20 one symbol is +0.5 (gross 1, half long) and the other -0.5
  assert.deepEqual([Math.abs(one[20]!), Math.abs(one[n + 20]!)], [0.5, 0.5]);
  assert.equal(one[20]! + one[n + 20]!, 0);
});
