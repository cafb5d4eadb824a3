/**
 * Equity paths from a factor model, with the planted momentum and news-sentiment effects and the
 * corporate actions of universe.ts.
 *
 * Daily log return of name i on session d (all in log terms, sd_i = idioVol_i / sqrt(252)):
 *   r_i,d = beta_i r_SPY,d + f_sector,d + sd_i eps + mu_mom + mu_news - sd_i^2 / 2,
 * r_SPY,d = SPY overnight + open-to-close log return (burn-in sessions: N(0.0003, 0.01)),
 * f_sector ~ N(0, 0.008^2) per sector and session.
 * Momentum (strength s_m = effects.momentum): mu_mom = s_m sd_i Z_i,d, where Z is the
 * cross-sectional z-score, over names with 252 sessions of history, of the 12-1 momentum
 * M_i,d = L_i,d-21 - L_i,d-252 with L the cumulative total log return (splits and dividends do
 * not move L). Names without 252 sessions have Z = 0.
 * News (strength s_n = effects.sentiment): mu_news = sum over articles whose 5-session window
 * covers d of s_n * sentiment * sd_i / 5 (news.ts).
 * Split: raw prices divide by to/from at the open of the execution session. Dividend: ex-date
 * every 63 sessions at the name's phase; amount = round(yield / 4 * price, 0.01) fixed at the
 * first ex-date of the served range; open = prev close * e^{r_on} - dividend.
 * Overnight share of the variance 0.3; bankrupt final-session return ln(U(0.05, 0.3));
 * acquisition: +ln(1.2..1.4) at the announcement, then sd 0.1 sd_i until the delisting.
 */
import type { Rng } from "../../core/random.ts";
import { TRADING_DAYS_PER_YEAR } from "../../core/constants.ts";
import type { EquityInfo } from "./universe.ts";
import type { NewsArticle } from "./news.ts";
import { SENTIMENT_WINDOW } from "./news.ts";

export const MOMENTUM_LOOKBACK = 252;
export const MOMENTUM_SKIP = 21;

/** Raw (unadjusted) session paths of one name; NaN where not listed. */
export interface EquityPath {
  open: Float64Array;
  close: Float64Array;
  /** Open-to-close sd for the intraday bridge. */
  sdIntraday: Float64Array;
  volume: Float64Array;
  /** Cash dividend ex at this session's open (0 otherwise). */
  dividend: Float64Array;
  /** Split ratio to/from executed at this session's open (1 otherwise). */
  splitRatio: Float64Array;
  /** Cumulative total log return (the momentum state). */
  logTotal: Float64Array;
}

export interface EquityPaths {
  paths: EquityPath[];
  /** Momentum z-score Z_i,d used for the drift (0 when not defined), per name. */
  momentumZ: Float64Array[];
}

/** Simulate every name over all sessions (burn-in included). */
export function simulateEquities(
  rng: Rng,
  names: EquityInfo[],
  spyRet: { overnight: Float64Array; intraday: Float64Array },
  burnIn: number,
  news: NewsArticle[],
  effects: { momentum: number; sentiment: number },
): EquityPaths {
  const n = spyRet.overnight.length;
  const r = rng.fork("equities");
  const m = names.length;
  const paths: EquityPath[] = names.map(() => ({
    open: new Float64Array(n).fill(NaN),
    close: new Float64Array(n).fill(NaN),
    sdIntraday: new Float64Array(n),
    volume: new Float64Array(n),
    dividend: new Float64Array(n),
    splitRatio: new Float64Array(n).fill(1),
    logTotal: new Float64Array(n).fill(NaN),
  }));
  const momentumZ = names.map(() => new Float64Array(n));
  const newsDrift = names.map(() => new Float64Array(n));
  const index = new Map(names.map((x, i) => [x.ticker, i]));
  for (const a of news) {
    const i = index.get(a.ticker);
    if (i === undefined || a.sentiment === 0) continue;
    for (let d = a.effectIndex; d < Math.min(n, a.effectIndex + SENTIMENT_WINDOW); d++) {
      newsDrift[i]![d] = newsDrift[i]![d]! + effects.sentiment * a.sentiment / SENTIMENT_WINDOW;
    }
  }
  const sectors = [...new Set(names.map((x) => x.sector))];
  const sectorIdx = names.map((x) => sectors.indexOf(x.sector));
  const divAmount = new Float64Array(m);
  const mom = new Float64Array(m);
  const eligible = new Uint8Array(m);
  for (let d = 0; d < n; d++) {
    const mktOn = d < burnIn ? 0.3 * (0.0003 + 0.01 * r.normal()) : spyRet.overnight[d]!;
    const mktId = d < burnIn ? 0.7 * (0.0003 + 0.01 * r.normal()) : spyRet.intraday[d]!;
    const sectorF = sectors.map(() => 0.008 * r.normal());
    // Momentum z-scores from information up to d-1.
    let cnt = 0, sum = 0, sumSq = 0;
    for (let i = 0; i < m; i++) {
      const p = paths[i]!;
      const a = d - 1 - MOMENTUM_SKIP, b = d - 1 - MOMENTUM_LOOKBACK;
      eligible[i] = 0;
      if (b >= 0 && Number.isFinite(p.logTotal[b]!) && Number.isFinite(p.logTotal[d - 1]!)) {
        mom[i] = p.logTotal[a]! - p.logTotal[b]!;
        eligible[i] = 1;
        cnt++;
        sum += mom[i]!;
        sumSq += mom[i]! * mom[i]!;
      }
    }
    const mu = cnt ? sum / cnt : 0;
    const sdm = cnt > 1 ? Math.sqrt(Math.max(1e-12, (sumSq - cnt * mu * mu) / (cnt - 1))) : 1;
    for (let i = 0; i < m; i++) {
      const info = names[i]!;
      const p = paths[i]!;
      const epsOn = r.normal(), epsId = r.normal(), volZ = r.normal();
      if (d < info.firstIndex || (info.lastIndex >= 0 && d > info.lastIndex)) continue;
      const sd = info.idioVol / Math.sqrt(TRADING_DAYS_PER_YEAR);
      const z = eligible[i] && cnt > 1 ? (mom[i]! - mu) / sdm : 0;
      momentumZ[i]![d] = z;
      const drift = effects.momentum * sd * z + newsDrift[i]![d]! * sd;
      let rOn = info.beta * mktOn + Math.sqrt(0.3) * sd * epsOn - 0.15 * sd * sd;
      let rId = info.beta * mktId + sectorF[sectorIdx[i]!]! + Math.sqrt(0.7) * sd * epsId + drift -
        0.35 * sd * sd;
      if (info.announceIndex !== undefined && d > info.announceIndex) {
        rOn = 0.1 * sd * epsOn;
        rId = 0.1 * sd * epsId;
      }
      if (info.announceIndex === d) rOn = Math.log(1.2 + 0.2 * r.uniform());
      if (info.delistReason === "bankruptcy" && d === info.lastIndex) {
        rOn = Math.log(0.05 + 0.25 * r.uniform());
      }
      if (d === info.firstIndex) {
        p.open[d] = info.startPrice;
        p.logTotal[d] = rId;
      } else {
        const prevClose = p.close[d - 1]!;
        let div = 0;
        if (info.dividendYield > 0 && d >= burnIn && (d - info.dividendPhase) % 63 === 0) {
          if (divAmount[i] === 0) {
            divAmount[i] = Math.max(
              0.01,
              Math.round(info.dividendYield / 4 * prevClose * 100) / 100,
            );
          }
          div = divAmount[i]!;
        }
        const ratio = info.split && info.split.index === d ? info.split.to / info.split.from : 1;
        p.splitRatio[d] = ratio;
        p.dividend[d] = div;
        const open = (prevClose * Math.exp(rOn) - div) / ratio;
        p.open[d] = open;
        p.logTotal[d] = p.logTotal[d - 1]! + rOn + rId;
      }
      p.close[d] = p.open[d]! * Math.exp(rId);
      p.sdIntraday[d] = Math.sqrt(0.7) * Math.sqrt(info.beta * info.beta * 1e-4 + sd * sd);
      p.volume[d] = info.baseVolume * Math.exp(0.3 * volZ - 0.045) *
        (info.announceIndex === d || info.lastIndex === d ? 5 : 1);
    }
  }
  return { paths, momentumZ };
}
