/**
 * The shared request budget (PostgreSQL token bucket) and the exact codec of job outputs.
 * Budget, worked by hand: capacity C = 1, refill R = 20 tokens/s; 3 clients take 30 tokens in all:
 * the first is in the bucket, the other 29 arrive at 20/s, so the last is taken no earlier than
 * 29 / 20 = 1.45 s after the start; `used` counts 30; with a limit of 30 the 31st is refused.
 */
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { BudgetExceededError, decodeF64, encodeF64, openBudget } from "../../lib/cluster/mod.ts";
import { freshSchemas, PG } from "./_harness.ts";

Deno.test("encodeF64/decodeF64 keep every bit (NaN, -0, Infinity, subnormals)", () => {
  const a = Float64Array.of(0.1, NaN, -0, Infinity, -Infinity, 5e-324, 1.7976931348623157e308);
  const b = decodeF64(encodeF64(a));
  assertEquals(b.length, a.length);
  for (let i = 0; i < a.length; i++) assert(Object.is(a[i], b[i]), `index ${i}`);
  assertEquals(decodeF64(encodeF64([])).length, 0);
  let threw = false;
  try {
    decodeF64(btoa("abc"));
  } catch (e) {
    threw = e instanceof RangeError;
  }
  assert(threw, "3 bytes is not a Float64Array");
});

Deno.test({
  name:
    "shared budget: 30 tokens at 20/s from 3 clients take >= 1.45 s; the limit refuses the 31st",
  ignore: !PG.available,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = freshSchemas();
    const catalog = { url: PG.url, schema: s.jobs };
    const bs = [await openBudget(catalog, "v", { perSecond: 20, capacity: 1, dailyLimit: 30 })];
    bs.push(await openBudget(catalog, "v"), await openBudget(catalog, "v"));
    try {
      const t0 = performance.now();
      await Promise.all(bs.map(async (b) => {
        for (let i = 0; i < 10; i++) await b.take();
      }));
      const ms = performance.now() - t0;
      assert(ms >= 1450 - 20, `30 tokens in ${ms.toFixed(0)} ms`);
      assertEquals(await bs[0]!.used(), 30);
      await assertRejects(() => bs[1]!.take(), BudgetExceededError, "budget of 30");
      await assertRejects(() => openBudget(catalog, "v", { perSecond: 0 }), RangeError);
    } finally {
      for (const b of bs) await b.close();
      await s.drop();
    }
  },
});
