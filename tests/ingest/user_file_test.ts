import pl from "nodejs-polars";
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import { DataError } from "../../lib/core/errors.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import { ingestBarsFile, parseInstant, userBarsSpec } from "../../lib/ingest/user_file.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";

/** Lake column -> column of a Yahoo-style daily CSV. */
const YAHOO_COLUMNS = {
  ts: "Date",
  open: "Open",
  high: "High",
  low: "Low",
  close: "Close",
  volume: "Volume",
};

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ingest-test-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const DAILY = `Date,Open,High,Low,Close,Volume
2024-07-01,100,101,99,100.5,1000
2024-07-02,100.5,102,100,101.5,1100
2024-07-03,101.5,101,100,100.8,900
2024-07-04,100.8,101,100,100.9,900
2024-07-05,100.9,101.2,100.2,101.0,-5
2024-07-08,101,102,100.5,101.9,1200
2024-07-08,101,102,100.5,101.9,1200
2024-07-09,,102,100.5,101.9,1200
not-a-date,1,1,1,1,1
2024-07-10,101.9,101.5,101.0,101.2,800
`;

Deno.test("ingest-file: valid daily rows land, each invalid row is quarantined with its reason", () =>
  withLake(async (root) => {
    const f = `${root}/spy.csv`;
    Deno.writeTextFileSync(f, DAILY);
    const s = await ingestBarsFile(f, {
      dataset: "my_spy",
      symbol: "SPY",
      columns: YAHOO_COLUMNS,
      root,
    });
    assertEquals(s.rowsRead, 10);
    // 07-03: high 101 < open 101.5; 07-04 holiday; 07-05 negative volume; second 07-08 duplicate;
    // 07-09 missing open; bad date; 07-10 high 101.5 < open 101.9.
    assertEquals(s.rowsValid, 3);
    assertEquals(s.rowsQuarantined, 7);
    assertEquals(s.reasons["high below max(open, close)"], 2);
    assertEquals(s.reasons["not a trading day"], 1);
    assertEquals(s.reasons["negative or missing volume"], 1);
    assertEquals(s.reasons["duplicate timestamp"], 1);
    assertEquals(s.reasons["non-positive or missing price"], 1);
    assertEquals(s.reasons["unparseable timestamp"], 1);
    const bars = await readDataset(userBarsSpec("my_spy", true), { root });
    assertEquals(bars.height, 3);
    // known_at = session close; 2024-07-03 would be an early close but was rejected; 07-02 normal close 20:00Z.
    const known = bars.getColumn("known_at").cast(pl.Int64).toArray() as unknown as number[];
    assertEquals(new Date(known[1]!).toISOString(), "2024-07-02T20:00:00.000Z");
    const quarantined = async () =>
      (await readDataset(quarantineSpec("user"), { root })).filter(
        pl.col("dataset").eq(pl.lit("my_spy")),
      );
    const q = await quarantined();
    assertEquals(q.height, 7);
    assert((q.getColumn("payload").toArray() as string[]).some((r) => r.includes("not-a-date")));
    assertEquals(
      (q.getColumn("reason").toArray() as string[]).filter((r) => r === "duplicate timestamp"),
      ["duplicate timestamp"],
    );
    assert(
      (q.getColumn("payload_ref").toArray() as string[]).every((r) =>
        /^file:\/\/spy\.csv#row=\d+$/.test(r)
      ),
    );
    // Re-running the same file changes nothing.
    const m1 = datasetState(userBarsSpec("my_spy", true), root);
    const s2 = await ingestBarsFile(f, {
      dataset: "my_spy",
      symbol: "SPY",
      columns: YAHOO_COLUMNS,
      root,
    });
    assert(s2.write?.noop);
    assertEquals(datasetState(userBarsSpec("my_spy", true), root), m1);
    assertEquals((await quarantined()).height, 7, "a rerun quarantines each bad row once");
  }));

Deno.test("ingest-file: intraday naive New York times become UTC, known at bar close", () =>
  withLake(async (root) => {
    const f = `${root}/m.csv`;
    Deno.writeTextFileSync(
      f,
      "symbol,timestamp,open,high,low,close,volume\nAAA,2024-03-08 09:30:00,10,11,9,10.5,100\nAAA,2024-03-11 09:30:00,10,11,9,10.5,100\nBBB,2024-03-11 09:31:00,10,11,9,10.5,100\n",
    );
    const s = await ingestBarsFile(f, { dataset: "my_minutes", timeframe: "1m", root });
    assertEquals(s.rowsValid, 3);
    const bars = await readDataset(userBarsSpec("my_minutes", false), { root });
    const ts = (bars.getColumn("ts").cast(pl.Int64).toArray() as unknown as number[]).map((x) =>
      new Date(x).toISOString()
    );
    assertEquals(ts, [
      "2024-03-08T14:30:00.000Z",
      "2024-03-11T13:30:00.000Z",
      "2024-03-11T13:31:00.000Z",
    ]);
    const k = bars.getColumn("known_at").cast(pl.Int64).toArray() as unknown as number[];
    assertEquals(new Date(k[0]!).toISOString(), "2024-03-08T14:31:00.000Z");
  }));

Deno.test("ingest-file: a missing column is a clear error naming the column and the fix", () =>
  withLake(async (root) => {
    const f = `${root}/x.csv`;
    Deno.writeTextFileSync(f, "Date,Open,High,Low,Close\n2024-07-01,1,1,1,1\n");
    await assertRejects(
      () => ingestBarsFile(f, { dataset: "x", symbol: "X", root }),
      DataError,
      "no column for volume",
    );
    await assertRejects(
      () => ingestBarsFile(`${root}/x.json`, { dataset: "x", root }),
      DataError,
      "expected a .csv or .parquet",
    );
  }));

Deno.test("parseInstant: epochs by magnitude, offsets, DST, invalid dates", () => {
  assertEquals(parseInstant(1_700_000_000, "UTC"), 1_700_000_000_000);
  assertEquals(parseInstant(1_700_000_000_000, "UTC"), 1_700_000_000_000);
  assertEquals(parseInstant("2024-01-02T10:00:00-05:00", "UTC"), Date.UTC(2024, 0, 2, 15));
  assertEquals(parseInstant("2024-07-02 10:00", "America/New_York"), Date.UTC(2024, 6, 2, 14));
  assert(Number.isNaN(parseInstant("2024-02-30", "UTC")));
  assert(Number.isNaN(parseInstant("", "UTC")));
  assertAlmostEquals(parseInstant("2024-01-02T00:00:00.5Z", "UTC"), Date.UTC(2024, 0, 2) + 500, 0);
});

Deno.test("ingest-file: a line repeated three times keeps one bar and quarantines two rows", () =>
  withLake(async (root) => {
    const f = `${root}/rep.csv`;
    const line = "2024-07-01,100,101,99,100.5,1000";
    Deno.writeTextFileSync(f, `Date,Open,High,Low,Close,Volume\n${line}\n${line}\n${line}\n`);
    const s = await ingestBarsFile(f, {
      dataset: "rep",
      symbol: "SPY",
      columns: YAHOO_COLUMNS,
      root,
    });
    assertEquals([s.rowsValid, s.rowsQuarantined], [1, 2]);
    const q = (await readDataset(quarantineSpec("user"), { root })).filter(
      pl.col("dataset").eq(pl.lit("rep")),
    );
    assertEquals(q.height, 2);
    assertEquals((q.getColumn("payload_ref").toArray() as string[]).sort(), [
      "file://rep.csv#row=2",
      "file://rep.csv#row=3",
    ]);
  }));
