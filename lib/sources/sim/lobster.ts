/**
 * A seeded limit-order book for any symbol and day, written as LOBSTER message and order-book
 * files (lib/book/lobster.ts describes the format).
 *
 * The process is an order-level zero-intelligence book (in the spirit of Smith, Farmer,
 * Gillemot and Krishnamurthy 2003) anchored to a reference price: limit orders arrive at a
 * geometric number of ticks from the reference (on their own side, never crossing the opposite
 * best), cancellations and partial cancellations hit random resting orders, and market orders
 * walk the opposite side FIFO, one execution message per resting order touched (as LOBSTER
 * reports them). Market orders lean toward the reference (a buy is more likely when the
 * reference is above the mid), so the book's mid tracks the reference within a few ticks. The
 * reference is the simulated world's own price path when it has the symbol (SPY second-bar
 * closes, an equity's minute-bar closes), so the book is consistent with the trades and quotes
 * the simulated market serves for it; for any other symbol it is a seeded random walk.
 *
 * @see Smith, E., Farmer, J. D., Gillemot, L., & Krishnamurthy, S. (2003). Statistical theory
 *      of the continuous double auction. Quantitative Finance 3(6). doi:10.1088/1469-7688/3/6/307
 */
import { Rng } from "../../core/random.ts";
import type { BookDay } from "../../book/lobster.ts";
import { nyWallToMs } from "../../time/new_york.ts";
import type { World } from "./world.ts";

/** Options of {@linkcode simulateLobsterDay}. */
export interface SimLobsterOptions {
  /** Levels written to the order-book file. @default 10 */
  levels?: number;
  /** Seed (combined with symbol and date). @default 7 */
  seed?: number;
  /** Window start, ms after midnight. @default 34200000 (09:30) */
  startMs?: number;
  /** Window end, ms after midnight. @default 57600000 (16:00) */
  endMs?: number;
  /** Mean messages per second (Poisson). @default 2 */
  eventsPerSecond?: number;
  /** The simulated world whose price path anchors the book. @default none (a random walk) */
  world?: World;
  /** Start of the random-walk reference when no world path exists, USD. @default 100 */
  startPrice?: number;
}

interface Order {
  id: number;
  side: 1 | -1;
  tick: number;
  size: number;
}

/** The reference price path, one value per second of the window (index 0 at startMs). */
function referencePath(
  symbol: string,
  date: string,
  startMs: number,
  seconds: number,
  o: SimLobsterOptions,
  rng: Rng,
): Float64Array {
  const ref = new Float64Array(seconds + 1);
  const dayNum = Math.floor(Date.parse(date + "T00:00:00Z") / 86_400_000);
  const t0 = nyWallToMs(dayNum, 0) + startMs;
  const w = o.world;
  const bars = w
    ? (symbol === "SPY"
      ? w.spySecondBars(date)
      : w.isEquity(symbol)
      ? w.equityMinuteBars(symbol, date)
      : undefined)
    : undefined;
  if (bars && bars.length > 0) {
    let j = 0;
    for (let s = 0; s <= seconds; s++) {
      const ms = t0 + s * 1000;
      while (j + 1 < bars.length && bars.t[j + 1]! <= ms) j++;
      ref[s] = bars.t[j]! <= ms ? bars.c[j]! : bars.o[0]!;
    }
    return ref;
  }
  let p = o.startPrice ?? 100;
  for (let s = 0; s <= seconds; s++) {
    ref[s] = p;
    p *= Math.exp(0.0002 * rng.normal());
  }
  return ref;
}

/**
 * One day of a seeded book for a symbol, as a {@linkcode BookDay} (write it with `formatLobster`).
 * Deterministic in (seed, symbol, date, options).
 *
 * @example
 * ```ts ignore
 * const day = simulateLobsterDay("SPY", "2024-03-27", { world: sim.world, levels: 5 });
 * const { message, orderbook } = formatLobster(day);
 * ```
 */
export function simulateLobsterDay(
  symbol: string,
  date: string,
  options: SimLobsterOptions = {},
): BookDay {
  const levels = options.levels ?? 10;
  const startMs = options.startMs ?? 34_200_000;
  const endMs = options.endMs ?? 57_600_000;
  const rate = options.eventsPerSecond ?? 2;
  if (!(Number.isInteger(levels) && levels >= 1)) {
    throw new RangeError(`levels must be an integer >= 1, got ${levels}`);
  }
  if (!(endMs > startMs)) {
    throw new RangeError(`endMs (${endMs}) must be after startMs (${startMs})`);
  }
  if (!(rate > 0)) throw new RangeError(`eventsPerSecond must be positive, got ${rate}`);
  const rng = new Rng(options.seed ?? 7).fork(`lobster:${symbol}:${date}`);
  const seconds = Math.ceil((endMs - startMs) / 1000);
  const ref = referencePath(symbol, date, startMs, seconds, options, rng.fork("ref"));
  const dayNum = Math.floor(Date.parse(date + "T00:00:00Z") / 86_400_000);
  const midnight = nyWallToMs(dayNum, 0);

  const bidLv = new Map<number, Order[]>(), askLv = new Map<number, Order[]>();
  const active: Order[] = [];
  const pos = new Map<number, number>();
  let nextId = 1_000_000;
  const lv = (side: 1 | -1) => (side === 1 ? bidLv : askLv);
  const best = (side: 1 | -1): number => {
    let b = side === 1 ? -Infinity : Infinity;
    for (const [t, q] of lv(side)) if (q.length && (side === 1 ? t > b : t < b)) b = t;
    return b;
  };
  const add = (o: Order) => {
    const m = lv(o.side);
    const q = m.get(o.tick);
    if (q) q.push(o);
    else m.set(o.tick, [o]);
    pos.set(o.id, active.length);
    active.push(o);
  };
  const remove = (o: Order) => {
    const m = lv(o.side);
    const q = m.get(o.tick)!;
    q.splice(q.indexOf(o), 1);
    if (!q.length) m.delete(o.tick);
    const i = pos.get(o.id)!;
    const last = active.pop()!;
    if (last !== o) {
      active[i] = last;
      pos.set(last.id, i);
    }
    pos.delete(o.id);
  };
  const lotSize = () => 100 * (1 + rng.poisson(2));
  const offset = () => {
    let k = 0;
    while (rng.uniform() > 0.3 && k < 3 * levels) k++;
    return k;
  };
  const limitTick = (side: 1 | -1, r: number) => {
    const c = side === 1 ? Math.floor(r * 100 - 1e-9) : Math.ceil(r * 100 + 1e-9);
    let t = c - side * offset();
    if (side === 1) t = Math.min(t, best(-1) - 1);
    else t = Math.max(t, best(1) + 1);
    return t;
  };
  // Initial book: `levels` + 2 ticks each side around the first reference.
  for (const side of [1, -1] as const) {
    for (let l = 0; l < levels + 2; l++) {
      const c = side === 1 ? Math.floor(ref[0]! * 100 - 1e-9) : Math.ceil(ref[0]! * 100 + 1e-9);
      add({ id: nextId++, side, tick: c - side * l, size: lotSize() });
    }
  }

  const timeNs: number[] = [], type: number[] = [], ids: number[] = [], sizes: number[] = [];
  const prices: number[] = [], dirs: number[] = [];
  const snap: number[][] = [];
  const snapshot = () => {
    const row: number[] = [];
    const bids = [...bidLv.keys()].sort((a, b) => b - a);
    const asks = [...askLv.keys()].sort((a, b) => a - b);
    for (let l = 0; l < levels; l++) {
      const a = asks[l], b = bids[l];
      row.push(
        a === undefined ? NaN : a / 100,
        a === undefined ? 0 : askLv.get(a)!.reduce((s, o) => s + o.size, 0),
        b === undefined ? NaN : b / 100,
        b === undefined ? 0 : bidLv.get(b)!.reduce((s, o) => s + o.size, 0),
      );
    }
    snap.push(row);
  };
  const emit = (ns: number, ty: number, o: Order, size: number, tick: number) => {
    timeNs.push(ns);
    type.push(ty);
    ids.push(o.id);
    sizes.push(size);
    prices.push(tick / 100);
    dirs.push(o.side);
    snapshot();
  };

  let tNs = startMs * 1e6;
  const endNs = endMs * 1e6;
  for (;;) {
    tNs += Math.max(1, Math.round(rng.exponential(rate) * 1e9));
    if (tNs >= endNs) break;
    const r = ref[Math.min(seconds, Math.floor((tNs - startMs * 1e6) / 1e9))]!;
    const bb = best(1), ba = best(-1);
    const mid = (bb + ba) / 200;
    const u = rng.uniform();
    const thin = (side: 1 | -1) => lv(side).size < levels + 2;
    const rLo = Math.floor(r * 100 - 1e-9), rHi = Math.ceil(r * 100 + 1e-9);
    // Stale side: the reference moved through the opposite best; arbitrage market orders take
    // every resting order on the wrong side of it (one execution message per order).
    const staleSide: 1 | -1 | 0 = ba < rLo ? -1 : bb > rHi ? 1 : 0;
    if (staleSide !== 0 || (u < 0.15 && Number.isFinite(mid) && !thin(1) && !thin(-1))) {
      // market order: buys hit asks (direction -1 executions), sells hit bids
      const pBuy = Math.min(0.9, Math.max(0.1, 0.5 + 20 * (r - mid))); // +0.2 per tick
      const side: 1 | -1 = staleSide !== 0 ? staleSide : rng.uniform() < pBuy ? -1 : 1;
      if (
        staleSide !== 0 &&
        ![...lv(side).keys()].some((t) => side === 1 ? t <= rHi : t >= rLo)
      ) {
        // a liquidity provider reposts at the reference so the side is never empty
        const o: Order = { id: nextId++, side, tick: side === 1 ? rLo : rHi, size: lotSize() };
        if (side === 1 && o.tick >= best(-1)) o.tick = best(-1) - 1;
        if (side === -1 && o.tick <= best(1)) o.tick = best(1) + 1;
        add(o);
        emit(tNs, 1, o, o.size, o.tick);
        tNs += 1;
      }
      let left = staleSide !== 0 ? Infinity : lotSize();
      while (left > 0) {
        const t = best(side);
        if (!Number.isFinite(t)) break;
        if (staleSide === -1 && t >= rLo) break;
        if (staleSide === 1 && t <= rHi) break;
        const o = lv(side).get(t)![0]!;
        const x = Math.min(left, o.size);
        o.size -= x;
        left -= x;
        if (o.size === 0) remove(o);
        emit(tNs, 4, o, x, t);
        tNs += 1;
      }
    } else if (u < 0.5 && active.length > 2 * levels) {
      // cancellations prefer stale orders far from the reference
      let o = active[rng.int(0, active.length - 1)]!;
      for (let tries = 0; tries < 3 && Math.abs(o.tick - r * 100) < levels; tries++) {
        o = active[rng.int(0, active.length - 1)]!;
      }
      if (lv(o.side).size <= 1 && lv(o.side).get(o.tick)!.length <= 1) {
        // never empty a side: a partial cancellation at most
        if (o.size >= 200) {
          const x = 100 * Math.floor(o.size / 200);
          o.size -= x;
          emit(tNs, 2, o, x, o.tick);
        }
      } else if (rng.uniform() < 0.3 && o.size >= 200) {
        const x = 100 * Math.max(1, Math.floor(o.size / 200));
        o.size -= x;
        emit(tNs, 2, o, x, o.tick);
      } else {
        const x = o.size;
        remove(o);
        emit(tNs, 3, o, x, o.tick);
      }
    } else {
      const side: 1 | -1 = thin(1) && !thin(-1)
        ? 1
        : thin(-1) && !thin(1)
        ? -1
        : rng.uniform() < 0.5
        ? 1
        : -1;
      const o: Order = { id: nextId++, side, tick: limitTick(side, r), size: lotSize() };
      add(o);
      emit(tNs, 1, o, o.size, o.tick);
    }
  }
  const n = timeNs.length;
  const col = (j: number) => Float64Array.from(snap, (row) => row[j]!);
  return {
    symbol,
    date,
    levels,
    length: n,
    timeNs: Float64Array.from(timeNs),
    tsMs: Float64Array.from(timeNs, (t) => midnight + Math.floor(t / 1e6)),
    seq: Float64Array.from({ length: n }, (_, i) => i),
    eventType: Int8Array.from(type),
    orderId: Float64Array.from(ids),
    size: Float64Array.from(sizes),
    price: Float64Array.from(prices),
    direction: Int8Array.from(dirs),
    askPrice: Array.from({ length: levels }, (_, l) => col(4 * l)),
    askSize: Array.from({ length: levels }, (_, l) => col(4 * l + 1)),
    bidPrice: Array.from({ length: levels }, (_, l) => col(4 * l + 2)),
    bidSize: Array.from({ length: levels }, (_, l) => col(4 * l + 3)),
  };
}
