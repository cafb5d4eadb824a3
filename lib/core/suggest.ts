/**
 * Suggestions for a misspelled name: the edit distance, the closest known name, and the one-line
 * message of an unknown option. Pure string functions (no schema, no I/O) so that every layer
 * can use them: lib/cli's strict spec objects (`spec_schema.ts` re-exports them), lib/models' fit
 * options, lib/backtest's strategy parameters, lib/dataset's dataset and symbol names.
 *
 * @example
 * ```ts
 * import { didYouMean, unknownOptionMessage } from "./suggest.ts";
 * didYouMean("horizn", ["kind", "horizon"]); // "horizon"
 * unknownOptionMessage("alpah", "ridge", ["alpha", "fitIntercept"]);
 * // 'unknown option for ridge (did you mean "alpha"?)'
 * ```
 */

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
 * The message of an option `key` that `owner` (a model kind, a strategy) does not take, what
 * follows the path: `unknown option for ridge (did you mean "alpha"?)` when a known option is
 * close ({@link didYouMean}), else `unknown option for ridge (options: alpha, fitIntercept,
 * standardize)` (`none` when it takes none).
 *
 * @example unknownOptionMessage("zzz", "buy_and_hold", ["weight"]) // "unknown option for buy_and_hold (options: weight)"
 */
export function unknownOptionMessage(
  key: string,
  owner: string,
  known: readonly string[],
): string {
  const m = didYouMean(key, known);
  return `unknown option for ${owner} (${
    m !== undefined ? `did you mean "${m}"?` : `options: ${known.join(", ") || "none"}`
  })`;
}
