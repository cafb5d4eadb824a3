/**
 * Gradient boosting against XGBoost 1.7 `hist` (fixture: tests/reference/models_gbt_xgboost.py)
 * and the binner's quantile rule on hand-made columns. With fewer distinct values than bins both
 * learners search the same candidate splits, so every tree must match XGBoost node for node:
 * split feature and position (XGBoost: x < value; workbench: fround(x) <= threshold, with the
 * threshold between the two distinct training values around XGBoost's cut), gain (loss_chg),
 * cover (rows, min_child_weight = min rows per leaf with unit hessians), leaf values (learning
 * rate applied to leaves, not to the base score) and predictions.
 */
import { assertAlmostEquals, assertEquals } from "../_assert.ts";
import { fitGbt, predictEnsemble } from "../../lib/models/trees.ts";
import { matrixFromColumns, matrixFromRows } from "../../lib/models/matrix.ts";
import { binMatrix, fitBinner } from "../../lib/models/_binning.ts";

/** XGBoost dumps gains, covers, leaves and split values as float32 text (~7 digits). */
const RTOL_F32 = 1e-5;
const ATOL_LEAF = 2e-6;
/** XGBoost predicts in float32. */
const ATOL_PRED = 2e-5;

interface XNode {
  feature?: number;
  value?: number;
  gain?: number;
  cover: number;
  leaf?: number;
}
const ref = JSON.parse(
  await Deno.readTextFile(
    new URL("../fixtures/models/gbt_xgboost_reference.json", import.meta.url),
  ),
) as {
  params: {
    max_depth: number;
    eta: number;
    lambda: number;
    min_child_weight: number;
    base_score: number;
  };
  rounds: number;
  x: number[][];
  y: number[];
  trees_preorder: XNode[][];
  pred_1: number[];
  pred_4: number[];
};

Deno.test("gbt: trees equal XGBoost hist node for node when every distinct value is a cut", async () => {
  const x = matrixFromRows(ref.x);
  const p = ref.params;
  const m = await fitGbt(x, ref.y, {
    nTrees: ref.rounds,
    learningRate: p.eta,
    maxDepth: p.max_depth,
    maxLeaves: 2 ** p.max_depth,
    minSamplesLeaf: p.min_child_weight,
    l2: p.lambda,
    maxBins: 255,
    threads: 1,
  });
  assertAlmostEquals(m.baseScore, p.base_score, 1e-12);
  assertEquals(m.trees.length, ref.rounds);
  m.trees.forEach((t, r) => {
    const ours: number[] = [];
    const pre = (k: number) => {
      ours.push(k);
      if (t.feature[k]! >= 0) {
        pre(t.left[k]!);
        pre(t.right[k]!);
      }
    };
    pre(0);
    const xs = ref.trees_preorder[r]!;
    assertEquals(ours.length, xs.length, `tree ${r}: node count`);
    xs.forEach((xn, q) => {
      const k = ours[q]!;
      const at = `tree ${r} node ${q}`;
      assertAlmostEquals(t.cover[k]!, xn.cover, 0, `${at}: cover`);
      if (xn.leaf !== undefined) {
        assertEquals(t.feature[k], -1, `${at}: leaf`);
        assertAlmostEquals(t.value[k]!, xn.leaf, ATOL_LEAF, `${at}: leaf value`);
        return;
      }
      assertEquals(t.feature[k], xn.feature, `${at}: feature`);
      // same partition of the training rows: below XGBoost's cut <=> at or below our threshold
      const cut = Math.fround(xn.value!);
      const thr = t.threshold[k]!;
      for (const row of ref.x) {
        const v = Math.fround(row[xn.feature!]!);
        assertEquals(v <= thr, v < cut, `${at}: row value ${v} vs cut ${cut}, threshold ${thr}`);
      }
      assertAlmostEquals(t.gain[k]!, xn.gain!, RTOL_F32 * xn.gain!, `${at}: gain`);
    });
  });
  const one = { ...m, trees: m.trees.slice(0, 1), nTrees: 1 };
  const p1 = predictEnsemble(one, x), p4 = predictEnsemble(m, x);
  ref.pred_1.forEach((v, i) => assertAlmostEquals(p1[i]!, v, ATOL_PRED, `pred_1[${i}]`));
  ref.pred_4.forEach((v, i) => assertAlmostEquals(p4[i]!, v, ATOL_PRED, `pred_4[${i}]`));
});

Deno.test("binning: quantile edges are XGBoost's cuts (values at ranks b k / maxBins; x < cut goes left)", () => {
  const n = 1000;
  // distinct values 0..999, maxBins 4: cuts at the values of ranks 250, 500, 750; each edge lies
  // just below its cut, so the bins hold 250 rows each
  const a = Array.from({ length: n }, (_, i) => (i * 7919) % n); // a permutation of 0..999
  // 0..399 once, then 400 rows of 400, then 800..999: rank 250 holds 250 (edge 249.5); ranks
  // 500 and 750 fall in the tied run of 400, whose edge lies below the whole run (399.5), once
  const b = Array.from({ length: n }, (_, i) => (i < 400 ? i : i < 800 ? 400 : i));
  // 3 distinct values (fewer than maxBins): midpoints between them
  const c = Array.from({ length: n }, (_, i) => [-1, 0.5, 2][i % 3]!);
  // 500 zeros, then 500..999: the cut at rank 250 is the minimum (dropped, no empty bin)
  const z = Array.from({ length: n }, (_, i) => (i < 500 ? 0 : i));
  const x = matrixFromColumns({ a, b, c, z });
  const binner = fitBinner(x, { maxBins: 4 });
  assertEquals(Array.from(binner.edges[0]!), [249.5, 499.5, 749.5]);
  assertEquals(Array.from(binner.edges[1]!), [249.5, 399.5]);
  assertEquals(Array.from(binner.edges[2]!), [-0.25, 1.25]);
  assertEquals(Array.from(binner.edges[3]!), [250, 749.5]); // midway between 0 and the cut 500
  const codes = binMatrix(binner, x);
  const counts = (f: number, nb: number) => {
    const k = new Array(nb).fill(0);
    for (let i = 0; i < n; i++) k[codes[f * n + i]!]++;
    return k;
  };
  assertEquals(counts(0, 4), [250, 250, 250, 250]);
  assertEquals(counts(1, 3), [250, 150, 600]); // the 400 tied rows share one bin
  assertEquals(counts(2, 3), [334, 333, 333]);
  assertEquals(counts(3, 3), [500, 250, 250]);
});

Deno.test("binning: every row is used for the edges (no row sample) up to the subsample size", () => {
  // 300,000 distinct values with maxBins 3: the cuts at ranks 100,000 and 200,000 need every row
  const n = 300_000;
  const a = Array.from({ length: n }, (_, i) => n - 1 - i);
  const binner = fitBinner(matrixFromColumns({ a }), { maxBins: 3, subsample: n });
  assertEquals(Array.from(binner.edges[0]!), [99_999.5, 199_999.5]);
});
