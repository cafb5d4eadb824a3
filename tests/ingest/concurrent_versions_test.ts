// Trial 11 finding 4: two identical ingests started at once. The version merge reads the stored
// rows before the write lock, so the loser's merge saw nothing stored and counted every row new
// while its commit found them all already there ("already in the lake: N new ..., 0 files
// added"). The counts now reflect the state the commit found: one ingest N new, the other N
// unchanged, and the rows land once.
import { assert, assertEquals } from "../_assert.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { ingestBarsFile, userBarsSpec } from "../../lib/ingest/user_file.ts";

const NOW = new Date("2026-01-05T12:00:00Z");

/** A daily bars CSV of `n` weekdays from 2001-01-01 (closes 100 + i / 8). */
function barsCsv(n: number): string {
  const lines = ["date,open,high,low,close,volume"];
  const d = new Date("2001-01-01T00:00:00Z");
  for (let i = 0; i < n; d.setUTCDate(d.getUTCDate() + 1)) {
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    const c = 100 + i / 8;
    lines.push(`${d.toISOString().slice(0, 10)},${c},${c + 1},${c - 1},${c},${1000 + i}`);
    i++;
  }
  return lines.join("\n") + "\n";
}

Deno.test("trial 11 #4: two identical ingests at once: one counts N new, the other N unchanged; rows once", async () => {
  const root = await Deno.makeTempDir({ prefix: "concurrent-versions-" });
  try {
    const N = 1500;
    const file = `${root}/bars.csv`;
    Deno.writeTextFileSync(file, barsCsv(N));
    const opts = { dataset: "dj2", symbol: "DJ", calendar: "nyse", root, now: NOW } as const;
    const [a, b] = await Promise.all([ingestBarsFile(file, opts), ingestBarsFile(file, opts)]);
    const counts = [a, b].map((r) => [
      r.versions?.new,
      r.versions?.revised,
      r.versions?.unchanged,
      r.versions?.corrected,
    ]);
    // NYSE holidays are quarantined (not a session): the rest land.
    const n = a.rowsValid;
    assertEquals(b.rowsValid, n);
    assertEquals(a.rowsQuarantined + n, N);
    assert(n > N - 60 && n < N, `${n} valid rows`);
    // Whichever committed first: one wrote n new rows, the other found all n stored.
    const first = a.write && !a.write.noop ? 0 : 1;
    assertEquals(counts[first], [n, 0, 0, 0], JSON.stringify(counts));
    assertEquals(counts[1 - first], [0, 0, n, 0], JSON.stringify(counts));
    assertEquals([a, b][1 - first]!.write?.noop, true);
    const stored = await readDataset(userBarsSpec("dj2", true, { partitioning: "year" }), {
      root,
    });
    assertEquals(stored.height, n);
    const keys = stored.select("symbol", "date").unique().height;
    assertEquals(keys, n);
    // A sequential re-run agrees with the loser.
    const c = await ingestBarsFile(file, opts);
    assertEquals([c.versions?.new, c.versions?.unchanged], [0, n]);
    // Each landed close once (the closes are distinct in the file).
    assertEquals(new Set(stored.getColumn("close").toArray()).size, n);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
