import { assert, assertEquals, assertRejects } from "../_assert.ts";
import pl from "nodejs-polars";
import { curatedBarSpec, writeDataset } from "../../lib/lake/mod.ts";
import { loadDailyBars } from "../../lib/features/training_sources.ts";
import { curatePolygonBars } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { tradingDays } from "../../lib/time/mod.ts";

/** Polygon daily aggregates are stamped at New York midnight (05:00Z in winter). */
function rawDay(ticker: string, dates: string[], px: (i: number) => number) {
  const t = dates.map((d) => Date.parse(`${d}T05:00:00Z`));
  return pl.DataFrame({
    ticker: t.map(() => ticker),
    t: t,
    o: t.map((_, i) => px(i)),
    h: t.map((_, i) => px(i) + 1),
    l: t.map((_, i) => px(i) - 1),
    c: t.map((_, i) => px(i) + 0.5),
    v: t.map(() => 1000),
    vw: t.map((_, i) => px(i)),
    n: t.map(() => 10),
  }).withColumns(pl.col("t").cast(pl.Int64), pl.col("n").cast(pl.Int64)).withColumns(
    pl.col("t").cast(pl.Datetime("ms", "UTC")).alias("ts"),
  );
}

Deno.test("loadDailyBars reads the curated Polygon day bars from the lake, per symbol", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dates = tradingDays("2024-01-02", "2024-02-29");
    const raw = pl.concat([
      rawDay("AAA", dates, (i) => 10 + i),
      rawDay("BBB", dates.slice(5), (i) => 50 - i / 10),
    ]);
    const curated = curatePolygonBars(raw, "day", "stock", "stock_bars_day").curated;
    await writeDataset(
      curatedBarSpec("polygon", "stock_bars_day", {
        partitioning: "year",
        extra: { date: "date" },
      }),
      curated,
      { transformId: "test", sourceUri: "test", root },
    );
    const { bars, inputs, news } = await loadDailyBars({ kind: "lake", root });
    assertEquals(bars.map((b) => b.symbol), ["AAA", "BBB"]);
    assertEquals(bars[0]!.dates, dates);
    assertEquals(bars[1]!.dates.length, dates.length - 5);
    assertEquals(bars[0]!.close[3], 13.5);
    assertEquals(news.length, 0);
    assert(inputs[0]!.sha256.length === 64);
    const only = await loadDailyBars({ kind: "lake", root, symbols: ["BBB"] });
    assertEquals(only.bars.map((b) => b.symbol), ["BBB"]);
    await assertRejects(
      () => loadDailyBars({ kind: "lake", root: `${root}/empty` }),
      RangeError,
      "Unknown dataset curated/polygon/stock_bars_day",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
