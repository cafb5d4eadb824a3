/**
 * Failure cases of issue 18 against the lake: byte flips, stray/swapped/deleted files, deleted or
 * torn manifests, a symlinked partition, a full disk, reads between a kill and recovery, and
 * `verify --repair` restoring a lake equal to a clean run.
 *
 * What holds on every backend (byte flips, swapped and deleted files, verify and its repair, an
 * orphan object) runs on a local folder and on S3 (radosgw) + a PostgreSQL catalog (lakeTest,
 * see _backends.ts). The rest is about local folders and the file manifest and stays local-only:
 * a torn or lost `manifest.jsonl` and its rebuild, the journal and lock files, symlinks, stray
 * files in partition folders read through glob views, a full disk, `verified.json`. On S3 the
 * catalog is the manifest (one transaction per write: no torn line, no journal, no lock file)
 * and an object is no symlink.
 */
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import {
  clearVerifiedCache,
  compactDataset,
  datasetState,
  IntegrityError,
  lakeViewSql,
  ManifestError,
  parquetScanSql,
  readDataset,
  recoverLake,
  verifyDataset,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { BARS, bars } from "./_fixtures.ts";
import { type Lake, lakeTest } from "./_backends.ts";
import { committedState } from "../../lib/lake/mod.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
const DS = "curated/test/bars_minute";
const P8 = "date=2024-03-08";
const P9 = "date=2024-03-09";
const MAR9 = Date.UTC(2024, 2, 9, 14, 30);

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "lake-integrity-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Two partitions: A,B x 50 minutes on 03-08 and A x 20 on 03-09 (120 keys). */
async function seed(root: string): Promise<void> {
  await writeDataset(BARS, bars(["A", "B"], 50), { ...W, root });
  await writeDataset(BARS, bars(["A"], 20, MAR9), { ...W, root });
}

function dataFile(root: string, part = P8): string {
  const f = datasetState(BARS, root).files.find((x) => x.partition === part)!;
  return `${root}/${DS}/${part}/${f.file}`;
}

/** Two partitions as in {@link seed}, on any backend. */
async function seedAt(lake: Lake): Promise<void> {
  await seed(lake.root);
}

/** Relative path (`DS/partition/file`) of the committed file of a partition. */
async function dataRel(lake: Lake, part = P8): Promise<string> {
  const f = (await committedState(BARS, lake.root)).files.find((x) => x.partition === part)!;
  return `${DS}/${part}/${f.file}`;
}

/** Stored data files of the dataset (relative path -> sha256), through the store. */
async function storedFiles(lake: Lake): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const { sha256Hex } = await import("../../lib/core/fs.ts");
  for (const [k, b] of [...await lake.stored()].sort()) {
    if (k.startsWith(`${DS}/`)) out[k.slice(DS.length + 1)] = await sha256Hex(b);
  }
  return out;
}

/** Sorted data files (relative path -> sha256 of bytes) under a dataset folder. */
async function lakeFiles(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for (const e of Deno.readDirSync(d)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(`${d}/${e.name}`, r);
      else {
        const h = await crypto.subtle.digest("SHA-256", Deno.readFileSync(`${d}/${e.name}`));
        out[r] = Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, "0")).join("");
      }
    }
  };
  await walk(`${root}/${DS}`, "");
  return out;
}

async function duckCount(sql: string): Promise<number> {
  const inst = await DuckDBInstance.create(":memory:");
  const c = await inst.connect();
  try {
    const r = await c.runAndReadAll(sql);
    return Number(r.getRows()[0]![0]);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

lakeTest(
  "every single-byte flip in a data file is an error naming the file, never a changed row",
  async (lake) => {
    const root = lake.root;
    await seedAt(lake);
    const rel = await dataRel(lake);
    const where = lake.addr(rel);
    const good = (await lake.stored()).get(rel)!;
    // Positions spread over the file, including the header magic, pages and the footer (64 on a
    // local disk; 16 on S3, where each flip is an upload and a fetch).
    const n = lake.kind === "local" ? 64 : 16;
    const positions = Array.from(
      { length: n },
      (_, i) => Math.floor((i * (good.length - 1)) / (n - 1)),
    );
    let errors = 0;
    for (const pos of positions) {
      const bad = good.slice();
      bad[pos] = bad[pos]! ^ 0x01;
      await lake.tamper(rel, bad);
      await lake.dropCache(); // S3: the next read fetches the object (a cached copy is trusted)
      const e = (await assertRejects(() =>
        readDataset(BARS, { root }), IntegrityError)) as IntegrityError;
      assert(e.message.includes(where), e.message);
      assertEquals(e.file, where);
      errors++;
    }
    assertEquals(errors, n);
    await lake.tamper(rel, good);
    assertEquals((await readDataset(BARS, { root })).height, 120);
    // A write into that partition (a changed row: a rewrite) refuses the changed file too.
    await lake.tamper(rel, Uint8Array.from(good, (b, i) => (i === 200 ? b ^ 0x80 : b)));
    await lake.dropCache();
    clearVerifiedCache();
    const changed = bars(["A"], 1).withColumns(pl.lit(1).alias("close"));
    await assertRejects(
      () => writeDataset(BARS, changed, { ...W, root }),
      IntegrityError,
      where,
    );
    // Compaction too: an append outside the changed file's time range (so it does not read it)
    // gives the partition a second file, and compaction refuses to seal the changed one.
    await writeDataset(BARS, bars(["C"], 5, Date.UTC(2024, 2, 8, 20, 0)), { ...W, root });
    await lake.dropCache();
    await assertRejects(() => compactDataset(BARS, { root }), IntegrityError, where);
    const report = await verifyDataset(BARS, { root });
    assertEquals(report.problems.map((p) => [p.kind, p.file]), [["checksum", where]]);
  },
);

// Local only: a stray file in a partition folder and glob views over folders. Its S3 counterpart
// (an orphan object in the bucket) follows.
Deno.test("a stray file is ignored by readers, views, writes and compaction, reported and quarantined by verify", () =>
  withLake(async (root) => {
    await seed(root);
    // A Parquet file with other keys and with copies of committed keys, dropped into a partition.
    const stray = `${root}/${DS}/${P8}/part-0000000000000000.parquet`;
    pl.concat([bars(["A"], 50, undefined, 7), bars(["Z"], 40)]).writeParquet(stray);
    const straySha = await lakeFiles(root).then((f) => f[`${P8}/part-0000000000000000.parquet`]);
    assertEquals((await readDataset(BARS, { root })).height, 120);
    assertEquals(await duckCount(`SELECT count(*) FROM ${parquetScanSql(BARS, root)}`), 120);
    const view = lakeViewSql(
      "CREATE VIEW v AS SELECT * FROM read_parquet('{{lake}}/curated/*/bars_*/**/*.parquet', hive_partitioning = true)",
      root,
    );
    assert(!view.includes("part-0000000000000000"), view);
    // An append (new file), a rewrite (changed row) and a compaction leave the stray alone.
    await writeDataset(BARS, bars(["C"], 5), { ...W, root });
    await writeDataset(BARS, bars(["A"], 1).withColumns(pl.lit(1).alias("close")), { ...W, root });
    await writeDataset(BARS, bars(["D"], 5), { ...W, root });
    await compactDataset(BARS, { root });
    assertEquals((await readDataset(BARS, { root })).height, 130);
    assertEquals((await lakeFiles(root))[`${P8}/part-0000000000000000.parquet`], straySha);
    const report = await verifyDataset(BARS, { root });
    assertEquals(report.problems.map((p) => [p.kind, p.file]), [["stray", stray]]);
    const repaired = await verifyDataset(BARS, { root, repair: true, stamp: "t1" });
    assert(
      repaired.problems[0]!.repaired!.startsWith("quarantined"),
      repaired.problems[0]!.repaired,
    );
    Deno.statSync(`${root}/_quarantine/t1/${DS}/${P8}/part-0000000000000000.parquet`);
    assertEquals((await verifyDataset(BARS, { root })).problems, []);
  }));

lakeTest(
  "a swapped file (another committed file's bytes under its name) is an error naming it",
  async (lake) => {
    const root = lake.root;
    await seedAt(lake);
    const a = await dataRel(lake, P8);
    const b = await dataRel(lake, P9);
    await lake.tamper(a, (await lake.stored()).get(b)!);
    await lake.dropCache();
    const e =
      (await assertRejects(() => readDataset(BARS, { root }), IntegrityError)) as IntegrityError;
    assertEquals(e.file, lake.addr(a));
    // DuckDB views read the same committed list; verify says which file changed.
    const report = await verifyDataset(BARS, { root });
    assertEquals(report.problems.map((p) => [p.kind, p.file]), [["checksum", lake.addr(a)]]);
  },
);

lakeTest(
  "a deleted file: reads fail naming it; verify --repair drops it; a rerun restores the clean lake",
  async (lake) => {
    // The clean lake: the same two writes into a fresh local folder (files are content-addressed,
    // so both backends store the same names and bytes).
    let clean: Record<string, string> = {};
    await withLake(async (root) => {
      await seed(root);
      clean = await lakeFiles(root);
    });
    const root = lake.root;
    await seedAt(lake);
    assertEquals(await storedFiles(lake), clean);
    const rel = await dataRel(lake, P8);
    const gone = lake.addr(rel);
    await lake.remove(rel);
    await lake.dropCache();
    const e =
      (await assertRejects(() => readDataset(BARS, { root }), IntegrityError)) as IntegrityError;
    assertEquals([e.file, e.reason], [gone, "missing"]);
    // Before the repair a rerun cannot rebuild the partition (its stored file is gone) ...
    await assertRejects(
      () => writeDataset(BARS, bars(["A", "B"], 50), { ...W, root }),
      IntegrityError,
      gone,
    );
    const r = await verifyDataset(BARS, { root, repair: true, stamp: "t" });
    assertEquals(r.problems.map((p) => [p.kind, p.file]), [["missing", gone]]);
    assertEquals(r.dropped.map((d) => [d.file, d.rows, d.min_time]), [
      [gone, 100, "2024-03-08T14:30:00.000Z"],
    ]);
    assertEquals((await committedState(BARS, root)).rows, 20);
    assertEquals((await verifyDataset(BARS, { root })).problems, []);
    // ... after it, the same run refetches what was dropped and the lake equals a clean run.
    await seed(root);
    assertEquals(await storedFiles(lake), clean);
    assertEquals((await readDataset(BARS, { root })).height, 120);
  },
);

lakeTest(
  "a changed and a missing file: verify reports both, --repair quarantines the changed one and drops both",
  async (lake) => {
    const root = lake.root;
    await seedAt(lake);
    const a = await dataRel(lake, P8);
    const b = await dataRel(lake, P9);
    const bad = (await lake.stored()).get(a)!.slice();
    bad[10] = bad[10]! ^ 0x20;
    await lake.tamper(a, bad);
    await lake.remove(b);
    await lake.dropCache();
    const v = await verifyDataset(BARS, { root });
    assertEquals(v.problems.map((p) => [p.kind, p.file]), [
      ["checksum", lake.addr(a)],
      ["missing", lake.addr(b)],
    ]);
    const r = await verifyDataset(BARS, { root, repair: true, stamp: "q1" });
    assertEquals(r.dropped.map((d) => [d.partition, d.rows]), [[P8, 100], [P9, 20]]);
    assertEquals([r.files, r.rows], [0, 0]);
    // The changed bytes are kept in the quarantine, byte for byte; nothing is left in the dataset.
    const stored = await lake.stored();
    assertEquals(stored.get(`_quarantine/q1/${a}`), bad);
    assertEquals([...stored.keys()].filter((k) => k.startsWith(`${DS}/`)), []);
    assertEquals((await verifyDataset(BARS, { root })).problems, []);
    assertEquals((await readDataset(BARS, { root })).height, 0);
  },
);

lakeTest(
  "an orphan object (in the bucket, in no committed entry) is reported after its grace and quarantined by --repair",
  async (lake) => {
    const root = lake.root;
    await seedAt(lake);
    // What a writer killed between its upload and its commit leaves: a whole data file.
    const orphanRel = `${DS}/${P8}/part-00000000000000aa.parquet`;
    const tmp = await Deno.makeTempFile({ suffix: ".parquet" });
    bars(["Z"], 7).writeParquet(tmp);
    const bytes = await Deno.readFile(tmp);
    await Deno.remove(tmp);
    await lake.tamper(orphanRel, bytes);
    assertEquals((await readDataset(BARS, { root })).height, 120); // readers never see it
    // Younger than the grace (a write in flight elsewhere may have just uploaded it): not reported.
    assertEquals((await verifyDataset(BARS, { root })).problems, []);
    const v = await verifyDataset(BARS, { root, orphanGraceMs: 0 });
    assertEquals(v.problems.map((p) => [p.kind, p.file]), [["stray", lake.addr(orphanRel)]]);
    const r = await verifyDataset(BARS, { root, orphanGraceMs: 0, repair: true, stamp: "o1" });
    assert(r.problems[0]!.repaired!.startsWith("quarantined to"), r.problems[0]!.repaired);
    assertEquals((await lake.stored()).get(`_quarantine/o1/${orphanRel}`), bytes);
    assertEquals((await verifyDataset(BARS, { root, orphanGraceMs: 0 })).problems, []);
    assertEquals((await readDataset(BARS, { root })).height, 120);
  },
  ["s3+pg"],
);

// Local only from here to the end of the file, except "verify on a clean lake": the file
// manifest, journal, lock, symlinks, full disks and verified.json (see the module doc).

Deno.test("a deleted manifest: writes refuse, verify --repair rebuilds it without duplicating rows", () =>
  withLake(async (root) => {
    await seed(root);
    const before = await readDataset(BARS, { root });
    const manifest = `${root}/_meta/${DS}/manifest.jsonl`;
    const files = await lakeFiles(root);
    Deno.removeSync(manifest);
    // Readers see an empty dataset, not a directory listing; a rerun is refused, naming a file.
    assertEquals((await readDataset(BARS, { root })).height, 0);
    const e = await assertRejects(
      () => writeDataset(BARS, bars(["A", "B"], 50), { ...W, root }),
      IntegrityError,
    );
    assert(e.message.includes("verify --repair") && e.message.includes(`${root}/${DS}`), e.message);
    const r = await verifyDataset(BARS, { root, repair: true, specOf: () => BARS });
    assert(r.rebuilt);
    assertEquals(r.rows, 120);
    assert((await readDataset(BARS, { root })).frameEqual(before));
    assertEquals(await lakeFiles(root), files); // files adopted as they are
    assertEquals((await verifyDataset(BARS, { root })).problems, []);
    // The next write is a no-op (the same rows), then an append works as before.
    assert((await writeDataset(BARS, bars(["A", "B"], 50), { ...W, root })).noop);
  }));

Deno.test("a lost manifest with a rerun's files beside the old ones is rebuilt keeping one row per key", () =>
  withLake(async (root) => {
    await seed(root);
    // The old behaviour: a rerun after the manifest was lost wrote its files beside the old ones.
    const other = await Deno.makeTempDir({ prefix: "lake-integrity-rerun-" });
    try {
      await writeDataset(BARS, bars(["A", "B"], 50, undefined, 200), {
        ...W,
        root: other,
        ingestedAt: new Date(1000),
      });
      for (const e of Deno.readDirSync(`${other}/${DS}/${P8}`)) {
        Deno.copyFileSync(`${other}/${DS}/${P8}/${e.name}`, `${root}/${DS}/${P8}/${e.name}`);
      }
    } finally {
      await Deno.remove(other, { recursive: true });
    }
    Deno.removeSync(`${root}/_meta/${DS}/manifest.jsonl`);
    const r = await verifyDataset(BARS, { root, repair: true, specOf: () => BARS, stamp: "q" });
    assert(r.rebuilt);
    assertEquals(r.rows, 120); // 120 keys, not 220 rows
    const out = await readDataset(BARS, { root });
    assertEquals(out.height, 120);
    // Per key the later ingestion wins: every 03-08 close is the rerun's (200 + i * 0.01).
    const day8 = out.filter(pl.col("ts").lt(pl.lit(MAR9).cast(pl.Datetime("ms", "UTC"))));
    assertEquals(day8.height, 100);
    assert((day8.getColumn("close").toArray() as number[]).every((c) => c >= 200 && c < 201));
    assertEquals([...Deno.readDirSync(`${root}/_quarantine/q/${DS}/${P8}`)].length, 2);
  }));

Deno.test("a torn last manifest line is reported with file and line, read as the last complete state, cut by the next write", () =>
  withLake(async (root) => {
    await seed(root);
    const manifest = `${root}/_meta/${DS}/manifest.jsonl`;
    const text = Deno.readTextFileSync(manifest);
    Deno.writeTextFileSync(manifest, text + '{"write_id":"x","at":"2024-');
    const st = datasetState(BARS, root);
    assertEquals(st.problems.map((p) => [p.file, p.line, p.kind]), [[manifest, 3, "torn"]]);
    assertEquals(st.rows, 120);
    assertEquals((await readDataset(BARS, { root })).height, 120);
    const v = await verifyDataset(BARS, { root });
    assertEquals(v.problems.map((p) => p.detail.slice(0, 16)), ["line 3 is torn: "]);
    await writeDataset(BARS, bars(["C"], 5), { ...W, root });
    const after = datasetState(BARS, root);
    assertEquals(after.problems, []);
    assertEquals([after.entries, after.rows], [3, 125]);
    assert(Deno.readTextFileSync(manifest).startsWith(text));
  }));

Deno.test("a garbage manifest line mid-log: last complete state, writes refused naming file and line, verify --repair rebuilds", () =>
  withLake(async (root) => {
    await seed(root);
    await writeDataset(BARS, bars(["C"], 5), { ...W, root });
    const manifest = `${root}/_meta/${DS}/manifest.jsonl`;
    const lines = Deno.readTextFileSync(manifest).split("\n");
    lines[1] = lines[1]!.replace('"write_id"', '"wr\u0000te_id"');
    Deno.writeTextFileSync(manifest, lines.join("\n"));
    const st = datasetState(BARS, root);
    assertEquals(st.problems.map((p) => [p.line, p.kind]), [[2, "garbage"], [3, "garbage"]]);
    assertEquals(st.rows, 100); // the entries before line 2
    const e = await assertRejects(
      () => writeDataset(BARS, bars(["D"], 5), { ...W, root }),
      ManifestError,
    );
    assert(e.message.includes(`${manifest} line 2`), e.message);
    const r = await verifyDataset(BARS, { root, repair: true });
    assert(r.rebuilt);
    assertEquals(r.rows, 125);
    assertEquals((await readDataset(BARS, { root })).height, 125);
    assertEquals(datasetState(BARS, root).problems, []);
  }));

Deno.test("a partition symlinked out of the lake is refused by reads, writes, compaction and verify; nothing outside changes", () =>
  withLake(async (root) => {
    await seed(root);
    // A second file in 03-08, so that compaction has work there.
    await writeDataset(BARS, bars(["C"], 5, Date.UTC(2024, 2, 8, 20, 0)), { ...W, root });
    const outside = await Deno.makeTempDir({ prefix: "lake-outside-" });
    try {
      const pdir = `${root}/${DS}/${P8}`;
      Deno.renameSync(pdir, `${outside}/${P8}`);
      Deno.symlinkSync(`${outside}/${P8}`, pdir);
      const victim = `${outside}/${P8}/victim.parquet`;
      bars(["V"], 3).writeParquet(victim);
      const names = () => [...Deno.readDirSync(`${outside}/${P8}`)].map((e) => e.name).sort();
      const was = names();
      const e = (await assertRejects(() =>
        readDataset(BARS, { root }), IntegrityError)) as IntegrityError;
      assertEquals(e.reason, "symlink");
      const changed = bars(["A"], 1).withColumns(pl.lit(1).alias("close"));
      await assertRejects(
        () => writeDataset(BARS, changed, { ...W, root }),
        IntegrityError,
        "outside the lake",
      );
      await writeDataset(BARS, bars(["A"], 3, MAR9 + 3_600_000), { ...W, root }); // other partition: fine
      await assertRejects(() => compactDataset(BARS, { root }), IntegrityError);
      assertThrows(() => parquetScanSql(BARS, root), IntegrityError);
      const v = await verifyDataset(BARS, { root });
      assert(
        v.problems.some((p) => p.kind === "symlink" && p.file === pdir),
        JSON.stringify(v.problems),
      );
      assertEquals(names(), was);
      // The repair quarantines the link (not what it leads to) and drops its files from the
      // manifest; everything outside stays as it was.
      const fixed = await verifyDataset(BARS, { root, repair: true, stamp: "s" });
      assert(fixed.problems.every((p) => p.repaired), JSON.stringify(fixed.problems));
      assertEquals(names(), was);
      assert(Deno.lstatSync(`${root}/_quarantine/s/${DS}/${P8}`).isSymlink);
      assertEquals(datasetState(BARS, root).files.filter((f) => f.partition === P8), []);
      assertEquals((await verifyDataset(BARS, { root })).problems, []);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  }));

Deno.test("a read between a kill after the commit point and recovery sees the whole new state (reader, view)", () =>
  withLake(async (root) => {
    await seed(root);
    // The writer dies right after its journal (the commit point): files still under temp names.
    const onStep = (s: string) => {
      if (s === "journal-written") throw new Error("killed");
    };
    await assertRejects(
      () => writeDataset(BARS, bars(["A", "B"], 50, undefined, 300), { ...W, root, onStep }),
      Error,
      "killed",
    );
    assert(Deno.statSync(`${root}/_meta/${DS}/journal.json`).isFile);
    // A view built now, after lake-wide recovery, reads the committed state only.
    assertEquals(await recoverLake(root), [DS]);
    const sql = lakeViewSql(
      "SELECT count(*) FROM read_parquet('{{lake}}/curated/test/bars_minute/**/*.parquet')",
      root,
    );
    assertEquals(await duckCount(sql), 120);
    const out = await readDataset(BARS, { root });
    assertEquals(out.height, 120);
    const closes = out.filter(pl.col("ts").lt(pl.lit(MAR9).cast(pl.Datetime("ms", "UTC"))))
      .getColumn("close").toArray() as number[];
    assert(closes.every((c) => c >= 300 && c < 301), "all of the new write, none of the old");
  }));

Deno.test("a reader that cannot take the lock reads the last committed state, never half a commit", () =>
  withLake(async (root) => {
    await seed(root);
    const onStep = (s: string) => {
      if (s === "journal-written") throw new Error("killed");
    };
    await assertRejects(
      () => writeDataset(BARS, bars(["A", "B"], 50, undefined, 300), { ...W, root, onStep }),
    );
    // A live process holds the lock (this one): the reader gives up waiting, and since the
    // journal's renames did not happen it reads the old committed state in full.
    const lock = `${root}/_meta/${DS}/lock`;
    const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      Deno.writeTextFileSync(lock, `${sleeper.pid}@${Deno.hostname()}@x`);
      const { committedState } = await import("../../lib/lake/reader.ts");
      const st = await committedState(BARS, root);
      assertEquals(st.rows, 120);
      const out = await readDataset(BARS, { root });
      assertEquals(out.height, 120);
      const closes = out.getColumn("close").toArray() as number[];
      assert(closes.every((c) => c < 200), "the old state only");
    } finally {
      sleeper.kill();
      await sleeper.status;
      Deno.removeSync(lock);
    }
  }));

Deno.test("disk full: a clear error naming the file, the lake unchanged with no temporaries, the write resumable", async () => {
  const mnt = await Deno.makeTempDir({ prefix: "lake-tmpfs-" });
  const mount = (opts: string) =>
    new Deno.Command("mount", { args: ["-t", "tmpfs", "-o", opts, "tmpfs", mnt], stderr: "null" })
      .outputSync().success;
  if (!mount("size=256k")) {
    console.warn("skipped: cannot mount a tmpfs (needs root)");
    await Deno.remove(mnt);
    return;
  }
  try {
    const root = `${mnt}/lake`;
    await writeDataset(BARS, bars(["A"], 10), { ...W, root });
    const before = await lakeFiles(root);
    const manifest = Deno.readTextFileSync(`${root}/_meta/${DS}/manifest.jsonl`);
    // Megabytes of Parquet (random closes do not compress) into 256 kB.
    let x = 7;
    const big = bars(["A", "B", "C", "D", "E", "F", "G", "H"], 20_000, MAR9).withColumns(
      pl.Series("close", Array.from({ length: 160_000 }, () => (x = (x * 16807) % 2147483647) / 7)),
    );
    const e = await assertRejects(() => writeDataset(BARS, big, { ...W, root }));
    assert(/disk is full|No space|os error 28/i.test((e as Error).message), (e as Error).message);
    assert((e as Error).message.includes(root), (e as Error).message);
    assertEquals(await lakeFiles(root), before);
    assertEquals(Deno.readTextFileSync(`${root}/_meta/${DS}/manifest.jsonl`), manifest);
    assertEquals(
      [...Deno.readDirSync(`${root}/_meta/${DS}`)].map((e) => e.name).filter((n) =>
        n.endsWith(".tmp")
      ),
      [],
    );
    assertEquals((await readDataset(BARS, { root })).height, 10);
    // More space: the same write succeeds.
    assert(mount("remount,size=16m"));
    const r = await writeDataset(BARS, big, { ...W, root });
    assertEquals(r.rowsWritten, 160_000);
    assertEquals((await readDataset(BARS, { root })).height, 160_010);
    assertEquals((await verifyDataset(BARS, { root })).problems, []);
    // A disk filled to the last byte: a small write fails cleanly wherever it runs out (data
    // file, journal or manifest append), and the lake stays as it was.
    const filler = `${mnt}/filler`;
    try {
      Deno.writeFileSync(filler, new Uint8Array(32 << 20));
    } catch { /* full now */ }
    const full = await lakeFiles(root);
    const log = Deno.readTextFileSync(`${root}/_meta/${DS}/manifest.jsonl`);
    const e2 = await assertRejects(() =>
      writeDataset(BARS, bars(["Q"], 5, MAR9 + 7_200_000), { ...W, root })
    );
    assert((e2 as Error).message.includes(root), (e2 as Error).message);
    assertEquals(await lakeFiles(root), full);
    assertEquals(Deno.readTextFileSync(`${root}/_meta/${DS}/manifest.jsonl`), log);
    const temps = [...Deno.readDirSync(`${root}/_meta/${DS}`)].filter((e) =>
      e.name.endsWith(".tmp")
    );
    assertEquals(temps, []);
    Deno.removeSync(filler);
    assertEquals(
      (await writeDataset(BARS, bars(["Q"], 5, MAR9 + 7_200_000), { ...W, root })).rowsWritten,
      5,
    );
  } finally {
    new Deno.Command("umount", { args: [mnt] }).outputSync();
    await Deno.remove(mnt, { recursive: true });
  }
});

Deno.test("stale temporaries under _meta are removed by the next write", () =>
  withLake(async (root) => {
    await seed(root);
    const meta = `${root}/_meta/${DS}`;
    const old = new Date(Date.now() - 3_600_000);
    for (const n of ["journal.json.abcd1234.tmp", "lock.deadbeef.tmp"]) {
      Deno.writeTextFileSync(`${meta}/${n}`, "x");
      Deno.utimeSync(`${meta}/${n}`, old, old);
    }
    Deno.writeTextFileSync(`${meta}/lock.fresh000.tmp`, "x"); // a live contender's: kept
    await writeDataset(BARS, bars(["C"], 5), { ...W, root });
    const left = [...Deno.readDirSync(meta)].map((e) => e.name).filter((n) => n.endsWith(".tmp"));
    assertEquals(left, ["lock.fresh000.tmp"]);
  }));

Deno.test("committedFiles (what the views read) verifies checksums, hashing a file again only when it changed", () =>
  withLake(async (root) => {
    await seed(root);
    const { committedFiles } = await import("../../lib/lake/reader.ts");
    clearVerifiedCache();
    const files = await committedFiles(BARS, { root });
    assertEquals(files.length, 2);
    // The verification is remembered across processes (size, mtime, inode -> sha256).
    const cache = JSON.parse(Deno.readTextFileSync(`${root}/_meta/${DS}/verified.json`));
    assertEquals(Object.keys(cache).length, 2);
    clearVerifiedCache();
    assertEquals(await committedFiles(BARS, { root }), files);
    // A changed file (new mtime) is hashed again and refused, naming it.
    const path = dataFile(root);
    const b = Deno.readFileSync(path);
    b[50] = b[50]! ^ 4;
    Deno.writeFileSync(path, b);
    const e = (await assertRejects(
      () => committedFiles(BARS, { root }),
      IntegrityError,
    )) as IntegrityError;
    assertEquals([e.file, e.reason], [path, "checksum"]);
    // Without verification the list is the manifest's, changed file included.
    assertEquals(await committedFiles(BARS, { root, verify: false }), files);
  }));

lakeTest("verify on a clean lake finds nothing; counts match the manifest", async (lake) => {
  await seedAt(lake);
  const r = await verifyDataset(BARS, { root: lake.root, orphanGraceMs: 0 });
  assertEquals([r.files, r.rows, r.problems.length, r.rebuilt], [2, 120, 0, false]);
});

Deno.test("disk full during a manifest append: an error naming the manifest, the log left as it was", async () => {
  const mnt = await Deno.makeTempDir({ prefix: "lake-tmpfs-" });
  const ok = new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
    stderr: "null",
  }).outputSync().success;
  if (!ok) {
    console.warn("skipped: cannot mount a tmpfs (needs root)");
    await Deno.remove(mnt);
    return;
  }
  try {
    const { appendManifest, readManifestLog } = await import("../../lib/lake/manifest.ts");
    const meta = `${mnt}/_meta/x`;
    const entry = (id: string, n: number) => ({
      write_id: id,
      at: "2024-01-02T00:00:00.000Z",
      kind: "write" as const,
      transform_id: "t",
      source_uri: "x".repeat(n),
      added: [],
      removed: [],
      schema: {},
    });
    await appendManifest(meta, entry("a", 10), { fresh: true });
    const before = Deno.readFileSync(`${meta}/manifest.jsonl`);
    try {
      Deno.writeFileSync(`${mnt}/filler`, new Uint8Array(1 << 20));
    } catch { /* the disk is full now */ }
    const e = await assertRejects(() => appendManifest(meta, entry("b", 20_000), { fresh: true }));
    assert((e as Error).message.includes(`${meta}/manifest.jsonl`), (e as Error).message);
    assertEquals(Deno.readFileSync(`${meta}/manifest.jsonl`), before);
    assertEquals(readManifestLog(meta).problems, []);
  } finally {
    new Deno.Command("umount", { args: [mnt] }).outputSync();
    await Deno.remove(mnt, { recursive: true });
  }
});
