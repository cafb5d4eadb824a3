import pl from "nodejs-polars";
import { withTs } from "../../../lib/ingest/pipelines/polygon_bars.ts";
import { assertEquals } from "../../_assert.ts";

/** Names and dtypes in order, and the rows. */
function shape(f: pl.DataFrame) {
  return { schema: Object.entries(f.schema).map(([k, d]) => `${k}:${String(d)}`), rows: f.rows() };
}

Deno.test("withTs: ts = t as Datetime(ms, UTC), appended last; an existing ts is replaced in place", () => {
  const raw = pl.DataFrame([
    pl.Series("t", [1711546200000, -1000, 0], pl.Int64),
    pl.Series("o", [1.5, 2, 3], pl.Float64),
    pl.Series("ticker", ["SPY", "SPY", "SPY"], pl.Utf8),
  ]);
  const got = withTs(raw);
  assertEquals(shape(got).schema, [
    "t:DataType(Int64)",
    "o:DataType(Float64)",
    "ticker:DataType(String)",
    "ts:DataType(Datetime(ms,UTC))",
  ]);
  // 1711546200000 ms = 2024-03-27T13:30:00Z (hand conversion: 19809 days + 48600 s).
  assertEquals(
    (got.getColumn("ts").toArray() as unknown as Date[]).map((d) => d.toISOString()),
    ["2024-03-27T13:30:00.000Z", "1969-12-31T23:59:59.000Z", "1970-01-01T00:00:00.000Z"],
  );
  // Same frame as the plan it replaces, with a null t, on an empty frame, and over an old ts.
  const ref = (f: pl.DataFrame) =>
    f.withColumns(pl.col("t").cast(pl.Datetime("ms", "UTC")).alias("ts"));
  const withNull = pl.DataFrame([pl.Series("t", [5, null], pl.Int64), pl.Series("x", [1, 2])]);
  const empty = pl.DataFrame([pl.Series("t", [], pl.Int64), pl.Series("o", [], pl.Float64)]);
  const stale = got.withColumns(pl.lit(0).cast(pl.Int64).alias("t"));
  for (const f of [raw, withNull, empty, stale]) assertEquals(shape(withTs(f)), shape(ref(f)));
  assertEquals(withTs(stale).columns, ["t", "o", "ticker", "ts"]);
  assertEquals(raw.columns, ["t", "o", "ticker"]); // input left unmodified
});
