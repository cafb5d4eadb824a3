/**
 * The tasks with --cluster, as a user runs them: `deno task backtest --cluster` prints the same
 * JSON summary as without it; `deno task consolidate --cluster` over three sessions writes the
 * lake a single-process run writes; `deno task worker` answers --help, refuses a bad option and a
 * missing WORKBENCH_CATALOG with one line and exit 2, prints no part of the catalog URL's userinfo,
 * and stops on SIGTERM with exit 0.
 */
import pl from "nodejs-polars";
import { assert, assertEquals } from "../_assert.ts";
import { CONSOLIDATED_SPEC } from "../../lib/frames/mod.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { freshSchemas, PG, REPO, spawnWorker, stopWorkers } from "./_harness.ts";

const dec = new TextDecoder();

async function task(args: string[], env: Record<string, string> = {}) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", ...args],
    cwd: REPO,
    env: { TZ: "UTC", NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr).trim() };
}

Deno.test("worker task: --help, bad option, missing catalog", async () => {
  const h = await task(["tasks/worker.ts", "--help"]);
  assertEquals(h.code, 0);
  assert(h.out.includes("deno task worker") && h.out.includes("--concurrency"), h.out);
  for (
    const [args, env] of [
      [["--bogus"], { WORKBENCH_CATALOG: "postgres://u:pw-secret-1234@127.0.0.1:1/x" }],
      [["--concurrency", "0"], {}],
      [[], { WORKBENCH_CATALOG: "" }],
      [[], { WORKBENCH_CATALOG: "mysql://u:pw-secret-1234@h/x" }],
      [["--kinds", "no.such"], { WORKBENCH_CATALOG: "postgres://u:pw-secret-1234@127.0.0.1:1/x" }],
    ] as [string[], Record<string, string>][]
  ) {
    const r = await task(["tasks/worker.ts", ...args], env);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assertEquals(r.err.split("\n").length, 1, r.err);
    assert(!r.err.includes("pw-secret-1234"), r.err);
  }
});

Deno.test({
  name: "backtest and consolidate --cluster equal their single-process runs; SIGTERM stops workers",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = freshSchemas();
    const dir = await Deno.makeTempDir({ prefix: "cluster_tasks_" });
    const env = { WORKBENCH_CATALOG: s.catalogUrl, WORKBENCH_JOBS_SCHEMA: s.jobs };
    const ws = ["t1", "t2"].map((n) => spawnWorker(n, s.jobs, env));
    let stopped = false;
    try {
      const spec = `${dir}/spec.json`;
      await Deno.writeTextFile(
        spec,
        JSON.stringify({
          question: "cluster-task",
          strategy: "ma_cross",
          grid: { fast: [5, 10, 15, 20], slow: [40, 60, 80] },
          data: { source: "synthetic", symbols: 3, bars: 400, seed: 5 },
          costs: { model: "standard", halfSpreadBps: 1 },
        }),
      );
      const run = (cluster: boolean) =>
        task([
          "tasks/backtest.ts",
          "--spec",
          spec,
          "--memory-ledger",
          "--json",
          "--report",
          `${dir}/r${cluster ? "c" : "s"}.html`,
          ...(cluster ? ["--cluster", "--chunk", "3"] : []),
        ], env);
      const [a, b] = [await run(false), await run(true)];
      assertEquals(a.code, 0, a.err);
      assertEquals(b.code, 0, b.err);
      const ja = JSON.parse(a.out.trim().split("\n").at(-1)!);
      const jb = JSON.parse(b.out.trim().split("\n").at(-1)!);
      delete ja.report;
      delete jb.report;
      assertEquals(jb, ja);
      assert(/backtest\.sweep: 4\/4 done/.test(b.err), b.err);

      const cons = (root: string, cluster: boolean) =>
        task([
          "tasks/consolidate.ts",
          "--source",
          "sim",
          "--date",
          "2024-03-01",
          "--end",
          "2024-03-05",
          "--max-contracts",
          "4",
          ...(cluster ? ["--cluster"] : []),
        ], { ...env, WORKBENCH_DATA: root });
      const ca = await cons(`${dir}/lake_a`, false);
      const cb = await cons(`${dir}/lake_b`, true);
      assertEquals(ca.code, 0, ca.err);
      assertEquals(cb.code, 0, cb.err);
      assertEquals(cb.out.match(/consolidated \d{4}-\d{2}-\d{2}/g)?.length, 3);
      const read = async (root: string) => {
        const df = await readDataset(CONSOLIDATED_SPEC, { root, dropLineage: true });
        const sorted = df.sort(CONSOLIDATED_SPEC.naturalKey);
        return {
          n: df.height,
          rows: JSON.stringify(
            sorted.select(...sorted.columns.map((c) => pl.col(c).cast(pl.Utf8))).rows(),
          ),
        };
      };
      const [la, lb] = [await read(`${dir}/lake_a`), await read(`${dir}/lake_b`)];
      assertEquals(la.n, 3 * 4 * 390);
      assertEquals(lb.n, la.n);
      assert(lb.rows === la.rows, "consolidated rows differ");

      const st = await stopWorkers(ws);
      stopped = true;
      assertEquals(st.map((x) => x.code), [0, 0]);
      const logs = ws.map((w) => w.log.join("")).join("\n");
      assert(logs.includes("stopped;"), logs);
      assert(!logs.includes("workbench@"), logs);
    } finally {
      if (!stopped) await stopWorkers(ws);
      await s.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
