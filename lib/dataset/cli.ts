/**
 * The command-line form of a dataset reference, shared by every recipe that reads one:
 * `--dataset REF [--symbols a,b] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--as-of ISO]
 * [--adjust raw|split|total_return] [--calendar NAME] [--currency CCY]`.
 *
 * @example
 * ```ts
 * const ref = datasetRefFromArgs({ dataset: "user/msft_daily", symbols: "MSFT", adjust: "split" });
 * ref.symbols; // ["MSFT"]
 * ```
 */
import { CALENDAR_NAMES } from "../time/trading_calendar.ts";
import { type DatasetRef } from "./dataset_ref.ts";
import { asOfInstant, parseDatasetRef } from "./load.ts";

/** `parseArgs` options of the dataset reference flags. */
export const DATASET_ARG_OPTIONS = {
  dataset: { type: "string" },
  symbols: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  "as-of": { type: "string" },
  adjust: { type: "string" },
  calendar: { type: "string" },
  currency: { type: "string" },
} as const;

/** Usage lines of the dataset reference flags. */
export const DATASET_ARGS_HELP =
  `  --dataset REF       lake dataset (source/name, e.g. user/msft_daily or polygon/stock_bars_day;
                      raw/..., reference/... for other zones) or view:<name> (deno task query --views)
  --symbols A,B       only these symbols (default: all)
  --start YYYY-MM-DD  first date, inclusive, in the dataset calendar's sense (default: the first)
  --end YYYY-MM-DD    last date, inclusive (default: the last)
  --as-of ISO         point in time: only rows known at or before (a date means the end of that UTC day)
  --adjust MODE       raw | split | total_return (corporate actions from the lake; default raw)
  --calendar NAME     override the dataset's calendar (${CALENDAR_NAMES.join(", ")})
  --currency CCY      override the dataset's currency (ISO 4217)`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A dataset reference from parsed flags; RangeError with one line for a bad value (checked
 * before any I/O). `dataset` may come from elsewhere (a spec) through `fallback`.
 */
export function datasetRefFromArgs(
  v: Partial<Record<keyof typeof DATASET_ARG_OPTIONS, string | undefined>>,
  fallback?: Partial<DatasetRef>,
): DatasetRef {
  const dataset = v.dataset ?? fallback?.dataset;
  if (!dataset) throw new RangeError("--dataset is required (e.g. --dataset user/msft_daily)");
  for (const k of ["start", "end"] as const) {
    const x = v[k];
    if (x !== undefined && (!DATE.test(x) || Number.isNaN(Date.parse(x)))) {
      throw new RangeError(`--${k} must be a date YYYY-MM-DD, got "${x}"`);
    }
  }
  if (v["as-of"] !== undefined) asOfInstant(v["as-of"]);
  if (v.adjust !== undefined && !["raw", "split", "total_return"].includes(v.adjust)) {
    throw new RangeError(`--adjust must be raw, split or total_return, got "${v.adjust}"`);
  }
  if (
    v.calendar !== undefined && !(CALENDAR_NAMES as readonly string[]).includes(v.calendar)
  ) {
    throw new RangeError(
      `--calendar must be one of ${CALENDAR_NAMES.join(", ")}, got "${v.calendar}"`,
    );
  }
  if (v.currency !== undefined && !/^[A-Z]{3}$/.test(v.currency)) {
    throw new RangeError(`--currency must be an ISO 4217 code like USD, got "${v.currency}"`);
  }
  const symbols = v.symbols?.split(",").map((s) => s.trim()).filter((s) => s);
  if (v.symbols !== undefined && !symbols?.length) {
    throw new RangeError(`--symbols must list at least one symbol, got "${v.symbols}"`);
  }
  if (!dataset.startsWith("view:")) {
    const parts = dataset.split("/");
    const ok = (parts.length === 2 && parts.every((p) => p)) ||
      (parts.length === 3 && ["raw", "curated", "reference"].includes(parts[0]!) &&
        parts.every((p) => p));
    if (!ok) {
      throw new RangeError(
        `--dataset must be source/name, zone/source/name or view:<name>, got "${dataset}"`,
      );
    }
  }
  return parseDatasetRef({
    ...fallback,
    source: "lake",
    dataset,
    ...(symbols ? { symbols } : {}),
    ...(v.start ? { start: v.start } : {}),
    ...(v.end ? { end: v.end } : {}),
    ...(v["as-of"] ? { asOf: v["as-of"] } : {}),
    ...(v.adjust ? { adjust: v.adjust } : {}),
    ...(v.calendar ? { calendar: v.calendar } : {}),
    ...(v.currency ? { currency: v.currency } : {}),
  });
}
