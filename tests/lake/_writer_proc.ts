// Subprocess for the crash test: writes batches 1..N into the lake given as argv[0], each batch
// rewriting the same rows with a new close so that every batch is a full-partition rewrite.
import { writeDataset } from "../../lib/lake/mod.ts";
import { BARS, bars } from "./_fixtures.ts";
const root = Deno.args[0]!;
for (let b = 1; b <= 1000; b++) {
  await writeDataset(BARS, bars(["AAA", "BBB"], 300, undefined, 100 * b), {
    root,
    transformId: `crash-test@${b}`,
    sourceUri: "test://crash",
    ingestedAt: new Date(0),
  });
  console.log(`done ${b}`);
}
