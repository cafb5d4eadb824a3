/** Private: Alpaca v2 bars, Alpha Vantage, OANDA v20 candles and Finnhub option-chain routes. */
import { aggregateBars, allocBars, type Bars } from "./bars.ts";
import { etMidnightMs } from "./spy.ts";
import { decodeCursor, encodeCursor, json, type RouteCtx, type RouteResult } from "./_route.ts";
import type { Adjustment } from "./world.ts";
import { fxDayStartMs } from "./fx.ts";
import { bsGreeks } from "./_bs.ts";
import { SPY_DIVIDEND_YIELD } from "./options.ts";

// ---------------------------------------------------------------- Alpaca

const rfc = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

function alpacaTimeframe(tf: string): { ms: number; daily: boolean } | undefined {
  const m = /^(\d+)(Min|T|Hour|H|Day|D|Week|W|Month|M)$/.exec(tf);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!;
  if (unit === "Min" || unit === "T") {
    return n >= 1 && n <= 59 ? { ms: n * 60_000, daily: false } : undefined;
  }
  if (unit === "Hour" || unit === "H") {
    return n >= 1 && n <= 23 ? { ms: n * 3_600_000, daily: false } : undefined;
  }
  if ((unit === "Day" || unit === "D") && n === 1) return { ms: 86_400_000, daily: true };
  return undefined;
}

export function alpacaBarsRoute(ctx: RouteCtx, single?: string): RouteResult {
  const q = ctx.url.searchParams;
  const w = ctx.world;
  const symbols = single ? [single] : (q.get("symbols") ?? "").split(",").filter(Boolean);
  if (symbols.length === 0) return json(400, { code: 40010001, message: "missing symbols" });
  const tf = alpacaTimeframe(q.get("timeframe") ?? "");
  if (!tf) return json(422, { code: 42210000, message: `invalid timeframe` });
  const limitRaw = q.get("limit");
  const limit = limitRaw === null ? 1000 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) {
    return json(422, { code: 42210000, message: "invalid limit: must be between 1 and 10000" });
  }
  const adjustment = (q.get("adjustment") ?? "raw") as Adjustment;
  if (!["raw", "split", "dividend", "all"].includes(adjustment)) {
    return json(422, { code: 42210000, message: "invalid adjustment" });
  }
  const parse = (v: string | null, end: boolean) => {
    if (v === null) return end ? Infinity : -Infinity;
    const ms = Date.parse(v.length === 10 ? v + "T00:00:00Z" : v);
    if (Number.isNaN(ms)) return NaN;
    return v.length === 10 && end ? ms + 86_400_000 + 5 * 3_600_000 - 1 : ms;
  };
  const startMs = parse(q.get("start"), false), endMs = parse(q.get("end"), true);
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) {
    return json(422, { code: 42210000, message: "invalid start or end" });
  }
  let pos: { s: number; t: number } = { s: 0, t: -Infinity };
  const token = q.get("page_token");
  if (token) {
    const st = decodeCursor(token);
    if (!st || typeof st.s !== "number" || typeof st.t !== "number") {
      return json(400, { code: 40010001, message: "invalid page token" });
    }
    pos = { s: st.s, t: st.t };
  }
  const desc = q.get("sort") === "desc";
  const sorted = [...new Set(symbols)].sort();
  const out: Record<string, Record<string, unknown>[]> = {};
  let count = 0;
  let next: string | null = null;
  for (let si = pos.s; si < sorted.length && next === null; si++) {
    const sym = sorted[si]!;
    const rows: Record<string, unknown>[] = [];
    const bars = barsFor(ctx, sym, tf, adjustment, startMs, endMs);
    const order = desc ? [...Array(bars.length).keys()].reverse() : [...Array(bars.length).keys()];
    for (const k of order) {
      const t = bars.t[k]!;
      if (si === pos.s && (desc ? t > pos.t && pos.t !== -Infinity : t < pos.t)) continue;
      if (count >= limit) {
        next = encodeCursor({ s: si, t });
        break;
      }
      rows.push({
        c: bars.c[k],
        h: bars.h[k],
        l: bars.l[k],
        n: bars.n[k],
        o: bars.o[k],
        t: rfc(t),
        v: bars.v[k],
        vw: Math.round(bars.vw[k]! * 1e4) / 1e4,
      });
      count++;
    }
    if (rows.length) out[sym] = rows;
    void w;
  }
  if (single) {
    return json(200, { bars: out[single] ?? [], symbol: single, next_page_token: next }, {
      rowsKey: "bars",
      error200: { message: "internal error" },
    });
  }
  return json(200, { bars: out, next_page_token: next, currency: "USD" }, {
    error200: { message: "internal error" },
  });
}

function barsFor(
  ctx: RouteCtx,
  sym: string,
  tf: { ms: number; daily: boolean },
  adj: Adjustment,
  s: number,
  e: number,
): Bars {
  const w = ctx.world;
  if (sym !== "SPY" && !w.isEquity(sym)) return allocBars(0);
  if (tf.daily) {
    const d = w.equityDailyAdjusted(sym, adj);
    const keep: number[] = [];
    for (let k = 0; k < d.length; k++) if (d.t[k]! >= s && d.t[k]! <= e) keep.push(k);
    const out = allocBars(keep.length);
    // Adjusted prices are quoted to 4 decimals, like the vendor's.
    const r4 = adj === "raw" ? (x: number) => x : (x: number) => Math.round(x * 1e4) / 1e4;
    keep.forEach((k, j) => {
      for (const key of ["t", "v", "n"] as const) out[key][j] = d[key][k]!;
      for (const key of ["o", "h", "l", "c", "vw"] as const) out[key][j] = r4(d[key][k]!);
    });
    return out;
  }
  const f = w.adjustmentFactors(sym);
  const parts: Bars[] = [];
  for (const d of w.days) {
    const mid = etMidnightMs(d);
    if (mid + 86_400_000 < s || mid > e) continue;
    const m = w.equityMinuteBars(sym, d);
    if (!m) continue;
    const agg = tf.ms === 60_000 ? m : aggregateBars(m, tf.ms, 0);
    const i = w.dayIndex(d)!;
    const fs = adj === "raw" || adj === "dividend" ? 1 : f.split[i]!;
    const fp = fs * (adj === "raw" || adj === "split" ? 1 : f.dividend[i]!);
    const out = allocBars(agg.length);
    let j = 0;
    for (let k = 0; k < agg.length; k++) {
      if (agg.t[k]! < s || agg.t[k]! > e) continue;
      out.t[j] = agg.t[k]!;
      for (const key of ["o", "h", "l", "c", "vw"] as const) {
        out[key][j] = Math.round(agg[key][k]! * fp * 1e4) / 1e4;
      }
      out.v[j] = Math.round(agg.v[k]! / fs);
      out.n[j] = agg.n[k]!;
      j++;
    }
    parts.push({
      ...out,
      length: j,
      t: out.t.subarray(0, j),
      o: out.o.subarray(0, j),
      h: out.h.subarray(0, j),
      l: out.l.subarray(0, j),
      c: out.c.subarray(0, j),
      v: out.v.subarray(0, j),
      vw: out.vw.subarray(0, j),
      n: out.n.subarray(0, j),
    });
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = allocBars(total);
  let at = 0;
  for (const p of parts) {
    for (const key of ["t", "o", "h", "l", "c", "v", "vw", "n"] as const) out[key].set(p[key], at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------- Alpha Vantage

export const AV_INVALID = (fn: string) => ({
  "Error Message":
    `Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for ${fn}.`,
});

export function alphaVantageRoute(ctx: RouteCtx): RouteResult {
  const q = ctx.url.searchParams;
  const fn = q.get("function") ?? "";
  const w = ctx.world;
  const err200 = {
    Information:
      "Thank you for using Alpha Vantage! Please contact premium@alphavantage.co if you are targeting a higher API call volume.",
  };
  if (fn === "LISTING_STATUS") {
    const date = q.get("date") ?? w.today;
    const state = q.get("state") ?? "active";
    const rows = w.listings().filter((l) => {
      if (l.ipoDate > date) return false;
      const delisted = l.delistingDate !== undefined && l.delistingDate < date;
      return state === "delisted" ? delisted : !delisted;
    }).sort((a, b) => a.ticker.localeCompare(b.ticker));
    const lines = ["symbol,name,exchange,assetType,ipoDate,delistingDate,status"];
    for (const l of rows) {
      const delisted = state === "delisted";
      lines.push(
        [
          l.ticker,
          l.name,
          l.exchange,
          l.assetType,
          l.ipoDate,
          delisted ? l.delistingDate : "null",
          delisted ? "Delisted" : "Active",
        ].join(","),
      );
    }
    return {
      status: 200,
      text: lines.join("\r\n") + "\r\n",
      contentType: "application/x-download",
      error200: err200,
    };
  }
  const symbol = q.get("symbol");
  if (fn === "SPLITS" || fn === "DIVIDENDS") {
    if (!symbol || (symbol !== "SPY" && !w.isEquity(symbol))) return json(200, AV_INVALID(fn));
    const acts = w.corporateActions().filter((a) => a.ticker === symbol);
    if (fn === "SPLITS") {
      const data = acts.flatMap((a) =>
        a.kind === "split"
          ? [{
            effective_date: a.date,
            split_factor: (a.to / a.from).toFixed(4).replace(/0+$/, "0").replace(/\.0$/, ".0"),
          }]
          : []
      ).reverse();
      return json(200, { symbol, data }, { rowsKey: "data", error200: err200 });
    }
    const data = acts.flatMap((a) =>
      a.kind === "dividend"
        ? [{
          ex_dividend_date: a.exDate,
          declaration_date: a.declarationDate ?? "None",
          record_date: a.recordDate,
          payment_date: a.payDate,
          amount: String(a.amount),
        }]
        : []
    ).reverse();
    return json(200, { symbol, data }, { rowsKey: "data", error200: err200 });
  }
  if (fn === "TIME_SERIES_DAILY_ADJUSTED") {
    if (!symbol || (symbol !== "SPY" && !w.isEquity(symbol))) return json(200, AV_INVALID(fn));
    const raw = w.equityDaily(symbol);
    const adj = w.equityDailyAdjusted(symbol, "all");
    const acts = w.corporateActions().filter((a) => a.ticker === symbol);
    const series: Record<string, Record<string, string>> = {};
    const compact = q.get("outputsize") !== "full";
    const from = compact ? Math.max(0, raw.length - 100) : 0;
    for (let k = raw.length - 1; k >= from; k--) {
      const d = raw.dates[k]!;
      const div = acts.find((a) => a.kind === "dividend" && a.exDate === d);
      const sp = acts.find((a) => a.kind === "split" && a.date === d);
      series[d] = {
        "1. open": raw.o[k]!.toFixed(4),
        "2. high": raw.h[k]!.toFixed(4),
        "3. low": raw.l[k]!.toFixed(4),
        "4. close": raw.c[k]!.toFixed(4),
        "5. adjusted close": adj.c[k]!.toFixed(4),
        "6. volume": String(raw.v[k]),
        "7. dividend amount": (div && div.kind === "dividend" ? div.amount : 0).toFixed(4),
        "8. split coefficient": (sp && sp.kind === "split" ? sp.to / sp.from : 1).toFixed(1),
      };
    }
    return json(200, {
      "Meta Data": {
        "1. Information": "Daily Time Series with Splits and Dividend Events",
        "2. Symbol": symbol,
        "3. Last Refreshed": raw.dates[raw.length - 1],
        "4. Output Size": compact ? "Compact" : "Full size",
        "5. Time Zone": "US/Eastern",
      },
      "Time Series (Daily)": series,
    }, { error200: err200 });
  }
  return json(200, { "Error Message": `This API function (${fn}) does not exist.` });
}

// ---------------------------------------------------------------- OANDA

const GRAN_MS: Record<string, number> = {
  M1: 60_000,
  M2: 120_000,
  M4: 240_000,
  M5: 300_000,
  M10: 600_000,
  M15: 900_000,
  M30: 1_800_000,
  H1: 3_600_000,
  H2: 7_200_000,
  H3: 10_800_000,
  H4: 14_400_000,
  H6: 21_600_000,
  H8: 28_800_000,
  H12: 43_200_000,
  D: 86_400_000,
};

function oandaTime(ms: number, unix: boolean): string {
  if (unix) return `${Math.floor(ms / 1000)}.000000000`;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, ".000000000Z");
}

function parseOandaTime(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  return Date.parse(v);
}

export function oandaCandlesRoute(ctx: RouteCtx, instrument: string): RouteResult {
  const q = ctx.url.searchParams;
  const w = ctx.world;
  if (!w.fx.pairs.includes(instrument)) {
    return json(400, { errorMessage: `Invalid value specified for 'instrument'` });
  }
  const gran = q.get("granularity") ?? "S5";
  const gms = GRAN_MS[gran];
  if (!gms) {
    return json(400, {
      errorMessage:
        `Invalid value specified for 'granularity': the simulator serves M1..D (got ${gran})`,
    });
  }
  const price = q.get("price") ?? "M";
  if (!/^[MBA]{1,3}$/.test(price)) {
    return json(400, { errorMessage: "Invalid value specified for 'price'" });
  }
  const countRaw = q.get("count");
  const from = q.get("from"), to = q.get("to");
  if (countRaw !== null && from !== null && to !== null) {
    return json(400, {
      errorMessage: "'count' cannot be specified when 'to' and 'from' parameters are set",
    });
  }
  const count = countRaw === null ? 500 : Number(countRaw);
  if (!Number.isInteger(count) || count < 1) {
    return json(400, { errorMessage: "Invalid value specified for 'count'" });
  }
  if (count > 5000) return json(400, { errorMessage: "Maximum value for 'count' exceeded" });
  const includeFirst = q.get("includeFirst") !== "false";
  const unix = (ctx.req.headers.get("Accept-Datetime-Format") ?? "").toUpperCase() === "UNIX";
  const fromMs = from !== null ? parseOandaTime(from) : -Infinity;
  const toMs = to !== null ? parseOandaTime(to) : ctx.nowMs;
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) {
    return json(400, { errorMessage: "Invalid value specified for 'from' or 'to'" });
  }
  // Collect candles from FX days overlapping the window.
  const candles: Record<string, unknown>[] = [];
  // FX day D starts at 17:00 New York on D-1, 2 or 3 hours before D's UTC midnight: days that
  // cannot overlap by that bound are passed over before their exact start (a zone lookup each,
  // ~0.1 ms: over a world's ~1000 days it was most of a small request).
  const days = w.fx.days.filter((d) => {
    const midnight = Date.parse(`${d}T00:00:00Z`);
    if (midnight - 2 * 3_600_000 + 86_400_000 <= fromMs || midnight - 3 * 3_600_000 > toMs) {
      return false;
    }
    return fxDayStartMs(d) + 86_400_000 > fromMs && fxDayStartMs(d) <= toMs && d <= w.today;
  });
  const backward = from === null;
  const ordered = backward ? [...days].reverse() : days;
  const want = from !== null && to !== null ? 5001 : count;
  const chunk: Record<string, unknown>[][] = [];
  let got = 0;
  for (const d of ordered) {
    if (got >= want) break;
    const day = w.fx.day(instrument, d)!;
    const origin = fxDayStartMs(d);
    const mkSide = (sgn: number) => {
      const b = allocBars(day.mid.length);
      for (let k = 0; k < day.mid.length; k++) {
        const h = sgn * day.halfSpread[k]!;
        b.t[k] = day.mid.t[k]!;
        b.o[k] = day.mid.o[k]! + h;
        b.h[k] = day.mid.h[k]! + h;
        b.l[k] = day.mid.l[k]! + h;
        b.c[k] = day.mid.c[k]! + h;
        b.v[k] = day.mid.v[k]!;
        b.n[k] = 1;
        b.vw[k] = day.mid.c[k]!;
      }
      return gms === 60_000 ? b : aggregateBars(b, gms, origin);
    };
    const mid = mkSide(0), bid = mkSide(-1), ask = mkSide(1);
    const dec = day.tick < 1e-4 ? 5 : 3;
    const rows: Record<string, unknown>[] = [];
    for (let k = 0; k < mid.length; k++) {
      const t = mid.t[k]!;
      if (t < fromMs || (t === fromMs && !includeFirst) || t > toMs) continue;
      if (t >= ctx.nowMs) continue;
      const row: Record<string, unknown> = {
        complete: t + gms <= ctx.nowMs,
        volume: mid.v[k],
        time: oandaTime(t, unix),
      };
      const ohlc = (b: Bars) => ({
        o: b.o[k]!.toFixed(dec),
        h: b.h[k]!.toFixed(dec),
        l: b.l[k]!.toFixed(dec),
        c: b.c[k]!.toFixed(dec),
      });
      if (price.includes("B")) row.bid = ohlc(bid);
      if (price.includes("M")) row.mid = ohlc(mid);
      if (price.includes("A")) row.ask = ohlc(ask);
      rows.push(row);
    }
    if (backward) rows.reverse();
    for (const r of rows) {
      if (got >= want) break;
      (chunk[0] ??= []).push(r);
      got++;
    }
  }
  const list = chunk[0] ?? [];
  if (backward) list.reverse();
  if (from !== null && to !== null && list.length > 5000) {
    return json(400, { errorMessage: "Maximum value for 'count' exceeded" });
  }
  candles.push(...list);
  return json(200, { instrument, granularity: gran, candles }, { rowsKey: "candles" });
}

// ---------------------------------------------------------------- Finnhub

export function finnhubChainRoute(ctx: RouteCtx): RouteResult {
  const q = ctx.url.searchParams;
  const w = ctx.world;
  const symbol = q.get("symbol");
  if (symbol !== "SPY") return json(200, {});
  const date = w.today;
  const expFilter = q.get("expiration");
  const spot = w.spyMinuteBars(date)!;
  const s = spot.c[spot.length - 1]!;
  const r = w.options.rateOn(date);
  const byExp = new Map<
    string,
    { CALL: Record<string, unknown>[]; PUT: Record<string, unknown>[] }
  >();
  for (const c of w.options.listed(date)) {
    if (expFilter && c.expiration !== expFilter) continue;
    const qt = w.options.quote(c, date);
    const g = bsGreeks(c.type === "call", s, c.strike, qt.t, r, SPY_DIVIDEND_YIELD, qt.iv);
    const itm = c.type === "call" ? s > c.strike : s < c.strike;
    const intrinsic = Math.max(0, c.type === "call" ? s - c.strike : c.strike - s);
    const last = Math.round((qt.bid + qt.ask) / 2 * 100) / 100;
    const oi = w.options.openInterest(c, date);
    const row = {
      contractName: c.ticker.slice(2),
      contractSize: "REGULAR",
      currency: "USD",
      type: c.type === "call" ? "CALL" : "PUT",
      inTheMoney: itm ? "TRUE" : "FALSE",
      lastTradeDateTime: `${date} 15:59:00`,
      expirationDate: c.expiration,
      strike: c.strike,
      lastPrice: last,
      bid: qt.bid,
      ask: qt.ask,
      change: 0,
      changePercent: 0,
      volume: Math.round(oi * 0.1),
      openInterest: oi,
      impliedVolatility: Math.round(qt.iv * 1e4) / 100,
      delta: round4(g.delta),
      gamma: round4(g.gamma),
      theta: round4(g.theta),
      vega: round4(g.vega),
      rho: 0,
      theoretical: round4(g.price),
      intrinsicValue: round4(intrinsic),
      timeValue: round4(last - intrinsic),
      updatedAt: `${date} 16:10:00`,
      daysBeforeExpiration: Math.round((Date.parse(c.expiration) - Date.parse(date)) / 86_400_000),
    };
    let e = byExp.get(c.expiration);
    if (!e) byExp.set(c.expiration, e = { CALL: [], PUT: [] });
    e[row.type as "CALL" | "PUT"].push(row);
  }
  const data = [...byExp.entries()].map(([exp, o]) => {
    const sum = (xs: Record<string, unknown>[], k: string) =>
      xs.reduce((a, x) => a + (x[k] as number), 0);
    const pv = sum(o.PUT, "volume"),
      cv = sum(o.CALL, "volume"),
      poi = sum(o.PUT, "openInterest"),
      coi = sum(o.CALL, "openInterest");
    const atm = o.CALL.reduce(
      (b, x) => Math.abs((x.strike as number) - s) < Math.abs((b.strike as number) - s) ? x : b,
      o.CALL[0]!,
    );
    return {
      expirationDate: exp,
      impliedVolatility: atm.impliedVolatility,
      putVolume: pv,
      callVolume: cv,
      putCallVolumeRatio: cv ? round4(pv / cv) : 0,
      putOpenInterest: poi,
      callOpenInterest: coi,
      putCallOpenInterestRatio: coi ? round4(poi / coi) : 0,
      optionsCount: o.CALL.length + o.PUT.length,
      options: o,
    };
  });
  return json(200, { code: "SPY", exchange: "US", lastTradeDate: date, lastTradePrice: s, data }, {
    rowsKey: "data",
  });
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
