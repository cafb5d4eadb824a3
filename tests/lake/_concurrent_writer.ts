// Subprocess for the lock test: writes 5 batches of one symbol.
import { writeDataset } from "../../lib/lake/mod.ts";
import { BARS, bars } from "./_fixtures.ts";
const [root, sym] = Deno.args as [string, string];
for (let i = 0; i < 5; i++) {
  await writeDataset(BARS, bars([sym], 20, Date.UTC(2024, 2, 8, 14, 30) + i * 1_200_000), {
    root,
    transformId: "t",
    sourceUri: "u",
  });
}
