/** `deno task health`: every stream and backfill worker with its state, counts, lag and alerts. */
import { defineTask, runTask } from "../lib/cli/mod.ts";
import { collectHealth, formatHealth } from "../lib/ops/health.ts";

const TASK = defineTask({
  name: "health",
  summary: "Show every stream and backfill with its state, last heartbeat, counts, lag and alerts.",
  options: {
    json: { type: "boolean", description: "Print the rows as JSON" },
    strict: { type: "boolean", description: "Exit 1 when any worker has an alert" },
  },
  details: `Reads the heartbeats and registrations under \${WORKBENCH_DATA}/_ops/. A dead or stalled
worker carries an alert.

Exit codes: 0 done (with --strict: no alerts), 1 an alert with --strict, or a failure, 2 bad
arguments.`,
  examples: ["--strict", "--json"],
});

await runTask(TASK, ({ values }) => {
  const rows = collectHealth();
  console.log(values.json ? JSON.stringify(rows, null, 2) : formatHealth(rows));
  const bad = rows.some((r) => r.alerts.length > 0);
  return values.strict && bad ? 1 : 0;
});
