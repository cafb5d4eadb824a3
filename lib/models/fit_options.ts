/**
 * The options a training spec's `model.grid` entries may set, per model kind, and their check.
 * One source of truth: each kind's schema lists the JSON-settable fields of its fit function's
 * options type (`RidgeOptions`, `LogisticOptions` in linear.ts; `GbtOptions`, `ForestOptions` in
 * trees.ts) with the constraint the fit applies, and a compile-time check ({@link SameKeys})
 * fails `deno check` when an options type gains, loses or renames a field that this file does
 * not: the list cannot drift from the types. The defaults stay in the fit functions (the
 * options' `@default` docs); a grid entry only overrides what it names.
 *
 * Fields the training loop sets itself (`sampleWeight`: the export's uniqueness weights; `task`:
 * `model.task`; `validation`) are not grid options and are refused with that reason.
 *
 * An unknown option is refused with its path and the nearest option (lib/core/suggest.ts):
 * `model.grid[0].alpah: unknown option for ridge (did you mean "alpha"?)`, or the kind's options
 * when none is close; a value of the wrong type or outside the option's range with its path and
 * value: `model.grid[1].nTrees = "100": Invalid input: expected number, received string`.
 *
 * @example
 * ```ts
 * import { checkFitGrid } from "./fit_options.ts";
 * checkFitGrid("ridge", [{ alpha: 1 }, { alpha: 10, standardize: true }]); // ok
 * // checkFitGrid("ridge", [{ alpah: 1 }]) throws RangeError:
 * // 'model.grid[0].alpah: unknown option for ridge (did you mean "alpha"?)'
 * ```
 */
import { z } from "zod";
import { unknownOptionMessage } from "../core/suggest.ts";
import type { LogisticOptions, RidgeOptions } from "./linear.ts";
import type { ForestOptions, GbtOptions } from "./trees.ts";

/** Model kinds a training spec can name. */
export const MODEL_KINDS = ["random_forest", "gbt", "ridge", "logistic"] as const;

/** A model kind of a training spec. */
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Fit-function fields the training loop sets itself, with the reason a grid cannot set them. */
export const TRAINING_SET_FIELDS = {
  sampleWeight: "set by training (the export's uniqueness weights)",
  task: "set by model.task",
  validation: "training validates with CPCV, not early stopping on validation rows",
} as const;

const int = (min: number) => z.number().int().min(min);
const nonNeg = z.number().finite().min(0);
const fraction = z.number().gt(0).max(1);
const maxBins = int(2).max(255);

/**
 * The grid options of each model kind: the options of its fit function less
 * {@link TRAINING_SET_FIELDS}, with the constraints the fit applies (or that its doc states).
 */
export const FIT_OPTION_SCHEMAS = {
  ridge: {
    alpha: nonNeg,
    fitIntercept: z.boolean(),
    standardize: z.boolean(),
  },
  logistic: {
    l2: nonNeg,
    fitIntercept: z.boolean(),
    standardize: z.boolean(),
    maxIter: int(1),
    tol: nonNeg,
  },
  gbt: {
    nTrees: int(1),
    learningRate: z.number().finite().positive(),
    maxLeaves: int(2),
    maxDepth: int(0),
    minSamplesLeaf: int(1),
    minHessian: nonNeg,
    l2: nonNeg,
    subsample: fraction,
    colsample: fraction,
    maxBins,
    earlyStoppingRounds: int(1),
    tol: nonNeg,
    seed: z.number().int(),
    threads: int(1),
  },
  random_forest: {
    nTrees: int(1),
    maxDepth: int(0),
    maxLeaves: int(2),
    minSamplesLeaf: int(1),
    maxFeatures: fraction,
    bootstrap: z.boolean(),
    maxSamples: z.number().finite().positive(),
    maxBins,
    seed: z.number().int(),
    threads: int(1),
  },
} as const satisfies Record<ModelKind, Record<string, z.ZodType>>;

/**
 * `true` when `A` and `B` have the same keys, `never` otherwise (so that `const x: SameKeys<...>
 * = true` does not compile when they differ).
 */
export type SameKeys<A, B> = [keyof A] extends [keyof B] ? [keyof B] extends [keyof A] ? true
  : never
  : never;

type Grid<O> = Omit<Required<O>, keyof typeof TRAINING_SET_FIELDS>;
type Shape<K extends ModelKind> = (typeof FIT_OPTION_SCHEMAS)[K];
// The options types and the schemas name the same fields (module doc): a new option in
// linear.ts or trees.ts that is not listed above is a type error here.
const _ridge: SameKeys<Grid<RidgeOptions>, Shape<"ridge">> = true;
const _logistic: SameKeys<Grid<LogisticOptions>, Shape<"logistic">> = true;
const _gbt: SameKeys<Grid<GbtOptions>, Shape<"gbt">> = true;
const _forest: SameKeys<Grid<ForestOptions>, Shape<"random_forest">> = true;
void [_ridge, _logistic, _gbt, _forest];

/** The grid option names of a model kind, in the order of its options type. */
export function fitOptionNames(kind: ModelKind): string[] {
  return Object.keys(FIT_OPTION_SCHEMAS[kind]);
}

/**
 * Check one grid entry (fit options) of a model kind; `path` names it in the message.
 * @throws RangeError with one line (module doc): an unknown option, a field training sets, or a
 *   value of the wrong type or range.
 */
export function checkFitOptions(
  kind: ModelKind,
  config: unknown,
  path = "model.grid[0]",
): void {
  const shape: Record<string, z.ZodType> | undefined = FIT_OPTION_SCHEMAS[kind];
  if (!shape) {
    throw new RangeError(`model.kind: unknown "${kind}" (expected ${MODEL_KINDS.join(", ")})`);
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new RangeError(`${path}: expected an object of ${kind} options`);
  }
  const known = Object.keys(shape);
  for (const [key, value] of Object.entries(config)) {
    const schema = shape[key];
    if (!schema) {
      const reason = (TRAINING_SET_FIELDS as Record<string, string>)[key];
      throw new RangeError(
        `${path}.${key}: ${
          reason !== undefined
            ? `not a grid option (${reason})`
            : unknownOptionMessage(key, kind, known)
        }`,
      );
    }
    const r = schema.safeParse(value);
    if (!r.success) {
      throw new RangeError(
        `${path}.${key} = ${JSON.stringify(value)}: ${r.error.issues[0]!.message}`,
      );
    }
  }
}

/**
 * Check every entry of a model grid ({@link checkFitOptions}); entry i is named `${path}[i]`.
 * @throws RangeError naming the first bad entry and option.
 */
export function checkFitGrid(
  kind: ModelKind,
  grid: readonly unknown[] | undefined,
  path = "model.grid",
): void {
  (grid ?? []).forEach((config, i) => checkFitOptions(kind, config, `${path}[${i}]`));
}
