import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../_assert.ts";
import {
  canonicalJson,
  lakeLedgerStore,
  memoryLedgerStore,
  readTrials,
  recordTrial,
  recordTrials,
  trialId,
  trialReturnMatrix,
  trialStats,
} from "../../lib/validation/ledger.ts";
import { deflatedSharpe } from "../../lib/validation/sharpe.ts";
import { pbo } from "../../lib/validation/pbo.ts";
import { Rng } from "../../lib/core/mod.ts";

const ATOL = 1e-12;

function base(params: Record<string, unknown>, returns: number[]) {
  return { question: "q1", codeVersion: "abc123", dataManifest: "m1", params, returns };
}

Deno.test("canonicalJson / trialId: key order does not matter, content does", async () => {
  assertEquals(
    canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: "s" } }),
    '{"a":{"c":"s","d":[1,{"x":1,"y":2}]},"b":1}',
  );
  const a = await trialId(base({ x: 1, y: 2 }, []));
  const b = await trialId(base({ y: 2, x: 1 }, []));
  assertEquals(a, b);
  assertEquals(a.length, 64);
  assert(a !== await trialId(base({ x: 1, y: 3 }, [])));
  assert(a !== await trialId({ ...base({ x: 1, y: 2 }, []), codeVersion: "def456" }));
  assert(a !== await trialId({ ...base({ x: 1, y: 2 }, []), question: "q2" }));
});

Deno.test("recordTrial: summary statistics, append-only duplicates, per-question reads", async () => {
  const store = memoryLedgerStore();
  const now = new Date("2026-01-02T00:00:00Z");
  const r1 = await recordTrial(base({ k: 1 }, [0.01, -0.01, 0.02]), { store, now });
  assertEquals(r1.duplicate, false);
  // hand-worked: SR = (0.02/3) / sqrt(21/90000)
  assertAlmostEquals(r1.record.sharpe, (0.02 / 3) / Math.sqrt(21 / 90000), ATOL);
  assertEquals(r1.record.observations, 3);
  assertEquals(r1.record.periodsPerYear, 252);
  // same configuration, different returns: kept as first recorded
  const again = await recordTrial(base({ k: 1 }, [0.5, 0.5, 0.4]), { store });
  assertEquals(again.duplicate, true);
  assertEquals(
    (await readTrials("q1", { store }))[0]!.returns,
    Float64Array.from([0.01, -0.01, 0.02]),
  );
  await recordTrial(base({ k: 2 }, [0.0, 0.01, 0.0]), { store });
  await recordTrial({ ...base({ k: 1 }, [0.01, 0.02]), question: "q2" }, { store });
  assertEquals((await readTrials("q1", { store })).length, 2);
  assertEquals((await readTrials("q2", { store })).length, 1);
  assertEquals((await readTrials("none", { store })).length, 0);
});

Deno.test("recordTrials: one batch, duplicates within the batch and the ledger skipped", async () => {
  const store = memoryLedgerStore();
  await recordTrial(base({ k: 0 }, [0.01, 0.02]), { store });
  const res = await recordTrials(
    [base({ k: 0 }, [0.01, 0.02]), base({ k: 1 }, [0.01, 0.03]), base({ k: 1 }, [0.5, 0.5])],
    { store },
  );
  assertEquals(res.map((r) => r.duplicate), [true, false, true]);
  assertEquals((await readTrials("q1", { store })).length, 2);
  assertEquals(await recordTrials([], { store }), []);
  // a bad trial anywhere in the batch writes nothing
  await assertRejects(
    () => recordTrials([base({ k: 5 }, [0.1, 0.2]), base({ k: 6 }, [NaN])], { store }),
    RangeError,
  );
  assertEquals((await readTrials("q1", { store })).length, 2);
});

Deno.test("recordTrial: bad inputs", async () => {
  const store = memoryLedgerStore();
  await assertRejects(() => recordTrial(base({}, []), { store }), RangeError, "no returns");
  await assertRejects(() => recordTrial(base({}, [0.1, NaN]), { store }), RangeError, "index 1");
  await assertRejects(
    () => recordTrial({ ...base({}, [0.1]), question: "" }, { store }),
    RangeError,
    "question",
  );
  await assertRejects(
    () => recordTrial({ ...base({}, [0.1, 0.2]), periods: ["2024-01-02"] }, { store }),
    RangeError,
    "1 periods for 2 returns",
  );
});

Deno.test("trialStats: N and ddof-1 variance of Sharpe across trials feed DSR", async () => {
  const store = memoryLedgerStore();
  // three trials with per-period Sharpe 0.4364 (hand), 0.5773 ([0,0.01,0]: mean 1/300, sd 1/sqrt(30000)*...)
  const series = [[0.01, -0.01, 0.02], [0.0, 0.01, 0.0], [0.02, 0.0, -0.01, 0.01]];
  for (const [i, r] of series.entries()) await recordTrial(base({ i }, r), { store });
  const recs = await readTrials("q1", { store });
  const st = trialStats(recs);
  assertEquals(st.trials, 3);
  const srs = recs.map((r) => r.sharpe);
  const m = (srs[0]! + srs[1]! + srs[2]!) / 3;
  const v = srs.reduce((s, x) => s + (x - m) ** 2, 0) / 2;
  assertAlmostEquals(st.srVariance, v, ATOL);
  assertAlmostEquals(st.srMean, m, ATOL);
  // [0, 0.01, 0]: mean 1/300, var = (2 (1/300)^2 + (2/300)^2) / 2 = 3/90000 -> SR = 1/sqrt(3)
  assertAlmostEquals(srs[1]!, 1 / Math.sqrt(3), ATOL);
  assertEquals(st.bestSharpe, srs[1]);
  const d = deflatedSharpe({
    sr: st.bestSharpe,
    trials: st.trials,
    srVariance: st.srVariance,
    observations: 3,
  });
  assert(d > 0 && d < 1);
  assertThrows(() => trialStats([]), RangeError, "no trials");
  const one = trialStats(recs.slice(0, 1));
  assertEquals(one.srVariance, 0);
  const mixed = recs.map((r, i) => ({ ...r, periodsPerYear: i === 0 ? 12 : 252 }));
  assertThrows(() => trialStats(mixed), RangeError, "periods per year");
  const constant = await recordTrial(base({ c: 1 }, [0.01]), { store });
  assertThrows(() => trialStats([constant.record]), RangeError, "Sharpe NaN");
});

Deno.test("trialReturnMatrix: by position, or on common periods", async () => {
  const store = memoryLedgerStore();
  await recordTrial({ ...base({ a: 1 }, [1, 2, 3]), periods: ["d1", "d2", "d3"] }, { store });
  await recordTrial({ ...base({ a: 2 }, [20, 30, 40]), periods: ["d2", "d3", "d4"] }, { store });
  const recs = await readTrials("q1", { store });
  const aligned = trialReturnMatrix(recs);
  assertEquals(aligned.periods, ["d2", "d3"]);
  assertEquals(Array.from(aligned.matrix.values), [2, 20, 3, 30]);
  const noPeriods = recs.map((r) => ({ ...r, periods: null }));
  const byPos = trialReturnMatrix(noPeriods);
  assertEquals(Array.from(byPos.matrix.values), [1, 20, 2, 30, 3, 40]);
  assertEquals(byPos.trialIds, recs.map((r) => r.trialId));
  const ragged = [noPeriods[0]!, { ...noPeriods[1]!, returns: new Float64Array(2) }];
  assertThrows(() => trialReturnMatrix(ragged), RangeError, "has 2 returns");
  assertThrows(() => trialReturnMatrix([]), RangeError, "no trials");
});

Deno.test("lakeLedgerStore: records round-trip through the lake, duplicates not rewritten", async () => {
  const root = await Deno.makeTempDir({ prefix: "ledger_" });
  try {
    const store = lakeLedgerStore({ root });
    const rng = new Rng(4);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const returns = Array.from(rng.normals(64), (z) => 0.01 * z + (i === 2 ? 0.01 : 0));
      const periods = returns.map((_, t) => 1_700_000_000_000 + t * 86_400_000);
      const r = await recordTrial(
        { ...base({ i }, returns), periods },
        { store, now: new Date(Date.UTC(2026, 0, 1 + i)) },
      );
      ids.push(r.record.trialId);
    }
    const dup = await recordTrial(base({ i: 0 }, [1, 2]), { root });
    assertEquals(dup.duplicate, true);
    const recs = await readTrials("q1", { root });
    assertEquals(recs.map((r) => r.trialId), ids);
    assertEquals(recs[0]!.recordedAt.toISOString(), "2026-01-01T00:00:00.000Z");
    assertEquals(recs[3]!.periods!.length, 64);
    assertEquals(recs[0]!.paramsJson, '{"i":0}');
    // returns survive exactly (shortest round-trip JSON)
    const mem = memoryLedgerStore();
    const rng2 = new Rng(4);
    const first = Array.from(rng2.normals(64), (z) => 0.01 * z);
    await recordTrial(base({ i: 0 }, first), { store: mem });
    assertEquals(recs[0]!.returns, (await readTrials("q1", { store: mem }))[0]!.returns);
    const st = trialStats(recs);
    assertEquals(st.trials, 5);
    assertEquals(st.bestTrialId, ids[2]);
    const { matrix } = trialReturnMatrix(recs);
    assertEquals(matrix.rows, 64);
    assertEquals(pbo(matrix, { partitions: 4 }).combinations, 6);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
