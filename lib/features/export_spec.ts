/**
 * The JSON schema of a training-export spec (`deno task export-training --spec`, and the `data`
 * of a `deno task train` spec), strict at every level: an unknown field is refused with its path
 * and the nearest known field (`label.horizn: unknown field (did you mean "horizon"?)`), never
 * ignored. Fields:
 *
 * - `name`; `features` (names from `DAILY_FEATURES`); `trainEnd` (YYYY-MM-DD);
 * - `label`: `{"kind": "forward_return", "horizon"?: sessions (default 1), "type"?: "log" |
 *   "simple" (default "log": ln(C_{t+h}/C_t); simple: C_{t+h}/C_t - 1)}`, `{"kind":
 *   "overnight"}` or `{"kind": "triple_barrier", "maxHolding"?, "upper"?, "lower"?, "volSpan"?}`;
 * - `data`: a dataset reference (lib/dataset, with an optional lake `root`), or the older
 *   `source`: a dataset reference,
 *   `{"kind": "sim", "seed"?, "start", "end", "equityCount"?}` or `{"kind": "lake",
 *   "symbols"?}` (curated polygon day bars);
 * - optional `universe`, `start`, `end`, `frequency` (a check of the dataset's bar frequency:
 *   "1d" = "day" = "session", "week", "month", "quarter", "year"; default: the dataset's own),
 *   `gaps` ("break" default: a window over a missing session has no value; "skip": windows
 *   over each symbol's observed bars), `cpcv` (`groups`, `testGroups`, and
 *   `embargoDays` (calendar days) or `embargoBars` (the dataset's bars, e.g. months on monthly
 *   data), not both), `sequence` (`lookback`, `patchLength`, `stride`).
 *
 * @example
 * ```ts
 * ExportSpecSchema.safeParse({ name: "x", features: ["roc_5"], trainEnd: "2024-01-01",
 *   label: { kind: "forward_return", horizn: 20 } }).success; // false
 * ```
 */
import { z } from "zod";
import { specObject } from "../cli/spec_schema.ts";
import { DatasetRefSchema } from "../dataset/dataset_ref.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const posInt = z.number().int().min(1);
const posNum = z.number().finite().positive();

/** The `label` of an export spec (lib/labels `PanelLabelSpec`). */
export const LabelSpecSchema = z.discriminatedUnion("kind", [
  specObject({
    kind: z.literal("forward_return"),
    /** Sessions ahead. @default 1 */
    horizon: posInt.optional(),
    /** `log` (ln of the price ratio) or `simple` (ratio - 1). @default "log" */
    type: z.enum(["log", "simple"]).optional(),
  }),
  specObject({ kind: z.literal("overnight") }),
  specObject({
    kind: z.literal("triple_barrier"),
    /** @default 10 */
    maxHolding: posInt.optional(),
    /** @default 1 */
    upper: posNum.optional(),
    /** @default 1 */
    lower: posNum.optional(),
    /** @default 20 */
    volSpan: z.number().finite().min(1).optional(),
  }),
]);

/**
 * The `data` (or kind-less `source`) of an export spec: a dataset reference (lib/dataset), plus
 * an optional `root`, the lake folder it is read from (lib/features `BarSource`). @default
 * WORKBENCH_DATA
 */
export const ExportDatasetRefSchema = specObject({
  ...DatasetRefSchema.shape,
  root: z.string().min(1).optional(),
});

/** `source: {"kind": "sim", ...}`: a simulated world asked for by name. */
export const SimSourceSchema = specObject({
  kind: z.literal("sim"),
  seed: z.number().int().optional(),
  start: isoDate,
  end: isoDate,
  equityCount: posInt.optional(),
});

/** `source: {"kind": "lake"}`: the curated Polygon day bars (older specs). */
export const LegacyLakeSourceSchema = specObject({
  kind: z.literal("lake"),
  root: z.string().min(1).optional(),
  symbols: z.array(z.string().min(1)).min(1).optional(),
});

/**
 * An export spec's own fields; `data` and `source` are checked by the caller (which of the
 * source forms applies depends on `kind`, see lib/features `resolveExportSpec`).
 */
export const ExportSpecSchema = specObject({
  name: z.string().min(1),
  data: z.unknown().optional(),
  source: z.unknown().optional(),
  features: z.array(z.string()).min(1, "needs at least one feature name"),
  label: LabelSpecSchema,
  universe: z.array(z.string().min(1)).optional(),
  start: isoDate.optional(),
  end: isoDate.optional(),
  frequency: z.enum(["1d", "day", "session", "week", "month", "quarter", "year"]).optional(),
  gaps: z.enum(["break", "skip"]).optional(),
  trainEnd: isoDate,
  cpcv: specObject({
    groups: z.number().int().min(2),
    testGroups: posInt,
    /** Calendar days embargoed after each test group. */
    embargoDays: z.number().int().min(0).optional(),
    /** Bars of the dataset embargoed after each test group (instead of `embargoDays`). */
    embargoBars: z.number().int().min(0).optional(),
  }).refine((c) => c.embargoDays === undefined || c.embargoBars === undefined, {
    message: "give embargoDays (calendar days) or embargoBars (bars of the dataset), not both",
  }).optional(),
  sequence: specObject({ lookback: posInt, patchLength: posInt, stride: posInt }).optional(),
});
