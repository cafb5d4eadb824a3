/**
 * Go/no-go gate: a strategy's out-of-sample, net-of-cost results against the research charter's
 * criteria, each reported with its value, threshold and outcome, and one verdict.
 *
 * Default criteria: annualised Sharpe >= 1.0; maximum drawdown <= 20%; deflated Sharpe
 * probability > 0.5 (the observed Sharpe beats the expected maximum Sharpe of the question's
 * trials; set `minDsr: 0.95` for the strict version); PBO <= 5%; and the results are declared
 * out of sample and net of costs. Every threshold is an option; `null` skips a criterion.
 * Missing evidence for an enabled criterion (no trial statistics, no PBO) fails it: the gate
 * never says "go" on evidence it did not see.
 *
 * @see Bailey & Lopez de Prado (2014), The Deflated Sharpe Ratio. doi:10.3905/jpm.2014.40.5.094
 * @see Bailey, Borwein, Lopez de Prado & Zhu (2017), The Probability of Backtest Overfitting.
 *      doi:10.21314/JCF.2016.322
 */
import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import { maxDrawdown } from "./drawdown.ts";
import { type LedgerOptions, readTrials, trialReturnMatrix, trialStats } from "./ledger.ts";
import { pbo } from "./pbo.ts";
import { deflatedSharpe, expectedMaxSharpe, sharpeStats } from "./sharpe.ts";

/** Evidence for the gate. */
export interface GoNoGoInput {
  /** Out-of-sample per-period returns of the candidate strategy, net of costs. */
  returns: ArrayLike<number>;
  /**
   * Periods per year of `returns` (annualises the Sharpe criterion).
   * @default 252 (TRADING_DAYS_PER_YEAR)
   */
  periodsPerYear?: number;
  /**
   * Trials behind the selection (from {@linkcode trialStats} of the ledger): N and the variance
   * of the trials' PER-PERIOD Sharpe ratios.
   * @default undefined (the DSR criterion fails as "not provided")
   */
  trials?: { trials: number; srVariance: number };
  /**
   * Probability of backtest overfitting of the question's trials (from {@linkcode pbo}).
   * @default undefined (the PBO criterion fails as "not provided")
   */
  pbo?: number;
  /**
   * The caller declares the returns out of sample.
   * @default false
   */
  outOfSample?: boolean;
  /**
   * The caller declares the returns net of costs.
   * @default false
   */
  netOfCosts?: boolean;
}

/** Thresholds; `null` skips a criterion. */
export interface GoNoGoOptions {
  /**
   * Minimum annualised Sharpe ratio.
   * @default 1.0
   */
  minSharpe?: number | null;
  /**
   * Maximum drawdown as a fraction (geometric compounding).
   * @default 0.2
   */
  maxDrawdown?: number | null;
  /**
   * DSR probability must exceed this (0.5: observed SR above the expected maximum of the trials;
   * 0.95: the strict version).
   * @default 0.5
   */
  minDsr?: number | null;
  /**
   * Maximum probability of backtest overfitting.
   * @default 0.05
   */
  maxPbo?: number | null;
  /**
   * Require `outOfSample` and `netOfCosts` to be declared true.
   * @default true
   */
  requireOosNet?: boolean;
}

/** One criterion of the gate. */
export interface Criterion {
  /** "sharpe", "max_drawdown", "deflated_sharpe", "pbo", "out_of_sample", "net_of_costs". */
  name: string;
  /** Measured value (NaN when not provided). */
  value: number;
  /** Threshold (NaN when skipped). */
  threshold: number;
  /** How value is compared to threshold. */
  comparison: ">=" | "<=" | ">" | "==";
  status: "pass" | "fail" | "skipped";
  /** Human-readable explanation. */
  note: string;
}

/** Result of {@linkcode goNoGo}. */
export interface GoNoGoResult {
  /** "go" when no criterion failed. */
  verdict: "go" | "no-go";
  criteria: Criterion[];
  /** Annualised Sharpe of the returns. */
  sharpeAnnualized: number;
  /** Per-period Sharpe, skewness and raw kurtosis used by DSR. */
  sharpe: number;
  skew: number;
  kurtosis: number;
  /** Maximum drawdown (geometric). */
  maxDrawdown: number;
  /** DSR probability (NaN when no trial statistics). */
  dsr: number;
  /** Expected maximum annualised Sharpe of the trials (NaN when no trial statistics). */
  expectedMaxSharpeAnnualized: number;
  /** Number of observations. */
  observations: number;
}

const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));

/**
 * Apply the go/no-go criteria to a strategy's out-of-sample results (module doc).
 *
 * Sharpe: mean / stdev (ddof 1) of the per-period returns times sqrt(periodsPerYear).
 * Drawdown: geometric maximum drawdown ({@linkcode maxDrawdown}). DSR: {@linkcode deflatedSharpe}
 * with the returns' per-period Sharpe, biased skew, raw kurtosis and T, and the trials' N and
 * per-period Sharpe variance. PBO: as given. Fewer than 2 returns or non-finite returns are
 * rejected with a RangeError.
 *
 * @example
 * ```ts
 * import { goNoGo } from "./gate.ts";
 * import { Rng } from "../core/mod.ts";
 * const rng = new Rng(1);
 * const returns = rng.normals(756).map((z) => 0.0008 + 0.008 * z);
 * const r = goNoGo({ returns, trials: { trials: 20, srVariance: 0.0004 }, pbo: 0.02,
 *   outOfSample: true, netOfCosts: true });
 * r.verdict; // "go" or "no-go", with r.criteria explaining why
 * ```
 */
export function goNoGo(input: GoNoGoInput, options: GoNoGoOptions = {}): GoNoGoResult {
  const {
    minSharpe = 1.0,
    maxDrawdown: maxDd = 0.2,
    minDsr = 0.5,
    maxPbo = 0.05,
    requireOosNet = true,
  } = options;
  const ppy = input.periodsPerYear ?? TRADING_DAYS_PER_YEAR;
  if (input.returns.length < 2) {
    throw new RangeError(
      `Cannot evaluate go/no-go: need >= 2 out-of-sample returns, got ${input.returns.length}`,
    );
  }
  const st = sharpeStats(input.returns); // rejects non-finite returns
  const srAnn = st.sr * Math.sqrt(ppy);
  const mdd = maxDrawdown(input.returns);
  const criteria: Criterion[] = [];
  const skipped = (name: string, comparison: Criterion["comparison"], value: number) =>
    criteria.push({
      name,
      value,
      threshold: NaN,
      comparison,
      status: "skipped",
      note: "skipped by option",
    });

  if (minSharpe === null) skipped("sharpe", ">=", srAnn);
  else {
    const pass = srAnn >= minSharpe;
    criteria.push({
      name: "sharpe",
      value: srAnn,
      threshold: minSharpe,
      comparison: ">=",
      status: pass ? "pass" : "fail",
      note: `annualised Sharpe ${fmt(srAnn)} ${pass ? ">=" : "<"} ${minSharpe} (${ppy}/yr)`,
    });
  }

  if (maxDd === null) skipped("max_drawdown", "<=", mdd);
  else {
    const pass = mdd <= maxDd;
    criteria.push({
      name: "max_drawdown",
      value: mdd,
      threshold: maxDd,
      comparison: "<=",
      status: pass ? "pass" : "fail",
      note: `max drawdown ${fmt(100 * mdd)}% ${pass ? "<=" : ">"} ${fmt(100 * maxDd)}%`,
    });
  }

  let dsr = NaN, sr0Ann = NaN, dsrProblem = "";
  if (input.trials) {
    const { trials, srVariance } = input.trials;
    sr0Ann = expectedMaxSharpe({ trials, srVariance }) * Math.sqrt(ppy);
    if (![st.sr, st.skew, st.kurtosis].every(Number.isFinite)) {
      dsrProblem = `undefined for returns with zero variance (SR ${st.sr}, skew ${st.skew})`;
    } else {
      try {
        dsr = deflatedSharpe({
          sr: st.sr,
          trials,
          srVariance,
          observations: st.observations,
          skew: st.skew,
          kurtosis: st.kurtosis,
        });
      } catch (e) {
        dsrProblem = (e as Error).message;
      }
    }
  } else dsrProblem = "not provided: no trial statistics (record trials in the ledger)";
  if (minDsr === null) skipped("deflated_sharpe", ">", dsr);
  else if (dsrProblem) {
    criteria.push({
      name: "deflated_sharpe",
      value: NaN,
      threshold: minDsr,
      comparison: ">",
      status: "fail",
      note: dsrProblem,
    });
  } else {
    const pass = dsr > minDsr;
    criteria.push({
      name: "deflated_sharpe",
      value: dsr,
      threshold: minDsr,
      comparison: ">",
      status: pass ? "pass" : "fail",
      note: `DSR ${fmt(dsr)} ${
        pass ? ">" : "<="
      } ${minDsr}; expected max Sharpe of ${input.trials?.trials} trials ${
        fmt(sr0Ann)
      } vs observed ${fmt(srAnn)} (annualised)`,
    });
  }

  const p = input.pbo;
  if (maxPbo === null) skipped("pbo", "<=", p ?? NaN);
  else if (p === undefined || !Number.isFinite(p)) {
    criteria.push({
      name: "pbo",
      value: NaN,
      threshold: maxPbo,
      comparison: "<=",
      status: "fail",
      note: "not provided: no PBO of the question's trials",
    });
  } else {
    const pass = p <= maxPbo;
    criteria.push({
      name: "pbo",
      value: p,
      threshold: maxPbo,
      comparison: "<=",
      status: pass ? "pass" : "fail",
      note: `PBO ${fmt(100 * p)}% ${pass ? "<=" : ">"} ${fmt(100 * maxPbo)}%`,
    });
  }

  for (
    const [name, flag] of [["out_of_sample", input.outOfSample], [
      "net_of_costs",
      input.netOfCosts,
    ]] as const
  ) {
    if (!requireOosNet) skipped(name, "==", flag ? 1 : 0);
    else {
      criteria.push({
        name,
        value: flag ? 1 : 0,
        threshold: 1,
        comparison: "==",
        status: flag ? "pass" : "fail",
        note: flag
          ? `declared ${name.replaceAll("_", " ")}`
          : `not declared ${name.replaceAll("_", " ")}`,
      });
    }
  }

  return {
    verdict: criteria.some((c) => c.status === "fail") ? "no-go" : "go",
    criteria,
    sharpeAnnualized: srAnn,
    sharpe: st.sr,
    skew: st.skew,
    kurtosis: st.kurtosis,
    maxDrawdown: mdd,
    dsr,
    expectedMaxSharpeAnnualized: sr0Ann,
    observations: st.observations,
  };
}

/** Evidence read from the ledger for one question. */
export interface LedgerEvidence {
  /** N and per-period Sharpe variance of the question's trials. */
  trials: { trials: number; srVariance: number };
  /** PBO of the question's trials (NaN with fewer than 2 trials or too few periods). */
  pbo: number;
  /** Why PBO is NaN, when it is. */
  pboNote: string;
}

/**
 * Read the DSR and PBO evidence of a research question from the trial ledger: N and Sharpe
 * variance ({@linkcode trialStats}) and the PBO of the trials' return matrix
 * ({@linkcode trialReturnMatrix}, S = `partitions`). PBO is NaN (so the gate fails it) when there
 * are fewer than 2 trials or fewer than 2 S common periods.
 *
 * @example
 * ```ts ignore
 * const ev = await ledgerEvidence("spy-momentum", { partitions: 16 });
 * goNoGo({ returns, ...ev, outOfSample: true, netOfCosts: true });
 * ```
 */
export async function ledgerEvidence(
  question: string,
  options: LedgerOptions & { partitions?: number } = {},
): Promise<LedgerEvidence> {
  const { partitions = 16, ...ledger } = options;
  const records = await readTrials(question, ledger);
  if (records.length === 0) {
    throw new RangeError(
      `Cannot read ledger evidence: no trials recorded for question ${question}`,
    );
  }
  const st = trialStats(records);
  const trials = { trials: st.trials, srVariance: st.srVariance };
  if (records.length < 2) return { trials, pbo: NaN, pboNote: "fewer than 2 trials" };
  const { matrix } = trialReturnMatrix(records);
  if (matrix.rows < 2 * partitions) {
    return {
      trials,
      pbo: NaN,
      pboNote: `${matrix.rows} common periods for ${partitions} partitions (need ${
        2 * partitions
      })`,
    };
  }
  return { trials, pbo: pbo(matrix, { partitions }).pbo, pboNote: "" };
}
