/**
 * Seeded synthetic daily panels on the NYSE calendar, for tests, benchmarks and demos when the
 * simulated market is not at hand. Log prices follow a one-factor model:
 * r[s,t] = beta_s * f_t + e[s,t], f ~ N(0, marketVol^2), e ~ N(0, idioVol^2), with an overnight
 * share `overnightShare` of each day's variance in the open gap. High/low extend the open-close
 * range by a half-normal excursion; volume is lognormal around `meanVolume`. Bars are stamped at
 * 00:00 UTC of the session date (the daily-bar convention of the lake).
 */

import { Rng } from "../core/mod.ts";
import { tradingDays } from "../time/mod.ts";
import type { BarPanel } from "./panel.ts";

/** Options of {@link syntheticPanel}. */
export interface SyntheticPanelOptions {
  /** Number of symbols. @default 10 */
  symbols?: number;
  /** First session date. @default "2015-01-02" */
  start?: string;
  /** Number of sessions. @default 252 */
  bars?: number;
  /** Seed. @default 1 */
  seed?: number;
  /** Daily market factor vol. @default 0.01 */
  marketVol?: number;
  /** Daily idiosyncratic vol. @default 0.015 */
  idioVol?: number;
  /** Daily drift of log price. @default 0.0003 */
  drift?: number;
  /** Fraction of daily variance in the overnight gap. @default 0.3 */
  overnightShare?: number;
  /** Mean daily volume, shares. @default 1_000_000 */
  meanVolume?: number;
}

/**
 * A seeded synthetic daily panel (symbols "S000", "S001", ...).
 *
 * @example
 * ```ts
 * const p = syntheticPanel({ symbols: 3, bars: 20, seed: 7 });
 * ```
 */
export function syntheticPanel(o: SyntheticPanelOptions = {}): BarPanel {
  const nSym = o.symbols ?? 10;
  const nBars = o.bars ?? 252;
  const rng = new Rng(o.seed ?? 1);
  const start = o.start ?? "2015-01-02";
  const endGuess = new Date(Date.parse(start) + (nBars * 1.5 + 30) * 86_400_000)
    .toISOString().slice(0, 10);
  const dates = tradingDays(start, endGuess).slice(0, nBars);
  if (dates.length < nBars) throw new RangeError(`Could not place ${nBars} sessions from ${start}`);
  const tsMs = Float64Array.from(dates, (d) => Date.parse(`${d}T00:00:00Z`));
  const mv = o.marketVol ?? 0.01, iv = o.idioVol ?? 0.015, mu = o.drift ?? 0.0003;
  const on = Math.sqrt(o.overnightShare ?? 0.3), id = Math.sqrt(1 - (o.overnightShare ?? 0.3));
  const meanVol = o.meanVolume ?? 1_000_000;
  const n = nSym * nBars;
  const open = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n);
  const close = new Float64Array(n), volume = new Float64Array(n);
  const beta = Float64Array.from({ length: nSym }, () => 0.6 + 0.8 * rng.uniform());
  const px = Float64Array.from({ length: nSym }, () => 20 + 180 * rng.uniform());
  const f = Float64Array.from({ length: nBars }, () => rng.normal() * mv);
  for (let s = 0; s < nSym; s++) {
    let c = px[s]!;
    for (let t = 0; t < nBars; t++) {
      const i = s * nBars + t;
      const r = mu + beta[s]! * f[t]! + rng.normal() * iv;
      // the overnight gap carries a fixed share of the day's return plus a little noise
      const gap = r * on * on + rng.normal() * iv * 0.1 * on;
      const o1 = c * Math.exp(gap);
      const c1 = c * Math.exp(r);
      const ext = Math.abs(rng.normal()) * iv * 0.5 * id;
      open[i] = o1;
      close[i] = c1;
      high[i] = Math.max(o1, c1) * Math.exp(ext);
      low[i] = Math.min(o1, c1) * Math.exp(-Math.abs(rng.normal()) * iv * 0.5 * id);
      volume[i] = Math.round(meanVol * Math.exp(0.4 * rng.normal() - 0.08));
      c = c1;
    }
  }
  return {
    symbols: Array.from({ length: nSym }, (_, s) => `S${String(s).padStart(3, "0")}`),
    tsMs,
    open,
    high,
    low,
    close,
    volume,
  };
}
