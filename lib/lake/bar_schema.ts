/**
 * The curated bar contract shared by every producer and reader of bars in the lake: one row per
 * instrument per bar, `ts` the bar's open (UTC), `known_at` when the bar became knowable (its
 * close for intraday bars). Producers (lib/ingest's bar pipelines) and readers (frames,
 * consolidation, the simulated market's lake replay) take the schema from here so the
 * contract is written down once.
 */
import type { DatasetSpec } from "./spec.ts";

/** Columns of a curated OHLCV bar dataset (lineage columns are added by the writer). */
export const CURATED_BAR_SCHEMA = {
  ticker: "str",
  ts: "ts_ms",
  open: "f64",
  high: "f64",
  low: "f64",
  close: "f64",
  volume: "f64",
  vwap: "f64",
  trades: "i64",
  known_at: "ts_ms",
} as const;

/** Extra columns of curated option bars (parsed from the OCC ticker). */
export const OPTION_BAR_EXTRA = {
  underlying: "str",
  expiration_date: "date",
  contract_type: "str",
  strike: "f64",
} as const;

/** Options of {@link curatedBarSpec}. */
export interface CuratedBarSpecOptions {
  /** @default "date" (intraday bars; daily bars use "year") */
  partitioning?: DatasetSpec["partitioning"];
  /** Extra columns, e.g. {@link OPTION_BAR_EXTRA} or `{ date: "date" }` for daily bars. */
  extra?: DatasetSpec["schema"];
}

/** The spec of a curated bar dataset, e.g. `curatedBarSpec("polygon", "stock_bars_minute")`. */
export function curatedBarSpec(
  source: string,
  dataset: string,
  options: CuratedBarSpecOptions = {},
): DatasetSpec {
  return {
    zone: "curated",
    source,
    dataset,
    partitioning: options.partitioning ?? "date",
    timeColumn: "ts",
    naturalKey: ["ticker", "ts"],
    schema: { ...CURATED_BAR_SCHEMA, ...options.extra },
  };
}
