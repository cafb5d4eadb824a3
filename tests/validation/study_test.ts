import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { overnightGrid, overnightReturns, runSelectionStudy } from "../../lib/validation/study.ts";
import { memoryLedgerStore, readTrials } from "../../lib/validation/ledger.ts";
import { generateWorld } from "../../lib/sources/sim/world.ts";
import { NULL_EFFECTS } from "../../lib/sources/sim/config.ts";

const ATOL = 1e-12;

Deno.test("overnightReturns: hand-worked positions, holding periods and costs", () => {
  const id = new Float64Array([0.01, -0.01, 0.01, -0.01, 0.01, -0.01, 0.02]);
  const on = new Float64Array(7).fill(0.002);
  const o = { volWindow: 4, warmup: 5, costBps: 1 };
  // day 5 follows an up session (p = +1), day 6 a down session (p = -1); overnight cost 2 x 1bp
  const a = overnightReturns(id, on, { lookback: 1, threshold: 0, hold: "overnight" }, o);
  assertEquals(a.length, 2);
  assertAlmostEquals(a[0]!, 0.002 - 0.0002, ATOL);
  assertAlmostEquals(a[1]!, -0.002 - 0.0002, ATOL);
  // close to close: (1.002)(0.99) - 1 - 1bp; then -((1.002)(1.02) - 1) - 2bp (flip +1 -> -1)
  const b = overnightReturns(id, on, { lookback: 1, threshold: 0, hold: "close_to_close" }, o);
  assertAlmostEquals(b[0]!, 1.002 * 0.99 - 1 - 0.0001, ATOL);
  assertAlmostEquals(b[1]!, -(1.002 * 1.02 - 1) - 0.0002, ATOL);
  // |z| = 0.01 / sd(+-0.01 x 4) = 0.866 < 1: no position, no cost
  const c = overnightReturns(id, on, { lookback: 1, threshold: 1, hold: "overnight" }, o);
  assertEquals(Array.from(c), [0, 0]);
  assertThrows(
    () => overnightReturns(id, on.subarray(1), { lookback: 1, threshold: 0, hold: "overnight" }),
    RangeError,
  );
  assertThrows(
    () =>
      overnightReturns(id, on, { lookback: 3, threshold: 0, hold: "overnight" }, {
        volWindow: 4,
        warmup: 5,
      }),
    RangeError,
    "warmup",
  );
});

Deno.test("overnightReturns: no look-ahead (changing day d's data leaves returns before d unchanged)", () => {
  const n = 300;
  const id = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 0.01);
  const on = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.9) * 0.004);
  const cfg = { lookback: 5, threshold: 0.5, hold: "close_to_close" as const };
  const base = overnightReturns(id, on, cfg);
  const id2 = id.slice(), on2 = on.slice();
  id2[200] = 0.05;
  on2[200] = -0.03;
  const moved = overnightReturns(id2, on2, cfg);
  const warmup = 90;
  for (let d = warmup; d < 200; d++) assertEquals(moved[d - warmup], base[d - warmup]);
});

Deno.test("runSelectionStudy: the gate rejects the null world's best and accepts the planted effect", async () => {
  assertEquals(overnightGrid().length, 60);
  const verdicts: Record<string, string> = {};
  for (const [name, effects] of [["null", NULL_EFFECTS], ["planted", {}]] as const) {
    const w = generateWorld({
      seed: 2,
      start: "2004-01-02",
      end: "2023-12-29",
      equityCount: 0,
      effects,
    });
    const d = w.spyDaily;
    const store = memoryLedgerStore();
    const r = await runSelectionStudy(
      {
        question: name,
        days: d.days,
        intraday: d.retIntraday,
        overnight: d.retOvernight,
        dataManifest: name,
      },
      { store },
    );
    assertEquals((await readTrials(name, { store })).length, 60);
    assertEquals(r.trials.trials, 60);
    verdicts[name] = r.gate.verdict;
    if (name === "planted") {
      assertEquals(r.configs[r.best]!.lookback, 1); // the planted predictor is yesterday's session
      assert(r.pbo.pbo <= 0.05);
    } else {
      assert(r.pbo.pbo > 0.05, `null PBO ${r.pbo.pbo}`);
    }
    // DSR falls as the number of trials grows
    for (let i = 1; i < r.dsrByTrials.length; i++) {
      assert(r.dsrByTrials[i]! <= r.dsrByTrials[i - 1]!);
    }
  }
  assertEquals(verdicts, { null: "no-go", planted: "go" });
});
