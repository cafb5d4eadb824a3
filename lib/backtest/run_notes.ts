/**
 * Sentences about how a backtest run traded that a user needs to read its figures: the leverage
 * limit and what it cut, positions closed because a symbol's data ended, positions marked at a
 * stale close inside a hole of the data, and orders that waited for fills (participation cap,
 * volume or volatility history). Used by the `backtest` task (text, --json and report).
 *
 * @example
 * ```ts ignore
 * const n = runNotes(result);
 * n.leverage; // "limit 1x equity (no borrowing for a long-only book); 1 order scaled down to it, 0 rejected; peak gross leverage 1.000 at 2000-09-28"
 * ```
 */

import type { BacktestResult } from "./engine.ts";

/** What {@link runNotes} returns: one sentence each ("" when there is nothing to say). */
export interface RunNotes {
  /** Limit, orders scaled or rejected by it, peak gross / equity at a close. */
  leverage: string;
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
 * When bar `bar` of the run was: its date, or its UTC minute for a run resampled to sessions
 * (whose bar indices are the run's own bars, `result.bars.tsMs`, not the session rows).
 */
const date = (r: BacktestResult, bar: number) => {
  const ts = r.bars?.tsMs ?? r.tsMs;
  if (!(bar >= 0 && bar < ts.length)) return "?";
  const iso = new Date(ts[bar]!).toISOString();
  return r.bars ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(0, 10);
};

/** The notes of a run (module doc); `result` straight from the engine or resampled. */
export function runNotes(result: BacktestResult): RunNotes {
  const lev = result.leverage;
  const o = result.orders;
  let leverage = "";
  if (lev) {
    const limit = lev.limit === Infinity
      ? "no limit (maxGrossLeverage null): orders may borrow"
      : `limit ${lev.limit}x equity${
        lev.limit === 1 ? " (no borrowing for a long-only book)" : ""
      }`;
    const peak = lev.peakBar < 0
      ? "nothing held"
      : `peak gross leverage ${lev.peakGross.toFixed(3)} at the ${date(result, lev.peakBar)} close`;
    leverage = `${limit}; ${o.leverageScaled ?? 0} order${
      o.leverageScaled === 1 ? "" : "s"
    } scaled down to it, ${o.leverageRejected ?? 0} rejected; ${peak}`;
  }
  const ended = result.dataEnded ?? [];
  const dataEnded = ended.length
    ? ended.map((e) =>
      `${e.symbol} data ended ${date(result, e.bar)}: ${
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
  return { leverage, dataEnded, heldWithoutBar, delayed };
}
