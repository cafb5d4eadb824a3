/**
 * deno task schema-check --source <vendor> --dataset <name> --symbol X --date YYYY-MM-DD
 *   [--accept] [--sim]
 *
 * Fetches one unit (nothing is written to the lake), compares the payload fields with the
 * recorded wire schema and the lake's recorded column types with the spec. Exit 1 on drift.
 */
import { parseArgs } from "node:util";
import { log } from "../lib/core/log.ts";
import { schemaCheckCommand } from "../lib/ingest/commands.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: {
    source: { type: "string" },
    dataset: { type: "string" },
    symbol: { type: "string" },
    date: { type: "string" },
    accept: { type: "boolean", default: false },
    sim: { type: "boolean", default: false },
  },
});
try {
  if (!v.source || !v.dataset || !v.symbol || !v.date) {
    throw new RangeError("--source, --dataset, --symbol and --date are required");
  }
  Deno.exit(
    await schemaCheckCommand(
      { source: v.source, dataset: v.dataset, symbol: v.symbol, date: v.date, accept: v.accept },
      v.sim ? { sim: true } : {},
    ),
  );
} catch (e) {
  log.error("schema_check.error", { error: e });
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(e instanceof RangeError ? 2 : 1);
}
