/**
 * A small loopback server speaking the documented wire formats of Polygon (aggs, option
 * contracts), FRED (observations, vintagedates, series), OANDA (candles) and Alpha Vantage,
 * with deterministic data and a fault schedule, for focused connector and engine tests.
 * Every fault served is appended to `faults` so tests can reconcile it with client retries.
 */
import { sessionBounds } from "../../lib/time/mod.ts";

export const FAKE_KEY = "FAKEKEY0123456789abcdefSECRET42";

/** Faults the server can inject on a request. */
export type Fault =
  | "429"
  | "500"
  | "503"
  | "truncate"
  | "error200"
  | "timeout"
  | "reset"
  | "loop";

export interface FixtureOptions {
  /** Fault for the n-th request (0-based) of a path family, or null. */
  faultAt?: (n: number, path: string) => Fault | null;
  /** Rows per page for paged endpoints. @default 200 */
  pageSize?: number;
  /** Page index (per listing) whose next_url repeats the previous cursor, once per listing. */
  loopAfterPage?: number;
  /** Ticker/date pairs that get one malformed bar (`"o": "bad"`). */
  malformed?: (ticker: string, date: string) => boolean;
  /** Bars with an OHLC inconsistency (low above high). */
  inconsistent?: (ticker: string, date: string) => boolean;
  /** Milliseconds a timeout fault stalls. @default 3000 */
  stallMs?: number;
}

export interface Fixture {
  baseUrl: string;
  faults: { n: number; path: string; fault: Fault }[];
  requests: string[];
  served: { bars: Map<string, number> };
  close(): Promise<void>;
}

/** Deterministic minute bars of a ticker on a session date (the regular session). */
export function minuteBars(ticker: string, date: string): Record<string, unknown>[] {
  const b = sessionBounds(date);
  if (!b) return [];
  const open = b.open.getTime();
  const n = (b.close.getTime() - open) / 60_000;
  const seed = [...ticker].reduce((s, c) => s + c.charCodeAt(0), 0) + Number(date.slice(8, 10));
  const out: Record<string, unknown>[] = [];
  let px = 100 + (seed % 50);
  for (let i = 0; i < n; i++) {
    const o = Math.round(px * 100) / 100;
    const c = Math.round((px + Math.sin(seed + i) * 0.05) * 100) / 100;
    out.push({
      v: 1000 + ((seed * 7 + i * 13) % 500),
      vw: Math.round(((o + c) / 2) * 10000) / 10000,
      o,
      c,
      h: Math.max(o, c) + 0.02,
      l: Math.min(o, c) - 0.02,
      t: open + i * 60_000,
      n: 10 + (i % 7),
    });
    px = c;
  }
  return out;
}

function dayBar(ticker: string, date: string): Record<string, unknown> | null {
  const bars = minuteBars(ticker, date);
  if (bars.length === 0) return null;
  const t = Date.parse(date + "T05:00:00Z"); // ET midnight in winter (the fixture's months)
  const hs = bars.map((b) => b.h as number), ls = bars.map((b) => b.l as number);
  return {
    o: bars[0]!.o,
    c: bars.at(-1)!.c,
    h: Math.max(...hs),
    l: Math.min(...ls),
    v: bars.reduce((s, b) => s + (b.v as number), 0),
    vw: bars[0]!.vw,
    n: 1000,
    t,
  };
}

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (
    let d = Date.parse(from + "T00:00:00Z");
    d <= Date.parse(to + "T00:00:00Z");
    d += 86_400_000
  ) {
    out.push(new Date(d).toISOString().slice(0, 10));
  }
  return out;
}

/** FRED fixture data: series X with 3 observations, revised in vintages. */
export const FRED_VINTAGES = ["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10"];
export function fredRows(rtStart: string, rtEnd: string): Record<string, string>[] {
  // Truth: obs 2023-12-01 = 1.0 from v0, revised to 1.1 at v2; obs 2024-01-01 = "." at v1,
  // 2.0 from v3; obs 2024-02-01 = 3.0 from v2.
  const truth = [
    { date: "2023-12-01", value: "1.0", rs: "2024-01-10", re: "2024-03-09" },
    { date: "2023-12-01", value: "1.1", rs: "2024-03-10", re: "9999-12-31" },
    { date: "2024-01-01", value: ".", rs: "2024-02-10", re: "2024-04-09" },
    { date: "2024-01-01", value: "2.0", rs: "2024-04-10", re: "9999-12-31" },
    { date: "2024-02-01", value: "3.0", rs: "2024-03-10", re: "9999-12-31" },
  ];
  const out: Record<string, string>[] = [];
  for (const r of truth) {
    const s = r.rs > rtStart ? r.rs : rtStart;
    const e = r.re < rtEnd ? r.re : rtEnd;
    if (s <= e) out.push({ realtime_start: s, realtime_end: e, date: r.date, value: r.value });
  }
  return out;
}

/** Start the fixture server on a free loopback port. */
export function startFixture(options: FixtureOptions = {}): Fixture {
  const pageSize = options.pageSize ?? 200;
  const counters = new Map<string, number>();
  const faults: Fixture["faults"] = [];
  const requests: string[] = [];
  const served = { bars: new Map<string, number>() };
  const looped = new Set<string>();
  const ac = new AbortController();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    requests.push(url.pathname + url.search);
    const family = url.pathname.split("/").slice(0, 4).join("/");
    const n = counters.get(family) ?? 0;
    counters.set(family, n + 1);
    const fault = options.faultAt?.(n, family) ?? null;
    const key = url.searchParams.get("apiKey") ?? url.searchParams.get("api_key") ??
      url.searchParams.get("apikey") ??
      req.headers.get("authorization")?.replace("Bearer ", "");
    if (key !== FAKE_KEY) {
      return Response.json({ status: "ERROR", error: "Unknown API Key" }, { status: 401 });
    }
    if (fault) {
      faults.push({ n, path: family, fault });
      if (fault === "429") {
        return Response.json({
          status: "ERROR",
          error: "You've exceeded the maximum requests per minute",
        }, {
          status: 429,
          headers: { "retry-after": "0" },
        });
      }
      if (fault === "500" || fault === "503") {
        return new Response("oops", { status: Number(fault) });
      }
      if (fault === "timeout") {
        await new Promise((r) => {
          const id = setTimeout(r, options.stallMs ?? 3000);
          timers.add(id);
        });
        return new Response("late", { status: 504 });
      }
      if (fault === "reset") {
        // A body that errors midway: the connection is cut.
        const stream = new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('{"results":[{"t":'));
            c.error(new Error("reset"));
          },
        });
        return new Response(stream, {
          status: 200,
          headers: { "content-type": "application/json" },
        });
      }
    }
    const body = route(url);
    if (body === null) return Response.json({ error: "not found" }, { status: 404 });
    if (fault === "error200") {
      return Response.json(
        url.pathname.startsWith("/fred")
          ? { error_code: 500, error_message: "Internal Server Error.  Try again" }
          : { status: "ERROR", request_id: "x", error: "Internal error, please retry" },
      );
    }
    let text = JSON.stringify(body);
    if (fault === "truncate") text = text.slice(0, Math.floor(text.length / 2));
    return new Response(text, { headers: { "content-type": "application/json" } });
  };

  const route = (url: URL): unknown => {
    const p = url.pathname;
    let m = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/1\/(minute|day)\/([\d-]+)\/([\d-]+)$/.exec(p);
    if (m) {
      const ticker = decodeURIComponent(m[1]!);
      const span = m[2]!;
      const fromMs = /^\d+$/.test(m[3]!) ? Number(m[3]) : -Infinity;
      const fromDay = fromMs > -Infinity
        ? new Date(fromMs - 5 * 3_600_000).toISOString().slice(0, 10)
        : m[3]!;
      let all: Record<string, unknown>[] = [];
      for (const d of days(fromDay, m[4]!)) {
        if (span === "minute") {
          const bars = minuteBars(ticker, d).map((b) => ({ ...b }));
          if (options.malformed?.(ticker, d) && bars.length > 5) bars[5]!.o = "bad";
          if (options.inconsistent?.(ticker, d) && bars.length > 7) {
            bars[7]!.l = (bars[7]!.h as number) + 1;
          }
          all.push(...bars);
        } else {
          const b = dayBar(ticker, d);
          if (b) all.push(b);
        }
      }
      all = all.filter((b) => (b.t as number) >= fromMs);
      const offset = Number(url.searchParams.get("cursor") ?? "0");
      const page = all.slice(offset, offset + pageSize);
      for (const b of page) {
        served.bars.set(`${ticker}|${b.t}`, (served.bars.get(`${ticker}|${b.t}`) ?? 0) + 1);
      }
      const next = offset + pageSize < all.length ? offset + pageSize : null;
      const loopKey = `${p}|${offset}`;
      const loop = options.loopAfterPage !== undefined &&
        offset / pageSize === options.loopAfterPage &&
        next !== null && !looped.has(loopKey);
      if (loop) {
        looped.add(loopKey);
        faults.push({ n: -1, path: "/v2/aggs", fault: "loop" });
      }
      const body: Record<string, unknown> = {
        ticker,
        adjusted: true,
        queryCount: page.length,
        resultsCount: page.length,
        status: "OK",
        request_id: "r",
      };
      if (page.length) body.results = page;
      if (next !== null) {
        // Vendor next_url names the production host and omits the key.
        body.next_url = `https://api.massive.com${p}?cursor=${
          loop ? Math.max(0, offset - pageSize) : next
        }`;
      }
      return body;
    }
    m = /^\/v3\/reference\/options\/contracts$/.exec(p);
    if (m) {
      const u = url.searchParams.get("underlying_ticker")!;
      const asOf = url.searchParams.get("as_of")!;
      const lo = Number(url.searchParams.get("strike_price.gte"));
      const hi = Number(url.searchParams.get("strike_price.lte"));
      const results = [];
      for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) {
        for (const cp of ["C", "P"]) {
          const exp = "240119";
          results.push({
            ticker: `O:${u}${exp}${cp}${String(k * 1000).padStart(8, "0")}`,
            underlying_ticker: u,
            contract_type: cp === "C" ? "call" : "put",
            exercise_style: "american",
            expiration_date: "2024-01-19",
            strike_price: k,
            shares_per_contract: 100,
            primary_exchange: "BATO",
            cfi: "OCASPS",
          });
        }
      }
      void asOf;
      return { status: "OK", request_id: "c", results };
    }
    if (p === "/fred/series/vintagedates") {
      return { count: FRED_VINTAGES.length, offset: 0, limit: 10000, vintage_dates: FRED_VINTAGES };
    }
    if (p === "/fred/series/observations") {
      const rs = url.searchParams.get("realtime_start")!;
      const re = url.searchParams.get("realtime_end")!;
      const inside = FRED_VINTAGES.filter((v) => v >= rs && v <= re).length;
      if (inside > 2) {
        return {
          error_code: 400,
          error_message:
            `Bad Request.  There are ${inside} vintage dates in the specified real-time period: ${rs} to ${re}.  This exceeds the maximum number of vintage dates allowed for this file type (2).`,
        };
      }
      const rows = fredRows(rs, re);
      return { count: rows.length, offset: 0, limit: 100000, observations: rows };
    }
    return null;
  };

  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    async (req) => {
      const res = await handler(req);
      // FRED's cap error is a 400.
      if (new URL(req.url).pathname === "/fred/series/observations") {
        const t = await res.clone().text();
        if (t.includes("error_code") && t.includes("maximum number of vintage")) {
          return new Response(t, { status: 400, headers: { "content-type": "application/json" } });
        }
      }
      return res;
    },
  );
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    faults,
    requests,
    served,
    async close() {
      for (const t of timers) clearTimeout(t);
      ac.abort();
      await server.finished;
    },
  };
}
