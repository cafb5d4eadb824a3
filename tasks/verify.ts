/** `deno task verify [--repair]`: check (and repair) every dataset of the lake against its manifest. */
import { defineTask, JSON_OPTION, jsonOutput, runTask } from "../lib/cli/mod.ts";
import {
  type DatasetSpec,
  lakeRoot,
  listDatasets,
  verifyDataset,
  type Zone,
} from "../lib/lake/mod.ts";
import { datasetNames, pipelineFor } from "../lib/ingest/registry.ts";
import { quarantineSpec } from "../lib/ingest/quarantine.ts";

const ZONES: readonly Zone[] = ["raw", "curated", "reference"];

const TASK = defineTask({
  name: "verify",
  summary:
    "Check every dataset against its manifest: checksums, missing files, strays, row counts.",
  options: {
    repair: {
      type: "boolean",
      description: "Repair what can be repaired (quarantine, drop, rebuild; never delete data)",
    },
    zone: { type: "enum", values: ZONES, description: "Only datasets of this zone" },
    source: { type: "string", example: "polygon", description: "Only datasets of this source" },
    dataset: {
      type: "string",
      example: "stock_bars_minute",
      description: "Only datasets of this name",
    },
    json: JSON_OPTION,
  },
  details:
    `Walks every dataset under \${WORKBENCH_DATA} (its _meta manifests and its data folders), rolls
forward an interrupted write, and checks: the manifest parses to its last line (a torn or garbage
line is named with file and line), every committed file exists inside the lake with its recorded
sha256 and row count, and no other file sits in the dataset's folders (strays, temporaries,
symlinks). Readers never read a file the manifest does not list.

--repair never deletes data: stray and changed files are moved to
\${WORKBENCH_DATA}/_quarantine/<time>/..., missing or changed files are dropped from the manifest
and their time ranges printed (run the same backfill again: writes are idempotent, so it adds
only what is missing), stale temporaries are removed, a torn manifest line is cut, and a lost or
damaged manifest is rebuilt from the data files with one row per natural key (the key comes from
the manifest or, for vendor datasets, from the ingest registry).

Exit codes: 0 every dataset sound (or repaired), 1 problems remain, 2 bad arguments.`,
  examples: ["", "--repair", "--zone curated --source polygon --dataset stock_bars_minute"],
});

/** Specs the workbench knows by name (vendor pipelines' raw and curated datasets, quarantines). */
function knownSpecs(): DatasetSpec[] {
  const out: DatasetSpec[] = [];
  for (const name of datasetNames()) {
    const [source, dataset] = name.split("/") as [string, string];
    try {
      const p = pipelineFor(source, dataset);
      out.push(p.rawSpec, p.curatedSpec, quarantineSpec(p.source));
    } catch { /* a pipeline that needs options: its manifest records its spec */ }
  }
  return out;
}

await runTask(TASK, async ({ values }) => {
  const out = jsonOutput(values.json);
  const results: Record<string, unknown>[] = [];
  const root = lakeRoot();
  const specs = knownSpecs();
  const specOf = (d: { zone: string; source: string; dataset: string }) =>
    specs.find((s) => s.zone === d.zone && s.source === d.source && s.dataset === d.dataset) ??
      null;
  const stamp = new Date().toISOString().replaceAll(":", "");
  let checked = 0;
  let remaining = 0;
  for (const d of listDatasets(root)) {
    if (values.zone && d.zone !== values.zone) continue;
    if (values.source && d.source !== values.source) continue;
    if (values.dataset && d.dataset !== values.dataset) continue;
    checked++;
    let r;
    try {
      r = await verifyDataset(d, { root, repair: values.repair, specOf, stamp });
    } catch (e) {
      remaining++;
      console.log(`ERROR    ${d.zone}/${d.source}/${d.dataset}: ${(e as Error).message}`);
      continue;
    }
    const open = r.problems.filter((p) => !p.repaired || p.repaired.startsWith("NOT"));
    remaining += open.length;
    const status = r.problems.length === 0 ? "ok" : open.length === 0 ? "repaired" : "PROBLEMS";
    results.push({ status, openProblems: open.length, ...r });
    console.log(`${status.padEnd(8)} ${r.dataset}: ${r.files} files, ${r.rows} rows`);
    for (const p of r.problems) {
      console.log(
        `  ${p.kind.padEnd(8)} ${p.file}: ${p.detail}${p.repaired ? ` -> ${p.repaired}` : ""}`,
      );
    }
    for (const x of r.dropped) {
      console.log(`  refetch  ${x.min_time} .. ${x.max_time} (${x.rows} rows were in ${x.file})`);
    }
  }
  if (checked === 0) console.log(`No datasets under ${root} match the filter`);
  else {
    console.log(
      `${checked} datasets checked; ${
        remaining === 0 ? "no open problems" : `${remaining} open problems`
      }${values.repair || remaining === 0 ? "" : " (run with --repair)"}`,
    );
  }
  const exitCode = remaining === 0 ? 0 : 1;
  out.emit({
    task: "verify",
    root,
    repair: values.repair,
    checked,
    openProblems: remaining,
    exitCode,
    datasets: results,
  });
  return exitCode;
});
