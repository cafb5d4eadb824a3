/**
 * deno task demo [--seed N] [--days N] [--equities N] [--null] [--out DIR]
 *
 * The main job: the whole research loop over the built-in simulated market (lib/demo): ingest
 * into the lake, then models and backtests that read the lake through dataset references. Prints
 * a summary with the paths of the reports and deliverables. Rerunnable: a second run reuses the
 * lake. The lake is `$WORKBENCH_DATA` (default ./data/lake); reports and deliverables go to
 * `--out` (default `<lake>/../runs/demo-<seed>[-null]`). Exits 0 when every ingest unit finished
 * and the news and corporate actions landed match what the simulated world planted, 1 otherwise,
 * 2 on bad arguments.
 */
import { defineTask, JSON_OPTION, jsonOutput, runTask, UsageError } from "../lib/cli/mod.ts";
// Few modules: the world and its prefetch workers start before the rest of the workbench loads.
import { startDemo } from "../lib/demo/start.ts";

const TASK = defineTask({
  name: "demo",
  summary:
    "The research loop end to end on the simulated market: ingest, lake, models, backtests, reports.",
  options: {
    seed: { type: "integer", min: 0, default: 42, description: "World seed" },
    days: {
      type: "integer",
      min: 300,
      default: 1000,
      description: "Sessions of history ending 2024-03-28 (300 to 5000)",
    },
    equities: {
      type: "integer",
      min: 4,
      default: 10,
      description: "Equities in the simulated universe (4 to 200)",
    },
    null: {
      type: "boolean",
      description: "A world without planted effects (the gate must say NO-GO)",
    },
    out: { type: "path", description: "Folder for reports and deliverables" },
    json: JSON_OPTION,
  },
  details: `The lake is $WORKBENCH_DATA (default ./data/lake). Exit codes: 0 done; 1 an ingest unit
failed or the landed events differ from the world's; 2 bad arguments.`,
  examples: ["", "--null", "--seed 7 --out /tmp/demo-7"],
});

await runTask(TASK, async ({ values }) => {
  if (values.days > 5000) throw new UsageError(`--days ${values.days}: at most 5000`);
  if (values.equities > 200) throw new UsageError(`--equities ${values.equities}: at most 200`);
  const out = jsonOutput(values.json);
  const options = {
    seed: values.seed,
    days: values.days,
    equities: values.equities,
    nullWorld: values.null,
    ...(values.out ? { outDir: values.out } : {}),
  };
  // The workers generate the first sessions while this thread loads Polars, DuckDB, the lake
  // and the backtests (about a second): lib/demo/start.ts.
  const started = startDemo(options);
  const { runDemo } = await import("../lib/demo/mod.ts");
  const summary = await runDemo(options, started);
  out.emit({
    task: "demo",
    ok: summary.ok,
    outputs: summary.outputs,
    verdicts: summary.verdicts,
    events: summary.events,
    ic: summary.ic,
    data: Object.fromEntries(
      Object.entries(summary.data).map(([k, d]) => [k, { ...d, files: d.files.length }]),
    ),
  });
  return summary.ok ? 0 : 1;
});
