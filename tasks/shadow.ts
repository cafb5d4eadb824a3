/** `deno task shadow`: replay the daily runbook with challengers shadow-trading the champion. */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { shadowCommand } from "../lib/runbook/mod.ts";
import { checkRunbookFile, RUNBOOK_OPTIONS } from "./_runbook_options.ts";

const TASK = defineTask({
  name: "shadow",
  summary: "Replay the daily runbook over a date range and decide each challenger's promotion.",
  options: {
    from: { type: "date", required: true, example: "2024-03-01", description: "First session" },
    to: { type: "date", required: true, example: "2024-03-28", description: "Last session" },
    ...RUNBOOK_OPTIONS,
  },
  details: `Challengers shadow-trade beside the champion session by session (lib/runbook/shadow.ts);
each day is printed, then each challenger's promotion decision, which is also recorded. No
e-mail is sent.

Exit codes: 0 done, 1 failure, 2 bad arguments or runbook file.`,
  examples: ["--from 2024-03-01 --to 2024-03-28 --sim"],
});

await runTask(TASK, async ({ values: v }) => {
  if (v.from > v.to) throw new UsageError(`--from ${v.from} is after --to ${v.to}`);
  if (v.config) checkRunbookFile(v.config);
  try {
    return await shadowCommand(v.from, v.to, {
      sim: v.sim,
      noIngest: v["no-ingest"],
      email: false,
      ...(v.config ? { config: v.config } : {}),
      ...(v.seed !== undefined ? { seed: v.seed } : {}),
      ...(v.workers !== undefined ? { workers: v.workers } : {}),
    });
  } catch (e) {
    // The runbook throws RangeError for a bad date or runbook setting (a usage mistake).
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
});
