/**
 * deno task quality --dataset source/name --start YYYY-MM-DD --end YYYY-MM-DD
 *
 * Prints gaps against the calendar, stale runs, robust-z return outliers, OHLC violations and
 * crossed quotes of a curated dataset.
 */
import { parseArgs } from "node:util";
import { log } from "../lib/core/log.ts";
import { qualityCommand } from "../lib/ingest/commands.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: { dataset: { type: "string" }, start: { type: "string" }, end: { type: "string" } },
});
try {
  if (!v.dataset || !v.start || !v.end) {
    throw new RangeError("--dataset, --start and --end are required");
  }
  Deno.exit(await qualityCommand({ dataset: v.dataset, start: v.start, end: v.end }));
} catch (e) {
  log.error("quality.error", { error: e });
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(e instanceof RangeError ? 2 : 1);
}
