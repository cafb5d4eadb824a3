/**
 * One cost model shared by the event-driven and vectorised engines, so both charge identical
 * costs for identical fills: commission and regulatory fees ({@link FeeSchedule}), half-spread
 * (quotes when given, else `halfSpreadBps`), square-root impact (`impactCoef * sigma *
 * sqrt(|Q|/ADV)`), a participation cap on fills, and a short borrow fee.
 */

import { commission, type FeeSchedule, regulatoryFees, ZERO_FEES } from "./fees.ts";
import type { RemainderRule } from "./participation.ts";

/** Execution cost settings. */
export interface CostModel {
  /** Commission and fee schedule. @default ZERO_FEES */
  fees?: Readonly<FeeSchedule>;
  /** Half-spread in basis points of price when no quote is available. @default 0 */
  halfSpreadBps?: number;
  /** Coefficient c of the square-root impact; 0 disables impact. @default 0 */
  impactCoef?: number;
  /** Maximum fraction of ADV traded per symbol per day; Infinity disables. @default 0.1 */
  participationCap?: number;
  /** Fate of the part of an order the participation cap refused (event engine). @default "carry" */
  remainder?: RemainderRule;
  /** Annual borrow fee on the market value of short positions (0.01 = 1%/yr, ACT/365). @default 0 */
  borrowRateAnnual?: number;
  /** Trailing days in the ADV estimate. @default 20 */
  advWindow?: number;
  /** Trailing daily returns in the volatility estimate. @default 20 */
  volWindow?: number;
  /** Fills are rounded toward zero to a multiple of this many shares; 0 = fractional. @default 1 */
  lotSize?: number;
}

/** A cost model with every default filled in. */
export type ResolvedCostModel = Required<CostModel>;

/** Fill in defaults and check ranges. */
export function resolveCostModel(m: CostModel = {}): ResolvedCostModel {
  const r: ResolvedCostModel = {
    fees: m.fees ?? ZERO_FEES,
    halfSpreadBps: m.halfSpreadBps ?? 0,
    impactCoef: m.impactCoef ?? 0,
    participationCap: m.participationCap ?? 0.1,
    remainder: m.remainder ?? "carry",
    borrowRateAnnual: m.borrowRateAnnual ?? 0,
    advWindow: m.advWindow ?? 20,
    volWindow: m.volWindow ?? 20,
    lotSize: m.lotSize ?? 1,
  };
  for (
    const k of ["halfSpreadBps", "impactCoef", "participationCap", "borrowRateAnnual"] as const
  ) {
    if (!(r[k] >= 0)) throw new RangeError(`Cost model ${k} must be >= 0, got ${r[k]}`);
  }
  for (const k of ["advWindow", "volWindow"] as const) {
    if (!(Number.isInteger(r[k]) && r[k] >= 1)) {
      throw new RangeError(`Cost model ${k} must be an integer >= 1, got ${r[k]}`);
    }
  }
  if (!(r.lotSize >= 0)) throw new RangeError(`Cost model lotSize must be >= 0, got ${r.lotSize}`);
  return r;
}

/**
 * The settings of a cost model that need the instrument's traded volume: the participation cap
 * (a share of ADV) and square-root impact (which divides by ADV). Empty for a spread-only model
 * (`participationCap: Infinity`, `impactCoef: 0`), which instruments without volume (FX closes,
 * index levels) can use.
 *
 * @example
 * ```ts
 * volumeNeeds({ participationCap: 0.1 }); // ["a participation cap (costs.participationCap = 0.1)"]
 * volumeNeeds(spreadOnlyCosts(2)); // []
 * ```
 */
export function volumeNeeds(m: CostModel = {}): string[] {
  const r = resolveCostModel(m);
  const needs: string[] = [];
  if (r.participationCap !== Infinity) {
    needs.push(`a participation cap (costs.participationCap = ${r.participationCap})`);
  }
  if (r.impactCoef > 0) needs.push(`square-root impact (costs.impactCoef = ${r.impactCoef})`);
  return needs;
}

/**
 * A spread-only cost model: half-spread (quotes when given, else `halfSpreadBps`) and an optional
 * borrow fee; no commission, no impact, no participation cap, so it needs no volume.
 *
 * @example
 * ```ts
 * spreadOnlyCosts(2); // { fees: ZERO_FEES, halfSpreadBps: 2, impactCoef: 0, participationCap: Infinity, ... }
 * ```
 */
export function spreadOnlyCosts(
  halfSpreadBps: number,
  o: { borrowRateAnnual?: number; lotSize?: number } = {},
): CostModel {
  return {
    fees: ZERO_FEES,
    halfSpreadBps,
    impactCoef: 0,
    participationCap: Infinity,
    borrowRateAnnual: o.borrowRateAnnual ?? 0,
    lotSize: o.lotSize ?? 1,
  };
}

/** Costs of one fill in USD, each >= 0. */
export interface FillCost {
  commission: number;
  fees: number;
  spread: number;
  impact: number;
}

/** Market state at the fill: trailing daily vol (fraction), ADV (shares), optional quote. */
export interface FillMarket {
  sigma: number;
  adv: number;
  bid?: number;
  ask?: number;
}

/**
 * Costs of filling `qty` shares (signed) at `price`, written into `out` (allocation-free for the
 * hot loops). Impact uses the trailing estimates in `mkt`; a NaN sigma with impact enabled gives
 * NaN impact (callers must not fill without an estimate).
 */
export function fillCostInto(
  out: FillCost,
  qty: number,
  price: number,
  m: ResolvedCostModel,
  mkt: FillMarket,
): FillCost {
  return fillCostScalar(out, qty, price, m, mkt.sigma, mkt.adv, mkt.bid ?? NaN, mkt.ask ?? NaN);
}

/**
 * {@link fillCostInto} with the market state as scalars: no allocation, for the engines' hot
 * loops. The arithmetic is that of `commission`, `regulatoryFees`, `halfSpreadCost` and
 * `sqrtImpactCost` (tests check they agree).
 */
export function fillCostScalar(
  out: FillCost,
  qty: number,
  price: number,
  m: ResolvedCostModel,
  sigma: number,
  adv: number,
  bid: number,
  ask: number,
): FillCost {
  const n = Math.abs(qty);
  out.commission = commission(qty, price, m.fees);
  out.fees = qty < 0 ? regulatoryFees(qty, price, m.fees) : 0;
  if (n === 0) out.spread = 0;
  else if (ask >= bid) out.spread = (n * (ask - bid)) / 2;
  else out.spread = (n * price * m.halfSpreadBps) / 1e4;
  if (m.impactCoef > 0 && n !== 0) {
    out.impact = adv > 0 ? m.impactCoef * sigma * Math.sqrt(n / adv) * n * price : Infinity;
  } else out.impact = 0;
  return out;
}

/** Costs of one fill (allocating form of {@link fillCostInto}). */
export function fillCost(
  qty: number,
  price: number,
  m: ResolvedCostModel,
  mkt: FillMarket,
): FillCost {
  return fillCostInto({ commission: 0, fees: 0, spread: 0, impact: 0 }, qty, price, m, mkt);
}

/** Round a signed quantity toward zero to a multiple of `lot` (lot 0 = no rounding). */
export function roundLot(qty: number, lot: number): number {
  if (lot <= 0) return qty;
  const n = Math.trunc(Math.abs(qty) / lot + 1e-9) * lot;
  return qty < 0 ? -n : n;
}
