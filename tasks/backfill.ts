/** `deno task backfill`: one backfill job from a vendor (or the simulated market) into the lake. */
import { LEASE_HELP, LEASE_OPTION, leaseOption } from "../lib/cluster/cli.ts";
import { defineTask, JSON_OPTION, jsonOutput, runTask, UsageError } from "../lib/cli/mod.ts";
import { backfillCommand } from "../lib/ingest/commands.ts";
import { datasetNames, pipelineFor } from "../lib/ingest/registry.ts";
import { catalogFromEnv, describeCatalog, progressPrinter } from "../lib/cluster/mod.ts";
import { registerWorkbenchJobs, runClusterBackfill } from "../lib/jobs/mod.ts";
import { loadConfig } from "../lib/config/mod.ts";
import { resolveWorldConfig } from "../lib/sources/sim/config.ts";

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

/** The counts of a backfill summary that say whether anything landed. */
interface LandedCounts {
  units: { done: number };
  rawRows: number;
  curatedRows: number;
  quarantined: number;
}

/**
 * When units ran and none of them landed a row (raw, curated or quarantined), print a warning
 * line on stderr saying why that may be, and return the exit code (1, or 0 with --allow-empty);
 * `null` when rows landed, or nothing ran (every unit skipped as done before).
 */
function emptyCheck(
  v: {
    source: string;
    dataset: string;
    symbols: string[];
    start: string;
    end: string;
    sim?: boolean;
    seed?: number;
    "allow-empty"?: boolean;
  },
  s: LandedCounts,
): number | null {
  if (!(s.units.done > 0 && s.rawRows === 0 && s.curatedRows === 0 && s.quarantined === 0)) {
    return null;
  }
  const why = v.sim
    ? (() => {
      const w = resolveWorldConfig(v.seed !== undefined ? { seed: v.seed } : {});
      return `the simulated market serves ${w.start}..${w.end} only, and a symbol it does not list (its universe, SPY, I:VIX, the FX majors) has no data`;
    })()
    : `the vendor returned nothing: check that ${v.start}..${v.end} holds sessions it covers and that it knows the symbol(s)`;
  console.error(
    `backfill: warning: 0 rows landed for ${v.source}/${v.dataset} ${
      v.symbols.join(",")
    } ${v.start}..${v.end} (${s.units.done} units): ${why}${
      v["allow-empty"] ? "" : "; exit 1 (pass --allow-empty to accept an empty result)"
    }`,
  );
  return v["allow-empty"] ? 0 : 1;
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
    "lease-seconds": LEASE_OPTION,
    "budget-per-second": {
      type: "number",
      min: 0,
      description:
        "With --cluster: the vendor's request rate shared by every worker (token bucket)",
    },
    "allow-empty": {
      type: "boolean",
      description: "Exit 0 even when no unit landed a row (a warning is still printed)",
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
single-process run leaves it. Without --cluster the checkpoint also goes to the catalog when
WORKBENCH_CATALOG is set (else to <lake>/_meta/ingest/checkpoints/<job>.jsonl), so --resume and
verify --repair find it either way.
${LEASE_HELP}

A run whose units all landed 0 rows (dates outside the vendor's history or the simulated market's
window, a symbol the vendor does not know) prints a warning saying so and exits 1, unless
--allow-empty.

Exit codes: 0 every unit succeeded, 1 units failed, the run failed or no row landed (without
--allow-empty), 2 bad arguments.`,
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
  const lease = leaseOption(v);
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
        ...lease,
      });
      console.log(
        `job ${s.jobId}: units done ${s.units.done}, skipped ${s.units.skipped} (of ${s.units.total}); rows: raw ${s.rawRows}, curated ${s.curatedRows}, quarantined ${s.quarantined}; ${s.pages} pages${
          s.budgetUsed !== null ? `, ${s.budgetUsed} requests from the shared budget` : ""
        }; ${(s.elapsedMs / 1000).toFixed(1)} s`,
      );
      const code = emptyCheck(v, s) ?? 0;
      out.emit({ task: "backfill", source: v.source, dataset: v.dataset, exitCode: code, ...s });
      return code;
    } finally {
      await sim?.close();
    }
  }
  let summary: Record<string, unknown> = {};
  let code = await backfillCommand({
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
  const empty = code === 0 ? emptyCheck(v, summary as unknown as LandedCounts) : null;
  if (empty !== null) code = empty;
  out.emit({ task: "backfill", source: v.source, dataset: v.dataset, exitCode: code, ...summary });
  return code;
});
