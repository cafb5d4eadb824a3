/**
 * Backfill units on the cluster. Job kind `ingest.backfill_unit` fetches a few units of a backfill
 * plan and lands them in the lake (`landBatch`: raw rows, curated rows, quarantine, each a
 * `writeDataset` deduplicated by natural key, so a unit landed twice, its first worker killed
 * after the write, adds nothing), then records it in the job's checkpoint in the PostgreSQL
 * catalog (one row per unit, written after the lake writes). Every vendor request of every worker takes a token from the
 * vendor's shared budget (lib/cluster budget.ts) when the submission names one.
 *
 * {@link runClusterBackfill} plans the units exactly as `runBackfill` does, skips the units the
 * checkpoint records as done (`resume`), submits the rest, waits for every unit, then raises the
 * per-symbol and dataset watermarks from the checkpoint like `runBackfill`. Workers reach the
 * vendor through their own configuration (keys never travel in a payload) or, for the simulated
 * market, through the base URL of the submitter's simulated market.
 *
 * @example
 * ```ts ignore
 * const s = await runClusterBackfill({ source: "polygon", dataset: "stock_bars_minute",
 *   symbols: ["SPY"], start: "2024-01-02", end: "2024-01-31" }, { catalog, simBaseUrl });
 * ```
 */
import { z } from "zod";
import {
  budgetFetch,
  type ClusterCatalog,
  type ClusterProgress,
  defineJobKind,
  openBudget,
  runJobs,
  type SharedBudget,
} from "../cluster/mod.ts";
import { loadConfig } from "../config/mod.ts";
import {
  connectClients,
  contiguousEnd,
  fetchUnit,
  jobIdOf,
  landBatch,
  pgCheckpoints,
  pipelineFor,
  type PipelineOptions,
  planUnits,
  raiseWatermarks,
  readWatermarks,
  simConfig,
} from "../ingest/mod.ts";
import type { Clients } from "../ingest/types.ts";
import { setWatermark } from "../lake/mod.ts";

const Options = z.object({
  strikeBand: z.number().min(0).optional(),
  expiryDays: z.number().int().min(0).optional(),
  adjustment: z.enum(["raw", "split", "dividend", "all"]).optional(),
  feed: z.string().optional(),
});

const Payload = z.object({
  source: z.string().min(1),
  dataset: z.string().min(1),
  options: Options,
  /** Units of the plan landed together (one lake write per dataset). */
  units: z.array(z.object({
    id: z.string().min(1),
    source: z.string().min(1),
    dataset: z.string().min(1),
    symbol: z.string().min(1),
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  })).min(1),
  /** Checkpoint job id. */
  jobId: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  /** Lake root (absent: the worker's WORKBENCH_DATA). */
  root: z.string().min(1).optional(),
  /** Base URL of a simulated market (absent: the worker's configured vendors). */
  simBaseUrl: z.string().url().optional(),
  /** Vendor whose shared request budget every request spends from. */
  budgetVendor: z.string().min(1).optional(),
});

const CLIENTS = new Map<string, { clients: Clients; budget: SharedBudget | null }>();

async function clientsFor(
  simBaseUrl: string | undefined,
  budgetVendor: string | undefined,
  catalog: ClusterCatalog,
): Promise<Clients> {
  const key = `${simBaseUrl ?? ""}|${budgetVendor ?? ""}|${catalog.schema}`;
  const hit = CLIENTS.get(key);
  if (hit) return hit.clients;
  const budget = budgetVendor ? await openBudget(catalog, budgetVendor) : null;
  const fetchFn = budget ? budgetFetch(budget) : undefined;
  const cfg = loadConfig();
  const clients = simBaseUrl
    ? connectClients(simConfig(cfg, simBaseUrl), {
      http: {
        minIntervalMs: 0,
        jitterMs: 0,
        perMinute: Infinity,
        concurrency: 8,
        ...(fetchFn ? { fetch: fetchFn } : {}),
      },
    })
    : connectClients(cfg, fetchFn ? { http: { fetch: fetchFn } } : {});
  CLIENTS.set(key, { clients, budget });
  return clients;
}

function workerCatalog(): ClusterCatalog {
  const url = Deno.env.get("WORKBENCH_CATALOG");
  if (!url) throw new RangeError("ingest.backfill_unit needs WORKBENCH_CATALOG on the worker");
  return { url, schema: Deno.env.get("WORKBENCH_JOBS_SCHEMA") ?? "workbench_jobs" };
}

/** Job kind `ingest.backfill_unit`. */
export const BACKFILL_UNIT_JOB = defineJobKind({
  name: "ingest.backfill_unit",
  payload: Payload,
  // lease: a lost worker's job is retried 60 s after its last heartbeat (module doc of
  // lib/cluster/worker.ts); a job may run longer, up to the default 4 h
  leaseSeconds: 60,
  retryLimit: 10,
  run: async (p) => {
    const catalog = workerCatalog();
    const pipeline = pipelineFor(p.source, p.dataset, p.options as PipelineOptions);
    const clients = await clientsFor(p.simBaseUrl, p.budgetVendor, catalog);
    const items = [];
    for (const unit of p.units) items.push(await fetchUnit(pipeline, unit, { clients }, p.root));
    const r = await landBatch(items, p.root);
    const at = new Date().toISOString();
    await pgCheckpoints(catalog.url).append(
      p.jobId,
      items.map((it) => ({
        unit: it.unit.id,
        status: "done" as const,
        rawRows: it.fetched.raw.height,
        curatedRows: -1,
        quarantined: it.fetched.rejected.length,
        at,
      })),
    );
    return {
      rawRows: r.rawRows,
      curatedRows: r.curatedRows,
      quarantined: r.quarantined,
      pages: items.reduce((a, it) => a + it.fetched.pages, 0),
    };
  },
});

/** What {@link runClusterBackfill} backfills. */
export interface ClusterBackfillArgs extends PipelineOptions {
  source: string;
  dataset: string;
  symbols: string[];
  start: string;
  end: string;
}

/** Options of {@link runClusterBackfill}. */
export interface ClusterBackfillOptions {
  catalog: ClusterCatalog;
  /** Lake root the workers write (must be theirs too). @default the workers' WORKBENCH_DATA */
  root?: string;
  /** Simulated market the workers fetch from. @default the workers' configured vendors */
  simBaseUrl?: string;
  /**
   * Units per job (landed in one lake write per dataset, like runBackfill's batches).
   * @default 4
   */
  unitsPerJob?: number;
  /** Skip units the checkpoint records as done. @default false */
  resume?: boolean;
  /** Checkpoint id. @default jobIdOf(plan) */
  jobId?: string;
  /** Shared request budget of the vendor (created or updated here). @default none */
  budget?: { perSecond: number; capacity?: number; dailyLimit?: number | null };
  onProgress?: (p: ClusterProgress) => void;
  /** Lease of a job in seconds (>= 10). @default the kind's (60) */
  leaseSeconds?: number;
  /** Longest run of a job in seconds (tests use a short one). @default 4 h */
  expireInSeconds?: number;
  /** Retries of a job. @default the kind's (10) */
  retryLimit?: number;
}

/** What a cluster backfill did. */
export interface ClusterBackfillSummary {
  jobId: string;
  units: { total: number; done: number; skipped: number };
  rawRows: number;
  curatedRows: number;
  quarantined: number;
  pages: number;
  /** Requests counted by the shared budget (when one was given). */
  budgetUsed: number | null;
  elapsedMs: number;
}

/** Run a backfill's units on the cluster (module doc). */
export async function runClusterBackfill(
  args: ClusterBackfillArgs,
  options: ClusterBackfillOptions,
): Promise<ClusterBackfillSummary> {
  const t0 = performance.now();
  const pipeline = pipelineFor(args.source, args.dataset, args);
  if (args.symbols.length === 0) throw new RangeError("Cannot backfill: no symbols");
  const job = { pipeline, symbols: args.symbols, start: args.start, end: args.end };
  const root = options.root;
  const jobId = options.jobId ?? jobIdOf([job]);
  const cp = pgCheckpoints(options.catalog.url);
  if (!options.resume) await cp.clear(jobId);
  const done0 = options.resume ? await cp.doneUnits(jobId) : new Set<string>();
  const units = planUnits(job, root ? { root } : {});
  const todo = units.filter((u) => !done0.has(u.id));
  const per = options.unitsPerJob ?? 4;
  if (!(Number.isInteger(per) && per >= 1)) {
    throw new RangeError(`unitsPerJob must be an integer >= 1, got ${per}`);
  }
  const chunks = [];
  for (let i = 0; i < todo.length; i += per) chunks.push(todo.slice(i, i + per));
  let budgetUsed: number | null = null;
  let budget: SharedBudget | null = null;
  if (options.budget) budget = await openBudget(options.catalog, args.source, options.budget);
  const used0 = budget ? await budget.used() : 0;
  const opts: PipelineOptions = {
    ...(args.strikeBand !== undefined ? { strikeBand: args.strikeBand } : {}),
    ...(args.expiryDays !== undefined ? { expiryDays: args.expiryDays } : {}),
    ...(args.adjustment ? { adjustment: args.adjustment } : {}),
    ...(args.feed ? { feed: args.feed } : {}),
  };
  try {
    const outs = await runJobs<
      { rawRows: number; curatedRows: number; quarantined: number; pages: number }
    >(
      BACKFILL_UNIT_JOB.name,
      chunks.map((units) => ({
        source: args.source,
        dataset: args.dataset,
        options: opts,
        units,
        jobId,
        ...(root ? { root } : {}),
        ...(options.simBaseUrl ? { simBaseUrl: options.simBaseUrl } : {}),
        ...(budget ? { budgetVendor: args.source } : {}),
      })),
      {
        catalog: options.catalog,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}),
        ...(options.expireInSeconds ? { expireInSeconds: options.expireInSeconds } : {}),
        ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
      },
    );
    // Watermarks follow the checkpoint, as in runBackfill.
    const done = await cp.doneUnits(jobId);
    const marks: Record<string, string> = {};
    for (const symbol of job.symbols) {
      const us = units.filter((u) => u.symbol === symbol);
      const end = contiguousEnd(us, (i) => done.has(us[i]!.id));
      if (end) marks[symbol] = end;
    }
    if (Object.keys(marks).length > 0) {
      await raiseWatermarks(pipeline.source, pipeline.dataset, marks, root);
      const all = readWatermarks(pipeline.source, pipeline.dataset, root);
      const vals = job.symbols.map((s) => all[s]).filter((v): v is string => v !== undefined);
      if (vals.length === job.symbols.length) {
        await setWatermark(pipeline.curatedSpec, vals.sort()[0]!, {
          ...(root ? { root } : {}),
          transformId: pipeline.transformId,
        });
      }
    }
    if (budget) budgetUsed = (await budget.used()) - used0;
    const sum = (k: "rawRows" | "curatedRows" | "quarantined" | "pages") =>
      outs.reduce((a, o) => a + o[k], 0);
    return {
      jobId,
      units: { total: units.length, done: todo.length, skipped: units.length - todo.length },
      rawRows: sum("rawRows"),
      curatedRows: sum("curatedRows"),
      quarantined: sum("quarantined"),
      pages: sum("pages"),
      budgetUsed,
      elapsedMs: performance.now() - t0,
    };
  } finally {
    await budget?.close();
  }
}
