/**
 * Vectorised engine for parameter sweeps: many strategy columns over one panel. Each column is
 * a target matrix (symbol-major like the panel, `s * nBars + t`): the target decided at the
 * close of bar t (shares, or a weight of equity converted at close[t] like
 * `ctx.orderTargetWeight`) becomes a market order for target - position that fills at the
 * open (or close) of bar t + fillDelay; NaN means "no new decision" (a pending remainder stays).
 * Fills, participation cap, lot rounding, costs and borrow fees go through the same bookkeeping
 * as the event engine ({@link runBacktest}), so a target strategy gives the same P&L to the cent
 * in both (tested). Corporate actions are not applied: give it an action-free or adjusted panel.
 * Close-only panels (bars with a close and no open) are refused with fills at the open, and cost
 * models that need volume are refused on symbols without any (as in the event engine).
 *
 * Sharpe here is per-bar mean / stdev (ddof 1) of simple equity returns times
 * sqrt(periodsPerYear); max drawdown is the largest peak-to-trough fall of equity as a fraction
 * of the peak.
 */

import { CALENDAR_DAYS_PER_YEAR, MS_PER_DAY, TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import {
  type CostModel,
  type FillCost,
  fillCostScalar,
  resolveCostModel,
  roundLot,
} from "../execution/mod.ts";
import { Book, type CostSeries, type CostTotals } from "./_book.ts";
import { marketEstimates } from "./_estimates.ts";
import { checkVolumeForCosts, type FillAt } from "./engine.ts";
import {
  type BarPanel,
  checkPanelOnce,
  panelDays,
  panelMissingOpens,
  panelShape,
} from "./panel.ts";

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
  /** Scratch output of fillCostScalar. */
  fillCost: FillCost;
}

function prepare(panel: BarPanel, o: VectorizedOptions): Prepared {
  checkPanelOnce(panel);
  const fillDelay = o.fillDelay ?? 1;
  if (!(Number.isInteger(fillDelay) && fillDelay >= 1)) {
    throw new RangeError(`fillDelay must be an integer >= 1, got ${fillDelay}`);
  }
  const model = resolveCostModel(o.costs);
  checkVolumeForCosts(panel, model);
  const { nSym, nBars } = panelShape(panel);
  if ((o.fillAt ?? "open") === "open") {
    const missing = panelMissingOpens(panel);
    if (missing > 0) {
      throw new RangeError(
        `Cannot run the vectorised engine at the open: ${missing} bars have a close but no open (close-only data); use fillAt "close" or the event engine (runBacktest), which fills them at the close and counts it`,
      );
    }
  }
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
    fillCost: { commission: 0, fees: 0, spread: 0, impact: 0 },
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
 * Per-column state of the single-symbol sweep path, kept between blocks of bars: the book (cash,
 * position, participation used, cost totals) and the loop state of each column.
 */
interface SingleState {
  cash: Float64Array;
  pos: Float64Array;
  /** Shares traded on day `usedDay` (participation cap). */
  used: Float64Array;
  /** Day whose participation `used` counts (NaN: none yet). */
  usedDay: Float64Array;
  /** Last valid close (0 before the first one: the position is 0 then). */
  lc: Float64Array;
  pending: Float64Array;
  eligible: Float64Array;
  prevEq: Float64Array;
  peak: Float64Array;
  maxDd: Float64Array;
  sr: Float64Array;
  sr2: Float64Array;
  commission: Float64Array;
  fees: Float64Array;
  spread: Float64Array;
  impact: Float64Array;
  borrow: Float64Array;
  traded: Float64Array;
}

function singleState(p: Prepared, n: number): SingleState {
  const z = () => new Float64Array(n);
  return {
    cash: z().fill(p.initialCash),
    pos: z(),
    used: z(),
    usedDay: z().fill(NaN),
    lc: z(),
    pending: z(),
    eligible: z(),
    prevEq: z().fill(p.initialCash),
    peak: z().fill(p.initialCash),
    maxDd: z(),
    sr: z(),
    sr2: z(),
    commission: z(),
    fees: z(),
    spread: z(),
    impact: z(),
    borrow: z(),
    traded: z(),
  };
}

/**
 * The sweep path for one symbol: advance column c over bars [t0, t1) with targets read from
 * `targets[t - off]`. The same operations as {@link runColumn} in the same order, with the
 * bookkeeping of `Book.fill` and `Book.chargeBorrow` inlined for symbol 0 and scalar state, so
 * a column can be run in blocks of bars (all columns over one block, then the next block: the
 * bars stay in cache) with the same result as in one pass. Bars run in {@link runBars}, a loop
 * without calls (so the compiler keeps its state in registers); when a fill is due it returns
 * and {@link fillSingle} books the fill, then the bar resumes after its fill step.
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
  let t = runBars(p, st, c, t0, t1, targets, off, -1);
  while (t < t1) {
    fillSingle(p, st, c, t);
    t = runBars(p, st, c, t, t1, targets, off, t);
  }
}

/**
 * Bars [t0, t1) of column c until a fill is due (returns its bar, state saved, borrow of that
 * bar charged) or t1. Bar `resume` starts after its borrow and fill step (done already).
 * Equivalent rearrangements of runColumn's bar, each exact: borrow is only computed while short
 * (it is 0 otherwise); the peak of equity is a running max, which equals runColumn's
 * `if (eq > peak)` update whenever the peak is positive (it starts at the initial cash); the
 * return of bar 0 is not skipped: no fill can happen on bar 0, so equity is the initial cash and
 * the return is exactly 0, and the count of returns is nBars - 1 (see summariseSingle).
 */
function runBars(
  p: Prepared,
  st: SingleState,
  c: number,
  t0: number,
  t1: number,
  targets: Float64Array,
  off: number,
  resume: number,
): number {
  const { panel, fillDelay, weights } = p;
  const open = panel.open;
  const close = panel.close;
  const tsMs = panel.tsMs;
  const lot = p.model.lotSize;
  const rate = p.model.borrowRateAnnual;
  const borrowOn = rate > 0;
  let cash = st.cash[c]!;
  let borrow = st.borrow[c]!;
  const pos = st.pos[c]!;
  let lc = st.lc[c]!;
  let pending = st.pending[c]!;
  let eligible = st.eligible[c]!;
  let prevEq = st.prevEq[c]!;
  let peak = st.peak[c]!;
  let maxDd = st.maxDd[c]!;
  let sr = st.sr[c]!;
  let sr2 = st.sr2[c]!;
  let t = t0;
  for (; t < t1; t++) {
    if (t !== resume) {
      if (borrowOn && pos < 0 && t > 0 && lc > 0) {
        // Book.chargeBorrow for symbol 0
        const fee = rate * -pos * lc *
          ((tsMs[t]! - tsMs[t - 1]!) / MS_PER_DAY / CALENDAR_DAYS_PER_YEAR);
        if (fee !== 0) {
          cash -= fee;
          borrow += fee;
        }
      }
      if (pending !== 0 && eligible <= t) {
        const o = open[t]!;
        if (o === o) break;
      }
    }
    const cl = close[t]!;
    if (cl > 0) lc = cl;
    const eq = cash + pos * lc;
    const r = eq / prevEq - 1;
    sr += r;
    sr2 += r * r;
    prevEq = eq;
    peak = Math.max(peak, eq);
    if (eq < peak * (1 - maxDd)) maxDd = 1 - eq / peak;
    const tg = targets[t - off]!;
    if (tg === tg) {
      let shares = tg;
      if (weights) {
        if (cl > 0) {
          // roundLot((tg * eq) / cl, lot), inlined
          const x = (tg * eq) / cl;
          if (lot > 0) {
            const n = Math.trunc(Math.abs(x) / lot + 1e-9) * lot;
            shares = x < 0 ? -n : n;
          } else shares = x;
        } else shares = NaN;
      }
      if (shares === shares) {
        pending = shares - pos;
        eligible = t + fillDelay;
      }
    }
  }
  st.cash[c] = cash;
  st.borrow[c] = borrow;
  st.lc[c] = lc;
  st.pending[c] = pending;
  st.eligible[c] = eligible;
  st.prevEq[c] = prevEq;
  st.peak[c] = peak;
  st.maxDd[c] = maxDd;
  st.sr[c] = sr;
  st.sr2[c] = sr2;
  return t;
}

/** Book.fill for symbol 0 of column c at bar t (pending order, eligible, valid open). */
function fillSingle(p: Prepared, st: SingleState, c: number, t: number): void {
  const m = p.model;
  const pending = st.pending[c]!;
  let q = pending;
  const adv = p.est.adv[t]!;
  if (m.participationCap !== Infinity) {
    const d = p.days[t]!;
    if (d !== st.usedDay[c]) {
      st.used[c] = 0;
      st.usedDay[c] = d;
    }
    const room = Math.max(0, m.participationCap * (adv > 0 ? adv : 0) - st.used[c]!);
    const a = Math.min(Math.abs(q), room);
    q = q > 0 ? a : -a;
  }
  q = roundLot(q, m.lotSize);
  if (q !== 0) {
    const sigma = p.est.sigma[t]!;
    if (m.impactCoef > 0 && !(sigma >= 0)) q = 0;
    else {
      const panel = p.panel;
      const price = p.fillAt === "open" ? panel.open[t]! : panel.close[t]!;
      const bid = panel.bid ? panel.bid[t]! : NaN;
      const ask = panel.ask ? panel.ask[t]! : NaN;
      const k = fillCostScalar(p.fillCost, q, price, m, sigma, adv, bid, ask);
      const notional = Math.abs(q) * price;
      let cash = st.cash[c]!;
      cash -= q * price;
      cash -= k.commission + k.fees + k.spread + k.impact;
      st.cash[c] = cash;
      st.pos[c] = st.pos[c]! + q;
      st.used[c] = st.used[c]! + Math.abs(q);
      st.commission[c] = st.commission[c]! + k.commission;
      st.fees[c] = st.fees[c]! + k.fees;
      st.spread[c] = st.spread[c]! + k.spread;
      st.impact[c] = st.impact[c]! + k.impact;
      st.traded[c] = st.traded[c]! + notional;
    }
  }
  let left = pending - q;
  if (Math.abs(left) < 1e-9 || (q !== 0 && m.remainder === "cancel")) left = 0;
  st.pending[c] = left;
}

function summariseSingle(p: Prepared, st: SingleState, c: number): ColumnOut {
  const tot: CostTotals = {
    commission: st.commission[c]!,
    fees: st.fees[c]!,
    spread: st.spread[c]!,
    impact: st.impact[c]!,
    borrow: st.borrow[c]!,
    traded: st.traded[c]!,
  };
  return summarise(
    p,
    st.sr[c]!,
    st.sr2[c]!,
    Math.max(0, p.nBars - 1),
    st.prevEq[c]!,
    st.maxDd[c]!,
    tot,
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
