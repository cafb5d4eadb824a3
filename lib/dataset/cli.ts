/**
 * The command-line form of a dataset reference, shared by every recipe that reads one (declared
 * for lib/cli `defineTask`): `--dataset REF [--symbols A,B] [--start YYYY-MM-DD]
 * [--end YYYY-MM-DD] [--as-of ISO] [--adjust raw|split|total_return] [--calendar NAME]
 * [--currency CCY]`.
 *
 * @example
 * ```ts
 * const ref = datasetRefFromValues({ dataset: "user/msft_daily", symbols: ["MSFT"], adjust: "split" });
 * ref.symbols; // ["MSFT"]
 * ```
 */
import { type OptionDecl, UsageError } from "../cli/task.ts";
import { CALENDAR_NAMES } from "../time/trading_calendar.ts";
import { type DatasetRef } from "./dataset_ref.ts";
import { asOfInstant, loadDataset, type LoadDatasetOptions, parseDatasetRef } from "./load.ts";
import type { LoadedDataset } from "./load.ts";

/** The dataset reference options (lib/cli declarations), with `prefix` on every name. */
export function datasetOptions(
  prefix = "",
  what = "Lake dataset to read",
): Record<string, OptionDecl> {
  return {
    [`${prefix}dataset`]: {
      type: "string",
      example: "user/msft_daily",
      description: `${what}: source/name (curated zone), zone/source/name, or view:<name>`,
    },
    [`${prefix}symbols`]: { type: "list", example: "MSFT,AAPL", description: "Only these symbols" },
    [`${prefix}start`]: {
      type: "date",
      description: "First date, inclusive, in the dataset calendar's sense",
    },
    [`${prefix}end`]: { type: "date", description: "Last date, inclusive" },
    [`${prefix}as-of`]: {
      type: "string",
      example: "2024-06-28T20:00:00Z",
      description: "Only rows known at or before this instant (a date: the end of that UTC day)",
    },
    [`${prefix}adjust`]: {
      type: "enum",
      values: ["raw", "split", "total_return"],
      description: "Price adjustment from the lake's corporate actions (default raw)",
    },
    [`${prefix}calendar`]: {
      type: "enum",
      values: CALENDAR_NAMES,
      description: "Override the dataset's declared calendar",
    },
    [`${prefix}currency`]: {
      type: "string",
      example: "USD",
      description: "Override the dataset's declared currency (ISO 4217)",
    },
  };
}

/** The option names of {@link datasetOptions} without prefix. */
export const DATASET_OPTION_NAMES = [
  "dataset",
  "symbols",
  "start",
  "end",
  "as-of",
  "adjust",
  "calendar",
  "currency",
] as const;

/** Parsed values of the dataset options (lib/cli types: `symbols` a list). */
export type DatasetOptionValues = Partial<{
  dataset: string;
  symbols: string[];
  start: string;
  end: string;
  "as-of": string;
  adjust: string;
  calendar: string;
  currency: string;
}>;

/** The values of prefixed dataset options, unprefixed. */
export function datasetValues(values: Record<string, unknown>, prefix = ""): DatasetOptionValues {
  const out: Record<string, unknown> = {};
  for (const k of DATASET_OPTION_NAMES) {
    const v = values[`${prefix}${k}`];
    if (v !== undefined) out[k] = v;
  }
  return out as DatasetOptionValues;
}

/**
 * A dataset reference from option values (checked before any I/O); UsageError with one line for
 * a bad value, or for a reference flag given without a dataset. Null when no dataset option
 * was given and `fallback` names none. `flag` is how the dataset option is spelled in messages.
 */
export function datasetRefFromValues(
  v: DatasetOptionValues,
  fallback?: Partial<DatasetRef>,
  flag = "--dataset",
): DatasetRef | null {
  const dataset = v.dataset ?? fallback?.dataset;
  if (!dataset) {
    const given = DATASET_OPTION_NAMES.find((k) => k !== "dataset" && v[k] !== undefined);
    if (given) throw new UsageError(`--${given} needs ${flag}`);
    return null;
  }
  if (v["as-of"] !== undefined) {
    try {
      asOfInstant(v["as-of"]);
    } catch {
      throw new UsageError(`--as-of ${JSON.stringify(v["as-of"])}: not an ISO date or datetime`);
    }
  }
  if (v.currency !== undefined && !/^[A-Z]{3}$/.test(v.currency)) {
    throw new UsageError(`--currency ${JSON.stringify(v.currency)}: expected a code like USD`);
  }
  if (v.start && v.end && v.start > v.end) {
    throw new UsageError(`--start ${v.start} is after --end ${v.end}`);
  }
  if (!dataset.startsWith("view:")) {
    const parts = dataset.split("/");
    const ok = (parts.length === 2 && parts.every((p) => p)) ||
      (parts.length === 3 && ["raw", "curated", "reference"].includes(parts[0]!) &&
        parts.every((p) => p));
    if (!ok) {
      throw new UsageError(
        `${flag} ${JSON.stringify(dataset)}: expected source/name, zone/source/name or view:<name>`,
      );
    }
  }
  try {
    return parseDatasetRef({
      ...fallback,
      source: "lake",
      dataset,
      ...(v.symbols ? { symbols: v.symbols } : {}),
      ...(v.start ? { start: v.start } : {}),
      ...(v.end ? { end: v.end } : {}),
      ...(v["as-of"] ? { asOf: v["as-of"] } : {}),
      ...(v.adjust ? { adjust: v.adjust } : {}),
      ...(v.calendar ? { calendar: v.calendar } : {}),
      ...(v.currency ? { currency: v.currency } : {}),
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * {@link loadDataset} for tasks: an unknown or malformed dataset is a UsageError (exit 2, one
 * line naming what the lake holds); other errors pass through.
 */
export async function loadDatasetForTask(
  ref: DatasetRef,
  options: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  try {
    return await loadDataset(ref, options);
  } catch (e) {
    if (e instanceof RangeError && /^(Unknown (dataset|view)|Invalid)/.test(e.message)) {
      throw new UsageError(e.message);
    }
    throw e;
  }
}
