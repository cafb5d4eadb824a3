// Second new-user trial of ingest-file: two-digit years and other strptime directives, the
// exit-1 message over --max-quarantined, --replace counts by key, a missing column exits 2.
// Expected values are worked by hand (calendar dates, POSIX %y pivot, key sets).
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { ingestBarsFile, type IngestFileOptions } from "../../lib/ingest/user_file.ts";
import { guessTimeFormats, patternParser, twoDigitYear } from "../../lib/ingest/user_file_time.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ingest-trial2-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const task = (args: string[], env: Record<string, string>) =>
  ingestFileTask(args, { ...env, TZ: "UTC", NO_COLOR: "1" });

const date = (fmt: string, text: string, freq?: string) =>
  patternParser(fmt, freq)(text, "UTC")?.date ?? null;

Deno.test("%y: POSIX pivot, 69-99 -> 19xx, 00-68 -> 20xx (as C and Python strptime)", () => {
  assertEquals([twoDigitYear(69), twoDigitYear(99), twoDigitYear(0), twoDigitYear(68)], [
    1969,
    1999,
    2000,
    2068,
  ]);
  assertEquals(date("%d/%m/%y", "01/07/91"), "1991-07-01");
  assertEquals(date("%d/%m/%y", "31/12/68"), "2068-12-31");
  assertEquals(date("%d/%m/%y", "01/01/69"), "1969-01-01");
  assertEquals(date("%m/%d/%y", "02/29/00"), "2000-02-29"); // 2000 is a leap year
  assertEquals(date("%m/%d/%y", "02/29/01"), null);
  assertEquals(date("%d/%m/%y", "01/07/1991"), null); // %y is two digits
  assertEquals(date("%y-%m", "91-07", "month"), "1991-07-01");
  assertThrows(() => patternParser("%y%Y%m%d"), RangeError, "twice");
});

Deno.test("%b/%B month names, %j day of year, %f, %%, one-digit fields, errors", () => {
  assertEquals(date("%d-%b-%Y", "1-Jul-1991"), "1991-07-01");
  assertEquals(date("%d-%b-%y", "01-DEC-05"), "2005-12-01");
  assertEquals(date("%d %B %Y", "14 September 1992"), "1992-09-14");
  assertEquals(date("%d %b %Y", "14 Sept 1992"), null); // neither Sep nor September
  assertEquals(date("%b %Y", "Mar 1959", "month"), "1959-03-01");
  // Day 60 is Feb 29 in a leap year, Mar 1 otherwise; day 366 only in a leap year.
  assertEquals(date("%Y%j", "1992060"), "1992-02-29");
  assertEquals(date("%Y-%j", "1991-060"), "1991-03-01");
  assertEquals(date("%Y-%j", "1991-366"), null);
  assertEquals(date("%Y-%j", "1992-366"), "1992-12-31");
  // 7/1/1991 with one-digit fields; %Y%m%d stays fixed width (two digits for %m).
  assertEquals(date("%m/%d/%Y", "7/1/1991"), "1991-07-01");
  assertEquals(date("%Y%m%d", "19917011"), null);
  const p = patternParser("%Y-%m-%d %H:%M:%S.%f")("2024-01-02 03:04:05.123456", "UTC");
  assertEquals(p?.ms, Date.UTC(2024, 0, 2, 3, 4, 5, 123));
  assertEquals(date("%%%Y-%m-%d", "%1991-07-01"), "1991-07-01");
  assertThrows(() => patternParser("%Y-%Q"), RangeError, "%y %m %b %d %j");
  assertThrows(() => patternParser("%Y-%j-%d"), RangeError, "%j (day of the year) alone");
  assertThrows(() => patternParser("%Y-%j", "month"), RangeError);
});

Deno.test("guessTimeFormats: two-digit years give %y (ambiguous: both orders), month names %b", () => {
  assertEquals(guessTimeFormats(["01/07/91", "02/07/91"]), ["%m/%d/%y", "%d/%m/%y"]);
  assertEquals(guessTimeFormats(["01/07/91", "13/07/91"]), ["%d/%m/%y"]);
  assertEquals(guessTimeFormats(["07/13/91"]), ["%m/%d/%y"]);
  assertEquals(guessTimeFormats(["1-Jul-1991", "02-Jul-1991"]), ["%d-%b-%Y"]);
  assertEquals(guessTimeFormats(["7/1/1991"]), ["%m/%d/%Y", "%d/%m/%Y"]);
  assertEquals(guessTimeFormats(["01/07/91", "01/07/1991"]), []); // mixed year widths
});

const EU: IngestFileOptions = {
  dataset: "eu",
  kind: "series",
  wide: true,
  freq: "session",
  calendar: "weekdays",
  currency: null,
};

Deno.test("--replace counts keys against the stored rows: removed, changed, added, unchanged", () =>
  withLake(async (root) => {
    const f1 = `${root}/a.csv`, f2 = `${root}/b.csv`;
    await Deno.writeTextFile(f1, "A,B\n10,20\n11,21\n12,22\n13,23\n14,24\n");
    // 2024-01-01 is a Monday: stored A, B on 01-01..01-05 (10 rows).
    await ingestBarsFile(f1, { ...EU, start: "2024-01-01", root });
    // Replace by 01-03..01-09 (Wed..Tue): 01-01, 01-02 removed (4); 01-03 equal (A 12, B 22);
    // 01-04 A changed (99 vs 13), B equal; 01-05 both changed; 01-08, 01-09 added (4).
    await Deno.writeTextFile(f2, "A,B\n12,22\n99,23\n98,97\n1,2\n3,4\n");
    const r = await ingestBarsFile(f2, { ...EU, start: "2024-01-03", root, replace: true });
    assertEquals(r.replaced, { removed: 4, changed: 3, added: 4, unchanged: 3 });
    // The same replace again changes nothing.
    const again = await ingestBarsFile(f2, { ...EU, start: "2024-01-03", root, replace: true });
    assertEquals(again.replaced, { removed: 0, changed: 0, added: 0, unchanged: 10 });
    // A merge ingest reports no replace counts.
    const merge = await ingestBarsFile(f2, { ...EU, start: "2024-01-03", root });
    assertEquals(merge.replaced, null);
  }));

Deno.test("task ingest-file: %y file lands; no time parsed is one line; missing column exits 2", () =>
  withLake(async (root) => {
    const env = { WORKBENCH_DATA: root };
    const help = await task(["--help"], env);
    assertEquals(help.code, 0);
    for (
      const s of [
        "%y two-digit year",
        "69-99 -> 1969-1999",
        "%b",
        "%j",
        "the rows that landed are committed",
      ]
    ) {
      assert(help.stdout.replace(/\s+/g, " ").includes(s), s);
    }
    const f = `${root}/ftse.csv`;
    await Deno.writeTextFile(f, "Date,Close\n01/07/91,2443.6\n02/07/91,2460.2\n03/07/91,2448.2\n");
    const base = [f, "--dataset", "ftse", "--kind", "series", "--symbol", "FTSE"];
    // No value column: a mistake in the call, exit 2 with one line, nothing written.
    // (Two columns besides the date: with one, it would be read as the value, with a note.)
    const f2 = `${root}/ftse2.csv`;
    await Deno.writeTextFile(f2, "Date,Close,Open\n01/07/91,2443.6,2440\n");
    const noValue = await task([f2, ...base.slice(1), "--calendar", "lse"], env);
    assertEquals(noValue.code, 2, noValue.stderr);
    assertEquals(noValue.stderr.trim().split("\n").length, 1, noValue.stderr);
    assert(
      noValue.stderr.includes("no column for value") && noValue.stderr.includes("--map value="),
    );
    const badMap = await task([...base, "--map", "value=Price"], env);
    assertEquals(badMap.code, 2, badMap.stderr);
    // ISO cannot read 01/07/91: refused (exit 2, nothing quarantined or landed), said in one
    // line with the %y guesses.
    const iso = await task([...base, "--map", "value=Close", "--calendar", "lse"], env);
    assertEquals(iso.code, 2);
    const line = iso.stderr.trim().split("\n");
    assertEquals(line.length, 1, iso.stderr);
    assert(
      line[0]!.includes("no time on 3 of its 3") && line[0]!.includes('"%m/%d/%y"') &&
        line[0]!.includes('"%d/%m/%y"'),
      iso.stderr,
    );
    const ok = await task(
      [...base, "--map", "value=Close", "--calendar", "lse", "--time-format", "%d/%m/%y"],
      env,
    );
    assertEquals(ok.code, 0, ok.stderr);
    assert(ok.stdout.includes("rows landed:      3 (3 new or changed"), ok.stdout);
    const bad = await task([...base, "--time-format", "%d/%m/%Q"], env);
    assertEquals(bad.code, 2);
    assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  }));
