// The lake suite against both backends: a local folder, and S3 (radosgw) + a PostgreSQL catalog.
// Expected values are hand-worked from the fixture (bars(): one row per minute from 14:30Z on
// 2024-03-08, known_at = ts + 60 s); stored bytes are checked through the store, not the lake code.
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  committedFiles,
  committedState,
  compactDataset,
  IntegrityError,
  openLake,
  parquetScanSql,
  PgCatalog,
  readDataset,
  setWatermark,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { sha256Hex } from "../../lib/core/fs.ts";
import { redact } from "../../lib/core/secret.ts";
import { BARS, bars } from "./_fixtures.ts";
import { backends, type Lake, withBackend } from "./_backends.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
const DATASET = "curated/test/bars_minute";

function lakeTest(name: string, fn: (lake: Lake) => Promise<void>) {
  for (const b of backends()) {
    Deno.test({
      name: `[${b.kind}] ${name}`,
      ignore: b.ignore,
      sanitizeResources: false,
      sanitizeOps: false,
      fn: () => withBackend(b.kind, fn),
    });
  }
}

/**
 * Every committed file's stored bytes hash to its recorded sha256, and (when `exact`) nothing
 * else is stored. A writer killed after uploading but before its commit leaves unreferenced
 * objects on S3 (invisible to readers): the kill test checks with `exact` false.
 */
async function assertStoredMatchesState(lake: Lake, exact = true) {
  const st = await committedState(BARS, lake.root);
  const stored = await lake.stored();
  const want = new Map(st.files.map((f) => [`${DATASET}/${f.partition}/${f.file}`, f.sha256]));
  if (exact) {
    assertEquals([...stored.keys()].sort(), [...want.keys()].sort(), "stored files = committed");
  }
  for (const [k, sha] of want) {
    const bytes = stored.get(k);
    assert(bytes, `committed file ${k} is stored`);
    assertEquals(await sha256Hex(bytes), sha, k);
  }
}

lakeTest("write then read: rows, lineage, partitions by New York date", async (lake) => {
  const root = lake.root;
  // 05:00Z on 03-09 is 00:00 New York on 03-09: a second partition.
  const df = pl.concat([bars(["A"], 2), bars(["A"], 2, Date.UTC(2024, 2, 9, 5, 0))]);
  const r = await writeDataset(BARS, df, { ...W, root });
  assertEquals(r.rowsWritten, 4);
  assertEquals(r.partitions, ["date=2024-03-08", "date=2024-03-09"]);
  const out = await readDataset(BARS, { root });
  assertEquals(out.height, 4);
  assertEquals(out.getColumn("transform_id").get(0), "test@1");
  const st = await committedState(BARS, root);
  assertEquals(st.rows, 4);
  assertEquals(st.files.length, 2);
  assertEquals(st.min_time, "2024-03-08T14:30:00.000Z");
  await assertStoredMatchesState(lake);
});

lakeTest("the same write twice changes nothing (no file, no catalog entry)", async (lake) => {
  const root = lake.root;
  await writeDataset(BARS, bars(["A", "B"], 50), { ...W, root });
  const before = await lake.stored();
  const e1 = (await committedState(BARS, root)).entries;
  const r2 = await writeDataset(BARS, bars(["A", "B"], 50), {
    ...W,
    root,
    ingestedAt: new Date(5),
  });
  assert(r2.noop);
  assertEquals((await committedState(BARS, root)).entries, e1);
  const after = await lake.stored();
  assertEquals([...after.keys()], [...before.keys()]);
});

lakeTest("dedup: last row of a batch wins; a later batch replaces stored rows", async (lake) => {
  const root = lake.root;
  const a = bars(["A"], 3);
  const dup = a.slice(1, 1).withColumns(pl.lit(999).alias("close"));
  await writeDataset(BARS, pl.concat([a, dup]), { ...W, root });
  let out = await readDataset(BARS, { root });
  assertEquals(out.getColumn("close").toArray(), [100, 999, 100.02]);
  const r = await writeDataset(BARS, bars(["A"], 3, undefined, 200), { ...W, root });
  assertEquals(r.rowsWritten, 3);
  assertEquals(r.filesRemoved.length, 1);
  out = await readDataset(BARS, { root });
  assertEquals(out.getColumn("close").toArray(), [200, 200.01, 200.02]);
  // The replaced file is gone from the store too.
  await assertStoredMatchesState(lake);
});

lakeTest("asOf hides rows known later; watermark is recorded", async (lake) => {
  const root = lake.root;
  await writeDataset(BARS, bars(["A"], 10), { ...W, root });
  // known_at runs 14:31 .. 14:40; as of 14:35 five rows are known.
  const asOf = new Date(Date.UTC(2024, 2, 8, 14, 35));
  assertEquals((await readDataset(BARS, { root, asOf })).height, 5);
  assertEquals((await readDataset(BARS, { root })).height, 10);
  await setWatermark(BARS, "2024-03-08T21:00:00.000Z", { root });
  assertEquals((await committedState(BARS, root)).watermark, "2024-03-08T21:00:00.000Z");
});

lakeTest("compaction keeps the rows and leaves one stored file per partition", async (lake) => {
  const root = lake.root;
  for (let i = 0; i < 3; i++) {
    await writeDataset(BARS, bars(["A"], 5, Date.UTC(2024, 2, 8, 14, 30) + i * 300_000), {
      ...W,
      root,
    });
  }
  assertEquals((await committedState(BARS, root)).files.length, 3);
  const c = await compactDataset(BARS, { root });
  assertEquals([c.filesBefore, c.filesAfter, c.rows], [3, 1, 15]);
  assertEquals((await readDataset(BARS, { root })).height, 15);
  await assertStoredMatchesState(lake);
});

lakeTest("a changed or missing stored file is refused with an IntegrityError", async (lake) => {
  const root = lake.root;
  await writeDataset(BARS, bars(["A"], 5), { ...W, root });
  const [rel] = [...(await lake.stored()).keys()];
  const good = (await lake.stored()).get(rel!)!;
  const bad = good.slice();
  bad[100] = bad[100]! ^ 0xff;
  await lake.tamper(rel!, bad);
  await lake.dropCache();
  const e = await assertRejects(() => readDataset(BARS, { root }), IntegrityError);
  assertEquals((e as IntegrityError).reason, "checksum");
  assert(e.message.includes(rel!.split("/").at(-1)!), e.message);
  await lake.remove(rel!);
  await lake.dropCache();
  const m = await assertRejects(() => readDataset(BARS, { root }), IntegrityError);
  assertEquals((m as IntegrityError).reason, "missing");
  // Put the right bytes back: readable again.
  await lake.tamper(rel!, good);
  assertEquals((await readDataset(BARS, { root })).height, 5);
});

lakeTest("DuckDB scan SQL lists the committed files as local readable paths", async (lake) => {
  const root = lake.root;
  await writeDataset(BARS, bars(["A"], 4), { ...W, root });
  await openLake(root, { fetch: true });
  const sql = parquetScanSql(BARS, root);
  const paths = await committedFiles(BARS, { root });
  assertEquals(paths.length, 1);
  assert(sql.includes(paths[0]!), sql);
  assert(Deno.statSync(paths[0]!).isFile);
});

function runProc(lake: Lake, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", ...args],
    env: lake.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

lakeTest("two concurrent writer processes: no lost write", async (lake) => {
  const root = lake.root;
  const here = new URL(".", import.meta.url).pathname;
  const ps = ["A", "B"].map((s) => runProc(lake, [`${here}_concurrent_writer.ts`, root, s]));
  const outs = await Promise.all(ps.map((p) => p.output()));
  for (const o of outs) assertEquals(o.code, 0, new TextDecoder().decode(o.stderr));
  // Each writes 5 batches of 20 new rows: 200 rows, 10 entries, none lost.
  const st = await committedState(BARS, root);
  assertEquals(st.rows, 200);
  assertEquals(st.entries, 10);
  assertEquals((await readDataset(BARS, { root })).height, 200);
});

lakeTest("a writer killed mid-write leaves one whole batch; the next write works", async (lake) => {
  const root = lake.root;
  const here = new URL(".", import.meta.url).pathname;
  const p = runProc(lake, [`${here}_writer_proc.ts`, root]);
  // Kill after a random number (2..4) of completed batches, at a random instant of the next.
  const target = 2 + Math.floor(Math.random() * 3);
  const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while ((text.match(/done/g) ?? []).length < target) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await new Promise((r) => setTimeout(r, Math.random() * 150));
  p.kill("SIGKILL");
  await p.status;
  await reader.cancel();
  await p.stderr.cancel();
  const out = await readDataset(BARS, { root });
  // Every batch rewrites the same 600 rows with closes 100*b + i*0.01: one batch, whole.
  assertEquals(out.height, 600);
  const closes = out.getColumn("close").toArray() as number[];
  const b = Math.round(closes[0]! / 100);
  assert(b >= target, `batch ${b} >= ${target}`);
  const ok = closes.every((c) => Math.round(c / 100) === b);
  assert(ok, "rows from one batch only");
  // The lock was released by the kill: a new write commits.
  const r = await writeDataset(BARS, bars(["AAA", "BBB"], 300, undefined, 7), {
    ...W,
    root,
    lock: { timeoutMs: 10_000 },
  });
  assertEquals(r.rowsWritten, 600);
  await assertStoredMatchesState(lake, false);
});

Deno.test("an s3:// lake without WORKBENCH_CATALOG is refused with a clear error", async () => {
  const saved = Deno.env.get("WORKBENCH_CATALOG");
  Deno.env.delete("WORKBENCH_CATALOG");
  try {
    const e = await assertRejects(
      () => writeDataset(BARS, bars(["A"], 2), { ...W, root: "s3://no-catalog/lake" }),
      Error,
      // The whole name: a URL's user name (the test database's user is "workbench") is no
      // secret, so the redactor leaves the word alone.
      "WORKBENCH_CATALOG",
    );
    assert(e.message.includes("no safe commit point"), e.message);
  } finally {
    if (saved !== undefined) Deno.env.set("WORKBENCH_CATALOG", saved);
  }
});

for (const b of backends().filter((x) => x.kind !== "local")) {
  Deno.test({
    name:
      "[s3+pg] a catalog URL's password reaches no error, catalog entry or object; its user and host stay readable",
    ignore: b.ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () =>
      withBackend(b.kind, async (lake) => {
        const pw = "Cat-pw_7Qx2mZ9w";
        const short = "k9Zp2q"; // 6 characters: removed where it occurs whole
        const good = lake.env.WORKBENCH_CATALOG!.replace("://workbench@", `://workbench:${pw}@`);
        assert(good.includes(pw), "the test PG URL has the user workbench");
        Deno.env.set("WORKBENCH_CATALOG", good);
        // The test server trusts loopback: the password is sent and ignored, the lake works.
        await writeDataset(BARS, bars(["A"], 3), { ...W, root: lake.root });
        assertEquals((await readDataset(BARS, { root: lake.root })).height, 3);
        const cat = new PgCatalog(good);
        try {
          const entries = JSON.stringify(await cat.entries(DATASET));
          assert(entries.includes('"rows"') && !entries.includes(pw), "no password in the catalog");
        } finally {
          await cat.close();
        }
        const latin1 = new TextDecoder("latin1");
        for (const [k, bytes] of await lake.stored()) {
          assert(!latin1.decode(bytes).includes(pw), `no password in ${k}`);
        }
        for (const p of [pw, short]) {
          const bad = new PgCatalog(`postgres://workbench:${p}@127.0.0.1:1/workbench?schema=x_y`);
          try {
            const e = await assertRejects(() => bad.ready());
            assert(!e.message.includes(p) && !String(e.stack).includes(p), e.message);
            // Host, port, database and schema stay readable.
            assert(e.message.includes("127.0.0.1:1/workbench?schema=x_y"), e.message);
          } finally {
            await bad.close();
          }
          assertEquals(redact(`say ${p} twice: ${p}`), "say *** twice: ***");
        }
        // The user name is no secret: the word is not masked outside a URL's userinfo.
        const plain = "user workbench, schema workbench_lake, database /workbench";
        assertEquals(redact(plain), plain);
        assertEquals(
          redact(`postgres://workbench:${pw}@127.0.0.1:55432/workbench`),
          "postgres://***@127.0.0.1:55432/workbench",
        );
      }),
  });
  Deno.test({
    name: "[s3+pg] a wrong secret key fails with the status, never the keys",
    ignore: b.ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () =>
      withBackend(b.kind, async (lake) => {
        const secret = lake.env.WORKBENCH_S3_SECRET_ACCESS_KEY!;
        const wrong = `${secret.slice(0, -6)}XXXXXX`;
        Deno.env.set("WORKBENCH_S3_SECRET_ACCESS_KEY", wrong);
        // A fresh cache dir makes a fresh remote-lake object with the wrong key.
        const cache = await Deno.makeTempDir();
        const before = Deno.env.get("WORKBENCH_CACHE_DIR")!;
        Deno.env.set("WORKBENCH_CACHE_DIR", cache);
        try {
          const e = await assertRejects(() =>
            writeDataset(BARS, bars(["A"], 2), { ...W, root: lake.root })
          );
          assert(/HTTP 403/.test(e.message), e.message);
          for (const v of [secret, wrong, lake.env.WORKBENCH_S3_ACCESS_KEY_ID!]) {
            assert(!e.message.includes(v.slice(0, 12)), "no key in the message");
            assert(!String(e.stack).includes(v.slice(0, 12)), "no key in the stack");
          }
        } finally {
          Deno.env.set("WORKBENCH_S3_SECRET_ACCESS_KEY", secret);
          Deno.env.set("WORKBENCH_CACHE_DIR", before);
          await Deno.remove(cache, { recursive: true });
        }
      }),
  });
}

// SIGKILL at each step of a write: before the commit point the old rows stay, after it the new
// ones are read (local: the journal rolled forward; S3: the catalog transaction committed).
for (const b of backends()) {
  const steps = b.kind === "local"
    ? [["files-written", 100], ["journal-written", 500], ["applied", 500]] as const
    : [["files-written", 100], ["uploaded", 100], ["committed", 500]] as const;
  for (const [step, base] of steps) {
    Deno.test({
      name: `[${b.kind}] killed at "${step}": a whole ${base === 100 ? "old" : "new"} state`,
      ignore: b.ignore,
      sanitizeResources: false,
      sanitizeOps: false,
      fn: () =>
        withBackend(b.kind, async (lake) => {
          const root = lake.root;
          await writeDataset(BARS, bars(["A"], 30), { ...W, root });
          const here = new URL(".", import.meta.url).pathname;
          const o = await runProc(lake, [`${here}_kill_at_step.ts`, root, step]).output();
          assertEquals(o.signal, "SIGKILL", new TextDecoder().decode(o.stderr));
          const out = await readDataset(BARS, { root });
          assertEquals(out.height, 30);
          const want = Array.from({ length: 30 }, (_, i) => base + i * 0.01);
          const got = out.getColumn("close").toArray() as number[];
          assert(got.every((c, i) => Math.abs(c - want[i]!) < 1e-9), `closes from ${base}`);
          // Nothing blocks the next writer.
          const r = await writeDataset(BARS, bars(["A"], 30, undefined, 900), {
            ...W,
            root,
            lock: { timeoutMs: 10_000 },
          });
          assertEquals(r.rowsWritten, 30);
          await assertStoredMatchesState(lake, false);
        }),
    });
  }
}
