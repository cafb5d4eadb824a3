/**
 * With WORKBENCH_CATALOG set, a single-process backfill (`runBackfill`) records its checkpoint in
 * the catalog's `ingest_checkpoint` table like a cluster backfill (no checkpoint file in the
 * lake), and resumes from it; `verify --repair` (repairLake) finds units that a catalog job (a
 * cluster backfill's) records and invalidates the ones whose raw file was lost. The table is
 * read here with SQL of the test's own, not through the code under test.
 */
import postgres from "postgres";
import { assert, assertEquals } from "../_assert.ts";
import { setLogSink } from "../../lib/core/log.ts";
import { datasetState, writeDataset } from "../../lib/lake/mod.ts";
import { connectClients, pipelineFor, runBackfill, simConfig } from "../../lib/ingest/mod.ts";
import { pgCheckpoints } from "../../lib/ingest/checkpoint.ts";
import { repairLake } from "../../lib/ingest/repair.ts";
import { loadConfig } from "../../lib/config/mod.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import { freshSchemas, PG } from "./_harness.ts";
import { rawSpyBars } from "../ingest/_harness.ts";

async function rows(schema: string, job: string) {
  const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(
      `SELECT unit, status FROM "${schema}".ingest_checkpoint WHERE job_id = $1 ORDER BY unit`,
      [job],
    )).map((r) => `${r.unit} ${r.status}`);
  } finally {
    await sql.end();
  }
}

async function withCatalog(url: string, fn: () => Promise<void>) {
  const prev = Deno.env.get("WORKBENCH_CATALOG");
  Deno.env.set("WORKBENCH_CATALOG", url);
  try {
    await fn();
  } finally {
    prev === undefined
      ? Deno.env.delete("WORKBENCH_CATALOG")
      : Deno.env.set("WORKBENCH_CATALOG", prev);
  }
}

Deno.test({
  name:
    "runBackfill with WORKBENCH_CATALOG: checkpoint rows in the catalog, no file; resume skips them",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sim = await startSimServer({
      seed: 3,
      world: { start: "2024-01-02", end: "2024-01-31", equityCount: 2 },
    });
    const root = Deno.makeTempDirSync({ prefix: "bf-cp-catalog-" });
    const s = freshSchemas();
    try {
      await withCatalog(s.catalogUrl, async () => {
        const clients = connectClients(simConfig(loadConfig(), sim.baseUrl), {
          http: { minIntervalMs: 0, jitterMs: 0, perMinute: Infinity, concurrency: 8 },
        });
        const job = [{
          pipeline: pipelineFor("polygon", "stock_bars_minute"),
          symbols: ["SPY"],
          start: "2024-01-02",
          end: "2024-01-05",
        }];
        const first = await runBackfill(job, { clients, root, quality: false, jobId: "single-1" });
        assertEquals(first.units.done, 4); // sessions 2, 3, 4, 5 January 2024
        assertEquals(await rows(s.catalog, "single-1"), [
          "polygon/stock_bars_minute/SPY/2024-01-02..2024-01-02 done",
          "polygon/stock_bars_minute/SPY/2024-01-03..2024-01-03 done",
          "polygon/stock_bars_minute/SPY/2024-01-04..2024-01-04 done",
          "polygon/stock_bars_minute/SPY/2024-01-05..2024-01-05 done",
        ]);
        let file = true;
        try {
          Deno.statSync(`${root}/_meta/ingest/checkpoints/single-1.jsonl`);
        } catch {
          file = false;
        }
        assert(!file, "a checkpoint file was written although the catalog is configured");
        const again = await runBackfill(job, {
          clients,
          root,
          quality: false,
          jobId: "single-1",
          resume: true,
        });
        assertEquals([again.units.done, again.units.skipped], [0, 4]);
        // A fresh (not resumed) run starts the job's checkpoint over, then records it again.
        const fresh = await runBackfill(job, { clients, root, quality: false, jobId: "single-1" });
        assertEquals(fresh.units.done, 4);
        assertEquals((await rows(s.catalog, "single-1")).length, 4);
      });
    } finally {
      await sim.close();
      await s.drop();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "verify --repair sees a catalog job's units: the lost file's unit is invalidated there",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = Deno.makeTempDirSync({ prefix: "repair-cp-catalog-" });
    const s = freshSchemas();
    const prevSink = setLogSink(() => {});
    try {
      await withCatalog(s.catalogUrl, async () => {
        const p = pipelineFor("polygon", "stock_bars_minute");
        const w = { transformId: "t@1", sourceUri: "https://api.example/aggs", root };
        await writeDataset(p.rawSpec, rawSpyBars(3), w);
        await writeDataset(p.rawSpec, rawSpyBars(4), w);
        const units = [
          "polygon/stock_bars_minute/SPY/2024-01-03..2024-01-03",
          "polygon/stock_bars_minute/SPY/2024-01-04..2024-01-04",
        ];
        // As a cluster backfill records them: rows of the catalog, no file in the lake.
        await pgCheckpoints(s.catalogUrl).append(
          "cluster-x",
          units.map((unit) => ({
            unit,
            status: "done" as const,
            rawRows: 2,
            curatedRows: -1,
            quarantined: 0,
            at: "2024-06-01T00:00:00.000Z",
          })),
        );
        const f = datasetState(p.rawSpec, root).files.find((x) =>
          x.partition === "date=2024-01-04"
        )!;
        Deno.removeSync(`${root}/raw/polygon/stock_bars_minute/date=2024-01-04/${f.file}`);
        const r = await repairLake({ root, restore: false, stamp: "t1" });
        const lost = r.restored.find((x) => x.units?.includes(units[1]!));
        assert(lost, `the lost file's unit was not found: ${JSON.stringify(r.restored)}`);
        assertEquals(await rows(s.catalog, "cluster-x"), [
          `${units[0]} done`,
          `${units[1]} invalidated`,
        ]);
      });
    } finally {
      setLogSink(prevSink);
      await s.drop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
