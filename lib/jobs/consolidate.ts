/**
 * Per-day option consolidation (lib/frames consolidateOptionMinutes) as a unit of work: read one
 * session's inputs (the lake through dataset references as of the session close, or a simulated
 * world), consolidate, write `curated/workbench/option_minute_consolidated` (idempotent by natural
 * key). `deno task consolidate` runs it for each session of a range in process, or with
 * `--cluster` as job kind `frames.consolidate_day`, one job per session: a session consolidated
 * twice (its first worker died after writing) leaves the same rows.
 *
 * @example
 * ```ts ignore
 * const r = await consolidateDay({ date: "2024-03-01", source: "sim", seed: 1, maxContracts: 20 });
 * r.rows; // contracts x minutes
 * ```
 */
import { z } from "zod";
import {
  type ClusterCatalog,
  type ClusterProgress,
  defineJobKind,
  runJobs,
} from "../cluster/mod.ts";
import {
  consolidateOptionMinutes,
  consolidationInputFromDatasets,
  lakeRiskFreeRate,
  simConsolidationInput,
  writeConsolidated,
} from "../frames/mod.ts";
import { generateWorld } from "../sources/sim/world.ts";
import { previousTradingDay, sessionBounds, tradingDays } from "../time/mod.ts";
import { datasetRefFromValues, loadDataset } from "../dataset/mod.ts";

/** The inputs of a session cannot be read as asked (unknown dataset, wrong shape): a caller's mistake. */
export class ConsolidateInputError extends RangeError {
  override name = "ConsolidateInputError";
}

/** What one session's consolidation reads and writes. */
export const ConsolidateDaySchema = z.object({
  /** Session date (an NYSE trading day). */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Read the lake, or take the session from a simulated world. @default "lake" */
  source: z.enum(["lake", "sim"]).default("lake"),
  underlyingDataset: z.string().default("polygon/stock_bars_minute"),
  underlying: z.string().default("SPY"),
  vixDataset: z.string().default("polygon/index_bars_minute"),
  vixSymbol: z.string().default("I:VIX"),
  optionsDataset: z.string().default("polygon/option_bars_minute"),
  /** Seed of the simulated world (sim). @default 1 */
  seed: z.number().int().min(0).default(1),
  maxContracts: z.number().int().min(1).optional(),
  rate: z.number().optional(),
  div: z.number().optional(),
  /** Lake root. @default lakeRoot() */
  root: z.string().min(1).optional(),
  /** Consolidate without writing. @default false */
  dryRun: z.boolean().default(false),
});

/** Arguments of {@link consolidateDay}. */
export type ConsolidateDayArgs = z.input<typeof ConsolidateDaySchema>;

/** What {@link consolidateDay} did. */
export interface ConsolidateDayResult {
  date: string;
  rows: number;
  contracts: number;
  minutes: number;
  /** Rows written (0 when the lake already held them or with dryRun). */
  rowsWritten: number;
  noop: boolean;
  inputsMs: number;
  consolidateMs: number;
}

/** Consolidate one session (module doc). @throws RangeError for a date or input the lake lacks. */
export async function consolidateDay(raw: ConsolidateDayArgs): Promise<ConsolidateDayResult> {
  const a = ConsolidateDaySchema.parse(raw);
  const date = a.date;
  const sb = sessionBounds(date);
  if (!sb) throw new RangeError(`Cannot consolidate ${date}: not an NYSE trading day`);
  const t0 = performance.now();
  let input, rate = a.rate, div = a.div;
  if (a.source === "sim") {
    const start = tradingDays(
      new Date(Date.parse(date) - 10 * 86_400_000).toISOString().slice(0, 10),
      date,
    )[0]!;
    const world = generateWorld({ seed: a.seed, start, end: date });
    const sim = simConsolidationInput(world, date, {
      ...(a.maxContracts ? { maxContracts: a.maxContracts } : {}),
    });
    input = sim.input;
    rate ??= sim.rate;
    div ??= sim.div;
  } else {
    const ref = (dataset: string, flag: string) =>
      datasetRefFromValues({ dataset }, undefined, flag)!;
    const asOf = sb.close.toISOString();
    const prev = previousTradingDay(date);
    const opts = a.root ? { root: a.root } : {};
    const asInput = (e: unknown): never => {
      if (e instanceof RangeError && /^(Unknown (dataset|view)|Invalid)/.test(e.message)) {
        throw new ConsolidateInputError(e.message);
      }
      throw e;
    };
    // An input with no rows in the window is missing input, a user error (exit 2): say which
    // date and which dataset before anything checks the (absent) columns of the empty frame.
    const load = (
      r: Parameters<typeof loadDataset>[0],
      dataset: string,
      what: string,
      window: string,
    ) =>
      loadDataset(r, opts).then((d) => {
        if (d.frame.height === 0) {
          throw new ConsolidateInputError(
            `Cannot consolidate ${date}: no rows in ${dataset} (${what}) on ${window}; backfill it for that date or pick a date it covers`,
          );
        }
        return d;
      }, asInput);
    const [underlying, vix, options] = await Promise.all([
      load(
        {
          ...ref(a.underlyingDataset, "--underlying-dataset"),
          symbols: [a.underlying],
          start: prev,
          end: date,
          asOf,
        },
        a.underlyingDataset,
        `underlying ${a.underlying}`,
        `${prev}..${date}`,
      ),
      load(
        {
          ...ref(a.vixDataset, "--vix-dataset"),
          symbols: [a.vixSymbol],
          start: date,
          end: date,
          asOf,
        },
        a.vixDataset,
        a.vixSymbol,
        date,
      ),
      load(
        { ...ref(a.optionsDataset, "--options-dataset"), start: date, end: date, asOf },
        a.optionsDataset,
        "option bars",
        date,
      ),
    ]);
    try {
      input = consolidationInputFromDatasets(date, { underlying, vix, options }, {
        underlying: a.underlying,
      });
    } catch (e) {
      throw new ConsolidateInputError((e as Error).message);
    }
    rate ??= (await lakeRiskFreeRate(date, opts)) ?? undefined;
  }
  const t1 = performance.now();
  const df = consolidateOptionMinutes(input, {
    ...(rate !== undefined ? { rate } : {}),
    ...(div !== undefined ? { div } : {}),
    underlyingSymbol: a.underlying,
  });
  const t2 = performance.now();
  let rowsWritten = 0, noop = true;
  if (!a.dryRun) {
    const w = await writeConsolidated(df, {
      transformId: "workbench@1:frames.consolidate",
      sourceUri: a.source === "sim"
        ? `sim:seed=${a.seed}`
        : `lake:${a.underlyingDataset},${a.vixDataset},${a.optionsDataset}`,
      ...(a.root ? { root: a.root } : {}),
    });
    rowsWritten = w.rowsWritten;
    noop = w.noop;
  }
  return {
    date,
    rows: df.height,
    contracts: df.height ? df.getColumn("ticker").nUnique() : 0,
    minutes: df.height ? df.getColumn("ts").nUnique() : 0,
    rowsWritten,
    noop,
    inputsMs: t1 - t0,
    consolidateMs: t2 - t1,
  };
}

/** Job kind `frames.consolidate_day`. */
export const CONSOLIDATE_DAY_JOB = defineJobKind({
  name: "frames.consolidate_day",
  payload: ConsolidateDaySchema,
  // lease: a lost worker's job is retried 60 s after its last heartbeat (module doc of
  // lib/cluster/worker.ts); a job may run longer, up to the default 4 h
  leaseSeconds: 60,
  retryLimit: 10,
  run: (p) => consolidateDay(p),
});

/** Consolidate sessions on the cluster, one job per session; results in date order. */
export function clusterConsolidate(
  days: ConsolidateDayArgs[],
  options: {
    catalog: ClusterCatalog;
    onProgress?: (p: ClusterProgress) => void;
    /** Lease of a job in seconds (>= 10). @default the kind's (60) */
    leaseSeconds?: number;
    expireInSeconds?: number;
    retryLimit?: number;
  },
): Promise<ConsolidateDayResult[]> {
  return runJobs<ConsolidateDayResult>(CONSOLIDATE_DAY_JOB.name, days, {
    catalog: options.catalog,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}),
    ...(options.expireInSeconds ? { expireInSeconds: options.expireInSeconds } : {}),
    ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
  });
}
