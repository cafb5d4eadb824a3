// Trial findings on user files: re-ingest with shifted dates (warning, --replace), dates moved to
// the period start (note), unparseable times (hint naming --time-format), release lag of period
// data (--known-lag, warning), quarantine rows of earlier ingests (counted, --clear-quarantine).
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { DataError } from "../../lib/core/errors.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import {
  ColumnMappingError,
  ingestBarsFile,
  type IngestFileOptions,
  userSeriesSpec,
} from "../../lib/ingest/user_file.ts";
import { guessTimeFormats, parseDuration } from "../../lib/ingest/user_file_time.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { latestVersions } from "../../lib/lake/versions.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "reingest-test-" });
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

/** "SYMBOL DATE VALUE" of a daily series dataset (the latest version of each), sorted. */
async function rowsOf(root: string, dataset: string) {
  const spec = userSeriesSpec(dataset, true, { partitioning: "year" });
  const df = latestVersions(await readDataset(spec, { root }), spec);
  const sym = df.getColumn("symbol").toArray() as string[];
  const d = df.getColumn("date").cast(pl.Utf8).toArray() as string[];
  const v = df.getColumn("value").toArray() as number[];
  return sym.map((x, i) => `${x} ${d[i]} ${v[i]}`).sort();
}

// A wide file without dates (EuStockMarkets-like): 5 rows of A and B.
const WIDE = "A,B\n10,20\n11,21\n12,22\n13,23\n14,24\n";
const EU: IngestFileOptions = {
  dataset: "eu",
  kind: "series",
  wide: true,
  freq: "session",
  calendar: "weekdays",
};

Deno.test("re-ingest with shifted --start warns about kept stored rows; --replace replaces them", () =>
  withLake(async (root) => {
    const f = await csv(root, "eu.csv", WIDE);
    // 2024-01-01 is a Monday: 01-01..01-05.
    const first = await ingestBarsFile(f, { ...EU, start: "2024-01-01", root });
    assertEquals(first.stale, null);
    assertEquals(first.warnings.filter((w) => w.includes("--replace")), []);
    // Another symbol from another file, which --replace must leave alone.
    const c = await csv(root, "c.csv", "C\n1\n2\n");
    await ingestBarsFile(c, { ...EU, start: "2024-01-01", root });
    // Shifted by one weekday: 01-02..01-05, 01-08; stored 01-01 is not in the file.
    const shifted = await ingestBarsFile(f, { ...EU, start: "2024-01-02", root });
    assertEquals(shifted.stale?.rows, 2);
    assertEquals(shifted.stale?.bySymbol, { A: 1, B: 1 });
    assertEquals(shifted.stale?.example, "A 2024-01-01");
    const w = shifted.warnings.find((x) => x.includes("--replace"));
    assert(w !== undefined && w.includes("lacks 2 stored rows"), String(w));
    // Merged: A holds 6 rows, 10 on 01-01 (stale) and on 01-02.
    const merged = (await rowsOf(root, "eu")).filter((r) => r.startsWith("A "));
    assertEquals(merged.length, 6);
    assert(merged.includes("A 2024-01-01 10") && merged.includes("A 2024-01-02 10"));
    // --replace: exactly the file's rows for A and B, C untouched, one manifest entry.
    const before = datasetState(first.dataset, root).entries;
    const rep = await ingestBarsFile(f, { ...EU, start: "2024-01-02", root, replace: true });
    // Stored A, B: 01-01..01-05 and 01-08 (12 rows, the merge took the file's values); the file
    // has 01-02..01-08: the two 01-01 rows are removed, the other 10 are equal.
    // (Versions: the merge stored 01-02..01-05 of A and B as revisions known from the ingest
    // instant; the replace gives them their bar-close known_at again: 8 changed, 01-08 equal.)
    assertEquals(rep.replaced, { removed: 2, changed: 8, added: 0, unchanged: 2 });
    assertEquals(datasetState(first.dataset, root).entries, before + 1);
    assertEquals(await rowsOf(root, "eu"), [
      "A 2024-01-02 10",
      "A 2024-01-03 11",
      "A 2024-01-04 12",
      "A 2024-01-05 13",
      "A 2024-01-08 14",
      "B 2024-01-02 20",
      "B 2024-01-03 21",
      "B 2024-01-04 22",
      "B 2024-01-05 23",
      "B 2024-01-08 24",
      "C 2024-01-01 1",
      "C 2024-01-02 2",
    ]);
    // Nothing stale after the replace; the same file again is a no-op without warning.
    const again = await ingestBarsFile(f, { ...EU, start: "2024-01-02", root });
    assertEquals(again.stale, null);
    assert(again.write?.noop);
  }));

Deno.test("an update that repeats stored rows and adds later ones is not flagged", () =>
  withLake(async (root) => {
    const f3 = await csv(root, "eu3.csv", "A,B\n10,20\n11,21\n12,22\n");
    await ingestBarsFile(f3, { ...EU, start: "2024-01-01", root });
    const f5 = await csv(root, "eu.csv", WIDE);
    const s = await ingestBarsFile(f5, { ...EU, start: "2024-01-01", root });
    assertEquals(s.write?.rowsWritten, 4);
    assertEquals(s.stale, null);
    // A later file starting after the stored rows (no overlap, no changes) is not flagged.
    const later = await csv(root, "later.csv", "A,B\n15,25\n");
    const s2 = await ingestBarsFile(later, { ...EU, start: "2024-01-08", root });
    assertEquals(s2.stale, null);
    // A file with a gap inside its span is flagged, with every stored row of A it lacks: stored
    // A is 01-01..01-05, 01-08 (10..15); the file has 01-02 and 01-04 with the stored values, so
    // it lacks 01-01, 01-03 (inside its span), 01-05 and 01-08, and adds 01-09.
    const gap = await csv(
      root,
      "gap.csv",
      "date,value\n2024-01-02,11\n2024-01-04,13\n2024-01-09,16\n",
    );
    const s3 = await ingestBarsFile(gap, { ...EU, wide: false, symbol: "A", root });
    assertEquals(s3.stale?.rows, 4);
    assertEquals(s3.stale?.bySymbol, { A: 4 });
    assertEquals(s3.write?.rowsWritten, 1);
    // The same gap file again adds nothing: no warning.
    assertEquals(
      (await ingestBarsFile(gap, { ...EU, wide: false, symbol: "A", root })).stale,
      null,
    );
  }));

Deno.test("weekly dates are moved to the ISO week's Monday with one note", () =>
  withLake(async (root) => {
    // 1958-03-29 and 1958-04-05 are Saturdays; 1958-04-07 is a Monday (not moved).
    const f = await csv(
      root,
      "co2.csv",
      "date,co2\n1958-03-29,316.1\n1958-04-05,317.3\n1958-04-07,317.6\n",
    );
    const s = await ingestBarsFile(f, {
      dataset: "co2",
      kind: "series",
      freq: "week",
      symbol: "CO2",
      columns: { value: "co2" },
      currency: null,
      root,
    });
    const notes = s.notes.filter((n) => n.includes("moved"));
    assertEquals(notes.length, 1);
    assert(notes[0]!.startsWith("2 dates moved to the Monday of their ISO week"), notes[0]);
    assert(notes[0]!.includes("1958-03-29 -> 1958-03-24"), notes[0]);
    // Two rows in one week: the Saturday's week 03-31..04-06 and 04-07's week.
    const df = await readDataset(s.dataset, { root });
    assertEquals(df.getColumn("date").cast(pl.Utf8).toArray(), [
      "1958-03-24",
      "1958-03-31",
      "1958-04-07",
    ]);
  }));

Deno.test("no time parsed: the hint names --time-format with the guessed pattern(s)", () =>
  withLake(async (root) => {
    // No row reads: refused before anything lands (no quarantine), naming the guessed patterns.
    const f = await csv(root, "us.csv", "date,value\n07/01/1991,1\n07/02/1991,2\n");
    const e = await assertRejects(
      () => ingestBarsFile(f, { dataset: "us", kind: "series", symbol: "X", root }),
      ColumnMappingError,
    );
    assert(e.message.includes('"%m/%d/%Y"') && e.message.includes('"%d/%m/%Y"'), e.message);
    assert(e.message.includes("07/01/1991"), e.message);
    assertEquals(datasetState({ zone: "curated", source: "user", dataset: "us" }, root).entries, 0);
    assertEquals(datasetState(quarantineSpec("user"), root).entries, 0);
    const g = await csv(root, "gb.csv", "date,value\n13/01/1991,1\n07/02/1991,2\n");
    const e2 = await assertRejects(
      () => ingestBarsFile(g, { dataset: "gb", kind: "series", symbol: "X", root }),
      ColumnMappingError,
    );
    assert(
      e2.message.includes('--time-format "%d/%m/%Y"') && !e2.message.includes("%m/%d"),
      e2.message,
    );
    // A file where some rows landed gets no hint.
    const m = await csv(root, "m.csv", "date,value\n1991-07-01,1\n07/02/1991,2\n");
    const s3 = await ingestBarsFile(m, { dataset: "m", kind: "series", symbol: "X", root });
    assertEquals(s3.hint, null);
  }));

Deno.test("guessTimeFormats and parseDuration (hand-worked)", () => {
  assertEquals(guessTimeFormats(["07/01/1991"]), ["%m/%d/%Y", "%d/%m/%Y"]);
  assertEquals(guessTimeFormats(["07/13/1991", "07/01/1991"]), ["%m/%d/%Y"]);
  assertEquals(guessTimeFormats(["31.12.1991"]), ["%d.%m.%Y"]);
  assertEquals(guessTimeFormats(["1991/07/01 09:30"]), ["%Y/%m/%d %H:%M"]);
  assertEquals(guessTimeFormats(["19910701"]), ["%Y%m%d"]);
  assertEquals(guessTimeFormats(["1700.0", "1701.0"]), ["decimal-year"]);
  assertEquals(guessTimeFormats(["July 1st"]), []);
  assertEquals(guessTimeFormats([]), []);
  assertEquals(parseDuration("30d"), 30 * 86_400_000);
  assertEquals(parseDuration("2w"), 14 * 86_400_000);
  assertEquals(parseDuration("6h"), 21_600_000);
  assertEquals(parseDuration("90m"), 5_400_000);
  assertEquals(parseDuration("30"), null);
  assertEquals(parseDuration("-1d"), null);
  assertEquals(parseDuration("1.5d"), null);
});

Deno.test("quarterly data: warning without a lag; --known-lag shifts known_at; refused with a known_at column", () =>
  withLake(async (root) => {
    const f = await csv(
      root,
      "macro.csv",
      "date,realgdp\n1959-01-01,2710.349\n1959-04-01,2778.801\n",
    );
    const opts: IngestFileOptions = {
      dataset: "macro",
      kind: "series",
      wide: true,
      freq: "quarter",
      currency: null,
      root,
    };
    const s = await ingestBarsFile(f, opts);
    assert(s.warnings.some((w) => w.includes("--known-lag")), s.warnings.join("|"));
    // NYSE closed at 15:30 ET (EST = UTC-5) in 1959: 1959Q1 known 1959-03-31 20:30 UTC, Q2
    // 1959-06-30 19:30 UTC (EDT).
    const known = async (ds: string) =>
      ((await readDataset({ ...s.dataset, dataset: ds }, { root })).sort("date").getColumn(
        "known_at",
      )
        .cast(pl.Int64).cast(pl.Float64).toArray() as number[]).map((x) =>
          new Date(x).toISOString()
        );
    assertEquals(await known("macro"), ["1959-03-31T20:30:00.000Z", "1959-06-30T19:30:00.000Z"]);
    const l = await ingestBarsFile(f, {
      ...opts,
      dataset: "macro_lag",
      knownLagMs: 30 * 86_400_000,
    });
    assertEquals(l.warnings.filter((w) => w.includes("--known-lag")), []);
    assertEquals(await known("macro_lag"), [
      "1959-04-30T20:30:00.000Z",
      "1959-07-30T19:30:00.000Z",
    ]);
    const k = await csv(root, "k.csv", "date,value,known_at\n1959-01-01,1,1959-04-28T12:00:00Z\n");
    await assertRejects(
      () =>
        ingestBarsFile(k, {
          ...opts,
          wide: false,
          symbol: "X",
          dataset: "k",
          knownLagMs: 86_400_000,
        }),
      DataError,
      "known_at column",
    );
  }));

Deno.test("quarantine rows of earlier ingests are counted, and --clear-quarantine removes them", () =>
  withLake(async (root) => {
    const opts: IngestFileOptions = { dataset: "sun", kind: "series", symbol: "S", root };
    const other: IngestFileOptions = { ...opts, dataset: "other" };
    const bad = await csv(
      root,
      "bad.csv",
      "date,value\n2024-01-02,1\n2024-01-03,x\n2024-01-04,y\n",
    );
    const good = await csv(
      root,
      "good.csv",
      "date,value\n2024-01-02,1\n2024-01-03,2\n2024-01-04,3\n",
    );
    const s1 = await ingestBarsFile(bad, opts);
    assertEquals(s1.rowsQuarantined, 2);
    assertEquals(s1.earlierQuarantine, { rows: 0, again: 0, cleared: false });
    await ingestBarsFile(bad, other);
    const s2 = await ingestBarsFile(good, opts);
    assertEquals(s2.rowsQuarantined, 0);
    assertEquals(s2.earlierQuarantine, { rows: 2, again: 0, cleared: false });
    const q = async (ds: string) =>
      (await readDataset(quarantineSpec("user"), { root })).filter(pl.col("dataset").eq(pl.lit(ds)))
        .height;
    assertEquals(await q("sun"), 2);
    const s3 = await ingestBarsFile(good, { ...opts, clearQuarantine: true });
    assertEquals(s3.earlierQuarantine, { rows: 2, again: 0, cleared: true });
    assertEquals(await q("sun"), 0);
    assertEquals(await q("other"), 2, "another dataset's quarantine rows stay");
    const s4 = await ingestBarsFile(good, opts);
    assertEquals(s4.earlierQuarantine.rows, 0);
  }));

const task = ingestFileTask;

Deno.test("task ingest-file: --replace, --known-lag, --clear-quarantine in --help; bad lag exit 2; warning and hint printed", () =>
  withLake(async (root) => {
    const env = { WORKBENCH_DATA: root };
    const help = await task(["--help"], env);
    assertEquals(help.code, 0);
    for (const o of ["--replace", "--known-lag", "--clear-quarantine"]) {
      assert(help.stdout.includes(o), o);
    }
    const f = await csv(root, "eu.csv", WIDE);
    const base = [
      f,
      "--dataset",
      "eu",
      "--kind",
      "series",
      "--wide",
      "--freq",
      "session",
      "--calendar",
      "weekdays",
    ];
    const badLag = await task([...base, "--start", "2024-01-01", "--known-lag", "30 days"], env);
    assertEquals(badLag.code, 2);
    assertEquals(badLag.stderr.trim().split("\n").length, 1, badLag.stderr);
    assert(badLag.stderr.includes("--known-lag"));
    assertEquals(datasetState({ zone: "curated", source: "user", dataset: "eu" }, root).entries, 0);
    assertEquals((await task([...base, "--start", "2024-01-01"], env)).code, 0);
    const shifted = await task([...base, "--start", "2024-01-02"], env);
    assertEquals(shifted.code, 0);
    assert(/warning: .*lacks 2 stored rows.*--replace/.test(shifted.stderr), shifted.stderr);
    // Versions: 01-02..01-05 of A and B changed values: revisions known from the ingest instant.
    assert(shifted.stdout.includes("2 new, 8 revised"), shifted.stdout);
    assert(/warning: 8 stored values revised by the file/.test(shifted.stderr), shifted.stderr);
    const rep = await task([...base, "--start", "2024-01-02", "--replace"], env);
    assertEquals(rep.code, 0, rep.stderr);
    // The replace gives those 8 their rule's known_at again (changed), 01-08 is equal.
    assert(
      rep.stdout.includes("2 stored rows the file lacks removed; 0 added, 8 changed, 2 unchanged"),
      rep.stdout,
    );
    assert(rep.stdout.includes("rows landed:      10 (8 new or changed"), rep.stdout);
    assert(!rep.stdout.includes("replaced 12"), rep.stdout);
    const us = await csv(root, "us.csv", "date,value\n07/01/1991,1\n");
    const h = await task([us, "--dataset", "us", "--kind", "series", "--symbol", "X"], env);
    assertEquals(h.code, 2);
    assert(h.stderr.includes('--time-format "%m/%d/%Y"'), h.stderr);
  }));

Deno.test("README's EuStockMarkets examples: weekdays (last row 1998-08-14), each index in its currency", () =>
  withLake(async (root) => {
    const readme = await Deno.readTextFile("README.md");
    const lines = readme.split("\n").filter((l) =>
      l.startsWith("deno task ingest-file eu.csv ") && !l.includes("--replace")
    );
    assertEquals(lines.length, 3, lines.join("\n"));
    const fixture = "tests/fixtures/user_files/eustockmarkets_no_dates.csv";
    // Hand-checked: DAX and CAC are quoted in EUR (in 1991 DEM and FRF, restated), SMI in CHF,
    // FTSE in GBP; R's series has 260 rows a year, holidays included, ending 1998-08-14.
    const want: Record<string, string> = { DAX: "EUR", CAC: "EUR", SMI: "CHF", FTSE: "GBP" };
    const seen: Record<string, string> = {};
    for (const line of lines) {
      assert(line.includes("--calendar weekdays"), line);
      const args = line.replace("deno task ingest-file eu.csv ", "").split(/\s+/);
      const r = await task([fixture, ...args, "--json"], { WORKBENCH_DATA: root });
      assertEquals(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        dataset: string;
        currency: string;
        usedColumns: { series: string[] };
      };
      for (const s of out.usedColumns.series) seen[s] = out.currency;
      const ds = out.dataset.split("/").at(-1)!;
      const df = await readDataset(userSeriesSpec(ds, true), { root });
      const last = df.getColumn("date").cast(pl.Utf8).toArray().sort().at(-1);
      assertEquals(last, "1998-08-14", line);
    }
    assertEquals(seen, want);
  }));
