/**
 * Crash safety of the Dukascopy backfill (as tests/ingest/kill_resume_test.ts for Polygon): a
 * `tasks/backfill.ts --source dukascopy --dataset fx_ticks` child process, configured only
 * through the environment (DUKASCOPY_BASE_URL, no key), killed with SIGKILL at random instants
 * and resumed with --resume, ends with the lake of an uninterrupted run: ticks and every bar
 * dataset, raw and curated, same rows (lineage aside) and the same manifest row counts.
 */
import { Rng } from "../../lib/core/random.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import {
  assertExitsOk,
  assertSameLake,
  backfillArgs,
  backfillChild,
  killLoop,
  lakeSnapshot,
  timeReference,
} from "./_harness.ts";

const KILLS = 8;
const JOB = "killtest-dukascopy";
// 2024-02-12 .. 2024-02-21: eight sessions (192 hour files), one unit each.
const ARGS = backfillArgs({
  source: "dukascopy",
  dataset: "fx_ticks",
  symbols: ["EURUSD"],
  start: "2024-02-12",
  end: "2024-02-21",
  workers: 2,
  jobId: JOB,
});
const DATASETS = [
  "fx_ticks",
  "fx_bars_m1",
  "fx_bars_m5",
  "fx_bars_m15",
  "fx_bars_h1",
  "fx_bars_h4",
  "fx_bars_d1",
];

function child(root: string, baseUrl: string, resume: boolean): Deno.ChildProcess {
  return backfillChild(root, ARGS, { DUKASCOPY_BASE_URL: `${baseUrl}/datafeed` }, resume);
}

const snapshot = (root: string) =>
  lakeSnapshot(root, DATASETS.map((ds) => pipelineFor("dukascopy", ds)));

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
      const { total, startupMs, workMs } = await timeReference(
        (resume) => child(ref, sim.baseUrl, resume),
        ref,
        JOB,
      );
      assertEquals(total, 9); // 10 dates, Saturday never a unit, Sunday a unit without a session

      const rng = new Rng(20240212);
      const { kills, midRun } = await killLoop({
        spawn: (resume) => child(lake, sim.baseUrl, resume),
        lake,
        jobId: JOB,
        total,
        kills: KILLS,
        maxStarts: 3 * KILLS,
        // Every fourth start: during start-up. Otherwise once one more unit has landed (or
        // after the start-up on a fresh start), at a random point of the next unit's fetch or
        // write.
        waitForUnit: (k) => k % 4 !== 3 && k > 0,
        waitTimeoutMs: 20_000,
        delayMs: (k) =>
          k % 4 === 3
            ? rng.uniform() * startupMs * 1.5
            : startupMs * (k === 0 ? 1 : 0) + rng.uniform() * (workMs / total),
        stopWhenDone: true,
      });
      assert(kills >= KILLS / 2, `only ${kills} kills`);
      assert(midRun >= 2, `only ${midRun} of ${kills} kills landed mid-run`);
      await assertExitsOk(child(lake, sim.baseUrl, true));

      const a = await snapshot(ref), b = await snapshot(lake);
      assertSameLake(a, b);
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
