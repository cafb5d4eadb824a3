/**
 * `--json` on the tasks that end with a summary: stdout is exactly one JSON object (numbers as
 * numbers, bigints past 2^53 as strings, NaN as null), the human text is on stderr.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { toJsonValue } from "../../lib/cli/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function task(script: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", join(ROOT, "tasks", script), ...args],
    env: { ...env, TZ: "UTC" },
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** stdout holds one JSON object on one line and nothing else. */
function oneObject(stdout: string): Record<string, unknown> {
  const lines = stdout.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `one line on stdout, got ${lines.length}: ${stdout.slice(0, 300)}`);
  const v = JSON.parse(lines[0]!);
  assert.ok(v !== null && typeof v === "object" && !Array.isArray(v));
  return v as Record<string, unknown>;
}

Deno.test("toJsonValue: bigints past 2^53 as strings, NaN/Infinity null, dates ISO, typed arrays", () => {
  const big = 1_709_251_200_123_456_789n; // a nanosecond timestamp
  assert.deepEqual(
    toJsonValue({
      ns: big,
      small: 42n,
      edge: 9_007_199_254_740_991n, // 2^53 - 1: still exact as a number
      past: 9_007_199_254_740_993n,
      neg: -9_007_199_254_740_993n,
      x: NaN,
      inf: -Infinity,
      n: 1330,
      f: 0.25,
      d: new Date(Date.UTC(2024, 0, 2)),
      a: new Float64Array([1.5, NaN]),
      b: new BigInt64Array([big]),
      m: new Map([["k", 1]]),
      u: undefined,
      nested: [{ v: undefined }, undefined],
    }),
    {
      ns: "1709251200123456789",
      small: 42,
      edge: 9_007_199_254_740_991,
      past: "9007199254740993",
      neg: "-9007199254740993",
      x: null,
      inf: null,
      n: 1330,
      f: 0.25,
      d: "2024-01-02T00:00:00.000Z",
      a: [1.5, null],
      b: ["1709251200123456789"],
      m: { k: 1 },
      nested: [{}, null],
    },
  );
});

Deno.test("backtest --json: one object on stdout, text on stderr; capacity bounded; --plotly file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "json_backtest_" });
  try {
    const spec = join(dir, "spec.json");
    await Deno.writeTextFile(
      spec,
      JSON.stringify({
        question: "json-test",
        strategy: "momentum",
        grid: { lookback: [20, 40], skip: [1], quantile: [0.3], rebalanceEvery: [10] },
        data: { source: "synthetic", symbols: 8, bars: 300, seed: 4 },
        costs: { fees: "ibkr", halfSpreadBps: 1, impactCoef: 0.5, participationCap: 0.1 },
        oosFraction: 0.3,
        pboPartitions: 4,
      }),
    );
    const report = join(dir, "out", "r.html");
    const env = { WORKBENCH_DATA: join(dir, "lake") };
    const r = await task(
      "backtest.ts",
      ["--spec", spec, "--memory-ledger", "--report", report, "--json", "--plotly", "file"],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const o = oneObject(r.stdout);
    assert.ok(r.stderr.includes("VERDICT:"), "human text on stderr");
    assert.equal(o.task, "backtest");
    assert.ok(o.verdict === "go" || o.verdict === "no-go");
    assert.equal(o.periodsPerYear, 252);
    const s = o.summary as Record<string, unknown>;
    assert.equal(typeof s.sharpe, "number");
    assert.equal(typeof s.fills, "number");
    assert.equal(s.bars, 300);
    const p = s.participation as { cap: number; peak: number };
    assert.equal(p.cap, 0.1);
    assert.ok(p.peak > 0 && p.peak <= 0.1 + 1e-12, `peak ${p.peak}`);
    assert.ok((s.capacityUsd as number) <= (p.cap / p.peak) * 1e6 * (1 + 1e-12));
    assert.equal((o.configurations as { total: number }).total, 2);
    // --plotly file: the report references plotly-<version>.min.js written next to it
    const html = await Deno.readTextFile(report);
    const src = /<script src="(plotly-[\d.]+\.min\.js)"><\/script>/.exec(html)?.[1];
    assert.ok(src, "script src in the report");
    assert.ok((await Deno.stat(join(dir, "out", src))).size > 4_000_000);
    assert.ok(html.length < 400_000);
    assert.ok(html.includes("busiest day"), "capacity note in the report");
    // a bad value is still one line on stderr, nothing on stdout
    const bad = await task("backtest.ts", ["--spec", spec, "--json", "--plotly", "web"], env);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, "");
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ingest-file and curate --json: counts as numbers, reasons by code", async () => {
  const dir = await Deno.makeTempDir({ prefix: "json_ingest_" });
  try {
    const csv = join(dir, "bars.csv");
    // row 3: high 10 < low 11 -> quarantined as ohlc_inconsistent
    await Deno.writeTextFile(
      csv,
      "date,open,high,low,close,volume\n2024-01-02,10,11,9,10.5,100\n2024-01-03,10.5,11,10,10.8,120\n2024-01-04,10.8,10,11,10.9,90\n2024-01-05,10.9,11.5,10.7,11.2,130\n",
    );
    const env = { WORKBENCH_DATA: join(dir, "lake") };
    const r = await task(
      "ingest_file.ts",
      [csv, "--dataset", "tst", "--symbol", "ABC", "--max-quarantined", "0.5", "--json"],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const o = oneObject(r.stdout);
    assert.ok(r.stderr.includes("rows read:"), "human text on stderr");
    assert.deepEqual(
      [o.rowsRead, o.rowsLanded, o.rowsQuarantined, o.quarantinedShare, o.exitCode],
      [4, 3, 1, 0.25, 0],
    );
    assert.deepEqual(o.reasons, { ohlc_inconsistent: 1 });
    // the same rows again: already in the lake
    const again = oneObject(
      (await task("ingest_file.ts", [
        csv,
        "--dataset",
        "tst",
        "--symbol",
        "ABC",
        "--max-quarantined",
        "0.5",
        "--json",
      ], env)).stdout,
    );
    assert.equal(again.alreadyInLake, true);
    const c = await task("curate.ts", ["--json"], env);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(oneObject(c.stdout), { task: "curate", exitCode: 0, datasets: [] });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backfill, backfill-all, curate and verify --json against the simulated market", async () => {
  const dir = await Deno.makeTempDir({ prefix: "json_backfill_" });
  try {
    const env = { WORKBENCH_DATA: join(dir, "lake") };
    const common = ["--source", "polygon", "--dataset", "stock_bars_day", "--symbols", "SPY"];
    // 2024-02-01 .. 2024-02-09: 7 NYSE sessions
    const r = await task("backfill.ts", [
      "--sim",
      ...common,
      "--start",
      "2024-02-01",
      "--end",
      "2024-02-09",
      "--no-quality",
      "--json",
    ], env);
    assert.equal(r.code, 0, r.stderr);
    const o = oneObject(r.stdout);
    assert.ok(r.stderr.includes("rows: raw 7"), r.stderr);
    assert.deepEqual([o.task, o.rawRows, o.curatedRows, o.quarantined], ["backfill", 7, 7, 0]);
    assert.deepEqual(o.units, { total: 1, done: 1, failed: 0, skipped: 0 });
    const plan = join(dir, "plan.json");
    await Deno.writeTextFile(
      plan,
      JSON.stringify([{
        source: "polygon",
        dataset: "stock_bars_day",
        symbols: ["SPY"],
        start: "2024-02-12",
        end: "2024-02-16",
      }]),
    );
    const all = await task("backfill_all.ts", ["--sim", "--plan", plan, "--json"], env);
    assert.equal(all.code, 0, all.stderr);
    const a = oneObject(all.stdout);
    const steps = a.steps as { step: number; dataset: string; summary: { curatedRows: number } }[];
    assert.equal(steps.length, 1);
    // 2024-02-12 .. 16: 5 sessions
    assert.deepEqual([steps[0]!.step, steps[0]!.dataset, steps[0]!.summary.curatedRows], [
      1,
      "polygon/stock_bars_day",
      5,
    ]);
    const c = oneObject((await task("curate.ts", ["--json", "--full"], env)).stdout);
    assert.deepEqual(c.datasets, [{
      dataset: "polygon/stock_bars_day",
      rawRows: 12,
      curatedRows: 12,
      rowsWritten: 0,
      quarantined: 0,
    }]);
    const v = await task("verify.ts", ["--json"], env);
    assert.equal(v.code, 0, v.stderr);
    const vo = oneObject(v.stdout);
    assert.deepEqual([vo.task, vo.checked, vo.openProblems, vo.exitCode], ["verify", 2, 0, 0]);
    assert.deepEqual(
      (vo.datasets as { dataset: string; rows: number }[]).map((d) => [d.dataset, d.rows]).sort(),
      [["curated/polygon/stock_bars_day", 12], ["raw/polygon/stock_bars_day", 12]],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
