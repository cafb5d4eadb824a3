/**
 * Pinned snapshots (lib/lake/snapshot.ts): a pinned version read through its exported DuckDB view
 * while another process appends, rewrites and compacts the same dataset; the exports' contents;
 * unpin + gc; verify with kept files; pins of versions that cannot be pinned.
 *
 * Expected rows come from the test's inputs (a map of natural key -> last written row, filtered by
 * known_at for the as-of pin), never from the lake's own reads.
 */
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  committedState,
  datasetState,
  exportSnapshot,
  foldManifest,
  gcSnapshots,
  listSnapshotPins,
  localFiles,
  metaDir,
  pinnedFileSet,
  pinSnapshot,
  readDataset,
  SnapshotError,
  unpinSnapshot,
  verifyDataset,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { sha256Hex } from "../../lib/core/fs.ts";
import { BARS, bars } from "./_fixtures.ts";
import { lakeTest } from "./_backends.ts";

const W = { transformId: "test@1", sourceUri: "test://snapshot" };
const DAY1 = Date.UTC(2024, 2, 8, 14, 30); // 09:30 New York, partition date=2024-03-08
const DAY2 = Date.UTC(2024, 2, 11, 13, 30); // 09:30 New York after the DST change: date=2024-03-11
const MIN = 60_000;
const WHERE = { zone: BARS.zone, source: BARS.source, dataset: BARS.dataset };

interface Row {
  symbol: string;
  ts: number;
  close: number;
  volume: number;
  known_at: number;
  part: string;
}

/** Rows of an input frame, with the partition the layout puts them in (New York date). */
function inputRows(df: pl.DataFrame): Row[] {
  const sym = df.getColumn("symbol").toArray() as string[];
  const ts = df.getColumn("ts").cast(pl.Float64).toArray() as number[];
  const close = df.getColumn("close").toArray() as number[];
  const vol = df.getColumn("volume").toArray() as number[];
  const known = df.getColumn("known_at").cast(pl.Float64).toArray() as number[];
  const nyDate = (ms: number) =>
    new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date(ms));
  return sym.map((s, i) => ({
    symbol: s,
    ts: ts[i]!,
    close: close[i]!,
    volume: vol[i]!,
    known_at: known[i]!,
    part: nyDate(ts[i]!),
  }));
}

/** The rows a reader must see after these writes: last write of each natural key wins. */
function expected(batches: pl.DataFrame[], asOf?: number): Row[] {
  const m = new Map<string, Row>();
  for (const b of batches) for (const r of inputRows(b)) m.set(`${r.symbol}|${r.ts}`, r);
  return [...m.values()]
    .filter((r) => asOf === undefined || r.known_at <= asOf)
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.ts - b.ts));
}

/** Run an exported DuckDB view file in a fresh in-memory DuckDB and read the view's rows. */
async function duckRows(sqlFile: string, view: string): Promise<Row[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    await conn.run(Deno.readTextFileSync(sqlFile));
    const reader = await conn.runAndReadAll(
      `SELECT symbol, epoch_ms(ts) AS ts, close, volume, epoch_ms(known_at) AS known_at,
              CAST("date" AS VARCHAR) AS part
       FROM "${view}" ORDER BY symbol, ts`,
    );
    return (reader.getRowObjectsJS() as Record<string, unknown>[]).map((r) => ({
      symbol: r.symbol as string,
      ts: Number(r.ts),
      close: r.close as number,
      volume: r.volume as number,
      known_at: Number(r.known_at),
      part: r.part as string,
    }));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function withLake(fn: (root: string, out: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "snapshot-test-" });
  const out = await Deno.makeTempDir({ prefix: "snapshot-out-" });
  try {
    await fn(root, out);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
}

/** Four writes: two symbols, a rewrite of changed values, a new partition, an append. */
async function writeHistory(root: string): Promise<pl.DataFrame[]> {
  const b1 = bars(["AAA", "BBB"], 30, DAY1); // 14:30..14:59
  const b2 = bars(["AAA"], 30, DAY1 + 15 * MIN, 200); // 14:45..15:14: 15 changed, 15 new
  const b3 = bars(["CCC"], 20, DAY2);
  const b4 = bars(["BBB"], 10, DAY1 + 40 * MIN); // 15:10..15:19: new keys only (an append)
  const batches = [b1, b2, b3, b4];
  for (const b of batches) await writeDataset(BARS, b, { ...W, root });
  return batches;
}

Deno.test("snapshot: a pinned view sees exactly the pinned rows while another process appends, rewrites and compacts", async () => {
  await withLake(async (root, out) => {
    const batches = await writeHistory(root);
    const all = expected(batches);
    assertEquals(all.length, 45 + 40 + 20); // AAA 14:30..15:14, BBB 30 + 10, CCC 20
    const asOf = DAY1 + 20 * MIN; // known_at = ts + 1 min: rows stamped up to 14:49
    const asOfRows = expected(batches, asOf);
    assertEquals(asOfRows.length, 40);

    const pinAll = await pinSnapshot(WHERE, { root, id: "all" });
    const pinAsOf = await pinSnapshot(WHERE, { root, id: "asof", asOf: new Date(asOf) });
    assertEquals(pinAll.version, 4);
    assertEquals(pinAll.rows, all.length);
    const exAll = await exportSnapshot(pinAll, out);
    const exAsOf = await exportSnapshot(pinAsOf, out);
    // Before any churn: both views hold the expected rows.
    assertEquals(await duckRows(exAll.duckdb, exAll.view), all);
    assertEquals(await duckRows(exAsOf.duckdb, exAsOf.view), asOfRows);

    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--frozen",
        new URL("./_snapshot_churn.ts", import.meta.url).pathname,
        root,
        "6",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let running = true;
    let rounds = 0;
    let removedByChild = 0;
    const stdout = (async () => {
      const text = child.stdout.pipeThrough(new TextDecoderStream());
      let buf = "";
      for await (const chunk of text) {
        buf += chunk;
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const m = /^round (\d+) (\d+)$/.exec(buf.slice(0, i));
          if (m) {
            rounds = Number(m[1]);
            removedByChild += Number(m[2]);
          }
          buf = buf.slice(i + 1);
        }
      }
    })();
    const stderr = new Response(child.stderr).text();
    const status = child.status.then((s) => {
      running = false;
      return s;
    });
    let duringChurn = 0;
    let queries = 0;
    while (running || queries < 2) {
      const before = rounds;
      assertEquals(await duckRows(exAll.duckdb, exAll.view), all, `query ${queries} (all)`);
      assertEquals(
        await duckRows(exAsOf.duckdb, exAsOf.view),
        asOfRows,
        `query ${queries} (as of)`,
      );
      queries++;
      // Counted when the child was between rounds 1 and its end for the whole query.
      if (running && before >= 1) duringChurn++;
    }
    const st = await status;
    await stdout;
    assert(st.success, `churn process failed: ${await stderr}`);
    assertEquals(rounds, 6);
    assert(duringChurn >= 3, `only ${duringChurn} queries ran while the other process wrote`);

    // The churn did replace pinned files: they are no longer committed but are still on disk.
    const committed = new Set(
      datasetState(BARS, root).files.map((f) => `${f.partition}/${f.file}`),
    );
    const keptPaths = pinAll.files.filter((f) => !committed.has(`${f.partition}/${f.file}`));
    assert(keptPaths.length >= 2, `expected replaced pinned files, got ${keptPaths.length}`);
    assert(removedByChild >= 6 * 2, `the child removed only ${removedByChild} files`);
    for (const f of keptPaths) {
      Deno.statSync(join(root, "curated/test/bars_minute", f.partition, f.file));
    }
    // The dataset moved on: new keys and changed values, so a fresh read differs from the pin.
    assert(datasetState(BARS, root).rows > all.length);

    // verify: kept pinned files are not strays; the lake is clean.
    const v = await verifyDataset(WHERE, { root });
    assertEquals(v.problems, []);

    // unpin one: the other still holds the same files, gc deletes nothing.
    await unpinSnapshot(WHERE, "all", root);
    const gc1 = await gcSnapshots(WHERE, { root });
    assertEquals(gc1.deleted, []);
    assertEquals(gc1.kept.length, keptPaths.length);
    assertEquals(await duckRows(exAsOf.duckdb, exAsOf.view), asOfRows);
    // unpin the last: gc deletes exactly the kept files; the old export can no longer be read.
    await unpinSnapshot(WHERE, "asof", root);
    assertEquals(pinnedFileSet(metaDir(WHERE, root)).size, 0);
    const gc2 = await gcSnapshots(WHERE, { root });
    assertEquals(
      gc2.deleted.sort(),
      keptPaths.map((f) => join(root, "curated/test/bars_minute", f.partition, f.file)).sort(),
    );
    for (const p of gc2.deleted) {
      let gone = false;
      try {
        Deno.statSync(p);
      } catch {
        gone = true;
      }
      assert(gone, `${p} still exists after gc`);
    }
    await assertRejects(() => duckRows(exAsOf.duckdb, exAsOf.view));
    assertEquals((await verifyDataset(WHERE, { root })).problems, []);
    assertEquals(await listSnapshotPins(WHERE, root), []);
  });
});

Deno.test("snapshot: exports list exactly the pinned files (sha256, rows) for DuckDB, Spark, Trino and Polars", async () => {
  await withLake(async (root, out) => {
    const batches = await writeHistory(root);
    const pin = await pinSnapshot(WHERE, { root, id: "x1" });
    const ex = await exportSnapshot(pin, out, { view: "bars_snap" });
    const dir = join(root, "curated/test/bars_minute");
    // The committed files, from the folders (the test's own listing, not the manifest).
    const onDisk: string[] = [];
    for (const p of Deno.readDirSync(dir)) {
      for (const f of Deno.readDirSync(join(dir, p.name))) onDisk.push(join(dir, p.name, f.name));
    }
    // Nothing was replaced since the last write rewrote day 1: every file on disk is pinned.
    const tsv = Deno.readTextFileSync(ex.list).trimEnd().split("\n");
    assertEquals(tsv[0], "uri\tpartition\tsha256\trows\tbytes");
    const listed = tsv.slice(1).map((l) => l.split("\t"));
    assertEquals(listed.map((l) => l[0]).sort(), onDisk.sort());
    let rows = 0;
    for (const [uri, part, sha, n, bytes] of listed) {
      const b = Deno.readFileSync(uri!);
      assertEquals(sha, await sha256Hex(b));
      assertEquals(Number(bytes), b.length);
      assertEquals(Number(n), pl.readParquet(uri!).height);
      assertEquals(uri!.split("/").at(-2), part);
      rows += Number(n);
    }
    assertEquals(rows, expected(batches).length);
    // Polars through the plain list (what the README shows): the expected rows.
    const df = pl.concat(listed.map((l) => pl.readParquet(l[0]!)), { how: "diagonal" });
    assertEquals(df.height, expected(batches).length);
    // Spark: one glob alternation naming each pinned file once, with basePath.
    const spark = Deno.readTextFileSync(ex.spark);
    for (const [uri] of listed) {
      const rel = uri!.slice(dir.length + 1);
      assertEquals(spark.split(rel).length - 1, 2, `${rel} in the glob and the explicit list`);
    }
    assert(spark.includes(`basePath '${dir}'`));
    assert(spark.includes("USING parquet"));
    // Trino: a symlink table, one partition per partition folder, manifests with the URIs.
    const trino = Deno.readTextFileSync(ex.trino);
    assert(trino.includes("SymlinkTextInputFormat"));
    const parts = [...new Set(listed.map((l) => l[1]!))].sort();
    assertEquals(parts, ["date=2024-03-08", "date=2024-03-11"]);
    assertEquals((trino.match(/ADD PARTITION/g) ?? []).length, parts.length);
    for (const p of parts) {
      const m = Deno.readTextFileSync(join(ex.symlinkDir, p, "manifest")).trimEnd().split("\n");
      assertEquals(m.sort(), listed.filter((l) => l[1] === p).map((l) => l[0]!).sort());
    }
    // An s3:// root: addresses built from the root string.
    const s3 = await exportSnapshot(pin, join(out, "s3"), {
      root: "s3://bucket/lake/",
      view: "bars_s3",
      verify: false,
    });
    const s3list = Deno.readTextFileSync(s3.list).trimEnd().split("\n").slice(1);
    for (const l of s3list) {
      assert(
        /^s3:\/\/bucket\/lake\/curated\/test\/bars_minute\/date=2024-03-(08|11)\/part-[0-9a-f]{16}\.parquet\t/
          .test(l),
        l,
      );
    }
    assert(Deno.readTextFileSync(s3.duckdb).includes("httpfs"));
  });
});

Deno.test("snapshot: versions that cannot be pinned, bad ids, asOf without known_at, expiry and gc", async () => {
  await withLake(async (root) => {
    await writeHistory(root);
    // Version 1's only file was replaced by write 2 (no pin held it): a clear error.
    const e1 = await assertRejects(() => pinSnapshot(WHERE, { root, version: 1 }), SnapshotError);
    assert(/version 1: 1 of its 1 files are no longer on disk/.test(e1.message), e1.message);
    assert(e1.message.includes("replaced by entry 2, a write"), e1.message);
    assert(e1.message.includes("pin the latest version (4)"), e1.message);
    const e9 = await assertRejects(() => pinSnapshot(WHERE, { root, version: 9 }), SnapshotError);
    assert(e9.message.includes("has 4 entries (versions 1..4)"), e9.message);
    await assertRejects(() => pinSnapshot(WHERE, { root, version: 0 }), RangeError);
    await assertRejects(() => pinSnapshot(WHERE, { root, id: "../x" }), RangeError);
    await assertRejects(
      () => pinSnapshot({ ...WHERE, dataset: "nothing_here" }, { root }),
      SnapshotError,
      "has no manifest",
    );
    // Version 2's files are still all there (writes 3 and 4 replaced nothing).
    const v2 = await pinSnapshot(WHERE, { root, version: 2, id: "v2" });
    assertEquals(v2.rows, 45 + 30);
    await assertRejects(() => pinSnapshot(WHERE, { root, id: "v2" }), SnapshotError, "exists");
    // An expiring pin stops holding files once expired; gc removes its record.
    const now = new Date();
    await pinSnapshot(WHERE, {
      root,
      id: "short",
      expiresAt: new Date(now.getTime() + 3_600_000),
    });
    assertEquals((await listSnapshotPins(WHERE, root)).map((p) => p.id), ["short", "v2"]);
    const gc = await gcSnapshots(WHERE, { root, now: new Date(now.getTime() + 7_200_000) });
    assertEquals(gc.expiredPins, ["short"]);
    assertEquals((await listSnapshotPins(null, root)).map((p) => p.id), ["v2"]);
    // A raw dataset without known_at cannot be pinned as of an instant.
    const raw = { ...BARS, zone: "raw" as const, schema: { ...BARS.schema } };
    delete (raw.schema as Record<string, string>).known_at;
    await writeDataset(raw, bars(["AAA"], 3, DAY1).drop("known_at"), { ...W, root });
    await assertRejects(
      () => pinSnapshot(raw, { root, asOf: new Date(DAY1) }),
      SnapshotError,
      "has no known_at column",
    );
    // A damaged pin record stops a removal instead of guessing what it held.
    Deno.writeTextFileSync(join(metaDir(WHERE, root), "pins", "bad.json"), "{not json");
    await assertRejects(
      () => writeDataset(BARS, bars(["AAA"], 30, DAY1, 500), { ...W, root }),
      Error,
      "bad.json",
    );
  });
});

Deno.test("snapshot task: --help, bad arguments exit 2 with one line, pin + export + list + unpin + gc", async () => {
  await withLake(async (root, out) => {
    await writeHistory(root);
    const task = new URL("../../tasks/snapshot.ts", import.meta.url).pathname;
    const run = async (args: string[]) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--frozen", task, ...args],
        env: { TZ: "UTC", WORKBENCH_DATA: root },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const d = new TextDecoder();
      // Deno's own note when processes started together wait for node_modules is not the task's.
      const err = d.decode(o.stderr).split("\n").filter((l) => !l.includes("waiting for file lock"))
        .join("\n").trim();
      return { code: o.code, out: d.decode(o.stdout), err };
    };
    const h = await run(["--help"]);
    assertEquals(h.code, 0);
    assert(h.out.includes("deno task snapshot <command>") && h.out.includes("--as-of"));
    const cases = [
      [["pin"], "pin needs --dataset"],
      [["frobnicate"], 'unknown command "frobnicate"'],
      [["pin", "--dataset", "test/bars_minute", "--version", "0"], "must be at least 1"],
      [["pin", "--dataset", "test/bars_minute", "--as-of", "soon"], "--as-of"],
      [["pin", "--dataset", "test/bars_minute", "--expires", "2001-01-01"], "in the past"],
      [["list", "--id", "x"], "list does not take --id"],
      [["export", "--dataset", "test/bars_minute", "--id", "x"], "export needs --out"],
      [["pin", "--dataset", "view:daily"], "a view cannot be pinned"],
      [["pin", "--dataset", "a/b/c/d"], "Invalid dataset"],
      [["pin", "--nope"], "--nope"],
    ] as const;
    // Usage errors happen before any I/O: run them side by side.
    const results = await Promise.all(cases.map(([bad]) => run([...bad])));
    cases.forEach(([bad, says], k) => {
      const r = results[k]!;
      assertEquals(r.code, 2, `${bad.join(" ")}: ${r.err}`);
      assertEquals(r.err.split("\n").length, 1, r.err);
      assert(r.err.includes(says), `${bad.join(" ")}: ${r.err}`);
    });
    // A version that cannot be pinned: exit 1, one line naming the reason.
    const old = await run(["pin", "--dataset", "test/bars_minute", "--version", "1"]);
    assertEquals(old.code, 1);
    assertEquals(old.err.split("\n").length, 1, old.err);
    assert(old.err.includes("no longer on disk"), old.err);
    const p = await run([
      "pin",
      "--dataset",
      "test/bars_minute",
      "--id",
      "cli",
      "--as-of",
      "2024-03-08T14:50:00Z",
      "--out",
      out,
      "--json",
    ]);
    assertEquals(p.code, 0, p.err);
    const summary = JSON.parse(p.out);
    assertEquals(summary.pin.id, "cli");
    assertEquals(summary.pin.version, 4);
    assertEquals(
      await duckRows(summary.export.duckdb, summary.export.view),
      expected(
        [
          bars(["AAA", "BBB"], 30, DAY1),
          bars(["AAA"], 30, DAY1 + 15 * MIN, 200),
        ],
        DAY1 + 20 * MIN,
      ),
    );
    const l = await run(["list"]);
    assertEquals(l.code, 0);
    assert(l.out.includes("pin cli: version 4 of 4"), l.out);
    assertEquals((await run(["unpin", "--dataset", "test/bars_minute", "--id", "cli"])).code, 0);
    const g = await run(["gc"]);
    assertEquals(g.code, 0, g.err);
    assert(g.out.includes("gc: 0 files deleted"), g.out);
    assertEquals(await listSnapshotPins(WHERE, root), []);
  });
});

// S3 + PostgreSQL: pins live in the catalog (lake_pin) and replaced objects wait out a grace
// period (lake_garbage) before a later writer or gc deletes them, never while pinned.
lakeTest(
  "s3: a pinned object survives writes and gc; unpinned replaced objects go after the grace, by gc or the next writer",
  async (lake) => {
    const root = lake.root;
    const saved = Deno.env.get("WORKBENCH_S3_DELETE_GRACE_S");
    Deno.env.set("WORKBENCH_S3_DELETE_GRACE_S", "600");
    const DS = "curated/test/bars_minute";
    // A fixed ingestion instant: the same rows give the same bytes, hence the same file name.
    const WI = { ...W, ingestedAt: new Date(0) };
    const keys = async () =>
      [...(await lake.stored()).keys()].filter((k) => k.startsWith(`${DS}/`)).sort();
    const fileOf = async () => {
      const f = (await committedState(BARS, root)).files;
      assertEquals(f.length, 1);
      return `${DS}/${f[0]!.partition}/${f[0]!.file}`;
    };
    try {
      // Each write rewrites the same 5 rows with new closes: it replaces the previous file.
      await writeDataset(BARS, bars(["A"], 5, DAY1, 100), { ...WI, root });
      const f1 = await fileOf();
      const pin = await pinSnapshot(WHERE, { root, id: "p1" });
      assertEquals([pin.root, pin.version, pin.files.length], [root, 1, 1]);
      assertEquals((await listSnapshotPins(WHERE, root)).map((p) => p.id), ["p1"]);
      await assertRejects(() => pinSnapshot(WHERE, { root, id: "p1" }), SnapshotError, "exists");
      await writeDataset(BARS, bars(["A"], 5, DAY1, 200), { ...WI, root });
      const f2 = await fileOf();
      await writeDataset(BARS, bars(["A"], 5, DAY1, 300), { ...WI, root });
      const f3 = await fileOf();
      // Nothing deleted yet: f1 is pinned, f2 is within its grace.
      assertEquals(await keys(), [f1, f2, f3].sort());
      // A reader that listed version 2 a moment ago still reads it whole (within the grace).
      await lake.dropCache();
      const st2 = foldManifest(
        JSON.parse(`[${(await lake.manifestText(DS)).split("\n").join(",")}]`).slice(0, 2),
      );
      const [p2] = await localFiles(BARS, st2.files, { root });
      const closes = pl.readParquet(p2!).getColumn("close").toArray() as number[];
      assertEquals(closes.map((c) => Math.round(c)), [200, 200, 200, 200, 200]);
      // verify counts neither the pinned nor the waiting object as an orphan.
      assertEquals((await verifyDataset(BARS, { root, orphanGraceMs: 0 })).problems, []);
      // gc before the grace is over deletes nothing; 11 minutes later it deletes f2, keeps f1.
      const early = await gcSnapshots(WHERE, { root });
      assertEquals([early.deleted, early.kept, early.waiting], [[], [lake.addr(f1)], [
        lake.addr(f2),
      ]]);
      const later = new Date(Date.now() + 11 * MIN);
      const g1 = await gcSnapshots(WHERE, { root, now: later });
      assertEquals([g1.deleted, g1.kept], [[lake.addr(f2)], [lake.addr(f1)]]);
      assertEquals(await keys(), [f1, f3].sort());
      // Unpinned, f1 goes at the next gc.
      await unpinSnapshot(WHERE, "p1", root);
      assertEquals(await listSnapshotPins(WHERE, root), []);
      const g2 = await gcSnapshots(WHERE, { root, now: later });
      assertEquals([g2.deleted, g2.kept], [[lake.addr(f1)], []]);
      assertEquals(await keys(), [f3]);
      // The next writer deletes what is past its grace (here 1 s) in its own commit.
      Deno.env.set("WORKBENCH_S3_DELETE_GRACE_S", "1");
      await writeDataset(BARS, bars(["A"], 5, DAY1, 400), { ...WI, root });
      const f4 = await fileOf();
      assertEquals(await keys(), [f3, f4].sort());
      await new Promise((r) => setTimeout(r, 1_100));
      await writeDataset(BARS, bars(["B"], 2, DAY2), { ...WI, root }); // a new partition
      assertEquals((await keys()).includes(f3), false);
      assertEquals((await keys()).includes(f4), true);
      // A file committed again under the same content-addressed name is never deleted as garbage.
      await writeDataset(BARS, bars(["A"], 5, DAY1, 300), { ...WI, root }); // f3's bytes again
      assertEquals((await committedState(BARS, root)).files.some((f) => f3.endsWith(f.file)), true);
      await new Promise((r) => setTimeout(r, 1_100));
      await gcSnapshots(WHERE, { root });
      assert((await keys()).includes(f3), "recommitted f3 kept");
      assertEquals((await readDataset(BARS, { root })).height, 7);
      assertEquals((await verifyDataset(BARS, { root, orphanGraceMs: 0 })).problems, []);
    } finally {
      if (saved === undefined) Deno.env.delete("WORKBENCH_S3_DELETE_GRACE_S");
      else Deno.env.set("WORKBENCH_S3_DELETE_GRACE_S", saved);
    }
  },
  ["s3+pg"],
);
