/**
 * deno task export-training --spec FILE [--out DIR]
 *
 * Builds a training set from a JSON spec: { name, source: {kind: "sim", seed, start, end,
 * equityCount} | {kind: "lake", symbols?}, features: [...], label: {kind, ...}, universe?, start?,
 * end?, frequency: "1d", trainEnd, cpcv?: {groups, testGroups, embargoDays}, sequence?:
 * {lookback, patchLength, stride} } and writes rows.parquet, windows.npy, windows_index.parquet
 * and manifest.json (see lib/features/training_export.ts). Default output: data/exports/<name>.
 * Exit codes: 0 ok, 1 bad arguments or spec, 2 missing data.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { buildDailyFeaturePanel, exportTrainingSet, loadDailyBars } from "../lib/features/mod.ts";
import type { BarSource, TrainingExportSpec } from "../lib/features/mod.ts";
import { panelLabels } from "../lib/labels/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { spec: { type: "string" }, out: { type: "string" } },
});
if (!values.spec) {
  console.error("usage: deno task export-training --spec FILE [--out DIR]");
  Deno.exit(1);
}
let spec: TrainingExportSpec & { source: BarSource };
try {
  spec = JSON.parse(await Deno.readTextFile(values.spec));
  if (
    !spec.name || !Array.isArray(spec.features) || !spec.label || !spec.trainEnd || !spec.source
  ) {
    throw new Error("spec needs name, source, features, label and trainEnd");
  }
} catch (e) {
  console.error(`Cannot read spec ${values.spec}: ${(e as Error).message}`);
  Deno.exit(1);
}
const outDir = values.out ?? join("data", "exports", spec.name);
const t0 = performance.now();
let loaded;
try {
  loaded = await loadDailyBars(spec.source);
} catch (e) {
  console.error((e as Error).message);
  Deno.exit(2);
}
const t1 = performance.now();
const panel = buildDailyFeaturePanel(loaded.bars, { features: spec.features });
const labels = panelLabels(panel, spec.label);
const t2 = performance.now();
try {
  const m = await exportTrainingSet({ panel, labels }, spec, { outDir, inputs: loaded.inputs });
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
  console.error((e as Error).message);
  Deno.exit(1);
}
