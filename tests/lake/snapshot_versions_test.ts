// Trial 11 finding 1: snapshot exports of a versioned user dataset (key symbol, date, known_at)
// returned every version of a revised row (250 rows for 249 dates, sum(close) 15407.0882). Every
// export now keeps the latest version per (symbol, date) (<= the pin's as-of) and states that
// count and the stored versions; datasetQuality counts latest versions only. Expected figures:
// tests/fixtures/trial11/expected_versions.json (pandas on the CSV files, not this code).
import pl from "nodejs-polars";
import { DuckDBInstance } from "@duckdb/node-api";
import { assert, assertEquals } from "../_assert.ts";
import { exportSnapshot, pinSnapshot } from "../../lib/lake/snapshot.ts";
import { entityKey } from "../../lib/lake/versions.ts";
import { ingestBarsFile, userBarsSpec } from "../../lib/ingest/user_file.ts";
import { loadDataset } from "../../lib/dataset/load.ts";
import { datasetQuality } from "../../lib/quality/report.ts";

const FIX = new URL("../fixtures/trial11/", import.meta.url).pathname;
const EXPECTED = JSON.parse(Deno.readTextFileSync(`${FIX}expected_versions.json`)) as {
  rows: number;
  dates: number;
  stored_versions: number;
  sum_close_original: number;
  sum_close_corrected: number;
  sum_close_every_version: number;
  close_original: number;
  close_corrected: number;
};
const WHERE = { zone: "curated", source: "user", dataset: "msft" } as const;
const T1 = new Date("2026-01-05T12:00:00Z");
const T2 = new Date("2026-02-10T12:00:00Z"); // the revision is known from this ingest instant

async function withLake(fn: (root: string, out: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "snapshot-versions-" });
  const out = await Deno.makeTempDir({ prefix: "snapshot-versions-out-" });
  try {
    await fn(root, out);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
}

/** MSFT, then the corrected file (one close revised): 250 stored versions of 249 dates. */
async function ingestRevised(root: string): Promise<void> {
  const o = { dataset: "msft", symbol: "MSFT", root };
  await ingestBarsFile(`${FIX}msft.csv`, { ...o, now: T1 });
  const v2 = await ingestBarsFile(`${FIX}msft_corrected.csv`, { ...o, now: T2 });
  assertEquals(v2.versions?.revised, 1);
}

/** Sums to 6 decimals (summation order differs between engines). */
const round = (x: number) => Math.round(x * 1e6) / 1e6;

interface Figures {
  rows: number;
  dates: number;
  sum: number;
  close0830: number[];
}

/** Run an exported DuckDB file in a fresh in-memory DuckDB and measure the view. */
async function duckFigures(sqlFile: string, view: string): Promise<Figures> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    await conn.run(Deno.readTextFileSync(sqlFile));
    const r = (await conn.runAndReadAll(
      `SELECT count(*)::INT AS n, count(DISTINCT (symbol, "date"))::INT AS d, sum(close) AS s
       FROM "${view}"`,
    )).getRowObjectsJS()[0] as Record<string, unknown>;
    const c = (await conn.runAndReadAll(
      `SELECT close FROM "${view}" WHERE "date" = DATE '2001-08-30' ORDER BY close`,
    )).getRowObjectsJS().map((x) => (x as { close: number }).close);
    return { rows: Number(r.n), dates: Number(r.d), sum: round(Number(r.s)), close0830: c };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The same figures from loadDataset (the workbench's own reader). */
async function loadedFigures(root: string, asOf?: string): Promise<Figures> {
  const d = await loadDataset(
    { source: "lake", dataset: "user/msft", adjust: "raw", ...(asOf ? { asOf } : {}) },
    { root },
  );
  const f = d.frame;
  const on = f.filter(pl.col("date").cast(pl.Utf8).eq(pl.lit("2001-08-30")));
  return {
    rows: f.height,
    dates: new Set(f.getColumn("date").cast(pl.Utf8).toArray()).size,
    sum: round(f.getColumn("close").sum() as number),
    close0830: on.getColumn("close").toArray() as number[],
  };
}

function assertFigures(got: Figures, rows: number, sum: number, close: number, what: string) {
  assertEquals(got.rows, rows, `${what}: rows`);
  assertEquals(got.dates, rows, `${what}: one row per (symbol, date)`);
  assertEquals(round(got.sum), round(sum), `${what}: sum(close)`);
  assertEquals(got.close0830, [close], `${what}: the 2001-08-30 close`);
}

Deno.test("snapshot (trial 11 #1): the DuckDB export of a revised user dataset keeps the latest version per (symbol, date)", () =>
  withLake(async (root, out) => {
    await ingestRevised(root);
    const spec = userBarsSpec("msft", true, { partitioning: "year" });
    assert(entityKey(spec) !== null, "the user dataset is versioned");
    const pin = await pinSnapshot(WHERE, { root, id: "latest" });
    // The files hold every version: that is what the old export read (250 rows, 15407.0882).
    assertEquals(pin.rows, EXPECTED.stored_versions);
    const ex = await exportSnapshot(pin, out);
    const duck = await duckFigures(ex.duckdb, ex.view);
    assertFigures(
      duck,
      EXPECTED.rows,
      EXPECTED.sum_close_corrected,
      EXPECTED.close_corrected,
      "DuckDB export",
    );
    assert(round(duck.sum) !== round(EXPECTED.sum_close_every_version));
    // The same figures as the workbench's reader.
    assertEquals(duck, await loadedFigures(root));
    const sql = Deno.readTextFileSync(ex.duckdb);
    assert(
      sql.includes(
        `QUALIFY row_number() OVER (PARTITION BY "symbol", "date" ORDER BY "known_at" DESC) = 1`,
      ),
      sql,
    );
    assert(
      sql.includes(
        `must be ${EXPECTED.rows} (one row per key; ${EXPECTED.stored_versions} stored versions)`,
      ),
      sql,
    );
    assert(sql.includes("Versioned dataset"), sql);

    // As of an instant before the revision was known: the old value, still 249 rows.
    const before = new Date(T2.getTime() - 1000);
    const pinOld = await pinSnapshot(WHERE, { root, id: "before", asOf: before });
    const exOld = await exportSnapshot(pinOld, out);
    const old = await duckFigures(exOld.duckdb, exOld.view);
    assertFigures(
      old,
      EXPECTED.rows,
      EXPECTED.sum_close_original,
      EXPECTED.close_original,
      "DuckDB export as of before the revision",
    );
    assertEquals(old, await loadedFigures(root, before.toISOString()));
    // As of after the revision: the known_at filter alone would give both versions again.
    const pinNew = await pinSnapshot(WHERE, { root, id: "after", asOf: T2 });
    const exNew = await exportSnapshot(pinNew, out);
    assertFigures(
      await duckFigures(exNew.duckdb, exNew.view),
      EXPECTED.rows,
      EXPECTED.sum_close_corrected,
      EXPECTED.close_corrected,
      "DuckDB export as of the revision",
    );
  }));

Deno.test("snapshot (trial 11 #1): Spark, Trino and Polars exports of a versioned dataset pick the latest version and state both counts", () =>
  withLake(async (root, out) => {
    await ingestRevised(root);
    const pin = await pinSnapshot(WHERE, { root, id: "v", asOf: T2 });
    const ex = await exportSnapshot(pin, out, { view: "msft_v" });
    const n = EXPECTED.rows, stored = EXPECTED.stored_versions;
    const spark = Deno.readTextFileSync(ex.spark);
    // A window in a subquery over the files view, after the as-of filter; rank 1 kept.
    assert(
      spark.includes(
        "SELECT *, row_number() OVER (PARTITION BY `symbol`, `date` ORDER BY `known_at` DESC) AS `__version_rank`\n  FROM `msft_v_files`\n  WHERE `known_at` <= TIMESTAMP '2026-02-10 12:00:00.000+00:00'",
      ),
      spark,
    );
    assert(spark.includes("WHERE `__version_rank` = 1;"), spark);
    assert(spark.includes(`-- must be ${stored} (every stored version)`), spark);
    assert(spark.includes(`must be ${n} (one row per key; ${stored} stored versions)`), spark);
    assert(!spark.includes("SELECT * FROM `msft_v_files`"), spark);
    // The view returns the dataset's columns (and the partition column), not the rank.
    for (const c of ["`close`", "`known_at`", "`source_uri`", "`year`"]) {
      assert(spark.split("FROM (")[0]!.includes(c), `${c} in the Spark select list`);
    }
    const trino = Deno.readTextFileSync(ex.trino);
    assert(
      trino.includes(
        `SELECT *, row_number() OVER (PARTITION BY "symbol", "date" ORDER BY "known_at" DESC) AS "__version_rank"\n  FROM hive.default."msft_v"\n  WHERE "known_at" <= TIMESTAMP '2026-02-10 12:00:00.000'`,
      ),
      trino,
    );
    assert(trino.includes(`WHERE "__version_rank" = 1;`), trino);
    assert(trino.includes(`SELECT count(*) FROM hive.default."msft_v";  -- must be ${stored}`));
    assert(
      trino.includes(
        `SELECT count(*) FROM hive.default."msft_v_asof";  -- must be ${n} (one row per key`,
      ),
      trino,
    );
    // Polars (Python): the files, the as-of filter, the latest version per key, the count.
    const py = Deno.readTextFileSync(ex.polars);
    assert(py.includes(`pl.col("known_at").dt.epoch("ms") <= ${T2.getTime()}`), py);
    assert(
      py.includes(
        `lf.filter(pl.col("known_at") == pl.col("known_at").max().over(["symbol", "date"]))`,
      ),
      py,
    );
    assert(py.includes(`assert msft_v.height == ${n}`), py);
    for (const line of Deno.readTextFileSync(ex.list).trimEnd().split("\n").slice(1)) {
      assert(py.includes(JSON.stringify(line.split("\t")[0])), "every pinned file listed");
    }
    // The same expression in nodejs-polars over the pinned files gives the loaded figures.
    const files = Deno.readTextFileSync(ex.list).trimEnd().split("\n").slice(1).map((l) =>
      l.split("\t")[0]!
    );
    const df = pl.concat(files.map((f) => pl.readParquet(f)), { how: "diagonal" })
      .filter(pl.col("known_at").cast(pl.Int64).ltEq(T2.getTime()))
      .filter(pl.col("known_at").eq(pl.col("known_at").max().over("symbol", "date")));
    assertEquals(df.height, n);
    assertEquals(round(df.getColumn("close").sum() as number), round(EXPECTED.sum_close_corrected));
  }));

Deno.test("datasetQuality (trial 11 #1): a revised user dataset counts one row per (symbol, date)", () =>
  withLake(async (root) => {
    await ingestRevised(root);
    const spec = userBarsSpec("msft", true, { partitioning: "year" });
    const q = await datasetQuality(spec, {
      start: "2000-01-01",
      end: "2002-12-31",
      root,
      calendar: "none",
    });
    assertEquals(q.rows, EXPECTED.rows);
  }));

Deno.test("snapshot task (trial 11 #1): pin and export of a revised user dataset say how many rows the exports return", () =>
  withLake(async (root, out) => {
    await ingestRevised(root);
    const task = new URL("../../tasks/snapshot.ts", import.meta.url).pathname;
    const run = async (args: string[]) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--frozen", task, ...args],
        env: { TZ: "UTC", WORKBENCH_DATA: root },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: o.code, out: new TextDecoder().decode(o.stdout) };
    };
    const stored = `${EXPECTED.stored_versions} rows stored (${EXPECTED.rows} after the ` +
      "latest-version selection";
    const pin = await run(["pin", "--dataset", "user/msft", "--id", "now", "--out", out]);
    assertEquals(pin.code, 0);
    assert(pin.out.includes(stored), pin.out);
    // As of an instant before the revision's ingest: still one row per (symbol, date).
    const early = await run([
      "pin",
      "--dataset",
      "user/msft",
      "--id",
      "early",
      "--as-of",
      new Date(T2.getTime() - 1000).toISOString(),
    ]);
    assertEquals(early.code, 0);
    assert(early.out.includes(stored), early.out);
    const ex = await run(["export", "--dataset", "user/msft", "--id", "now", "--out", out]);
    assertEquals(ex.code, 0);
    assert(ex.out.includes(stored), ex.out);
  }));
