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
 *   `other` (any other unit). Neither a price nor a rate.
 *
 * Defaults when a dataset declares no units (all datasets written before units were recorded,
 * and every vendor dataset): bars -> `price`; a series with a currency -> `price`; a series
 * without a currency, or a table -> unknown (null): price-only operations then warn that the
 * values are taken as prices. No migration is needed: the default is derived from the recorded
 * kind and currency each time the dataset is read.
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
  "other",
] as const;

/** One of {@link UNITS}. */
export type Units = typeof UNITS[number];

/** `level` (price, index), `rate` (percent, bp, rate) or `neither` (ratio, count, other). */
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
  "declare them with ingest-file --units price|index|percent|bp|rate|ratio|count|other (with --replace to change them)";

/**
 * The values of a dataset are not a price (a backtest, return features or labels refused): the
 * message names the dataset, its units and what to do. Callers turn it into exit 2.
 */
export class NotAPriceError extends RangeError {
  override name = "NotAPriceError";
  constructor(message: string, readonly dataset: string, readonly units: Units) {
    super(message);
  }
}

/**
 * The warning of a price-only operation on a dataset of unknown units (values taken as prices),
 * or null when its units are known.
 */
export function priceUnitsWarning(dataset: string, meta: UnitsMeta, what: string): string | null {
  if (resolveUnits(meta).units !== null) return null;
  return `${dataset} declares no units (a series without a currency): its values are taken as prices (${what}); if they are not prices, ${UNITS_HINT}`;
}

/**
 * Refuse a price-only operation on a dataset whose units are not a price or index level: throws
 * {@link NotAPriceError} ("user/tcmd is a yield or rate in percent, not a price: a backtest
 * trades prices; ..."); returns a warning line for unknown units (values taken as prices), else
 * null.
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
  if (units === null) return priceUnitsWarning(dataset, meta, what);
  if (unitsClass(units) === "level") return null;
  throw new NotAPriceError(
    `${dataset} is ${unitsPhrase(units)}, not a price: ${what}; ${todo}`,
    dataset,
    units,
  );
}
