/**
 * `deno task verify [--repair]` end to end, and `verify --repair` re-curating damaged curated files
 * of a backfill (from a fixture server) from their raw rows: a lake equal to a clean run. The
 * refetch path (simulated market) is tested in tests/ingest/repair_test.ts.
 */
import pl from "nodejs-polars";
import { Secret } from "../../lib/core/secret.ts";
import { setLogSink } from "../../lib/core/log.ts";
import {
  committedState,
  datasetState,
  readDataset,
  verifyDataset,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { lakeTest } from "./_backends.ts";
import { PolygonClient } from "../../lib/sources/polygon.ts";
import { runBackfill } from "../../lib/ingest/backfill.ts";
import { polygonBarPipeline } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { assert, assertEquals } from "../_assert.ts";
import { FAKE_KEY, startFixture } from "../ingest/_fixture_server.ts";
import { BARS, bars } from "./_fixtures.ts";
import { verifyTask } from "../_verify_task.ts";

const TASK = new URL("../../tasks/verify.ts", import.meta.url).pathname;

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };

Deno.test("verify task: ok on a clean lake; names a changed file and a stray (exit 1); --repair quarantines both and names the lost rows' source", async () => {
  const root = await Deno.makeTempDir({ prefix: "verify-task-" });
  try {
    await writeDataset(BARS, bars(["A", "B"], 30), { ...W, root });
    await writeDataset(BARS, bars(["A"], 10, Date.UTC(2024, 2, 9, 14, 30)), { ...W, root });
    let r = verifyTask(root);
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes("ok       curated/test/bars_minute: 2 files, 70 rows"), r.stdout);
    const f = datasetState(BARS, root).files[0]!;
    const path = `${root}/curated/test/bars_minute/${f.partition}/${f.file}`;
    const bytes = Deno.readFileSync(path);
    bytes[100] = bytes[100]! ^ 0xff;
    Deno.writeFileSync(path, bytes);
    const stray = `${root}/curated/test/bars_minute/date=2024-03-09/extra.parquet`;
    bars(["Z"], 3).writeParquet(stray);
    r = verifyTask(root);
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(r.stdout.includes(`checksum ${path}`), r.stdout);
    assert(r.stdout.includes(`stray    ${stray}`), r.stdout);
    assert(r.stdout.includes("1 datasets checked; 2 open problems (run with --repair)"), r.stdout);
    // A dataset no pipeline can rebuild: the changed file is quarantined and reported lost with
    // its source (exit 1: rows were not restored), the stray quarantined.
    r = verifyTask(root, "--repair");
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(r.stdout.includes("repaired curated/test/bars_minute: 1 files, 10 rows"), r.stdout);
    assert(
      r.stdout.includes(
        `LOST      curated/test/bars_minute ${path}: 60 rows of 2024-03-08T14:30:00.000Z .. 2024-03-08T14:59:00.000Z not restored: no pipeline can rebuild this dataset; re-ingest test://unit`,
      ),
      r.stdout,
    );
    // The lost rows stay an open problem until written again (trial 11 finding 3).
    r = verifyTask(root);
    assertEquals(r.code, 1, r.stdout);
    assert(
      r.stdout.includes("60 rows of 2024-03-08T14:30:00.000Z..2024-03-08T14:59:00.000Z lost"),
      r.stdout,
    );
    // The quarantine holds both files, byte for byte what was there.
    const q = [...Deno.readDirSync(`${root}/_quarantine`)][0]!.name;
    const qdir = `${root}/_quarantine/${q}/curated/test/bars_minute`;
    assertEquals(Deno.readFileSync(`${qdir}/${f.partition}/${f.file}`), bytes);
    Deno.statSync(`${qdir}/date=2024-03-09/extra.parquet`);
    // The same writes again restore the clean lake.
    await writeDataset(BARS, bars(["A", "B"], 30), { ...W, root });
    assertEquals((await readDataset(BARS, { root })).height, 70);
    assertEquals((await verifyDataset(BARS, { root })).problems, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("verify task: the model registry's files are no dataset; --repair leaves them", async () => {
  const root = await Deno.makeTempDir({ prefix: "verify-task-" });
  try {
    await writeDataset(BARS, bars(["A"], 3), { ...W, root });
    // the registry's layout (lib/models/registry.ts registerModel): version folders, an index
    // and a lock folder, no manifest
    const v1 = `${root}/reference/models/ttrc_ridge/1`;
    Deno.mkdirSync(v1, { recursive: true });
    Deno.mkdirSync(`${root}/reference/models/_meta`, { recursive: true });
    Deno.writeFileSync(`${v1}/model.onnx`, new Uint8Array([8, 7, 18, 1, 0]));
    Deno.writeTextFileSync(`${v1}/model.json`, '{"name":"ttrc_ridge","version":1}\n');
    Deno.writeTextFileSync(`${root}/reference/models/index.json`, "[]\n");
    let r = verifyTask(root);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assert(!r.stdout.includes("reference/models"), r.stdout);
    assert(r.stdout.includes("1 datasets checked"), r.stdout);
    r = verifyTask(root, "--repair");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertEquals(Deno.readTextFileSync(`${v1}/model.json`), '{"name":"ttrc_ridge","version":1}\n');
    assertEquals(Deno.readFileSync(`${v1}/model.onnx`), new Uint8Array([8, 7, 18, 1, 0]));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("verify task: filters, and one line on a bad option (exit 2)", async () => {
  const root = await Deno.makeTempDir({ prefix: "verify-task-" });
  try {
    await writeDataset(BARS, bars(["A"], 3), { ...W, root });
    let r = verifyTask(root, "--zone", "raw");
    assertEquals([r.code, r.stdout.trim()], [0, `No datasets under ${root} match the filter`]);
    r = verifyTask(root, "--zone", "nope");
    assertEquals(r.code, 2);
    assertEquals(r.stderr.trim().split("\n").length, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("backfill, damage (flip, delete, stray, lost manifest), verify --repair, same backfill: equal to a clean run", async () => {
  const fx = startFixture({ pageSize: 500 });
  const prev = setLogSink(() => {});
  const pipeline = polygonBarPipeline("stock", "minute");
  const job = [{ pipeline, symbols: ["SPY", "QQQ"], start: "2024-01-02", end: "2024-01-05" }];
  const backfill = (root: string) =>
    runBackfill(job, {
      clients: {
        polygon: new PolygonClient({
          baseUrl: fx.baseUrl,
          apiKey: new Secret(FAKE_KEY),
          httpOptions: { backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 500, maxRetries: 6 },
        }),
      },
      root,
      workers: 2,
      quality: false,
    });
  const rows = async (
    root: string,
  ) => (await readDataset(pipeline.curatedSpec, { root, dropLineage: true }));
  const clean = await Deno.makeTempDir({ prefix: "verify-clean-" });
  const hurt = await Deno.makeTempDir({ prefix: "verify-hurt-" });
  try {
    await backfill(clean);
    const want = await rows(clean);
    assertEquals(want.height, 8 * 390);
    await backfill(hurt);
    const spec = pipeline.curatedSpec;
    const files = datasetState(spec, hurt).files;
    const dir = `${hurt}/${spec.zone}/${spec.source}/${spec.dataset}`;
    const at = (i: number) => `${dir}/${files[i]!.partition}/${files[i]!.file}`;
    const b = Deno.readFileSync(at(0));
    b[b.length >> 1] = b[b.length >> 1]! ^ 0x10;
    Deno.writeFileSync(at(0), b);
    Deno.removeSync(at(1));
    pl.readParquet(at(2)).writeParquet(`${dir}/${files[2]!.partition}/copy.parquet`);
    // The raw dataset loses its manifest (the registry knows its natural key).
    const raw = pipeline.rawSpec;
    Deno.removeSync(`${hurt}/_meta/${raw.zone}/${raw.source}/${raw.dataset}/manifest.jsonl`);
    const rawRows = (await readDataset(raw, { root: clean })).height;

    const r = verifyTask(hurt, "--repair");
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertEquals((await readDataset(raw, { root: hurt })).height, rawRows);
    // The two curated files were re-curated from the raw rows: equal before any backfill.
    assertEquals(r.stdout.match(/^ {2}recurated /gm)?.length, 2, r.stdout);
    let got = await rows(hurt);
    assert(got.frameEqual(want), `${got.height} rows vs ${want.height}`);
    // The same backfill again changes nothing.
    await backfill(hurt);
    got = await rows(hurt);
    assert(got.frameEqual(want), `${got.height} rows vs ${want.height}`);
    assertEquals(verifyTask(hurt).code, 0);
  } finally {
    setLogSink(prev);
    await fx.close();
    await Deno.remove(clean, { recursive: true });
    await Deno.remove(hurt, { recursive: true });
  }
});

lakeTest(
  "verify task on an s3:// lake: names a changed object (exit 1); --repair quarantines it in the bucket, drops it and names the lost rows",
  async (lake) => {
    const root = lake.root;
    await writeDataset(BARS, bars(["A", "B"], 30), { ...W, root });
    await writeDataset(BARS, bars(["A"], 10, Date.UTC(2024, 2, 9, 14, 30)), { ...W, root });
    const task = async (...args: string[]) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--frozen", TASK, ...args],
        env: { ...lake.env, WORKBENCH_DATA: root, WORKBENCH_DEBUG: "0" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const t = new TextDecoder();
      return { code: o.code, stdout: t.decode(o.stdout), stderr: t.decode(o.stderr) };
    };
    let r = await task();
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assert(r.stdout.includes("curated/test/bars_minute: 2 files, 70 rows"), r.stdout);
    const st = await committedState(BARS, root);
    const f8 = st.files.find((f) => f.partition === "date=2024-03-08")!;
    const rel = `curated/test/bars_minute/${f8.partition}/${f8.file}`;
    const bad = (await lake.stored()).get(rel)!.slice();
    bad[20] = bad[20]! ^ 1;
    await lake.tamper(rel, bad);
    r = await task();
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(r.stdout.includes(`checksum ${lake.addr(rel)}`), r.stdout);
    r = await task("--repair", "--no-refetch");
    assertEquals(r.code, 1, r.stdout + r.stderr); // 60 rows lost: open until re-ingested
    assert(r.stdout.includes("quarantined to s3://"), r.stdout);
    assert(/LOST .* 60 rows of 2024-03-08T14:30:00.000Z/.test(r.stdout), r.stdout);
    assert(r.stdout.includes("re-ingest test://unit"), r.stdout);
    const stored = await lake.stored();
    assertEquals([...stored.keys()].filter((k) => k.includes("_quarantine/")).length, 1);
    // The lost rows stay an open problem until written again (trial 11 finding 3), also when
    // the manifest lives in the PostgreSQL catalog.
    r = await task();
    assertEquals(r.code, 1, r.stdout + r.stderr);
    assert(r.stdout.includes("curated/test/bars_minute: 1 files, 10 rows"), r.stdout);
    assert(
      r.stdout.includes("60 rows of 2024-03-08T14:30:00.000Z..2024-03-08T14:59:00.000Z lost"),
      r.stdout,
    );
  },
  ["s3+pg"],
);
