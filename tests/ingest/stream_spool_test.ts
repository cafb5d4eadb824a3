import { join } from "node:path";
import { Spool } from "../../lib/ingest/spool.ts";
import { assertEquals } from "../_assert.ts";

Deno.test("spool: append, rotate, release; a new process sees only older segments", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = new Spool(dir);
    assertEquals([...s.pending()], []); // empty spool
    s.append('[{"a":1}]');
    s.append('[{"a":2}]');
    const closed = s.rotate();
    s.append('[{"a":3}]');
    s.close();
    const s2 = new Spool(dir); // a restart
    assertEquals([...s2.pending()].map((p) => p.text), ['[{"a":1}]', '[{"a":2}]', '[{"a":3}]']);
    s2.release(closed);
    assertEquals([...s2.pending()].map((p) => p.text), ['[{"a":3}]']);
    s2.release(s2.segments().at(-1)!);
    assertEquals([...new Spool(dir).pending()], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spool: a torn final line (killed mid-write) is skipped, whole lines kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(join(dir, "seg-000000001.jsonl"), '[1]\n[2]\n[{"half":');
    const s = new Spool(dir);
    assertEquals([...s.pending()].map((p) => p.text), ["[1]", "[2]"]);
    assertEquals(s.current, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
