/**
 * A daily feature panel from per-symbol daily bars: technical and volatility features per symbol,
 * cross-sectional features per date, on a date x symbol grid (date-major). Every feature at date
 * t uses bars up to t (the PIT harness covers the kernels used here).
 *
 * Per-symbol features (computed on each symbol's own bar sequence, then placed on the grid):
 * `rsi_14`, `macd_hist_pct` (MACD histogram / close), `bb_pctb` ((C - lower) / (upper - lower),
 * Bollinger 20/2), `roc_5`, `roc_20` (simple returns C_t / C_{t-n} - 1), `atr_14_pct` (ATR /
 * close), `stoch_k`, `vol_yz_20` (Yang-Zhang, annualised), `vol_park_20` (Parkinson,
 * annualised), `ret_overnight` (log return ln(O_t / C_{t-1}), not O_t / C_{t-1} - 1),
 * `ret_intraday` (log return ln(C_t / O_t)). The columns each reads besides the close are
 * `FEATURE_INPUTS` (training_export.ts). Cross-sectional (log returns where they are returns:
 * `mom_12_1` ln(C_{t-21} / C_{t-252}), `reversal_21` -ln(C_t / C_{t-21}); cross_sectional.ts):
 * the {@linkcode CROSS_SECTIONAL_FEATURES} (percentile ranks
 * per date among the symbols with a value; NaN on a date with fewer than
 * {@linkcode MIN_CROSS_SECTION} of them, where a rank says nothing: one symbol would always be
 * 0.5). Their time-series values, unranked, are the {@linkcode CROSS_SECTIONAL_RAW_FEATURES}
 * (`vol_63_raw`, `mom_12_1_raw`, ...: the same formulas on each symbol's own series), usable on a
 * single symbol.
 */
import { atr, bollinger, macd, roc, rsi, stochastic } from "./technical.ts";
import { parkinsonVol, yangZhangVol } from "./volatility.ts";
import { intradayReturns, overnightReturns } from "./returns.ts";
import {
  CROSS_SECTIONAL_FEATURES,
  crossSectionalFeatures,
  rankCrossSection,
} from "./cross_sectional.ts";

/** Fewer symbols with a value on a date than this leave a cross-sectional rank NaN. */
export const MIN_CROSS_SECTION = 2;

/** The unranked (time-series) values of the cross-sectional features: `<name>_raw`. */
export const CROSS_SECTIONAL_RAW_FEATURES = CROSS_SECTIONAL_FEATURES.map((f) =>
  `${f}_raw` as const
);
import { type MissingBetween, segmentsOf } from "./session_clock.ts";

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
export const DAILY_FEATURES = [
  ...SYMBOL_FEATURES,
  ...CROSS_SECTIONAL_FEATURES,
  ...CROSS_SECTIONAL_RAW_FEATURES,
] as const;

/**
 * How a daily feature is normalised per date before the export's z-score: `rank` (percentile
 * rank across the symbols, {@linkcode CROSS_SECTIONAL_FEATURES}) or `none` (the symbol's own
 * time series).
 *
 * @example
 * ```ts
 * perDateNormalisation("vol_63"); // "rank"
 * perDateNormalisation("vol_63_raw"); // "none"
 * ```
 */
export function perDateNormalisation(feature: string): "rank" | "none" {
  return (CROSS_SECTIONAL_FEATURES as readonly string[]).includes(feature) ? "rank" : "none";
}

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
  /**
   * Missing sessions found with {@link DailyPanelOptions.missingBetween}: `gapBefore` is 1 on the
   * cell of a symbol's first bar after missing sessions (labels restart there); `missing` lists
   * each missing (symbol, date) with `prev` and `next`, the dates of the bars around it.
   */
  gaps?: {
    gapBefore: Uint8Array;
    missing: { symbol: string; date: string; prev: string; next: string }[];
  };
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
  /**
   * The data's clock (lib/features `sessionClock`): the sessions missing between two bars. When
   * given, each symbol's per-symbol features are computed on each gap-free run of its bars
   * separately (a window over a missing session has no value, and recursive features warm up
   * again after it), the missing sessions become panel dates (NaN cells, so cross-sectional
   * windows over them have no value either) and the panel records them in `gaps`. Without it
   * (calendar `none`, simulated worlds) the rows are the clock. On gap-free data both agree.
   */
  missingBetween?: MissingBetween | null;
  /**
   * What a missing session (per `missingBetween`) does to the windows: `break` (the default
   * above: a window over it has no value, recursive features warm up again), or `skip`: every
   * feature of a symbol is computed over its observed bars only, as pandas
   * `s.dropna().rolling(n)` does (cross-sectional features too, from each symbol's own bars,
   * then ranked per date); the missing sessions are still listed in `gaps.missing` (with
   * `gapBefore` all 0, so labels run over them as well) but are no panel dates. @default "break"
   */
  gaps?: "break" | "skip";
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
 * Build the panel. Dates are the union of all symbols' dates (and of the missing sessions found
 * with `missingBetween`); a symbol's cells are NaN on dates it has no bar (not listed yet,
 * delisted, missing), so the panel is survivorship-free when the input includes delisted names.
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
  const skip = options.gaps === "skip";
  const segs = bars.map((b) => segmentsOf(b.dates, options.missingBetween ?? null));
  const dates = [
    ...new Set([...bars.flatMap((b) => b.dates), ...(skip ? [] : segs.flatMap((g) => g.missing))]),
  ].sort();
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
  const gapBefore = options.missingBetween ? new Uint8Array(N) : null;
  const missing: { symbol: string; date: string; prev: string; next: string }[] = [];
  bars.forEach((b, s) => {
    const { starts } = segs[s]!;
    let feats: Record<string, Float64Array>;
    if (skip) {
      feats = symbolFeatures(b, symWant, options.periodsPerYear);
      for (let r = 1; r < starts.length; r++) {
        const prev = b.dates[starts[r]! - 1]!, next = b.dates[starts[r]!]!;
        for (const d of segs[s]!.missing) {
          if (d > prev && d < next) missing.push({ symbol: b.symbol, date: d, prev, next });
        }
      }
    } else if (starts.length === 1) feats = symbolFeatures(b, symWant, options.periodsPerYear);
    else {
      feats = {};
      for (const f of symWant) feats[f] = new Float64Array(b.dates.length);
      starts.forEach((from, r) => {
        const to = starts[r + 1] ?? b.dates.length;
        const part = symbolFeatures(sliceBars(b, from, to), symWant, options.periodsPerYear);
        for (const f of symWant) feats[f]!.set(part[f]!, from);
        if (r > 0) {
          gapBefore![dIndex.get(b.dates[from]!)! * nS + s] = 1;
          const prev = b.dates[from - 1]!, next = b.dates[from]!;
          for (const d of segs[s]!.missing) {
            if (d > prev && d < next) missing.push({ symbol: b.symbol, date: d, prev, next });
          }
        }
      });
    }
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
  const csPanel = { dates, symbols, close: panel.close, volume: panel.volume };
  const rawWant = [...want].filter((f) =>
    (CROSS_SECTIONAL_RAW_FEATURES as readonly string[]).includes(f)
  );
  // gaps "skip": each symbol's cross-sectional values from its own observed bars, on the grid
  const own = skip && (csWant.length || rawWant.length) ? ownCrossSectional(bars, dates) : null;
  if (csWant.length) {
    const cs = own
      ? Object.fromEntries(
        Object.entries(own).map(([f, v]) => [f, rankCrossSection(v, nS)]),
      ) as typeof own
      : crossSectionalFeatures(csPanel);
    for (const f of csWant) {
      const x = cs[f as keyof typeof cs];
      // a rank among fewer than MIN_CROSS_SECTION values carries no information
      for (let t = 0; t < nT; t++) {
        let m = 0;
        for (let s = 0; s < nS; s++) if (Number.isFinite(x[t * nS + s]!)) m++;
        if (m > 0 && m < MIN_CROSS_SECTION) x.fill(NaN, t * nS, t * nS + nS);
      }
      panel.features[f] = x;
    }
  }
  if (rawWant.length) {
    const cs = own ?? crossSectionalFeatures(csPanel, { normalize: "none" });
    for (const f of rawWant) panel.features[f] = cs[f.slice(0, -4) as keyof typeof cs];
  }
  if (gapBefore) panel.gaps = { gapBefore, missing };
  return panel;
}

/**
 * The unranked cross-sectional features of every symbol from its own bars only (a one-symbol
 * panel over its dates, so a date the symbol lacks is no hole in its windows), placed on the
 * grid of `dates` (NaN where the symbol has no bar).
 */
function ownCrossSectional(
  bars: SymbolDailyBars[],
  dates: string[],
): ReturnType<typeof crossSectionalFeatures> {
  const nS = bars.length, nT = dates.length;
  const dIndex = new Map(dates.map((d, i) => [d, i]));
  const out: Record<string, Float64Array> = {};
  bars.forEach((b, s) => {
    const one = crossSectionalFeatures(
      { dates: b.dates, symbols: [b.symbol], close: b.close, volume: b.volume },
      { normalize: "none" },
    );
    for (const [f, v] of Object.entries(one)) {
      const g = out[f] ??= new Float64Array(nS * nT).fill(NaN);
      for (let i = 0; i < b.dates.length; i++) g[dIndex.get(b.dates[i]!)! * nS + s] = v[i]!;
    }
  });
  if (!bars.length) {
    for (const f of CROSS_SECTIONAL_FEATURES) out[f] = new Float64Array(0);
  }
  return out as ReturnType<typeof crossSectionalFeatures>;
}

/** Bars `from..to-1` of a symbol (views, no copy). */
function sliceBars(b: SymbolDailyBars, from: number, to: number): SymbolDailyBars {
  return {
    symbol: b.symbol,
    dates: b.dates.slice(from, to),
    open: b.open.subarray(from, to),
    high: b.high.subarray(from, to),
    low: b.low.subarray(from, to),
    close: b.close.subarray(from, to),
    volume: b.volume.subarray(from, to),
  };
}
