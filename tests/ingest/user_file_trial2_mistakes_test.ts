// Real-data mistakes of the second new-user trial (notes/trial2 findings 4, 5, 8, 9, 10): a bars
// file without a close, naive times in the wrong zone, a wide file whose symbol starts later,
// %d and %m swapped, a date-less file whose source skipped days, fx quotes after the Friday
// close. Small CSVs made here; expected dates and counts worked by hand from the calendars
// (NYSE: 2024-01-01 and 2024-01-15 holidays, Veterans Day 2024-11-11 a session; fx: Sunday
// 17:00 to Friday 17:00 New York, EST until 2024-03-10; Zurich UTC+1 until 2024-03-31).
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  ColumnMappingError,
  ingestBarsFile,
  userBarsSpec,
  userSeriesSpec,
} from "../../lib/ingest/user_file.ts";
import { countPeriods, wallClock } from "../../lib/ingest/user_file_time.ts";
import { committedState, readDataset } from "../../lib/lake/mod.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ingest-mistakes-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const task = (args: string[], root: string) =>
  ingestFileTask(args, { WORKBENCH_DATA: root, TZ: "UTC", NO_COLOR: "1" });

/** Error lines on stderr (warnings aside). */
const errorLines = (stderr: string) =>
  stderr.trim().split("\n").filter((l) => l && !l.includes("warning:"));

Deno.test("helpers: countPeriods and wallClock, hand-counted", () => {
  const nyse = getCalendar("nyse");
  // January 2024: 23 weekdays less New Year's Day and Martin Luther King Day.
  assertEquals(countPeriods("2024-01-02", "2024-01-31", "session", nyse), 21);
  assertEquals(countPeriods("2024-01-01", "2024-01-31", "session", nyse), 21);
  // Veterans Day 2024-11-11 (Monday) is an NYSE session: Nov 7, 8, 11, 12, 13, 14.
  assertEquals(countPeriods("2024-11-07", "2024-11-14", "session", nyse), 6);
  assertEquals(countPeriods("2024-01-15", "2024-03-01", "month", nyse), 3);
  assertEquals(countPeriods("2024-02-28", "2024-03-01", "day", nyse), 3); // leap day
  assertEquals(countPeriods("2024-01-03", "2024-01-16", "week", nyse), 3); // Mondays 1, 8, 15
  assertEquals(countPeriods("2024-03-01", "2024-02-01", "day", nyse), 0);
  // 2024-03-08T22:00Z is Friday 17:00 EST; 2024-03-11T21:00Z Monday 17:00 EDT.
  assertEquals(wallClock(Date.UTC(2024, 2, 8, 22), "America/New_York"), {
    weekday: 5,
    minutes: 1020,
  });
  assertEquals(wallClock(Date.UTC(2024, 2, 11, 21), "America/New_York"), {
    weekday: 1,
    minutes: 1020,
  });
  assertEquals(wallClock(Date.UTC(2024, 2, 10, 0, 30), "UTC"), { weekday: 0, minutes: 30 });
});

Deno.test("bars without a close: exit 2 before landing, naming the unmapped column and --map close=", () =>
  withLake(async (root) => {
    const f = `${root}/de.csv`;
    Deno.writeTextFileSync(
      f,
      "Datum,Open,High,Low,Schluss,Volume\n2024-03-04,10,11,9,10.5,100\n2024-03-05,10.5,12,10,11,200\n",
    );
    const r = await task([f, "--dataset", "de", "--symbol", "X", "--map", "ts=Datum"], root);
    assertEquals(r.code, 2, r.stderr);
    const lines = errorLines(r.stderr);
    assertEquals(lines.length, 1, r.stderr);
    assert(lines[0]!.includes("needs a close"), lines[0]);
    assert(lines[0]!.includes("columns not mapped: Schluss"), lines[0]);
    assert(lines[0]!.includes("--map close=Schluss"), lines[0]);
    assert(!r.stderr.includes("    at "), "no stack trace");
    assertEquals((await committedState(userBarsSpec("de", true), root)).files.length, 0);
    // The library refuses the same way (a ColumnMappingError, nothing written).
    await assertRejects(
      () => ingestBarsFile(f, { dataset: "de", symbol: "X", columns: { ts: "Datum" }, root }),
      ColumnMappingError,
      "--map close=Schluss",
    );
    // Two unmapped columns: both named, no single suggestion.
    const g = `${root}/two.csv`;
    Deno.writeTextFileSync(g, "date,high,low,Schluss,Letzter\n2024-03-04,11,9,10,10\n");
    await assertRejects(
      () => ingestBarsFile(g, { dataset: "two", symbol: "X", root }),
      ColumnMappingError,
      "columns not mapped: Schluss, Letzter): map it with --map close=<column>, or",
    );
    // Mapped: lands with its closes; an unused column is listed with --map.
    const h = `${root}/de2.csv`;
    Deno.writeTextFileSync(
      h,
      "Datum,Open,High,Low,Schluss,Volume,Bemerkung\n2024-03-04,10,11,9,10.5,100,x\n2024-03-05,10.5,12,10,11,200,y\n",
    );
    const ok = await task(
      [h, "--dataset", "de", "--symbol", "X", "--map", "ts=Datum", "--map", "close=Schluss"],
      root,
    );
    assertEquals(ok.code, 0, ok.stderr);
    assert(
      ok.stdout.includes(
        "columns ignored:  Bemerkung (not read; --map <lake column>=<file column> to use one)",
      ),
      ok.stdout,
    );
    const bars = await readDataset(userBarsSpec("de", true), { root });
    assertEquals(bars.getColumn("close").toArray(), [10.5, 11]);
  }));

/** 30-minute bars of the fx week of 2024-03-03, Sunday 17:00 to Friday 16:30 New York, as
 * Zurich wall time (UTC+1 in March before the 31st: 6 hours ahead of EST): 5 x 48 = 240 rows. */
function zurichWeek(): string {
  const rows: string[] = [];
  const open = Date.UTC(2024, 2, 3, 22); // Sunday 17:00 EST
  for (let k = 0; k < 240; k++) {
    const ms = open + k * 1_800_000 + 3_600_000; // Zurich wall time = UTC + 1 h
    const t = new Date(ms).toISOString();
    rows.push(`${t.slice(0, 10)} ${t.slice(11, 19)},${(1.1 + k * 1e-4).toFixed(4)}`);
  }
  return `time,close\n${rows.join("\n")}\n`;
}

Deno.test("naive times: the zone is printed; many rows outside sessions name the --tz that fits", () =>
  withLake(async (root) => {
    const f = `${root}/chf.csv`;
    Deno.writeTextFileSync(f, zurichWeek());
    const args = [f, "--symbol", "USDCHF", "--freq", "30m", "--calendar", "fx"];
    const r = await task([...args, "--dataset", "chf"], root);
    // Read as New York, the 12 bars Zurich Friday 17:00-22:30 are Friday 17:00-22:30 New York:
    // after the weekly close; 12 / 240 = 5% > 1%: exit 1.
    assertEquals(r.code, 1, r.stderr);
    assert(
      r.stdout.includes(
        "time zone:        naive times read as America/New_York (the fx calendar's zone; --tz to change)",
      ),
      r.stdout,
    );
    assert(
      r.stdout.includes("not_a_session: 12 (12 after the weekly FX close, Fri 17:00 New York)"),
      r.stdout,
    );
    const hint = r.stderr.split("\n").find((l) => l.includes("warning: 12 of 240 rows"));
    assert(hint !== undefined, r.stderr);
    assert(hint.includes("read as Europe/Berlin"), hint); // Zurich's offsets and rules
    assert(hint.includes("0 of a sample of 240 would be"), hint);
    assert(hint.includes("--tz Europe/Berlin"), hint);
    // With the right zone: all 240 land, no hint, the zone is said to come from --tz.
    const ok = await task([...args, "--dataset", "chf2", "--tz", "Europe/Zurich"], root);
    assertEquals(ok.code, 0, ok.stderr);
    assert(ok.stdout.includes("naive times read as Europe/Zurich (--tz)"), ok.stdout);
    assert(ok.stdout.includes("rows landed:      240"), ok.stdout);
    assert(!ok.stderr.includes("--tz"), ok.stderr);
    const first = await readDataset(userBarsSpec("chf2", false), { root });
    assertEquals(
      Math.min(...(first.getColumn("ts").toArray() as unknown as Date[]).map((d) => d.getTime())),
      Date.UTC(2024, 2, 3, 22),
    );
    // Times with an offset are not naive: no zone line.
    const z = `${root}/z.csv`;
    Deno.writeTextFileSync(z, "time,close\n2024-03-04T14:00:00Z,1.1\n");
    const zr = await task([
      z,
      "--dataset",
      "z",
      "--symbol",
      "USDCHF",
      "--freq",
      "30m",
      "--calendar",
      "fx",
    ], root);
    assertEquals(zr.code, 0, zr.stderr);
    assert(!zr.stdout.includes("naive times"), zr.stdout);
  }));

Deno.test("zone hint: a few rows outside sessions (weekend ticks) give no hint", () =>
  withLake(async (root) => {
    // NYSE 30-minute bars in New York time on Monday 2024-03-04, plus 2 Saturday bars.
    const rows = ["ts,close"];
    for (let k = 0; k < 13; k++) {
      const m = 9 * 60 + 30 + 30 * k;
      rows.push(
        `2024-03-04 ${String(Math.floor(m / 60)).padStart(2, "0")}:${
          String(m % 60).padStart(2, "0")
        }:00,${100 + k}`,
      );
    }
    rows.push("2024-03-09 10:00:00,1", "2024-03-09 10:30:00,1");
    const f = `${root}/ny.csv`;
    Deno.writeTextFileSync(f, rows.join("\n") + "\n");
    const s = await ingestBarsFile(f, { dataset: "ny", symbol: "X", freq: "30m", root });
    assertEquals([s.rowsValid, s.reasons.not_a_session], [13, 2]);
    assertEquals(s.naiveZone, { zone: "America/New_York", from: "calendar", rows: 15 });
    assertEquals(s.warnings.filter((w) => w.includes("--tz")), []);
    assertEquals(s.afterFxClose, null);
  }));

Deno.test("wide file: blanks before the first and after the last value are not listed; inner blanks quarantined", () =>
  withLake(async (root) => {
    // NYSE sessions 2024-03-04 (Mon) .. 2024-03-11 (Mon): 6 rows. BBB: 2 blanks, 5, NA, 6, blank.
    const f = `${root}/w.csv`;
    Deno.writeTextFileSync(
      f,
      "Date,AAA,BBB,CCC\n2024-03-04,1,,\n2024-03-05,2,,\n2024-03-06,3,5,\n2024-03-07,4,NA,\n2024-03-08,5,6,\n2024-03-11,6,,\n",
    );
    const r = await task([f, "--dataset", "w", "--kind", "series", "--wide"], root);
    assertEquals(r.code, 1, r.stderr); // 1 of 9 quarantined > 1%
    assert(
      r.stdout.includes(
        "note: BBB: no values before 2024-03-06 (2 rows) or after 2024-03-08 (1 row), not listed then: not quarantined, not landed",
      ),
      r.stdout,
    );
    // 18 cells: 6 blank CCC and 3 blank BBB not listed; 9 read, 1 missing_value.
    assert(r.stdout.includes("rows read:        9 (6 file rows)"), r.stdout);
    assert(r.stdout.includes("not listed:       9 blank cells"), r.stdout);
    assert(r.stdout.includes("missing_value: 1"), r.stdout);
    assert(r.stderr.includes("CCC: no value in any of its 6 rows"), r.stderr);
    const df = await readDataset(userSeriesSpec("w", true), { root });
    const bbb = df.filter(pl.col("symbol").eq(pl.lit("BBB")));
    assertEquals(bbb.getColumn("value").toArray(), [5, 6]);
    assertEquals(df.height, 8);
    const q = await task(["--json", f, "--dataset", "w2", "--kind", "series", "--wide"], root);
    const j = JSON.parse(q.stdout);
    assertEquals(j.notListedRows, 9);
    assertEquals(j.notListed.BBB, { before: 2, after: 1, first: "2024-03-06", last: "2024-03-08" });
    assertEquals([j.rowsRead, j.rowsLanded, j.rowsQuarantined], [9, 8, 1]);
    // Newest first: the leading blanks are after the last value.
    const g = `${root}/desc.csv`;
    Deno.writeTextFileSync(g, "Date,AAA,BBB\n2024-03-08,5,\n2024-03-07,4,3\n2024-03-06,3,2\n");
    const s = await ingestBarsFile(g, { dataset: "desc", kind: "series", wide: true, root });
    assertEquals([s.rowsRead, s.rowsQuarantined, s.notListed.rows], [5, 0, 1]);
    assert(
      s.notes.some((n) => n.startsWith("BBB: no values after 2024-03-07 (1 row),")),
      s.notes.join("\n"),
    );
  }));

Deno.test("--time-format with %d and %m swapped: exit 2 before landing, with the counts", () =>
  withLake(async (root) => {
    // US dates: 03/04 and 03/05 read both ways (4 March / 3 April ...), 03/13 only month first.
    const f = `${root}/us.csv`;
    Deno.writeTextFileSync(
      f,
      "Date,Close\n03/04/2024,10\n03/05/2024,11\n03/13/2024,12\n03/14/2024,13\n03/03/2024,9\n",
    );
    const args = [f, "--symbol", "X", "--time-format", "%d/%m/%Y"];
    const r = await task([...args, "--dataset", "us"], root);
    assertEquals(r.code, 2, r.stderr);
    const lines = errorLines(r.stderr);
    assertEquals(lines.length, 1, r.stderr);
    assert(lines[0]!.includes("does not read 2 of the 5 times"), lines[0]);
    assert(lines[0]!.includes("3 rows parse with both"), lines[0]);
    assert(lines[0]!.includes("2 only with %m/%d/%Y"), lines[0]);
    assert(lines[0]!.includes("did you mean --time-format %m/%d/%Y?"), lines[0]);
    assertEquals((await committedState(userBarsSpec("us", true), root)).files.length, 0);
    // The right pattern lands; 03/03/2024 is a Sunday: not_a_session.
    const ok = await ingestBarsFile(f, {
      dataset: "us",
      symbol: "X",
      timeFormat: "%m/%d/%Y",
      root,
    });
    assertEquals([ok.rowsValid, ok.reasons.not_a_session], [4, 1]);
    // A row neither pattern reads: no guess, the rows are quarantined as before.
    const g = `${root}/us2.csv`;
    Deno.writeTextFileSync(g, "Date,Close\n03/04/2024,10\n03/13/2024,12\nsoon,1\n");
    const s = await ingestBarsFile(g, {
      dataset: "us2",
      symbol: "X",
      timeFormat: "%d/%m/%Y",
      root,
    });
    assertEquals([s.rowsValid, s.reasons.unparseable_time], [1, 2]);
    // All rows read both ways: nothing to tell, the given pattern is used.
    const h = `${root}/us3.csv`;
    Deno.writeTextFileSync(h, "Date,Close\n04/03/2024,10\n05/03/2024,11\n");
    const s3 = await ingestBarsFile(h, {
      dataset: "us3",
      symbol: "X",
      timeFormat: "%d/%m/%Y",
      root,
    });
    assertEquals(s3.rowsValid, 2);
  }));

Deno.test("--start: the last row's date is printed; --end checks the count (bond market closed on Veterans Day)", () =>
  withLake(async (root) => {
    // Yields of 2024-11-07, 08, 12, 13, 14 (bond market closed Monday 11-11, NYSE open).
    const f = `${root}/y.csv`;
    Deno.writeTextFileSync(f, "value\n4.33\n4.31\n4.43\n4.45\n4.43\n");
    const base = [
      f,
      "--kind",
      "series",
      "--start",
      "2024-11-07",
      "--freq",
      "session",
      "--currency",
      "none",
    ];
    const r = await task([...base, "--symbol", "Y10", "--dataset", "y"], root);
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes("note: row 5 -> 2024-11-13 (rows placed by position"), r.stdout);
    assert(r.stdout.includes("pass --end"), r.stdout);
    // The real last date: 6 NYSE sessions for 5 rows: exit 2, nothing landed.
    const bad = await task(
      [...base, "--symbol", "Y10", "--dataset", "y2", "--end", "2024-11-14"],
      root,
    );
    assertEquals(bad.code, 2, bad.stderr);
    const lines = errorLines(bad.stderr);
    assertEquals(lines.length, 1, bad.stderr);
    assert(
      lines[0]!.includes(
        "the file has 5 rows but the nyse sessions from 2024-11-07 to 2024-11-14 number 6",
      ),
      lines[0],
    );
    assert(
      lines[0]!.includes("the last row would land on 2024-11-13, 1 session before --end"),
      lines[0],
    );
    assertEquals((await committedState(userSeriesSpec("y2", true), root)).files.length, 0);
    // A matching --end lands and says so.
    const ok = await task(
      [...base, "--symbol", "Y10", "--dataset", "y3", "--end", "2024-11-13"],
      root,
    );
    assertEquals(ok.code, 0, ok.stderr);
    assert(ok.stdout.includes("row 5 -> 2024-11-13 = --end"), ok.stdout);
    // More rows than periods: the last row lands after --end.
    const s = ingestBarsFile(f, {
      dataset: "y4",
      kind: "series",
      symbol: "Y10",
      start: "2024-11-07",
      end: "2024-11-12",
      currency: null,
      freq: "session",
      root,
    });
    await assertRejects(() => s, ColumnMappingError, "2024-11-13, 1 session after --end");
    // --end without --start, and before it: exit 2, one line.
    const a = await task([
      f,
      "--dataset",
      "y5",
      "--kind",
      "series",
      "--symbol",
      "Y",
      "--end",
      "2024-11-13",
    ], root);
    assertEquals([a.code, errorLines(a.stderr).length], [2, 1]);
    assert(a.stderr.includes("--end is the date of the last row of a file placed with --start"));
    const b = await task(
      [...base, "--symbol", "Y", "--dataset", "y6", "--end", "2024-11-01"],
      root,
    );
    assertEquals(b.code, 2);
    assert(b.stderr.includes("--end 2024-11-01 is before --start 2024-11-07"), b.stderr);
  }));

Deno.test("fx: quotes stamped after the Friday 17:00 New York close are counted as such", () =>
  withLake(async (root) => {
    // Friday 2024-03-08 (EST): 21:30Z = 16:30 in; 22:00Z, 22:30Z = 17:00, 17:30 after the close;
    // Saturday 12:00Z not in a session but not a Friday quote; Sunday 22:00Z = 17:00 open.
    const f = `${root}/fx.csv`;
    Deno.writeTextFileSync(
      f,
      "time,close\n2024-03-08T21:30:00Z,1\n2024-03-08T22:00:00Z,1\n2024-03-08T22:30:00Z,1\n2024-03-09T12:00:00Z,1\n2024-03-10T21:00:00Z,1\n",
    );
    const r = await task(
      [
        f,
        "--dataset",
        "fx",
        "--symbol",
        "USDCHF",
        "--freq",
        "30m",
        "--calendar",
        "fx",
        "--max-quarantined",
        "1",
      ],
      root,
    );
    assertEquals(r.code, 0, r.stderr);
    // 2024-03-10 is the DST switch: Sunday 17:00 EDT = 21:00Z opens the week.
    assert(r.stdout.includes("rows landed:      2"), r.stdout);
    assert(
      r.stdout.includes("not_a_session: 3 (2 after the weekly FX close, Fri 17:00 New York)"),
      r.stdout,
    );
    assert(
      r.stdout.includes(
        "note: 2 rows after the weekly FX close (Fri 17:00 New York), e.g. 2024-03-08T22:00:00Z",
      ),
      r.stdout,
    );
    const s = await ingestBarsFile(f, {
      dataset: "fx2",
      symbol: "USDCHF",
      freq: "30m",
      calendar: "fx",
      root,
    });
    assertEquals(s.afterFxClose?.rows, 2);
  }));
