/**
 * Trial 8 (/work/notes/trial8/report.md) findings 1-4: whole decimal years are yearly data,
 * FRED daily downloads (observation_date, "." on holidays), the currency of FX pair symbols,
 * and an explicit --map ts=year beside a quarter column. Fixtures are cuts of the trial's files
 * (tests/fixtures/trial8/make_trial8_fixtures.sh); expected values are read off the source files
 * by hand (sunspots.csv: 1700.0,5.0 and 2008.0,2.9; DGS10.csv: 1962-01-02,4.06 and
 * 1962-02-22,.; fx_long_us.csv: 04/01/1996,USD/CHF,1.1936), never off this code's output.
 */
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { datasetState } from "../../lib/lake/mod.ts";
import {
  ColumnMappingError,
  ingestBarsFile,
  pairQuoteCurrency,
  userSeriesSpec,
} from "../../lib/ingest/user_file.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import {
  loadedValues,
  nothingWritten,
  trialFixture,
  withLake as withLakeAt,
} from "./_trial_lake.ts";

const fixture = trialFixture("trial8");
const fixture7 = trialFixture("trial7");

const withLake = (fn: (root: string) => Promise<void>) => withLakeAt("trial8-test-", fn);

const values = (root: string, dataset: string, col = "value") => loadedValues(root, dataset, col);

Deno.test("finding 1: whole decimal years (sunspots 1700.0) are yearly data: --freq year derived, one folder", () =>
  withLake(async (root) => {
    const f = fixture("sunspots_cut.csv");
    const s = await ingestBarsFile(f, {
      dataset: "sun",
      kind: "series",
      wide: true,
      columns: { ts: "YEAR" },
      timeFormat: "decimal-year",
      units: "count",
      currency: null,
      root,
    });
    assert(
      s.notes.some((n) => n.includes("whole years") && n.includes("--freq year")),
      s.notes.join("\n"),
    );
    assertEquals(s.rowsQuarantined, 0);
    const v = await values(root, "sun");
    assertEquals(v.size, 10);
    assertEquals(v.get("SUNACTIVITY|1700-01-01"), 5);
    assertEquals(v.get("SUNACTIVITY|2008-01-01"), 2.9);
    // One folder, not one file per year.
    const st = datasetState(userSeriesSpec("sun", true), root);
    assertEquals(st.files.length, 1);
    // A dataset first ingested as daily keeps its year partitions: a yearly re-ingest says so.
    const daily = await Deno.makeTempFile({ dir: root, suffix: ".csv" });
    await Deno.writeTextFile(daily, "date,value\n2024-01-02,1\n");
    await ingestBarsFile(daily, {
      dataset: "sun_p",
      kind: "series",
      symbol: "S",
      units: "count",
      root,
    });
    const again = await ingestBarsFile(f, {
      dataset: "sun_p",
      kind: "series",
      wide: true,
      columns: { ts: "YEAR" },
      timeFormat: "decimal-year",
      units: "count",
      currency: null,
      root,
    });
    assert(again.warnings.some((w) => w.includes("one file per year")), again.warnings.join("\n"));
    assert(!s.warnings.some((w) => w.includes("one file per year")), s.warnings.join("\n"));
    // A daily --freq with whole years is refused before anything lands.
    await assertRejects(
      () =>
        ingestBarsFile(f, {
          dataset: "sun_d",
          kind: "series",
          wide: true,
          columns: { ts: "YEAR" },
          timeFormat: "decimal-year",
          freq: "day",
          root,
        }),
      ColumnMappingError,
      "--freq year",
    );
    nothingWritten(root, "sun_d");
  }));

Deno.test("finding 2: a FRED download: observation_date is the time, '.' is no observation (not quarantined), the off-calendar note is true", () =>
  withLake(async (root) => {
    const f = fixture("dgs10_head.csv");
    const s = await ingestBarsFile(f, {
      dataset: "dgs10",
      kind: "series",
      symbol: "DGS10",
      calendar: "us_federal",
      units: "percent",
      root,
    });
    assertEquals(s.usedColumns.ts, "observation_date");
    // 49 file rows, 2 of them "." (1962-02-22, 1962-05-30): 47 land, none quarantined.
    assertEquals([s.rowsValid, s.rowsQuarantined], [47, 0]);
    assertEquals(s.rowsRead, s.rowsValid + s.rowsQuarantined);
    assert(
      s.notes.some((n) => n.startsWith('2 values "."') && n.includes("1962-02-22")),
      s.notes.join("\n"),
    );
    // The "." rows are holidays: nothing landed on them, so no note says they were kept.
    assert(!s.notes.some((n) => n.includes("kept as values")), s.notes.join("\n"));
    const v = await values(root, "dgs10");
    assertEquals(v.get("DGS10|1962-01-02"), 4.06);
    assertEquals(v.get("DGS10|1962-05-31"), 3.88);
    assertEquals(v.has("DGS10|1962-02-22"), false);
    assertEquals(datasetState(quarantineSpec("user"), root).entries, 0);
  }));

Deno.test("finding 3: FX pair symbols: the price is in the quote currency on any calendar; mixed quotes get none with a note", () =>
  withLake(async (root) => {
    // USD/CHF alone on the default nyse: CHF (1.1936 CHF per USD), not the calendar's USD.
    const chf = await ingestBarsFile(fixture("fx_chf_us_head.csv"), {
      dataset: "chf",
      timeFormat: "%m/%d/%Y",
      root,
    });
    assertEquals(chf.dataset.meta!.currency, "CHF");
    assert(
      chf.notes.some((n) => n.includes("currency CHF") && n.includes("quote currency")),
      chf.notes.join("\n"),
    );
    const v = await values(root, "chf", "close");
    assertEquals(v.get("USD/CHF|1996-04-01"), 1.1936);
    // USD/CHF and USD/THB: no single currency, a note naming --currency (on fx and on nyse).
    for (const calendar of ["fx", "nyse"] as const) {
      const mixed = await ingestBarsFile(fixture("fx_long_us_cut.csv"), {
        dataset: `mixed_${calendar}`,
        timeFormat: "%m/%d/%Y",
        calendar,
        root,
      });
      assertEquals(mixed.dataset.meta!.currency, null, calendar);
      assert(
        mixed.notes.some((n) => n.includes("CHF and THB") && n.includes("--currency")),
        mixed.notes.join("\n"),
      );
    }
    for (const p of ["USD/CHF", "USD_CHF", "USDCHF", "usd-chf"]) {
      assertEquals(pairQuoteCurrency(p), "CHF");
    }
    assertEquals(pairQuoteCurrency("EUR-USD"), "USD");
    assertEquals(pairQuoteCurrency("MSFT"), null);
    assertEquals(pairQuoteCurrency("ABCXYZ"), null);
    // An equity symbol keeps the calendar's currency.
    const eq = await Deno.makeTempFile({ dir: root, suffix: ".csv" });
    await Deno.writeTextFile(eq, "date,close\n2024-01-02,10\n2024-01-03,11\n");
    const e = await ingestBarsFile(eq, { dataset: "eq", symbol: "MSFT", root });
    assertEquals(e.dataset.meta!.currency, "USD");
  }));

Deno.test("finding 4: --map ts=year --time-format decimal-year beside a quarter column is refused; %Y with --freq quarter names %q", () =>
  withLake(async (root) => {
    const f = fixture7("macrodata_head.csv");
    for (const freq of ["quarter", undefined] as const) {
      const e = await assertRejects(
        () =>
          ingestBarsFile(f, {
            dataset: "macro_y",
            kind: "series",
            wide: true,
            columns: { ts: "year" },
            timeFormat: "decimal-year",
            ...(freq ? { freq } : {}),
            units: "other",
            root,
          }),
        ColumnMappingError,
      );
      assert(
        e.message.includes("drop --map ts=year") && e.message.includes("--freq year"),
        e.message,
      );
    }
    nothingWritten(root, "macro_y");
    // %Y alone with --freq quarter: the message names %q.
    const e2 = await assertRejects(() =>
      ingestBarsFile(f, {
        dataset: "macro_pct",
        kind: "series",
        wide: true,
        columns: { ts: "year" },
        timeFormat: "%Y",
        freq: "quarter",
        units: "other",
        root,
      })
    );
    assert(String(e2).includes("%q"), String(e2));
  }));
