/**
 * ingest-file on files as European locales and pandas write them: `;`-delimited CSV with decimal
 * commas (R's EuStockMarkets by `write.csv2`, row names under an empty header field), and wide
 * files whose first column is pandas' unnamed index (`,date,AAPL,MSFT`, `Unnamed: 0`). Expected
 * values come from R's `write.csv` of the same data (eustockmarkets_no_dates.csv) or from the
 * literals typed in tests/reference/user_files_pandas_index.py.
 */
import pl from "nodejs-polars";
import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { DataError } from "../../lib/core/errors.ts";
import { ingestBarsFile, parseNumberCell } from "../../lib/ingest/user_file.ts";
import { detectDelimiter, parseCsv } from "../../lib/ingest/user_file_read.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";

const DIR = fileURLToPath(new URL("../fixtures/user_files/", import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ingest-delim-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

const EU = {
  kind: "series" as const,
  wide: true,
  start: "1991-07-01",
  freq: "session",
  calendar: "weekdays" as const,
  currency: null,
};

Deno.test("numbers: a decimal comma only with decimalComma; '.' is then not a decimal mark", () => {
  assertEquals(parseNumberCell("1628,75", true), 1628.75);
  assertEquals(parseNumberCell("-0,5", true), -0.5);
  assertEquals(parseNumberCell("1718", true), 1718);
  assertEquals(parseNumberCell("NA", true), null);
  assertEquals((parseNumberCell("1.628,75", true) as { code: string }).code, "not_a_number");
  assertEquals((parseNumberCell("1.5", true) as { code: string }).code, "not_a_number");
  assertEquals((parseNumberCell("1,5") as { code: string }).code, "not_a_number");
  assertEquals(parseNumberCell("1.5"), 1.5);
});

Deno.test("CSV delimiter: detected from the header only when unambiguous", () => {
  assertEquals(detectDelimiter('"";"DAX";"SMI"\n"1";1628,75;1678,1'), ";");
  assertEquals(detectDelimiter("date,close\n2024-01-02;1"), ",");
  assertEquals(detectDelimiter('"a;b",c\n'), ",");
  assertEquals(detectDelimiter("date\tclose\n"), "\t");
  assertEquals(detectDelimiter("date\n2024-01-02"), ",");
  assertEquals(detectDelimiter("a;b,c\n"), { counts: { ";": 1, ",": 1 } });
  const e = assertThrows(() => parseCsv(enc("a;b,c\n1;2,3\n"), "x.csv"), DataError);
  assert(e.message.includes("--delimiter ; or ,"), e.message);
  const t = parseCsv(enc('date;close\n2024-01-02;"1;5"\n'), "x.csv");
  assertEquals(t.delimiter, { char: ";", detected: true });
  assertEquals(t.cells.get("close"), ["1;5"]);
  const given = parseCsv(enc("a|b\n1|2\n"), "x.csv", { delimiter: "|" });
  assertEquals([given.columns, given.delimiter], [["a", "b"], { char: "|", detected: false }]);
  // Empty header fields get pandas' names.
  assertEquals(parseCsv(enc(",date,,v\n0,2024-01-02,,1\n")).columns, [
    "Unnamed: 0",
    "date",
    "Unnamed: 2",
    "v",
  ]);
});

Deno.test("real: EuStockMarkets by R write.csv2 (';', decimal commas, row names) lands as write.csv's values", () =>
  withLake(async (root) => {
    const ref = Deno.readTextFileSync(DIR + "eustockmarkets_no_dates.csv").trim().split("\n")
      .map((l) => l.split(","));
    const header = ref.shift()!;
    const dates = Deno.readTextFileSync(DIR + "eustockmarkets_expected_weekdays.csv").trim()
      .split("\n").slice(1).map((l) => l.split(",")[1]!);
    const s = await ingestBarsFile(DIR + "eustockmarkets_csv2.csv", {
      ...EU,
      dataset: "eu_csv2",
      decimalComma: true,
      root,
    });
    assertEquals(s.delimiter, { char: ";", detected: true });
    assertEquals([s.fileRows, s.rowsRead, s.rowsValid, s.rowsQuarantined], [1860, 7440, 7440, 0]);
    assertEquals(s.usedColumns.series, ["DAX", "SMI", "CAC", "FTSE"]);
    assert(
      s.notes.some((n) => n.includes('"Unnamed: 0" holds the row numbers 1..1860')),
      s.notes.join("\n"),
    );
    const lake = await readDataset(s.dataset, { root });
    for (const [j, name] of header.entries()) {
      const one = lake.filter(pl.col("symbol").eq(pl.lit(name))).sort("date");
      assertEquals(one.getColumn("date").cast(pl.Utf8).toArray(), dates, name);
      // Same doubles as R's write.csv of the same series (15 significant digits both ways).
      assertEquals(one.getColumn("value").toArray(), ref.map((r) => Number(r[j])), name);
    }
    // Hand check: DAX on 1991-07-01 is 1628,75 in the file.
    const dax = lake.filter(pl.col("symbol").eq(pl.lit("DAX"))).sort("date");
    assertEquals(dax.getColumn("value").toArray()[0], 1628.75);
  }));

Deno.test("real: write.csv2 without decimalComma stops, naming the column, a value and the option", () =>
  withLake(async (root) => {
    const e = await assertRejects(
      () => ingestBarsFile(DIR + "eustockmarkets_csv2.csv", { ...EU, dataset: "eu_csv2", root }),
      DataError,
    );
    assert(
      e.message.includes('column "DAX" holds numbers with a decimal comma (e.g. "1628,75"') &&
        e.message.includes("--decimal-comma") && e.message.includes("1628.75"),
      e.message,
    );
    assert(!exists(`${root}/curated/user/eu_csv2`) && !exists(`${root}/raw/user/quarantine`));
  }));

Deno.test("decimal commas in a ','-delimited file (quoted) are refused, or read with decimalComma", () =>
  withLake(async (root) => {
    const f = `${root}/q.csv`;
    Deno.writeTextFileSync(f, 'date,close\n2024-01-02,"1,5"\n2024-01-03,"2,25"\n');
    const e = await assertRejects(
      () => ingestBarsFile(f, { dataset: "q", symbol: "Q", root }),
      DataError,
      '"1,5" on data row 1',
    );
    assert(e.message.includes("--decimal-comma"), e.message);
    const s = await ingestBarsFile(f, { dataset: "q", symbol: "Q", decimalComma: true, root });
    assertEquals(s.rowsValid, 2);
    const d = (await readDataset(s.dataset, { root })).sort("date");
    assertEquals(d.getColumn("close").toArray(), [1.5, 2.25]);
    // A header that is one column split on the wrong delimiter names the right one.
    Deno.writeTextFileSync(`${root}/c.csv`, "date,close\n2024-01-02,1\n");
    await assertRejects(
      () => ingestBarsFile(`${root}/c.csv`, { dataset: "c", symbol: "C", delimiter: ";", root }),
      DataError,
      "pass --delimiter ,",
    );
  }));

const PANDAS = {
  AAPL: [185.64, 184.25, 181.91, 181.18],
  MSFT: [370.87, 370.6, 367.94, 367.75],
};
const PANDAS_DATES = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"];

async function checkPandas(root: string, s: Awaited<ReturnType<typeof ingestBarsFile>>) {
  assertEquals([s.rowsRead, s.rowsValid, s.rowsQuarantined], [8, 8, 0]);
  assertEquals(s.reasons, {});
  assertEquals(s.usedColumns.series, ["AAPL", "MSFT"]);
  const lake = await readDataset(s.dataset, { root });
  for (const [name, want] of Object.entries(PANDAS)) {
    const one = lake.filter(pl.col("symbol").eq(pl.lit(name))).sort("date");
    assertEquals(one.getColumn("date").cast(pl.Utf8).toArray(), PANDAS_DATES);
    assertEquals(one.getColumn("value").toArray(), want);
  }
}

for (const file of ["pandas_wide_index.csv", "pandas_wide_unnamed.csv"]) {
  Deno.test(`pandas index column (${file}): left out of a wide file with a note, no missing_symbol`, () =>
    withLake(async (root) => {
      const s = await ingestBarsFile(DIR + file, {
        dataset: "px",
        kind: "series",
        wide: true,
        currency: "USD",
        root,
      });
      await checkPandas(root, s);
      // The other note: units price defaulted (no --units), said on every such ingest.
      assertEquals(s.notes.length, 2, s.notes.join("\n"));
      assert(s.notes[0]!.includes('"Unnamed: 0" holds the row numbers 0..3'), s.notes[0]);
      assert(s.notes[1]!.startsWith("units price (default"), s.notes[1]);
    }));
}

Deno.test('pandas: dates in the unnamed index: the message names --map ts="Unnamed: 0", which works', () =>
  withLake(async (root) => {
    const f = DIR + "pandas_wide_date_index.csv";
    const opts = { dataset: "px", kind: "series" as const, wide: true, currency: "USD", root };
    await assertRejects(() => ingestBarsFile(f, opts), DataError, '--map ts="Unnamed: 0"');
    const s = await ingestBarsFile(f, { ...opts, columns: { ts: "Unnamed: 0" } });
    await checkPandas(root, s);
  }));

Deno.test("an unnamed column that is not row numbers stops a wide ingest, naming --skip-column", () =>
  withLake(async (root) => {
    const f = `${root}/w.csv`;
    Deno.writeTextFileSync(
      f,
      ",date,AAPL,MSFT\n" +
        PANDAS_DATES.map((d, i) => `r${i},${d},${PANDAS.AAPL[i]},${PANDAS.MSFT[i]}`).join("\n") +
        "\n",
    );
    const opts = { dataset: "px", kind: "series" as const, wide: true, currency: "USD", root };
    const e = await assertRejects(() => ingestBarsFile(f, opts), DataError);
    assert(
      e.message.includes('column "Unnamed: 0" has no name') &&
        e.message.includes('"r0"') && e.message.includes('--skip-column "Unnamed: 0"'),
      e.message,
    );
    assert(!exists(`${root}/curated/user/px`) && !exists(`${root}/raw/user/quarantine`));
    const s = await ingestBarsFile(f, { ...opts, skipColumns: ["Unnamed: 0"] });
    await checkPandas(root, s);
    assertEquals(s.ignoredColumns, ["Unnamed: 0"]);
    await assertRejects(
      () => ingestBarsFile(f, { ...opts, skipColumns: ["nope"] }),
      DataError,
      'no column "nope" to skip',
    );
  }));

const task = ingestFileTask;

Deno.test("task ingest-file: --delimiter, --decimal-comma, --skip-column in --help, checked, reported", () =>
  withLake(async (root) => {
    const env = { WORKBENCH_DATA: root };
    const help = await task(["--help"], env);
    assertEquals(help.code, 0);
    for (const o of ["--delimiter", "--decimal-comma", "--skip-column"]) {
      assert(help.stdout.includes(o), o);
    }
    const bad = await task(
      [DIR + "eustockmarkets_csv2.csv", "--dataset", "eu", "--delimiter", "x"],
      env,
    );
    assertEquals(bad.code, 2);
    assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert(bad.stderr.includes("--delimiter"), bad.stderr);
    const args = [
      DIR + "eustockmarkets_csv2.csv",
      "--dataset",
      "eu",
      "--kind",
      "series",
      "--wide",
      "--start",
      "1991-07-01",
      "--freq",
      "session",
      "--calendar",
      "weekdays",
      "--currency",
      "none",
    ];
    const refused = await task(args, env);
    assertEquals(refused.code, 1);
    assert(
      refused.stderr.includes("--decimal-comma") && !refused.stderr.includes("    at "),
      refused.stderr,
    );
    const ok = await task([...args, "--decimal-comma"], env);
    assertEquals(ok.code, 0, ok.stderr);
    assert(
      ok.stdout.includes("delimiter:        ';' (detected from the header), decimal comma") &&
        ok.stdout.includes('note: column "Unnamed: 0" holds the row numbers 1..1860') &&
        ok.stdout.includes("rows landed:      7440"),
      ok.stdout,
    );
  }));
