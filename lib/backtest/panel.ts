/**
 * Bar panels for the backtest engines: typed arrays, symbols x bars, symbol-major
 * (`index = s * nBars + t`). Prices are raw (unadjusted) per share, in the panel's `currency`
 * (USD when not stated); corporate actions are applied to positions by the event engine.
 * A bar where both open and close are NaN is a bar where the symbol did not trade (before
 * listing, after delisting, halted); orders wait for the next valid bar. A bar with a close but
 * no open is a close-only observation (FX closes, index levels): the event engine fills
 * market-on-open orders at that bar's close and says so (see `runBacktest`), it never invents an
 * open. A NaN volume is unknown volume (not zero): cost models that need volume refuse a panel
 * without any. A bar is stamped at its open (`tsMs`) and known at its close.
 *
 * The optional `calendar`, `currency`, `frequency` and `periodsPerYear` describe the data (a lake
 * dataset declares them); annualisation and labels downstream take them from here.
 */

import { DataError } from "../core/mod.ts";

/** Prices and volumes of `symbols` over `tsMs.length` bars. */
export interface BarPanel {
  /** Symbol names; position s in the arrays. */
  symbols: readonly string[];
  /** Bar open instants, epoch ms UTC, strictly increasing. */
  tsMs: Float64Array;
  /** Trading-day index per bar (non-decreasing); bars of one session share it. @default each bar is its own day */
  day?: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** Shares traded in the bar. */
  volume: Float64Array;
  /** Best bid prevailing at the bar's fills, optional (half-spread from quotes). */
  bid?: Float64Array;
  /** Best ask prevailing at the bar's fills, optional. */
  ask?: Float64Array;
  /** Trading calendar of the bars (lib/time `getCalendar` name). @default "nyse" */
  calendar?: string;
  /** ISO 4217 currency of prices, or null when unknown/mixed. @default "USD" */
  currency?: string | null;
  /** Bar frequency as declared by the dataset (`session`, `day`, `30m`, `week`...). @default "day" */
  frequency?: string;
  /**
   * Bars per year, the annualisation factor of per-bar returns (252 for NYSE sessions, 260 for
   * FX sessions, 52 for weekly bars, 48 x 260 = 12,480 for 30-minute FX bars).
   * @default TRADING_DAYS_PER_YEAR
   */
  periodsPerYear?: number;
  /**
   * Sessions per year of the calendar: the annualisation factor of session returns (intraday
   * results resampled to sessions). @default periodsPerYear when `day` is absent, else 252
   */
  sessionsPerYear?: number;
}

/** Number of symbols and bars of a panel. */
export function panelShape(p: BarPanel): { nSym: number; nBars: number } {
  return { nSym: p.symbols.length, nBars: p.tsMs.length };
}

/** Day index of every bar (the panel's `day`, or 0..nBars-1). */
export function panelDays(p: BarPanel): Int32Array {
  if (p.day) return p.day;
  const d = new Int32Array(p.tsMs.length);
  for (let t = 0; t < d.length; t++) d[t] = t;
  return d;
}

/** Whether any bar of the panel has a volume (a finite value); false for close-only FX or index data. */
export function panelHasVolume(p: BarPanel): boolean {
  const v = p.volume;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]!)) return true;
  return false;
}

/** Number of bars with a close but no open (close-only observations). */
export function panelMissingOpens(p: BarPanel): number {
  let n = 0;
  for (let i = 0; i < p.open.length; i++) {
    if (Number.isNaN(p.open[i]!) && Number.isFinite(p.close[i]!)) n++;
  }
  return n;
}

/**
 * Check shapes and bar consistency; throws RangeError for wrong shapes and DataError (naming
 * symbol, bar and value) for an inconsistent bar: when open is finite, close must be finite and
 * positive, low <= min(open, close), high >= max(open, close); a close-only bar (NaN open,
 * finite close) needs close > 0 and, where high/low are given, low <= close <= high; volume is
 * NaN (unknown) or >= 0.
 */
export function validatePanel(p: BarPanel): void {
  const { nSym, nBars } = panelShape(p);
  const n = nSym * nBars;
  for (const k of ["open", "high", "low", "close", "volume"] as const) {
    if (p[k].length !== n) {
      throw new RangeError(
        `Panel ${k} has ${p[k].length} values, expected ${nSym} x ${nBars} = ${n}`,
      );
    }
  }
  for (const k of ["bid", "ask"] as const) {
    const a = p[k];
    if (a && a.length !== n) {
      throw new RangeError(`Panel ${k} has ${a.length} values, expected ${n}`);
    }
  }
  if (p.day && p.day.length !== nBars) {
    throw new RangeError(`Panel day has ${p.day.length} values, expected ${nBars}`);
  }
  for (let t = 1; t < nBars; t++) {
    if (!(p.tsMs[t]! > p.tsMs[t - 1]!)) {
      throw new RangeError(`Panel tsMs must be strictly increasing; bar ${t} has ${p.tsMs[t]}`);
    }
    if (p.day && p.day[t]! < p.day[t - 1]!) {
      throw new RangeError(`Panel day must be non-decreasing; bar ${t} has ${p.day[t]}`);
    }
  }
  // One pass over the flat arrays (i = s * nBars + t, the order of the rule's statement). The
  // common bar (open and close given) passes a branch-light test that implies the full rule
  // below (o > 0 and c > 0 are not NaN, so h >= max(o, c) is h >= o && h >= c, and h >= o > 0
  // leaves only +Infinity to refuse); anything else is judged by the full rule.
  const { open, high, low, close, volume } = p;
  for (let i = 0; i < n; i++) {
    const o = open[i]!, h = high[i]!, l = low[i]!, c = close[i]!, v = volume[i]!;
    if (
      o > 0 && c > 0 && l > 0 && h >= o && h >= c && l <= o && l <= c && h !== Infinity &&
      (v >= 0 || v !== v)
    ) continue;
    if (Number.isNaN(o) && Number.isNaN(c)) continue;
    const volOk = Number.isNaN(v) || v >= 0;
    const ok = Number.isNaN(o)
      ? c > 0 && Number.isFinite(c) && (Number.isNaN(h) || h >= c) &&
        (Number.isNaN(l) || (l > 0 && l <= c)) && volOk
      : o > 0 && c > 0 && l > 0 && h >= Math.max(o, c) && l <= Math.min(o, c) && volOk &&
        Number.isFinite(h);
    if (!ok) {
      const s = Math.floor(i / nBars), t = i - s * nBars;
      // A price <= 0 is not a price at all (returns, logs or yields taken as prices): say so.
      const nonPositive = [o, h, l, c].some((x) => x <= 0);
      throw new DataError(
        `Bad bar for ${p.symbols[s]} at bar ${t} (ts ${
          new Date(p.tsMs[t]!).toISOString()
        }): open ${o} high ${h} low ${l} close ${c} volume ${v}${
          nonPositive ? `: ${NON_POSITIVE_PRICE}` : ""
        }`,
        { dataset: "bar_panel", column: "ohlcv" },
      );
    }
  }
}

/**
 * The part of a bad-bar message for a price <= 0 (lib/backtest/lake_panel.ts turns such a bar of
 * a lake dataset into a refusal of the data, exit 2).
 */
export const NON_POSITIVE_PRICE =
  "the value is not a positive price: if the values are returns, re-ingest with --from-returns simple|log --replace; if they are logs, yields or other quantities, re-ingest with --units percent|bp|rate|ratio|count|other --replace";

/**
 * What a panel looked like when {@link checkPanelOnce} last validated it: its arrays (by
 * identity) and their lengths.
 */
const checked = new WeakMap<BarPanel, readonly unknown[]>();

function panelKey(p: BarPanel): unknown[] {
  const key: unknown[] = [p.symbols, p.symbols.length, p.tsMs, p.tsMs.length, p.day, p.day?.length];
  for (const a of [p.open, p.high, p.low, p.close, p.volume, p.bid, p.ask]) key.push(a, a?.length);
  return key;
}

/**
 * {@link validatePanel} once per panel: a panel object already validated with the same arrays
 * (the same objects, of the same lengths) is not scanned again, so repeated runs over one panel
 * (parameter sweeps, benchmarks) pay for the O(symbols x bars) check once. Values written into a
 * panel's arrays in place after its first check are not seen: call {@link validatePanel} after
 * such a change (or build a new panel object). A panel that fails is never recorded as checked.
 *
 * @example
 * ```ts
 * checkPanelOnce(panel); // scans every bar
 * checkPanelOnce(panel); // returns at once
 * ```
 */
export function checkPanelOnce(p: BarPanel): void {
  const key = panelKey(p);
  const prev = checked.get(p);
  if (prev !== undefined && prev.length === key.length && prev.every((x, k) => x === key[k])) {
    return;
  }
  validatePanel(p);
  checked.set(p, key);
}

/** Fields for {@link makePanel}: one array per symbol, or flat symbol-major arrays. */
export interface PanelInput {
  symbols: readonly string[];
  tsMs: ArrayLike<number>;
  open: ArrayLike<number>[];
  high?: ArrayLike<number>[];
  low?: ArrayLike<number>[];
  close: ArrayLike<number>[];
  volume?: ArrayLike<number>[];
  day?: ArrayLike<number>;
}

/**
 * Build and validate a panel from per-symbol arrays. Missing high/low default to
 * max/min(open, close); missing volume to Infinity-free 1e12 shares (effectively no cap).
 *
 * @example
 * ```ts
 * const p = makePanel({ symbols: ["A"], tsMs: [0, 864e5], open: [[10, 11]], close: [[11, 12]] });
 * ```
 */
export function makePanel(inp: PanelInput): BarPanel {
  const nSym = inp.symbols.length;
  const nBars = inp.tsMs.length;
  const flat = (rows: ArrayLike<number>[] | undefined, fill: (s: number, t: number) => number) => {
    const a = new Float64Array(nSym * nBars);
    for (let s = 0; s < nSym; s++) {
      const row = rows?.[s];
      if (rows && (!row || row.length !== nBars)) {
        throw new RangeError(`Panel row for ${inp.symbols[s]} must have ${nBars} values`);
      }
      for (let t = 0; t < nBars; t++) a[s * nBars + t] = row ? row[t]! : fill(s, t);
    }
    return a;
  };
  const open = flat(inp.open, () => NaN);
  const close = flat(inp.close, () => NaN);
  const high = flat(inp.high, (s, t) => Math.max(open[s * nBars + t]!, close[s * nBars + t]!));
  const low = flat(inp.low, (s, t) => Math.min(open[s * nBars + t]!, close[s * nBars + t]!));
  const volume = flat(inp.volume, () => 1e12);
  const p: BarPanel = {
    symbols: inp.symbols,
    tsMs: Float64Array.from(inp.tsMs),
    open,
    high,
    low,
    close,
    volume,
  };
  if (inp.day) p.day = Int32Array.from(inp.day);
  checkPanelOnce(p);
  return p;
}
