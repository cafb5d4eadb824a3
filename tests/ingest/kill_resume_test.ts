/**
 * Crash safety: a backfill process killed with SIGKILL at random instants (at least 20 times)
 * and resumed with --resume ends with a lake identical to an uninterrupted run: same rows (lineage
 * aside) and the same manifest row counts. The simulated market runs in this test process; the
 * backfills are child processes of `tasks/backfill.ts`, configured only through the
 * environment, as a user would run them.
 */
import { Rng } from "../../lib/core/random.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import {
  assertExitsOk,
  assertKeyAbsent,
  assertSameLake,
  backfillArgs,
  backfillChild,
  killLoop,
  lakeSnapshot,
  timeReference,
} from "./_harness.ts";

const KILLS = 20;
const KEY = "KILLTESTKEY-5b8c1d9e0f-DO-NOT-LEAK";
const JOB = "killtest";
const ARGS = backfillArgs({
  source: "polygon",
  dataset: "stock_bars_minute",
  symbols: ["SPY"],
  start: "2024-01-02",
  end: "2024-02-29",
  workers: 2,
  jobId: JOB,
});

function child(root: string, baseUrl: string, resume: boolean): Deno.ChildProcess {
  return backfillChild(root, ARGS, { POLYGON_BASE_URL: baseUrl, POLYGON_API_KEY: KEY }, resume);
}

const snapshot = (root: string) =>
  lakeSnapshot(root, [pipelineFor("polygon", "stock_bars_minute")]);

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
      // Full run, then the start-up cost: a resumed run with nothing left to do.
      const { total, startupMs, workMs } = await timeReference(
        (resume) => child(ref, sim.baseUrl, resume),
        ref,
        JOB,
      );
      assertEquals(total, 41); // January and February 2024 sessions (MLK, Presidents' Day closed)

      const rng = new Rng(20240102);
      const { kills, midRun } = await killLoop({
        spawn: (resume) => child(lake, sim.baseUrl, resume),
        lake,
        jobId: JOB,
        total,
        kills: KILLS,
        maxStarts: 3 * KILLS,
        // Every fifth start: during start-up or the first fetches. Otherwise once one more unit
        // has landed, at a random point of the next unit's fetch or write.
        waitForUnit: (k) => k % 5 !== 4,
        waitTimeoutMs: 20_000,
        delayMs: (k) => rng.uniform() * (k % 5 === 4 ? startupMs * 1.5 : workMs / total),
      });
      assertEquals(kills, KILLS);
      assert(midRun >= KILLS / 2, `only ${midRun} of ${kills} kills landed mid-run`);
      await assertExitsOk(child(lake, sim.baseUrl, true));

      const a = await snapshot(ref), b = await snapshot(lake);
      assertSameLake(a, b);
      assertEquals(a["curated/stock_bars_minute"]!.rows, 41 * 390);
      // The key is nowhere in the lake, manifests or checkpoints.
      assertKeyAbsent(KEY, { roots: [lake] });
    } finally {
      await sim.close();
      Deno.removeSync(ref, { recursive: true });
      Deno.removeSync(lake, { recursive: true });
    }
  },
});
