import assert from "node:assert/strict";
import {
  backtestVectorized,
  momentumTargets,
  overnightStrategy,
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
