import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { runTraining, selectConfig, type TrainSpec } from "../../lib/models/train.ts";
import { getModel, loadModel } from "../../lib/models/registry.ts";
import {
  deflatedSharpe,
  memoryLedgerStore,
  pbo,
  readTrials,
  sharpeStats,
} from "../../lib/validation/mod.ts";
import { matrixFromColumns } from "../../lib/models/matrix.ts";
import { simSpyTrainData } from "./_sim_spy_train.ts";

const spec: TrainSpec = {
  name: "spy_overnight_ridge",
  question: "models-train-test",
  data: simSpyTrainData("spy_overnight_test"),
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

const TOL = 1e-12;

Deno.test("selectConfig: highest finite Sharpe; NaN (no dispersion) never selected; ties keep the first", () => {
  // hand-worked: the first configuration had no dispersion (Sharpe NaN); a comparison with NaN
  // is false, so "keep a unless b > a" kept the NaN configuration as the best
  assertEquals(selectConfig([{ sharpe: NaN }, { sharpe: -0.1 }, { sharpe: 0.02 }]), 2);
  assertEquals(selectConfig([{ sharpe: 0.3 }, { sharpe: NaN }, { sharpe: 0.3 }]), 0);
  assertEquals(selectConfig([{ sharpe: -0.5 }]), 0);
  let msg = "";
  try {
    selectConfig([{ sharpe: NaN }, { sharpe: NaN }]);
  } catch (e) {
    msg = (e as Error).message;
  }
  assert(/none of the 2 has a defined Sharpe/.test(msg), msg);
});

Deno.test("train: selection by OOS Sharpe, its score rank, and DSR / PBO counting every trial of the question", async () => {
  const root = await Deno.makeTempDir({ prefix: "models_train_sel_" });
  try {
    const store = memoryLedgerStore();
    const three: TrainSpec = {
      ...spec,
      question: "models-train-selection",
      register: false,
      model: { kind: "ridge", grid: [{ alpha: 1 }, { alpha: 100 }, { alpha: 10000 }] },
    };
    const s = await runTraining(three, { root, outDir: `${root}/export`, ledger: { store } });
    const srs = s.configs.map((c) => c.sharpe);
    // selected = argmax of the per-period Sharpe, worked out here from the configs' returns
    const own = s.configs.map((c) => sharpeStats(c.returns).sr);
    own.forEach((v, i) => assert(Math.abs(v - srs[i]!) <= TOL, `${v} vs ${srs[i]}`));
    const argmax = own.indexOf(Math.max(...own));
    assertEquals(s.selection.index, argmax);
    assertEquals(s.best.trialId, s.configs[argmax]!.trialId);
    assertEquals(s.selection.criterion, "oos_sharpe");
    // rank by mean score, counted here
    const better = s.configs.filter((c) => c.scoreMean > s.best.scoreMean).length;
    assertEquals(s.selection.scoreRank, better + 1);
    // DSR with N = 3 trials and V = sample variance (ddof 1) of the three per-period Sharpes
    assertEquals(s.selection.trials, 3);
    const m = (own[0]! + own[1]! + own[2]!) / 3;
    const v = own.reduce((a, x) => a + (x - m) ** 2, 0) / 2;
    assert(Math.abs(s.selection.srVariance - v) <= 1e-15, `${s.selection.srVariance} vs ${v}`);
    const st = sharpeStats(s.best.returns);
    const dsr3 = deflatedSharpe({
      sr: st.sr,
      trials: 3,
      srVariance: v,
      observations: st.observations,
      skew: st.skew,
      kurtosis: st.kurtosis,
    });
    assert(Math.abs(s.selection.dsr - dsr3) <= TOL, `${s.selection.dsr} vs ${dsr3}`);
    // with 3 trials the selected Sharpe is deflated: DSR below the one-trial PSR against 0
    const dsr1 = deflatedSharpe({ ...st, sr: st.sr, trials: 1, srVariance: v });
    assert(s.selection.dsr < dsr1, `${s.selection.dsr} !< ${dsr1}`);
    // PBO over the three trials' return matrix (CSCV, 16 partitions)
    const p = pbo(s.configs.map((c) => c.returns), { partitions: 16 }).pbo;
    assert(Math.abs(s.selection.pbo - p) <= TOL, `${s.selection.pbo} vs ${p}`);
    // a later run of one more configuration under the same question: N = 4
    const more = await runTraining({ ...three, model: { kind: "ridge", grid: [{ alpha: 10 }] } }, {
      root,
      outDir: `${root}/export2`,
      ledger: { store },
    });
    assertEquals(more.selection.trials, 4);
    assertEquals((await readTrials("models-train-selection", { store })).length, 4);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
