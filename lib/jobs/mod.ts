/**
 * The job kinds of the workbench's cluster (lib/cluster): backtest sweep chunks, CPCV folds,
 * backfill units, per-day consolidation and training-export batches. This area sits above backtest, models, ingest and
 * cluster, and imports them; none of them imports it. {@link registerWorkbenchJobs} registers
 * every kind (the worker task and every submitting task call it).
 */
import { registerJobKind } from "../cluster/mod.ts";
import { SWEEP_JOB } from "./sweep.ts";
import { CPCV_FOLD_JOB } from "./cpcv.ts";
import { BACKFILL_UNIT_JOB } from "./backfill.ts";
import { CONSOLIDATE_DAY_JOB } from "./consolidate.ts";
import { EXPORT_BATCH_JOB } from "./export.ts";

export * from "./sweep.ts";
export * from "./cpcv.ts";
export * from "./backfill.ts";
export * from "./consolidate.ts";
export * from "./export.ts";

/** Register every job kind of the workbench (idempotent). */
export function registerWorkbenchJobs(): void {
  registerJobKind(SWEEP_JOB);
  registerJobKind(CPCV_FOLD_JOB);
  registerJobKind(BACKFILL_UNIT_JOB);
  registerJobKind(CONSOLIDATE_DAY_JOB);
  registerJobKind(EXPORT_BATCH_JOB);
}
