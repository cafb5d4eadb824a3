/**
 * show(df) and wallClock: shape, types, head and tail with row numbers, the hidden-rows marker,
 * exchange wall time across DST changes (New York offsets from the US rule: EST UTC-5 until
 * 02:00 local on 2024-03-10, EDT UTC-4 until 02:00 local on 2024-11-03), number formatting and
 * bad input. Expected values are worked by hand.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { show, tableView, wallClock } from "../../lib/report/show.ts";
import { withTitleObjects } from "../../lib/report/plot.ts";
import { Catalog } from "../../lib/query/mod.ts";

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ i, sym: `S${i}` }));

Deno.test("show: 23 rows -> first 10, '… 8 rows hidden …', last 5, with their row numbers", () => {
  const v = tableView(rows(23));
  assert.equal(v.height, 23);
  assert.equal(v.hidden, 8);
  assert.deepEqual(v.rows.map((r) => (r === null ? "gap" : r.index)), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    "gap",
    18,
    19,
    20,
    21,
    22,
  ]);
  assert.deepEqual(v.rows[11]!.cells, ["18", "S18"]);
  const t = show(rows(23));
  assert.equal((t.html.match(/… 8 rows hidden …/g) ?? []).length, 1);
  assert.ok(t.html.includes("shape: 23 rows × 2 columns"));
  assert.ok(t.text.includes("… 8 rows hidden …"));
  assert.equal(t.text.split("\n")[0], "shape: 23 rows × 2 columns");
  // the Jupyter display protocol carries both forms
  const bundle = (t as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]!();
  assert.equal(bundle["text/html"], t.html);
  assert.equal(bundle["text/plain"], t.text);
});

Deno.test("show: up to head + tail rows are all shown, no marker; custom head/tail; empty", () => {
  const v = tableView(rows(15));
  assert.equal(v.hidden, 0);
  assert.equal(v.rows.length, 15);
  assert.ok(!show(rows(15)).html.includes("hidden"));
  const w = tableView(rows(7), { head: 2, tail: 1 });
  assert.deepEqual(w.rows.map((r) => (r === null ? "gap" : r.index)), [0, 1, "gap", 6]);
  assert.equal(w.hidden, 4);
  const one = tableView(rows(5), { head: 0, tail: 0 });
  assert.deepEqual(one.rows, [null]);
  assert.equal(one.hidden, 5);
  const e = show([]);
  assert.ok(e.html.includes("shape: 0 rows × 0 columns"));
  assert.ok(e.html.includes("no rows"));
});

Deno.test("show: Polars frame -> dtypes, zone-aware datetimes in their zone, nulls, numbers", () => {
  const open = Date.UTC(2024, 2, 28, 13, 30); // 09:30 EDT
  const df = pl.DataFrame({
    ts: [new Date(open), new Date(open + 60_000), null],
    close: [512.345678, 0.00000012, NaN],
    n: [1234567, 2, 3],
    s: ["<b>x</b>", null, "y"],
  }).withColumns(
    pl.col("ts").dt.replaceTimeZone("UTC").dt.convertTimeZone("America/New_York").alias("ts_ny"),
  );
  const v = tableView(df);
  assert.deepEqual(v.columns, ["ts", "close", "n", "s", "ts_ny"]);
  assert.deepEqual(v.dtypes, [
    "Datetime(ms,)",
    "Float64",
    "Float64",
    "String",
    "Datetime(ms,America/New_York)",
  ]);
  assert.deepEqual(v.numeric, [false, true, true, false, false]);
  assert.deepEqual(v.rows[0]!.cells, [
    "2024-03-28 13:30:00", // naive: as stored
    "512.346",
    "1234567",
    "<b>x</b>",
    "2024-03-28 09:30:00",
  ]);
  assert.deepEqual(v.rows[1]!.cells, [
    "2024-03-28 13:31:00",
    "1.2e-7",
    "2",
    "null",
    "2024-03-28 09:31:00",
  ]);
  assert.deepEqual(v.rows[2]!.cells, ["null", "NaN", "3", "y", "null"]);
  const h = show(df).html;
  assert.ok(h.includes("&lt;b&gt;x&lt;/b&gt;") && !h.includes("<b>x</b>"), "cell text escaped");
  // a large frame: only head and tail are read, the marker counts the rest
  const big = pl.DataFrame({ x: Array.from({ length: 100_000 }, (_, i) => i) });
  const bv = tableView(big);
  assert.equal(bv.hidden, 100_000 - 15);
  assert.deepEqual(bv.rows.at(-1)!.cells, ["99999"]);
});

Deno.test("show: query result with DuckDB types; TIMESTAMPTZ shown in the asked zone", async () => {
  const root = await Deno.makeTempDir({ prefix: "show-lake-" });
  const cat = await Catalog.open({ root, sqlDir: root });
  try {
    const r = await cat.query(
      `SELECT TIMESTAMPTZ '2024-11-03 05:30:00+00' AS ts, 1.5::DOUBLE AS x, DATE '2024-03-28' AS d,
              TIMESTAMP '2024-01-02 16:00:00' AS naive`,
    );
    const v = tableView(r, { timeZone: "America/New_York" });
    assert.deepEqual(v.dtypes, [
      "TIMESTAMP WITH TIME ZONE (shown in America/New_York)",
      "DOUBLE",
      "DATE",
      "TIMESTAMP",
    ]);
    // 05:30 UTC on 2024-11-03 is 01:30 EDT (the first 01:30 of that day)
    assert.deepEqual(v.rows[0]!.cells, [
      "2024-11-03 01:30:00",
      "1.5",
      "2024-03-28",
      "2024-01-02 16:00:00",
    ]);
  } finally {
    cat.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("wallClock: New York wall time across both 2024 DST changes; null for bad instants", () => {
  const utc = (d: number, h: number, m: number, mo = 2) => Date.UTC(2024, mo, d, h, m);
  assert.deepEqual(
    wallClock([
      utc(10, 6, 59), // 01:59 EST
      utc(10, 7, 0), // 03:00 EDT (02:00-02:59 does not exist)
      utc(3, 5, 30, 10), // 01:30 EDT
      utc(3, 6, 30, 10), // 01:30 EST, the same wall time an hour later
      utc(28, 13, 30) + 250, // milliseconds kept
      NaN,
      null,
    ], "America/New_York"),
    [
      "2024-03-10 01:59:00",
      "2024-03-10 03:00:00",
      "2024-11-03 01:30:00",
      "2024-11-03 01:30:00",
      "2024-03-28 09:30:00.250",
      null,
      null,
    ],
  );
  assert.deepEqual(wallClock([new Date(utc(28, 8, 0))], "Europe/Berlin"), ["2024-03-28 09:00:00"]);
  assert.deepEqual(wallClock([], "UTC"), []);
});

Deno.test("show and wallClock: bad input is a clear error", () => {
  assert.throws(() => wallClock([0], "Mars/Olympus"), /Unknown time zone "Mars\/Olympus"/);
  assert.throws(() => show(42 as never), /expected a Polars DataFrame, a query result/);
  assert.throws(
    () => show(pl.DataFrame({ x: [1] }).lazy() as never),
    /LazyFrame \(call \.collect\(\) first\)/,
  );
  assert.throws(() => show(rows(3), { head: -1 }), /head must be a non-negative integer/);
  assert.throws(() => show([1, 2] as never), /array must hold row objects/);
  assert.throws(() => show(rows(3), { timeZone: "nowhere" }), /Unknown time zone/);
});

Deno.test("withTitleObjects: string titles of the chart, axes, scene axes become { text }", () => {
  const input = {
    title: "Equity",
    xaxis: { title: "date" },
    yaxis2: { title: { text: "kept" } },
    scene: { xaxis: { title: "k" }, zaxis: { title: "iv" } },
    height: 300,
  };
  const copy = structuredClone(input);
  assert.deepEqual(withTitleObjects(input), {
    title: { text: "Equity" },
    xaxis: { title: { text: "date" } },
    yaxis2: { title: { text: "kept" } },
    scene: { xaxis: { title: { text: "k" } }, zaxis: { title: { text: "iv" } } },
    height: 300,
  });
  assert.deepEqual(input, copy, "input left unmodified");
});
