/** `deno task compact`: merge each partition's small files into one, rows unchanged. */
import { defineTask, runTask } from "../lib/cli/mod.ts";
import {
  committedState,
  compactDataset,
  lakeRoot,
  listDatasets,
  openLake,
} from "../lib/lake/mod.ts";
import type { DatasetSpec, Zone } from "../lib/lake/mod.ts";

const ZONES: readonly Zone[] = ["raw", "curated", "reference"];

const TASK = defineTask({
  name: "compact",
  summary: "Merge each partition's small files into one, without changing rows or totals.",
  options: {
    zone: { type: "enum", values: ZONES, description: "Only datasets of this zone" },
    source: { type: "string", example: "polygon", description: "Only datasets of this source" },
    dataset: {
      type: "string",
      example: "stock_bars_minute",
      description: "Only datasets of this name",
    },
  },
  details:
    `Walks every dataset of the lake at \${WORKBENCH_DATA} (its _meta manifests, or on an s3://
lake its catalog; all of them when no filter is given), compacts its partitions and prints
files before -> after and the row count. Datasets without a time column in their recorded schema
are skipped.

Exit codes: 0 done (also when nothing matched), 1 a compaction failed, 2 bad arguments.`,
  examples: ["--zone curated", "--zone raw --source polygon --dataset stock_bars_minute"],
});

await runTask(TASK, async ({ values }) => {
  const root = lakeRoot();
  // An s3:// lake: load its catalog (the datasets it lists); a local lake: its `_meta` folders.
  await openLake(root);
  let n = 0;
  for (const { zone, source, dataset } of listDatasets(root)) {
    if (values.zone && zone !== values.zone) continue;
    if (values.source && source !== values.source) continue;
    if (values.dataset && dataset !== values.dataset) continue;
    const state = await committedState({ zone, source, dataset }, root);
    if (state.entries === 0) continue;
    // Compaction needs only the time column and key order for sorting; take them from the
    // dataset's recorded schema (first ts_ms/date column) when no spec is at hand.
    const timeColumn = Object.entries(state.schema).find(([c, t]) =>
      (t === "ts_ms" || t === "date") && c !== "known_at" && c !== "ingested_at"
    )?.[0];
    if (!timeColumn) continue;
    const spec: DatasetSpec = {
      zone,
      source,
      dataset,
      timeColumn,
      naturalKey: [timeColumn],
      schema: state.schema,
    };
    const r = await compactDataset(spec, { root });
    const after = await committedState(spec, root);
    console.log(
      `${zone}/${source}/${dataset}: ${r.filesBefore} -> ${r.filesAfter} files, ${after.rows} rows (${r.partitionsCompacted} partitions compacted)`,
    );
    n++;
  }
  if (n === 0) {
    const filter = [values.zone, values.source, values.dataset].some(Boolean)
      ? " matching the filter"
      : "";
    console.log(`No datasets${filter} to compact under ${root}`);
  }
});
