/**
 * `deno task export-training`: builds a training set (rows.parquet, windows.npy,
 * windows_index.parquet, manifest.json; see lib/features/training_export.ts) from a JSON spec
 * { name, data: {source: "lake", dataset, symbols?, start?, end?, asOf?, adjust?} (or source: a
 * dataset reference | {kind: "sim", seed, start, end, equityCount} | {kind: "lake"} =
 * curated/polygon/stock_bars_day), features: [...], label: {kind, ...}, universe?, start?, end?,
 * frequency?, gaps?, trainEnd, cpcv?: {groups, testGroups, embargoDays | embargoBars},
 * sequence?: {lookback, patchLength, stride} }. `--dataset` and its flags replace the spec's data.
 */
import { LEASE_OPTION, leaseOption } from "../lib/cluster/cli.ts";
import { join } from "node:path";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import {
  batchBlocker,
  DAILY_FEATURES,
  exportLoadedBars,
  ExportSpecError,
  exportTrainingSetBatched,
  loadDailyBars,
  resolveExportSpec,
  sourceRows,
  type TrainingManifest,
} from "../lib/features/mod.ts";
import { datasetOptions, datasetRefFromValues, datasetValues } from "../lib/dataset/mod.ts";
import { NotAPriceError, priceUnitsWarning, unitsLabel } from "../lib/lake/units.ts";
import { PRICE_USE } from "../lib/features/training_sources.ts";
import { catalogFromEnv, type ClusterCatalog, progressPrinter } from "../lib/cluster/mod.ts";
import { clusterExportBatches, registerWorkbenchJobs } from "../lib/jobs/mod.ts";

/** ", N of them over missing sessions (M missing: A@d, ...)" when the data has missing sessions. */
function gapNote(m: TrainingManifest): string {
  const g = m.missing_sessions;
  if (!g.count) return "";
  const unit = g.clock === "periods" ? "period" : "session";
  const list = `${g.count} missing ${unit}${g.count === 1 ? "" : "s"}: ${
    g.examples.slice(0, 3).join(", ")
  }${g.count > 3 ? ", ..." : ""}`;
  if (m.spec.gaps === "skip") {
    return `; gaps "skip": windows ran over the observed bars, past ${list}`;
  }
  return `, ${m.rows_dropped_missing_sessions} of them over ${list}${
    m.rows_dropped_missing_sessions > 0
      ? `; spec "gaps": "skip" computes each symbol's windows over its observed bars instead`
      : ""
  }`;
}

/** "windows count month bars (roc_5 = 5 months)": the unit of every window and horizon. */
function barsNote(frequency: string, features: readonly string[]): string {
  const daily = ["session", "day", "1d", "d"].includes(frequency);
  const unit = daily ? "session" : frequency;
  const f = features.find((x) => /_\d+/.test(x));
  const n = f ? /_(\d+)/.exec(f)![1] : null;
  return `feature windows and label horizons count ${daily ? "daily" : frequency} bars${
    f ? ` (${f}: ${n} ${unit}s)` : ""
  }`;
}

/**
 * "N dropped without a value: mom_12_1 252 (sets the warm-up), vol_63 63, label 5": the
 * manifest's `rows_missing`, largest first, the feature with the most named as the warm-up.
 */
function missingNote(m: TrainingManifest): string {
  const all = Object.entries(m.rows_missing ?? {}).filter(([, c]) => c > 0);
  if (!all.length) return "no row lacks a feature or the label";
  all.sort((a, b) => b[1] - a[1]);
  const warm = all.find(([f]) => f !== "label");
  return `rows without a value: ${
    all.map(([f, c]) => `${f} ${c}${f === warm?.[0] ? " (sets the warm-up)" : ""}`).join(", ")
  } (a row can lack several)`;
}

/** Prints the manifest's warnings (constant columns) on stderr and the missing-value note. */
function printNotes(m: TrainingManifest): void {
  console.log(missingNote(m));
  for (const w of m.warnings ?? []) console.error(`export-training: warning: ${w}`);
}

/** The feature names for --help, wrapped at 100 columns after "Features: ". */
function featureList(): string {
  const lines = [""];
  for (const f of DAILY_FEATURES) {
    const cur = lines.at(-1)!;
    const head = lines.length === 1 ? "Features: ".length : 0;
    if (cur && head + cur.length + f.length + 3 > 100) lines.push(f);
    else lines[lines.length - 1] = cur ? `${cur}, ${f}` : f;
  }
  return lines.join(",\n");
}

const TASK = defineTask({
  name: "export-training",
  summary: "Build a training export (features, labels, CPCV folds, windows) from a lake dataset.",
  options: {
    spec: {
      type: "path",
      required: true,
      mustExist: true,
      example: "tasks/specs/export_user_daily.json",
      description: "Export spec (JSON: name, data, features, label, trainEnd, cpcv, sequence)",
    },
    out: { type: "path", description: "Output folder (default data/exports/<name>)" },
    ...datasetOptions("", "Lake dataset to export from (replaces the spec's data)"),
    "batch-dates": {
      type: "integer",
      min: 1,
      description: "Export out of core in time batches of N dates (default: automatic, see below)",
    },
    "batch-above": {
      type: "integer",
      min: 0,
      description:
        "Batch automatically (250 dates) when the dataset's manifest holds more rows (default 20000000; 0: never)",
    },
    cluster: {
      type: "boolean",
      description:
        "Compute the batches on cluster workers (deno task worker) via the queue on WORKBENCH_CATALOG",
    },
    "lease-seconds": LEASE_OPTION,
  },
  details: `Spec fields (unknown fields are refused, exit 2): name, data, features, label
({"kind": "forward_return", "horizon": 5, "type": "log|simple"}, {"kind": "overnight"} or
{"kind": "triple_barrier", "maxHolding", "upper", "lower", "volSpan"}), trainEnd, and optional
universe, start, end, frequency, gaps, cpcv ({"groups", "testGroups", "embargoDays" or
"embargoBars"}), sequence ({"lookback", "patchLength", "stride"}); see
lib/features/export_spec.ts.
Daily, weekly, monthly, quarterly and yearly datasets are exported on their own bars: every
feature window, label horizon and sequence lookback counts bars of the dataset's frequency
(roc_5 on monthly data is 5 months; mom_12_1 looks back 252 bars, 21 years of months).
"frequency" ("1d" = "day" = "session", "week", "month", "quarter", "year") only checks the
dataset's: a mismatch is refused (exit 2); leave it out to take the dataset's. A row is decided
when its bar is known (the session close; for weekly and slower bars the close of the period's
last session) and its label ends when the target bar is known; "embargoDays" is calendar days
after each test block, "embargoBars" the next N bars of the dataset after it (its own dates,
decided at their close: 1 on monthly data is the next month's bar, on daily data the next
session, over a weekend too); give one of the two (both: exit 2), neither: no embargo. An
overnight label needs daily bars with an open. A feature that needs columns the data lacks is
named with them (exit 2, nothing written): atr_14_pct, stoch_k and vol_park_20 need
high and low, vol_yz_20 open, high and low, ret_overnight and ret_intraday open, amihud_21 and
log_dollar_volume_21 volume (close-only bars: the others). A feature that needs more bars than
the data has is named with its window and the bars available (exit 2).
"gaps": "break" (default) makes a window or label over a missing session (a holiday of a
market without its calendar on --calendar weekdays, a quarantined NA day) give no value, so the
row is dropped and counted; "skip" computes each symbol's windows and horizons over its
observed bars (pandas s.dropna().rolling(n)), keeping those rows (batched too, same rows).
Features: ${featureList()}.
Returns: roc_5 and roc_20 are simple returns C_t/C_{t-n} - 1; ret_overnight is the LOG return
ln(O_t/C_{t-1}) and ret_intraday ln(C_t/O_t) (they sum to the close-to-close log return), as are
mom_12_1 ln(C_{t-21}/C_{t-252}) and reversal_21 -ln(C_t/C_{t-21}); vol_63 and dow_seasonality
use daily log returns.
mom_12_1, reversal_21, vol_63, amihud_21, log_dollar_volume_21, dow_seasonality and
month_seasonality are percentile ranks across the symbols per date (no value on a date with
fewer than 2 symbols; a universe of one symbol is refused, exit 2); their <name>_raw versions
are each symbol's own values. Every feature is then z-scored over the training rows; a feature
constant there is exported as 0 with a warning (manifest "warnings", "constant"). The output
names the rows each feature leaves without a value, the largest setting the warm-up.

The input is the spec's "data": {"source": "lake", "dataset": "user/msft_daily", ...} or the
dataset options. Daily or slower bars only: the feature panel has one bar per date (intraday
datasets are refused; resample them first). Label end times use the dataset calendar's sessions,
volatility features its periods per year; the manifest names the dataset, its calendar,
frequency and currency and pins its files' checksums.

Out of core: with --batch-dates N (or automatically above --batch-above rows) the dataset is
read in batches of N dates with a warm-up and look-ahead derived from the features' lookbacks
and the label horizon, and the rows equal the eager export's (lib/features/export_batched.ts).
Features with unbounded lookback (rsi_14, macd_hist_pct, atr_14_pct, bb_pctb, vol_63, amihud_21,
log_dollar_volume_21, dow_seasonality), triple_barrier labels, sequence windows and adjusted
prices are exported eagerly only: --batch-dates refuses them, the automatic choice falls back.

With --cluster (implies batches, --batch-dates N or 250) every batch is one job
(features.export_batch) for \`deno task worker\` processes, which write the batches' samples under
the output folder (it must be shared with them, as the lake); this process merges them as the
single-process batched export does, so the rows and manifest are the same. A spec that cannot be
batched is refused with exit 2.

Exit codes: 0 exported, 1 building failed, 2 bad arguments, spec, unknown dataset, or a spec
the dataset cannot give (frequency, label, too few symbols or bars).`,
  examples: [
    "--spec tasks/specs/export_user_daily.json",
    "--spec my_export.json --dataset user/msft_daily --start 1990-01-02 --adjust split",
    "--spec my_export.json --batch-dates 250",
    "--spec my_export.json --cluster --batch-dates 120",
  ],
});

await runTask(TASK, async ({ values }) => {
  const lease = leaseOption(values);
  let catalog: ClusterCatalog | undefined;
  if (values.cluster) {
    try {
      catalog = catalogFromEnv();
    } catch (e) {
      throw new UsageError(`--cluster: ${(e as Error).message}`);
    }
    registerWorkbenchJobs();
  }
  const ref = datasetRefFromValues(datasetValues(values)) ?? undefined;
  let spec;
  try {
    spec = resolveExportSpec(JSON.parse(await Deno.readTextFile(values.spec)), ref);
  } catch (e) {
    throw new UsageError(`cannot read spec ${values.spec}: ${(e as Error).message}`);
  }
  const outDir = values.out ?? join("data", "exports", spec.name);
  const blocker = batchBlocker(spec);
  const batchDates = values["batch-dates"];
  if ((batchDates !== undefined || catalog) && blocker) {
    throw new UsageError(
      `${catalog ? "--cluster: " : ""}cannot export ${spec.name} in batches: ${blocker}`,
    );
  }
  let batched = batchDates ?? (catalog ? 250 : undefined);
  if (batched === undefined && !blocker && (values["batch-above"] ?? 20_000_000) > 0) {
    let rows = 0;
    try {
      rows = await sourceRows(spec.source);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    if (rows > (values["batch-above"] ?? 20_000_000)) batched = 250;
  }
  if (batched !== undefined) {
    const t = performance.now();
    let r;
    try {
      r = await exportTrainingSetBatched(spec, {
        outDir,
        batchDates: batched,
        onBatch: (b) => console.log(`batch ${b.batch}: ${b.from}..${b.to}, ${b.rows} rows`),
        ...(catalog
          ? {
            runBatches: clusterExportBatches({
              catalog,
              onProgress: progressPrinter(),
              ...lease,
            }),
          }
          : {}),
      });
    } catch (e) {
      if (e instanceof RangeError && /^(Unknown|Invalid)/.test(e.message)) {
        throw new UsageError(e.message);
      }
      if (e instanceof NotAPriceError) throw new UsageError(e.message);
      if (e instanceof ExportSpecError) throw new UsageError(e.message);
      throw e;
    }
    const d = r.dataset, m = r.manifest;
    const uw = priceUnitsWarning(d.name, d.meta, PRICE_USE);
    if (uw) console.error(`export-training: warning: ${uw}`);
    console.log(
      `input ${d.manifest}: calendar ${d.meta.calendar}, frequency ${d.meta.frequency}, currency ${
        d.meta.currency ?? "none"
      }, units ${unitsLabel(d.meta)}, ${d.periodsPerYear} periods per year; ${
        barsNote(d.meta.frequency, spec.features)
      }`,
    );
    console.log(
      `exported ${m.rows} rows (${m.rows_dropped_incomplete} incomplete dropped${
        gapNote(m)
      }), ${m.features.length} features, ${
        m.cpcv?.splits.length ?? 0
      } CPCV splits to ${outDir} in ${r.batches} batches of ${batched} dates (${r.reads} reads${
        catalog ? ", on the cluster" : ""
      }), ${(performance.now() - t).toFixed(0)} ms`,
    );
    printNotes(m);
    return;
  }
  const t0 = performance.now();
  let loaded;
  try {
    loaded = await loadDailyBars(spec.source);
  } catch (e) {
    if (e instanceof RangeError && /^(Unknown|Invalid)/.test(e.message)) {
      throw new UsageError(e.message);
    }
    if (e instanceof NotAPriceError) throw new UsageError(e.message);
    throw e;
  }
  const t1 = performance.now();
  const uw = loaded.dataset &&
    priceUnitsWarning(loaded.dataset.name, loaded.dataset.meta, PRICE_USE);
  if (uw) console.error(`export-training: warning: ${uw}`);
  let m;
  try {
    m = await exportLoadedBars(loaded, spec, { outDir });
  } catch (e) {
    if (e instanceof ExportSpecError) throw new UsageError(e.message);
    throw e;
  }
  if (loaded.dataset) {
    const d = loaded.dataset;
    console.log(
      `input ${d.manifest}: calendar ${d.meta.calendar}, frequency ${d.meta.frequency}, currency ${
        d.meta.currency ?? "none"
      }, units ${unitsLabel(d.meta)}, ${d.periodsPerYear} periods per year; ${
        barsNote(d.meta.frequency, spec.features)
      }`,
    );
  }
  console.log(
    `exported ${m.rows} rows (${m.rows_dropped_incomplete} incomplete dropped${
      gapNote(m)
    }), ${m.features.length} features, ${m.cpcv?.splits.length ?? 0} CPCV splits${
      m.sequence ? `, windows ${m.sequence.shape.join("x")}` : ""
    } to ${outDir}`,
  );
  printNotes(m);
  console.log(
    `load ${(t1 - t0).toFixed(0)} ms, features+labels+write ${
      (performance.now() - t1).toFixed(0)
    } ms`,
  );
});
