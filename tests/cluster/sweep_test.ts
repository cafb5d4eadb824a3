/**
 * A 200-configuration backtest sweep on three `deno task worker` processes equals the
 * single-process run (lake ledger, the default) bit for bit (every configuration's in-sample Sharpe, the candidate, its
 * equity curve, the ledger's trial ids and returns, DSR/PBO evidence, the verdict), with the trial
 * ledger in PostgreSQL (one row per trial). Then the same sweep while random workers are SIGKILLed
 * (at least 10 kills, restarted each time, 3 s leases): still equal, no trial lost or duplicated,
 * and the queue shows jobs that ran again after their worker died.
 */
import { assert, assertEquals } from "../_assert.ts";
import postgres from "postgres";
import { parseBacktestSpec, runSpec, type RunSpecResult } from "../../lib/backtest/mod.ts";
import { lakeLedgerStore, pgLedgerStore } from "../../lib/validation/mod.ts";
import { clusterEvaluate, registerWorkbenchJobs } from "../../lib/jobs/mod.ts";
import type { ClusterProgress } from "../../lib/cluster/mod.ts";
import { freshSchemas, killer, PG, REPO, spawnWorker, stopWorkers } from "./_harness.ts";

registerWorkbenchJobs();

const SPEC = {
  question: "cluster-sweep-200",
  strategy: "ma_cross",
  grid: {
    fast: Array.from({ length: 20 }, (_, i) => i + 2),
    slow: [30, 35, 40, 45, 50, 55, 60, 65, 70, 75],
  },
  data: { source: "synthetic", symbols: 4, bars: 500, seed: 11 },
  costs: { model: "standard", halfSpreadBps: 1 },
  oosFraction: 0.3,
  pboPartitions: 8,
};

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function assertSameRun(got: RunSpecResult, want: RunSpecResult) {
  assertEquals(got.configs.length, 200);
  assert(sameBits(got.inSampleSharpe, want.inSampleSharpe), "in-sample Sharpe differs");
  assertEquals(got.candidate, want.candidate);
  assert(sameBits(got.result.equity, want.result.equity), "candidate equity differs");
  assert(sameBits(got.oosReturns, want.oosReturns), "candidate OOS returns differ");
  assertEquals(got.notRecorded, want.notRecorded);
  assertEquals(
    got.recorded.map((r) => r.record.trialId),
    want.recorded.map((r) => r.record.trialId),
  );
  got.recorded.forEach((r, i) => {
    assert(sameBits(r.record.returns, want.recorded[i]!.record.returns), `trial ${i} returns`);
    assertEquals(r.record.periods, want.recorded[i]!.record.periods);
  });
  assert(Object.is(got.evidence.pbo, want.evidence.pbo), "PBO differs");
  assertEquals(got.evidence.trials, want.evidence.trials);
  assertEquals(got.verdict, want.verdict);
}

async function ledgerRows(url: string, schema: string) {
  const sql = postgres(url.replace(/\?.*$/, ""), { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql.unsafe(
      `SELECT count(*)::int AS n, count(DISTINCT trial_id)::int AS d FROM "${schema}".trial_ledger`,
    );
    return { n: r!.n as number, distinct: r!.d as number };
  } finally {
    await sql.end();
  }
}

async function jobRows(schema: string) {
  const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
  try {
    return await sql.unsafe(
      `SELECT (data->>'index')::int AS idx, data->>'batch' AS batch, state::text AS state,
              retry_count FROM "${schema}".job WHERE name = 'backtest.sweep'`,
    );
  } finally {
    await sql.end();
  }
}

Deno.test({
  name: "cluster sweep: 3 workers equal one process; 10+ SIGKILLs lose and duplicate nothing",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const spec = parseBacktestSpec(SPEC);
    // the single-process reference records in the default (lake) ledger of a scratch lake
    const lake = await Deno.makeTempDir({ prefix: "cluster_sweep_" });
    const want = await runSpec(spec, { store: lakeLedgerStore({ root: lake }), codeVersion: "t" });
    const s = freshSchemas();
    const ws = ["w1", "w2", "w3"].map((n) => spawnWorker(n, s.jobs));
    try {
      await t.step("three workers, no faults", async () => {
        const seen: ClusterProgress[] = [];
        const got = await runSpec(spec, {
          store: pgLedgerStore(s.catalogUrl),
          codeVersion: "t",
          evaluate: clusterEvaluate(spec, {
            catalog: { url: PG.url, schema: s.jobs },
            baseDir: REPO,
            chunk: 10,
            onProgress: (p) => seen.push(p),
          }),
        });
        assertSameRun(got, want);
        const led = await ledgerRows(s.catalogUrl, s.catalog);
        assertEquals(led, { n: want.recorded.length, distinct: want.recorded.length });
        const last = seen.at(-1)!;
        assertEquals(last.completed, 20);
        // every job's output names its worker: the per-worker counts add up to the jobs
        assertEquals(last.workers.reduce((a, w) => a + w.done, 0), 20);
        assert(last.workers.filter((w) => w.done > 0).length >= 2, "work spread over workers");
      });
      await t.step("random SIGKILLs (>= 10) during sweeps", async () => {
        const k = killer(ws, (n) => spawnWorker(n, s.jobs), {
          everyMs: 1200,
          seed: 7,
          maxKills: 10,
        });
        // rounds until 10 kills and a job that ran again (a kill between sweeps hits no job: then
        // two more kills are allowed)
        let rounds = 0, limit = 10;
        const rerun = async () =>
          (await jobRows(s.jobs)).filter((r) => Number(r.retry_count) > 0).length;
        try {
          while ((k.kills() < 10 || rounds === 0 || await rerun() === 0) && rounds < 12) {
            rounds++;
            // a new question each round: every round records its 200 trials afresh
            const sp = parseBacktestSpec({ ...SPEC, question: `cluster-sweep-kill-${rounds}` });
            const ref = await runSpec(sp, {
              store: lakeLedgerStore({ root: lake }),
              codeVersion: "t",
            });
            const got = await runSpec(sp, {
              store: pgLedgerStore(s.catalogUrl),
              codeVersion: "t",
              evaluate: clusterEvaluate(sp, {
                catalog: { url: PG.url, schema: s.jobs },
                baseDir: REPO,
                chunk: 2,
                expireInSeconds: 3,
                retryLimit: 50,
              }),
            });
            assertSameRun(got, ref);
            if (k.kills() >= limit && await rerun() === 0) {
              k.allow(2);
              limit += 2;
            }
          }
        } finally {
          const kills = await k.stop();
          console.log(`  ${kills} SIGKILLs over ${rounds} sweep(s) of 200 configurations`);
          assert(kills >= 10, `only ${kills} kills`);
        }
        const led = await ledgerRows(s.catalogUrl, s.catalog);
        assertEquals(led.n, led.distinct);
        assertEquals(led.n, want.recorded.length * (rounds + 1));
        const rows = await jobRows(s.jobs);
        const killed = rows.filter((r) => Number(r.retry_count) > 0);
        assert(killed.length > 0, "no job ran twice: the kills hit no running job");
        // one row per job, each completed once
        const keys = new Set(rows.map((r) => `${r.batch}/${r.idx}`));
        assertEquals(keys.size, rows.length);
        assert(rows.every((r) => r.state === "completed"));
        console.log(`  ${killed.length} jobs ran again after losing their worker`);
      });
    } finally {
      await stopWorkers(ws);
      const logs = ws.map((w) => w.log.join("")).join("\n");
      assert(!logs.includes("workbench@"), "a worker printed the catalog URL's user");
      await s.drop();
      await Deno.remove(lake, { recursive: true });
    }
  },
});
