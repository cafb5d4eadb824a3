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

/**
 * Options of {@linkcode simulateAvellanedaStoikov}; defaults are the paper's section 4 setting and
 * the variant choices that come closest to its Tables 1-3 (see the function's doc).
 */
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
   * `full` = eq. (30) with the gamma sigma^2 (T - t) term (averages 1.49, 1.35, 2.15; its value
   * at t = T is the stationary one, so a table printing the last step's spread would show the
   * same column).
   * @default "stationary"
   */
  spreadRule?: "stationary" | "full";
  /**
   * Mid process: `binomial` = +-sigma sqrt(dt) with probability 1/2 each (the paper's section 4);
   * `gaussian` = sigma sqrt(dt) N(0, 1).
   * @default "binomial"
   */
  midProcess?: "binomial" | "gaussian";
  /**
   * Mid from which the quote distances delta that set the fill probabilities are measured:
   * `after-move` = the mid at the end of the step (quotes rest while the mid moves, so fills carry
   * adverse selection); `quote-mid` = the mid the quotes were computed from (no adverse selection:
   * each fill earns exactly its quoted half spread against that mid).
   * @default "after-move"
   */
  fillReference?: "after-move" | "quote-mid";
  /**
   * Fills per side and step: `bernoulli` = at most one, with probability min(1, lambda(delta) dt)
   * (the paper's wording); `poisson` = a Poisson(lambda(delta) dt) count of one-share fills at
   * the quote. With `poisson`, a quote far through the mid has an unbounded count: combine it with
   * `quoteClamp: "mid"` (an intensity that overflows throws a RangeError).
   * @default "bernoulli"
   */
  fillModel?: "bernoulli" | "poisson";
  /**
   * `none` = quotes as the formulas give them, even through the mid (with q large enough the
   * inventory strategy's ask is below the mid and is hit with probability 1); `mid` = the bid is
   * at most the mid and the ask at least the mid (a quote never crosses the mid it was set from).
   * Applies to the inventory strategy (the symmetric one never crosses).
   * @default "none"
   */
  quoteClamp?: "none" | "mid";
  /**
   * Terminal profit: `mark` = X_T + q_T S_T, inventory valued at the final mid (the same as
   * liquidating at the mid); `cross-half-spread` = X_T + q_T S_T - |q_T| (2 / gamma) ln(1 +
   * gamma / k) / 2, liquidating by crossing the stationary half spread.
   * @default "mark"
   */
  terminal?: "mark" | "cross-half-spread";
}

/** Statistics of one strategy over the Monte Carlo paths (the columns of the paper's tables). */
export interface AsStrategyStats {
  /** Mean quoted spread (ask - bid) over paths and steps. */
  averageSpread: number;
  /** Mean terminal profit (see `terminal`). */
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

function checkChoice<T extends string>(name: string, v: T, allowed: readonly T[]): void {
  if (!allowed.includes(v)) {
    throw new RangeError(`${name} must be one of ${allowed.join(", ")}, got ${String(v)}`);
  }
}

/**
 * The paper's simulation (A-S section 4): each step the agent quotes a bid and an ask, the mid
 * moves by +-sigma sqrt(dt) with probability 1/2, and each quote is hit within the step with
 * probability lambda(delta) dt = A exp(-k delta) dt (one share per fill). The inventory strategy
 * quotes r -/+ spread / 2 around the reservation price r = s - q gamma sigma^2 (T - t) (eq. 29);
 * the symmetric strategy quotes s -/+ spread / 2 around the mid with the same spread. Step order:
 * quote at (t_i, s_i, q_i) with t_i = i dt, i = 0..T/dt - 1; the mid moves to s_{i+1}; fills are
 * drawn (see `fillReference`); terminal profit X_T + q_T S_T (see `terminal`). Both strategies see
 * the same mid path and, with `bernoulli` fills, the same uniforms (common random numbers).
 *
 * The options make the simulation's unstated choices explicit (spread rule, mid process, fill
 * reference, fill model, quote clamp, terminal valuation). With the defaults (stationary spread,
 * binomial mid, fills measured after the move, Bernoulli fills, no clamp, marked at S_T) every
 * symmetric-strategy cell of Tables 1-3 and all inventory-strategy cells but two reproduce within
 * 4 Monte Carlo standard errors; no combination reproduces Table 3's inventory profit (33.92;
 * the defaults give 20.95) or Table 2's inventory std(final q) (4.70; the defaults give 5.26):
 * tests/execution/market_making_paper_test.ts gives the figures of every variant tried and the
 * reasons for the defaults.
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
    midProcess = "binomial",
    fillReference = "after-move",
    fillModel = "bernoulli",
    quoteClamp = "none",
    terminal = "mark",
  } = options;
  checkPositive("gamma", gamma);
  checkPositive("dt", dt);
  checkPositive("T", T);
  checkPositive("k", k);
  checkPositive("A", A);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new RangeError(`sigma must be a finite number >= 0, got ${sigma}`);
  }
  if (!Number.isFinite(s0) || !Number.isInteger(q0)) {
    throw new RangeError(`s0 must be finite and q0 an integer, got ${s0}, ${q0}`);
  }
  if (!(Number.isInteger(paths) && paths >= 2)) {
    throw new RangeError(`paths must be an integer >= 2, got ${paths}`);
  }
  checkChoice("spreadRule", spreadRule, ["stationary", "full"]);
  checkChoice("midProcess", midProcess, ["binomial", "gaussian"]);
  checkChoice("fillReference", fillReference, ["after-move", "quote-mid"]);
  checkChoice("fillModel", fillModel, ["bernoulli", "poisson"]);
  checkChoice("quoteClamp", quoteClamp, ["none", "mid"]);
  checkChoice("terminal", terminal, ["mark", "cross-half-spread"]);
  const steps = Math.round(T / dt);
  if (steps < 1 || Math.abs(steps * dt - T) > 1e-9 * T) {
    throw new RangeError(`T / dt must be a positive integer, got T ${T}, dt ${dt}`);
  }
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
  const stationary = optimalSpread(gamma, sigma, 0, k);
  const poisson = fillModel === "poisson";
  /** Fills of one quote at distance delta from the reference mid, given a uniform. */
  const fills = (delta: number, u: number): number => {
    const mean = arrivalIntensity(delta, A, k) * dt;
    if (!poisson) return u < mean ? 1 : 0;
    if (!Number.isFinite(mean)) {
      throw new RangeError(
        `Poisson fill intensity overflows at quote distance ${delta}; use quoteClamp "mid"`,
      );
    }
    return rng.poisson(mean);
  };
  for (let path = 0; path < paths; path++) {
    let s = s0;
    let qi = q0, xi = 0, qs = q0, xs = 0;
    for (let i = 0; i < steps; i++) {
      const tau = T - i * dt;
      const quotes = avellanedaStoikovQuotes(s, qi, tau, p);
      const spread = spreadRule === "stationary" ? stationary : quotes.spread;
      let bid = quotes.reservation - spread / 2, ask = quotes.reservation + spread / 2;
      if (quoteClamp === "mid") {
        bid = Math.min(bid, s);
        ask = Math.max(ask, s);
      }
      const symBid = s - spread / 2, symAsk = s + spread / 2;
      if (path === 0) {
        sample.t[i] = i * dt;
        sample.mid[i] = s;
        sample.bid[i] = bid;
        sample.ask[i] = ask;
        sample.q[i] = qi;
      }
      invSpread += ask - bid;
      symSpread += spread;
      const quoteMid = s;
      s += midProcess === "binomial" ? (rng.uniform() < 0.5 ? jump : -jump) : jump * rng.normal();
      const ref = fillReference === "after-move" ? s : quoteMid;
      const uBid = rng.uniform(), uAsk = rng.uniform();
      const nbI = fills(ref - bid, uBid), naI = fills(ask - ref, uAsk);
      qi += nbI - naI;
      xi += naI * ask - nbI * bid;
      const nbS = fills(ref - symBid, uBid), naS = fills(symAsk - ref, uAsk);
      qs += nbS - naS;
      xs += naS * symAsk - nbS * symBid;
    }
    if (path === 0) {
      sample.t[steps] = steps * dt;
      sample.mid[steps] = s;
      sample.q[steps] = qi;
    }
    const cost = terminal === "mark" ? 0 : stationary / 2;
    invProfit[path] = xi + qi * s - Math.abs(qi) * cost;
    invQ[path] = qi;
    symProfit[path] = xs + qs * s - Math.abs(qs) * cost;
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
