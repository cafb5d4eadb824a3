/**
 * A CPCV study (lib/models runTraining: 5 configurations x 15 CPCV splits = 75 folds) whose folds
 * run on three `deno task worker` processes equals the single-process run bit for bit (every
 * fold's predictions through the trials' returns, scores, path Sharpes, trial ids and the best
 * configuration), with the trials recorded once each in the PostgreSQL ledger. Then again while
 * workers are SIGKILLed at random (10 kills): the same result, no trial lost or duplicated, and the
 * queue shows folds that ran again after their worker died.
 */
import { assert, assertEquals } from "../_assert.ts";
import postgres from "postgres";
import { runTraining, type TrainSpec, type TrainSummary } from "../../lib/models/train.ts";
import { lakeLedgerStore, pgLedgerStore } from "../../lib/validation/mod.ts";
import { clusterFolds, registerWorkbenchJobs } from "../../lib/jobs/mod.ts";
import { freshSchemas, killer, PG, spawnWorker, stopWorkers } from "./_harness.ts";

registerWorkbenchJobs();

const spec = (question: string): TrainSpec => ({
  name: "cluster_cpcv",
  question,
  register: false,
  data: {
    name: "cluster_cpcv",
    source: { kind: "sim-spy", seed: 3, start: "2021-01-04", end: "2023-12-29" },
    features: ["ret_intraday", "ret_overnight", "roc_5", "rsi_14"],
    label: { kind: "overnight" },
    trainEnd: "2022-12-30",
    frequency: "1d",
    cpcv: { groups: 6, testGroups: 2, embargoDays: 1 },
  } as TrainSpec["data"],
  model: {
    kind: "ridge",
    task: "regression",
    grid: [{ alpha: 0.1 }, { alpha: 1 }, { alpha: 10 }, { alpha: 100 }, { alpha: 1000 }],
  },
  costBps: 0.5,
});

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function assertSame(got: TrainSummary, want: TrainSummary) {
  assertEquals(got.splits, 15);
  assertEquals(got.configs.length, 5);
  got.configs.forEach((c, i) => {
    const w = want.configs[i]!;
    assertEquals(c.trialId, w.trialId);
    assert(sameBits(c.returns, w.returns), `config ${i} returns differ`);
    assert(Object.is(c.scoreMean, w.scoreMean) && Object.is(c.scoreStd, w.scoreStd));
    assert(sameBits(c.pathSharpes, w.pathSharpes), `config ${i} path Sharpes differ`);
  });
  assertEquals(got.best.trialId, want.best.trialId);
}

/** Fold jobs that ran again (a lost lease: their first worker was killed) and completed. */
async function rerunFolds(schema: string): Promise<number> {
  const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql.unsafe(
      `SELECT count(*)::int AS n FROM "${schema}".job
        WHERE name = 'models.cpcv_fold' AND retry_count > 0 AND state::text = 'completed'`,
    );
    return r!.n as number;
  } finally {
    await sql.end();
  }
}

async function ledgerCount(schema: string, question: string) {
  const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql.unsafe(
      `SELECT count(*)::int AS n, count(DISTINCT trial_id)::int AS d
         FROM "${schema}".trial_ledger WHERE question = $1`,
      [question],
    );
    return { n: r!.n as number, distinct: r!.d as number };
  } finally {
    await sql.end();
  }
}

Deno.test({
  name: "cluster CPCV: folds on 3 workers equal one process, also under 10 SIGKILLs",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "cluster_cpcv_" });
    const s = freshSchemas();
    const ws = ["c1", "c2", "c3"].map((n) =>
      spawnWorker(n, s.jobs, {}, ["--kinds", "models.cpcv_fold"])
    );
    const catalog = { url: PG.url, schema: s.jobs };
    try {
      const want = await runTraining(spec("cpcv-a"), {
        root: dir,
        outDir: `${dir}/ref`,
        ledger: { store: lakeLedgerStore({ root: dir }) },
      });
      await t.step("three workers", async () => {
        const got = await runTraining(spec("cpcv-a"), {
          root: dir,
          outDir: `${dir}/c1`,
          ledger: { store: pgLedgerStore(s.catalogUrl) },
          folds: clusterFolds({ catalog }),
        });
        assertSame(got, want);
        assertEquals(await ledgerCount(s.catalog, "cpcv-a"), { n: 5, distinct: 5 });
      });
      await t.step("10 SIGKILLs", async () => {
        const before = await rerunFolds(s.jobs);
        const k = killer(ws, (n) => spawnWorker(n, s.jobs, {}, ["--kinds", "models.cpcv_fold"]), {
          everyMs: 1200,
          seed: 11,
          maxKills: 10,
        });
        // rounds until 10 kills and a job that ran again (a kill between runs hits no job: then
        // two more kills are allowed). Folds are short, so on a fast host kills can miss every
        // job of 12 rounds (CI, 2026-12-08): up to 30 rounds, each ~1 s.
        let rounds = 0, rerun = 0, limit = 10;
        try {
          while ((k.kills() < 10 || rounds === 0 || rerun === 0) && rounds < 30) {
            rounds++;
            const got = await runTraining(spec("cpcv-a"), {
              root: dir,
              outDir: `${dir}/k${rounds}`,
              ledger: { store: pgLedgerStore(s.catalogUrl) },
              folds: clusterFolds({ catalog, expireInSeconds: 3, retryLimit: 50 }),
            });
            assertSame(got, want);
            rerun = await rerunFolds(s.jobs) - before;
            if (rerun === 0 && k.kills() >= limit) {
              k.allow(2);
              limit += 2;
            }
          }
        } finally {
          const kills = await k.stop();
          console.log(`  ${kills} SIGKILLs over ${rounds} CPCV run(s) of 75 folds`);
          assert(kills >= 10, `only ${kills} kills`);
        }
        console.log(`  ${rerun} folds ran again after losing their worker`);
        assert(rerun > 0, "no fold ran twice: the kills hit no running job");
        // the same trials again: the ledger keeps one row per trial
        assertEquals(await ledgerCount(s.catalog, "cpcv-a"), { n: 5, distinct: 5 });
      });
    } finally {
      await stopWorkers(ws);
      await s.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
