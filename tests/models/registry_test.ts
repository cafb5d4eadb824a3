import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import {
  getModel,
  listModels,
  loadModel,
  promoteModel,
  PromotionError,
  type RegisterInput,
  registerModel,
  retireModel,
} from "../../lib/models/registry.ts";
import { fitRidge } from "../../lib/models/linear.ts";
import { exportOnnx } from "../../lib/models/onnx_export.ts";
import { FeatureMismatchError, tabularManifest } from "../../lib/models/feature_manifest.ts";
import { matrixFromColumns } from "../../lib/models/matrix.ts";
import { memoryLedgerStore, recordTrials } from "../../lib/validation/mod.ts";
import { Rng } from "../../lib/core/mod.ts";

const rng = new Rng(21);
const cols = {
  ret_1d: Array.from({ length: 50 }, () => rng.normal()),
  vol_20d: Array.from({ length: 50 }, () => rng.normal()),
  rsi_14: Array.from({ length: 50 }, () => rng.normal()),
};
const x = matrixFromColumns(cols);
const y = cols.ret_1d.map((v, i) => v - cols.vol_20d[i]! + 0.1 * rng.normal());
const ridge = fitRidge(x, y);
const strong = Array.from({ length: 400 }, () => 0.002 + 0.006 * rng.normal());
const noise = Array.from({ length: 400 }, () => 0.01 * rng.normal());

function input(oosReturns: number[], extra: Partial<RegisterInput> = {}): RegisterInput {
  return {
    name: "spy_overnight_ridge",
    onnx: exportOnnx(ridge),
    manifest: tabularManifest(x.names),
    modelKind: "ridge",
    task: "regression",
    trainingDataHash: "sha256:abc",
    params: { alpha: 1 },
    cpcvMetrics: { r2_mean: 0.1 },
    question: "models-test",
    trialId: "t1",
    oosReturns,
    netOfCosts: true,
    ...extra,
  };
}

async function withRoot(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "models_registry_" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("registry: register, list, show, load; versions count up; files in the lake layout", async () => {
  await withRoot(async (root) => {
    const now = new Date("2026-01-02T03:04:05Z");
    const v1 = await registerModel(input(strong), { root, now });
    const v2 = await registerModel(input(noise, { trialId: "t2" }), { root, now });
    assertEquals([v1.version, v2.version], [1, 2]);
    assertEquals(v1.stage, "challenger");
    assertEquals(listModels(undefined, { root }).map((e) => [e.version, e.stage]), [[
      1,
      "challenger",
    ], [2, "challenger"]]);
    const card = getModel("spy_overnight_ridge", 2, { root });
    assertEquals(card.trialId, "t2");
    assertEquals(card.createdAt, now.toISOString());
    await Deno.stat(`${root}/reference/models/spy_overnight_ridge/1/model.onnx`);
    await Deno.stat(`${root}/reference/models/index.json`);
    const m = await loadModel("spy_overnight_ridge", 1, { root });
    try {
      const p = await m.predict(x);
      assertEquals(p.length, 50);
    } finally {
      await m.release();
    }
  });
});

Deno.test("registry: a registered model refuses a wrong feature order or dtype, naming it", async () => {
  await withRoot(async (root) => {
    await registerModel(input(strong), { root });
    const m = await loadModel("spy_overnight_ridge", 1, { root });
    try {
      const wrong = matrixFromColumns({
        vol_20d: cols.vol_20d,
        ret_1d: cols.ret_1d,
        rsi_14: cols.rsi_14,
      });
      const e = await assertRejects(
        () => m.predict(wrong),
        FeatureMismatchError,
        "position 0: got vol_20d",
      );
      assert(e.message.includes("expects ret_1d"), e.message);
      await assertRejects(
        () => m.run({ features: { data: new Float64Array(3), dims: [1, 3] } }),
        FeatureMismatchError,
        "dtype float64",
      );
    } finally {
      await m.release();
    }
  });
});

Deno.test("registry: a model whose manifest disagrees with its ONNX inputs is not registered", async () => {
  await withRoot(async (root) => {
    await assertRejects(
      () => registerModel(input(strong, { manifest: tabularManifest(["a", "b", "c"]) }), { root }),
      FeatureMismatchError,
    );
    assertEquals(listModels(undefined, { root }).length, 0);
  });
});

Deno.test("registry: promotion only through the gate; champion replaced and retired", async () => {
  await withRoot(async (root) => {
    const store = memoryLedgerStore();
    const periods = strong.map((_, i) => i);
    await recordTrials([
      {
        question: "models-test",
        codeVersion: "c",
        dataManifest: "d",
        params: { a: 1 },
        returns: strong,
        periods,
        kind: "model",
      },
      {
        question: "models-test",
        codeVersion: "c",
        dataManifest: "d",
        params: { a: 2 },
        returns: noise,
        periods,
        kind: "model",
      },
      {
        question: "models-test",
        codeVersion: "c",
        dataManifest: "d",
        params: { a: 3 },
        returns: noise.map((v) => -v),
        periods,
        kind: "model",
      },
    ], { store });
    const ledger = { store };
    await registerModel(input(noise), { root });
    const e = await assertRejects(
      () => promoteModel("spy_overnight_ridge", 1, { root, ledger }),
      PromotionError,
      "no-go",
    );
    assert(
      (e as PromotionError).result.criteria.some((c) => c.name === "sharpe" && c.status === "fail"),
    );
    assertEquals(getModel("spy_overnight_ridge", 1, { root }).stage, "challenger");
    assertEquals(getModel("spy_overnight_ridge", 1, { root }).gate?.verdict, "no-go");
    assertThrows(
      () => getModel("spy_overnight_ridge", "champion", { root }),
      RangeError,
      "no champion",
    );

    await registerModel(input(strong), { root });
    const go = await promoteModel("spy_overnight_ridge", 2, { root, ledger });
    assertEquals(go.verdict, "go");
    assertEquals(getModel("spy_overnight_ridge", "champion", { root }).version, 2);

    await registerModel(input(strong, { trialId: "t3" }), { root });
    await promoteModel("spy_overnight_ridge", 3, { root, ledger });
    const v2 = getModel("spy_overnight_ridge", 2, { root });
    assertEquals(v2.stage, "retired");
    assertEquals(v2.history.map((h) => h.to), ["challenger", "champion", "retired"]);
    await assertRejects(
      () => promoteModel("spy_overnight_ridge", 2, { root, ledger }),
      RangeError,
      "retired",
    );
    await retireModel("spy_overnight_ridge", 1, "lost to v2", { root });
    assertEquals(listModels("spy_overnight_ridge", { root }).map((m) => m.stage), [
      "retired",
      "retired",
      "champion",
    ]);
  });
});

Deno.test("registry: bad names and unknown models", async () => {
  await withRoot(async (root) => {
    await assertRejects(
      () => registerModel(input(strong, { name: "Bad-Name" }), { root }),
      RangeError,
      "must match",
    );
    await assertRejects(() => registerModel(input([NaN]), { root }), RangeError, "non-finite");
    assertThrows(() => getModel("nope", 1, { root }), RangeError, "No model named nope");
  });
});

Deno.test("registry: an external ONNX model (PatchTST fixture) registers and runs with its manifest", async () => {
  await withRoot(async (root) => {
    const fixtures = new URL("../fixtures/models/", import.meta.url);
    const io = JSON.parse(await Deno.readTextFile(new URL("patchtst_tiny_io.json", fixtures)));
    const onnx = await Deno.readFile(new URL("patchtst_tiny.onnx", fixtures));
    await registerModel(
      input(strong, {
        name: "spy_patchtst",
        onnx,
        manifest: {
          inputs: [{ name: "windows", dtype: "float32", shape: ["N", 32, 3] }],
          features: [],
        },
        modelKind: "patchtst",
      }),
      { root },
    );
    const m = await loadModel("spy_patchtst", 1, { root });
    try {
      const res = await m.run({
        windows: { data: Float32Array.from(io.input.slice(0, 96)), dims: [1, 32, 3] },
      });
      for (let c = 0; c < 3; c++) {
        assert(Math.abs(Number(res.forecast!.data[c]!) - io.output[c]) <= 1e-4);
      }
      await assertRejects(() => m.predict(x), FeatureMismatchError, "tabular");
    } finally {
      await m.release();
    }
  });
});
