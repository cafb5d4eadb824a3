/** `deno task daily`: the daily runbook for one session (lib/runbook). */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { dailyCommand } from "../lib/runbook/mod.ts";
import { checkRunbookFile, RUNBOOK_OPTIONS } from "./_runbook_options.ts";

const TASK = defineTask({
  name: "daily",
  summary: "Run the daily runbook for one session: ingest, predict, deliver, check tripwires.",
  options: {
    date: { type: "date", required: true, example: "2024-03-28", description: "Session date" },
    ...RUNBOOK_OPTIONS,
    "no-email": { type: "boolean", description: "Do not send the notification e-mail" },
  },
  details:
    `Steps: incremental backfill, features, champion and challenger predictions, deliverables,
drift, tripwires, notification (e-mail when SMTP is configured). The runbook reads the vendor's
(or, with --sim, the simulated market's) polygon/stock_bars_day: it does not run on ingest-file
datasets. The --config fields are described in the README (Daily runbook).

Exit codes: 0 every tripwire quiet, 3 a tripwire fired, 1 failure, 2 bad arguments or runbook
file.`,
  examples: ["--date 2024-03-28 --sim", "--date 2024-03-28 --config runbook.json --no-email"],
});

/** An unknown runbook field that looks like a user dataset or file (`dataset`, `file`, `path`...). */
const USER_DATA_FIELD = /data|file|path|source|user|csv/i;

await runTask(TASK, async ({ values: v }) => {
  if (v.config) {
    try {
      checkRunbookFile(v.config);
    } catch (e) {
      const fields = Object.keys(JSON.parse(Deno.readTextFileSync(v.config)) ?? {});
      if (e instanceof UsageError && fields.some((k) => USER_DATA_FIELD.test(k))) {
        throw new UsageError(
          `${e.message}. The daily runbook runs on the vendor or simulated market's polygon/stock_bars_day only, not on ingest-file datasets: to update a user dataset, run ingest-file again with the new file`,
        );
      }
      throw e;
    }
  }
  try {
    return await dailyCommand(v.date, {
      sim: v.sim,
      noIngest: v["no-ingest"],
      email: !v["no-email"],
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
