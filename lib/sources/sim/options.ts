/**
 * SPY option chains: listed expiries and strike grids, OCC tickers, quotes from the SSVI surface
 * (surface.ts), bid/ask spreads, minute aggregates for contracts that trade, open interest and
 * snapshot Greeks.
 *
 * Expiries (all PM-settled at the 16:00 ET close, priced as European; SPY options are American
 * but with a small dividend yield the early-exercise premium is ignored):
 * - daily: every session, listed 14 calendar days ahead;
 * - weekly: every Friday (Thursday when Friday is a holiday), listed 60 days ahead;
 * - monthly: the third Friday, listed 365 days ahead;
 * - quarterly: the last session of Mar/Jun/Sep/Dec, listed 730 days ahead.
 * Strikes: from (running min of SPY closes since listing) * (1 - w) to (running max) * (1 + w),
 * w = 8% daily, 15% weekly, 30% monthly, 50% quarterly; $1 apart within 10% of the running range,
 * $5 apart beyond (quarterlies $5 throughout). Strikes once listed stay listed.
 * Pricing at instant tau: S = SPY minute close, T = (expiry close - tau) / 365 days (floor one
 * minute), r = ln(1 + DTB3/100), q = 1.3% continuous, sigma = SSVI implied vol of the day's state.
 * Spread (dollars): s = clamp((0.01 + 0.004 P)(1 + 3 |k| / (sqrt(w) + 0.02))(1 + 0.3 / (1 + 50 T)),
 * 0.01, 0.2 + 0.1 P); bid = floor((P - s/2) / 0.01) * 0.01 (>= 0), ask = ceil((P + s/2) / 0.01) * 0.01
 * (>= bid + 0.01), so bid <= P <= ask and mid-price put-call parity holds within the spread.
 */
import type { Rng } from "../../core/random.ts";
import { hashString } from "../../core/random.ts";
import { CALENDAR_DAYS_PER_YEAR, MS_PER_DAY } from "../../core/constants.ts";
import { allocBars, type Bars } from "./bars.ts";
import { bsGreeks, bsPrice } from "./_bs.ts";
import { sessionBounds, tradingDays } from "./_calendar.ts";
import { impliedVol, type SsviParams, ssviParams, stateSigma, totalVariance } from "./surface.ts";
import type { SpyBars } from "./spy.ts";
import { LruCache } from "./_lru.ts";
import { thirdFriday } from "./spy.ts";

export const SPY_DIVIDEND_YIELD = 0.013;
const YEAR_MS = CALENDAR_DAYS_PER_YEAR * MS_PER_DAY;
const TICK = 0.01;

export type ExpiryKind = "daily" | "weekly" | "monthly" | "quarterly";

export interface Expiry {
  date: string;
  kind: ExpiryKind;
  /** First date the expiry is listed. */
  listDate: string;
  /** Epoch ms of the expiry's close (settlement instant). */
  closeMs: number;
}

/** One listed contract (Polygon reference fields). */
export interface OptionContract {
  ticker: string;
  underlying: string;
  type: "call" | "put";
  strike: number;
  expiration: string;
  kind: ExpiryKind;
}

/** One option trade (sip time in epoch ns). */
export interface OptionTrade {
  sipNs: bigint;
  price: number;
  size: number;
}

/** One option NBBO update (sip time in epoch ns). */
export interface OptionNbbo {
  sipNs: bigint;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  seq: number;
}

/** A contract's quote at an instant. */
export interface OptionQuote {
  spot: number;
  t: number;
  iv: number;
  theo: number;
  bid: number;
  ask: number;
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
}

const LEAD_DAYS: Record<ExpiryKind, number> = {
  daily: 14,
  weekly: 60,
  monthly: 365,
  quarterly: 730,
};
const WIDTH: Record<ExpiryKind, number> = {
  daily: 0.08,
  weekly: 0.15,
  monthly: 0.3,
  quarterly: 0.5,
};

function addDays(date: string, n: number): string {
  return new Date(Date.parse(date + "T00:00:00Z") + n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** OCC option ticker with Polygon's "O:" prefix, e.g. O:SPY250321C00450000. */
export function occTicker(
  underlying: string,
  expiration: string,
  type: "call" | "put",
  strike: number,
): string {
  const ymd = expiration.slice(2, 4) + expiration.slice(5, 7) + expiration.slice(8, 10);
  const k = String(Math.round(strike * 1000)).padStart(8, "0");
  return `O:${underlying}${ymd}${type === "call" ? "C" : "P"}${k}`;
}

/** Parse an OCC ticker (with or without "O:"); undefined when malformed. */
export function parseOccTicker(
  ticker: string,
): { underlying: string; expiration: string; type: "call" | "put"; strike: number } | undefined {
  const m = /^(?:O:)?([A-Z]{1,6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(ticker);
  if (!m) return undefined;
  return {
    underlying: m[1]!,
    expiration: `20${m[2]}-${m[3]}-${m[4]}`,
    type: m[5] === "C" ? "call" : "put",
    strike: Number(m[6]) / 1000,
  };
}

/** The option market on SPY. */
export class OptionsMarket {
  readonly expiries: Expiry[];
  #expiryByDate: Map<string, Expiry>;
  #spy: SpyBars;
  #days: string[];
  #dayIndex: Map<string, number>;
  #rate: Float64Array;
  #rng: Rng;
  #listed = new LruCache<string, OptionContract[]>(16);
  #byExpiry = new Map<
    string,
    {
      strikes: number[];
      list: OptionContract[];
      byStrike: Map<number, [OptionContract, OptionContract]>;
    }
  >();
  #aggs = new LruCache<string, Bars>(2048);
  #surfaces = new LruCache<string, (SsviParams | undefined)[]>(32);

  constructor(rng: Rng, spy: SpyBars, rate: Float64Array) {
    this.#rng = rng.fork("options");
    this.#spy = spy;
    this.#days = spy.daily.days;
    this.#dayIndex = new Map(this.#days.map((d, i) => [d, i]));
    this.#rate = rate;
    const first = this.#days[0]!;
    const last = this.#days[this.#days.length - 1]!;
    // Expiries up to two years ahead, within the calendar's range (ends 2035-12-31).
    const horizon = [addDays(last, LEAD_DAYS.quarterly), "2035-12-31"].sort()[0]!;
    const future = tradingDays(first, horizon);
    const sessions = new Set(future);
    this.expiries = [];
    for (let i = 0; i < future.length; i++) {
      const d = future[i]!;
      const next = future[i + 1];
      const wd = new Date(d + "T00:00:00Z").getUTCDay();
      const m = Number(d.slice(5, 7));
      let kind: ExpiryKind = "daily";
      const fridayHoliday = wd === 4 && !sessions.has(addDays(d, 1));
      if (wd === 5 || fridayHoliday) kind = "weekly";
      const tf = thirdFriday(Number(d.slice(0, 4)), m);
      if (d === tf || (fridayHoliday && addDays(d, 1) === tf)) kind = "monthly";
      if (m % 3 === 0 && (next === undefined ? false : next.slice(5, 7) !== d.slice(5, 7))) {
        kind = "quarterly";
      }
      const listDate = addDays(d, -LEAD_DAYS[kind]);
      if (listDate > last) continue;
      const b = sessionBounds(d)!;
      this.expiries.push({ date: d, kind, listDate, closeMs: b.close.getTime() });
    }
    this.#expiryByDate = new Map(this.expiries.map((e) => [e.date, e]));
  }

  /** Expiries listed on `date` (listDate <= date <= expiry). */
  expiriesOn(date: string): Expiry[] {
    return this.expiries.filter((e) => e.listDate <= date && date <= e.date);
  }

  /** Option-pricing continuous rate on a session. */
  rateOn(date: string): number {
    const i = this.#dayIndex.get(date) ?? this.#days.length - 1;
    return Math.log(1 + this.#rate[i]! / 100);
  }

  /** Surface parameters on a session at spot `spot` (default the session close). */
  surfaceOn(date: string, spot?: number): SsviParams {
    const i = this.#dayIndex.get(date);
    if (i === undefined) throw new RangeError(`No simulated session on ${date}`);
    const d = this.#spy.daily;
    return ssviParams(stateSigma(d.sigma[i]!, spot ?? d.close[i]!, d.open[i]!));
  }

  /** Strikes of an expiry listed as of `date` (ascending). */
  strikes(e: Expiry, date: string): number[] {
    const iD = this.#indexAtOrBefore(date);
    const iL = Math.max(0, this.#indexAtOrBefore(e.listDate));
    let lo = Infinity, hi = -Infinity;
    const closes = this.#spy.daily.close;
    if (e.listDate < this.#days[0]!) {
      lo = hi = this.#spy.daily.open[0]!;
    }
    for (let i = iL; i <= iD; i++) {
      lo = Math.min(lo, closes[i]!);
      hi = Math.max(hi, closes[i]!);
    }
    const w = WIDTH[e.kind];
    const coarse = e.kind === "quarterly" ? 5 : 5;
    const fine = e.kind === "quarterly" ? 5 : 1;
    const out: number[] = [];
    const kLo = Math.floor(lo * (1 - w) / coarse) * coarse;
    const kHi = Math.ceil(hi * (1 + w) / coarse) * coarse;
    const fLo = lo * 0.9, fHi = hi * 1.1;
    for (let k = kLo; k <= kHi; k += fine) {
      if (k <= 0) continue;
      if ((k < fLo || k > fHi) && k % coarse !== 0) continue;
      out.push(k);
    }
    return out;
  }

  /** Contracts listed and not expired on `date` (sorted by expiry, strike, call before put). */
  listed(date: string): OptionContract[] {
    return this.#listed.getOrSet(date, () => {
      const out: OptionContract[] = [];
      for (const e of this.expiriesOn(date)) {
        for (const c of this.#contractsOf(e, this.strikes(e, date))) out.push(c);
      }
      return out;
    });
  }

  /**
   * The contracts of expiry `e` at these strikes (call then put per strike). An expiry's strike
   * list changes only when the underlying leaves its range, so the list of the last call is
   * reused when the strikes are the same, and each contract object (and its ticker string) is
   * made once per world: a 90-session walk over the chain otherwise builds ~10^6 of them.
   */
  #contractsOf(e: Expiry, strikes: number[]): OptionContract[] {
    let memo = this.#byExpiry.get(e.date);
    if (!memo) {
      memo = { strikes: [], list: [], byStrike: new Map() };
      this.#byExpiry.set(e.date, memo);
    }
    const same = memo.strikes.length === strikes.length &&
      memo.strikes.every((k, i) => k === strikes[i]);
    if (same) return memo.list;
    const list: OptionContract[] = [];
    for (const k of strikes) {
      let pair = memo.byStrike.get(k);
      if (!pair) {
        const make = (type: "call" | "put"): OptionContract => ({
          ticker: occTicker("SPY", e.date, type, k),
          underlying: "SPY",
          type,
          strike: k,
          expiration: e.date,
          kind: e.kind,
        });
        pair = [make("call"), make("put")];
        memo.byStrike.set(k, pair);
      }
      list.push(pair[0], pair[1]);
    }
    memo.strikes = strikes;
    memo.list = list;
    return list;
  }

  /** The contract for a ticker if it is ever listed in this world. */
  contract(ticker: string): OptionContract | undefined {
    const p = parseOccTicker(ticker);
    if (!p || p.underlying !== "SPY") return undefined;
    const e = this.#expiryByDate.get(p.expiration);
    if (!e) return undefined;
    const asOf = e.date < this.#days[this.#days.length - 1]!
      ? e.date
      : this.#days[this.#days.length - 1]!;
    if (!this.strikes(e, asOf).includes(p.strike)) return undefined;
    return {
      ticker: occTicker("SPY", e.date, p.type, p.strike),
      underlying: "SPY",
      type: p.type,
      strike: p.strike,
      expiration: e.date,
      kind: e.kind,
    };
  }

  /** Quote of a contract at minute `minute` (0-based; default last) of session `date`. */
  quote(c: OptionContract, date: string, minute?: number): OptionQuote {
    const bars = this.#spy.minuteBars(date);
    if (!bars) throw new RangeError(`No simulated session on ${date}`);
    const m = minute === undefined
      ? bars.length - 1
      : Math.min(bars.length - 1, Math.max(0, minute));
    const tau = bars.t[m]! + 60_000;
    return this.#quoteAt(
      c,
      bars.c[m]!,
      tau,
      this.#minuteSurface(date, bars, m),
      this.rateOn(date),
    );
  }

  /**
   * Surface parameters at a minute close of a session (shared by every contract; each minute's
   * computed when first asked for: a close quote needs only one).
   */
  #minuteSurface(date: string, bars: Bars, m: number): SsviParams {
    const all = this.#surfaces.getOrSet(
      date,
      () => new Array<SsviParams | undefined>(bars.length).fill(undefined),
    );
    return all[m] ??= this.surfaceOn(date, bars.c[m]!);
  }

  #quoteAt(c: OptionContract, s: number, tauMs: number, p: SsviParams, r: number): OptionQuote {
    const e = this.#expiryByDate.get(c.expiration)!;
    const t = Math.max(60_000, e.closeMs - tauMs) / YEAR_MS;
    const q = SPY_DIVIDEND_YIELD;
    const f = s * Math.exp((r - q) * t);
    const k = Math.log(c.strike / f);
    const iv = impliedVol(p, k, t);
    const g = bsGreeks(c.type === "call", s, c.strike, t, r, q, iv);
    const [bid, ask] = bidAsk(g.price, k, totalVariance(p, k, t), t);
    return {
      spot: s,
      t,
      iv,
      theo: g.price,
      bid,
      ask,
      delta: g.delta,
      gamma: g.gamma,
      theta: g.theta,
      vega: g.vega,
    };
  }

  /**
   * Minute aggregates of a contract on a session: only minutes with trades. Trades per minute are
   * Poisson(lambda U(u)) with lambda = 1.2 e^{-|k| / (0.02 + sqrt(w))} (1 + 1 / (1 + 30 T)) and
   * U the intraday U-shape; each trade is at the bid or the ask of that minute's quote, size
   * 1 + Geometric(0.3) contracts.
   */
  minuteAggs(c: OptionContract, date: string): Bars {
    return this.#aggs.getOrSet(`${c.ticker}:${date}`, () => this.#makeAggs(c, date));
  }

  #makeAggs(c: OptionContract, date: string): Bars {
    return this.#simulate(c, date).aggs;
  }

  /**
   * Trades and NBBO quotes of a contract on a session, consistent with `minuteAggs`: one quote
   * per minute, stamped 1 ms after the minute opens (the quote every trade of that minute hits),
   * and the minute's trades at that quote's bid or ask, at sorted random instants of the minute.
   * Timestamps are epoch nanoseconds (bigint).
   */
  ticks(c: OptionContract, date: string): { trades: OptionTrade[]; quotes: OptionNbbo[] } {
    const { trades, quotes } = this.#simulate(c, date, true);
    return { trades: trades!, quotes: quotes! };
  }

  #simulate(
    c: OptionContract,
    date: string,
    withTicks = false,
  ): { aggs: Bars; trades?: OptionTrade[]; quotes?: OptionNbbo[] } {
    const bars = this.#spy.minuteBars(date);
    const trades: OptionTrade[] = [], quotes: OptionNbbo[] = [];
    if (!bars || date > c.expiration) return { aggs: allocBars(0), trades, quotes };
    const rng = this.#rng.fork(`${c.ticker}:${date}`);
    const times = withTicks ? this.#rng.fork(`${c.ticker}:${date}:times`) : undefined;
    const p = this.surfaceOn(date, bars.o[0]!);
    const r = this.rateOn(date);
    const e = this.#expiryByDate.get(c.expiration)!;
    const n = bars.length;
    const out = scratchBars(n);
    const shape = tradeShape(n);
    let j = 0;
    const t0 = Math.max(60_000, e.closeMs - bars.t[0]!) / YEAR_MS;
    const f0 = bars.o[0]! * Math.exp((r - SPY_DIVIDEND_YIELD) * t0);
    const k0 = Math.log(c.strike / f0);
    const lam = 1.2 * Math.exp(-Math.abs(k0) / (0.02 + Math.sqrt(totalVariance(p, k0, t0)))) *
      (1 + 1 / (1 + 30 * t0));
    const quote = (m: number) =>
      this.#quoteAt(c, bars.c[m]!, bars.t[m]! + 60_000, this.#minuteSurface(date, bars, m), r);
    let seq = 0;
    for (let m = 0; m < n; m++) {
      const cnt = rng.poisson(lam * shape[m]!);
      const minuteNs = BigInt(bars.t[m]!) * 1_000_000n;
      let qt: OptionQuote | undefined;
      if (withTicks) {
        qt = quote(m);
        quotes.push({
          sipNs: minuteNs + 1_000_000n,
          bid: qt.bid,
          ask: qt.ask,
          bidSize: 1 + (hashString(`${c.ticker}:${m}:b`) % 200),
          askSize: 1 + (hashString(`${c.ticker}:${m}:a`) % 200),
          seq: ++seq,
        });
      }
      if (cnt === 0) continue;
      qt ??= quote(m);
      if (qt.ask <= 0) continue;
      let o = 0, h = -Infinity, l = Infinity, cl = 0, v = 0, pv = 0;
      const offs: number[] = [];
      if (times) {
        for (let i = 0; i < cnt; i++) {
          offs.push(2_000_000 + Math.floor(times.uniform() * 57_000_000_000));
        }
        offs.sort((x, y) => x - y);
      }
      for (let i = 0; i < cnt; i++) {
        const px = rng.uniform() < 0.5 && qt.bid > 0 ? qt.bid : qt.ask;
        let size = 1;
        while (rng.uniform() > 0.3 && size < 50) size++;
        if (i === 0) o = px;
        cl = px;
        if (px > h) h = px;
        if (px < l) l = px;
        v += size;
        pv += px * size;
        if (withTicks) trades.push({ sipNs: minuteNs + BigInt(offs[i]! + i), price: px, size });
      }
      out.t[j] = bars.t[m]!;
      out.o[j] = o;
      out.h[j] = h;
      out.l[j] = l;
      out.c[j] = cl;
      out.v[j] = v;
      out.vw[j] = pv / v;
      out.n[j] = cnt;
      j++;
    }
    return { aggs: copyBars(out, j), trades, quotes };
  }

  /**
   * Open interest on a session: 20000 e^{-|k| / 0.1} scale(kind) min(1, age / 20 days) times a
   * per-contract factor in [0.5, 1.5) from the ticker's hash; k from the session close.
   */
  openInterest(c: OptionContract, date: string): number {
    const e = this.#expiryByDate.get(c.expiration)!;
    const i = this.#indexAtOrBefore(date);
    const s = this.#spy.daily.close[i]!;
    const k = Math.log(c.strike / s);
    const scale = { daily: 0.1, weekly: 0.3, monthly: 1, quarterly: 1.5 }[c.kind];
    const age = (Date.parse(date) - Date.parse(e.listDate)) / MS_PER_DAY;
    const f = 0.5 + (hashString(c.ticker) % 1000) / 1000;
    return Math.round(
      20000 * Math.exp(-Math.abs(k) / 0.1) * scale * Math.min(1, Math.max(0.05, age / 20)) * f,
    );
  }

  #indexAtOrBefore(date: string): number {
    const days = this.#days;
    let lo = 0, hi = days.length - 1, ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (days[mid]! <= date) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return Math.max(0, ans);
  }
}

const shapeCache = new Map<number, Float64Array>();
/** Intraday trade-intensity U-shape (1 + 1.5 e^{-8u} + 1.5 e^{-10(1-u)}) / 2, cached per n. */
function tradeShape(n: number): Float64Array {
  let s = shapeCache.get(n);
  if (!s) {
    s = new Float64Array(n);
    for (let m = 0; m < n; m++) {
      const u = (m + 0.5) / n;
      s[m] = (1 + 1.5 * Math.exp(-8 * u) + 1.5 * Math.exp(-10 * (1 - u))) / 2;
    }
    shapeCache.set(n, s);
  }
  return s;
}

let scratch: Bars = allocBars(0);
/** A reusable buffer of at least n rows (contents undefined). */
function scratchBars(n: number): Bars {
  if (scratch.length < n) scratch = allocBars(n);
  return scratch;
}
/** An exact-size copy of the first `len` rows. */
function copyBars(b: Bars, len: number): Bars {
  const out = allocBars(len);
  for (const k of ["t", "o", "h", "l", "c", "v", "vw", "n"] as const) {
    out[k].set(b[k].subarray(0, len));
  }
  return out;
}

/** Bid and ask around a theoretical price (see the module doc for the spread rule). */
export function bidAsk(theo: number, k: number, w: number, t: number): [number, number] {
  const raw = (0.01 + 0.004 * theo) * (1 + 3 * Math.abs(k) / (Math.sqrt(w) + 0.02)) *
    (1 + 0.3 / (1 + 50 * t));
  const s = Math.min(Math.max(raw, TICK), 0.2 + 0.1 * theo);
  const bid = Math.max(0, Math.floor((theo - s / 2) / TICK + 1e-9) * TICK);
  const ask = Math.max(bid + TICK, Math.ceil((theo + s / 2) / TICK - 1e-9) * TICK);
  return [Math.round(bid * 100) / 100, Math.round(ask * 100) / 100];
}

/** Black-Scholes price used by the chain (re-exported for tests and VIX). */
export { bsPrice };
