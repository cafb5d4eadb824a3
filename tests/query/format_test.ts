/**
 * Query output: counts are JSON numbers, a TIMESTAMP column never prints a midnight instant as a
 * bare date, DATE columns do; values as the DuckDB client really returns them.
 */
import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { formatCsv, formatJson, formatTable, type QueryResult } from "../../lib/query/mod.ts";

const MIDNIGHT = new Date(Date.UTC(2024, 0, 2));
const MORNING = new Date(Date.UTC(2024, 0, 2, 14, 30));

Deno.test("formatJson: counts are numbers; past 2^53 a string; NaN null; dates by column type", () => {
  const r: QueryResult = {
    columns: ["n", "big", "x", "d", "ts", "t"],
    types: ["BIGINT", "HUGEINT", "DOUBLE", "DATE", "TIMESTAMP", "TIME"],
    rows: [{
      n: 1330n,
      big: 170_000_000_000_000_000_000n,
      x: NaN,
      d: MIDNIGHT,
      ts: MIDNIGHT,
      t: 36_000_500_000n, // 10:00:00.5
    }],
  };
  assert.deepEqual(JSON.parse(formatJson(r)), [{
    n: 1330,
    big: "170000000000000000000",
    x: null,
    d: "2024-01-02",
    ts: "2024-01-02T00:00:00.000Z",
    t: "10:00:00.500000",
  }]);
  assert.ok(formatJson(r).includes('"n": 1330,'), "a number, not a string");
  // the boundary: 2^53 - 1 is exact as a number, 2^53 + 1 is not
  const edge = JSON.parse(formatJson({
    columns: ["a", "b"],
    rows: [{ a: 9_007_199_254_740_991n, b: -9_007_199_254_740_993n }],
  }));
  assert.deepEqual(edge, [{ a: 9_007_199_254_740_991, b: "-9007199254740993" }]);
  assert.equal(formatJson({ columns: [], rows: [] }), "[]\n");
});

Deno.test("formatCsv/formatTable: a midnight instant in a TIMESTAMP column is a full timestamp", () => {
  const r: QueryResult = {
    columns: ["ts", "d", "v"],
    types: ["TIMESTAMP WITH TIME ZONE", "DATE", "DOUBLE"],
    rows: [{ ts: MIDNIGHT, d: MIDNIGHT, v: 1.5 }, { ts: MORNING, d: null, v: null }],
  };
  assert.equal(
    formatCsv(r),
    "ts,d,v\n2024-01-02T00:00:00.000Z,2024-01-02,1.5\n2024-01-02T14:30:00.000Z,,\n",
  );
  const table = formatTable(r);
  assert.ok(table.includes("2024-01-02T00:00:00.000Z"), table);
  // without column types, instants are never shortened
  assert.equal(
    formatCsv({ columns: ["ts"], rows: [{ ts: MIDNIGHT }] }),
    "ts\n2024-01-02T00:00:00.000Z\n",
  );
});

Deno.test("formatJson/formatCsv on what the DuckDB client returns (count(*), DATE, TIMESTAMP)", async () => {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const reader = await c.runAndReadAll(
      `SELECT count(*) AS n, DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 00:00:00' AS ts
       FROM range(1330)`,
    );
    const r: QueryResult = {
      columns: reader.columnNames(),
      types: reader.columnTypes().map(String),
      rows: reader.getRowObjectsJS() as Record<string, unknown>[],
    };
    assert.deepEqual(JSON.parse(formatJson(r)), [{
      n: 1330,
      d: "2024-01-02",
      ts: "2024-01-02T00:00:00.000Z",
    }]);
    assert.equal(formatCsv(r), "n,d,ts\n1330,2024-01-02,2024-01-02T00:00:00.000Z\n");
  } finally {
    c.closeSync();
    db.closeSync();
  }
});
