// Trial finding: statsmodels' yearly sunspots (decimal years from 1700) lost 226 of 309 rows as
// outside_range on the default nyse calendar. Weekly and slower data is not session data: it lands
// on any calendar (periods the calendar does not cover known at their end); session and intraday
// data outside the calendar is still quarantined with its reason. And a repeated run of one file
// does not count its quarantine rows twice.
import pl from "nodejs-polars";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../_assert.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { ingestBarsFile, type IngestFileOptions } from "../../lib/ingest/user_file.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";

const DIR = fileURLToPath(new URL("../fixtures/user_files/", import.meta.url));

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "range-test-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function csv(root: string, name: string, text: string): Promise<string> {
  const p = `${root}/${name}`;
  await Deno.writeTextFile(p, text);
  return p;
}

const iso = (ms: number) => new Date(ms).toISOString();
const msOf = (df: pl.DataFrame, c: string) =>
  df.getColumn(c).cast(pl.Int64).cast(pl.Float64).toArray() as number[];
const quarantined = async (root: string, dataset: string) =>
  (await readDataset(quarantineSpec("user"), { root })).filter(
    pl.col("dataset").eq(pl.lit(dataset)),
  );

/** Rows of a fixture CSV (header dropped). */
function fixtureRows(name: string): string[][] {
  return Deno.readTextFileSync(DIR + name).trim().split(/\r?\n/).slice(1).map((l) => l.split(","));
}

const SUN: IngestFileOptions = {
  dataset: "sunspots",
  kind: "series",
  symbol: "SUNSPOTS",
  columns: { ts: "YEAR", value: "SUNACTIVITY" },
  timeFormat: "decimal-year",
  freq: "year",
};

Deno.test("sunspots (yearly, decimal years from 1700) land whole on the default calendar", () =>
  withLake(async (root) => {
    const s = await ingestBarsFile(DIR + "sunspots_yearly.csv", { ...SUN, root });
    assertEquals([s.rowsRead, s.rowsValid, s.rowsQuarantined], [309, 309, 0]);
    assertEquals(s.reasons, {});
    assertEquals(s.dataset.meta?.calendar, "nyse");
    // 1700..1925 are 226 years the nyse calendar (from 1926) does not cover: counted in a note.
    const note = s.notes.find((n) => n.includes("does not cover"));
    assert(note?.startsWith("226 rows of years the nyse calendar"), s.notes.join("|"));
    const df = (await readDataset(s.dataset, { root })).sort("date");
    assertEquals(df.height, 309);
    const d = df.getColumn("date").cast(pl.Utf8).toArray() as string[];
    const v = df.getColumn("value").toArray() as number[];
    const k = msOf(df, "known_at").map(iso);
    // Every value equals the CSV's, year for year (YEAR 1700.0 -> 1700-01-01).
    const file = fixtureRows("sunspots_yearly.csv");
    assertEquals(file.length, 309);
    file.forEach(([y, a], i) => {
      assertEquals(d[i], `${Number(y)}-01-01`);
      assertEquals(v[i], Number(a));
    });
    // Spot checks typed from the CSV.
    const at = (year: number) => d.indexOf(`${year}-01-01`);
    assertEquals([v[at(1700)], v[at(1701)], v[at(1925)], v[at(1926)], v[at(2008)]], [
      5,
      11,
      44.3,
      63.9,
      2.9,
    ]);
    // known_at: reference values from zoneinfo (tests/reference/user_files_sunspots.py).
    for (const [y, known] of fixtureRows("sunspots_known_at.csv")) {
      assertEquals(k[at(Number(y))], known, `known_at of ${y}`);
    }
  }));

Deno.test("weeks before the calendar are known at their end; a year past 2100 is outside_range", () =>
  withLake(async (root) => {
    // 1925-12-23 is in the ISO week Mon 12-21..Sun 12-27, wholly before the nyse calendar: known
    // at the week's end, 1925-12-28 00:00 EST = 05:00Z. 1925-12-30's week (12-28..1926-01-03)
    // straddles 1926-01-01: its days from 01-01 are known (01-01 a holiday, Sat 01-02 a half-day
    // session until 12:00 EST, NYSE Saturday sessions ran until 1952, Sun 01-03), so its last
    // session is known: 1926-01-02 17:00Z. Only the first week is counted in the note.
    const f = await csv(root, "w.csv", "date,value\n1925-12-23,1\n1925-12-30,2\n");
    const s = await ingestBarsFile(f, {
      dataset: "wk",
      kind: "series",
      symbol: "W",
      freq: "week",
      currency: null,
      root,
    });
    assertEquals([s.rowsValid, s.rowsQuarantined], [2, 0]);
    const df = (await readDataset(s.dataset, { root })).sort("date");
    assertEquals(df.getColumn("date").cast(pl.Utf8).toArray(), ["1925-12-21", "1925-12-28"]);
    assertEquals(msOf(df, "known_at").map(iso), [
      "1925-12-28T05:00:00.000Z",
      "1926-01-02T17:00:00.000Z",
    ]);
    assert(s.notes.some((n) => n.startsWith("1 row of weeks the nyse calendar")), s.notes.join());

    const y = await csv(root, "y.csv", "date,value\n2100-01-01,1\n2101-01-01,2\n");
    const sy = await ingestBarsFile(y, {
      dataset: "yr",
      kind: "series",
      symbol: "Y",
      freq: "year",
      root,
    });
    assertEquals([sy.rowsValid, sy.reasons.outside_range], [1, 1]);
    const q = await quarantined(root, "yr");
    assertEquals(q.getColumn("reason").toArray(), ["outside_range"]);
    assert(String(q.getColumn("detail").get(0)).includes("2101-01-01"));
  }));

Deno.test("daily and intraday data outside the calendar is still quarantined as outside_range", () =>
  withLake(async (root) => {
    // Daily bars: 1920 is before the nyse calendar; 1926-01-04 (a Monday) is a session.
    const b = await csv(root, "b.csv", "date,close\n1920-03-01,10\n1926-01-04,11\n");
    const sb = await ingestBarsFile(b, { dataset: "b", symbol: "B", root });
    assertEquals([sb.rowsValid, sb.rowsQuarantined, sb.reasons.outside_range], [1, 1, 1]);
    const qb = await quarantined(root, "b");
    assertEquals(qb.getColumn("reason").toArray(), ["outside_range"]);
    assertEquals(
      qb.getColumn("detail").get(0),
      "1920-03-01 outside the nyse calendar 1926-01-01..2100-12-31",
    );
    const wb = sb.warnings.find((w) => w.includes("outside_range"));
    assert(wb?.includes("--calendar none") && wb.includes("--freq"), sb.warnings.join("|"));

    // Intraday bars on fx: 1925-06-01 14:00Z is before the calendar; 2024-06-03 14:00Z is in
    // Monday's session.
    const i = await csv(
      root,
      "i.csv",
      "time,close\n1925-06-01T14:00:00Z,1.1\n2024-06-03T14:00:00Z,1.2\n",
    );
    const si = await ingestBarsFile(i, {
      dataset: "i",
      symbol: "EURUSD",
      freq: "30m",
      calendar: "fx",
      root,
    });
    assertEquals([si.rowsValid, si.reasons.outside_range], [1, 1]);
    const qi = await quarantined(root, "i");
    assertEquals(qi.getColumn("reason").toArray(), ["outside_range"]);
    const wi = si.warnings.find((w) => w.includes("outside_range"));
    assert(wi?.includes("--calendar none") && !wi.includes("--freq"), si.warnings.join("|"));

    // The sunspots file without --freq: whole decimal years are yearly data (trial 8 finding 1;
    // it used to land 83 daily rows, 1 January 1926-2008, and quarantine 226): --freq year is
    // derived with a note, and all 309 years land.
    const sd = await ingestBarsFile(DIR + "sunspots_yearly.csv", {
      ...SUN,
      dataset: "sun_daily",
      freq: undefined,
      root,
    });
    assertEquals([sd.rowsValid, sd.rowsQuarantined], [309, 0]);
    assert(sd.notes.some((n) => n.includes("1700.0") && n.includes("--freq year")));
  }));

Deno.test("a repeated run of one file does not count its quarantine rows as earlier ones", () =>
  withLake(async (root) => {
    const opts: IngestFileOptions = { dataset: "rep", kind: "series", symbol: "S", root };
    const bad = await csv(
      root,
      "bad.csv",
      "date,value\n2024-01-02,1\n2024-01-03,x\n2024-01-04,y\n",
    );
    const s1 = await ingestBarsFile(bad, opts);
    assertEquals(s1.rowsQuarantined, 2);
    const s2 = await ingestBarsFile(bad, opts);
    assertEquals(s2.rowsQuarantined, 2);
    assertEquals(s2.earlierQuarantine, { rows: 0, again: 2, cleared: false });
    assertEquals((await quarantined(root, "rep")).height, 2, "the same rows are stored once");
    // Another file: one row refused before (same payload, other row number), one new one.
    const other = await csv(root, "other.csv", "date,value\n2024-01-04,y\n2024-01-05,z\n");
    const s3 = await ingestBarsFile(other, opts);
    assertEquals(s3.rowsQuarantined, 2);
    assertEquals(s3.earlierQuarantine, { rows: 1, again: 1, cleared: false });
    // A wide file: the same row's other column is another quarantined unit.
    const w = await csv(root, "w.csv", "date,A,B\n2024-01-02,x,1\n");
    const ow = { ...opts, dataset: "repw", wide: true, symbol: undefined };
    await ingestBarsFile(w, ow);
    const w2 = await csv(root, "w.csv", "date,A,B\n2024-01-02,x,1\n");
    assertEquals((await ingestBarsFile(w2, ow)).earlierQuarantine, {
      rows: 0,
      again: 1,
      cleared: false,
    });
  }));

const task = ingestFileTask;

Deno.test("task ingest-file: sunspots exit 0 on the default calendar; a repeated run says the quarantine rows are the same", () =>
  withLake(async (root) => {
    const env = { WORKBENCH_DATA: root };
    const sun = await task([
      DIR + "sunspots_yearly.csv",
      "--dataset",
      "sunspots",
      "--kind",
      "series",
      "--symbol",
      "SUNSPOTS",
      "--map",
      "ts=YEAR",
      "--map",
      "value=SUNACTIVITY",
      "--time-format",
      "decimal-year",
      "--freq",
      "year",
    ], env);
    assertEquals(sun.code, 0, sun.stderr);
    assert(sun.stdout.includes("rows landed:      309"), sun.stdout);
    assert(sun.stdout.includes("rows quarantined: 0 "), sun.stdout);
    const bad = await csv(
      root,
      "bad.csv",
      "date,value\n2024-01-02,1\n2024-01-03,x\n2024-01-04,y\n",
    );
    const args = [bad, "--dataset", "rep", "--kind", "series", "--symbol", "S"];
    const first = await task(args, env);
    assert(!first.stdout.includes("earlier quarantine"), first.stdout);
    const again = await task(args, env);
    assert(again.stdout.includes("rows quarantined: 2 "), again.stdout);
    assert(
      again.stdout.includes(
        "earlier quarantine: none besides the 2 rows counted above (earlier ingests of rep quarantined the same file rows)",
      ),
      again.stdout,
    );
    assert(!again.stdout.includes("remain in raw/user/quarantine"), again.stdout);
    const help = await task(["--help"], env);
    assertEquals(help.code, 0);
    assert(help.stdout.includes("Weekly and slower data"), help.stdout);
  }));
