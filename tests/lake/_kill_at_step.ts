// Subprocess for the kill-at-step test: rewrites the rows of bars(["A"], 30) with closes from
// 500 and SIGKILLs itself when the writer reaches the step named in argv[1].
import { writeDataset } from "../../lib/lake/mod.ts";
import { BARS, bars } from "./_fixtures.ts";
const [root, step] = Deno.args as [string, string];
await writeDataset(BARS, bars(["A"], 30, undefined, 500), {
  root,
  transformId: "kill@1",
  sourceUri: "test://kill",
  onStep: (s) => {
    if (s === step) Deno.kill(Deno.pid, "SIGKILL");
  },
});
console.log("not killed");
