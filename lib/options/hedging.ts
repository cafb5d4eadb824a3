/**
 * Delta-hedged P&L of an option book along a path, with re-hedging rules, transaction costs and
 * a Greek attribution.
 */
import { CALENDAR_DAYS_PER_YEAR } from "../core/mod.ts";
import { bsGreeks, bsPrice } from "./black_scholes.ts";
import { emptyOptionColumns } from "./option_columns.ts";

/** One option position of the book. */
export interface OptionLeg {
  strike: number;
  /** Expiry in years from the start of the path (same clock as `HedgePath.t`). */
  expiry: number;
  isCall: boolean;
  /** Signed quantity in units of the underlying (contracts x multiplier). */
  qty: number;
}

/** Market path the book lives on. */
export interface HedgePath {
  /** Time in years from the start, increasing (e.g. minutes / (365 * 1440) or trading days). */
  t: Float64Array;
  spot: Float64Array;
  /** Implied vol that marks the options at each step. */
  iv: Float64Array;
  /**
   * Day key per step for daily re-hedging (e.g. an NY session index from lib/time).
   * @default floor(t * 365)
   */
  day?: Int32Array;
}

/** When to re-hedge. */
export type HedgeSchedule =
  | { kind: "daily" }
  | { kind: "every"; steps: number }
  | { kind: "threshold"; delta: number };

/** Options for {@link deltaHedgePnl}. */
export interface DeltaHedgeOptions {
  /** Continuous risk-free rate (cash accrues at it). @default 0 */
  rate?: number;
  /** Continuous dividend yield of the underlying (paid on the shares held). @default 0 */
  div?: number;
  /** Re-hedging rule; step 0 always hedges. @default { kind: "daily" } */
  schedule?: HedgeSchedule;
  /** Cost of trading the underlying, basis points of traded notional. @default 0 */
  hedgeCostBps?: number;
  /** Cost per unit of option traded (paid at entry, and at exit if closed before expiry). @default 0 */
  optionCostPerUnit?: number;
  /** Vol used for the hedge ratio (e.g. a model vol); @default the path's `iv` */
  hedgeIv?: Float64Array;
}

/** P&L attribution totals (same currency as prices). */
export interface HedgeAttribution {
  /** sum 1/2 Gamma dS^2 */
  gamma: number;
  /** sum vega d(iv) */
  vega: number;
  /** sum theta dt */
  theta: number;
  /** sum (book delta + hedge) dS: the part of the move the discrete hedge left open */
  delta: number;
  /** interest on cash plus dividends on the shares held */
  financing: number;
  /** transaction costs (negative) */
  costs: number;
  /** total - everything above (higher-order terms: speed, volga, vanna, ...) */
  residual: number;
}

/** Result of {@link deltaHedgePnl}. */
export interface DeltaHedgeResult {
  /** Cumulative P&L (mark to market of options + shares + cash) at each step; pnl[0] = entry costs. */
  pnl: Float64Array;
  total: number;
  attribution: HedgeAttribution;
  /** Shares held after each step's re-hedge. */
  hedge: Float64Array;
  /** Number of re-hedge trades (steps where the share position changed). */
  trades: number;
}

/**
 * Delta-hedged P&L of an option book along a path.
 *
 * At step 0 the book is bought at the mark (plus option costs) and hedged with -delta shares;
 * cash funds everything and accrues at `rate`, shares earn the dividend yield. At each later step
 * the book is marked with Black-Scholes-Merton at the path's iv (legs past expiry settle at
 * intrinsic into cash), and the hedge is reset to -book delta when the schedule says so
 * ("daily": first step of each new `day`; "every": every N steps; "threshold": when
 * |book delta + shares| exceeds the threshold), paying `hedgeCostBps` on traded notional.
 * Per step, the Taylor attribution uses the Greeks at the start of the step (theta per year
 * times dt in years; vega per 1.00 vol times the change in iv); the residual closes the sum.
 * At the end the book is valued at the mark (option exit cost charged if any leg is still live).
 *
 * @see Carr, P., & Madan, D. (1998). Towards a theory of volatility trading, on gamma P&L
 *      1/2 Gamma S^2 (sigma_realised^2 - sigma_implied^2) dt.
 * @example
 * ```ts
 * // long 1 ATM straddle, re-hedged daily on a daily path
 * // deltaHedgePnl([{ strike: 100, expiry: 0.25, isCall: true, qty: 1 },
 * //   { strike: 100, expiry: 0.25, isCall: false, qty: 1 }], { t, spot, iv }).attribution
 * ```
 */
export function deltaHedgePnl(
  legs: readonly OptionLeg[],
  path: HedgePath,
  options: DeltaHedgeOptions = {},
): DeltaHedgeResult {
  const n = path.t.length;
  if (path.spot.length !== n || path.iv.length !== n || (path.day && path.day.length !== n)) {
    throw new RangeError("Cannot compute hedge P&L: path columns have different lengths");
  }
  if (n === 0) throw new RangeError("Cannot compute hedge P&L: empty path");
  for (let i = 0; i < n; i++) {
    if (!(path.spot[i]! > 0) || !(path.iv[i]! >= 0) || !Number.isFinite(path.t[i]!)) {
      throw new RangeError(
        `Cannot compute hedge P&L: bad path value at step ${i} (t=${path.t[i]}, spot=${
          path.spot[i]
        }, iv=${path.iv[i]})`,
      );
    }
    if (i > 0 && !(path.t[i]! > path.t[i - 1]!)) {
      throw new RangeError(`Cannot compute hedge P&L: time not increasing at step ${i}`);
    }
  }
  const r = options.rate ?? 0;
  const q = options.div ?? 0;
  const schedule = options.schedule ?? { kind: "daily" };
  const bps = (options.hedgeCostBps ?? 0) * 1e-4;
  const optCost = options.optionCostPerUnit ?? 0;
  const hedgeIv = options.hedgeIv ?? path.iv;
  const L = legs.length;
  // marks and Greeks for every (step, leg) in one vectorised call
  const o = emptyOptionColumns(n * L);
  const vol = new Float64Array(n * L);
  const hvol = new Float64Array(n * L);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      const row = i * L + j;
      const leg = legs[j]!;
      o.spot[row] = path.spot[i]!;
      o.strike[row] = leg.strike;
      o.t[row] = Math.max(0, leg.expiry - path.t[i]!);
      o.rate[row] = r;
      o.div[row] = q;
      o.isCall[row] = leg.isCall ? 1 : 0;
      vol[row] = path.iv[i]!;
      hvol[row] = hedgeIv[i]!;
    }
  }
  const price = bsPrice(o, vol);
  const g = bsGreeks(o, vol);
  const gh = hedgeIv === path.iv ? g : bsGreeks(o, hvol);
  const day = path.day ??
    Int32Array.from(path.t, (t) => Math.floor(t * CALENDAR_DAYS_PER_YEAR + 1e-9));
  const live = legs.map((l) => l.expiry > path.t[0]!);
  const pnl = new Float64Array(n);
  const hedge = new Float64Array(n);
  const att = { gamma: 0, vega: 0, theta: 0, delta: 0, financing: 0, costs: 0, residual: 0 };
  // entry
  let cash = 0;
  let bookValue = 0;
  for (let j = 0; j < L; j++) {
    if (!live[j]) continue;
    cash -= legs[j]!.qty * price[j]!;
    bookValue += legs[j]!.qty * price[j]!;
    const c = Math.abs(legs[j]!.qty) * optCost;
    cash -= c;
    att.costs -= c;
  }
  let shares = 0;
  let trades = 0;
  const bookDelta = (i: number, useHedgeVol: boolean) => {
    let d = 0;
    for (let j = 0; j < L; j++) {
      if (live[j]) d += legs[j]!.qty * (useHedgeVol ? gh : g).delta[i * L + j]!;
    }
    return d;
  };
  const rehedge = (i: number) => {
    const target = -bookDelta(i, true);
    const due = i === 0 || (schedule.kind === "daily" && day[i] !== day[i - 1]) ||
      (schedule.kind === "every" && i % Math.max(1, Math.floor(schedule.steps)) === 0) ||
      (schedule.kind === "threshold" && Math.abs(target - shares) > schedule.delta);
    if (!due || target === shares) return;
    const traded = target - shares;
    const c = Math.abs(traded) * path.spot[i]! * bps;
    cash -= traded * path.spot[i]! + c;
    att.costs -= c;
    shares = target;
    trades++;
  };
  rehedge(0);
  hedge[0] = shares;
  let mtm = bookValue + shares * path.spot[0]! + cash;
  pnl[0] = mtm;
  for (let i = 1; i < n; i++) {
    const dt = path.t[i]! - path.t[i - 1]!;
    const dS = path.spot[i]! - path.spot[i - 1]!;
    const dIv = path.iv[i]! - path.iv[i - 1]!;
    let gam = 0, veg = 0, the = 0, del = shares;
    for (let j = 0; j < L; j++) {
      if (!live[j]) continue;
      const row = (i - 1) * L + j;
      const qty = legs[j]!.qty;
      gam += qty * 0.5 * g.gamma[row]! * dS * dS;
      veg += qty * g.vega[row]! * dIv;
      the += qty * g.theta[row]! * dt;
      del += qty * g.delta[row]!;
    }
    // financing over the step
    const fin = cash * Math.expm1(r * dt) + shares * path.spot[i - 1]! * Math.expm1(q * dt);
    cash += fin;
    // settle legs that expired during the step
    bookValue = 0;
    for (let j = 0; j < L; j++) {
      if (!live[j]) continue;
      const leg = legs[j]!;
      const v = price[i * L + j]!;
      if (leg.expiry <= path.t[i]!) {
        cash += leg.qty * v; // intrinsic at expiry (t = 0 pricing)
        live[j] = false;
      } else bookValue += leg.qty * v;
    }
    const costsBefore = att.costs;
    const mtmBefore = bookValue + shares * path.spot[i]! + cash;
    const step = mtmBefore - mtm;
    att.gamma += gam;
    att.vega += veg;
    att.theta += the;
    att.delta += del * dS;
    att.financing += fin;
    att.residual += step - gam - veg - the - del * dS - fin;
    rehedge(i);
    if (i === n - 1) {
      for (let j = 0; j < L; j++) {
        if (live[j]) {
          const c = Math.abs(legs[j]!.qty) * optCost;
          cash -= c;
          att.costs -= c;
        }
      }
    }
    hedge[i] = shares;
    mtm = bookValue + shares * path.spot[i]! + cash;
    pnl[i] = pnl[i - 1]! + step + (att.costs - costsBefore);
  }
  return { pnl, total: pnl[n - 1]!, attribution: att, hedge, trades };
}
