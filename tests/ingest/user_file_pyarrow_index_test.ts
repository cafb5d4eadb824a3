/**
 * pandas' `df.to_parquet()` of a frame indexed by an unnamed DatetimeIndex: pyarrow writes the
 * index as a column named `__index_level_0__` (trial 7, finding 11: refused as "no time column").
 * It is the time column unless it holds row numbers (a default RangeIndex written as a column).
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { ColumnMappingError, ingestBarsFile, userBarsSpec } from "../../lib/ingest/user_file.ts";

const dates = ["2024-01-02", "2024-01-03", "2024-01-04"];

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "pyarrow-index-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("__index_level_0__ holding dates is the time column (with a note)", () =>
  withDir(async (dir) => {
    const file = join(dir, "px.parquet");
    pl.DataFrame([
      pl.Series("__index_level_0__", dates).str.strptime(pl.Datetime("ms"), "%Y-%m-%d").cast(
        pl.Datetime("ns"),
      ),
      pl.Series("close", [10.5, 11.25, 12], pl.Float64),
    ]).writeParquet(file);
    const root = join(dir, "lake");
    const s = await ingestBarsFile(file, { dataset: "px", symbol: "X", root });
    assert(s.notes.some((n) => n.includes("__index_level_0__")), s.notes.join("\n"));
    const df = await readDataset(userBarsSpec("px", true), { root });
    assertEquals(df.getColumn("date").cast(pl.Utf8).toArray(), dates);
    assertEquals(df.getColumn("close").toArray(), [10.5, 11.25, 12]);
  }));

Deno.test("__index_level_0__ holding row numbers is not taken as the time", () =>
  withDir(async (dir) => {
    const file = join(dir, "rows.parquet");
    pl.DataFrame([
      pl.Series("__index_level_0__", [0, 1, 2], pl.Int64),
      pl.Series("close", [10.5, 11.25, 12], pl.Float64),
    ]).writeParquet(file);
    await assertRejects(
      () => ingestBarsFile(file, { dataset: "rows", symbol: "X", root: join(dir, "lake") }),
      ColumnMappingError,
    );
  }));
