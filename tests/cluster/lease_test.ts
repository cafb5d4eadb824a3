/**
 * Leases: a job whose worker died (it claimed the job and stopped sending heartbeats) runs again
 * soon after its lease (pg-boss `heartbeatSeconds`), not after the kind's maximum run time; and a
 * job that runs longer than its lease is not lost, because its live worker renews the lease
 * (`touch`) while it runs.
 */
import { z } from "zod";
import { PgBoss } from "pg-boss";
import postgres from "postgres";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  defineJobKind,
  newBoss,
  registerJobKind,
  runJobs,
  startWorker,
} from "../../lib/cluster/mod.ts";
import { freshSchemas, PG, REPO } from "./_harness.ts";

const runs: { ms: number; attempt: number }[] = [];
const SLOW = defineJobKind({
  name: "test.lease_slow",
  payload: z.object({ ms: z.number() }),
  leaseSeconds: 10,
  run: async (p, ctx) => {
    runs.push({ ms: p.ms, attempt: ctx.attempt });
    await new Promise((r) => setTimeout(r, p.ms));
    return { slept: p.ms, attempt: ctx.attempt };
  },
});
registerJobKind(SLOW);

Deno.test({
  name: "lease: a dead worker's job reruns after the 10 s lease; a 25 s job outlives its lease",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = freshSchemas();
    const catalog = { url: PG.url, schema: s.jobs };
    const worker = await startWorker({ catalog, kinds: [SLOW.name], monitorSeconds: 1 });
    try {
      // 1. A 25 s job with a 10 s lease: done on its first attempt (the worker renews it).
      const t0 = performance.now();
      const [out] = await runJobs<{ attempt: number }>(SLOW.name, [{ ms: 25_000 }], {
        catalog,
        monitorSeconds: 1,
      });
      assertEquals(out!.attempt, 0);
      assert(performance.now() - t0 >= 25_000);
      await worker.stop();

      // 2. A "dead" worker: claims the next job and never renews it nor completes it.
      const dead = newBoss(catalog, 1);
      await dead.start();
      const submitted = runJobs<{ attempt: number }>(SLOW.name, [{ ms: 10 }], {
        catalog,
        monitorSeconds: 1,
      });
      let claimed: unknown[] = [];
      for (let i = 0; i < 100 && claimed.length === 0; i++) {
        claimed = await (dead as PgBoss).fetch(SLOW.name, { batchSize: 1 });
        if (claimed.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      assertEquals(claimed.length, 1);
      const tClaim = performance.now();
      const live = await startWorker({ catalog, kinds: [SLOW.name], monitorSeconds: 1 });
      try {
        const [o] = await submitted;
        const waited = (performance.now() - tClaim) / 1000;
        assertEquals(o!.attempt, 1);
        // the 10 s lease plus the supervisor's 1 s interval and polling: well under the old 600 s
        assert(waited >= 9 && waited < 30, `rerun after ${waited.toFixed(1)} s`);
      } finally {
        await live.stop();
        await dead.stop({ graceful: false });
      }
    } finally {
      await worker.stop();
      await s.drop();
    }
  },
});

Deno.test({
  name: "lease: --lease-seconds reaches the queued jobs; bad values exit 2 before any I/O",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = freshSchemas();
    const catalog = { url: PG.url, schema: s.jobs };
    const worker = await startWorker({ catalog, kinds: [SLOW.name], monitorSeconds: 1 });
    const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
    try {
      await runJobs(SLOW.name, [{ ms: 1 }], { catalog, leaseSeconds: 17 });
      const rows = await sql.unsafe(
        `SELECT heartbeat_seconds, expire_seconds FROM "${s.jobs}".job WHERE name = $1`,
        [SLOW.name],
      );
      assertEquals(rows.map((r) => [r.heartbeat_seconds, r.expire_seconds]), [[17, 4 * 3600]]);
      await assertRejects(() => runJobs(SLOW.name, [{ ms: 1 }], { catalog, leaseSeconds: 5 }));
    } finally {
      await sql.end();
      await worker.stop();
      await s.drop();
    }
    for (
      const args of [
        ["tasks/consolidate.ts", "--date", "2024-03-01", "--lease-seconds", "30"],
        ["tasks/consolidate.ts", "--date", "2024-03-01", "--cluster", "--lease-seconds", "5"],
        [
          "tasks/train.ts",
          "--spec",
          "tasks/specs/train_spy_overnight_rf.json",
          "--lease-seconds",
          "30",
        ],
      ]
    ) {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--frozen", ...args],
        cwd: REPO,
        env: { WORKBENCH_CATALOG: "" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(o.stderr).trim();
      assertEquals(o.code, 2, `${args.join(" ")}: ${err}`);
      assertEquals(err.split("\n").length, 1, err);
      assert(/lease-seconds/.test(err), err);
    }
  },
});
