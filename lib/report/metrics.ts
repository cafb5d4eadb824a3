/**
 * Performance metrics of an equity curve or a backtest. Conventions (as in empyrical):
 * simple per-bar returns r_t = E_t / E_{t-1} - 1; non-finite returns are skipped; annualisation
 * by `periodsPerYear` (default TRADING_DAYS_PER_YEAR = 252 for daily bars), except CAGR which,
 * given the bars' instants, compounds over elapsed calendar years (365.25 days); risk-free rate 0.
 *
 * @see empyrical (Quantopian), https://github.com/quantopian/empyrical — same definitions of
 *      Sharpe, Sortino (downside deviation over all periods), max drawdown, CAGR and Calmar.
 */

import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import { observedPeriodsPerYear } from "../core/annualise.ts";
import {
  type BacktestResult,
  type BarPanel,
  type Fill,
  marketEstimates,
  panelDays,
  panelHasVolume,
  panelShape,
} from "../backtest/mod.ts";
import {
  drawdownStats,
  finiteValues as finite,
  returnsFromEquity,
  sharpeRatio,
} from "../backtest/returns.ts";
export { type DrawdownStats, drawdownStats } from "../backtest/returns.ts";
import { type CostModel, resolveCostModel } from "../execution/cost_model.ts";
import { UNFILLED_REASON_TEXT } from "../backtest/run_notes.ts";
import type { UnfilledReason } from "../backtest/engine.ts";

export { returnsFromEquity, sharpeRatio };
export { observedPeriodsPerYear };

/**
 * Annualised Sortino ratio: mean(r) / DD * sqrt(periodsPerYear), DD = sqrt(mean(min(r, 0)^2))
 * over all periods (empyrical's downside risk with required return 0). Infinity when there is
 * no downside and the mean is positive; NaN with no returns.
 */
export function sortinoRatio(r: ArrayLike<number>, periodsPerYear = TRADING_DAYS_PER_YEAR): number {
  const x = finite(r);
  if (x.length < 1) return NaN;
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const dd = Math.sqrt(x.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / x.length);
  if (dd === 0) return m > 0 ? Infinity : NaN;
  return (m / dd) * Math.sqrt(periodsPerYear);
}

/** Drawdown series 1 - E_t / running peak (0 at peaks). */
export function drawdownSeries(equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let t = 0; t < equity.length; t++) {
    const e = equity[t]!;
    if (e > peak) peak = e;
    out[t] = peak > 0 ? 1 - e / peak : 0;
  }
  return out;
}

/** Days in a calendar year for CAGR over elapsed time (Julian year, as in empyrical's "365.25"). */
export const DAYS_PER_CALENDAR_YEAR = 365.25;

/** Options of {@link cagr} and {@link calmarRatio}. */
export interface CagrOptions {
  /**
   * Instant (epoch ms) of each equity point. When given, the years are the elapsed calendar time
   * between the first and the last point, (tsMs[n-1] - tsMs[0]) / (365.25 x 86,400,000), so
   * missing bars (a gappy series) do not shorten the span. @default undefined (years =
   * (n - 1) / periodsPerYear: the rows are taken as evenly spaced periods)
   */
  tsMs?: ArrayLike<number>;
}

/**
 * Compound annual growth rate: (E_end / E_0)^(1 / years) - 1, years = elapsed calendar time
 * between the first and last point in Julian years of 365.25 days when `tsMs` is given
 * (a backtest's bars: {@link summarizeBacktest} passes them), else (n - 1) / periodsPerYear.
 * NaN with fewer than 2 points or a span that is not positive.
 *
 * @see Bacon, C. R. (2008). Practical Portfolio Performance Measurement and Attribution, 2nd ed.,
 *      Wiley: annualised return = (1 + r)^(D / d) - 1 with d the days of the period and D the
 *      days in a year.
 * @example
 * ```ts
 * import { cagr } from "./metrics.ts";
 * const day = 86_400_000;
 * cagr([100, 121], 52, { tsMs: [0, 2 * 365.25 * day] }); // 0.1: two calendar years
 * cagr([100, 121], 2); // 0.4641 = 1.21^2 - 1: without instants, one row is half a year
 * ```
 */
export function cagr(
  equity: ArrayLike<number>,
  periodsPerYear = TRADING_DAYS_PER_YEAR,
  options: CagrOptions = {},
): number {
  const n = equity.length;
  if (n < 2) return NaN;
  const ts = options.tsMs;
  if (ts !== undefined && ts.length !== n) {
    throw new RangeError(`Cannot compute CAGR: ${ts.length} instants for ${n} equity points`);
  }
  const years = ts !== undefined
    ? (ts[n - 1]! - ts[0]!) / (DAYS_PER_CALENDAR_YEAR * 86_400_000)
    : (n - 1) / periodsPerYear;
  if (!(years > 0)) return NaN;
  return Math.pow(equity[n - 1]! / equity[0]!, 1 / years) - 1;
}

/** Calmar ratio: CAGR ({@link cagr}, same options) / max drawdown (NaN when there is no drawdown). */
export function calmarRatio(
  equity: ArrayLike<number>,
  periodsPerYear = TRADING_DAYS_PER_YEAR,
  options: CagrOptions = {},
): number {
  const dd = drawdownStats(equity).maxDrawdown;
  return dd > 0 ? cagr(equity, periodsPerYear, options) / dd : NaN;
}

/** Rolling Sharpe over `window` returns (NaN until the window is full). */
export function rollingSharpe(
  r: ArrayLike<number>,
  window: number,
  periodsPerYear = TRADING_DAYS_PER_YEAR,
): Float64Array {
  const out = new Float64Array(r.length).fill(NaN);
  for (let t = window - 1; t < r.length; t++) {
    out[t] = sharpeRatio(Array.prototype.slice.call(r, t - window + 1, t + 1), periodsPerYear);
  }
  return out;
}

/** Hit rate: share of non-zero returns that are positive (NaN if none). */
export function hitRate(r: ArrayLike<number>): number {
  let pos = 0, nz = 0;
  for (let i = 0; i < r.length; i++) {
    const v = r[i]!;
    if (Number.isFinite(v) && v !== 0) {
      nz++;
      if (v > 0) pos++;
    }
  }
  return nz ? pos / nz : NaN;
}

/**
 * Capacity estimate: the capital at which the strategy, scaled k times, still makes sense, the
 * smaller of two bounds.
 *
 * - Impact: under square-root impact, at k times the run's capital gross P&L and linear costs
 *   scale by k and impact by k^1.5; impact eats half of the P&L left after linear costs at
 *   k_imp = (0.5 * (G - L) / I)^2 (Infinity without impact costs).
 * - Participation: every (symbol, day) traded |Q| <= cap * ADV; the run's busiest (symbol, day)
 *   traded `peakParticipation` of ADV, so k_part = participationCap / peakParticipation (Infinity
 *   when the cap is Infinity or nothing traded). At k = 1 a run the cap already clipped has
 *   k_part <= 1: it is at capacity.
 *
 * capacity = min(k_imp, k_part) * capital; 0 when P&L after linear costs is not positive. The
 * participation bound is applied only when `peakParticipation` is given (it needs the panel's
 * volume: {@link peakParticipation}); `boundBy` says which bound was smaller.
 * Conventions: amounts in the run's currency; ADV as the engine's (trailing completed days).
 *
 * @see Almgren, R., Thum, C., Hauptmann, E., & Li, H. (2005). Direct Estimation of Equity Market
 *      Impact. Risk 18(7) (square-root law); capacity as in Kakushadze & Yu (2018), "Notes on
 *      Capacity", https://ssrn.com/abstract=3168186.
 *
 * @example
 * ```ts
 * capacityEstimate({ capital: 1e6, grossPnl: 1e5, linearCosts: 2e4, impactCosts: 1e4 }); // 16e6
 * // the busiest day traded 2% of ADV under a 10% cap: 5x the capital
 * capacityEstimate({
 *   capital: 1e6, grossPnl: 1e5, linearCosts: 2e4, impactCosts: 1e4,
 *   participationCap: 0.1, peakParticipation: 0.02,
 * }); // 5e6
 * ```
 */
export function capacityEstimate(
  m: {
    capital: number;
    grossPnl: number;
    linearCosts: number;
    impactCosts: number;
    /** Participation cap of the cost model (fraction of ADV). @default Infinity */
    participationCap?: number;
    /** Largest traded |Q| / ADV of any (symbol, day) of the run. @default undefined (not checked) */
    peakParticipation?: number;
  },
): number {
  return capacityDetail(m).capacity;
}

/** {@link capacityEstimate} with the bound that decided it. */
export function capacityDetail(
  m: Parameters<typeof capacityEstimate>[0],
): { capacity: number; boundBy: "impact" | "participation" | "none" | "unprofitable" } {
  const net = m.grossPnl - m.linearCosts;
  if (!(net > 0)) return { capacity: 0, boundBy: "unprofitable" };
  const kImp = m.impactCosts > 0 ? (0.5 * net / m.impactCosts) ** 2 : Infinity;
  const cap = m.participationCap ?? Infinity;
  const peak = m.peakParticipation;
  const kPart = peak !== undefined && peak > 0 && Number.isFinite(cap) ? cap / peak : Infinity;
  const k = Math.min(kImp, kPart);
  return {
    capacity: k * m.capital,
    boundBy: k === Infinity ? "none" : kPart < kImp ? "participation" : "impact",
  };
}

/**
 * Largest participation of a run: max over (symbol, day) of sum |fill qty| / ADV, ADV being the
 * engine's estimate (lib/backtest `marketEstimates`: mean volume of the last `advWindow`
 * completed days the symbol traded) at the day's first fill. Delisting fills do not count; a
 * (symbol, day) with no ADV estimate is skipped and counted in `noAdv`.
 *
 * @example
 * ```ts ignore
 * const { peak } = peakParticipation(panel, result.fills, { advWindow: 20 });
 * ```
 */
export function peakParticipation(
  panel: BarPanel,
  fills: readonly Fill[],
  o: { advWindow?: number } = {},
): { peak: number; noAdv: number } {
  const { nBars } = panelShape(panel);
  const day = panelDays(panel);
  const { adv } = marketEstimates(panel, o.advWindow ?? 20, 2);
  const sym = new Map(panel.symbols.map((s, i) => [s, i]));
  const traded = new Map<string, { q: number; adv: number }>();
  for (const f of fills) {
    if (f.kind !== "trade") continue;
    const s = sym.get(f.symbol);
    if (s === undefined || f.bar < 0 || f.bar >= nBars) continue;
    const key = `${s}:${day[f.bar]}`;
    const cur = traded.get(key);
    if (cur) cur.q += Math.abs(f.qty);
    else traded.set(key, { q: Math.abs(f.qty), adv: adv[s * nBars + f.bar]! });
  }
  let peak = 0, noAdv = 0;
  for (const { q, adv: a } of traded.values()) {
    if (!(a > 0)) noAdv++;
    else peak = Math.max(peak, q / a);
  }
  return { peak, noAdv };
}

/**
 * The participation cap of a run's cost model and the run's peak participation
 * ({@link peakParticipation}), the input that bounds the report's capacity estimate. A cost
 * model without a cap (spread-only) gives `cap: Infinity` with the peak still measured from the
 * data's volume (it does not bound the capacity, the report shows it); undefined only when the
 * panel has no volume at all (close-only data).
 *
 * @example
 * ```ts ignore
 * const out = await runSpec(spec);
 * backtestReportHtml(out.result, { participation: runParticipation(out) });
 * ```
 */
export function runParticipation(
  run: { panel: BarPanel; costs: CostModel; result: { fills: readonly Fill[] } },
): { cap: number; peak: number; noAdv: number } | undefined {
  const m = resolveCostModel(run.costs);
  if (!panelHasVolume(run.panel)) return undefined;
  const { peak, noAdv } = peakParticipation(run.panel, run.result.fills, {
    advWindow: m.advWindow,
  });
  return { cap: m.participationCap, peak, noAdv };
}

/** Summary of a backtest. */
export interface BacktestSummary {
  bars: number;
  initialEquity: number;
  finalEquity: number;
  totalReturn: number;
  cagr: number;
  annualVol: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  /** Max drawdown over the result's rows (session closes for a run resampled to sessions). */
  maxDrawdown: number;
  /**
   * A run resampled to sessions: max drawdown over every bar of the run (a fall inside a session
   * counts); null when the rows are the run's own bars.
   */
  maxDrawdownAllBars: number | null;
  maxDrawdownDurationBars: number;
  hitRate: number;
  /** Annualised turnover: traded notional / mean equity * periodsPerYearObserved / bars. */
  turnoverAnnual: number;
  /** Average gross exposure / equity. */
  avgGrossLeverage: number;
  costs: {
    commission: number;
    fees: number;
    spread: number;
    impact: number;
    borrow: number;
    total: number;
  };
  /** Total costs in bps of traded notional. */
  costBpsOfTraded: number;
  /** P&L before all costs, in the run's currency. */
  grossPnl: number;
  /**
   * Capacity estimate in the run's currency (the name predates currencies): the smaller of the
   * impact and participation bounds ({@link capacityEstimate}).
   */
  capacityUsd: number;
  /** Which bound set `capacityUsd`; "impact" alone when participation was not given. */
  capacityBoundBy: "impact" | "participation" | "none" | "unprofitable";
  /**
   * Participation cap (Infinity: the cost model has none) and the run's peak participation, or
   * null when not checked (no volume). `noAdv`: traded (symbol, day)s without an ADV estimate.
   */
  participation: { cap: number; peak: number; noAdv?: number } | null;
  fills: number;
  /**
   * Periods per year of the data's clock (its frequency on its calendar). Vol, Sharpe, Sortino
   * and turnover are annualised by `periodsPerYearObserved`, which equals it without gaps.
   */
  periodsPerYear: number;
  /**
   * Bars actually observed per year of the clock, P_eff = P * n / (n + G) with n the per-bar
   * returns and G = `gapPeriods` ({@link observedPeriodsPerYear}): the factor of vol, Sharpe,
   * Sortino and turnover. Equal to `periodsPerYear` when G is 0 or unknown.
   */
  periodsPerYearObserved: number;
  /**
   * Missing sessions or periods between the bars (lib/report `panelGaps`) that were given in
   * {@link SummaryOptions}`.gaps`; null when not given (no clock, or not checked).
   */
  gapPeriods: number | null;
  /** Orders accepted by the engine (0 when the result does not count them). */
  ordersSubmitted: number;
  /**
   * Orders the leverage limit cut after a partial fill (what fitted was filled, the rest
   * cancelled); also counted in `ordersUnfilled` under `leverage_limit`.
   */
  ordersLeverageScaled: number;
  /** Orders that ended without a complete fill. */
  ordersUnfilled: number;
  /** `ordersUnfilled` by reason (lib/backtest `UnfilledReason`). */
  unfilledByReason: Record<string, number>;
  /** Orders refused at submission. */
  ordersRejected: number;
  /** Fills of market-on-open orders at the close of bars without an open (close-only data). */
  closeFillsForMissingOpen: number;
}

/** Options of {@link summarizeBacktest}. */
export interface SummaryOptions {
  /**
   * The cost model's participation cap and the run's peak participation
   * ({@link peakParticipation}), bounding the capacity estimate.
   * @default undefined (capacity from impact only, stated in `capacityBoundBy`)
   */
  participation?: { cap: number; peak: number; noAdv?: number };
  /**
   * Missing sessions or periods between the result's bars on the dataset's clock (lib/report
   * `panelGaps(panel)?.count`). When positive, vol, Sharpe, Sortino and turnover are annualised
   * over the bars observed per year ({@link observedPeriodsPerYear}) instead of one period per
   * bar. @default undefined (no clock or not checked: one period per bar, as with 0)
   */
  gaps?: number;
}

/**
 * One sentence on the annualisation of a summary over observed bars, or null without gaps, e.g.
 * "Sharpe, Sortino, vol and turnover annualised over observed bars: 49.7 a year = 52 x 2225 /
 * (2225 + 59 missing periods)".
 */
export function observedAnnualisationNote(s: BacktestSummary): string | null {
  if (s.gapPeriods === null || s.gapPeriods === 0) return null;
  const n = Math.max(0, s.bars - 1);
  return `Sharpe, Sortino, vol and turnover annualised over observed bars: ${+s
    .periodsPerYearObserved.toPrecision(
      6,
    )} a year = ${s.periodsPerYear} x ${n} / (${n} + ${s.gapPeriods} missing), not ${s.periodsPerYear} (a return across a gap spans several periods)`;
}

/**
 * Summarise a {@link BacktestResult}. CAGR (and Calmar) compound over the elapsed calendar time
 * between the first and last bar (`res.tsMs`, Julian years of 365.25 days: {@link cagr}), so a
 * series with missing bars is not annualised as if it were shorter. Vol, Sharpe, Sortino and
 * turnover are per-bar figures scaled by `periodsPerYear` P: by default the result's own (its
 * panel's `periodsPerYear`, or the calendar's sessions per year once resampled to sessions), else
 * 252 (NYSE sessions). When `o.gaps` (lib/report `panelGaps`) says G sessions or periods are
 * missing between the bars, they are scaled by the bars observed per year instead,
 * P_eff = P * n / (n + G) over the n = bars - 1 returns ({@link observedPeriodsPerYear} derives
 * it): a return across a gap spans several periods, and counting it as one would inflate Sharpe
 * and vol by about sqrt((n + G) / n). Amounts are in the run's currency.
 *
 * @example
 * ```ts
 * const s = summarizeBacktest(result);
 * s.sharpe;
 * ```
 */
export function summarizeBacktest(
  res: BacktestResult,
  periodsPerYear = res.periodsPerYear ?? TRADING_DAYS_PER_YEAR,
  o: SummaryOptions = {},
): BacktestSummary {
  const eq = res.equity;
  const n = eq.length;
  const r = returnsFromEquity(eq);
  const x = finite(r);
  const m = x.length ? x.reduce((a, b) => a + b, 0) / x.length : NaN;
  const sd = x.length > 1
    ? Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1))
    : NaN;
  // bars observed per year of the clock (P itself without gaps)
  const ppyObs = o.gaps === undefined
    ? periodsPerYear
    : observedPeriodsPerYear(periodsPerYear, Math.max(0, n - 1), o.gaps);
  const dd = drawdownStats(eq);
  // bar instants for CAGR's calendar span (a result without one per equity point: rows / ppy)
  const at = res.tsMs?.length === n ? { tsMs: res.tsMs } : {};
  // a run resampled to sessions: its rows start at the first session's end; CAGR compounds from
  // the first bar (the starting equity) to the last, drawdown is also given over every bar
  const from = res.bars;
  const growth = from && n
    ? cagr([from.startEquity, eq[n - 1]!], periodsPerYear, { tsMs: [from.startMs, from.endMs] })
    : cagr(eq, periodsPerYear, at);
  const t = res.totals;
  const total = t.commission + t.fees + t.spread + t.impact + t.borrow;
  let sumEq = 0, sumLev = 0;
  for (let i = 0; i < n; i++) {
    sumEq += eq[i]!;
    sumLev += eq[i]! > 0 ? res.gross[i]! / eq[i]! : 0;
  }
  const meanEq = n ? sumEq / n : NaN;
  const finalEquity = n ? eq[n - 1]! : res.initialCash;
  const grossPnl = finalEquity - res.initialCash + total;
  const cap = capacityDetail({
    capital: res.initialCash,
    grossPnl,
    linearCosts: total - t.impact,
    impactCosts: t.impact,
    ...(o.participation
      ? { participationCap: o.participation.cap, peakParticipation: o.participation.peak }
      : {}),
  });
  return {
    bars: n,
    initialEquity: res.initialCash,
    finalEquity,
    totalReturn: finalEquity / res.initialCash - 1,
    cagr: growth,
    annualVol: sd * Math.sqrt(ppyObs),
    sharpe: sharpeRatio(r, ppyObs),
    sortino: sortinoRatio(r, ppyObs),
    calmar: dd.maxDrawdown > 0 ? growth / dd.maxDrawdown : NaN,
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownAllBars: from ? Math.max(from.maxDrawdown, dd.maxDrawdown) : null,
    maxDrawdownDurationBars: dd.maxDurationBars,
    hitRate: hitRate(r),
    turnoverAnnual: n ? (t.traded / meanEq) * ppyObs / n : NaN,
    avgGrossLeverage: n ? sumLev / n : NaN,
    costs: { ...pick(t), total },
    costBpsOfTraded: t.traded > 0 ? (total / t.traded) * 1e4 : 0,
    grossPnl,
    capacityUsd: cap.capacity,
    capacityBoundBy: cap.boundBy,
    participation: o.participation ? { ...o.participation } : null,
    fills: res.fills.length,
    periodsPerYear,
    periodsPerYearObserved: ppyObs,
    gapPeriods: o.gaps ?? null,
    ordersSubmitted: res.orders?.submitted ?? 0,
    ordersUnfilled: res.orders?.unfilled ?? 0,
    ordersLeverageScaled: res.orders?.leverageScaled ?? 0,
    unfilledByReason: { ...(res.orders?.unfilledByReason ?? {}) },
    ordersRejected: res.rejected.length,
    closeFillsForMissingOpen: res.orders?.closeFillsForMissingOpen ?? 0,
  };
}

/**
 * One line on orders that ended without a complete fill, e.g. "3 of 40 orders not filled in
 * full: participation_cap 2, leverage_limit 1 (1 filled in part, up to the limit, the rest
 * cancelled)" ("all 40 orders filled" when none).
 */
export function unfilledLine(s: BacktestSummary): string {
  if (s.ordersUnfilled === 0) return `all ${s.ordersSubmitted} orders filled`;
  const why = Object.entries(s.unfilledByReason).sort((a, b) => b[1] - a[1])
    .map(([k, v]) =>
      k === "leverage_limit" && s.ordersLeverageScaled > 0
        ? `${k} ${v} (${s.ordersLeverageScaled} filled in part, up to the limit, the rest cancelled)`
        : k === "leverage_limit"
        ? `${k} ${v} (${UNFILLED_REASON_TEXT.leverage_limit})`
        : `${k} ${v} (${UNFILLED_REASON_TEXT[k as UnfilledReason] ?? "see backtest --help"})`
    ).join(", ");
  return `${s.ordersUnfilled} of ${s.ordersSubmitted} orders not filled in full: ${why}`;
}

function pick(t: BacktestResult["totals"]) {
  return {
    commission: t.commission,
    fees: t.fees,
    spread: t.spread,
    impact: t.impact,
    borrow: t.borrow,
  };
}
