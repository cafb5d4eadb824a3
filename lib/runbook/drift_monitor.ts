/**
 * Drift monitoring of the runbook: the features and each model's predictions over a trailing
 * window of live sessions against the training reference, with PSI, KL and KS from
 * `lib/validation` (reference-quantile bins, epsilon-floored proportions; see `driftReport`).
 */
import { type DriftOptions, driftReport, type DriftRow } from "../validation/mod.ts";

/** Drift of one column, labelled by kind. */
export interface MonitoredDrift extends DriftRow {
  kind: "feature" | "prediction";
}

/** Options for {@linkcode monitorDrift}. */
export interface MonitorDriftOptions extends DriftOptions {
  /** Columns with fewer finite current values than this are skipped (too few to bin). @default 20 */
  minCurrent?: number;
}

/** Samples to compare: feature columns and per-model prediction columns. */
export interface DriftSamples {
  features: Record<string, ArrayLike<number>>;
  /** Keyed by model name. @default {} */
  predictions?: Record<string, ArrayLike<number>>;
}

/**
 * Drift rows of `current` against `reference` per column; prediction columns are named
 * `prediction:<model>`. Columns with no finite reference values, or fewer than `minCurrent`
 * finite current values, are skipped (listed in `skipped`), never silently scored.
 *
 * @example
 * ```ts
 * import { monitorDrift } from "./drift_monitor.ts";
 * const ref = Float64Array.from({ length: 200 }, (_, i) => i % 10);
 * const cur = Float64Array.from({ length: 50 }, (_, i) => 5 + (i % 10));
 * monitorDrift({ features: { x: ref } }, { features: { x: cur } }).rows[0]!.status; // "significant"
 * ```
 */
export function monitorDrift(
  reference: DriftSamples,
  current: DriftSamples,
  options: MonitorDriftOptions = {},
): { rows: MonitoredDrift[]; skipped: string[] } {
  const minCurrent = options.minCurrent ?? 20;
  const rows: MonitoredDrift[] = [];
  const skipped: string[] = [];
  const finite = (x: ArrayLike<number>) => {
    let n = 0;
    for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) n++;
    return n;
  };
  const run = (
    kind: MonitoredDrift["kind"],
    ref: Record<string, ArrayLike<number>>,
    cur: Record<string, ArrayLike<number>>,
  ) => {
    for (const name of Object.keys(ref).sort()) {
      const label = kind === "prediction" ? `prediction:${name}` : name;
      const r = ref[name]!, c = cur[name] ?? [];
      if (finite(r) === 0 || finite(c) < minCurrent) {
        skipped.push(label);
        continue;
      }
      const [row] = driftReport({ [label]: r }, { [label]: c }, options);
      rows.push({ ...row!, kind });
    }
  };
  run("feature", reference.features, current.features);
  run("prediction", reference.predictions ?? {}, current.predictions ?? {});
  return { rows, skipped };
}
