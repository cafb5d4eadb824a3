import { assert, assertEquals } from "../_assert.ts";
import {
  Catalog,
  formatCsv,
  formatTable,
  parseViewHeader,
  quoteIdent,
} from "../../lib/query/mod.ts";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";

const CSV =
  "Date,Open,High,Low,Close,Volume\n2024-07-01,100,101,99,100.5,1000\n2024-07-02,100.5,102,100,101.5,1100\n";

Deno.test("catalog registers sql/ views over the lake and binds parameters", async () => {
  const root = await Deno.makeTempDir({ prefix: "query-test-" });
  try {
    Deno.writeTextFileSync(`${root}/a.csv`, CSV);
    await ingestBarsFile(`${root}/a.csv`, { dataset: "demo_a", symbol: "SPY", root });
    const c = await Catalog.open({ root });
    try {
      const v = c.views.find((x) => x.name === "user_daily_bars")!;
      assert(v.available, v.error);
      assert(v.grain.startsWith("one row per"));
      const r = await c.query(
        "SELECT dataset, symbol, close FROM user_daily_bars WHERE close > $1 ORDER BY date",
        [100.6],
      );
      assertEquals(r.rows, [{ dataset: "demo_a", symbol: "SPY", close: 101.5 }]);
      // A value that looks like SQL stays a value.
      const inj = await c.query(
        "SELECT count(*)::INT AS n FROM user_daily_bars WHERE symbol = $1",
        ["SPY' OR '1'='1"],
      );
      assertEquals(inj.rows[0]!.n, 0);
      const unavailable = c.views.find((x) => x.name === "user_intraday_bars")!;
      assert(!unavailable.available && unavailable.error);
    } finally {
      c.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("query task prints a table, CSV, JSON and lists views", async () => {
  const root = await Deno.makeTempDir({ prefix: "query-task-" });
  try {
    Deno.writeTextFileSync(`${root}/a.csv`, CSV);
    await ingestBarsFile(`${root}/a.csv`, { dataset: "demo_a", symbol: "SPY", root });
    const task = new URL("../../tasks/query.ts", import.meta.url).pathname;
    const run = async (...args: string[]) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", task, ...args],
        env: { WORKBENCH_DATA: root },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return {
        code: o.code,
        out: new TextDecoder().decode(o.stdout),
        err: new TextDecoder().decode(o.stderr),
      };
    };
    const t = await run("SELECT symbol, close FROM user_daily_bars ORDER BY date");
    assertEquals(t.code, 0, t.err);
    assert(
      t.out.includes("│ symbol │ close │") && t.out.includes("101.5") && t.out.includes("2 rows"),
      t.out,
    );
    const csv = await run(
      "SELECT symbol, close FROM user_daily_bars ORDER BY date",
      "--format",
      "csv",
    );
    assertEquals(csv.out, "symbol,close\nSPY,100.5\nSPY,101.5\n");
    const out = `${root}/r.json`;
    const j = await run(
      "SELECT close FROM user_daily_bars ORDER BY date",
      "--format",
      "json",
      "--out",
      out,
    );
    assertEquals(j.code, 0, j.err);
    assertEquals(JSON.parse(Deno.readTextFileSync(out)), [{ close: 100.5 }, { close: 101.5 }]);
    // --out x.csv without --format writes CSV (it wrote a rounded table, trial 7 finding 4), at
    // full precision; an explicit --format wins
    const outCsv = `${root}/r.csv`;
    const sqlExact = "SELECT close * 1.0000001 AS c FROM user_daily_bars ORDER BY date";
    const c = await run(sqlExact, "--out", outCsv);
    assertEquals(c.code, 0, c.err);
    // 100.5 * 1.0000001 and 101.5 * 1.0000001 as Python prints the doubles (repr)
    assertEquals(Deno.readTextFileSync(outCsv), "c\n100.50001005\n101.50001015000001\n");
    const tbl = await run(sqlExact, "--out", outCsv, "--format", "table");
    assertEquals(tbl.code, 0, tbl.err);
    const shown = Deno.readTextFileSync(outCsv);
    assert(shown.includes("│ 101.5000102 │"), shown);
    assert(shown.includes("│ 100.5000101 │"), shown);
    assert(shown.includes("2 values rounded to 10 significant digits"), shown);
    const v = await run("--views");
    assert(v.out.includes("user_daily_bars") && v.out.includes("grain:"), v.out);
    const bad = await run("SELECT * FROM no_such_table");
    assertEquals(bad.code, 1);
    assert(bad.err.includes("Query failed"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("formatting helpers: identifiers, headers, empty results", () => {
  assertEquals(quoteIdent('a"b'), '"a""b"');
  assertEquals(
    parseViewHeader("-- purpose: x\n-- grain: one row per y\nSELECT 1").grain,
    "one row per y",
  );
  assertEquals(formatCsv({ columns: ["a"], rows: [{ a: 'x,"y"' }] }), 'a\n"x,""y"""\n');
  assert(formatTable({ columns: ["a"], rows: [] }).includes("0 rows"));
});
