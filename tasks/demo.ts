/**
 * deno task demo [--seed N] [--days N] [--null] [--equities N] [--out DIR]
 *
 * The main job: the whole research loop over the built-in simulated market (lib/demo). Prints a
 * summary with the paths of the report and deliverables. Rerunnable: a second run reuses the lake.
 * The lake is `$WORKBENCH_DATA` (default ./data); reports and deliverables go to `--out`
 * (default `<lake>/../runs/demo-<seed>[-null]`). Exits 0 when every ingest unit finished and the
 * news and corporate actions landed match what the simulated world planted.
 */
import { parseArgs } from "node:util";
import { runDemo } from "../lib/demo/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: "42" },
    days: { type: "string", default: "1000" },
    equities: { type: "string", default: "10" },
    null: { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const seed = Number(values.seed);
const days = Number(values.days);
const equities = Number(values.equities);
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`--seed must be a non-negative integer, got ${values.seed}`);
  Deno.exit(2);
}
if (!Number.isInteger(days) || days < 300 || days > 5000) {
  console.error(`--days must be an integer from 300 to 5000, got ${values.days}`);
  Deno.exit(2);
}
if (!Number.isInteger(equities) || equities < 4 || equities > 200) {
  console.error(`--equities must be an integer from 4 to 200, got ${values.equities}`);
  Deno.exit(2);
}
const summary = await runDemo({
  seed,
  days,
  equities,
  nullWorld: values.null,
  ...(values.out ? { outDir: values.out } : {}),
});
Deno.exit(summary.ok ? 0 : 1);
