/**
 * Trial 7 (/work/notes/trial7/report.md) findings 5, 6, 7 and 8: quarterly data as
 * pandas/statsmodels write it (year + quarter columns, 1959Q1 text, %q), no invented price
 * units or currency, German thousands separators. Fixtures are cuts of the trial's files
 * (tests/fixtures/trial7/make_trial7b_fixtures.sh); expected values are read off the source
 * files by hand (macrodata.csv row 4: 1959 Q4 realgdp 2785.204; row 12: 1961 Q4 2977.83;
 * lpp_spi_level_de_thousands.csv row 1: 01.11.2005 10.084,50), never off this code's output.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";
import { ColumnMappingError, ingestBarsFile, parseNumberCell } from "../../lib/ingest/user_file.ts";
import { patternParser, quarterTextDate } from "../../lib/ingest/user_file_time.ts";
import { NotAPriceError, requirePriceUnits } from "../../lib/lake/units.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";
import { nothingWritten, trialFixture, withLake as withLakeAt } from "./_trial_lake.ts";

const fixture = trialFixture("trial7");

const withLake = (fn: (root: string) => Promise<void>) => withLakeAt("trial7b-test-", fn);

/** symbol|date -> value of a loaded user series. */
async function seriesValues(root: string, dataset: string): Promise<Map<string, number>> {
  const d = await loadDataset(`user/${dataset}`, { root });
  const sym = d.frame.getColumn("symbol").toArray() as string[];
  const date = (d.frame.getColumn("date").toArray() as unknown[]).map((x) =>
    x instanceof Date ? x.toISOString().slice(0, 10) : String(x).slice(0, 10)
  );
  const v = d.frame.getColumn("value").toArray() as number[];
  return new Map(sym.map((s, i) => [`${s}|${date[i]}`, v[i]!]));
}

Deno.test("finding 5a: statsmodels year + quarter columns (1959.0,1.0) are the time, not two more series", () =>
  withLake(async (root) => {
    const f = fixture("macrodata_head.csv");
    const s = await ingestBarsFile(f, {
      dataset: "macro",
      kind: "series",
      wide: true,
      units: "other",
      root,
    });
    assert(s.notes.some((n) => n.includes('"year" and "quarter"')), s.notes.join("\n"));
    const v = await seriesValues(root, "macro");
    // 12 quarters x 12 series (14 columns less year and quarter).
    assertEquals(v.size, 144);
    assert(![...v.keys()].some((k) => k.startsWith("year|") || k.startsWith("quarter|")));
    assertEquals(v.get("realgdp|1959-10-01"), 2785.204);
    assertEquals(v.get("realgdp|1961-10-01"), 2977.83);
    assertEquals(v.get("tbilrate|1959-04-01"), 3.08);
    // Another --freq is refused before anything lands.
    await assertRejects(
      () =>
        ingestBarsFile(f, {
          dataset: "macro_m",
          kind: "series",
          wide: true,
          units: "other",
          freq: "month",
          root,
        }),
      ColumnMappingError,
      "--freq quarter",
    );
    nothingWritten(root, "macro_m");
  }));

Deno.test("finding 5b: 1959Q1 (pandas PeriodIndex), 1959-Q1, 1959 q1 are quarters; --freq quarter derived", () =>
  withLake(async (root) => {
    assertEquals(quarterTextDate("1959Q4"), "1959-10-01");
    assertEquals(quarterTextDate("1959-Q2"), "1959-04-01");
    assertEquals(quarterTextDate("1959 q3"), "1959-07-01");
    assertEquals(quarterTextDate("1959Q5"), null);
    for (
      const [file, ds] of [["macro_period_head.csv", "mp"], [
        "macro_period_spellings_head.csv",
        "ms",
      ]] as const
    ) {
      const s = await ingestBarsFile(fixture(file), {
        dataset: ds,
        kind: "series",
        wide: true,
        units: "other",
        root,
      });
      assertEquals(s.rowsQuarantined, 0);
      const v = await seriesValues(root, ds);
      assertEquals(v.size, 36);
      assertEquals(v.get("realgdp|1959-10-01"), 2785.204);
      assertEquals(v.get("realinv|1961-10-01"), 315.463);
    }
    await assertRejects(
      () =>
        ingestBarsFile(fixture("macro_period_head.csv"), {
          dataset: "mp_day",
          kind: "series",
          wide: true,
          units: "other",
          freq: "month",
          root,
        }),
      ColumnMappingError,
      "holds quarters",
    );
    nothingWritten(root, "mp_day");
  }));

Deno.test("finding 5c: %m read from quarter numbers is refused (nothing lands); %q reads them", () =>
  withLake(async (root) => {
    const f = fixture("macro_period_head.csv");
    const base = {
      kind: "series" as const,
      wide: true,
      units: "other" as const,
      freq: "quarter",
      root,
    };
    await assertRejects(
      () => ingestBarsFile(f, { ...base, dataset: "qm", timeFormat: "%YQ%m" }),
      ColumnMappingError,
      "--time-format %YQ%q",
    );
    nothingWritten(root, "qm");
    await ingestBarsFile(f, { ...base, dataset: "qq", timeFormat: "%YQ%q" });
    const v = await seriesValues(root, "qq");
    assertEquals(v.get("realgdp|1959-10-01"), 2785.204);
    assertEquals(v.get("realgdp|1959-04-01"), 2778.801);
    assertEquals(patternParser("%YQ%q", "quarter")("1960Q3", "UTC")!.date, "1960-07-01");
    assertThrows(() => patternParser("%YQ%q", "month"), RangeError, "--freq quarter");
    assertThrows(() => patternParser("%Y-%m Q%q", "quarter"), RangeError, "%q");
  }));

Deno.test("finding 5: task: macrodata lands without --start; %YQ%m exits 2; --help names %q", async () => {
  const root = await Deno.makeTempDir({ prefix: "trial7b-task-" });
  try {
    const env = { WORKBENCH_DATA: root, TZ: "UTC" };
    let r = await ingestFileTask([
      fixture("macrodata_head.csv"),
      "--dataset",
      "macro_q",
      "--kind",
      "series",
      "--wide",
      "--known-lag",
      "30d",
      "--units",
      "other",
    ], env);
    assertEquals(r.code, 0, r.stderr);
    assert(!/series=year\|/.test(r.stdout), r.stdout);
    assert(r.stdout.includes("ts=year+quarter"), r.stdout);
    assert(!r.stdout.includes("columns ignored"), r.stdout);
    r = await ingestFileTask([
      fixture("macro_period_head.csv"),
      "--dataset",
      "macro_m",
      "--kind",
      "series",
      "--wide",
      "--map",
      "ts=date",
      "--time-format",
      "%YQ%m",
      "--freq",
      "quarter",
      "--units",
      "other",
    ], env);
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("%q"), r.stderr);
    const h = await ingestFileTask(["--help"], env);
    assert(h.stdout.includes("%q quarter"), h.stdout);
    assert(h.stdout.includes("--thousands"), h.stdout);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("finding 6: a series without --units on us_federal or named like yields is no USD price; backtest refuses naming --units price", () =>
  withLake(async (root) => {
    const f = fixture("tcmd_head.csv");
    const base = {
      kind: "series" as const,
      wide: true,
      start: "1962-01-02",
      freq: "session",
      root,
    };
    for (const [ds, calendar] of [["fed", "us_federal"], ["nyse_named", "nyse"]] as const) {
      const s = await ingestBarsFile(f, { ...base, dataset: ds, calendar });
      assert(s.notes.some((n) => n.includes("--units percent")), s.notes.join("\n"));
      const d = await loadDataset(`user/${ds}`, { root });
      assertEquals(d.meta?.currency, null);
      assertEquals(d.meta?.units, undefined);
      const e = assertThrows(
        () => requirePriceUnits(`user/${ds}`, d.meta!, "a backtest trades prices", ""),
        NotAPriceError,
      );
      assert(e.message.includes("--units price"), e.message);
    }
    // Declared units and an explicit currency are kept as given.
    await ingestBarsFile(f, { ...base, dataset: "pct", calendar: "us_federal", units: "percent" });
    assertEquals((await loadDataset("user/pct", { root })).meta?.units, "percent");
    await ingestBarsFile(f, { ...base, dataset: "usd", calendar: "us_federal", currency: "USD" });
    assertEquals((await loadDataset("user/usd", { root })).meta?.currency, "USD");
  }));

Deno.test("findings 6, 7: price series keep the default price units and the calendar's currency, with notes naming --units and --currency", () =>
  withLake(async (root) => {
    // EuStockMarkets index levels on xetra: EUR, price (default), both said.
    const s = await ingestBarsFile(fixture("eustock_head.csv"), {
      dataset: "eu",
      kind: "series",
      wide: true,
      start: "1991-07-01",
      freq: "session",
      calendar: "xetra",
      root,
    });
    const d = await loadDataset("user/eu", { root });
    assertEquals(d.meta?.currency, "EUR");
    assertEquals(requirePriceUnits("user/eu", d.meta!, "a backtest trades prices", ""), null);
    assert(
      s.notes.some((n) => n.includes("currency EUR (default") && n.includes("--currency")),
      s.notes.join("\n"),
    );
    assert(
      s.notes.some((n) => n.includes("units price (default") && n.includes("--units percent")),
      s.notes.join("\n"),
    );
    // On the default nyse the USD default is said too.
    const n = await ingestBarsFile(fixture("eustock_head.csv"), {
      dataset: "eu_nyse",
      kind: "series",
      wide: true,
      start: "1991-07-01",
      freq: "session",
      root,
    });
    assert(n.notes.some((x) => x.includes("currency USD (default")), n.notes.join("\n"));
    // An explicit currency gets no such note.
    const c = await ingestBarsFile(fixture("eustock_head.csv"), {
      dataset: "eu_chf",
      kind: "series",
      wide: true,
      start: "1991-07-01",
      freq: "session",
      currency: "EUR",
      root,
    });
    assert(!c.notes.some((x) => x.includes("(default:")), c.notes.join("\n"));
  }));

Deno.test("finding 8: German thousands separators: refused naming --thousands . (nothing lands); read with it", () =>
  withLake(async (root) => {
    assertEquals(parseNumberCell("10.084,50", true, "."), 10084.5);
    assertEquals(parseNumberCell("1,234,567.25", false, ","), 1234567.25);
    assertEquals(parseNumberCell("10'084.5", false, "'"), 10084.5);
    assertEquals((parseNumberCell("1.08,5", true, ".") as { code: string }).code, "not_a_number");
    const f = fixture("lpp_spi_level_de_thousands_head.csv");
    const base = {
      symbol: "SPI",
      columns: { ts: "Datum", close: "Schluss" },
      decimalComma: true,
      timeFormat: "%d.%m.%Y",
      calendar: "weekdays" as const,
      currency: "CHF",
      root,
    };
    await assertRejects(
      () => ingestBarsFile(f, { ...base, dataset: "spi" }),
      ColumnMappingError,
      "--thousands .",
    );
    nothingWritten(root, "spi");
    const s = await ingestBarsFile(f, { ...base, dataset: "spi", thousands: "." });
    assertEquals(s.rowsQuarantined, 0);
    const d = await loadDataset("user/spi", { root });
    const close = d.frame.getColumn("close").toArray() as number[];
    assertEquals(close.length, 30);
    assertEquals(close[0], 10084.5);
    assertEquals(close[1], 10109.94);
  }));

Deno.test("finding 8: task exits 2 naming --thousands; --thousands equal to the decimal mark is a usage error", async () => {
  const root = await Deno.makeTempDir({ prefix: "trial7b-task-" });
  try {
    const env = { WORKBENCH_DATA: root, TZ: "UTC" };
    const args = [
      fixture("lpp_spi_level_de_thousands_head.csv"),
      "--dataset",
      "spi",
      "--symbol",
      "SPI",
      "--map",
      "ts=Datum",
      "--map",
      "close=Schluss",
      "--time-format",
      "%d.%m.%Y",
      "--calendar",
      "weekdays",
      "--currency",
      "CHF",
    ];
    let r = await ingestFileTask([...args, "--decimal-comma"], env);
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("--thousands ."), r.stderr);
    r = await ingestFileTask([...args, "--thousands", "."], env);
    assertEquals(r.code, 2, r.stderr);
    r = await ingestFileTask([...args, "--decimal-comma", "--thousands", "."], env);
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes("rows landed:      30"), r.stdout);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
