/** Private: Polygon / Massive REST routes. */
import { hashString, Rng } from "../../core/random.ts";
import { aggregateBars, type Bars, sliceBars } from "./bars.ts";
import { etMidnightMs } from "./spy.ts";
import { SIM_INDICES } from "./world.ts";
import { stepTrades } from "./_intraday.ts";
import { occTicker, type OptionContract, parseOccTicker } from "./options.ts";
import { sentimentLabel } from "./news.ts";
import { holidayName, isEarlyClose, nyDate, sessionBounds } from "./_calendar.ts";
import {
  decodeCursor,
  encodeCursor,
  json,
  parseLimit,
  rangeFilter,
  type RouteCtx,
  type RouteResult,
} from "./_route.ts";

const NS = 1_000_000n;

/** A real calendar date "YYYY-MM-DD". */
function isIsoDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const ms = Date.parse(v + "T00:00:00Z");
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === v;
}

export function polygonError(ctx: RouteCtx, status: number, error: string): RouteResult {
  if (status === 403) {
    return json(403, { status: "NOT_AUTHORIZED", request_id: ctx.requestId, message: error });
  }
  return json(status, { status: "ERROR", request_id: ctx.requestId, error });
}

function hexId(s: string): string {
  let out = "";
  for (let i = 0; i < 4; i++) out += hashString(`${i}:${s}`).toString(16).padStart(8, "0");
  return out;
}

/** Merge the cursor state over the query (the next_url carries only `cursor`). */
function params(
  ctx: RouteCtx,
): { q: URLSearchParams; state: Record<string, unknown> | undefined; bad: boolean } {
  const c = ctx.url.searchParams.get("cursor");
  if (c === null) return { q: ctx.url.searchParams, state: undefined, bad: false };
  const state = decodeCursor(c);
  if (!state || typeof state.q !== "string") {
    return { q: ctx.url.searchParams, state: undefined, bad: true };
  }
  return { q: new URLSearchParams(state.q), state, bad: false };
}

function pageOf<T extends Record<string, unknown>>(
  ctx: RouteCtx,
  q: URLSearchParams,
  state: Record<string, unknown> | undefined,
  rows: T[],
  limit: number,
  envelope: Record<string, unknown>,
  keyOf: (r: T) => string | number,
): RouteResult {
  const start = typeof state?.pos === "number" ? state.pos : 0;
  const page = rows.slice(start, start + limit);
  const urlFor = (st: Record<string, unknown>) =>
    `${ctx.baseUrl}${ctx.url.pathname}?cursor=${encodeCursor(st)}`;
  const body: Record<string, unknown> = { ...envelope };
  if (page.length) body.results = page;
  if ("resultsCount" in envelope) body.resultsCount = page.length;
  if ("count" in envelope) body.count = page.length;
  if (start + limit < rows.length) body.next_url = urlFor({ q: q.toString(), pos: start + limit });
  return {
    status: 200,
    json: body,
    rowsKey: "results",
    page: {
      current: { q: q.toString(), pos: start },
      urlFor,
      keyOf: keyOf as (r: Record<string, unknown>) => string | number,
      posField: "pos",
      nextKey: "next_url",
    },
  };
}

// ---------------------------------------------------------------- aggregates

const SPAN_MS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000 };

function parseWhen(s: string, end: boolean): number {
  if (/^\d+$/.test(s)) return Number(s);
  const b = Date.parse(s + "T00:00:00Z");
  return end ? b + 86_400_000 * 2 : b - 86_400_000;
}

function dateOfParam(s: string): string {
  if (/^\d+$/.test(s)) {
    return new Date(Number(s)).toLocaleDateString("en-CA", { timeZone: "America/New_York" });
  }
  return s;
}

function splitFactorOn(ctx: RouteCtx, ticker: string, date: string): number {
  const i = ctx.world.dayIndex(date);
  if (i === undefined || !ctx.world.isEquity(ticker)) return 1;
  return ctx.world.adjustmentFactors(ticker).split[i]!;
}

function baseBars(ctx: RouteCtx, ticker: string, date: string, span: string): Bars | undefined {
  const w = ctx.world;
  if (ticker.startsWith("I:")) return w.indexMinuteBars(ticker, date);
  if (ticker.startsWith("O:")) {
    const c = w.options.contract(ticker);
    return c ? w.options.minuteAggs(c, date) : undefined;
  }
  if (ticker === "SPY") return span === "second" ? w.spySecondBars(date) : w.spyMinuteBars(date);
  if (span === "second") return undefined;
  return w.equityMinuteBars(ticker, date);
}

function periodKey(date: string, span: string): string {
  if (span === "day") return date;
  const d = new Date(date + "T00:00:00Z");
  if (span === "week") {
    return new Date(d.getTime() - d.getUTCDay() * 86_400_000).toISOString().slice(0, 10);
  }
  const y = date.slice(0, 4), m = Number(date.slice(5, 7));
  if (span === "month") return `${y}-${date.slice(5, 7)}-01`;
  if (span === "quarter") {
    return `${y}-${String(Math.floor((m - 1) / 3) * 3 + 1).padStart(2, "0")}-01`;
  }
  return `${y}-01-01`;
}

/**
 * The wire row of bar `k` of `b`, prices times the split factor `f` (volume divided by it, vwap
 * rounded to 4 decimals): `{v, vw, o, c, h, l, t, n}` in the vendor's key order, or
 * `{o, c, h, l, t}` for an index. One object literal per shape, so every row of a page shares
 * one hidden class with its fields in-object, which JSON.stringify walks without a lookup per
 * key.
 */
export function barRow(b: Bars, k: number, f: number, isIndex: boolean): Record<string, number> {
  const t = b.t[k]!;
  if (isIndex) return { o: b.o[k]! * f, c: b.c[k]! * f, h: b.h[k]! * f, l: b.l[k]! * f, t };
  return {
    v: Math.round(b.v[k]! / f),
    vw: Math.round(b.vw[k]! * f * 10000) / 10000,
    o: b.o[k]! * f,
    c: b.c[k]! * f,
    h: b.h[k]! * f,
    l: b.l[k]! * f,
    t,
    n: b.n[k]!,
  };
}

export function aggsRoute(ctx: RouteCtx, m: RegExpExecArray): RouteResult {
  const { q, state, bad } = params(ctx);
  if (bad) return polygonError(ctx, 400, "Invalid cursor");
  const [, ticker, multS, span, fromS, toS] = m as unknown as string[];
  const mult = Number(multS);
  if (!Number.isInteger(mult) || mult < 1) {
    return polygonError(ctx, 400, `Invalid multiplier ${multS}`);
  }
  if (!["second", "minute", "hour", "day", "week", "month", "quarter", "year"].includes(span!)) {
    return polygonError(ctx, 400, `Invalid timespan ${span}`);
  }
  const limit = parseLimit(q.get("limit"), 5000, 50000);
  if (Number.isNaN(limit)) return polygonError(ctx, 400, "Invalid limit");
  for (const [name, v] of [["from", fromS!], ["to", toS!]] as const) {
    if (!/^\d+$/.test(v) && !isIsoDate(v)) {
      return polygonError(
        ctx,
        400,
        `Could not parse the time parameter: '${name}'. Use YYYY-MM-DD or Unix MS Timestamps`,
      );
    }
  }
  const isIndex = ticker!.startsWith("I:");
  const adjusted = q.get("adjusted") !== "false";
  const desc = q.get("sort") === "desc";
  const fromMs = parseWhen(fromS!, false), toMs = parseWhen(toS!, true);
  const fromD = dateOfParam(fromS!), toD = dateOfParam(toS!);
  const exactFrom = /^\d+$/.test(fromS!) ? Number(fromS) : -Infinity;
  const exactTo = /^\d+$/.test(toS!) ? Number(toS) : Infinity;
  const w = ctx.world;
  const known = ticker === "SPY" || SIM_INDICES.includes(ticker as "I:VIX") ||
    w.isEquity(ticker!) ||
    (ticker!.startsWith("O:") && w.options.contract(ticker!) !== undefined);
  const envelope: Record<string, unknown> = isIndex
    ? { ticker, queryCount: 0, resultsCount: 0, status: "OK", request_id: ctx.requestId }
    : { ticker, adjusted, queryCount: 0, resultsCount: 0, status: "OK", request_id: ctx.requestId };
  const days = known
    ? w.days.filter((d) =>
      d >= fromD && d <= toD &&
      (!ticker!.startsWith("O:") || d <= parseOccTicker(ticker!)!.expiration)
    )
    : [];
  if (desc) days.reverse();
  // Cursor position: the bar time to resume at. Sessions wholly before it are not generated.
  const resume = typeof state?.t === "number" ? state.t : undefined;
  if (resume !== undefined) {
    const rd = nyDate(resume);
    const keep = days.filter((d) => desc ? d <= rd : d >= rd);
    days.length = 0;
    days.push(...keep);
  }
  const rows: Record<string, unknown>[] = [];
  let more = false;
  // `limit` caps the base aggregates scanned (vendor semantics), not the bars returned.
  let scanned = 0;
  const push = (b: Bars, k: number, f: number, base = 1) => {
    const t = b.t[k]!;
    if (t < exactFrom || t > exactTo || t < fromMs || t > toMs) return;
    if (resume !== undefined && (desc ? t > resume : t < resume)) return;
    if (scanned + base > limit && rows.length > 0) {
      more = true;
      return;
    }
    scanned += base;
    rows.push(barRow(b, k, f, isIndex));
  };
  const spanIsIntraday = span === "second" || span === "minute" || span === "hour";
  if (spanIsIntraday) {
    for (const d of days) {
      if (more) break;
      const base = baseBars(ctx, ticker!, d, span!);
      if (!base || base.length === 0) continue;
      const win = SPAN_MS[span!]! * mult;
      const out = mult === 1 && span !== "hour" ? base : aggregateBars(base, win, 0);
      const counts = new Float64Array(out.length).fill(1);
      if (out !== base) {
        let j = -1, cur = NaN;
        for (let i = 0; i < base.length; i++) {
          const wdw = Math.floor(base.t[i]! / win) * win;
          if (wdw !== cur) {
            cur = wdw;
            counts[++j] = 0;
          }
          counts[j] = counts[j]! + 1;
        }
      }
      const f = adjusted ? splitFactorOn(ctx, ticker!, d) : 1;
      if (desc) { for (let k = out.length - 1; k >= 0 && !more; k--) push(out, k, f, counts[k]); }
      else for (let k = 0; k < out.length && !more; k++) push(out, k, f, counts[k]);
    }
  } else {
    // Day bars per session, grouped into periods.
    const groups: { key: string; bars: Bars[]; f: number[] }[] = [];
    const ordered = desc ? [...days].reverse() : days;
    for (const d of ordered) {
      let b: Bars | undefined;
      if (ticker!.startsWith("I:")) b = w.indexDayBar(ticker!, d);
      else if (ticker!.startsWith("O:")) {
        const mm = baseBars(ctx, ticker!, d, "minute");
        b = mm && mm.length ? aggregateBars(mm, Number.MAX_SAFE_INTEGER, 0) : undefined;
      } else if (ticker === "SPY") b = w.spy.dayBar(d);
      else b = w.equityDayBar(ticker!, d);
      if (!b || !b.length) continue;
      const key = periodKey(d, span!);
      const f = adjusted ? splitFactorOn(ctx, ticker!, d) : 1;
      const last = groups[groups.length - 1];
      if (last && last.key === key) {
        last.bars.push(b);
        last.f.push(f);
      } else groups.push({ key, bars: [b], f: [f] });
    }
    if (desc) groups.reverse();
    for (const g of groups) {
      let o = 0, h = -Infinity, l = Infinity, c = 0, v = 0, pv = 0, n = 0;
      g.bars.forEach((b, i) => {
        const f = g.f[i]!;
        if (i === 0) o = b.o[0]! * f;
        h = Math.max(h, b.h[0]! * f);
        l = Math.min(l, b.l[0]! * f);
        c = b.c[0]! * f;
        v += b.v[0]! / f;
        pv += b.vw[0]! * b.v[0]!;
        n += b.n[0]!;
      });
      const stamp = etMidnightMs(g.key);
      const one = {
        length: 1,
        t: Float64Array.of(stamp),
        o: Float64Array.of(o),
        h: Float64Array.of(h),
        l: Float64Array.of(l),
        c: Float64Array.of(c),
        v: Float64Array.of(v),
        vw: Float64Array.of(v > 0 ? pv / v : c),
        n: Float64Array.of(n),
      };
      push(one, 0, 1, g.bars.length);
    }
  }
  envelope.queryCount = rows.length;
  envelope.resultsCount = rows.length;
  if (rows.length) envelope.results = rows;
  const urlFor = (st: Record<string, unknown>) =>
    `${ctx.baseUrl}${ctx.url.pathname}?cursor=${encodeCursor(st)}`;
  if (more) {
    // Resume strictly after the last bar of this page.
    const lastT = rows[rows.length - 1]!.t as number;
    envelope.next_url = urlFor({ q: q.toString(), t: desc ? lastT - 1 : lastT + 1 });
  }
  return {
    status: 200,
    json: envelope,
    rowsKey: "results",
    page: {
      current: { q: q.toString(), t: resume ?? (rows[0]?.t as number | undefined) ?? 0 },
      urlFor,
      keyOf: (r) => r.t as number,
      posField: "t",
      nextKey: "next_url",
    },
  };
}

// ---------------------------------------------------------------- options reference & snapshot

function contractRow(c: OptionContract): Record<string, unknown> {
  return {
    cfi: c.type === "call" ? "OCASPS" : "OPASPS",
    contract_type: c.type,
    exercise_style: "american",
    expiration_date: c.expiration,
    primary_exchange: "BATO",
    shares_per_contract: 100,
    strike_price: c.strike,
    ticker: c.ticker,
    underlying_ticker: c.underlying,
  };
}

function sortContracts<T extends { ticker: string; expiration: string; strike: number }>(
  xs: T[],
  sort: string,
  desc: boolean,
): T[] {
  const key = (c: T): [string | number, string] =>
    sort === "expiration_date"
      ? [c.expiration, c.ticker]
      : sort === "strike_price"
      ? [c.strike, c.ticker]
      : [c.ticker, ""];
  const out = [...xs].sort((a, b) => {
    const [ka, ta] = key(a), [kb, tb] = key(b);
    const d = typeof ka === "number" ? ka - (kb as number) : ka.localeCompare(kb as string);
    return d || ta.localeCompare(tb);
  });
  return desc ? out.reverse() : out;
}

export function contractsRoute(ctx: RouteCtx): RouteResult {
  const { q, state, bad } = params(ctx);
  if (bad) return polygonError(ctx, 400, "Invalid cursor");
  const w = ctx.world;
  const limit = parseLimit(q.get("limit"), 10, 1000);
  if (Number.isNaN(limit)) return polygonError(ctx, 400, "Invalid limit");
  const asOf = q.get("as_of") ?? w.today;
  if (!isIsoDate(asOf)) {
    return polygonError(ctx, 400, `Could not parse the as_of parameter: '${asOf}'`);
  }
  const expired = q.get("expired") === "true";
  const under = q.get("underlying_ticker");
  let list: OptionContract[] = [];
  if (!under || under === "SPY") {
    if (!expired) {
      list = w.options.listed(asOf <= w.today ? asOf : w.today).filter((c) => c.expiration >= asOf);
    } else {
      for (const e of w.options.expiries) {
        if (e.date >= asOf || e.date < w.days[0]!) continue;
        for (const k of w.options.strikes(e, e.date)) {
          for (const type of ["call", "put"] as const) {
            const c = w.options.contract(occTicker("SPY", e.date, type, k));
            if (c) list.push(c);
          }
        }
      }
    }
  }
  const ct = q.get("contract_type");
  const fExp = rangeFilter(q, "expiration_date"), fK = rangeFilter(q, "strike_price");
  list = list.filter((c) => (!ct || c.type === ct) && fExp(c.expiration) && fK(c.strike));
  list = sortContracts(list, q.get("sort") ?? "ticker", q.get("order") === "desc");
  return pageOf(ctx, q, state, list.map(contractRow), limit, {
    status: "OK",
    request_id: ctx.requestId,
  }, (r) => r.ticker as string);
}

export function snapshotRoute(ctx: RouteCtx, underlying: string): RouteResult {
  const { q, state, bad } = params(ctx);
  if (bad) return polygonError(ctx, 400, "Invalid cursor");
  const w = ctx.world;
  const limit = parseLimit(q.get("limit"), 10, 250);
  if (Number.isNaN(limit)) return polygonError(ctx, 400, "Invalid limit");
  const date = w.today;
  let list = underlying === "SPY" ? w.options.listed(date) : [];
  const ct = q.get("contract_type");
  const fExp = rangeFilter(q, "expiration_date"), fK = rangeFilter(q, "strike_price");
  list = list.filter((c) => (!ct || c.type === ct) && fExp(c.expiration) && fK(c.strike));
  list = sortContracts(list, q.get("sort") ?? "ticker", q.get("order") === "desc");
  const start = typeof state?.pos === "number" ? state.pos : 0;
  const pageContracts = list.slice(start, start + limit);
  const urlFor = (st: Record<string, unknown>) =>
    `${ctx.baseUrl}${ctx.url.pathname}?cursor=${encodeCursor(st)}`;
  const body: Record<string, unknown> = { status: "OK", request_id: ctx.requestId };
  const res: RouteResult = {
    status: 200,
    json: body,
    rowsKey: "results",
    page: {
      current: { q: q.toString(), pos: start },
      urlFor,
      keyOf: (r) => (r.details as { ticker: string }).ticker,
      posField: "pos",
      nextKey: "next_url",
    },
  };
  const di = w.dayIndex(date)!;
  const prevDay = w.days[di - 1];
  const spyMin = w.spyMinuteBars(date)!;
  // Quotes and day statistics as of the last minute completed at the simulated now.
  const lastMin = Math.max(
    0,
    Math.min(spyMin.length - 1, Math.floor((ctx.nowMs - spyMin.t[0]!) / 60_000) - 1),
  );
  const cutoff = spyMin.t[lastMin]!;
  const uTs = BigInt(spyMin.t[lastMin]! + 59_000) * NS;
  if (pageContracts.length) {
    body.results = pageContracts.map((c) => {
      const qt = w.options.quote(c, date, lastMin);
      const all = w.options.minuteAggs(c, date);
      let cut = all.length;
      while (cut > 0 && all.t[cut - 1]! > cutoff) cut--;
      const aggs = sliceBars(all, 0, cut);
      const prevClose = prevDay && prevDay >= c.expiration
        ? undefined
        : prevDay
        ? round2(mid(w.options.quote(c, prevDay)))
        : undefined;
      const row: Record<string, unknown> = {
        break_even_price: round4(c.type === "call" ? c.strike + mid(qt) : c.strike - mid(qt)),
      };
      if (aggs.length) {
        let v = 0, pv = 0, h = -Infinity, l = Infinity;
        for (let k = 0; k < aggs.length; k++) {
          v += aggs.v[k]!;
          pv += aggs.vw[k]! * aggs.v[k]!;
          h = Math.max(h, aggs.h[k]!);
          l = Math.min(l, aggs.l[k]!);
        }
        const close = aggs.c[aggs.length - 1]!;
        const day: Record<string, unknown> = {
          change: 0,
          change_percent: 0,
          close,
          high: h,
          last_updated: BigInt(aggs.t[aggs.length - 1]!) * NS,
          low: l,
          open: aggs.o[0]!,
          previous_close: prevClose ?? close,
          volume: v,
          vwap: round4(pv / v),
        };
        if (prevClose !== undefined) {
          day.change = round4(close - prevClose);
          day.change_percent = round4(prevClose > 0 ? (close - prevClose) / prevClose * 100 : 0);
        }
        row.day = day;
      } else {
        row.day = {};
      }
      row.details = {
        contract_type: c.type,
        exercise_style: "american",
        expiration_date: c.expiration,
        shares_per_contract: 100,
        strike_price: c.strike,
        ticker: c.ticker,
      };
      if (qt.bid > 0) {
        row.greeks = {
          delta: round6(qt.delta),
          gamma: round6(qt.gamma),
          theta: round6(qt.theta),
          vega: round6(qt.vega),
        };
        row.implied_volatility = round6(qt.iv);
      }
      row.last_quote = {
        ask: qt.ask,
        ask_size: 10 + (hashString(c.ticker) % 90),
        bid: qt.bid,
        bid_size: 5 + (hashString(c.ticker + "b") % 90),
        last_updated: uTs + 123_456n,
        midpoint: round4(mid(qt)),
        timeframe: "REAL-TIME",
      };
      if (aggs.length) {
        const k = aggs.length - 1;
        row.last_trade = {
          conditions: [209],
          exchange: 65,
          price: aggs.c[k]!,
          sip_timestamp: BigInt(aggs.t[k]! + 30_000) * NS + 1n,
          size: 1,
          timeframe: "REAL-TIME",
        };
      }
      row.open_interest = w.options.openInterest(c, date);
      row.underlying_asset = {
        change_to_break_even: round4(
          (c.type === "call" ? c.strike + mid(qt) : c.strike - mid(qt)) - qt.spot,
        ),
        last_updated: uTs,
        price: qt.spot,
        ticker: "SPY",
        timeframe: "REAL-TIME",
      };
      return row;
    });
  }
  if (start + limit < list.length) body.next_url = urlFor({ q: q.toString(), pos: start + limit });
  return res;
}

const mid = (x: { bid: number; ask: number }) => (x.bid + x.ask) / 2;
const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

// ---------------------------------------------------------------- trades & quotes

const EXCHANGES = [4, 7, 8, 11, 12, 15, 19, 21];

interface Tick {
  sip: bigint;
  price: number;
  size: number;
  exchange: number;
  seq: number;
  buy: boolean;
}

const prefixCache = new WeakMap<Bars, Float64Array>();
/** Trades before step k of a session (prefix sums of the bar trade counts, cached per bars). */
function tradesBefore(bars: Bars, k: number): number {
  let p = prefixCache.get(bars);
  if (!p) {
    p = new Float64Array(bars.length + 1);
    for (let i = 0; i < bars.length; i++) p[i + 1] = p[i]! + bars.n[i]!;
    prefixCache.set(bars, p);
  }
  return p[k]!;
}

/**
 * Trades within step k of a session's bars (SPY seconds, or an equity's minutes): the layout of
 * _intraday.ts at sorted random instants of the step, so they reproduce the bar exactly.
 */
function stepTicks(ctx: RouteCtx, label: string, bars: Bars, k: number, stepNs: number): Tick[] {
  const n = bars.n[k]!;
  const { prices, sizes } = stepTrades(
    bars.o[k]!,
    bars.h[k]!,
    bars.l[k]!,
    bars.c[k]!,
    bars.v[k]!,
    n,
  );
  const rng = new Rng(ctx.world.config.seed).fork(`ticks:${label}:${k}`);
  const offs: number[] = [];
  const span = stepNs - 1_000_000;
  for (let i = 0; i < n; i++) offs.push(Math.floor(rng.uniform() * span) + 500_000);
  offs.sort((a, b) => a - b);
  const base = BigInt(bars.t[k]!) * NS;
  const prevSeq = tradesBefore(bars, k);
  return prices.map((p, i) => ({
    sip: base + BigInt(offs[i]! + i),
    price: p,
    size: sizes[i]!,
    exchange: EXCHANGES[rng.int(0, EXCHANGES.length - 1)]!,
    seq: prevSeq + i + 1,
    buy: rng.uniform() < 0.5,
  }));
}

/**
 * A `timestamp` filter value in epoch ns: digits are ns; a date is a New York calendar day
 * ([ET midnight, next ET midnight)); anything else RFC 3339. `side` picks the day's start or end;
 * null when malformed.
 */
function parseNsBound(v: string, side: "start" | "end"): bigint | null {
  if (/^\d+$/.test(v)) return BigInt(v);
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const ms = Date.parse(v + "T00:00:00Z");
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== v) return null;
    const midnight = etMidnightMs(v);
    return BigInt(side === "end" ? etMidnightMs(nyDate(midnight + 36 * 3_600_000)) : midnight) * NS;
  }
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : BigInt(ms) * NS;
}

export function ticksRoute(ctx: RouteCtx, kind: "trades" | "quotes", ticker: string): RouteResult {
  const { q, state, bad } = params(ctx);
  if (bad) return polygonError(ctx, 400, "Invalid cursor");
  const limit = parseLimit(q.get("limit"), 1000, 50000);
  if (Number.isNaN(limit)) return polygonError(ctx, 400, "Invalid limit");
  const asc = q.get("order") === "asc";
  const w = ctx.world;
  // Bounds [lo, hi] in ns; a date-only value covers its whole New York day.
  let lo: bigint | undefined, hi: bigint | undefined;
  const bound = (name: string, side: "start" | "end"): bigint | null | undefined => {
    const v = q.get(name);
    return v === null ? undefined : parseNsBound(v, side);
  };
  const isDate = (name: string) => /^\d{4}-\d{2}-\d{2}$/.test(q.get(name) ?? "");
  const parts: [string, "start" | "end", (x: bigint) => void][] = [
    ["timestamp.gte", "start", (x) => lo = x],
    [
      "timestamp.gt",
      isDate("timestamp.gt") ? "end" : "start",
      (x) => lo = isDate("timestamp.gt") ? x : x + 1n,
    ],
    [
      "timestamp.lte",
      isDate("timestamp.lte") ? "end" : "start",
      (x) => hi = isDate("timestamp.lte") ? x - 1n : x,
    ],
    ["timestamp.lt", "start", (x) => hi = x - 1n],
  ];
  for (const [name, side, set] of parts) {
    const x = bound(name, side);
    if (x === null) {
      return polygonError(ctx, 400, `Could not parse the ${name} parameter: '${q.get(name)}'`);
    }
    if (x !== undefined) set(x);
  }
  const ts = q.get("timestamp");
  if (ts !== null) {
    const a = parseNsBound(ts, "start"), z = parseNsBound(ts, "end");
    if (a === null || z === null) {
      return polygonError(ctx, 400, `Could not parse the timestamp parameter: '${ts}'`);
    }
    lo = a;
    hi = /^\d+$/.test(ts) ? a : z - 1n;
  }
  if (state && typeof state.after === "string") {
    const a = BigInt(state.after);
    if (asc) lo = a + 1n;
    else hi = a - 1n;
  }
  const rows: Record<string, unknown>[] = [];
  let more = false;
  if (ticker === "SPY" || w.isEquity(ticker)) {
    const spy = ticker === "SPY";
    const stepNs = spy ? 1_000_000_000 : 60_000_000_000;
    // Tape: A (1) NYSE, B (2) NYSE Arca and regional, C (3) Nasdaq.
    const tape = spy
      ? 2
      : w.equityInfo.find((x) => x.ticker === ticker)!.exchange === "NYSE"
      ? 1
      : 3;
    const days = w.days.filter((d) => {
      const b = sessionBounds(d)!;
      const o = BigInt(b.open.getTime()) * NS, c = BigInt(b.close.getTime()) * NS;
      return (lo === undefined || c >= lo) && (hi === undefined || o <= hi);
    });
    if (!asc) days.reverse();
    outer: for (const d of days) {
      const secs = spy ? w.spySecondBars(d)! : w.equityMinuteBars(ticker, d);
      if (!secs) continue;
      const label = spy ? d : `${ticker}:${d}`;
      for (let j = 0; j < secs.length; j++) {
        const k = asc ? j : secs.length - 1 - j;
        const sStart = BigInt(secs.t[k]!) * NS;
        if (lo !== undefined && sStart + BigInt(stepNs) <= lo) continue;
        if (hi !== undefined && sStart > hi) continue;
        const ticks = stepTicks(ctx, label, secs, k, stepNs);
        if (!asc) ticks.reverse();
        for (const t of ticks) {
          const row = kind === "trades" ? tradeRow(t, tape) : quoteRow(t, tape);
          const ts = row.sip_timestamp as bigint;
          if ((lo !== undefined && ts < lo) || (hi !== undefined && ts > hi)) continue;
          if (rows.length >= limit) {
            more = true;
            break outer;
          }
          rows.push(row);
        }
      }
    }
  } else if (ticker.startsWith("O:") && w.options.contract(ticker)) {
    const c = w.options.contract(ticker)!;
    const days = w.days.filter((d) => {
      if (d > c.expiration) return false;
      const b = sessionBounds(d)!;
      const o = BigInt(b.open.getTime()) * NS, cl = BigInt(b.close.getTime()) * NS;
      return (lo === undefined || cl >= lo) && (hi === undefined || o <= hi);
    });
    if (!asc) days.reverse();
    outer: for (const d of days) {
      const ticks = w.options.ticks(c, d);
      const list: Record<string, unknown>[] = kind === "trades"
        ? ticks.trades.map((t) => ({
          exchange: 300 + Number(t.sipNs % 17n),
          participant_timestamp: t.sipNs - 90_000n,
          price: t.price,
          sip_timestamp: t.sipNs,
          size: t.size,
        }))
        : ticks.quotes.map((x) => ({
          ask_exchange: 300 + (x.seq % 17),
          ask_price: x.ask,
          ask_size: x.askSize,
          bid_exchange: 300 + ((x.seq * 7) % 17),
          bid_price: x.bid,
          bid_size: x.bidSize,
          sequence_number: x.seq,
          sip_timestamp: x.sipNs,
        }));
      if (!asc) list.reverse();
      for (const row of list) {
        const ts = row.sip_timestamp as bigint;
        if ((lo !== undefined && ts < lo) || (hi !== undefined && ts > hi)) continue;
        if (rows.length >= limit) {
          more = true;
          break outer;
        }
        rows.push(row);
      }
    }
  }
  const body: Record<string, unknown> = { status: "OK", request_id: ctx.requestId };
  if (rows.length) body.results = rows;
  const urlFor = (st: Record<string, unknown>) =>
    `${ctx.baseUrl}${ctx.url.pathname}?cursor=${encodeCursor(st)}`;
  if (more) {
    body.next_url = urlFor({
      q: q.toString(),
      after: String(rows[rows.length - 1]!.sip_timestamp),
    });
  }
  return {
    status: 200,
    json: body,
    rowsKey: "results",
    page: {
      current: {
        q: q.toString(),
        after: state?.after ??
          (rows[0] ? String(BigInt(rows[0].sip_timestamp as bigint) + (asc ? -1n : 1n)) : "0"),
      },
      urlFor,
      keyOf: (r) => String(r.sip_timestamp),
      posField: "after",
      nextKey: "next_url",
    },
  };
}

function tradeRow(t: Tick, tape: number): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  if (t.size < 100) row.conditions = [37];
  row.exchange = t.exchange;
  row.id = String(t.seq);
  row.participant_timestamp = t.sip - 150_000n;
  row.price = t.price;
  row.sequence_number = t.seq;
  row.sip_timestamp = t.sip;
  row.size = t.size;
  row.tape = tape;
  if (t.exchange === 4) {
    row.trf_id = 201;
    row.trf_timestamp = t.sip - 50_000n;
  }
  return row;
}

function quoteRow(t: Tick, tape: number): Record<string, unknown> {
  const bid = t.buy ? Math.round((t.price - 0.01) * 100) / 100 : t.price;
  const ask = t.buy ? t.price : Math.round((t.price + 0.01) * 100) / 100;
  const sip = t.sip - 20_000n;
  return {
    ask_exchange: t.exchange,
    ask_price: ask,
    ask_size: 1 + (t.seq % 17),
    bid_exchange: EXCHANGES[(t.seq * 7) % EXCHANGES.length],
    bid_price: bid,
    bid_size: 1 + (t.seq % 13),
    participant_timestamp: sip - 150_000n,
    sequence_number: t.seq,
    sip_timestamp: sip,
    tape,
  };
}

// ---------------------------------------------------------------- news, splits, dividends, status

export function newsRoute(ctx: RouteCtx): RouteResult {
  const { q, state, bad } = params(ctx);
  if (bad) return polygonError(ctx, 400, "Invalid cursor");
  const limit = parseLimit(q.get("limit"), 10, 1000);
  if (Number.isNaN(limit)) return polygonError(ctx, 400, "Invalid limit");
  const ticker = q.get("ticker");
  const asc = q.get("order") === "asc";
  let rows = ctx.world.news.filter((a) => !ticker || a.ticker === ticker);
  // Date-only bounds compare against the date prefix.
  rows = rows.filter((a) => {
    const iso = new Date(a.publishedMs).toISOString().replace(".000Z", "Z");
    for (const op of ["", ".gte", ".gt", ".lte", ".lt"]) {
      const v = q.get("published_utc" + op);
      if (v === null) continue;
      const x = v.length === 10 ? iso.slice(0, 10) : iso;
      const c = x.localeCompare(v);
      if (
        (op === "" && c !== 0) || (op === ".gte" && c < 0) || (op === ".gt" && c <= 0) ||
        (op === ".lte" && c > 0) || (op === ".lt" && c >= 0)
      ) return false;
    }
    return true;
  });
  if (!asc) rows = [...rows].reverse();
  const out = rows.map((a) => {
    const iso = new Date(a.publishedMs).toISOString().replace(".000Z", "Z");
    const slug = a.title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    return {
      id: hexId(a.id),
      publisher: {
        name: a.publisher,
        homepage_url: "https://sim.invalid/",
        logo_url: "https://sim.invalid/logo.png",
        favicon_url: "https://sim.invalid/favicon.ico",
      },
      title: a.title,
      author: a.author,
      published_utc: iso,
      article_url: `https://sim.invalid/news/${a.id}/${slug}`,
      description: `${a.title}. Simulated article.`,
      keywords: ["simulated", a.ticker],
      tickers: [a.ticker],
      insights: [{
        ticker: a.ticker,
        sentiment: sentimentLabel(a.sentiment),
        sentiment_reasoning: `Simulated ${sentimentLabel(a.sentiment)} news for ${a.ticker}.`,
      }],
    };
  });
  return pageOf(
    ctx,
    q,
    state,
    out,
    limit,
    { count: 0, status: "OK", request_id: ctx.requestId },
    (r) => r.id as string,
  );
}

export function splitsRoute(ctx: RouteCtx): RouteResult {
  const { q, state, bad } = params(ctx);
  if (bad) return polygonError(ctx, 400, "Invalid cursor");
  const limit = parseLimit(q.get("limit"), 10, 1000);
  if (Number.isNaN(limit)) return polygonError(ctx, 400, "Invalid limit");
  const ticker = q.get("ticker");
  const fD = rangeFilter(q, "execution_date");
  const rev = q.get("reverse_split");
  let rows = ctx.world.corporateActions().flatMap((a) =>
    a.kind === "split" && (!ticker || a.ticker === ticker) && fD(a.date) &&
      (rev === null || (rev === "true") === (a.from > a.to))
      ? [{
        execution_date: a.date,
        id: "E" + hexId(`split:${a.ticker}:${a.date}`),
        split_from: a.from,
        split_to: a.to,
        ticker: a.ticker,
      }]
      : []
  );
  const sort = q.get("sort") ?? "execution_date";
  rows.sort((a, b) =>
    sort === "ticker"
      ? a.ticker.localeCompare(b.ticker) || a.execution_date.localeCompare(b.execution_date)
      : a.execution_date.localeCompare(b.execution_date) || a.ticker.localeCompare(b.ticker)
  );
  if (q.get("order") !== "asc") rows = rows.reverse();
  return pageOf(
    ctx,
    q,
    state,
    rows,
    limit,
    { status: "OK", request_id: ctx.requestId },
    (r) => r.id as string,
  );
}

export function dividendsRoute(ctx: RouteCtx): RouteResult {
  const { q, state, bad } = params(ctx);
  if (bad) return polygonError(ctx, 400, "Invalid cursor");
  const limit = parseLimit(q.get("limit"), 10, 1000);
  if (Number.isNaN(limit)) return polygonError(ctx, 400, "Invalid limit");
  const ticker = q.get("ticker");
  const fEx = rangeFilter(q, "ex_dividend_date"), fRec = rangeFilter(q, "record_date");
  const fDec = rangeFilter(q, "declaration_date"), fPay = rangeFilter(q, "pay_date");
  let rows = ctx.world.corporateActions().flatMap((a) =>
    a.kind === "dividend" && (!ticker || a.ticker === ticker) && fEx(a.exDate) &&
      fRec(a.recordDate) && (a.declarationDate === undefined
        ? !q.has("declaration_date") && ![".gte", ".gt", ".lte", ".lt"].some((o) =>
          q.has("declaration_date" + o)
        )
        : fDec(a.declarationDate)) &&
      fPay(a.payDate)
      ? [{
        cash_amount: a.amount,
        currency: "USD",
        declaration_date: a.declarationDate,
        dividend_type: "CD",
        ex_dividend_date: a.exDate,
        frequency: 4,
        id: "E" + hexId(`div:${a.ticker}:${a.exDate}`),
        pay_date: a.payDate,
        record_date: a.recordDate,
        ticker: a.ticker,
      }]
      : []
  );
  rows.sort((a, b) =>
    a.ex_dividend_date.localeCompare(b.ex_dividend_date) || a.ticker.localeCompare(b.ticker)
  );
  if (q.get("order") !== "asc") rows = rows.reverse();
  return pageOf(
    ctx,
    q,
    state,
    rows,
    limit,
    { status: "OK", request_id: ctx.requestId },
    (r) => r.id as string,
  );
}

export function marketStatusRoute(ctx: RouteCtx): RouteResult {
  const now = ctx.nowMs;
  const date = new Date(now).toLocaleDateString("en-CA", { timeZone: "America/New_York" });
  const b = sessionBounds(date);
  const open = b !== null && now >= b.open.getTime() && now < b.close.getTime();
  const early = b !== null && now >= b.open.getTime() - 5.5 * 3_600_000 && now < b.open.getTime();
  const after = b !== null && now >= b.close.getTime() && now < b.close.getTime() + 4 * 3_600_000;
  const market = open ? "open" : early || after ? "extended-hours" : "closed";
  const off = new Date(now).toLocaleString("en-US", {
    timeZone: "America/New_York",
    timeZoneName: "shortOffset",
  }).split("GMT")[1] || "-5";
  const hh = String(Math.abs(Number(off.split(":")[0]))).padStart(2, "0");
  const local = new Date(now + Number(off.split(":")[0]) * 3_600_000).toISOString().slice(0, 19);
  return json(200, {
    afterHours: after,
    currencies: { crypto: "open", fx: "open" },
    earlyHours: early,
    exchanges: { nasdaq: market, nyse: market, otc: open ? "open" : "closed" },
    market,
    serverTime: `${local}${off.startsWith("-") ? "-" : "+"}${hh}:00`,
  });
}

/**
 * `/v1/marketstatus/upcoming`: a bare JSON array of the holidays and early closes in the 120 days
 * after the simulated today, per exchange (NYSE, NASDAQ); `open`/`close` only on early closes.
 */
export function upcomingRoute(ctx: RouteCtx): RouteResult {
  const out: Record<string, unknown>[] = [];
  const today = nyDate(ctx.nowMs);
  for (let k = 1; k <= 120; k++) {
    const d = new Date(Date.parse(today + "T00:00:00Z") + k * 86_400_000).toISOString().slice(
      0,
      10,
    );
    const wd = new Date(d + "T00:00:00Z").getUTCDay();
    if (wd === 0 || wd === 6) continue;
    const holiday = holidayName(d);
    const early = isEarlyClose(d);
    if (!holiday && !early) continue;
    for (const exchange of ["NYSE", "NASDAQ"]) {
      const row: Record<string, unknown> = {
        date: d,
        exchange,
        name: holiday ?? "Early Close",
        status: early ? "early-close" : "closed",
      };
      if (early) {
        const b = sessionBounds(d)!;
        row.open = b.open.toISOString();
        row.close = b.close.toISOString();
      }
      out.push(row);
    }
  }
  return json(200, out);
}

/**
 * `/v3/snapshot/indices?ticker.any_of=I:VIX,I:SPX`: index values at the simulated now; unknown
 * tickers come back inside `results` with `error: "NOT_FOUND"` (HTTP 200), as the vendor does.
 */
export function indexSnapshotRoute(ctx: RouteCtx): RouteResult {
  const w = ctx.world;
  const list = (ctx.url.searchParams.get("ticker.any_of") ?? ctx.url.searchParams.get("ticker") ??
    SIM_INDICES.join(","))
    .split(",").map((x) => x.trim()).filter(Boolean);
  const day = w.today;
  const di = w.dayIndex(day)!;
  const names: Record<string, string> = { "I:VIX": "CBOE Volatility Index", "I:SPX": "S&P 500" };
  const results = list.map((t) => {
    const m = w.indexMinuteBars(t, day);
    if (!m) return { ticker: t, error: "NOT_FOUND", message: "Ticker not found." };
    // The last minute bar completed at the simulated now.
    const k = Math.max(0, Math.min(m.length - 1, Math.floor((ctx.nowMs - m.t[0]!) / 60_000) - 1));
    const prev = di > 0 ? w.indexDayBar(t, w.days[di - 1]!)!.c[0]! : m.o[0]!;
    let hi = -Infinity, lo = Infinity;
    for (let i = 0; i <= k; i++) {
      hi = Math.max(hi, m.h[i]!);
      lo = Math.min(lo, m.l[i]!);
    }
    const value = m.c[k]!;
    return {
      market_status: "open",
      name: names[t],
      session: {
        change: Math.round((value - prev) * 100) / 100,
        change_percent: Math.round((value - prev) / prev * 1e4) / 100,
        close: value,
        high: hi,
        low: lo,
        open: m.o[0]!,
        previous_close: prev,
      },
      ticker: t,
      timeframe: "REAL-TIME",
      type: "indices",
      value,
      last_updated: BigInt(m.t[k]! + 59_000) * NS,
    };
  });
  return json(200, { results, status: "OK", request_id: ctx.requestId }, { rowsKey: "results" });
}
