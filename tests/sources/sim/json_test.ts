import { assertEquals } from "../../_assert.ts";
import { streamJson, toJson } from "../../../lib/sources/sim/_json.ts";

Deno.test("toJson: bigints exact, strings untouched, empty and nested values", () => {
  const ns = 1711655999976930530n;
  assertEquals(
    toJson({ t: ns, s: "@@bigint@@x", a: [] }),
    '{"t":1711655999976930530,"s":"@@bigint@@x","a":[]}',
  );
  assertEquals(JSON.parse(toJson({ n: -5n })).n, -5);
  assertEquals(toJson({}), "{}");
});

Deno.test("streamJson: same bytes as toJson for 0, 1 and many rows", async () => {
  for (const n of [0, 1, 999, 1000, 2501]) {
    const rows = Array.from(
      { length: n },
      (_, i) => ({ i, ts: BigInt(i) * 1_000_000_000_000n + 7n, s: `r${i}` }),
    );
    const obj = { status: "OK", results: rows, next_url: "http://x/y?cursor=abc" };
    const text = await new Response(streamJson(obj, "results", rows)).text();
    assertEquals(text, toJson(obj));
  }
});

Deno.test("toJson: without bigints it is JSON.stringify; bad values still throw", () => {
  const page = { status: "OK", results: [{ o: 1.5, t: 1711655999000, s: 'a"b' }], n: null };
  assertEquals(
    toJson(page),
    '{"status":"OK","results":[{"o":1.5,"t":1711655999000,"s":"a\\"b"}],"n":null}',
  );
  // Only a bigint's marker becomes a bare number, not a string that looks like one.
  assertEquals(toJson({ s: "@@bigint@@12" }), '{"s":"@@bigint@@12"}');
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  let threw = false;
  try {
    toJson(loop);
  } catch (e) {
    threw = e instanceof TypeError;
  }
  assertEquals(threw, true, "a circular value throws a TypeError");
});
