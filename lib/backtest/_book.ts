/**
 * Cash and positions bookkeeping shared by the event-driven and vectorised engines, so both
 * apply the participation cap, lot rounding, costs and borrow fees with the same arithmetic in
 * the same order (the engines agree to the cent by construction of this one code path, and the
 * agreement test checks the bookkeeping around it).
 */

import { CALENDAR_DAYS_PER_YEAR, MS_PER_DAY } from "../core/mod.ts";
import {
  type FillCost,
  fillCostScalar,
  type ResolvedCostModel,
  roundLot,
} from "../execution/mod.ts";
import { EstimateCursor, type MarketEstimates } from "./_estimates.ts";
import { financedQty } from "./_financing.ts";
import type { BarPanel } from "./panel.ts";

/**
 * Why an order ended without being filled in full (counted in `BacktestResult.orders`):
 * - `no_volume_history`: the participation cap is on and no session with volume is known yet;
 * - `participation_cap`: the day's share of ADV was used up;
 * - `lot_rounding`: what was left is less than one lot;
 * - `no_volatility_estimate`: impact is on and fewer than two daily returns are known;
 * - `no_price`: the symbol had no bar (no open and no close) on the bars the order could fill;
 * - `price_not_reached`: a limit or stop price was never reached;
 * - `cancelled_before_eligible`: cancelled (or replaced) before its first eligible bar;
 * - `not_eligible_before_end`: the run ended before its first eligible bar (e.g. a signal at the last bar);
 * - `delisted`: the symbol was delisted with the order pending;
 * - `day_order_expired`: a day limit/stop order whose day ended;
 * - `leverage_limit`: the fill would have taken gross exposure above the run's
 *   `maxGrossLeverage` x equity (for a long-only book: cash below zero); what fits was filled,
 *   the rest cancelled (never carried to a later bar);
 * - `data_ended`: the symbol's bars ended before the panel's (its position was closed at its
 *   last close, a "data_end" fill), with the order pending.
 */
export type UnfilledReason =
  | "no_volume_history"
  | "participation_cap"
  | "lot_rounding"
  | "no_volatility_estimate"
  | "no_price"
  | "price_not_reached"
  | "cancelled_before_eligible"
  | "not_eligible_before_end"
  | "delisted"
  | "day_order_expired"
  | "leverage_limit"
  | "data_ended";

/** Per-bar cost and trading series (in the panel's currency). */
export interface CostSeries {
  commission: Float64Array;
  fees: Float64Array;
  spread: Float64Array;
  impact: Float64Array;
  borrow: Float64Array;
  /** Sum of |qty| * price traded in the bar. */
  traded: Float64Array;
}

/** Totals over the run (USD). */
export interface CostTotals {
  commission: number;
  fees: number;
  spread: number;
  impact: number;
  borrow: number;
  traded: number;
}

export function newCostSeries(nBars: number): CostSeries {
  return {
    commission: new Float64Array(nBars),
    fees: new Float64Array(nBars),
    spread: new Float64Array(nBars),
    impact: new Float64Array(nBars),
    borrow: new Float64Array(nBars),
    traded: new Float64Array(nBars),
  };
}

export class Book {
  cash: number;
  readonly pos: Float64Array;
  readonly used: Float64Array;
  readonly lastClose: Float64Array;
  readonly series: CostSeries | undefined;
  readonly totals: CostTotals = {
    commission: 0,
    fees: 0,
    spread: 0,
    impact: 0,
    borrow: 0,
    traded: 0,
  };
  /** Costs of the last fill. */
  readonly last: FillCost = { commission: 0, fees: 0, spread: 0, impact: 0 };
  /**
   * Why the last {@link Book.fill} filled less than asked ("" when it filled everything):
   * `no_volume_history` (participation cap on, no completed session with volume yet),
   * `participation_cap` (the day's allowance is used up), `lot_rounding` (less than one lot),
   * `no_volatility_estimate` (impact on, fewer than two daily returns known).
   */
  lastBlock: UnfilledReason | "" = "";
  /**
   * Largest gross exposure a fill may leave, as a multiple of equity (see {@link Book.fill});
   * Infinity (the default) checks nothing.
   */
  maxGross = Infinity;
  /** Whether the last {@link Book.fill} was cut by `maxGross` (`lastBlock` is then "leverage_limit"). */
  lastCut = false;
  private readonly nBars: number;
  private readonly capOn: boolean;
  /** Set when the estimates come from a cursor (sought at each fill) instead of arrays. */
  private readonly cursor: EstimateCursor | undefined;

  constructor(
    private readonly panel: BarPanel,
    private readonly model: ResolvedCostModel,
    private readonly est: MarketEstimates | EstimateCursor,
    initialCash: number,
    perBar: boolean,
  ) {
    const nSym = panel.symbols.length;
    this.nBars = panel.tsMs.length;
    this.cash = initialCash;
    this.pos = new Float64Array(nSym);
    this.used = new Float64Array(nSym);
    this.lastClose = new Float64Array(nSym).fill(NaN);
    this.series = perBar ? newCostSeries(this.nBars) : undefined;
    this.capOn = model.participationCap !== Infinity;
    this.cursor = est instanceof EstimateCursor ? est : undefined;
  }

  /** New trading day: participation allowance restarts. */
  newDay(): void {
    this.used.fill(0);
  }

  /**
   * Fill as much of `desired` (signed shares) of symbol s at `price` on bar t as the
   * participation cap, lot size, estimates and the leverage limit allow; returns the filled
   * quantity.
   *
   * Leverage limit (when `maxGross` is finite): a fill that raises |position| of s may leave at
   * most G_other + |P + q| x price <= maxGross x (E - cost(q)), where E = cash + sum of the other
   * positions at their last close + P x price (equity before the fill), G_other = sum of
   * |position x last close| of the other symbols, P the position of s and cost(q) the fill's
   * commission, fees, spread and impact. For a long-only book with maxGross 1 this is exactly
   * "cash never goes below zero". q is cut to the largest lot multiple that satisfies it
   * (`lastCut`, `lastBlock` "leverage_limit"); fills that reduce |position| are never cut.
   */
  fill(s: number, t: number, desired: number, price: number): number {
    const i = s * this.nBars + t;
    const m = this.model;
    let q = desired;
    let adv: number, sigma: number;
    const cur = this.cursor;
    if (cur !== undefined) {
      cur.seek(s, t);
      adv = cur.adv;
      sigma = cur.sigma;
    } else {
      const est = this.est as MarketEstimates;
      adv = est.adv[i]!;
      sigma = est.sigma[i]!;
    }
    this.lastBlock = "";
    this.lastCut = false;
    if (this.capOn) {
      // the rule of capQuantity, inlined to avoid an options object per fill
      const room = Math.max(0, m.participationCap * (adv > 0 ? adv : 0) - this.used[s]!);
      const a = Math.min(Math.abs(q), room);
      if (a < Math.abs(q)) {
        this.lastBlock = Number.isNaN(adv) ? "no_volume_history" : "participation_cap";
      }
      q = q > 0 ? a : -a;
    }
    q = roundLot(q, m.lotSize);
    if (q === 0) {
      if (this.lastBlock === "") this.lastBlock = "lot_rounding";
      return 0;
    }
    if (m.impactCoef > 0 && !(sigma >= 0)) {
      this.lastBlock = "no_volatility_estimate"; // cannot price impact yet
      return 0;
    }
    const bid = this.panel.bid ? this.panel.bid[i]! : NaN;
    const ask = this.panel.ask ? this.panel.ask[i]! : NaN;
    if (this.maxGross !== Infinity) {
      const P = this.pos[s]!;
      if (Math.abs(P + q) > Math.abs(P)) {
        const cut = this.financed(s, q, price, sigma, adv, bid, ask);
        if (cut !== q) {
          this.lastCut = true;
          this.lastBlock = "leverage_limit";
          q = cut;
          if (q === 0) return 0;
        }
      }
    }
    const c = fillCostScalar(this.last, q, price, m, sigma, adv, bid, ask);
    const notional = Math.abs(q) * price;
    this.cash -= q * price;
    this.cash -= c.commission + c.fees + c.spread + c.impact;
    this.pos[s] = this.pos[s]! + q;
    this.used[s] = this.used[s]! + Math.abs(q);
    const tot = this.totals;
    tot.commission += c.commission;
    tot.fees += c.fees;
    tot.spread += c.spread;
    tot.impact += c.impact;
    tot.traded += notional;
    const se = this.series;
    if (se) {
      se.commission[t] = se.commission[t]! + c.commission;
      se.fees[t] = se.fees[t]! + c.fees;
      se.spread[t] = se.spread[t]! + c.spread;
      se.impact[t] = se.impact[t]! + c.impact;
      se.traded[t] = se.traded[t]! + notional;
    }
    return q;
  }

  /**
   * The largest part of fill q (toward zero, whole lots) that the leverage limit allows: E and
   * G_other from this book, the rule in {@link financedQty} (shared with the vectorised engine).
   */
  private financed(
    s: number,
    q: number,
    price: number,
    sigma: number,
    adv: number,
    bid: number,
    ask: number,
  ): number {
    const pos = this.pos, lc = this.lastClose;
    let gOther = 0, eq = this.cash;
    for (let k = 0; k < pos.length; k++) {
      const v = pos[k]!;
      if (v === 0 || k === s) continue;
      const px = lc[k]!;
      if (!(px > 0)) continue; // no close known yet: nothing to value it at
      eq += v * px;
      gOther += Math.abs(v * px);
    }
    const P = pos[s]!;
    eq += P * price;
    return financedQty(
      q,
      P,
      price,
      eq,
      gOther,
      this.maxGross,
      this.model,
      sigma,
      adv,
      bid,
      ask,
      this.last,
    );
  }

  /**
   * Close symbol s's position at `price` without costs (a delisting or a data end): cash +=
   * position x price, position 0. Returns the quantity that was held.
   */
  closePosition(s: number, price: number): number {
    const q = this.pos[s]!;
    if (q !== 0) {
      this.cash += q * price;
      this.pos[s] = 0;
    }
    return q;
  }

  /**
   * Borrow fee at the start of bar t (t > 0) on shorts held since the previous bar:
   * rate * |pos| * last close * (ts[t] - ts[t-1]) / 1 day / 365.
   */
  chargeBorrow(t: number): void {
    const rate = this.model.borrowRateAnnual;
    if (rate === 0 || t === 0) return;
    const years = (this.panel.tsMs[t]! - this.panel.tsMs[t - 1]!) / MS_PER_DAY /
      CALENDAR_DAYS_PER_YEAR;
    let fee = 0;
    const pos = this.pos;
    for (let s = 0; s < pos.length; s++) {
      const q = pos[s]!;
      if (q < 0) {
        const px = this.lastClose[s]!;
        if (px > 0) fee += rate * -q * px * years;
      }
    }
    if (fee === 0) return;
    this.cash -= fee;
    this.totals.borrow += fee;
    if (this.series) this.series.borrow[t] = this.series.borrow[t]! + fee;
  }

  /** Update last closes from bar t; returns equity, gross and net exposure at the close. */
  mark(t: number, out: { equity: number; gross: number; net: number }): void {
    const nBars = this.nBars;
    const close = this.panel.close;
    let net = 0;
    let gross = 0;
    const pos = this.pos;
    const lc = this.lastClose;
    for (let s = 0; s < pos.length; s++) {
      const c = close[s * nBars + t]!;
      if (c > 0) lc[s] = c;
      const q = pos[s]!;
      if (q !== 0) {
        const v = q * lc[s]!;
        net += v;
        gross += Math.abs(v);
      }
    }
    out.equity = this.cash + net;
    out.gross = gross;
    out.net = net;
  }
}
