/**
 * The units of a dataset's values, declared by its producer (`ingest-file --units`) and recorded
 * in the dataset's meta (lib/lake `DatasetMeta.units`, in the manifest), so that operations that
 * only make sense on prices (a backtest trades them; return features and labels take
 * ln(p_t / p_{t-1})) refuse a yield, and quality judges a rate by its changes.
 *
 * Three classes:
 * - `level` (tradable levels): `price` (a price in the dataset's currency), `index` (an index or
 *   total-return level). Returns p_t / p_{t-1} - 1 are meaningful.
 * - `rate` (rates and yields): `percent` (5.25 = 5.25%), `bp` (basis points, 525 = 5.25%), `rate`
 *   (a decimal fraction, 0.0525 = 5.25%). Only changes x_t - x_{t-1} are meaningful: a yield
 *   going from 4.03 to 6.51 is +248 bp, not a 61.5% "return".
 * - `neither`: `ratio` (a ratio such as P/E or a spread ratio), `count` (a number of things),
 *   `return` (period returns, kept as they are: `ingest-file --from-returns simple|log` turns
 *   returns into an index level instead), `other` (any other unit). Neither a price nor a rate.
 *
 * Defaults when a dataset declares no units (all datasets written before units were recorded,
 * and every vendor dataset): bars -> `price`; a series with a currency -> `price`; a series
 * without a currency, or a table -> unknown (null). Price-only operations refuse unknown units
 * without a currency (a value with no currency and no units is not known to be a price: yields
 * ingested with `--currency none` backtested as prices) and warn on unknown units with a currency
 * (a table with a currency: values taken as prices). No migration is needed: the default is
 * derived from the recorded kind and currency each time the dataset is read; declaring the units
 * of an existing dataset (`ingest-file` of the same file with `--units price`) changes no row,
 * the lake writer records the new meta alone.
 *
 * @example
 * ```ts
 * import { resolveUnits, unitsClass } from "./units.ts";
 * resolveUnits({ kind: "series", currency: null, units: "percent" }); // { units: "percent", declared: true }
 * resolveUnits({ kind: "bars", currency: "USD" }); // { units: "price", declared: false }
 * unitsClass("bp"); // "rate"
 * ```
 */

/** Units a dataset's values can be declared in (module doc). */
export const UNITS = [
  "price",
  "index",
  "percent",
  "bp",
  "rate",
  "ratio",
  "count",
  "return",
  "other",
] as const;

/** One of {@link UNITS}. */
export type Units = typeof UNITS[number];

/** `level` (price, index), `rate` (percent, bp, rate) or `neither` (ratio, count, return, other). */
export type UnitsClass = "level" | "rate" | "neither";

/** Whether a string is one of {@link UNITS}. */
export function isUnits(s: string): s is Units {
  return (UNITS as readonly string[]).includes(s);
}

/** The class of a unit (module doc). */
export function unitsClass(u: Units): UnitsClass {
  if (u === "price" || u === "index") return "level";
  if (u === "percent" || u === "bp" || u === "rate") return "rate";
  return "neither";
}

/** The parts of a dataset's meta the units depend on. */
export interface UnitsMeta {
  kind: string;
  currency: string | null;
  units?: Units;
}

/**
 * The units of a dataset: the declared ones, else the default (module doc), or null (unknown)
 * for a series without a currency or a table; `declared` says which.
 */
export function resolveUnits(meta: UnitsMeta): { units: Units | null; declared: boolean } {
  if (meta.units !== undefined) return { units: meta.units, declared: true };
  if (meta.kind === "bars") return { units: "price", declared: false };
  if (meta.kind === "series" && meta.currency !== null) return { units: "price", declared: false };
  return { units: null, declared: false };
}

/** How a unit reads in a sentence: "a yield or rate in percent", "a price", "a count". */
export function unitsPhrase(u: Units): string {
  switch (u) {
    case "price":
      return "a price";
    case "index":
      return "an index level";
    case "percent":
      return "a yield or rate in percent";
    case "bp":
      return "a yield or rate in basis points";
    case "rate":
      return "a rate (decimal fraction)";
    case "ratio":
      return "a ratio";
    case "count":
      return "a count";
    case "return":
      return "period returns";
    case "other":
      return "a quantity in other units";
  }
}

/** Label of a dataset's units for metadata lines: "percent", "price (default for bars)", "unknown". */
export function unitsLabel(meta: UnitsMeta): string {
  const r = resolveUnits(meta);
  if (r.units === null) return "unknown";
  return r.declared ? r.units : `${r.units} (default)`;
}

/** What to pass to declare units, for messages. */
export const UNITS_HINT =
  "declare them with ingest-file --units price|index|percent|bp|rate|ratio|count|return|other (with --replace to change them)";

/** What to do with a dataset of returns (units `return`, or returns taken as prices). */
export const RETURNS_HINT =
  "re-ingest the file with --from-returns simple|log (and --replace): the lake then stores an index level per symbol (base 100 before the first return)";

/**
 * What to do when values are not positive prices (a backtest's bad bar, negative values at
 * ingest): declare their units, or turn returns into levels.
 */
export const NOT_A_PRICE_HINT =
  "if the values are returns, re-ingest with --from-returns simple|log --replace; if they are logs, yields, rates or other quantities, re-ingest with --units percent|bp|rate|ratio|count|other --replace (a backtest trades positive prices)";

/**
 * The values of a dataset are not a price (a backtest, return features or labels refused): the
 * message names the dataset, its units and what to do. Callers turn it into exit 2.
 */
export class NotAPriceError extends RangeError {
  override name = "NotAPriceError";
  /** @param units The dataset's units; null when unknown (no units, no currency). */
  constructor(message: string, readonly dataset: string, readonly units: Units | null) {
    super(message);
  }
}

/**
 * The warning of a price-only operation on a dataset of unknown units with a currency (values
 * taken as prices), or null when its units are known or it has no currency (refused by
 * {@link requirePriceUnits} instead).
 */
export function priceUnitsWarning(dataset: string, meta: UnitsMeta, what: string): string | null {
  if (resolveUnits(meta).units !== null || meta.currency === null) return null;
  return `${dataset} declares no units: its values are taken as prices (${what}); if they are not prices, ${UNITS_HINT}`;
}

/**
 * Refuse a price-only operation on a dataset whose units are not a price or index level: throws
 * {@link NotAPriceError} ("user/tcmd is a yield or rate in percent, not a price: a backtest
 * trades prices; ..."; for units `return` the instruction is {@link RETURNS_HINT}, not `todo`).
 * Unknown units without a currency are refused too ("declares no units and no currency: its
 * values are not known to be prices", with the one re-ingest that declares them); unknown units
 * with a currency return a warning line (values taken as prices); else null.
 *
 * @param what The operation and why it needs prices, e.g. "a backtest trades prices".
 * @param todo What to do instead, appended after the reason.
 */
export function requirePriceUnits(
  dataset: string,
  meta: UnitsMeta,
  what: string,
  todo: string,
): string | null {
  const { units } = resolveUnits(meta);
  if (units === null && meta.currency === null) {
    throw new NotAPriceError(
      `${dataset} declares no units and no currency: its values are not known to be prices (${what}); if they are prices or index levels, re-ingest the same file with --units price (or --units index): no row changes, the units are recorded; if they are returns, ${RETURNS_HINT}; if they are yields or other quantities, --units percent|bp|rate|ratio|count|other`,
      dataset,
      null,
    );
  }
  if (units === null) return priceUnitsWarning(dataset, meta, what);
  if (unitsClass(units) === "level") return null;
  if (units === "return") {
    throw new NotAPriceError(
      `${dataset} is ${unitsPhrase(units)} (units return), not a price: ${what}; ${RETURNS_HINT}`,
      dataset,
      units,
    );
  }
  throw new NotAPriceError(
    `${dataset} is ${unitsPhrase(units)}, not a price: ${what}; ${todo}`,
    dataset,
    units,
  );
}
