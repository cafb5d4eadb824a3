/**
 * deno task train --spec FILE [--root DIR] [--out DIR] [--no-register]
 *
 * Fits a model from a training spec (lib/models/train.ts TrainSpec, e.g.
 * tasks/specs/train_spy_overnight_rf.json): builds the training export, evaluates the model grid
 * with CPCV, records one ledger trial per configuration, refits the best on all rows, exports ONNX
 * and registers it as a challenger; prints a summary.
 * Exit codes: 0 ok, 1 bad arguments or spec, 2 training failed.
 */
import { parseArgs } from "node:util";
import { runTraining, type TrainSpec } from "../lib/models/train.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    spec: { type: "string" },
    root: { type: "string" },
    out: { type: "string" },
    "no-register": { type: "boolean", default: false },
  },
});
if (!values.spec) {
  console.error("usage: deno task train --spec FILE [--root DIR] [--out DIR] [--no-register]");
  Deno.exit(1);
}
let spec: TrainSpec;
try {
  spec = JSON.parse(await Deno.readTextFile(values.spec));
  if (!spec.name || !spec.question || !spec.data || !spec.model?.kind) {
    throw new Error("spec needs name, question, data and model.kind");
  }
} catch (e) {
  console.error(`Cannot read spec ${values.spec}: ${(e as Error).message}`);
  Deno.exit(1);
}
if (values["no-register"]) spec.register = false;
const t0 = performance.now();
try {
  const s = await runTraining(spec, {
    ...(values.root ? { root: values.root } : {}),
    ...(values.out ? { outDir: values.out } : {}),
    log: (line) => console.log(line),
  });
  console.log(
    `\n${spec.name}: ${s.rows} rows, ${s.features.length} features, ${s.splits} CPCV splits, ${s.paths} paths`,
  );
  console.log("config\tscore_mean\tscore_std\tsharpe_ann\ttrial");
  for (const c of s.configs) {
    const { kind: _k, task: _t, ...p } = c.params;
    console.log(
      `${JSON.stringify(p)}\t${c.scoreMean.toFixed(4)}\t${c.scoreStd.toFixed(4)}\t${
        c.sharpeAnnualized.toFixed(2)
      }\t${c.trialId.slice(0, 12)}`,
    );
  }
  console.log(
    `best: ${JSON.stringify(s.best.params)} (annualised OOS Sharpe ${
      s.best.sharpeAnnualized.toFixed(2)
    })`,
  );
  if (s.registered) {
    console.log(
      `registered ${s.registered.name} v${s.registered.version} as ${s.registered.stage}; promote with: deno task models promote ${s.registered.name} ${s.registered.version}`,
    );
  }
  console.log(`export in ${s.exportDir}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(`Training failed: ${(e as Error).message}`);
  Deno.exit(2);
}
