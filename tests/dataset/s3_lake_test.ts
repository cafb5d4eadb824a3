/**
 * The dataset path on both lake backends (a local folder, and S3 + a PostgreSQL catalog): a
 * user CSV ingested in two files (`ingestBarsFile`), read back through `loadDataset` with a
 * dataset reference, backtested through `runSpec` (what `deno task backtest --spec` runs), and
 * compacted with `deno task compact` as a subprocess with the backend's environment. Expected
 * values are the CSV's own numbers, worked by hand below.
 */
import { join } from "node:path";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import { loadDataset } from "../../lib/dataset/load.ts";
import { parseBacktestSpec, runSpec } from "../../lib/backtest/mod.ts";
import { memoryLedgerStore } from "../../lib/validation/mod.ts";
import { summarizeBacktest } from "../../lib/report/mod.ts";
import { closeRemoteLakes, committedState } from "../../lib/lake/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { backends, withBackend } from "../lake/_backends.ts";

// date, open, high, low, close, volume of symbol TST (NYSE sessions; 2024-01-15 is a holiday).
const ROWS: [string, number, number, number, number, number][] = [
  ["2024-01-02", 100, 101, 99, 100, 1000],
  ["2024-01-03", 99.5, 103, 99, 102, 1100],
  ["2024-01-04", 102, 105, 101, 104, 1200],
  ["2024-01-05", 104, 106, 103, 105, 1300],
  ["2024-01-08", 105, 107, 104, 106, 1400],
  ["2024-01-09", 106, 109, 105, 108, 1500],
  ["2024-01-10", 108, 110, 107, 109, 1600],
  ["2024-01-11", 109, 111, 108, 110, 1700],
  ["2024-01-12", 110, 113, 109, 112, 1800],
  ["2024-01-16", 112, 115, 111, 114, 1900],
];
const csv = (rows: typeof ROWS) =>
  "date,open,high,low,close,volume\n" + rows.map((r) => r.join(",")).join("\n") + "\n";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;

for (const { kind, ignore } of backends()) {
  Deno.test({
    name: `dataset path on a ${kind} lake: ingest-file, loadDataset, backtest, compact`,
    ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () =>
      withBackend(kind, async (lake) => {
        const tmp = await Deno.makeTempDir({ prefix: "s3-dataset-" });
        try {
          // Two files, two ingests: the second adds new dates to the same year partition.
          await Deno.writeTextFile(join(tmp, "a.csv"), csv(ROWS.slice(0, 5)));
          await Deno.writeTextFile(join(tmp, "b.csv"), csv(ROWS.slice(5)));
          for (const f of ["a.csv", "b.csv"]) {
            const s = await ingestBarsFile(join(tmp, f), {
              dataset: "tst_daily",
              symbol: "TST",
              calendar: "nyse",
              root: lake.root,
            });
            assertEquals(s.rowsRead, 5, f);
            assertEquals(s.rowsQuarantined, 0, f);
          }
          await closeRemoteLakes(); // a fresh process's view: nothing loaded yet

          // loadDataset: the CSV's rows, in date order.
          const d = await loadDataset("user/tst_daily", { root: lake.root });
          assertEquals(d.frame.height, 10);
          assertEquals(d.frame.getColumn("close").toArray(), ROWS.map((r) => r[4]));
          assertEquals(d.frame.getColumn("open").toArray(), ROWS.map((r) => r[1]));
          assertEquals(d.frame.getColumn("volume").toArray(), ROWS.map((r) => r[5]));
          assertEquals(
            [...new Set(d.frame.getColumn("symbol").toArray())],
            ["TST"],
          );
          assertEquals(d.meta.calendar, "nyse");
          await closeRemoteLakes();

          // runSpec (the backtest task's path) buy-and-hold with zero costs, decided at the
          // first close and sized at its fill, the second open 99.5: floor(1e6 / 99.5) = 10,050
          // shares (cash 1e6 - 999,975 = 25), marked at the last close 114: 25 + 1,145,700 =
          // 1,145,725, a total return of 0.145725 over 10 sessions.
          const out = await runSpec(
            parseBacktestSpec({
              question: "tst-bh",
              strategy: "buy_and_hold",
              data: { source: "lake", dataset: "user/tst_daily" },
              costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
            }),
            { store: memoryLedgerStore(), root: lake.root },
          );
          assertEquals(out.result.equity.length, 10);
          const tr = summarizeBacktest(out.result, out.periodsPerYear).totalReturn;
          assert(Math.abs(tr - 0.145725) < 1e-12, `total return ${tr}`);
          await closeRemoteLakes();

          // deno task compact (subprocess, the backend's environment): 2 files -> 1, 10 rows.
          const spec = { zone: "curated" as const, source: "user", dataset: "tst_daily" };
          const before = await committedState(spec, lake.root);
          assertEquals(before.files.length, 2);
          await closeRemoteLakes();
          const r = await new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", "--frozen", join(TASKS, "compact.ts"), "--source", "user"],
            env: { ...lake.env, WORKBENCH_DATA: lake.root },
            stdout: "piped",
            stderr: "piped",
          }).output();
          const stdout = new TextDecoder().decode(r.stdout);
          const stderr = new TextDecoder().decode(r.stderr);
          assertEquals(r.code, 0, stderr);
          assert(
            stdout.includes("curated/user/tst_daily: 2 -> 1 files, 10 rows"),
            `compact output: ${stdout}`,
          );
          const after = await committedState(spec, lake.root);
          assertEquals(after.files.length, 1);
          assertEquals(after.rows, 10);
          await closeRemoteLakes();
          await lake.dropCache(); // the compacted file read from the store itself
          const again = await loadDataset("user/tst_daily", { root: lake.root });
          assertEquals(again.frame.getColumn("close").toArray(), ROWS.map((r) => r[4]));
          assertEquals(again.frame.getColumn("high").toArray(), ROWS.map((r) => r[2]));
          assertEquals(again.frame.getColumn("low").toArray(), ROWS.map((r) => r[3]));
        } finally {
          await closeRemoteLakes();
          await Deno.remove(tmp, { recursive: true });
        }
      }),
  });
}
