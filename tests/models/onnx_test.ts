import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { fitGbt, fitRandomForest, predictEnsemble } from "../../lib/models/trees.ts";
import { fitLogistic, fitRidge, type LinearModel, predictLinear } from "../../lib/models/linear.ts";
import { exportOnnx, readOnnxMetadata } from "../../lib/models/onnx_export.ts";
import { OnnxModel } from "../../lib/models/onnx_runtime.ts";
import {
  checkFeatureOrder,
  FeatureMismatchError,
  tabularManifest,
} from "../../lib/models/feature_manifest.ts";
import { type Matrix, matrixFromData, takeRows } from "../../lib/models/matrix.ts";
import type { TreeEnsemble } from "../../lib/models/trees.ts";
import { Rng } from "../../lib/core/mod.ts";

/**
 * float32 tolerance: ONNX feeds float32 features and stores float32 weights, so outputs differ
 * from the float64 TypeScript predictions by float32 rounding of the terms: |diff| <= 1e-5 *
 * max(1, |prediction|). Tree paths are identical (float32 comparisons on both sides).
 */
const F32_TOL = 1e-5;
const EQUALITY_ROWS = 100_000;

function dataset(n: number, seed: number): { x: Matrix; y: Float64Array; yb: Float64Array } {
  const cols = 6;
  const rng = new Rng(seed);
  const data = new Float64Array(n * cols);
  for (let k = 0; k < data.length; k++) data[k] = rng.normal();
  // a few NaNs in one column exercise the missing-value branch
  for (let i = 0; i < n; i += 97) data[3 * n + i] = NaN;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.sin(data[i]!) + data[n + i]! * data[2 * n + i]! + 0.5 * rng.normal();
  }
  const yb = y.map((v) => (v > 0.2 ? 1 : 0));
  const x = matrixFromData(data, n, ["ret_1d", "ret_5d", "vol_20d", "gap", "volume_z", "rsi_14"]);
  return { x, y, yb };
}

const big = dataset(EQUALITY_ROWS, 1);
const train = takeRows(big.x, Array.from({ length: 3000 }, (_, i) => i));
const yTrain = big.y.subarray(0, 3000);
const ybTrain = big.yb.subarray(0, 3000);
const noNan = (m: Matrix) => ({ ...m, data: m.data.map((v) => (Number.isNaN(v) ? 0 : v)) });

async function assertOnnxMatches(model: LinearModel | TreeEnsemble, x: Matrix, ts: Float64Array) {
  const onnx = await OnnxModel.load(exportOnnx(model), tabularManifest(x.names));
  try {
    const got = await onnx.predict(x, { batchSize: 30_000 });
    assertEquals(got.length, x.rows);
    let worst = 0;
    for (let i = 0; i < x.rows; i++) {
      const d = Math.abs(got[i]! - ts[i]!) / Math.max(1, Math.abs(ts[i]!));
      worst = Math.max(worst, d);
    }
    assert(worst <= F32_TOL, `max scaled difference ${worst} > ${F32_TOL}`);
  } finally {
    await onnx.release();
  }
}

Deno.test("onnx: ridge and logistic predictions equal TypeScript on 100,000 rows", async () => {
  const x = noNan(big.x);
  const ridge = fitRidge(noNan(train), yTrain, { alpha: 2, standardize: true });
  await assertOnnxMatches(ridge, x, predictLinear(ridge, x));
  const logit = fitLogistic(noNan(train), ybTrain, { l2: 1, standardize: true });
  await assertOnnxMatches(logit, x, predictLinear(logit, x));
});

Deno.test("onnx: boosting (regression, binary) equals TypeScript on 100,000 rows", async () => {
  const g = await fitGbt(train, yTrain, { nTrees: 60, threads: 1 });
  await assertOnnxMatches(g, big.x, predictEnsemble(g, big.x));
  const gb = await fitGbt(train, ybTrain, { nTrees: 60, task: "binary", threads: 1 });
  await assertOnnxMatches(gb, big.x, predictEnsemble(gb, big.x));
});

Deno.test("onnx: random forest (regression, binary) equals TypeScript on 100,000 rows", async () => {
  const f = await fitRandomForest(train, yTrain, { nTrees: 20, minSamplesLeaf: 3, threads: 1 });
  await assertOnnxMatches(f, big.x, predictEnsemble(f, big.x));
  const fb = await fitRandomForest(train, ybTrain, { nTrees: 20, task: "binary", threads: 1 });
  await assertOnnxMatches(fb, big.x, predictEnsemble(fb, big.x));
});

Deno.test("onnx: metadata carries feature names, kind and task", () => {
  const ridge = fitRidge(noNan(train), yTrain);
  const meta = readOnnxMetadata(exportOnnx(ridge));
  assertEquals(JSON.parse(meta.feature_names!), [...train.names]);
  assertEquals(meta.model_kind, "ridge");
  assertEquals(meta.task, "regression");
});

Deno.test("onnx: wrong feature order, names, dtype and shape are refused with the mismatch named", async () => {
  const ridge = fitRidge(noNan(train), yTrain);
  const manifest = tabularManifest(train.names);
  const model = await OnnxModel.load(exportOnnx(ridge), manifest);
  try {
    // swapped columns
    const names = [...train.names];
    [names[0], names[2]] = [names[2]!, names[0]!];
    const swapped = { ...train, names };
    const e = await assertRejects(() => model.predict(swapped), FeatureMismatchError, "position 0");
    assert(e.message.includes("vol_20d") && e.message.includes("ret_1d"), e.message);
    assertEquals((e as FeatureMismatchError).kind, "order");
    // unknown column
    const renamed = { ...train, names: [...train.names.slice(0, 5), "mystery"] };
    await assertRejects(() => model.predict(renamed), FeatureMismatchError, "mystery");
    // float64 data where the model takes float32
    const e2 = await assertRejects(
      () => model.run({ features: { data: new Float64Array(12), dims: [2, 6] } }),
      FeatureMismatchError,
      "float64",
    );
    assertEquals((e2 as FeatureMismatchError).kind, "dtype");
    // wrong width
    await assertRejects(
      () => model.run({ features: { data: new Float32Array(10), dims: [2, 5] } }),
      FeatureMismatchError,
      "dimension 1 is 5",
    );
    await assertRejects(() => model.run({}), FeatureMismatchError, "Missing input features");
  } finally {
    await model.release();
  }
  // a manifest that disagrees with the model is refused at load
  const reordered = tabularManifest([...train.names].reverse());
  await assertRejects(
    () => OnnxModel.load(exportOnnx(ridge), reordered),
    FeatureMismatchError,
    "stored feature names",
  );
  await assertRejects(
    () =>
      OnnxModel.load(exportOnnx(ridge), {
        ...manifest,
        inputs: [{ ...manifest.inputs[0]!, dtype: "float64" }],
      }),
    FeatureMismatchError,
    "float",
  );
});

Deno.test("onnx: empty batch and one row", async () => {
  const g = await fitGbt(train, yTrain, { nTrees: 5, threads: 1 });
  const model = await OnnxModel.load(exportOnnx(g), tabularManifest(train.names));
  try {
    const one = takeRows(big.x, [5]);
    const p = await model.predict(one);
    assert(Math.abs(p[0]! - predictEnsemble(g, one)[0]!) <= F32_TOL * 10);
    const none = takeRows(big.x, []);
    assertEquals((await model.predict(none)).length, 0);
  } finally {
    await model.release();
  }
  assertThrows(
    () => checkFeatureOrder(tabularManifest(["a"]), []),
    FeatureMismatchError,
    "missing a",
  );
});
