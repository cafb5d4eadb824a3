/** A small daily-bar lake and export spec shared by the batched-export snapshot and stale tests. */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../../lib/lake/mod.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import { resolveExportSpec } from "../../lib/features/mod.ts";
import { nyMs, userDailyBarsSpec } from "../dataset/_lake.ts";

export const SPEC: DatasetSpec = userDailyBarsSpec("pinned_daily");
export const DATES = getCalendar("nyse").sessions("2021-01-04", "2022-12-30");

/** Seeded daily bars of `symbols` on `dates`, closes scaled by `scale`. */
export function frame(symbols: string[], dates: string[], seed: number, scale = 1): pl.DataFrame {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const c: Record<string, (string | number)[]> = {
    symbol: [],
    date: [],
    open: [],
    high: [],
    low: [],
    close: [],
    volume: [],
    known_at: [],
  };
  for (const sym of symbols) {
    let px = 50 + 50 * r();
    for (const d of dates) {
      const o = px * Math.exp(0.01 * (r() - 0.5));
      px = o * Math.exp(0.03 * (r() - 0.5));
      c.symbol!.push(sym);
      c.date!.push(d);
      c.open!.push(o * scale);
      c.high!.push(Math.max(o, px) * 1.005 * scale);
      c.low!.push(Math.min(o, px) * 0.995 * scale);
      c.close!.push(px * scale);
      c.volume!.push(Math.round(1e5 + 1e6 * r()));
      c.known_at!.push(nyMs(d, 16 * 60));
    }
  }
  return pl.DataFrame([
    pl.Series("symbol", c.symbol as string[], pl.Utf8),
    pl.Series("date", c.date as string[], pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
    ...["open", "high", "low", "close", "volume"].map((k) =>
      pl.Series(k, c[k] as number[], pl.Float64)
    ),
    pl.Series("known_at", c.known_at as number[], pl.Float64).cast(pl.Int64).cast(
      pl.Datetime("ms", "UTC"),
    ),
  ]);
}

export function exportSpec() {
  return resolveExportSpec({
    name: "pinned",
    data: { source: "lake", dataset: "user/pinned_daily" },
    features: ["roc_5", "roc_20", "vol_park_20", "ret_overnight"],
    label: { kind: "forward_return", horizon: 5 },
    trainEnd: "2022-06-01",
    cpcv: { groups: 4, testGroups: 1, embargoDays: 3 },
  });
}
