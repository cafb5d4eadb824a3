/**
 * The units an ingest records in a user dataset's meta (lib/lake/units.ts): `--units` when
 * given; else the units the dataset already declares (a re-ingest keeps them); else none
 * recorded, the reader's default applying (bars and series with a currency: price) and, for a
 * series without a currency, a note that the units are unknown (price-only tasks refuse it) and
 * how to declare them.
 *
 * A re-ingest with other units than the dataset declares is refused ({@link UnitsConflictError})
 * unless `replace` is set: the units are the whole dataset's (every symbol's), so changing them
 * is a deliberate act, like replacing the rows.
 *
 * @example
 * ```ts
 * import { ingestUnits } from "./user_file_units.ts";
 * ingestUnits({ dataset: "tcmd", units: "percent" }, "series", null, undefined);
 * // { units: "percent", note: null }
 * ```
 */
import { DataError } from "../core/errors.ts";
import { resolveUnits, UNITS, type Units, unitsPhrase } from "../lake/units.ts";

/** Declared units disagree with the units the stored dataset declares (exit 2 in the task). */
export class UnitsConflictError extends DataError {
  constructor(message: string, options: ConstructorParameters<typeof DataError>[1] = {}) {
    super(message, options);
    this.name = "UnitsConflictError";
  }
}

/**
 * Units to record for an ingest (module doc), and a note for the summary (unknown units, a
 * change of units under `replace`), or null.
 * @throws UnitsConflictError when `units` differ from `stored` and `replace` is not set.
 */
export function ingestUnits(
  options: { dataset: string; units?: Units; replace?: boolean },
  kind: "bars" | "series",
  currency: string | null,
  stored: Units | undefined,
): { units: Units | undefined; note: string | null } {
  const u = options.units;
  if (u !== undefined && stored !== undefined && u !== stored) {
    if (!options.replace) {
      throw new UnitsConflictError(
        `Cannot ingest into user/${options.dataset} with --units ${u}: the dataset declares its values are ${
          unitsPhrase(stored)
        } (units ${stored}) for all its symbols; pass --units ${stored}, or --replace to change the units to ${u}`,
        { dataset: options.dataset },
      );
    }
    return {
      units: u,
      note:
        `units changed from ${stored} to ${u} (--replace): they apply to every symbol of user/${options.dataset}`,
    };
  }
  const units = u ?? stored;
  if (units === undefined && resolveUnits({ kind, currency }).units === null) {
    return {
      units,
      note:
        `units unknown: a series without a currency may be a price, a yield, returns or a count; a backtest, return features and labels refuse it until its units are declared (re-ingesting the same file with --units changes no row). Declare them with --units ${
          UNITS.join("|")
        } (e.g. --units percent for yields in percent)`,
    };
  }
  if (units === undefined && kind === "series") {
    // Defaulted to a price (a series with a currency): said on every such ingest.
    return {
      units,
      note:
        `units price (default for a series with a currency ${currency}): if the values are not prices, declare them with --units percent|bp|rate (yields, rates), ratio|count|return|other; a backtest trades them as prices`,
    };
  }
  return { units, note: null };
}

/**
 * Share of a symbol's rows at or below zero from which values declared (or defaulting) to a
 * price or index level are taken as not prices at all: {@link NOT_PRICES_SHARE} (5%) of the
 * symbol's rows and at least {@link NOT_PRICES_MIN_ROWS} rows. A price does not go to zero or
 * below more than on rare days (WTI crude futures settled at -37.63 USD on 2020-04-20, one day
 * in decades); returns, changes, yields and log levels are <= 0 on many days (about half for
 * daily returns). Below the threshold bars quarantine the rows (`not_positive`) and series warn.
 */
export const NOT_PRICES_SHARE = 0.05;

/** Fewest rows <= 0 of a symbol for {@link notPriceSymbols} to name it (module doc above). */
export const NOT_PRICES_MIN_ROWS = 3;

/**
 * A file taken as prices has, for some symbol, too many values <= 0 ({@link notPriceSymbols}):
 * `ingest-file` exits 2 and nothing lands (no row, no quarantine row).
 */
export class NotPricesError extends DataError {
  constructor(message: string, options: ConstructorParameters<typeof DataError>[1] = {}) {
    super(message, options);
    this.name = "NotPricesError";
  }
}

/** A symbol's rows in the file and how many of them hold a price <= 0. */
export interface NonPositiveCount {
  rows: number;
  nonPositive: number;
}

/**
 * The symbols whose values are not prices: nonPositive >= {@link NOT_PRICES_MIN_ROWS} and
 * nonPositive / rows >= {@link NOT_PRICES_SHARE}, in the map's order.
 *
 * @example
 * ```ts
 * import { notPriceSymbols } from "./user_file_units.ts";
 * notPriceSymbols(new Map([["SPI", { rows: 377, nonPositive: 160 }], ["X", { rows: 60, nonPositive: 1 }]]));
 * // [["SPI", { rows: 377, nonPositive: 160 }]]
 * ```
 */
export function notPriceSymbols(
  counts: ReadonlyMap<string, NonPositiveCount>,
): [string, NonPositiveCount][] {
  return [...counts].filter(([, c]) =>
    c.nonPositive >= NOT_PRICES_MIN_ROWS && c.nonPositive >= NOT_PRICES_SHARE * c.rows
  );
}

/**
 * The one-line refusal for {@link NotPricesError}: the symbols (up to 6) with their count and
 * share, the units taken, and what to pass instead.
 */
export function notPricesMessage(
  file: string,
  dataset: string,
  unitsText: string,
  offenders: readonly [string, NonPositiveCount][],
  existing: boolean,
  kind: "bars" | "series",
): string {
  const list = offenders.slice(0, 6).map(([s, c]) =>
    `${s} ${c.nonPositive} of ${c.rows} rows (${(100 * c.nonPositive / c.rows).toFixed(1)}%)`
  ).join(", ");
  return `Cannot ingest ${file} into user/${dataset} as units ${unitsText}: values <= 0 in ${list}${
    offenders.length > 6 ? `, and ${offenders.length - 6} more symbols` : ""
  }; a price or index level is <= 0 on rare days at most (WTI futures on 2020-04-20), not on ${
    NOT_PRICES_SHARE * 100
  }% of rows, so the values are not prices (returns? log levels? yields? changes?): pass --from-returns simple|log for returns${
    kind === "bars" ? " (close-only bars)" : ""
  }, or ${kind === "bars" ? "--kind series with " : ""}--units percent|rate|other|return${
    existing ? " with --replace" : ""
  }${
    kind === "series"
      ? "; units are per dataset: in a wide file whose other columns are prices, leave such a column out (--skip-column <column>) and ingest it on its own into another dataset with its units (--map value=<column> --units count|percent|other)"
      : ""
  }; nothing landed`;
}
