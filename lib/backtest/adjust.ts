/**
 * Back-adjusted closes for signals (execution stays on raw prices): every close before a split's
 * ex-bar is divided by the ratio, and (optionally) multiplied by 1 - dividend / previous close
 * before a dividend's ex-bar (the CRSP / vendor "all" adjustment). Returns between two bars only
 * depend on actions between them, so signals built from adjusted returns use no information from
 * after the signal bar even though the adjustment is computed over the whole panel.
 */

import type { CorporateAction } from "./engine.ts";
import type { BarPanel } from "./panel.ts";

/**
 * Adjusted closes, symbol-major like the panel.
 *
 * @example
 * ```ts ignore
 * const adj = adjustedCloses(panel, corporateActions);
 * momentumTargets(panel, { lookback: 252 }, adj);
 * ```
 */
export function adjustedCloses(
  panel: BarPanel,
  actions: readonly CorporateAction[],
  o: { dividends?: boolean } = {},
): Float64Array {
  const nBars = panel.tsMs.length;
  const idx = new Map(panel.symbols.map((s, i) => [s, i] as const));
  const out = Float64Array.from(panel.close);
  const withDiv = o.dividends ?? true;
  // factor[s][b]: multiply closes at bars < b
  const factors = new Map<number, { bar: number; f: number }[]>();
  for (const a of actions) {
    const s = idx.get(a.symbol);
    if (s === undefined) continue;
    let f = 1;
    if (a.type === "split") f = 1 / a.ratio;
    else if (a.type === "dividend" && withDiv && a.bar > 0) {
      // previous valid close
      let prev = NaN;
      for (let t = a.bar - 1; t >= 0 && !(prev > 0); t--) prev = panel.close[s * nBars + t]!;
      if (prev > 0) f = 1 - a.amount / prev;
    }
    if (f !== 1 && f > 0) {
      const list = factors.get(s) ?? [];
      list.push({ bar: a.bar, f });
      factors.set(s, list);
    }
  }
  for (const [s, list] of factors) {
    for (const { bar, f } of list) {
      for (let t = 0; t < bar; t++) out[s * nBars + t] = out[s * nBars + t]! * f;
    }
  }
  return out;
}
