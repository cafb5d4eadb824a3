/**
 * The backfill engine.
 *
 * A job (pipeline, symbols, date range) is planned as units on the exchange calendar (one per
 * session for intraday data, per UTC day except Saturday for FX, per month or year for slower
 * data, or one for the whole range). Units run on a pool of workers; each vendor's HTTP client
 * paces and caps requests, so the pool size only bounds parallel parsing and writing. A unit
 * writes raw rows, then curated rows (deduplicated by natural key in the lake), then its
 * quarantined rows, and only then appends itself to the job checkpoint. A job killed at any
 * instant resumes (`resume: true`) with the units not yet checkpointed; rewriting a unit that
 * had partly landed is a no-op in the lake, so the result has neither duplicates nor gaps.
 * Per-symbol watermarks record how far curated data is complete; `incremental: true` starts
 * each symbol the day after its watermark.
 *
 * @example
 * ```ts
 * const summary = await runBackfill(
 *   [{ pipeline: polygonBarPipeline("stock", "minute"), symbols: ["SPY"], start: "2024-01-02", end: "2024-01-31" }],
 *   { clients: { polygon } },
 * );
 * console.log(formatSummary(summary));
 * ```
 */
import { log } from "../core/log.ts";
import { Progress } from "../core/progress.ts";
import { redact } from "../core/secret.ts";
import { setWatermark, writeDataset } from "../lake/mod.ts";
import { type MetricsMark, RequestMetrics } from "../sources/_metrics.ts";
import { tradingDays } from "../time/mod.ts";
import { checkpointStore } from "./checkpoint.ts";
import { payloadHash, type QuarantineRow, writeQuarantine } from "./quarantine.ts";
import { checkDrift, type DriftReport, hasDrift } from "./schema_drift.ts";
import type {
  Clients,
  CuratedResult,
  FetchedUnit,
  Pipeline,
  PipelineContext,
  Unit,
} from "./types.ts";
import pl from "nodejs-polars";
import { contiguousEnd, raiseWatermarks, readWatermarks } from "./watermark.ts";
import { addDays } from "./pipelines/_common.ts";
import { datasetQuality } from "../quality/report.ts";

/** One job: a pipeline over symbols and an inclusive date range. */
export interface BackfillJob {
  pipeline: Pipeline;
  symbols: string[];
  /** First date, YYYY-MM-DD. */
  start: string;
  /** Last date, YYYY-MM-DD (inclusive). */
  end: string;
}

/** Options of {@link runBackfill}. */
export interface BackfillOptions {
  clients: Clients;
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Skip units the job's checkpoint records as done. @default false */
  resume?: boolean;
  /** Start each symbol the day after its watermark. @default false */
  incremental?: boolean;
  /** Units processed at once. @default 4 */
  workers?: number;
  /** Checkpoint name. @default a hash of the plan */
  jobId?: string;
  /** Show progress on stderr. @default false */
  progress?: boolean;
  /** Called after each unit (tests, custom reporting). */
  onUnit?: (r: UnitResult) => void;
  /** Run the data-quality checks on each job's curated range afterwards. @default true */
  quality?: boolean;
  /** Largest number of raw rows landed in one lake write. @default 2000000 */
  batchRows?: number;
  /** Largest number of units landed in one lake write. @default 64 */
  batchUnits?: number;
  /** How long the lander waits for more fetched units before writing a batch (ms). @default 250 */
  lingerMs?: number;
  /** Run only these unit ids of the plan (a repair's refetch). @default every unit */
  only?: ReadonlySet<string>;
  /**
   * Update the per-symbol and dataset watermarks. A repair's refetch passes false: it restores
   * units that were complete before, so the watermarks are already right. @default true
   */
  watermarks?: boolean;
}

/** Outcome of one unit. */
export interface UnitResult {
  unit: Unit;
  status: "done" | "failed" | "skipped";
  rawRows: number;
  curatedRows: number;
  quarantined: number;
  pages: number;
  error?: string;
}

/** What a run did; printed by every backfill task. */
export interface BackfillSummary {
  jobId: string;
  units: { total: number; done: number; failed: number; skipped: number };
  rawRows: number;
  curatedRows: number;
  quarantined: number;
  pages: number;
  requests: number;
  retries: number;
  retriesByReason: Record<string, number>;
  bytes: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  drift: DriftReport[];
  failures: { unit: string; error: string }[];
  elapsedMs: number;
  /** Quality counts per dataset, when a quality pass ran after the backfill. */
  quality?: Record<string, Record<string, number>>;
}

function months(start: string, end: string): [string, string][] {
  const out: [string, string][] = [];
  let s = start;
  while (s <= end) {
    const y = Number(s.slice(0, 4));
    const m = Number(s.slice(5, 7));
    const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    const e = addDays(next, -1);
    out.push([s, e < end ? e : end]);
    s = next;
  }
  return out;
}

function years(start: string, end: string): [string, string][] {
  const out: [string, string][] = [];
  let s = start;
  while (s <= end) {
    const e = `${s.slice(0, 4)}-12-31`;
    out.push([s, e < end ? e : end]);
    s = `${Number(s.slice(0, 4)) + 1}-01-01`;
  }
  return out;
}

/** Date ranges of a chunking over [start, end]. */
export function chunkRange(
  chunking: Pipeline["chunking"],
  start: string,
  end: string,
): [string, string][] {
  if (start > end) return [];
  switch (chunking) {
    case "session":
      return tradingDays(start, end).map((d) => [d, d]);
    case "fx_day": {
      const out: [string, string][] = [];
      for (let d = start; d <= end; d = addDays(d, 1)) {
        if (new Date(d + "T00:00:00Z").getUTCDay() !== 6) out.push([d, d]);
      }
      return out;
    }
    case "month":
      return months(start, end);
    case "year":
      return years(start, end);
    case "all":
      return [[start, end]];
  }
}

/** Unit id. */
export function unitId(
  source: string,
  dataset: string,
  symbol: string,
  start: string,
  end: string,
): string {
  return `${source}/${dataset}/${symbol}/${start}..${end}`;
}

/** Units of a job, optionally starting each symbol after its watermark. */
export function planUnits(
  job: BackfillJob,
  options: { incremental?: boolean; root?: string } = {},
): Unit[] {
  const p = job.pipeline;
  const marks = options.incremental ? readWatermarks(p.source, p.dataset, options.root) : {};
  const units: Unit[] = [];
  for (const symbol of job.symbols) {
    const wm = marks[symbol];
    const start = wm && addDays(wm, 1) > job.start ? addDays(wm, 1) : job.start;
    for (const [s, e] of chunkRange(p.chunking, start, job.end)) {
      units.push({
        id: unitId(p.source, p.dataset, symbol, s, e),
        source: p.source,
        dataset: p.dataset,
        symbol,
        start: s,
        end: e,
      });
    }
  }
  return units;
}

/** A stable job id from the plan (so `--resume` with the same arguments finds the checkpoint). */
export function jobIdOf(jobs: BackfillJob[]): string {
  const key = JSON.stringify(
    jobs.map((j) => [j.pipeline.source, j.pipeline.dataset, j.symbols, j.start, j.end]),
  );
  return `job-${payloadHash(key)}`;
}

/** A fetched unit waiting to be landed. */
export interface FetchedItem {
  pipeline: Pipeline;
  unit: Unit;
  fetched: FetchedUnit;
  drift: DriftReport;
}

/** Fetch one unit and check its payload schema (nothing is written). */
export async function fetchUnit(
  pipeline: Pipeline,
  unit: Unit,
  ctx: PipelineContext,
  root?: string,
): Promise<FetchedItem> {
  const fetched = await pipeline.fetch(ctx, unit);
  const drift = checkDrift(pipeline.source, pipeline.dataset, fetched.fields, root);
  return { pipeline, unit, fetched, drift };
}

/**
 * Land fetched units of one pipeline in one write per dataset: raw rows, curated rows (derived
 * by the pipeline's pure `curate`), side outputs, then quarantined rows. Throws on failure, in
 * which case none of the units may be checkpointed (a rewrite later is a no-op where they had
 * partly landed).
 *
 * Lineage: every row's `source_uri` is the URL of the unit that fetched it (redacted by the
 * writer); a unit that fetched from no URL (e.g. an FX Sunday before the open) is
 * `<source>:<unit id>`, for its own rows only. When the units with rows share one URL (one unit,
 * or a vendor request covering several) the batch lands as one frame with that URL as a literal
 * and one `curate` call, with no per-unit work. When their URLs differ (e.g. one request per
 * session), each unit's raw frame is tagged with its URL before the concatenation (one Polars
 * call per unit), each unit is curated on its own (`curate` is row-wise in every pipeline, so
 * the rows equal those of one call on the whole batch) and its curated rows tagged likewise, and
 * the writer keeps the per-row column; the manifest entry then names the batch's first URL and
 * how many more (`<url> (+N more)`). A validate-stage quarantine row names its own unit (in a
 * batch curated at once, the units are curated again one by one only when rows were rejected).
 */
export async function landBatch(
  items: FetchedItem[],
  root?: string,
): Promise<{ rawRows: number; curatedRows: number; quarantined: number }> {
  if (items.length === 0) return { rawRows: 0, curatedRows: 0, quarantined: 0 };
  const pipeline = items[0]!.pipeline;
  const uriOf = (it: FetchedItem) => it.fetched.sourceUri || `${pipeline.source}:${it.unit.id}`;
  const q: QuarantineRow[] = [];
  for (const it of items) {
    const sourceUri = uriOf(it);
    for (const r of it.fetched.rejected) {
      q.push({
        dataset: pipeline.dataset,
        unitId: it.unit.id,
        unitStart: it.unit.start,
        stage: "parse",
        reason: r.reason,
        payload: redact(r.payload),
        payloadRef: `${r.url}#row=${r.index}`,
        sourceUri,
      });
    }
  }
  const concat = (frames: pl.DataFrame[]) => {
    const nonEmpty = frames.filter((f) => f.height > 0);
    return nonEmpty.length === 0
      ? frames[0]!
      : nonEmpty.length === 1
      ? nonEmpty[0]!
      : pl.concat(nonEmpty, { how: sameColumns(nonEmpty) ? "vertical" : "diagonal" });
  };
  const tag = (f: pl.DataFrame, uri: string) =>
    f.withColumns(pl.lit(uri).cast(pl.Utf8).alias("source_uri"));
  /** Lands one pipeline's parts (one per unit, in batch order): raw, then curated rows. */
  const land = async (p: Pipeline, parts: LandPart[]) => {
    const withRows = parts.filter((x) => x.raw.height > 0);
    const uris = [...new Set(withRows.map((x) => x.uri))];
    const perUnit = uris.length > 1;
    const sourceUri = uris[0] ?? parts[0]!.uri;
    const opts = {
      transformId: p.transformId,
      sourceUri: perUnit ? `${sourceUri} (+${uris.length - 1} more)` : sourceUri,
      ...(root ? { root } : {}),
    };
    const raw = concat(parts.map((x) => x.raw));
    // Each row's URL: one column for the whole batch, built in Polars' threads.
    const rawOut = perUnit ? raw.withColumns(await uriColumn(withRows)) : raw;
    // Raw and curated rows go to two datasets (two locks, two manifests): their Parquet writes
    // run at once in Polars' threads. Nothing is checkpointed unless both land, and a rewrite of
    // either is a no-op, so a crash between them is repaired by the rerun of the unit.
    const rawWrite = raw.height > 0 ? writeDataset(p.rawSpec, rawOut, opts) : null;
    let curated: pl.DataFrame | null = null;
    const rejected: { part: LandPart; r: CuratedResult["rejected"][number] }[] = [];
    try {
      if (!perUnit || keyJoinable(p)) {
        const cur = await p.curate(raw);
        // Curated rows take the URL of the raw row with their key (the last, as the writer's
        // dedup); null when curate made a key the raw rows lack (then curated unit by unit).
        curated = perUnit && cur.curated.height > 0
          ? await withKeyUris(cur.curated, rawOut, p.curatedSpec.naturalKey)
          : cur.curated;
        if (curated && cur.rejected.length > 0 && withRows.length > 1) {
          // Rare: which unit each rejected row came from.
          for (const x of withRows) {
            for (const r of (await p.curate(x.raw)).rejected) rejected.push({ part: x, r });
          }
        } else if (curated) {
          const part = withRows[0] ?? parts[0]!;
          for (const r of cur.rejected) rejected.push({ part, r });
        }
      }
      if (!curated) {
        // Each unit on its own (at once: the curates may finish in Polars' threads).
        const curs = await Promise.all(withRows.map((x) => p.curate(x.raw)));
        curated = concat(
          curs.map((c, i) => c.curated.height > 0 ? tag(c.curated, withRows[i]!.uri) : c.curated),
        );
        curs.forEach((c, i) => c.rejected.forEach((r) => rejected.push({ part: withRows[i]!, r })));
      }
    } catch (e) {
      await rawWrite?.catch(() => {}); // never leave a write running behind a failure
      throw e;
    }
    const curWrite = curated.height > 0 ? writeDataset(p.curatedSpec, curated, opts) : null;
    const [rw, cw] = await Promise.allSettled([rawWrite, curWrite]);
    if (rw.status === "rejected") throw rw.reason;
    if (cw.status === "rejected") throw cw.reason;
    const rawRows = rw.value?.rowsIn ?? 0, curatedRows = cw.value?.rowsIn ?? 0;
    for (const { part, r } of rejected) {
      q.push({
        dataset: p.dataset,
        unitId: part.unit.id,
        unitStart: part.unit.start,
        stage: "validate",
        reason: r.reason,
        payload: redact(r.payload),
        payloadRef: `raw/${p.source}/${r.ref}`,
        sourceUri: part.uri,
      });
    }
    return { rawRows, curatedRows };
  };
  // Side outputs grouped by their pipeline; their rows' URL is the unit's that found them.
  const sides = new Map<string, { p: Pipeline; parts: LandPart[] }>();
  for (const it of items) {
    for (const s of it.fetched.side ?? []) {
      const k = `${s.pipeline.source}/${s.pipeline.dataset}`;
      const g = sides.get(k) ?? { p: s.pipeline, parts: [] };
      g.parts.push({ raw: s.raw, unit: s.unit, uri: uriOf(it) });
      sides.set(k, g);
    }
  }
  for (const g of sides.values()) await land(g.p, g.parts);
  const main = await land(
    pipeline,
    items.map((it) => ({ raw: it.fetched.raw, unit: it.unit, uri: uriOf(it) })),
  );
  // The quarantine write's label: the first URL of the batch, as the main write's.
  const first = items.find((i) => i.fetched.sourceUri) ?? items[0]!;
  const quarantined = await writeQuarantine(pipeline.source, q, {
    transformId: pipeline.transformId,
    sourceUri: uriOf(first),
    ...(root ? { root } : {}),
  });
  return { ...main, quarantined };
}

/**
 * The `source_uri` column of the concatenation of the parts' raw frames (parts with rows, in
 * order): each part's URL repeated its height times, built in Polars' threads (no per-row JS).
 */
async function uriColumn(parts: LandPart[]): Promise<pl.Series> {
  const df = await pl.DataFrame([
    pl.Series("source_uri", parts.map((x) => x.uri), pl.Utf8),
    pl.Series("n", parts.map((x) => x.raw.height), pl.UInt32),
  ]).lazy().select(pl.col("source_uri").repeatBy("n").explode()).collect();
  return df.getColumn("source_uri");
}

/** Whether every curated key column is a raw column of the same type (curated rows map back). */
function keyJoinable(p: Pipeline): boolean {
  return p.curatedSpec.naturalKey.every((k) =>
    p.rawSpec.schema[k] !== undefined && p.rawSpec.schema[k] === p.curatedSpec.schema[k]
  );
}

/**
 * `curated` with the `source_uri` of the last raw row of the same natural key, or null when a
 * curated row has no raw row of its key. Curated rows that are the raw rows' keys in the same
 * order (a clean batch of a row-wise curate: one O(n) comparison) take the raw column as is;
 * otherwise one `unique` and one left join, in Polars' threads.
 */
async function withKeyUris(
  curated: pl.DataFrame,
  raw: pl.DataFrame,
  key: string[],
): Promise<pl.DataFrame | null> {
  if (curated.height === raw.height && curated.select(...key).frameEqual(raw.select(...key))) {
    return curated.withColumns(raw.getColumn("source_uri"));
  }
  const uris = raw.lazy().select(...key, "source_uri").unique({
    subset: key,
    keep: "last",
    maintainOrder: false,
  });
  const out = await curated.lazy().join(uris, { on: key, how: "left" }).collect();
  return out.height === curated.height && out.getColumn("source_uri").nullCount() === 0
    ? out
    : null;
}

/** One unit's share of a landing: its raw rows, the unit, its lineage URL. */
interface LandPart {
  raw: pl.DataFrame;
  unit: Unit;
  uri: string;
}

/** True when every frame has the same column names and types, in the same order. */
function sameColumns(frames: pl.DataFrame[]): boolean {
  const key = (f: pl.DataFrame) => f.columns.map((c, i) => `${c}:${f.dtypes[i]}`).join(",");
  const first = key(frames[0]!);
  return frames.every((f) => key(f) === first);
}

/** Process one unit end to end (fetch and land). Throws on failure. */
export async function runUnit(
  pipeline: Pipeline,
  unit: Unit,
  ctx: PipelineContext,
  root?: string,
): Promise<Omit<UnitResult, "status"> & { drift: DriftReport }> {
  const item = await fetchUnit(pipeline, unit, ctx, root);
  const r = await landBatch([item], root);
  return { unit, ...r, pages: item.fetched.pages, drift: item.drift };
}

/** Run backfill jobs; never throws for a failed unit (it is counted and reported). */
export async function runBackfill(
  jobs: BackfillJob[],
  options: BackfillOptions,
): Promise<BackfillSummary> {
  const t0 = performance.now();
  const root = options.root;
  const marks0 = new Map<RequestMetrics, MetricsMark>();
  for (const c of Object.values(options.clients)) {
    const m = (c as { http?: { metrics: RequestMetrics } } | undefined)?.http?.metrics;
    if (m && !marks0.has(m)) marks0.set(m, m.mark());
  }
  const jobId = options.jobId ?? jobIdOf(jobs);
  // The catalog when WORKBENCH_CATALOG is set (as cluster backfills), else the lake's files.
  const checkpoints = checkpointStore(root);
  if (!options.resume) await checkpoints.clear(jobId);
  const done = options.resume ? await checkpoints.doneUnits(jobId) : new Set<string>();
  const plan: { job: BackfillJob; unit: Unit }[] = [];
  for (const job of jobs) {
    for (
      const unit of planUnits(job, {
        incremental: options.incremental ?? false,
        ...(root ? { root } : {}),
      })
    ) {
      if (options.only && !options.only.has(unit.id)) continue;
      plan.push({ job, unit });
    }
  }
  const summary: BackfillSummary = {
    jobId,
    units: { total: plan.length, done: 0, failed: 0, skipped: 0 },
    rawRows: 0,
    curatedRows: 0,
    quarantined: 0,
    pages: 0,
    requests: 0,
    retries: 0,
    retriesByReason: {},
    bytes: 0,
    p50Ms: NaN,
    p95Ms: NaN,
    p99Ms: NaN,
    drift: [],
    failures: [],
    elapsedMs: 0,
  };
  const finished = new Set<string>(done);
  const progress = new Progress("backfill", plan.length, { quiet: !options.progress });
  const ctx: PipelineContext = { clients: options.clients };
  const queue = plan.filter((p) => {
    if (done.has(p.unit.id)) {
      summary.units.skipped++;
      options.onUnit?.({
        unit: p.unit,
        status: "skipped",
        rawRows: 0,
        curatedRows: 0,
        quarantined: 0,
        pages: 0,
      });
      progress.tick(1);
      return false;
    }
    return true;
  });
  const driftSeen = new Map<string, DriftReport>();
  const watermarks = options.watermarks ?? true;
  const advance = async (job: BackfillJob, symbol: string) => {
    if (!watermarks) return;
    const units = plan.filter((p) => p.job === job && p.unit.symbol === symbol).map((p) => p.unit);
    const end = contiguousEnd(units, (i) => finished.has(units[i]!.id));
    if (end) {
      await raiseWatermarks(job.pipeline.source, job.pipeline.dataset, { [symbol]: end }, root);
    }
  };
  const errText = (e: unknown) =>
    redact(
      e instanceof Error
        ? `${e.message}${e.cause ? ` (cause: ${String(e.cause).slice(0, 300)})` : ""}`
        : String(e),
    );
  const fail = (unit: Unit, e: unknown) => {
    const msg = errText(e);
    summary.units.failed++;
    summary.failures.push({ unit: unit.id, error: msg });
    log.error("backfill.unit.failed", { unit: unit.id, error: msg });
    options.onUnit?.({
      unit,
      status: "failed",
      rawRows: 0,
      curatedRows: 0,
      quarantined: 0,
      pages: 0,
      error: msg,
    });
    progress.tick(1, unit.id);
  };
  // Fetchers run in parallel; one lander writes what they fetched in batches (one lake write
  // per dataset per batch), then checkpoints the batch's units.
  const maxBatchRows = options.batchRows ?? 2_000_000;
  const maxBatchUnits = options.batchUnits ?? 64;
  const lingerMs = options.lingerMs ?? 250;
  const ready: { job: BackfillJob; item: FetchedItem }[] = [];
  let readyRows = 0;
  let fetching = 0;
  let wake: (() => void) | null = null;
  let roomWaiters: (() => void)[] = [];
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const fetcher = async () => {
    for (;;) {
      while (readyRows > maxBatchRows * 2) await new Promise<void>((r) => roomWaiters.push(r));
      const next = queue.shift();
      if (!next) return;
      fetching++;
      try {
        const item = await fetchUnit(next.job.pipeline, next.unit, ctx, root);
        ready.push({ job: next.job, item });
        readyRows += item.fetched.raw.height;
      } catch (e) {
        fail(next.unit, e);
      } finally {
        fetching--;
        signal();
      }
    }
  };
  const lander = async () => {
    for (;;) {
      if (ready.length === 0) {
        if (queue.length === 0 && fetching === 0) return;
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      // Linger a little for more units (fewer, larger lake writes) unless the batch is full or
      // nothing else is coming.
      const until = performance.now() + lingerMs;
      while (
        ready.length < maxBatchUnits && readyRows < maxBatchRows &&
        (queue.length > 0 || fetching > 0) &&
        performance.now() < until
      ) {
        await Promise.race([
          new Promise<void>((r) => (wake = r)),
          new Promise<void>((r) => setTimeout(r, Math.max(1, until - performance.now()))),
        ]);
      }
      // One batch: same pipeline, bounded size.
      const p = ready[0]!.item.pipeline;
      const batch: { job: BackfillJob; item: FetchedItem }[] = [];
      let rows = 0;
      for (let k = 0; k < ready.length && batch.length < maxBatchUnits;) {
        const r = ready[k]!;
        if (
          r.item.pipeline !== p ||
          (batch.length > 0 && rows + r.item.fetched.raw.height > maxBatchRows)
        ) {
          k++;
          continue;
        }
        batch.push(r);
        rows += r.item.fetched.raw.height;
        ready.splice(k, 1);
      }
      readyRows -= rows;
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const w of waiters) w();
      try {
        const r = await landBatch(batch.map((b) => b.item), root);
        summary.rawRows += r.rawRows;
        summary.curatedRows += r.curatedRows;
        summary.quarantined += r.quarantined;
        // One checkpoint append (one fsync) for the batch, then one watermark update per symbol.
        const at = new Date().toISOString();
        await checkpoints.append(
          jobId,
          batch.map(({ item }) => ({
            unit: item.unit.id,
            status: "done" as const,
            rawRows: item.fetched.raw.height,
            curatedRows: -1,
            quarantined: item.fetched.rejected.length,
            at,
          })),
        );
        const symbols = new Map<BackfillJob, Set<string>>();
        for (const { job, item } of batch) {
          const unit = item.unit;
          finished.add(unit.id);
          summary.units.done++;
          summary.pages += item.fetched.pages;
          if (hasDrift(item.drift)) {
            driftSeen.set(`${item.drift.source}/${item.drift.dataset}`, item.drift);
          }
          const set = symbols.get(job) ?? new Set<string>();
          symbols.set(job, set.add(unit.symbol));
        }
        // The units are landed and checkpointed: a failed watermark update does not undo that
        // (the end of this run, or the next, rebuilds the watermarks from the checkpoint).
        for (const [job, set] of symbols) {
          for (const sym of set) {
            try {
              await advance(job, sym);
            } catch (e) {
              log.warn("backfill.watermark.failed", {
                dataset: job.pipeline.dataset,
                error: errText(e),
              });
            }
          }
        }
        for (const { item } of batch) {
          const unit = item.unit;
          options.onUnit?.({
            unit,
            status: "done",
            rawRows: item.fetched.raw.height,
            curatedRows: -1,
            quarantined: item.fetched.rejected.length,
            pages: item.fetched.pages,
          });
          progress.tick(1, unit.id);
        }
      } catch (e) {
        for (const { item } of batch) fail(item.unit, e);
      }
    }
  };
  const workers = Math.max(1, options.workers ?? 4);
  await Promise.all([lander(), ...Array.from({ length: workers }, fetcher)]);
  progress.done();
  // Watermarks follow the checkpoint: rebuilt from every unit it records as done (this run's and
  // earlier runs'), so a process killed between a checkpoint append and its watermark update
  // (or a lost watermark file) loses nothing once the job runs again, even when every unit is
  // skipped.
  for (const job of watermarks ? jobs : []) {
    const marks: Record<string, string> = {};
    for (const symbol of job.symbols) {
      const units = plan.filter((p) => p.job === job && p.unit.symbol === symbol).map((p) =>
        p.unit
      );
      const end = contiguousEnd(units, (i) => finished.has(units[i]!.id));
      if (end) marks[symbol] = end;
    }
    if (Object.keys(marks).length === 0) continue;
    try {
      await raiseWatermarks(job.pipeline.source, job.pipeline.dataset, marks, root);
    } catch (e) {
      log.warn("backfill.watermark.failed", {
        dataset: job.pipeline.dataset,
        error: errText(e),
      });
    }
  }
  // Dataset-level watermark in the lake manifest: the least complete symbol.
  for (const job of watermarks ? jobs : []) {
    try {
      const marks = readWatermarks(job.pipeline.source, job.pipeline.dataset, root);
      const vals = job.symbols.map((s) => marks[s]).filter((v): v is string => v !== undefined);
      if (vals.length === job.symbols.length && vals.length > 0) {
        const min = vals.sort()[0]!;
        await setWatermark(job.pipeline.curatedSpec, min, {
          ...(root ? { root } : {}),
          transformId: job.pipeline.transformId,
        });
      }
    } catch (e) {
      // The rows and the checkpoint are in; the next run rebuilds the watermarks from it.
      log.warn("backfill.watermark.failed", { dataset: job.pipeline.dataset, error: errText(e) });
    }
  }
  // Only this run's share of the (possibly long-lived) clients' metrics.
  const metrics = new RequestMetrics();
  for (const [m, mark] of marks0) metrics.merge(m.since(mark));
  const ms = metrics.summary();
  summary.requests = ms.requests;
  summary.retries = ms.retries;
  summary.retriesByReason = ms.retriesByReason;
  summary.bytes = ms.bytes;
  summary.p50Ms = ms.p50Ms;
  summary.p95Ms = ms.p95Ms;
  summary.p99Ms = ms.p99Ms;
  summary.drift = [...driftSeen.values()];
  if (options.quality ?? true) summary.quality = await jobsQuality(jobs, root);
  summary.elapsedMs = performance.now() - t0;
  return summary;
}

/**
 * The data-quality pass of a backfill: {@link datasetQuality} of each job's curated dataset over
 * the job's range and symbols, as `{ "source/dataset": { rows, ...counts } }` (the summary's
 * `quality`). Only reads the lake. A dataset whose check fails is left out and logged
 * (`backfill.quality.failed`): the rows and checkpoints are in, the report is advisory.
 * `runBackfill` calls it at its end unless `quality: false`; `backfillAllCommand` with
 * `concurrency > 1` calls it after a step's units landed, so the next step need not wait.
 */
export async function jobsQuality(
  jobs: BackfillJob[],
  root?: string,
): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const job of jobs) {
    const key = `${job.pipeline.source}/${job.pipeline.dataset}`;
    try {
      const r = await datasetQuality(job.pipeline.curatedSpec, {
        start: job.start,
        end: job.end,
        symbols: job.symbols,
        ...(root ? { root } : {}),
      });
      out[key] = { rows: r.rows, ...r.counts };
    } catch (e) {
      log.warn("backfill.quality.failed", { dataset: key, error: String(e) });
    }
  }
  return out;
}

/** Human-readable run summary (no secrets: every line goes through `redact`). */
export function formatSummary(s: BackfillSummary): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
  const lines = [
    `job ${s.jobId}: units done ${s.units.done}, failed ${s.units.failed}, skipped ${s.units.skipped} (of ${s.units.total})`,
    `rows: raw ${s.rawRows}, curated ${s.curatedRows}, quarantined ${s.quarantined}`,
    `http: ${s.requests} requests, ${s.pages} pages, ${s.retries} retries ${
      JSON.stringify(s.retriesByReason)
    }, ${(s.bytes / 1e6).toFixed(1)} MB, latency p50 ${f(s.p50Ms)} ms p95 ${f(s.p95Ms)} ms p99 ${
      f(s.p99Ms)
    } ms`,
    `elapsed ${(s.elapsedMs / 1000).toFixed(1)} s`,
  ];
  for (const d of s.drift) {
    lines.push(
      `schema drift ${d.source}/${d.dataset}: added ${JSON.stringify(d.added)} removed ${
        JSON.stringify(d.removed)
      } changed ${JSON.stringify(d.changed)}`,
    );
  }
  if (s.quality) {
    for (const [ds, counts] of Object.entries(s.quality)) {
      lines.push(`quality ${ds}: ${JSON.stringify(counts)}`);
    }
  }
  for (const x of s.failures.slice(0, 20)) lines.push(`FAILED ${x.unit}: ${x.error}`);
  if (s.failures.length > 20) lines.push(`... and ${s.failures.length - 20} more failures`);
  return redact(lines.join("\n"));
}
