/**
 * ingest-file on real public series shipped in Debian packages (tests/fixtures/user_files, made by
 * tests/reference/user_files_export.R): every row lands or is quarantined with a reason code,
 * counted, and the landed rows read back from the lake equal the file's values. Expected dates
 * come from R (zoo's yearmon, base R weekdays) or from rules stated here, not from lib/time.
 */
import pl from "nodejs-polars";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../_assert.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";

const DIR = fileURLToPath(new URL("../fixtures/user_files/", import.meta.url));
/** Values are written by R with 15 significant digits and read back as the same doubles. */
const RTOL_VALUE = 0;

function readCsv(name: string): { header: string[]; rows: string[][] } {
  const lines = Deno.readTextFileSync(DIR + name).trim().split("\n");
  return { header: lines[0]!.split(","), rows: lines.slice(1).map((l) => l.split(",")) };
}

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ingest-real-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const msOf = (df: pl.DataFrame, c: string) =>
  df.getColumn(c).cast(pl.Int64).cast(pl.Float64).toArray() as number[];
const close = (a: number, b: number) => Math.abs(a - b) <= RTOL_VALUE * Math.abs(b);

async function quarantineCount(root: string, dataset: string): Promise<Record<string, number>> {
  const q = (await readDataset(quarantineSpec("user"), { root })).filter(
    pl.col("dataset").eq(pl.lit(dataset)),
  );
  const out: Record<string, number> = {};
  for (const r of q.getColumn("reason").toArray() as string[]) out[r] = (out[r] ?? 0) + 1;
  return out;
}

Deno.test("real: TTR ttrc daily OHLCV 1985-2006 on nyse lands whole, values equal the file", () =>
  withLake(async (root) => {
    const file = readCsv("ttrc_daily.csv");
    const s = await ingestBarsFile(DIR + "ttrc_daily.csv", {
      dataset: "ttrc",
      symbol: "TTRC",
      calendar: "nyse",
      root,
    });
    assertEquals(s.rowsRead, 5550);
    assertEquals(s.rowsValid + s.rowsQuarantined, s.rowsRead);
    // Real trading days: none falls outside the NYSE calendar from 1926.
    assertEquals(s.reasons, {});
    const bars = (await readDataset(s.dataset, { root })).sort("date");
    assertEquals(bars.height, 5550);
    const d = bars.getColumn("date").cast(pl.Utf8).toArray() as string[];
    const cols = ["open", "high", "low", "close", "volume"].map((c) =>
      bars.getColumn(c).toArray() as number[]
    );
    file.rows.forEach((r, i) => {
      assertEquals(d[i], r[0]);
      for (let j = 0; j < 5; j++) assert(close(cols[j]![i]!, Number(r[j + 1])), `${r[0]} col ${j}`);
    });
    // 1985-01-02 close 16:00 EST = 21:00Z; 2006-07-03 was an early close (13:00 EDT = 17:00Z).
    const known = msOf(bars, "known_at");
    assertEquals(iso(known[0]!), "1985-01-02T21:00:00.000Z");
    const j = d.indexOf("2006-07-03");
    assert(j >= 0);
    assertEquals(iso(known[j]!), "2006-07-03T17:00:00.000Z");
    assertEquals(s.dataset.partitioning, "year");
    assertEquals(new Set(s.write!.partitions).size, 22); // 1985..2006
  }));

Deno.test("real: USD/THB 30-minute bid closes (Reuters, June 1997) in UTC on the fx calendar", () =>
  withLake(async (root) => {
    const file = readCsv("usdthb_30m_bid_close.csv");
    const s = await ingestBarsFile(DIR + "usdthb_30m_bid_close.csv", {
      dataset: "usdthb_30m",
      symbol: "USDTHB",
      freq: "30m",
      calendar: "fx",
      tz: "UTC",
      root,
    });
    assertEquals(s.rowsRead, 679);
    assertEquals(s.usedColumns.ts, "time_utc");
    // The fx week of June 1997 (EDT) runs Sunday 21:00Z to Friday 21:00Z: rows outside it
    // are expected in quarantine, counted by hand from the UTC weekday and hour.
    const outside = file.rows.filter((r) => {
      const t = new Date(r[0]!.replace(" ", "T") + "Z");
      const wd = t.getUTCDay(), h = t.getUTCHours();
      return wd === 6 || (wd === 0 && h < 21) || (wd === 5 && h >= 21);
    });
    assert(outside.length > 0);
    assertEquals(s.reasons, { not_a_session: outside.length });
    assertEquals(s.rowsValid, 679 - outside.length);
    assertEquals(await quarantineCount(root, "usdthb_30m"), { not_a_session: outside.length });
    assertEquals(s.dataset.meta, {
      kind: "bars",
      calendar: "fx",
      currency: "THB",
      frequency: "30m",
    });
    const bars = (await readDataset(s.dataset, { root })).sort("ts");
    const want = file.rows.filter((r) => !outside.includes(r));
    assertEquals(msOf(bars, "ts").map(iso), want.map((r) => r[0]!.replace(" ", "T") + ".000Z"));
    const c = bars.getColumn("close").toArray() as number[];
    want.forEach((r, i) => assert(close(c[i]!, Number(r[1])), r[0]));
    for (const f of ["open", "high", "low", "volume"]) {
      assertEquals(bars.getColumn(f).nullCount(), bars.height);
    }
    // Known at bar close.
    assertEquals(msOf(bars, "known_at")[0]! - msOf(bars, "ts")[0]!, 1_800_000);
  }));

Deno.test("real: tseries tcm Treasury yields with a decimal-year time column (wide, monthly)", () =>
  withLake(async (root) => {
    const s = await ingestBarsFile(DIR + "tcm_monthly_decimal_year.csv", {
      dataset: "tcm",
      kind: "series",
      wide: true,
      freq: "month",
      timeFormat: "decimal-year",
      currency: null,
      root,
    });
    assertEquals([s.fileRows, s.rowsRead, s.rowsValid, s.rowsQuarantined], [558, 2232, 2232, 0]);
    assertEquals(s.usedColumns.series, ["tcm1y", "tcm3y", "tcm5y", "tcm10y"]);
    // 47 years of monthly values are 2,232 rows: one unpartitioned file, not 47 yearly ones.
    assertEquals(s.dataset.partitioning, "none");
    assertEquals(s.write!.filesAdded.length, 1);
    const lake = (await readDataset(s.dataset, { root })).sort(["symbol", "date"]);
    const exp = readCsv("tcm_expected_long.csv").rows.sort((a, b) =>
      a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : 1
    );
    assertEquals(lake.height, exp.length);
    const sym = lake.getColumn("symbol").toArray() as string[];
    const d = lake.getColumn("date").cast(pl.Utf8).toArray() as string[];
    const v = lake.getColumn("value").toArray() as number[];
    exp.forEach((r, i) => {
      assertEquals([sym[i], d[i]], [r[0], r[1]]);
      assert(close(v[i]!, Number(r[2])), `${r[0]} ${r[1]}`);
    });
    // September 1999 is known at its last NYSE session's close: Thu 30th 16:00 EDT = 20:00Z.
    const k = msOf(lake, "known_at");
    const i = d.findIndex((x, j) => x === "1999-09-01" && sym[j] === "tcm10y");
    assertEquals(iso(k[i]!), "1999-09-30T20:00:00.000Z");
  }));

Deno.test("real: EuStockMarkets without dates, --start 1991-07-01 --freq session on weekdays", () =>
  withLake(async (root) => {
    const file = readCsv("eustockmarkets_no_dates.csv");
    const s = await ingestBarsFile(DIR + "eustockmarkets_no_dates.csv", {
      dataset: "eu_indices",
      kind: "series",
      wide: true,
      start: "1991-07-01",
      freq: "session",
      calendar: "weekdays",
      currency: null,
      root,
    });
    assertEquals([s.fileRows, s.rowsRead, s.rowsValid, s.rowsQuarantined], [1860, 7440, 7440, 0]);
    const expDates = readCsv("eustockmarkets_expected_weekdays.csv").rows.map((r) => r[1]!);
    const lake = await readDataset(s.dataset, { root });
    file.header.forEach((name, j) => {
      const one = lake.filter(pl.col("symbol").eq(pl.lit(name))).sort("date");
      assertEquals(one.getColumn("date").cast(pl.Utf8).toArray(), expDates, name);
      const v = one.getColumn("value").toArray() as number[];
      file.rows.forEach((r, i) => assert(close(v[i]!, Number(r[j])), `${name} row ${i + 1}`));
    });
    assertEquals(expDates.at(-1), "1998-08-14");
  }));

Deno.test("real: the same file on the xetra calendar places rows on Frankfurt sessions", async () => {
  const { getCalendar } = await import("../../lib/time/mod.ts");
  let cal;
  try {
    cal = getCalendar("xetra");
    cal.isSession("1991-07-01");
  } catch {
    return; // the xetra calendar is not in this checkout yet
  }
  await withLake(async (root) => {
    const s = await ingestBarsFile(DIR + "eustockmarkets_no_dates.csv", {
      dataset: "eu_xetra",
      kind: "series",
      wide: true,
      start: "1991-07-01",
      freq: "session",
      calendar: "xetra",
      root,
    });
    assertEquals([s.rowsRead, s.rowsValid], [7440, 7440]);
    assertEquals(s.dataset.meta?.currency, "EUR");
    const d = (await readDataset(s.dataset, { root })).filter(pl.col("symbol").eq(pl.lit("DAX")))
      .sort("date").getColumn("date").cast(pl.Utf8).toArray() as string[];
    // Every date a Frankfurt session, strictly increasing, none on a weekend.
    assert(d.every((x) => cal!.isSession(x)));
    assert(d.every((x, i) => i === 0 || x > d[i - 1]!));
    assert(d.every((x) => ![0, 6].includes(new Date(x + "T00:00:00Z").getUTCDay())));
  });
});

const task = ingestFileTask;

Deno.test("task ingest-file: --help, bad options exit 2 with one line, exit 1 above --max-quarantined", () =>
  withLake(async (root) => {
    const env = { WORKBENCH_DATA: root };
    const help = await task(["--help"], env);
    assertEquals(help.code, 0);
    for (
      const o of [
        "--dataset",
        "--kind",
        "--wide",
        "--freq",
        "--calendar",
        "--tz",
        "--time-unit",
        "--time-format",
        "--start",
        "--symbol",
        "--map",
        "--currency",
        "--order",
        "--max-quarantined",
        "Examples:",
      ]
    ) assert(help.stdout.includes(o), o);
    const f = DIR + "usdthb_30m_bid_close.csv";
    for (
      const bad of [
        [f, "--dataset", "x", "--bogus"],
        [f, "--dataset", "x", "--calendar", "moon"],
        [f, "--dataset", "x", "--tz", "Mars/Base"],
        [f, "--dataset", "x", "--freq", "7x"],
        [f, "--dataset", "x", "--time-unit", "minutes"],
        [f, "--dataset", "x", "--currency", "ZZZ1"],
        [f, "--dataset", "x", "--map", "nope=a"],
        [f, "--dataset", "Bad-Name"],
        [f],
        [root + "/missing.csv", "--dataset", "x"],
      ]
    ) {
      const r = await task(bad, env);
      assertEquals(r.code, 2, bad.join(" "));
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert(!r.stderr.includes("    at "), r.stderr);
    }
    const args = [
      f,
      "--dataset",
      "usdthb",
      "--symbol",
      "USDTHB",
      "--freq",
      "30m",
      "--calendar",
      "fx",
      "--tz",
      "UTC",
    ];
    const r1 = await task(args, env);
    assertEquals(r1.code, 1, r1.stderr); // 9 of 679 = 1.33% > 1%
    assert(r1.stdout.includes("not_a_session: 9"), r1.stdout);
    assert(r1.stdout.includes("rows read:        679"), r1.stdout);
    // Exit 1 over the threshold, but the 670 landed rows are committed, and stderr says so.
    assert(
      r1.stderr.includes("9 of 679 rows (1.33%) quarantined, more than --max-quarantined 0.01") &&
        r1.stderr.includes("the 670 rows landed ARE committed"),
      r1.stderr,
    );

    const r2 = await task([...args, "--max-quarantined", "0.02"], env);
    assertEquals(r2.code, 0, r2.stderr);
    assert(r2.stdout.includes("not_a_session: 9"), r2.stdout);
    // The exit-1 run committed its rows: the same file again adds nothing.
    assert(r2.stdout.includes("rows landed:      670 (already in the lake"), r2.stdout);
    const ints = root + "/ints.csv";
    Deno.writeTextFileSync(ints, "ts,close\n1700000000,1\n");
    const r3 = await task([ints, "--dataset", "ints", "--symbol", "X"], env);
    assertEquals(r3.code, 1);
    assert(r3.stderr.includes("--time-unit"), r3.stderr);
  }));
