/**
 * deno task backfill-all [--plan plan.json] [--resume] [--workers N] [--sim] [--start D --end D]
 *
 * Runs a config-driven plan across vendors (default: lib/ingest/commands.ts DEFAULT_PLAN, the
 * nightly set). A plan file is a JSON array of steps
 * `{ "source", "dataset", "symbols": [..] | "@universe", "start", "end" }`.
 */
import { parseArgs } from "node:util";
import { log } from "../lib/core/log.ts";
import { backfillAllCommand, type PlanStep } from "../lib/ingest/commands.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: {
    plan: { type: "string" },
    resume: { type: "boolean", default: false },
    workers: { type: "string" },
    sim: { type: "boolean", default: false },
    seed: { type: "string" },
    start: { type: "string" },
    end: { type: "string" },
  },
});

try {
  const plan = v.plan ? JSON.parse(Deno.readTextFileSync(v.plan)) as PlanStep[] : undefined;
  const code = await backfillAllCommand({
    ...(plan ? { plan } : {}),
    resume: v.resume,
    ...(v.workers ? { workers: Number(v.workers) } : {}),
    ...(v.start ? { start: v.start } : {}),
    ...(v.end ? { end: v.end } : {}),
  }, v.sim ? { sim: v.seed ? { seed: Number(v.seed) } : true } : {});
  Deno.exit(code);
} catch (e) {
  log.error("backfill_all.error", { error: e });
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(e instanceof RangeError || e instanceof SyntaxError ? 2 : 1);
}
