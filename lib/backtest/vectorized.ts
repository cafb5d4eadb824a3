/**
 * Vectorised engine for parameter sweeps: many strategy columns over one panel. Each column is
 * a target matrix (symbol-major like the panel, `s * nBars + t`): the target decided at the
 * close of bar t (shares, or a weight of equity converted at close[t] like
 * `ctx.orderTargetWeight`) becomes a market order for target - position that fills at the
 * open (or close) of bar t + fillDelay; NaN means "no new decision" (a pending remainder stays).
 * Fills, participation cap, lot rounding, costs and borrow fees go through the same bookkeeping
 * as the event engine ({@link runBacktest}), and the leverage limit and data-end exits through
 * the same rules (`_financing.ts`), so a target strategy (`targetStrategy`, sized at the
 * decision) gives the same P&L, fills and counts in both (tested to 1e-9):
 * - orders fill in submission order, and a bar's decisions are submitted as `targetStrategy`
 *   submits them: those that reduce |position| (judged at the close: target shares, or weight x
 *   equity / close unrounded, no larger than the position or across zero) first, then the rest,
 *   each group in symbol order; an order replaced by a new decision moves to the back. Without a
 *   limit the order only changes the rounding of cash; with one, sales fund purchases;
 * - `maxGrossLeverage` (default Infinity: no limit): a fill that raises |position| is cut to the
 *   whole lots that keep gross exposure <= limit x equity (costs included; `financedQty`) and
 *   the rest of the order is cancelled, counted per column (`leverageScaled` when part filled,
 *   `leverageRejected` when nothing did); the peak of gross / equity at a close is in the curves
 *   of {@link backtestVectorized} only (in a sweep it would cost a division per bar);
 * - data end: a symbol whose last close is at bar t before the panel's last bar has its position
 *   closed at close[t] after that bar's fills (a `data_end` fill tagged "data ended", no costs);
 *   its pending order is dropped and later targets are ignored. Bars at whose close a position is
 *   held in a symbol without a close of its own (a hole inside its data; marked at its last
 *   close) are counted (`heldWithoutBar`).
 * Corporate actions are not applied: give it an action-free or adjusted panel.
 * Close-only panels (bars with a close and no open) are refused with fills at the open, and cost
 * models that need volume are refused on symbols without any (as in the event engine). Sizing at
 * the fill price (`orderTargetWeight(..., "fill")`, used by the spec strategies `ma_cross` and
 * `mean_reversion`) is not available here: weights are converted at the decision close.
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
import {
  DATA_END_TAG,
  financedQty,
  lastCloseBars,
  peakGrossLeverage,
  resolveMaxGross,
} from "./_financing.ts";
import { checkVolumeForCosts, type Fill, type FillAt } from "./engine.ts";
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
  /**
   * Largest gross exposure a fill may leave, as a multiple of equity (same rule and default as
   * `BacktestOptions.maxGrossLeverage`: a fill raising a position beyond it is cut to the lots
   * that fit, the rest cancelled). @default Infinity
   */
  maxGrossLeverage?: number;
}

/** One column's curves (only from {@link backtestVectorized}). */
export interface ColumnCurves {
  equity: Float64Array;
  gross: Float64Array;
  net: Float64Array;
  costs: CostSeries;
  totals: CostTotals;
  /**
   * Every fill, as `BacktestResult.fills` of the event engine: order ids count the orders
   * submitted (one per decision that changes a target), `data_end` fills have id 0.
   */
  fills: Fill[];
  /** Orders cut by the leverage limit: part filled (`leverageScaled`) or nothing (`leverageRejected`). */
  orders: { leverageScaled: number; leverageRejected: number };
  /** As `BacktestResult.leverage`: the limit and the peak of gross / equity at a close. */
  leverage: { limit: number; peakGross: number; peakBar: number };
  /** As `BacktestResult.dataEnded`: symbols whose bars end before the panel's last bar. */
  dataEnded: { symbol: string; bar: number; closed: boolean }[];
  /** As `BacktestResult.heldWithoutBar`: bars held without a close, per symbol (none left out). */
  heldWithoutBar: Record<string, number>;
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
  /** Orders partly filled, then cut by `maxGrossLeverage` (rest cancelled). */
  leverageScaled: Int32Array;
  /** Orders of which `maxGrossLeverage` let nothing fill. */
  leverageRejected: Int32Array;
  /** Positions closed at the end of their symbol's data (`data_end` fills). */
  dataEndExits: Int32Array;
  /** Bars at whose close a position was held in a symbol without a close, summed over symbols. */
  heldWithoutBar: Int32Array;
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
  maxGross: number;
  /** Last bar with a close per symbol (lastCloseBars). */
  lastBar: Int32Array;
  /** Symbols whose data ends before the panel's last bar, by (last bar, symbol). */
  endOrder: Int32Array;
  /** Bar where symbol 0's data ends (< nBars - 1), else nBars. */
  end0: number;
}

function prepare(panel: BarPanel, o: VectorizedOptions): Prepared {
  checkPanelOnce(panel);
  const fillDelay = o.fillDelay ?? 1;
  if (!(Number.isInteger(fillDelay) && fillDelay >= 1)) {
    throw new RangeError(`fillDelay must be an integer >= 1, got ${fillDelay}`);
  }
  const maxGross = resolveMaxGross(o.maxGrossLeverage);
  const model = resolveCostModel(o.costs);
  checkVolumeForCosts(panel, model);
  const { nSym, nBars } = panelShape(panel);
  const lastBar = lastCloseBars(panel);
  const ends: number[] = [];
  for (let s = 0; s < nSym; s++) if (lastBar[s]! >= 0 && lastBar[s]! < nBars - 1) ends.push(s);
  ends.sort((a, b) => lastBar[a]! - lastBar[b]! || a - b);
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
    maxGross,
    lastBar,
    endOrder: Int32Array.from(ends),
    end0: nSym > 0 && lastBar[0]! >= 0 && lastBar[0]! < nBars - 1 ? lastBar[0]! : nBars,
  };
}

interface ColumnOut {
  finalEquity: number;
  sharpe: number;
  maxDrawdown: number;
  totalCost: number;
  traded: number;
  leverageScaled: number;
  leverageRejected: number;
  dataEndExits: number;
  heldWithoutBar: number;
  curves?: ColumnCurves;
}

function runColumn(p: Prepared, targets: Float64Array, keep: boolean): ColumnOut {
  const { panel, nSym, nBars, days, model, fillDelay, weights } = p;
  if (targets.length !== nSym * nBars) {
    throw new RangeError(`Target column has ${targets.length} values, expected ${nSym * nBars}`);
  }
  if (nSym === 1 && !keep) return runColumnSingle(p, targets);
  const book = new Book(panel, model, p.est, p.initialCash, keep);
  book.maxGross = p.maxGross;
  const pending = new Float64Array(nSym);
  const eligible = new Int32Array(nSym);
  /** Id of each symbol's pending order (ids count submissions, as in the event engine). */
  const orderId = new Float64Array(nSym);
  /** Bar of each symbol's last decision (its pending order, if any, was replaced then). */
  const decidedAt = new Int32Array(nSym).fill(-1);
  // symbols with a pending order in submission order (queue[0 .. nQueue)), and scratch lists
  let queue = new Int32Array(nSym), spare = new Int32Array(nSym);
  let nQueue = 0;
  const fresh = new Int32Array(nSym);
  const later = new Int32Array(nSym);
  const laterShares = new Float64Array(nSym);
  const ended = new Uint8Array(nSym);
  const held = new Float64Array(nSym);
  const fills: Fill[] = [];
  const dataEnded: ColumnCurves["dataEnded"] = [];
  const endOrder = p.endOrder, lastBar = p.lastBar;
  let endAt = 0;
  let nextId = 1;
  let scaled = 0, rejected = 0, endExits = 0;
  const equity = keep ? new Float64Array(nBars) : undefined;
  const gross = keep ? new Float64Array(nBars) : undefined;
  const net = keep ? new Float64Array(nBars) : undefined;
  const open = panel.open;
  const close = panel.close;
  const lot = model.lotSize;
  const cancel = model.remainder === "cancel";
  const atOpen = p.fillAt === "open";
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
  /** Decision for symbol s: replaces its pending order (runBacktest's orderTarget). */
  const submit = (s: number, shares: number, t: number, nNew: number): number => {
    const d = shares - pos[s]!;
    decidedAt[s] = t;
    pending[s] = d;
    if (d === 0) return nNew;
    eligible[s] = t + fillDelay;
    orderId[s] = nextId++;
    fresh[nNew] = s;
    return nNew + 1;
  };
  for (let t = 0; t < nBars; t++) {
    if (capOn && (t === 0 || days[t] !== days[t - 1])) {
      for (let s = 0; s < nSym; s++) used[s] = 0;
    }
    if (borrowOn) {
      book.chargeBorrow(t);
      cash = book.cash;
    }
    if (nQueue > 0) {
      // fills in submission order (runBacktest's pending orders)
      let w = 0;
      for (let k = 0; k < nQueue; k++) {
        const s = queue[k]!;
        const want = pending[s]!;
        const i = s * nBars + t;
        if (eligible[s]! <= t && !Number.isNaN(open[i]!)) {
          const px = atOpen ? open[i]! : close[i]!;
          const q = book.fill(s, t, want, px);
          if (keep && q !== 0) {
            const c = book.last;
            fills.push({
              orderId: orderId[s]!,
              bar: t,
              symbol: panel.symbols[s]!,
              qty: q,
              price: px,
              commission: c.commission,
              fees: c.fees,
              spread: c.spread,
              impact: c.impact,
              kind: "trade",
              tag: "",
            });
          }
          let left = want - q;
          if (Math.abs(left) < 1e-9) left = 0;
          else if (book.lastCut) {
            // the leverage limit cancels the rest (module doc)
            if (q !== 0) scaled++;
            else rejected++;
            left = 0;
          } else if (q !== 0 && cancel) left = 0;
          pending[s] = left;
        }
        if (pending[s] !== 0) queue[w++] = s;
      }
      nQueue = w;
      cash = book.cash;
    }
    if (endAt < endOrder.length && lastBar[endOrder[endAt]!] === t) {
      // data end: close at this close, drop the pending order (module doc)
      for (; endAt < endOrder.length && lastBar[endOrder[endAt]!] === t; endAt++) {
        const s = endOrder[endAt]!;
        const px = close[s * nBars + t]!;
        const q = book.closePosition(s, px);
        if (q !== 0) {
          endExits++;
          if (keep) {
            fills.push({
              orderId: 0,
              bar: t,
              symbol: panel.symbols[s]!,
              qty: -q,
              price: px,
              commission: 0,
              fees: 0,
              spread: 0,
              impact: 0,
              kind: "data_end",
              tag: DATA_END_TAG,
            });
          }
        }
        if (keep) dataEnded.push({ symbol: panel.symbols[s]!, bar: t, closed: q !== 0 });
        ended[s] = 1;
        pending[s] = 0;
      }
      let w = 0;
      for (let k = 0; k < nQueue; k++) if (pending[queue[k]!] !== 0) queue[w++] = queue[k]!;
      nQueue = w;
      cash = book.cash;
    }
    let netV = 0;
    let grossV = 0;
    for (let s = 0; s < nSym; s++) {
      const c = close[s * nBars + t]!;
      if (c > 0) lc[s] = c;
      const q = pos[s]!;
      if (q !== 0) {
        if (!(c > 0)) held[s]!++;
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
    // decisions, submitted as targetStrategy does: reductions first, then the rest
    let nNew = 0, nLater = 0, decided = false;
    for (let s = 0; s < nSym; s++) {
      const i = s * nBars + t;
      const tg = targets[i]!;
      if (tg !== tg || ended[s]) continue; // NaN: no new decision
      let shares = tg;
      let raw = tg;
      if (weights) {
        const px = close[i]!;
        if (!(px > 0)) continue;
        raw = (tg * eq) / px;
        shares = roundLot(raw, lot);
      }
      decided = true;
      const P = pos[s]!;
      if (P !== 0 && (!(Math.abs(raw) > Math.abs(P)) || Math.sign(raw) !== Math.sign(P))) {
        nNew = submit(s, shares, t, nNew);
      } else {
        later[nLater] = s;
        laterShares[nLater++] = shares;
      }
    }
    if (decided) {
      for (let k = 0; k < nLater; k++) nNew = submit(later[k]!, laterShares[k]!, t, nNew);
      // queue: orders not replaced at this bar (in their order), then this bar's submissions
      let w = 0;
      for (let k = 0; k < nQueue; k++) {
        const s = queue[k]!;
        if (decidedAt[s] !== t) spare[w++] = s;
      }
      for (let k = 0; k < nNew; k++) spare[w++] = fresh[k]!;
      const x = queue;
      queue = spare;
      spare = x;
      nQueue = w;
    }
  }
  const tot = book.totals;
  let heldTotal = 0;
  for (let s = 0; s < nSym; s++) heldTotal += held[s]!;
  const out = summarise(p, sr, sr2, nr, prevEq, maxDd, tot, {
    leverageScaled: scaled,
    leverageRejected: rejected,
    dataEndExits: endExits,
    heldWithoutBar: heldTotal,
  });
  if (keep) {
    const heldWithoutBar: Record<string, number> = {};
    for (let s = 0; s < nSym; s++) if (held[s]! > 0) heldWithoutBar[panel.symbols[s]!] = held[s]!;
    out.curves = {
      equity: equity!,
      gross: gross!,
      net: net!,
      costs: book.series!,
      totals: { ...tot },
      fills,
      orders: { leverageScaled: scaled, leverageRejected: rejected },
      leverage: { limit: p.maxGross, ...peakGrossLeverage(gross!, equity!) },
      dataEnded,
      heldWithoutBar,
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
  leverageScaled: Float64Array;
  leverageRejected: Float64Array;
  dataEndExits: Float64Array;
  heldWithoutBar: Float64Array;
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
    leverageScaled: z(),
    leverageRejected: z(),
    dataEndExits: z(),
    heldWithoutBar: z(),
  };
}

/**
 * The sweep path for one symbol: advance column c over bars [t0, t1) with targets read from
 * `targets[t - off]`. The same operations as {@link runColumn} in the same order, with the
 * bookkeeping of `Book.fill` and `Book.chargeBorrow` inlined for symbol 0 and scalar state, so
 * a column can be run in blocks of bars (all columns over one block, then the next block: the
 * bars stay in cache) with the same result as in one pass. Bars run in {@link runBars}, a loop
 * without calls (so the compiler keeps its state in registers); when a fill is due it returns
 * and {@link fillSingle} books the fill, then the bar resumes after its fill step. When the
 * symbol's data ends before the panel's last bar (bar `p.end0`), bars run up to it, that bar is
 * {@link endSingle}, and later bars are skipped: flat, with nothing pending and no decision
 * taken, each of them would leave equity, its return (exactly 0), peak and drawdown unchanged.
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
  const end = p.end0;
  if (t0 > end) return;
  const stop = Math.min(t1, end);
  let t = runBars(p, st, c, t0, stop, targets, off, -1);
  while (t < stop) {
    fillSingle(p, st, c, t);
    t = runBars(p, st, c, t, stop, targets, off, t);
  }
  if (end < t1) endSingle(p, st, c, end);
}

/** A bar without a decision (target NaN), for {@link endSingle}. */
const NO_DECISION = Float64Array.of(NaN);

/**
 * Bar t of column c where symbol 0's data ends (t < nBars - 1): borrow and fill as in
 * {@link runBars}, then the position is closed at close[t] (cash += position x close, no
 * costs), the pending order dropped, and the bar marked without a decision.
 */
function endSingle(p: Prepared, st: SingleState, c: number, t: number): void {
  const rate = p.model.borrowRateAnnual;
  const pos = st.pos[c]!, lc = st.lc[c]!;
  if (rate > 0 && pos < 0 && t > 0 && lc > 0) {
    // as in runBars
    const tsMs = p.panel.tsMs;
    const fee = rate * -pos * lc *
      ((tsMs[t]! - tsMs[t - 1]!) / MS_PER_DAY / CALENDAR_DAYS_PER_YEAR);
    if (fee !== 0) {
      st.cash[c] = st.cash[c]! - fee;
      st.borrow[c] = st.borrow[c]! + fee;
    }
  }
  const o = p.panel.open[t]!;
  if (st.pending[c] !== 0 && st.eligible[c]! <= t && o === o) fillSingle(p, st, c, t);
  const q = st.pos[c]!;
  if (q !== 0) {
    st.cash[c] = st.cash[c]! + q * p.panel.close[t]!;
    st.pos[c] = 0;
    st.dataEndExits[c] = st.dataEndExits[c]! + 1;
  }
  st.pending[c] = 0;
  runBars(p, st, c, t, t + 1, NO_DECISION, t, t);
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
  let held = st.heldWithoutBar[c]!;
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
    else if (pos !== 0) held++;
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
  st.heldWithoutBar[c] = held;
  return t;
}

/**
 * Book.fill for symbol 0 of column c at bar t (pending order, eligible, valid open), with the
 * leverage cut ({@link financedQty}) and the end of the order as in {@link runColumn}.
 */
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
  let cut = false;
  const sigma = p.est.sigma[t]!;
  if (q !== 0 && m.impactCoef > 0 && !(sigma >= 0)) q = 0;
  if (q !== 0) {
    const panel = p.panel;
    const price = p.fillAt === "open" ? panel.open[t]! : panel.close[t]!;
    const bid = panel.bid ? panel.bid[t]! : NaN;
    const ask = panel.ask ? panel.ask[t]! : NaN;
    const P = st.pos[c]!;
    if (p.maxGross !== Infinity && Math.abs(P + q) > Math.abs(P)) {
      // Book.financed for one symbol: E = cash + P x price, no other positions
      const e = st.cash[c]! + P * price;
      const x = financedQty(q, P, price, e, 0, p.maxGross, m, sigma, adv, bid, ask, p.fillCost);
      if (x !== q) {
        cut = true;
        q = x;
      }
    }
    if (q !== 0) {
      const k = fillCostScalar(p.fillCost, q, price, m, sigma, adv, bid, ask);
      const notional = Math.abs(q) * price;
      let cash = st.cash[c]!;
      cash -= q * price;
      cash -= k.commission + k.fees + k.spread + k.impact;
      st.cash[c] = cash;
      st.pos[c] = P + q;
      st.used[c] = st.used[c]! + Math.abs(q);
      st.commission[c] = st.commission[c]! + k.commission;
      st.fees[c] = st.fees[c]! + k.fees;
      st.spread[c] = st.spread[c]! + k.spread;
      st.impact[c] = st.impact[c]! + k.impact;
      st.traded[c] = st.traded[c]! + notional;
    }
  }
  let left = pending - q;
  if (Math.abs(left) < 1e-9) left = 0;
  else if (cut) {
    // the leverage limit cancels the rest (module doc)
    if (q !== 0) st.leverageScaled[c] = st.leverageScaled[c]! + 1;
    else st.leverageRejected[c] = st.leverageRejected[c]! + 1;
    left = 0;
  } else if (q !== 0 && m.remainder === "cancel") left = 0;
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
    {
      leverageScaled: st.leverageScaled[c]!,
      leverageRejected: st.leverageRejected[c]!,
      dataEndExits: st.dataEndExits[c]!,
      heldWithoutBar: st.heldWithoutBar[c]!,
    },
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
  counts: Pick<
    ColumnOut,
    "leverageScaled" | "leverageRejected" | "dataEndExits" | "heldWithoutBar"
  >,
): ColumnOut {
  const mean = nr > 0 ? sr / nr : NaN;
  const v = nr > 1 ? (sr2 - nr * mean * mean) / (nr - 1) : NaN;
  return {
    finalEquity,
    sharpe: v > 0 ? (mean / Math.sqrt(v)) * p.annual : NaN,
    maxDrawdown: maxDd,
    totalCost: tot.commission + tot.fees + tot.spread + tot.impact + tot.borrow,
    traded: tot.traded,
    ...counts,
  };
}

/**
 * Backtest each target column and return full curves per column plus the summary.
 *
 * @example
 * ```ts
 * const { curves, summary } = backtestVectorized(panel, [targetsA, targetsB], {
 *   targetKind: "weight",
 *   maxGrossLeverage: 1, // no borrowing for a long-only book
 * });
 * curves[0].orders.leverageScaled; // orders cut by the limit
 * ```
 */
export function backtestVectorized(
  panel: BarPanel,
  targets: Float64Array[],
  options: VectorizedOptions = {},
): { curves: ColumnCurves[]; summary: SweepResult } {
  const p = prepare(panel, options);
  const summary = emptySweepResult(targets.length, targets.length * p.nSym * p.nBars);
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
  const summary = emptySweepResult(nColumns, nColumns * p.nSym * p.nBars);
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

/** A zeroed {@link SweepResult} for n columns that counts `barEvaluations` (for sweep drivers). */
export function emptySweepResult(n: number, barEvaluations: number): SweepResult {
  return {
    finalEquity: new Float64Array(n),
    sharpe: new Float64Array(n),
    maxDrawdown: new Float64Array(n),
    totalCost: new Float64Array(n),
    traded: new Float64Array(n),
    leverageScaled: new Int32Array(n),
    leverageRejected: new Int32Array(n),
    dataEndExits: new Int32Array(n),
    heldWithoutBar: new Int32Array(n),
    barEvaluations,
  };
}

function put(s: SweepResult, c: number, r: ColumnOut): void {
  s.finalEquity[c] = r.finalEquity;
  s.sharpe[c] = r.sharpe;
  s.maxDrawdown[c] = r.maxDrawdown;
  s.totalCost[c] = r.totalCost;
  s.traded[c] = r.traded;
  s.leverageScaled[c] = r.leverageScaled;
  s.leverageRejected[c] = r.leverageRejected;
  s.dataEndExits[c] = r.dataEndExits;
  s.heldWithoutBar[c] = r.heldWithoutBar;
}
