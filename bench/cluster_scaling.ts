/**
 * Cluster scaling (deno task bench-cluster; `--help` for options): throughput of a backtest sweep
 * and of a backfill with 1, 2 and 3 `deno task worker` processes on this machine, next to the
 * single-process run, with the load average. Needs WORKBENCH_CATALOG (a PostgreSQL database where
 * it may create and drop a scratch schema per worker count).
 */
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { catalogFromEnv, type ClusterCatalog, describeCatalog } from "../lib/cluster/mod.ts";
import { clusterEvaluate, registerWorkbenchJobs, runClusterBackfill } from "../lib/jobs/mod.ts";
import { parseBacktestSpec, runSpec } from "../lib/backtest/mod.ts";
import { memoryLedgerStore } from "../lib/validation/mod.ts";
import { connectClients, pipelineFor, runBackfill, simConfig } from "../lib/ingest/mod.ts";
import { loadConfig } from "../lib/config/mod.ts";
import { startSimServer } from "../lib/sources/sim/mod.ts";
import { tradingDays } from "../lib/time/mod.ts";
import { loadavg } from "./_peer.ts";

const TASK = defineTask({
  name: "bench-cluster",
  summary:
    "Measure sweep and backfill throughput with 1, 2 and 3 cluster workers (configs/s, sessions/s).",
  options: {
    workers: {
      type: "list",
      default: ["1", "2", "3"],
      description: "Worker counts to measure",
    },
    configs: {
      type: "integer",
      min: 10,
      default: 200,
      description: "Sweep configurations (ma_cross on synthetic bars; a multiple of 10)",
    },
    chunk: { type: "integer", min: 1, default: 10, description: "Configurations per sweep job" },
    bars: { type: "integer", min: 100, default: 2000, description: "Bars per symbol (4 symbols)" },
    start: { type: "date", default: "2024-01-02", description: "First backfill session" },
    end: { type: "date", default: "2024-02-29", description: "Last backfill session" },
  },
  details: `Per worker count: a fresh queue schema, the workers started (start-up not timed), the
sweep (configurations/s) and a backfill of SPY minute bars from the in-process simulated market
into a scratch lake (sessions/s, rows/s) timed from submission to the last output; then the workers
stop and the schema is dropped. The single-process figures (runSpec, runBackfill with 4 fetchers)
come first. WORKBENCH_CATALOG is never printed (host, port and database only).

Exit codes: 0 done, 1 a failure, 2 bad arguments or WORKBENCH_CATALOG missing.`,
  examples: ["", "--workers 1,3 --configs 100"],
});

const REPO = fileURLToPath(new URL("../", import.meta.url));

function spawnWorkers(n: number, catalog: ClusterCatalog): Deno.ChildProcess[] {
  return Array.from({ length: n }, (_, i) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--frozen", "tasks/worker.ts", "--id", `bench-${i + 1}`],
      cwd: REPO,
      env: {
        WORKBENCH_CATALOG: catalog.url,
        WORKBENCH_JOBS_SCHEMA: catalog.schema,
        WORKBENCH_LOG_LEVEL: "warn",
      },
      stdout: "null",
      stderr: "piped",
    }).spawn());
}

async function waitReady(ws: Deno.ChildProcess[]): Promise<void> {
  await Promise.all(ws.map(async (w) => {
    const reader = w.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("taking")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`a worker exited before it started: ${text.slice(0, 300)}`);
      text += value;
    }
    // keep draining so the worker never blocks on a full pipe
    (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })().catch(() => {});
  }));
}

await runTask(TASK, async ({ values: v }) => {
  const counts = v.workers.map((s) => {
    const n = Number(s);
    if (!(Number.isInteger(n) && n >= 1 && n <= 64)) {
      throw new UsageError(`--workers ${JSON.stringify(s)}: expected integers 1..64`);
    }
    return n;
  });
  if (v.configs % 10 !== 0) throw new UsageError(`--configs ${v.configs}: not a multiple of 10`);
  if (v.start > v.end) throw new UsageError(`--start ${v.start} is after --end ${v.end}`);
  let base;
  try {
    base = catalogFromEnv();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  registerWorkbenchJobs();
  const spec = parseBacktestSpec({
    question: "bench-cluster",
    strategy: "ma_cross",
    grid: {
      fast: Array.from({ length: v.configs / 10 }, (_, i) => i + 2),
      slow: Array.from({ length: 10 }, (_, i) => 100 + 10 * i),
    },
    data: { source: "synthetic", symbols: 4, bars: v.bars, seed: 11 },
    costs: { model: "standard", halfSpreadBps: 1 },
  });
  const sessions = tradingDays(v.start, v.end).length;
  const args = {
    source: "polygon",
    dataset: "stock_bars_minute",
    symbols: ["SPY"],
    start: v.start,
    end: v.end,
  };
  const sim = await startSimServer({
    seed: 3,
    world: { start: v.start, end: v.end, equityCount: 2 },
  });
  const sql = postgres(base.url.replace(/\?.*$/, ""), { max: 1, onnotice: () => {} });
  const tmp = await Deno.makeTempDir({ prefix: "bench_cluster_" });
  console.log(
    `catalog ${
      describeCatalog(base.url)
    }; ${navigator.hardwareConcurrency} cores; sweep ${v.configs} configurations (chunks of ${v.chunk}, ${v.bars} bars x 4 symbols); backfill ${sessions} sessions of SPY minute bars`,
  );
  console.log("workers | sweep s | configs/s | backfill s | sessions/s | rows/s | load (1 5 15)");
  try {
    // single process
    let t = performance.now();
    await runSpec(spec, { store: memoryLedgerStore(), benchmark: false });
    const sweep1 = (performance.now() - t) / 1000;
    const clients = connectClients(simConfig(loadConfig(), sim.baseUrl), {
      http: { minIntervalMs: 0, jitterMs: 0, perMinute: Infinity, concurrency: 8 },
    });
    t = performance.now();
    const bf = await runBackfill([{
      pipeline: pipelineFor("polygon", "stock_bars_minute"),
      symbols: args.symbols,
      start: args.start,
      end: args.end,
    }], { clients, root: `${tmp}/single`, quality: false });
    const bf1 = (performance.now() - t) / 1000;
    const line = (w: string, s: number, b: number, rows: number) =>
      console.log(
        `${w.padEnd(7)} | ${s.toFixed(2).padStart(7)} | ${
          (v.configs / s).toFixed(1).padStart(9)
        } | ${b.toFixed(2).padStart(10)} | ${(sessions / b).toFixed(2).padStart(10)} | ${
          (rows / b).toFixed(0).padStart(6)
        } | ${loadavg()}`,
      );
    line("1 proc", sweep1, bf1, bf.rawRows);
    for (const n of counts) {
      const schema = `bench_cluster_${n}_${crypto.randomUUID().slice(0, 8)}`;
      // the queue, the checkpoints and the budget all in the scratch schema
      const u = new URL(base.url);
      u.searchParams.set("schema", schema);
      const catalog = { url: u.toString(), schema };
      const ws = spawnWorkers(n, catalog);
      try {
        await waitReady(ws);
        t = performance.now();
        await runSpec(spec, {
          store: memoryLedgerStore(),
          benchmark: false,
          evaluate: clusterEvaluate(spec, { catalog, baseDir: REPO, chunk: v.chunk }),
        });
        const sw = (performance.now() - t) / 1000;
        t = performance.now();
        const r = await runClusterBackfill(args, {
          catalog,
          root: `${tmp}/w${n}`,
          simBaseUrl: sim.baseUrl,
          jobId: `bench-${n}`,
        });
        const b = (performance.now() - t) / 1000;
        line(`${n}`, sw, b, r.rawRows);
      } finally {
        for (const w of ws) {
          try {
            w.kill("SIGTERM");
          } catch { /* gone */ }
        }
        await Promise.all(ws.map((w) => w.status));
        await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
    }
  } finally {
    await sim.close();
    await sql.end();
    await Deno.remove(tmp, { recursive: true });
  }
});
