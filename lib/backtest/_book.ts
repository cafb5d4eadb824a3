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
import type { MarketEstimates } from "./_estimates.ts";
import type { BarPanel } from "./panel.ts";

/** Per-bar cost and trading series (USD). */
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
  private readonly nBars: number;
  private readonly capOn: boolean;

  constructor(
    private readonly panel: BarPanel,
    private readonly model: ResolvedCostModel,
    private readonly est: MarketEstimates,
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
  }

  /** New trading day: participation allowance restarts. */
  newDay(): void {
    this.used.fill(0);
  }

  /**
   * Fill as much of `desired` (signed shares) of symbol s at `price` on bar t as the
   * participation cap, lot size and estimates allow; returns the filled quantity.
   */
  fill(s: number, t: number, desired: number, price: number): number {
    const i = s * this.nBars + t;
    const m = this.model;
    let q = desired;
    const adv = this.est.adv[i]!;
    if (this.capOn) {
      // the rule of capQuantity, inlined to avoid an options object per fill
      const room = Math.max(0, m.participationCap * (adv > 0 ? adv : 0) - this.used[s]!);
      const a = Math.min(Math.abs(q), room);
      q = q > 0 ? a : -a;
    }
    q = roundLot(q, m.lotSize);
    if (q === 0) return 0;
    const sigma = this.est.sigma[i]!;
    if (m.impactCoef > 0 && !(sigma >= 0)) return 0; // no volatility estimate yet: cannot price impact
    const bid = this.panel.bid ? this.panel.bid[i]! : NaN;
    const ask = this.panel.ask ? this.panel.ask[i]! : NaN;
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
