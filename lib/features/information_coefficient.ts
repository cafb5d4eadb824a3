/** Information coefficient of a feature panel against a label panel. */
import { rankCrossSection } from "./cross_sectional.ts";

/** Options for {@linkcode informationCoefficient}. */
export interface IcOptions {
  /** Dates with fewer symbols holding both values get NaN. @default 3 */
  minSymbols?: number;
}

/**
 * Information coefficient: the cross-sectional Spearman rank correlation between a feature and a
 * forward label on each date, and its time-series summary.
 *
 * IC_t = Pearson correlation of the ranks (ties averaged) of feature and label over the symbols
 * where both are finite (NaN with fewer than `minSymbols`); mean IC, its standard deviation
 * (ddof 1) and t = mean / (sd / sqrt(n)) over the dates with an IC (overlapping labels make
 * this t optimistic; it is a screen, not a test).
 *
 * @see Grinold, R. C., & Kahn, R. N. (2000). Active Portfolio Management, 2nd ed., ch. 6.
 * @example
 * ```ts
 * const { mean, tStat } = informationCoefficient({ feature, label }, symbols.length);
 * ```
 */
export function informationCoefficient(
  data: { feature: Float64Array; label: Float64Array },
  nSymbols: number,
  options: IcOptions = {},
): { ic: Float64Array; mean: number; sd: number; tStat: number; dates: number } {
  const { feature, label } = data;
  if (feature.length !== label.length || feature.length % nSymbols !== 0) {
    throw new RangeError(
      `Cannot compute IC: feature ${feature.length}, label ${label.length} values for ${nSymbols} symbols`,
    );
  }
  const minS = options.minSymbols ?? 3;
  const nT = feature.length / nSymbols;
  const ic = new Float64Array(nT).fill(NaN);
  const fx = new Float64Array(nSymbols), ly = new Float64Array(nSymbols);
  for (let t = 0; t < nT; t++) {
    let m = 0;
    for (let s = 0; s < nSymbols; s++) {
      const a = feature[t * nSymbols + s]!, b = label[t * nSymbols + s]!;
      if (Number.isFinite(a) && Number.isFinite(b)) {
        fx[m] = a;
        ly[m] = b;
        m++;
      }
    }
    if (m < minS) continue;
    const ra = rankCrossSection(fx.slice(0, m), m), rb = rankCrossSection(ly.slice(0, m), m);
    let sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
    for (let i = 0; i < m; i++) {
      sa += ra[i]!;
      sb += rb[i]!;
    }
    const ma = sa / m, mb = sb / m;
    for (let i = 0; i < m; i++) {
      const da = ra[i]! - ma, db = rb[i]! - mb;
      sab += da * db;
      saa += da * da;
      sbb += db * db;
    }
    ic[t] = saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
  }
  const v = Array.from(ic).filter(Number.isFinite);
  const n = v.length;
  const mean = n ? v.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { ic, mean, sd, tStat: sd > 0 ? mean / (sd / Math.sqrt(n)) : NaN, dates: n };
}
