/** `deno task verify [--repair]`: check (and repair) every dataset of the lake against its manifest. */
import { defineTask, JSON_OPTION, jsonOutput, runTask, UsageError } from "../lib/cli/mod.ts";
import { S3Error } from "../lib/lake/store/s3.ts";
import {
  lakeRoot,
  listDatasets,
  openLake,
  verifyDataset,
  type VerifyReport,
  type Zone,
} from "../lib/lake/mod.ts";
import {
  formatRestore,
  knownSpecOf,
  type LakeRepairReport,
  repairLake,
} from "../lib/ingest/repair.ts";

/** Whether `e` is S3 refusing the credentials (HTTP 401/403): a key problem, not damage. */
function isS3AuthError(e: unknown): boolean {
  return e instanceof S3Error && (e.status === 401 || e.status === 403);
}

const ZONES: readonly Zone[] = ["raw", "curated", "reference"];

const TASK = defineTask({
  name: "verify",
  summary:
    "Check every dataset against its manifest: checksums, missing files, strays, row counts.",
  options: {
    repair: {
      type: "boolean",
      description:
        "Repair: quarantine, rebuild manifests, restore dropped rows (re-curate, refetch)",
    },
    "no-refetch": {
      type: "boolean",
      description:
        "With --repair: only quarantine and drop, restore nothing (a lost raw file's units are marked undone)",
    },
    sim: { type: "boolean", description: "Refetch from the built-in simulated market" },
    seed: { type: "integer", min: 0, description: "Seed of the simulated market (with --sim)" },
    workers: {
      type: "integer",
      min: 1,
      description: "Units refetched at once (default: run.workers)",
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
symlinks). Readers never read a file the manifest does not list. On an s3:// lake
(WORKBENCH_CATALOG) the manifest is the catalog: each committed object is fetched and hashed under
the dataset's catalog lock, and objects in no entry, pin or pending deletion, older than an hour,
are orphans. An HTTP 403 from S3 is a credentials problem, not one --repair can fix.

--repair never deletes data: stray and changed files are moved to
\${WORKBENCH_DATA}/_quarantine/<time>/..., missing or changed files are dropped from the manifest,
stale temporaries are removed, a torn manifest line is cut, and a lost or damaged manifest is
rebuilt from the data files with one row per natural key. Then the dropped rows are restored:
a vendor dataset's curated rows are re-curated from its raw rows; raw rows (or curated rows
without raw) are refetched through the backfill engine, re-running the units that job
checkpoints record for that range (invalidated there first, marked done again once landed), from
the configured vendors or the simulated market (--sim, or WORKBENCH_USE_SIM=auto without vendor
keys). A user dataset (ingest-file) cannot be refetched: its file is quarantined and the report
names the source file to ingest again (lineage source_uri). --no-refetch stops after the
quarantine and reports what was dropped.

Rows a repair could not restore stay recorded in the dataset's manifest (a repair entry listing
them): every later verify reports them as an open problem (kind lost: rows, time range, date of
the repair, what to re-ingest) and reads of the dataset (loadDataset) note them when they overlap
the range. The record clears when later writes land, in the same partition, at least as many rows
spanning its time range (re-ingesting the file, a backfill of the range); a compaction or another
repair does not clear it.

Exit codes: 0 every dataset sound (or fully restored), 1 problems remain or rows were not
restored, 2 bad arguments.`,
  examples: [
    "",
    "--repair",
    "--repair --no-refetch",
    "--zone curated --source polygon --dataset stock_bars_minute",
  ],
});

function printReport(r: VerifyReport, status: string): void {
  console.log(`${status.padEnd(8)} ${r.dataset}: ${r.files} files, ${r.rows} rows`);
  for (const p of r.problems) {
    console.log(
      `  ${p.kind.padEnd(8)} ${p.file}: ${p.detail}${p.repaired ? ` -> ${p.repaired}` : ""}`,
    );
  }
}

await runTask(TASK, async ({ values }) => {
  if (values["no-refetch"] && !values.repair) throw new UsageError("--no-refetch needs --repair");
  if (values.seed !== undefined && !values.sim) throw new UsageError("--seed needs --sim");
  const out = jsonOutput(values.json);
  const root = lakeRoot();
  // An s3:// lake: load its catalog's dataset list first (no-op for a local folder).
  await openLake(root);
  const filter = {
    ...(values.zone ? { zone: values.zone as Zone } : {}),
    ...(values.source ? { source: values.source } : {}),
    ...(values.dataset ? { dataset: values.dataset } : {}),
  };
  const results: Record<string, unknown>[] = [];
  let checked = 0;
  let remaining = 0;
  /** Datasets whose check failed with HTTP 401/403 (credentials, not damage). */
  let authErrors = 0;
  /** Open problems that are rows lost in an earlier repair (--repair cannot restore them). */
  let lostOnly = 0;
  let repair: LakeRepairReport | null = null;
  if (values.repair) {
    repair = await repairLake({
      root,
      filter,
      restore: !values["no-refetch"],
      ...(values.sim ? { sim: values.seed !== undefined ? { seed: values.seed } : true } : {}),
      ...(values.workers !== undefined ? { workers: values.workers } : {}),
      progress: true,
    });
    checked = repair.datasets.length;
    remaining = repair.open;
    for (const r of repair.datasets) {
      const open = r.problems.filter((p) => !p.repaired || p.repaired.startsWith("NOT"));
      const status = r.problems.length === 0 ? "ok" : open.length === 0 ? "repaired" : "PROBLEMS";
      results.push({ status, openProblems: open.length, ...r });
      printReport(r, status);
    }
    const lines = formatRestore(repair);
    if (lines.length) console.log(`restore:\n${lines.join("\n")}`);
  } else {
    for (const d of listDatasets(root)) {
      if (filter.zone && d.zone !== filter.zone) continue;
      if (filter.source && d.source !== filter.source) continue;
      if (filter.dataset && d.dataset !== filter.dataset) continue;
      checked++;
      let r;
      try {
        r = await verifyDataset(d, { root, specOf: knownSpecOf });
      } catch (e) {
        remaining++;
        if (isS3AuthError(e)) authErrors++;
        console.log(`ERROR    ${d.zone}/${d.source}/${d.dataset}: ${(e as Error).message}`);
        continue;
      }
      remaining += r.problems.length;
      lostOnly += r.problems.filter((p) => p.kind === "lost").length;
      const status = r.problems.length === 0 ? "ok" : "PROBLEMS";
      results.push({ status, openProblems: r.problems.length, ...r });
      printReport(r, status);
    }
  }
  if (checked === 0) console.log(`No datasets under ${root} match the filter`);
  else {
    console.log(
      `${checked} datasets checked; ${
        remaining === 0 ? "no open problems" : `${remaining} open problems`
      }${
        values.repair || remaining === 0 || authErrors > 0
          ? ""
          : remaining === lostOnly
          ? " (rows lost in an earlier repair: write them again as each says)"
          : " (run with --repair)"
      }`,
    );
    if (authErrors > 0) {
      console.log(
        `${authErrors} dataset(s) could not be read: S3 refused the request (HTTP 401/403). Check ` +
          "WORKBENCH_S3_ACCESS_KEY_ID and WORKBENCH_S3_SECRET_ACCESS_KEY (and the bucket's " +
          "permissions); --repair cannot fix this, rerun verify once the keys are right.",
      );
    }
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
    ...(repair ? { restored: repair.restored, refetch: repair.refetch, after: repair.after } : {}),
  });
  return exitCode;
});
