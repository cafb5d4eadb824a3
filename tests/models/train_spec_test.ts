/**
 * Training specs are strict (their own fields, `model`, and `data` as an export spec whose source
 * may be sim-spy); the shipped spec and the trial's valid ones parse.
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { parseTrainSpec } from "../../lib/models/train_spec.ts";

const TRAIN = {
  name: "eu_ridge",
  question: "eu-ridge",
  data: {
    name: "eu_roc",
    source: { source: "lake", dataset: "user/eu_indices" },
    features: ["roc_5", "roc_20", "rsi_14"],
    label: { kind: "forward_return", horizon: 5 },
    trainEnd: "1996-01-01",
    cpcv: { groups: 6, testGroups: 2, embargoDays: 5 },
  },
  model: { kind: "ridge", task: "regression", grid: [{ alpha: 1 }, { alpha: 100 }] },
  costBps: 1,
};

const refusal = (raw: unknown) => assertThrows(() => parseTrainSpec(raw), RangeError).message;

Deno.test("train spec: typos at the top, in model and in data are refused with their path", () => {
  assertEquals(refusal({ ...TRAIN, costBp: 1 }), 'costBp: unknown field (did you mean "costBps"?)');
  assertEquals(
    refusal({ ...TRAIN, model: { ...TRAIN.model, gird: [] } }),
    'model.gird: unknown field (did you mean "grid"?)',
  );
  assertEquals(
    refusal({ ...TRAIN, data: { ...TRAIN.data, label: { kind: "forward_return", horizn: 20 } } }),
    'data.label.horizn: unknown field (did you mean "horizon"?)',
  );
  assertEquals(
    refusal({
      ...TRAIN,
      data: { ...TRAIN.data, source: { source: "lake", dataset: "x", symbol: ["A"] } },
    }),
    'data.source.symbol: unknown field (did you mean "symbols"?)',
  );
  assertEquals(
    refusal({
      ...TRAIN,
      data: {
        ...TRAIN.data,
        source: { kind: "sim-spy", start: "2020-01-02", end: "2020-12-31", sed: 1 },
      },
    }),
    'data.source.sed: unknown field (did you mean "seed"?)',
  );
  assert(refusal({ ...TRAIN, model: { kind: "svm" } }).startsWith("model.kind: "));
});

Deno.test("train spec: grid entries stay free-form; valid and shipped specs parse", () => {
  const s = parseTrainSpec(TRAIN);
  assertEquals(s.model.grid, [{ alpha: 1 }, { alpha: 100 }]);
  assertEquals(s.data.source, { source: "lake", dataset: "user/eu_indices", adjust: "raw" });
  assertEquals(s.data.label, { kind: "forward_return", horizon: 5 });
  const shipped = JSON.parse(
    Deno.readTextFileSync(
      new URL("../../tasks/specs/train_spy_overnight_rf.json", import.meta.url),
    ),
  );
  const t = parseTrainSpec(shipped);
  assertEquals(t.data.source, { kind: "sim-spy", seed: 1, start: "2019-01-02", end: "2023-12-29" });
  assertEquals(t.model.grid?.length, 3);
  // --dataset replaces data.source
  const r = parseTrainSpec(shipped, { source: "lake", dataset: "user/msft_daily" });
  assertEquals(r.data.source, { source: "lake", dataset: "user/msft_daily", adjust: "raw" });
});

Deno.test("train spec: an export-training spec is named as such in one short line", () => {
  const exportSpec = JSON.parse(Deno.readTextFileSync("tasks/specs/export_user_daily.json"));
  const m = refusal(exportSpec);
  assert(m.startsWith("this looks like an export-training spec"), m);
  assert(/it has features, label, trainEnd, cpcv and no model/.test(m), m);
  assert(/holds it as "data" beside name, question and model/.test(m), m);
  assertEquals(m.match(/known:/g), null);
  assertEquals(m.split("\n").length, 1);
  // several unknown fields with no close known field: named together, the known list once
  const several = refusal({ ...TRAIN, foo: 1, bar: 2 });
  assertEquals(
    several,
    "(root): unknown fields foo, bar (known: name, question, data, model, costBps, register)",
  );
});
