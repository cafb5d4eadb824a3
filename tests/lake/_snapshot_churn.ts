// Subprocess for the snapshot test: for `rounds` rounds, append new bars, change the values of
// bars that existed when the test pinned its snapshot (a rewrite that replaces the partition's
// files), then compact. Prints "round <i> <files removed>" after each round.
import pl from "nodejs-polars";
import { compactDataset, writeDataset } from "../../lib/lake/mod.ts";
import { BARS, bars } from "./_fixtures.ts";

const [root, roundsArg] = Deno.args as [string, string];
const rounds = Number(roundsArg);
const W = { root, transformId: "churn@1", sourceUri: "test://churn" };
const DAY1 = Date.UTC(2024, 2, 8, 14, 30);
const DAY3 = Date.UTC(2024, 2, 12, 13, 30);
for (let i = 0; i < rounds; i++) {
  let removed = 0;
  // New keys: a later day, and later minutes of the pinned day (a new file in its partition).
  removed += (await writeDataset(BARS, bars(["DDD"], 10, DAY3 + i * 600_000), W)).filesRemoved
    .length;
  removed += (await writeDataset(BARS, bars(["AAA"], 5, DAY1 + (60 + i * 5) * 60_000), W))
    .filesRemoved.length;
  // Changed values of pinned keys: the partition is rewritten and its old files replaced.
  const changed = bars(["AAA", "BBB"], 20, DAY1, 1000 + i).withColumns(
    pl.col("volume").mul(pl.lit(i + 2)),
  );
  removed += (await writeDataset(BARS, changed, W)).filesRemoved.length;
  const c = await compactDataset(BARS, { root });
  removed += c.filesBefore - c.filesAfter;
  console.log(`round ${i + 1} ${removed}`);
  // A pause so the reader in the test gets several queries in while rounds are still to come.
  await new Promise((r) => setTimeout(r, 300));
}
