import { loadConfig } from "../../lib/config/config.ts";
import { Secret } from "../../lib/core/secret.ts";
import { runBackfill } from "../../lib/ingest/backfill.ts";
import { curateCommand } from "../../lib/ingest/commands.ts";
import { polygonBarPipeline } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { PolygonClient } from "../../lib/sources/polygon.ts";
import { assertEquals } from "../_assert.ts";
import { FAKE_KEY, startFixture } from "./_fixture_server.ts";

Deno.test("curate: rebuilds curated rows from raw (identical), a second run writes nothing", async () => {
  const root = Deno.makeTempDirSync({ prefix: "curate-" });
  const fx = startFixture({ inconsistent: (_t, d) => d === "2024-01-03" });
  try {
    const pipe = polygonBarPipeline("stock", "minute");
    const polygon = new PolygonClient({ baseUrl: fx.baseUrl, apiKey: new Secret(FAKE_KEY) });
    await runBackfill([{
      pipeline: pipe,
      symbols: ["SPY"],
      start: "2024-01-02",
      end: "2024-01-03",
    }], {
      clients: { polygon },
      root,
      quality: false,
    });
    const before = await readDataset(pipe.curatedSpec, { root, dropLineage: true });
    Deno.removeSync(`${root}/curated/polygon/stock_bars_minute`, { recursive: true });
    Deno.removeSync(`${root}/_meta/curated/polygon/stock_bars_minute`, { recursive: true });
    const cfg = { ...loadConfig({ env: {}, envFile: null }), lakeRoot: root };
    const lines: string[] = [];
    await curateCommand({ datasets: ["polygon/stock_bars_minute"], full: true }, {
      config: cfg,
      print: (l) => lines.push(l),
    });
    const after = await readDataset(pipe.curatedSpec, { root, dropLineage: true });
    assertEquals(after.rows(), before.rows());
    assertEquals(lines, [
      "polygon/stock_bars_minute: raw 780 -> curated 779 (new or changed 779), quarantined 1",
    ]);
    lines.length = 0;
    await curateCommand({ datasets: ["polygon/stock_bars_minute"], full: true }, {
      config: cfg,
      print: (l) => lines.push(l),
    });
    assertEquals(lines, [
      "polygon/stock_bars_minute: raw 780 -> curated 779 (new or changed 0), quarantined 1",
    ]);
  } finally {
    await fx.close();
    Deno.removeSync(root, { recursive: true });
  }
});
