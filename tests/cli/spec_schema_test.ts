import { z } from "zod";
import { assert, assertEquals } from "../_assert.ts";
import {
  didYouMean,
  editDistance,
  specObject,
  unknownFieldMessage,
} from "../../lib/cli/spec_schema.ts";
import { formatZodIssues } from "../../lib/cli/task.ts";

Deno.test("editDistance: hand-worked cases (insert, delete, substitute, transpose)", () => {
  assertEquals(editDistance("horizn", "horizon"), 1); // one insertion
  assertEquals(editDistance("strat", "start"), 1); // "ra" <-> "ar" transposed
  assertEquals(editDistance("cost", "costs"), 1);
  assertEquals(editDistance("kitten", "sitting"), 3); // classic Levenshtein example
  assertEquals(editDistance("", "abc"), 3);
  assertEquals(editDistance("Symbol", "symbol"), 0); // case-insensitive
  assertEquals(editDistance("abc", "abc"), 0);
});

Deno.test("didYouMean: the close known name, nothing when none is close", () => {
  const label = ["kind", "horizon", "type"];
  assertEquals(didYouMean("horizn", label), "horizon");
  assertEquals(didYouMean("symbol", ["dataset", "symbols", "start", "end"]), "symbols");
  assertEquals(didYouMean("strat", ["dataset", "symbols", "start", "end"]), "start");
  assertEquals(didYouMean("cost", ["question", "costs", "grid"]), "costs");
  assertEquals(didYouMean("zzzzzz", label), undefined);
  // "type" is 4 letters: limit 1 edit; "tpye" is one transposition away
  assertEquals(didYouMean("tpye", label), "type");
  assertEquals(didYouMean("x", []), undefined);
  // a prefix of 4+ letters: "embargo" is 4 edits from "embargoDays" but its start
  assertEquals(didYouMean("embargo", ["groups", "testGroups", "embargoDays"]), "embargoDays");
  assertEquals(didYouMean("gro", ["groups", "testGroups"]), undefined); // 3 letters: too short
});

Deno.test("unknownFieldMessage: suggestion, or the known fields", () => {
  assertEquals(
    unknownFieldMessage(["horizn"], ["kind", "horizon"]),
    'unknown field (did you mean "horizon"?)',
  );
  assertEquals(
    unknownFieldMessage(["colour"], ["kind", "horizon"]),
    "unknown field (known: kind, horizon)",
  );
});

const Spec = specObject({
  name: z.string(),
  label: specObject({ kind: z.string(), horizon: z.number().optional() }),
  data: specObject({ symbols: z.array(z.string()).optional(), start: z.string().optional() }),
  meta: z.record(z.string(), z.unknown()).optional(),
});

Deno.test("specObject + formatZodIssues: one line naming the field with its path", () => {
  const r = Spec.safeParse({ name: "x", label: { kind: "f", horizn: 20 }, data: {} });
  assert(!r.success);
  assertEquals(formatZodIssues(r.error), 'label.horizn: unknown field (did you mean "horizon"?)');
  // two unknown fields in one object: one part each, each with its own suggestion
  const r2 = Spec.safeParse({ name: "x", label: { kind: "f" }, data: { symbol: [], strat: "" } });
  assert(!r2.success);
  assertEquals(
    formatZodIssues(r2.error),
    'data.symbol: unknown field (did you mean "symbols"?); data.strat: unknown field (did you mean "start"?)',
  );
  // top level
  const r3 = Spec.safeParse({ name: "x", label: { kind: "f" }, data: {}, nmae: "y" });
  assert(!r3.success);
  assertEquals(formatZodIssues(r3.error), 'nmae: unknown field (did you mean "name"?)');
  // free-form objects stay free-form
  assert(Spec.safeParse({ name: "x", label: { kind: "f" }, data: {}, meta: { any: 1 } }).success);
});

Deno.test("formatZodIssues: zod's own strict objects say 'unknown field' with the path", () => {
  const r = z.strictObject({ a: z.object({ b: z.number() }).strict() }).safeParse({
    a: { b: 1, c: 2 },
  });
  assert(!r.success);
  assertEquals(formatZodIssues(r.error), "a.c: unknown field");
  const r2 = z.strictObject({ a: z.number() }).safeParse({ a: 1, p: 1, q: 2 });
  assert(!r2.success);
  assertEquals(formatZodIssues(r2.error), "p: unknown field; q: unknown field");
});
