/**
 * Small user datasets written into a temporary lake for the dataset-reference tests: a
 * close-only daily FX series on the `fx` calendar (with the US holiday 2024-07-04, a weekday FX
 * session), an OHLCV daily series of 1987 on `nyse` with a split and a dividend, and
 * 30-minute FX closes in UTC.
 */
import pl from "nodejs-polars";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import { nyWallToMs } from "../../lib/time/new_york.ts";
import { dayNumber } from "../../lib/time/_date.ts";
import { userBarsSpec } from "../../lib/ingest/user_file.ts";

/** NY wall time of a date and minute of day, as epoch ms. */
export function nyMs(date: string, minutes: number): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return nyWallToMs(dayNumber(y, m, d), minutes);
}

const tsCol = (name: string, ms: number[]) =>
  pl.Series(name, ms, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
const dateCol = (dates: string[]) =>
  pl.Series("date", dates, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d");

/** EUR_USD daily closes on the fx calendar: weekdays 2024-07-01..2024-07-12, no others. */
export const FX_DATES = [
  "2024-07-01",
  "2024-07-02",
  "2024-07-03",
  "2024-07-04",
  "2024-07-05",
  "2024-07-08",
  "2024-07-09",
  "2024-07-10",
  "2024-07-11",
  "2024-07-12",
];
/** Closes of {@link FX_DATES}. */
export const FX_CLOSES = [1.07, 1.074, 1.079, 1.081, 1.084, 1.082, 1.081, 1.083, 1.087, 1.091];

/** The close-only FX spec (as ingest-file writes a close-only series, with meta). */
export const FX_SPEC: DatasetSpec = userCloseSpec("eurusd_daily", true, {
  kind: "bars",
  calendar: "fx",
  currency: "USD",
  frequency: "session",
});

/** 1987 OHLCV of ABC on nyse: a 2:1 split ex 1987-10-15 and a 0.40 dividend ex 1987-10-19. */
export const OLD_DATES = [
  "1987-10-12",
  "1987-10-13",
  "1987-10-14",
  "1987-10-15",
  "1987-10-16",
  "1987-10-19",
];
export const OLD_CLOSES = [10, 11, 12, 6.2, 6.4, 6.0];
export const OLD_VOLUMES = [100, 110, 120, 260, 250, 300];

export const OLD_SPEC: DatasetSpec = userDailyBarsSpec("abc_daily");

/** Corporate actions as the Polygon pipelines store them (common columns only). */
export const SPLITS_SPEC: DatasetSpec = {
  zone: "curated",
  source: "polygon",
  dataset: "splits",
  partitioning: "none",
  timeColumn: "event_date",
  naturalKey: ["ticker", "event_date"],
  schema: {
    ticker: "str",
    event_date: "date",
    split_ratio: "f64",
    cash_amount: "f64",
    known_at: "ts_ms",
  },
};
export const DIVIDENDS_SPEC: DatasetSpec = { ...SPLITS_SPEC, dataset: "dividends" };

/** Write the FX, 1987 and corporate-action datasets; `dividendKnownAt` ms of the dividend's known_at. */
export async function writeFixtures(
  root: string,
  options: { dividendKnownAt?: number; actions?: boolean } = {},
): Promise<void> {
  const w = { transformId: "test@1", sourceUri: "test://fixture", root };
  // FX: known at the session close, 17:00 New York of the date.
  await writeDataset(
    FX_SPEC,
    pl.DataFrame([
      pl.Series("symbol", FX_DATES.map(() => "EUR_USD"), pl.Utf8),
      dateCol(FX_DATES),
      pl.Series("close", FX_CLOSES, pl.Float64),
      tsCol("known_at", FX_DATES.map((d) => nyMs(d, 17 * 60))),
    ]),
    w,
  );
  await writeDataset(
    OLD_SPEC,
    pl.DataFrame([
      pl.Series("symbol", OLD_DATES.map(() => "ABC"), pl.Utf8),
      dateCol(OLD_DATES),
      pl.Series("open", OLD_CLOSES.map((c) => c - 0.1), pl.Float64),
      pl.Series("high", OLD_CLOSES.map((c) => c + 0.2), pl.Float64),
      pl.Series("low", OLD_CLOSES.map((c) => c - 0.2), pl.Float64),
      pl.Series("close", OLD_CLOSES, pl.Float64),
      pl.Series("volume", OLD_VOLUMES, pl.Float64),
      tsCol("known_at", OLD_DATES.map((d) => nyMs(d, 16 * 60))),
    ]),
    w,
  );
  if (options.actions === false) return;
  await writeDataset(
    SPLITS_SPEC,
    pl.DataFrame([
      pl.Series("ticker", ["ABC"], pl.Utf8),
      pl.Series("event_date", ["1987-10-15"], pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("split_ratio", [2], pl.Float64),
      pl.Series("cash_amount", [null], pl.Float64),
      tsCol("known_at", [nyMs("1987-10-01", 0)]),
    ]),
    w,
  );
  await writeDataset(
    DIVIDENDS_SPEC,
    pl.DataFrame([
      pl.Series("ticker", ["ABC"], pl.Utf8),
      pl.Series("event_date", ["1987-10-19"], pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("split_ratio", [null], pl.Float64),
      pl.Series("cash_amount", [0.4], pl.Float64),
      tsCol("known_at", [options.dividendKnownAt ?? nyMs("1987-10-05", 0)]),
    ]),
    w,
  );
}

/**
 * The spec of a user daily OHLCV dataset on the NYSE calendar (curated/user/<dataset>, year
 * partitions, one row per symbol and date), the shape `ingest-file` lands for daily bars: the
 * ingest's own {@link userBarsSpec} with the NYSE session meta.
 */
export function userDailyBarsSpec(dataset: string): DatasetSpec {
  return userBarsSpec(dataset, true, {
    meta: { kind: "bars", calendar: "nyse", currency: "USD", frequency: "session" },
  });
}

/**
 * The spec of a user close-only dataset (symbol, `date` or `ts`, close, known_at), the shape
 * `ingest-file` lands for a close-only series: when `daily`, one row per symbol and date in year
 * partitions; otherwise one row per symbol and bar open `ts` in date partitions. `meta` is the
 * declared meta (none when omitted).
 *
 * @example userCloseSpec("usdchf_30m", false, { kind: "bars", calendar: "fx", currency: "CHF", frequency: "30m" })
 */
export function userCloseSpec(
  dataset: string,
  daily: boolean,
  meta?: DatasetSpec["meta"],
): DatasetSpec {
  const common = { ...(meta ? { meta } : {}), zone: "curated", source: "user", dataset } as const;
  return daily
    ? {
      ...common,
      partitioning: "year",
      timeColumn: "date",
      naturalKey: ["symbol", "date"],
      schema: { symbol: "str", date: "date", close: "f64", known_at: "ts_ms" },
    }
    : {
      ...common,
      partitioning: "date",
      timeColumn: "ts",
      naturalKey: ["symbol", "ts"],
      schema: { symbol: "str", ts: "ts_ms", close: "f64", known_at: "ts_ms" },
    };
}
