import { assert, assertEquals } from "../_assert.ts";
import { formatZodIssues } from "../../lib/cli/task.ts";
import { OptionsDeliverableSchema } from "../../lib/report/mod.ts";

const DOC = {
  sleeve: "options",
  as_of: "2024-03-28",
  generated_at: "2024-03-28T21:00:00Z",
  strategies: [],
  risk: { net_vega: 0, net_gamma: 0, vega_cap: 1, gamma_cap: 1, within_caps: true },
};

Deno.test("deliverable schemas are strict: an undeclared field is an error naming it", () => {
  assert(OptionsDeliverableSchema.safeParse(DOC).success);
  const r = OptionsDeliverableSchema.safeParse({ ...DOC, risk: { ...DOC.risk, net_theta: 1 } });
  assert(!r.success);
  assertEquals(formatZodIssues(r.error), "risk.net_theta: unknown field");
});
