/**
 * Small model benchmarks (seconds to run): fits on 20,000 x 20 and scoring of 50,000 rows by the
 * TypeScript ensembles and by onnxruntime. The scikit-learn comparison at the sizes is
 * bench/models_compare.ts.
 *   deno bench -A bench/models_bench.ts
 */
import { Rng } from "../lib/core/mod.ts";
import {
  exportOnnx,
  fitGbt,
  fitRandomForest,
  fitRidge,
  matrixFromData,
  OnnxModel,
  predictEnsemble,
  tabularManifest,
} from "../lib/models/mod.ts";

function data(n: number, cols: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float64Array(n * cols);
  for (let k = 0; k < x.length; k++) x[k] = rng.normal();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.sin(x[i]!) + x[n + i]! * x[2 * n + i]! + 0.3 * rng.normal();
  }
  return { x: matrixFromData(x, n, Array.from({ length: cols }, (_, j) => `f${j}`)), y };
}

const train = data(20_000, 20, 1);
const score = data(50_000, 20, 2);
const gbt = await fitGbt(train.x, train.y, { nTrees: 50, threads: 1 });
const onnx = await OnnxModel.load(exportOnnx(gbt), tabularManifest(train.x.names));

Deno.bench("fitRidge 20,000 x 20", () => {
  fitRidge(train.x, train.y);
});
Deno.bench("fitGbt 20,000 x 20, 50 trees, 1 thread", async () => {
  await fitGbt(train.x, train.y, { nTrees: 50, threads: 1 });
});
Deno.bench("fitRandomForest 20,000 x 20, 10 trees, 1 thread", async () => {
  await fitRandomForest(train.x, train.y, { nTrees: 10, minSamplesLeaf: 5, threads: 1 });
});
Deno.bench("predictEnsemble gbt 50 trees, 50,000 rows (TypeScript)", () => {
  predictEnsemble(gbt, score.x);
});
Deno.bench("OnnxModel.predict gbt 50 trees, 50,000 rows (onnxruntime)", async () => {
  await onnx.predict(score.x);
});
