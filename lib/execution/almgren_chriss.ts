/**
 * Almgren-Chriss optimal execution of a parent order of X shares over T in N equal intervals,
 * with linear temporary impact h(v) = epsilon * sgn(v) + eta * v and linear permanent impact
 * g(v) = gamma * v, arithmetic Brownian price with volatility sigma (USD per share per sqrt(time
 * unit)).
 *
 * tau = T / N, etaTilde = eta - gamma * tau / 2, kappaTilde^2 = lambda * sigma^2 / etaTilde,
 * kappa solves 2 (cosh(kappa tau) - 1) / tau^2 = kappaTilde^2.
 * Holdings: x_j = X sinh(kappa (T - t_j)) / sinh(kappa T), t_j = j tau (lambda = 0: linear).
 * Trades: n_j = x_{j-1} - x_j, j = 1..N.
 * Expected cost E = gamma X^2 / 2 + epsilon sum |n_j| + (etaTilde / tau) sum n_j^2.
 * Variance V = sigma^2 tau sum_{j=1..N} x_j^2.
 * Conventions: sigma, eta, gamma and T in one time unit (the paper uses days, with sigma = 0.95
 * USD/share/day^0.5, i.e. 30% annual volatility on a 50 USD stock); lambda is risk aversion per
 * USD.
 *
 * @see Almgren, R., & Chriss, N. (2000). Optimal execution of portfolio transactions. Journal of
 *      Risk 3(2), 5-39. doi:10.21314/JOR.2001.041
 */

/** Almgren-Chriss model parameters. */
export interface AlmgrenChrissParams {
  /** Shares to sell (positive) or buy (negative). */
  shares: number;
  /** Horizon T in time units (e.g. days). */
  horizon: number;
  /** Number of trading intervals N. */
  intervals: number;
  /** Volatility, USD per share per sqrt(time unit). */
  sigma: number;
  /** Temporary impact slope eta, USD per share per (share per time unit). */
  eta: number;
  /** Permanent impact slope gamma, USD per share per share. */
  gamma: number;
  /** Fixed temporary cost per share epsilon (half spread plus fees). @default 0 */
  epsilon?: number;
}

/** An execution schedule and its cost statistics. */
export interface AlmgrenChrissSchedule {
  /** Holdings x_0..x_N (length N + 1, x_0 = X, x_N = 0). */
  holdings: Float64Array;
  /** Trades n_1..n_N (length N). */
  trades: Float64Array;
  /** Expected implementation shortfall E[x], USD. */
  expectedCost: number;
  /** Variance V[x], USD^2. */
  variance: number;
  /** kappa of the optimal trajectory (0 for the linear one). */
  kappa: number;
}

function check(p: AlmgrenChrissParams): void {
  if (!(Number.isInteger(p.intervals) && p.intervals >= 1)) {
    throw new RangeError(`Almgren-Chriss needs intervals >= 1 (integer), got ${p.intervals}`);
  }
  if (!(p.horizon > 0)) {
    throw new RangeError(`Almgren-Chriss horizon must be > 0, got ${p.horizon}`);
  }
  if (!(p.sigma >= 0) || !(p.gamma >= 0) || !(p.eta > 0)) {
    throw new RangeError(
      `Almgren-Chriss needs sigma >= 0, gamma >= 0, eta > 0 (got ${p.sigma}, ${p.gamma}, ${p.eta})`,
    );
  }
  const etaTilde = p.eta - (p.gamma * p.horizon) / p.intervals / 2;
  if (!(etaTilde > 0)) {
    throw new RangeError(`Almgren-Chriss needs eta - gamma*tau/2 > 0, got ${etaTilde}`);
  }
  if (!Number.isFinite(p.shares)) throw new RangeError(`shares must be finite, got ${p.shares}`);
}

/** Expected cost and variance of any schedule given by its holdings x_0..x_N. */
export function acCostOfHoldings(
  holdings: ArrayLike<number>,
  p: AlmgrenChrissParams,
): { expectedCost: number; variance: number } {
  check(p);
  const n = p.intervals;
  if (holdings.length !== n + 1) {
    throw new RangeError(`holdings must have N + 1 = ${n + 1} entries, got ${holdings.length}`);
  }
  const tau = p.horizon / n;
  const etaTilde = p.eta - (p.gamma * tau) / 2;
  const eps = p.epsilon ?? 0;
  const x0 = holdings[0]!;
  let sumAbs = 0;
  let sumSq = 0;
  let sumX2 = 0;
  for (let j = 1; j <= n; j++) {
    const nj = holdings[j - 1]! - holdings[j]!;
    sumAbs += Math.abs(nj);
    sumSq += nj * nj;
    sumX2 += holdings[j]! * holdings[j]!;
  }
  return {
    expectedCost: (p.gamma * x0 * x0) / 2 + eps * sumAbs + (etaTilde / tau) * sumSq,
    variance: p.sigma * p.sigma * tau * sumX2,
  };
}

/**
 * The optimal trajectory for risk aversion `lambda` (lambda = 0 gives the linear, minimum
 * expected cost schedule).
 *
 * @example
 * ```ts
 * const s = almgrenChriss({ shares: 1e6, horizon: 5, intervals: 5, sigma: 0.95, eta: 2.5e-6,
 *   gamma: 2.5e-7, epsilon: 0.0625 }, 0);
 * s.expectedCost; // 662500
 * ```
 */
export function almgrenChriss(p: AlmgrenChrissParams, lambda: number): AlmgrenChrissSchedule {
  check(p);
  if (!(lambda >= 0)) throw new RangeError(`lambda must be >= 0, got ${lambda}`);
  const n = p.intervals;
  const tau = p.horizon / n;
  const etaTilde = p.eta - (p.gamma * tau) / 2;
  const kTilde2 = (lambda * p.sigma * p.sigma) / etaTilde;
  const kappa = kTilde2 > 0 ? Math.acosh(1 + (kTilde2 * tau * tau) / 2) / tau : 0;
  const holdings = new Float64Array(n + 1);
  const denom = Math.sinh(kappa * p.horizon);
  for (let j = 0; j <= n; j++) {
    const tj = j * tau;
    holdings[j] = kappa > 0 && Number.isFinite(denom) && denom > 0
      ? (p.shares * Math.sinh(kappa * (p.horizon - tj))) / denom
      : p.shares * (1 - j / n);
  }
  if (kappa > 0 && !Number.isFinite(denom)) {
    // Extreme risk aversion: sinh overflows; the limit trades everything in the first interval.
    holdings.fill(0);
    holdings[0] = p.shares;
  }
  holdings[n] = 0;
  const trades = new Float64Array(n);
  for (let j = 1; j <= n; j++) trades[j - 1] = holdings[j - 1]! - holdings[j]!;
  const { expectedCost, variance } = acCostOfHoldings(holdings, p);
  return { holdings, trades, expectedCost, variance, kappa };
}

/**
 * Efficient frontier: (lambda, E, V) for each risk aversion in `lambdas`.
 *
 * @example
 * ```ts
 * const f = acFrontier({ shares: 1e6, horizon: 5, intervals: 5, sigma: 0.95, eta: 2.5e-6,
 *   gamma: 2.5e-7 }, [0, 1e-7, 1e-6]);
 * ```
 */
export function acFrontier(
  p: AlmgrenChrissParams,
  lambdas: ArrayLike<number>,
): { lambda: number; expectedCost: number; variance: number }[] {
  const out = [];
  for (let i = 0; i < lambdas.length; i++) {
    const s = almgrenChriss(p, lambdas[i]!);
    out.push({ lambda: lambdas[i]!, expectedCost: s.expectedCost, variance: s.variance });
  }
  return out;
}
