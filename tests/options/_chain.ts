// Test helper: a synthetic option chain priced from a known SSVI surface (or flat vol).
import {
  bsPrice,
  emptyOptionColumns,
  type OptionColumns,
  type SsviParams,
  ssviTotalVariance,
} from "../../lib/options/mod.ts";

export function syntheticChain(
  opts: {
    spot?: number;
    rate?: number;
    div?: number;
    days: number[];
    strikeStep?: number;
    kRange?: [number, number];
    flatVol?: number;
    ssvi?: SsviParams;
    atmVar?: (t: number) => number;
  },
): { options: OptionColumns; price: Float64Array; vol: Float64Array } {
  const S = opts.spot ?? 100;
  const r = opts.rate ?? 0.03;
  const q = opts.div ?? 0.01;
  const step = opts.strikeStep ?? 1;
  const [lo, hi] = opts.kRange ?? [0.3 * S, 3 * S];
  const rows: { K: number; t: number; c: number }[] = [];
  for (const d of opts.days) {
    for (let K = lo; K <= hi + 1e-9; K += step) {
      rows.push({ K, t: d / 365, c: 1 }, { K, t: d / 365, c: 0 });
    }
  }
  const o = emptyOptionColumns(rows.length);
  const vol = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    o.spot[i] = S;
    o.strike[i] = row.K;
    o.t[i] = row.t;
    o.rate[i] = r;
    o.div[i] = q;
    o.isCall[i] = row.c;
    if (opts.ssvi) {
      const F = S * Math.exp((r - q) * row.t);
      const w = ssviTotalVariance(opts.ssvi, Math.log(row.K / F), opts.atmVar!(row.t));
      vol[i] = Math.sqrt(w / row.t);
    } else vol[i] = opts.flatVol ?? 0.2;
  });
  return { options: o, price: bsPrice(o, vol), vol };
}
