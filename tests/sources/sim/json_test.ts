import { assertEquals } from "../../_assert.ts";
import { joinRows, streamJson, toJson } from "../../../lib/sources/sim/_json.ts";

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

Deno.test("joinRows: the per-row toJson texts joined by commas, whatever the rows hold", () => {
  const perRow = (rows: unknown[]) => rows.map((x) => toJson(x)).join(",");
  const date = new Date(Date.UTC(2024, 2, 27, 13, 30));
  const cases: unknown[][] = [
    [],
    [{ v: 275100, vw: 454.9268, o: 454.76, c: 455.2, t: 1711546200000, n: 1530 }],
    [{ o: 151.60333333333332, x: -0, y: 1e21, z: 1e-7, s: 'q"\u00e9', u: undefined }],
    [{ a: [1, null, undefined] }, null, [2, 3], { d: date }],
    // A bigint anywhere: exact integer literals (the per-row path).
    [{ t: 1711655999976930530n }, { t: 1 }],
    // Rows an array writes differently from the join: undefined, a hole, a function, toJSON.
    [{ a: 1 }, undefined, { b: 2 }],
    // deno-lint-ignore no-sparse-arrays
    [{ a: 1 }, , { b: 2 }],
    [() => 1, { a: 1 }],
    [{ toJSON: (k: string) => `key ${k}` }, { toJSON: (k: string) => `key ${k}` }],
  ];
  for (const rows of cases) assertEquals(joinRows(rows), perRow(rows));
  // Hand-written: what the page's array holds between its brackets.
  assertEquals(joinRows([{ a: 1 }, { b: "x" }]), '{"a":1},{"b":"x"}');
  assertEquals(joinRows([{ t: 1711655999976930530n }]), '{"t":1711655999976930530}');
  assertEquals(joinRows([{ a: 1 }, undefined]), '{"a":1},');
  assertEquals(joinRows([{ toJSON: (k: string) => `key ${k}` }]), '"key "');
});
