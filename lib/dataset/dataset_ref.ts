/**
 * One dataset reference for every recipe: a lake dataset (`user/msft_daily`,
 * `polygon/stock_bars_minute`, zone `curated` unless written `raw/...` or `reference/...`) or a
 * SQL view (`view:user_daily_bars`), narrowed by symbols, a time range and `asOf`, with an
 * adjustment mode. Specs write it as `"data": {"source": "lake", "dataset": ...}`; tasks take
 * `--dataset` plus `--symbols`, `--start`, `--end`, `--as-of`, `--adjust`.
 */
import { z } from "zod";
import type { AdjustMode } from "../frames/adjust.ts";
import { specObject } from "../cli/spec_schema.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

/** Adjustment of bar prices: none, for splits only, or total return (splits and dividends; lib/frames adjust). */
export const ADJUST_MODES = [
  "raw",
  "split",
  "total_return",
] as const satisfies readonly AdjustMode[];

/** JSON shape of a dataset reference (strict: an unknown field such as `symbol` is refused). */
export const DatasetRefSchema = specObject({
  source: z.literal("lake"),
  /** `source/dataset`, `zone/source/dataset`, or `view:<name>`. */
  dataset: z.string().min(1),
  /** Only these symbols. @default all */
  symbols: z.array(z.string().min(1)).min(1).optional(),
  /** First date (inclusive, of the event time). @default the dataset's first */
  start: isoDate.optional(),
  /** Last date (inclusive). @default the dataset's last */
  end: isoDate.optional(),
  /** Point in time: only rows known at or before this instant (ISO date or datetime). @default all */
  asOf: z.string().min(1).optional(),
  /** Price adjustment. @default "raw" */
  adjust: z.enum(ADJUST_MODES).default("raw"),
  /** Override of the dataset's declared calendar. @default the dataset's */
  calendar: z.string().optional(),
  /** Override of the dataset's declared currency. @default the dataset's */
  currency: z.string().optional(),
});

/** A parsed dataset reference. */
export type DatasetRef = z.infer<typeof DatasetRefSchema>;
