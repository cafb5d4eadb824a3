/**
 * Strict spec objects: a JSON spec or configuration a task reads (backtest, export-training,
 * train) refuses a field it does not know instead of ignoring it, and the message names the
 * field with its path and, when a known field is close, the one probably meant:
 * `label.horizn: unknown field (did you mean "horizon"?)` ({@link formatZodIssues} in task.ts
 * writes the path; tasks exit 2 on it).
 *
 * Objects whose keys depend on another field (a strategy's `grid`, a model's `grid` of fit
 * options) are checked against the options of the strategy or model kind they name
 * (lib/backtest/strategy_module.ts `validateGrid`, lib/models/fit_options.ts
 * `checkFitOptions`), with the same suggestion; everything else in a spec is a
 * {@link specObject}.
 *
 * @example
 * ```ts
 * const Label = specObject({ kind: z.literal("forward_return"), horizon: z.number().optional() });
 * Label.safeParse({ kind: "forward_return", horizn: 20 }).error?.issues[0]?.message;
 * // 'unknown field (did you mean "horizon"?)'
 * ```
 */
import { z } from "zod";
import { didYouMean } from "../core/suggest.ts";

/**
 * Edit distance and closest-name suggestion, re-exported from lib/core/suggest.ts (pure string
 * functions, where lower layers such as lib/models take them from).
 */
export { didYouMean, editDistance } from "../core/suggest.ts";

/**
 * The message of an unknown field among `known` (what follows the path):
 * `unknown field (did you mean "horizon"?)`, or `unknown field (known: kind, horizon)` when none
 * is close; several unknown fields are named in one message.
 *
 * @example unknownFieldMessage(["cost"], ["question", "costs"]) // 'unknown field (did you mean "costs"?)'
 */
export function unknownFieldMessage(keys: readonly string[], known: readonly string[]): string {
  const hint = (k: string) => {
    const m = didYouMean(k, known);
    return m !== undefined ? `did you mean "${m}"?` : `known: ${known.join(", ") || "none"}`;
  };
  if (keys.length === 1) return `unknown field (${hint(keys[0]!)})`;
  return `unknown fields ${keys.map((k) => `"${k}" (${hint(k)})`).join(", ")}`;
}

/**
 * A strict object schema for specs: `z.strictObject(shape)` whose unknown-field issue says
 * {@link unknownFieldMessage} (the suggestion comes from `shape`'s keys).
 *
 * @example specObject({ horizon: z.number() }).safeParse({ horizn: 1 }).success // false
 */
export function specObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys" ? unknownFieldMessage(iss.keys, known) : undefined,
  });
}
