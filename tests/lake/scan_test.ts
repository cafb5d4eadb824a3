import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import {
  type DatasetSpec,
  datasetState,
  fileBatches,
  IntegrityError,
  type ManifestFile,
  readDataset,
  readDatasetBatches,
  type ReadOptions,
  scanDataset,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { filePath } from "../../lib/lake/integrity.ts";
import { clearDecodedCache } from "../../lib/lake/scan.ts";
import { BARS, bars } from "./_fixtures.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
const LENIENT: DatasetSpec = { ...BARS, allowTypeChange: true, allowDropColumn: true };
const DAY = 86_400_000;

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "lake-scan-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/**
 * The eager reference: every committed file read whole with `readParquet`, cast to the recorded
 * types, concatenated, then filtered, sorted and projected (what readDataset did before scans).
 */
function eagerReference(spec: DatasetSpec, root: string, o: ReadOptions = {}): pl.DataFrame {
  const st = datasetState(spec, root);
  const types: Record<string, pl.DataType> = {
    f64: pl.Float64,
    str: pl.Utf8,
    ts_ms: pl.Datetime("ms", "UTC"),
  };
  const frames = st.files.map((f) => {
    const df = pl.readParquet(filePath(spec, f, root));
    return df.withColumns(
      ...df.columns.filter((c) => st.schema[c]).map((c) =>
        pl.col(c).cast(types[st.schema[c]!]!, false)
      ),
    );
  });
  if (frames.length === 0) return pl.DataFrame({});
  let df = pl.concat(frames, { how: "diagonal" });
  const ms = (d: Date) => pl.lit(d.getTime()).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  if (o.start) df = df.filter(pl.col("ts").gtEq(ms(o.start)));
  if (o.end) df = df.filter(pl.col("ts").lt(ms(o.end)));
  if (o.asOf) df = df.filter(pl.col("known_at").ltEq(ms(o.asOf)));
  if (o.symbols) df = df.filter(pl.col("symbol").isIn(o.symbols));
  df = df.sort(["ts", "symbol"]);
  if (o.dropLineage) df = df.drop("ingested_at", "source_uri", "transform_id");
  if (o.columns) df = df.select(...o.columns);
  return df;
}

function assertFramesEqual(a: pl.DataFrame, b: pl.DataFrame, what: string) {
  assertEquals(a.columns, b.columns, `${what}: columns`);
  assertEquals(a.dtypes.map(String), b.dtypes.map(String), `${what}: dtypes`);
  assertEquals(a.height, b.height, `${what}: rows`);
  assertEquals(a.toRecords(), b.toRecords(), `${what}: values`);
}

/** Three New York days of A, B, C; a fourth written later with a new column `vwap`. */
async function buildLake(root: string) {
  const d0 = Date.UTC(2024, 2, 6, 14, 30);
  for (let d = 0; d < 3; d++) {
    await writeDataset(BARS, bars(["A", "B", "C"], 6, d0 + d * DAY, 100 + d), { ...W, root });
  }
  const extra = bars(["A", "C"], 4, d0 + 5 * DAY, 200).withColumns(pl.lit(1.5).alias("vwap"));
  await writeDataset(BARS, extra, { ...W, root });
}

Deno.test("readDataset (a collected scan) equals the eager reference for every filter", () =>
  withLake(async (root) => {
    await buildLake(root);
    const cases: [string, ReadOptions][] = [
      ["all", {}],
      ["time window", {
        start: new Date(Date.UTC(2024, 2, 7, 14, 32)),
        end: new Date(Date.UTC(2024, 2, 11, 14, 31)),
      }],
      ["asOf", { asOf: new Date(Date.UTC(2024, 2, 7, 14, 33)) }],
      ["symbols", { symbols: ["B", "Z"] }],
      ["columns+lineage", { columns: ["ts", "close", "vwap"], dropLineage: true }],
      ["everything", {
        start: new Date(Date.UTC(2024, 2, 7)),
        asOf: new Date(Date.UTC(2024, 2, 12)),
        symbols: ["C"],
        columns: ["symbol", "ts", "vwap"],
        dropLineage: true,
      }],
    ];
    for (const [what, o] of cases) {
      assertFramesEqual(
        await readDataset(BARS, { ...o, root }),
        eagerReference(BARS, root, o),
        what,
      );
    }
    // hand counts: 3 days x 3 symbols x 6 bars + 2 symbols x 4 bars
    assertEquals((await readDataset(BARS, { root })).height, 62);
    const b = await readDataset(BARS, { root, symbols: ["B"] });
    assertEquals(b.height, 18);
    assertEquals(new Set(b.getColumn("symbol").toArray()), new Set(["B"]));
    // vwap only in the last write: null in the 54 earlier rows
    assertEquals((await readDataset(BARS, { root })).getColumn("vwap").nullCount(), 54);
  }));

Deno.test("smallFilesInMemory: small files decoded whole give the scan's frame for every filter", () =>
  withLake(async (root) => {
    await buildLake(root);
    const cases: ReadOptions[] = [
      {},
      {
        start: new Date(Date.UTC(2024, 2, 7, 14, 32)),
        end: new Date(Date.UTC(2024, 2, 11, 14, 31)),
      },
      { asOf: new Date(Date.UTC(2024, 2, 7, 14, 33)), symbols: ["B", "C"] },
      { columns: ["ts", "close", "vwap"], dropLineage: true },
    ];
    for (const o of cases) {
      const what = JSON.stringify(o);
      const mem = await scanDataset(BARS, { ...o, root, smallFilesInMemory: true });
      const lazy = await scanDataset(BARS, { ...o, root });
      // the files here are a few KB: none is scanned from Parquet with the option, all without
      assertEquals((mem.describeOptimizedPlan().match(/Parquet SCAN/g) ?? []).length, 0, what);
      assert((lazy.describeOptimizedPlan().match(/Parquet SCAN/g) ?? []).length > 0, what);
      assertFramesEqual(await mem.collect(), eagerReference(BARS, root, o), what);
      assertFramesEqual(await mem.collect(), await lazy.collect(), what);
    }
    // a file that cannot be decoded (checks off, so its bytes reach the decoder) names itself
    const f = datasetState(BARS, root).files.find((x) => x.partition === "date=2024-03-07")!;
    const path = filePath(BARS, f, root);
    Deno.writeFileSync(path, new Uint8Array(Deno.statSync(path).size)); // same size, no Parquet
    const e = await assertRejects(
      () => scanDataset(BARS, { root, verify: false, smallFilesInMemory: true }),
      IntegrityError,
    );
    assert((e as IntegrityError).message.includes(path), (e as Error).message);
  }));

Deno.test("decoded small files: a later read reuses them only for the same checked bytes", () =>
  withLake(async (root) => {
    await buildLake(root);
    const first = await readDataset(BARS, { root });
    // the same read again (frames of the decoded-file cache) gives the same rows
    assertFramesEqual(await readDataset(BARS, { root }), first, "second read");
    // a file swapped for another VALID Parquet file (another partition's bytes) after the read:
    // the check refuses it, the earlier decoded rows are never handed out for it
    const files = datasetState(BARS, root).files;
    const a = files.find((x) => x.partition === "date=2024-03-07")!;
    const b = files.find((x) => x.partition === "date=2024-03-08")!;
    Deno.copyFileSync(filePath(BARS, b, root), filePath(BARS, a, root));
    const e = await assertRejects(() => readDataset(BARS, { root }), IntegrityError);
    assert((e as Error).message.includes(filePath(BARS, a, root)), (e as Error).message);
    // with the checks off the new bytes are decoded (the cache is not consulted): b's rows twice
    const unchecked = await readDataset(BARS, { root, verify: false });
    assertEquals(unchecked.height, first.height - a.rows + b.rows);
    clearDecodedCache();
  }));

Deno.test("checks running ahead: of several changed files the error names the first in order", () =>
  withLake(async (root) => {
    await buildLake(root);
    const files = datasetState(BARS, root).files;
    assert(files.length >= 3, `${files.length} files`);
    // the LAST file's check fails first (a missing file fails at its lstat, before any read),
    // the second file's bytes are changed: the read names the second file, in file order
    const [, second, ...rest] = [...files].sort((a, b) => a.partition < b.partition ? -1 : 1);
    const bytes = Deno.readFileSync(filePath(BARS, second!, root));
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
    Deno.writeFileSync(filePath(BARS, second!, root), bytes);
    Deno.removeSync(filePath(BARS, rest[rest.length - 1]!, root));
    for (const smallFilesInMemory of [true, false]) {
      const e = await assertRejects(
        () => scanDataset(BARS, { root, smallFilesInMemory }),
        IntegrityError,
      );
      assert(
        (e as Error).message.includes(filePath(BARS, second!, root)),
        `${smallFilesInMemory}: ${(e as Error).message}`,
      );
    }
  }));

Deno.test("schema evolution: a type change is cast to the recorded type in every file", () =>
  withLake(async (root) => {
    await writeDataset(BARS, bars(["A"], 3).withColumns(pl.lit(2.5).alias("vwap")), {
      ...W,
      root,
    });
    const retyped = bars(["A"], 2, Date.UTC(2024, 2, 9, 15)).withColumns(
      pl.lit("x").alias("vwap"),
    );
    await writeDataset(LENIENT, retyped, { ...W, root });
    const df = await readDataset(BARS, { root });
    assertEquals(df.getColumn("vwap").dtype.variant, "String");
    assertEquals(df.getColumn("vwap").toArray(), ["2.5", "2.5", "2.5", "x", "x"]);
    assertFramesEqual(df, eagerReference(BARS, root), "retyped");
  }));

Deno.test("the scan's plan pushes projection and filters into every Parquet scan", () =>
  withLake(async (root) => {
    await buildLake(root);
    const lf = await scanDataset(BARS, {
      root,
      start: new Date(Date.UTC(2024, 2, 7)),
      end: new Date(Date.UTC(2024, 2, 9)),
      symbols: ["B"],
      asOf: new Date(Date.UTC(2030, 0, 1)),
      columns: ["ts", "close"],
    });
    const plan = lf.describeOptimizedPlan();
    // partition pruning: only 03-07 and 03-08 are opened (of 4 partitions)
    assertEquals((plan.match(/Parquet SCAN/g) ?? []).length, 2, plan);
    assert(!plan.includes("date=2024-03-06"), plan);
    // projection: ts, close, and the filter/sort columns symbol and known_at of 8
    assertEquals((plan.match(/PROJECT 4\/8 COLUMNS/g) ?? []).length, 2, plan);
    const sel = plan.split("\n").filter((l) => l.includes("SELECTION:"));
    assertEquals(sel.length, 2, plan);
    for (const l of sel) {
      for (const p of ['col("known_at")) <=', 'col("ts")) >=', 'col("ts")) <', "is_in"]) {
        assert(l.includes(p), `${p} not pushed into the scan: ${l}`);
      }
    }
    const df = await lf.collect();
    assertEquals(df.columns, ["ts", "close"]);
    assertEquals(df.height, 12); // 2 days x 6 bars of B
  }));

Deno.test("batches: in time order, within the row budget, concatenating to readDataset", () =>
  withLake(async (root) => {
    await buildLake(root);
    const o: ReadOptions = { symbols: ["A", "C"], dropLineage: true };
    const got: pl.DataFrame[] = [];
    for await (const b of readDatasetBatches(BARS, { ...o, root, batchRows: 20 })) got.push(b);
    // files of 18, 18, 18 and 8 rows; budget 20: 18 + 18 > 20 and 18 + 8 > 20, so one file each
    assertEquals(got.length, 4);
    assertEquals(got.map((b) => b.height), [12, 12, 12, 8]);
    assertFramesEqual(
      pl.concat(got, { how: "diagonal" }).select(...got[3]!.columns),
      (await readDataset(BARS, { ...o, root })).select(...got[3]!.columns),
      "batches",
    );
    const two: pl.DataFrame[] = [];
    for await (const b of readDatasetBatches(BARS, { root, batchRows: 40 })) two.push(b);
    assertEquals(two.map((b) => b.height), [36, 26]);
    // filters that leave nothing skip the batch
    const none: pl.DataFrame[] = [];
    for await (const b of readDatasetBatches(BARS, { root, symbols: ["Q"] })) none.push(b);
    assertEquals(none.length, 0);
  }));

function mf(partition: string, min: string, max: string, rows: number): ManifestFile {
  return {
    partition,
    file: `part-${min}.parquet`,
    rows,
    sha256: "0".repeat(64),
    min_time: min,
    max_time: max,
  };
}

Deno.test("fileBatches: cuts between partitions and between disjoint files, never inside an overlap", () => {
  const p1 = "date=2024-01-02", p2 = "date=2024-01-03";
  const files = [
    mf(p2, "2024-01-03T15", "2024-01-03T16", 5),
    mf(p1, "2024-01-02T14", "2024-01-02T18", 5), // overlaps the next one
    mf(p1, "2024-01-02T15", "2024-01-02T16", 5),
    mf(p1, "2024-01-02T19", "2024-01-02T20", 5), // after both
  ];
  const names = (g: ManifestFile[][]) => g.map((b) => b.map((f) => f.min_time!.slice(8)));
  assertEquals(names(fileBatches(files, { rows: 5 })), [
    ["02T14", "02T15"],
    ["02T19"],
    ["03T15"],
  ]);
  assertEquals(names(fileBatches(files, { rows: 15 })), [["02T14", "02T15", "02T19"], ["03T15"]]);
  assertEquals(names(fileBatches(files)), [["02T14", "02T15", "02T19", "03T15"]]);
  assertEquals(fileBatches([], { rows: 1 }), []);
  assertThrows(() => fileBatches(files, { rows: 0 }), RangeError, "must be positive");
});

Deno.test("a changed or missing file is an IntegrityError naming it, before any decoding", () =>
  withLake(async (root) => {
    await buildLake(root);
    const st = datasetState(BARS, root);
    const f = st.files.find((x) => x.partition === "date=2024-03-07")!;
    const path = filePath(BARS, f, root);
    const bytes = Deno.readFileSync(path);
    const flipped = bytes.slice();
    flipped[Math.floor(bytes.length / 2)]! ^= 0xff;
    Deno.writeFileSync(path, flipped);
    const e = await assertRejects(() => scanDataset(BARS, { root }), IntegrityError);
    assertEquals((e as IntegrityError).reason, "checksum");
    assert((e as IntegrityError).message.includes(path));
    // a read that prunes the changed file's partition is unaffected
    const other = await readDataset(BARS, { root, start: new Date(Date.UTC(2024, 2, 9)) });
    assertEquals(other.height, 8);
    Deno.removeSync(path);
    const m = await assertRejects(
      async () => {
        for await (const _ of readDatasetBatches(BARS, { root })) { /* consume */ }
      },
      IntegrityError,
    );
    assertEquals((m as IntegrityError).reason, "missing");
  }));

Deno.test("empty dataset, asOf without known_at, symbols without a symbol column", () =>
  withLake(async (root) => {
    const empty = await readDataset(BARS, { root });
    assertEquals([empty.height, empty.width], [0, 0]);
    const NOKA: DatasetSpec = {
      zone: "raw",
      source: "test",
      dataset: "series",
      partitioning: "none",
      timeColumn: "ts",
      naturalKey: ["ts"],
      schema: { ts: "ts_ms", value: "f64" },
    };
    const df = pl.DataFrame([
      pl.Series("ts", [0, 60_000]).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      pl.Series("value", [1, 2]),
    ]);
    await writeDataset(NOKA, df, { ...W, root });
    await assertRejects(
      () => readDataset(NOKA, { root, asOf: new Date(0) }),
      TypeError,
      "has no known_at column",
    );
    await assertRejects(
      () => readDataset(NOKA, { root, symbols: ["A"] }),
      TypeError,
      "has no symbol",
    );
    assertEquals((await readDataset(NOKA, { root, columns: ["value"] })).toRecords(), [
      { value: 1 },
      { value: 2 },
    ]);
  }));

Deno.test({
  name: "peak memory of reading one month follows the month, not the lake (5x vs 20x lake)",
  sanitizeResources: false,
  fn: () =>
    withLake(async (root) => {
      const { buildLake, measureRead } = await import("../../bench/lake_memory.ts");
      const SYMBOLS = 4;
      const MONTH = 2; // 2023-03: 23 NYSE sessions
      // min of two children: the peak of one run varies by a few MB with thread interleaving
      const peak = async (mode: "scan") => {
        const a = await measureRead(mode, root, MONTH);
        const b = await measureRead(mode, root, MONTH);
        assertEquals(a.rows, 23 * 390 * SYMBOLS, `${mode}: rows of March 2023`);
        return Math.min(a.peakBytes, b.peakBytes);
      };
      await buildLake(root, 0, 5, SYMBOLS);
      const scan5 = await peak("scan");
      const grown = await buildLake(root, 5, 20, SYMBOLS); // 15 more months, as frames
      const scan20 = await peak("scan");
      // The 20x lake holds `grown` more bytes than the 5x one (about 50 MB): a read whose memory
      // followed the lake would peak that much higher; one that follows the month, not at all.
      assert(grown > 40e6, `lake growth ${grown} bytes`);
      assert(
        Math.abs(scan20 - scan5) < 0.2 * grown,
        `peak ${scan5} -> ${scan20} bytes while the lake grew by ${grown}`,
      );
    }),
});
