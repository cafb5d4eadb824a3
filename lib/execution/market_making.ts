/**
 * Market making after Avellaneda and Stoikov (2008): the reservation price, the optimal spread
 * and the order-arrival intensity of the model; the paper's own Monte Carlo setting (driftless
 * binomial mid, Poisson fills) comparing the inventory strategy with the symmetric one; and the
 * same strategy run against a replayed limit order book (LOBSTER or simulated) with a
 * queue-position fill model, fees and inventory limits (see `_book_replay.ts`), recorded in the
 * trial ledger like every backtest.
 *
 * @see Avellaneda, M., & Stoikov, S. (2008). High-frequency trading in a limit order book.
 *      Quantitative Finance 8(3), 217-224. doi:10.1080/14697680701381228
 */
import { Rng } from "../core/random.ts";
import type { BookDay } from "../book/lobster.ts";
import {
  type LedgerOptions,
  type RecordTrialResult,
  recordTrials,
  type TrialInput,
} from "../validation/ledger.ts";
import { MINUTES_PER_SESSION, TRADING_DAYS_PER_YEAR } from "../core/constants.ts";
import { replayBook, type ReplayOptions, type ReplayResult } from "./_book_replay.ts";

export type {
  Fill,
  ReplayOptions as MarketMakingBacktestOptions,
  ReplayResult as MarketMakingBacktest,
} from "./_book_replay.ts";

function checkPositive(name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new RangeError(`${name} must be a positive number, got ${v}`);
  }
}

/**
 * Reservation (indifference) price of the market maker, A-S eq. (29):
 * r(s, q, t) = s - q gamma sigma^2 (T - t).
 * Units: s in price units, sigma in price units per sqrt(time unit), tau = T - t in time units.
 *
 * @see Avellaneda & Stoikov (2008), eq. (29). doi:10.1080/14697680701381228
 * @example reservationPrice(100, 2, 0.1, 2, 0.5) // 100 - 2 * 0.1 * 4 * 0.5 = 99.6
 */
export function reservationPrice(
  s: number,
  q: number,
  gamma: number,
  sigma: number,
  tau: number,
): number {
  checkPositive("gamma", gamma);
  if (!(sigma >= 0) || !(tau >= 0)) {
    throw new RangeError(`sigma and tau must be >= 0, got ${sigma}, ${tau}`);
  }
  return s - q * gamma * sigma * sigma * tau;
}

/**
 * Optimal total spread (delta_a + delta_b), A-S eq. (30):
 * spread = gamma sigma^2 (T - t) + (2 / gamma) ln(1 + gamma / k).
 *
 * @see Avellaneda & Stoikov (2008), eq. (30). doi:10.1080/14697680701381228
 * @example optimalSpread(0.1, 2, 0, 1.5) // 20 ln(1 + 1/15) = 1.2908...
 */
export function optimalSpread(gamma: number, sigma: number, tau: number, k: number): number {
  checkPositive("gamma", gamma);
  checkPositive("k", k);
  if (!(sigma >= 0) || !(tau >= 0)) {
    throw new RangeError(`sigma and tau must be >= 0, got ${sigma}, ${tau}`);
  }
  return gamma * sigma * sigma * tau + (2 / gamma) * Math.log(1 + gamma / k);
}

/**
 * Order-arrival intensity of market orders reaching a quote at distance delta from the mid,
 * A-S eq. (12): lambda(delta) = A exp(-k delta) (per time unit).
 *
 * @see Avellaneda & Stoikov (2008), section 2.3. doi:10.1080/14697680701381228
 * @example arrivalIntensity(0, 140, 1.5) // 140
 */
export function arrivalIntensity(delta: number, A: number, k: number): number {
  checkPositive("A", A);
  checkPositive("k", k);
  return A * Math.exp(-k * delta);
}

/** Model parameters of the A-S strategy. */
export interface AvellanedaStoikovParams {
  /** Risk aversion (1 / price units). */
  gamma: number;
  /** Volatility of the mid, price units per sqrt(time unit). */
  sigma: number;
  /** Decay of the arrival intensity with the distance to the mid (1 / price units). */
  k: number;
}

/** Quotes of the inventory strategy at one instant. */
export interface AvellanedaStoikovQuotes {
  reservation: number;
  spread: number;
  bid: number;
  ask: number;
}

/**
 * Bid and ask of the inventory strategy: r -/+ spread / 2 (A-S section 3.2).
 *
 * @example avellanedaStoikovQuotes(100, 0, 1, { gamma: 0.1, sigma: 2, k: 1.5 })
 * // reservation 100, spread 0.4 + 1.2908 = 1.6908, bid 99.1546, ask 100.8454
 */
export function avellanedaStoikovQuotes(
  s: number,
  q: number,
  tau: number,
  p: AvellanedaStoikovParams,
): AvellanedaStoikovQuotes {
  const reservation = reservationPrice(s, q, p.gamma, p.sigma, tau);
  const spread = optimalSpread(p.gamma, p.sigma, tau, p.k);
  return { reservation, spread, bid: reservation - spread / 2, ask: reservation + spread / 2 };
}

/** Options of {@linkcode simulateAvellanedaStoikov}; defaults are the paper's section 4 setting. */
export interface SimulateAsOptions {
  /** Risk aversion. */
  gamma: number;
  /** Initial mid. @default 100 */
  s0?: number;
  /** Horizon. @default 1 */
  T?: number;
  /** Mid volatility per sqrt(time unit). @default 2 */
  sigma?: number;
  /** Time step. @default 0.005 */
  dt?: number;
  /** Initial inventory. @default 0 */
  q0?: number;
  /** Intensity decay. @default 1.5 */
  k?: number;
  /** Intensity at delta = 0. @default 140 */
  A?: number;
  /** Monte Carlo paths. @default 1000 */
  paths?: number;
  /** Seed. @default 1 */
  seed?: number;
  /**
   * Spread quoted: `stationary` = (2 / gamma) ln(1 + gamma / k), the spread whose average the
   * paper's tables report (1.29, 1.33, 1.15 for gamma 0.1, 0.01, 0.5, equal to it to the cent);
   * `full` = eq. (30) with the gamma sigma^2 (T - t) term (averages 1.49, 1.35, 2.15).
   * @default "stationary"
   */
  spreadRule?: "stationary" | "full";
}

/** Statistics of one strategy over the Monte Carlo paths (the columns of the paper's tables). */
export interface AsStrategyStats {
  /** Mean quoted spread over paths and steps. */
  averageSpread: number;
  /** Mean terminal profit X_T + q_T S_T. */
  profit: number;
  /** Standard deviation of the terminal profit (ddof 1). */
  stdProfit: number;
  /** Mean terminal inventory. */
  finalQ: number;
  /** Standard deviation of the terminal inventory (ddof 1). */
  stdFinalQ: number;
  /** Terminal profits per path. */
  profits: Float64Array;
  /** Terminal inventories per path. */
  finalQs: Float64Array;
}

/** Result of {@linkcode simulateAvellanedaStoikov}. */
export interface SimulateAsResult {
  inventory: AsStrategyStats;
  symmetric: AsStrategyStats;
  /** Mid, inventory and quotes of the first path under the inventory strategy. */
  samplePath: {
    t: Float64Array;
    mid: Float64Array;
    bid: Float64Array;
    ask: Float64Array;
    q: Float64Array;
  };
}

function stats(
  spreadSum: number,
  steps: number,
  profits: Float64Array,
  qs: Float64Array,
): AsStrategyStats {
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  const sd = (a: Float64Array) => {
    const m = mean(a);
    return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1));
  };
  return {
    averageSpread: spreadSum / steps,
    profit: mean(profits),
    stdProfit: sd(profits),
    finalQ: mean(qs),
    stdFinalQ: sd(qs),
    profits,
    finalQs: qs,
  };
}

/**
 * The paper's simulation (A-S section 4): the mid moves by +-sigma sqrt(dt) with probability 1/2
 * each step; the agent quotes bid and ask; each quote is hit within the step with probability
 * lambda(delta) dt = A exp(-k delta) dt (one share per fill). The inventory strategy quotes around
 * the reservation price r (eq. 29); the symmetric strategy quotes the same spread around the mid.
 * Both strategies see the same mid path and the same uniforms per path (common random numbers).
 * Step order: quote at (t, s_t, q_t); the mid moves to s_{t+dt}; fills are drawn with delta
 * measured from s_{t+dt} (the quotes rest while the mid moves). Terminal profit X_T + q_T S_T
 * (inventory marked at the final mid). With `spreadRule: "stationary"` (see the option) this
 * reproduces the paper's symmetric-strategy rows and its gamma = 0.1 and 0.01 inventory rows
 * within Monte Carlo error; tests/execution/market_making_paper_test.ts lists the cells that do
 * not reproduce.
 *
 * @see Avellaneda & Stoikov (2008), section 4, tables 1-3. doi:10.1080/14697680701381228
 * @example
 * ```ts ignore
 * const r = simulateAvellanedaStoikov({ gamma: 0.1 });
 * r.inventory.stdProfit < r.symmetric.stdProfit; // true: the point of the paper
 * ```
 */
export function simulateAvellanedaStoikov(options: SimulateAsOptions): SimulateAsResult {
  const {
    gamma,
    s0 = 100,
    T = 1,
    sigma = 2,
    dt = 0.005,
    q0 = 0,
    k = 1.5,
    A = 140,
    paths = 1000,
    seed = 1,
    spreadRule = "stationary",
  } = options;
  checkPositive("dt", dt);
  checkPositive("T", T);
  if (!(Number.isInteger(paths) && paths >= 2)) {
    throw new RangeError(`paths must be an integer >= 2, got ${paths}`);
  }
  const steps = Math.round(T / dt);
  const p = { gamma, sigma, k };
  const rng = new Rng(seed);
  const invProfit = new Float64Array(paths), invQ = new Float64Array(paths);
  const symProfit = new Float64Array(paths), symQ = new Float64Array(paths);
  let invSpread = 0, symSpread = 0;
  const sample = {
    t: new Float64Array(steps + 1),
    mid: new Float64Array(steps + 1),
    bid: new Float64Array(steps + 1).fill(NaN),
    ask: new Float64Array(steps + 1).fill(NaN),
    q: new Float64Array(steps + 1),
  };
  const jump = sigma * Math.sqrt(dt);
  for (let path = 0; path < paths; path++) {
    let s = s0;
    let qi = q0, xi = 0, qs = q0, xs = 0;
    for (let i = 0; i < steps; i++) {
      const tau = T - i * dt;
      const quotes = avellanedaStoikovQuotes(s, qi, tau, p);
      if (spreadRule === "stationary") {
        quotes.spread = optimalSpread(gamma, sigma, 0, k);
        quotes.bid = quotes.reservation - quotes.spread / 2;
        quotes.ask = quotes.reservation + quotes.spread / 2;
      }
      const half = quotes.spread / 2;
      const s0Step = s;
      if (path === 0) {
        sample.t[i] = i * dt;
        sample.mid[i] = s;
        sample.bid[i] = quotes.bid;
        sample.ask[i] = quotes.ask;
        sample.q[i] = qi;
      }
      s += rng.uniform() < 0.5 ? jump : -jump;
      invSpread += quotes.spread;
      symSpread += quotes.spread;
      const uBid = rng.uniform(), uAsk = rng.uniform();
      // inventory strategy
      const dbI = s - quotes.bid, daI = quotes.ask - s;
      if (uBid < arrivalIntensity(dbI, A, k) * dt) {
        qi += 1;
        xi -= quotes.bid;
      }
      if (uAsk < arrivalIntensity(daI, A, k) * dt) {
        qi -= 1;
        xi += quotes.ask;
      }
      // symmetric strategy: same spread around the mid at quoting time
      const sb = s0Step - half, sa = s0Step + half;
      if (uBid < arrivalIntensity(s - sb, A, k) * dt) {
        qs += 1;
        xs -= sb;
      }
      if (uAsk < arrivalIntensity(sa - s, A, k) * dt) {
        qs -= 1;
        xs += sa;
      }
    }
    if (path === 0) {
      sample.t[steps] = steps * dt;
      sample.mid[steps] = s;
      sample.q[steps] = qi;
    }
    invProfit[path] = xi + qi * s;
    invQ[path] = qi;
    symProfit[path] = xs + qs * s;
    symQ[path] = qs;
  }
  return {
    inventory: stats(invSpread, paths * steps, invProfit, invQ),
    symmetric: stats(symSpread, paths * steps, symProfit, symQ),
    samplePath: sample,
  };
}

/**
 * Backtest the A-S strategy (or its symmetric variant) on a replayed book day; see
 * {@linkcode ReplayOptions} for the fill model, fees and limits, and `_book_replay.ts` for the
 * rules. Returns P&L and inventory paths, fills, fill rates, markouts (adverse selection) and
 * per-interval returns for the trial ledger.
 *
 * @example
 * ```ts ignore
 * const bt = backtestMarketMaking(day, { gamma: 0.05, sigma: 0.01, k: 50 });
 * bt.summary.pnl; bt.summary.fillRateBid; bt.summary.markout[0];
 * ```
 */
export function backtestMarketMaking(day: BookDay, options: ReplayOptions): ReplayResult {
  return replayBook(day, options);
}

/** Periods per year of per-minute returns on a regular NYSE session (390 x 252). */
export const MINUTE_PERIODS_PER_YEAR = MINUTES_PER_SESSION * TRADING_DAYS_PER_YEAR;

/** What identifies a market-making trial in the ledger. */
export interface MarketMakingTrialInfo {
  question: string;
  codeVersion: string;
  /** Identifier of the book data read (e.g. the lake dataset's manifest checksum). */
  dataManifest: string;
}

/**
 * The ledger record of a book-replay backtest: its per-interval returns (P&L change per interval
 * divided by the capital, net of fees), labelled by interval start, with the configuration's
 * parameters (numbers and strings of the options).
 */
export function marketMakingTrial(bt: ReplayResult, info: MarketMakingTrialInfo): TrialInput {
  const params: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(bt.options)) {
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") params[key] = v;
    else if (Array.isArray(v)) params[key] = v.slice();
  }
  params.symbol = bt.symbol;
  params.date = bt.date;
  return {
    question: info.question,
    codeVersion: info.codeVersion,
    dataManifest: info.dataManifest,
    params,
    returns: bt.returns.ret,
    periods: Array.from(bt.returns.tsMs),
    periodsPerYear: bt.returns.periodsPerYear,
  };
}

/**
 * Record book-replay backtests in the trial ledger (one trial per configuration, one write).
 *
 * @example
 * ```ts ignore
 * await recordMarketMakingTrials(results, { question: "mm-spy", codeVersion: "abc", dataManifest: "m" });
 * ```
 */
export function recordMarketMakingTrials(
  results: ReplayResult[],
  info: MarketMakingTrialInfo,
  options: LedgerOptions = {},
): Promise<RecordTrialResult[]> {
  return recordTrials(results.map((r) => marketMakingTrial(r, info)), options);
}
