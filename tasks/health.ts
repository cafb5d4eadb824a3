/**
 * deno task health [--json] [--strict]
 *
 * Every stream and backfill with its state, last heartbeat, counts, lag and alerts (read from
 * `${lakeRoot}/_ops/`). --strict exits 1 when any worker has an alert or is dead/stalled.
 */
import { parseArgs } from "node:util";
import { collectHealth, formatHealth } from "../lib/ops/health.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    json: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
  },
});

const rows = collectHealth();
console.log(values.json ? JSON.stringify(rows, null, 2) : formatHealth(rows));
const bad = rows.some((r) => r.alerts.length > 0);
Deno.exit(values.strict && bad ? 1 : 0);
