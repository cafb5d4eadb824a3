/**
 * Bid, ask and mid OHLC bars of FX ticks on the `fx` calendar (24x5; the session of date D runs
 * D-1 17:00 to D 17:00 New York): M1, M5, M15, H1 on the UTC clock, H4 counted from the
 * session's open (17:00, 21:00, 01:00, 05:00, 09:00, 13:00 New York), D1 = the whole session.
 * US clocks change on a Sunday at 02:00, inside the weekend gap, so every session is 24 hours
 * and holds six H4 bars; a window is nevertheless cut at its session's close if it would cross it.
 *
 * Per bar and side (bid, ask, and mid: the tick's `mid` column, else (bid + ask) / 2):
 *   open = first tick's price, high = max, low = min, close = last tick's price (ticks in time
 *   order, ties in file order); ticks = count; bid_volume, ask_volume = sums of the ticks'
 *   volumes. A bar is stamped at its window's open (`ts_ms`) and known at its close (`close_ms`,
 *   the window's end, the session's close for D1 and the last H4 bar). Windows without ticks
 *   have no bar (nothing is filled forward).
 *
 * Aggregation identities (tested): bars of a coarser frame built from the bars of a finer one
 * equal those built from the ticks: open = first sub-bar's open, high = max of highs, low = min
 * of lows, close = last close, ticks and volumes summed (volumes equal up to float rounding of
 * the summation order, prices exactly). Every M1..H1 window lies inside one session because the
 * session bounds are whole hours.
 *
 * @example
 * ```ts
 * const bars = fxBarsFromTicks(ticks, "M5");
 * const same = fxBarsFromBars(fxBarsFromTicks(ticks, "M1"), "M5"); // equal to bars
 * ```
 */
import { getCalendar } from "../time/mod.ts";

/** Bar frames built from ticks, finest first. */
export const FX_BAR_TIMEFRAMES = ["M1", "M5", "M15", "H1", "H4", "D1"] as const;
/** A bar frame. */
export type FxTimeframe = typeof FX_BAR_TIMEFRAMES[number];

const FIXED_MS: Record<string, number> = {
  M1: 60_000,
  M5: 300_000,
  M15: 900_000,
  H1: 3_600_000,
};
const H4_MS = 14_400_000;

/** Ticks as columns, in time order. Prices in quote currency, volumes as the vendor gives them. */
export interface FxTickColumns {
  ts_ms: Float64Array;
  bid: Float64Array;
  ask: Float64Array;
  bid_volume: Float64Array;
  ask_volume: Float64Array;
  /** Mid per tick. @default (bid + ask) / 2 */
  mid?: Float64Array;
}

/** OHLC fields of one side. */
const SIDES = ["bid", "ask", "mid"] as const;
const OHLC = ["open", "high", "low", "close"] as const;
type PriceKey = `${typeof SIDES[number]}_${typeof OHLC[number]}`;

/** Bars as columns, in time order. */
export type FxBarColumns =
  & {
    length: number;
    /** Window open, epoch ms. */
    ts_ms: Float64Array;
    /** Window close (the instant the bar is known), epoch ms. */
    close_ms: Float64Array;
    /** Session date (ISO) of each bar on the fx calendar. */
    session: string[];
    ticks: Float64Array;
    bid_volume: Float64Array;
    ask_volume: Float64Array;
  }
  & Record<PriceKey, Float64Array>;

const CAL = getCalendar("fx");

/**
 * The window [open, close) of `tf` holding instant `ms`, and its fx session date.
 * @throws RangeError when `ms` is outside every fx session (weekend)
 */
export function fxBarWindow(
  tf: FxTimeframe,
  ms: number,
): { open: number; close: number; session: string } {
  const session = CAL.sessionDateOf(ms);
  if (session === null) {
    throw new RangeError(
      `Cannot build ${tf} bars: tick at ${new Date(ms).toISOString()} is outside every fx session`,
    );
  }
  const span = FIXED_MS[tf];
  if (span !== undefined) {
    const open = Math.floor(ms / span) * span;
    return { open, close: open + span, session };
  }
  const b = CAL.sessionBounds(session)!;
  const so = b.open.getTime(), sc = b.close.getTime();
  if (tf === "D1") return { open: so, close: sc, session };
  if (tf === "H4") {
    const open = so + Math.floor((ms - so) / H4_MS) * H4_MS;
    return { open, close: Math.min(open + H4_MS, sc), session };
  }
  throw new RangeError(
    `Unknown bar frame "${tf}": expected one of ${FX_BAR_TIMEFRAMES.join(", ")}`,
  );
}

function alloc(n: number): FxBarColumns {
  const b = {
    length: 0,
    ts_ms: new Float64Array(n),
    close_ms: new Float64Array(n),
    session: [] as string[],
    ticks: new Float64Array(n),
    bid_volume: new Float64Array(n),
    ask_volume: new Float64Array(n),
  } as Record<string, unknown>;
  for (const s of SIDES) for (const k of OHLC) b[`${s}_${k}`] = new Float64Array(n);
  return b as unknown as FxBarColumns;
}

function trim(b: FxBarColumns, n: number): FxBarColumns {
  const out = { ...b, length: n, session: b.session.slice(0, n) } as Record<string, unknown>;
  for (const [k, v] of Object.entries(b)) if (v instanceof Float64Array) out[k] = v.slice(0, n);
  return out as unknown as FxBarColumns;
}

/**
 * Aggregate time-ordered input rows (ticks as one-tick bars, or finer bars) into `tf` windows.
 * `start(i)` is the row's instant, `end(i)` the end of the span it covers (checked to lie in
 * the window: a sub-bar straddling two windows is an error, never split).
 */
function aggregate(
  n: number,
  tf: FxTimeframe,
  start: (i: number) => number,
  end: (i: number) => number,
  px: (key: PriceKey, i: number) => number,
  count: (i: number) => number,
  bidVol: (i: number) => number,
  askVol: (i: number) => number,
): FxBarColumns {
  const out = alloc(n);
  let j = -1;
  let wOpen = NaN, wClose = NaN, prev = -Infinity;
  // Session lookups are per hour: cache the last hour's window.
  let cacheHour = NaN, cacheWin: ReturnType<typeof fxBarWindow> | null = null;
  for (let i = 0; i < n; i++) {
    const t = start(i);
    if (!(t >= prev)) {
      throw new RangeError(
        `Cannot build ${tf} bars: input not in time order at row ${i} (${
          new Date(t).toISOString()
        })`,
      );
    }
    prev = t;
    if (!(t >= wOpen && t < wClose)) {
      const hour = Math.floor(t / 3_600_000);
      const fixed = FIXED_MS[tf] !== undefined;
      let w: ReturnType<typeof fxBarWindow>;
      if (!fixed && hour === cacheHour && cacheWin && t >= cacheWin.open && t < cacheWin.close) {
        w = cacheWin;
      } else {
        w = fxBarWindow(tf, t);
        cacheHour = hour;
        cacheWin = w;
      }
      j++;
      wOpen = w.open;
      wClose = w.close;
      out.ts_ms[j] = w.open;
      out.close_ms[j] = w.close;
      out.session[j] = w.session;
      for (const s of SIDES) {
        out[`${s}_open`][j] = px(`${s}_open`, i);
        out[`${s}_high`][j] = -Infinity;
        out[`${s}_low`][j] = Infinity;
      }
    }
    if (end(i) > wClose) {
      throw new RangeError(
        `Cannot build ${tf} bars: input row ${i} (${new Date(t).toISOString()}..${
          new Date(end(i)).toISOString()
        }) straddles the window ending ${new Date(wClose).toISOString()}`,
      );
    }
    for (const s of SIDES) {
      const h = px(`${s}_high`, i), l = px(`${s}_low`, i);
      const H = out[`${s}_high`], L = out[`${s}_low`];
      if (h > H[j]!) H[j] = h;
      if (l < L[j]!) L[j] = l;
      out[`${s}_close`][j] = px(`${s}_close`, i);
    }
    out.ticks[j] = out.ticks[j]! + count(i);
    out.bid_volume[j] = out.bid_volume[j]! + bidVol(i);
    out.ask_volume[j] = out.ask_volume[j]! + askVol(i);
  }
  return trim(out, j + 1);
}

/**
 * Bars of frame `tf` from time-ordered ticks (module doc for the rules).
 * @throws RangeError on ticks out of time order or outside every fx session
 */
export function fxBarsFromTicks(ticks: FxTickColumns, tf: FxTimeframe): FxBarColumns {
  const { ts_ms, bid, ask, mid } = ticks;
  const n = ts_ms.length;
  for (const k of ["bid", "ask", "bid_volume", "ask_volume", "mid"] as const) {
    const len = ticks[k]?.length ?? n;
    if (len !== n) {
      throw new RangeError(`Cannot build ${tf} bars: column ${k} has ${len} rows, ts_ms ${n}`);
    }
  }
  const price = (key: PriceKey, i: number) => {
    const side = key.slice(0, 3);
    return side === "bid"
      ? bid[i]!
      : side === "ask"
      ? ask[i]!
      : mid
      ? mid[i]!
      : (bid[i]! + ask[i]!) / 2;
  };
  return aggregate(
    n,
    tf,
    (i) => ts_ms[i]!,
    (i) => ts_ms[i]!,
    price,
    () => 1,
    (i) => ticks.bid_volume[i]!,
    (i) => ticks.ask_volume[i]!,
  );
}

/**
 * Bars of a coarser frame `tf` from finer bars (module doc: the identities).
 * @throws RangeError when a sub-bar straddles a `tf` window (the finer frame does not nest)
 */
export function fxBarsFromBars(bars: FxBarColumns, tf: FxTimeframe): FxBarColumns {
  return aggregate(
    bars.length,
    tf,
    (i) => bars.ts_ms[i]!,
    (i) => bars.close_ms[i]!,
    (key, i) => bars[key][i]!,
    (i) => bars.ticks[i]!,
    (i) => bars.bid_volume[i]!,
    (i) => bars.ask_volume[i]!,
  );
}
