import { assert, assertEquals, assertRejects } from "../_assert.ts";
import pl from "nodejs-polars";
import { type DatasetSpec, readDataset, writeDataset } from "../../lib/lake/mod.ts";
import {
  CONSOLIDATED_SPEC,
  consolidateOptionMinutes,
  lakeConsolidationInput,
  lakeRiskFreeRate,
  writeConsolidated,
} from "../../lib/frames/mod.ts";
import { curatePolygonBars } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { sessionBounds } from "../../lib/time/mod.ts";
import { polygonBarSpec as spec, rawBars } from "./_polygon_bars.ts";

const DATE = "2024-03-01", PREV = "2024-02-29";

Deno.test("consolidation reads the curated Polygon datasets and writes a queryable curated dataset", async () => {
  const root = await Deno.makeTempDir();
  try {
    const w = { transformId: "test", sourceUri: "test", root };
    const spy = pl.concat([
      rawBars("SPY", PREV, 390, (m) => 500 + m / 100),
      rawBars("SPY", DATE, 390, (m) => 504 + Math.sin(m / 9)),
    ]);
    await writeDataset(
      spec("stock_bars_minute"),
      curatePolygonBars(spy, "minute", "stock", "stock_bars_minute").curated,
      w,
    );
    await writeDataset(
      spec("index_bars_minute"),
      curatePolygonBars(
        rawBars("I:VIX", DATE, 390, () => 14),
        "minute",
        "index",
        "index_bars_minute",
      ).curated,
      w,
    );
    const opt = pl.concat([
      rawBars("O:SPY240315C00505000", DATE, 200, (m) => 5 + m / 1000),
      rawBars("O:SPY240315P00500000", DATE, 100, () => 3),
    ]);
    await writeDataset(
      spec("option_bars_minute", true),
      curatePolygonBars(opt, "minute", "option", "option_bars_minute").curated,
      w,
    );

    const input = await lakeConsolidationInput(DATE, { root });
    assert(input.underlying.height >= 390 * 2 - 1, "previous session included for warm-up");
    const df = consolidateOptionMinutes(input, { rate: 0.05, div: 0.013 });
    assertEquals(df.height, 2 * 390);
    // warm-up from the previous session: indicators are defined from the first minute
    const first = df.sort("ts").head(2);
    assert(
      (first.getColumn("macd_signal").toArray() as (number | null)[]).every((v) => v !== null),
    );
    await writeConsolidated(df, { transformId: "test", sourceUri: "test", root });
    const back = await readDataset(CONSOLIDATED_SPEC, { root, dropLineage: true });
    assertEquals(back.height, 2 * 390);
    const iv = back.getColumn("iv").toArray() as (number | null)[];
    assert(iv.filter((v) => v !== null).length > 250 && iv.filter((v) => v === null).length > 400);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("consolidation from an empty lake says which dataset is missing", async () => {
  const root = await Deno.makeTempDir();
  try {
    await assertRejects(
      () => lakeConsolidationInput(DATE, { root }),
      RangeError,
      "stock_bars_minute",
    );
    await assertRejects(
      () => lakeConsolidationInput("2024-03-02", { root }),
      RangeError,
      "not a trading day",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("risk-free rate from FRED vintages known at the session open", async () => {
  const root = await Deno.makeTempDir();
  try {
    const fred: DatasetSpec = {
      zone: "curated",
      source: "fred",
      dataset: "macro_observations",
      partitioning: "none",
      timeColumn: "date",
      naturalKey: ["series_id", "date", "realtime_start"],
      schema: {
        series_id: "str",
        date: "date",
        value: "f64",
        realtime_start: "date",
        realtime_end: "date",
        known_at: "ts_ms",
      },
    };
    const open = sessionBounds(DATE)!.open.getTime();
    const df = pl.DataFrame({
      series_id: ["DTB3", "DTB3", "DTB3"],
      date: ["2024-02-28", "2024-02-29", "2024-03-01"],
      value: [5.2, 5.25, 9.99],
      realtime_start: ["2024-02-28", "2024-02-29", "2024-03-01"],
      realtime_end: ["9999-12-31", "9999-12-31", "9999-12-31"],
      known_at: [open - 2 * 86_400_000, open - 86_400_000, open + 6 * 3_600_000],
    }).withColumns(
      pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"),
      pl.col("realtime_start").str.strptime(pl.Date, "%Y-%m-%d"),
      pl.col("realtime_end").str.strptime(pl.Date, "%Y-%m-%d"),
      pl.col("known_at").cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
    );
    assertEquals(await lakeRiskFreeRate(DATE, { root }), null);
    await writeDataset(fred, df, { transformId: "test", sourceUri: "test", root });
    // the 2024-03-01 value is published after the open: not used
    assertEquals(await lakeRiskFreeRate(DATE, { root }), Math.log(1 + 5.25 / 100));
    assertEquals(await lakeRiskFreeRate(DATE, { root, seriesId: "DGS10" }), null);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
