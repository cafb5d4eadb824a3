/**
 * Book replay for market-making backtests: the strategy's quotes rest in a replayed LOBSTER-style
 * book (messages and the book after each), and fills are inferred from the messages with a
 * queue-position model. The replayed book is not changed by our orders (the usual replay
 * assumption: our size is small against the displayed depth).
 *
 * Rules, per message k (the book before it is state k - 1, after it state k):
 * 1. Fills of resting orders. Our bid at pb with q_ahead shares ahead of it:
 *    - an execution (type 4, 5) of a buy limit order at P < pb (the seller went through our
 *      price) fills our whole remainder at pb;
 *    - a visible execution (type 4) at P = pb first consumes q_ahead, the excess fills us;
 *    - a hidden execution (type 5) at P = pb fills us up to its size (displayed orders have
 *      priority over hidden ones at the same price);
 *    - a new sell limit order (type 1, direction -1) at P <= pb would have executed against us:
 *      fills us up to its size;
 *    - a cancellation or deletion (type 2, 3) of buy orders at pb reduces q_ahead pro rata,
 *      q_ahead -= size x q_ahead / V(pb) with V the displayed size at pb in state k - 1
 *      (`cancelModel: "behind"` assumes cancellations come from behind us and leaves q_ahead).
 *    Asks mirror this. Fill prices are our quote prices.
 * 2. Requote when the message time reaches the next quote instant (every `quoteIntervalMs`),
 *    from state k: a new price joins the back of its level (q_ahead = displayed size at that price
 *    on our side in state k, 0 for a price not displayed); an unchanged price keeps its place.
 *    Quotes are rounded outward to the tick and never cross the opposite best (bid <= a1 - tick,
 *    ask >= b1 + tick). Inventory limits: bid size min(orderSize, maxInventory - q), ask size
 *    min(orderSize, maxInventory + q); none when 0.
 * 3. Trading halts (type 7, price -1): orders are cancelled and nothing is quoted until the
 *    type 7 message with price 1.
 *
 * Fees per fill: makerFeePerShare x qty (negative for a rebate) + commission + regulatory fees on
 * sells (lib/execution/fees.ts). P&L is cash + inventory x mid of the current state, fees
 * included. Markout at horizon h per share: side x (mid(t + h) - fill price); its adverse
 * selection part side x (mid(t + h) - mid(t)) (negative when the market moved against the fill);
 * mid(t + h) is the mid of the last state at or before t + h (the day's last mid beyond it).
 */
import type { BookDay } from "../book/lobster.ts";
import { commission, type FeeSchedule, regulatoryFees, ZERO_FEES } from "./fees.ts";
import { MINUTES_PER_SESSION, MS_PER_MINUTE, TRADING_DAYS_PER_YEAR } from "../core/constants.ts";

/** Options of a market-making book replay. */
export interface ReplayOptions {
  /** A-S risk aversion (1 / USD). */
  gamma: number;
  /** Mid volatility, USD per sqrt(second). */
  sigma: number;
  /** A-S intensity decay (1 / USD). */
  k: number;
  /** `inventory` (A-S reservation price) or `symmetric` (same spread around the mid). @default "inventory" */
  strategy?: "inventory" | "symmetric";
  /** Shares per quote. @default 100 */
  orderSize?: number;
  /** Largest absolute inventory, shares. @default 1000 */
  maxInventory?: number;
  /** Price tick, USD. @default 0.01 */
  tick?: number;
  /** Requote interval, ms of book time. @default 1000 */
  quoteIntervalMs?: number;
  /** End of the horizon T, epoch ms. @default the last message's time */
  endMs?: number;
  /** Maker fee per share filled (negative = rebate), USD. @default 0 */
  makerFeePerShare?: number;
  /** Commission and regulatory fee schedule per fill. @default ZERO_FEES */
  fees?: Readonly<FeeSchedule>;
  /** How cancellations at our price move us up the queue. @default "pro_rata" */
  cancelModel?: "pro_rata" | "behind";
  /** Markout horizons, ms. @default [1000, 10000] */
  markoutMs?: number[];
  /** Interval of the ledger returns, ms. @default 60000 */
  returnIntervalMs?: number;
  /** Capital that scales P&L into returns, USD. @default maxInventory x first mid */
  capital?: number;
}

/** One fill of our orders. */
export interface Fill {
  tsMs: number;
  /** Message index in the day that caused it. */
  index: number;
  /** 1 bought (our bid filled), -1 sold. */
  side: 1 | -1;
  price: number;
  qty: number;
  /** Mid before the message. */
  mid: number;
  fee: number;
}

/** Markout statistics at one horizon. */
export interface Markout {
  horizonMs: number;
  /** Share-weighted mean of side x (mid(t + h) - price), USD per share. */
  perShare: number;
  /** Share-weighted mean of side x (mid(t + h) - mid(t)), USD per share (negative = adverse). */
  adverseSelectionPerShare: number;
}

/** Result of a book replay. */
export interface ReplayResult {
  symbol: string;
  date: string;
  options: Required<Omit<ReplayOptions, "fees" | "endMs" | "capital">> & {
    endMs: number;
    capital: number;
  };
  fills: Fill[];
  /** State at every requote instant. */
  path: {
    tsMs: Float64Array;
    mid: Float64Array;
    inventory: Float64Array;
    pnl: Float64Array;
    bid: Float64Array;
    ask: Float64Array;
  };
  /** Per-interval returns for the ledger. */
  returns: { tsMs: Float64Array; pnl: Float64Array; ret: Float64Array; periodsPerYear: number };
  summary: {
    pnl: number;
    /** P&L after paying half the final spread on the final inventory. */
    pnlAfterLiquidation: number;
    fees: number;
    finalInventory: number;
    maxAbsInventory: number;
    bidsPosted: number;
    asksPosted: number;
    bidsFilled: number;
    asksFilled: number;
    /** Orders with at least one fill / orders posted. */
    fillRateBid: number;
    fillRateAsk: number;
    sharesBought: number;
    sharesSold: number;
    markout: Markout[];
  };
}

interface Order {
  price: number;
  remaining: number;
  ahead: number;
  filled: boolean;
}

const EPS = 1e-9;

function displayed(
  prices: Float64Array[],
  sizes: Float64Array[],
  k: number,
  price: number,
): number {
  for (let l = 0; l < prices.length; l++) {
    if (Math.abs(prices[l]![k]! - price) < EPS) return sizes[l]![k]!;
  }
  return 0;
}

/** Runs the replay (see the module doc). */
export function replayBook(day: BookDay, options: ReplayOptions): ReplayResult {
  const {
    gamma,
    sigma,
    k: kappa,
    strategy = "inventory",
    orderSize = 100,
    maxInventory = 1000,
    tick = 0.01,
    quoteIntervalMs = 1000,
    makerFeePerShare = 0,
    fees = ZERO_FEES,
    cancelModel = "pro_rata",
    markoutMs = [1000, 10000],
    returnIntervalMs = 60_000,
  } = options;
  for (
    const [name, v] of [["gamma", gamma], ["k", kappa], ["tick", tick], ["orderSize", orderSize], [
      "quoteIntervalMs",
      quoteIntervalMs,
    ], ["returnIntervalMs", returnIntervalMs]] as const
  ) {
    if (!(v > 0) || !Number.isFinite(v)) {
      throw new RangeError(`${name} must be a positive number, got ${v}`);
    }
  }
  if (!(sigma >= 0)) throw new RangeError(`sigma must be >= 0, got ${sigma}`);
  if (!(maxInventory >= 0)) throw new RangeError(`maxInventory must be >= 0, got ${maxInventory}`);
  if (strategy !== "inventory" && strategy !== "symmetric") {
    throw new RangeError(`strategy must be inventory or symmetric, got ${strategy}`);
  }
  const n = day.length;
  if (n === 0) {
    throw new RangeError(`Cannot replay ${day.symbol} ${day.date}: the book day is empty`);
  }
  const t = day.tsMs;
  const a1 = day.askPrice[0]!, b1 = day.bidPrice[0]!;
  const mid = new Float64Array(n);
  for (let i = 0; i < n; i++) mid[i] = (a1[i]! + b1[i]!) / 2;
  let firstMid = NaN;
  for (let i = 0; i < n && Number.isNaN(firstMid); i++) firstMid = mid[i]!;
  const endMs = options.endMs ?? t[n - 1]!;
  const capital = options.capital ?? maxInventory * firstMid;
  if (!(capital > 0)) throw new RangeError(`capital must be positive, got ${capital}`);

  let q = 0, cash = 0, feeSum = 0, maxAbsQ = 0;
  let bid: Order | null = null, ask: Order | null = null;
  let bidsPosted = 0, asksPosted = 0, bidsFilled = 0, asksFilled = 0, bought = 0, sold = 0;
  let halted = false;
  let nextQuote = -Infinity;
  const fills: Fill[] = [];
  const cashAt = new Float64Array(n), qAt = new Float64Array(n);
  const pT: number[] = [],
    pMid: number[] = [],
    pQ: number[] = [],
    pPnl: number[] = [],
    pBid: number[] = [],
    pAsk: number[] = [];

  const fill = (o: Order, side: 1 | -1, qty: number, i: number) => {
    if (qty <= 0) return;
    const f = makerFeePerShare * qty + commission(qty, o.price, fees) +
      (side === -1 ? regulatoryFees(-qty, o.price, fees) : 0);
    o.remaining -= qty;
    if (!o.filled) {
      o.filled = true;
      if (side === 1) bidsFilled++;
      else asksFilled++;
    }
    q += side * qty;
    cash -= side * qty * o.price + f;
    feeSum += f;
    if (side === 1) bought += qty;
    else sold += qty;
    maxAbsQ = Math.max(maxAbsQ, Math.abs(q));
    fills.push({
      tsMs: t[i]!,
      index: i,
      side,
      price: o.price,
      qty,
      mid: i > 0 ? mid[i - 1]! : mid[i]!,
      fee: f,
    });
  };

  for (let i = 0; i < n; i++) {
    const type = day.eventType[i]!, dir = day.direction[i]!, P = day.price[i]!, s = day.size[i]!;
    // 1. fills against resting orders (state i - 1 for the queue)
    if (!halted && i > 0) {
      for (const side of [1, -1] as const) {
        const o = side === 1 ? bid : ask;
        if (!o || o.remaining <= 0) continue;
        const ourSide = side === 1 ? 1 : -1; // direction of limit orders on our side
        const better = (x: number) => side === 1 ? x < o.price - EPS : x > o.price + EPS;
        const at = Math.abs(P - o.price) < EPS;
        if ((type === 4 || type === 5) && dir === ourSide) {
          if (better(P)) fill(o, side, o.remaining, i);
          else if (at && type === 5) fill(o, side, Math.min(s, o.remaining), i);
          else if (at) {
            o.ahead -= s;
            if (o.ahead < 0) {
              fill(o, side, Math.min(-o.ahead, o.remaining), i);
              o.ahead = 0;
            }
          }
        } else if (type === 1 && dir === -ourSide && (at || better(P))) {
          fill(o, side, Math.min(s, o.remaining), i);
        } else if (
          (type === 2 || type === 3) && dir === ourSide && at && cancelModel === "pro_rata"
        ) {
          const prices = side === 1 ? day.bidPrice : day.askPrice;
          const sizes = side === 1 ? day.bidSize : day.askSize;
          const level = displayed(prices, sizes, i - 1, o.price);
          if (level > 0) o.ahead = Math.max(0, o.ahead - (s * o.ahead) / level);
        }
      }
    }
    if (type === 7) {
      if (P < 0) {
        halted = true;
        bid = ask = null;
      } else if (P > 0) halted = false;
    }
    // 2. requote
    if (!halted && t[i]! >= nextQuote) {
      nextQuote = (Math.floor(t[i]! / quoteIntervalMs) + 1) * quoteIntervalMs;
      const m = mid[i]!;
      let qb = NaN, qa = NaN;
      if (!Number.isNaN(m)) {
        const tau = Math.max(0, (endMs - t[i]!) / 1000);
        const spread = gamma * sigma * sigma * tau + (2 / gamma) * Math.log(1 + gamma / kappa);
        const center = strategy === "inventory" ? m - q * gamma * sigma * sigma * tau : m;
        qb = Math.min(Math.floor((center - spread / 2) / tick + EPS) * tick, a1[i]! - tick);
        qa = Math.max(Math.ceil((center + spread / 2) / tick - EPS) * tick, b1[i]! + tick);
        qb = Math.round(qb / tick) * tick;
        qa = Math.round(qa / tick) * tick;
      }
      const bidQty = Math.min(orderSize, maxInventory - q);
      const askQty = Math.min(orderSize, maxInventory + q);
      if (Number.isNaN(qb) || bidQty <= 0) bid = null;
      else if (!bid || bid.remaining <= 0 || Math.abs(bid.price - qb) > EPS) {
        bid = {
          price: qb,
          remaining: bidQty,
          ahead: displayed(day.bidPrice, day.bidSize, i, qb),
          filled: false,
        };
        bidsPosted++;
      } else bid.remaining = Math.min(bid.remaining, bidQty);
      if (Number.isNaN(qa) || askQty <= 0) ask = null;
      else if (!ask || ask.remaining <= 0 || Math.abs(ask.price - qa) > EPS) {
        ask = {
          price: qa,
          remaining: askQty,
          ahead: displayed(day.askPrice, day.askSize, i, qa),
          filled: false,
        };
        asksPosted++;
      } else ask.remaining = Math.min(ask.remaining, askQty);
      pT.push(t[i]!);
      pMid.push(m);
      pQ.push(q);
      pPnl.push(cash + q * m);
      pBid.push(bid ? bid.price : NaN);
      pAsk.push(ask ? ask.price : NaN);
    }
    cashAt[i] = cash;
    qAt[i] = q;
  }

  // Markouts.
  const midAt = (ms: number): number => {
    let lo = 0, hi = n - 1;
    if (t[0]! > ms) return mid[0]!;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (t[m]! <= ms) lo = m;
      else hi = m - 1;
    }
    return mid[lo]!;
  };
  const markout: Markout[] = markoutMs.map((h) => {
    let sh = 0, mo = 0, as = 0;
    for (const f of fills) {
      const later = midAt(f.tsMs + h);
      if (Number.isNaN(later) || Number.isNaN(f.mid)) continue;
      sh += f.qty;
      mo += f.qty * f.side * (later - f.price);
      as += f.qty * f.side * (later - f.mid);
    }
    return {
      horizonMs: h,
      perShare: sh ? mo / sh : NaN,
      adverseSelectionPerShare: sh ? as / sh : NaN,
    };
  });

  // Per-interval returns: P&L at each interval end from the state before it.
  let lastMid = NaN;
  for (let i = n - 1; i >= 0 && Number.isNaN(lastMid); i--) lastMid = mid[i]!;
  const start = Math.floor(t[0]! / returnIntervalMs) * returnIntervalMs;
  const m = Math.floor(t[n - 1]! / returnIntervalMs) - start / returnIntervalMs + 1;
  const rT = new Float64Array(m), rPnl = new Float64Array(m), ret = new Float64Array(m);
  let j = -1, prev = 0, lastFiniteMid = NaN;
  for (let b = 0; b < m; b++) {
    const hi = start + (b + 1) * returnIntervalMs;
    while (j + 1 < n && t[j + 1]! < hi) {
      j++;
      if (!Number.isNaN(mid[j]!)) lastFiniteMid = mid[j]!;
    }
    const pnl = j < 0
      ? 0
      : cashAt[j]! + qAt[j]! * (Number.isNaN(lastFiniteMid) ? 0 : lastFiniteMid);
    rT[b] = start + b * returnIntervalMs;
    rPnl[b] = pnl;
    ret[b] = (pnl - prev) / capital;
    prev = pnl;
  }
  const pnl = cash + q * lastMid;
  const lastSpread = a1[n - 1]! - b1[n - 1]!;
  return {
    symbol: day.symbol,
    date: day.date,
    options: {
      gamma,
      sigma,
      k: kappa,
      strategy,
      orderSize,
      maxInventory,
      tick,
      quoteIntervalMs,
      makerFeePerShare,
      cancelModel,
      markoutMs,
      returnIntervalMs,
      endMs,
      capital,
    },
    fills,
    path: {
      tsMs: Float64Array.from(pT),
      mid: Float64Array.from(pMid),
      inventory: Float64Array.from(pQ),
      pnl: Float64Array.from(pPnl),
      bid: Float64Array.from(pBid),
      ask: Float64Array.from(pAsk),
    },
    returns: {
      tsMs: rT,
      pnl: rPnl,
      ret,
      periodsPerYear: (TRADING_DAYS_PER_YEAR * MINUTES_PER_SESSION * MS_PER_MINUTE) /
        returnIntervalMs,
    },
    summary: {
      pnl,
      pnlAfterLiquidation: pnl - Math.abs(q) * (Number.isNaN(lastSpread) ? 0 : lastSpread / 2),
      fees: feeSum,
      finalInventory: q,
      maxAbsInventory: maxAbsQ,
      bidsPosted,
      asksPosted,
      bidsFilled,
      asksFilled,
      fillRateBid: bidsPosted ? bidsFilled / bidsPosted : NaN,
      fillRateAsk: asksPosted ? asksFilled / asksPosted : NaN,
      sharesBought: bought,
      sharesSold: sold,
      markout,
    },
  };
}
