/**
 * The logic behind the ingest tasks (`backfill`, `backfill-all`, `curate`, `schema-check`,
 * `quality`), so the task files only parse arguments and exit with the returned code:
 * 0 when every unit succeeded, 1 when units failed (or drift was found), 2 on bad arguments.
 */
import pl from "nodejs-polars";
import { loadConfig, type WorkbenchConfig } from "../config/config.ts";
import { log } from "../core/log.ts";
import { redact } from "../core/secret.ts";
import { committedState, readDataset, setWatermark, writeDataset } from "../lake/mod.ts";
import { datasetQuality, formatQuality } from "../quality/report.ts";
import { FRED_DEFAULT_SERIES } from "../sources/fred.ts";
import type { SimServerOptions } from "../sources/sim/mod.ts";
import {
  type BackfillJob,
  type BackfillSummary,
  formatSummary,
  jobsQuality,
  runBackfill,
} from "./backfill.ts";
import { addDays } from "./pipelines/_common.ts";
import { type QuarantineRow, writeQuarantine } from "./quarantine.ts";
import { datasetNames, pipelineFor, type PipelineOptions, requireClient } from "./registry.ts";
import { acceptDrift, checkDrift, hasDrift } from "./schema_drift.ts";
import { openSession } from "./session.ts";
import type { Pipeline } from "./types.ts";

/** Where output lines go (tests capture them). @default console.log */
export type Print = (line: string) => void;

/** Shared options of the commands. */
export interface CommandOptions {
  /** Use the in-process simulated market (options passed to it). */
  sim?: SimServerOptions | boolean;
  /** Configuration. @default loadConfig() */
  config?: WorkbenchConfig;
  /** HTTP policy overrides (tests). */
  http?: Record<string, number>;
  print?: Print;
  /**
   * Receives each structured result as its text is printed (the tasks' `--json`): a backfill's
   * {@link BackfillSummary}; per plan step `{ step, dataset, summary }`; per curated dataset
   * `{ dataset, rawRows, curatedRows, rowsWritten, quarantined }`.
   */
  onResult?: (result: Record<string, unknown>) => void;
  /**
   * `backfillAllCommand` only: told when a plan step (1-based) starts, when its units have
   * landed (its place is free; with `concurrency > 1` its quality pass follows) and when it is
   * done, at the instant it happens (its printed block may come later, in plan order). For
   * progress displays, benchmarks and tests.
   */
  onStep?: (event: StepEvent) => void;
}

/** A plan step's progress, see {@link CommandOptions.onStep}. */
export interface StepEvent {
  /** 1-based index in the plan. */
  step: number;
  /** `source/dataset`. */
  dataset: string;
  phase: "start" | "landed" | "done";
  /** `performance.now()` at the event. */
  atMs: number;
}

const ISO = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(name: string, v: string | undefined): string {
  if (!v || !ISO.test(v)) {
    throw new RangeError(`--${name} must be YYYY-MM-DD, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Arguments of `deno task backfill`. */
export interface BackfillArgs extends PipelineOptions {
  source: string;
  dataset: string;
  symbols: string[];
  start: string;
  end: string;
  resume?: boolean;
  incremental?: boolean;
  workers?: number;
  jobId?: string;
  quality?: boolean;
  /** Units per lake write. @default 64 */
  batchUnits?: number;
}

function withRoot(cfg: WorkbenchConfig): { root: string } {
  return { root: cfg.lakeRoot };
}

/** Run one backfill job and print its summary. */
export async function backfillCommand(
  args: BackfillArgs,
  options: CommandOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const cfg = options.config ?? loadConfig();
  const pipeline = pipelineFor(args.source, args.dataset, args);
  if (args.symbols.length === 0) throw new RangeError("--symbols is empty");
  const job: BackfillJob = {
    pipeline,
    symbols: args.symbols,
    start: checkDate("start", args.start),
    end: checkDate("end", args.end),
  };
  const summary = await runJobs([job], args, cfg, options);
  print(formatSummary(summary));
  options.onResult?.({ ...summary });
  return summary.units.failed > 0 ? 1 : 0;
}

async function runJobs(
  jobs: BackfillJob[],
  args: {
    resume?: boolean;
    incremental?: boolean;
    workers?: number;
    jobId?: string;
    quality?: boolean;
    batchUnits?: number;
  },
  cfg: WorkbenchConfig,
  options: CommandOptions,
): Promise<BackfillSummary> {
  const session = await openSession({
    config: cfg,
    ...(options.sim ? { sim: options.sim } : {}),
    ...(options.http ? { http: options.http } : {}),
  });
  try {
    for (const j of jobs) requireClient(session.clients, j.pipeline);
    return await runBackfill(jobs, {
      clients: session.clients,
      ...withRoot(cfg),
      resume: args.resume ?? false,
      incremental: args.incremental ?? false,
      workers: args.workers ?? cfg.run.workers,
      progress: true,
      quality: args.quality ?? true,
      ...(args.jobId ? { jobId: args.jobId } : {}),
      ...(args.batchUnits ? { batchUnits: args.batchUnits } : {}),
    });
  } finally {
    await session.close();
  }
}

/** One step of a backfill plan. `symbols: "@universe"` means every listed stock (see below). */
export interface PlanStep extends PipelineOptions {
  source: string;
  dataset: string;
  symbols: string[] | "@universe";
  start: string;
  end: string;
}

/**
 * The default nightly plan: one month of SPY minute bars, VIX, SPY option bars for the
 * contracts discovered each session, FRED vintages for the default series, the equity
 * universe (active and delisted listings, then each stock's daily bars, splits and dividends),
 * the SPY options chain snapshot and the upcoming market calendar (both as of the run), and one
 * month of FX minute candles. Dates fit the simulated market's default world.
 */
export const DEFAULT_PLAN: PlanStep[] = [
  {
    source: "polygon",
    dataset: "stock_bars_minute",
    symbols: ["SPY"],
    start: "2024-02-01",
    end: "2024-02-29",
  },
  {
    source: "polygon",
    dataset: "index_bars_minute",
    symbols: ["I:VIX"],
    start: "2024-02-01",
    end: "2024-02-29",
  },
  {
    source: "polygon",
    dataset: "index_bars_day",
    symbols: ["I:VIX"],
    start: "2024-01-02",
    end: "2024-03-28",
  },
  {
    source: "polygon",
    dataset: "option_bars_minute",
    symbols: ["SPY"],
    start: "2024-02-01",
    end: "2024-02-29",
    expiryDays: 7,
  },
  {
    source: "fred",
    dataset: "macro_observations",
    symbols: [...FRED_DEFAULT_SERIES],
    start: "2000-01-01",
    end: "2024-03-28",
  },
  {
    source: "alphavantage",
    dataset: "listing_status",
    symbols: ["active", "delisted"],
    start: "2024-03-28",
    end: "2024-03-28",
  },
  {
    source: "polygon",
    dataset: "stock_bars_day",
    symbols: "@universe",
    start: "2024-01-02",
    end: "2024-03-28",
  },
  {
    source: "polygon",
    dataset: "splits",
    symbols: "@universe",
    start: "2024-01-02",
    end: "2024-03-28",
  },
  {
    source: "polygon",
    dataset: "dividends",
    symbols: "@universe",
    start: "2024-01-02",
    end: "2024-03-28",
  },
  {
    source: "polygon",
    dataset: "option_snapshot",
    symbols: ["SPY"],
    start: "2024-03-28",
    end: "2024-03-28",
  },
  {
    source: "polygon",
    dataset: "market_calendar",
    symbols: ["US"],
    start: "2024-03-28",
    end: "2024-03-28",
  },
  {
    source: "oanda",
    dataset: "fx_candles_m1",
    symbols: ["EUR_USD"],
    start: "2024-02-01",
    end: "2024-02-29",
  },
];

/** Stocks of the curated listing table (active and delisted): the survivorship-free universe. */
export async function universeSymbols(root?: string): Promise<string[]> {
  const spec = pipelineFor("alphavantage", "listing_status").curatedSpec;
  const df = await readDataset(spec, { ...(root ? { root } : {}) });
  if (df.height === 0) return [];
  const stocks = df.filter(pl.col("asset_type").eq(pl.lit("Stock")));
  return [...new Set(stocks.getColumn("symbol").toArray() as string[])].sort();
}

/** The dataset whose stocks `"@universe"` stands for (see {@link universeSymbols}). */
const LISTING = "alphavantage/listing_status";

/**
 * Curated datasets a pipeline writes besides its own, as side outputs of its units (the
 * `side` of a fetched unit: contracts discovered for option bars, Dukascopy bar frames built
 * from ticks). Pipelines declare side outputs only at run time, so the scheduler keeps this
 * list; a pipeline given a new side output must be added here.
 */
function sideOutputs(name: string): string[] {
  if (name.startsWith("polygon/option_bars_")) return ["polygon/option_contracts"];
  if (name === "dukascopy/fx_ticks") {
    return datasetNames().filter((d) => d.startsWith("dukascopy/fx_bars_"));
  }
  return [];
}

/** The curated datasets a plan step writes (`source/dataset`, its own first). */
export function stepWrites(step: PlanStep): string[] {
  const name = `${step.source}/${step.dataset}`;
  return [name, ...sideOutputs(name)];
}

/** Options of {@link planDependencies}. */
export interface PlanDependencyOptions {
  /**
   * Steps on the same vendor depend on each other (never overlap): against a real vendor each
   * step's HTTP client paces requests to the vendor's limit by itself, so two at once would
   * exceed it. The simulated market has no limit. @default false
   */
  serialVendors?: boolean;
}

/**
 * The earlier steps each step of a plan must wait for (indices into the plan, increasing).
 * Step j < i is a dependency of step i when:
 * - step i's symbols are `"@universe"` and step j writes the listing dataset
 *   (alphavantage/listing_status), whose stocks step i backfills;
 * - both write a common curated dataset (their own or a side output, {@link stepWrites}): two
 *   writers of one dataset would interleave their lake writes, watermark updates and quality
 *   reads, so they run in plan order;
 * - with `serialVendors`, both call the same vendor.
 * No pipeline reads the lake while it fetches or curates, so nothing else orders two steps.
 *
 * @example
 * ```ts
 * planDependencies([
 *   { source: "alphavantage", dataset: "listing_status", symbols: ["active"], start: "2024-03-28", end: "2024-03-28" },
 *   { source: "fred", dataset: "macro_observations", symbols: ["GDP"], start: "2024-01-01", end: "2024-03-28" },
 *   { source: "polygon", dataset: "splits", symbols: "@universe", start: "2024-01-02", end: "2024-03-28" },
 * ]); // [[], [], [0]]
 * ```
 */
export function planDependencies(
  plan: readonly PlanStep[],
  options: PlanDependencyOptions = {},
): number[][] {
  const writes = plan.map((s) => new Set(stepWrites(s)));
  const vendors = options.serialVendors
    ? plan.map((s) => pipelineFor(s.source, s.dataset, s).vendor)
    : [];
  return plan.map((step, i) => {
    const deps: number[] = [];
    for (let j = 0; j < i; j++) {
      const needsListing = step.symbols === "@universe" && writes[j]!.has(LISTING);
      const shared = [...writes[i]!].some((d) => writes[j]!.has(d));
      const sameVendor = options.serialVendors === true && vendors[i] === vendors[j];
      if (needsListing || shared || sameVendor) deps.push(j);
    }
    return deps;
  });
}

/** Arguments of {@link backfillAllCommand}. */
export interface BackfillAllArgs {
  /** The steps. @default DEFAULT_PLAN */
  plan?: PlanStep[];
  /** Continue each step from its checkpoint. @default false */
  resume?: boolean;
  /** Concurrent units within a step. @default the configuration's run.workers */
  workers?: number;
  /** First date of every step (overrides the plan's). */
  start?: string;
  /** Last date of every step (overrides the plan's). */
  end?: string;
  /**
   * Plan steps run at once (1 to {@link MAX_PLAN_CONCURRENCY}), on this JS thread: each step's
   * fetches, lake writes and quality pass are asynchronous, so while one step waits on HTTP,
   * files or Polars' threads another one computes. See {@link backfillAllCommand} for the order.
   * 1 runs the steps one after another, each with its quality pass. @default 1
   */
  concurrency?: number;
  /**
   * Run each step's quality pass after its units landed, off its place, so the next step starts
   * meanwhile (its block still prints in plan order). With `concurrency` 1 this lands one step
   * at a time but overlaps a step's quality reads with the next step. @default concurrency > 1
   */
  overlapQuality?: boolean;
}

/** Largest `concurrency` of {@link backfillAllCommand}. */
export const MAX_PLAN_CONCURRENCY = 8;

/** What one step produced, held until every earlier step has printed. */
type StepOutcome =
  | { ok: true; text: string; result: Record<string, unknown>; failedUnits: number }
  | { ok: false; error: unknown };

/**
 * Run a backfill plan (later steps may use the universe an earlier step listed). Exit code 0
 * when every unit of every step succeeded, 1 when units failed; an error that stops a step
 * (no client for a vendor, a lake that cannot be opened) is thrown.
 *
 * Order of the steps. With `concurrency` 1 (the default) each step runs to its end, quality
 * pass included, before the next starts (with `overlapQuality`, the next one starts when the
 * units have landed, while the quality pass reads). With `concurrency` n > 1 up to n steps fetch and land
 * at once: whenever a place frees, the first step in plan order not yet started whose
 * dependencies ({@link planDependencies}: the listing before an `"@universe"` step, earlier
 * writers of the same dataset, and earlier steps of the same vendor unless the simulated market
 * serves the run) have all finished, quality pass included, starts; an independent later step
 * may thus start before a blocked earlier one. A step's quality pass runs after its units landed
 * and frees its place first, so the next step starts while it reads. Whatever the order of
 * execution, each step's lines are printed as one block, `onResult` called, in plan order (a
 * step's block waits until every earlier step has printed); checkpoints and job ids are per step
 * as with one at a time. When a step throws, no further step starts; the steps still running
 * end, the blocks of every step that finished are printed in plan order, and the first error in
 * plan order is thrown.
 *
 * @example
 * ```ts
 * const code = await backfillAllCommand({ concurrency: 2 }, { sim: true });
 * ```
 */
export async function backfillAllCommand(
  args: BackfillAllArgs,
  options: CommandOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const cfg = options.config ?? loadConfig();
  const plan = args.plan ?? DEFAULT_PLAN;
  const n = args.concurrency ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PLAN_CONCURRENCY) {
    throw new RangeError(
      `concurrency must be an integer from 1 to ${MAX_PLAN_CONCURRENCY}, got ${n}`,
    );
  }
  // By default, one at a time, the quality pass stays inside the step (runBackfill's own), as it
  // always was.
  const split = args.overlapQuality ?? n > 1;
  const serialVendors = !(options.sim ?? cfg.run.useSim);
  const deps = planDependencies(plan, { serialVendors });

  const runStep = async (i: number, release: () => void): Promise<StepOutcome> => {
    const step = plan[i]!;
    const name = `${step.source}/${step.dataset}`;
    const event = (phase: StepEvent["phase"]) =>
      options.onStep?.({ step: i + 1, dataset: name, phase, atMs: performance.now() });
    event("start");
    const symbols = step.symbols === "@universe"
      ? await universeSymbols(cfg.lakeRoot)
      : step.symbols;
    if (symbols.length === 0) {
      event("landed");
      event("done");
      return {
        ok: true,
        text: `step ${i + 1} ${name}: no symbols (run the listing step first)`,
        result: { step: i + 1, dataset: name, skipped: "no symbols" },
        failedUnits: 0,
      };
    }
    const job: BackfillJob = {
      pipeline: pipelineFor(step.source, step.dataset, step),
      symbols,
      start: args.start ?? step.start,
      end: args.end ?? step.end,
    };
    const s = await runJobs(
      [job],
      {
        resume: args.resume ?? false,
        ...(args.workers ? { workers: args.workers } : {}),
        ...(split ? { quality: false } : {}),
      },
      cfg,
      options,
    );
    event("landed");
    if (split) {
      release();
      const t0 = performance.now();
      s.quality = await jobsQuality([job], cfg.lakeRoot);
      s.elapsedMs += performance.now() - t0;
    }
    event("done");
    return {
      ok: true,
      text: `step ${i + 1} ${name}:\n${formatSummary(s)}`,
      result: { step: i + 1, dataset: name, summary: s },
      failedUnits: s.units.failed,
    };
  };

  const outcomes: (StepOutcome | undefined)[] = plan.map(() => undefined);
  const started = plan.map(() => false);
  let running = 0; // steps holding a place (fetching and landing)
  let unsettled = 0; // steps started and not yet settled (quality passes included)
  let printed = 0;
  let failed = 0;
  let stopped = false;
  const emit = (o: StepOutcome & { ok: true }) => {
    print(o.text);
    options.onResult?.(o.result);
    failed += o.failedUnits;
  };
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (printed < plan.length && outcomes[printed]?.ok) {
        emit(outcomes[printed] as StepOutcome & { ok: true });
        printed++;
      }
      if (outcomes.some((o) => o?.ok === false)) stopped = true;
      if (stopped) {
        if (unsettled > 0) return;
        // Everything that ran has settled: the blocks of the steps that finished, in plan order.
        for (const o of outcomes.slice(printed)) if (o?.ok) emit(o);
        return resolve();
      }
      if (printed === plan.length) return resolve();
      for (let i = printed; i < plan.length && running < n; i++) {
        if (started[i] || !deps[i]!.every((j) => outcomes[j] !== undefined)) continue;
        started[i] = true;
        running++;
        unsettled++;
        let held = true;
        const release = () => {
          if (!held) return;
          held = false;
          running--;
          queueMicrotask(pump);
        };
        runStep(i, release).catch((error: unknown): StepOutcome => ({ ok: false, error }))
          .then((o) => {
            outcomes[i] = o;
            unsettled--;
            if (held) {
              held = false;
              running--;
            }
            pump();
          });
      }
    };
    pump();
  });
  const error = outcomes.find((o): o is StepOutcome & { ok: false } => o?.ok === false);
  if (error) throw error.error;
  return failed > 0 ? 1 : 0;
}

/**
 * Rebuild curated rows from raw rows after each dataset's curated watermark (or all raw rows
 * with `full`), writing curated and quarantine tables; idempotent.
 */
export async function curateCommand(
  args: { datasets?: string[]; full?: boolean },
  options: CommandOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const cfg = options.config ?? loadConfig();
  const root = cfg.lakeRoot;
  const names = args.datasets?.length ? args.datasets : datasetNames();
  for (const name of names) {
    const [source, dataset] = name.split("/") as [string, string];
    const p: Pipeline = pipelineFor(source, dataset);
    const rawState = await committedState(p.rawSpec, root);
    if (rawState.rows === 0) continue;
    const wm = args.full ? null : (await committedState(p.curatedSpec, root)).watermark;
    const start = wm ? new Date(addDays(wm.slice(0, 10), 1) + "T00:00:00Z") : undefined;
    const raw = await readDataset(p.rawSpec, {
      root,
      dropLineage: true,
      ...(start ? { start } : {}),
    });
    const res = await p.curate(raw);
    const opts = { transformId: p.transformId, sourceUri: `lake://raw/${source}/${dataset}`, root };
    const w = res.curated.height ? await writeDataset(p.curatedSpec, res.curated, opts) : null;
    const q: QuarantineRow[] = res.rejected.map((r) => ({
      dataset,
      unitId: `curate/${name}`,
      unitStart: rawState.min_time?.slice(0, 10) ?? "1970-01-01",
      stage: "validate",
      reason: r.reason,
      payload: redact(r.payload),
      payloadRef: `raw/${source}/${r.ref}`,
    }));
    const nq = await writeQuarantine(source, q, opts);
    if (rawState.max_time && !args.full) {
      await setWatermark(p.curatedSpec, rawState.max_time.slice(0, 10), { root });
    }
    print(
      `${name}: raw ${raw.height} -> curated ${res.curated.height} (new or changed ${
        w?.rowsWritten ?? 0
      }), quarantined ${nq}`,
    );
    options.onResult?.({
      dataset: name,
      rawRows: raw.height,
      curatedRows: res.curated.height,
      rowsWritten: w?.rowsWritten ?? 0,
      quarantined: nq,
    });
  }
  return 0;
}

/**
 * Fetch one unit of a dataset without writing anything and compare its payload fields with the
 * recorded wire schema; also compare the lake's recorded column types with the dataset spec.
 * Exit code 1 when drift is found (`accept` records the new wire schema instead).
 */
export async function schemaCheckCommand(
  args: { source: string; dataset: string; symbol: string; date: string; accept?: boolean },
  options: CommandOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const cfg = options.config ?? loadConfig();
  const p = pipelineFor(args.source, args.dataset);
  const session = await openSession({
    config: cfg,
    ...(options.sim ? { sim: options.sim } : {}),
    ...(options.http ? { http: options.http } : {}),
  });
  let drift = false;
  try {
    requireClient(session.clients, p);
    const unit = {
      id: "schema-check",
      source: p.source,
      dataset: p.dataset,
      symbol: args.symbol,
      start: args.date,
      end: args.date,
    };
    const fetched = await p.fetch({ clients: session.clients }, unit);
    if (args.accept) {
      acceptDrift(p.source, p.dataset, fetched.fields, cfg.lakeRoot);
      print(`${p.source}/${p.dataset}: wire schema recorded from ${fetched.pages} page(s)`);
    } else {
      const r = checkDrift(p.source, p.dataset, fetched.fields, cfg.lakeRoot);
      drift = hasDrift(r);
      print(
        drift
          ? `${p.source}/${p.dataset}: DRIFT added ${JSON.stringify(r.added)} removed ${
            JSON.stringify(r.removed)
          } changed ${JSON.stringify(r.changed)}`
          : `${p.source}/${p.dataset}: wire schema unchanged (${fetched.pages} page(s), ${fetched.rejected.length} rows rejected)`,
      );
    }
    for (const spec of [p.rawSpec, p.curatedSpec]) {
      const rec = (await committedState(spec, cfg.lakeRoot)).schema;
      for (const [c, t] of Object.entries(spec.schema)) {
        if (rec[c] && rec[c] !== t) {
          drift = true;
          print(
            `${spec.zone}/${spec.source}/${spec.dataset}: column ${c} recorded as ${
              rec[c]
            }, spec says ${t}`,
          );
        }
      }
    }
  } finally {
    await session.close();
  }
  return drift ? 1 : 0;
}

/** Print the quality report of a curated dataset over a range. */
export async function qualityCommand(
  args: { dataset: string; start: string; end: string },
  options: CommandOptions = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const cfg = options.config ?? loadConfig();
  const [source, dataset] = args.dataset.split("/") as [string, string];
  if (!dataset) throw new RangeError(`--dataset must be source/dataset, got ${args.dataset}`);
  const p = pipelineFor(source, dataset);
  const r = await datasetQuality(p.curatedSpec, {
    start: checkDate("start", args.start),
    end: checkDate("end", args.end),
    root: cfg.lakeRoot,
  });
  print(formatQuality(r));
  log.debug("quality.done", { dataset: args.dataset, rows: r.rows });
  return 0;
}
