/**
 * Backtest specifications (JSON, validated by zod) and their governed run: every configuration
 * of the spec's parameter grid is backtested and recorded as a trial in the validation ledger;
 * the configuration with the best in-sample Sharpe is the candidate; its out-of-sample,
 * net-of-cost returns go through the go/no-go gate with the DSR and PBO evidence read back from
 * the ledger for the spec's research question.
 */

import { z } from "zod";
import { IBKR_FIXED, ZERO_FEES } from "../execution/mod.ts";
import {
  goNoGo,
  type GoNoGoResult,
  ledgerEvidence,
  type LedgerStore,
  type RecordTrialResult,
  recordTrials,
} from "../validation/mod.ts";
import { generateWorld } from "../sources/sim/mod.ts";
import { returnsFromEquity, sharpeRatio } from "./returns.ts";
import { type BacktestResult, type CorporateAction, runBacktest, type Strategy } from "./engine.ts";
import type { BarPanel } from "./panel.ts";
import { simEquityPanel, simSpyMinutePanel, simSpyPanel } from "./sim_panel.ts";
import { resampleToSessions } from "./resample.ts";
import { adjustedCloses } from "./adjust.ts";
import { momentumTargets, overnightStrategy, targetStrategy } from "./strategies.ts";
import { syntheticPanel } from "./synthetic.ts";

const num = z.number().finite();
const grid = z.record(z.string(), z.array(z.union([num, z.boolean()])).min(1));

/** The JSON shape of a backtest spec. */
export const BacktestSpecSchema = z.object({
  /** Research question: trials are counted per question in the ledger. */
  question: z.string().min(1),
  strategy: z.enum(["momentum", "overnight"]),
  /** Parameter grid: every combination is one trial. */
  grid: grid.default({}),
  data: z.discriminatedUnion("source", [
    z.object({
      source: z.literal("synthetic"),
      symbols: z.number().int().min(1).default(20),
      bars: z.number().int().min(2).default(756),
      seed: z.number().int().default(1),
      start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default("2015-01-02"),
    }),
    z.object({
      source: z.literal("sim"),
      seed: z.number().int().default(1),
      start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      equityCount: z.number().int().min(1).default(30),
      nullWorld: z.boolean().default(false),
      /** SPY bar size for the overnight strategy (minute bars: about 30 ms per session to build). */
      bars: z.enum(["day", "minute"]).default("day"),
    }),
  ]),
  costs: z.object({
    fees: z.enum(["ibkr", "zero"]).default("ibkr"),
    halfSpreadBps: num.min(0).default(1),
    impactCoef: num.min(0).default(0.5),
    participationCap: num.positive().default(0.1),
    borrowRateAnnual: num.min(0).default(0.01),
  }).default({
    fees: "ibkr",
    halfSpreadBps: 1,
    impactCoef: 0.5,
    participationCap: 0.1,
    borrowRateAnnual: 0.01,
  }),
  initialCash: num.positive().default(1_000_000),
  /** Share of the bars (at the end) held out of sample. */
  oosFraction: num.gt(0).lt(1).default(0.3),
  /** Gate thresholds (null skips a criterion), see lib/validation goNoGo. */
  gate: z.object({
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

/** Parse and validate a spec (throws a zod error naming the bad field). */
export function parseBacktestSpec(json: unknown): BacktestSpec {
  return BacktestSpecSchema.parse(json);
}

/** Every combination of a parameter grid, keys in sorted order ({} gives one empty config). */
export function gridConfigs(
  g: Record<string, (number | boolean)[]>,
): Record<string, number | boolean>[] {
  let out: Record<string, number | boolean>[] = [{}];
  for (const k of Object.keys(g).sort()) {
    out = out.flatMap((c) => g[k]!.map((v) => ({ ...c, [k]: v })));
  }
  return out;
}

/** The data of a spec: panel, corporate actions and a manifest string identifying it. */
export function specData(spec: BacktestSpec): {
  panel: BarPanel;
  corporateActions: CorporateAction[];
  manifest: string;
} {
  const d = spec.data;
  if (d.source === "synthetic") {
    return {
      panel: syntheticPanel({ symbols: d.symbols, bars: d.bars, seed: d.seed, start: d.start }),
      corporateActions: [],
      manifest: `synthetic:v1:${d.symbols}x${d.bars}:seed=${d.seed}:start=${d.start}`,
    };
  }
  const world = generateWorld({
    seed: d.seed,
    start: d.start,
    end: d.end,
    equityCount: d.equityCount,
    ...(d.nullWorld ? { effects: { overnight: 0, momentum: 0, sentiment: 0 } } : {}),
  });
  const sp = spec.strategy === "overnight"
    ? (d.bars === "minute" ? simSpyMinutePanel(world) : simSpyPanel(world))
    : simEquityPanel(world);
  return {
    panel: sp.panel,
    corporateActions: sp.corporateActions,
    manifest:
      `sim:seed=${d.seed}:${d.start}..${d.end}:n=${d.equityCount}:null=${d.nullWorld}:bars=${d.bars}`,
  };
}

function strategyFor(
  spec: BacktestSpec,
  panel: BarPanel,
  params: Record<string, number | boolean>,
  adjusted: Float64Array,
): Strategy {
  const p = params as Record<string, never>;
  if (spec.strategy === "overnight") {
    return overnightStrategy(panel.day ? { ...(p as object), day: panel.day } : p);
  }
  return targetStrategy(panel, momentumTargets(panel, p, adjusted), { kind: "weight" });
}

/** Options of {@link runSpec}. */
export interface RunSpecOptions {
  /** Ledger storage. @default the lake ledger (lakeLedgerStore) */
  store?: LedgerStore;
  /** Lake root for the default ledger. @default lakeRoot() */
  root?: string;
  /** Code version recorded with the trials (e.g. git commit). @default "unknown" */
  codeVersion?: string;
  /** Called after each configuration (progress). @default none */
  onTrial?: (done: number, total: number) => void;
}

/** Outcome of {@link runSpec}. */
export interface RunSpecResult {
  configs: Record<string, number | boolean>[];
  /** Sharpe (annualised) of each configuration in sample. */
  inSampleSharpe: number[];
  /** Index of the candidate configuration. */
  candidate: number;
  /** Full run of the candidate (resampled to sessions for intraday panels). */
  result: BacktestResult;
  /** Candidate's out-of-sample net returns. */
  oosReturns: Float64Array;
  recorded: RecordTrialResult[];
  /** Configurations not recorded because their returns have no dispersion (never traded). */
  notRecorded: number[];
  evidence: { trials: { trials: number; srVariance: number }; pbo: number; pboNote: string };
  verdict: GoNoGoResult;
  manifest: string;
}

/**
 * Run a spec under governance (module doc). Trials are recorded before the verdict is computed,
 * so the candidate's own DSR counts every configuration tried.
 *
 * @example
 * ```ts ignore
 * const out = await runSpec(parseBacktestSpec(JSON.parse(text)), { store: memoryLedgerStore() });
 * out.verdict.verdict; // "go" | "no-go"
 * ```
 */
export async function runSpec(spec: BacktestSpec, o: RunSpecOptions = {}): Promise<RunSpecResult> {
  const { panel, corporateActions, manifest } = specData(spec);
  // Intraday panels are judged on session returns: results are resampled to sessions.
  const nBars = panel.day ? new Set(panel.day).size : panel.tsMs.length;
  const split = Math.floor(nBars * (1 - spec.oosFraction));
  if (split < 3 || nBars - split < 3) {
    throw new RangeError(`Spec ${spec.question}: ${nBars} bars leave too few in or out of sample`);
  }
  const costs = {
    ...spec.costs,
    fees: spec.costs.fees === "ibkr" ? IBKR_FIXED : ZERO_FEES,
  };
  const configs = gridConfigs(spec.grid);
  const adjusted = adjustedCloses(panel, corporateActions);
  const results: BacktestResult[] = [];
  const isSharpe: number[] = [];
  let periods: string[] = [];
  configs.forEach((params, i) => {
    const raw = runBacktest(panel, strategyFor(spec, panel, params, adjusted), {
      initialCash: spec.initialCash,
      costs,
      corporateActions,
      recordPositions: false,
    });
    const res = panel.day ? resampleToSessions(raw, panel.day) : raw;
    if (i === 0) {
      periods = Array.from(res.tsMs.subarray(1), (t) => new Date(t).toISOString().slice(0, 10));
    }
    results.push(res);
    isSharpe.push(sharpeRatio(returnsFromEquity(res.equity.subarray(0, split + 1))));
    o.onTrial?.(i + 1, configs.length);
  });
  const inputs = [];
  const notRecorded: number[] = [];
  for (let i = 0; i < configs.length; i++) {
    const r = returnsFromEquity(results[i]!.equity);
    if (!Number.isFinite(sharpeRatio(r))) {
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
    });
  }
  const ledger = { ...(o.store ? { store: o.store } : {}), ...(o.root ? { root: o.root } : {}) };
  const recorded = await recordTrials(inputs, ledger);
  let candidate = 0;
  isSharpe.forEach((s, i) => {
    if (Number.isFinite(s) && !(s <= (isSharpe[candidate] ?? -Infinity))) candidate = i;
  });
  if (!Number.isFinite(isSharpe[candidate]!)) candidate = 0;
  const result = results[candidate]!;
  const oosReturns = returnsFromEquity(result.equity.subarray(split));
  const evidence = recorded.length
    ? await ledgerEvidence(spec.question, { ...ledger, partitions: spec.pboPartitions })
    : { trials: { trials: 0, srVariance: 0 }, pbo: NaN, pboNote: "no trials recorded" };
  const gateOpts: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(spec.gate)) if (v !== undefined) gateOpts[k] = v;
  const verdict = goNoGo({
    returns: oosReturns,
    ...(evidence.trials.trials > 0 ? { trials: evidence.trials } : {}),
    ...(Number.isFinite(evidence.pbo) ? { pbo: evidence.pbo } : {}),
    outOfSample: true,
    netOfCosts: true,
  }, gateOpts);
  return {
    configs,
    inSampleSharpe: isSharpe,
    candidate,
    result,
    oosReturns,
    recorded,
    notRecorded,
    evidence,
    verdict,
    manifest,
  };
}
