// lake-migrate: a local lake to S3 + PostgreSQL and back, verified by checksums; the task's
// argument handling. The round trip's expectations are the source lake's own bytes and rows.
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  committedState,
  type DatasetSpec,
  metaDir,
  readDataset,
  readManifest,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { MigrateError, migrateLake } from "../../lib/lake/migrate.ts";
import { sha256Hex } from "../../lib/core/fs.ts";
import { BARS, bars } from "./_fixtures.ts";
import { backends, withBackend } from "./_backends.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
const DAILY: DatasetSpec = {
  zone: "reference",
  source: "test",
  dataset: "daily",
  partitioning: "year",
  timeColumn: "date",
  naturalKey: ["date"],
  schema: { date: "date", v: "f64" },
};

async function filesByHash(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory && e.name !== "_meta") await walk(p);
      else if (e.isFile && e.name.endsWith(".parquet")) {
        out.set(p.slice(root.length), await sha256Hex(await Deno.readFile(p)));
      }
    }
  };
  await walk(root);
  return out;
}

const s3 = backends().find((b) => b.kind === "s3+pg")!;

Deno.test({
  name: "lake-migrate: local -> S3 + PostgreSQL -> local, same files, entries and rows",
  ignore: s3.ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withBackend("s3+pg", async (lake) => {
      const src = await Deno.makeTempDir({ prefix: "mig-src-" });
      const back = await Deno.makeTempDir({ prefix: "mig-back-" });
      try {
        // Two datasets; the second write replaces a file (so history names a removed file).
        await writeDataset(BARS, bars(["A", "B"], 30), { ...W, root: src });
        await writeDataset(BARS, bars(["A"], 30, undefined, 300), { ...W, root: src });
        await writeDataset(
          DAILY,
          pl.DataFrame({
            date: pl.Series("date", [19000, 19400, 19800]).cast(pl.Date),
            v: [1.5, 2.5, 3.5],
          }),
          { ...W, root: src },
        );
        const moved = await migrateLake(src, lake.root);
        assertEquals(moved.map((d) => d.dataset).sort(), [
          "curated/test/bars_minute",
          "reference/test/daily",
        ]);
        // The bucket holds exactly the committed files, byte for byte.
        const srcFiles = await filesByHash(src);
        const stored = await lake.stored();
        assertEquals(stored.size, srcFiles.size);
        for (const [k, bytes] of stored) {
          assertEquals(await sha256Hex(bytes), srcFiles.get(`/${k}`), k);
        }
        // Reads on the remote lake equal reads on the source.
        const a = await readDataset(BARS, { root: src });
        const b = await readDataset(BARS, { root: lake.root });
        assertEquals(b.height, 60);
        assertEquals(b.getColumn("close").toArray(), a.getColumn("close").toArray());
        assertEquals(
          (await committedState(DAILY, lake.root)).entries,
          readManifest(metaDir(DAILY, src)).length,
        );
        // A rerun changes nothing.
        const again = await migrateLake(src, lake.root);
        assert(again.every((d) => d.skipped && d.copied === 0), JSON.stringify(again));
        // And back to a fresh folder: same files, same manifest entries.
        await migrateLake(lake.root, back);
        assertEquals(await filesByHash(back), srcFiles);
        for (const spec of [BARS, DAILY]) {
          assertEquals(readManifest(metaDir(spec, back)), readManifest(metaDir(spec, src)));
        }
        assertEquals((await readDataset(DAILY, { root: back })).getColumn("v").toArray(), [
          1.5,
          2.5,
          3.5,
        ]);
        // A target dataset with other entries is refused.
        const other = await Deno.makeTempDir({ prefix: "mig-other-" });
        try {
          await writeDataset(BARS, bars(["Z"], 3), { ...W, root: other });
          await assertRejects(() => migrateLake(other, back), MigrateError, "other entries");
        } finally {
          await Deno.remove(other, { recursive: true });
        }
      } finally {
        await Deno.remove(src, { recursive: true });
        await Deno.remove(back, { recursive: true });
      }
    }),
});

Deno.test({
  name: "lake-migrate: a changed source file stops the move before the target catalog",
  ignore: s3.ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withBackend("s3+pg", async (lake) => {
      const src = await Deno.makeTempDir({ prefix: "mig-bad-" });
      try {
        await writeDataset(BARS, bars(["A"], 10), { ...W, root: src });
        const [rel] = [...(await filesByHash(src)).keys()];
        const bytes = await Deno.readFile(`${src}${rel}`);
        bytes[50] = bytes[50]! ^ 0xff;
        await Deno.writeFile(`${src}${rel}`, bytes);
        await assertRejects(() => migrateLake(src, lake.root), Error, "sha256");
        assertEquals((await committedState(BARS, lake.root)).entries, 0);
      } finally {
        await Deno.remove(src, { recursive: true });
      }
    }),
});

async function task(args: string[], env: Record<string, string> = {}) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      new URL("../../tasks/lake_migrate.ts", import.meta.url).pathname,
      ...args,
    ],
    env,
  }).output();
  return {
    code: o.code,
    out: new TextDecoder().decode(o.stdout),
    err: new TextDecoder().decode(o.stderr),
  };
}

Deno.test("lake-migrate task: --help, unknown option, bad values, missing catalog", async () => {
  const h = await task(["--help"]);
  assertEquals(h.code, 0);
  assert(h.out.includes("--catalog") && h.out.includes("--parallel"), h.out);
  for (
    const [args, msg] of [
      [["--from", "a", "--to", "b", "--nope"], "Unknown option"],
      [["--from", "http://x/y", "--to", "b"], "must be a folder or an s3:// URI"],
      [["--from", "a", "--to", "s3://B_ad/x"], "valid bucket name"],
      [["--from", "a", "--to", "s3://bucket/x", "--catalog", "mysql://x"], "postgres://"],
      [["--from", "a", "--to", "b", "--parallel", "0"], "at least 1"],
      [["--from", "a", "--to", "b", "--parallel", "65"], "above 64"],
      [["--from", "a", "--to", "b", "--parallel", "x"], "--parallel"],
    ] as const
  ) {
    const r = await task([...args], { WORKBENCH_CATALOG: "" });
    assertEquals(r.code, 2, r.err);
    assertEquals(r.err.trim().split("\n").length, 1, r.err);
    assert(r.err.includes(msg), r.err);
  }
  const dir = await Deno.makeTempDir();
  try {
    const r = await task(["--from", dir, "--to", "s3://bucket/x"], { WORKBENCH_CATALOG: "" });
    assertEquals(r.code, 2, r.err);
    assert(r.err.includes("needs --catalog"), r.err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
