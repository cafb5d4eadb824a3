/**
 * Session-level view of an intraday backtest: one row per trading day (the panel's `day`), so
 * that daily metrics (Sharpe with the calendar's sessions per year, monthly heatmap) and light
 * charts come from intraday runs; the result's `periodsPerYear` becomes its `sessionsPerYear`. Equity, cash, gross and net are taken at the session's last bar; costs,
 * traded notional and dividends are summed over the session; `tsMs` is the session's first bar.
 * Positions are taken at the session's last bar. Fills, rejections and unfilled orders are kept.
 * What the session rows lose is kept in `bars` ({@link ResampledFrom}): the first bar's instant and
 * equity (the first row is already the first session's end) and the drawdown over every bar
 * (a fall and recovery inside a session does not show at session closes).
 */

import type { BacktestResult, ResampledFrom } from "./engine.ts";
import { drawdownStats } from "./returns.ts";

/**
 * Resample a result to sessions.
 *
 * @example
 * ```ts ignore
 * const daily = resampleToSessions(result, panel.day!);
 * summarizeBacktest(daily); // daily Sharpe
 * ```
 */
export function resampleToSessions(res: BacktestResult, day: Int32Array): BacktestResult {
  const n = res.equity.length;
  if (day.length !== n) throw new RangeError(`day has ${day.length} entries for ${n} bars`);
  const last: number[] = [];
  const first: number[] = [];
  for (let t = 0; t < n; t++) {
    if (t === 0 || day[t] !== day[t - 1]) first.push(t);
    if (t === n - 1 || day[t + 1] !== day[t]) last.push(t);
  }
  const m = last.length;
  const pick = (a: Float64Array) => Float64Array.from(last, (t) => a[t]!);
  const sum = (a: Float64Array) =>
    Float64Array.from(first, (f, k) => {
      let s = 0;
      for (let t = f; t <= last[k]!; t++) s += a[t]!;
      return s;
    });
  const nSym = res.symbols.length;
  const positions = new Float64Array(res.positions.length ? nSym * m : 0);
  if (res.positions.length) {
    for (let s = 0; s < nSym; s++) {
      for (let k = 0; k < m; k++) positions[s * m + k] = res.positions[s * n + last[k]!]!;
    }
  }
  const { periodsPerYear: _perBar, ...rest } = res;
  const bars: ResampledFrom = {
    tsMs: res.tsMs,
    startMs: n ? res.tsMs[0]! : NaN,
    endMs: n ? res.tsMs[n - 1]! : NaN,
    startEquity: n ? res.equity[0]! : res.initialCash,
    count: n,
    maxDrawdown: drawdownStats(res.equity).maxDrawdown,
  };
  return {
    ...rest,
    bars,
    // one row per session now: annualise by the calendar's sessions per year when known
    ...(res.sessionsPerYear ? { periodsPerYear: res.sessionsPerYear } : {}),
    tsMs: Float64Array.from(first, (t) => res.tsMs[t]!),
    equity: pick(res.equity),
    cash: pick(res.cash),
    gross: pick(res.gross),
    net: pick(res.net),
    positions,
    dividends: sum(res.dividends),
    costs: {
      commission: sum(res.costs.commission),
      fees: sum(res.costs.fees),
      spread: sum(res.costs.spread),
      impact: sum(res.costs.impact),
      borrow: sum(res.costs.borrow),
      traded: sum(res.costs.traded),
    },
  };
}
