/**
 * Child of export_batched_stale_test.ts: a cluster-mode export submitter (runBatches never
 * answers) with a short owner lease, which the test SIGKILLs once its work folder exists.
 * Args: lake root, outDir, a file written when the batches were handed over.
 */
import { exportTrainingSetBatched } from "../../lib/features/mod.ts";
import { exportSpec } from "./_batch_lake.ts";

const [root, outDir, signal] = Deno.args as [string, string, string];
await exportTrainingSetBatched(exportSpec(), {
  outDir,
  root,
  batchDates: 100,
  ownerLeaseMs: 600,
  runBatches: async () => {
    await Deno.writeTextFile(signal, "submitted");
    return await new Promise(() => {}); // never: the test kills this process
  },
});
