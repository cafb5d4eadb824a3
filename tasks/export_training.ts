/**
 * deno task export-training --spec FILE [--out DIR] [--dataset REF [--symbols A,B] [--start D]
 *                           [--end D] [--as-of ISO] [--adjust MODE] [--calendar C] [--currency X]]
 *
 * Builds a training set from a JSON spec: { name, data: {source: "lake", dataset, symbols?,
 * start?, end?, asOf?, adjust?} (or source: a dataset reference | {kind: "sim", seed, start, end,
 * equityCount} | {kind: "lake"} = curated/polygon/stock_bars_day), features: [...], label: {kind,
 * ...}, universe?, start?, end?, frequency: "1d", trainEnd, cpcv?: {groups, testGroups,
 * embargoDays}, sequence?: {lookback, patchLength, stride} } and writes rows.parquet, windows.npy,
 * windows_index.parquet and manifest.json (see lib/features/training_export.ts). `--dataset`
 * and its flags replace the spec's data. Default output: data/exports/<name>.
 * Exit codes: 0 ok, 2 bad arguments, spec or unknown dataset, 1 failure while building.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  buildDailyFeaturePanel,
  exportTrainingSet,
  loadDailyBars,
  resolveExportSpec,
} from "../lib/features/mod.ts";
import type { BarSource, TrainingExportSpec } from "../lib/features/mod.ts";
import { panelLabels } from "../lib/labels/mod.ts";
import {
  DATASET_ARG_OPTIONS,
  DATASET_ARGS_HELP,
  type DatasetRef,
  datasetRefFromArgs,
} from "../lib/dataset/mod.ts";

const USAGE = `usage: deno task export-training --spec FILE [--out DIR] [--dataset REF ...]

Builds a training export (features, labels, CPCV folds, sequence windows) from daily or slower
bars of a lake dataset. The spec names features, label and trainEnd; its input is
"data": {"source": "lake", "dataset": "user/msft_daily", ...} or the flags below. Intraday
datasets are refused (the panel is one bar per date; resample first).

  --spec FILE         export spec (JSON)
  --out DIR           output folder (default data/exports/<name>)
${DATASET_ARGS_HELP}
  -h, --help          this text`;

const fail = (code: number, msg: string): never => {
  console.error(`export-training: ${msg}`);
  Deno.exit(code);
};

let values;
try {
  values = parseArgs({
    args: Deno.args,
    options: {
      ...DATASET_ARG_OPTIONS,
      spec: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (e) {
  fail(2, `${(e as Error).message.split("\n")[0]} (see --help)`);
}
values = values!;
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (!values.spec) fail(2, "--spec FILE is required (see --help)");
const refFlags = ["dataset", "symbols", "start", "end", "as-of", "adjust", "calendar", "currency"]
  .filter((k) => values[k as keyof typeof values] !== undefined);
let ref: DatasetRef | undefined;
try {
  if (refFlags.length && values.dataset === undefined) {
    throw new RangeError(`--${refFlags[0]} needs --dataset`);
  }
  if (values.dataset !== undefined) ref = datasetRefFromArgs(values);
} catch (e) {
  fail(2, (e as Error).message);
}
let spec: TrainingExportSpec & { source: BarSource };
try {
  spec = resolveExportSpec(JSON.parse(await Deno.readTextFile(values.spec!)), ref);
} catch (e) {
  fail(2, `cannot read spec ${values.spec}: ${(e as Error).message.split("\n")[0]}`);
}
spec = spec!;
const outDir = values.out ?? join("data", "exports", spec.name);
const t0 = performance.now();
let loaded;
try {
  loaded = await loadDailyBars(spec.source);
} catch (e) {
  fail(e instanceof RangeError ? 2 : 1, (e as Error).message);
}
loaded = loaded!;
try {
  const t1 = performance.now();
  const panel = buildDailyFeaturePanel(loaded.bars, {
    features: spec.features,
    ...(loaded.dataset ? { periodsPerYear: loaded.dataset.periodsPerYear } : {}),
  });
  const labels = panelLabels(
    panel,
    spec.label,
    loaded.dataset ? { sessionBounds: loaded.dataset.sessionBounds } : {},
  );
  const t2 = performance.now();
  const m = await exportTrainingSet({ panel, labels }, spec, { outDir, inputs: loaded.inputs });
  if (loaded.dataset) {
    const d = loaded.dataset;
    console.log(
      `input ${d.manifest}: calendar ${d.meta.calendar}, frequency ${d.meta.frequency}, currency ${
        d.meta.currency ?? "none"
      }, ${d.periodsPerYear} periods per year`,
    );
  }
  console.log(
    `exported ${m.rows} rows (${m.rows_dropped_incomplete} incomplete dropped), ${m.features.length} features, ${
      m.cpcv?.splits.length ?? 0
    } CPCV splits${m.sequence ? `, windows ${m.sequence.shape.join("x")}` : ""} to ${outDir}`,
  );
  console.log(
    `load ${(t1 - t0).toFixed(0)} ms, features+labels ${(t2 - t1).toFixed(0)} ms, write ${
      (performance.now() - t2).toFixed(0)
    } ms`,
  );
} catch (e) {
  fail(e instanceof RangeError ? 2 : 1, (e as Error).message.split("\n")[0]!);
}
