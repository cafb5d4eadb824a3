import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../_assert.ts";
import { goNoGo, ledgerEvidence } from "../../lib/validation/gate.ts";
import { deflatedSharpe, sharpeStats } from "../../lib/validation/sharpe.ts";
import { memoryLedgerStore, recordTrials } from "../../lib/validation/ledger.ts";
import { pbo } from "../../lib/validation/pbo.ts";
import { Rng } from "../../lib/core/mod.ts";

/** A 3-year daily series with annualised Sharpe about 2 and small drawdowns. */
function strong(seed = 1): Float64Array {
  const rng = new Rng(seed);
  return rng.normals(756).map((z) => 0.0006 + 0.005 * z);
}

const GOOD = {
  trials: { trials: 10, srVariance: 0.0004 },
  pbo: 0.01,
  outOfSample: true,
  netOfCosts: true,
};

Deno.test("goNoGo: a strong out-of-sample result passes every default criterion", () => {
  const r = strong();
  const res = goNoGo({ returns: r, ...GOOD });
  assertEquals(res.criteria.map((c) => c.name), [
    "sharpe",
    "max_drawdown",
    "deflated_sharpe",
    "pbo",
    "out_of_sample",
    "net_of_costs",
  ]);
  for (const c of res.criteria) assertEquals(c.status, "pass", c.note);
  assertEquals(res.verdict, "go");
  const st = sharpeStats(r);
  assertAlmostEquals(res.sharpeAnnualized, st.sr * Math.sqrt(252), 1e-12);
  assertAlmostEquals(
    res.dsr,
    deflatedSharpe({
      sr: st.sr,
      trials: 10,
      srVariance: 0.0004,
      observations: 756,
      skew: st.skew,
      kurtosis: st.kurtosis,
    }),
    1e-15,
  );
  assert(res.expectedMaxSharpeAnnualized > 0);
});

Deno.test("goNoGo: each criterion fails on its own", () => {
  const r = strong();
  const fail = (res: ReturnType<typeof goNoGo>) =>
    res.criteria.filter((c) => c.status === "fail").map((c) => c.name);
  // weak Sharpe
  const weak = new Rng(2).normals(756).map((z) => -0.0002 + 0.005 * z);
  assert(fail(goNoGo({ returns: weak, ...GOOD })).includes("sharpe"));
  // a -30% day
  const crash = r.slice();
  crash[100] = -0.3;
  assertEquals(fail(goNoGo({ returns: crash, ...GOOD })).includes("max_drawdown"), true);
  // many trials with widely spread Sharpe ratios: the observed SR is no better than luck
  const lucky = goNoGo({ returns: r, ...GOOD, trials: { trials: 1000, srVariance: 0.01 } });
  assertEquals(fail(lucky), ["deflated_sharpe"]);
  assertEquals(lucky.verdict, "no-go");
  assert(lucky.dsr <= 0.5);
  assertEquals(fail(goNoGo({ returns: r, ...GOOD, pbo: 0.2 })), ["pbo"]);
  assertEquals(fail(goNoGo({ returns: r, ...GOOD, outOfSample: false })), ["out_of_sample"]);
  assertEquals(fail(goNoGo({ returns: r, ...GOOD, netOfCosts: undefined })), ["net_of_costs"]);
  // missing evidence fails, never passes
  const missing = goNoGo({ returns: r, outOfSample: true, netOfCosts: true });
  assertEquals(fail(missing), ["deflated_sharpe", "pbo"]);
  assert(missing.criteria[2]!.note.includes("not provided"));
});

Deno.test("goNoGo: thresholds configurable, null skips, strict DSR is one option away", () => {
  const r = strong();
  const res = goNoGo({ returns: r, ...GOOD, pbo: 0.2 }, { maxPbo: 0.25, minSharpe: 3 });
  assertEquals(res.criteria.find((c) => c.name === "pbo")!.status, "pass");
  assertEquals(res.criteria.find((c) => c.name === "sharpe")!.status, "fail");
  const skip = goNoGo({ returns: r }, { minDsr: null, maxPbo: null, requireOosNet: false });
  assertEquals(skip.verdict, "go");
  assertEquals(skip.criteria.filter((c) => c.status === "skipped").length, 4);
  // a DSR between 0.5 and 0.95 passes the default and fails the strict gate
  const mid = { trials: 200, srVariance: 0.0017 };
  const d = goNoGo({ returns: r, ...GOOD, trials: mid }).dsr;
  assert(d > 0.5 && d < 0.95, `pick a middle case, got ${d}`);
  assertEquals(goNoGo({ returns: r, ...GOOD, trials: mid }).verdict, "go");
  assertEquals(goNoGo({ returns: r, ...GOOD, trials: mid }, { minDsr: 0.95 }).verdict, "no-go");
});

Deno.test("goNoGo: bad inputs (empty, one observation, NaN); constant returns fail Sharpe as 0", () => {
  assertThrows(() => goNoGo({ returns: [] }), RangeError, ">= 2");
  assertThrows(() => goNoGo({ returns: [0.01] }), RangeError, ">= 2");
  assertThrows(() => goNoGo({ returns: [0.01, NaN, 0.02] }), RangeError, "index 1");
  const flat = goNoGo({ returns: new Float64Array(100), ...GOOD });
  assertEquals(flat.sharpeAnnualized, 0);
  assertEquals(flat.verdict, "no-go");
  assert(flat.criteria[2]!.note.includes("zero variance"));
});

Deno.test("ledgerEvidence: N, Sharpe variance and PBO read from the ledger", async () => {
  const store = memoryLedgerStore();
  const rng = new Rng(12);
  const panel = Array.from({ length: 8 }, () => rng.normals(200).map((z) => 0.01 * z));
  await recordTrials(
    panel.map((returns, i) => ({
      question: "q",
      codeVersion: "c",
      dataManifest: "d",
      params: { i },
      returns,
    })),
    { store },
  );
  const ev = await ledgerEvidence("q", { store, partitions: 4 });
  assertEquals(ev.trials.trials, 8);
  const srs = panel.map((p) => sharpeStats(p).sr);
  const m = srs.reduce((a, b) => a + b) / 8;
  assertAlmostEquals(ev.trials.srVariance, srs.reduce((s, x) => s + (x - m) ** 2, 0) / 7, 1e-15);
  assertEquals(ev.pbo, pbo(panel, { partitions: 4 }).pbo);
  const few = await ledgerEvidence("q", { store, partitions: 128 });
  assert(Number.isNaN(few.pbo) && few.pboNote.includes("200 common periods"));
  await assertRejects(() => ledgerEvidence("nope", { store }), RangeError, "no trials");
});
