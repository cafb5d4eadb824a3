/**
 * A model grid's fit options are checked against the model kind's options (lib/models
 * fit_options.ts): an unknown option is refused with its path and the nearest option, a value
 * of the wrong type or range with its path and value, before any work; valid grids train as
 * before (an option left out equals its default given explicitly).
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import {
  checkFitGrid,
  checkFitOptions,
  FIT_OPTION_SCHEMAS,
  fitOptionNames,
  MODEL_KINDS,
} from "../../lib/models/fit_options.ts";
import { parseTrainSpec } from "../../lib/models/train_spec.ts";
import { runCpcvFold, runTraining, type TrainSpec } from "../../lib/models/train.ts";
import { memoryLedgerStore } from "../../lib/validation/mod.ts";
import { didYouMean, editDistance } from "../../lib/cli/spec_schema.ts";
import * as core from "../../lib/core/mod.ts";
import { simSpyTrainData } from "./_sim_spy_train.ts";

const TRAIN = {
  name: "spy_ridge_grid",
  question: "models-fit-options-test",
  data: simSpyTrainData("spy_fit_options"),
  model: { kind: "ridge", grid: [{ alpha: 1 }] },
  costBps: 0.5,
  register: false,
};

const withModel = (model: Record<string, unknown>) => ({ ...TRAIN, model });
const refusal = (raw: unknown) => assertThrows(() => parseTrainSpec(raw), RangeError).message;

Deno.test("fit options: a misspelled option names its path and the option meant", () => {
  assertEquals(
    refusal(withModel({ kind: "ridge", grid: [{ alpha: 1 }, { alpah: 10 }] })),
    'model.grid[1].alpah: unknown option for ridge (did you mean "alpha"?)',
  );
  // "lambda" is another library's name of ridge's penalty: nothing close, so the list
  assertEquals(
    refusal(withModel({ kind: "ridge", grid: [{ lamda: 1 }] })),
    "model.grid[0].lamda: unknown option for ridge (options: alpha, fitIntercept, standardize)",
  );
  assertEquals(
    refusal(withModel({ kind: "random_forest", grid: [{ nTree: 10 }] })),
    'model.grid[0].nTree: unknown option for random_forest (did you mean "nTrees"?)',
  );
  assertEquals(
    refusal(withModel({ kind: "gbt", grid: [{ learningrate: 0.1 }] })),
    'model.grid[0].learningrate: unknown option for gbt (did you mean "learningRate"?)',
  );
  // logistic's penalty is l2 (no alpha): "alpha" suggests nothing, the options are listed
  assertEquals(
    refusal(withModel({ kind: "logistic", grid: [{ alpha: 1 }] })),
    "model.grid[0].alpha: unknown option for logistic (options: l2, fitIntercept, standardize, maxIter, tol)",
  );
  // a field training sets itself is refused with the reason, not "unknown"
  assertEquals(
    refusal(withModel({ kind: "gbt", grid: [{ task: "binary" }] })),
    "model.grid[0].task: not a grid option (set by model.task)",
  );
  assertEquals(
    refusal(withModel({ kind: "ridge", grid: [{ sampleWeight: [1, 2] }] })),
    "model.grid[0].sampleWeight: not a grid option (set by training (the export's uniqueness weights))",
  );
});

Deno.test("fit options: a value of the wrong type or range is refused with its path and value", () => {
  const m = (kind: string, entry: Record<string, unknown>) =>
    refusal(withModel({ kind, grid: [entry] }));
  let s = m("ridge", { alpha: "1" });
  assert(s.startsWith('model.grid[0].alpha = "1": '), s);
  assert(/expected number/.test(s), s);
  s = m("ridge", { alpha: -1 });
  assert(s.startsWith("model.grid[0].alpha = -1: "), s);
  s = m("random_forest", { nTrees: -5 });
  assert(s.startsWith("model.grid[0].nTrees = -5: "), s);
  s = m("random_forest", { nTrees: 2.5 });
  assert(s.startsWith("model.grid[0].nTrees = 2.5: "), s);
  assert(/int/i.test(s), s);
  s = m("random_forest", { maxFeatures: 0 });
  assert(s.startsWith("model.grid[0].maxFeatures = 0: "), s);
  s = m("gbt", { subsample: 1.5 });
  assert(s.startsWith("model.grid[0].subsample = 1.5: "), s);
  s = m("gbt", { maxBins: 256 });
  assert(s.startsWith("model.grid[0].maxBins = 256: "), s);
  s = m("random_forest", { bootstrap: "yes" });
  assert(s.startsWith('model.grid[0].bootstrap = "yes": '), s);
  s = m("logistic", { maxIter: 0 });
  assert(s.startsWith("model.grid[0].maxIter = 0: "), s);
  // a grid entry that is not an object (the schema's record check names it first)
  assert(refusal(withModel({ kind: "ridge", grid: [5] })).startsWith("model.grid.0: "));
  for (const line of [m("ridge", { alpha: "1" }), m("gbt", { subsample: 1.5 })]) {
    assertEquals(line.split("\n").length, 1);
  }
});

Deno.test("fit options: valid grids and the shipped spec parse unchanged", () => {
  const grid = [
    { nTrees: 100, minSamplesLeaf: 50, maxFeatures: 0.5, seed: 1 },
    { maxDepth: 0, maxLeaves: 2, bootstrap: false, maxSamples: 0.5, maxBins: 2, threads: 1 },
  ];
  assertEquals(parseTrainSpec(withModel({ kind: "random_forest", grid })).model.grid, grid);
  const gbt = [{ learningRate: 0.05, l2: 0, subsample: 1, colsample: 0.5, seed: -3 }];
  assertEquals(parseTrainSpec(withModel({ kind: "gbt", grid: gbt })).model.grid, gbt);
  const lg = [{ l2: 0, fitIntercept: false, standardize: true, maxIter: 1, tol: 0 }];
  assertEquals(parseTrainSpec(withModel({ kind: "logistic", grid: lg })).model.grid, lg);
  assertEquals(parseTrainSpec(withModel({ kind: "ridge", grid: [] })).model.grid, []);
  assertEquals(parseTrainSpec(withModel({ kind: "ridge" })).model.grid, undefined);
  const shipped = JSON.parse(
    Deno.readTextFileSync(
      new URL("../../tasks/specs/train_spy_overnight_rf.json", import.meta.url),
    ),
  );
  assertEquals(parseTrainSpec(shipped).model.grid, shipped.model.grid);
});

Deno.test("fit options: every kind's names come from its schema; the check is per kind", () => {
  assertEquals([...MODEL_KINDS].sort(), Object.keys(FIT_OPTION_SCHEMAS).sort());
  assertEquals(fitOptionNames("ridge"), ["alpha", "fitIntercept", "standardize"]);
  // gbt takes learningRate, a forest does not; a forest takes bootstrap, boosting does not
  checkFitOptions("gbt", { learningRate: 0.1 });
  assertThrows(() => checkFitOptions("random_forest", { learningRate: 0.1 }), RangeError);
  checkFitOptions("random_forest", { bootstrap: false });
  assertThrows(
    () => checkFitOptions("gbt", { bootstrap: false }, "x"),
    RangeError,
    "x.bootstrap: unknown option for gbt (options: nTrees, learningRate,",
  );
  checkFitGrid("ridge", undefined);
  assertThrows(
    () => checkFitGrid("ridge", [{}, {}, { fitintercept: true }], "grid"),
    RangeError,
    'grid[2].fitintercept: unknown option for ridge (did you mean "fitIntercept"?)',
  );
});

Deno.test("fit options: the suggestion helpers moved to lib/core and lib/cli re-exports them", () => {
  assertEquals(editDistance, core.editDistance);
  assertEquals(didYouMean, core.didYouMean);
  assertEquals(editDistance("lamda", "lambda"), 1);
  assertEquals(editDistance("alpah", "alpha"), 1); // one transposition
  assertEquals(didYouMean("nTree", ["nTrees", "seed"]), "nTrees");
});

Deno.test("fit options: runTraining and runCpcvFold refuse a bad grid before any work", async () => {
  const root = await Deno.makeTempDir({ prefix: "fit_options_" });
  try {
    const spec = {
      ...TRAIN,
      model: { kind: "ridge", grid: [{ alpha: 1 }, { lamda: 1 }] },
    } as unknown as TrainSpec;
    await assertRejects(
      () => runTraining(spec, { root, outDir: `${root}/export` }),
      RangeError,
      "model.grid[1].lamda: unknown option for ridge",
    );
    // nothing was built: the export folder was never created
    await assertRejects(() => Deno.stat(`${root}/export`), Deno.errors.NotFound);
    await assertRejects(
      () =>
        runCpcvFold({
          exportDir: `${root}/nowhere`,
          features: ["a"],
          kind: "gbt",
          task: "regression",
          config: { nTrees: "5" },
          groups: 4,
          testGroups: 2,
          embargoMs: 0,
          split: 0,
        }),
      RangeError,
      'config.nTrees = "5": ',
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("fit options: a valid grid trains as before (alpha 1 given = ridge's default)", async () => {
  const root = await Deno.makeTempDir({ prefix: "fit_options_" });
  try {
    const run = (grid: Record<string, unknown>[]) =>
      runTraining({ ...(TRAIN as unknown as TrainSpec), model: { kind: "ridge", grid } }, {
        root,
        outDir: `${root}/export_${grid.length}_${JSON.stringify(grid).length}`,
        ledger: { store: memoryLedgerStore() },
      });
    const given = await run([{ alpha: 1 }, { alpha: 1e6 }]);
    const omitted = await run([{}]);
    // RidgeOptions' @default alpha is 1: the same returns bit for bit
    assertEquals(Array.from(omitted.configs[0]!.returns), Array.from(given.configs[0]!.returns));
    assertEquals(omitted.configs[0]!.scoreMean, given.configs[0]!.scoreMean);
    // and the option is applied (a huge penalty shrinks the fit: another score)
    assert(given.configs[1]!.scoreMean !== given.configs[0]!.scoreMean);
    assertEquals(given.configs[1]!.params, { kind: "ridge", task: "regression", alpha: 1e6 });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
