/**
 * As-of alignment by `known_at`: attach to every target time the latest source row that was
 * already known at that time (known_at <= target). This is how macro releases and vintages,
 * news, and daily data enter an intraday timeline without look-ahead.
 */
import pl from "nodejs-polars";

/**
 * For each target instant, the index of the last source row with knownAt <= target, or -1.
 * `knownAt` must be non-decreasing (epoch ms); `target` may be in any order. Ties: the last of
 * equal knownAt values wins (the latest row written for that instant).
 *
 * @example
 * ```ts
 * asOfIndex(Float64Array.from([5, 10, 15]), Float64Array.from([10, 12])); // [-1, 0, 1]
 * ```
 */
export function asOfIndex(target: Float64Array, knownAt: Float64Array): Int32Array {
  for (let i = 1; i < knownAt.length; i++) {
    if (!(knownAt[i]! >= knownAt[i - 1]!)) {
      throw new RangeError(
        `Cannot align as of: knownAt must be non-decreasing, got ${knownAt[i - 1]} then ${
          knownAt[i]
        } at index ${i}`,
      );
    }
  }
  const out = new Int32Array(target.length);
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!;
    // last index with knownAt <= t
    let lo = 0, hi = knownAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (knownAt[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    out[i] = Number.isNaN(t) ? -1 : lo - 1;
  }
  return out;
}

/** Options for {@linkcode alignAsOf}. */
export interface AlignAsOfOptions {
  /** Time column of the target frame (Datetime ms UTC). @default "ts" */
  on?: string;
  /** Known-at column of the source frame (Datetime ms UTC). @default "known_at" */
  knownAt?: string;
  /** Columns that must match between target and source (e.g. ["symbol"]). @default [] */
  by?: string[];
  /** Source columns to carry over. @default every source column except `by` */
  columns?: string[];
  /** Prefix added to carried columns (and to the source's known_at). @default "" */
  prefix?: string;
}

/**
 * Left as-of join: every target row gets the latest source row with
 * source.known_at <= target.on (within equal `by` keys); columns are null before the first
 * release. The source's `known_at` is kept (prefixed) so each value's vintage stays visible.
 * Both frames are sorted by their time column first; the result is in target time order.
 *
 * @example
 * ```ts
 * const minutes = alignAsOf(spyMinutes, cpiReleases, { columns: ["value"], prefix: "cpi_" });
 * ```
 */
export function alignAsOf(
  target: pl.DataFrame,
  source: pl.DataFrame,
  options: AlignAsOfOptions = {},
): pl.DataFrame {
  const on = options.on ?? "ts";
  const ka = options.knownAt ?? "known_at";
  const by = options.by ?? [];
  const prefix = options.prefix ?? "";
  for (const c of [on, ...by]) {
    if (!target.columns.includes(c)) {
      throw new TypeError(
        `Cannot align as of: target has no column ${c} (has ${target.columns.join(", ")})`,
      );
    }
  }
  for (const c of [ka, ...by]) {
    if (!source.columns.includes(c)) {
      throw new TypeError(
        `Cannot align as of: source has no column ${c} (has ${source.columns.join(", ")})`,
      );
    }
  }
  const carry = (options.columns ?? source.columns.filter((c) => c !== ka && !by.includes(c)))
    .filter((c) => c !== ka);
  const key = "__asof_key";
  const src = source
    .select(...by, ka, ...carry)
    .rename(Object.fromEntries([[ka, `${prefix}${ka}`], ...carry.map((c) => [c, `${prefix}${c}`])]))
    .withColumns(pl.col(`${prefix}${ka}`).cast(pl.Int64).alias(key))
    .sort(key);
  const tgt = target.withColumns(pl.col(on).cast(pl.Int64).alias(key)).sort(key);
  const joined = tgt.joinAsof(src, {
    on: key,
    strategy: "backward",
    ...(by.length ? { by, checkSortedness: false } : {}),
  });
  return joined.drop(key);
}
