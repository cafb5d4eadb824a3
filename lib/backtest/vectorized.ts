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
 * Per-column state of the single-symbol sweep path, kept between blocks of bars: the Book holds
 * cash, position and cost totals; the arrays hold the rest of the loop state of each column.
 */
interface SingleState {
  books: Book[];
  /** Last valid close (0 before the first one: the position is 0 then). */
  lc: Float64Array;
  pending: Float64Array;
  eligible: Float64Array;
  /** Day whose participation allowance `book.used` counts (NaN: none yet). */
  usedDay: Float64Array;
  prevEq: Float64Array;
  peak: Float64Array;
  maxDd: Float64Array;
  sr: Float64Array;
  sr2: Float64Array;
}

function singleState(p: Prepared, n: number): SingleState {
  const books: Book[] = [];
  for (let c = 0; c < n; c++) books.push(new Book(p.panel, p.model, p.est, p.initialCash, false));
  const z = () => new Float64Array(n);
  return {
    books,
    lc: z(),
    pending: z(),
    eligible: z(),
    usedDay: z().fill(NaN),
    prevEq: z().fill(p.initialCash),
    peak: z().fill(p.initialCash),
    maxDd: z(),
    sr: z(),
    sr2: z(),
  };
}

/**
 * The sweep path for one symbol: advance column c over bars [t0, t1) with targets read from
 * `targets[t - off]`. The same operations as {@link runColumn} in the same order, with scalar
 * state instead of per-symbol arrays, so a column can be run in blocks of bars (all columns of
 * a block, then the next block: the bars stay in cache) with the same result as in one pass.
 * Book methods see the synced position, allowance and last close whenever they are called; the
 * participation allowance is reset lazily at the first fill of a new day, and borrow is only
 * charged while short (both equivalent to the per-bar form: Book does nothing otherwise).
 * The return of bar 0 is not skipped: no fill can happen on bar 0, so equity is the initial
 * cash and the return is exactly 0; the count of returns is nBars - 1 (see summariseSingle).
 */
function runSingle(
  p: Prepared,
  st: SingleState,
  c: number,
  t0: number,
  t1: number,
  targets: Float64Array,
  off: number,
): void {
  const { panel, days, model, fillDelay, weights } = p;
  const book = st.books[c]!;
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
  let pos = posA[0]!;
  let lc = st.lc[c]!;
  let pending = st.pending[c]!;
  let eligible = st.eligible[c]!;
  let prevEq = st.prevEq[c]!;
  let peak = st.peak[c]!;
  let maxDd = st.maxDd[c]!;
  let sr = st.sr[c]!;
  let sr2 = st.sr2[c]!;
  for (let t = t0; t < t1; t++) {
    if (borrowOn && pos < 0) {
      lcA[0] = lc > 0 ? lc : NaN;
      book.chargeBorrow(t);
      cash = book.cash;
    }
    if (pending !== 0 && eligible <= t) {
      const o = open[t]!;
      if (o === o) {
        if (capOn && days[t] !== st.usedDay[c]) {
          usedA[0] = 0;
          st.usedDay[c] = days[t]!;
        }
        const q = book.fill(0, t, pending, atOpen ? o : close[t]!);
        pos = posA[0]!;
        cash = book.cash;
        let left = pending - q;
        if (Math.abs(left) < 1e-9 || (q !== 0 && cancel)) left = 0;
        pending = left;
      }
    }
    const cl = close[t]!;
    if (cl > 0) lc = cl;
    const eq = cash + pos * lc;
    const r = eq / prevEq - 1;
    sr += r;
    sr2 += r * r;
    prevEq = eq;
    if (eq > peak) peak = eq;
    else if (eq < peak * (1 - maxDd)) maxDd = 1 - eq / peak;
    const tg = targets[t - off]!;
    if (tg === tg) {
      let shares = tg;
      if (weights) shares = cl > 0 ? roundLot((tg * eq) / cl, lot) : NaN;
      if (shares === shares) {
        pending = shares - pos;
        eligible = t + fillDelay;
      }
    }
  }
  lcA[0] = lc > 0 ? lc : NaN;
  st.lc[c] = lc;
  st.pending[c] = pending;
  st.eligible[c] = eligible;
  st.prevEq[c] = prevEq;
  st.peak[c] = peak;
  st.maxDd[c] = maxDd;
  st.sr[c] = sr;
  st.sr2[c] = sr2;
}

function summariseSingle(p: Prepared, st: SingleState, c: number): ColumnOut {
  return summarise(
    p,
    st.sr[c]!,
    st.sr2[c]!,
    Math.max(0, p.nBars - 1),
    st.prevEq[c]!,
    st.maxDd[c]!,
    st.books[c]!.totals,
  );
}

function runColumnSingle(p: Prepared, targets: Float64Array): ColumnOut {
  const st = singleState(p, 1);
  runSingle(p, st, 0, 0, p.nBars, targets, 0);
  return summariseSingle(p, st, 0);
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
 * Target generator of {@link sweepVectorized}: `fill(col, out)` writes column `col`'s targets
 * (symbol-major, NaN = no decision) into `out`. A generator for single-symbol panels may also
 * have `range(col, from, to, out)`, writing the targets of bars from..to-1 into
 * `out[0 .. to - from)` with the same values as `fill`; the sweep then runs in blocks of bars
 * (every column over one block, then the next block), which keeps the bars in cache.
 */
export type SweepFill = ((col: number, out: Float64Array) => void) & {
  range?: (col: number, from: number, to: number, out: Float64Array) => void;
};

/** Options of {@link sweepVectorized}. */
export interface SweepOptions extends VectorizedOptions {
  /**
   * Reset the buffer to NaN before each column (or block). Set false only when the generator
   * writes every entry (saves a pass over the buffer). @default true
   */
  prefillNaN?: boolean;
  /** Bars per block when the generator has `range` (single-symbol panels). @default 2048 */
  blockBars?: number;
}

/**
 * Parameter sweep without materialising every column: `fillTargets(col, out)` writes column
 * `col`'s targets into a reused buffer (symbol-major, NaN = no decision), then the column is
 * evaluated. Memory stays O(symbols x bars). On a single-symbol panel with a generator that
 * has `range` ({@link SweepFill}), bars are processed in blocks of `blockBars` for all columns
 * and memory is O(bars + columns); the results are the same as column by column.
 *
 * @example
 * ```ts
 * const res = sweepVectorized(panel, 100, (c, out) => { out.fill(c); });
 * ```
 */
export function sweepVectorized(
  panel: BarPanel,
  nColumns: number,
  fillTargets: SweepFill,
  options: SweepOptions = {},
): SweepResult {
  if (!(Number.isInteger(nColumns) && nColumns >= 0)) {
    throw new RangeError(`nColumns must be an integer >= 0, got ${nColumns}`);
  }
  const p = prepare(panel, options);
  const summary = emptySummary(nColumns, p);
  const prefill = options.prefillNaN ?? true;
  const range = fillTargets.range;
  if (p.nSym === 1 && range !== undefined) {
    const block = options.blockBars ?? 2048;
    if (!(Number.isInteger(block) && block >= 1)) {
      throw new RangeError(`blockBars must be an integer >= 1, got ${block}`);
    }
    const st = singleState(p, nColumns);
    const buf = new Float64Array(Math.min(block, p.nBars)).fill(NaN);
    for (let t0 = 0; t0 < p.nBars; t0 += block) {
      const t1 = Math.min(p.nBars, t0 + block);
      for (let c = 0; c < nColumns; c++) {
        if (prefill) buf.fill(NaN);
        range(c, t0, t1, buf);
        runSingle(p, st, c, t0, t1, buf, t0);
      }
    }
    for (let c = 0; c < nColumns; c++) put(summary, c, summariseSingle(p, st, c));
    return summary;
  }
  const buf = new Float64Array(p.nSym * p.nBars);
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
