/**
 * `verify --repair` for a whole lake: check every dataset (lib/lake `verifyDataset`, which
 * quarantines untrusted files and drops changed or missing ones from the manifest), then restore
 * the rows of every dropped file:
 *
 * 1. a curated file of a vendor pipeline whose raw rows are in the lake is **re-curated**: the raw
 *    rows of its time range (one day of margin each side; all raw rows for an unpartitioned
 *    dataset) go through the pipeline's pure `curate`, grouped by their lineage `source_uri` so
 *    each group is the batch it landed in and keeps its source, and the curated rows inside the
 *    dropped file's [min_time, max_time] are written (rows still present are a no-op);
 * 2. a raw file of a vendor pipeline (or a curated one without raw rows, or a vendor quarantine
 *    table) is **refetched**: the backfill units recorded as done in any job checkpoint of that
 *    dataset whose date range overlaps the file's are first marked `invalidated` in those
 *    checkpoints (so a resumed job reruns them if the refetch fails), then run again through the
 *    backfill engine (vendors from the configuration, or the simulated market when
 *    `WORKBENCH_USE_SIM` says so), and marked done again in those checkpoints when they land;
 * 3. anything else (user datasets from `ingest-file`, workbench outputs, pipelines whose refetch
 *    needs options a checkpoint does not record, ranges no unit covers) is **lost**: the file
 *    stays quarantined and the report names the lineage `source_uri`s to re-ingest.
 *
 * Rows not restored (lost, or a failed refetch or re-curation) are recorded in the dataset's
 * manifest (a `repair` entry with a `lost` list, lib/lake `recordLosses`): `verify` then reports
 * each as an open problem and `loadDataset` notes it on reads overlapping its range, until later
 * writes land at least as many rows spanning its range in its partition (re-ingesting the file,
 * a backfill of the range).
 *
 * A restore is checked by row counts per partition: the partition must hold at least the rows
 * the manifest recorded before the repair (the survivors plus the dropped files' rows);
 * otherwise the file is reported as not restored. The repaired datasets are verified again at
 * the end. With `restore: false` (`--no-refetch`) nothing is restored: every dropped file is
 * reported with its sources, and a lost raw file's units are invalidated in their checkpoints so
 * that `backfill --resume` of the job refetches them.
 *
 * @example
 * ```ts ignore
 * const r = await repairLake({ root: "./data/lake" });
 * for (const line of formatRestore(r)) console.log(line);
 * ```
 */
import pl from "nodejs-polars";
import { loadConfig, type WorkbenchConfig } from "../config/config.ts";
import { log } from "../core/log.ts";
import {
  committedState,
  type DatasetSpec,
  type DroppedFile,
  lakeRoot,
  listDatasets,
  type LostRows,
  nyDateOfMs,
  openLake,
  readDataset,
  recordLosses,
  verifyDataset,
  type VerifyReport,
  writeDataset,
} from "../lake/mod.ts";
import type { SimServerOptions } from "../sources/sim/mod.ts";
import { type BackfillJob, type BackfillSummary, runBackfill } from "./backfill.ts";
import {
  catalogCheckpoints,
  catalogUrlFromEnv,
  type CheckpointEntry,
  checkpointStore,
  checkpointStoreOfJob,
  fileCheckpoints,
} from "./checkpoint.ts";
import { addDays } from "./pipelines/_common.ts";
import { quarantineSpec } from "./quarantine.ts";
import { datasetNames, pipelineFor, requireClient } from "./registry.ts";
import { openSession } from "./session.ts";
import type { Pipeline, Unit } from "./types.ts";

type Where = Pick<DatasetSpec, "zone" | "source" | "dataset">;

/**
 * Pipelines whose refetch depends on options a checkpoint does not record (option discovery
 * band and window, Alpaca adjustment and feed): refetching them with the defaults could fetch
 * other rows than the original run, so their lost raw rows are reported, not refetched.
 */
const NEEDS_OPTIONS = new Set([
  "polygon/option_contracts",
  "polygon/option_bars_minute",
  "polygon/option_bars_day",
  "alpaca/stock_bars_minute",
  "alpaca/stock_bars_day",
]);

/** What a lake dataset is to the ingest registry. */
interface Known {
  pipeline: Pipeline | null;
  role: "raw" | "curated" | "quarantine";
  spec: DatasetSpec;
}

function key(d: Where): string {
  return `${d.zone}/${d.source}/${d.dataset}`;
}

let knownCache: Map<string, Known> | null = null;

/** Every dataset the ingest registry knows by name: pipelines' raw and curated, quarantines. */
function knownDatasets(): Map<string, Known> {
  if (knownCache) return knownCache;
  const out = new Map<string, Known>();
  for (const name of datasetNames()) {
    const [source, dataset] = name.split("/") as [string, string];
    let p: Pipeline;
    try {
      p = pipelineFor(source, dataset);
    } catch {
      continue; // a pipeline that needs options: its manifest records its spec
    }
    out.set(key(p.rawSpec), { pipeline: p, role: "raw", spec: p.rawSpec });
    out.set(key(p.curatedSpec), { pipeline: p, role: "curated", spec: p.curatedSpec });
    const q = quarantineSpec(p.source);
    if (!out.has(key(q))) out.set(key(q), { pipeline: null, role: "quarantine", spec: q });
  }
  knownCache = out;
  return out;
}

/**
 * The spec of a dataset the ingest registry knows (a vendor pipeline's raw or curated dataset,
 * a vendor quarantine table), or null: what `verifyDataset` needs to rebuild a lost manifest.
 */
export function knownSpecOf(d: Where): DatasetSpec | null {
  return knownDatasets().get(key(d))?.spec ?? null;
}

/** How the rows of one dropped file were restored, or why not. */
export interface RestoreResult {
  /** `zone/source/dataset`. */
  dataset: string;
  file: DroppedFile;
  /** `recurated`, `refetched`, or `lost` (quarantined, not restored: re-ingest `file.sources`). */
  how: "recurated" | "refetched" | "lost";
  /** Done: false when the rows could not be restored (a failed refetch, missing rows, lost). */
  ok: boolean;
  /** One line: what was done or what the user must do. */
  detail: string;
  /** Units refetched for this file. */
  units?: string[];
}

/** The result of {@link repairLake}. */
export interface LakeRepairReport {
  /** Per dataset: the checks and the lake-level repair (quarantine, drop, rebuild). */
  datasets: VerifyReport[];
  /** Per dropped file: how its rows were restored. */
  restored: RestoreResult[];
  /** The refetch run, when one ran. */
  refetch: BackfillSummary | null;
  /** Datasets verified again after the restore, with their remaining problems. */
  after: VerifyReport[];
  /** Open problems: unrepaired findings, files not restored, problems left after the restore. */
  open: number;
}

/** Options of {@link repairLake}. */
export interface RepairOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /**
   * Restore dropped rows (re-curate, refetch); false only quarantines, reports, and invalidates a
   * lost raw file's units in their checkpoints (`--no-refetch`). @default true
   */
  restore?: boolean;
  /** Only datasets matching these. */
  filter?: Partial<Where>;
  /** The simulated market (options) or the configured vendors. @default configuration's run.useSim */
  sim?: SimServerOptions | boolean;
  /** Configuration (vendors, workers). @default loadConfig() */
  config?: WorkbenchConfig;
  /** HTTP policy overrides (tests). */
  http?: Record<string, number>;
  /** Units fetched at once. @default the configuration's run.workers */
  workers?: number;
  /** Quarantine folder name and repair job id suffix. @default the current instant */
  stamp?: string;
  /** Progress on stderr during the refetch. @default false */
  progress?: boolean;
}

/** A unit recorded as done in job checkpoints. */
interface DoneUnit {
  unit: Unit;
  jobs: string[];
}

/** Parse a unit id `source/dataset/symbol/start..end` (the symbol may hold `/`), or null. */
export function parseUnitId(id: string): Unit | null {
  const parts = id.split("/");
  if (parts.length < 4) return null;
  const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(parts.at(-1)!);
  if (!m) return null;
  return {
    id,
    source: parts[0]!,
    dataset: parts[1]!,
    symbol: parts.slice(2, -1).join("/"),
    start: m[1]!,
    end: m[2]!,
  };
}

/**
 * Units done in any job checkpoint of the lake (last entry of a unit wins), with their jobs: the
 * lake's checkpoint files and, when `WORKBENCH_CATALOG` is set, the catalog's (single-process
 * and cluster backfills record there then).
 */
export async function checkpointedUnits(root?: string): Promise<Map<string, DoneUnit>> {
  const out = new Map<string, DoneUnit>();
  const url = catalogUrlFromEnv();
  for (
    const store of url ? [fileCheckpoints(root), catalogCheckpoints(url)] : [fileCheckpoints(root)]
  ) {
    for (const job of await store.jobs()) {
      for (const id of await store.doneUnits(job)) {
        const unit = parseUnitId(id);
        if (!unit) continue;
        const d = out.get(id) ?? { unit, jobs: [] };
        if (!d.jobs.includes(job)) d.jobs.push(job);
        out.set(id, d);
      }
    }
  }
  return out;
}

/**
 * Dates a file's rows may belong to: for instants, both the UTC and the New York date of its
 * first and last row (units are cut by session or UTC day); for dates, the dates themselves.
 */
export function fileDates(f: Pick<DroppedFile, "min_time" | "max_time">): [string, string] | null {
  if (f.min_time === null || f.max_time === null) return null;
  if (f.min_time.length === 10) return [f.min_time, f.max_time];
  const lo = Date.parse(f.min_time), hi = Date.parse(f.max_time);
  const a = [new Date(lo).toISOString().slice(0, 10), nyDateOfMs(lo)].sort()[0]!;
  const b = [new Date(hi).toISOString().slice(0, 10), nyDateOfMs(hi)].sort()[1]!;
  return [a, b];
}

/** Units of `source/dataset` among `done` whose date range overlaps [lo, hi]. */
function overlapping(
  done: Map<string, DoneUnit>,
  sourceDataset: string,
  range: [string, string],
): DoneUnit[] {
  const [lo, hi] = range;
  return [...done.values()].filter((d) =>
    `${d.unit.source}/${d.unit.dataset}` === sourceDataset && d.unit.start <= hi &&
    d.unit.end >= lo
  ).sort((a, b) => (a.unit.id < b.unit.id ? -1 : 1));
}

/** A polars literal of an ISO instant or date for a column of lake type `t`. */
function timeLit(t: string | undefined, iso: string): pl.Expr {
  return t === "date"
    ? pl.lit(iso.slice(0, 10)).str.strptime(pl.Date, "%Y-%m-%d")
    : pl.lit(Date.parse(iso)).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
}

/**
 * Re-curate the rows of one dropped curated file from the raw zone (see the module doc).
 * Returns the curated rows written in the file's range, or null when the raw zone holds no rows
 * for it.
 */
async function recurate(
  p: Pipeline,
  f: DroppedFile,
  root: string,
): Promise<{ rows: number; written: number; rejected: number } | null> {
  const dates = fileDates(f)!;
  const whole = (p.rawSpec.partitioning ?? "none") === "none";
  const raw = await readDataset(p.rawSpec, {
    root,
    ...(whole ? {} : {
      start: new Date(`${addDays(dates[0], -1)}T00:00:00Z`),
      end: new Date(`${addDays(dates[1], 2)}T00:00:00Z`),
    }),
  });
  if (raw.height === 0) return null;
  const t = p.curatedSpec.timeColumn;
  const tt = p.curatedSpec.schema[t];
  const inRange = pl.col(t).gtEq(timeLit(tt, f.min_time!)).and(
    pl.col(t).ltEq(timeLit(tt, f.max_time!)),
  );
  const uris = raw.columns.includes("source_uri")
    ? [...new Set(raw.getColumn("source_uri").toArray() as (string | null)[])]
    : [null];
  let rows = 0, written = 0, rejected = 0;
  for (const uri of uris.sort()) {
    const group = uri === null
      ? (raw.columns.includes("source_uri") ? raw.filter(pl.col("source_uri").isNull()) : raw)
      : raw.filter(pl.col("source_uri").eq(pl.lit(uri)));
    const lineage = ["ingested_at", "source_uri", "transform_id"];
    const input = group.select(...group.columns.filter((c) => !lineage.includes(c)));
    const cur = await p.curate(input);
    // The rejects were quarantined when these raw rows first landed: counted, not rewritten.
    rejected += cur.rejected.length;
    const keep = cur.curated.height ? cur.curated.filter(inRange) : cur.curated;
    if (keep.height === 0) continue;
    rows += keep.height;
    const w = await writeDataset(p.curatedSpec, keep, {
      transformId: p.transformId,
      sourceUri: uri ?? `lake://raw/${p.source}/${p.dataset}`,
      root,
    });
    written += w.rowsWritten;
  }
  return { rows, written, rejected };
}

/** Rows per partition of a dataset's committed files. */
async function partitionRows(d: Where, root: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of (await committedState(d, root)).files) {
    out.set(f.partition, (out.get(f.partition) ?? 0) + f.rows);
  }
  return out;
}

/**
 * Check (and repair) every dataset of a lake, then restore the rows of the files the repair
 * dropped: re-curate from raw, refetch through the backfill engine, or report them lost (see the
 * module doc). Never throws for a dataset's problem: it is counted in `open`.
 */
export async function repairLake(options: RepairOptions = {}): Promise<LakeRepairReport> {
  const root = lakeRoot(options.root);
  const stamp = options.stamp ?? new Date().toISOString().replaceAll(":", "");
  const restore = options.restore ?? true;
  const out: LakeRepairReport = { datasets: [], restored: [], refetch: null, after: [], open: 0 };
  const f = options.filter ?? {};
  await openLake(root); // an s3:// lake: its catalog's datasets for the listing below
  const targets = listDatasets(root).filter((d) =>
    (!f.zone || d.zone === f.zone) && (!f.source || d.source === f.source) &&
    (!f.dataset || d.dataset === f.dataset)
  );
  // Rows per partition the manifests recorded before the repair (survivors + dropped).
  const expected = new Map<string, Map<string, number>>();
  for (const d of targets) {
    let r: VerifyReport;
    try {
      r = await verifyDataset(d, { root, repair: true, specOf: knownSpecOf, stamp });
    } catch (e) {
      out.open++;
      out.datasets.push({
        dataset: key(d),
        files: 0,
        rows: 0,
        problems: [{ kind: "manifest", file: key(d), detail: (e as Error).message }],
        dropped: [],
        rebuilt: false,
      });
      continue;
    }
    out.datasets.push(r);
    out.open += r.problems.filter((p) => !p.repaired || p.repaired.startsWith("NOT")).length;
    if (r.dropped.length > 0) {
      const m = await partitionRows(d, root);
      for (const x of r.dropped) m.set(x.partition, (m.get(x.partition) ?? 0) + x.rows);
      expected.set(r.dataset, m);
    }
  }
  // Plan: per dropped file, re-curate, refetch (which units) or lost.
  const known = knownDatasets();
  const done = await checkpointedUnits(root);
  const invalidate: DoneUnit[] = [];
  const toRecurate: { p: Pipeline; r: RestoreResult }[] = [];
  const toRefetch: { r: RestoreResult; units: DoneUnit[] }[] = [];
  /** Why and what to do, per result reported lost (recorded in the manifest below). */
  const lostWhy = new Map<RestoreResult, { reason: string; advice: string }>();
  const lost = (r: RestoreResult, why: string) => {
    const src = r.file.sources.length
      ? `re-ingest ${r.file.sources.join(", ")}`
      : "no source recorded";
    lostWhy.set(r, { reason: why, advice: src });
    r.how = "lost";
    r.detail =
      `${r.file.rows} rows of ${r.file.min_time} .. ${r.file.max_time} not restored: ${why}; ${src}`;
  };
  for (const rep of out.datasets) {
    const k = known.get(rep.dataset);
    for (const file of rep.dropped) {
      const r: RestoreResult = { dataset: rep.dataset, file, how: "lost", ok: false, detail: "" };
      out.restored.push(r);
      const dates = fileDates(file);
      if (!dates || file.rows === 0) {
        r.ok = true;
        r.detail = "held no rows";
        continue;
      }
      if (!restore) {
        // Only the vendor has raw rows again: the units that landed them are no longer done, so
        // a resumed backfill job refetches them.
        const units = k?.role === "raw" && k.pipeline
          ? overlapping(done, `${k.pipeline.source}/${k.pipeline.dataset}`, dates)
          : [];
        invalidate.push(...units);
        r.units = units.map((u) => u.unit.id);
        lost(
          r,
          "--no-refetch: quarantined only" +
            (k?.role === "curated" && k.pipeline
              ? `; re-curate with deno task curate --dataset ${k.pipeline.source}/${k.pipeline.dataset} --full`
              : units.length
              ? `; units invalidated in their job checkpoints, rerun the backfill with --resume: ${
                r.units.join(", ")
              }`
              : ""),
        );
        continue;
      }
      if (!k) {
        lost(
          r,
          rep.dataset.startsWith("curated/user/") || rep.dataset.startsWith("raw/user/")
            ? "a user dataset cannot be refetched"
            : "no pipeline can rebuild this dataset",
        );
        continue;
      }
      if (k.role === "curated" && k.pipeline) {
        toRecurate.push({ p: k.pipeline, r });
        continue;
      }
      // Raw rows or quarantined rows: only the vendor has them again.
      const names = k.role === "raw"
        ? [`${k.pipeline!.source}/${k.pipeline!.dataset}`]
        : datasetNames().filter((n) => n.startsWith(`${k.spec.source}/`));
      const blocked = names.filter((n) => NEEDS_OPTIONS.has(n));
      if (k.role === "raw" && blocked.length > 0) {
        lost(
          r,
          `${
            names[0]
          } is refetched only with its original options (run deno task backfill with them)`,
        );
        continue;
      }
      const units = names.filter((n) => !NEEDS_OPTIONS.has(n)).flatMap((n) =>
        overlapping(done, n, dates)
      );
      if (units.length === 0) {
        lost(r, "no backfill unit of this range is recorded in a job checkpoint");
        continue;
      }
      r.how = "refetched";
      toRefetch.push({ r, units });
    }
  }
  await invalidateUnits(invalidate, root);
  // Refetch first (it lands raw and curated rows); re-curating afterwards sees the raw rows.
  if (toRefetch.length > 0) {
    out.refetch = await runRefetch(toRefetch, root, stamp, options);
  }
  for (const { p, r } of toRecurate) {
    try {
      const res = await recurate(p, r.file, root);
      if (res === null) {
        // No raw rows: the vendor is the only source left.
        const units = overlapping(done, `${p.source}/${p.dataset}`, fileDates(r.file)!);
        if (units.length === 0 || NEEDS_OPTIONS.has(`${p.source}/${p.dataset}`)) {
          lost(r, "no raw rows, and no unit of this range to refetch");
        } else {
          r.how = "refetched";
          const s = await runRefetch([{ r, units }], root, `${stamp}-2`, options);
          out.refetch = out.refetch ?? s;
        }
        continue;
      }
      r.how = "recurated";
      r.ok = true;
      r.detail =
        `re-curated ${res.rows} rows of ${r.file.min_time} .. ${r.file.max_time} from ${p.rawSpec.zone}/${p.rawSpec.source}/${p.rawSpec.dataset} (${res.written} new or changed)${
          res.rejected ? ` (${res.rejected} rejects already in quarantine)` : ""
        }`;
    } catch (e) {
      r.ok = false;
      r.detail = `re-curating failed: ${(e as Error).message}`;
    }
  }
  // Check by rows per partition, then verify the repaired datasets again.
  for (const r of out.restored) {
    if (!r.ok || r.how === "lost") continue;
    const want = expected.get(r.dataset)?.get(r.file.partition) ?? 0;
    const [zone, source, dataset] = r.dataset.split("/") as [DatasetSpec["zone"], string, string];
    const have = (await partitionRows({ zone, source, dataset }, root)).get(r.file.partition) ?? 0;
    if (have < want) {
      r.ok = false;
      r.detail += `; but partition "${r.file.partition}" holds ${have} rows, ${want} before`;
    }
  }
  out.open += out.restored.filter((r) => !r.ok).length;
  // Rows not restored stay recorded in the dataset's manifest: `verify` keeps reporting them and
  // reads note them until a write lands them again (lib/lake recordLosses).
  const losses = new Map<string, LostRows[]>();
  for (const r of out.restored) {
    if (r.ok || r.file.rows === 0) continue;
    const w = lostWhy.get(r);
    const list = losses.get(r.dataset) ?? [];
    list.push({
      partition: r.file.partition,
      file: r.file.file,
      rows: r.file.rows,
      min_time: r.file.min_time,
      max_time: r.file.max_time,
      sources: r.file.sources,
      reason: w?.reason ?? r.detail,
      advice: w?.advice ??
        (r.how === "recurated"
          ? "re-curate the range (deno task curate --full) or rerun its backfill"
          : "rerun the backfill of this range (its units are invalidated: backfill --resume)"),
    });
    losses.set(r.dataset, list);
  }
  for (const [name, list] of losses) {
    const [zone, source, dataset] = name.split("/") as [DatasetSpec["zone"], string, string];
    try {
      await recordLosses({ zone, source, dataset }, list, root);
    } catch (e) {
      log.warn("verify.lost.record_failed", { dataset: name, error: (e as Error).message });
    }
  }
  const touched = new Set(out.restored.map((r) => r.dataset));
  for (const rep of out.datasets) {
    if (rep.problems.length === 0 && !touched.has(rep.dataset)) continue;
    const [zone, source, dataset] = rep.dataset.split("/") as [DatasetSpec["zone"], string, string];
    try {
      const v = await verifyDataset({ zone, source, dataset }, { root });
      // Recorded losses are counted once: in `datasets` (earlier runs) or in `restored` (this one).
      v.problems = v.problems.filter((p) => p.kind !== "lost");
      out.after.push(v);
      out.open += v.problems.length;
    } catch (e) {
      out.open++;
      log.warn("verify.after.failed", { dataset: rep.dataset, error: (e as Error).message });
    }
  }
  return out;
}

/**
 * Append an `invalidated` entry for each unit to every job checkpoint that records it as done.
 * Returns the unit ids per job.
 */
async function invalidateUnits(units: DoneUnit[], root: string): Promise<Map<string, string[]>> {
  const byJob = new Map<string, string[]>();
  for (const u of units) {
    for (const j of u.jobs) {
      const ids = byJob.get(j) ?? [];
      if (!ids.includes(u.unit.id)) ids.push(u.unit.id);
      byJob.set(j, ids);
    }
  }
  const at = new Date().toISOString();
  for (const [job, ids] of byJob) {
    await checkpointStoreOfJob(job, root).append(
      job,
      ids.map((unit) => ({
        unit,
        status: "invalidated" as const,
        rawRows: 0,
        curatedRows: -1,
        quarantined: 0,
        at,
      })),
    );
  }
  return byJob;
}

/**
 * Invalidate the units in the checkpoints that record them, refetch them through the backfill
 * engine (one job per unit, only those units, watermarks untouched), and mark those that landed
 * done again in the same checkpoints.
 */
async function runRefetch(
  items: { r: RestoreResult; units: DoneUnit[] }[],
  root: string,
  stamp: string,
  options: RepairOptions,
): Promise<BackfillSummary | null> {
  const units = new Map<string, DoneUnit>();
  for (const it of items) for (const u of it.units) units.set(u.unit.id, u);
  const at = () => new Date().toISOString();
  const entry = (unit: string, status: CheckpointEntry["status"]): CheckpointEntry => ({
    unit,
    status,
    rawRows: 0,
    curatedRows: -1,
    quarantined: 0,
    at: at(),
  });
  const byJob = await invalidateUnits([...units.values()], root);
  // One pipeline object per dataset, so the engine lands a dataset's units in shared batches.
  const pipelines = new Map<string, Pipeline>();
  const jobs: BackfillJob[] = [];
  for (const { unit } of units.values()) {
    const name = `${unit.source}/${unit.dataset}`;
    const p = pipelines.get(name) ?? pipelineFor(unit.source, unit.dataset);
    pipelines.set(name, p);
    jobs.push({ pipeline: p, symbols: [unit.symbol], start: unit.start, end: unit.end });
  }
  const cfg = options.config ?? loadConfig();
  const failAll = (why: string) => {
    for (const it of items) {
      it.r.ok = false;
      it.r.units = it.units.map((u) => u.unit.id);
      it.r.detail = `refetch failed: ${why}; the units are invalidated in their checkpoints ` +
        `(rerun the backfill with --resume): ${it.r.units.join(", ")}`;
    }
  };
  let session;
  try {
    session = await openSession({
      config: cfg,
      ...(options.sim !== undefined ? { sim: options.sim } : {}),
      ...(options.http ? { http: options.http } : {}),
    });
  } catch (e) {
    failAll((e as Error).message);
    return null;
  }
  const landed = new Set<string>();
  const failed = new Map<string, string>();
  let summary: BackfillSummary;
  const jobId = `repair-${stamp.replace(/[^A-Za-z0-9_.-]/g, "")}`;
  try {
    for (const p of pipelines.values()) requireClient(session.clients, p);
    summary = await runBackfill(jobs, {
      clients: session.clients,
      root,
      only: new Set(units.keys()),
      watermarks: false,
      quality: false,
      jobId,
      workers: options.workers ?? cfg.run.workers,
      progress: options.progress ?? false,
      onUnit: (u) => {
        if (u.status === "done") landed.add(u.unit.id);
        else if (u.status === "failed") failed.set(u.unit.id, u.error ?? "failed");
      },
    });
  } catch (e) {
    failAll((e as Error).message);
    return null;
  } finally {
    await session.close();
  }
  for (const [job, ids] of byJob) {
    const ok = ids.filter((id) => landed.has(id));
    if (ok.length) {
      await checkpointStoreOfJob(job, root).append(job, ok.map((id) => entry(id, "done")));
    }
  }
  await checkpointStore(root).clear(jobId);
  for (const it of items) {
    const ids = it.units.map((u) => u.unit.id);
    it.r.units = ids;
    const bad = ids.filter((id) => !landed.has(id));
    it.r.ok = bad.length === 0;
    it.r.detail = it.r.ok
      ? `refetched ${ids.length} unit${ids.length > 1 ? "s" : ""} (${ids.join(", ")})`
      : `refetch failed for ${
        bad.map((id) => `${id}: ${failed.get(id) ?? "not run"}`).join("; ")
      }` +
        "; they stay invalidated in their checkpoints (rerun the backfill with --resume)";
  }
  return summary;
}

/** Text lines of a {@link LakeRepairReport} (what the `verify --repair` task prints after the checks). */
export function formatRestore(r: LakeRepairReport): string[] {
  const lines: string[] = [];
  for (const x of r.restored) {
    const tag = !x.ok ? (x.how === "lost" ? "LOST" : "FAILED") : x.how;
    lines.push(`  ${tag.padEnd(9)} ${x.dataset} ${x.file.file}: ${x.detail}`);
  }
  for (const v of r.after) {
    for (const p of v.problems) {
      lines.push(`  STILL    ${v.dataset} ${p.kind} ${p.file}: ${p.detail}`);
    }
  }
  return lines;
}
