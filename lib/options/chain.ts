/**
 * From a quoted option chain to surface-fitting inputs: per-expiry implied dividend yields from
 * put-call parity, and out-of-the-money total-variance slices for `fitSvi` / `fitSsvi`.
 */
import { bsGreeks } from "./black_scholes.ts";
import { impliedVol } from "./implied_vol.ts";
import type { OptionColumns } from "./option_columns.ts";
import { type ImpliedDividendOptions, impliedDividendYield, type ParityPair } from "./rates.ts";
import type { SsviSliceQuotes } from "./svi.ts";

function groupByExpiry(t: Float64Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < t.length; i++) {
    if (!(t[i]! > 0)) continue;
    let g = groups.get(t[i]!);
    if (!g) groups.set(t[i]!, g = []);
    g.push(i);
  }
  return new Map([...groups.entries()].sort((a, b) => a[0] - b[0]));
}

/**
 * Set `o.div` of every row to its expiry's parity-implied dividend yield (see
 * `impliedDividendYield`: median over near-the-money call/put pairs at the same strike), using
 * each row's spot and rate. Expiries without a usable pair keep their `div`. Returns the yield
 * per expiry (NaN where none). Mutates `o.div` (documented; copy the columns first to keep them).
 *
 * @example
 * ```ts
 * // const byT = fillImpliedDividends(chain.options, chain.price); // Map t -> q
 * ```
 */
export function fillImpliedDividends(
  o: OptionColumns,
  price: Float64Array,
  options: ImpliedDividendOptions = {},
): Map<number, number> {
  const out = new Map<number, number>();
  for (const [t, rows] of groupByExpiry(o.t)) {
    const pairs = new Map<number, ParityPair>();
    for (const i of rows) {
      const K = o.strike[i]!;
      const p = pairs.get(K) ?? { strike: K, call: NaN, put: NaN };
      if (o.isCall[i] === 1) p.call = price[i]!;
      else p.put = price[i]!;
      pairs.set(K, p);
    }
    const r0 = rows[0]!;
    const d = impliedDividendYield([...pairs.values()], o.spot[r0]!, t, o.rate[r0]!, options);
    out.set(t, d.q);
    if (Number.isFinite(d.q)) { for (const i of rows) o.div[i] = d.q; }
  }
  return out;
}

/** Options for {@link chainToSlices}. */
export interface ChainToSlicesOptions {
  /** Quotes below this price are dropped (ticks dominate their iv). @default 0 */
  minPrice?: number;
  /** Bid/ask spread per row: weights become vega / max(spread, minSpread). @default none (vega) */
  spread?: Float64Array;
  /** Floor of the spread in the weights. @default 0.01 */
  minSpread?: number;
  /** Label per expiry for messages (e.g. the expiry date). @default "t=<years>" */
  label?: (t: number) => string;
}

/**
 * Out-of-the-money total-variance slices of a chain: per expiry, k = ln(K/F) with
 * F = S exp((r - q) T), w = iv^2 T from `impliedVol` on `price`, keeping calls with K >= F and
 * puts with K < F (the liquid, informative side), iv > 0 and price >= minPrice; weights vega
 * (or vega / spread). Rows whose price cannot be inverted are left out.
 *
 * @example
 * ```ts
 * // const fit = fitSsvi(chainToSlices(chain.options, chain.price));
 * ```
 */
export function chainToSlices(
  o: OptionColumns,
  price: Float64Array,
  options: ChainToSlicesOptions = {},
): SsviSliceQuotes[] {
  const iv = impliedVol(o, price, { logSummary: false });
  const vega = bsGreeks(o, iv).vega;
  const minPrice = options.minPrice ?? 0;
  const minSpread = options.minSpread ?? 0.01;
  const out: SsviSliceQuotes[] = [];
  for (const [t, rows] of groupByExpiry(o.t)) {
    const r0 = rows[0]!;
    const F = o.spot[r0]! * Math.exp((o.rate[r0]! - o.div[r0]!) * t);
    const keep = rows.filter((i) =>
      (o.isCall[i] === 1 ? o.strike[i]! >= F : o.strike[i]! < F) && iv[i]! > 0 &&
      price[i]! >= minPrice && vega[i]! > 0
    ).sort((a, b) => o.strike[a]! - o.strike[b]!);
    out.push({
      t,
      label: options.label ? options.label(t) : `t=${t}`,
      k: Float64Array.from(keep, (i) => Math.log(o.strike[i]! / F)),
      w: Float64Array.from(keep, (i) => iv[i]! * iv[i]! * t),
      weight: Float64Array.from(
        keep,
        (i) => vega[i]! / (options.spread ? Math.max(options.spread[i]!, minSpread) : 1),
      ),
    });
  }
  return out;
}
