import assert from "node:assert/strict";
import { z } from "zod";
import { oneLine } from "../../lib/cli/mod.ts";

Deno.test("oneLine: a zod error is 'field: problem' parts on one line, not a JSON dump", () => {
  const schema = z.object({
    data: z.object({ dataset: z.string() }),
    grid: z.record(z.string(), z.array(z.number())),
  });
  const r = schema.safeParse({ data: {}, grid: { lookback: 5 } });
  assert.ok(!r.success);
  const line = oneLine(r.error);
  assert.ok(!line.includes("\n") && !line.includes("["), line);
  assert.match(line, /^data\.dataset: [^;]+; grid\.lookback: [^;]+$/);
  // a plain error keeps its message
  assert.equal(oneLine(new Error("a\n b")), "a | b");
});
