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
 * {@link marketEstimates} writes them for every bar; {@link EstimateCursor} gives them on demand
 * for one symbol at a time (the event engine asks only at fill attempts, so it never writes the
 * two symbol x bar arrays); both run the same step, so they agree exactly.
 *
 * @example
 * ```ts
 * const est = marketEstimates(panel, 20, 20);
 * est.adv[s * nBars + t]; // shares per day known before bar t
 * const cur = new EstimateCursor(panel, 20, 20);
 * cur.seek(s, t); // cur.adv, cur.sigma: the same values
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

/**
 * Trailing ADV and sigma of one symbol at a time, advanced on demand: {@link seek}(s, t) moves
 * symbol s forward to bar t (bars must be asked in non-decreasing order per symbol) in O(bars
 * advanced), keeping each symbol's windows between calls.
 */
export class EstimateCursor {
  /** ADV (shares per day) known at the last bar sought. */
  adv = NaN;
  /** Daily return volatility known at the last bar sought. */
  sigma = NaN;
  readonly #p: BarPanel;
  readonly #nBars: number;
  readonly #day: Int32Array;
  readonly #aw: number;
  readonly #vw: number;
  /** Per symbol: next bar to process. */
  readonly #next: Int32Array;
  /** Per symbol state, struct of arrays (see {@link EstimateCursor.advance}). */
  readonly #f: Float64Array;
  readonly #volRing: Float64Array;
  readonly #retRing: Float64Array;

  constructor(p: BarPanel, advWindow: number, volWindow: number) {
    for (const [k, w] of [["advWindow", advWindow], ["volWindow", volWindow]] as const) {
      if (!(Number.isInteger(w) && w >= 1)) {
        throw new RangeError(`Market estimates: ${k} must be an integer >= 1, got ${w}`);
      }
    }
    const { nSym, nBars } = panelShape(p);
    this.#p = p;
    this.#nBars = nBars;
    this.#day = panelDays(p);
    this.#aw = advWindow;
    this.#vw = volWindow;
    this.#next = new Int32Array(nSym);
    this.#f = new Float64Array(nSym * F_COUNT);
    const first = nBars > 0 ? this.#day[0]! - 1 : 0; // a day before the first
    for (let s = 0; s < nSym; s++) {
      const f = s * F_COUNT;
      this.#f[f + F_V_EXACT] = 1;
      this.#f[f + F_PREV_CLOSE] = NaN;
      this.#f[f + F_CUR_DAY] = first;
      this.#f[f + F_CUR_CLOSE] = NaN;
      this.#f[f + F_CUR_VOL_KNOWN] = 1;
    }
    this.#volRing = new Float64Array(nSym * advWindow);
    this.#retRing = new Float64Array(nSym * volWindow);
  }

  /** Set {@link adv} and {@link sigma} to symbol s's estimates known at bar t. */
  seek(s: number, t: number): void {
    if (t >= this.#next[s]!) this.advance(s, t + 1);
    else if (t < this.#next[s]! - 1) {
      throw new RangeError(
        `EstimateCursor: symbol ${s} is at bar ${this.#next[s]! - 1}, cannot go back to ${t}`,
      );
    }
    // ADV = S / n and sigma from (n, M2), the values the fold would have stored (0 / 0 = NaN
    // before the first day; NaN sigma before the second return)
    const F = this.#f, f = s * F_COUNT;
    this.adv = F[f + F_V_SUM]! / F[f + F_NV]!;
    const nr = F[f + F_NR]!, m2 = F[f + F_M2]!;
    this.sigma = nr >= 2 ? Math.sqrt((m2 > 0 ? m2 : 0) / (nr - 1)) : NaN;
  }

  /**
   * Process symbol s's bars up to `end` (exclusive); with `outAdv`/`outSigma`, write the
   * estimates of each processed bar t at index s * nBars + t.
   */
  advance(s: number, end: number, outAdv?: Float64Array, outSigma?: Float64Array): void {
    const nBars = this.#nBars;
    const day = this.#day;
    const { open, close, volume } = this.#p;
    const aw = this.#aw, vw = this.#vw;
    const volRing = this.#volRing, retRing = this.#retRing;
    const vo = s * aw, ro = s * vw;
    const F = this.#f, f = s * F_COUNT;
    let nv = F[f + F_NV]!, vHead = F[f + F_V_HEAD]!, vSum = F[f + F_V_SUM]!;
    let vNonInt = F[f + F_V_NONINT]!, vSumExact = F[f + F_V_EXACT] === 1;
    let nr = F[f + F_NR]!, rHead = F[f + F_R_HEAD]!, mean = F[f + F_MEAN]!, m2 = F[f + F_M2]!;
    let prevDayClose = F[f + F_PREV_CLOSE]!, curDay = F[f + F_CUR_DAY]!;
    let curVol = F[f + F_CUR_VOL]!, curClose = F[f + F_CUR_CLOSE]!;
    let curTraded = F[f + F_CUR_TRADED] === 1, curVolKnown = F[f + F_CUR_VOL_KNOWN] === 1;
    // the estimates now, kept per bar only when writing them (seek derives them from the state)
    let advNow = vSum / nv, sigNow = nr >= 2 ? Math.sqrt((m2 > 0 ? m2 : 0) / (nr - 1)) : NaN;
    const base = s * nBars;
    const write = outAdv !== undefined && outSigma !== undefined;
    for (let t = this.#next[s]!; t < end; t++) {
      const d = day[t]!;
      if (d !== curDay) {
        // the day before has ended: fold it into the windows
        if (curTraded) {
          if (curVolKnown) {
            const x = curVol;
            if (nv < aw) {
              volRing[vo + ((vHead + nv) % aw)] = x;
              nv++;
              vSum += x;
            } else {
              const old = volRing[vo + vHead]!;
              volRing[vo + vHead] = x;
              vHead = vHead + 1 === aw ? 0 : vHead + 1;
              vSum += x - old;
              if (!Number.isInteger(old)) vNonInt--;
            }
            if (!Number.isInteger(x)) vNonInt++;
            if (!(vNonInt === 0 && vSumExact && vSum < EXACT_INT_SUM)) {
              // not exact as a running sum: sum the window oldest first
              let sv = 0;
              for (let k = 0; k < nv; k++) sv += volRing[vo + ((vHead + k) % aw)]!;
              vSum = sv;
              vSumExact = vNonInt === 0 && sv < EXACT_INT_SUM;
            }
          }
          if (prevDayClose > 0 && curClose > 0) {
            const x = curClose / prevDayClose - 1;
            if (nr < vw) {
              retRing[ro + ((rHead + nr) % vw)] = x;
              nr++;
              const dx = x - mean;
              mean += dx / nr;
              m2 += dx * (x - mean);
            } else {
              const y = retRing[ro + rHead]!;
              retRing[ro + rHead] = x;
              rHead = rHead + 1 === vw ? 0 : rHead + 1;
              if (rHead === 0) {
                // the window has turned over: recompute two-pass (bounds rounding drift)
                let m = 0;
                for (let k = 0; k < nr; k++) m += retRing[ro + k]!;
                m /= nr;
                let ss = 0;
                for (let k = 0; k < nr; k++) ss += (retRing[ro + k]! - m) ** 2;
                mean = m;
                m2 = ss;
              } else {
                const m0 = mean;
                mean += (x - y) / nr;
                m2 += (x - y) * (x - mean + y - m0);
              }
            }
          }
          prevDayClose = curClose;
          if (write) {
            advNow = vSum / nv;
            sigNow = nr >= 2 ? Math.sqrt((m2 > 0 ? m2 : 0) / (nr - 1)) : NaN;
          }
        }
        curDay = d;
        curVol = 0;
        curClose = NaN;
        curTraded = false;
        curVolKnown = true;
      }
      const i = base + t;
      if (write) {
        outAdv[i] = advNow;
        outSigma[i] = sigNow;
      }
      if (!Number.isNaN(open[i]!) || !Number.isNaN(close[i]!)) {
        curTraded = true;
        const v = volume[i]!;
        if (Number.isFinite(v)) curVol += v;
        else curVolKnown = false;
        curClose = close[i]!;
      }
    }
    if (end > this.#next[s]!) this.#next[s] = end;
    F[f + F_NV] = nv;
    F[f + F_V_HEAD] = vHead;
    F[f + F_V_SUM] = vSum;
    F[f + F_V_NONINT] = vNonInt;
    F[f + F_V_EXACT] = vSumExact ? 1 : 0;
    F[f + F_NR] = nr;
    F[f + F_R_HEAD] = rHead;
    F[f + F_MEAN] = mean;
    F[f + F_M2] = m2;
    F[f + F_PREV_CLOSE] = prevDayClose;
    F[f + F_CUR_DAY] = curDay;
    F[f + F_CUR_VOL] = curVol;
    F[f + F_CUR_CLOSE] = curClose;
    F[f + F_CUR_TRADED] = curTraded ? 1 : 0;
    F[f + F_CUR_VOL_KNOWN] = curVolKnown ? 1 : 0;
  }
}

// Per-symbol state slots of EstimateCursor: ADV window (count, oldest slot, running sum,
// non-whole volumes in it, whether the sum is exact), return window (count, oldest slot, mean,
// M2), the last completed traded day's close, the current day (id, volume, close, traded,
// volume known). The estimates follow from them: ADV = S / n, sigma = sqrt(M2 / (nr - 1)).
const F_NV = 0, F_V_HEAD = 1, F_V_SUM = 2, F_V_NONINT = 3, F_V_EXACT = 4;
const F_NR = 5, F_R_HEAD = 6, F_MEAN = 7, F_M2 = 8, F_PREV_CLOSE = 9;
const F_CUR_DAY = 10, F_CUR_VOL = 11, F_CUR_CLOSE = 12, F_CUR_TRADED = 13, F_CUR_VOL_KNOWN = 14;
const F_COUNT = 15;

/** The estimates of every bar of every symbol (symbol-major arrays). */
export function marketEstimates(
  p: BarPanel,
  advWindow: number,
  volWindow: number,
): MarketEstimates {
  const cur = new EstimateCursor(p, advWindow, volWindow);
  const { nSym, nBars } = panelShape(p);
  // every entry is written, so no NaN prefill
  const adv = new Float64Array(nSym * nBars);
  const sigma = new Float64Array(nSym * nBars);
  for (let s = 0; s < nSym; s++) cur.advance(s, nBars, adv, sigma);
  return { adv, sigma };
}
