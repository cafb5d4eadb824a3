/**
 * deno task daily --date YYYY-MM-DD [--config runbook.json] [--sim] [--seed N] [--no-ingest]
 *   [--no-email] [--workers N]
 *
 * The daily runbook (lib/runbook): incremental backfill, features, champion and challenger
 * predictions, deliverables, drift, tripwires, notification. Exit 0 when every tripwire is
 * quiet, 3 when one fired, 2 on bad arguments, 1 on failure.
 */
import { parseArgs } from "node:util";
import { log } from "../lib/core/log.ts";
import { dailyCommand } from "../lib/runbook/mod.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: {
    date: { type: "string" },
    config: { type: "string" },
    sim: { type: "boolean", default: false },
    seed: { type: "string" },
    "no-ingest": { type: "boolean", default: false },
    "no-email": { type: "boolean", default: false },
    workers: { type: "string" },
  },
});

try {
  if (!v.date || !/^\d{4}-\d{2}-\d{2}$/.test(v.date)) {
    throw new RangeError("--date YYYY-MM-DD is required");
  }
  Deno.exit(
    await dailyCommand(v.date, {
      sim: v.sim,
      noIngest: v["no-ingest"],
      email: !v["no-email"],
      ...(v.config ? { config: v.config } : {}),
      ...(v.seed ? { seed: Number(v.seed) } : {}),
      ...(v.workers ? { workers: Number(v.workers) } : {}),
    }),
  );
} catch (e) {
  log.error("daily.error", { error: e });
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(e instanceof RangeError || e instanceof TypeError ? 2 : 1);
}
