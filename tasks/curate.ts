/** `deno task curate`: rebuild curated rows from raw rows after each dataset's watermark. */
import { defineTask, JSON_OPTION, jsonOutput, runTask, UsageError } from "../lib/cli/mod.ts";
import { curateCommand } from "../lib/ingest/commands.ts";
import { datasetNames } from "../lib/ingest/registry.ts";

const TASK = defineTask({
  name: "curate",
  summary: "Rebuild curated rows (and quarantine) from raw rows after each dataset's watermark.",
  options: {
    dataset: {
      type: "list",
      example: "polygon/stock_bars_minute,fred/macro_observations",
      description: "Only these source/dataset names (default: every dataset with raw rows)",
    },
    full: { type: "boolean", description: "Re-curate all raw rows, ignoring the watermark" },
    json: JSON_OPTION,
  },
  details: `Idempotent: a second run writes nothing new. Prints per dataset: raw rows read, curated
rows, rows new or changed, rows quarantined (with a reason code).

Exit codes: 0 done, 1 failure, 2 bad arguments.`,
  examples: ["--full", "--dataset polygon/stock_bars_minute"],
});

await runTask(TASK, async ({ values: v }) => {
  const known = new Set(datasetNames());
  for (const d of v.dataset ?? []) {
    if (!known.has(d)) {
      throw new UsageError(
        `--dataset ${JSON.stringify(d)}: unknown; known: ${[...known].join(", ")}`,
      );
    }
  }
  const out = jsonOutput(v.json);
  const datasets: Record<string, unknown>[] = [];
  const code = await curateCommand(
    { ...(v.dataset ? { datasets: v.dataset } : {}), full: v.full },
    { onResult: (r) => datasets.push(r) },
  );
  out.emit({ task: "curate", exitCode: code, datasets });
  return code;
});
