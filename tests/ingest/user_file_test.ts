import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { DataError } from "../../lib/core/errors.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import {
  ingestBarsFile,
  pairQuoteCurrency,
  parseNumberCell,
  userBarsSpec,
  userSeriesSpec,
} from "../../lib/ingest/user_file.ts";
import { parseCsv } from "../../lib/ingest/user_file_read.ts";
import { quarantineSpec, reasonCode } from "../../lib/ingest/quarantine.ts";
import { getCalendar } from "../../lib/time/mod.ts";

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

const iso = (ms: number) => new Date(ms).toISOString();
const msOf = (df: pl.DataFrame, c: string) =>
  df.getColumn(c).cast(pl.Int64).cast(pl.Float64).toArray() as number[];
const dates = (df: pl.DataFrame) => (df.getColumn("date").cast(pl.Utf8).toArray() as string[]);
const quarantined = async (root: string, dataset: string) =>
  (await readDataset(quarantineSpec("user"), { root })).filter(
    pl.col("dataset").eq(pl.lit(dataset)),
  );

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
2024-07-11,0x1FF,600,500,510,1
2024-07-12,101,102,100,101,
1985-01-02,3.18,3.18,3.08,3.08,1870906
1920-01-02,1,1,1,1,1
`;

Deno.test("ingest-file: each invalid daily row is quarantined with a reason code and detail", () =>
  withLake(async (root) => {
    const f = `${root}/spy.csv`;
    Deno.writeTextFileSync(f, DAILY);
    const s = await ingestBarsFile(f, {
      dataset: "my_spy",
      symbol: "SPY",
      columns: YAHOO_COLUMNS,
      root,
    });
    assertEquals(s.rowsRead, 14);
    // 07-03 and 07-10: high below open; 07-04 holiday; 07-05 negative volume; second 07-08
    // duplicate; 07-09 blank open; bad date; 0x1FF; 1920 before the calendar.
    assertEquals(s.reasons, {
      ohlc_inconsistent: 2,
      not_a_session: 1,
      negative_volume: 1,
      duplicate_key: 1,
      missing_value: 1,
      unparseable_time: 1,
      not_a_number: 1,
      outside_range: 1,
    });
    assertEquals([s.rowsValid, s.rowsQuarantined], [5, 9]);
    assertEquals(s.rowsValid + s.rowsQuarantined, s.rowsRead);
    const bars = await readDataset(userBarsSpec("my_spy", true), { root });
    assertEquals(dates(bars), [
      "1985-01-02",
      "2024-07-01",
      "2024-07-02",
      "2024-07-08",
      "2024-07-12",
    ]);
    // A blank volume is null, not 0.
    assertEquals(bars.getColumn("volume").toArray(), [1870906, 1000, 1100, 1200, null]);
    // known_at = session close: 1985-01-02 16:00 EST = 21:00Z; 2024-07-02 16:00 EDT = 20:00Z.
    const known = msOf(bars, "known_at").map(iso);
    assertEquals(known[0], "1985-01-02T21:00:00.000Z");
    assertEquals(known[2], "2024-07-02T20:00:00.000Z");
    const q = await quarantined(root, "my_spy");
    assertEquals(q.height, 9);
    // GROUP BY reason works on codes; the detail holds the value.
    const byReason = q.groupBy("reason").agg(pl.len().alias("n")).sort("reason");
    assertEquals(byReason.getColumn("reason").toArray(), [
      "duplicate_key",
      "missing_value",
      "negative_volume",
      "not_a_number",
      "not_a_session",
      "ohlc_inconsistent",
      "outside_range",
      "unparseable_time",
    ]);
    const hex = q.filter(pl.col("reason").eq(pl.lit("not_a_number")));
    assertEquals(hex.getColumn("detail").get(0), 'open: "0x1FF"');
    // The payload keeps the file's column names.
    assertEquals(JSON.parse(hex.getColumn("payload").get(0) as string), {
      Date: "2024-07-11",
      Open: "0x1FF",
      High: "600",
      Low: "500",
      Close: "510",
      Volume: "1",
    });
    assert(
      // The file's absolute path (verify --repair names it to ingest again), not its base name.
      (q.getColumn("payload_ref").toArray() as string[]).every((r) =>
        r.startsWith(`file://${f}#row=`) && /#row=\d+$/.test(r)
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
    assertEquals(datasetState(userBarsSpec("my_spy", true), root).files, m1.files);
    assertEquals(
      (await quarantined(root, "my_spy")).height,
      9,
      "a rerun quarantines each bad row once",
    );
  }));

Deno.test("ingest-file: close-only and high/low/close bars store absent fields as null", () =>
  withLake(async (root) => {
    const f = `${root}/c.csv`;
    Deno.writeTextFileSync(f, "date,close\n2024-03-04,1.0850\n2024-03-05,1.0855\n2024-03-06,-1\n");
    const s = await ingestBarsFile(f, { dataset: "eur", symbol: "EURUSD", calendar: "fx", root });
    assertEquals([s.rowsValid, s.reasons.not_positive], [2, 1]);
    assertEquals(s.dataset.meta, {
      kind: "bars",
      calendar: "fx",
      currency: "USD",
      frequency: "session",
    });
    const bars = await readDataset(userBarsSpec("eur", true), { root });
    for (const c of ["open", "high", "low", "volume"]) {
      assertEquals(bars.getColumn(c).nullCount(), 2, `${c} is null, never 0 or the close`);
    }
    assertEquals(bars.getColumn("close").toArray(), [1.085, 1.0855]);
    // fx daily bar of 2024-03-05 is known at its 17:00 New York roll (EST: 22:00Z).
    assertEquals(iso(msOf(bars, "known_at")[1]!), "2024-03-05T22:00:00.000Z");
    // Consistency only over the fields present: low above high fails, no open needed (a close
    // is: a bars file without one is refused, tests/ingest/user_file_trial2_mistakes_test.ts).
    const g = `${root}/hl.csv`;
    Deno.writeTextFileSync(g, "date,high,low,close\n2024-03-04,10,9,9.5\n2024-03-05,9,10,9.5\n");
    const s2 = await ingestBarsFile(g, { dataset: "hl", symbol: "X", root });
    assertEquals([s2.rowsValid, s2.reasons.ohlc_inconsistent], [1, 1]);
  }));

Deno.test("ingest-file: a daily bar stamped 20:00-05:00 goes under its local date", () =>
  withLake(async (root) => {
    const f = `${root}/d.csv`;
    Deno.writeTextFileSync(f, "ts,close\n2024-03-06T20:00-05:00,10\n2024-03-07T00:00:00Z,11\n");
    const s = await ingestBarsFile(f, { dataset: "d", symbol: "X", root });
    assertEquals(s.rowsValid, 2);
    assertEquals(dates(await readDataset(userBarsSpec("d", true), { root })), [
      "2024-03-06",
      "2024-03-07",
    ]);
  }));

Deno.test("ingest-file: intraday naive times in --tz, known at bar close, outside sessions quarantined", () =>
  withLake(async (root) => {
    const f = `${root}/m.csv`;
    Deno.writeTextFileSync(
      f,
      "symbol,timestamp,open,high,low,close,volume\nAAA,2024-03-08 09:30:00,10,11,9,10.5,100\nAAA,2024-03-11 09:30:00,10,11,9,10.5,100\nBBB,2024-03-11 09:31:00,10,11,9,10.5,100\nBBB,2024-03-11 08:00:00,10,11,9,10.5,100\n,2024-03-11 09:32:00,10,11,9,10.5,100\n",
    );
    const s = await ingestBarsFile(f, { dataset: "my_minutes", freq: "1m", root });
    assertEquals(s.reasons, { not_a_session: 1, missing_symbol: 1 });
    const bars = await readDataset(s.dataset, { root });
    assertEquals(msOf(bars, "ts").map(iso), [
      "2024-03-08T14:30:00.000Z",
      "2024-03-11T13:30:00.000Z",
      "2024-03-11T13:31:00.000Z",
    ]);
    assertEquals(iso(msOf(bars, "known_at")[0]!), "2024-03-08T14:31:00.000Z");
  }));

Deno.test("ingest-file: naive Parquet timestamps follow --tz like CSV; booleans are not prices", () =>
  withLake(async (root) => {
    const naive = pl.Series(
      "ts",
      [Date.UTC(2024, 2, 8, 9, 30), Date.UTC(2024, 2, 8, 9, 31)],
      pl.Float64,
    )
      .cast(pl.Int64).cast(pl.Datetime("ms"));
    const df = pl.DataFrame([
      naive,
      pl.Series("close", [10.5, 10.6], pl.Float64),
      pl.Series("open", [true, false], pl.Bool),
    ]);
    const pq = `${root}/n.parquet`;
    df.writeParquet(pq);
    const csv = `${root}/n.csv`;
    Deno.writeTextFileSync(csv, "ts,close\n2024-03-08 09:30:00,10.5\n2024-03-08 09:31:00,10.6\n");
    const sp = await ingestBarsFile(pq, { dataset: "pq", symbol: "X", freq: "1m", root });
    // Both rows carry a boolean open: quarantined, never stored as 1.0.
    assertEquals(sp.reasons, { not_a_number: 2 });
    const pq2 = `${root}/n2.parquet`;
    df.drop("open").writeParquet(pq2);
    const s1 = await ingestBarsFile(pq2, { dataset: "pq", symbol: "X", freq: "1m", root });
    const s2 = await ingestBarsFile(csv, { dataset: "csv", symbol: "X", freq: "1m", root });
    const a = msOf(await readDataset(s1.dataset, { root }), "ts");
    const b = msOf(await readDataset(s2.dataset, { root }), "ts");
    assertEquals(a.map(iso), ["2024-03-08T14:30:00.000Z", "2024-03-08T14:31:00.000Z"]);
    assertEquals(a, b);
  }));

Deno.test("ingest-file: an extra or missing CSV field is quarantined as field_count with the extra kept", () =>
  withLake(async (root) => {
    const f = `${root}/x.csv`;
    Deno.writeTextFileSync(
      f,
      "Date,Close\n2024-07-01,10\n2024-07-02,11,999\n2024-07-03\n\n2024-07-05,12\n",
    );
    const s = await ingestBarsFile(f, {
      dataset: "x",
      symbol: "X",
      columns: { ts: "Date", close: "Close" },
      root,
    });
    assertEquals([s.rowsRead, s.rowsValid, s.reasons.field_count], [4, 2, 2]);
    const q = await quarantined(root, "x");
    const payloads = (q.getColumn("payload").toArray() as string[]).map((p) => JSON.parse(p));
    assert(
      payloads.some((p) => p.Close === "11" && p._extra[0] === "999"),
      JSON.stringify(payloads),
    );
  }));

Deno.test("ingest-file: bytes that are not UTF-8 quarantine their line only (in a UTF-8 file)", () =>
  withLake(async (root) => {
    const f = `${root}/u.csv`;
    const enc = new TextEncoder();
    // "ÇCC" is UTF-8 text, so the 0xFF is a corrupt line, not a latin-1 file (refused whole)
    const bytes = new Uint8Array([
      ...enc.encode("symbol,date,close\nAAA,2024-07-01,10\n"),
      ...enc.encode("B"),
      0xff,
      ...enc.encode("B,2024-07-01,11\nÇCC,2024-07-01,12\n"),
    ]);
    Deno.writeFileSync(f, bytes);
    const s = await ingestBarsFile(f, { dataset: "u", root });
    assertEquals([s.rowsRead, s.rowsValid, s.reasons.not_utf8], [3, 2, 1]);
  }));

Deno.test("ingest-file: a bare integer time column is an error asking for --time-unit", () =>
  withLake(async (root) => {
    const f = `${root}/e.csv`;
    Deno.writeTextFileSync(f, "ts,close\n20240304,1\n20240305,2\n");
    await assertRejects(
      () => ingestBarsFile(f, { dataset: "e", symbol: "X", freq: "1m", root }),
      DataError,
      "--time-unit",
    );
    // With a unit they are epoch seconds: 20240304 s = 1970-08-23T06:05:04Z, on the none calendar.
    const s = await ingestBarsFile(f, {
      dataset: "e",
      symbol: "X",
      freq: "1m",
      timeUnit: "s",
      calendar: "none",
      root,
    });
    assertEquals(s.rowsValid, 2);
    // Or a pattern reads them as dates.
    const s2 = await ingestBarsFile(f, { dataset: "e2", symbol: "X", timeFormat: "%Y%m%d", root });
    assertEquals(dates(await readDataset(userBarsSpec("e2", true), { root })), [
      "2024-03-04",
      "2024-03-05",
    ]);
    assertEquals(s2.rowsValid, 2);
    // An ISO column with one bare integer: that row only is unparseable.
    const g = `${root}/g.csv`;
    Deno.writeTextFileSync(g, "ts,close\n2024-03-04 10:00,1\n20240304,2\n2024-03-04 10:01,3\n");
    const s3 = await ingestBarsFile(g, { dataset: "g", symbol: "X", freq: "1m", root });
    assertEquals([s3.rowsValid, s3.reasons.unparseable_time], [2, 1]);
  }));

Deno.test("ingest-file: missing columns are clear errors naming the fix", () =>
  withLake(async (root) => {
    const f = `${root}/x.csv`;
    Deno.writeTextFileSync(f, "Date,Volume\n2024-07-01,1\n");
    await assertRejects(
      () => ingestBarsFile(f, { dataset: "x", symbol: "X", root }),
      DataError,
      "a bars dataset needs a close",
    );
    await assertRejects(
      () => ingestBarsFile(`${root}/x.json`, { dataset: "x", root }),
      DataError,
      "expected a .csv or .parquet",
    );
    Deno.writeTextFileSync(f, "a,close\n1,2\n");
    await assertRejects(
      () => ingestBarsFile(f, { dataset: "x", symbol: "X", root }),
      DataError,
      "--start DATE",
    );
    await assertRejects(
      () => ingestBarsFile(f, { dataset: "x", symbol: "X", columns: { ts: "nope" }, root }),
      DataError,
      'no column "nope"',
    );
  }));

Deno.test("ingest-file: series, wide series, known_at column, and a file without dates", () =>
  withLake(async (root) => {
    const f = `${root}/s.csv`;
    Deno.writeTextFileSync(
      f,
      "date,value,known_at\n2024-01-01,3.1,2024-02-15T13:30:00Z\n2024-02-01,3.2,\n2024-03-01,NA,\n",
    );
    const s = await ingestBarsFile(f, {
      dataset: "cpi",
      kind: "series",
      symbol: "CPI",
      freq: "month",
      root,
    });
    assertEquals([s.rowsValid, s.reasons.missing_value], [2, 1]);
    const cpi = await readDataset(userSeriesSpec("cpi", true), { root });
    assertEquals(dates(cpi), ["2024-01-01", "2024-02-01"]);
    // Given known_at wins; else the close of February's last session (Thu 29th, 16:00 EST = 21:00Z).
    assertEquals(msOf(cpi, "known_at").map(iso), [
      "2024-02-15T13:30:00.000Z",
      "2024-02-29T21:00:00.000Z",
    ]);

    const w = `${root}/w.csv`;
    Deno.writeTextFileSync(w, "A,B\n1,10\n2,x\n3,30\n");
    const sw = await ingestBarsFile(w, {
      dataset: "w",
      kind: "series",
      wide: true,
      start: "2024-07-03",
      freq: "session",
      currency: null,
      root,
    });
    assertEquals([sw.rowsRead, sw.fileRows, sw.rowsValid, sw.reasons.not_a_number], [6, 3, 5, 1]);
    const wd = (await readDataset(userSeriesSpec("w", true), { root })).sort(["symbol", "date"]);
    // NYSE sessions from 2024-07-03: 07-03, 07-05 (07-04 holiday), 07-08.
    assertEquals(dates(wd), ["2024-07-03", "2024-07-05", "2024-07-08", "2024-07-03", "2024-07-08"]);
    assertEquals(wd.getColumn("symbol").toArray(), ["A", "A", "A", "B", "B"]);
    assertEquals(wd.getColumn("value").toArray(), [1, 2, 3, 10, 30]);
    const q = await quarantined(root, "w");
    assertEquals(q.getColumn("payload_ref").toArray(), [`file://${root}/w.csv#row=2&col=B`]);
  }));

Deno.test("ingest-file: a yearly series from before 1926 (calendar none, %Y years) lands whole", () =>
  withLake(async (root) => {
    // The first and last years of R's LakeHuron (feet, 1875-1972) and of statsmodels' sunspots
    // (1700): bare integer years read with --time-format %Y --freq year, calendar none.
    const f = `${root}/huron.csv`;
    Deno.writeTextFileSync(f, "year,level\n1700,5\n1875,580.38\n1876,581.86\n1972,579.96\n");
    const s = await ingestBarsFile(f, {
      dataset: "huron",
      kind: "series",
      symbol: "HURON",
      freq: "year",
      calendar: "none",
      timeFormat: "%Y",
      columns: { ts: "year", value: "level" },
      currency: null,
      root,
    });
    assertEquals([s.rowsRead, s.rowsValid, s.rowsQuarantined], [4, 4, 0]);
    const h = (await readDataset(userSeriesSpec("huron", true), { root })).sort("date");
    assertEquals(dates(h), ["1700-01-01", "1875-01-01", "1876-01-01", "1972-01-01"]);
    assertEquals(h.getColumn("value").toArray(), [5, 580.38, 581.86, 579.96]);
    // known at the end of the year (midnight UTC, calendar none)
    assertEquals(iso(msOf(h, "known_at")[1]!), "1876-01-01T00:00:00.000Z");
    // without --time-format the bare years are an error that says how to read them
    await assertRejects(
      () =>
        ingestBarsFile(f, {
          dataset: "huron2",
          kind: "series",
          symbol: "HURON",
          freq: "year",
          calendar: "none",
          columns: { ts: "year", value: "level" },
          root,
        }),
      DataError,
      "--time-format %Y --freq year",
    );
  }));

Deno.test("ingest-file: 62,496 thirty-minute FX bars land in tens of files (yearly partitions)", () =>
  withLake(async (root) => {
    const fx = getCalendar("fx");
    const lines = ["ts,close"];
    for (let t = Date.UTC(2019, 0, 6, 22); lines.length <= 62_496; t += 1_800_000) {
      if (fx.sessionDateOf(t) !== null) {
        lines.push(`${new Date(t).toISOString()},${(1.1 + (lines.length % 97) / 1e4).toFixed(5)}`);
      }
    }
    const f = `${root}/eurusd_30m.csv`;
    Deno.writeTextFileSync(f, lines.join("\n") + "\n");
    const s = await ingestBarsFile(f, {
      dataset: "eurusd_30m",
      symbol: "EUR/USD",
      freq: "30m",
      calendar: "fx",
      tz: "UTC",
      root,
    });
    assertEquals([s.rowsRead, s.rowsValid], [62_496, 62_496]);
    assertEquals(s.dataset.partitioning, "year");
    const files = datasetState(s.dataset, root).files;
    assert(files.length >= 5 && files.length < 100, `${files.length} files`);
    assert(
      files.every((x) => /^year=20(19|2[0-4])$/.test(x.partition)),
      files.map((x) => x.partition).join(),
    );
    assertEquals(s.dataset.meta?.currency, "USD");
  }));

Deno.test("parseNumberCell: decimal notation only; blanks are null", () => {
  assertEquals(parseNumberCell("1.5"), 1.5);
  assertEquals(parseNumberCell("-2e-3"), -0.002);
  assertEquals(parseNumberCell("1e+07"), 1e7);
  assertEquals(parseNumberCell(""), null);
  assertEquals(parseNumberCell(null), null);
  assertEquals(parseNumberCell("NA"), null);
  for (const bad of ["0x1FF", "true", "1,000", "Infinity", "2024-03-04", "1.2.3", "--1"]) {
    assertEquals((parseNumberCell(bad) as { code: string }).code, "not_a_number", bad);
  }
  assertEquals((parseNumberCell(true) as { code: string }).code, "not_a_number");
  assertEquals((parseNumberCell(Infinity) as { code: string }).code, "not_a_number");
  assertEquals(parseNumberCell(7n), 7);
});

Deno.test("pairQuoteCurrency and reasonCode", () => {
  assertEquals(["EURUSD", "EUR_USD", "EUR/USD", "usdthb", "SPY", "GOOGLE"].map(pairQuoteCurrency), [
    "USD",
    "USD",
    "USD",
    "THB",
    null,
    null,
  ]);
  assertEquals(reasonCode("validate", "low above high"), "ohlc_inconsistent");
  assertEquals(reasonCode("validate", "negative volume"), "negative_volume");
  assertEquals(reasonCode("validate", "value is neither a number nor '.'"), "not_a_number");
  assertEquals(reasonCode("validate", "bad ex_dividend_date"), "unparseable_time");
  assertEquals(reasonCode("validate", "status is not closed or early-close"), "invalid_value");
  assertEquals(reasonCode("parse", "o: expected number"), "schema_mismatch");
  assertEquals(reasonCode("validate", "duplicate_key"), "duplicate_key");
});

Deno.test("parseCsv: quotes, CRLF, BOM, empty lines", () => {
  const t = parseCsv(new TextEncoder().encode('\uFEFFa,b\r\n"x,1","say ""hi"""\r\n\r\n3,\n'));
  assertEquals(t.columns, ["a", "b"]);
  assertEquals(t.rows, 2);
  assertEquals(t.cells.get("a"), ["x,1", "3"]);
  assertEquals(t.cells.get("b"), ['say "hi"', null]);
});

Deno.test("views: user_daily_bars, user_intraday_bars and user_series keep their rows apart; ingest_quarantine groups by code", () =>
  withLake(async (root) => {
    const { Catalog } = await import("../../lib/query/mod.ts");
    Deno.writeTextFileSync(`${root}/d.csv`, "date,close\n2024-07-01,10\n2024-07-04,11\n");
    Deno.writeTextFileSync(`${root}/m.csv`, "ts,close\n2024-07-01T14:00Z,1\n2024-07-01T14:30Z,2\n");
    Deno.writeTextFileSync(`${root}/s.csv`, "date,value\n2024-07-01,5\n");
    await ingestBarsFile(`${root}/d.csv`, { dataset: "d", symbol: "D", root });
    const m = await ingestBarsFile(`${root}/m.csv`, {
      dataset: "m",
      symbol: "M",
      freq: "30m",
      root,
    });
    assertEquals(m.dataset.partitioning, "year"); // sparse intraday
    // only bar datasets so far (no value or ts column in any file): user_series is there, empty
    const c0 = await Catalog.open({ root });
    try {
      assertEquals((await c0.query("SELECT count(*)::INT AS n FROM user_series")).rows, [{ n: 0 }]);
    } finally {
      c0.close();
    }
    await ingestBarsFile(`${root}/s.csv`, { dataset: "s", kind: "series", symbol: "S", root });
    // a yearly series without partitions beside year-partitioned ones (no Hive mismatch)
    Deno.writeTextFileSync(`${root}/y.csv`, "year,level\n1875,580.38\n1876,581.86\n");
    await ingestBarsFile(`${root}/y.csv`, {
      dataset: "y",
      kind: "series",
      symbol: "HURON",
      freq: "year",
      calendar: "none",
      timeFormat: "%Y",
      columns: { ts: "year", value: "level" },
      root,
    });
    const c = await Catalog.open({ root });
    try {
      const series = await c.query(
        "SELECT dataset, symbol, strftime(date, '%Y-%m-%d') AS date, value FROM user_series ORDER BY dataset, date",
      );
      assertEquals(series.rows, [
        { dataset: "s", symbol: "S", date: "2024-07-01", value: 5 },
        { dataset: "y", symbol: "HURON", date: "1875-01-01", value: 580.38 },
        { dataset: "y", symbol: "HURON", date: "1876-01-01", value: 581.86 },
      ]);
      const daily = await c.query(
        "SELECT dataset, symbol, close FROM user_daily_bars ORDER BY dataset",
      );
      assertEquals(daily.rows, [{ dataset: "d", symbol: "D", close: 10 }]);
      const intra = await c.query("SELECT dataset, close FROM user_intraday_bars ORDER BY ts");
      assertEquals(intra.rows, [{ dataset: "m", close: 1 }, { dataset: "m", close: 2 }]);
      const q = await c.query(
        "SELECT reason, count(*)::INT AS n, min(detail) AS detail FROM ingest_quarantine GROUP BY reason",
      );
      assertEquals(q.rows, [{
        reason: "not_a_session",
        n: 1,
        detail: "2024-07-04 is not a nyse session",
      }]);
    } finally {
      c.close();
    }
  }));

Deno.test("ingest-file: zoned and Decimal Parquet columns; --order increasing; ignored columns listed", () =>
  withLake(async (root) => {
    // 2024-03-06T20:00-05:00 as a New York-zoned Parquet timestamp: the daily bar of 03-06.
    const ts = pl.Series("ts", [Date.UTC(2024, 2, 7, 1), Date.UTC(2024, 2, 8, 1)], pl.Float64)
      .cast(pl.Int64).cast(pl.Datetime("ms", "UTC")).dt.convertTimeZone("America/New_York");
    const df = pl.DataFrame([
      ts,
      pl.Series("close", [10.25, 10.5], pl.Float64),
      pl.Series("note", ["a", "b"]),
    ]);
    let withDecimal = df;
    try {
      withDecimal = df.withColumns(pl.col("close").cast(pl.Decimal(10, 2)).alias("close"));
    } catch { /* this Polars build cannot make a Decimal column: the Float64 file still runs */ }
    const f = `${root}/z.parquet`;
    withDecimal.writeParquet(f);
    const s = await ingestBarsFile(f, { dataset: "z", symbol: "X", root });
    assertEquals(s.rowsValid, 2, JSON.stringify(s.reasons));
    assertEquals(s.ignoredColumns, ["note"]);
    const bars = await readDataset(s.dataset, { root });
    assertEquals(dates(bars), ["2024-03-06", "2024-03-07"]);
    assertEquals(bars.getColumn("close").toArray(), [10.25, 10.5]);

    const g = `${root}/o.csv`;
    // 1 of 11 rows goes back (under 10%: quarantined; more is refused, trial9_rows_test.ts)
    const later = ["06", "07", "08", "11", "12", "13", "14", "15", "18"];
    Deno.writeTextFileSync(
      g,
      `date,close\n2024-03-05,1\n2024-03-04,2\n${
        later.map((d, i) => `2024-03-${d},${i + 3}\n`).join("")
      }`,
    );
    const any = await ingestBarsFile(g, { dataset: "o1", symbol: "X", root });
    assertEquals(any.rowsValid, 11); // any order is fine by default (the lake sorts)
    const inc = await ingestBarsFile(g, { dataset: "o2", symbol: "X", order: "increasing", root });
    assertEquals([inc.rowsValid, inc.reasons.not_increasing], [10, 1]);
  }));
