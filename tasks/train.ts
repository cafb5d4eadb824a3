/**
 * deno task train --spec FILE [--root DIR] [--out DIR] [--no-register] [--dataset REF
 *                 [--symbols A,B] [--start D] [--end D] [--as-of ISO] [--adjust MODE]
 *                 [--calendar C] [--currency X]]
 *
 * Fits a model from a training spec (lib/models/train.ts TrainSpec, e.g.
 * tasks/specs/train_spy_overnight_rf.json): builds the training export, evaluates the model grid
 * with CPCV, records one ledger trial per configuration, refits the best on all rows, exports ONNX
 * and registers it as a challenger; prints a summary. The spec's `data.source` is a dataset
 * reference (`{"source": "lake", "dataset": "user/msft_daily", ...}`), `{"kind": "sim-spy"}` or
 * `{"kind": "sim"}`; `--dataset` and its flags replace it. Sharpe ratios are annualised with the
 * dataset's periods per year (its calendar and frequency).
 * Exit codes: 0 ok, 2 bad arguments, spec or unknown dataset, 1 training failed.
 */
import { parseArgs } from "node:util";
import { runTraining, type TrainSpec } from "../lib/models/train.ts";
import { resolveExportSpec } from "../lib/features/mod.ts";
import {
  DATASET_ARG_OPTIONS,
  DATASET_ARGS_HELP,
  type DatasetRef,
  datasetRefFromArgs,
} from "../lib/dataset/mod.ts";

const USAGE =
  `usage: deno task train --spec FILE [--root DIR] [--out DIR] [--no-register] [--dataset REF ...]

Evaluates a model grid with CPCV on a training export built from a lake dataset (daily or slower
bars), records the trials, refits the best and registers it. The spec's data.source is
{"source": "lake", "dataset": "user/msft_daily", ...} (or the flags below).

  --spec FILE         training spec (JSON: name, question, data, model)
  --root DIR          lake root for the registry and the ledger (default WORKBENCH_DATA)
  --out DIR           where the training export is written (default a temporary folder)
  --no-register       do not register the refitted model
${DATASET_ARGS_HELP}
  -h, --help          this text`;

const fail = (code: number, msg: string): never => {
  console.error(`train: ${msg}`);
  Deno.exit(code);
};

let values;
try {
  values = parseArgs({
    args: Deno.args,
    options: {
      ...DATASET_ARG_OPTIONS,
      spec: { type: "string" },
      root: { type: "string" },
      out: { type: "string" },
      "no-register": { type: "boolean", default: false },
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
let spec: TrainSpec;
try {
  spec = JSON.parse(await Deno.readTextFile(values.spec!));
  if (!spec.name || !spec.question || !spec.data || !spec.model?.kind) {
    throw new Error("spec needs name, question, data and model.kind");
  }
  const src = spec.data.source as { kind?: string } | undefined;
  if (src?.kind !== "sim-spy") {
    spec.data = resolveExportSpec(spec.data, ref) as TrainSpec["data"];
  } else if (ref) spec.data = { ...spec.data, source: ref };
} catch (e) {
  fail(2, `cannot read spec ${values.spec}: ${(e as Error).message.split("\n")[0]}`);
}
spec = spec!;
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
  if (s.dataset) {
    console.log(
      `input ${s.dataset.manifest}: calendar ${s.dataset.meta.calendar}, frequency ${s.dataset.meta.frequency}, currency ${
        s.dataset.meta.currency ?? "none"
      }`,
    );
  }
  console.log(`Sharpe annualised with ${s.periodsPerYear} periods per year`);
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
  fail(
    e instanceof RangeError && /Unknown dataset|Invalid dataset/.test((e as Error).message) ? 2 : 1,
    `training failed: ${(e as Error).message.split("\n")[0]}`,
  );
}
