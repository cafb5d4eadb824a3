/**
 * A batched training export reads one lake state: the submitter fixes the dataset's manifest
 * version (and pins it) before the scan pass, and every batch — here each run through the
 * cluster job's handler (`runExportBatch`, what a worker runs) — reads that version. The test
 * appends between batches (a correction of every close of the last year, which rewrites the
 * year's file, and a new symbol) and expects the rows of an export made without the append,
 * value for value. It then checks the append was real (an export made afterwards differs) and
 * that the export's pin is gone.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { listSnapshotPins, metaDir, readManifest, writeDataset } from "../../lib/lake/mod.ts";
import { exportTrainingSetBatched } from "../../lib/features/mod.ts";
import { runExportBatch } from "../../lib/jobs/export.ts";
import type { BatchJob, BatchPartStats } from "../../lib/features/export_batched.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { loadDataset } from "../../lib/dataset/load.ts";
import { DATES, exportSpec, frame, SPEC } from "./_batch_lake.ts";

function assertSameRows(a: pl.DataFrame, b: pl.DataFrame) {
  assertEquals(a.columns, b.columns);
  assertEquals(a.height, b.height);
  for (const c of a.columns) {
    const x = a.getColumn(c).toArray(), y = b.getColumn(c).toArray();
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) throw new Error(`column ${c} row ${i}: ${x[i]} vs ${y[i]}`);
    }
  }
}

Deno.test("batched export: an append between batches changes nothing (one pinned version)", async () => {
  const root = await Deno.makeTempDir({ prefix: "export_pinned_" });
  const W = { transformId: "test@1", sourceUri: "test://pinned", root };
  try {
    await writeDataset(SPEC, frame(["AAA", "BBB", "CCC"], DATES, 11), W);
    const spec = exportSpec();
    const ref = join(root, "ref");
    await exportTrainingSetBatched(spec, { outDir: ref, batchDates: 100, root });
    const rowsRef = pl.readParquet(join(ref, "rows.parquet"));
    assert(rowsRef.height > 1000, `rows ${rowsRef.height}`);

    // The same export, its batches run one by one by the job handler, with an append after
    // the first: every 2022 close scaled by 1.5 (rewrites the 2022 file) and a new symbol.
    const out = join(root, "pinned");
    let appended = 0;
    const runBatches = async (jobs: BatchJob[]): Promise<BatchPartStats[]> => {
      const stats: BatchPartStats[] = [];
      for (const job of jobs) {
        stats.push(await runExportBatch(job));
        if (stats.length === 1) {
          await writeDataset(SPEC, frame(["AAA", "BBB", "CCC"], DATES.slice(252), 99, 1.5), W);
          await writeDataset(SPEC, frame(["NEW"], DATES, 5), W);
          appended = readManifest(metaDir(SPEC, root)).length;
        }
      }
      return stats;
    };
    const r = await exportTrainingSetBatched(spec, {
      outDir: out,
      batchDates: 100,
      root,
      runBatches,
    });
    assertEquals(appended, 3); // the two appends were committed during the export
    assert(r.batches >= 4, `batches ${r.batches}`);
    assertSameRows(pl.readParquet(join(out, "rows.parquet")), rowsRef);
    // Nothing left behind: no work folder, no pin.
    assertEquals([...Deno.readDirSync(out)].filter((e) => e.name.startsWith(".batches-")), []);
    assertEquals(await listSnapshotPins(SPEC, root), []);

    // Reads at a version: version 1 is the first write (3 symbols x 502 sessions), the latest
    // adds NEW; a version the dataset does not have is refused.
    const v1 = await loadDataset("user/pinned_daily", { root, version: 1 });
    assertEquals(v1.frame.height, 3 * DATES.length);
    const v3 = await loadDataset("user/pinned_daily", { root });
    assertEquals(v3.frame.height, 4 * DATES.length);
    await assertRejects(
      () => loadDataset("user/pinned_daily", { root, version: 4 }),
      RangeError,
      "has 3 entries",
    );

    // The append is real: an export now has the new symbol and other values.
    const after = join(root, "after");
    await exportTrainingSetBatched(spec, { outDir: after, batchDates: 100, root });
    const rowsAfter = pl.readParquet(join(after, "rows.parquet"));
    assert((rowsAfter.getColumn("symbol").toArray() as string[]).includes("NEW"));
    assert(rowsAfter.height > rowsRef.height, `${rowsAfter.height} vs ${rowsRef.height}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
