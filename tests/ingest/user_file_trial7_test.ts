/**
 * Trial 7 (/work/notes/trial7/report.md) findings 1, 2, 3 and 9: `ingest-file` must not land
 * real data on invented dates. Fixtures are cuts of the trial's files
 * (tests/fixtures/trial7/make_trial7_fixtures.sh); expected dates and values are read off the
 * source files by hand (lpp_long.csv holds the Zurich dates: SPI 2005-11-01 100.845009721356,
 * 2006-03-27 114.823547217597), never off this code's output.
 */
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import {
  ColumnMappingError,
  ingestBarsFile,
  userBarsSpec,
  userSeriesSpec,
} from "../../lib/ingest/user_file.ts";
import { decimalYearGrid, utcWrittenMinutes } from "../../lib/ingest/user_file_time.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";
import { nothingWritten, trialFixture, withLake as withLakeAt } from "./_trial_lake.ts";

const fixture = trialFixture("trial7");

const withLake = (fn: (root: string) => Promise<void>) => withLakeAt("trial7-test-", fn);

const col = (df: pl.DataFrame, c: string) =>
  df.getColumn(c).cast(c === "date" ? pl.Utf8 : pl.Float64).toArray() as (string | number)[];

Deno.test("finding 1: a series placed by --start needs --freq (no calendar-day default); session and day both work", () =>
  withLake(async (root) => {
    const f = fixture("eustock_head.csv");
    const base = { kind: "series" as const, wide: true, start: "1991-07-01", root };
    const e = await assertRejects(
      () => ingestBarsFile(f, { ...base, dataset: "eu", calendar: "weekdays" }),
      ColumnMappingError,
    );
    assert(e.message.includes("--freq session") && e.message.includes("--freq day"), e.message);
    nothingWritten(root, "eu");
    // 30 rows on weekdays from Monday 1991-07-01: six whole weeks, the last Friday 1991-08-09.
    const s = await ingestBarsFile(f, {
      ...base,
      dataset: "eu",
      calendar: "weekdays",
      freq: "session",
    });
    assertEquals(s.lastRow, { row: 30, date: "1991-08-09" });
    const df = await readDataset(userSeriesSpec("eu", true), { root });
    const days = (col(df, "date") as string[]).map((d) => new Date(`${d}T00:00Z`).getUTCDay());
    assert(days.every((d) => d >= 1 && d <= 5), "no weekend dates");
    // A truly calendar-daily series stays possible: --freq day, 30 calendar days.
    const d = await ingestBarsFile(f, { ...base, dataset: "eu_day", freq: "day" });
    assertEquals(d.lastRow, { row: 30, date: "1991-07-30" });
    // Bars keep their session default.
    const b = await ingestBarsFile(f, {
      dataset: "dax",
      symbol: "DAX",
      start: "1991-07-01",
      calendar: "weekdays",
      columns: { close: "DAX" },
      root,
    });
    assertEquals(b.lastRow, { row: 30, date: "1991-08-09" });
  }));

Deno.test("finding 1: task exits 2 with the choice named; --help says --start needs --freq for series", async () => {
  const root = await Deno.makeTempDir({ prefix: "trial7-task-" });
  try {
    const r = await ingestFileTask(
      [
        fixture("eustock_head.csv"),
        "--dataset",
        "eu",
        "--kind",
        "series",
        "--wide",
        "--start",
        "1991-07-01",
      ],
      { WORKBENCH_DATA: root, TZ: "UTC" },
    );
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("--freq session") && r.stderr.includes("--freq day"), r.stderr);
    const h = await ingestFileTask(["--help"], { WORKBENCH_DATA: root });
    assert(/series with --start: required/.test(h.stdout), h.stdout);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("decimalYearGrid: R ts indexes by their frequency; whole years and irregular values give null", () => {
  const grid = (n: number, from: number, k: number) =>
    Array.from({ length: k }, (_, i) => from + i / n);
  assertEquals(decimalYearGrid(grid(248, 1962, 40)), 248);
  assertEquals(decimalYearGrid(grid(260, 1991.5, 40)), 260);
  assertEquals(decimalYearGrid(grid(52, 1990, 60)), 52);
  assertEquals(decimalYearGrid(grid(12, 1953.25, 30)), 12);
  // Monthly values printed to four decimals (1953.3333) still fit.
  assertEquals(decimalYearGrid([1953.25, 1953.3333, 1953.4167, 1953.5]), 12);
  assertEquals(decimalYearGrid([1700, 1701, 1702, 1703]), null);
  assertEquals(decimalYearGrid([1985.0417, 1985.5, 1987.3]), null);
  // lubridate decimal_date of daily dates across a leap year: a day-of-year grid (365 or 366,
  // both read as days), never another N.
  const doy = [0, 1, 2, 364].map((d) => 1999 + d / 365).concat(
    [0, 1, 365].map((d) => 2000 + d / 366),
  );
  assert([null, 365, 366].includes(decimalYearGrid(doy)), String(decimalYearGrid(doy)));
  assertEquals(decimalYearGrid(grid(365, 1999, 30)), 365);
});

Deno.test("finding 2: R time() of a frequency-248 ts (tcmd) is refused before anything lands, naming --start --freq session", () =>
  withLake(async (root) => {
    const e = await assertRejects(
      () =>
        ingestBarsFile(fixture("tcmd_time_head.csv"), {
          dataset: "tcmd",
          kind: "series",
          wide: true,
          timeFormat: "decimal-year",
          units: "percent",
          root,
        }),
      ColumnMappingError,
    );
    assert(e.message.includes("1/248 of a year"), e.message);
    assert(
      e.message.includes("--start") && e.message.includes("--freq session --calendar"),
      e.message,
    );
    nothingWritten(root, "tcmd");
    // Also with --freq session or week given: still no calendar date.
    for (const freq of ["session", "week"]) {
      await assertRejects(
        () =>
          ingestBarsFile(fixture("tcmd_time_head.csv"), {
            dataset: "tcmd",
            kind: "series",
            wide: true,
            timeFormat: "decimal-year",
            freq,
            root,
          }),
        ColumnMappingError,
        "1/248",
      );
    }
    // Weekly R ts (frequency 52): refused too, naming --freq week.
    const dir = await Deno.makeTempDir({ dir: root });
    const w = `${dir}/weekly.csv`;
    await Deno.writeTextFile(
      w,
      "time,x\n" + Array.from({ length: 20 }, (_, i) => `${1990 + i / 52},${i}`).join("\n") + "\n",
    );
    const ew = await assertRejects(
      () =>
        ingestBarsFile(w, {
          dataset: "wk",
          kind: "series",
          symbol: "X",
          timeFormat: "decimal-year",
          freq: "week",
          root,
        }),
      ColumnMappingError,
    );
    assert(ew.message.includes("52 weeks are 364 days") && ew.message.includes("--freq week"));
    // A monthly ts index with --freq month still lands (1953.25 = April 1953).
    const m = `${dir}/monthly.csv`;
    await Deno.writeTextFile(
      m,
      "time,x\n" + Array.from({ length: 6 }, (_, i) => `${1953.25 + i / 12},${i}`).join("\n") +
        "\n",
    );
    const sm = await ingestBarsFile(m, {
      dataset: "mo",
      kind: "series",
      symbol: "X",
      timeFormat: "decimal-year",
      freq: "month",
      currency: null,
      root,
    });
    assertEquals(sm.rowsValid, 6);
    const df = await readDataset(userSeriesSpec("mo", true), { root });
    assertEquals(col(df, "date"), [
      "1953-04-01",
      "1953-05-01",
      "1953-06-01",
      "1953-07-01",
      "1953-08-01",
      "1953-09-01",
    ]);
  }));

Deno.test("utcWrittenMinutes: only Z / +00:00 text counts as a UTC instant", () => {
  assertEquals(utcWrittenMinutes("2005-11-13T23:00:00+00:00"), 1380);
  assertEquals(utcWrittenMinutes("2005-11-13 22:00Z"), 1320);
  assertEquals(utcWrittenMinutes("2005-11-14T00:00:00+01:00"), null);
  assertEquals(utcWrittenMinutes("2005-11-14 23:00"), null);
  assertEquals(utcWrittenMinutes("2005-11-14"), null);
});

for (const file of ["lpp_long_tz_head.parquet", "lpp_long_tz_head.csv"]) {
  Deno.test(`finding 3: daily UTC instants at midnight Zurich (${file}) land on the Zurich date, or are refused naming --tz`, () =>
    withLake(async (root) => {
      const f = fixture(file);
      const e = await assertRejects(
        () => ingestBarsFile(f, { dataset: "lpp", calendar: "weekdays", currency: "CHF", root }),
        ColumnMappingError,
      );
      assert(e.message.includes("--tz Europe/Zurich"), e.message);
      assert(e.message.includes("2005-10-31T23:00:00+00:00"), e.message);
      nothingWritten(root, "lpp");
      // --tz Europe/Zurich (weekdays) and xetra (its zone Europe/Berlin: midnight there too).
      for (
        const [ds, opts] of [
          ["lpp_tz", { calendar: "weekdays", tz: "Europe/Zurich" }],
          ["lpp_xetra", { calendar: "xetra" }],
        ] as const
      ) {
        const s = await ingestBarsFile(f, { dataset: ds, currency: "CHF", root, ...opts });
        assertEquals([s.rowsRead, s.rowsValid], [54, 54]);
        const df = (await readDataset(userBarsSpec(ds, true), { root })).filter(
          pl.col("symbol").eq(pl.lit("SPI")),
        ).sort("date");
        const dates = col(df, "date") as string[];
        const close = col(df, "close") as number[];
        assertEquals([dates[0], close[0]], ["2005-11-01", 100.845009721356]);
        const i = dates.indexOf("2006-03-27"); // first Monday after the DST change
        assertEquals(close[i], 114.823547217597);
        assertEquals(dates.indexOf("2006-03-26"), -1);
        assert(
          dates.every((d) => ![0, 6].includes(new Date(`${d}T00:00Z`).getUTCDay())),
          dates.join(),
        );
      }
    }));
}

Deno.test("finding 3: UTC midnight dates and session-close stamps keep their written date", () =>
  withLake(async (root) => {
    const dir = await Deno.makeTempDir({ dir: root });
    const f = `${dir}/d.csv`;
    // 2024-07-01..03 at 00:00 UTC: dates stored as UTC midnight, also with --tz New York.
    await Deno.writeTextFile(
      f,
      "date,close\n2024-07-01T00:00:00Z,1\n2024-07-02T00:00:00Z,2\n2024-07-03T00:00:00Z,3\n",
    );
    await ingestBarsFile(f, { dataset: "m", symbol: "X", tz: "America/New_York", root });
    assertEquals(col(await readDataset(userBarsSpec("m", true), { root }), "date"), [
      "2024-07-01",
      "2024-07-02",
      "2024-07-03",
    ]);
    // 20:00 UTC = 16:00 New York in July: the nyse close of that date.
    const g = `${dir}/c.csv`;
    await Deno.writeTextFile(
      g,
      "date,close\n2024-07-01T20:00:00Z,1\n2024-07-02T20:00:00Z,2\n2024-07-05T20:00:00Z,3\n",
    );
    await ingestBarsFile(g, { dataset: "c", symbol: "X", root });
    assertEquals(col(await readDataset(userBarsSpec("c", true), { root }), "date"), [
      "2024-07-01",
      "2024-07-02",
      "2024-07-05",
    ]);
  }));

Deno.test("finding 9: a time column that reads on no row is refused before anything lands; an odd bad row is still quarantined", () =>
  withLake(async (root) => {
    const f = fixture("lpp_spi_level_de_head.csv");
    const opts = {
      dataset: "spi",
      symbol: "SPI",
      columns: { ts: "Datum", close: "Schluss" },
      decimalComma: true,
      calendar: "weekdays",
      currency: "CHF",
      root,
    } as const;
    const e = await assertRejects(() => ingestBarsFile(f, opts), ColumnMappingError);
    assert(e.message.includes('--time-format "%d.%m.%Y"'), e.message);
    assert(e.message.includes("30 of its 30"), e.message);
    nothingWritten(root, "spi");
    // One bad date among 30: quarantined, the other 29 land.
    const dir = await Deno.makeTempDir({ dir: root });
    const g = `${dir}/spi_one_bad.csv`;
    const text = await Deno.readTextFile(f);
    await Deno.writeTextFile(g, text.replace("02.11.2005", "31.11.2005"));
    const s = await ingestBarsFile(g, { ...opts, timeFormat: "%d.%m.%Y" });
    assertEquals([s.rowsValid, s.reasons.unparseable_time], [29, 1]);
  }));
