/**
 * Real public series written into a temporary lake as user datasets, the way `ingest-file`
 * stores them (a dataset spec with meta: kind, calendar, currency, frequency):
 * - `user/ttrc_daily`: TTR's ttrc daily OHLCV 1985-2006 (tests/fixtures/user_files/ttrc_daily.csv),
 *   calendar nyse, USD, known at the session close;
 * - `user/usdthb_30m`: Reuters USD/THB 30-minute bid closes of June 1997
 *   (tests/fixtures/user_files/usdthb_30m_bid_close.csv), close only (no open, high, low or
 *   volume), calendar fx, currency THB, known at the bar's end. Bars outside every fx session
 *   (the Sunday quotes before the week open at 17:00 New York, weekend quotes) are left out, as
 *   ingest-file quarantines them (`not_a_session`).
 */
import pl from "nodejs-polars";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import { userCloseSpec, userDailyBarsSpec } from "../dataset/_lake.ts";

const FIX = new URL("../fixtures/user_files/", import.meta.url);

const tsCol = (name: string, ms: number[]) =>
  pl.Series(name, ms, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));

/** The ttrc dataset spec. */
export const TTRC_SPEC: DatasetSpec = userDailyBarsSpec("ttrc_daily");

/** The USD/THB 30-minute close-only dataset spec. */
export const USDTHB_SPEC: DatasetSpec = userCloseSpec("usdthb_30m", false, {
  kind: "bars",
  calendar: "fx",
  currency: "THB",
  frequency: "30m",
});

function csvRows(name: string): string[][] {
  const text = Deno.readTextFileSync(new URL(name, FIX));
  return text.trim().split("\n").slice(1).map((l) => l.split(","));
}

/** Write `user/ttrc_daily` into the lake at `root`; returns the number of rows. */
export async function writeTtrc(root: string): Promise<number> {
  await Deno.mkdir(root, { recursive: true });
  const rows = csvRows("ttrc_daily.csv");
  const nyse = getCalendar("nyse");
  const dates = rows.map((r) => r[0]!);
  const num = (k: number) => rows.map((r) => Number(r[k]));
  await writeDataset(
    TTRC_SPEC,
    pl.DataFrame([
      pl.Series("symbol", dates.map(() => "TTRC"), pl.Utf8),
      pl.Series("date", dates, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("open", num(1), pl.Float64),
      pl.Series("high", num(2), pl.Float64),
      pl.Series("low", num(3), pl.Float64),
      pl.Series("close", num(4), pl.Float64),
      pl.Series("volume", num(5), pl.Float64),
      tsCol("known_at", dates.map((d) => nyse.sessionBounds(d)!.close.getTime())),
    ]),
    { transformId: "test@1", sourceUri: "file://ttrc_daily.csv", root },
  );
  return rows.length;
}

/** Write `user/usdthb_30m` into the lake at `root`; returns the number of rows written. */
export async function writeUsdThb(root: string): Promise<number> {
  await Deno.mkdir(root, { recursive: true });
  const fx = getCalendar("fx");
  const rows = csvRows("usdthb_30m_bid_close.csv")
    .map((r) => ({ ms: Date.parse(`${r[0]!.replace(" ", "T")}Z`), close: Number(r[1]) }))
    .filter((r) => fx.sessionDateOf(r.ms) !== null);
  await writeDataset(
    USDTHB_SPEC,
    pl.DataFrame([
      pl.Series("symbol", rows.map(() => "USD_THB"), pl.Utf8),
      tsCol("ts", rows.map((r) => r.ms)),
      pl.Series("close", rows.map((r) => r.close), pl.Float64),
      tsCol("known_at", rows.map((r) => r.ms + 30 * 60_000)),
    ]),
    { transformId: "test@1", sourceUri: "file://usdthb_30m_bid_close.csv", root },
  );
  return rows.length;
}
