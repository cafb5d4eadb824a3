/**
 * deno task demo [--seed N] [--days N] [--null]
 *
 * The main job. Foundation stage: creates the lake, writes a small seeded dataset of daily bars
 * through the lake writer (atomic, deduplicated, with lineage), registers the SQL views and
 * prints a query result. Later stages (simulated market, backfill, features, models, validation,
 * backtest, report) are appended in lib/demo as they land.
 */
import { parseArgs } from "node:util";
import { runDemo } from "../lib/demo/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: "42" },
    days: { type: "string", default: "60" },
    null: { type: "boolean", default: false },
  },
});
const seed = Number(values.seed);
const days = Number(values.days);
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`--seed must be a non-negative integer, got ${values.seed}`);
  Deno.exit(2);
}
if (!Number.isInteger(days) || days < 5 || days > 5000) {
  console.error(`--days must be an integer from 5 to 5000, got ${values.days}`);
  Deno.exit(2);
}
const summary = await runDemo({ seed, days, nullWorld: values.null });
console.log(summary.text);
Deno.exit(summary.ok ? 0 : 1);
