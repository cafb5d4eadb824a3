import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  committedFiles,
  committedState,
  compactDataset,
  type DatasetSpec,
  openLake,
  parquetScanSql,
  readDataset,
  SchemaError,
  setWatermark,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { BARS, bars } from "./_fixtures.ts";
import { assertStoredMatchesState, type Lake, lakeTest, runProc } from "./_backends.ts";

// The lake suite, run on every backend (a local folder, and S3 on radosgw + a PostgreSQL
// catalog; see _backends.ts). Expected values are hand-worked from the fixture (bars(): one row
// per minute from 14:30Z on 2024-03-08, known_at = ts + 60 s); stored bytes are read through the
// store (folder or bucket), not through the lake code.

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };

const DS = "curated/test/bars_minute";

async function withLocalLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "lake-test-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Stored data files and committed manifest of the dataset, for "nothing changed" checks. */
async function storedState(lake: Lake, ds = DS): Promise<[string[], string]> {
  const files = [...await lake.stored()].filter(([k]) => k.startsWith(`${ds}/`))
    .map(([k, b]) => `${k}:${b.length}:${Array.from(b.slice(0, 64)).join(",")}`).sort();
  return [files, await lake.manifestText(ds)];
}

/** Each committed file of a dataset, with its frame read from a local copy. */
async function committedFrames(spec: DatasetSpec, root: string) {
  const st = await committedState(spec, root);
  const paths = await committedFiles(spec, { root });
  assertEquals(paths.length, st.files.length);
  return st.files.map((f, i) => ({ f, df: pl.readParquet(paths[i]!) }));
}

lakeTest(
  "write then read returns the rows with lineage, partitioned by New York date",
  async (lake) => {
    const root = lake.root;
    // 23:00 UTC on 2024-03-08 is 18:00 New York the same day; 05:00Z on 03-09 is 00:00 NY 03-09.
    const df = pl.concat([bars(["A"], 2), bars(["A"], 2, Date.UTC(2024, 2, 9, 5, 0))]);
    const r = await writeDataset(BARS, df, { ...W, root });
    assertEquals(r.rowsWritten, 4);
    assertEquals(r.partitions, ["date=2024-03-08", "date=2024-03-09"]);
    const out = await readDataset(BARS, { root });
    assertEquals(out.height, 4);
    for (const c of ["ingested_at", "source_uri", "transform_id"]) {
      assert(out.columns.includes(c), c);
    }
    assertEquals(out.getColumn("transform_id").get(0), "test@1");
    const st = await committedState(BARS, root);
    assertEquals(st.rows, 4);
    assertEquals(st.files.length, 2);
    assertEquals(st.min_time, "2024-03-08T14:30:00.000Z");
  },
);

lakeTest("same write twice: identical files and manifest (idempotent)", async (lake) => {
  const root = lake.root;
  await writeDataset(BARS, bars(["A", "B"], 50), { ...W, root });
  const s1 = await storedState(lake);
  assert(s1[0].length === 1 && s1[1].includes('"write_id"'), "one file, one entry");
  const r2 = await writeDataset(BARS, bars(["A", "B"], 50), {
    ...W,
    root,
    ingestedAt: new Date(5),
  });
  assert(r2.noop);
  assertEquals(await storedState(lake), s1);
});

lakeTest(
  "the same input into two fresh lakes (this one and a local one) gives byte-identical data files",
  async (lake) => {
    await writeDataset(BARS, bars(["A", "B"], 30), { ...W, root: lake.root });
    const here = (await committedState(BARS, lake.root)).files.map((f) => f.sha256);
    await withLocalLake(async (root) => {
      await writeDataset(BARS, bars(["A", "B"], 30), { ...W, root });
      assertEquals(here, (await committedState(BARS, root)).files.map((f) => f.sha256));
    });
    await assertStoredMatchesState(lake, BARS);
  },
);

lakeTest(
  "natural-key dedup: last row in a batch wins, a later batch replaces stored rows",
  async (lake) => {
    const root = lake.root;
    const a = bars(["A"], 3);
    const dup = a.slice(1, 1).withColumns(pl.lit(999).alias("close"));
    await writeDataset(BARS, pl.concat([a, dup]), { ...W, root });
    let out = await readDataset(BARS, { root });
    assertEquals(out.height, 3);
    assertEquals(out.getColumn("close").toArray()[1], 999);
    // A later write changes one stored row and adds a new one.
    const later = pl.concat([
      a.slice(0, 1).withColumns(pl.lit(5).alias("close")),
      bars(["A"], 1, Date.UTC(2024, 2, 8, 15, 0)),
    ]);
    const r = await writeDataset(BARS, later, { ...W, root });
    assertEquals(r.rowsWritten, 2);
    assertEquals(r.filesRemoved.length, 1); // partition rewritten
    out = await readDataset(BARS, { root });
    assertEquals(out.height, 4);
    assertEquals(out.getColumn("close").toArray()[0], 5);
    assertEquals((await committedState(BARS, root)).rows, 4);
  },
);

lakeTest(
  "pure appends add a file; compaction merges without changing rows or totals",
  async (lake) => {
    const root = lake.root;
    for (let i = 0; i < 4; i++) {
      await writeDataset(BARS, bars(["A"], 10, Date.UTC(2024, 2, 8, 14, 30) + i * 600_000), {
        ...W,
        root,
      });
    }
    const before = await committedState(BARS, root);
    assertEquals(before.files.length, 4);
    const rowsBefore = await readDataset(BARS, { root, dropLineage: true });
    const c = await compactDataset(BARS, { root });
    assertEquals(c.filesBefore, 4);
    assertEquals(c.filesAfter, 1);
    const after = await committedState(BARS, root);
    assertEquals(after.rows, before.rows);
    assertEquals(after.min_time, before.min_time);
    assertEquals(after.max_time, before.max_time);
    assert((await readDataset(BARS, { root, dropLineage: true })).frameEqual(rowsBefore));
    // One stored file, holding the committed bytes (the replaced ones are gone from the store).
    await assertStoredMatchesState(lake, BARS);
    assertEquals([...(await lake.stored()).keys()].filter((k) => k.startsWith(DS)).length, 1);
  },
);

lakeTest("asOf hides rows not yet known; start/end filter event time", async (lake) => {
  const root = lake.root;
  await writeDataset(BARS, bars(["A"], 10), { ...W, root });
  const asOf = new Date(Date.UTC(2024, 2, 8, 14, 35)); // bars 14:30..14:34 are known by 14:35
  const out = await readDataset(BARS, { root, asOf });
  assertEquals(out.height, 5);
  const win = await readDataset(BARS, {
    root,
    start: new Date(Date.UTC(2024, 2, 8, 14, 32)),
    end: new Date(Date.UTC(2024, 2, 8, 14, 34)),
  });
  assertEquals(win.height, 2);
  // The watermark is recorded with the dataset's committed state.
  await setWatermark(BARS, "2024-03-08T21:00:00.000Z", { root });
  assertEquals((await committedState(BARS, root)).watermark, "2024-03-08T21:00:00.000Z");
});

lakeTest(
  "schema evolution: new nullable column accepted; type change and drop refused",
  async (lake) => {
    const root = lake.root;
    await writeDataset(BARS, bars(["A"], 3), { ...W, root });
    const extra = bars(["A"], 3, Date.UTC(2024, 2, 8, 16)).withColumns(pl.lit(1.5).alias("vwap"));
    await writeDataset(BARS, extra, { ...W, root });
    assertEquals((await committedState(BARS, root)).schema.vwap, "f64");
    const all = await readDataset(BARS, { root });
    assertEquals(all.getColumn("vwap").nullCount(), 3);
    const retyped = bars(["A"], 1, Date.UTC(2024, 2, 8, 17)).withColumns(pl.lit("x").alias("vwap"));
    await assertRejects(
      () => writeDataset(BARS, retyped, { ...W, root }),
      SchemaError,
      "changes type from f64 to str",
    );
    const dropped = bars(["A"], 1, Date.UTC(2024, 2, 8, 17)).drop("volume");
    await assertRejects(
      () => writeDataset(BARS, dropped, { ...W, root }),
      SchemaError,
      `"volume" (f64) is missing`,
    );
    const lenient: DatasetSpec = { ...BARS, allowDropColumn: true, allowTypeChange: true };
    await writeDataset(lenient, dropped, { ...W, root });
    await writeDataset(lenient, retyped, { ...W, root });
    assertEquals((await committedState(BARS, root)).schema.vwap, "str");
  },
);

lakeTest(
  "bad input: uncastable column and null keys are refused with the column named",
  async (lake) => {
    const root = lake.root;
    const bad = bars(["A"], 2).withColumns(pl.lit("abc").alias("close"));
    await assertRejects(
      () => writeDataset(BARS, bad, { ...W, root }),
      SchemaError,
      `column "close"`,
    );
    const nullKey = bars(["A"], 2).withColumns(pl.Series("symbol", ["A", null]));
    await assertRejects(
      () => writeDataset(BARS, nullKey, { ...W, root }),
      SchemaError,
      `key column "symbol" has 1 null`,
    );
    await assertRejects(
      () =>
        writeDataset({ ...BARS, schema: { symbol: "str", ts: "ts_ms" } }, bars(["A"], 1), {
          ...W,
          root,
        }),
      TypeError,
      "known_at",
    );
  },
);

lakeTest("empty dataset reads as an empty frame; empty write is a no-op", async (lake) => {
  const root = lake.root;
  assertEquals((await readDataset(BARS, { root })).height, 0);
  const r = await writeDataset(BARS, bars(["A"], 0), { ...W, root });
  assert(r.noop);
});

lakeTest("secrets in source_uri are redacted in rows and manifest", async (lake) => {
  const root = lake.root;
  await writeDataset(BARS, bars(["A"], 2), {
    ...W,
    root,
    sourceUri: "https://api.x/v2?apiKey=SECRET123456&x=1",
  });
  const out = await readDataset(BARS, { root });
  assertEquals(out.getColumn("source_uri").get(0), "https://api.x/v2?apiKey=***&x=1");
  const m = await lake.manifestText(DS);
  assert(m.includes("apiKey=***") && !m.includes("SECRET123456"), m);
});

lakeTest(
  "two concurrent writer processes: writers take turns (lock file or catalog row), nothing is lost",
  async (lake) => {
    const root = lake.root;
    const f = new URL("./_concurrent_writer.ts", import.meta.url).pathname;
    const outs = await Promise.all(["AAA", "BBB"].map((s) => runProc(lake, [f, root, s]).output()));
    for (const o of outs) assertEquals(o.code, 0, new TextDecoder().decode(o.stderr));
    // Each writes 5 batches of 20 new rows: 200 rows in 10 entries, none lost.
    const st = await committedState(BARS, root);
    assertEquals([st.rows, st.entries], [200, 10]);
    assertEquals((await readDataset(BARS, { root })).height, 200);
    await assertStoredMatchesState(lake, BARS);
  },
);

lakeTest(
  "a writer killed at random points leaves old-or-new data and a consistent manifest",
  async (lake) => {
    const root = lake.root;
    const proc = new URL("./_writer_proc.ts", import.meta.url).pathname;
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const KILLS = 12;
    for (let k = 0; k < KILLS; k++) {
      const child = runProc(lake, [proc, root]);
      await new Promise((r) => setTimeout(r, 350 + rand() * 900));
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel();
      await child.stderr.cancel();
      const out = await readDataset(BARS, { root });
      // Every batch writes the same 600 keys; a consistent partition has all of them, one close level.
      if (out.height > 0) {
        assertEquals(out.height, 600, `kill ${k}: ${out.height} rows`);
        const closes = out.getColumn("close").toArray() as number[];
        const level = Math.round((closes[0]! - 0) / 100);
        assert(
          closes.every((c, i) => Math.abs(c - (level * 100 + Math.floor(i / 2) * 0.01)) < 1e-9),
          `kill ${k}: mixed batches`,
        );
      }
      const st = await committedState(BARS, root);
      assertEquals(
        st.rows,
        out.height,
        `kill ${k}: manifest rows ${st.rows} vs data ${out.height}`,
      );
      // Stored files: exactly the committed ones on a local lake (a killed write's temporaries
      // never count); on S3 a write killed after its uploads leaves unreferenced objects,
      // invisible to readers, which verify reports.
      await assertStoredMatchesState(lake, BARS, lake.kind === "local");
    }
  },
);

// Local only: an s3:// lake has no lock file (writers serialise on a catalog row lock, which
// PostgreSQL releases when the holder's connection drops; see the kill tests above).
lakeTest(
  "an empty lock left by a writer killed before it wrote its name is taken over",
  async (lake) => {
    const root = lake.root;
    const meta = `${root}/_meta/curated/test/bars_minute`;
    Deno.mkdirSync(meta, { recursive: true });
    Deno.writeTextFileSync(`${meta}/lock`, "");
    const old = new Date(Date.now() - 60_000);
    Deno.utimeSync(`${meta}/lock`, old, old);
    const r = await writeDataset(BARS, bars(["A"], 3), { ...W, root, lock: { timeoutMs: 3_000 } });
    assertEquals(r.rowsWritten, 3);
    // A lock held by a live process (this one) is not taken over.
    Deno.writeTextFileSync(`${meta}/lock`, `${Deno.pid}@${Deno.hostname()}@x`);
    await assertRejects(
      () => writeDataset(BARS, bars(["B"], 3), { ...W, root, lock: { timeoutMs: 300 } }),
      Error,
      "Cannot lock",
    );
  },
  ["local"],
);

/** Rows of (symbol, ts, close) as a frame of the BARS spec. */
function rowsFrame(rows: [string, number, number][]): pl.DataFrame {
  const ts = rows.map((r) => r[1]);
  return pl.DataFrame([
    pl.Series("symbol", rows.map((r) => r[0])),
    pl.Series("ts", ts).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
    pl.Series("close", rows.map((r) => r[2])),
    pl.Series("volume", rows.map(() => 1)),
    pl.Series("known_at", ts.map((t) => t + 60_000)).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
  ]);
}

lakeTest(
  "batches in any order (sorted, reversed, duplicated, interleaved days) land as a plain last-wins reference says",
  async (lake) => {
    const day = (d: number, min: number) => Date.UTC(2024, 2, 4 + d, 14, 30 + min); // NY mornings
    const cases: [string, [string, number, number][]][] = [
      // One symbol, whole days given out of day order, each strictly increasing (slices, no sort).
      ["days out of order", [
        ...[0, 1, 2].map((m): [string, number, number] => ["A", day(2, m), 20 + m]),
        ...[0, 1, 2].map((m): [string, number, number] => ["A", day(0, m), m]),
        ...[0, 1].map((m): [string, number, number] => ["A", day(1, m), 10 + m]),
      ]],
      // One symbol, one day reversed with a duplicate key (the later row must win).
      ["reversed with duplicate", [
        ["A", day(0, 0), 1],
        ["A", day(0, 1), 2],
        ["A", day(1, 2), 32],
        ["A", day(1, 1), 31],
        ["A", day(1, 2), 99],
        ["A", day(1, 0), 30],
      ]],
      // Two symbols, days interleaved (not contiguous), a duplicate across the interleaving.
      ["interleaved symbols and days", [
        ["B", day(1, 0), 5],
        ["A", day(0, 0), 1],
        ["B", day(0, 0), 2],
        ["A", day(1, 0), 3],
        ["A", day(0, 0), 7],
        ["A", day(0, 1), 8],
      ]],
    ];
    for (const [n, [name, rows]] of cases.entries()) {
      {
        const spec = { ...BARS, dataset: `bars_case${n}` };
        const root = lake.root;
        const w = await writeDataset(spec, rowsFrame(rows), { ...W, root });
        // Reference: last row per (symbol, ts) wins; order by ts then symbol.
        const last = new Map<string, [string, number, number]>();
        for (const r of rows) last.set(`${r[0]}|${r[1]}`, r);
        const want = [...last.values()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
        assertEquals(w.rowsIn, want.length, name);
        const got = (await readDataset(spec, { root, dropLineage: true }))
          .sort(["ts", "symbol"]);
        assertEquals(got.getColumn("symbol").toArray(), want.map((r) => r[0]), name);
        assertEquals(
          got.getColumn("ts").cast(pl.Float64).toArray() as number[],
          want.map((r) => r[1]),
          name,
        );
        assertEquals(got.getColumn("close").toArray(), want.map((r) => r[2]), name);
        // Every data file is in time order with unique keys (rows of one instant keep their
        // input order when their keys are already unique), and the manifest's time bounds are the
        // file's.
        for (const { f, df } of await committedFrames(spec, root)) {
          const ts = df.getColumn("ts").cast(pl.Float64).toArray() as number[];
          const sym = df.getColumn("symbol").toArray() as string[];
          for (let i = 1; i < ts.length; i++) assert(ts[i]! >= ts[i - 1]!, name);
          assertEquals(new Set(ts.map((t, i) => `${sym[i]}|${t}`)).size, ts.length, name);
          assertEquals(f.rows, ts.length);
          assertEquals(f.min_time, new Date(ts[0]!).toISOString());
          assertEquals(f.max_time, new Date(ts.at(-1)!).toISOString());
          assertEquals(f.codec, "zstd");
        }
        await assertStoredMatchesState(lake, spec);
      }
    }
  },
);

lakeTest("an lz4 dataset records its codec and reads back in Polars and DuckDB", async (lake) => {
  const root = lake.root;
  const spec: DatasetSpec = { ...BARS, dataset: "bars_lz4", codec: "lz4" };
  const df = bars(["A", "B"], 40);
  await writeDataset(spec, df, { ...W, root });
  const st = await committedState(spec, root);
  assertEquals(st.files.map((f) => f.codec), ["lz4"]);
  const back = await readDataset(spec, { root, dropLineage: true });
  assertEquals(back.height, 80);
  const sum = (df.getColumn("close").toArray() as number[]).reduce((a, b) => a + b, 0);
  // Plain DuckDB over the committed files' local copies (the query console's Catalog confines
  // reads to a local lake's folder, so it is not the tool here).
  await openLake(root, { fetch: true });
  const inst = await DuckDBInstance.create(":memory:");
  const cat = await inst.connect();
  const query = async (sql: string) => (await cat.runAndReadAll(sql)).getRowObjects();
  try {
    const r = await query(
      `SELECT count(*)::BIGINT AS n, sum(close) AS s FROM ${parquetScanSql(spec, root)}`,
    );
    assertEquals(Number(r[0]!.n), 80);
    assert(Math.abs(Number(r[0]!.s) - sum) < 1e-9 * sum);
    const path = (await committedFiles(spec, { root }))[0]!.replaceAll("'", "''");
    const m = await query(
      `SELECT DISTINCT compression::VARCHAR AS c FROM parquet_metadata('${path}')`,
    );
    assertEquals(m.map((x) => String(x.c)), ["LZ4_RAW"]);
  } finally {
    cat.closeSync();
    inst.closeSync();
  }
});

lakeTest(
  "year partitions: one file per partition per write; a rewrite of several days keeps one row per key",
  async (lake) => {
    const root = lake.root;
    const spec: DatasetSpec = {
      zone: "raw",
      source: "test",
      dataset: "bars_day",
      partitioning: "year",
      timeColumn: "date",
      naturalKey: ["symbol", "date"],
      schema: { symbol: "str", date: "date", close: "f64" },
    };
    const days = ["2023-01-03", "2023-01-04", "2023-12-29", "2024-01-02"];
    const mk = (base: number) =>
      pl.DataFrame({ symbol: days.map(() => "A"), date: days, close: days.map((_, i) => base + i) })
        .withColumns(pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"));
    const w1 = await writeDataset(spec, mk(10), { ...W, root });
    assertEquals(w1.filesAdded.map((f) => f.split("/")[0]), ["year=2023", "year=2024"]);
    const w2 = await writeDataset(spec, mk(20), { ...W, root });
    assertEquals(w2.filesAdded.length, 2);
    assertEquals(w2.filesRemoved.length, 2);
    const df = (await readDataset(spec, { root })).sort("date");
    assertEquals(df.height, 4);
    assertEquals(df.getColumn("close").toArray(), [20, 21, 22, 23]);
  },
);

lakeTest(
  "successive writes overlapping in time: new keys append without a rewrite, a changed row rewrites, the lake equals a last-wins reference",
  async (lake) => {
    const root = lake.root;
    const t0 = Date.UTC(2024, 2, 4, 14, 30); // one New York session day
    const ms = (k: number) => t0 + k * 1000;
    // Each batch is in time order; instants repeat across symbols and across batch borders.
    const batches: { rows: [string, number, number][]; expect: "append" | "rewrite" | "noop" }[] = [
      {
        rows: [["A", ms(0), 1], ["B", ms(0), 2], ["A", ms(1), 3], ["B", ms(2), 4]],
        expect: "append",
      },
      // starts at the last stored instant with a new key (B@1 is new, A@2 new)
      { rows: [["B", ms(1), 5], ["A", ms(2), 6], ["A", ms(3), 7]], expect: "append" },
      // repeats stored rows unchanged and adds later ones
      { rows: [["A", ms(3), 7], ["B", ms(3), 8], ["B", ms(4), 9]], expect: "append" },
      // the same rows again: nothing to do
      { rows: [["A", ms(3), 7], ["B", ms(3), 8], ["B", ms(4), 9]], expect: "noop" },
      // inside the stored range: a changed row (A@1 3 -> 30) and a new key (C@1)
      { rows: [["A", ms(1), 30], ["C", ms(1), 10]], expect: "rewrite" },
      // equal instants given in reverse symbol order: unique keys, appended as given
      { rows: [["C", ms(5), 11], ["B", ms(5), 12], ["A", ms(5), 13]], expect: "append" },
    ];
    const ref = new Map<string, number>();
    for (const [i, b] of batches.entries()) {
      const w = await writeDataset(BARS, rowsFrame(b.rows), { ...W, root });
      const kind = w.noop ? "noop" : w.filesRemoved.length > 0 ? "rewrite" : "append";
      assertEquals(kind, b.expect, `batch ${i}`);
      for (const [s, t, c] of b.rows) ref.set(`${s}|${t}`, c);
      const got = (await readDataset(BARS, { root, dropLineage: true })).sort(["ts", "symbol"]);
      const want = [...ref.entries()].map(([k, c]) => {
        const [s, t] = k.split("|");
        return [Number(t), s!, c] as const;
      }).sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
      assertEquals(got.getColumn("symbol").toArray(), want.map((r) => r[1]), `batch ${i}`);
      assertEquals(
        got.getColumn("ts").cast(pl.Float64).toArray() as number[],
        want.map((r) => r[0]),
        `batch ${i}`,
      );
      assertEquals(got.getColumn("close").toArray(), want.map((r) => r[2]), `batch ${i}`);
      assertEquals(
        (await committedState(BARS, root)).rows,
        want.length,
        `manifest rows after batch ${i}`,
      );
      for (const { f, df } of await committedFrames(BARS, root)) {
        const ts = df.getColumn("ts").cast(pl.Float64).toArray() as number[];
        for (let k = 1; k < ts.length; k++) assert(ts[k]! >= ts[k - 1]!, `file in time order`);
        assertEquals(f.min_time, new Date(ts[0]!).toISOString());
        assertEquals(f.max_time, new Date(ts.at(-1)!).toISOString());
      }
    }
  },
);

lakeTest(
  "a write that fails before its commit point removes its temporaries and changes nothing",
  async (lake) => {
    const root = lake.root;
    await writeDataset(BARS, bars(["A"], 5), { ...W, root });
    const before = await storedState(lake);
    await assertRejects(
      () =>
        writeDataset(BARS, bars(["B"], 5), {
          ...W,
          root,
          onStep: (s) => {
            if (s === "files-written") throw new Error("disk full (test)");
          },
        }),
      Error,
      "disk full",
    );
    assertEquals(await storedState(lake), before);
    // No temporary left in the local folder (the lake, or an S3 lake's mirror).
    const tmps: string[] = [];
    for (const e of Deno.readDirSync(`${lake.local}/${DS}`)) {
      if (!e.isDirectory) continue;
      for (const f of Deno.readDirSync(`${lake.local}/${DS}/${e.name}`)) {
        if (f.name.endsWith(".tmp")) tmps.push(f.name);
      }
    }
    assertEquals(tmps, []);
    // The lock was released: the next write goes through.
    const w = await writeDataset(BARS, bars(["B"], 5), { ...W, root });
    assertEquals(w.rowsWritten, 5);
  },
);

lakeTest(
  "lineage: new and changed rows carry their write's, unchanged stored rows keep theirs (append and rewrite paths)",
  async (lake) => {
    const root = lake.root;
    const lin = async () => {
      const out = (await readDataset(BARS, { root })).sort("ts");
      return out.select("close", "source_uri", "transform_id").rows().map((r) => r.join("|"));
    };
    await writeDataset(BARS, bars(["A"], 3), { ...W, root, sourceUri: "test://a" });
    // Append path: the new minutes after the stored ones get the second write's lineage.
    await writeDataset(BARS, bars(["A"], 5), {
      ...W,
      root,
      sourceUri: "test://b",
      transformId: "test@2",
    });
    assertEquals(await lin(), [
      "100|test://a|test@1",
      "100.01|test://a|test@1",
      "100.02|test://a|test@1",
      "100.03|test://b|test@2",
      "100.04|test://b|test@2",
    ]);
    // Rewrite path: minute 2 changes (its row takes the new lineage), minute 6 is new.
    const next = bars(["A"], 6).withColumns(
      pl.when(pl.col("close").eq(100.01)).then(pl.lit(99.5)).otherwise(pl.col("close"))
        .alias("close"),
    );
    const r = await writeDataset(BARS, next, {
      ...W,
      root,
      sourceUri: "test://c",
      transformId: "test@3",
    });
    assertEquals(r.rowsWritten, 2);
    assertEquals(await lin(), [
      "100|test://a|test@1",
      "99.5|test://c|test@3",
      "100.02|test://a|test@1",
      "100.03|test://b|test@2",
      "100.04|test://b|test@2",
      "100.05|test://c|test@3",
    ]);
  },
);
