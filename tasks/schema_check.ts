/** `deno task schema-check`: compare one fetched unit and the lake's types with the recorded schemas. */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { schemaCheckCommand } from "../lib/ingest/commands.ts";
import { datasetNames, pipelineFor } from "../lib/ingest/registry.ts";

const SOURCES = [...new Set(datasetNames().map((n) => n.split("/")[0]!))];

const TASK = defineTask({
  name: "schema-check",
  summary: "Fetch one unit (writing nothing) and check it and the lake for schema drift.",
  options: {
    source: { type: "enum", values: SOURCES, required: true, description: "Vendor" },
    dataset: {
      type: "string",
      required: true,
      example: "stock_bars_minute",
      description: "Dataset of that vendor (as in deno task backfill)",
    },
    symbol: { type: "string", required: true, example: "SPY", description: "Symbol of the unit" },
    date: { type: "date", required: true, example: "2024-03-28", description: "Date of the unit" },
    accept: { type: "boolean", description: "Record the fetched wire schema as the new one" },
    sim: { type: "boolean", description: "Fetch from the built-in simulated market" },
  },
  details:
    `Compares the payload's fields with the recorded wire schema, and the lake's recorded column
types with the dataset spec. Nothing is written to the lake (--accept writes only the schema).

Exit codes: 0 no drift, 1 drift found (or a failure), 2 bad arguments.`,
  examples: ["--sim --source polygon --dataset stock_bars_minute --symbol SPY --date 2024-03-28"],
});

await runTask(TASK, async ({ values: v }) => {
  try {
    pipelineFor(v.source, v.dataset);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return await schemaCheckCommand(
    { source: v.source, dataset: v.dataset, symbol: v.symbol, date: v.date, accept: v.accept },
    v.sim ? { sim: true } : {},
  );
});
