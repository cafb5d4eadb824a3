/**
 * deno task curate [--dataset source/name[,source/name]] [--full]
 *
 * Rebuilds curated rows from raw rows after each dataset's curated watermark (all raw rows with
 * --full). Idempotent: a second run writes nothing new.
 */
import { parseArgs } from "node:util";
import { log } from "../lib/core/log.ts";
import { curateCommand } from "../lib/ingest/commands.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: { dataset: { type: "string" }, full: { type: "boolean", default: false } },
});
try {
  Deno.exit(
    await curateCommand({ ...(v.dataset ? { datasets: v.dataset.split(",") } : {}), full: v.full }),
  );
} catch (e) {
  log.error("curate.error", { error: e });
  console.error(e instanceof Error ? e.message : String(e));
  Deno.exit(e instanceof RangeError ? 2 : 1);
}
