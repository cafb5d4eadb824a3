/**
 * Event-driven, deterministic backtest engine over a {@link BarPanel}.
 *
 * Timeline of bar t (one "bar event" per symbol and bar):
 *  1. new trading day: the participation allowance restarts;
 *  2. borrow fee on shorts held since bar t-1 (ACT/365 on the last close);
 *  3. corporate actions with ex-date bar t: splits scale positions and open orders, dividends
 *     pay cash (shorts pay the dividend);
 *  4. open phase: pending market-on-open orders fill at open[t]; limit and stop orders fill by
 *     the rules below; fills are capped at `participationCap` x ADV per symbol per day and
 *     rounded to lots, the remainder is carried or cancelled (`remainder`);
 *  5. close phase: pending market-on-close orders fill at close[t];
 *  6. delistings effective at bar t: positions are closed at the acquisition price, or at the
 *     last close;
 *  6b. data end: a symbol whose last close is at bar t < the panel's last bar has its position
 *     closed at close[t] (a `data_end` fill, tagged "data ended", no costs, like a delisting),
 *     its pending orders are dropped (`data_ended`) and later orders refused: a position is
 *     never carried, marked at a stale price, past the end of its data;
 *  7. mark to market at close[t] (the last valid close for symbols without a bar: a hole inside
 *     a symbol's data; the bars so marked while holding are counted per symbol,
 *     `heldWithoutBar`);
 *  8. the strategy's `onBar` sees bars 0..t only and may submit orders, which become eligible
 *     at bar t + fillDelay (>= 1): a signal known at the close of bar t never fills at a price
 *     of bar t or earlier.
 *
 * Fill rules (bar t, open O, high H, low L): buy limit at P fills at O if O <= P, else at P if
 * L <= P; sell limit at P fills at O if O >= P, else at P if H >= P; buy stop at P fills at O if
 * O >= P, else at P if H >= P; sell stop at P fills at O if O <= P, else at P if L <= P. Limit and
 * stop orders are "gtc" by default; "day" orders expire at the end of their first eligible day.
 * Market orders wait for a bar where the symbol trades.
 * Close-only bars (a close but no open: FX closes, index levels): there is no opening price to
 * trade at, so a market-on-open order eligible on such a bar fills at that bar's close, and a
 * limit or stop order is judged on the close alone (buy limit at P fills at C if C <= P, etc.);
 * `result.orders.closeFillsForMissingOpen` counts these fills. No open is ever invented.
 * Volume: a cost model with a participation cap or impact needs volume; a symbol that trades
 * but has no known volume on any bar is refused up front (RangeError naming the setting to
 * change: `costs.participationCap` / `costs.impactCoef`, or a spread-only model), instead of a
 * run that silently never fills.
 * Orders that end without a complete fill (cancelled, replaced, expired or pending at the end)
 * are counted by reason in `result.orders` (see {@link UnfilledReason}); fill attempts that left
 * an order waiting (no volume history, no volatility estimate, participation cap, no bar) are
 * counted by reason in `result.orders.delayedBars`.
 * Leverage (`maxGrossLeverage`, m): a fill that raises |position| may leave gross exposure at
 * most m x equity (other positions at their last close, this one at the fill price, the fill's
 * costs paid); it is cut to the lots that fit and the rest of the order is cancelled (reason
 * `leverage_limit`; counted in `orders.leverageScaled`, or `leverageRejected` when nothing fits).
 * Orders fill in submission order within a phase (open, then close), so when one rebalance's
 * buys and sells fill on the same bar, earlier orders are served first: a strategy that wants
 * sales to fund purchases submits the sales first (the built-in target strategies do).
 * `result.leverage.peakGross` is the largest gross / equity at a close.
 * Costs (commission, fees, half-spread, square-root impact, borrow) come from the shared
 * {@link CostModel}. ADV and volatility are trailing estimates from sessions before the fill's
 * session: with the participation cap on, nothing fills before one session of volume is known;
 * with impact on, nothing fills before two daily returns are known (orders wait, they are not
 * filled at an unknown cost). Same panel, strategy, options and seed give identical fills and
 * P&L.
 * The panel is checked with `validatePanel` on its first run only (`checkPanelOnce`: the same
 * panel object with the same arrays is not scanned again); after changing values in a panel's
 * arrays in place, call `validatePanel` yourself or build a new panel object.
 */

import { Rng } from "../core/mod.ts";
import { type CostModel, resolveCostModel, roundLot, volumeNeeds } from "../execution/mod.ts";
import { Book, type CostSeries, type CostTotals, type UnfilledReason } from "./_book.ts";
import { EstimateCursor } from "./_estimates.ts";
import { DATA_END_TAG, lastCloseBars, peakGrossLeverage, resolveMaxGross } from "./_financing.ts";
import { PendingOrders } from "./_pending.ts";
import { type BarPanel, checkPanelOnce, panelDays, panelShape } from "./panel.ts";

export type { UnfilledReason };

/** When a market order fills on its eligible bar. */
export type FillAt = "open" | "close";

/** An order as submitted by a strategy. */
export interface OrderRequest {
  /** Symbol name or index. */
  symbol: string | number;
  /** Signed shares: > 0 buy, < 0 sell. */
  qty: number;
  /** Order type. @default "market" */
  type?: "market" | "limit" | "stop";
  /** Limit price (limit orders). */
  limitPrice?: number;
  /** Stop trigger price (stop orders). */
  stopPrice?: number;
  /** Market orders: fill at the open or the close of the eligible bar. @default "open" */
  fillAt?: FillAt;
  /** Time in force of limit/stop orders. @default "gtc" */
  tif?: "day" | "gtc";
  /** Free text carried to fills. @default "" */
  tag?: string;
}

/** A pending or finished order. */
export interface Order {
  id: number;
  symbol: number;
  /** Remaining signed quantity. */
  qty: number;
  type: "market" | "limit" | "stop";
  limitPrice: number;
  stopPrice: number;
  fillAt: FillAt;
  tif: "day" | "gtc";
  tag: string;
  submittedBar: number;
  eligibleBar: number;
  /** Why the last fill attempt filled less than asked, if it did. */
  blocked?: UnfilledReason;
  /**
   * Weight of equity to hold, sized at the fill price (`orderTargetWeight` with `sizeAt:
   * "fill"`): at each fill attempt until something fills, `qty` becomes roundLot(weight x
   * equity / price) - position, with the equity of the last close. Cleared at the first fill.
   */
  sizeWeight?: number;
  /**
   * What is left of a notional order's value after its first partial fill: |qty| x price at that
   * fill minus |fill| x price of every fill since; a later fill is cut to roundLot(budget /
   * price), so an order split by the participation cap never trades more than it was sized for
   * (buying 250 shares sized at 100 and filled 100 at 100, 100 at 110, then at most
   * floor(4000 / 120) = 33 at 120, not 50).
   */
  sizeBudget?: number;
}

/** Order counts of a run. */
export interface OrderStats {
  /** Orders accepted (rejected ones are in `rejected`). */
  submitted: number;
  /** Orders that ended without a complete fill: cancelled, replaced, expired or pending at the end. */
  unfilled: number;
  /** `unfilled` by reason: the last reason a fill attempt fell short, else why it never could try. */
  unfilledByReason: Partial<Record<UnfilledReason, number>>;
  /** Fills of market-on-open orders at the close of a bar without an open (close-only data). */
  closeFillsForMissingOpen: number;
  /**
   * Orders partly filled and then cut by the leverage limit (`maxGrossLeverage`): what fitted
   * was filled, the rest cancelled (also counted in `unfilledByReason.leverage_limit`).
   */
  leverageScaled?: number;
  /** Orders of which the leverage limit let nothing fill (in `unfilledByReason.leverage_limit`). */
  leverageRejected?: number;
  /**
   * Fill attempts that filled nothing or less than asked and left the order waiting for a later
   * bar, by reason (one count per order and bar): e.g. `no_volatility_estimate` 2 and
   * `participation_cap` 1 for an order that waited two bars for impact's volatility estimate,
   * then filled over two days under the participation cap. Orders that filled in the end are
   * counted here too; those that never did are in `unfilledByReason`.
   */
  delayedBars?: Partial<Record<UnfilledReason, number>>;
}

/** One execution. */
export interface Fill {
  orderId: number;
  bar: number;
  symbol: string;
  qty: number;
  price: number;
  commission: number;
  fees: number;
  spread: number;
  impact: number;
  /**
   * `trade`; `delist` (closed by a delisting); `data_end` (closed at the last close of a symbol
   * whose bars end before the panel's: see {@link runBacktest}).
   */
  kind: "trade" | "delist" | "data_end";
  tag: string;
}

/** Corporate action on a symbol, effective before the open of bar `bar` (the ex-date). */
export type CorporateAction =
  | {
    type: "split";
    symbol: string;
    bar: number; /** new shares per old share, 2 for 2:1 */
    ratio: number;
  }
  | { type: "dividend"; symbol: string; bar: number; /** USD per share */ amount: number }
  | {
    type: "delist";
    symbol: string;
    /** last bar the symbol exists; the position is closed after this bar's close */
    bar: number;
    /** cash per share paid (acquisition); default the last close */
    price?: number;
  };

/** What a strategy sees at the close of bar t. */
export interface BarContext {
  readonly t: number;
  readonly tsMs: number;
  readonly symbols: readonly string[];
  /** Price of symbol s, `lag` bars back (0 = this bar). Negative lags throw (look-ahead). */
  open(s: number, lag?: number): number;
  high(s: number, lag?: number): number;
  low(s: number, lag?: number): number;
  close(s: number, lag?: number): number;
  volume(s: number, lag?: number): number;
  /** The last `n` closes of symbol s up to bar t (a read-only view, oldest first). */
  closes(s: number, n: number): Float64Array;
  position(s: number): number;
  readonly cash: number;
  /** Equity at this close. */
  readonly equity: number;
  /** Seeded random numbers (deterministic per run). */
  readonly rng: Rng;
  submit(order: OrderRequest): number;
  cancel(id: number): void;
  /** Cancel all pending orders, or those of symbol s. */
  cancelAll(s?: number): void;
  openOrders(s?: number): readonly Order[];
  /** Cancel s's pending orders and send a market order for target - position. */
  orderTarget(s: number, shares: number, fillAt?: FillAt): number;
  /**
   * orderTarget with shares = roundLot(weight * equity / close[t]) (`sizeAt` "decision", the
   * default: sized on the price known at the decision, so the fill may cost more or less than
   * weight x equity), or a notional order sized at its fill: shares = roundLot(weight * equity /
   * fill price) - position, equity of the last close before the fill (`sizeAt` "fill": weight 1
   * invests at most the equity, whatever the price did between signal and fill, also when the
   * participation cap splits the order over several bars).
   */
  orderTargetWeight(
    s: number,
    weight: number,
    fillAt?: FillAt,
    sizeAt?: "decision" | "fill",
  ): number;
  symbolIndex(name: string): number;
}

/** A strategy: called once per bar after the close. */
export interface Strategy {
  init?(ctx: BarContext): void;
  onBar(ctx: BarContext): void;
}

/** Options of {@link runBacktest}. */
export interface BacktestOptions {
  /** Starting cash, USD. @default 1_000_000 */
  initialCash?: number;
  /** Execution costs. @default {} (no fees or impact; participation cap 10% of ADV) */
  costs?: CostModel;
  /** Bars between the signal bar and the first bar an order may fill (>= 1). @default 1 */
  fillDelay?: number;
  /** Splits, dividends, delistings. @default [] */
  corporateActions?: CorporateAction[];
  /** Seed of `ctx.rng`. @default 0 */
  seed?: number;
  /** Keep positions at every close (nSym x nBars). @default true */
  recordPositions?: boolean;
  /**
   * Largest gross exposure (sum of |position value|) a fill may leave, as a multiple of equity;
   * a fill that raises a position beyond it is cut to what fits and the rest of the order is
   * cancelled (`orders.leverageScaled` / `leverageRejected`, reason `leverage_limit`). 1 means
   * no borrowing for a long-only book (cash never below zero). Backtest specs default to 1
   * (`maxGrossLeverage`); the library default checks nothing. @default Infinity
   */
  maxGrossLeverage?: number;
}

/** Output of a run; per-bar arrays have length nBars. */
export interface BacktestResult {
  symbols: readonly string[];
  tsMs: Float64Array;
  initialCash: number;
  equity: Float64Array;
  cash: Float64Array;
  /** Sum of |position value| at the close. */
  gross: Float64Array;
  /** Sum of position value at the close. */
  net: Float64Array;
  /** Shares held at each close, symbol-major (s * nBars + t); empty if not recorded. */
  positions: Float64Array;
  costs: CostSeries;
  totals: CostTotals;
  /** Dividends received (paid when short) per bar. */
  dividends: Float64Array;
  fills: Fill[];
  /** Orders refused at submission, with the reason. */
  rejected: { bar: number; order: OrderRequest; reason: string }[];
  /** Orders still pending at the end. */
  unfilled: Order[];
  /** Submitted and unfilled order counts, unfilled by reason. */
  orders: OrderStats;
  /**
   * Gross leverage: the limit applied (Infinity: none) and the peak of gross / equity over the
   * bars' closes (0 when nothing was held; Infinity if equity fell to zero or below while
   * holding), with the bar where it peaked (-1 when nothing was held).
   */
  leverage?: { limit: number; peakGross: number; peakBar: number };
  /**
   * Symbols whose bars end before the panel's last bar: the bar of their last close, and
   * whether a position was closed there (a `data_end` fill). Empty when every symbol has a
   * close on the last bar.
   */
  dataEnded?: { symbol: string; bar: number; closed: boolean }[];
  /**
   * Bars at whose close a position was held in a symbol with no close on that bar (a hole
   * inside its data): it is marked at its last close. Symbols with none are left out.
   */
  heldWithoutBar?: Record<string, number>;
  /**
   * Periods per year of this result's rows (the panel's `periodsPerYear`; the calendar's
   * sessions per year after `resampleToSessions`): the default annualisation of the report.
   */
  periodsPerYear?: number;
  /** Sessions per year of the panel's calendar (used when resampled to sessions). */
  sessionsPerYear?: number;
  /** Currency of prices and P&L (the panel's), null when unknown. */
  currency?: string | null;
  /**
   * Set by `resampleToSessions`: the run at its own bars, before resampling. Its rows start at
   * the end of the first session, so the run's start (the first bar, at the starting equity)
   * and its drawdown between session closes are kept here for CAGR and max drawdown.
   */
  bars?: ResampledFrom;
}

/** What {@link BacktestResult}`.bars` keeps of a run resampled to sessions. */
export interface ResampledFrom {
  /**
   * Every bar's instant (the run's own `tsMs`): what bar indices of the run (`leverage.peakBar`,
   * `dataEnded[].bar`, fills) refer to.
   */
  tsMs: Float64Array;
  /** The first and last bar's instants (epoch ms UTC) of the run. */
  startMs: number;
  endMs: number;
  /** Equity at the first bar (the starting equity: orders fill from the next bar on). */
  startEquity: number;
  /** Bars of the run (before resampling). */
  count: number;
  /** Largest peak-to-trough fall of equity over every bar, as a fraction of the peak. */
  maxDrawdown: number;
}

/**
 * Refuse a cost model that needs volume on a panel where a traded symbol has none: no bar with
 * a positive, finite volume (a feed that records 0 for FX is as volume-less as one with nulls).
 * @throws RangeError naming the symbols and the settings to change.
 */
export function checkVolumeForCosts(panel: BarPanel, model: CostModel): void {
  const needs = volumeNeeds(model);
  if (!needs.length) return;
  const { nSym, nBars } = panelShape(panel);
  const missing: string[] = [];
  for (let s = 0; s < nSym; s++) {
    let traded = false, known = false;
    for (let t = 0; t < nBars && !known; t++) {
      const i = s * nBars + t;
      if (!Number.isNaN(panel.open[i]!) || !Number.isNaN(panel.close[i]!)) traded = true;
      if (panel.volume[i]! > 0 && Number.isFinite(panel.volume[i]!)) known = true;
    }
    if (traded && !known) missing.push(panel.symbols[s]!);
  }
  if (!missing.length) return;
  throw new RangeError(
    `Cannot backtest: ${missing.slice(0, 5).join(", ")}${
      missing.length > 5 ? ` and ${missing.length - 5} more` : ""
    } ${
      missing.length === 1 ? "has" : "have"
    } no volume (none recorded, or only zeros), and the cost model uses ${
      needs.join(" and ")
    }, which needs it. Choose a spread-only cost model (spec: "costs": {"model": "spread_only"}) or set costs.participationCap to Infinity (null in a spec) and costs.impactCoef to 0`,
  );
}

/**
 * Run `strategy` over `panel`.
 *
 * @example
 * ```ts
 * const res = runBacktest(panel, { onBar: (ctx) => { if (ctx.t === 0) ctx.orderTarget(0, 100); } });
 * res.equity.at(-1);
 * ```
 */
export function runBacktest(
  panel: BarPanel,
  strategy: Strategy,
  options: BacktestOptions = {},
): BacktestResult {
  checkPanelOnce(panel);
  const model = resolveCostModel(options.costs);
  checkVolumeForCosts(panel, model);
  const fillDelay = options.fillDelay ?? 1;
  if (!(Number.isInteger(fillDelay) && fillDelay >= 1)) {
    throw new RangeError(
      `fillDelay must be an integer >= 1 (a signal at bar t cannot fill at bar t), got ${fillDelay}`,
    );
  }
  const initialCash = options.initialCash ?? 1_000_000;
  const { nSym, nBars } = panelShape(panel);
  const symIndex = new Map(panel.symbols.map((s, i) => [s, i] as const));
  const days = panelDays(panel);
  // estimates on demand at fill attempts (same values as marketEstimates, no symbol x bar arrays)
  const est = new EstimateCursor(panel, model.advWindow, model.volWindow);
  const book = new Book(panel, model, est, initialCash, true);
  const maxGross = resolveMaxGross(options.maxGrossLeverage);
  book.maxGross = maxGross;
  // last bar with a close per symbol: a position still held there is closed (data end, 6b)
  const lastBar = lastCloseBars(panel);
  const ended = new Uint8Array(nSym);
  const dataEnded: BacktestResult["dataEnded"] = [];
  const heldWithoutBar: Record<string, number> = {};
  const recordPositions = options.recordPositions ?? true;

  const equity = new Float64Array(nBars);
  const cashS = new Float64Array(nBars);
  const gross = new Float64Array(nBars);
  const net = new Float64Array(nBars);
  const positions = new Float64Array(recordPositions ? nSym * nBars : 0);
  // Positions are written per symbol in runs: posSince[s] is the first bar whose position is
  // not yet written (it is pos[s] from there to the current bar); flushPosition(s) writes the
  // run before pos[s] changes at bar t, so the recording is contiguous (the matrix is symbol-major).
  const posSince = new Int32Array(recordPositions ? nSym : 0);
  const flushPosition = (s: number) => {
    if (!recordPositions) return;
    const from = posSince[s]!;
    if (from < t) positions.fill(book.pos[s]!, s * nBars + from, s * nBars + t);
    posSince[s] = t;
  };
  const dividends = new Float64Array(nBars);
  const fills: Fill[] = [];
  const rejected: BacktestResult["rejected"] = [];
  const delisted = new Uint8Array(nSym);
  const orders: OrderStats = {
    submitted: 0,
    unfilled: 0,
    unfilledByReason: {},
    closeFillsForMissingOpen: 0,
    leverageScaled: 0,
    leverageRejected: 0,
    delayedBars: {},
  };
  const delayedBars: Partial<Record<UnfilledReason, number>> = {};
  orders.delayedBars = delayedBars;
  const delayed = (r: UnfilledReason) => {
    delayedBars[r] = (delayedBars[r] ?? 0) + 1;
  };
  /** Count an order that ends before its complete fill. */
  const dropped = (o: Order, fallback: UnfilledReason, override = false) => {
    const r = override ? fallback : o.blocked ?? fallback;
    orders.unfilled++;
    orders.unfilledByReason[r] = (orders.unfilledByReason[r] ?? 0) + 1;
  };
  /** Remove symbol s's pending orders, counted under their last block reason, else `reason`. */
  const removeSymbolOrders = (s: number, reason: UnfilledReason, override = false) => {
    for (const o of pending.removeSymbol(s)) dropped(o, reason, override);
  };

  // Corporate actions by bar.
  const actionsAt = new Map<number, CorporateAction[]>();
  for (const a of options.corporateActions ?? []) {
    const s = symIndex.get(a.symbol);
    if (s === undefined) throw new RangeError(`Corporate action for unknown symbol ${a.symbol}`);
    if (!(Number.isInteger(a.bar) && a.bar >= 0 && a.bar < nBars)) {
      throw new RangeError(`Corporate action ${a.type} ${a.symbol}: bar ${a.bar} out of range`);
    }
    if (a.type === "split" && !(a.ratio > 0)) {
      throw new RangeError(`Split ratio must be > 0, got ${a.ratio} for ${a.symbol}`);
    }
    if (a.type === "dividend" && !Number.isFinite(a.amount)) {
      throw new RangeError(`Dividend amount must be finite, got ${a.amount} for ${a.symbol}`);
    }
    const list = actionsAt.get(a.bar) ?? [];
    list.push(a);
    actionsAt.set(a.bar, list);
  }

  const pending = new PendingOrders<Order>(nSym);
  let nextId = 1;
  let t = 0;
  const mk = { equity: initialCash, gross: 0, net: 0 };
  const rng = new Rng(options.seed ?? 0);

  const checkLag = (lag: number) => {
    if (!(Number.isInteger(lag) && lag >= 0)) {
      throw new RangeError(
        `Look-ahead refused: lag must be an integer >= 0, got ${lag} at bar ${t}`,
      );
    }
    if (t - lag < 0) return -1;
    return t - lag;
  };
  const field = (arr: Float64Array) => (s: number, lag = 0) => {
    const u = checkLag(lag);
    return u < 0 ? NaN : arr[s * nBars + u]!;
  };
  const resolveSymbol = (sym: string | number): number => {
    const s = typeof sym === "number" ? sym : symIndex.get(sym);
    if (s === undefined || !(Number.isInteger(s) && s >= 0 && s < nSym)) {
      throw new RangeError(`Unknown symbol ${sym}`);
    }
    return s;
  };

  const ctx: BarContext = {
    get t() {
      return t;
    },
    get tsMs() {
      return panel.tsMs[t]!;
    },
    symbols: panel.symbols,
    open: field(panel.open),
    high: field(panel.high),
    low: field(panel.low),
    close: field(panel.close),
    volume: field(panel.volume),
    closes(s, n) {
      const from = Math.max(0, t - n + 1);
      return panel.close.subarray(s * nBars + from, s * nBars + t + 1);
    },
    position: (s) => book.pos[s]!,
    get cash() {
      return book.cash;
    },
    get equity() {
      return mk.equity;
    },
    rng,
    submit(req) {
      const s = resolveSymbol(req.symbol);
      const type = req.type ?? "market";
      const fillAt = req.fillAt ?? "open";
      let reason = "";
      if (!Number.isFinite(req.qty) || req.qty === 0) {
        reason = `quantity must be finite and non-zero`;
      } else if (delisted[s]) reason = `${panel.symbols[s]} is delisted`;
      else if (ended[s]) reason = `${panel.symbols[s]}'s data ended (its last bar has passed)`;
      else if (type === "limit" && !(req.limitPrice! > 0)) {
        reason = `limit order needs limitPrice > 0`;
      } else if (type === "stop" && !(req.stopPrice! > 0)) {
        reason = `stop order needs stopPrice > 0`;
      } else if (type !== "market" && fillAt === "close") {
        reason = `only market orders fill at the close`;
      }
      if (reason) {
        rejected.push({ bar: t, order: req, reason });
        return -1;
      }
      const o: Order = {
        id: nextId++,
        symbol: s,
        qty: req.qty,
        type,
        limitPrice: req.limitPrice ?? NaN,
        stopPrice: req.stopPrice ?? NaN,
        fillAt,
        tif: req.tif ?? "gtc",
        tag: req.tag ?? "",
        submittedBar: t,
        eligibleBar: t + fillDelay,
      };
      pending.add(o);
      orders.submitted++;
      return o.id;
    },
    cancel(id) {
      const o = pending.get(id);
      if (o === undefined) return;
      pending.remove(o);
      dropped(o, "cancelled_before_eligible");
    },
    cancelAll(s) {
      if (s !== undefined) {
        removeSymbolOrders(resolveSymbol(s), "cancelled_before_eligible");
        return;
      }
      for (let k = 0; k < nSym; k++) removeSymbolOrders(k, "cancelled_before_eligible");
    },
    openOrders(s) {
      return s === undefined ? pending.list().slice() : pending.ofSymbol(resolveSymbol(s)).slice();
    },
    orderTarget(s, shares, fillAt = "open") {
      if (pending.size) ctx.cancelAll(s);
      const d = shares - book.pos[s]!;
      if (d === 0 || delisted[s] || ended[s]) return -1;
      if (!Number.isFinite(d)) return ctx.submit({ symbol: s, qty: d, fillAt }); // rejected there
      // the order submit would build from { symbol: s, qty: d, fillAt }, without the request
      const o: Order = {
        id: nextId++,
        symbol: s,
        qty: d,
        type: "market",
        limitPrice: NaN,
        stopPrice: NaN,
        fillAt,
        tif: "gtc",
        tag: "",
        submittedBar: t,
        eligibleBar: t + fillDelay,
      };
      pending.add(o);
      orders.submitted++;
      return o.id;
    },
    orderTargetWeight(s, weight, fillAt = "open", sizeAt = "decision") {
      const px = panel.close[s * nBars + t]!;
      if (!(px > 0)) return -1;
      const id = ctx.orderTarget(s, roundLot((weight * mk.equity) / px, model.lotSize), fillAt);
      if (sizeAt === "fill" && id >= 0) {
        const o = pending.ofSymbol(s).find((x) => x.id === id);
        if (o) o.sizeWeight = weight;
      }
      return id;
    },
    symbolIndex: (name) => resolveSymbol(name),
  };

  const record = (o: Order, q: number, price: number, kind: Fill["kind"]) => {
    const c = book.last;
    fills.push({
      orderId: o.id,
      bar: t,
      symbol: panel.symbols[o.symbol]!,
      qty: q,
      price,
      commission: kind === "trade" ? c.commission : 0,
      fees: kind === "trade" ? c.fees : 0,
      spread: kind === "trade" ? c.spread : 0,
      impact: kind === "trade" ? c.impact : 0,
      kind,
      tag: o.tag,
    });
  };

  /**
   * Close symbol s's position at px without costs, recorded as a fill of `kind` with `tag` (a
   * delisting, or the end of the symbol's data); returns the quantity that was held.
   */
  const closeOut = (s: number, px: number, tag: string, kind: "delist" | "data_end") => {
    const q = book.pos[s]!;
    if (q === 0) return 0;
    flushPosition(s);
    book.closePosition(s, px);
    const o: Order = {
      id: 0,
      symbol: s,
      qty: -q,
      type: "market",
      limitPrice: NaN,
      stopPrice: NaN,
      fillAt: "close",
      tif: "day",
      tag,
      submittedBar: t,
      eligibleBar: t,
    };
    record(o, -q, px, kind);
    return q;
  };

  /** Try to fill order o in the given phase; returns true when it is finished. */
  const tryFill = (o: Order, phase: FillAt): boolean => {
    if (o.eligibleBar > t) return false;
    const i = o.symbol * nBars + t;
    let op = panel.open[i]!;
    const cl = panel.close[i]!;
    const closeOnly = Number.isNaN(op);
    if (closeOnly) {
      if (Number.isNaN(cl)) {
        o.blocked = "no_price"; // no bar: wait
        if (o.type === "market" ? o.fillAt === phase : phase === "open") delayed("no_price");
        return false;
      }
      op = cl; // close-only bar: the close is the only price to trade at (module doc)
    }
    let price = NaN;
    if (o.type === "market") {
      if (o.fillAt !== phase) return false;
      price = phase === "open" ? op : cl;
    } else {
      if (phase !== "open") return false;
      const buy = o.qty > 0;
      const hi = closeOnly ? cl : panel.high[i]!, lo = closeOnly ? cl : panel.low[i]!;
      if (o.type === "limit") {
        const p = o.limitPrice;
        if (buy) price = op <= p ? op : lo <= p ? p : NaN;
        else price = op >= p ? op : hi >= p ? p : NaN;
      } else {
        const p = o.stopPrice;
        if (buy) price = op >= p ? op : hi >= p ? p : NaN;
        else price = op <= p ? op : lo <= p ? p : NaN;
      }
      if (Number.isNaN(price)) {
        o.blocked = "price_not_reached";
        return false;
      }
    }
    flushPosition(o.symbol);
    if (o.sizeWeight !== undefined) {
      // notional order: sized now, at the fill price (orderTargetWeight doc)
      o.qty = roundLot((o.sizeWeight * mk.equity) / price, model.lotSize) - book.pos[o.symbol]!;
      if (Math.abs(o.qty) < 1e-9) return true;
    } else if (o.sizeBudget !== undefined) {
      // the rest of a notional order split over bars: no more than its value left
      const most = roundLot(Math.max(0, o.sizeBudget) / price, model.lotSize);
      if (Math.abs(o.qty) > most) o.qty = Math.sign(o.qty) * most;
      if (Math.abs(o.qty) < 1e-9) return true;
    }
    const q = book.fill(o.symbol, t, o.qty, price);
    if (book.lastBlock !== "") o.blocked = book.lastBlock;
    const cut = book.lastCut;
    if (q !== 0) {
      if (o.sizeWeight !== undefined) {
        o.sizeBudget = Math.abs(o.qty) * price;
        o.sizeWeight = undefined;
      }
      if (o.sizeBudget !== undefined) o.sizeBudget -= Math.abs(q) * price;
      record(o, q, price, "trade");
      if (closeOnly && o.type === "market" && phase === "open") orders.closeFillsForMissingOpen++;
      o.qty -= q;
    }
    if (Math.abs(o.qty) < 1e-9) return true;
    if (cut) {
      // the leverage limit cancels the rest: it is never carried to a later bar (module doc)
      if (q !== 0 || o.sizeBudget !== undefined) orders.leverageScaled! += 1;
      else orders.leverageRejected! += 1;
      dropped(o, "leverage_limit", true);
      return true;
    }
    if (q !== 0 && model.remainder === "cancel") {
      dropped(o, "participation_cap");
      return true;
    }
    if (book.lastBlock !== "") delayed(book.lastBlock);
    return false;
  };

  const fillOpen = (o: Order) => tryFill(o, "open");
  const fillClose = (o: Order) => tryFill(o, "close");
  const expired = (o: Order) => {
    if (
      o.tif === "day" && o.type !== "market" && o.eligibleBar < t &&
      days[o.eligibleBar]! < days[t]!
    ) {
      dropped(o, "day_order_expired");
      return true;
    }
    return false;
  };

  strategy.init?.(ctx);
  for (t = 0; t < nBars; t++) {
    if (t === 0 || days[t] !== days[t - 1]) {
      book.newDay();
      // day orders whose first eligible day has ended
      if (t > 0 && pending.size) pending.sweep(expired);
    }
    book.chargeBorrow(t);
    const acts = actionsAt.get(t);
    if (acts) {
      for (const a of acts) {
        const s = symIndex.get(a.symbol)!;
        if (a.type === "split") {
          flushPosition(s);
          book.pos[s] = book.pos[s]! * a.ratio;
          book.used[s] = book.used[s]! * a.ratio;
          book.lastClose[s] = book.lastClose[s]! / a.ratio;
          for (const o of pending.ofSymbol(s)) {
            o.qty *= a.ratio;
            o.limitPrice /= a.ratio;
            o.stopPrice /= a.ratio;
          }
        } else if (a.type === "dividend") {
          const cashFlow = book.pos[s]! * a.amount;
          book.cash += cashFlow;
          dividends[t] = dividends[t]! + cashFlow;
        }
      }
    }
    if (pending.size) pending.sweep(fillOpen);
    if (pending.size) pending.sweep(fillClose);
    if (acts) {
      for (const a of acts) {
        if (a.type !== "delist") continue;
        const s = symIndex.get(a.symbol)!;
        const c = panel.close[s * nBars + t]!;
        const px = a.price ?? (c > 0 ? c : book.lastClose[s]!);
        closeOut(s, px, "delist", "delist");
        delisted[s] = 1;
        removeSymbolOrders(s, "delisted", true);
      }
    }
    if (t < nBars - 1) {
      for (let s = 0; s < nSym; s++) {
        if (lastBar[s] !== t || delisted[s]) continue;
        // 6b: the symbol's data ends here; close at this close (module doc)
        const q = closeOut(s, panel.close[s * nBars + t]!, DATA_END_TAG, "data_end");
        dataEnded.push({ symbol: panel.symbols[s]!, bar: t, closed: q !== 0 });
        ended[s] = 1;
        removeSymbolOrders(s, "data_ended", true);
      }
    }
    book.mark(t, mk);
    for (let s = 0; s < nSym; s++) {
      if (book.pos[s] !== 0 && !(panel.close[s * nBars + t]! > 0)) {
        const k = panel.symbols[s]!;
        heldWithoutBar[k] = (heldWithoutBar[k] ?? 0) + 1;
      }
    }
    equity[t] = mk.equity;
    cashS[t] = book.cash;
    gross[t] = mk.gross;
    net[t] = mk.net;
    strategy.onBar(ctx);
  }
  t = nBars;
  for (let s = 0; s < nSym && recordPositions; s++) flushPosition(s);
  t = nBars - 1;
  const unfilled = pending.list();
  for (const o of unfilled) dropped(o, o.eligibleBar > t ? "not_eligible_before_end" : "no_price");
  const { peakGross, peakBar } = peakGrossLeverage(gross, equity);
  return {
    symbols: panel.symbols,
    tsMs: panel.tsMs,
    initialCash,
    equity,
    cash: cashS,
    gross,
    net,
    positions,
    costs: book.series!,
    totals: { ...book.totals },
    dividends,
    fills,
    rejected,
    unfilled,
    orders,
    leverage: { limit: maxGross, peakGross, peakBar },
    dataEnded,
    heldWithoutBar,
    ...(panel.periodsPerYear ? { periodsPerYear: panel.periodsPerYear } : {}),
    ...(panel.sessionsPerYear ? { sessionsPerYear: panel.sessionsPerYear } : {}),
    ...(panel.currency !== undefined ? { currency: panel.currency } : {}),
  };
}
