/**
 * `deno task train`: fits a model from a training spec (lib/models/train.ts TrainSpec, e.g.
 * tasks/specs/train_spy_overnight_rf.json): builds the training export, evaluates the model grid
 * with CPCV, records one ledger trial per configuration, refits the best on all rows, exports ONNX
 * and registers it as a challenger; prints a summary. The spec's `data.source` is a dataset
 * reference (`{"source": "lake", "dataset": "user/msft_daily", ...}`), `{"kind": "sim-spy"}` or
 * `{"kind": "sim"}`; `--dataset` and its flags replace it. Sharpe ratios are of the strategy's
 * returns over non-overlapping label periods (every h-th date for an h-bar label: sessions, weeks, months), annualised
 * with the dataset's periods per year / h (lib/models/train.ts module doc). The configuration refitted is the one
 * with the highest out-of-sample Sharpe (lib/models/train.ts `selectConfig`, marked `*`); the
 * deflated Sharpe and PBO printed with it count every trial recorded under the question.
 */
import { LEASE_HELP, LEASE_OPTION, leaseOption } from "../lib/cluster/cli.ts";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { runTraining, type TrainSpec } from "../lib/models/train.ts";
import { parseTrainSpec } from "../lib/models/train_spec.ts";
import { datasetOptions, datasetRefFromValues, datasetValues } from "../lib/dataset/mod.ts";
import { NotAPriceError, priceUnitsWarning } from "../lib/lake/units.ts";
import { PRICE_USE } from "../lib/features/training_sources.ts";
import { catalogFromEnv, progressPrinter } from "../lib/cluster/mod.ts";
import { clusterFolds, registerWorkbenchJobs } from "../lib/jobs/mod.ts";

const TASK = defineTask({
  name: "train",
  summary:
    "Evaluate a model grid with CPCV on a lake dataset, record the trials, register the best.",
  options: {
    spec: {
      type: "path",
      required: true,
      mustExist: true,
      example: "tasks/specs/train_spy_overnight_rf.json",
      description: "Training spec (JSON: name, question, data, model, costBps)",
    },
    root: {
      type: "path",
      description: "Lake root of the registry and the ledger (default WORKBENCH_DATA)",
    },
    out: {
      type: "path",
      description: "Where the training export is written (default a temporary folder)",
    },
    "no-register": { type: "boolean", description: "Do not register the refitted model" },
    cluster: {
      type: "boolean",
      description:
        "Fit the CPCV folds on cluster workers (deno task worker) via the queue on WORKBENCH_CATALOG",
    },
    "lease-seconds": LEASE_OPTION,
    ...datasetOptions("", "Lake dataset to train on (replaces the spec's data.source)"),
  },
  details:
    `The spec's data.source is {"source": "lake", "dataset": "user/msft_daily", ...} (daily or slower
bars), {"kind": "sim-spy", ...} or {"kind": "sim", ...}; the dataset options replace it. Label end
times follow the dataset calendar's sessions. A label of h bars (forward_return horizon h) is an
h-bar return, bars of the dataset's frequency (sessions for daily data; on weekly or monthly data
the output says "1-week" or "1-month label periods"): the strategy is evaluated on
non-overlapping periods (every h-th date, positions held h bars) and Sharpe, DSR and PBO are of
those returns, annualised with the dataset's periods per year / h (printed with the summary).

Selection: the configuration refitted (and registered) is the one with the highest annualised
Sharpe of its out-of-sample CPCV strategy returns (position = sign of the prediction, net of
costBps), marked * in the table. The score columns (mean and standard deviation of R^2, or
accuracy for binary models, over the CPCV test splits) are shown but do not enter the selection;
the summary says where the selected configuration ranks by score. A maximum over many trials is
biased upward: the summary prints the deflated Sharpe ratio and the PBO over every trial recorded
under the spec's question (this grid and earlier runs), the numbers the go/no-go gate uses.

With --cluster every (configuration, CPCV split) fold is one job for \`deno task worker\`
processes that can read the export folder (--out on a shared disk); the result is the
single-process one, bit for bit.
${LEASE_HELP}

Exit codes: 0 trained, 1 training failed, 2 bad arguments, spec or unknown dataset.`,
  examples: [
    "--spec tasks/specs/train_spy_overnight_rf.json --no-register",
    "--spec my_train.json --dataset user/msft_daily --adjust total_return",
  ],
});

const fix = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");

await runTask(TASK, async ({ values }) => {
  const lease = leaseOption(values);
  const ref = datasetRefFromValues(datasetValues(values)) ?? undefined;
  let spec: TrainSpec;
  try {
    spec = parseTrainSpec(JSON.parse(await Deno.readTextFile(values.spec)), ref);
  } catch (e) {
    throw new UsageError(`cannot read spec ${values.spec}: ${(e as Error).message}`);
  }
  if (values["no-register"]) spec.register = false;
  let catalog;
  if (values.cluster) {
    try {
      catalog = catalogFromEnv();
    } catch (e) {
      throw new UsageError(`--cluster: ${(e as Error).message}`);
    }
    registerWorkbenchJobs();
  }
  const t0 = performance.now();
  let s;
  try {
    s = await runTraining(spec, {
      ...(values.root ? { root: values.root } : {}),
      ...(values.out ? { outDir: values.out } : {}),
      log: (line) => console.log(line),
      ...(catalog
        ? {
          folds: clusterFolds({
            catalog,
            onProgress: progressPrinter(),
            ...lease,
          }),
        }
        : {}),
    });
  } catch (e) {
    if (e instanceof RangeError && /^(Unknown|Invalid) dataset/.test(e.message)) {
      throw new UsageError(e.message);
    }
    if (e instanceof NotAPriceError) throw new UsageError(e.message);
    throw e;
  }
  console.log(
    `\n${spec.name}: ${s.rows} rows, ${s.features.length} features, ${s.splits} CPCV splits, ${s.paths} paths`,
  );
  if (s.dataset) {
    const uw = priceUnitsWarning(s.dataset.name, s.dataset.meta, PRICE_USE);
    if (uw) console.error(`train: warning: ${uw}`);
    console.log(
      `input ${s.dataset.manifest}: calendar ${s.dataset.meta.calendar}, frequency ${s.dataset.meta.frequency}, currency ${
        s.dataset.meta.currency ?? "none"
      }`,
    );
  }
  console.log(
    s.horizon > 1
      ? `Sharpe of the strategy's returns over ${s.evaluationPeriods} non-overlapping ${s.horizon}-${s.horizonUnit} label periods (of ${s.labelDates} labelled dates; positions held ${s.horizon} ${s.horizonUnit}s), annualised with ${+s
        .periodsPerYear.toFixed(
          4,
        )} such periods per year (${s.datasetPeriodsPerYear} ${s.horizonUnit}s / ${s.horizon}); DSR counts these periods`
      : `Sharpe annualised with ${s.periodsPerYear} periods per year`,
  );
  const score = s.configs[0]!.params.task === "binary" ? "accuracy" : "R^2";
  console.log(
    `selection: the configuration with the highest sharpe_ann (out-of-sample CPCV strategy returns, net of ${
      spec.costBps ?? 1
    } bps) is refitted; score = mean ${score} over the CPCV test splits, shown but not used to select`,
  );
  console.log("sel\tconfig\tscore_mean\tscore_std\tsharpe_ann\ttrial");
  for (const [i, c] of s.configs.entries()) {
    const { kind: _k, task: _t, ...p } = c.params;
    console.log(
      `${i === s.selection.index ? "*" : ""}\t${JSON.stringify(p)}\t${c.scoreMean.toFixed(4)}\t${
        c.scoreStd.toFixed(4)
      }\t${c.recorded ? c.sharpeAnnualized.toFixed(2) : "n/a (no dispersion, not recorded)"}\t${
        c.trialId.slice(0, 12)
      }`,
    );
  }
  const sel = s.selection;
  console.log(
    `best (*): ${JSON.stringify(s.best.params)} (annualised OOS Sharpe ${
      s.best.sharpeAnnualized.toFixed(2)
    }; by mean ${score} it ranks ${sel.scoreRank} of ${s.configs.length})`,
  );
  if (!Number.isFinite(sel.trials)) console.log(`multiple testing: n/a (${sel.pboNote})`);
  else {
    console.log(
      `multiple testing: ${sel.trials} trials recorded under question ${spec.question}: expected max annualised Sharpe of ${sel.trials} unskilled trials ${
        fix(sel.expectedMaxSharpeAnnualized, 2)
      }, deflated Sharpe ${fix(sel.dsr, 3)}, PBO ${
        Number.isFinite(sel.pbo) ? sel.pbo.toFixed(3) : `n/a (${sel.pboNote})`
      }`,
    );
  }
  if (s.registered) {
    console.log(
      `registered ${s.registered.name} v${s.registered.version} as ${s.registered.stage}; promote with: deno task models promote ${s.registered.name} ${s.registered.version}`,
    );
  }
  console.log(`export in ${s.exportDir}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});
