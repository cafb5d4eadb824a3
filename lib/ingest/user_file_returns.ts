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

/**
 * The tag recorded in the dataset's meta (`DatasetMeta.transform`): `from_returns:log:base=100`,
 * with `:percent` appended for returns read in percent (`--returns-in percent`).
 */
export function returnsTransformTag(kind: ReturnsKind, base: number, percent = false): string {
  return `from_returns:${kind}:base=${base}${percent ? ":percent" : ""}`;
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

/**
 * Largest plausible median |r| of one period's returns, by frequency (intraday and daily 0.10,
 * weekly 0.15, monthly 0.25, quarterly 0.40, yearly 0.60). Real series sit far below: daily
 * Swiss index returns (LPP2005REC) 0.0008..0.0042, weekly NYSE log returns 0.012, monthly small
 * caps (SMALLCAP) 0.04..0.10; a volatile stock's daily median is about 0.02.
 */
export const MAX_MEDIAN_ABS_RETURN: Readonly<Record<string, number>> = {
  session: 0.10,
  day: 0.10,
  week: 0.15,
  month: 0.25,
  quarter: 0.40,
  year: 0.60,
};

/**
 * Change ratio (median |x_t - x_{t-1}| / median |x|) under which values "barely change":
 * levels, cumulative returns, or a steady asset's returns.
 */
export const SMOOTH_CHANGE_RATIO = 0.25;

/**
 * Change ratio under which values are too persistent to be a risky asset's returns (independent
 * returns: about sqrt(2) = 1.4; even an autocorrelation of 0.5 keeps it near 1): large values
 * this persistent are cumulative returns, not percent returns (SMALLCAP cumulative net values:
 * 0.04..0.57; NYSE weekly log returns in percent: 1.3).
 */
export const PERSISTENT_CHANGE_RATIO = 0.7;

/**
 * Largest plausible median |x_t - x_{t-1}| x periods a year of values that barely change and
 * are a steady asset's returns: 0.005, half a percentage point of annual rate per period. A
 * T-bill's rate moves a median 0.1..0.2 points a month (monthly returns 0.0040 -> 0.0041:
 * 0.0001 x 12 = 0.0012, or 0.0004 x 12 = 0.0049 where the month's length shows, SMALLCAP T90);
 * cumulative returns read as returns move by a whole period's return of the asset (SMALLCAP
 * MARKET cumulative net values in percent: 0.00068 x 12 = 0.0082). Applied with the random-walk
 * test of {@link returnsPlausibility} (`wander`).
 */
export const MAX_STEADY_YIELD_CHANGE = 0.005;

/** Fewer values than this in a symbol: too few to judge; not checked. */
export const PLAUSIBILITY_MIN_VALUES = 5;

/** What a symbol's "returns" look like instead (see {@link returnsPlausibility}). */
export type ImplausibleKind = "levels" | "gross" | "cumulative" | "percent" | "too_large";

/** Statistics and verdict of {@link returnsPlausibility} for one symbol. */
export interface ReturnsPlausibility {
  n: number;
  /** Median of |x|. */
  medianAbs: number;
  /** Median of x. */
  median: number;
  /** Share of values >= 0.5. */
  atLeastHalf: number;
  /** Share of values < 0. */
  negative: number;
  /** Median |x_t - x_{t-1}| / median |x| (about 1.4 for independent returns). */
  changeRatio: number;
  /**
   * Median |x_t - x_{t-1}| x periods a year: how much the annual rate the values imply moves
   * from one period to the next (a T-bill's monthly return 0.0040 -> 0.0041 moves it 0.0012).
   */
  yieldChange: number;
  /**
   * Median |x_t - x_{t-k}| / median |x_t - x_{t-1}|, k = min(periods a year, n / 4), over the
   * midpoint (1 + sqrt(k)) / 2 between values that vary around a level (1) and a random walk
   * (sqrt(k)): above 1 the values wander like a cumulated sum. NaN when k < 4.
   */
  wander: number;
  /** null: plausible returns. */
  kind: ImplausibleKind | null;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Whether values in time order are plausible period returns (fractions: 0.052 for 5.2%) of
 * frequency `freq` (`session`, `day`, `week`, `month`, `quarter`, `year`, or an interval such
 * as `30m`, judged as daily). With T = {@link MAX_MEDIAN_ABS_RETURN}[freq], fewer than 10% of the
 * values negative ("one-sided"), and the change ratio c = median|x_t - x_{t-1}| / median|x|
 * (about sqrt(2) for independent returns, near 0 for levels, which move little from one period
 * to the next), the values are refused as:
 * - `levels` / `gross`: one-sided and more than half of them >= 0.5 (+50% a period): levels
 *   (c < 0.25) or gross returns 1 + r (median in 0.5..2), else percent (median |x| / 100 <= T)
 *   or too large;
 * - `cumulative`: c < 0.25 and either |median| x periods a year (252, 52, 12, 4, 1) > 1 (a
 *   series that barely changes is all drift, and a drift above 100% a year is not a return:
 *   returns since a start date, level / first level - 1; or percent returns of a steady asset,
 *   a T-bill's 0.43 a month; its real monthly returns, 0.0043, x 12 = 5% pass) or median
 *   |x_t - x_{t-1}| x periods a year > {@link MAX_STEADY_YIELD_CHANGE} and the values wander
 *   like a random walk (`wander` > 1: changes over k periods grow nearer sqrt(k) times the
 *   one-period change than 1 time; needs 16 or more values): it barely changes against its
 *   size, yet each change is a risky asset's period return and the changes add up, as in
 *   cumulative returns (read in percent, SMALLCAP MARKET: 0.0071 a month changing 0.00068 a
 *   month, wander 1.9; SMALLCAP's T-bill index T90, real monthly returns 0.0044 varying with
 *   the month's length, changes 0.0004 a month, wander 0.73, passes); also, when median
 *   |x| > T or the values are one-sided and mostly >= 0.5, c < {@link PERSISTENT_CHANGE_RATIO}
 *   (too persistent for percent returns, whose c is near 1.4);
 * - `percent`: median |x| > T, 10% or more negative, c >= 0.7, and median |x| / 100 <= T;
 * The checks run on the values as they will be compounded: with `--returns-in percent`, after
 * each value is divided by 100.
 * - `too_large`: median |x| > T otherwise.
 * Fewer than {@link PLAUSIBILITY_MIN_VALUES} values: not judged (kind null).
 *
 * @example returnsPlausibility([1.07, 1.04, 1.1, 0.98, 1.12, 1.2], "month").kind // "levels"
 * @example returnsPlausibility([0.01, -0.02, 0.005, 0.03, -0.01], "month").kind // null
 * @example returnsPlausibility(Array.from({ length: 16 }, (_, t) => 0.005 + 0.0005 * t), "month").kind // "cumulative"
 */
export function returnsPlausibility(values: readonly number[], freq: string): ReturnsPlausibility {
  const xs = values.filter((x) => Number.isFinite(x));
  const n = xs.length;
  const out: ReturnsPlausibility = {
    n,
    medianAbs: NaN,
    median: NaN,
    atLeastHalf: NaN,
    negative: NaN,
    changeRatio: NaN,
    yieldChange: NaN,
    wander: NaN,
    kind: null,
  };
  if (n < PLAUSIBILITY_MIN_VALUES) return out;
  const t = MAX_MEDIAN_ABS_RETURN[freq] ?? MAX_MEDIAN_ABS_RETURN.day!;
  out.medianAbs = median(xs.map(Math.abs));
  out.median = median(xs);
  out.atLeastHalf = xs.filter((x) => x >= 0.5).length / n;
  out.negative = xs.filter((x) => x < 0).length / n;
  const d: number[] = [];
  for (let i = 1; i < n; i++) d.push(Math.abs(xs[i]! - xs[i - 1]!));
  out.changeRatio = out.medianAbs > 0 ? median(d) / out.medianAbs : NaN;
  const oneSided = out.negative < 0.1;
  const smooth = out.changeRatio < SMOOTH_CHANGE_RATIO;
  const persistent = out.changeRatio < PERSISTENT_CHANGE_RATIO;
  const ppy = PERIODS_PER_YEAR[freq] ?? 252;
  out.yieldChange = n > 1 ? median(d) * ppy : NaN;
  const k = Math.min(ppy, Math.floor(n / 4));
  if (k >= 4 && median(d) > 0) {
    const dk: number[] = [];
    for (let i = k; i < n; i++) dk.push(Math.abs(xs[i]! - xs[i - k]!));
    out.wander = median(dk) / median(d) / ((1 + Math.sqrt(k)) / 2);
  }
  const walks = out.wander > 1;
  if (oneSided && out.atLeastHalf > 0.5) {
    out.kind = smooth
      ? "levels"
      : out.median >= 0.5 && out.median <= 2
      ? "gross"
      : persistent
      ? "cumulative"
      : out.medianAbs / 100 <= t
      ? "percent"
      : "too_large";
  } else if (
    smooth &&
    (Math.abs(out.median) * ppy > 1 || (out.yieldChange > MAX_STEADY_YIELD_CHANGE && walks))
  ) out.kind = "cumulative";
  else if (out.medianAbs > t && persistent) out.kind = "cumulative";
  else if (out.medianAbs > t && !oneSided && out.medianAbs / 100 <= t) out.kind = "percent";
  else if (out.medianAbs > t) out.kind = "too_large";
  return out;
}

/**
 * The one-line refusal of implausible `--from-returns` values: the symbols (up to 6) with their
 * statistics, what the values look like, and how to ingest them.
 */
export function implausibleReturnsMessage(
  file: string,
  kind: ReturnsKind,
  freq: string,
  percent: boolean,
  offenders: readonly [string, ReturnsPlausibility][],
): string {
  const t = MAX_MEDIAN_ABS_RETURN[freq] ?? MAX_MEDIAN_ABS_RETURN.day!;
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  const list = offenders.slice(0, 6).map(([s, p]) =>
    `${s} ${p.kind === "too_large" ? "too large" : `${p.kind}?`} (median ${
      p.median.toPrecision(3)
    }${p.median < 0 || p.negative > 0.1 ? `, median |x| ${p.medianAbs.toPrecision(3)}` : ""}, ${
      pct(p.atLeastHalf)
    } >= 0.5, ${pct(p.negative)} < 0, change ratio ${p.changeRatio.toFixed(2)})`
  ).join(", ");
  const counts = new Map<ImplausibleKind, number>();
  for (const [, p] of offenders) counts.set(p.kind!, (counts.get(p.kind!) ?? 0) + 1);
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const per = PERIOD_WORDS[freq]?.[0] ?? "period";
  const adj = PERIOD_WORDS[freq]?.[1] ?? "intraday";
  const verdict: Record<ImplausibleKind, string> = {
    levels:
      "they look like price or index levels (nearly all positive, mostly >= 0.5, moving little from one period to the next): ingest them as levels, without --from-returns (--units index or price)",
    gross:
      "they look like gross returns 1 + r (centred near 1): subtract 1 from each value first, or if they are levels normalised to 1 ingest them without --from-returns (--units index)",
    cumulative: `they barely change from one period to the next${
      percent ? " (read in percent)" : ""
    } yet would compound to over 100% a year or change each ${per} by a risky asset's return: cumulative returns since a start date (level / first level - 1: add 1 and ingest them as levels without --from-returns${
      percent ? " and without --returns-in" : ""
    }, --units index)${
      percent
        ? ""
        : ", or percent returns of a steady asset such as a T-bill (--returns-in percent)"
    }`,
    percent:
      "they look like returns in percent (5.2 meaning 5.2%): pass --returns-in percent (each value divided by 100)",
    too_large:
      `a median |return| above ${t} a ${per} is implausible for ${adj} data: check --freq, or whether they are levels (--units index), percent (--returns-in percent) or log levels`,
  };
  return `Cannot ingest ${file} with --from-returns ${kind}${
    percent ? " --returns-in percent" : ""
  }: the values of ${list}${
    offenders.length > 6 ? `, and ${offenders.length - 6} more symbols` : ""
  } are not plausible ${adj} returns${
    percent ? " once divided by 100" : ""
  } (refused when most are >= 0.5 with under 10% negative, when they change by under a quarter of their size from one ${per} to the next yet compound to over 100% a year or move by over ${
    (MAX_STEADY_YIELD_CHANGE / (PERIODS_PER_YEAR[freq] ?? 252)).toPrecision(2)
  } a ${per} (half a point of annual rate) and wander like a cumulated sum, when large values change by under ${PERSISTENT_CHANGE_RATIO} of their size, or when the median |r| exceeds ${t} a ${per}; see --help); ${
    verdict[main]
  }; nothing landed`;
}

const PERIODS_PER_YEAR: Readonly<Record<string, number>> = {
  session: 252,
  day: 252,
  week: 52,
  month: 12,
  quarter: 4,
  year: 1,
};

const PERIOD_WORDS: Readonly<Record<string, readonly [string, string]>> = {
  session: ["day", "daily"],
  day: ["day", "daily"],
  week: ["week", "weekly"],
  month: ["month", "monthly"],
  quarter: ["quarter", "quarterly"],
  year: ["year", "yearly"],
};
