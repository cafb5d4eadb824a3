/**
 * Trailing market estimates known before each bar, shared by both engines: ADV (mean daily
 * volume over the last `advWindow` completed days the symbol traded) and sigma (sample stdev,
 * ddof 1, of the last `volWindow` daily close-to-close simple returns). Both use only days
 * strictly before the bar's day. Fewer than 1 day gives ADV NaN; fewer than 2 returns sigma NaN.
 * A day traded (a bar with an open or a close) enters the returns; it enters the ADV only when
 * every bar of it has a known (finite) volume, so unknown volume never counts as zero.
 *
 * Computed once per panel in one pass per symbol, O(1) per day: ADV = S / n with S the running
 * sum of the window's daily volumes (exact, so equal to the summed window, while every volume
 * in the window is a whole number and S < 2^53; otherwise the window is summed oldest first);
 * sigma = sqrt(M2 / (n - 1)) with the window's mean and M2 = sum (r - mean)^2 updated by
 * Welford's step (add the new return, remove the oldest), and recomputed two-pass from the
 * window each time the window has turned over, so rounding cannot build up over a long panel.
 *
 * @see Welford, B. P. (1962). Note on a method for calculating corrected sums of squares and
 *      products. Technometrics 4(3), 419-420. doi:10.1080/00401706.1962.10490022
 * @example
 * ```ts
 * const est = marketEstimates(panel, 20, 20);
 * est.adv[s * nBars + t]; // shares per day known before bar t
 * ```
 */

import type { BarPanel } from "./panel.ts";
import { panelDays, panelShape } from "./panel.ts";

export interface MarketEstimates {
  /** ADV in shares known at bar t (symbol-major like the panel). */
  adv: Float64Array;
  /** Daily return volatility (fraction) known at bar t. */
  sigma: Float64Array;
}

/** Largest S for which integer sums stay exact in a double. */
const EXACT_INT_SUM = 2 ** 53;

export function marketEstimates(
  p: BarPanel,
  advWindow: number,
  volWindow: number,
): MarketEstimates {
  for (const [k, w] of [["advWindow", advWindow], ["volWindow", volWindow]] as const) {
    if (!(Number.isInteger(w) && w >= 1)) {
      throw new RangeError(`marketEstimates: ${k} must be an integer >= 1, got ${w}`);
    }
  }
  const { nSym, nBars } = panelShape(p);
  const day = panelDays(p);
  const open = p.open, close = p.close, volume = p.volume;
  // every entry is written below, so no NaN prefill
  const adv = new Float64Array(nSym * nBars);
  const sigma = new Float64Array(nSym * nBars);
  const volRing = new Float64Array(advWindow); // the window's daily volumes, oldest at vHead
  const retRing = new Float64Array(volWindow); // the window's returns, oldest at rHead
  for (let s = 0; s < nSym; s++) {
    const base = s * nBars;
    let nv = 0, vHead = 0, vSum = 0, vNonInt = 0, vSumExact = true;
    let nr = 0, rHead = 0, mean = 0, m2 = 0;
    let prevDayClose = NaN;
    let curDay = nBars > 0 ? day[0]! - 1 : 0; // differs from the first day
    let curVol = 0;
    let curClose = NaN;
    let curTraded = false;
    let curVolKnown = true;
    let advNow = NaN;
    let sigNow = NaN;
    for (let t = 0; t < nBars; t++) {
      const d = day[t]!;
      if (d !== curDay) {
        // the day before has ended: fold it into the windows
        if (curTraded) {
          if (curVolKnown) {
            const x = curVol;
            if (nv < advWindow) {
              volRing[(vHead + nv) % advWindow] = x;
              nv++;
              vSum += x;
            } else {
              const old = volRing[vHead]!;
              volRing[vHead] = x;
              vHead = vHead + 1 === advWindow ? 0 : vHead + 1;
              vSum += x - old;
              if (!Number.isInteger(old)) vNonInt--;
            }
            if (!Number.isInteger(x)) vNonInt++;
            if (vNonInt === 0 && vSumExact && vSum < EXACT_INT_SUM) advNow = vSum / nv;
            else {
              // not exact as a running sum: sum the window oldest first
              let sv = 0;
              for (let k = 0; k < nv; k++) sv += volRing[(vHead + k) % advWindow]!;
              vSum = sv;
              vSumExact = vNonInt === 0 && sv < EXACT_INT_SUM;
              advNow = sv / nv;
            }
          }
          if (prevDayClose > 0 && curClose > 0) {
            const x = curClose / prevDayClose - 1;
            if (nr < volWindow) {
              retRing[(rHead + nr) % volWindow] = x;
              nr++;
              const dx = x - mean;
              mean += dx / nr;
              m2 += dx * (x - mean);
            } else {
              const y = retRing[rHead]!;
              retRing[rHead] = x;
              rHead = rHead + 1 === volWindow ? 0 : rHead + 1;
              if (rHead === 0) {
                // the window has turned over: recompute two-pass (bounds rounding drift)
                let m = 0;
                for (let k = 0; k < nr; k++) m += retRing[k]!;
                m /= nr;
                let ss = 0;
                for (let k = 0; k < nr; k++) ss += (retRing[k]! - m) ** 2;
                mean = m;
                m2 = ss;
              } else {
                const m0 = mean;
                mean += (x - y) / nr;
                m2 += (x - y) * (x - mean + y - m0);
              }
            }
            if (nr >= 2) sigNow = Math.sqrt((m2 > 0 ? m2 : 0) / (nr - 1));
          }
          prevDayClose = curClose;
        }
        curDay = d;
        curVol = 0;
        curClose = NaN;
        curTraded = false;
        curVolKnown = true;
      }
      const i = base + t;
      adv[i] = advNow;
      sigma[i] = sigNow;
      if (!Number.isNaN(open[i]!) || !Number.isNaN(close[i]!)) {
        curTraded = true;
        const v = volume[i]!;
        if (Number.isFinite(v)) curVol += v;
        else curVolKnown = false;
        curClose = close[i]!;
      }
    }
  }
  return { adv, sigma };
}
