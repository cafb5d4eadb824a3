/**
 * Crash safety: a backfill process killed with SIGKILL at random instants (at least 20 times)
 * and resumed with --resume ends with a lake identical to an uninterrupted run: same rows (lineage
 * aside) and the same manifest row counts. The simulated market runs in this test process; the
 * backfills are child processes of `tasks/backfill.ts`, configured only through the
 * environment, as a user would run them.
 */
import pl from "nodejs-polars";
import { Rng } from "../../lib/core/random.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import { readCheckpoint } from "../../lib/ingest/checkpoint.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import { assert, assertEquals } from "../_assert.ts";

const KILLS = 20;
const KEY = "KILLTESTKEY-5b8c1d9e0f-DO-NOT-LEAK";
const ARGS = [
  "--source",
  "polygon",
  "--dataset",
  "stock_bars_minute",
  "--symbols",
  "SPY",
  "--start",
  "2024-01-02",
  "--end",
  "2024-02-29",
  "--workers",
  "2",
  "--batch-units",
  "1",
  "--job-id",
  "killtest",
  "--no-quality",
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function child(root: string, baseUrl: string, resume: boolean): Deno.ChildProcess {
  const task = new URL("../../tasks/backfill.ts", import.meta.url).pathname;
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", task, ...ARGS, ...(resume ? ["--resume"] : [])],
    env: {
      WORKBENCH_DATA: root,
      POLYGON_BASE_URL: baseUrl,
      POLYGON_API_KEY: KEY,
      WORKBENCH_LOG_LEVEL: "warn",
      TZ: "UTC",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

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

Deno.test({
  name: "kill -9 at random points then --resume gives the lake of an uninterrupted run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sim = await startSimServer({
      seed: 3,
      world: { start: "2024-01-02", end: "2024-02-29", equityCount: 2 },
    });
    const ref = Deno.makeTempDirSync({ prefix: "kill-ref-" });
    const lake = Deno.makeTempDirSync({ prefix: "kill-lake-" });
    try {
      const t0 = performance.now();
      const r = await child(ref, sim.baseUrl, false).output();
      const full = performance.now() - t0;
      assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
      const total = readCheckpoint("killtest", ref).length;
      assertEquals(total, 41); // January and February 2024 sessions (MLK, Presidents' Day closed)
      // Startup cost: a resumed run with nothing left to do.
      const t1 = performance.now();
      assertEquals((await child(ref, sim.baseUrl, true).output()).code, 0);
      const startup = performance.now() - t1;
      const work = Math.max(200, full - startup);

      const rng = new Rng(20240102);
      let midRun = 0;
      let kills = 0;
      for (let k = 0; kills < KILLS && k < 3 * KILLS; k++) {
        const proc = child(lake, sim.baseUrl, k > 0);
        const before = readCheckpoint("killtest", lake).length;
        let exited = false;
        proc.status.then(() => (exited = true));
        if (k % 5 === 4) {
          // During start-up or the first fetches.
          await sleep(rng.uniform() * startup * 1.5);
        } else {
          // Once one more unit has landed, at a random point of the next unit's fetch or write.
          const t = performance.now();
          while (
            !exited && readCheckpoint("killtest", lake).length <= before &&
            performance.now() - t < 20_000
          ) {
            await sleep(10);
          }
          await sleep(rng.uniform() * (work / total));
        }
        try {
          proc.kill("SIGKILL");
        } catch { /* already exited */ }
        const st = await proc.status;
        await proc.stdout.cancel().catch(() => {});
        await proc.stderr.cancel().catch(() => {});
        const done = readCheckpoint("killtest", lake).filter((e) => e.status === "done").length;
        if (st.signal === "SIGKILL") kills++;
        if (st.signal === "SIGKILL" && done > 0 && done < total) midRun++;
      }
      assertEquals(kills, KILLS);
      assert(midRun >= KILLS / 2, `only ${midRun} of ${kills} kills landed mid-run`);
      const fin = await child(lake, sim.baseUrl, true).output();
      assertEquals(fin.code, 0, new TextDecoder().decode(fin.stderr));

      const a = await snapshot(ref), b = await snapshot(lake);
      for (const k of Object.keys(a)) {
        assertEquals(b[k]!.rows, a[k]!.rows, `${k} manifest rows`);
        assert(b[k]!.data === a[k]!.data, `${k} rows differ`);
      }
      assertEquals(a["curated/stock_bars_minute"]!.rows, 41 * 390);
      // The key is nowhere in the lake, manifests or checkpoints.
      for (const f of walk(lake)) {
        assert(
          !new TextDecoder("latin1").decode(Deno.readFileSync(f)).includes(KEY),
          `key in ${f}`,
        );
      }
    } finally {
      await sim.close();
      Deno.removeSync(ref, { recursive: true });
      Deno.removeSync(lake, { recursive: true });
    }
  },
});

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile) yield p;
  }
}
