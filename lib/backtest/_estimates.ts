/**
 * Trailing market estimates known before each bar, shared by both engines: ADV (mean daily
 * volume over the last `advWindow` completed days the symbol traded) and sigma (sample stdev,
 * ddof 1, of the last `volWindow` daily close-to-close simple returns). Both use only days
 * strictly before the bar's day. Fewer than 1 day gives ADV NaN; fewer than 2 returns sigma NaN.
 * A day traded (a bar with an open or a close) enters the returns; it enters the ADV only when
 * every bar of it has a known (finite) volume, so unknown volume never counts as zero.
 */

import type { BarPanel } from "./panel.ts";
import { panelDays, panelShape } from "./panel.ts";

export interface MarketEstimates {
  /** ADV in shares known at bar t (symbol-major like the panel). */
  adv: Float64Array;
  /** Daily return volatility (fraction) known at bar t. */
  sigma: Float64Array;
}

export function marketEstimates(
  p: BarPanel,
  advWindow: number,
  volWindow: number,
): MarketEstimates {
  const { nSym, nBars } = panelShape(p);
  const day = panelDays(p);
  const adv = new Float64Array(nSym * nBars).fill(NaN);
  const sigma = new Float64Array(nSym * nBars).fill(NaN);
  const dayVol: number[] = [];
  const rets: number[] = [];
  for (let s = 0; s < nSym; s++) {
    const base = s * nBars;
    dayVol.length = 0;
    rets.length = 0;
    let prevDayClose = NaN;
    let curDay = -1;
    let curVol = 0;
    let curClose = NaN;
    let curTraded = false;
    let curVolKnown = true;
    let advNow = NaN;
    let sigNow = NaN;
    const closeDay = () => {
      if (!curTraded) return;
      if (curVolKnown) dayVol.push(curVol);
      if (prevDayClose > 0 && curClose > 0) rets.push(curClose / prevDayClose - 1);
      prevDayClose = curClose;
      const na = Math.min(advWindow, dayVol.length);
      let sv = 0;
      for (let k = dayVol.length - na; k < dayVol.length; k++) sv += dayVol[k]!;
      advNow = na > 0 ? sv / na : NaN;
      const nr = Math.min(volWindow, rets.length);
      if (nr >= 2) {
        let m = 0;
        for (let k = rets.length - nr; k < rets.length; k++) m += rets[k]!;
        m /= nr;
        let ss = 0;
        for (let k = rets.length - nr; k < rets.length; k++) ss += (rets[k]! - m) ** 2;
        sigNow = Math.sqrt(ss / (nr - 1));
      }
    };
    for (let t = 0; t < nBars; t++) {
      const d = day[t]!;
      if (d !== curDay) {
        closeDay();
        curDay = d;
        curVol = 0;
        curClose = NaN;
        curTraded = false;
        curVolKnown = true;
      }
      adv[base + t] = advNow;
      sigma[base + t] = sigNow;
      const i = base + t;
      if (!Number.isNaN(p.open[i]!) || !Number.isNaN(p.close[i]!)) {
        curTraded = true;
        const v = p.volume[i]!;
        if (Number.isFinite(v)) curVol += v;
        else curVolKnown = false;
        curClose = p.close[i]!;
      }
    }
  }
  return { adv, sigma };
}
