/**
 * A backfill (Polygon minute bars of SPY, January and February 2024: 41 session units) run as
 * cluster jobs on three `deno task worker` processes against the simulated market lands the lake
 * of a single-process `runBackfill` exactly (raw and curated rows, lineage aside; manifest row
 * counts; watermarks), records each unit once in the PostgreSQL checkpoint and spends every
 * request from the shared PG request budget. Then into a fresh lake while workers are SIGKILLed at
 * random (10 kills, 3 s leases): the same lake, no row lost or duplicated, and the queue shows jobs
 * that ran again after their worker died.
 */
import pl from "nodejs-polars";
import postgres from "postgres";
import { assert, assertEquals } from "../_assert.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import {
  connectClients,
  pipelineFor,
  readWatermarks,
  runBackfill,
  simConfig,
} from "../../lib/ingest/mod.ts";
import { loadConfig } from "../../lib/config/mod.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import { registerWorkbenchJobs, runClusterBackfill } from "../../lib/jobs/mod.ts";
import { freshSchemas, killer, PG, spawnWorker, stopWorkers } from "./_harness.ts";

registerWorkbenchJobs();

const ARGS = {
  source: "polygon",
  dataset: "stock_bars_minute",
  symbols: ["SPY"],
  start: "2024-01-02",
  end: "2024-02-29",
};

async function snapshot(root: string) {
  const p = pipelineFor("polygon", "stock_bars_minute");
  const out: Record<string, { rows: number; data: string }> = {};
  for (const spec of [p.rawSpec, p.curatedSpec]) {
    const df = await readDataset(spec, { root, dropLineage: true });
    const sorted = df.height ? df.sort(spec.naturalKey) : df;
    out[`${spec.zone}/${spec.dataset}`] = {
      rows: datasetState(spec, root).rows,
      data: sorted.height
        ? JSON.stringify(
          sorted.select(...sorted.columns.map((c) => pl.col(c).cast(pl.Utf8))).rows(),
        )
        : "",
    };
  }
  return out;
}

async function assertSameLake(ref: string, lake: string) {
  const a = await snapshot(ref), b = await snapshot(lake);
  for (const k of Object.keys(a)) {
    assertEquals(b[k]!.rows, a[k]!.rows, `${k} manifest rows`);
    assert(b[k]!.data === a[k]!.data, `${k} rows differ`);
  }
  assertEquals(a["curated/stock_bars_minute"]!.rows, 41 * 390);
  assertEquals(
    readWatermarks("polygon", "stock_bars_minute", lake),
    readWatermarks("polygon", "stock_bars_minute", ref),
  );
}

/** Backfill jobs that ran again (a lost lease: their first worker was killed) and completed. */
async function rerunJobs(schema: string): Promise<number> {
  const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql.unsafe(
      `SELECT count(*)::int AS n FROM "${schema}".job
        WHERE name = 'ingest.backfill_unit' AND retry_count > 0 AND state::text = 'completed'`,
    );
    return r!.n as number;
  } finally {
    await sql.end();
  }
}

async function checkpointRows(schema: string) {
  const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
  try {
    return await sql.unsafe(
      `SELECT job_id, count(*)::int AS n, count(DISTINCT unit)::int AS d,
              sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END)::int AS done
         FROM "${schema}".ingest_checkpoint GROUP BY job_id ORDER BY job_id`,
    );
  } finally {
    await sql.end();
  }
}

Deno.test({
  name: "cluster backfill: 3 workers land the single-process lake; 10 SIGKILLs change nothing",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const sim = await startSimServer({
      seed: 3,
      world: { start: "2024-01-02", end: "2024-02-29", equityCount: 2 },
    });
    const ref = Deno.makeTempDirSync({ prefix: "cluster-bf-ref-" });
    const lakeA = Deno.makeTempDirSync({ prefix: "cluster-bf-a-" });
    const lakeB = Deno.makeTempDirSync({ prefix: "cluster-bf-b-" });
    const s = freshSchemas();
    const env = { WORKBENCH_CATALOG: s.catalogUrl, WORKBENCH_LOG_LEVEL: "warn" };
    const spawn = (n: string) => spawnWorker(n, s.jobs, env, ["--kinds", "ingest.backfill_unit"]);
    const ws = ["b1", "b2", "b3"].map(spawn);
    const catalog = { url: s.catalogUrl, schema: s.jobs };
    try {
      const clients = connectClients(simConfig(loadConfig(), sim.baseUrl), {
        http: { minIntervalMs: 0, jitterMs: 0, perMinute: Infinity, concurrency: 8 },
      });
      const single = await runBackfill([{
        pipeline: pipelineFor("polygon", "stock_bars_minute"),
        symbols: ARGS.symbols,
        start: ARGS.start,
        end: ARGS.end,
      }], { clients, root: ref, quality: false });
      assertEquals(single.units.done, 41);
      await t.step("three workers with a shared request budget", async () => {
        const r = await runClusterBackfill(ARGS, {
          catalog,
          root: lakeA,
          simBaseUrl: sim.baseUrl,
          jobId: "bf-a",
          budget: { perSecond: 200, capacity: 20 },
        });
        assertEquals(r.units, { total: 41, done: 41, skipped: 0 });
        // every request of every worker took a token: at least one per unit
        assert(r.budgetUsed !== null && r.budgetUsed >= 41, `budget used ${r.budgetUsed}`);
        assertEquals(r.rawRows, single.rawRows);
        await assertSameLake(ref, lakeA);
        // a resumed run finds every unit done and submits nothing
        const again = await runClusterBackfill(ARGS, {
          catalog,
          root: lakeA,
          simBaseUrl: sim.baseUrl,
          jobId: "bf-a",
          resume: true,
        });
        assertEquals(again.units, { total: 41, done: 0, skipped: 41 });
      });
      await t.step("10 SIGKILLs", async () => {
        const before = await rerunJobs(s.jobs);
        const k = killer(ws, spawn, { everyMs: 1200, seed: 5, maxKills: 10 });
        let r;
        // rounds until 10 kills and a job that ran again (a kill between runs hits no job: then
        // two more kills are allowed)
        let rounds = 0, rerun = 0, limit = 10;
        try {
          // rounds into the same lake: a unit landed twice must change nothing
          while ((k.kills() < 10 || rounds === 0 || rerun === 0) && rounds < 12) {
            rounds++;
            r = await runClusterBackfill(ARGS, {
              catalog,
              root: lakeB,
              simBaseUrl: sim.baseUrl,
              jobId: "bf-b",
              expireInSeconds: 3,
              retryLimit: 50,
            });
            assertEquals(r.units.done, 41);
            rerun = await rerunJobs(s.jobs) - before;
            if (rerun === 0 && k.kills() >= limit) {
              k.allow(2);
              limit += 2;
            }
          }
        } finally {
          const kills = await k.stop();
          console.log(`  ${kills} SIGKILLs over ${rounds} backfill run(s) of 41 units`);
          assert(kills >= 10, `only ${kills} kills`);
        }
        await assertSameLake(ref, lakeB);
        console.log(`  ${rerun} backfill jobs ran again after losing their worker`);
        assert(rerun > 0, "no backfill job ran twice: the kills hit no running job");
      });
      const cps = await checkpointRows(s.catalog);
      for (const c of cps) {
        assertEquals([c.n, c.d, c.done], [41, 41, 41], `checkpoint of ${c.job_id}`);
      }
      assertEquals(cps.length, 2);
    } finally {
      await stopWorkers(ws);
      await sim.close();
      await s.drop();
      for (const d of [ref, lakeA, lakeB]) await Deno.remove(d, { recursive: true });
    }
  },
});
