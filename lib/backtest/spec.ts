/**
 * Backtest specifications (JSON, validated by zod) and their governed run: every configuration
 * of the spec's parameter grid is validated against the strategy's parameter schema,
 * backtested and recorded as a trial in the validation ledger; the configuration with the best
 * in-sample Sharpe is the candidate; its out-of-sample, net-of-cost returns go through the
 * go/no-go gate with the DSR and PBO evidence read back from the ledger for the spec's research
 * question. A buy-and-hold benchmark runs on the same data and costs beside it.
 *
 * Spec fields (JSON; strict: an unknown field at any level is refused with its path and the
 * nearest known field, `data.symbol: unknown field (did you mean "symbols"?)`, lib/cli/spec_schema.ts):
 * - `question`: research question (trials are counted per question);
 * - `strategy`: a built-in name (`momentum`, `overnight`, `ma_cross`, `mean_reversion`,
 *   `buy_and_hold`) or a path to a strategy module (relative to the spec file; see
 *   strategy_module.ts for what it exports);
 * - `grid`: parameter name -> list of values; every combination is one configuration, validated
 *   against the strategy's schema (a bad value or an unknown name is an error naming it);
 * - `data`: `{"source": "lake", "dataset": "user/msft_daily", ...}` (a dataset reference,
 *   lib/dataset), or `synthetic` / `sim` (generated in-process, asked for by name);
 * - `costs`: `model` `"standard"` (fees, half-spread, square-root impact, participation cap:
 *   needs volume) or `"spread_only"` (half-spread and borrow only, no fees, no cap, no impact: for
 *   instruments without volume such as FX closes or index levels); `halfSpreadBps`,
 *   `borrowRateAnnual`, `lotSize`; with `standard` also `fees` (`ibkr` | `zero`), `impactCoef`,
 *   `participationCap` (null: no cap);
 * - `maxGrossLeverage`: the largest gross exposure (sum of |position value|) a fill may leave,
 *   as a multiple of equity; default 1: a long-only book never borrows (cash never below zero),
 *   a long/short book holds at most its equity in |longs| + |shorts|. A fill beyond it is cut to
 *   what fits and the rest of the order cancelled; the output counts the orders scaled or
 *   rejected and the peak gross leverage. `null` removes the limit (the old behaviour:
 *   orders sized at the decision price could borrow without saying so);
 * - `initialCash`, `oosFraction`, `gate`, `pboPartitions`.
 *
 * Data that ends early: a symbol whose bars end before the panel's last bar has its position
 * closed at its last close (a `data_end` fill, see lib/backtest/engine.ts), never marked at a
 * stale price afterwards; `RunSpecResult.coverage` gives each symbol's span and missing bars.
 *
 * Annualisation: Sharpe and volatility use the data's periods per year (CAGR: the calendar span
 * of the bars, lib/report `cagr`): the dataset's
 * frequency on its calendar (252 NYSE sessions, 260 FX sessions, 52 weeks...); intraday runs are
 * resampled to sessions and annualised by the calendar's sessions per year. The result states
 * the factor and its origin (`annualisation`) and the currency of the P&L (`currency`).
 * With sessions or periods missing between the bars (lib/features `panelGaps` on the data's
 * clock), the in-sample Sharpe that picks the candidate and the gate's out-of-sample Sharpe (and
 * the DSR's annualised expected maximum) are annualised over the bars observed per year of their
 * own segment, P_eff = P * n / (n + G) with n the segment's returns and G the gaps inside it
 * (lib/core `observedPeriodsPerYear`, which also annualises the report's headline figures); the
 * gate's Sharpe line then says so ("(49.7/yr observed of 52)"). `segments` gives n, G and P_eff
 * of each. Without gaps P_eff is P itself, bit for bit. The ledger's trials keep the clock's P as
 * their periods per year: their Sharpe is per bar (not annualised), the DSR probability is
 * computed from per-bar Sharpes and is unaffected, and records of one question stay comparable
 * whatever range of the data each read (trial ids and records are as before).
 */

import { z } from "zod";
import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import { type CostModel, IBKR_FIXED, spreadOnlyCosts, ZERO_FEES } from "../execution/mod.ts";
import {
  goNoGo,
  type GoNoGoResult,
  ledgerEvidence,
  type LedgerStore,
  type RecordTrialResult,
  recordTrials,
} from "../validation/mod.ts";
import { DatasetRefSchema } from "../dataset/mod.ts";
import { specObject } from "../cli/spec_schema.ts";
import { generateWorld } from "../sources/sim/mod.ts";
import { getCalendar } from "../time/mod.ts";
import { closeLabeler } from "../quality/period_close.ts";
import { returnsFromEquity, sharpeRatio } from "./returns.ts";
import { observedPeriodsPerYear } from "../core/annualise.ts";
import { panelGaps } from "../features/data_gaps.ts";
import {
  type BacktestResult,
  checkVolumeForCosts,
  type CorporateAction,
  type OrderStats,
  runBacktest,
} from "./engine.ts";
import { type BarPanel, panelMissingOpens } from "./panel.ts";
import { simEquityPanel, simSpyMinutePanel, simSpyPanel } from "./sim_panel.ts";
import { resampleToSessions } from "./resample.ts";
import { adjustedCloses } from "./adjust.ts";
import { momentumCannotTrade, type MomentumParams } from "./strategies.ts";
import { syntheticPanel } from "./synthetic.ts";
import { loadPanel } from "./lake_panel.ts";
import { NotAPriceError } from "../lake/units.ts";
import {
  BUILTIN_STRATEGIES,
  BUILTIN_STRATEGY_NAMES,
  isStrategyPath,
  loadStrategy,
  SpecError,
  type StrategyModule,
  validateGrid,
} from "./strategy_module.ts";

const num = z.number().finite();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const gridValue = z.union([num, z.boolean(), z.string()]);
const grid = z.record(z.string(), z.array(gridValue).min(1));

/** A grid value: number, boolean or string. */
export type GridValue = z.infer<typeof gridValue>;

/** The cost settings of a spec (module doc). */
export const SpecCostsSchema = specObject({
  /** `standard` needs volume; `spread_only` does not. @default "standard" */
  model: z.enum(["standard", "spread_only"]).default("standard"),
  /** Commission schedule (standard only). @default "ibkr" */
  fees: z.enum(["ibkr", "zero"]).optional(),
  /** Half-spread, bps of price. @default 1 */
  halfSpreadBps: num.min(0).default(1),
  /** Square-root impact coefficient (standard only). @default 0.5 */
  impactCoef: num.min(0).optional(),
  /** Share of ADV tradable per day, null for no cap (standard only). @default 0.1 */
  participationCap: num.positive().nullable().optional(),
  /** Annual borrow fee on shorts. @default 0.01 */
  borrowRateAnnual: num.min(0).default(0.01),
  /** Fills rounded to lots of this many units; 0 fractional. @default 1 */
  lotSize: num.min(0).default(1),
}).superRefine((c, ctx) => {
  if (c.model !== "spread_only") return;
  for (const k of ["fees", "impactCoef", "participationCap"] as const) {
    if (c[k] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `not used by costs.model "spread_only" (remove it, or choose "standard")`,
      });
    }
  }
});

/** The JSON shape of a backtest spec (module doc). */
export const BacktestSpecSchema = specObject({
  /** Research question: trials are counted per question in the ledger. */
  question: z.string().min(1),
  /** A built-in strategy name or a path to a strategy module. */
  strategy: z.string().min(1).refine(
    (s) => isStrategyPath(s) || (BUILTIN_STRATEGY_NAMES as string[]).includes(s),
    {
      message: `expected one of ${
        BUILTIN_STRATEGY_NAMES.join(", ")
      } or a path to a strategy module (.ts/.js)`,
    },
  ),
  /** Parameter grid: every combination is one trial. */
  grid: grid.default({}),
  data: z.discriminatedUnion("source", [
    specObject({
      source: z.literal("synthetic"),
      symbols: z.number().int().min(1).default(20),
      bars: z.number().int().min(2).default(756),
      seed: z.number().int().default(1),
      start: isoDate.default("2015-01-02"),
    }),
    specObject({
      source: z.literal("sim"),
      seed: z.number().int().default(1),
      start: isoDate,
      end: isoDate,
      equityCount: z.number().int().min(1).default(30),
      nullWorld: z.boolean().default(false),
      /** SPY bar size for the overnight strategy (minute bars: about 30 ms per session to build). */
      bars: z.enum(["day", "minute"]).default("day"),
    }),
    DatasetRefSchema,
  ]),
  costs: SpecCostsSchema.prefault({}),
  initialCash: num.positive().default(1_000_000),
  /** Largest gross exposure / equity a fill may leave; null: no limit (module doc). */
  maxGrossLeverage: num.positive().nullable().default(1),
  /** Share of the bars (at the end) held out of sample. */
  oosFraction: num.gt(0).lt(1).default(0.3),
  /** Gate thresholds (null skips a criterion), see lib/validation goNoGo. */
  gate: specObject({
    minSharpe: num.nullable().optional(),
    maxDrawdown: num.nullable().optional(),
    minDsr: num.nullable().optional(),
    maxPbo: num.nullable().optional(),
  }).default({}),
  /** CSCV partitions for PBO. */
  pboPartitions: z.number().int().min(2).default(8),
});

/** A parsed spec. */
export type BacktestSpec = z.infer<typeof BacktestSpecSchema>;

/**
 * Parse and validate a spec; the grid of a built-in strategy is checked against its schema
 * here (a module's when it is loaded, by {@link runSpec}).
 * @throws z.ZodError naming the bad field; SpecError for a grid value the strategy refuses.
 */
export function parseBacktestSpec(json: unknown): BacktestSpec {
  const spec = BacktestSpecSchema.parse(json);
  const builtin = (BUILTIN_STRATEGIES as Record<string, StrategyModule | undefined>)[spec.strategy];
  if (builtin && !isStrategyPath(spec.strategy)) {
    validateGrid(spec.strategy, builtin, gridConfigs(spec.grid));
  }
  return spec;
}

/** Every combination of a parameter grid, keys in sorted order ({} gives one empty config). */
export function gridConfigs(g: Record<string, GridValue[]>): Record<string, GridValue>[] {
  let out: Record<string, GridValue>[] = [{}];
  for (const k of Object.keys(g).sort()) {
    out = out.flatMap((c) => g[k]!.map((v) => ({ ...c, [k]: v })));
  }
  return out;
}

/**
 * The engine's cost model of a spec's `costs` (module doc): `spread_only` is half-spread and
 * borrow with zero fees, no participation cap and no impact.
 */
export function specCostModel(c: BacktestSpec["costs"]): CostModel {
  const base = {
    halfSpreadBps: c.halfSpreadBps,
    borrowRateAnnual: c.borrowRateAnnual,
    lotSize: c.lotSize,
  };
  if (c.model === "spread_only") {
    return spreadOnlyCosts(c.halfSpreadBps, {
      borrowRateAnnual: c.borrowRateAnnual,
      lotSize: c.lotSize,
    });
  }
  return {
    ...base,
    fees: (c.fees ?? "ibkr") === "ibkr" ? IBKR_FIXED : ZERO_FEES,
    impactCoef: c.impactCoef ?? 0.5,
    participationCap: c.participationCap === null ? Infinity : c.participationCap ?? 0.1,
  };
}

/** The data of a spec. */
export interface SpecData {
  /** Bars, with calendar, currency, frequency and periods per year. */
  panel: BarPanel;
  corporateActions: CorporateAction[];
  /** Identifier of the data read (lake manifest, or the generator's settings). */
  manifest: string;
  /** Lake files read (empty for generated data). */
  files: { path: string; sha256: string }[];
}

/** Options of {@link specData}. */
export interface SpecDataOptions {
  /** Lake root for `lake` data. @default lakeRoot() */
  root?: string;
  /** Called with each warning about the data (unknown units). @default none */
  onWarning?: (message: string) => void;
}

/**
 * The data of a spec: a lake dataset, or generated data asked for by name.
 * @throws SpecError for a dataset or view the lake does not hold.
 */
export async function specData(spec: BacktestSpec, o: SpecDataOptions = {}): Promise<SpecData> {
  const d = spec.data;
  const usDaily = { calendar: "nyse", currency: "USD", frequency: "day" };
  if (d.source === "lake") {
    let lp;
    try {
      lp = await loadPanel(d, o.root ? { root: o.root } : {});
    } catch (e) {
      // an unknown dataset or view is a mistake in the spec (loadDataset names what the lake holds)
      if (e instanceof RangeError && /^(Unknown (dataset|view)|Invalid)/.test(e.message)) {
        throw new SpecError(`data.dataset: ${e.message}`);
      }
      if (e instanceof NotAPriceError) throw new SpecError(`data.dataset: ${e.message}`);
      throw e;
    }
    for (const w of lp.warnings) o.onWarning?.(w);
    return {
      panel: lp.panel,
      corporateActions: lp.corporateActions,
      manifest: lp.manifest,
      files: lp.files,
    };
  }
  if (d.source === "synthetic") {
    const panel = syntheticPanel({
      symbols: d.symbols,
      bars: d.bars,
      seed: d.seed,
      start: d.start,
    });
    Object.assign(panel, usDaily, {
      periodsPerYear: TRADING_DAYS_PER_YEAR,
      sessionsPerYear: TRADING_DAYS_PER_YEAR,
    });
    return {
      panel,
      corporateActions: [],
      manifest: `synthetic:v1:${d.symbols}x${d.bars}:seed=${d.seed}:start=${d.start}`,
      files: [],
    };
  }
  const world = generateWorld({
    seed: d.seed,
    start: d.start,
    end: d.end,
    equityCount: d.equityCount,
    ...(d.nullWorld ? { effects: { overnight: 0, momentum: 0, sentiment: 0 } } : {}),
  });
  const minute = spec.strategy === "overnight" && d.bars === "minute";
  const sp = spec.strategy === "overnight"
    ? (minute ? simSpyMinutePanel(world) : simSpyPanel(world))
    : simEquityPanel(world);
  Object.assign(sp.panel, usDaily, {
    frequency: minute ? "1m" : "day",
    // 390 regular minutes a session; early closes make it an upper bound, only the session
    // resampling's 252 is used by runSpec for minute panels
    periodsPerYear: TRADING_DAYS_PER_YEAR * (minute ? 390 : 1),
    sessionsPerYear: TRADING_DAYS_PER_YEAR,
  });
  return {
    panel: sp.panel,
    corporateActions: sp.corporateActions,
    manifest:
      `sim:seed=${d.seed}:${d.start}..${d.end}:n=${d.equityCount}:null=${d.nullWorld}:bars=${d.bars}`,
    files: [],
  };
}

/**
 * Annualisation factor of a run's (resampled) returns and a sentence saying where it comes from.
 *
 * @example
 * ```ts ignore
 * annualisationOf(fxThirtyMinutePanel); // { periodsPerYear: 260, note: "260 periods a year: sessions of calendar fx (30m bars resampled to sessions)" }
 * ```
 */
export function annualisationOf(panel: BarPanel): { periodsPerYear: number; note: string } {
  const cal = panel.calendar ?? "nyse";
  const freq = panel.frequency ?? "day";
  if (panel.day) {
    const ppy = panel.sessionsPerYear ?? TRADING_DAYS_PER_YEAR;
    return {
      periodsPerYear: ppy,
      note:
        `${ppy} periods a year: sessions of calendar ${cal} (${freq} bars resampled to sessions)`,
    };
  }
  const ppy = panel.periodsPerYear ?? TRADING_DAYS_PER_YEAR;
  return { periodsPerYear: ppy, note: `${ppy} periods a year: ${freq} bars on calendar ${cal}` };
}

/** Options of {@link runSpec}. */
export interface RunSpecOptions {
  /** Ledger storage. @default the lake ledger (lakeLedgerStore) */
  store?: LedgerStore;
  /** Lake root for the default ledger and for `lake` data. @default lakeRoot() */
  root?: string;
  /** Folder that a strategy module path is relative to (the spec file's). @default Deno.cwd() */
  baseDir?: string;
  /** Code version recorded with the trials (e.g. git commit). @default "unknown" */
  codeVersion?: string;
  /** Called after each configuration (progress). @default none */
  onTrial?: (done: number, total: number) => void;
  /** Run the buy-and-hold benchmark (one more backtest of the data). @default true */
  benchmark?: boolean;
  /**
   * Computes the equity curves (resampled to sessions for intraday panels) of the given
   * configuration indices elsewhere, e.g. on cluster workers with {@link sweepSpecEquities}; the
   * candidate is then rerun here for its full result (and must match its curve bit for bit).
   * @default every configuration runs in this process
   */
  evaluate?: (indices: number[]) => Promise<Float64Array[]>;
  /**
   * Called before any configuration runs with a one-line message about configurations that
   * cannot trade on this data (a momentum quantile that selects no name of the universe, a
   * lookback as long as the data). @default none
   */
  onWarning?: (message: string) => void;
}

/** Outcome of {@link runSpec}. */
export interface RunSpecResult {
  configs: Record<string, GridValue>[];
  /** Parameters of each configuration as the strategy received them (defaults filled in). */
  params: Record<string, unknown>[];
  /** Where the strategy came from: `builtin:<name>` or `module:<absolute path>`. */
  strategySource: string;
  /**
   * Sharpe of each configuration in sample, annualised by `segments.inSample.periodsPerYear`
   * (`periodsPerYear` without gaps in the in-sample bars).
   */
  inSampleSharpe: number[];
  /** Index of the candidate configuration. */
  candidate: number;
  /** Full run of the candidate (resampled to sessions for intraday panels). */
  result: BacktestResult;
  /** Candidate's out-of-sample net returns. */
  oosReturns: Float64Array;
  /**
   * Returns n, missing sessions or periods G between the bars (null without a clock: lib/features
   * `panelGaps`) and the annualisation factor P_eff = P * n / (n + G) of the in-sample and the
   * out-of-sample segment (module doc); the gate's Sharpe uses `outOfSample.periodsPerYear`.
   */
  segments: { inSample: SegmentAnnualisation; outOfSample: SegmentAnnualisation };
  /**
   * The out-of-sample window the gate judges (its Sharpe, drawdown and DSR are of `oosReturns`,
   * not of the full run): the returns from the close of `start` to the close of `end`, `returns`
   * of them, the last `fraction` of the run's bars (sessions for intraday data).
   */
  oos: OosWindow;
  /** Buy and hold of the same data under the same costs (resampled like `result`); absent with `benchmark: false`. */
  benchmark?: BacktestResult;
  recorded: RecordTrialResult[];
  /** Configurations not recorded because their returns have no dispersion (never traded). */
  notRecorded: number[];
  /**
   * Configurations known before running to be unable to trade on this data, each with a
   * one-line reason (built-in momentum: a quantile selecting no name, a lookback as long as the
   * data); empty when every configuration can trade.
   */
  cannotTrade: { index: number; reason: string }[];
  evidence: { trials: { trials: number; srVariance: number }; pbo: number; pboNote: string };
  verdict: GoNoGoResult;
  manifest: string;
  /** Lake files read (empty for generated data). */
  files: { path: string; sha256: string }[];
  /** Periods per year of `result`'s returns (Sharpe, vol, CAGR, turnover). */
  periodsPerYear: number;
  /** Where `periodsPerYear` comes from, e.g. "252 periods a year: day bars on calendar nyse". */
  annualisation: string;
  /** Currency of prices and P&L (ISO 4217), or null when the dataset declares none. */
  currency: string | null;
  /** Order counts of the candidate's run: submitted, unfilled by reason, close fills. */
  orders: OrderStats;
  /** How orders fill on this data (close-only bars), or "" for ordinary OHLC bars. */
  fillNote: string;
  /** The data's calendar and frequency. */
  calendar: string;
  frequency: string;
  /** The panel every run read (its volume bounds the report's capacity estimate). */
  panel: BarPanel;
  /** The cost model every run used. */
  costs: CostModel;
}

/** Annualisation of one segment of a run's returns (see {@link RunSpecResult.segments}). */
export interface SegmentAnnualisation {
  /** Returns in the segment. */
  returns: number;
  /** Sessions or periods missing between its bars; null when the data has no clock. */
  gaps: number | null;
  /** Bars observed per year, P * n / (n + G); P itself when G is 0 or null. */
  periodsPerYear: number;
}

/**
 * Annualisation of the returns from row `from` to row `to` of a run's result (module doc): the
 * gaps are counted by lib/features `panelGaps` over the panel's bars of those rows (of their
 * sessions, for an intraday panel resampled to sessions), so a gap lies in the segment whose
 * return spans it and the two segments' gaps add up to the whole run's.
 *
 * @example
 * ```ts ignore
 * // weekly bars with one missing week among the first 4 rows: 3 returns over 4 weeks
 * segmentAnnualisation(panel, 52, 0, 3); // { returns: 3, gaps: 1, periodsPerYear: 39 }
 * ```
 */
export function segmentAnnualisation(
  panel: BarPanel,
  periodsPerYear: number,
  from: number,
  to: number,
): SegmentAnnualisation {
  let lo = from, hi = to;
  if (panel.day) {
    // row k of a resampled result is the k-th session: its bars are those of the k-th day value
    const day = panel.day;
    let k = -1;
    lo = -1;
    for (let i = 0; i < day.length; i++) {
      if (i === 0 || day[i] !== day[i - 1]) k++;
      if (k === from && lo < 0) lo = i;
      if (k === to) hi = i;
      if (k > to) break;
    }
  }
  const g = panelGaps({
    tsMs: panel.tsMs.subarray(lo, hi + 1),
    ...(panel.calendar !== undefined ? { calendar: panel.calendar } : {}),
    ...(panel.frequency !== undefined ? { frequency: panel.frequency } : {}),
  }, { examples: 0 });
  const n = to - from;
  return {
    returns: n,
    gaps: g === null ? null : g.count,
    periodsPerYear: g === null
      ? periodsPerYear
      : observedPeriodsPerYear(periodsPerYear, n, g.count),
  };
}

/** Where the gate's out-of-sample returns start and end (see {@link RunSpecResult.oos}). */
export interface OosWindow {
  /** The spec's `oosFraction`. */
  fraction: number;
  /** Number of out-of-sample returns. */
  returns: number;
  /**
   * Date (`YYYY-MM-DD`) of the close the first out-of-sample return starts from; for weekly and
   * slower bars the stored date of its bar (the period's first day; see `closes`).
   */
  start: string;
  /** Date of the last close (same convention). */
  end: string;
  /**
   * Weekly and slower bars only: the dates of those two closes (each period's last session,
   * lib/quality `closeLabeler`) and the periods' names ("week of 2001-02-05").
   */
  closes?: { start: string; end: string; startPeriod: string; endPeriod: string };
}

/**
 * The window's span as it reads after "returns": "from the 2000-05-16 close to the 2006-12-29
 * close", or for weekly and slower bars "from the 2001-02-09 close (week of 2001-02-05) to the
 * 2005-11-11 close (week of 2005-11-07)".
 */
export function oosSpanText(oos: OosWindow): string {
  const c = oos.closes;
  return c
    ? `from the ${c.start} close (${c.startPeriod}) to the ${c.end} close (${c.endPeriod})`
    : `from the ${oos.start} close to the ${oos.end} close`;
}

/**
 * Date of row `k` of a (session-resampled) result: the session date of its first bar; for
 * weekly and slower bars the stored period label (its first day).
 */
function resultDate(result: BacktestResult, panel: BarPanel, k: number): string {
  const ms = result.tsMs[k]!;
  const iso = new Date(ms).toISOString().slice(0, 10);
  // daily and slower bars are stamped at UTC midnight of their date; an intraday session's row
  // is stamped at its first bar's open, which belongs to the calendar's session date
  if (!panel.day) return iso;
  return getCalendar(panel.calendar ?? "nyse").sessionDateOf(ms) ?? iso;
}

/** The out-of-sample window's dates (see {@link OosWindow}) from rows `split` to `last`. */
function oosDates(result: BacktestResult, panel: BarPanel, split: number, last: number) {
  const start = resultDate(result, panel, split), end = resultDate(result, panel, last);
  const periods = panel.day ? null : closeLabeler(panel.frequency, panel.calendar);
  if (!periods) return { start, end };
  const closes = {
    start: periods.closeDate(start),
    end: periods.closeDate(end),
    startPeriod: periods.period(start),
    endPeriod: periods.period(end),
  };
  return { start, end, closes };
}

/**
 * Run a spec under governance (module doc). Trials are recorded before the verdict is computed,
 * so the candidate's own DSR counts every configuration tried.
 * @throws SpecError when the spec cannot run as written (strategy, grid, a cost model needing
 *   volume the data lacks), naming the spec field to change.
 *
 * @example
 * ```ts ignore
 * const out = await runSpec(parseBacktestSpec(JSON.parse(text)), { store: memoryLedgerStore() });
 * out.verdict.verdict; // "go" | "no-go"
 * ```
 */
export async function runSpec(spec: BacktestSpec, o: RunSpecOptions = {}): Promise<RunSpecResult> {
  const prep = await prepareSpec(spec, o);
  const { strategy, configs, params, panel, corporateActions, manifest, files, costs } = prep;
  const { periodsPerYear, note, split, run, configRun } = prep;
  const input = prep.input;
  if (prep.cannotTrade.length > 0) o.onWarning?.(prep.cannotTradeSummary);
  const results: (BacktestResult | undefined)[] = [];
  const equities: Float64Array[] = [];
  let periods: string[] = [];
  const periodsOf = (res: BacktestResult) => {
    // session dates (an fx session of D opens on D-1 in UTC)
    const cal = panel.day ? getCalendar(panel.calendar ?? "nyse") : undefined;
    return Array.from(
      res.tsMs.subarray(1),
      (t) => cal?.sessionDateOf(t) ?? new Date(t).toISOString().slice(0, 10),
    );
  };
  if (o.evaluate) {
    const remote = await o.evaluate(configs.map((_, i) => i));
    if (remote.length !== configs.length) {
      throw new RangeError(
        `evaluate returned ${remote.length} equity curves for ${configs.length} configurations`,
      );
    }
    remote.forEach((e, i) => {
      equities.push(e);
      o.onTrial?.(i + 1, configs.length);
    });
  } else {
    for (let i = 0; i < configs.length; i++) {
      const res = configRun(i);
      if (i === 0) periods = periodsOf(res);
      results.push(res);
      equities.push(res.equity);
      o.onTrial?.(i + 1, configs.length);
    }
  }
  // rows 0..split in sample, split..last out of sample (the last in-sample close starts the
  // first out-of-sample return); each segment annualised over its own observed bars
  const rows = equities[0]!.length;
  const segments = {
    inSample: segmentAnnualisation(panel, periodsPerYear, 0, split),
    outOfSample: segmentAnnualisation(panel, periodsPerYear, split, rows - 1),
  };
  const isSharpe = equities.map((e) =>
    sharpeRatio(returnsFromEquity(e.subarray(0, split + 1)), segments.inSample.periodsPerYear)
  );
  let candidate = 0;
  isSharpe.forEach((s, i) => {
    if (Number.isFinite(s) && !(s <= (isSharpe[candidate] ?? -Infinity))) candidate = i;
  });
  if (!Number.isFinite(isSharpe[candidate]!)) candidate = 0;
  if (o.evaluate) {
    // the candidate's full run (fills, costs, positions) happens here; its curve must be the one
    // the workers computed, bit for bit
    const res = configRun(candidate);
    const e = equities[candidate]!;
    if (res.equity.length !== e.length || res.equity.some((v, k) => !Object.is(v, e[k]))) {
      throw new Error(
        `configuration ${candidate}: the equity curve computed elsewhere differs from this process's`,
      );
    }
    results[candidate] = res;
    periods = periodsOf(res);
  }
  const bh = BUILTIN_STRATEGIES.buy_and_hold;
  const benchmark = o.benchmark === false
    ? undefined
    : run(bh.createStrategy(input, bh.params.parse({}) as Record<string, unknown>));
  const inputs = [];
  const notRecorded: number[] = [];
  for (let i = 0; i < configs.length; i++) {
    const r = returnsFromEquity(equities[i]!);
    if (!Number.isFinite(sharpeRatio(r, periodsPerYear))) {
      notRecorded.push(i);
      continue;
    }
    inputs.push({
      question: spec.question,
      codeVersion: o.codeVersion ?? "unknown",
      dataManifest: manifest,
      params: { strategy: spec.strategy, costs: spec.costs, ...configs[i] },
      returns: r,
      periods,
      periodsPerYear,
    });
  }
  const ledger = { ...(o.store ? { store: o.store } : {}), ...(o.root ? { root: o.root } : {}) };
  const recorded = await recordTrials(inputs, ledger);
  const result = results[candidate]!;
  const oosReturns = returnsFromEquity(result.equity.subarray(split));
  const n = result.equity.length;
  const oos: OosWindow = {
    fraction: spec.oosFraction,
    returns: n - 1 - split,
    ...oosDates(result, panel, split, n - 1),
  };
  return finishSpec(spec, {
    configs,
    params,
    strategySource: strategy.source,
    inSampleSharpe: isSharpe,
    candidate,
    result,
    oosReturns,
    segments,
    oos,
    ...(benchmark ? { benchmark } : {}),
    recorded,
    notRecorded,
    cannotTrade: prep.cannotTrade,
    manifest,
    files,
    periodsPerYear,
    note,
    panel,
    costs,
    corporateActions,
  }, ledger);
}

/**
 * The resampled equity curves of some configurations of a spec, computed exactly as
 * {@link runSpec} computes them (a cluster worker runs a chunk of a sweep with this).
 *
 * @example
 * ```ts ignore
 * const curves = await sweepSpecEquities(spec, [0, 1, 2], { baseDir: "." });
 * ```
 */
export async function sweepSpecEquities(
  spec: BacktestSpec,
  indices: number[],
  o: RunSpecOptions = {},
): Promise<Float64Array[]> {
  return (await prepareSweep(spec, o))(indices);
}

/**
 * The data, strategy and costs of a spec loaded once, as a function from configuration indices
 * to their equity curves (what {@link sweepSpecEquities} calls once per chunk; a worker that runs
 * many chunks of one spec keeps it).
 */
export async function prepareSweep(
  spec: BacktestSpec,
  o: RunSpecOptions = {},
): Promise<(indices: number[]) => Float64Array[]> {
  const prep = await prepareSpec(spec, o);
  return (indices) =>
    indices.map((i) => {
      if (!(Number.isInteger(i) && i >= 0 && i < prep.configs.length)) {
        throw new RangeError(`configuration index ${i} outside 0..${prep.configs.length - 1}`);
      }
      return prep.configRun(i).equity;
    });
}

async function finishSpec(
  spec: BacktestSpec,
  r: {
    configs: Record<string, GridValue>[];
    params: Record<string, unknown>[];
    strategySource: string;
    inSampleSharpe: number[];
    candidate: number;
    result: BacktestResult;
    oosReturns: Float64Array;
    segments: RunSpecResult["segments"];
    oos: OosWindow;
    benchmark?: BacktestResult;
    recorded: RecordTrialResult[];
    notRecorded: number[];
    cannotTrade: { index: number; reason: string }[];
    manifest: string;
    files: { path: string; sha256: string }[];
    periodsPerYear: number;
    note: string;
    panel: BarPanel;
    costs: CostModel;
    corporateActions: CorporateAction[];
  },
  ledger: { store?: LedgerStore; root?: string },
): Promise<RunSpecResult> {
  const { recorded, oosReturns, periodsPerYear, panel, result } = r;
  const evidence = recorded.length
    ? await ledgerEvidence(spec.question, { ...ledger, partitions: spec.pboPartitions })
    : { trials: { trials: 0, srVariance: 0 }, pbo: NaN, pboNote: "no trials recorded" };
  const gateOpts: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(spec.gate)) if (v !== undefined) gateOpts[k] = v;
  const ppyOos = r.segments.outOfSample.periodsPerYear;
  const verdict = goNoGo({
    returns: oosReturns,
    periodsPerYear: ppyOos,
    ...(evidence.trials.trials > 0 ? { trials: evidence.trials } : {}),
    ...(Number.isFinite(evidence.pbo) ? { pbo: evidence.pbo } : {}),
    outOfSample: true,
    netOfCosts: true,
  }, gateOpts);
  if (ppyOos !== periodsPerYear) {
    // the gate states the factor it used; say it is the observed bars' and of which clock
    for (const c of verdict.criteria) {
      if (c.name === "sharpe") {
        c.note = c.note.replace(
          `(${ppyOos}/yr)`,
          `(${+ppyOos.toFixed(1)}/yr observed of ${periodsPerYear})`,
        );
      }
    }
  }
  const missingOpens = panelMissingOpens(panel);
  return {
    configs: r.configs,
    params: r.params,
    strategySource: r.strategySource,
    inSampleSharpe: r.inSampleSharpe,
    candidate: r.candidate,
    result,
    oosReturns,
    segments: r.segments,
    oos: r.oos,
    ...(r.benchmark ? { benchmark: r.benchmark } : {}),
    recorded,
    notRecorded: r.notRecorded,
    cannotTrade: r.cannotTrade,
    evidence,
    verdict,
    manifest: r.manifest,
    files: r.files,
    periodsPerYear,
    annualisation: r.note,
    currency: panel.currency === undefined ? "USD" : panel.currency,
    orders: result.orders,
    fillNote: missingOpens > 0
      ? `${missingOpens} bars have a close but no open (close-only data): market-on-open orders fill at that bar's close (${result.orders.closeFillsForMissingOpen} such fills in the candidate's run)`
      : "",
    calendar: panel.calendar ?? "nyse",
    frequency: panel.frequency ?? "day",
    panel,
    costs: r.costs,
  };
}

/** Everything a spec's configurations need: strategy, data, costs, split and the run function. */
async function prepareSpec(spec: BacktestSpec, o: RunSpecOptions) {
  const strategy = await loadStrategy(spec.strategy, o.baseDir ? { baseDir: o.baseDir } : {});
  const configs = gridConfigs(spec.grid);
  const params = validateGrid(spec.strategy, strategy, configs);
  const { panel, corporateActions, manifest, files } = await specData(spec, {
    ...(o.root ? { root: o.root } : {}),
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
  });
  const costs = specCostModel(spec.costs);
  try {
    checkVolumeForCosts(panel, costs);
  } catch (e) {
    throw new SpecError(
      `costs.model: ${
        e instanceof Error ? e.message : e
      } (the spec's costs.model is "${spec.costs.model}")`,
    );
  }
  const { periodsPerYear, note } = annualisationOf(panel);
  if (!(periodsPerYear > 0)) {
    throw new SpecError(
      `data: the dataset's frequency "${panel.frequency}" has no annualisation factor (periods per year ${periodsPerYear}); resample it to a regular frequency first`,
    );
  }
  // Intraday panels are judged on session returns: results are resampled to sessions.
  const nBars = panel.day ? new Set(panel.day).size : panel.tsMs.length;
  const split = Math.floor(nBars * (1 - spec.oosFraction));
  if (split < 3 || nBars - split < 3) {
    throw new SpecError(
      `data: ${nBars} ${
        panel.day ? "sessions" : "bars"
      } leave too few in or out of sample with oosFraction ${spec.oosFraction} (need at least 3 on each side): read a longer range or change oosFraction`,
    );
  }
  const { cannotTrade, cannotTradeSummary } = momentumCannotTradeCheck(spec, panel, params);
  const adjustedClose = adjustedCloses(panel, corporateActions);
  const input = { panel, adjustedClose };
  const run = (strat: ReturnType<typeof strategy.createStrategy>) => {
    const raw = runBacktest(panel, strat, {
      initialCash: spec.initialCash,
      costs,
      corporateActions,
      recordPositions: false,
      maxGrossLeverage: spec.maxGrossLeverage ?? Infinity,
    });
    return panel.day ? resampleToSessions(raw, panel.day) : raw;
  };
  const configRun = (i: number): BacktestResult => {
    let strat;
    try {
      strat = strategy.createStrategy(input, params[i]!);
    } catch (e) {
      throw new SpecError(
        `strategy ${spec.strategy} (configuration ${JSON.stringify(configs[i])}): ${
          e instanceof Error ? e.message : e
        }`,
      );
    }
    return run(strat);
  };
  return {
    strategy,
    configs,
    params,
    panel,
    corporateActions,
    manifest,
    files,
    costs,
    periodsPerYear,
    note,
    split,
    input,
    run,
    configRun,
    cannotTrade,
    cannotTradeSummary,
  };
}

/**
 * Configurations of the built-in momentum strategy that cannot select any name on this panel
 * (see `momentumCannotTrade`), with a one-line summary naming the universe's size, what the
 * quantile selects and the fewest names the legs need.
 * @throws SpecError when no configuration of the grid can trade (nothing would be tested).
 */
function momentumCannotTradeCheck(
  spec: BacktestSpec,
  panel: BarPanel,
  params: Record<string, unknown>[],
): { cannotTrade: { index: number; reason: string }[]; cannotTradeSummary: string } {
  if (spec.strategy !== "momentum") return { cannotTrade: [], cannotTradeSummary: "" };
  const names = panel.symbols.length, bars = panel.tsMs.length;
  const cannotTrade: { index: number; reason: string }[] = [];
  params.forEach((p, index) => {
    const reason = momentumCannotTrade(names, bars, p as MomentumParams);
    if (reason !== null) cannotTrade.push({ index, reason });
  });
  if (cannotTrade.length === 0) return { cannotTrade, cannotTradeSummary: "" };
  const reasons = [...new Set(cannotTrade.map((c) => c.reason))];
  const universe = `the universe has ${names} name${names === 1 ? "" : "s"} and ${bars} bars`;
  if (cannotTrade.length === params.length) {
    throw new SpecError(
      `grid: no configuration of strategy momentum can trade: ${universe}; ${
        reasons.join("; ")
      } (add symbols to data or change grid.quantile / grid.lookback)`,
    );
  }
  return {
    cannotTrade,
    cannotTradeSummary:
      `momentum: ${cannotTrade.length} of ${params.length} configurations cannot trade (${universe}): ${
        reasons.join("; ")
      }`,
  };
}
