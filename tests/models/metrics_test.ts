import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { accuracy, auc, calibrationCurve, logLoss, r2 } from "../../lib/models/metrics.ts";
import { permutationImportance } from "../../lib/models/importance.ts";
import { matrixFromColumns } from "../../lib/models/matrix.ts";

const ATOL = 1e-12;

Deno.test("metrics: hand-worked values", () => {
  // y = [1,2,3], p = [1,2,4]: sse 1, sst 2 -> 0.5
  assertAlmostEquals(r2([1, 2, 3], [1, 2, 4]), 0.5, ATOL);
  assertAlmostEquals(accuracy([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6]), 0.5, ATOL);
  // -(ln 0.8 + ln 0.6) / 2
  assertAlmostEquals(logLoss([1, 0], [0.8, 0.4]), -(Math.log(0.8) + Math.log(0.6)) / 2, ATOL);
  // positives scored 0.8, 0.4; negatives 0.6, 0.2: pairs (0.8>0.6, 0.8>0.2, 0.4<0.6, 0.4>0.2) = 3/4
  assertAlmostEquals(auc([1, 0, 1, 0], [0.8, 0.6, 0.4, 0.2]), 0.75, ATOL);
  assertAlmostEquals(auc([1, 0], [0.5, 0.5]), 0.5, ATOL); // tie counts 1/2
  const c = calibrationCurve([0, 1, 1, 1], [0.1, 0.15, 0.9, 0.95], 2);
  assertEquals(c.count, [2, 2]);
  assertAlmostEquals(c.predicted[0]!, 0.125, ATOL);
  assertAlmostEquals(c.observed[0]!, 0.5, ATOL);
  assertAlmostEquals(c.observed[1]!, 1, ATOL);
});

Deno.test("metrics: edge cases", () => {
  assert(Number.isNaN(r2([], [])));
  assert(Number.isNaN(r2([1], [1])));
  assert(Number.isNaN(r2([2, 2], [1, 3]))); // constant y
  assert(Number.isNaN(accuracy([], [])));
  assert(Number.isNaN(auc([1, 1], [0.2, 0.3]))); // one class
  assert(Number.isFinite(logLoss([1], [0]))); // clipped
  assertThrows(() => r2([1, 2], [1]), RangeError, "2 labels but 1");
});

Deno.test("permutation importance: irrelevant feature scores 0, input unmodified", async () => {
  const x = matrixFromColumns({ a: [1, 2, 3, 4, 5, 6], b: [3, 1, 4, 1, 5, 9] });
  const before = Float64Array.from(x.data);
  const y = [1, 2, 3, 4, 5, 6];
  const imp = await permutationImportance((m) => m.data.slice(0, m.rows), x, y, r2, { repeats: 4 });
  assertAlmostEquals(imp.baseline, 1, ATOL);
  assert(imp.mean[0]! > 0.5);
  assertAlmostEquals(imp.mean[1]!, 0, ATOL);
  assertAlmostEquals(imp.std[1]!, 0, ATOL);
  x.data.forEach((v, i) => assert(v === before[i]));
});

Deno.test("metrics: match scikit-learn (roc_auc_score, log_loss, accuracy, r2, calibration_curve)", async () => {
  const ref = JSON.parse(
    await Deno.readTextFile(new URL("../fixtures/models/metrics_reference.json", import.meta.url)),
  );
  assertAlmostEquals(auc(ref.y, ref.p), ref.auc, ATOL);
  assertAlmostEquals(logLoss(ref.y, ref.p), ref.log_loss, ATOL);
  assertAlmostEquals(accuracy(ref.y, ref.p), ref.accuracy, ATOL);
  assertAlmostEquals(r2(ref.y_reg, ref.p_reg), ref.r2, ATOL);
  const c = calibrationCurve(ref.y, ref.p, 10);
  assertEquals(c.observed.length, ref.calibration_observed.length);
  c.observed.forEach((v, i) => assertAlmostEquals(v, ref.calibration_observed[i], ATOL));
  c.predicted.forEach((v, i) => assertAlmostEquals(v, ref.calibration_predicted[i], ATOL));
});
