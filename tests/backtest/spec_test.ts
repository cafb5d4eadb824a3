import assert from "node:assert/strict";
import { gridConfigs, parseBacktestSpec, runSpec, specCostModel } from "../../lib/backtest/mod.ts";
import { memoryLedgerStore, readTrials } from "../../lib/validation/mod.ts";

const SPEC = {
  question: "test-momentum",
  strategy: "momentum",
  grid: { lookback: [40, 80], skip: [5], quantile: [0.25], rebalanceEvery: [10] },
  data: { source: "synthetic", symbols: 12, bars: 300, seed: 2 },
  pboPartitions: 4,
};

Deno.test("grid: every combination, sorted keys; empty grid is one config", () => {
  assert.deepEqual(gridConfigs({ b: [1, 2], a: [true] }), [{ a: true, b: 1 }, { a: true, b: 2 }]);
  assert.deepEqual(gridConfigs({}), [{}]);
});

Deno.test("spec schema: defaults filled, bad fields rejected with their path", () => {
  const s = parseBacktestSpec(SPEC);
  assert.equal(s.costs.model, "standard");
  assert.equal(specCostModel(s.costs).participationCap, 0.1);
  assert.equal(specCostModel(s.costs).impactCoef, 0.5);
  assert.equal(s.oosFraction, 0.3);
  assert.throws(() => parseBacktestSpec({ ...SPEC, strategy: "magic" }), /strategy/);
  assert.throws(() => parseBacktestSpec({ ...SPEC, oosFraction: 1.5 }), /oosFraction/);
  assert.throws(() => parseBacktestSpec({ ...SPEC, data: { source: "sim" } }), /start/);
});

Deno.test("runSpec records every configuration as a trial and gates the candidate", async () => {
  const store = memoryLedgerStore();
  const out = await runSpec(parseBacktestSpec(SPEC), { store, codeVersion: "test" });
  assert.equal(out.configs.length, 2);
  const trials = await readTrials("test-momentum", { store });
  assert.equal(trials.length, 2);
  assert.equal(out.evidence.trials.trials, 2);
  assert.ok(["go", "no-go"].includes(out.verdict.verdict));
  assert.ok(out.verdict.criteria.some((c) => c.name === "deflated_sharpe"));
  // out-of-sample returns are the last 30% of the candidate's run
  assert.equal(out.oosReturns.length, 300 - Math.floor(300 * 0.7) - 1);
  // rerun: same trial ids, nothing new written
  const again = await runSpec(parseBacktestSpec(SPEC), { store, codeVersion: "test" });
  assert.ok(again.recorded.every((r) => r.duplicate));
  assert.equal((await readTrials("test-momentum", { store })).length, 2);
});

Deno.test("recordBacktestTrial: net returns and dates of a single run go to the ledger", async () => {
  const { recordBacktestTrial, runBacktest, syntheticPanel, momentumTargets, targetStrategy } =
    await import("../../lib/backtest/mod.ts");
  const p = syntheticPanel({ symbols: 6, bars: 120, seed: 3 });
  const res = runBacktest(
    p,
    targetStrategy(p, momentumTargets(p, { lookback: 20, skip: 2, rebalanceEvery: 5 })),
  );
  const store = memoryLedgerStore();
  const rec = await recordBacktestTrial(res, {
    question: "q",
    params: { lookback: 20 },
    dataManifest: "syn:3",
  }, { store });
  assert.equal(rec.record.observations, 119);
  assert.ok(Math.abs(rec.record.returns[0]! - (res.equity[1]! / res.equity[0]! - 1)) < 1e-15);
  assert.equal(rec.record.periods![0], new Date(p.tsMs[1]!).toISOString().slice(0, 10));
  assert.equal((await readTrials("q", { store })).length, 1);
});

Deno.test("momentum on 2 names: a quantile selecting no name is named before running", async () => {
  const base = { ...SPEC, data: { source: "synthetic", symbols: 2, bars: 300, seed: 2 } };
  // every configuration at 0.25: floor(2 x 0.25) = 0 names per leg -> refused, nothing runs
  await assert.rejects(
    () => runSpec(parseBacktestSpec(base), { store: memoryLedgerStore() }),
    /no configuration of strategy momentum can trade: the universe has 2 names .*quantile 0\.25 of 2 names selects 0 names per leg.*at least 4 names/,
  );
  // 0.5 selects one name per leg: those configurations run, the 0.25 ones are reported
  const warnings: string[] = [];
  const out = await runSpec(
    parseBacktestSpec({ ...base, grid: { ...SPEC.grid, quantile: [0.25, 0.5] } }),
    { store: memoryLedgerStore(), onWarning: (m) => warnings.push(m) },
  );
  assert.equal(out.configs.length, 4);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0]!,
    /^momentum: 2 of 4 configurations cannot trade \(the universe has 2 names/,
  );
  const q25 = out.configs.flatMap((c, i) => c.quantile === 0.25 ? [i] : []);
  assert.deepEqual(out.cannotTrade.map((c) => c.index), q25);
  assert.ok(out.cannotTrade.every((c) => /selects 0 names per leg/.test(c.reason)));
  // the untradable ones never traded: not recorded as trials
  assert.deepEqual(out.notRecorded, q25);
  assert.equal(out.configs[out.candidate]!.quantile, 0.5);
  // a universe that can trade reports nothing
  const ok = await runSpec(parseBacktestSpec(SPEC), { store: memoryLedgerStore() });
  assert.deepEqual(ok.cannotTrade, []);
});
