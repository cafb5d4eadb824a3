/**
 * deno task compact [--zone curated] [--source S] [--dataset D]
 *
 * Merges each partition's small files into one, for every dataset that matches, without
 * changing rows or manifest totals.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  compactDataset,
  datasetState,
  foldManifest,
  lakeRoot,
  readManifest,
} from "../lib/lake/mod.ts";
import type { DatasetSpec, Zone } from "../lib/lake/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { zone: { type: "string" }, source: { type: "string" }, dataset: { type: "string" } },
});
const root = lakeRoot();
const metaRoot = join(root, "_meta");
let n = 0;
const ls = (d: string) => {
  try {
    return [...Deno.readDirSync(d)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  } catch {
    return [];
  }
};
for (const zone of ls(metaRoot)) {
  if (values.zone && zone !== values.zone) continue;
  for (const source of ls(join(metaRoot, zone))) {
    if (values.source && source !== values.source) continue;
    for (const dataset of ls(join(metaRoot, zone, source))) {
      if (values.dataset && dataset !== values.dataset) continue;
      const meta = join(metaRoot, zone, source, dataset);
      const entries = readManifest(meta);
      if (entries.length === 0) continue;
      const state = foldManifest(entries);
      // Compaction needs only the time column and key order for sorting; take them from the
      // dataset's recorded schema (first ts_ms/date column) when no spec is at hand.
      const timeColumn = Object.entries(state.schema).find(([c, t]) =>
        (t === "ts_ms" || t === "date") && c !== "known_at" && c !== "ingested_at"
      )?.[0];
      if (!timeColumn) continue;
      const spec: DatasetSpec = {
        zone: zone as Zone,
        source,
        dataset,
        timeColumn,
        naturalKey: [timeColumn],
        schema: state.schema,
      };
      const r = await compactDataset(spec);
      const after = datasetState(spec);
      console.log(
        `${zone}/${source}/${dataset}: ${r.filesBefore} -> ${r.filesAfter} files, ${after.rows} rows (${r.partitionsCompacted} partitions compacted)`,
      );
      n++;
    }
  }
}
if (n === 0) console.log(`No datasets to compact under ${root}`);
