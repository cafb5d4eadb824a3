/**
 * `deno task export-training --cluster`: the batches of an out-of-core training export run as
 * `features.export_batch` jobs on `deno task worker` processes, and the rows (every value, bit for
 * bit) and manifest equal the single-process batched export's. Then again while workers are
 * SIGKILLed (3 s leases): the same rows, and the queue shows batches that ran again after their
 * worker died; no part or plan is left behind. A spec that cannot be batched and a missing
 * catalog are refused with one line and exit 2.
 */
import pl from "nodejs-polars";
import postgres from "postgres";
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import {
  exportTrainingSetBatched,
  resolveExportSpec,
  type TrainingManifest,
} from "../../lib/features/mod.ts";
import { clusterExportBatches, registerWorkbenchJobs } from "../../lib/jobs/mod.ts";
import { freshSchemas, killer, PG, REPO, spawnWorker, stopWorkers } from "./_harness.ts";
import { userDailyBarsSpec } from "../dataset/_lake.ts";

registerWorkbenchJobs();

const SPEC: DatasetSpec = userDailyBarsSpec("cluster_panel_daily");

/** 6 symbols over 2021-2022 (one lists late, one pauses 40 sessions), seeded random walks. */
async function lake(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "cluster_export_lake_" });
  const dates = getCalendar("nyse").sessions("2021-01-04", "2022-12-30");
  let s = 17;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const rows: { sym: string; d: string; o: number; c: number; h: number; l: number; v: number }[] =
    [];
  for (const sym of ["AAA", "BBB", "CCC", "DDD", "LATE", "GAP"]) {
    let c = 50 + 50 * r();
    dates.forEach((d, t) => {
      const o = c * Math.exp(0.01 * (r() - 0.5));
      c = o * Math.exp(0.03 * (r() - 0.5));
      const h = Math.max(o, c) * (1 + 0.01 * r()), l = Math.min(o, c) * (1 - 0.01 * r());
      const v = Math.round(1e5 + 1e6 * r());
      if (sym === "LATE" && t < 150) return;
      if (sym === "GAP" && t >= 200 && t < 240) return;
      rows.push({ sym, d, o, c, h, l, v });
    });
  }
  await writeDataset(
    SPEC,
    pl.DataFrame([
      pl.Series("symbol", rows.map((x) => x.sym), pl.Utf8),
      pl.Series("date", rows.map((x) => x.d), pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("open", rows.map((x) => x.o), pl.Float64),
      pl.Series("high", rows.map((x) => x.h), pl.Float64),
      pl.Series("low", rows.map((x) => x.l), pl.Float64),
      pl.Series("close", rows.map((x) => x.c), pl.Float64),
      pl.Series("volume", rows.map((x) => x.v), pl.Float64),
      pl.Series("known_at", rows.map((x) => Date.parse(`${x.d}T21:00:00Z`)), pl.Float64)
        .cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
    ]),
    { transformId: "test@1", sourceUri: "test://cluster-panel", root },
  );
  return root;
}

const RAW_SPEC = {
  name: "cluster_export",
  data: { source: "lake", dataset: "user/cluster_panel_daily" },
  features: ["roc_5", "roc_20", "stoch_k", "vol_park_20", "ret_overnight", "reversal_21"],
  label: { kind: "forward_return", horizon: 5 },
  trainEnd: "2022-01-01",
  cpcv: { groups: 5, testGroups: 2, embargoDays: 2 },
};

/** Every column equal value for value (Object.is: NaN, -0, the bits of doubles). */
function assertFramesIdentical(a: pl.DataFrame, b: pl.DataFrame) {
  assertEquals(a.columns, b.columns);
  assertEquals(a.height, b.height);
  for (const c of a.columns) {
    assertEquals(String(a.getColumn(c).dtype), String(b.getColumn(c).dtype), c);
    const x = a.getColumn(c).toArray(), y = b.getColumn(c).toArray();
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) throw new Error(`column ${c} row ${i}: ${x[i]} vs ${y[i]}`);
    }
  }
}

function assertSameExport(dir: string, ref: string) {
  assertFramesIdentical(
    pl.readParquet(join(dir, "rows.parquet")),
    pl.readParquet(join(ref, "rows.parquet")),
  );
  const m = (d: string) => {
    const { created_at: _c, ...rest } = JSON.parse(
      Deno.readTextFileSync(join(d, "manifest.json")),
    ) as TrainingManifest;
    return rest;
  };
  assertEquals(m(dir), m(ref));
  // nothing left of the batches (plan, parts, temporary parts)
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assertEquals(names, ["README.md", "manifest.json", "rows.parquet"]);
}

const dec = new TextDecoder();
async function task(args: string[], env: Record<string, string>) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", "tasks/export_training.ts", ...args],
    cwd: REPO,
    env: { TZ: "UTC", NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr).trim() };
}

Deno.test({
  name:
    "export-training --cluster: batches on workers equal the single-process export, under SIGKILLs too",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const root = await lake();
    const out = await Deno.makeTempDir({ prefix: "cluster_export_out_" });
    const s = freshSchemas();
    const env = { WORKBENCH_DATA: root, WORKBENCH_LOG_LEVEL: "warn" };
    const spawn = (n: string) => spawnWorker(n, s.jobs, env, ["--kinds", "features.export_batch"]);
    const ws = ["e1", "e2", "e3"].map(spawn);
    try {
      const spec = resolveExportSpec(RAW_SPEC);
      const ref = join(out, "ref");
      const single = await exportTrainingSetBatched(spec, { outDir: ref, batchDates: 25, root });
      assertEquals(single.batches, 21); // 503 sessions in batches of 25
      assert(single.manifest.rows > 2000, `${single.manifest.rows} rows`);

      await t.step("the task with --cluster on three workers", async () => {
        const specPath = join(out, "spec.json");
        await Deno.writeTextFile(specPath, JSON.stringify(RAW_SPEC));
        const r = await task(
          ["--spec", specPath, "--out", join(out, "task"), "--cluster", "--batch-dates", "25"],
          {
            ...env,
            WORKBENCH_CATALOG: PG.url,
            WORKBENCH_JOBS_SCHEMA: s.jobs,
          },
        );
        assertEquals(r.code, 0, r.err);
        assert(r.out.includes("in 21 batches of 25 dates"), r.out);
        assert(r.err.includes("features.export_batch: 21/21 done"), r.err);
        assertSameExport(join(out, "task"), ref);
      });

      await t.step("SIGKILLs during exports", async () => {
        const k = killer(ws, spawn, { everyMs: 1500, seed: 3, maxKills: 4 });
        const catalog = { url: PG.url, schema: s.jobs };
        // rounds (at most 14) until 4 kills and a batch that ran again (a kill between exports hits no job:
        // then two more kills are allowed)
        let rounds = 0, retried = 0, limit = 4;
        try {
          while ((k.kills() < 4 || retried === 0) && rounds < 14) {
            rounds++;
            const dir = join(out, `k${rounds}`);
            await exportTrainingSetBatched(spec, {
              outDir: dir,
              batchDates: 25,
              root,
              runBatches: clusterExportBatches({ catalog, expireInSeconds: 3, retryLimit: 50 }),
            });
            assertSameExport(dir, ref);
            retried = await retriedJobs(s.jobs);
            if (retried === 0 && k.kills() >= limit) {
              k.allow(2);
              limit += 2;
            }
          }
        } finally {
          const kills = await k.stop();
          console.log(
            `  ${kills} SIGKILLs over ${rounds} export(s) of 21 batches; ${retried} batches ran again`,
          );
        }
        assert(retried > 0, "no batch ran twice: the kills hit no running job");
      });
    } finally {
      await stopWorkers(ws);
      await s.drop();
      await Deno.remove(out, { recursive: true });
      await Deno.remove(root, { recursive: true });
    }
  },
});

async function retriedJobs(schema: string): Promise<number> {
  const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql.unsafe(
      `SELECT count(*)::int AS n FROM "${schema}".job
        WHERE name = 'features.export_batch' AND retry_count > 0 AND state::text = 'completed'`,
    );
    return r!.n as number;
  } finally {
    await sql.end();
  }
}

Deno.test("export-training --cluster: unbatchable spec and missing catalog exit 2 in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cluster_export_usage_" });
  try {
    const specPath = join(dir, "spec.json");
    await Deno.writeTextFile(
      specPath,
      JSON.stringify({ ...RAW_SPEC, features: ["roc_5", "rsi_14"] }),
    );
    const catalog = { WORKBENCH_CATALOG: "postgres://u:pw-secret-1234@127.0.0.1:1/x" };
    const a = await task(["--spec", specPath, "--cluster"], catalog);
    assertEquals(a.code, 2, a.err);
    assertEquals(a.err.split("\n").length, 1, a.err);
    assert(a.err.includes("rsi_14 has unbounded lookback"), a.err);
    assert(!a.err.includes("pw-secret-1234"), a.err);
    const b = await task(["--spec", specPath, "--cluster"], { WORKBENCH_CATALOG: "" });
    assertEquals(b.code, 2, b.err);
    assertEquals(b.err.split("\n").length, 1, b.err);
    assert(b.err.includes("WORKBENCH_CATALOG"), b.err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
