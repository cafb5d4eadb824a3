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

/** A double's IEEE 754 bits as 16 hex digits (big-endian), as Python's struct.pack(">d", x).hex(). */
function bits(x: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0).toString(16).padStart(16, "0");
}

/**
 * The bits of the stored doubles, from /usr/bin/python3 (not from this code):
 *   struct.pack(">d", x).hex() for x in 100.845009721356, 0.1 + 0.2, 1e-300, -0.0, and
 *   float(numpy.float32(0.1)) for the FLOAT column.
 */
const BITS = {
  a: "40593614a3a781ac",
  b: "3fd3333333333334",
  c: "01a56e1fc2f8f359",
  negz: "8000000000000000",
  f: "3fb99999a0000000",
};

Deno.test("formatCsv writes every number at full precision: read back, the same bits (trial 7, finding 4)", async () => {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const reader = await c.runAndReadAll(
      `SELECT 100.845009721356::DOUBLE AS a, 0.1::DOUBLE + 0.2::DOUBLE AS b, 1e-300::DOUBLE AS c,
              (2::HUGEINT ** 53)::HUGEINT + 1 AS big, 'NaN'::DOUBLE AS nan, NULL::DOUBLE AS nul,
              '-0.0'::DOUBLE AS negz, 0.1::FLOAT AS f, TIMESTAMP '2024-01-02 14:30:00.125' AS ts,
              DATE '2024-01-02' AS d`,
    );
    const r: QueryResult = {
      columns: reader.columnNames(),
      types: reader.columnTypes().map(String),
      rows: reader.getRowObjectsJS() as Record<string, unknown>[],
    };
    const row = r.rows[0]!;
    // the client hands over the stored doubles
    for (const k of ["a", "b", "c", "negz", "f"] as const) {
      assert.equal(bits(row[k] as number), BITS[k], `stored ${k}`);
    }
    const csv = formatCsv(r);
    // read back with a plain split (none of these fields needs quoting)
    const [head, line, ...rest] = csv.split("\n");
    assert.deepEqual(rest, [""], "one row, a final newline");
    const names = head!.split(",");
    const fields = line!.split(",");
    assert.deepEqual(names, ["a", "b", "c", "big", "nan", "nul", "negz", "f", "ts", "d"]);
    const got = Object.fromEntries(names.map((n, i) => [n, fields[i]!]));
    for (const k of ["a", "b", "c", "negz"] as const) {
      assert.equal(bits(Number(got[k])), BITS[k], `${k} read back from "${got[k]}"`);
    }
    assert.equal(got.b, "0.30000000000000004");
    assert.equal(got.c, "1e-300");
    assert.equal(got.negz, "-0");
    // FLOAT: the shortest text of the float32, which reads back to the same float32
    assert.equal(got.f, "0.1");
    assert.equal(bits(Math.fround(Number(got.f))), BITS.f);
    assert.equal(BigInt(got.big!), 2n ** 53n + 1n);
    assert.equal(got.nan, "NaN");
    assert.equal(got.nul, "");
    assert.equal(got.ts, "2024-01-02T14:30:00.125Z");
    assert.equal(got.d, "2024-01-02");

    // the table rounds for display, and says so under the table
    const table = formatTable(r);
    assert.ok(table.includes("100.8450097 "), table);
    assert.ok(!table.includes("0.30000000000000004"), table);
    assert.ok(table.includes("9007199254740993"), table);
    assert.ok(
      table.endsWith(
        "1 row\n2 values rounded to 10 significant digits for display " +
          "(CSV and JSON keep full precision)",
      ),
      table,
    );
    // JSON as exact as the CSV
    const json = JSON.parse(formatJson(r))[0];
    assert.equal(bits(json.a), BITS.a);
    assert.equal(bits(json.b), BITS.b);
  } finally {
    c.closeSync();
    db.closeSync();
  }
});

Deno.test("formatTable: no rounding note when no value shown was rounded", () => {
  const table = formatTable({
    columns: ["n", "x", "big"],
    types: ["INTEGER", "DOUBLE", "BIGINT"],
    rows: [{ n: 3, x: 1.5, big: 2n ** 60n }, { n: 4, x: 1e-300, big: null }],
  });
  assert.ok(table.endsWith("2 rows"), table);
  assert.ok(table.includes("1152921504606846976"), table);
});
