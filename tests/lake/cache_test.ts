// The read-through cache of remote lakes: bounded bytes, least recently used evicted first.
import { assert, assertEquals } from "../_assert.ts";
import { FileCache } from "../../lib/lake/store/cache.ts";

const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};

Deno.test("cache: over budget, the least recently used files go first; temporaries stay", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const put = (name: string) => {
      Deno.writeFileSync(`${dir}/${name}`, new Uint8Array(100));
      return `${dir}/${name}`;
    };
    const c = new FileCache(dir, 250);
    const a = put("a.parquet");
    c.add(a, 100);
    const b = put("b.parquet");
    c.add(b, 100);
    c.touch(a, 100); // a is now more recent than b
    const tmp = put(".x.tmp"); // a write in progress: not the cache's
    const d = put("d.parquet");
    c.add(d, 100); // 300 > 250: b (least recent) goes
    assertEquals([exists(a), exists(b), exists(d), exists(tmp)], [true, false, true, true]);
    assertEquals(c.bytes, 200);
    // A new index over the same folder finds the two files, not the temporary.
    const again = new FileCache(dir, 250);
    assertEquals(again.bytes, 200);
    const e = put("e.parquet");
    again.add(e, 100);
    assert(exists(e), "the file just added is never the one evicted");
    assertEquals(again.bytes, 200);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
