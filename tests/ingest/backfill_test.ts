import pl from "nodejs-polars";
import { Secret } from "../../lib/core/secret.ts";
import { setLogSink } from "../../lib/core/log.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import { FredClient } from "../../lib/sources/fred.ts";
import { PolygonClient } from "../../lib/sources/polygon.ts";
import { chunkRange, planUnits, runBackfill } from "../../lib/ingest/backfill.ts";
import { readCheckpoint } from "../../lib/ingest/checkpoint.ts";
import { readWatermarks } from "../../lib/ingest/watermark.ts";
import {
  polygonBarPipeline,
  polygonOptionBarPipeline,
} from "../../lib/ingest/pipelines/polygon_bars.ts";
import { fredKnownAtMs, fredObservationsPipeline } from "../../lib/ingest/pipelines/fred.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { assert, assertEquals } from "../_assert.ts";
import { FAKE_KEY, type Fault, minuteBars, startFixture } from "./_fixture_server.ts";

const FAST = { backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 500, maxRetries: 6 };

function polygon(baseUrl: string) {
  return new PolygonClient({ baseUrl, apiKey: new Secret(FAKE_KEY), httpOptions: FAST });
}

Deno.test("chunkRange: sessions skip holidays and weekends, months and years clip", () => {
  // 2024-01-15 is Martin Luther King Jr. Day.
  assertEquals(chunkRange("session", "2024-01-12", "2024-01-16").map((r) => r[0]), [
    "2024-01-12",
    "2024-01-16",
  ]);
  assertEquals(chunkRange("month", "2024-01-20", "2024-03-05"), [
    ["2024-01-20", "2024-01-31"],
    ["2024-02-01", "2024-02-29"],
    ["2024-03-01", "2024-03-05"],
  ]);
  assertEquals(chunkRange("year", "2023-06-01", "2024-02-01"), [["2023-06-01", "2023-12-31"], [
    "2024-01-01",
    "2024-02-01",
  ]]);
  // 2024-01-06 is a Saturday: no FX unit.
  assertEquals(chunkRange("fx_day", "2024-01-05", "2024-01-07").map((r) => r[0]), [
    "2024-01-05",
    "2024-01-07",
  ]);
  assertEquals(chunkRange("session", "2024-01-05", "2024-01-04"), []);
});

Deno.test("backfill: minute bars under faults land exactly once, malformed rows quarantined, retries match faults", async () => {
  const root = Deno.makeTempDirSync({ prefix: "bf-" });
  const schedule: Record<number, Fault> = {
    0: "429",
    2: "500",
    4: "truncate",
    6: "error200",
    8: "reset",
    10: "503",
  };
  const fx = startFixture({
    pageSize: 100,
    faultAt: (n, path) => (path.startsWith("/v2/aggs") ? schedule[n] ?? null : null),
    malformed: (_t, d) => d === "2024-01-03",
    inconsistent: (_t, d) => d === "2024-01-04",
    loopAfterPage: 1,
  });
  const lines: string[] = [];
  const prev = setLogSink((l) => lines.push(l));
  try {
    const client = polygon(fx.baseUrl);
    const pipe = polygonBarPipeline("stock", "minute");
    const summary = await runBackfill(
      [{ pipeline: pipe, symbols: ["SPY"], start: "2024-01-02", end: "2024-01-05" }],
      { clients: { polygon: client }, root, workers: 2 },
    );
    assertEquals(summary.units, { total: 4, done: 4, failed: 0, skipped: 0 });
    // Retries reconcile with the fault log, by reason.
    const byFault: Record<string, number> = {};
    for (const f of fx.faults) byFault[f.fault] = (byFault[f.fault] ?? 0) + 1;
    const transport = fx.faults.filter((f) => f.fault !== "loop").length;
    assertEquals(summary.retries - (summary.retriesByReason.cursor_loop ?? 0), transport);
    assertEquals(summary.retriesByReason.http_429, byFault["429"]);
    assertEquals(summary.retriesByReason.http_500, byFault["500"]);
    assertEquals(summary.retriesByReason.http_503, byFault["503"]);
    assertEquals(summary.retriesByReason.parse, byFault.truncate);
    assertEquals(summary.retriesByReason.vendor_error, byFault.error200);
    assertEquals(
      (summary.retriesByReason.body ?? 0) + (summary.retriesByReason.network ?? 0),
      byFault.reset,
    );

    const cur = await readDataset(pipe.curatedSpec, { root });
    // Every valid served bar present exactly once: 390 per day, minus one malformed and one
    // inconsistent bar; page loops did not duplicate anything (natural key unique).
    let expected = 0;
    for (const d of ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]) {
      expected += minuteBars("SPY", d).length;
    }
    assertEquals(cur.height, expected - 2);
    assertEquals(cur.select("ticker", "ts").unique().height, cur.height);
    // known_at is the bar close.
    const ts = cur.getColumn("ts").cast(pl.Int64).cast(pl.Float64).toArray() as number[];
    const ka = cur.getColumn("known_at").cast(pl.Int64).cast(pl.Float64).toArray() as number[];
    assert(ts.every((t, i) => ka[i] === t + 60_000), "known_at = ts + 1 min");

    const q = await readDataset(quarantineSpec("polygon"), { root });
    assertEquals(q.height, 2);
    // reason is a code, the vendor's text is the detail.
    assertEquals((q.getColumn("reason").toArray() as string[]).sort(), [
      "ohlc_inconsistent",
      "schema_mismatch",
    ]);
    const reasons = (q.getColumn("detail").toArray() as string[]).sort();
    assert(
      reasons[0]!.startsWith("low above high") || reasons[1]!.startsWith("low above high"),
      reasons.join(),
    );
    assert(reasons.some((r) => r.startsWith("o:")), `parse reason names the field: ${reasons}`);
    const stages = (q.getColumn("stage").toArray() as string[]).sort();
    assertEquals(stages, ["parse", "validate"]);

    // Watermark reached the last session; checkpoint holds every unit.
    assertEquals(readWatermarks("polygon", "stock_bars_minute", root), { SPY: "2024-01-05" });
    assertEquals(readCheckpoint(summary.jobId, root).length, 4);
    assertEquals(datasetState(pipe.curatedSpec, root).watermark, "2024-01-05");

    // The key appears in no log line, no file of the lake.
    for (const l of lines) assert(!l.includes(FAKE_KEY), `key in log: ${l}`);
    for (const f of walk(root)) {
      const bytes = Deno.readFileSync(f);
      assert(!new TextDecoder("latin1").decode(bytes).includes(FAKE_KEY), `key in ${f}`);
    }

    // A second, incremental run plans nothing; a resumed identical run skips every unit.
    assertEquals(
      planUnits({ pipeline: pipe, symbols: ["SPY"], start: "2024-01-02", end: "2024-01-05" }, {
        incremental: true,
        root,
      }).length,
      0,
    );
    const again = await runBackfill(
      [{ pipeline: pipe, symbols: ["SPY"], start: "2024-01-02", end: "2024-01-05" }],
      { clients: { polygon: polygon(fx.baseUrl) }, root, resume: true },
    );
    assertEquals(again.units.skipped, 4);
    assertEquals((await readDataset(pipe.curatedSpec, { root })).height, expected - 2);
  } finally {
    setLogSink(prev);
    await fx.close();
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("backfill: option bars discover contracts within the strike band and land both datasets", async () => {
  const root = Deno.makeTempDirSync({ prefix: "bf-" });
  const fx = startFixture({ pageSize: 1000 });
  try {
    const pipe = polygonOptionBarPipeline({ strikeBand: 0.01, expiryDays: 30 });
    const s = await runBackfill(
      [{ pipeline: pipe, symbols: ["SPY"], start: "2024-01-02", end: "2024-01-02" }],
      { clients: { polygon: polygon(fx.baseUrl) }, root },
    );
    assertEquals(s.units.failed, 0);
    const open = minuteBars("SPY", "2024-01-02")[0]!.o as number;
    const contracts = await readDataset(
      {
        ...pipe.curatedSpec,
        dataset: "option_contracts",
        timeColumn: "as_of",
        naturalKey: ["as_of", "ticker"],
        partitioning: "year",
        schema: { as_of: "date", ticker: "str", known_at: "ts_ms" },
      },
      { root },
    );
    const strikes = contracts.getColumn("strike").toArray() as number[];
    assert(strikes.length > 0, "contracts discovered");
    assert(
      strikes.every((k) => k >= open * 0.99 && k <= open * 1.01),
      `strikes within +-1% of ${open}`,
    );
    const bars = await readDataset(pipe.curatedSpec, { root });
    assertEquals(bars.height, strikes.length * 390);
    const und = new Set(bars.getColumn("underlying").toArray());
    assertEquals([...und], ["SPY"]);
  } finally {
    await fx.close();
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("backfill: FRED vintages split on the cap, clipped pieces merged, '.' is null, known_at at release time", async () => {
  const root = Deno.makeTempDirSync({ prefix: "bf-" });
  const fx = startFixture();
  try {
    const fred = new FredClient({
      baseUrl: `${fx.baseUrl}/fred`,
      apiKey: new Secret(FAKE_KEY),
      httpOptions: { ...FAST, minIntervalMs: 0 },
    });
    const pipe = fredObservationsPipeline();
    const s = await runBackfill(
      [{ pipeline: pipe, symbols: ["UNRATE"], start: "2020-01-01", end: "2024-12-31" }],
      { clients: { fred }, root },
    );
    assertEquals(s.units.failed, 0);
    const df = await readDataset(pipe.curatedSpec, { root });
    // The unsplit truth has 5 rows (see fredRows); the split windows must reproduce it.
    assertEquals(df.height, 5);
    const rows = df.sort(["date", "realtime_start"]).withColumns(
      pl.col("realtime_start").cast(pl.Utf8),
      pl.col("realtime_end").cast(pl.Utf8),
    ).toRecords();
    assertEquals(rows.map((r) => [r.realtime_start, r.value]), [
      ["2024-01-10", 1.0],
      ["2024-03-10", 1.1],
      ["2024-02-10", null],
      ["2024-04-10", 2.0],
      ["2024-03-10", 3.0],
    ]);
    assertEquals(rows[0]!.realtime_end, "2024-03-09");
    // UNRATE releases at 08:30 New York: 2024-01-10 08:30 EST = 13:30Z.
    assertEquals(fredKnownAtMs("UNRATE", "2024-01-10"), Date.parse("2024-01-10T13:30:00Z"));
    assertEquals(
      (df.getColumn("known_at").cast(pl.Int64).cast(pl.Float64).toArray() as number[]).includes(
        Date.parse("2024-01-10T13:30:00Z"),
      ),
      true,
    );
    // Unknown release time: end of the vintage day in New York.
    assertEquals(fredKnownAtMs("XYZ", "2024-07-01"), Date.parse("2024-07-02T04:00:00Z") - 1);
  } finally {
    await fx.close();
    Deno.removeSync(root, { recursive: true });
  }
});

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile) yield p;
  }
}
