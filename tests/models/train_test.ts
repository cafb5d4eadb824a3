import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { runTraining, type TrainSpec } from "../../lib/models/train.ts";
import { getModel, loadModel } from "../../lib/models/registry.ts";
import { memoryLedgerStore, readTrials } from "../../lib/validation/mod.ts";
import { matrixFromColumns } from "../../lib/models/matrix.ts";

const spec: TrainSpec = {
  name: "spy_overnight_ridge",
  question: "models-train-test",
  data: {
    name: "spy_overnight_test",
    source: { kind: "sim-spy", seed: 3, start: "2021-01-04", end: "2022-12-30" },
    features: ["ret_intraday", "ret_overnight", "roc_5", "rsi_14"],
    label: { kind: "overnight" },
    trainEnd: "2021-12-31",
    frequency: "1d",
    cpcv: { groups: 4, testGroups: 2, embargoDays: 1 },
  },
  model: { kind: "ridge", grid: [{ alpha: 1 }, { alpha: 100 }] },
  costBps: 0.5,
};

Deno.test("train: CPCV grid -> one ledger trial per config -> best refitted, exported, registered", async () => {
  const root = await Deno.makeTempDir({ prefix: "models_train_" });
  try {
    const store = memoryLedgerStore();
    const s = await runTraining(spec, { root, outDir: `${root}/export`, ledger: { store } });
    assertEquals(s.splits, 6); // C(4, 2)
    assertEquals(s.paths, 3); // C(3, 1)
    assertEquals(s.configs.length, 2);
    const trials = await readTrials("models-train-test", { store });
    assertEquals(trials.length, 2);
    assertEquals(trials.map((t) => t.kind), ["model", "model"]);
    const best = s.configs.reduce((a, b) => (b.sharpe > a.sharpe ? b : a));
    assertEquals(s.best.trialId, best.trialId);
    const card = getModel("spy_overnight_ridge", 1, { root });
    assertEquals(card.stage, "challenger");
    assertEquals(card.trialId, best.trialId);
    assertEquals(card.manifest.features, spec.data.features);
    assertEquals(card.oosReturns.length, trials[0]!.observations);
    assert(Number.isFinite(card.cpcvMetrics.sharpe!));
    const m = await loadModel("spy_overnight_ridge", 1, { root });
    try {
      const z = matrixFromColumns({
        ret_intraday: [0.5],
        ret_overnight: [0],
        roc_5: [0],
        rsi_14: [0],
      });
      assert(Number.isFinite((await m.predict(z))[0]!));
    } finally {
      await m.release();
    }
    // rerunning the same spec records no new trials (same ids) but registers a new version
    await runTraining(spec, { root, outDir: `${root}/export2`, ledger: { store } });
    assertEquals((await readTrials("models-train-test", { store })).length, 2);
    assertEquals(getModel("spy_overnight_ridge", 2, { root }).version, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("train: sim-spy refuses high/low features", async () => {
  const bad = { ...spec, data: { ...spec.data, features: ["atr_14_pct"] } };
  await assertRejects(() => runTraining(bad), RangeError, "high/low");
});

Deno.test("train: no training rows names the data's date range and the spec's trainEnd", async () => {
  // Data from 2022-03-01 (a Tuesday session) to 2022-12-30 (a Friday session); trainEnd before it.
  const late = {
    ...spec,
    data: {
      ...spec.data,
      source: { kind: "sim-spy", seed: 3, start: "2022-03-01", end: "2022-12-30" },
    },
  } as TrainSpec;
  const root = await Deno.makeTempDir({ prefix: "models_train_late_" });
  try {
    const e = await assertRejects(
      () => runTraining(late, { root, outDir: `${root}/export` }),
      RangeError,
    );
    assert(e.message.includes("0 training rows before 2021-12-31"), e.message);
    assert(e.message.includes("2022-03-01..2022-12-30"), e.message);
    assert(e.message.includes("trainEnd"), e.message);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
