/**
 * Bench helper: the curated minute-bar spec the lake benches write (one row per symbol and
 * minute, `date=` partitions, the OHLCV columns and `known_at`), under a dataset name of their
 * own, with extra columns where a bench needs them.
 */
import type { ColumnType, DatasetSpec } from "../lib/lake/mod.ts";

/** A curated bar spec `bench/<dataset>` (extra columns go before `known_at`). */
export function benchBarSpec(
  dataset: string,
  extra: Record<string, ColumnType> = {},
): DatasetSpec {
  return {
    zone: "curated",
    source: "bench",
    dataset,
    partitioning: "date",
    timeColumn: "ts",
    naturalKey: ["symbol", "ts"],
    schema: {
      symbol: "str",
      ts: "ts_ms",
      open: "f64",
      high: "f64",
      low: "f64",
      close: "f64",
      volume: "f64",
      ...extra,
      known_at: "ts_ms",
    },
  };
}
