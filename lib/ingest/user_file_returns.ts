/**
 * Returns to index levels for `ingest-file --from-returns simple|log [--base B]`: a file of
 * period returns (daily log returns of Swiss indices, say) is stored as an index level per
 * symbol, units `index`, so that backtests and return features read levels and never returns
 * taken as prices.
 *
 * Convention (per symbol, rows in time order, r_1 the return of the first landed row):
 * - the first return is the return from an unseen base period, whose level is `base`
 *   (default 100), to the first row: nothing is stored for the base period;
 * - simple: L_k = base x prod_{j<=k} (1 + r_j), so L_1 = base x (1 + r_1);
 * - log:    L_k = base x exp(sum_{j<=k} r_j), so L_1 = base x e^{r_1};
 * - a simple return <= -1 would make the level <= 0: quarantined as `not_positive`;
 * - a blank or NaN return is never taken as 0: it is quarantined (`missing_value`), and so is
 *   every later row of its symbol (`missing_value`, "level unknown"), since each later level
 *   needs it. The same holds for a return quarantined for any other reason (not a session, a
 *   duplicate date, ...): the chain breaks at its date, or, when its date is unknown (an
 *   unparseable time, a malformed line), at its file row.
 *
 * The products and sums are accumulated in time order exactly as pandas' `cumprod`/`cumsum`
 * (then times `base`), so `base * (1 + r).cumprod()` and `base * np.exp(r.cumsum())` agree to
 * rounding (tests/reference/from_returns_reference.py).
 *
 * @example
 * ```ts
 * import { levelsFromReturns } from "./user_file_returns.ts";
 * levelsFromReturns([0.1, -0.5], "simple", 100); // [110, 55]
 * levelsFromReturns([Math.log(2)], "log", 100); // [200] (to rounding)
 * ```
 */
import { DataError } from "../core/errors.ts";

/** How returns are stated: simple p_t/p_{t-1} - 1, or log ln(p_t/p_{t-1}). */
export type ReturnsKind = "simple" | "log";

/** The kinds of returns `--from-returns` takes. */
export const RETURNS_KINDS = ["simple", "log"] as const;

/** Level of the unseen period before each symbol's first return. */
export const DEFAULT_RETURNS_BASE = 100;

/**
 * `--from-returns` cannot be applied as asked (other `--units` than index, bars with
 * open/high/low, a merge into a dataset of other levels): `ingest-file` exits 2, nothing lands.
 */
export class ReturnsOptionError extends DataError {
  constructor(message: string, options: ConstructorParameters<typeof DataError>[1] = {}) {
    super(message, options);
    this.name = "ReturnsOptionError";
  }
}

/**
 * Index levels from returns in time order (module doc): level k = base x (1 + r_1)...(1 + r_k)
 * for simple, base x exp(r_1 + ... + r_k) for log.
 */
export function levelsFromReturns(
  returns: readonly number[],
  kind: ReturnsKind,
  base: number,
): number[] {
  const out = new Array<number>(returns.length);
  if (kind === "simple") {
    let p = 1;
    for (let k = 0; k < returns.length; k++) out[k] = base * (p *= 1 + returns[k]!);
  } else {
    let s = 0;
    for (let k = 0; k < returns.length; k++) out[k] = base * Math.exp(s += returns[k]!);
  }
  return out;
}

/** The tag recorded in the dataset's meta (`DatasetMeta.transform`): `from_returns:log:base=100`. */
export function returnsTransformTag(kind: ReturnsKind, base: number): string {
  return `from_returns:${kind}:base=${base}`;
}

/** How a transform tag reads: "log returns cumulated to index levels, base 100". */
export function returnsTransformPhrase(kind: ReturnsKind, base: number): string {
  return `${kind} returns cumulated to index levels per symbol, base ${base} the period before the first return (first level = ${base} x ${
    kind === "simple" ? "(1 + r1)" : "e^r1"
  })`;
}

/** Where a quarantined return breaks its symbol's chain: its time key, or its file row. */
export interface ChainBreak {
  key?: number | string;
  row: number;
  /** "2005-03-01 (missing_value)", for messages. */
  what: string;
}

/**
 * Whether a landed row (time key, file row) comes after a break of its symbol's chain: after
 * the earliest quarantined return with a known time, or after (in the file) the first one
 * without.
 */
export function afterBreak(
  b: { byKey?: ChainBreak; byRow?: ChainBreak } | undefined,
  key: number | string,
  row: number,
): ChainBreak | null {
  if (!b) return null;
  if (b.byKey && b.byKey.key !== undefined && key > b.byKey.key) return b.byKey;
  if (b.byRow && row > b.byRow.row) return b.byRow;
  return null;
}
