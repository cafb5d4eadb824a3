/**
 * A daily feature panel from per-symbol daily bars: technical and volatility features per symbol,
 * cross-sectional features per date, on a date x symbol grid (date-major). Every feature at date
 * t uses bars up to t (the PIT harness covers the kernels used here).
 *
 * Per-symbol features (computed on each symbol's own bar sequence, then placed on the grid):
 * `rsi_14`, `macd_hist_pct` (MACD histogram / close), `bb_pctb` ((C - lower) / (upper - lower),
 * Bollinger 20/2), `roc_5`, `roc_20`, `atr_14_pct` (ATR / close), `stoch_k`, `vol_yz_20`
 * (Yang-Zhang, annualised), `vol_park_20` (Parkinson, annualised), `ret_overnight`,
 * `ret_intraday`. Cross-sectional: the {@linkcode CROSS_SECTIONAL_FEATURES} (percentile ranks).
 */
import { atr, bollinger, macd, roc, rsi, stochastic } from "./technical.ts";
import { parkinsonVol, yangZhangVol } from "./volatility.ts";
import { intradayReturns, overnightReturns } from "./returns.ts";
import { CROSS_SECTIONAL_FEATURES, crossSectionalFeatures } from "./cross_sectional.ts";

/** Daily bars of one symbol (adjusted for splits and dividends if returns matter). */
export interface SymbolDailyBars {
  symbol: string;
  dates: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** Names of the per-symbol features. */
export const SYMBOL_FEATURES = [
  "rsi_14",
  "macd_hist_pct",
  "bb_pctb",
  "roc_5",
  "roc_20",
  "atr_14_pct",
  "stoch_k",
  "vol_yz_20",
  "vol_park_20",
  "ret_overnight",
  "ret_intraday",
] as const;

/** Every feature name a daily panel can hold. */
export const DAILY_FEATURES = [...SYMBOL_FEATURES, ...CROSS_SECTIONAL_FEATURES] as const;

/** A date x symbol panel (date-major arrays, index t * symbols.length + s). */
export interface DailyFeaturePanel {
  dates: string[];
  symbols: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  features: Record<string, Float64Array>;
}

/** Options for {@linkcode buildDailyFeaturePanel}. */
export interface DailyPanelOptions {
  /** Features to compute. @default DAILY_FEATURES */
  features?: readonly string[];
  /**
   * Bars per year annualising `vol_yz_20` and `vol_park_20` (the dataset's periods per year, e.g.
   * 260 on the fx calendar). @default TRADING_DAYS_PER_YEAR (252)
   */
  periodsPerYear?: number;
}

function symbolFeatures(
  b: SymbolDailyBars,
  want: Set<string>,
  ppy?: number,
): Record<string, Float64Array> {
  const ann = ppy !== undefined ? { periodsPerYear: ppy } : {};
  const out: Record<string, Float64Array> = {};
  const c = b.close;
  const hlc = { high: b.high, low: b.low, close: c };
  const ohlc = { open: b.open, high: b.high, low: b.low, close: c };
  if (want.has("rsi_14")) out.rsi_14 = rsi(c, 14);
  if (want.has("macd_hist_pct")) out.macd_hist_pct = macd(c).hist.map((h, i) => h / c[i]!);
  if (want.has("bb_pctb")) {
    const bb = bollinger(c);
    out.bb_pctb = c.map((x, i) => {
      const w = bb.upper[i]! - bb.lower[i]!;
      return w > 0 ? (x - bb.lower[i]!) / w : NaN;
    });
  }
  if (want.has("roc_5")) out.roc_5 = roc(c, 5);
  if (want.has("roc_20")) out.roc_20 = roc(c, 20);
  if (want.has("atr_14_pct")) out.atr_14_pct = atr(hlc, 14).map((a, i) => a / c[i]!);
  if (want.has("stoch_k")) out.stoch_k = stochastic(hlc).k;
  if (want.has("vol_yz_20")) out.vol_yz_20 = yangZhangVol(ohlc, { window: 20, ...ann });
  if (want.has("vol_park_20")) out.vol_park_20 = parkinsonVol(hlc, { window: 20, ...ann });
  if (want.has("ret_overnight")) out.ret_overnight = overnightReturns(b);
  if (want.has("ret_intraday")) out.ret_intraday = intradayReturns(b);
  return out;
}

/**
 * Build the panel. Dates are the union of all symbols' dates; a symbol's cells are NaN on dates
 * it has no bar (not listed yet, delisted), so the panel is survivorship-free when the input
 * includes delisted names.
 *
 * @example
 * ```ts
 * const panel = buildDailyFeaturePanel(barsPerSymbol, { features: ["rsi_14", "mom_12_1"] });
 * ```
 */
export function buildDailyFeaturePanel(
  bars: SymbolDailyBars[],
  options: DailyPanelOptions = {},
): DailyFeaturePanel {
  const want = new Set(options.features ?? DAILY_FEATURES);
  for (const f of want) {
    if (!(DAILY_FEATURES as readonly string[]).includes(f)) {
      throw new RangeError(`Unknown daily feature ${f}; known: ${DAILY_FEATURES.join(", ")}`);
    }
  }
  const dates = [...new Set(bars.flatMap((b) => b.dates))].sort();
  const dIndex = new Map(dates.map((d, i) => [d, i]));
  const symbols = bars.map((b) => b.symbol);
  const nS = symbols.length, nT = dates.length, N = nS * nT;
  const grid = () => new Float64Array(N).fill(NaN);
  const panel: DailyFeaturePanel = {
    dates,
    symbols,
    open: grid(),
    high: grid(),
    low: grid(),
    close: grid(),
    volume: grid(),
    features: {},
  };
  const symWant = new Set(
    [...want].filter((f) => (SYMBOL_FEATURES as readonly string[]).includes(f)),
  );
  for (const f of symWant) panel.features[f] = grid();
  bars.forEach((b, s) => {
    const feats = symbolFeatures(b, symWant, options.periodsPerYear);
    for (let i = 0; i < b.dates.length; i++) {
      const k = dIndex.get(b.dates[i]!)! * nS + s;
      panel.open[k] = b.open[i]!;
      panel.high[k] = b.high[i]!;
      panel.low[k] = b.low[i]!;
      panel.close[k] = b.close[i]!;
      panel.volume[k] = b.volume[i]!;
      for (const f of symWant) panel.features[f]![k] = feats[f]![i]!;
    }
  });
  const csWant = [...want].filter((f) =>
    (CROSS_SECTIONAL_FEATURES as readonly string[]).includes(f)
  );
  if (csWant.length) {
    const cs = crossSectionalFeatures({ dates, symbols, close: panel.close, volume: panel.volume });
    for (const f of csWant) panel.features[f] = cs[f as keyof typeof cs];
  }
  return panel;
}
