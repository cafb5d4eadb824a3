/**
 * ingest-file refuses values taken as prices (units price or index, declared or default) when a
 * symbol has 5% or more of its rows, and at least 3, <= 0 (lib/ingest/user_file_units.ts
 * notPriceSymbols): exit 2, one line, nothing in the lake. Below the threshold bars quarantine
 * the rows (not_positive) and series land them with a warning. Returns land with --units return
 * or as index levels with --from-returns log (levels hand-worked: 100 x 1.1 = 110, / 1.1 = 100).
 */
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import { NotPricesError, notPriceSymbols } from "../../lib/ingest/user_file_units.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";
import { runTaskIn } from "../_task_run.ts";

const ingest = (args: string[], lake: string, cwd: string) =>
  runTaskIn("ingest_file", args, lake, cwd);

/** Every file under a directory (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** The first n weekdays from Monday 2024-01-01. */
function weekdays(n: number): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(2024, 0, 1); out.length < n; t += 86_400_000) {
    const d = new Date(t);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** A close-only bars file: 100 + k on row k, except `bad` rows (their close given). */
function barsFile(path: string, n: number, bad: Record<number, number>): void {
  const rows = weekdays(n).map((d, k) => `${d},${bad[k] ?? 100 + k}`);
  Deno.writeTextFileSync(path, ["date,close", ...rows].join("\n") + "\n");
}

Deno.test("nonpositive: notPriceSymbols at the 5% and 3-row thresholds", () => {
  const m = new Map([
    ["A", { rows: 60, nonPositive: 3 }], // 5.0%, 3 rows: named
    ["B", { rows: 61, nonPositive: 3 }], // 4.92%: not
    ["C", { rows: 10, nonPositive: 2 }], // 20% but 2 rows: not
    ["D", { rows: 377, nonPositive: 160 }], // 42.4%: named
  ]);
  assertEquals(notPriceSymbols(m).map(([s]) => s), ["A", "D"]);
});

Deno.test({
  name: "nonpositive: bars with 40% negative closes exit 2 with one line, nothing in the lake",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    // 10 rows, rows 1, 3, 5, 7 negative: 4 of 10 = 40.0%
    barsFile(join(dir, "b.csv"), 10, { 1: -0.01, 3: -0.02, 5: -0.005, 7: -0.03 });
    const r = await ingest(
      [join(dir, "b.csv"), "--dataset", "rb", "--symbol", "SPI", "--calendar", "weekdays"],
      lake,
      dir,
    );
    assertEquals(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, r.stderr);
    for (
      const s of [
        "SPI 4 of 10 rows (40.0%)",
        "units price (default)",
        "--from-returns simple|log",
        "--units percent|rate|other|return",
        "2020-04-20",
        "nothing landed",
      ]
    ) assert(lines[0]!.includes(s), `${s} not in: ${lines[0]}`);
    assert(!/\n\s+at /.test(r.stderr), "no stack trace");
    assertEquals(filesUnder(lake), [], "nothing in the lake (no rows, no quarantine)");
    // the library: the same refusal, exactly at 3 of 60 (5%)
    barsFile(join(dir, "c.csv"), 60, { 10: 0, 20: -1, 30: -2 });
    await assertRejects(
      () =>
        ingestBarsFile(join(dir, "c.csv"), {
          dataset: "rc",
          symbol: "X",
          calendar: "weekdays",
          root: lake,
        }),
      NotPricesError,
      "X 3 of 60 rows (5.0%)",
    );
    assertEquals(filesUnder(lake), []);
  },
});

Deno.test({
  name: "nonpositive: bars with 1 (and 3 of 61) rows <= 0 land, those rows quarantined",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const root = join(dir, "lake");
    barsFile(join(dir, "one.csv"), 60, { 25: 0 });
    let s = await ingestBarsFile(join(dir, "one.csv"), {
      dataset: "one",
      symbol: "X",
      calendar: "weekdays",
      root,
    });
    assertEquals([s.rowsRead, s.rowsValid, s.rowsQuarantined], [60, 59, 1]);
    assertEquals(s.reasons, { not_positive: 1 });
    const d = await loadDataset("user/one", { root });
    assertEquals(d.frame.height, 59);
    // 3 of 61 = 4.92% < 5%: below the threshold, quarantined
    barsFile(join(dir, "three.csv"), 61, { 10: 0, 20: -1, 30: -2 });
    s = await ingestBarsFile(join(dir, "three.csv"), {
      dataset: "three",
      symbol: "X",
      calendar: "weekdays",
      root,
    });
    assertEquals([s.rowsValid, s.reasons.not_positive], [58, 3]);
  },
});

Deno.test({
  name: "nonpositive: a series of returns: default units exit 2; --units return and " +
    "--from-returns log land",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    const days = weekdays(10);
    // log returns +ln 1.1, -ln 1.1 alternating: 5 of 10 <= 0 (50.0%)
    const up = Math.log(1.1);
    const rets = days.map((_, k) => k % 2 === 0 ? up : -up);
    Deno.writeTextFileSync(
      join(dir, "r.csv"),
      ["Date,SPI", ...days.map((d, k) => `${d},${rets[k]}`)].join("\n") + "\n",
    );
    const base = [
      join(dir, "r.csv"),
      "--kind",
      "series",
      "--wide",
      "--map",
      "ts=Date",
      "--calendar",
      "weekdays",
      "--currency",
      "CHF",
    ];
    let r = await ingest([...base, "--dataset", "rp"], lake, dir);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert(r.stderr.includes("SPI 5 of 10 rows (50.0%)"), r.stderr);
    assert(r.stderr.includes("--from-returns simple|log"), r.stderr);
    assertEquals(filesUnder(lake), []);
    // declared index units: refused too
    r = await ingest([...base, "--dataset", "ri", "--units", "index"], lake, dir);
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("as units index:"), r.stderr);
    assertEquals(filesUnder(lake), []);

    r = await ingest([...base, "--dataset", "rr", "--units", "return"], lake, dir);
    assertEquals(r.code, 0, r.stderr);
    let d = await loadDataset("user/rr", { root: lake });
    assertEquals(d.meta?.units, "return");
    const v = d.frame.getColumn("value").toArray() as number[];
    assertEquals(v.length, 10);
    v.forEach((x, k) => assert(Math.abs(x - rets[k]!) <= 1e-15, `${x} vs ${rets[k]}`));

    r = await ingest([...base, "--dataset", "rl", "--from-returns", "log"], lake, dir);
    assertEquals(r.code, 0, r.stderr);
    d = await loadDataset("user/rl", { root: lake });
    assertEquals(d.meta?.units, "index");
    const lv = d.frame.getColumn("value").toArray() as number[];
    // 100 e^{ln 1.1} = 110, then 100, 110, ...
    lv.forEach((x, k) => {
      const want = k % 2 === 0 ? 110 : 100;
      assert(Math.abs(x - want) <= 1e-12, `${x} vs ${want}`);
    });

    // a series of unknown units (no currency, no --units) still lands, with the warning
    r = await ingest(
      [...base.slice(0, -2), "--currency", "none", "--dataset", "rn"],
      lake,
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    assert(/5 of the 10 values landed are <= 0 \(SPI 5\)/.test(r.stderr), r.stderr);
  },
});
