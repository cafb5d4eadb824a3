// Subprocess for the replace kill test: replaces symbol A of the replace fixture by the shifted
// rows and SIGKILLs itself when the writer reaches the step named in argv[1].
import { replaceRows } from "../../lib/lake/mod.ts";
import { DAILY, daily } from "./replace_test.ts";
const [root, step] = Deno.args as [string, string];
await replaceRows(DAILY, daily("A", "1999-12-29", 6, 500), {
  root,
  transformId: "kill@1",
  sourceUri: "test://replace",
  where: { column: "symbol", values: ["A"] },
  onStep: (s) => {
    if (s === step) Deno.kill(Deno.pid, "SIGKILL");
  },
});
console.log("not killed");
