// Subprocess for the recovery test: rewrites the test bars with a new close and dies (exit 9,
// no cleanup, like a SIGKILL) right after the given writer step.
import { writeDataset } from "../../lib/lake/mod.ts";
import { BARS, bars } from "../lake/_fixtures.ts";
const [root, step, closeBase] = Deno.args as [string, string, string];
await writeDataset(BARS, bars(["AAA", "BBB"], 300, undefined, Number(closeBase)), {
  root,
  transformId: "query-crash-test@1",
  sourceUri: "test://crash",
  ingestedAt: new Date(0),
  onStep: (s) => {
    if (s === step) Deno.exit(9);
  },
});
console.log("finished without dying");
