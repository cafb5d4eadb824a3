/**
 * Financing and data-end rules shared by the event engine ({@link runBacktest}, through
 * `Book.fill`) and the vectorised engine (`backtestVectorized` / `sweepVectorized`), so both
 * cut a fill to the leverage limit, find where a symbol's data ends and measure peak gross
 * leverage with one implementation (same arithmetic, same order).
 *
 * - Leverage limit (`maxGrossLeverage`, m): a fill q of symbol s that raises |position| may
 *   leave G_other + |P + q| x price <= m x (E - cost(q)), with E = equity before the fill
 *   (cash + other positions at their last close + P x price), G_other = sum of |position x last
 *   close| of the other symbols, P the position of s, cost(q) the fill's commission, fees, spread
 *   and impact. q is cut (toward zero, whole lots) to the largest quantity that satisfies it
 *   ({@link financedQty}); the engines cancel the rest of the order.
 * - Data end: a symbol's last bar is its last bar with a close > 0 ({@link lastCloseBars}); when
 *   it comes before the panel's last bar, the position is closed at that close (a `data_end`
 *   fill tagged {@link DATA_END_TAG}, no costs) and no order is taken for it afterwards.
 *
 * @module
 */

import {
  type FillCost,
  fillCostScalar,
  type ResolvedCostModel,
  roundLot,
} from "../execution/mod.ts";
import type { BarPanel } from "./panel.ts";

/** Tag of the fill that closes a position at the end of its symbol's data. */
export const DATA_END_TAG = "data ended";

/**
 * Validate `maxGrossLeverage` (library default: Infinity, no limit).
 * @throws RangeError unless it is > 0 (Infinity allowed).
 */
export function resolveMaxGross(x: number | undefined): number {
  const m = x ?? Infinity;
  if (!(m > 0)) {
    throw new RangeError(`maxGrossLeverage must be > 0 (Infinity for no limit), got ${m}`);
  }
  return m;
}

/**
 * Per symbol, the last bar with a close > 0 (-1 when it has none). A symbol with
 * `lastBar < nBars - 1` has its position closed at that close (data end, module doc).
 *
 * @example
 * ```ts
 * lastCloseBars(panel)[s] === panel.tsMs.length - 1; // s trades to the end of the panel
 * ```
 */
export function lastCloseBars(panel: BarPanel): Int32Array {
  const nSym = panel.symbols.length, nBars = panel.tsMs.length;
  const lastBar = new Int32Array(nSym).fill(-1);
  for (let s = 0; s < nSym; s++) {
    for (let u = nBars - 1; u >= 0; u--) {
      if (panel.close[s * nBars + u]! > 0) {
        lastBar[s] = u;
        break;
      }
    }
  }
  return lastBar;
}

/**
 * The largest part of fill q (toward zero, whole lots) that the leverage limit allows (module
 * doc): q itself when it fits. On P's side of zero |P + x| may reach max(room, |P|), where
 * room = (m x E - G_other) / price (a position already above the limit after price moves is not
 * cut back); across zero up to room; closing P is never cut. Starting from that cost-free
 * bound, x steps down by the excess (in shares, at least one lot) until the costs fit too.
 * Tolerance: an excess up to 1e-9 x max(1, |E|) counts as fitting.
 *
 * `eq` is E and `gOther` is G_other, computed by the caller; `sigma`, `adv`, `bid`, `ask` are
 * the fill's cost inputs (as for {@link fillCostScalar}), `scratch` its output buffer.
 */
export function financedQty(
  q: number,
  P: number,
  price: number,
  eq: number,
  gOther: number,
  maxGross: number,
  m: ResolvedCostModel,
  sigma: number,
  adv: number,
  bid: number,
  ask: number,
  scratch: FillCost,
): number {
  const excess = (x: number) => {
    const c = x === 0 ? null : fillCostScalar(scratch, x, price, m, sigma, adv, bid, ask);
    const cost = c ? c.commission + c.fees + c.spread + c.impact : 0;
    return gOther + Math.abs(P + x) * price - maxGross * (eq - cost);
  };
  const tol = 1e-9 * Math.max(1, Math.abs(eq));
  if (excess(q) <= tol) return q;
  // largest |P + q| ignoring costs, then step down by lots until the costs fit too
  const room = Math.max(0, (maxGross * eq - gOther) / price);
  const dir = Math.sign(q);
  const X = P + q;
  const most = Math.sign(X) === Math.sign(P) ? Math.max(room, Math.abs(P)) : room;
  // closing P is never cut: across zero the fill keeps at least -P
  const least = P !== 0 && Math.sign(X) !== Math.sign(P) ? -P : 0;
  let x = roundLot(Math.sign(X) * Math.min(Math.abs(X), most) - P, m.lotSize);
  if (Math.sign(x) !== dir || Math.abs(x) < Math.abs(least)) x = least;
  const lot = m.lotSize > 0 ? m.lotSize : 0;
  for (let k = 0; k < 64 && Math.abs(x) > Math.abs(least); k++) {
    const e = excess(x);
    if (e <= tol) return x;
    // step down by the excess in shares (at least one lot)
    const step = lot > 0
      ? Math.max(lot, Math.ceil(e / price / lot - 1e-9) * lot)
      : (e / price) * (1 + 1e-12);
    x = Math.abs(x) - step <= Math.abs(least) ? least : roundLot(x - dir * step, m.lotSize);
  }
  return Math.abs(x) > Math.abs(least) && excess(x) > tol ? least : x;
}

/**
 * Peak gross leverage over the closes: max over bars of gross[t] / equity[t], bars with gross 0
 * skipped; Infinity at a bar where equity <= 0 while holding. `peakBar` -1 and `peakGross` 0
 * when nothing was held.
 *
 * @example
 * ```ts
 * peakGrossLeverage(Float64Array.of(0, 150), Float64Array.of(100, 100)); // { peakGross: 1.5, peakBar: 1 }
 * ```
 */
export function peakGrossLeverage(
  gross: Float64Array,
  equity: Float64Array,
): { peakGross: number; peakBar: number } {
  let peakGross = 0, peakBar = -1;
  for (let u = 0; u < gross.length; u++) {
    if (gross[u] === 0) continue;
    const lev = equity[u]! > 0 ? gross[u]! / equity[u]! : Infinity;
    if (lev > peakGross) {
      peakGross = lev;
      peakBar = u;
    }
  }
  return { peakGross, peakBar };
}
