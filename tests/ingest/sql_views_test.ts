/** The SQL views over the backfilled datasets, on a small lake filled from the fixture server. */
import { Secret } from "../../lib/core/secret.ts";
import { runBackfill } from "../../lib/ingest/backfill.ts";
import { fredObservationsPipeline } from "../../lib/ingest/pipelines/fred.ts";
import {
  polygonBarPipeline,
  polygonOptionBarPipeline,
} from "../../lib/ingest/pipelines/polygon_bars.ts";
import { Catalog } from "../../lib/query/catalog.ts";
import { FredClient } from "../../lib/sources/fred.ts";
import { PolygonClient } from "../../lib/sources/polygon.ts";
import { assert, assertEquals } from "../_assert.ts";
import { FAKE_KEY, minuteBars, startFixture } from "./_fixture_server.ts";

Deno.test({
  name:
    "views: macro as of an instant, macro panel, stock bars, option contracts and bars, quarantine",
  sanitizeResources: false,
  fn: async () => {
    const root = Deno.makeTempDirSync({ prefix: "views-" });
    const fx = startFixture({ malformed: (_t, d) => d === "2024-01-03" });
    const fast = { backoffBaseMs: 1, backoffMaxMs: 2 };
    try {
      const polygon = new PolygonClient({
        baseUrl: fx.baseUrl,
        apiKey: new Secret(FAKE_KEY),
        httpOptions: fast,
      });
      const fred = new FredClient({
        baseUrl: `${fx.baseUrl}/fred`,
        apiKey: new Secret(FAKE_KEY),
        httpOptions: fast,
      });
      await runBackfill([
        {
          pipeline: polygonBarPipeline("stock", "minute"),
          symbols: ["SPY"],
          start: "2024-01-02",
          end: "2024-01-03",
        },
        {
          pipeline: polygonOptionBarPipeline(),
          symbols: ["SPY"],
          start: "2024-01-02",
          end: "2024-01-02",
        },
        {
          pipeline: fredObservationsPipeline(),
          symbols: ["UNRATE"],
          start: "2020-01-01",
          end: "2024-12-31",
        },
      ], { clients: { polygon, fred }, root, quality: false });
      const cat = await Catalog.open({ root });
      try {
        for (
          const v of [
            "macro_observations",
            "macro_panel",
            "vendor_stock_bars",
            "option_contracts",
            "option_bars",
            "ingest_quarantine",
          ]
        ) {
          const info = cat.views.find((x) => x.name === v);
          assert(info?.available, `${v} available: ${info?.error}`);
        }
        // As of 2024-03-15 (after the 2024-03-10 vintage, before 2024-04-10): see fredRows.
        const asof = await cat.query(
          "SELECT CAST(date AS VARCHAR) AS d, value FROM macro_observations_asof(CAST($1 AS TIMESTAMPTZ)) ORDER BY date",
          ["2024-03-15T00:00:00Z"],
        );
        assertEquals(asof.rows.map((r) => [r.d, r.value]), [["2023-12-01", 1.1], [
          "2024-01-01",
          null,
        ], ["2024-02-01", 3.0]]);
        // Before the first vintage's release time (08:30 New York on 2024-01-10 = 13:30Z) nothing is known.
        const early = await cat.query(
          "SELECT count(*)::INTEGER AS n FROM macro_observations_asof(CAST($1 AS TIMESTAMPTZ))",
          ["2024-01-10T13:29:59Z"],
        );
        assertEquals(early.rows[0]!.n, 0);
        const panel = await cat.query(
          "SELECT CAST(date AS VARCHAR) AS d, value FROM macro_panel ORDER BY date",
        );
        assertEquals(panel.rows.map((r) => [r.d, r.value]), [["2023-12-01", 1.1], [
          "2024-01-01",
          2.0,
        ], ["2024-02-01", 3.0]]);

        const bars = await cat.query(
          "SELECT vendor, timeframe, count(*)::INTEGER AS n FROM vendor_stock_bars GROUP BY ALL",
        );
        const expected = minuteBars("SPY", "2024-01-02").length +
          minuteBars("SPY", "2024-01-03").length - 1;
        assertEquals(bars.rows, [{ vendor: "polygon", timeframe: "minute", n: expected }]);
        const oc = await cat.query(
          "SELECT count(*)::INTEGER AS n, min(strike) AS lo FROM option_contracts",
        );
        assert((oc.rows[0]!.n as number) > 0, "contracts");
        const ob = await cat.query(
          "SELECT count(DISTINCT ticker)::INTEGER AS n FROM option_bars WHERE timeframe = 'minute'",
        );
        assertEquals(ob.rows[0]!.n, oc.rows[0]!.n);
        const q = await cat.query("SELECT source, dataset, stage FROM ingest_quarantine");
        assertEquals(q.rows, [{ source: "polygon", dataset: "stock_bars_minute", stage: "parse" }]);
      } finally {
        cat.close();
      }
    } finally {
      await fx.close();
      Deno.removeSync(root, { recursive: true });
    }
  },
});
