/**
 * `deno task verify --repair` restores a damaged lake to a clean run: backfill a few datasets
 * from the simulated market, read every dataset and data file back, damage the lake (a byte flip
 * in a curated file, a deleted raw file, deleted raw and curated files of one session, a deleted
 * curated file of an unpartitioned dataset, a stray, a deleted manifest), run the task as a
 * subprocess, and compare every dataset value by value with the clean read. Also: a user
 * dataset is quarantined and reported with its source file; `--no-refetch` only quarantines.
 */
import pl from "nodejs-polars";
import { loadConfig } from "../../lib/config/config.ts";
import { setLogSink } from "../../lib/core/log.ts";
import {
  datasetState,
  listDatasets,
  readDataset,
  verifyDataset,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { backfillCommand } from "../../lib/ingest/commands.ts";
import { appendCheckpoint, doneUnits, readCheckpoint } from "../../lib/ingest/checkpoint.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { fileDates, knownSpecOf, parseUnitId, repairLake } from "../../lib/ingest/repair.ts";
import { assert, assertEquals } from "../_assert.ts";
import { rawSpyBars } from "./_harness.ts";
import { userCloseSpec } from "../dataset/_lake.ts";
import { verifyTask } from "../_verify_task.ts";

/** The task as a subprocess, with no vendor setting in its environment (simulated market). */

/** Every value of a frame, column by column, as JSON-comparable arrays. */
function values(df: pl.DataFrame): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const c of df.columns) {
    out[c] = (df.getColumn(c).toArray() as unknown[]).map((v) =>
      v instanceof Date ? v.toISOString() : typeof v === "bigint" ? v.toString() : v
    );
  }
  return out;
}

/** A dataset's rows without lineage, sorted by every column (so file order does not matter). */
async function rowsOf(root: string, d: { zone: string; source: string; dataset: string }) {
  const spec = knownSpecOf(d as never)!;
  const df = await readDataset(spec, { root, dropLineage: true });
  return df.height ? df.sort(df.columns) : df;
}

Deno.test("parseUnitId and fileDates: hand-worked cases", () => {
  assertEquals(parseUnitId("polygon/index_bars_day/I:VIX/2024-01-02..2024-03-28"), {
    id: "polygon/index_bars_day/I:VIX/2024-01-02..2024-03-28",
    source: "polygon",
    dataset: "index_bars_day",
    symbol: "I:VIX",
    start: "2024-01-02",
    end: "2024-03-28",
  });
  assertEquals(parseUnitId("polygon/x/A/B/2024-01-02..2024-01-02")?.symbol, "A/B");
  assertEquals(parseUnitId("polygon/x/2024-01-02..2024-01-02"), null);
  assertEquals(parseUnitId("polygon/x/A/2024-01-02"), null);
  // 2024-01-03 00:30Z is 2024-01-02 19:30 in New York: both dates may hold the row.
  assertEquals(
    fileDates({ min_time: "2024-01-03T00:30:00.000Z", max_time: "2024-01-03T20:59:00.000Z" }),
    ["2024-01-02", "2024-01-03"],
  );
  assertEquals(fileDates({ min_time: "2024-01-02", max_time: "2024-03-28" }), [
    "2024-01-02",
    "2024-03-28",
  ]);
  assertEquals(fileDates({ min_time: null, max_time: null }), null);
});

Deno.test("backfill from the simulated market, damage the lake, verify --repair (task): every dataset equals the clean run", async () => {
  const root = await Deno.makeTempDir({ prefix: "repair-lake-" });
  const prev = setLogSink(() => {});
  try {
    const config = loadConfig({ env: { WORKBENCH_DATA: root }, envFile: null });
    const jobs = [
      {
        source: "polygon",
        dataset: "stock_bars_minute",
        symbols: ["SPY", "QQQ"],
        start: "2024-01-02",
        end: "2024-01-05",
      },
      {
        source: "polygon",
        dataset: "index_bars_day",
        symbols: ["I:VIX"],
        start: "2024-01-02",
        end: "2024-03-28",
      },
      {
        source: "fred",
        dataset: "macro_observations",
        symbols: ["DGS10", "FEDFUNDS"],
        start: "2023-01-01",
        end: "2024-03-28",
      },
    ];
    for (const j of jobs) {
      const code = await backfillCommand({ ...j, quality: false, workers: 2 }, {
        sim: true,
        config,
        print: () => {},
      });
      assertEquals(code, 0, `${j.source}/${j.dataset}`);
    }
    // The clean lake, read back: every dataset, and every data file on its own.
    const datasets = listDatasets(root);
    const clean = new Map<string, Record<string, unknown[]>>();
    for (const d of datasets) {
      assert(knownSpecOf(d), `${d.zone}/${d.source}/${d.dataset} is a registry dataset`);
      clean.set(`${d.zone}/${d.source}/${d.dataset}`, values(await rowsOf(root, d)));
    }
    const key = (z: string, s: string, d: string) => `${z}/${s}/${d}`;
    // Four full sessions of SPY minute bars (the simulated market lists no QQQ: its units land
    // nothing, and are refetched all the same).
    const minute = clean.get(key("curated", "polygon", "stock_bars_minute"))!;
    assertEquals(minute.ts!.length, 4 * 390);
    assertEquals(new Set(minute.ticker), new Set(["SPY"]));
    for (const d of datasets) {
      for (const f of datasetState(d, root).files) {
        const path = `${root}/${d.zone}/${d.source}/${d.dataset}/${
          f.partition ? `${f.partition}/` : ""
        }${f.file}`;
        assertEquals(pl.readParquet(path).height, f.rows, path);
      }
    }
    const at = (z: string, s: string, d: string, partition: string) => {
      const f = datasetState({ zone: z as "raw", source: s, dataset: d }, root).files.filter((x) =>
        x.partition === partition
      );
      assertEquals(f.length, 1, `${z}/${s}/${d}/${partition}`);
      return `${root}/${z}/${s}/${d}/${partition ? `${partition}/` : ""}${f[0]!.file}`;
    };
    // 1. A flipped byte in a curated file (its raw rows are intact: re-curated).
    const flip = at("curated", "polygon", "stock_bars_minute", "date=2024-01-03");
    const b = Deno.readFileSync(flip);
    b[b.length >> 1] = b[b.length >> 1]! ^ 0x10;
    Deno.writeFileSync(flip, b);
    // 2. A deleted raw file (refetched: the units of 2024-01-04).
    Deno.removeSync(at("raw", "polygon", "stock_bars_minute", "date=2024-01-04"));
    // 3. Raw and curated files of one session deleted (refetched, then nothing to re-curate).
    Deno.removeSync(at("raw", "polygon", "stock_bars_minute", "date=2024-01-05"));
    Deno.removeSync(at("curated", "polygon", "stock_bars_minute", "date=2024-01-05"));
    // 4. The curated file of an unpartitioned dataset deleted (re-curated from all raw rows).
    Deno.removeSync(at("curated", "fred", "macro_observations", ""));
    // 5. A stray in a partition, and 6. a lost manifest (rebuilt from the data files).
    const stray = `${root}/curated/polygon/index_bars_day/year=2024/part-0000000000000000.parquet`;
    pl.DataFrame({ x: [1, 2] }).writeParquet(stray);
    Deno.removeSync(`${root}/_meta/raw/polygon/index_bars_day/manifest.jsonl`);

    let r = verifyTask(root);
    assertEquals(r.code, 1, r.stdout + r.stderr);
    const t0 = performance.now();
    r = verifyTask(root, "--repair");
    const repairMs = performance.now() - t0;
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const restore = r.stdout.slice(r.stdout.indexOf("restore:"));
    // Two raw files refetched (their units named); three curated files re-curated from raw,
    // one of which the refetch had already restored (nothing new to write).
    assertEquals(restore.match(/^ {2}refetched /gm)?.length, 2, restore);
    assertEquals(restore.match(/^ {2}recurated /gm)?.length, 3, restore);
    assert(
      /date=2024-01-03\/part-\w+\.parquet: re-curated 390 rows .* \(390 new or changed\)/.test(
        restore,
      ),
      restore,
    );
    assert(
      /date=2024-01-05\/part-\w+\.parquet: re-curated 390 rows .* \(0 new or changed\)/.test(
        restore,
      ),
      restore,
    );
    assert(
      restore.includes(
        "polygon/stock_bars_minute/QQQ/2024-01-04..2024-01-04, polygon/stock_bars_minute/SPY/2024-01-04..2024-01-04",
      ),
      restore,
    );
    assert(!/LOST|FAILED|STILL/.test(r.stdout), r.stdout);
    assert(r.stdout.includes(`stray    ${stray}`), r.stdout);
    // Nothing left to repair, and every dataset equals the clean run value by value.
    r = verifyTask(root);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    for (const d of listDatasets(root)) {
      const k = `${d.zone}/${d.source}/${d.dataset}`;
      assertEquals(values(await rowsOf(root, d)), clean.get(k)!, k);
    }
    // Exactly the refetched units were invalidated, then done again, in the job's checkpoint.
    const ckDir = `${root}/_meta/ingest/checkpoints`;
    const jobsSeen = [...Deno.readDirSync(ckDir)].map((e) => e.name).sort();
    assertEquals(jobsSeen.length, 3, "no repair checkpoint is left behind");
    const touched = jobsSeen.flatMap((n) =>
      readCheckpoint(n.slice(0, -6), root).filter((e) => e.status === "invalidated")
        .map((e) => e.unit)
    ).sort();
    assertEquals(touched, [
      "polygon/stock_bars_minute/QQQ/2024-01-04..2024-01-04",
      "polygon/stock_bars_minute/QQQ/2024-01-05..2024-01-05",
      "polygon/stock_bars_minute/SPY/2024-01-04..2024-01-04",
      "polygon/stock_bars_minute/SPY/2024-01-05..2024-01-05",
    ]);
    for (const n of jobsSeen) {
      const entries = readCheckpoint(n.slice(0, -6), root);
      for (const u of touched) {
        const last = entries.filter((e) => e.unit === u).at(-1);
        if (last) assertEquals(last.status, "done", u);
      }
    }
    console.log(`verify --repair (subprocess) took ${(repairMs / 1000).toFixed(1)} s`);
  } finally {
    setLogSink(prev);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("verify --repair: a user dataset is quarantined and its source file named (exit 1); --no-refetch only quarantines", async () => {
  const root = await Deno.makeTempDir({ prefix: "repair-user-" });
  try {
    const spec = userCloseSpec("my_bars", true);
    const df = (y: number) =>
      pl.DataFrame({
        symbol: ["A", "A", "B"],
        date: [`${y}-01-02`, `${y}-01-03`, `${y}-01-02`],
        close: [1, 2, 3],
        known_at: [Date.UTC(y, 0, 2, 21), Date.UTC(y, 0, 3, 21), Date.UTC(y, 0, 2, 21)],
      }).withColumns(
        pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"),
        pl.col("known_at").cast(pl.Datetime("ms", "UTC")),
      );
    await writeDataset(spec, df(2023), { transformId: "t@1", sourceUri: "file:///in/a.csv", root });
    await writeDataset(spec, df(2024), { transformId: "t@1", sourceUri: "file:///in/b.csv", root });
    const f = datasetState(spec, root).files.find((x) => x.partition === "year=2024")!;
    const path = `${root}/curated/user/my_bars/year=2024/${f.file}`;
    const bytes = Deno.readFileSync(path);
    bytes[40] = bytes[40]! ^ 0xff;
    Deno.writeFileSync(path, bytes);
    let r = verifyTask(root, "--repair", "--no-refetch");
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(
      r.stdout.includes(
        `LOST      curated/user/my_bars ${path}: 3 rows of 2024-01-02 .. 2024-01-03 not restored: --no-refetch: quarantined only; re-ingest file:///in/b.csv`,
      ),
      r.stdout,
    );
    // The lake is consistent again (the file is in the quarantine, byte for byte), but the rows
    // stay an open problem naming the file to re-ingest (trial 11 finding 3) ...
    r = verifyTask(root);
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(
      r.stdout.includes(
        "3 rows of 2024-01-02..2024-01-03 lost in a repair on ",
      ) && r.stdout.includes("re-ingest file:///in/b.csv"),
      r.stdout,
    );
    const q = [...Deno.readDirSync(`${root}/_quarantine`)][0]!.name;
    assertEquals(
      Deno.readFileSync(`${root}/_quarantine/${q}/curated/user/my_bars/year=2024/${f.file}`),
      bytes,
    );
    assertEquals((await readDataset(spec, { root })).height, 3);
    // ... and without --no-refetch a user dataset is reported the same way (nothing to refetch).
    const g = datasetState(spec, root).files[0]!;
    Deno.removeSync(`${root}/curated/user/my_bars/${g.partition}/${g.file}`);
    r = verifyTask(root, "--repair");
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(
      r.stdout.includes(
        "not restored: a user dataset cannot be refetched; re-ingest file:///in/a.csv",
      ),
      r.stdout,
    );
    assertEquals((await verifyDataset(spec, { root })).problems.map((p) => p.kind), [
      "lost",
      "lost",
    ]);
    // Bad arguments: one line, exit 2.
    r = verifyTask(root, "--no-refetch");
    assertEquals([r.code, r.stderr.trim().split("\n").length], [2, 1]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("verify --repair --no-refetch: a lost raw file's units (only those) are invalidated in the job checkpoint", async () => {
  const root = await Deno.makeTempDir({ prefix: "repair-norefetch-" });
  try {
    const p = pipelineFor("polygon", "stock_bars_minute");
    const w = { transformId: "t@1", sourceUri: "https://api.example/aggs", root };
    await writeDataset(p.rawSpec, rawSpyBars(3), w);
    await writeDataset(p.rawSpec, rawSpyBars(4), w);
    const done = (unit: string) => ({
      unit,
      status: "done" as const,
      rawRows: 2,
      curatedRows: -1,
      quarantined: 0,
      at: "2024-06-01T00:00:00.000Z",
    });
    const units = [
      "polygon/stock_bars_minute/SPY/2024-01-03..2024-01-03",
      "polygon/stock_bars_minute/SPY/2024-01-04..2024-01-04",
      "polygon/index_bars_minute/I:VIX/2024-01-04..2024-01-04",
    ];
    await appendCheckpoint("job-x", units.map(done), root);
    const f = datasetState(p.rawSpec, root).files.find((x) => x.partition === "date=2024-01-04")!;
    Deno.removeSync(`${root}/raw/polygon/stock_bars_minute/date=2024-01-04/${f.file}`);
    const r = verifyTask(root, "--repair", "--no-refetch");
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(
      r.stdout.includes(
        "not restored: --no-refetch: quarantined only; units invalidated in their job checkpoints, rerun the backfill with --resume: polygon/stock_bars_minute/SPY/2024-01-04..2024-01-04; re-ingest https://api.example/aggs",
      ),
      r.stdout,
    );
    // Only the unit of the lost session; the other dataset's unit of that day stays done.
    assertEquals([...doneUnits("job-x", root)].sort(), [units[2]!, units[0]!].sort());
    assertEquals(readCheckpoint("job-x", root).at(-1)!.status, "invalidated");
    // The rows stay an open problem until the resumed backfill lands them again.
    const after = verifyTask(root);
    assertEquals(after.code, 1, after.stdout);
    assert(after.stdout.includes("lost     "), after.stdout);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("verify --repair: a refetch that fails leaves the lost units invalidated (a resumed job reruns them) and reports the failure", async () => {
  const root = await Deno.makeTempDir({ prefix: "repair-fail-" });
  const prev = setLogSink(() => {});
  try {
    const p = pipelineFor("polygon", "stock_bars_minute");
    const w = { transformId: "t@1", sourceUri: "https://api.example/aggs", root };
    await writeDataset(p.rawSpec, rawSpyBars(3), w);
    await writeDataset(p.rawSpec, rawSpyBars(4), w);
    const units = [
      "polygon/stock_bars_minute/SPY/2024-01-03..2024-01-03",
      "polygon/stock_bars_minute/SPY/2024-01-04..2024-01-04",
    ];
    await appendCheckpoint(
      "job-y",
      units.map((unit) => ({
        unit,
        status: "done" as const,
        rawRows: 2,
        curatedRows: -1,
        quarantined: 0,
        at: "2024-06-01T00:00:00.000Z",
      })),
      root,
    );
    const f = datasetState(p.rawSpec, root).files.find((x) => x.partition === "date=2024-01-03")!;
    Deno.removeSync(`${root}/raw/polygon/stock_bars_minute/date=2024-01-03/${f.file}`);
    // A vendor that refuses connections (port 9, discard: nothing listens there).
    const config = loadConfig({
      env: {
        WORKBENCH_DATA: root,
        WORKBENCH_USE_SIM: "0",
        POLYGON_API_KEY: "test-key-not-secret",
        POLYGON_BASE_URL: "http://127.0.0.1:9",
      },
      envFile: null,
    });
    const r = await repairLake({
      root,
      config,
      http: { maxRetries: 0, timeoutMs: 2000, backoffBaseMs: 1 },
      stamp: "t1",
    });
    assertEquals(r.restored.length, 1);
    assertEquals([r.restored[0]!.how, r.restored[0]!.ok], ["refetched", false]);
    assert(
      r.restored[0]!.detail.startsWith(`refetch failed for ${units[0]}: `),
      r.restored[0]!.detail,
    );
    assert(!r.restored[0]!.detail.includes("test-key-not-secret"), "no key in the report");
    assert(r.open >= 1);
    // The lost unit is no longer done (a resumed job reruns it); the other one still is.
    assertEquals([...doneUnits("job-y", root)], [units[1]!]);
    // No repair checkpoint is left behind, and the lake itself is consistent; the rows the
    // refetch could not land stay an open problem (trial 11 finding 3).
    assertEquals(
      [...Deno.readDirSync(`${root}/_meta/ingest/checkpoints`)].map((e) => e.name),
      ["job-y.jsonl"],
    );
    const left = (await verifyDataset(p.rawSpec, { root })).problems;
    assertEquals(left.map((x) => x.kind), ["lost"]);
    assert(left[0]!.detail.includes("backfill --resume"), left[0]!.detail);
    assert(!left[0]!.detail.includes("test-key-not-secret"), "no key in the record");
  } finally {
    setLogSink(prev);
    await Deno.remove(root, { recursive: true });
  }
});
