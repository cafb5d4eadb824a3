// Versioned datasets (known_at in the natural key): readers keep per (symbol, time) the version
// with the greatest known_at after the asOf filter (lib/lake versions.ts, lib/dataset loadDataset).
import pl from "nodejs-polars";
import { assertEquals } from "../_assert.ts";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import { entityKey, latestVersions } from "../../lib/lake/versions.ts";
import { loadDataset } from "../../lib/dataset/load.ts";

const KEYED = { timeColumn: "date", naturalKey: ["symbol", "date", "known_at"] };

Deno.test("latestVersions keeps the greatest known_at per (symbol, time), in the rows' order; unversioned frames as they are", () => {
  const df = pl.DataFrame({
    symbol: ["A", "B", "A", "A", "B"],
    date: [1, 1, 1, 2, 1],
    v: [10, 30, 11, 20, 31],
    known_at: [100, 50, 200, 150, 40],
  });
  const out = latestVersions(df, KEYED);
  assertEquals(out.columns, df.columns);
  // A@1: known_at 200 (v 11) beats 100; B@1: 50 (v 30) beats 40; A@2 alone.
  assertEquals(out.toRecords(), [
    { symbol: "B", date: 1, v: 30, known_at: 50 },
    { symbol: "A", date: 1, v: 11, known_at: 200 },
    { symbol: "A", date: 2, v: 20, known_at: 150 },
  ]);
  assertEquals(entityKey(KEYED), ["symbol", "date"]);
  assertEquals(entityKey({ timeColumn: "date", naturalKey: ["symbol", "date"] }), null);
  assertEquals(
    latestVersions(df, { timeColumn: "date", naturalKey: ["symbol", "date"] }).height,
    5,
  );
  // FRED-style: versioned by realtime_start, not known_at: not this helper's business.
  assertEquals(
    latestVersions(df, { timeColumn: "date", naturalKey: ["symbol", "date", "realtime_start"] })
      .height,
    5,
  );
});

Deno.test("loadDataset of a versioned dataset: the version known as of asOf, the latest without it", async () => {
  const root = await Deno.makeTempDir({ prefix: "versions-load-" });
  try {
    const spec: DatasetSpec = {
      zone: "curated",
      source: "user",
      dataset: "vint",
      partitioning: "none",
      timeColumn: "date",
      naturalKey: ["symbol", "date", "known_at"],
      schema: { symbol: "str", date: "date", value: "f64", known_at: "ts_ms" },
      meta: { kind: "series", calendar: "none", currency: null, frequency: "quarter" },
    };
    const rows = (r: [string, string, number, string][]) =>
      pl.DataFrame([
        pl.Series("symbol", r.map((x) => x[0]), pl.Utf8),
        pl.Series("date", r.map((x) => x[1]), pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
        pl.Series("value", r.map((x) => x[2]), pl.Float64),
        pl.Series("known_at", r.map((x) => Date.parse(x[3])), pl.Float64).cast(pl.Int64)
          .cast(pl.Datetime("ms", "UTC")),
      ]);
    const w = { root, transformId: "t", sourceUri: "test" };
    await writeDataset(
      spec,
      rows([
        ["G", "2007-01-01", 1.0, "2007-04-30T00:00:00Z"],
        ["G", "2007-04-01", 2.0, "2007-07-30T00:00:00Z"],
      ]),
      w,
    );
    // The second write: a later vintage of 2007-01-01 in its own file.
    await writeDataset(spec, rows([["G", "2007-01-01", 1.5, "2007-06-29T00:00:00Z"]]), w);
    const read = async (asOf?: string) => {
      const d = await loadDataset({
        source: "lake",
        dataset: "user/vint",
        adjust: "raw",
        ...(asOf ? { asOf } : {}),
      }, { root });
      return (d.frame.getColumn("date").cast(pl.Utf8).toArray() as string[]).map((x, i) =>
        `${x} ${d.frame.getColumn("value").get(i)}`
      );
    };
    assertEquals(await read("2007-05-01"), ["2007-01-01 1"]);
    assertEquals(await read("2007-06-29"), ["2007-01-01 1.5"]);
    assertEquals(await read("2007-07-30"), ["2007-01-01 1.5", "2007-04-01 2"]);
    assertEquals(await read(), ["2007-01-01 1.5", "2007-04-01 2"]);
    // Version 1 (the first write's file): the first vintage only.
    const v1 = await loadDataset("user/vint", { root, version: 1 });
    assertEquals(v1.frame.getColumn("value").toArray(), [1, 2]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
