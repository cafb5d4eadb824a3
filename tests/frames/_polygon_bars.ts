/**
 * Fixtures for the consolidation tests: raw Polygon-style minute aggregates (as the API returns
 * them, `t` in epoch ms) for the first minutes of a NYSE session, and the curated Polygon bar
 * spec they land in.
 */
import pl from "nodejs-polars";
import { curatedBarSpec, type DatasetSpec, OPTION_BAR_EXTRA } from "../../lib/lake/mod.ts";
import { sessionBounds } from "../../lib/time/mod.ts";

/**
 * Raw Polygon minute bars of `ticker` over the first `n` minutes of the session `date`: bar m
 * opens at the session open + m minutes, o = c = vw = px(m), h = px(m) + 0.05, l = px(m) - 0.05,
 * v = 100, n = 3; `ts` is `t` as Datetime("ms", "UTC").
 *
 * @example rawBars("SPY", "2024-03-01", 390, (m) => 500 + m / 100)
 */
export function rawBars(ticker: string, date: string, n: number, px: (m: number) => number) {
  const open = sessionBounds(date)!.open.getTime();
  const t = Array.from({ length: n }, (_, m) => open + m * 60_000);
  return pl.DataFrame({
    ticker: t.map(() => ticker),
    t: t.map((x) => BigInt(x)),
    o: t.map((_, m) => px(m)),
    h: t.map((_, m) => px(m) + 0.05),
    l: t.map((_, m) => px(m) - 0.05),
    c: t.map((_, m) => px(m)),
    v: t.map(() => 100),
    vw: t.map((_, m) => px(m)),
    n: t.map(() => BigInt(3)),
  }).withColumns(pl.col("t").cast(pl.Int64), pl.col("n").cast(pl.Int64)).withColumns(
    pl.col("t").cast(pl.Datetime("ms", "UTC")).alias("ts"),
  );
}

/** The curated Polygon bar spec `curated/polygon/<dataset>`, with the option columns if `option`. */
export const polygonBarSpec = (dataset: string, option = false): DatasetSpec =>
  curatedBarSpec("polygon", dataset, { extra: option ? OPTION_BAR_EXTRA : {} });
