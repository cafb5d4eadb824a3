/**
 * `generateWorld(config)`: one coherent simulated market, generated lazily and deterministically.
 * Daily-resolution state (SPY path, rates, equities, news, FRED vintages) is built once; second
 * and minute bars, option aggregates and FX candles are generated per (instrument, day) on demand
 * from streams forked by label, so any day can be produced without generating the others.
 */
import { hashString, Rng } from "../../core/random.ts";
import { type ResolvedWorldConfig, resolveWorldConfig, type WorldConfig } from "./config.ts";
import { sessionBounds, tradingDays } from "./_calendar.ts";
import {
  aggregateAll,
  aggregateBars,
  allocBars,
  type Bars,
  type PackedBars,
  sliceBars,
  unpackBars,
} from "./bars.ts";
import { etMidnightMs, SPX_PER_SPY, SpyBars, type SpyDaily, spyDaily } from "./spy.ts";
export { SPX_PER_SPY } from "./spy.ts";
import { type RatesPath, ratesPath } from "./rates.ts";
import { OptionsMarket, SPY_DIVIDEND_YIELD } from "./options.ts";
import { modelVix } from "./vix.ts";
import { ssviParams, stateSigma } from "./surface.ts";
import { drawUniverse, type EquityInfo } from "./universe.ts";
import { drawNews, type NewsArticle } from "./news.ts";
import { type EquityPath, simulateEquities } from "./equities.ts";
import { FxMarket } from "./fx.ts";
import { buildFredSeries, type FredSeriesData } from "./fred.ts";
import { intradayAggregates, intradayBars, type IntradaySpec, roundPx } from "./_intraday.ts";
import { LruCache } from "./_lru.ts";

/** First and last dates of the exchange calendar (lib/time). */
export const CALENDAR_FIRST = "2000-01-01";
export const CALENDAR_LAST = "2035-12-31";

/** Simulated indices served under Polygon's "I:" tickers. */
export const SIM_INDICES = ["I:SPX", "I:VIX"] as const;

/** Equity burn-in sessions before the served range (for the 12-1 momentum signal). */
export const EQUITY_BURN_IN = 260;

/** A corporate action in vendor-neutral form. */
export type CorporateAction =
  | { kind: "split"; ticker: string; date: string; from: number; to: number }
  | {
    kind: "dividend";
    ticker: string;
    exDate: string;
    /** Undefined when the declaration date is unknown (vendors send "None" or omit it). */
    declarationDate?: string;
    recordDate: string;
    payDate: string;
    amount: number;
  }
  | { kind: "ipo"; ticker: string; date: string }
  | { kind: "delisting"; ticker: string; date: string; reason: "bankruptcy" | "acquisition" };

/** Listing facts of a served symbol. */
export interface Listing {
  ticker: string;
  name: string;
  exchange: string;
  assetType: "Stock" | "ETF";
  sector: string;
  /** First listing date; "" when unknown (a vendor data gap). */
  ipoDate: string;
  /** Last trading session, or undefined when still listed. */
  delistingDate?: string;
  delistReason?: "bankruptcy" | "acquisition";
}

/** Daily bars with their session dates. */
export interface DailyBars extends Bars {
  dates: string[];
}

/** Adjustment of equity prices (Alpaca names). */
export type Adjustment = "raw" | "split" | "dividend" | "all";

export class World {
  readonly config: ResolvedWorldConfig;
  readonly rng: Rng;
  /** Served sessions. */
  readonly days: string[];
  /** The simulated "today" (last session). */
  readonly today: string;
  readonly spy: SpyBars;
  readonly rates: RatesPath;
  readonly options: OptionsMarket;
  readonly fx: FxMarket;
  readonly equityInfo: EquityInfo[];
  readonly news: NewsArticle[];
  #equityPaths: EquityPath[];
  #momentumZ: Float64Array[];
  #allDays: string[];
  #tickerIndex: Map<string, number>;
  #dayIndex: Map<string, number>;
  #fred?: Map<string, FredSeriesData>;
  #vixDay = new Map<string, Bars>();
  #vixMin = new LruCache<string, Bars>(16);
  #spxMin = new LruCache<string, Bars>(16);
  #eqMin = new LruCache<string, Bars>(256);
  #eqDaily = new Map<string, DailyBars>();
  /** Day bars per equity over the served sessions; state 0 not yet asked, 1 a bar, 2 no bar. */
  #eqDay = new Map<string, { bars: Bars; state: Uint8Array }>();
  #actions?: CorporateAction[];

  constructor(cfg: WorldConfig = {}) {
    this.config = resolveWorldConfig(cfg);
    const c = this.config;
    this.rng = new Rng(c.seed);
    this.days = tradingDays(c.start, c.end);
    if (this.days.length === 0) throw new RangeError(`No sessions between ${c.start} and ${c.end}`);
    this.today = this.days[this.days.length - 1]!;
    this.#dayIndex = new Map(this.days.map((d, i) => [d, i]));
    this.rates = ratesPath(this.rng, this.days.length);
    this.spy = new SpyBars(
      this.rng,
      spyDaily(this.rng, this.days, c.spyStart, c.effects.overnight),
    );
    this.options = new OptionsMarket(this.rng, this.spy, this.rates.dtb3);
    this.fx = new FxMarket(this.rng, c.fxPairs, c.start, c.end);
    // Equities: burn-in sessions before the range.
    // The calendar starts in 2000: early worlds get a shorter burn-in (momentum starts later).
    const burnStart = [
      new Date(Date.parse(c.start) - 420 * 86_400_000).toISOString().slice(0, 10),
      CALENDAR_FIRST,
    ]
      .sort()[1]!;
    const before = tradingDays(burnStart, c.start).filter((d) => d < c.start);
    const burn = before.slice(Math.max(0, before.length - EQUITY_BURN_IN));
    this.#allDays = [...burn, ...this.days];
    const nb = burn.length;
    const n = this.#allDays.length;
    this.equityInfo = drawUniverse(this.rng, c.equityCount, nb, n);
    this.#tickerIndex = new Map(this.equityInfo.map((x, i) => [x.ticker, i]));
    const closeMs = new Float64Array(n);
    for (let i = 0; i < n; i++) closeMs[i] = sessionBounds(this.#allDays[i]!)!.close.getTime();
    this.news = drawNews(this.rng, this.equityInfo, closeMs, nb);
    const on = new Float64Array(n), id = new Float64Array(n);
    on.set(this.spy.daily.retOvernight, nb);
    id.set(this.spy.daily.retIntraday, nb);
    const sim = simulateEquities(
      this.rng,
      this.equityInfo,
      { overnight: on, intraday: id },
      nb,
      this.news,
      c.effects,
    );
    this.#equityPaths = sim.paths;
    this.#momentumZ = sim.momentumZ;
  }

  /** Sessions simulated before the served range (equity burn-in); indices in `EquityInfo` count them. */
  get burnInSessions(): number {
    return this.#allDays.length - this.days.length;
  }

  /** SPY daily state. */
  get spyDaily(): SpyDaily {
    return this.spy.daily;
  }

  /** SPY second bars of a session (undefined outside the range). */
  spySecondBars(date: string): Bars | undefined {
    return this.spy.secondBars(date);
  }

  /** SPY minute bars (aggregated from seconds). */
  spyMinuteBars(date: string): Bars | undefined {
    return this.spy.minuteBars(date);
  }

  /** SPY day bars over the range (aggregated from seconds). */
  spyDailyBars(): DailyBars {
    return this.#daily(this.days, (d) => this.spy.dayBar(d)!);
  }

  #daily(days: string[], bar: (d: string) => Bars | undefined): DailyBars {
    const parts: Bars[] = [];
    const dates: string[] = [];
    for (const d of days) {
      const b = bar(d);
      if (b && b.length) {
        parts.push(b);
        dates.push(d);
      }
    }
    const out = allocBars(parts.length) as DailyBars;
    parts.forEach((p, i) => {
      for (const k of ["t", "o", "h", "l", "c", "v", "vw", "n"] as const) out[k][i] = p[k][0]!;
    });
    out.dates = dates;
    return out;
  }

  /** Index of a served session, or undefined. */
  dayIndex(date: string): number | undefined {
    return this.#dayIndex.get(date);
  }

  /** I:VIX at each SPY minute of a session (o/h/l/c from the SPY minute's o/l/h/c). */
  vixMinuteBars(date: string): Bars | undefined {
    const i = this.#dayIndex.get(date);
    const m = this.spy.minuteBars(date);
    if (i === undefined || !m) return undefined;
    return this.#vixMin.getOrSet(date, () => {
      const d = this.spy.daily;
      const r = this.options.rateOn(date);
      // A pure function of the SPY price within the session; the minutes' four prices repeat
      // the same few hundred cents, so each distinct price is priced once.
      const memo = new Map<number, number>();
      const vix = (s: number) => {
        let v = memo.get(s);
        if (v === undefined) {
          v = Math.round(
            modelVix(ssviParams(stateSigma(d.sigma[i]!, s, d.open[i]!)), s, r, SPY_DIVIDEND_YIELD) *
              100,
          ) / 100;
          memo.set(s, v);
        }
        return v;
      };
      const out = allocBars(m.length);
      for (let k = 0; k < m.length; k++) {
        const o = vix(m.o[k]!), c = vix(m.c[k]!), a = vix(m.h[k]!), b = vix(m.l[k]!);
        out.t[k] = m.t[k]!;
        out.o[k] = o;
        out.c[k] = c;
        out.h[k] = Math.max(o, c, a, b);
        out.l[k] = Math.min(o, c, a, b);
        out.vw[k] = NaN;
      }
      return out;
    });
  }

  /** I:VIX day bar of a session. */
  vixDayBar(date: string): Bars | undefined {
    const hit = this.#vixDay.get(date);
    if (hit) return hit;
    const m = this.vixMinuteBars(date);
    if (!m) return undefined;
    const b = aggregateAll(m, etMidnightMs(date));
    this.#vixDay.set(date, b);
    return b;
  }

  /**
   * Take an I:VIX day bar generated elsewhere from this world's config (a prefetch worker: the
   * same bar, bit for bit); false when `date` is not a session or the bar is already here.
   */
  adoptVixDayBar(date: string, day: PackedBars): boolean {
    if (!this.#dayIndex.has(date) || this.#vixDay.has(date)) return false;
    this.#vixDay.set(date, unpackBars(day));
    return true;
  }

  /**
   * Minute bars of a simulated index: "I:VIX" (above) or "I:SPX", the price index
   * SPX = round(SPX_PER_SPY * SPY, 0.01) on every SPY minute (FRED's SP500 uses the same ratio).
   * Undefined for other tickers or outside the range.
   */
  indexMinuteBars(ticker: string, date: string): Bars | undefined {
    if (ticker === "I:VIX") return this.vixMinuteBars(date);
    if (ticker !== "I:SPX") return undefined;
    const m = this.spy.minuteBars(date);
    if (!m) return undefined;
    return this.#spxMin.getOrSet(date, () => {
      const out = allocBars(m.length);
      const r = (x: number) => Math.round(x * SPX_PER_SPY * 100) / 100;
      for (let k = 0; k < m.length; k++) {
        out.t[k] = m.t[k]!;
        out.o[k] = r(m.o[k]!);
        out.h[k] = r(m.h[k]!);
        out.l[k] = r(m.l[k]!);
        out.c[k] = r(m.c[k]!);
        out.vw[k] = NaN;
      }
      return out;
    });
  }

  /** Day bar of a simulated index ("I:VIX" or "I:SPX"), stamped at ET midnight. */
  indexDayBar(ticker: string, date: string): Bars | undefined {
    if (ticker === "I:VIX") return this.vixDayBar(date);
    const m = this.indexMinuteBars(ticker, date);
    return m ? aggregateAll(m, etMidnightMs(date)) : undefined;
  }

  /** I:VIX closing values, one per session (model VIX at the close; cheap). */
  vixCloses(): Float64Array {
    const d = this.spy.daily;
    const out = new Float64Array(this.days.length);
    for (let i = 0; i < this.days.length; i++) {
      const r = this.options.rateOn(this.days[i]!);
      const s = roundPx(d.close[i]!); // = the last SPY minute close, so VIXCLS = the I:VIX close
      out[i] = Math.round(
        modelVix(ssviParams(stateSigma(d.sigma[i]!, s, d.open[i]!)), s, r, SPY_DIVIDEND_YIELD) *
          100,
      ) / 100;
    }
    return out;
  }

  /** Every equity listing plus SPY (ETF). */
  listings(): Listing[] {
    const out: Listing[] = [{
      ticker: "SPY",
      name: "SPDR S&P 500 ETF Trust",
      exchange: "NYSE ARCA",
      assetType: "ETF",
      sector: "ETF",
      ipoDate: "1993-01-29",
    }];
    for (const x of this.equityInfo) {
      const l: Listing = {
        ticker: x.ticker,
        name: x.name,
        exchange: x.exchange,
        assetType: "Stock",
        sector: x.sector,
        ipoDate: x.firstIndex === 0 ? legacyIpoDate(x.ticker) : this.#allDays[x.firstIndex]!,
      };
      if (x.lastIndex >= 0) {
        l.delistingDate = this.#allDays[x.lastIndex]!;
        l.delistReason = x.delistReason!;
      }
      out.push(l);
    }
    return out;
  }

  /** Whether a ticker is an equity of the universe. */
  isEquity(ticker: string): boolean {
    return this.#tickerIndex.has(ticker);
  }

  /** Raw minute bars of an equity on a session (undefined when not trading that day). */
  equityMinuteBars(ticker: string, date: string): Bars | undefined {
    if (ticker === "SPY") return this.spy.minuteBars(date);
    const gen = this.#equitySession(ticker, date);
    if (!gen) return undefined;
    return this.#eqMin.getOrSet(`${ticker}:${date}`, () => intradayBars(gen.seed, gen.spec));
  }

  /** The generator inputs of an equity's session, or undefined when it does not trade that day. */
  #equitySession(ticker: string, date: string): { seed: number; spec: IntradaySpec } | undefined {
    const i = this.#tickerIndex.get(ticker);
    const dIdx = this.#dayIndex.get(date);
    if (i === undefined || dIdx === undefined) return undefined;
    const nb = this.#allDays.length - this.days.length;
    const p = this.#equityPaths[i]!;
    const k = nb + dIdx;
    if (!Number.isFinite(p.open[k]!)) return undefined;
    const b = sessionBounds(date)!;
    return {
      seed: this.rng.fork(`eq:${ticker}:${date}`).seed,
      spec: {
        openMs: b.open.getTime(),
        steps: (b.close.getTime() - b.open.getTime()) / 60_000,
        stepMs: 60_000,
        open: p.open[k]!,
        close: p.close[k]!,
        sdIntraday: p.sdIntraday[k]!,
        volume: p.volume[k]!,
        jumps: [],
        tradeSize: 120,
        minTrades: 4,
        lot: 1,
      },
    };
  }

  /**
   * An equity's day bar on a session (the aggregate of its minute bars, stamped at ET midnight),
   * or undefined when it does not trade that day. Kept per ticker in columns over the served
   * sessions; a session whose minutes are not cached is generated into a scratch for it.
   */
  equityDayBar(ticker: string, date: string): Bars | undefined {
    const k = this.#dayIndex.get(date);
    if (k === undefined || !this.#tickerIndex.has(ticker)) return undefined;
    let e = this.#eqDay.get(ticker);
    if (!e) {
      e = { bars: allocBars(this.days.length), state: new Uint8Array(this.days.length) };
      this.#eqDay.set(ticker, e);
    }
    if (e.state[k] === 0) {
      const key = `${ticker}:${date}`;
      let bar: Bars | undefined;
      if (this.#eqMin.has(key)) bar = aggregateAll(this.equityMinuteBars(ticker, date)!, 0);
      else {
        const gen = this.#equitySession(ticker, date);
        if (gen) bar = intradayAggregates(gen.seed, gen.spec).day;
      }
      if (bar && bar.length) {
        for (const c of ["o", "h", "l", "c", "v", "vw", "n"] as const) e.bars[c][k] = bar[c][0]!;
        e.bars.t[k] = etMidnightMs(date);
        e.state[k] = 1;
      } else e.state[k] = 2;
    }
    return e.state[k] === 1 ? sliceBars(e.bars, k, k + 1) : undefined;
  }

  /**
   * An equity's day bars over every served session, as columns indexed by session with a state
   * per session (1 a bar, 2 not trading); undefined for a ticker outside the universe. For a
   * prefetch worker to post.
   */
  equityDayBars(ticker: string): { bars: Bars; state: Uint8Array } | undefined {
    if (!this.#tickerIndex.has(ticker)) return undefined;
    for (const d of this.days) this.equityDayBar(ticker, d);
    return this.#eqDay.get(ticker);
  }

  /**
   * Take an equity's day bars generated elsewhere from this world's config (the same bars, bit
   * for bit; see equityDayBars): sessions not yet known here are filled in.
   */
  adoptEquityDayBars(ticker: string, packed: PackedBars, state: Uint8Array): void {
    if (!this.#tickerIndex.has(ticker)) return;
    const n = this.days.length;
    if (packed.length !== n || state.length !== n) {
      throw new RangeError(
        `adoptEquityDayBars ${ticker}: ${packed.length} sessions, world has ${n}`,
      );
    }
    const src = unpackBars(packed);
    let e = this.#eqDay.get(ticker);
    if (!e) {
      e = { bars: allocBars(n), state: new Uint8Array(n) };
      this.#eqDay.set(ticker, e);
    }
    for (let k = 0; k < n; k++) {
      if (e.state[k] !== 0 || state[k] === 0) continue;
      for (const c of ["t", "o", "h", "l", "c", "v", "vw", "n"] as const) e.bars[c][k] = src[c][k]!;
      e.state[k] = state[k]!;
    }
  }

  /** Raw daily bars of an equity (or SPY): aggregation of its minute bars, stamped ET midnight. */
  equityDaily(ticker: string): DailyBars {
    if (ticker === "SPY") return this.spyDailyBars();
    const hit = this.#eqDaily.get(ticker);
    if (hit) return hit;
    const out = this.#daily(this.days, (d) => this.equityDayBar(ticker, d));
    this.#eqDaily.set(ticker, out);
    return out;
  }

  /**
   * Price adjustment factor of an equity on each served session: split factor = product of
   * from/to over splits executed after the session; dividend factor = product of
   * (1 - dividend / previous close) over ex-dates after the session. Adjusted price = raw * factor,
   * split-adjusted volume = raw / split factor.
   */
  adjustmentFactors(ticker: string): { split: Float64Array; dividend: Float64Array } {
    // Computed once per ticker (a route asks for one session's factor per request); the arrays
    // are shared, read-only.
    let f = this.#adjustment.get(ticker);
    if (!f) this.#adjustment.set(ticker, f = this.#adjustmentFactors(ticker));
    return f;
  }

  #adjustment = new Map<string, { split: Float64Array; dividend: Float64Array }>();

  #adjustmentFactors(ticker: string): { split: Float64Array; dividend: Float64Array } {
    const n = this.days.length;
    const split = new Float64Array(n).fill(1), dividend = new Float64Array(n).fill(1);
    const i = this.#tickerIndex.get(ticker);
    if (i === undefined) {
      if (ticker === "SPY") {
        const d = this.spy.daily;
        let f = 1;
        for (let k = n - 1; k >= 0; k--) {
          dividend[k] = f;
          if (d.dividend[k]! > 0 && k > 0) f *= 1 - d.dividend[k]! / d.close[k - 1]!;
        }
      }
      return { split, dividend };
    }
    const p = this.#equityPaths[i]!;
    const nb = this.#allDays.length - n;
    let fs = 1, fd = 1;
    for (let k = n - 1; k >= 0; k--) {
      split[k] = fs;
      dividend[k] = fd;
      const r = p.splitRatio[nb + k]!;
      if (r !== 1) fs /= r;
      const dv = p.dividend[nb + k]!;
      if (dv > 0) fd *= 1 - dv / p.close[nb + k - 1]!;
    }
    return { split, dividend };
  }

  /** Daily bars adjusted as asked ("split": Polygon adjusted=true). */
  equityDailyAdjusted(ticker: string, adjustment: Adjustment): DailyBars {
    const raw = this.equityDaily(ticker);
    if (adjustment === "raw") return raw;
    const f = this.adjustmentFactors(ticker);
    const out = allocBars(raw.length) as DailyBars;
    out.dates = raw.dates;
    for (let j = 0; j < raw.length; j++) {
      const k = this.#dayIndex.get(raw.dates[j]!)!;
      const fs = adjustment === "dividend" ? 1 : f.split[k]!;
      const fp = fs * (adjustment === "split" ? 1 : f.dividend[k]!);
      out.t[j] = raw.t[j]!;
      for (const key of ["o", "h", "l", "c", "vw"] as const) out[key][j] = raw[key][j]! * fp;
      out.v[j] = Math.round(raw.v[j]! / fs);
      out.n[j] = raw.n[j]!;
    }
    return out;
  }

  /** Corporate actions in the served range (splits, dividends, IPOs, delistings), by date. */
  corporateActions(): CorporateAction[] {
    if (this.#actions) return this.#actions;
    const out: CorporateAction[] = [];
    const nb = this.#allDays.length - this.days.length;
    const addDays = (d: string, k: number) =>
      new Date(Date.parse(d) + k * 86_400_000).toISOString().slice(0, 10);
    this.equityInfo.forEach((x, i) => {
      const p = this.#equityPaths[i]!;
      for (let k = nb; k < this.#allDays.length; k++) {
        const d = this.#allDays[k]!;
        if (p.splitRatio[k] !== 1 && x.split) {
          out.push({
            kind: "split",
            ticker: x.ticker,
            date: d,
            from: x.split.from,
            to: x.split.to,
          });
        }
        if (p.dividend[k]! > 0) {
          const dv: CorporateAction = {
            kind: "dividend",
            ticker: x.ticker,
            exDate: d,
            recordDate: this.#allDays[k + 1] ?? addDays(d, 1),
            payDate: addDays(d, 21),
            amount: p.dividend[k]!,
          };
          // One dividend in five has no known declaration date (a vendor data gap).
          if (hashString(`${x.ticker}:${d}`) % 5 !== 0) dv.declarationDate = addDays(d, -14);
          out.push(dv);
        }
      }
      if (x.firstIndex >= nb && x.firstIndex > 0) {
        out.push({ kind: "ipo", ticker: x.ticker, date: this.#allDays[x.firstIndex]! });
      }
      if (x.lastIndex >= 0) {
        out.push({
          kind: "delisting",
          ticker: x.ticker,
          date: this.#allDays[x.lastIndex]!,
          reason: x.delistReason!,
        });
      }
    });
    const d = this.spy.daily;
    for (let k = 0; k < this.days.length; k++) {
      if (d.dividend[k]! > 0) {
        const ex = this.days[k]!;
        out.push({
          kind: "dividend",
          ticker: "SPY",
          exDate: ex,
          declarationDate: addDays(ex, -7),
          recordDate: this.days[k + 1] ?? addDays(ex, 1),
          payDate: addDays(ex, 42),
          amount: d.dividend[k]!,
        });
      }
    }
    const key = (a: CorporateAction) => a.kind === "dividend" ? a.exDate : a.date;
    out.sort((a, b) =>
      key(a).localeCompare(key(b)) || a.ticker.localeCompare(b.ticker) ||
      a.kind.localeCompare(b.kind)
    );
    this.#actions = out;
    return out;
  }

  /** Planted momentum z-score Z_i,d of an equity on a served session (ground truth). */
  momentumZ(ticker: string, date: string): number | undefined {
    const i = this.#tickerIndex.get(ticker);
    const k = this.#dayIndex.get(date);
    if (i === undefined || k === undefined) return undefined;
    return this.#momentumZ[i]![this.#allDays.length - this.days.length + k];
  }

  /**
   * Ground truth of an equity over the served sessions (no intraday generation): unrounded raw
   * open/close (NaN when not listed), cumulative total log return L (the momentum state), the
   * planted momentum z-score, and the factor loadings. Research results can be checked against it.
   */
  equityTruth(ticker: string):
    | {
      dates: string[];
      open: Float64Array;
      close: Float64Array;
      logTotal: Float64Array;
      momentumZ: Float64Array;
      beta: number;
      idioVol: number;
      sector: string;
    }
    | undefined {
    const i = this.#tickerIndex.get(ticker);
    if (i === undefined) return undefined;
    const nb = this.#allDays.length - this.days.length;
    const p = this.#equityPaths[i]!;
    const info = this.equityInfo[i]!;
    return {
      dates: this.days,
      open: p.open.slice(nb),
      close: p.close.slice(nb),
      logTotal: p.logTotal.slice(nb),
      momentumZ: this.#momentumZ[i]!.slice(nb),
      beta: info.beta,
      idioVol: info.idioVol,
      sector: info.sector,
    };
  }

  /** Session index (within the served range) where an article's drift window starts. */
  newsEffectIndex(a: NewsArticle): number {
    return a.effectIndex - (this.#allDays.length - this.days.length);
  }

  /** Annualized idiosyncratic volatility of an equity (ground truth for the effect scales). */
  idioVol(ticker: string): number | undefined {
    const i = this.#tickerIndex.get(ticker);
    return i === undefined ? undefined : this.equityInfo[i]!.idioVol;
  }

  /** FRED series data with all vintages (undefined for an unknown id). */
  fredVintages(seriesId: string): FredSeriesData | undefined {
    if (!this.#fred) {
      const d = this.spy.daily;
      this.#fred = buildFredSeries(this.rng, {
        days: this.days,
        fedFunds: this.rates.fedFunds,
        dtb3: this.rates.dtb3,
        dgs2: this.rates.dgs2,
        dgs10: this.rates.dgs10,
        spyClose: d.close,
        vixClose: this.vixCloses(),
      }, this.today);
    }
    return this.#fred.get(seriesId);
  }
}

/**
 * IPO date of a name listed before the simulated range: a weekday in 1985-2015 from the ticker's
 * hash; one name in twenty has an unknown ("") IPO date, as in vendor listing files.
 */
function legacyIpoDate(ticker: string): string {
  const h = hashString(`ipo:${ticker}`);
  if (h % 20 === 0) return "";
  const base = Date.UTC(1985, 0, 1);
  const d = new Date(base + (h % 11_000) * 86_400_000);
  const wd = d.getUTCDay();
  const shift = wd === 0 ? 1 : wd === 6 ? 2 : 0;
  return new Date(d.getTime() + shift * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Generate a world (cheap: intraday data is generated lazily, per instrument and day).
 *
 * @example
 * ```ts
 * const w = generateWorld({ seed: 7, start: "2024-01-02", end: "2024-03-28" });
 * const secs = w.spySecondBars("2024-03-15");       // 23,400 second bars
 * const chain = w.options.listed("2024-03-15");     // contracts listed that day
 * const truth = w.equityTruth(w.equityInfo[0]!.ticker);
 * ```
 */
export function generateWorld(config: WorldConfig = {}): World {
  return new World(config);
}

export { aggregateBars, sliceBars };
