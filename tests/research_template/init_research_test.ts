/**
 * `deno task init-research DIR` (issue 17, "Research outside the repository"):
 * - the task answers --help, rejects an unknown option and a missing DIR with exit 2 and one
 *   line, and refuses a non-empty DIR unless --force (nothing written);
 * - a script in the written folder, started there with plain `deno run -A` and no other setup,
 *   imports lib/time, lib/lake and lib/backtest through `workbench/` and the starter strategy,
 *   writes a small dataset to a lake and reads it back, and backtests it; the figures it prints
 *   are checked against hand-worked values; the workbench's `backtest` task runs a spec in the
 *   folder that names the starter strategy module and that dataset;
 * - the starter notebook executes headless on the Deno kernel from the folder (skipped without
 *   Jupyter, as tests/notebooks_test.ts; required in CI).
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { researchDenoJson, workbenchRoot } from "../../lib/research_template/mod.ts";
import { executeNotebook, jupyterAvailable } from "../../lib/report/notebook_run.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const dec = new TextDecoder();

async function run(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", TZ: "UTC", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

const task = (args: string[]) =>
  run(["run", "-A", "--frozen", join(REPO, "tasks/init_research.ts"), ...args], REPO);

/** Lines on stderr, without Deno's own "Task ..." echo. */
const errLines = (s: string) => s.split("\n").filter((l) => l.trim() !== "");

Deno.test("init-research: --help, bad options and a non-empty DIR exit as documented", async () => {
  const help = await task(["--help"]);
  assertEquals(help.code, 0);
  assert(help.stdout.includes("deno task init-research <DIR>"), help.stdout);
  assert(help.stdout.includes("--force"), "usage names --force");
  const bad = await task(["--bogus", "/tmp/x"]);
  assertEquals(bad.code, 2);
  assertEquals(errLines(bad.stderr).length, 1, bad.stderr);
  assert(/Unknown option '--bogus'/.test(bad.stderr), bad.stderr);
  const none = await task([]);
  assertEquals(none.code, 2);
  assert(/missing argument <DIR>/.test(none.stderr), none.stderr);
  const dir = await Deno.makeTempDir({ prefix: "init_research_busy_" });
  try {
    await Deno.writeTextFile(join(dir, "mine.txt"), "keep me");
    const busy = await task([dir]);
    assertEquals(busy.code, 2, busy.stderr);
    assertEquals(errLines(busy.stderr).length, 1, busy.stderr);
    assert(/not empty .*--force/.test(busy.stderr), busy.stderr);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["mine.txt"], "nothing written");
    const forced = await task([dir, "--force"]);
    assertEquals(forced.code, 0, forced.stderr);
    assertEquals(await Deno.readTextFile(join(dir, "mine.txt")), "keep me", "own file kept");
    assert((await Deno.stat(join(dir, "deno.json"))).isFile, "deno.json written with --force");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("init-research: deno.json maps workbench/ to lib/ and carries the workbench's imports", () => {
  const cfg = researchDenoJson(workbenchRoot());
  const own = JSON.parse(Deno.readTextFileSync(join(REPO, "deno.json")));
  const imports = cfg.imports as Record<string, string>;
  assertEquals(imports["workbench/"], `file://${join(REPO, "lib")}/`);
  for (const [k, v] of Object.entries(own.imports as Record<string, string>)) {
    assertEquals(imports[k], v, `import ${k}`);
  }
  assertEquals(cfg.nodeModulesDir, own.nodeModulesDir);
  assertEquals(cfg.tasks, undefined, "the workbench's tasks are not copied");
});

/**
 * The script run in the research folder. Hand-worked expectations (asserted by the test):
 * - NYSE sessions 2024-01-02..2024-03-28: Jan 21 (Jan 1 and MLK Jan 15 closed), Feb 20
 *   (Presidents' Day Feb 19), Mar 1-28 20 weekdays, none closed -> 61.
 * - Symbol UP: close_t = 100 + t, open_t = close_{t-1} (open_0 = 100); DOWN: close_t = 200 - t.
 *   Buy 1000 UP at t = 0 with zero costs: the market order fills at bar 1's open = 100; final
 *   equity = 1e6 + 1000 * (close_60 - 100) = 1e6 + 1000 * 60 = 1,060,000.
 * - The starter trend filter (close above its SMA) holds the rising UP and never the falling DOWN.
 */
const SCRIPT = `
import pl from "nodejs-polars";
import { tradingDays } from "workbench/time/mod.ts";
import { curatedBarSpec, readDataset, writeDataset } from "workbench/lake/mod.ts";
import { panelFromFrame, runBacktest } from "workbench/backtest/mod.ts";
import { createStrategy, params } from "./my_strategy.ts";

const days = tradingDays("2024-01-02", "2024-03-28");
const spec = curatedBarSpec("user", "research_demo", { partitioning: "year", extra: { date: "date" } });
const series: [string, (t: number) => number, (t: number) => number][] = [
  ["UP", (t) => 100 + t, (t) => (t === 0 ? 100 : 99 + t)],
  ["DOWN", (t) => 200 - t, (t) => (t === 0 ? 200 : 201 - t)],
];
const rows = days.flatMap((d, t) => series.map(([ticker, c, o]) => ({ close: c(t), open: o(t), ticker })).map(
  ({ ticker, close, open }) => ({
    ticker, date: new Date(d + "T00:00:00Z"), ts: new Date(d + "T05:00:00Z"),
    open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 1e7, vwap: close,
    trades: 100, known_at: new Date(d + "T21:00:00Z"),
  })
));
const df = pl.DataFrame(rows).withColumns(pl.col("date").cast(pl.Date));
await writeDataset(spec, df, { transformId: "research-test@1", sourceUri: "test://script" });
const back = (await readDataset(spec)).rename({ ticker: "symbol" }).sort(["date", "symbol"]);
const panel = panelFromFrame(back, { timeColumn: "date" });
const up = panel.symbols.indexOf("UP");
const hold = runBacktest(panel, { onBar: (ctx) => { if (ctx.t === 0) ctx.orderTarget(up, 1000); } }, { initialCash: 1e6 });
const trend = runBacktest(panel, createStrategy({ panel, adjustedClose: panel.close }, params.parse({ lookback: 5 })), { initialCash: 1e6 });
console.log(JSON.stringify({
  sessions: days.length, first: days[0], last: days.at(-1), rows: back.height,
  symbols: panel.symbols, holdFinal: hold.equity[hold.equity.length - 1], holdFillPrice: hold.fills[0]?.price,
  trendSymbols: [...new Set(trend.fills.map((f) => f.symbol))],
}));
`;

Deno.test({
  name: "init-research: a script in the folder imports lib/ with no other setup and works",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const base = await Deno.makeTempDir({ prefix: "init_research_" });
    const dir = join(base, "my research"); // a space: the file URL must be encoded
    try {
      const w = await task([dir]);
      assertEquals(w.code, 0, w.stderr);
      for (const f of ["deno.json", "deno.lock", "README.md", "my_strategy.ts", "explore.ipynb"]) {
        assert((await Deno.stat(join(dir, f))).isFile, `${f} written`);
      }
      await Deno.writeTextFile(join(dir, "work.ts"), SCRIPT);
      const lake = join(base, "lake");
      const r = await run(["run", "-A", "work.ts"], dir, { WORKBENCH_DATA: lake });
      assertEquals(r.code, 0, `script failed:\n${r.stderr.slice(-3000)}`);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      assertEquals(out.sessions, 61);
      assertEquals([out.first, out.last], ["2024-01-02", "2024-03-28"]);
      assertEquals(out.rows, 122, "both symbols' 61 bars read back from the lake");
      assertEquals(out.symbols, ["DOWN", "UP"]);
      assertEquals(out.holdFillPrice, 100);
      assert(Math.abs(out.holdFinal - 1_060_000) < 1e-6, `buy and hold final ${out.holdFinal}`);
      assertEquals(out.trendSymbols, ["UP"], "the trend filter trades only the rising symbol");
      // The lake the script wrote is where WORKBENCH_DATA points.
      assert((await Deno.stat(join(lake, "curated/user/research_demo"))).isDirectory);
      // The workbench's backtest task runs a spec in the folder that names the starter strategy
      // module and the dataset the script wrote. Buy and hold of both symbols at equal weight,
      // bought at bar 1's open (UP 100, DOWN 200) and marked at the last close (160, 140):
      // 0.5 * 60% + 0.5 * (-30%) = 15% before whole-share rounding (zero costs).
      await Deno.writeTextFile(
        join(dir, "spec.json"),
        JSON.stringify({
          question: "init-research test",
          strategy: "./my_strategy.ts",
          grid: { lookback: [5, 10] },
          data: { source: "lake", dataset: "user/research_demo" },
          costs: { fees: "zero", halfSpreadBps: 0, impactCoef: 0, borrowRateAnnual: 0 },
        }),
      );
      const bt = await run(
        [
          "task",
          "backtest",
          "--spec",
          join(dir, "spec.json"),
          "--memory-ledger",
          "--report",
          join(base, "report.html"),
        ],
        REPO,
        { WORKBENCH_DATA: lake },
      );
      assertEquals(bt.code, 0, `backtest task failed:\n${bt.stderr.slice(-3000)}`);
      assert(
        bt.stdout.includes(`strategy: module:${join(dir, "my_strategy.ts")}`),
        bt.stdout.slice(0, 2000),
      );
      const bh = /benchmark buy_and_hold: total return (-?[\d.]+)%/.exec(bt.stdout);
      assert(bh, bt.stdout.slice(0, 2000));
      assert(
        Math.abs(Number(bh[1]) / 100 - 0.15) < 1e-3,
        `buy and hold ${bh[1]}% (15% before rounding)`,
      );
      // The starter files type-check in the folder.
      const chk = await run(["check", "my_strategy.ts", "work.ts"], dir);
      assertEquals(chk.code, 0, chk.stderr);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});

const JUPYTER = jupyterAvailable();
const IN_CI = !!Deno.env.get("CI");

Deno.test({
  name: "init-research: the starter notebook executes in the folder on the Deno kernel",
  ignore: !JUPYTER && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    assert(JUPYTER, "Jupyter with the Deno kernel is required in CI");
    const base = await Deno.makeTempDir({ prefix: "init_research_nb_" });
    const dir = join(base, "study");
    try {
      assertEquals((await task([dir])).code, 0);
      const nb = JSON.parse(await Deno.readTextFile(join(dir, "explore.ipynb")));
      assertEquals(nb.metadata.kernelspec.name, "deno");
      const o = await executeNotebook(join(dir, "explore.ipynb"), join(dir, "executed.ipynb"), {
        env: { WORKBENCH_DATA: join(base, "lake") },
      });
      assert(o.ok, `notebook failed:\n${o.stderr.slice(-4000)}`);
      const done = JSON.parse(await Deno.readTextFile(join(dir, "executed.ipynb")));
      const outputs = done.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []) as {
        output_type: string;
        ename?: string;
        evalue?: string;
        text?: string | string[];
        data?: Record<string, unknown>;
      }[];
      for (const x of outputs) assert(x.output_type !== "error", `${x.ename}: ${x.evalue}`);
      const text = outputs.map((x) => [x.text ?? ""].flat().join("")).join("");
      // The empty lake was filled from the simulated market and read back through the reference.
      const rows = /polygon\/stock_bars_day: (\d+) rows/.exec(text);
      assert(rows && Number(rows[1]) > 250, `lake filled: ${text.slice(0, 500)}`);
      assert(/curated\/polygon\/stock_bars_day: \d+ rows/.test(text), text.slice(0, 1000));
      // Every code cell has its output (executeNotebook keeps the ones the Deno kernel sends
      // after the cell's idle status), and the backtest report (last cell) is HTML.
      const code = done.cells.filter((c: { cell_type: string }) => c.cell_type === "code");
      for (const [i, c] of code.entries()) {
        assert((c.outputs ?? []).length > 0, `code cell ${i} has no output`);
      }
      assert(
        (code.at(-1).outputs ?? []).some((x: { data?: Record<string, unknown> }) =>
          x.data?.["text/html"]
        ),
        "the backtest report rendered",
      );
      assert(/\d+ fills, final equity \d+/.test(text), "the starter strategy traded");
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});
