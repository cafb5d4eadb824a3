/**
 * The JSON schema of a training spec (`deno task train --spec`, lib/models/train.ts `TrainSpec`),
 * strict at every level: an unknown field is refused with its path and the nearest known field
 * (`model.gird: unknown field (did you mean "grid"?)`), never ignored. Fields: `name`,
 * `question`, `data` (an export-training spec, lib/features/export_spec.ts, whose `source` may
 * also be `{"kind": "sim-spy", "seed"?, "start", "end"}`), `model` (`kind`, `task`, `grid`: a
 * list of fit options, each checked against the options of `kind`, lib/models/fit_options.ts:
 * `model.grid[0].alpah: unknown option for ridge (did you mean "alpha"?)`), `costBps`,
 * `register`.
 *
 * @example
 * ```ts ignore
 * const spec = parseTrainSpec(JSON.parse(Deno.readTextFileSync("tasks/specs/train_spy_overnight_rf.json")));
 * ```
 */
import { z } from "zod";
import { formatZodIssues } from "../cli/task.ts";
import { specObject } from "../cli/spec_schema.ts";
import { type DatasetRefInput, resolveExportSpec } from "../features/training_sources.ts";
import { checkFitGrid, MODEL_KINDS } from "./fit_options.ts";
import type { TrainSpec } from "./train.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

/** `data.source: {"kind": "sim-spy", ...}`: SPY daily open/close of the simulated market. */
export const SimSpySourceSchema = specObject({
  kind: z.literal("sim-spy"),
  seed: z.number().int().optional(),
  start: isoDate,
  end: isoDate,
});

/**
 * The `model` of a training spec; `grid` entries are fit options, objects here and checked
 * against the kind's options by {@link parseTrainSpec} (lib/models/fit_options.ts
 * `checkFitGrid`).
 */
export const ModelGridSpecSchema = specObject({
  kind: z.enum(MODEL_KINDS),
  /** @default "regression" ("binary" for logistic) */
  task: z.enum(["regression", "binary"]).optional(),
  /** One ledger trial per entry. @default [{}] */
  grid: z.array(z.record(z.string(), z.unknown())).optional(),
});

/** A training spec's own fields (`data` is checked by {@link parseTrainSpec}). */
export const TrainSpecSchema = specObject({
  name: z.string().min(1),
  question: z.string().min(1),
  data: z.unknown(),
  model: ModelGridSpecSchema,
  /** @default 1 */
  costBps: z.number().finite().min(0).optional(),
  /** @default true */
  register: z.boolean().optional(),
});

/** Fields of an export-training spec that a training spec has only inside its `data`. */
const EXPORT_ONLY_FIELDS = ["features", "label", "trainEnd", "cpcv", "sequence", "universe"];

type Issue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

/**
 * Several unknown fields none of which is close to a known one: one issue naming them all and
 * the known fields once ("unknown fields a, b (known: name, ...)"), not one known list each.
 */
function conciseUnknown(issues: readonly Issue[]): Issue[] {
  return issues.map((i) => {
    if (i.code !== "unrecognized_keys" || !i.keys || i.keys.length < 2) return i;
    const known = [...i.message.matchAll(/\(known: ([^()]*)\)/g)].map((m) => m[1]!);
    if (known.length !== i.keys.length || /did you mean/.test(i.message)) return i;
    return {
      path: i.path,
      code: "custom",
      message: `unknown fields ${i.keys.join(", ")} (known: ${known[0]})`,
    };
  });
}

/**
 * Check a training spec read from JSON and settle its data's bar source (the command line's
 * dataset reference `ref` replaces `data.source`/`data.data`). RangeError with one line naming
 * the field, e.g. `data.label.horizn: unknown field (did you mean "horizon"?)` or
 * `model.grid[0].alpah: unknown option for ridge (did you mean "alpha"?)`.
 */
export function parseTrainSpec(raw: unknown, ref?: DatasetRefInput): TrainSpec {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new RangeError("the spec must be a JSON object");
  }
  const exportOnly = EXPORT_ONLY_FIELDS.filter((k) => k in raw);
  if (exportOnly.length > 0 && !("model" in raw)) {
    throw new RangeError(
      `this looks like an export-training spec (it has ${
        exportOnly.join(", ")
      } and no model): a training spec holds it as "data" beside name, question and model (e.g. tasks/specs/train_spy_overnight_rf.json); export it with deno task export-training --spec`,
    );
  }
  const r = TrainSpecSchema.safeParse(raw);
  if (!r.success) throw new RangeError(formatZodIssues({ issues: conciseUnknown(r.error.issues) }));
  checkFitGrid(r.data.model.kind, r.data.model.grid);
  if (r.data.data === undefined) throw new RangeError("data: required (an export-training spec)");
  const data = resolveExportSpec(r.data.data, ref, {
    path: ["data"],
    sources: { "sim-spy": SimSpySourceSchema },
  });
  const { data: _, ...rest } = r.data;
  return { ...rest, data } as TrainSpec;
}
