/**
 * The query console's views over both lake backends: a local folder, and an s3:// lake with its
 * PostgreSQL catalog, whose committed files the catalog fetches into the local mirror (the
 * read-through cache) before the views read them. Row counts and sums are checked against the
 * rows the test wrote, not against another read of the lake.
 */
import { Catalog } from "../../lib/query/mod.ts";
import { closeRemoteLakes, writeDataset } from "../../lib/lake/mod.ts";
import { assertEquals } from "../_assert.ts";
import { backends, withBackend } from "../lake/_backends.ts";
import { BARS, bars } from "../lake/_fixtures.ts";

for (const { kind, ignore } of backends()) {
  Deno.test({
    name: `query: views read the committed files of a ${kind} lake`,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () =>
      withBackend(kind, async (lake) => {
        const sqlDir = await Deno.makeTempDir({ prefix: "views-" });
        try {
          await Deno.writeTextFile(
            `${sqlDir}/test_bars.sql`,
            "-- view: test_bars\n-- purpose: test\n-- grain: one row per symbol per minute\n" +
              "CREATE OR REPLACE VIEW test_bars AS SELECT * FROM read_parquet(" +
              "'{{lake}}/curated/test/bars_minute/*/*.parquet', hive_partitioning = true);\n",
          );
          // Two writes, the second replacing 10 of the first's keys with new closes.
          await writeDataset(BARS, bars(["AAA", "BBB"], 30), {
            root: lake.root,
            transformId: "test@1",
            sourceUri: "test://bars",
          });
          await writeDataset(BARS, bars(["AAA"], 10, undefined, 200), {
            root: lake.root,
            transformId: "test@1",
            sourceUri: "test://bars",
          });
          const c = await Catalog.open({ root: lake.root, sqlDir });
          try {
            const view = c.views.find((v) => v.name === "test_bars");
            assertEquals(view?.available, true, view?.error);
            const r = await c.query(
              "SELECT count(*)::INTEGER AS n, round(sum(close), 6) AS s FROM test_bars",
            );
            // 60 rows; closes: AAA 200 + i*0.01 for i<10 then 100 + i*0.01 for 10<=i<30,
            // BBB 100 + i*0.01 for i<30.
            let sum = 0;
            for (let i = 0; i < 30; i++) sum += (i < 10 ? 200 : 100) + i * 0.01 + 100 + i * 0.01;
            assertEquals(r.rows[0]!.n, 60);
            assertEquals(r.rows[0]!.s, Math.round(sum * 1e6) / 1e6);
          } finally {
            c.close();
          }
        } finally {
          await Deno.remove(sqlDir, { recursive: true });
          await closeRemoteLakes();
        }
      }),
  });
}
