/**
 * `deno task consolidate --date D --dry-run` on a lake that holds no option bars on D (but does
 * hold them on another day, and holds the underlying and VIX on D): missing input, so exit 2
 * with one line naming the date and the dataset (the --help promise), not exit 1 with a
 * polars "column not found".
 */
import pl from "nodejs-polars";
import { writeDataset } from "../../lib/lake/mod.ts";
import { curatePolygonBars } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { assert, assertEquals } from "../_assert.ts";
import { polygonBarSpec as spec, rawBars } from "./_polygon_bars.ts";

Deno.test("consolidate task: a day with no option bars exits 2 naming the date and dataset", async () => {
  const root = await Deno.makeTempDir({ prefix: "consolidate_empty_" });
  const w = { transformId: "test", sourceUri: "test", root };
  try {
    // Underlying on 2024-03-01 and 2024-03-04, VIX on 2024-03-04, options only on 2024-03-01.
    const spy = pl.concat([
      rawBars("SPY", "2024-03-01", 30, () => 504),
      rawBars("SPY", "2024-03-04", 30, () => 505),
    ]);
    await writeDataset(
      spec("stock_bars_minute"),
      curatePolygonBars(spy, "minute", "stock", "stock_bars_minute").curated,
      w,
    );
    await writeDataset(
      spec("index_bars_minute"),
      curatePolygonBars(
        rawBars("I:VIX", "2024-03-04", 30, () => 14),
        "minute",
        "index",
        "index_bars_minute",
      )
        .curated,
      w,
    );
    await writeDataset(
      spec("option_bars_minute", true),
      curatePolygonBars(
        rawBars("O:SPY240315C00505000", "2024-03-01", 30, () => 5),
        "minute",
        "option",
        "option_bars_minute",
      )
        .curated,
      w,
    );
    const task = new URL("../../tasks/consolidate.ts", import.meta.url).pathname;
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--frozen", task, "--date", "2024-03-04", "--rate", "0.05", "--dry-run"],
      env: { WORKBENCH_DATA: root, TZ: "UTC", WORKBENCH_DEBUG: "0" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(o.stderr).trim();
    assertEquals(o.code, 2, err + new TextDecoder().decode(o.stdout));
    assertEquals(err.split("\n").length, 1, err);
    assert(err.includes("2024-03-04"), err);
    assert(err.includes("option_bars_minute"), err);
    assert(!/not found/.test(err), err);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
