/**
 * Sharpe ratio with stated conventions and the statistics built on it by Bailey and Lopez de
 * Prado: the probabilistic Sharpe ratio (PSR), the minimum track record length (MinTRL), the
 * expected maximum Sharpe of N unskilled trials and the deflated Sharpe ratio (DSR).
 *
 * Conventions for the whole file: Sharpe ratios are PER PERIOD (not annualised) unless a function
 * says otherwise; `skew` is the biased sample skewness m3 / m2^1.5 and `kurtosis` is the RAW
 * (non-excess) kurtosis m4 / m2^2, so a normal distribution has kurtosis 3. These are the
 * conventions of the papers below and of `moments` in lib/core.
 *
 * @see Bailey, D. H., & Lopez de Prado, M. (2012). The Sharpe Ratio Efficient Frontier.
 *      Journal of Risk 15(2). doi:10.21314/JOR.2012.255 (PSR, MinTRL)
 * @see Bailey, D. H., & Lopez de Prado, M. (2014). The Deflated Sharpe Ratio: Correcting for
 *      Selection Bias, Backtest Overfitting and Non-Normality. JPM 40(5).
 *      doi:10.3905/jpm.2014.40.5.094 (expected maximum Sharpe, DSR)
 */
import { moments, normCdf, normInv, TRADING_DAYS_PER_YEAR } from "../core/mod.ts";

/** Euler-Mascheroni constant, used by the expected maximum of N normals. */
export const EULER_MASCHERONI = 0.5772156649015329;

/** Options of {@linkcode sharpeRatio}. */
export interface SharpeOptions {
  /**
   * Risk-free (or benchmark) return per period, subtracted from every return.
   * @default 0
   */
  riskFree?: number;
  /**
   * Periods per year; when set, the result is annualised by sqrt(periodsPerYear).
   * @default undefined (per-period Sharpe)
   */
  periodsPerYear?: number;
  /**
   * Delta degrees of freedom of the standard deviation.
   * @default 1
   */
  ddof?: number;
}

function checkReturns(returns: ArrayLike<number>, what: string): void {
  for (let i = 0; i < returns.length; i++) {
    if (!Number.isFinite(returns[i]!)) {
      throw new RangeError(`Cannot compute ${what}: return at index ${i} is ${returns[i]}`);
    }
  }
}

/**
 * Sharpe ratio of a return series.
 *
 * SR = mean(r - rf) / stdev(r - rf, ddof), times sqrt(periodsPerYear) when annualising.
 * Conventions: simple per-period returns; ddof 1 by default; a constant series has stdev 0 and
 * gives SR 0 when its excess mean is 0, otherwise +/-Infinity. Fewer than ddof + 1 observations
 * give NaN. Non-finite returns are rejected (RangeError): drop them explicitly upstream.
 *
 * @see Sharpe, W. F. (1994). The Sharpe Ratio. JPM 21(1). doi:10.3905/jpm.1994.409501
 * @example
 * ```ts
 * import { sharpeRatio } from "./sharpe.ts";
 * sharpeRatio(new Float64Array([0.01, -0.01, 0.02])); // 0.4364... (per period)
 * ```
 */
export function sharpeRatio(returns: ArrayLike<number>, options: SharpeOptions = {}): number {
  const { riskFree = 0, periodsPerYear, ddof = 1 } = options;
  checkReturns(returns, "Sharpe ratio");
  const n = returns.length;
  if (n - ddof <= 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += returns[i]! - riskFree;
  const m = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i]! - riskFree - m;
    ss += d * d;
  }
  const sd = Math.sqrt(ss / (n - ddof));
  let sr: number;
  if (sd === 0 || sd < 1e-14 * Math.abs(m)) sr = m === 0 ? 0 : Math.sign(m) * Infinity;
  else sr = m / sd;
  return periodsPerYear === undefined ? sr : sr * Math.sqrt(periodsPerYear);
}

/**
 * Annualise a per-period Sharpe ratio: SR_ann = SR * sqrt(periodsPerYear) (i.i.d. returns).
 *
 * @example
 * ```ts
 * import { annualizeSharpe } from "./sharpe.ts";
 * annualizeSharpe(0.1, 252); // 1.587...
 * ```
 */
export function annualizeSharpe(
  sr: number,
  periodsPerYear: number = TRADING_DAYS_PER_YEAR,
): number {
  return sr * Math.sqrt(periodsPerYear);
}

/** Per-period Sharpe and the higher moments that PSR and DSR need. */
export interface SharpeStats {
  /** Per-period Sharpe ratio (ddof 1). */
  sr: number;
  /** Number of observations T. */
  observations: number;
  /** Biased sample skewness m3 / m2^1.5. */
  skew: number;
  /** Raw kurtosis m4 / m2^2 (normal = 3). */
  kurtosis: number;
}

/**
 * Sharpe ratio (per period, ddof 1, excess of `riskFree`) with the skewness and raw kurtosis of
 * the returns, ready for {@linkcode probabilisticSharpe} and {@linkcode deflatedSharpe}.
 * Conventions as in {@linkcode sharpeRatio} and lib/core `moments`.
 *
 * @example
 * ```ts
 * import { sharpeStats } from "./sharpe.ts";
 * sharpeStats(new Float64Array([0.01, -0.01, 0.02, 0.0])); // { sr, observations: 4, skew, kurtosis }
 * ```
 */
export function sharpeStats(
  returns: ArrayLike<number>,
  options: { riskFree?: number } = {},
): SharpeStats {
  const sr = sharpeRatio(returns, { riskFree: options.riskFree ?? 0 });
  const m = moments(returns);
  return { sr, observations: returns.length, skew: m.skew, kurtosis: m.kurtosis };
}

/** Inputs of {@linkcode sharpeStdError}, {@linkcode probabilisticSharpe}. */
export interface PsrInput {
  /** Observed per-period Sharpe ratio. */
  sr: number;
  /** Number of return observations T (>= 2). */
  observations: number;
  /**
   * Skewness of the returns (biased, m3 / m2^1.5).
   * @default 0
   */
  skew?: number;
  /**
   * Raw kurtosis of the returns (normal = 3).
   * @default 3
   */
  kurtosis?: number;
  /**
   * Benchmark per-period Sharpe SR* to beat.
   * @default 0
   */
  benchmark?: number;
}

function checkObs(t: number, what: string): void {
  if (!(Number.isFinite(t) && t >= 2)) {
    throw new RangeError(`Cannot compute ${what}: observations must be >= 2, got ${t}`);
  }
}

/**
 * Standard error of the per-period Sharpe estimator under non-normal i.i.d. returns (Mertens
 * 2002 as used by Bailey & Lopez de Prado):
 *
 * se(SR) = sqrt((1 - skew * SR + (kurtosis - 1) / 4 * SR^2) / (T - 1)).
 *
 * @see Mertens, E. (2002). Comments on variance of the IID estimator in Lo (2002).
 * @example
 * ```ts
 * import { sharpeStdError } from "./sharpe.ts";
 * sharpeStdError({ sr: 0.1, observations: 101 }); // sqrt((1 + 0.5 * 0.01) / 100)
 * ```
 */
export function sharpeStdError(input: PsrInput): number {
  const { sr, observations: t, skew = 0, kurtosis = 3 } = input;
  checkObs(t, "Sharpe standard error");
  return Math.sqrt((1 - skew * sr + (kurtosis - 1) / 4 * sr * sr) / (t - 1));
}

/**
 * Probabilistic Sharpe ratio: the probability that the true Sharpe exceeds the benchmark SR*.
 *
 * PSR = Phi(((SR - SR*) * sqrt(T - 1)) / sqrt(1 - skew * SR + (kurtosis - 1) / 4 * SR^2)).
 * Conventions: per-period SR and SR*; raw kurtosis (normal = 3). A non-positive variance term
 * (possible for extreme skew) is rejected with a RangeError.
 *
 * @see Bailey, D. H., & Lopez de Prado, M. (2012). The Sharpe Ratio Efficient Frontier.
 *      Journal of Risk 15(2), eq. (11). doi:10.21314/JOR.2012.255
 * @example
 * ```ts
 * import { probabilisticSharpe } from "./sharpe.ts";
 * probabilisticSharpe({ sr: 0.1, observations: 252, skew: -0.5, kurtosis: 5 }); // 0.938...
 * ```
 */
export function probabilisticSharpe(input: PsrInput): number {
  const { sr, observations: t, skew = 0, kurtosis = 3, benchmark = 0 } = input;
  checkObs(t, "probabilistic Sharpe");
  const v = 1 - skew * sr + (kurtosis - 1) / 4 * sr * sr;
  if (!(v > 0)) {
    throw new RangeError(
      `Cannot compute probabilistic Sharpe: variance term 1 - skew*SR + (kurt-1)/4*SR^2 = ${v} <= 0`,
    );
  }
  return normCdf((sr - benchmark) * Math.sqrt(t - 1) / Math.sqrt(v));
}

/** Inputs of {@linkcode minTrackRecordLength}. */
export interface MinTrlInput {
  /** Observed per-period Sharpe ratio (must exceed `benchmark`). */
  sr: number;
  /**
   * Benchmark per-period Sharpe SR*.
   * @default 0
   */
  benchmark?: number;
  /**
   * Skewness (biased).
   * @default 0
   */
  skew?: number;
  /**
   * Raw kurtosis (normal = 3).
   * @default 3
   */
  kurtosis?: number;
  /**
   * Confidence level 1 - alpha.
   * @default 0.95
   */
  confidence?: number;
}

/**
 * Minimum track record length: the number of observations needed for PSR(SR*) to reach
 * `confidence`.
 *
 * MinTRL = 1 + (1 - skew * SR + (kurtosis - 1) / 4 * SR^2) * (PhiInv(confidence) / (SR - SR*))^2.
 * Conventions: per-period SR, result in periods (not rounded); Infinity when SR <= SR*.
 *
 * @see Bailey, D. H., & Lopez de Prado, M. (2012). The Sharpe Ratio Efficient Frontier.
 *      Journal of Risk 15(2), eq. (12). doi:10.21314/JOR.2012.255
 * @example
 * ```ts
 * import { minTrackRecordLength } from "./sharpe.ts";
 * minTrackRecordLength({ sr: 0.1 }); // 1 + 1.005 * (1.6449 / 0.1)^2 = 272.9...
 * ```
 */
export function minTrackRecordLength(input: MinTrlInput): number {
  const { sr, benchmark = 0, skew = 0, kurtosis = 3, confidence = 0.95 } = input;
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`Cannot compute MinTRL: confidence must be in (0, 1), got ${confidence}`);
  }
  if (!Number.isFinite(sr)) throw new RangeError(`Cannot compute MinTRL: SR is ${sr}`);
  if (sr <= benchmark) return Infinity;
  const v = 1 - skew * sr + (kurtosis - 1) / 4 * sr * sr;
  const z = normInv(confidence) / (sr - benchmark);
  return 1 + v * z * z;
}

/** Inputs of {@linkcode expectedMaxSharpe}. */
export interface ExpectedMaxSharpeInput {
  /** Number of independent trials N (>= 1). */
  trials: number;
  /** Variance V of the trials' Sharpe ratios (same periodicity as the result). */
  srVariance: number;
  /**
   * Mean Sharpe of the trials under the null.
   * @default 0
   */
  srMean?: number;
}

/**
 * Expected maximum Sharpe ratio of N independent unskilled trials whose Sharpe ratios are
 * normal with mean `srMean` and variance V (the "False Strategy" theorem):
 *
 * E[max SR] ~= srMean + sqrt(V) * ((1 - g) * PhiInv(1 - 1/N) + g * PhiInv(1 - 1/(N e))),
 * g = Euler-Mascheroni constant. Conventions: V in the same periodicity as the SRs (per period
 * for DSR); N = 1 gives srMean exactly. The approximation overstates the exact expected maximum
 * of N standard normals by a few percent for small N (N = 10: 1.575 vs 1.539).
 *
 * @see Bailey, D. H., & Lopez de Prado, M. (2014). The Deflated Sharpe Ratio. JPM 40(5), eq. (7).
 *      doi:10.3905/jpm.2014.40.5.094
 * @example
 * ```ts
 * import { expectedMaxSharpe } from "./sharpe.ts";
 * expectedMaxSharpe({ trials: 100, srVariance: 1 }); // 2.531...
 * ```
 */
export function expectedMaxSharpe(input: ExpectedMaxSharpeInput): number {
  const { trials: n, srVariance: v, srMean = 0 } = input;
  if (!(Number.isFinite(n) && n >= 1)) {
    throw new RangeError(`Cannot compute expected maximum Sharpe: trials must be >= 1, got ${n}`);
  }
  if (!(Number.isFinite(v) && v >= 0)) {
    throw new RangeError(
      `Cannot compute expected maximum Sharpe: srVariance must be >= 0, got ${v}`,
    );
  }
  if (n === 1) return srMean;
  const g = EULER_MASCHERONI;
  return srMean +
    Math.sqrt(v) * ((1 - g) * normInv(1 - 1 / n) + g * normInv(1 - 1 / (n * Math.E)));
}

/** Inputs of {@linkcode deflatedSharpe}. */
export interface DeflatedSharpeInput {
  /** Observed per-period Sharpe ratio of the selected strategy. */
  sr: number;
  /** Number of independent trials N behind the selection (>= 1). */
  trials: number;
  /** Variance V of the per-period Sharpe ratios across the trials. */
  srVariance: number;
  /** Number of return observations T of the selected strategy (>= 2). */
  observations: number;
  /**
   * Skewness of the selected strategy's returns (biased).
   * @default 0
   */
  skew?: number;
  /**
   * Raw kurtosis of the selected strategy's returns (normal = 3).
   * @default 3
   */
  kurtosis?: number;
}

/**
 * Deflated Sharpe ratio: the probability that the true Sharpe exceeds the expected maximum
 * Sharpe of `trials` unskilled strategies, i.e. PSR with benchmark SR0 = E[max SR].
 *
 * DSR = Phi(((SR - SR0) * sqrt(T - 1)) / sqrt(1 - skew * SR + (kurt - 1) / 4 * SR^2)),
 * SR0 = sqrt(V) * ((1 - g) * PhiInv(1 - 1/N) + g * PhiInv(1 - 1/(N e))), g = Euler-Mascheroni.
 * Conventions: SR and V per period (not annualised); `kurtosis` is raw (normal = 3). With one
 * trial SR0 = 0 and DSR equals PSR against zero.
 *
 * @see Bailey, D. H., & Lopez de Prado, M. (2014). The Deflated Sharpe Ratio. JPM 40(5).
 *      doi:10.3905/jpm.2014.40.5.094 (worked example: N=100, V=0.5/250, SR=2.5/sqrt(250),
 *      T=1250, skew=-3, kurt=10 gives 0.9004)
 * @example
 * ```ts
 * import { deflatedSharpe } from "./sharpe.ts";
 * deflatedSharpe({
 *   sr: 2.5 / Math.sqrt(250), trials: 100, srVariance: 0.5 / 250,
 *   observations: 1250, skew: -3, kurtosis: 10,
 * }); // 0.9004
 * ```
 */
export function deflatedSharpe(input: DeflatedSharpeInput): number {
  const sr0 = expectedMaxSharpe({ trials: input.trials, srVariance: input.srVariance });
  return probabilisticSharpe({
    sr: input.sr,
    observations: input.observations,
    skew: input.skew ?? 0,
    kurtosis: input.kurtosis ?? 3,
    benchmark: sr0,
  });
}
