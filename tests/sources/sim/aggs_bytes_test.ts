import { assertEquals } from "../../_assert.ts";
import { aggsDigests, type PageDigest } from "./_aggs_requests.ts";

// Issue 21: the aggregates serialisation was reworked for speed; the bytes sent must not change.
// The reference digests were taken on the commit before the change (see the provenance file).
Deno.test("polygon aggs: every page's bytes equal the reference taken before the serialisation change", async () => {
  const want = JSON.parse(
    await Deno.readTextFile(new URL("../../fixtures/sim/aggs_bytes.json", import.meta.url)),
  ) as PageDigest[];
  const got = await aggsDigests();
  assertEquals(got.length, want.length);
  for (let i = 0; i < want.length; i++) assertEquals(got[i], want[i], want[i]!.path);
  // The set covers what it claims: streamed second pages, split-adjusted prices, paging, errors.
  assertEquals(want.some((d) => d.bytes > 2_000_000), true);
  assertEquals(want.some((d) => d.path.includes("cursor=")), true);
  assertEquals(want.some((d) => d.status === 400), true);
});
