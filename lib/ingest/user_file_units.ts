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
  return { units, note: null };
}
