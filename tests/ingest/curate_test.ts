import pl from "nodejs-polars";
import { loadConfig } from "../../lib/config/config.ts";
import { Rng } from "../../lib/core/random.ts";
import { Secret } from "../../lib/core/secret.ts";
import { runBackfill } from "../../lib/ingest/backfill.ts";
import { curateCommand } from "../../lib/ingest/commands.ts";
import { polygonBarPipeline } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { ohlcAllValid, ohlcReason, splitValid } from "../../lib/ingest/pipelines/_common.ts";
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

Deno.test("ohlcAllValid agrees with the ohlcReason expression row by row (NaN, inf, null, zero, crossed)", () => {
  const rng = new Rng(7);
  const bad = [NaN, Infinity, -Infinity, 0, -1, null];
  for (let trial = 0; trial < 300; trial++) {
    const n = rng.int(1, 4);
    const cols: Record<string, (number | null)[]> = { o: [], h: [], l: [], c: [], v: [] };
    for (let i = 0; i < n; i++) {
      const o = 10 + rng.uniform(), c = 10 + rng.uniform();
      let h = Math.max(o, c) + rng.uniform() * 0.1, l = Math.min(o, c) - rng.uniform() * 0.1;
      const kind = rng.int(0, 9);
      if (kind === 0) [h, l] = [l, h]; // crossed
      if (kind === 1) h = Math.min(o, c) - 0.01; // high below open/close
      const row: Record<string, number | null> = { o, h, l, c, v: rng.int(0, 100) };
      if (kind === 2) row[["o", "h", "l", "c", "v"][rng.int(0, 4)]!] = bad[rng.int(0, 5)]!;
      if (kind === 3) row.l = Math.min(o, c); // equal bounds are valid
      if (kind === 4) row.l = (o + c) / 2; // low above one of open/close only
      if (kind === 5) row.h = (o + c) / 2; // high below one of open/close only
      for (const k of Object.keys(cols)) cols[k]!.push(row[k]!);
    }
    const df = pl.DataFrame(
      Object.entries(cols).map(([k, v]) => pl.Series(k, v, pl.Float64)),
    );
    const slow = splitValid(df, ohlcReason("o", "h", "l", "c", "v"), "t", ["o"]).rejected;
    assertEquals(
      ohlcAllValid(df, "o", "h", "l", "c", "v"),
      slow.length === 0,
      JSON.stringify(cols),
    );
  }
});
