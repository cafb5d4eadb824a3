import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { OnnxModel } from "../../lib/models/onnx_runtime.ts";
import { type FeatureManifest, FeatureMismatchError } from "../../lib/models/feature_manifest.ts";

/**
 * torch (CPU, float32) vs onnxruntime (CPU, float32) on the same graph: kernels differ in
 * summation order, so outputs agree to a few float32 ulps of the activations; 1e-4 absolute on
 * forecasts of magnitude ~1 is the float32 tolerance used here.
 */
const ATOL_F32_GRAPH = 1e-4;

const fixtures = new URL("../fixtures/models/", import.meta.url);
const io = JSON.parse(await Deno.readTextFile(new URL("patchtst_tiny_io.json", fixtures))) as {
  lookback: number;
  channels: number;
  samples: number;
  input: number[];
  output: number[];
};
const manifest: FeatureManifest = {
  inputs: [{ name: "windows", dtype: "float32", shape: ["N", io.lookback, io.channels] }],
  features: [],
};
const onnxPath = new URL("patchtst_tiny.onnx", fixtures).pathname;

Deno.test("patchtst: onnxruntime reproduces torch's saved outputs", async () => {
  const model = await OnnxModel.load(onnxPath, manifest);
  try {
    const res = await model.run({
      windows: { data: Float32Array.from(io.input), dims: [io.samples, io.lookback, io.channels] },
    });
    const out = res.forecast!;
    assertEquals(out.dims, [io.samples, io.channels]);
    let worst = 0;
    io.output.forEach((v, i) => (worst = Math.max(worst, Math.abs(Number(out.data[i]!) - v))));
    assert(worst <= ATOL_F32_GRAPH, `max abs difference ${worst}`);
  } finally {
    await model.release();
  }
});

Deno.test("patchtst: batching gives the same rows as one call (one window at a time)", async () => {
  const model = await OnnxModel.load(onnxPath, manifest);
  try {
    const per = io.lookback * io.channels;
    for (const s of [0, io.samples - 1]) {
      const res = await model.run({
        windows: {
          data: Float32Array.from(io.input.slice(s * per, (s + 1) * per)),
          dims: [1, io.lookback, io.channels],
        },
      });
      for (let c = 0; c < io.channels; c++) {
        assert(
          Math.abs(Number(res.forecast!.data[c]!) - io.output[s * io.channels + c]!) <=
            ATOL_F32_GRAPH,
        );
      }
    }
  } finally {
    await model.release();
  }
});

Deno.test("patchtst: wrong lookback, dtype or manifest is refused", async () => {
  const model = await OnnxModel.load(onnxPath, manifest);
  try {
    await assertRejects(
      () => model.run({ windows: { data: new Float32Array(31 * 3), dims: [1, 31, 3] } }),
      FeatureMismatchError,
      "dimension 1 is 31",
    );
    await assertRejects(
      () => model.run({ windows: { data: new Float64Array(32 * 3), dims: [1, 32, 3] } }),
      FeatureMismatchError,
      "float64",
    );
  } finally {
    await model.release();
  }
  await assertRejects(
    () =>
      OnnxModel.load(onnxPath, {
        ...manifest,
        inputs: [{ name: "windows", dtype: "float32", shape: ["N", 32, 4] }],
      }),
    FeatureMismatchError,
    "dimension 2 is 3",
  );
  await assertRejects(
    () =>
      OnnxModel.load(onnxPath, {
        ...manifest,
        inputs: [{ name: "x", dtype: "float32", shape: ["N", 32, 3] }],
      }),
    FeatureMismatchError,
    "[windows]",
  );
});
