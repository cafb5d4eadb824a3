/**
 * Strict spec objects: a JSON spec or configuration a task reads (backtest, export-training,
 * train) refuses a field it does not know instead of ignoring it, and the message names the
 * field with its path and, when a known field is close, the one probably meant:
 * `label.horizn: unknown field (did you mean "horizon"?)` ({@link formatZodIssues} in task.ts
 * writes the path; tasks exit 2 on it).
 *
 * Objects that intentionally take free-form keys (a strategy's `grid`, a model's fit options)
 * stay `z.record(...)`; everything else in a spec is a {@link specObject}.
 *
 * @example
 * ```ts
 * const Label = specObject({ kind: z.literal("forward_return"), horizon: z.number().optional() });
 * Label.safeParse({ kind: "forward_return", horizn: 20 }).error?.issues[0]?.message;
 * // 'unknown field (did you mean "horizon"?)'
 * ```
 */
import { z } from "zod";

/**
 * Optimal string alignment distance (Levenshtein with adjacent transpositions, each edit costs
 * 1), case-insensitive: "horizn" -> "horizon" is 1, "strat" -> "start" is 1 (one transposition).
 *
 * @example editDistance("horizn", "horizon") // 1
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase(), t = b.toLowerCase();
  const m = s.length, n = t.length;
  // d[i][j] over rows i-2, i-1, i
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = new Array<number>(n + 1);
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      cur[j] = v;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/**
 * The known name closest to `word` (fewest edits), or undefined when none is close: within
 * edit distance max(1, floor(length / 3)) of the longer word ("horizn" -> "horizon", "strat" ->
 * "start"), or one starts with the other of at least 4 letters ("embargo" -> "embargoDays").
 * Ties go to the first in `known`.
 *
 * @example didYouMean("horizn", ["kind", "horizon"]) // "horizon"
 * @example didYouMean("zzz", ["kind", "horizon"]) // undefined
 */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    const limit = Math.max(1, Math.floor(Math.max(word.length, k.length) / 3));
    const [short, long] = word.length <= k.length
      ? [word.toLowerCase(), k.toLowerCase()]
      : [k.toLowerCase(), word.toLowerCase()];
    const prefix = short.length >= 4 && long.startsWith(short);
    if ((d <= limit || prefix) && d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

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
