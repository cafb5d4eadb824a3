/**
 * A complete selection study on the simulated market, used by notebooks/validation.ipynb and its
 * tests: a family of overnight-timing strategies is run on SPY daily returns, every trial is
 * recorded in the ledger, the best in-sample trial is chosen, and the go/no-go gate judges its
 * out-of-sample, net-of-cost returns with the ledger's DSR and PBO evidence.
 *
 * Strategy family ("overnight continuation"): at the close of day d-1 the signal is
 * s = sqrt(L) * mean(z_{d-L..d-1}), z_k = intraday (open-to-close) return of day k divided by the
 * standard deviation of the `volWindow` intraday returns before it. Position p_d = +1 if
 * s > threshold, -1 if s < -threshold, else 0. Held "overnight" (close d-1 to open d: return
 * p_d * r_on[d], turnover 2 |p_d|) or "close_to_close" (p_d * ((1 + r_on[d])(1 + r_id[d]) - 1),
 * turnover |p_d - p_{d-1}|). Net return = gross - turnover * costBps / 1e4.
 * The simulated world plants exactly this effect (corr(z_on[d], z_id[d-1]) = effects.overnight);
 * its null world has none, so every apparent edge there is selection luck.
 */
import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import { goNoGo, type GoNoGoOptions, type GoNoGoResult, ledgerEvidence } from "./gate.ts";
import { type LedgerStore, memoryLedgerStore, readTrials, recordTrials } from "./ledger.ts";
import { pbo, type PboResult } from "./pbo.ts";
import { deflatedSharpe, sharpeRatio, sharpeStats } from "./sharpe.ts";

/** One configuration of the overnight-continuation family. */
export interface OvernightConfig {
  /** Intraday returns averaged into the signal (sessions). */
  lookback: number;
  /** Signal threshold (the signal has unit variance under the null). */
  threshold: number;
  /** Holding period. */
  hold: "overnight" | "close_to_close";
}

/** The default grid: 10 lookbacks x 3 thresholds x 2 holding periods = 60 trials. */
export function overnightGrid(): OvernightConfig[] {
  const out: OvernightConfig[] = [];
  for (const hold of ["overnight", "close_to_close"] as const) {
    for (const lookback of [1, 2, 3, 4, 5, 7, 10, 15, 20, 30]) {
      for (const threshold of [0, 0.5, 1]) out.push({ lookback, threshold, hold });
    }
  }
  return out;
}

/** Options of {@linkcode overnightReturns}. */
export interface OvernightReturnsOptions {
  /**
   * Cost per unit of turnover, in basis points of notional.
   * @default 0.5
   */
  costBps?: number;
  /**
   * Trailing window of the intraday volatility estimate (sessions).
   * @default 60
   */
  volWindow?: number;
  /**
   * First day with a return; earlier days are dropped so all configurations share one calendar.
   * @default volWindow + 30 (covers the longest default lookback)
   */
  warmup?: number;
}

/**
 * Net daily returns of one configuration from daily overnight and intraday returns (module doc).
 * Day d uses only intraday returns up to d-1. Returns for days warmup .. n-1.
 *
 * @example
 * ```ts
 * import { overnightReturns } from "./study.ts";
 * const id = new Float64Array(200).map((_, i) => (i % 2 ? 0.01 : -0.01));
 * const on = new Float64Array(200).fill(0.001);
 * overnightReturns(id, on, { lookback: 1, threshold: 0, hold: "overnight" }).length; // 110
 * ```
 */
export function overnightReturns(
  intraday: Float64Array,
  overnight: Float64Array,
  config: OvernightConfig,
  options: OvernightReturnsOptions = {},
): Float64Array {
  const { costBps = 0.5, volWindow = 60 } = options;
  const warmup = options.warmup ?? volWindow + 30;
  const n = intraday.length;
  if (overnight.length !== n) {
    throw new RangeError(
      `Cannot run strategy: ${n} intraday but ${overnight.length} overnight returns`,
    );
  }
  const { lookback: L, threshold, hold } = config;
  if (warmup < volWindow + L) {
    throw new RangeError(
      `Cannot run strategy: warmup ${warmup} < volWindow + lookback ${volWindow + L}`,
    );
  }
  // z_k = r_id[k] / sd(r_id[k - volWindow .. k - 1])
  const z = new Float64Array(n).fill(NaN);
  for (let k = volWindow; k < n; k++) {
    let s = 0, s2 = 0;
    for (let j = k - volWindow; j < k; j++) {
      s += intraday[j]!;
      s2 += intraday[j]! * intraday[j]!;
    }
    const m = s / volWindow;
    const sd = Math.sqrt(Math.max(0, (s2 - s * m) / (volWindow - 1)));
    z[k] = sd > 0 ? intraday[k]! / sd : 0;
  }
  const out = new Float64Array(Math.max(0, n - warmup));
  const cost = costBps / 1e4;
  let prev = 0;
  for (let d = warmup; d < n; d++) {
    let s = 0;
    for (let k = d - L; k < d; k++) s += z[k]!;
    s = s / Math.sqrt(L);
    const p = s > threshold ? 1 : s < -threshold ? -1 : 0;
    let r: number;
    if (hold === "overnight") r = p * overnight[d]! - 2 * Math.abs(p) * cost;
    else {
      r = p * ((1 + overnight[d]!) * (1 + intraday[d]!) - 1) - Math.abs(p - prev) * cost;
    }
    prev = p;
    out[d - warmup] = r;
  }
  return out;
}

/** Inputs of {@linkcode runSelectionStudy}. */
export interface SelectionStudyInput {
  /** Research question id (the ledger groups trials by it). */
  question: string;
  /** Session dates aligned with the returns. */
  days: string[];
  /** Daily open-to-close returns. */
  intraday: Float64Array;
  /** Daily close-to-open returns. */
  overnight: Float64Array;
  /** Identifier of the data (e.g. the world config as JSON), recorded in the ledger. */
  dataManifest: string;
}

/** Options of {@linkcode runSelectionStudy}. */
export interface SelectionStudyOptions extends OvernightReturnsOptions {
  /**
   * Share of the sample used for research (trials, selection, PBO); the rest is out of sample.
   * @default 0.6
   */
  researchFraction?: number;
  /**
   * CSCV partitions for PBO.
   * @default 16
   */
  partitions?: number;
  /**
   * Ledger storage.
   * @default memoryLedgerStore()
   */
  store?: LedgerStore;
  /**
   * Configurations to try.
   * @default overnightGrid()
   */
  grid?: OvernightConfig[];
  /**
   * Code version recorded in the ledger.
   * @default "validation/study@1"
   */
  codeVersion?: string;
  /** Gate thresholds. */
  gate?: GoNoGoOptions;
}

/** Result of {@linkcode runSelectionStudy}. */
export interface SelectionStudyResult {
  /** Configurations in trial order. */
  configs: OvernightConfig[];
  /** In-sample (research period) annualised Sharpe of each trial. */
  researchSharpe: Float64Array;
  /** Out-of-sample annualised Sharpe of each trial (for plots only: the gate sees the best). */
  oosSharpe: Float64Array;
  /** Index of the best research-period trial. */
  best: number;
  /** Out-of-sample net returns of the best trial. */
  bestOos: Float64Array;
  /** First out-of-sample date. */
  oosStart: string;
  /** PBO of the research-period trial matrix. */
  pbo: PboResult;
  /** Trial count and per-period Sharpe variance from the ledger. */
  trials: { trials: number; srVariance: number };
  /** The gate's verdict on the best trial's out-of-sample returns. */
  gate: GoNoGoResult;
  /** DSR of the best trial's OOS Sharpe had there been N trials, for N in `dsrTrials`. */
  dsrTrials: number[];
  dsrByTrials: number[];
}

/**
 * Run the selection study (module doc): record every configuration's research-period returns
 * in the ledger under `question`, pick the best research Sharpe, compute PBO over the research
 * matrix, and gate the best configuration's out-of-sample net returns with the ledger evidence.
 *
 * @example
 * ```ts ignore
 * const w = generateWorld({ start: "2004-01-02", end: "2023-12-29", equityCount: 0 });
 * const d = w.spyDaily;
 * const r = await runSelectionStudy({ question: "overnight", days: d.days,
 *   intraday: d.retIntraday, overnight: d.retOvernight, dataManifest: "sim:seed=1" });
 * r.gate.verdict;
 * ```
 */
export async function runSelectionStudy(
  input: SelectionStudyInput,
  options: SelectionStudyOptions = {},
): Promise<SelectionStudyResult> {
  const {
    researchFraction = 0.6,
    partitions = 16,
    store = memoryLedgerStore(),
    grid = overnightGrid(),
    codeVersion = "validation/study@1",
    volWindow = 60,
  } = options;
  const warmup = options.warmup ?? volWindow + 30;
  const ret = { costBps: options.costBps ?? 0.5, volWindow, warmup };
  const series = grid.map((c) => overnightReturns(input.intraday, input.overnight, c, ret));
  const t = series[0]!.length;
  const cut = Math.floor(t * researchFraction);
  if (cut < 2 * partitions || t - cut < 2) {
    throw new RangeError(`Cannot run study: ${t} usable days is too short (research ${cut} days)`);
  }
  const days = input.days.slice(warmup);
  const research = series.map((s) => s.subarray(0, cut));
  await recordTrials(
    grid.map((params, i) => ({
      question: input.question,
      codeVersion,
      dataManifest: input.dataManifest,
      params: {
        ...params,
        costBps: ret.costBps,
        volWindow,
        warmup,
        research: `${days[0]}..${days[cut - 1]}`,
      },
      returns: research[i]!,
      periods: days.slice(0, cut),
      periodsPerYear: TRADING_DAYS_PER_YEAR,
    })),
    { store },
  );
  const ann = Math.sqrt(TRADING_DAYS_PER_YEAR);
  const researchSharpe = Float64Array.from(research, (r) => sharpeRatio(r) * ann);
  const oosSharpe = Float64Array.from(series, (s) => sharpeRatio(s.subarray(cut)) * ann);
  let best = 0;
  researchSharpe.forEach((v, i) => {
    if (v > researchSharpe[best]!) best = i;
  });
  const ev = await ledgerEvidence(input.question, { store, partitions });
  const records = await readTrials(input.question, { store });
  const pboResult = pbo(records.map((r) => r.returns), { partitions });
  const bestOos = series[best]!.slice(cut);
  const gate = goNoGo(
    { returns: bestOos, trials: ev.trials, pbo: ev.pbo, outOfSample: true, netOfCosts: true },
    options.gate ?? {},
  );
  const st = sharpeStats(bestOos);
  const dsrTrials = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  const dsrByTrials = dsrTrials.map((n) =>
    Number.isFinite(st.skew)
      ? deflatedSharpe({
        sr: st.sr,
        trials: n,
        srVariance: ev.trials.srVariance,
        observations: st.observations,
        skew: st.skew,
        kurtosis: st.kurtosis,
      })
      : NaN
  );
  return {
    configs: grid,
    researchSharpe,
    oosSharpe,
    best,
    bestOos,
    oosStart: days[cut]!,
    pbo: pboResult,
    trials: ev.trials,
    gate,
    dsrTrials,
    dsrByTrials,
  };
}
