/**
 * Sentences about how a backtest run traded that a user needs to read its figures: the leverage
 * limit and what it cut, positions closed because a symbol's data ended, positions marked at a
 * stale close inside a hole of the data, and orders that waited for fills (participation cap,
 * volume or volatility history). Used by the `backtest` task (text, --json and report).
 *
 * @example
 * ```ts ignore
 * const n = runNotes(result);
 * n.leverage; // "limit 1x equity on gross exposure (|longs| + |shorts|, not net), checked at each fill that raises a position (...); 1 order scaled down to it, 0 rejected; peak gross leverage 1.000 at the 2000-09-28 close, after that bar's fills (|longs| + |shorts| over equity, all marked at that close)"
 * ```
 */

import { closeLabeler } from "../quality/period_close.ts";
import type { BacktestResult, UnfilledReason } from "./engine.ts";
import type { BarPanel } from "./panel.ts";

/**
 * What each reason an order ended without being filled in full means (lib/backtest `_book.ts`
 * {@link UnfilledReason}), as printed beside its count by the `backtest` task and listed in its
 * --help. Every reason the engines can report has a text (the Record type checks it).
 */
export const UNFILLED_REASON_TEXT: Record<UnfilledReason, string> = {
  leverage_limit:
    "the fill would have taken gross exposure above maxGrossLeverage x equity: what fitted was filled, the rest cancelled",
  not_eligible_before_end:
    "the run ended before the order's first fillable bar: orders fill at the next bar, so those sent at the last bar never can; not a data problem",
  no_price: "the symbol had no bar (no open and no close) on the bars the order could fill at",
  no_volume_history: "the participation cap is on and no session with volume was known yet",
  participation_cap:
    "the day's share of average daily volume was used up and the cost model cancels the rest",
  lot_rounding: "what was left was less than one lot",
  no_volatility_estimate: "impact is on and fewer than two daily returns were known",
  price_not_reached: "a limit or stop price was never reached",
  cancelled_before_eligible: "cancelled or replaced by the strategy before its first eligible bar",
  delisted: "the symbol was delisted with the order pending",
  day_order_expired: "a day limit or stop order whose day ended unfilled",
  data_ended:
    "the symbol's bars ended before the panel's (its position was closed at its last close) with the order pending",
};

/** What {@link runNotes} returns: one sentence each ("" when there is nothing to say). */
export interface RunNotes {
  /**
   * Limit, orders scaled or rejected by it, peak gross / equity at a close (after that bar's
   * fills, everything marked at it): `${leverageLimit}; ${leverageUse}`.
   */
  leverage: string;
  /** What the limit is and where it applies (the same for every run of one spec). */
  leverageLimit: string;
  /** Orders scaled or rejected by the limit and the peak gross / equity at a close. */
  leverageUse: string;
  /** Symbols whose data ended before the panel's, and the positions closed there. */
  dataEnded: string;
  /** Bars a position was marked at an earlier close because its symbol had no bar. */
  heldWithoutBar: string;
  /** Orders delayed or partly filled, bars by reason. */
  delayed: string;
}

const DELAY_TEXT: Record<string, string> = {
  no_volatility_estimate: "waiting for a volatility estimate (impact needs two daily returns)",
  no_volume_history: "waiting for volume history (the participation cap needs one session)",
  participation_cap: "cut by the participation cap (share of ADV per day)",
  no_price: "the symbol had no bar",
  lot_rounding: "less than one lot",
};

/**
 * When bar `bar` of the run was, as `{ on, close }` texts: its date, or its UTC minute for a
 * run resampled to sessions (whose bar indices are the run's own bars, `result.bars.tsMs`, not
 * the session rows); for weekly and slower bars the date of the period's close with the period
 * named ("1990-01-12 (week of 1990-01-08)", lib/quality `closeLabeler`).
 */
function barDates(r: BacktestResult, panel?: Pick<BarPanel, "frequency" | "calendar">) {
  const periods = r.bars ? null : closeLabeler(panel?.frequency, panel?.calendar);
  const day = (bar: number) => {
    const ts = r.bars?.tsMs ?? r.tsMs;
    if (!(bar >= 0 && bar < ts.length)) return null;
    const iso = new Date(ts[bar]!).toISOString();
    return r.bars ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(0, 10);
  };
  return {
    /** "2000-09-28", or "1990-01-12 (week of 1990-01-08)". */
    on: (bar: number) => {
      const d = day(bar);
      return d === null ? "?" : periods ? periods.on(d) : d;
    },
    /** "2000-09-28 close", or "1990-01-12 close (week of 1990-01-08)": reads after "at the". */
    close: (bar: number) => {
      const d = day(bar);
      return d === null ? "? close" : periods ? periods.close(d) : `${d} close`;
    },
  };
}

/**
 * The leverage limit as a user reads it beside the peak (`maxGrossLeverage`, m; engine module
 * doc): m bounds GROSS exposure (|longs| + |shorts|, not net) at each fill that raises a
 * position; prices move between fills and nothing trades the book back, so gross / equity at a
 * later close can exceed m (a long/short book whose shorts rise or longs fall). A long-only
 * book under m = 1 cannot drift above it: its cash never goes below zero, so gross <= equity.
 */
function limitText(limit: number): string {
  if (limit === Infinity) return "no limit (maxGrossLeverage null): orders may borrow";
  return `limit ${limit}x equity on gross exposure (|longs| + |shorts|, not net), checked at ` +
    `each fill that raises a position, not traded back between fills (${
      limit === 1
        ? "a long-only book never borrows and stays within it; a book with shorts can drift above it as prices move"
        : "a book with shorts or borrowed cash can drift above it as prices move"
    })`;
}

/**
 * The notes of a run (module doc); `result` straight from the engine or resampled. `panel`
 * (its `frequency` and `calendar`) names weekly and slower bars by their period's close.
 */
export function runNotes(
  result: BacktestResult,
  panel?: Pick<BarPanel, "frequency" | "calendar">,
): RunNotes {
  const lev = result.leverage;
  const o = result.orders;
  const when = barDates(result, panel);
  let leverage = "", leverageLimit = "", leverageUse = "";
  if (lev) {
    // Both engines mark gross and equity after the bar's fills, at its close (engine.ts
    // book.mark after the open and close sweeps; vectorized.ts likewise); a raising fill is
    // checked with the other positions at their last close before the bar (_book.ts fill).
    const over = lev.peakGross > lev.limit * (1 + 1e-9)
      ? `: above the ${lev.limit}x limit by price moves, not by a fill (a fill that raises a position is checked with the other positions at their previous close)`
      : "";
    const peak = lev.peakBar < 0
      ? "nothing held"
      : `peak gross leverage ${lev.peakGross.toFixed(3)} at the ${
        when.close(lev.peakBar)
      }, after that bar's fills (|longs| + |shorts| over equity, all marked at that close)${over}`;
    leverageLimit = limitText(lev.limit);
    leverageUse = `${o.leverageScaled ?? 0} order${
      o.leverageScaled === 1 ? "" : "s"
    } scaled down to it, ${o.leverageRejected ?? 0} rejected; ${peak}`;
    leverage = `${leverageLimit}; ${leverageUse}`;
  }
  const ended = result.dataEnded ?? [];
  const dataEnded = ended.length
    ? ended.map((e) =>
      `${e.symbol} data ended ${when.on(e.bar)}: ${
        e.closed ? "position closed at that close (a data_end fill)" : "nothing held"
      }`
    ).join("; ")
    : "";
  const held = Object.entries(result.heldWithoutBar ?? {});
  const heldWithoutBar = held.length
    ? held.map(([s, n]) =>
      `${s} held ${n} bar${n === 1 ? "" : "s"} without a bar of its own (marked at its last close)`
    )
      .join("; ")
    : "";
  const d = Object.entries(o.delayedBars ?? {}).filter(([, n]) => (n ?? 0) > 0);
  const delayed = d.length
    ? `orders delayed or partly filled: ${
      d.map(([k, n]) => `${n} bar${n === 1 ? "" : "s"} ${DELAY_TEXT[k] ?? k}`).join(", ")
    }`
    : "";
  return { leverage, leverageLimit, leverageUse, dataEnded, heldWithoutBar, delayed };
}
