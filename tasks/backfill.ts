/** `deno task backfill`: one backfill job from a vendor (or the simulated market) into the lake. */
import { defineTask, JSON_OPTION, jsonOutput, runTask, UsageError } from "../lib/cli/mod.ts";
import { backfillCommand } from "../lib/ingest/commands.ts";
import { datasetNames, pipelineFor } from "../lib/ingest/registry.ts";
import { catalogFromEnv, describeCatalog, progressPrinter } from "../lib/cluster/mod.ts";
import { registerWorkbenchJobs, runClusterBackfill } from "../lib/jobs/mod.ts";
import { loadConfig } from "../lib/config/mod.ts";

const SOURCES = [...new Set(datasetNames().map((n) => n.split("/")[0]!))];

/** Names as indented lines of at most 100 columns. */
function wrapList(names: string[]): string {
  const lines: string[] = [];
  for (const n of names) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + n.length + 2 <= 100) {
      lines[lines.length - 1] += `, ${n}`;
    } else lines.push(`  ${n}`);
  }
  return lines.join("\n");
}

const TASK = defineTask({
  name: "backfill",
  summary: "Backfill one dataset for some symbols and dates into the lake (raw and curated).",
  options: {
    source: { type: "enum", values: SOURCES, required: true, description: "Vendor" },
    dataset: {
      type: "string",
      required: true,
      example: "stock_bars_minute",
      description: "Dataset of that vendor (see the list below)",
    },
    symbols: { type: "list", required: true, example: "SPY,QQQ", description: "Symbols" },
    start: { type: "date", required: true, example: "2024-02-01", description: "First date" },
    end: { type: "date", required: true, example: "2024-02-29", description: "Last date" },
    resume: { type: "boolean", description: "Continue the last run from its checkpoint" },
    incremental: {
      type: "boolean",
      description: "Fetch only after each symbol's watermark",
    },
    workers: {
      type: "integer",
      min: 1,
      description: "Concurrent units (default: run.workers of the configuration)",
    },
    sim: { type: "boolean", description: "Run against the built-in simulated market" },
    seed: { type: "integer", description: "Seed of the simulated market (with --sim)" },
    "strike-band": {
      type: "number",
      min: 0,
      description: "Option discovery strike band as a fraction of the open; pipeline default 0.01",
    },
    "expiry-days": {
      type: "integer",
      min: 0,
      description: "Option discovery expiry window in calendar days; pipeline default 30",
    },
    adjustment: {
      type: "enum",
      values: ["raw", "split", "dividend", "all"],
      description: "Alpaca price adjustment; pipeline default raw",
    },
    feed: { type: "string", example: "iex", description: "Alpaca feed; pipeline default iex" },
    "job-id": { type: "string", description: "Job id for the checkpoint (default: derived)" },
    "batch-units": { type: "integer", min: 1, description: "Units per lake write (default 64)" },
    "no-quality": { type: "boolean", description: "Skip the quality report after the run" },
    cluster: {
      type: "boolean",
      description:
        "Run the units on cluster workers (deno task worker) through the queue on WORKBENCH_CATALOG",
    },
    "budget-per-second": {
      type: "number",
      min: 0,
      description:
        "With --cluster: the vendor's request rate shared by every worker (token bucket)",
    },
    json: JSON_OPTION,
  },
  details: `Prints the run summary. Without --sim, vendor URLs and keys come from the configuration
(.env / environment). Known datasets (source/dataset):
${wrapList(datasetNames())}

With --cluster each unit is one job for \`deno task worker\` processes that write the same lake
(WORKBENCH_DATA on a shared disk, or the S3 lake); their checkpoints go to the PostgreSQL catalog
(one row per unit), and --budget-per-second caps the vendor requests of all workers together. With
--sim the simulated market runs in this process and the workers fetch from it. The lake ends as a
single-process run leaves it.

Exit codes: 0 every unit succeeded, 1 units failed (or the run failed), 2 bad arguments.`,
  examples: [
    "--sim --source polygon --dataset stock_bars_minute --symbols SPY --start 2024-02-01 --end 2024-02-29",
    "--source fred --dataset macro_observations --symbols DGS10 --start 2000-01-01 --end 2024-03-28 --resume",
  ],
});

await runTask(TASK, async ({ values: v }) => {
  try {
    pipelineFor(v.source, v.dataset);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (v.start > v.end) throw new UsageError(`--start ${v.start} is after --end ${v.end}`);
  const out = jsonOutput(v.json);
  if (v.cluster) {
    let catalog;
    try {
      catalog = catalogFromEnv();
    } catch (e) {
      throw new UsageError(`--cluster: ${(e as Error).message}`);
    }
    if (v.incremental) throw new UsageError("--cluster does not take --incremental");
    registerWorkbenchJobs();
    const cfg = loadConfig();
    const sim = v.sim
      ? await (await import("../lib/sources/sim/mod.ts")).startSimServer({
        seed: v.seed ?? cfg.run.seed,
      })
      : null;
    try {
      console.error(
        `backfill: ${v.source}/${v.dataset} on the cluster at ${describeCatalog(catalog.url)}`,
      );
      const s = await runClusterBackfill({
        source: v.source,
        dataset: v.dataset,
        symbols: v.symbols,
        start: v.start,
        end: v.end,
        ...(v["strike-band"] !== undefined ? { strikeBand: v["strike-band"] } : {}),
        ...(v["expiry-days"] !== undefined ? { expiryDays: v["expiry-days"] } : {}),
        ...(v.adjustment
          ? { adjustment: v.adjustment as "raw" | "split" | "dividend" | "all" }
          : {}),
        ...(v.feed ? { feed: v.feed } : {}),
      }, {
        catalog,
        root: cfg.lakeRoot,
        resume: v.resume,
        ...(v["job-id"] ? { jobId: v["job-id"] } : {}),
        ...(sim ? { simBaseUrl: sim.baseUrl } : {}),
        ...(v["budget-per-second"] ? { budget: { perSecond: v["budget-per-second"] } } : {}),
        onProgress: progressPrinter(),
      });
      console.log(
        `job ${s.jobId}: units done ${s.units.done}, skipped ${s.units.skipped} (of ${s.units.total}); rows: raw ${s.rawRows}, curated ${s.curatedRows}, quarantined ${s.quarantined}; ${s.pages} pages${
          s.budgetUsed !== null ? `, ${s.budgetUsed} requests from the shared budget` : ""
        }; ${(s.elapsedMs / 1000).toFixed(1)} s`,
      );
      out.emit({ task: "backfill", source: v.source, dataset: v.dataset, exitCode: 0, ...s });
      return 0;
    } finally {
      await sim?.close();
    }
  }
  let summary: Record<string, unknown> = {};
  const code = await backfillCommand({
    source: v.source,
    dataset: v.dataset,
    symbols: v.symbols,
    start: v.start,
    end: v.end,
    resume: v.resume,
    incremental: v.incremental,
    quality: !v["no-quality"],
    ...(v.workers !== undefined ? { workers: v.workers } : {}),
    ...(v["job-id"] ? { jobId: v["job-id"] } : {}),
    ...(v["batch-units"] !== undefined ? { batchUnits: v["batch-units"] } : {}),
    ...(v["strike-band"] !== undefined ? { strikeBand: v["strike-band"] } : {}),
    ...(v["expiry-days"] !== undefined ? { expiryDays: v["expiry-days"] } : {}),
    ...(v.adjustment ? { adjustment: v.adjustment as "raw" | "split" | "dividend" | "all" } : {}),
    ...(v.feed ? { feed: v.feed } : {}),
  }, {
    ...(v.sim ? { sim: v.seed !== undefined ? { seed: v.seed } : true } : {}),
    onResult: (r) => (summary = r),
  });
  out.emit({ task: "backfill", source: v.source, dataset: v.dataset, exitCode: code, ...summary });
  return code;
});
