/**
 * A cluster export whose submitter died leaves `<outDir>/.batches-<uuid>` and its snapshot pin;
 * the next cluster export into the same folder removes them once the dead owner's lease ran out
 * and its process is gone. Folders of a live owner (lease in the future, or a live process of
 * this host) and a recent folder without an owner record are left alone; one without an owner
 * record unchanged for more than a day is removed. The submitter is a real process, SIGKILLed.
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import { listSnapshotPins, writeDataset } from "../../lib/lake/mod.ts";
import { exportTrainingSetBatched } from "../../lib/features/mod.ts";
import { runExportBatch } from "../../lib/jobs/export.ts";
import type { BatchJob, BatchPartStats } from "../../lib/features/export_batched.ts";
import { assert, assertEquals } from "../_assert.ts";
import { DATES, exportSpec, frame, SPEC } from "./_batch_lake.ts";

const batchFolders = (out: string) =>
  [...Deno.readDirSync(out)].filter((e) => e.name.startsWith(".batches-")).map((e) => e.name)
    .sort();

Deno.test("cluster export: a dead submitter's work folder and pin are removed by the next run", async () => {
  const root = await Deno.makeTempDir({ prefix: "export_stale_" });
  const out = join(root, "out");
  try {
    await writeDataset(SPEC, frame(["AAA", "BBB"], DATES, 3), {
      transformId: "test@1",
      sourceUri: "test://stale",
      root,
    });
    const signal = join(root, "submitted");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--frozen",
        new URL("./_stale_submitter.ts", import.meta.url).pathname,
        root,
        out,
        signal,
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const t0 = Date.now();
    for (;;) {
      try {
        Deno.statSync(signal);
        break;
      } catch {
        if (Date.now() - t0 > 60_000) throw new Error("the submitter did not start its batches");
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    child.kill("SIGKILL");
    await child.status;
    await child.stderr.cancel();
    const [dead] = batchFolders(out);
    assert(dead, "the killed submitter left no work folder");
    assert(Deno.statSync(join(out, dead, "plan.json")).isFile);
    assertEquals((await listSnapshotPins(SPEC, root)).length, 1); // its export pin stayed
    // Other folders: a live owner elsewhere (lease in the future), this process as owner with
    // its lease out, a recent folder without owner.json, and one unchanged for two days.
    const mk = (name: string, owner?: object) => {
      Deno.mkdirSync(join(out, name));
      Deno.writeTextFileSync(join(out, name, "plan.json"), "{}");
      if (owner) Deno.writeTextFileSync(join(out, name, "owner.json"), JSON.stringify(owner));
    };
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    mk(".batches-live-elsewhere", { host: "other-host", pid: 1, lease_until: future });
    mk(".batches-live-here", { host: Deno.hostname(), pid: Deno.pid, lease_until: past });
    mk(".batches-legacy-recent");
    mk(".batches-legacy-old");
    const old = new Date(Date.now() - 2 * 86_400_000);
    Deno.utimeSync(join(out, ".batches-legacy-old", "plan.json"), old, old);
    Deno.utimeSync(join(out, ".batches-legacy-old"), old, old);
    await new Promise((r) => setTimeout(r, 800)); // the dead owner's 600 ms lease runs out

    const runBatches = async (jobs: BatchJob[]): Promise<BatchPartStats[]> => {
      const stats: BatchPartStats[] = [];
      for (const j of jobs) stats.push(await runExportBatch(j));
      return stats;
    };
    const r = await exportTrainingSetBatched(exportSpec(), {
      outDir: out,
      root,
      batchDates: 100,
      runBatches,
    });
    assert(r.manifest.rows > 500, `rows ${r.manifest.rows}`);
    assert(pl.readParquet(join(out, "rows.parquet")).height === r.manifest.rows);
    assertEquals(batchFolders(out), [
      ".batches-legacy-recent",
      ".batches-live-elsewhere",
      ".batches-live-here",
    ]);
    assertEquals(await listSnapshotPins(SPEC, root), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
