/**
 * Close-only bars of one symbol written into a temporary lake for the backtest tests of weekly
 * and slower data: curated/user/<dataset> on the NYSE calendar (USD) in one partition, one row
 * per symbol and date (symbol, date, close, known_at).
 */
import pl from "nodejs-polars";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";

/** Spec of the close-only `frequency` dataset curated/user/<dataset> on nyse. */
export const closeBarsSpec = (dataset: string, frequency: string): DatasetSpec => ({
  zone: "curated",
  source: "user",
  dataset,
  partitioning: "none",
  timeColumn: "date",
  naturalKey: ["symbol", "date"],
  schema: { symbol: "str", date: "date", close: "f64", known_at: "ts_ms" },
  meta: { kind: "bars", calendar: "nyse", currency: "USD", frequency },
});

/** Bars of one symbol: ISO dates (stored labels), closes, known_at as epoch ms. */
export interface CloseBars {
  symbol: string;
  dates: readonly string[];
  closes: readonly number[];
  knownMs: readonly number[];
  /** Lineage source of the rows (`test://...`). */
  sourceUri: string;
}

/** Write `bars` as `spec` under `root` (transform `test@1`). */
export async function writeCloseBars(
  root: string,
  spec: DatasetSpec,
  bars: CloseBars,
): Promise<void> {
  await writeDataset(
    spec,
    pl.DataFrame([
      pl.Series("symbol", bars.dates.map(() => bars.symbol), pl.Utf8),
      pl.Series("date", [...bars.dates], pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("close", [...bars.closes], pl.Float64),
      pl.Series("known_at", [...bars.knownMs], pl.Float64)
        .cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
    ]),
    { transformId: "test@1", sourceUri: bars.sourceUri, root },
  );
}
