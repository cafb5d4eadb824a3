// What is particular to the backends: S3 + PostgreSQL configuration and secrets, the DuckDB scan
// of cached copies, and a SIGKILL at each step of a write on each backend. The lake suite itself
// (writes, idempotence, dedup, asOf, kills, concurrent writers) runs on both backends in
// lake_test.ts, the integrity checks in integrity_test.ts.
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  committedFiles,
  openLake,
  parquetScanSql,
  PgCatalog,
  readDataset,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { redact } from "../../lib/core/secret.ts";
import { BARS, bars } from "./_fixtures.ts";
import { assertStoredMatchesState, backends, lakeTest, runProc, withBackend } from "./_backends.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
const DATASET = "curated/test/bars_minute";

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
          "postgres://workbench:***@127.0.0.1:55432/workbench",
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
          await assertStoredMatchesState(lake, BARS, false);
        }),
    });
  }
}

for (const b of backends().filter((x) => x.kind !== "local")) {
  Deno.test({
    name: "[s3+pg] catalog entries read incrementally equal a fresh full read after each commit",
    ignore: b.ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () =>
      withBackend(b.kind, async (lake) => {
        const url = lake.env.WORKBENCH_CATALOG!;
        const kept = new PgCatalog(url); // keeps what it read, asks for later rows only
        try {
          assertEquals(await kept.entries(DATASET), []);
          for (let i = 0; i < 3; i++) {
            // Committed through the lake's own catalog object (another connection pool).
            await writeDataset(BARS, bars(["A"], 2, Date.UTC(2024, 2, 8, 15 + i)), {
              ...W,
              root: lake.root,
            });
            const fresh = new PgCatalog(url);
            try {
              const want = await fresh.entries(DATASET);
              assertEquals(want.length, i + 1);
              assertEquals(await kept.entries(DATASET), want);
            } finally {
              await fresh.close();
            }
          }
          // A caller changing the returned list does not change what the catalog kept.
          (await kept.entries(DATASET)).pop();
          assertEquals((await kept.entries(DATASET)).length, 3);
        } finally {
          await kept.close();
        }
      }),
  });
}
