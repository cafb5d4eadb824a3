/**
 * deno task backfill --source <vendor> --dataset <name> --symbols A,B --start YYYY-MM-DD
 *   --end YYYY-MM-DD [--resume] [--incremental] [--workers N] [--sim]
 *   [--strike-band 0.01] [--expiry-days 30] [--adjustment raw] [--feed iex] [--job-id ID]
 *   [--batch-units N] [--no-quality]
 *
 * Prints the run summary; exits 1 when units failed, 2 on bad arguments. `--sim` runs against
 * the built-in simulated market (in-process); otherwise vendor URLs and keys come from the
 * configuration (.env / environment).
 */
import { parseArgs } from "node:util";
import { log } from "../lib/core/log.ts";
import { backfillCommand } from "../lib/ingest/commands.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: {
    source: { type: "string" },
    dataset: { type: "string" },
    symbols: { type: "string" },
    start: { type: "string" },
    end: { type: "string" },
    resume: { type: "boolean", default: false },
    incremental: { type: "boolean", default: false },
    workers: { type: "string" },
    sim: { type: "boolean", default: false },
    seed: { type: "string" },
    "strike-band": { type: "string" },
    "expiry-days": { type: "string" },
    adjustment: { type: "string" },
    feed: { type: "string" },
    "job-id": { type: "string" },
    "batch-units": { type: "string" },
    "no-quality": { type: "boolean", default: false },
  },
});

try {
  if (!v.source || !v.dataset || !v.symbols || !v.start || !v.end) {
    throw new RangeError("--source, --dataset, --symbols, --start and --end are required");
  }
  const code = await backfillCommand({
    source: v.source,
    dataset: v.dataset,
    symbols: v.symbols.split(",").map((s) => s.trim()).filter(Boolean),
    start: v.start,
    end: v.end,
    resume: v.resume,
    incremental: v.incremental,
    quality: !v["no-quality"],
    ...(v.workers ? { workers: Number(v.workers) } : {}),
    ...(v["job-id"] ? { jobId: v["job-id"] } : {}),
    ...(v["batch-units"] ? { batchUnits: Number(v["batch-units"]) } : {}),
    ...(v["strike-band"] ? { strikeBand: Number(v["strike-band"]) } : {}),
    ...(v["expiry-days"] ? { expiryDays: Number(v["expiry-days"]) } : {}),
    ...(v.adjustment ? { adjustment: v.adjustment as "raw" } : {}),
    ...(v.feed ? { feed: v.feed } : {}),
  }, v.sim ? { sim: v.seed ? { seed: Number(v.seed) } : true } : {});
  Deno.exit(code);
} catch (e) {
  log.error("backfill.error", { error: e });
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(e instanceof RangeError || e instanceof TypeError ? 2 : 1);
}
