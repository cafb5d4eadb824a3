/**
 * Rows `verify --repair` could not restore stay recorded (trial 11 finding 3): a user dataset
 * from `ingest-file` loses one year's data file; the repair reports it LOST, and afterwards
 * `verify` keeps it an open problem (exit 1), `loadDataset` notes it on reads overlapping its
 * range, until re-ingesting the file lands the rows again (a partial re-ingest does not clear it).
 * Also the fold rule by hand (manifest.ts `LostRows`): a compaction never clears a loss, a write
 * spanning its range with at least its rows does, and entries without `lost` fold as before.
 */
import { join } from "node:path";
import { setLogSink } from "../../lib/core/log.ts";
import { loadDataset } from "../../lib/dataset/load.ts";
import { repairLake } from "../../lib/ingest/repair.ts";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import {
  datasetState,
  foldManifest,
  type ManifestEntry,
  metaDir,
  readManifest,
  verifyDataset,
} from "../../lib/lake/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { verifyTask } from "../_verify_task.ts";

setLogSink(() => {});

/** The verify task as a subprocess on `root` (no vendor or workbench settings inherited). */

/** Weekdays from `a` to `b` (ISO dates, inclusive). */
function weekdays(a: string, b: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${a}T00:00:00Z`); t <= Date.parse(`${b}T00:00:00Z`); t += 86_400_000) {
    const d = new Date(t);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** A bars CSV (date, open, high, low, close, volume) of `dates`, closes 100 + i. */
function barsCsv(dates: string[]): string {
  return ["date,open,high,low,close,volume"].concat(
    dates.map((d, i) => `${d},${100 + i},${101 + i},${99 + i},${100 + i},${1000 + i}`),
  ).join("\n") + "\n";
}

const spec = { zone: "curated", source: "user", dataset: "djd" } as const;

Deno.test("a user dataset's file lost in verify --repair stays an open problem and a read note until the file is re-ingested", async () => {
  const root = await Deno.makeTempDir({ prefix: "repair-lost-" });
  try {
    // No NYSE holiday in either month (Good Friday 2024 is March 29).
    const y23 = weekdays("2023-03-01", "2023-03-28");
    const y24 = weekdays("2024-03-01", "2024-03-28");
    const csv = join(root, "dj_a.csv");
    Deno.writeTextFileSync(csv, barsCsv([...y23, ...y24]));
    const ingest = (path: string) =>
      ingestBarsFile(path, { dataset: "djd", symbol: "DJ", calendar: "nyse", root });
    await ingest(csv);
    assertEquals((await loadDataset("user/djd", { root })).frame.height, y23.length + y24.length);

    // Delete the 2023 partition's data file(s).
    const gone = datasetState(spec, root).files.filter((f) => f.partition === "year=2023");
    assertEquals(gone.reduce((n, f) => n + f.rows, 0), y23.length);
    for (const f of gone) Deno.removeSync(join(root, "curated/user/djd/year=2023", f.file));

    // The repair reports the rows lost (the task's call).
    const rep = await repairLake({ root, restore: true });
    const lost = rep.restored.filter((r) => r.dataset === "curated/user/djd" && !r.ok);
    assertEquals(lost.map((r) => [r.how, r.file.rows]), [["lost", y23.length]]);
    assert(rep.open >= 1);
    const range = `${y23.length} rows of ${y23[0]}..${y23.at(-1)}`;
    const source = new URL(`file://${csv}`).href;

    // Afterwards: verify still reports it, with the re-ingest advice.
    let v = await verifyDataset(spec, { root });
    assertEquals(v.problems.map((p) => p.kind), ["lost"]);
    assert(v.problems[0]!.detail.includes(range), v.problems[0]!.detail);
    assert(v.problems[0]!.detail.includes(`re-ingest ${source}`), v.problems[0]!.detail);
    let t = verifyTask(root);
    assertEquals(t.code, 1, t.stdout + t.stderr);
    assert(t.stdout.includes("1 open problems"), t.stdout);
    assert(t.stdout.includes(range) && t.stdout.includes(`re-ingest ${source}`), t.stdout);

    // Reads overlapping the range say so; a read of 2024 only does not.
    const today = new Date().toISOString().slice(0, 10);
    const note = `${range} lost in a repair on ${today}; re-ingest ${source}`;
    let d = await loadDataset("user/djd", { root });
    assertEquals(d.frame.height, y24.length);
    assert(d.notes.includes(note), JSON.stringify(d.notes));
    d = await loadDataset({
      source: "lake",
      dataset: "user/djd",
      adjust: "raw",
      start: "2023-03-10",
    }, { root });
    assert(d.notes.includes(note), JSON.stringify(d.notes));
    d = await loadDataset({
      source: "lake",
      dataset: "user/djd",
      adjust: "raw",
      start: "2024-01-01",
    }, { root });
    assertEquals(d.notes.filter((n) => n.includes("lost")), []);

    // A second repair: still open, recorded once.
    const rep2 = await repairLake({ root });
    assertEquals(rep2.open, 1);
    assertEquals(
      readManifest(metaDir(spec, root)).filter((e) => e.lost?.length).length,
      1,
    );
    assertEquals(foldManifest(readManifest(metaDir(spec, root))).lost?.length, 1);

    // Re-ingesting part of the year lands fewer rows than were lost: still open.
    const part = join(root, "dj_part.csv");
    Deno.writeTextFileSync(part, barsCsv(y23.slice(0, 5)));
    await ingest(part);
    v = await verifyDataset(spec, { root });
    assertEquals(v.problems.map((p) => p.kind), ["lost"]);

    // Re-ingesting the file restores the rows and clears the record.
    await ingest(csv);
    v = await verifyDataset(spec, { root });
    assertEquals(v.problems, []);
    t = verifyTask(root);
    assertEquals(t.code, 0, t.stdout + t.stderr);
    assert(t.stdout.includes("no open problems"), t.stdout);
    d = await loadDataset("user/djd", { root });
    assertEquals(d.frame.height, y23.length + y24.length);
    assertEquals(d.notes.filter((n) => n.includes("lost")), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("foldManifest: a loss clears on writes spanning its range with at least its rows, never on a compaction", () => {
  const sha = (c: string) => c.repeat(64);
  const file = (name: string, rows: number, lo: string, hi: string, partition = "year=2023") => ({
    partition,
    file: `part-${name}.parquet`,
    rows,
    sha256: sha(name[0]!),
    min_time: lo,
    max_time: hi,
  });
  const entry = (kind: ManifestEntry["kind"], added: ManifestEntry["added"], extra = {}) => ({
    write_id: crypto.randomUUID(),
    at: "2026-12-08T01:00:00.000Z",
    kind,
    transform_id: "t",
    source_uri: "file:///x.csv",
    added,
    removed: [],
    schema: { symbol: "str", date: "date", close: "f64" } as const,
    ...extra,
  } as ManifestEntry);
  const loss = {
    partition: "year=2023",
    file: "/lake/curated/user/x/year=2023/part-a.parquet",
    rows: 10,
    min_time: "2023-01-03",
    max_time: "2023-12-29",
    sources: ["file:///x.csv"],
    reason: "a user dataset cannot be refetched",
    advice: "re-ingest file:///x.csv",
  };
  const base = [
    entry("write", [file("a", 10, "2023-01-03", "2023-12-29")]),
    entry("repair", [], {
      lost: [loss],
    }),
  ];
  // Old entries (no `lost`) fold to no losses.
  assertEquals(foldManifest(base.slice(0, 1)).lost, []);
  assertEquals(foldManifest(base).lost, [{ ...loss, at: "2026-12-08T01:00:00.000Z" }]);
  // A compaction of the partition, even spanning the range with enough rows: still open.
  const compact = entry("compact", [file("b", 20, "2023-01-02", "2023-12-30")]);
  assertEquals(foldManifest([...base, compact]).lost?.length, 1);
  // Another partition, or enough rows not spanning the range: still open.
  const other = entry("write", [file("c", 30, "2024-01-02", "2024-12-30", "year=2024")]);
  const half = entry("write", [file("d", 10, "2023-01-03", "2023-06-30")]);
  assertEquals(foldManifest([...base, other, half]).lost?.length, 1);
  // The rest of the range in a later write: the writes together span it with >= 10 rows.
  const rest = entry("write", [file("e", 5, "2023-07-03", "2023-12-29")]);
  assertEquals(foldManifest([...base, other, half, rest]).lost, []);
  // A write before the loss was recorded does not count.
  assertEquals(foldManifest([base[0]!, rest, half, base[1]!]).lost?.length, 1);
});
