/**
 * Vectorised engine for parameter sweeps: many strategy columns over one panel. Each column is
 * a target matrix (symbol-major like the panel, `s * nBars + t`): the target decided at the
 * close of bar t (shares, or a weight of equity converted at close[t] like
 * `ctx.orderTargetWeight`) becomes a market order for target - position that fills at the
 * open (or close) of bar t + fillDelay; NaN means "no new decision" (a pending remainder stays).
 * Fills, participation cap, lot rounding, costs and borrow fees go through the same bookkeeping
 * as the event engine ({@link runBacktest}), so a target strategy gives the same P&L to the cent
 * in both (tested). Corporate actions are not applied: give it an action-free or adjusted panel.
 *
 * Sharpe here is per-bar mean / stdev (ddof 1) of simple equity returns times
 * sqrt(periodsPerYear); max drawdown is the largest peak-to-trough fall of equity as a fraction
 * of the peak.
 */

import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import { type CostModel, resolveCostModel, roundLot } from "../execution/mod.ts";
import { Book, type CostSeries, type CostTotals } from "./_book.ts";
import { marketEstimates } from "./_estimates.ts";
import type { FillAt } from "./engine.ts";
import { type BarPanel, panelDays, panelShape, validatePanel } from "./panel.ts";

/** Options of {@link backtestVectorized} and {@link sweepVectorized}. */
export interface VectorizedOptions {
  /** Starting cash per column, USD. @default 1_000_000 */
  initialCash?: number;
  /** Execution costs (same model as the event engine). @default {} */
  costs?: CostModel;
  /** Fill at the open or the close of the eligible bar. @default "open" */
  fillAt?: FillAt;
  /** Bars from decision to first eligible fill (>= 1). @default 1 */
  fillDelay?: number;
  /** Targets are shares, or fractions of equity. @default "shares" */
  targetKind?: "shares" | "weight";
  /** Annualisation of the Sharpe ratio. @default TRADING_DAYS_PER_YEAR (252) */
  periodsPerYear?: number;
}

/** One column's curves (only from {@link backtestVectorized}). */
export interface ColumnCurves {
  equity: Float64Array;
  gross: Float64Array;
  net: Float64Array;
  costs: CostSeries;
  totals: CostTotals;
}

/** Per-column summary of a sweep. */
export interface SweepResult {
  finalEquity: Float64Array;
  sharpe: Float64Array;
  maxDrawdown: Float64Array;
  /** Sum of all costs (commission, fees, spread, impact, borrow), USD. */
  totalCost: Float64Array;
  /** Traded notional, USD. */
  traded: Float64Array;
  /** Number of bar evaluations (columns x symbols x bars). */
  barEvaluations: number;
}

interface Prepared {
  panel: BarPanel;
  nSym: number;
  nBars: number;
  days: Int32Array;
  model: ReturnType<typeof resolveCostModel>;
  est: ReturnType<typeof marketEstimates>;
  initialCash: number;
  fillAt: FillAt;
  fillDelay: number;
  weights: boolean;
  annual: number;
}

function prepare(panel: BarPanel, o: VectorizedOptions): Prepared {
  validatePanel(panel);
  const fillDelay = o.fillDelay ?? 1;
  if (!(Number.isInteger(fillDelay) && fillDelay >= 1)) {
    throw new RangeError(`fillDelay must be an integer >= 1, got ${fillDelay}`);
  }
  const model = resolveCostModel(o.costs);
  const { nSym, nBars } = panelShape(panel);
  return {
    panel,
    nSym,
    nBars,
    days: panelDays(panel),
    model,
    est: marketEstimates(panel, model.advWindow, model.volWindow),
    initialCash: o.initialCash ?? 1_000_000,
    fillAt: o.fillAt ?? "open",
    fillDelay,
    weights: (o.targetKind ?? "shares") === "weight",
    annual: Math.sqrt(o.periodsPerYear ?? TRADING_DAYS_PER_YEAR),
  };
}

interface ColumnOut {
  finalEquity: number;
  sharpe: number;
  maxDrawdown: number;
  totalCost: number;
  traded: number;
  curves?: ColumnCurves;
}

function runColumn(p: Prepared, targets: Float64Array, keep: boolean): ColumnOut {
  const { panel, nSym, nBars, days, model, fillDelay, weights } = p;
  if (targets.length !== nSym * nBars) {
    throw new RangeError(`Target column has ${targets.length} values, expected ${nSym * nBars}`);
  }
  if (nSym === 1 && !keep) return runColumnSingle(p, targets);
  const book = new Book(panel, model, p.est, p.initialCash, keep);
  const pending = new Float64Array(nSym);
  const eligible = new Int32Array(nSym);
  const equity = keep ? new Float64Array(nBars) : undefined;
  const gross = keep ? new Float64Array(nBars) : undefined;
  const net = keep ? new Float64Array(nBars) : undefined;
  const open = panel.open;
  const close = panel.close;
  const lot = model.lotSize;
  const cancel = model.remainder === "cancel";
  const atOpen = p.fillAt === "open";
  let nPending = 0;
  let prevEq = p.initialCash;
  let peak = p.initialCash;
  let maxDd = 0;
  let sr = 0;
  let sr2 = 0;
  let nr = 0;
  // Hot loop: the mark-to-market of Book.mark is inlined here with the same arithmetic (same
  // operations in the same order), because a call per bar costs more than the bar itself.
  const pos = book.pos;
  const lc = book.lastClose;
  const used = book.used;
  const borrowOn = model.borrowRateAnnual > 0;
  const capOn = model.participationCap !== Infinity;
  let cash = book.cash;
  for (let t = 0; t < nBars; t++) {
    if (capOn && (t === 0 || days[t] !== days[t - 1])) {
      for (let s = 0; s < nSym; s++) used[s] = 0;
    }
    if (borrowOn) {
      book.chargeBorrow(t);
      cash = book.cash;
    }
    if (nPending > 0) {
      nPending = 0;
      for (let s = 0; s < nSym; s++) {
        const want = pending[s]!;
        if (want === 0) continue;
        const i = s * nBars + t;
        if (eligible[s]! <= t && !Number.isNaN(open[i]!)) {
          const q = book.fill(s, t, want, atOpen ? open[i]! : close[i]!);
          let left = want - q;
          if (Math.abs(left) < 1e-9 || (q !== 0 && cancel)) left = 0;
          pending[s] = left;
        }
        if (pending[s] !== 0) nPending++;
      }
      cash = book.cash;
    }
    let netV = 0;
    let grossV = 0;
    for (let s = 0; s < nSym; s++) {
      const c = close[s * nBars + t]!;
      if (c > 0) lc[s] = c;
      const q = pos[s]!;
      if (q !== 0) {
        const v = q * lc[s]!;
        netV += v;
        grossV += Math.abs(v);
      }
    }
    const eq = cash + netV;
    if (keep) {
      equity![t] = eq;
      gross![t] = grossV;
      net![t] = netV;
    }
    if (t > 0) {
      const r = eq / prevEq - 1;
      sr += r;
      sr2 += r * r;
      nr++;
    }
    prevEq = eq;
    if (eq > peak) peak = eq;
    else if (eq < peak * (1 - maxDd)) maxDd = 1 - eq / peak;
    for (let s = 0; s < nSym; s++) {
      const i = s * nBars + t;
      const tg = targets[i]!;
      if (tg !== tg) continue; // NaN: no new decision
      let shares = tg;
      if (weights) {
        const px = close[i]!;
        if (!(px > 0)) continue;
        shares = roundLot((tg * eq) / px, lot);
      }
      const d = shares - pos[s]!;
      const was = pending[s]!;
      if (was === 0 && d !== 0) nPending++;
      else if (was !== 0 && d === 0) nPending--;
      pending[s] = d;
      eligible[s] = t + fillDelay;
    }
  }
  const tot = book.totals;
  const out = summarise(p, sr, sr2, nr, prevEq, maxDd, tot);
  if (keep) {
    out.curves = {
      equity: equity!,
      gross: gross!,
      net: net!,
      costs: book.series!,
      totals: { ...tot },
    };
  }
  return out;
}

/**
 * The sweep path for one symbol: the same operations as {@link runColumn} in the same order,
 * with scalar state instead of per-symbol arrays (about twice as fast). Book methods see the
 * synced position and last close whenever they are called.
 */
function runColumnSingle(p: Prepared, targets: Float64Array): ColumnOut {
  const { panel, nBars, days, model, fillDelay, weights } = p;
  const book = new Book(panel, model, p.est, p.initialCash, false);
  const posA = book.pos;
  const lcA = book.lastClose;
  const usedA = book.used;
  const open = panel.open;
  const close = panel.close;
  const lot = model.lotSize;
  const cancel = model.remainder === "cancel";
  const atOpen = p.fillAt === "open";
  const borrowOn = model.borrowRateAnnual > 0;
  const capOn = model.participationCap !== Infinity;
  let cash = book.cash;
  let pos = 0;
  let lc = 0; // 0 until the first valid close: pos is 0 then, so eq = cash exactly as in runColumn
  let prevDay = (days[0] ?? 0) - 1;
  let pending = 0;
  let eligible = 0;
  let prevEq = p.initialCash;
  let peak = p.initialCash;
  let maxDd = 0;
  let sr = 0;
  let sr2 = 0;
  let nr = 0;
  for (let t = 0; t < nBars; t++) {
    if (capOn) {
      const d = days[t]!;
      if (d !== prevDay) {
        usedA[0] = 0;
        prevDay = d;
      }
    }
    if (borrowOn) {
      lcA[0] = lc > 0 ? lc : NaN;
      book.chargeBorrow(t);
      cash = book.cash;
    }
    if (pending !== 0 && eligible <= t) {
      const o = open[t]!;
      if (o === o) {
        const q = book.fill(0, t, pending, atOpen ? o : close[t]!);
        pos = posA[0]!;
        cash = book.cash;
        let left = pending - q;
        if (Math.abs(left) < 1e-9 || (q !== 0 && cancel)) left = 0;
        pending = left;
      }
    }
    const c = close[t]!;
    if (c > 0) lc = c;
    const eq = cash + pos * lc;
    if (t > 0) {
      const r = eq / prevEq - 1;
      sr += r;
      sr2 += r * r;
      nr++;
    }
    prevEq = eq;
    if (eq > peak) peak = eq;
    else if (eq < peak * (1 - maxDd)) maxDd = 1 - eq / peak;
    const tg = targets[t]!;
    if (tg === tg) {
      let shares = tg;
      if (weights) shares = c > 0 ? roundLot((tg * eq) / c, lot) : NaN;
      if (shares === shares) {
        pending = shares - pos;
        eligible = t + fillDelay;
      }
    }
  }
  lcA[0] = lc > 0 ? lc : NaN;
  const tot = book.totals;
  return summarise(p, sr, sr2, nr, prevEq, maxDd, tot);
}

function summarise(
  p: Prepared,
  sr: number,
  sr2: number,
  nr: number,
  finalEquity: number,
  maxDd: number,
  tot: CostTotals,
): ColumnOut {
  const mean = nr > 0 ? sr / nr : NaN;
  const v = nr > 1 ? (sr2 - nr * mean * mean) / (nr - 1) : NaN;
  return {
    finalEquity,
    sharpe: v > 0 ? (mean / Math.sqrt(v)) * p.annual : NaN,
    maxDrawdown: maxDd,
    totalCost: tot.commission + tot.fees + tot.spread + tot.impact + tot.borrow,
    traded: tot.traded,
  };
}

/**
 * Backtest each target column and return full curves per column plus the summary.
 *
 * @example
 * ```ts
 * const { curves, summary } = backtestVectorized(panel, [targetsA, targetsB]);
 * ```
 */
export function backtestVectorized(
  panel: BarPanel,
  targets: Float64Array[],
  options: VectorizedOptions = {},
): { curves: ColumnCurves[]; summary: SweepResult } {
  const p = prepare(panel, options);
  const summary = emptySummary(targets.length, p);
  const curves: ColumnCurves[] = [];
  targets.forEach((col, c) => {
    const r = runColumn(p, col, true);
    put(summary, c, r);
    curves.push(r.curves!);
  });
  return { curves, summary };
}

/**
 * Parameter sweep without materialising every column: `fillTargets(col, out)` writes column
 * `col`'s targets into a reused buffer (symbol-major, NaN = no decision), then the column is
 * evaluated. Memory stays O(symbols x bars).
 *
 * @example
 * ```ts
 * const res = sweepVectorized(panel, 100, (c, out) => { out.fill(c); });
 * ```
 */
export function sweepVectorized(
  panel: BarPanel,
  nColumns: number,
  fillTargets: (col: number, out: Float64Array) => void,
  options: VectorizedOptions & {
    /**
     * Reset the buffer to NaN before each column. Set false only when `fillTargets` writes every
     * entry (saves a pass over the buffer). @default true
     */
    prefillNaN?: boolean;
  } = {},
): SweepResult {
  if (!(Number.isInteger(nColumns) && nColumns >= 0)) {
    throw new RangeError(`nColumns must be an integer >= 0, got ${nColumns}`);
  }
  const p = prepare(panel, options);
  const summary = emptySummary(nColumns, p);
  const buf = new Float64Array(p.nSym * p.nBars);
  const prefill = options.prefillNaN ?? true;
  if (!prefill) buf.fill(NaN);
  for (let c = 0; c < nColumns; c++) {
    if (prefill) buf.fill(NaN);
    fillTargets(c, buf);
    put(summary, c, runColumn(p, buf, false));
  }
  return summary;
}

function emptySummary(n: number, p: Prepared): SweepResult {
  return {
    finalEquity: new Float64Array(n),
    sharpe: new Float64Array(n),
    maxDrawdown: new Float64Array(n),
    totalCost: new Float64Array(n),
    traded: new Float64Array(n),
    barEvaluations: n * p.nSym * p.nBars,
  };
}

function put(s: SweepResult, c: number, r: ColumnOut): void {
  s.finalEquity[c] = r.finalEquity;
  s.sharpe[c] = r.sharpe;
  s.maxDrawdown[c] = r.maxDrawdown;
  s.totalCost[c] = r.totalCost;
  s.traded[c] = r.traded;
}
