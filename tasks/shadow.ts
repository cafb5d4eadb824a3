/**
 * deno task shadow --from YYYY-MM-DD --to YYYY-MM-DD [--config runbook.json] [--sim] [--seed N]
 *   [--no-ingest] [--workers N]
 *
 * Replays the daily runbook session by session (challengers shadow-trade beside the champion),
 * then prints and records each challenger's promotion decision (lib/runbook/shadow.ts).
 * Exit 0 on success, 2 on bad arguments, 1 on failure.
 */
import { parseArgs } from "node:util";
import { log } from "../lib/core/log.ts";
import { shadowCommand } from "../lib/runbook/mod.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: {
    from: { type: "string" },
    to: { type: "string" },
    config: { type: "string" },
    sim: { type: "boolean", default: false },
    seed: { type: "string" },
    "no-ingest": { type: "boolean", default: false },
    workers: { type: "string" },
  },
});

try {
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  if (!v.from || !v.to || !iso.test(v.from) || !iso.test(v.to)) {
    throw new RangeError("--from and --to YYYY-MM-DD are required");
  }
  Deno.exit(
    await shadowCommand(v.from, v.to, {
      sim: v.sim,
      noIngest: v["no-ingest"],
      email: false,
      ...(v.config ? { config: v.config } : {}),
      ...(v.seed ? { seed: Number(v.seed) } : {}),
      ...(v.workers ? { workers: Number(v.workers) } : {}),
    }),
  );
} catch (e) {
  log.error("shadow.error", { error: e });
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(e instanceof RangeError || e instanceof TypeError ? 2 : 1);
}
