/**
 * Crash safety of the Dukascopy backfill (as tests/ingest/kill_resume_test.ts for Polygon): a
 * `tasks/backfill.ts --source dukascopy --dataset fx_ticks` child process, configured only
 * through the environment (DUKASCOPY_BASE_URL, no key), killed with SIGKILL at random instants
 * and resumed with --resume, ends with the lake of an uninterrupted run: ticks and every bar
 * dataset, raw and curated, same rows (lineage aside) and the same manifest row counts.
 */
import pl from "nodejs-polars";
import { Rng } from "../../lib/core/random.ts";
import { readCheckpoint } from "../../lib/ingest/checkpoint.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import { assert, assertEquals } from "../_assert.ts";

const KILLS = 8;
const JOB = "killtest-dukascopy";
// 2024-02-12 .. 2024-02-21: eight sessions (192 hour files), one unit each.
const ARGS = [
  "--source",
  "dukascopy",
  "--dataset",
  "fx_ticks",
  "--symbols",
  "EURUSD",
  "--start",
  "2024-02-12",
  "--end",
  "2024-02-21",
  "--workers",
  "2",
  "--batch-units",
  "1",
  "--job-id",
  JOB,
  "--no-quality",
];
const DATASETS = [
  "fx_ticks",
  "fx_bars_m1",
  "fx_bars_m5",
  "fx_bars_m15",
  "fx_bars_h1",
  "fx_bars_h4",
  "fx_bars_d1",
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function child(root: string, baseUrl: string, resume: boolean): Deno.ChildProcess {
  const task = new URL("../../tasks/backfill.ts", import.meta.url).pathname;
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", task, ...ARGS, ...(resume ? ["--resume"] : [])],
    env: {
      WORKBENCH_DATA: root,
      DUKASCOPY_BASE_URL: `${baseUrl}/datafeed`,
      WORKBENCH_LOG_LEVEL: "warn",
      TZ: "UTC",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function snapshot(root: string) {
  const out: Record<string, { rows: number; data: string }> = {};
  for (const ds of DATASETS) {
    const p = pipelineFor("dukascopy", ds);
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
  }
  return out;
}

Deno.test({
  name: "dukascopy: kill -9 at random points then --resume gives the lake of an uninterrupted run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sim = await startSimServer({
      seed: 3,
      world: { start: "2024-01-02", end: "2024-02-29", equityCount: 2 },
    });
    const ref = Deno.makeTempDirSync({ prefix: "dk-kill-ref-" });
    const lake = Deno.makeTempDirSync({ prefix: "dk-kill-lake-" });
    try {
      const t0 = performance.now();
      const r = await child(ref, sim.baseUrl, false).output();
      const full = performance.now() - t0;
      assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
      const total = readCheckpoint(JOB, ref).length;
      assertEquals(total, 9); // 10 dates, Saturday never a unit, Sunday a unit without a session
      const t1 = performance.now();
      assertEquals((await child(ref, sim.baseUrl, true).output()).code, 0);
      const startup = performance.now() - t1;
      const work = Math.max(200, full - startup);

      const rng = new Rng(20240212);
      let kills = 0, midRun = 0;
      for (let k = 0; kills < KILLS && k < 3 * KILLS; k++) {
        const proc = child(lake, sim.baseUrl, k > 0);
        const before = readCheckpoint(JOB, lake).length;
        let exited = false;
        proc.status.then(() => (exited = true));
        if (k % 4 === 3) {
          await sleep(rng.uniform() * startup * 1.5);
        } else {
          // Once one more unit has landed (or at once on a fresh start), at a random point of
          // the next unit's fetch or write.
          const t = performance.now();
          while (
            k > 0 && !exited && readCheckpoint(JOB, lake).length <= before &&
            performance.now() - t < 20_000
          ) {
            await sleep(10);
          }
          await sleep(startup * (k === 0 ? 1 : 0) + rng.uniform() * (work / total));
        }
        try {
          proc.kill("SIGKILL");
        } catch { /* already exited */ }
        const st = await proc.status;
        await proc.stdout.cancel().catch(() => {});
        await proc.stderr.cancel().catch(() => {});
        const done = readCheckpoint(JOB, lake).filter((e) => e.status === "done").length;
        if (st.signal === "SIGKILL") kills++;
        if (st.signal === "SIGKILL" && done > 0 && done < total) midRun++;
        if (done >= total) break;
      }
      assert(kills >= KILLS / 2, `only ${kills} kills`);
      assert(midRun >= 2, `only ${midRun} of ${kills} kills landed mid-run`);
      const fin = await child(lake, sim.baseUrl, true).output();
      assertEquals(fin.code, 0, new TextDecoder().decode(fin.stderr));

      const a = await snapshot(ref), b = await snapshot(lake);
      for (const k of Object.keys(a)) {
        assertEquals(b[k]!.rows, a[k]!.rows, `${k} manifest rows`);
        assert(b[k]!.data === a[k]!.data, `${k} rows differ`);
      }
      assertEquals(a["curated/fx_bars_m1"]!.rows, 8 * 1440);
      assertEquals(a["curated/fx_bars_d1"]!.rows, 8);
      assert(a["curated/fx_ticks"]!.rows > 8 * 1440 * 4, "at least 4 ticks a minute");
    } finally {
      await sim.close();
      Deno.removeSync(ref, { recursive: true });
      Deno.removeSync(lake, { recursive: true });
    }
  },
});
