/**
 * Corporate-action adjustment on read: raw, split-adjusted, or total-return prices, applied
 * consistently to prices and volumes (backward adjustment: the latest bar is unchanged).
 *
 * For every action with ex-date E (only actions known at `asOf`):
 * - split with ratio k (new shares per old share; 2 for a 2:1 split, 0.5 for a 1:2 reverse):
 *   bars dated before E get prices / k and volumes * k;
 * - cash dividend D (total-return mode only): bars dated before E get prices * (1 - D / C_prev),
 *   C_prev the raw close of the last bar before E (the CRSP / Yahoo convention). Volumes are
 *   unchanged by dividends.
 * Factors multiply across actions. Adjusted series are continuous across splits, and in
 * total-return mode the adjusted close-to-close return over an ex-date is C_E / (C_prev - D) - 1,
 * the move against the dividend-reduced reference price (Yahoo's "Adj Close" convention; it
 * differs from the reinvested return (C_E + D) / C_prev - 1 by a second-order term D * r / C_prev).
 *
 * Point in time: a backward-adjusted series read on date A uses only actions with
 * known_at <= A; reading it later may rescale the past (that is what adjustment means), which is
 * why features use ratios of prices (scale-free) and the raw series stays in the lake.
 *
 * @see CRSP (2023). Data Descriptions Guide: cumulative factor to adjust prices (CFACPR).
 */

import pl from "nodejs-polars";

/** One corporate action. */
export interface CorporateAction {
  /** Ex-date "YYYY-MM-DD": the first session trading without the split/dividend. */
  exDate: string;
  /** New shares per old share (2 for 2:1). @default 1 */
  splitRatio?: number;
  /** Cash dividend per pre-split share on the ex-date, in price units. @default 0 */
  cashDividend?: number;
  /** Epoch ms when the action became known (announcement). @default known before any bar */
  knownAt?: number;
}

/** Adjustment mode. */
export type AdjustMode = "raw" | "split" | "total_return";

/** Options for {@linkcode adjustmentFactors}. */
export interface AdjustOptions {
  /** @default "split" */
  mode?: AdjustMode;
  /** Epoch ms: only actions with knownAt <= asOf are applied. @default all actions */
  asOf?: number;
}

/** Multiplicative factors per bar: adjusted price = raw * price, adjusted volume = raw * volume. */
export interface AdjustmentFactors {
  price: Float64Array;
  volume: Float64Array;
}

/**
 * Factors for a single instrument's bars (dates increasing, raw closes).
 *
 * @example
 * ```ts
 * const f = adjustmentFactors({ dates: ["2024-06-07", "2024-06-10"], close: Float64Array.from([1200, 121]) },
 *   [{ exDate: "2024-06-10", splitRatio: 10 }]);
 * // f.price = [0.1, 1], f.volume = [10, 1]
 * ```
 */
export function adjustmentFactors(
  bars: { dates: string[]; close: Float64Array },
  actions: CorporateAction[],
  options: AdjustOptions = {},
): AdjustmentFactors {
  const { dates, close } = bars;
  const n = dates.length;
  if (close.length !== n) {
    throw new RangeError(`Cannot adjust: ${n} dates but ${close.length} closes`);
  }
  const mode = options.mode ?? "split";
  const price = new Float64Array(n).fill(1);
  const volume = new Float64Array(n).fill(1);
  if (mode === "raw") return { price, volume };
  const asOf = options.asOf ?? Infinity;
  for (const a of actions) {
    if ((a.knownAt ?? -Infinity) > asOf) continue;
    const k = a.splitRatio ?? 1;
    const d = a.cashDividend ?? 0;
    if (!(k > 0) || !Number.isFinite(k)) {
      throw new RangeError(
        `Cannot adjust: split ratio ${k} on ${a.exDate} must be a positive number`,
      );
    }
    if (!(d >= 0) || !Number.isFinite(d)) {
      throw new RangeError(`Cannot adjust: dividend ${d} on ${a.exDate} must be >= 0`);
    }
    // bars strictly before the ex-date
    let cut = 0;
    while (cut < n && dates[cut]! < a.exDate) cut++;
    if (cut === 0) continue;
    let pf = 1 / k;
    const vf = k;
    if (mode === "total_return" && d > 0) {
      const prev = close[cut - 1]!;
      if (!(prev > d)) {
        throw new RangeError(
          `Cannot adjust: dividend ${d} on ${a.exDate} is not below the previous close ${prev}`,
        );
      }
      pf *= 1 - d / prev;
    }
    for (let i = 0; i < cut; i++) {
      price[i]! *= pf;
      volume[i]! *= vf;
    }
  }
  return { price, volume };
}

/** Daily OHLCV of one instrument. */
export interface DailyBars {
  dates: string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * Adjusted copy of daily bars (the input is not modified).
 *
 * @example
 * ```ts
 * const adj = adjustBars(bars, actions, { mode: "total_return" });
 * ```
 */
export function adjustBars(
  bars: DailyBars,
  actions: CorporateAction[],
  options: AdjustOptions = {},
): DailyBars {
  const f = adjustmentFactors(bars, actions, options);
  const mul = (x: Float64Array, g: Float64Array) => x.map((v, i) => v * g[i]!);
  return {
    dates: bars.dates.slice(),
    open: mul(bars.open, f.price),
    high: mul(bars.high, f.price),
    low: mul(bars.low, f.price),
    close: mul(bars.close, f.price),
    volume: mul(bars.volume, f.volume),
  };
}

/** A corporate action of a named symbol (for frames holding many symbols). */
export interface SymbolCorporateAction extends CorporateAction {
  symbol: string;
}

/** Options for {@linkcode adjustFrame}. */
export interface AdjustFrameOptions extends AdjustOptions {
  /** Symbol column. @default "ticker" */
  symbolColumn?: string;
  /** Session-date column (Date or "YYYY-MM-DD"). @default "date" */
  dateColumn?: string;
  /** Price columns scaled by the price factor. @default ["open", "high", "low", "close", "vwap"] (those present) */
  priceColumns?: string[];
  /** Volume columns scaled by the volume factor. @default ["volume"] (if present) */
  volumeColumns?: string[];
}

/**
 * Adjust a daily-bar frame of many symbols on read (e.g. the result of `readDataset`): per
 * symbol, rows sorted by date, the factors of {@linkcode adjustmentFactors} (from the raw close)
 * multiply the price and volume columns. Rows come back sorted by symbol then date, other
 * columns untouched.
 *
 * @example
 * ```ts
 * const adj = adjustFrame(await readDataset(daySpec, { asOf }), actions, { mode: "total_return", asOf: asOf.getTime() });
 * ```
 */
export function adjustFrame(
  df: pl.DataFrame,
  actions: SymbolCorporateAction[],
  options: AdjustFrameOptions = {},
): pl.DataFrame {
  const sc = options.symbolColumn ?? "ticker";
  const dc = options.dateColumn ?? "date";
  for (const c of [sc, dc, "close"]) {
    if (!df.columns.includes(c)) throw new TypeError(`Cannot adjust: frame has no column ${c}`);
  }
  const prices = (options.priceColumns ?? ["open", "high", "low", "close", "vwap"]).filter((c) =>
    df.columns.includes(c)
  );
  const vols = (options.volumeColumns ?? ["volume"]).filter((c) => df.columns.includes(c));
  const sorted = df.sort([sc, dc]);
  const sym = sorted.getColumn(sc).toArray() as string[];
  const dates = sorted.getColumn(dc).cast(pl.Utf8).toArray() as string[];
  const close = sorted.getColumn("close").cast(pl.Float64).toTypedArray() as Float64Array;
  const bySym = new Map<string, CorporateAction[]>();
  for (const a of actions) bySym.set(a.symbol, [...(bySym.get(a.symbol) ?? []), a]);
  const pf = new Float64Array(sym.length).fill(1);
  const vf = new Float64Array(sym.length).fill(1);
  let i = 0;
  while (i < sym.length) {
    let j = i;
    while (j < sym.length && sym[j] === sym[i]) j++;
    const acts = bySym.get(sym[i]!);
    if (acts) {
      const f = adjustmentFactors(
        { dates: dates.slice(i, j), close: close.subarray(i, j) },
        acts,
        options,
      );
      pf.set(f.price, i);
      vf.set(f.volume, i);
    }
    i = j;
  }
  const pS = pl.Series("__pf", pf), vS = pl.Series("__vf", vf);
  return sorted.withColumns(pS, vS).withColumns(
    ...prices.map((c) => pl.col(c).cast(pl.Float64).mul(pl.col("__pf")).alias(c)),
    ...vols.map((c) => pl.col(c).cast(pl.Float64).mul(pl.col("__vf")).alias(c)),
  ).drop("__pf", "__vf");
}
