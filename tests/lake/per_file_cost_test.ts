/**
 * The lake's per-file shortcuts (issue #21) keep its guarantees:
 * - a file the writer has just committed is remembered as verified with the sha256 it computed
 *   (a cached read right after the write does not read its bytes), while a file changed after
 *   it (size, mtime or inode) is hashed again and refused, and uncached reads always hash;
 * - `assertInsideLake` remembers the lake root's real path, yet a partition or dataset directory
 *   swapped for a symlink out of the lake after this process wrote through it is refused, and a
 *   root repointed elsewhere is judged by where it leads now.
 */
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  clearVerifiedCache,
  datasetState,
  IntegrityError,
  readDataset,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { verifyFile } from "../../lib/lake/integrity.ts";
import { localFiles } from "../../lib/lake/store/files.ts";
import type { ManifestFile } from "../../lib/lake/manifest.ts";
import { BARS, bars } from "./_fixtures.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
const DS = "curated/test/bars_minute";
const P8 = "date=2024-03-08";
const MAR9 = Date.UTC(2024, 2, 9, 14, 30);

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "lake-perfile-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** The committed file of a partition and its path. */
function committed(root: string, part = P8): { f: ManifestFile; path: string } {
  const f = datasetState(BARS, root).files.find((x) => x.partition === part)!;
  return { f, path: `${root}/${DS}/${part}/${f.file}` };
}

/** The bytes of `path` with one byte flipped (same size). */
function flipped(path: string): Uint8Array {
  const b = Deno.readFileSync(path);
  b[60] = b[60]! ^ 0x10;
  return b;
}

Deno.test("a cached read right after a write does not read the file again; uncached reads and a cleared cache do", () =>
  withLake(async (root) => {
    clearVerifiedCache();
    await writeDataset(BARS, bars(["A", "B"], 50), { ...W, root });
    const { f, path } = committed(root);
    // Change the bytes in place (same size, same inode) and put the mtime back: the cache key
    // is unchanged, so only a read of the bytes can tell.
    const st = Deno.lstatSync(path);
    Deno.writeFileSync(path, flipped(path));
    Deno.utimeSync(path, st.atime!, st.mtime!);
    const now = Deno.lstatSync(path);
    assertEquals([now.size, now.mtime!.getTime(), now.ino], [st.size, st.mtime!.getTime(), st.ino]);
    // Cached (what writers and views do): the writer's hash is trusted, the bytes are not read.
    assertEquals(await localFiles(BARS, [f], { root, cached: true }), [path]);
    assertEquals(await verifyFile(BARS, f, { root, cached: true }), path);
    // Uncached checks still hash, and so see the change.
    const e = (await assertRejects(() =>
      readDataset(BARS, { root }), IntegrityError)) as IntegrityError;
    assertEquals([e.file, e.reason], [path, "checksum"]);
    await assertRejects(() => verifyFile(BARS, f, { root }), IntegrityError, "sha256");
    // Forgotten: the cached read hashes and refuses it too.
    clearVerifiedCache();
    const e2 = (await assertRejects(
      () => localFiles(BARS, [f], { root, cached: true }),
      IntegrityError,
    )) as IntegrityError;
    assertEquals([e2.file, e2.reason], [path, "checksum"]);
  }));

Deno.test("a committed file changed after the write (mtime, size or inode) is hashed again by a cached read and refused", () =>
  withLake(async (root) => {
    clearVerifiedCache();
    await writeDataset(BARS, bars(["A", "B"], 50), { ...W, root });
    await writeDataset(BARS, bars(["A"], 20, MAR9), { ...W, root });
    const { f, path } = committed(root);
    const good = Deno.readFileSync(path);
    const st = Deno.lstatSync(path);

    // Same size and inode, another mtime.
    Deno.writeFileSync(path, flipped(path));
    Deno.utimeSync(path, st.atime!, new Date(st.mtime!.getTime() + 5_000));
    let e = (await assertRejects(
      () => localFiles(BARS, [f], { root, cached: true }),
      IntegrityError,
    )) as IntegrityError;
    assertEquals([e.file, e.reason], [path, "checksum"]);
    // A write into the partition reads (cached) the stored rows first: refused too.
    const more = bars(["A"], 3, Date.UTC(2024, 2, 8, 14, 30)).withColumns(pl.lit(7).alias("close"));
    await assertRejects(() => writeDataset(BARS, more, { ...W, root }), IntegrityError);

    // Another size (mtime put back).
    Deno.writeFileSync(path, Uint8Array.from([...good, 0]));
    Deno.utimeSync(path, st.atime!, st.mtime!);
    e = (await assertRejects(
      () => localFiles(BARS, [f], { root, cached: true }),
      IntegrityError,
    )) as IntegrityError;
    assertEquals([e.file, e.reason], [path, "size"]);

    // Another inode: changed bytes renamed over it, size and mtime as written.
    const tmp = `${path}.swap`;
    const bad = good.slice();
    bad[60] = bad[60]! ^ 0x10;
    Deno.writeFileSync(tmp, bad);
    Deno.utimeSync(tmp, st.atime!, st.mtime!);
    Deno.renameSync(tmp, path);
    const now = Deno.lstatSync(path);
    assertEquals([now.size, now.mtime!.getTime()], [st.size, st.mtime!.getTime()]);
    assert(now.ino !== st.ino);
    e = (await assertRejects(
      () => localFiles(BARS, [f], { root, cached: true }),
      IntegrityError,
    )) as IntegrityError;
    assertEquals([e.file, e.reason], [path, "checksum"]);

    // The good bytes back (a new inode again): accepted after hashing, the other partition too.
    Deno.writeFileSync(tmp, good);
    Deno.renameSync(tmp, path);
    assertEquals(
      (await localFiles(BARS, datasetState(BARS, root).files, { root, cached: true })).length,
      2,
    );
  }));

Deno.test("a partition swapped for a symlink out of the lake after this process wrote to it is refused", () =>
  withLake(async (root) => {
    clearVerifiedCache();
    await writeDataset(BARS, bars(["A", "B"], 50), { ...W, root });
    // A second write to the same partition and a read: the directory is known and fine.
    await writeDataset(BARS, bars(["C"], 5, Date.UTC(2024, 2, 8, 20, 0)), { ...W, root });
    assertEquals((await readDataset(BARS, { root })).height, 105);
    const outside = await Deno.makeTempDir({ prefix: "lake-outside-" });
    try {
      const pdir = `${root}/${DS}/${P8}`;
      Deno.renameSync(pdir, `${outside}/${P8}`);
      Deno.symlinkSync(`${outside}/${P8}`, pdir);
      const names = () => [...Deno.readDirSync(`${outside}/${P8}`)].map((e) => e.name).sort();
      const was = names();
      await assertRejects(
        () => writeDataset(BARS, bars(["D"], 4, Date.UTC(2024, 2, 8, 19, 0)), { ...W, root }),
        IntegrityError,
        "outside the lake",
      );
      const e = (await assertRejects(() =>
        readDataset(BARS, { root }), IntegrityError)) as IntegrityError;
      assertEquals(e.reason, "symlink");
      // The cached check of files this process wrote and verified is refused as well.
      const files = datasetState(BARS, root).files;
      const e2 = (await assertRejects(
        () => localFiles(BARS, files, { root, cached: true }),
        IntegrityError,
      )) as IntegrityError;
      assertEquals(e2.reason, "symlink");
      assertEquals(names(), was);

      // The whole dataset directory swapped for a symlink out: a new partition (not made yet)
      // is refused by its nearest existing ancestor.
      Deno.removeSync(pdir);
      Deno.renameSync(`${outside}/${P8}`, pdir);
      const dsDir = `${root}/${DS}`;
      Deno.renameSync(dsDir, `${outside}/ds`);
      Deno.symlinkSync(`${outside}/ds`, dsDir);
      await assertRejects(
        () => writeDataset(BARS, bars(["A"], 3, MAR9), { ...W, root }),
        IntegrityError,
        "outside the lake",
      );
      assertEquals([...Deno.readDirSync(`${outside}/ds`)].map((x) => x.name).sort(), [P8]);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  }));

Deno.test("a lake root given as a symlink and repointed is judged by where it leads now", () =>
  withLake(async (dir) => {
    const a = `${dir}/a`, b = `${dir}/b`, link = `${dir}/lake`;
    Deno.mkdirSync(a);
    Deno.symlinkSync(a, link);
    await writeDataset(BARS, bars(["A"], 10), { ...W, root: link });
    // A copy of the lake elsewhere, and the root repointed to it.
    new Deno.Command("cp", { args: ["-a", a, b] }).outputSync();
    Deno.removeSync(link);
    Deno.symlinkSync(b, link);
    await writeDataset(BARS, bars(["A"], 10, MAR9), { ...W, root: link });
    assertEquals((await readDataset(BARS, { root: link })).height, 20);
    assertEquals(datasetState(BARS, a).files.length, 1);
    assertEquals(datasetState(BARS, b).files.length, 2);
    // A symlink in the new lake leading back into the old one leads out of the lake.
    const pdir = `${b}/${DS}/${P8}`;
    Deno.removeSync(pdir, { recursive: true });
    Deno.symlinkSync(`${a}/${DS}/${P8}`, pdir);
    await assertRejects(() => readDataset(BARS, { root: link }), IntegrityError, "symlink");
  }));

Deno.test("files remembered from the write are saved to verified.json by the first persisting check, for the next process", () =>
  withLake(async (root) => {
    clearVerifiedCache();
    await writeDataset(BARS, bars(["A", "B"], 50), { ...W, root });
    await writeDataset(BARS, bars(["A"], 20, MAR9), { ...W, root });
    const { committedFiles } = await import("../../lib/lake/reader.ts");
    const paths = await committedFiles(BARS, { root });
    assertEquals(paths.length, 2);
    const saved = JSON.parse(Deno.readTextFileSync(`${root}/_meta/${DS}/verified.json`)) as Record<
      string,
      string
    >;
    const want: Record<string, string> = {};
    for (const f of datasetState(BARS, root).files) {
      const path = `${root}/${DS}/${f.partition}/${f.file}`;
      const st = Deno.lstatSync(path);
      want[`${path}|${st.size}|${st.mtime!.getTime()}|${st.ino}`] = f.sha256;
    }
    assertEquals(saved, want);
  }));
