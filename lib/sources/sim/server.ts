/**
 * The replay server: serves a simulated world over loopback in the vendors' wire formats, with
 * seeded fault injection. All vendors share one port and are told apart by path.
 *
 * @example
 * ```ts
 * const sim = await startSimServer({ seed: 7 });
 * const r = await fetch(`${sim.baseUrl}/fred/series/observations?series_id=DGS10&file_type=json&api_key=k`);
 * await sim.close();
 * ```
 */
import { hashString } from "../../core/random.ts";
import { generateWorld, type World } from "./world.ts";
import type { WorldConfig } from "./config.ts";
import {
  type FaultKind,
  type FaultRecord,
  type FaultRule,
  type FaultSchedule,
  FaultScheduler,
} from "./faults.ts";
import { streamJson, toJson } from "./_json.ts";
import { decodeCursor, redactPath, type RouteCtx, type RouteResult } from "./_route.ts";
import { fredError, fredRoute } from "./_routes_fred.ts";
import {
  aggsRoute,
  contractsRoute,
  dividendsRoute,
  indexSnapshotRoute,
  marketStatusRoute,
  newsRoute,
  polygonError,
  snapshotRoute,
  splitsRoute,
  ticksRoute,
  upcomingRoute,
} from "./_routes_polygon.ts";
import {
  alpacaBarsRoute,
  alphaVantageRoute,
  finnhubChainRoute,
  oandaCandlesRoute,
} from "./_routes_other.ts";
import { handleWebSocket, type WsOptions } from "./_ws.ts";
import { dukascopyResponse } from "./dukascopy.ts";
import { sessionBounds } from "./_calendar.ts";
import { type MacroAnswers, matchMacroRelease } from "./macro_releases.ts";

/** Accepted keys per vendor; a vendor left out accepts any non-empty key. */
export interface SimApiKeys {
  fred?: string[];
  polygon?: string[];
  alpaca?: { keyId: string; secretKey: string }[];
  alphavantage?: string[];
  oanda?: string[];
  finnhub?: string[];
  bls?: string[];
  bea?: string[];
}

/** Requests per minute (and per day for Alpha Vantage) before the vendor's throttle answer. */
export interface SimPacing {
  fred?: number;
  polygon?: number;
  alpaca?: number;
  alphavantage?: { perMinute?: number; perDay?: number };
  oanda?: number;
  finnhub?: number;
  bls?: number;
  bea?: number;
}

export interface SimServerOptions {
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
  /** Seed (overrides `world.seed`). @default 1 */
  seed?: number;
  /** World configuration. */
  world?: WorldConfig;
  /** A pre-built world (takes precedence over `world`/`seed`). */
  worldInstance?: World;
  /** Per-route fault schedule (see faults.ts). @default {} */
  faults?: FaultSchedule;
  apiKeys?: SimApiKeys;
  pacing?: SimPacing;
  /** Simulated "now" (epoch ms). @default one minute before the last session's close */
  nowMs?: number;
  /** WebSocket replay: session date and speed (1 = real time, 10, 0 = as fast as possible). */
  ws?: WsOptions;
}

export interface RequestRecord {
  seq: number;
  method: string;
  route: string;
  /** Path with secrets replaced by ***. */
  path: string;
  status: number;
  fault?: FaultKind;
}

export interface SimServer {
  baseUrl: string;
  wsUrl: string;
  world: World;
  faultLog: FaultRecord[];
  requestLog: RequestRecord[];
  close(): Promise<void>;
}

interface Matched {
  route: string;
  vendor: "fred" | "polygon" | "alpaca" | "alphavantage" | "oanda" | "finnhub" | "bls" | "bea";
  handle: (ctx: RouteCtx) => RouteResult | Promise<RouteResult>;
  /** Fault and throttle answers of vendors whose routes live in their own module. */
  answers?: MacroAnswers;
}

function match(url: URL, keys: SimApiKeys = {}): Matched | undefined {
  const p = url.pathname;
  const macro = matchMacroRelease(url, keys);
  if (macro) return macro;
  let m: RegExpExecArray | null;
  if (p === "/fred/series/observations") {
    return {
      route: "fred.observations",
      vendor: "fred",
      handle: (c) => fredRoute(c, "fred.observations"),
    };
  }
  if (p === "/fred/series") {
    return {
      route: "fred.series",
      vendor: "fred",
      handle: (c) => fredRoute(c, "fred.series"),
    };
  }
  if (p === "/fred/series/vintagedates") {
    return {
      route: "fred.vintagedates",
      vendor: "fred",
      handle: (c) => fredRoute(c, "fred.vintagedates"),
    };
  }
  if ((m = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(p))) {
    const mm = m;
    return { route: "polygon.aggs", vendor: "polygon", handle: (c) => aggsRoute(c, mm) };
  }
  if (p === "/v3/reference/options/contracts") {
    return { route: "polygon.contracts", vendor: "polygon", handle: contractsRoute };
  }
  if ((m = /^\/v3\/snapshot\/options\/([^/]+)$/.exec(p))) {
    const u = decodeURIComponent(m[1]!);
    return { route: "polygon.snapshot", vendor: "polygon", handle: (c) => snapshotRoute(c, u) };
  }
  if ((m = /^\/v3\/(trades|quotes)\/([^/]+)$/.exec(p))) {
    const kind = m[1] as "trades" | "quotes", t = decodeURIComponent(m[2]!);
    return { route: `polygon.${kind}`, vendor: "polygon", handle: (c) => ticksRoute(c, kind, t) };
  }
  if (p === "/v2/reference/news") {
    return { route: "polygon.news", vendor: "polygon", handle: newsRoute };
  }
  if (p === "/v3/reference/splits") {
    return { route: "polygon.splits", vendor: "polygon", handle: splitsRoute };
  }
  if (p === "/v3/reference/dividends") {
    return { route: "polygon.dividends", vendor: "polygon", handle: dividendsRoute };
  }
  if (p === "/v1/marketstatus/upcoming") {
    return { route: "polygon.upcoming", vendor: "polygon", handle: upcomingRoute };
  }
  if (p === "/v3/snapshot/indices") {
    return { route: "polygon.indexsnapshot", vendor: "polygon", handle: indexSnapshotRoute };
  }
  if (p === "/v1/marketstatus/now") {
    return { route: "polygon.marketstatus", vendor: "polygon", handle: marketStatusRoute };
  }
  if (p === "/v2/stocks/bars") {
    return {
      route: "alpaca.bars",
      vendor: "alpaca",
      handle: (c) => alpacaBarsRoute(c),
    };
  }
  if ((m = /^\/v2\/stocks\/([^/]+)\/bars$/.exec(p))) {
    const s = decodeURIComponent(m[1]!);
    return { route: "alpaca.bars", vendor: "alpaca", handle: (c) => alpacaBarsRoute(c, s) };
  }
  if (p === "/query") {
    const fn = url.searchParams.get("function") ?? "";
    return { route: `alphavantage.${fn}`, vendor: "alphavantage", handle: alphaVantageRoute };
  }
  if ((m = /^\/v3\/instruments\/([^/]+)\/candles$/.exec(p))) {
    const ins = decodeURIComponent(m[1]!);
    return { route: "oanda.candles", vendor: "oanda", handle: (c) => oandaCandlesRoute(c, ins) };
  }
  if (p === "/api/v1/stock/option-chain") {
    return { route: "finnhub.optionchain", vendor: "finnhub", handle: finnhubChainRoute };
  }
  return undefined;
}

function authError(m: Matched, ctx: RouteCtx, keys: SimApiKeys): RouteResult | undefined {
  const q = ctx.url.searchParams;
  const h = ctx.req.headers;
  const bearer = (h.get("Authorization") ?? "").replace(/^Bearer\s+/i, "");
  const ok = (k: string | null | undefined, list?: string[]) => !!k && (!list || list.includes(k));
  if (m.answers) return undefined; // checked by the route (BLS keys travel in the POST body)
  switch (m.vendor) {
    case "fred": {
      const k = q.get("api_key");
      if (!k) {
        return fredError(
          400,
          "Variable api_key is not set. Read https://fred.stlouisfed.org/docs/api/api_key.html for more information.",
        );
      }
      if (!ok(k, keys.fred)) {
        return fredError(
          400,
          "The value for variable api_key is not registered. Read https://fred.stlouisfed.org/docs/api/api_key.html for more information.",
        );
      }
      return undefined;
    }
    case "polygon": {
      let k = q.get("apiKey") ?? bearer;
      if (!k && q.has("cursor")) k = "";
      if (!ok(k, keys.polygon)) {
        return polygonError(ctx, 401, k ? "Unknown API Key" : "API Key was not provided");
      }
      return undefined;
    }
    case "alpaca": {
      const id = h.get("APCA-API-KEY-ID"), sec = h.get("APCA-API-SECRET-KEY");
      const good = !!id && !!sec &&
        (!keys.alpaca || keys.alpaca.some((x) => x.keyId === id && x.secretKey === sec));
      return good
        ? undefined
        : { status: 401, json: { code: 40110000, message: "request is not authorized" } };
    }
    case "alphavantage": {
      const k = q.get("apikey");
      if (!ok(k, keys.alphavantage)) {
        return {
          status: 200,
          json: {
            "Error Message":
              "the parameter apikey is invalid or missing. Please claim your free API key on (https://www.alphavantage.co/support/#api-key). It should take less than 20 seconds.",
          },
        };
      }
      return undefined;
    }
    case "oanda":
      return ok(bearer, keys.oanda)
        ? undefined
        : { status: 401, json: { errorMessage: "Insufficient authorization to perform request." } };
    case "finnhub": {
      const k = q.get("token") ?? h.get("X-Finnhub-Token");
      return ok(k, keys.finnhub) ? undefined : { status: 401, json: { error: "Invalid API key" } };
    }
  }
}

function throttle(m: Matched, ctx: RouteCtx, retryAfter?: number): RouteResult {
  const headers: Record<string, string> = retryAfter !== undefined
    ? { "Retry-After": String(retryAfter) }
    : {};
  switch (m.vendor) {
    case "fred":
      return {
        status: 429,
        json: { error_code: 429, error_message: "Too Many Requests.  Exceeded Rate Limit" },
        headers,
      };
    case "polygon":
      return {
        status: 429,
        json: {
          status: "ERROR",
          request_id: ctx.requestId,
          error:
            "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing",
        },
        headers,
      };
    case "alpaca":
      return {
        status: 429,
        json: { message: "too many requests." },
        headers: {
          ...headers,
          "X-RateLimit-Limit": "200",
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": String(Math.ceil(Date.now() / 1000) + (retryAfter ?? 60)),
        },
      };
    case "alphavantage":
      return {
        status: 200,
        json: {
          Note:
            "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call frequency.",
        },
      };
    case "oanda":
      return { status: 429, json: { errorMessage: "Rate limit exceeded" }, headers };
    case "finnhub":
      return {
        status: 429,
        json: { error: "API limit reached. Please try again later. Remaining Limit: 0" },
        headers,
      };
    case "bls":
    case "bea":
      return m.answers!.throttle(retryAfter);
  }
}

/** The vendor's "not entitled / plan does not permit" answer. */
function notEntitled(m: Matched, ctx: RouteCtx): RouteResult {
  switch (m.vendor) {
    case "polygon":
      return {
        status: 403,
        json: {
          status: "NOT_AUTHORIZED",
          request_id: ctx.requestId,
          message:
            "You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing",
        },
      };
    case "alpaca":
      return {
        status: 403,
        json: { message: "subscription does not permit querying recent SIP data" },
      };
    case "alphavantage":
      return {
        status: 200,
        json: {
          Information:
            "Thank you for using Alpha Vantage! This is a premium endpoint. You may subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly unlock all premium endpoints",
        },
      };
    case "finnhub":
      return { status: 403, json: { error: "You don't have access to this resource." } };
    case "oanda":
      return { status: 403, json: { errorMessage: "The provided request was forbidden." } };
    case "fred":
      return {
        status: 403,
        json: {
          error_code: 403,
          error_message: "Forbidden.  The API key is not authorized for this request.",
        },
      };
    case "bls":
    case "bea":
      return m.answers!.notEntitled();
  }
}

function error200(m: Matched, ctx: RouteCtx, res: RouteResult): unknown {
  if (res.error200) return res.error200;
  if (m.answers) return m.answers.error200();
  switch (m.vendor) {
    case "fred":
      return { error_code: 500, error_message: "Internal Server Error.  Please try again." };
    case "polygon":
      return {
        status: "ERROR",
        request_id: ctx.requestId,
        error: "Internal error, please try again",
      };
    case "alphavantage":
      return {
        Information:
          "Burst pattern detected. Please consider spreading out your API requests more evenly.",
      };
    case "oanda":
      return { errorMessage: "Internal error" };
    default:
      return { message: "internal error" };
  }
}

/** Apply a row-level fault to a JSON body. Returns a description. */
function mutateRows(kind: FaultKind, res: RouteResult, seed: number): string | undefined {
  const body = res.json as Record<string, unknown> | undefined;
  if (!body || !res.rowsKey) return undefined;
  const rows = body[res.rowsKey];
  if (!Array.isArray(rows) || rows.length === 0 || typeof rows[0] !== "object") return undefined;
  const i = hashString(`${seed}:${rows.length}`) % rows.length;
  const row = rows[i] as Record<string, unknown>;
  if (kind === "schemaDrift") {
    const variant = hashString(`${seed}:v:${rows.length}`) % 3;
    if (variant === 0) {
      for (const r of rows) (r as Record<string, unknown>).sim_extra_field = "drift";
      return "extra field sim_extra_field on every row";
    }
    const keys = Object.keys(row);
    const k = keys[keys.length > 1 ? 1 : 0]!;
    for (const r of rows) {
      const rr = r as Record<string, unknown>;
      const v = rr[k];
      delete rr[k];
      if (variant === 2) rr[`${k}_renamed`] = v;
    }
    return variant === 1 ? `field ${k} missing on every row` : `field ${k} renamed to ${k}_renamed`;
  }
  if (kind === "badValues") {
    const set = (k: string, v: unknown) => {
      if (k in row) row[k] = v;
      return k in row;
    };
    const done: string[] = [];
    if ("h" in row && "l" in row && typeof row.h === "number") {
      const h = row.h;
      row.h = row.l;
      row.l = h;
      done.push("high<low");
    }
    for (const k of ["v", "size", "volume"]) {
      if (typeof row[k] === "number" && set(k, -Math.abs(row[k] as number) - 1)) {
        done.push(`negative ${k}`);
      }
    }
    if (typeof row.bid_price === "number") {
      const b = row.bid_price;
      row.bid_price = row.ask_price;
      row.ask_price = b;
      done.push("crossed quote");
    }
    if (typeof row.value === "string") {
      row.value = "NaN";
      done.push("value NaN");
    }
    for (const k of ["o", "c", "price"]) {
      if (typeof row[k] === "number") {
        row[k] = null;
        done.push(`${k} NaN as null`);
        break;
      }
    }
    const mid = row.mid as Record<string, string> | undefined;
    if (mid && typeof mid.h === "string") {
      const h = mid.h;
      mid.h = mid.l!;
      mid.l = h;
      mid.c = "NaN";
      done.push("mid high<low, close NaN");
    }
    return `row ${i}: ${done.join(", ")}`;
  }
  return undefined;
}

/** Pages with more rows than this are streamed row batch by row batch. */
const STREAM_ROWS = 2000;

/** Start the server. */
export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const world = options.worldInstance ??
    generateWorld({ ...(options.world ?? {}), seed: options.seed ?? options.world?.seed ?? 1 });
  const seed = world.config.seed;
  const faults = new FaultScheduler(seed, options.faults ?? {});
  const requestLog: RequestRecord[] = [];
  const keys = options.apiKeys ?? {};
  const pacing = options.pacing ?? {};
  const nowMs = options.nowMs ?? sessionBounds(world.today)!.close.getTime() - 60_000;
  const hits = new Map<string, number[]>();
  const controller = new AbortController();
  const listening = Promise.withResolvers<void>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let seq = 0;
  let baseUrl = "";
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const id = setTimeout(() => {
        timers.delete(id);
        resolve();
      }, ms);
      timers.add(id);
      const stop = () => {
        clearTimeout(id);
        timers.delete(id);
        resolve();
      };
      signal?.addEventListener("abort", stop, { once: true });
      controller.signal.addEventListener("abort", stop, { once: true });
    });

  const paced = (vendor: string, perMinute: number | undefined, windowMs = 60_000): boolean => {
    if (!perMinute) return false;
    const now = Date.now();
    const list = (hits.get(vendor + windowMs) ?? []).filter((t) => now - t < windowMs);
    list.push(now);
    hits.set(vendor + windowMs, list);
    return list.length > perMinute;
  };

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const n = ++seq;
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      return handleWebSocket(req, url, {
        world,
        faults,
        keys: keys.polygon,
        ws: options.ws ?? {},
        nextSeq: () => ++seq,
        signal: controller.signal,
      });
    }
    if (url.pathname.startsWith("/datafeed/")) {
      return dukascopyResponse(req, url, { world, faults, seq: n, nowMs, requestLog, sleep });
    }
    const m = match(url, keys);
    const path = redactPath(url);
    const requestId = hashString(`${seed}:${n}:${path}`).toString(16).padStart(8, "0") +
      hashString(`${n}:${path}`).toString(16).padStart(8, "0");
    const log = (status: number, route: string, fault?: FaultKind) => {
      const rec: RequestRecord = { seq: n, method: req.method, route, path, status };
      if (fault) rec.fault = fault;
      requestLog.push(rec);
    };
    if (!m) {
      log(404, "unknown");
      return new Response(
        JSON.stringify({ status: "NOT_FOUND", message: `No simulated route for ${url.pathname}` }),
        { status: 404, headers: { "content-type": "application/json" } },
      );
    }
    const ctx: RouteCtx = { world, url, req, baseUrl, requestId, nowMs };
    let res = authError(m, ctx, keys);
    if (!res) {
      const av = pacing.alphavantage;
      if (m.vendor === "alphavantage" && av) {
        if (paced("av-day", av.perDay, 86_400_000)) {
          res = {
            status: 200,
            json: {
              Information:
                "We have detected your API key as ***** and our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits.",
            },
          };
        } else if (paced("av", av.perMinute)) res = throttle(m, ctx);
      } else if (
        m.vendor !== "alphavantage" && paced(m.vendor, pacing[m.vendor] as number | undefined)
      ) {
        res = throttle(m, ctx, 60);
      }
    }
    let rule: FaultRule | undefined;
    if (!res) {
      rule = faults.next(m.route);
      try {
        res = await m.handle(ctx);
      } catch (e) {
        res = {
          status: 500,
          text: `Internal simulator error: ${(e as Error).message}`,
          contentType: "text/plain",
        };
      }
    }
    if (rule) {
      const record = (detail?: string) =>
        faults.record({
          requestSeq: n,
          route: m.route,
          kind: rule!.kind,
          path,
          ...(detail ? { detail } : {}),
        });
      switch (rule.kind) {
        case "http403":
          res = notEntitled(m, ctx);
          record();
          break;
        case "http429":
          res = throttle(m, ctx, rule.retryAfterSec);
          record(
            rule.retryAfterSec !== undefined
              ? `Retry-After ${rule.retryAfterSec}`
              : "no Retry-After",
          );
          break;
        case "http500":
        case "http502":
        case "http503": {
          const status = Number(rule.kind.slice(4));
          res = {
            status,
            text: status === 500
              ? "Internal Server Error"
              : `<html><body><h1>${status} ${
                status === 502 ? "Bad Gateway" : "Service Unavailable"
              }</h1></body></html>`,
            contentType: status === 500 ? "text/plain" : "text/html",
          };
          record();
          break;
        }
        case "slow":
          record(`delay ${rule.delayMs ?? 1500} ms`);
          await sleep(rule.delayMs ?? 1500);
          break;
        case "timeout":
          record(`held ${rule.delayMs ?? 30000} ms`);
          await sleep(rule.delayMs ?? 30000);
          log(0, m.route, rule.kind);
          return new Response(null, { status: 504 });
        case "error200":
          res = { status: 200, json: error200(m, ctx, res) };
          record();
          break;
        case "schemaDrift":
        case "badValues":
          record(mutateRows(rule.kind, res, seed + n) ?? "no rows to alter");
          break;
        case "duplicateRows":
        case "loopNextUrl": {
          const body = res.json as Record<string, unknown> | undefined;
          const pg = res.page;
          if (body && pg && body[pg.nextKey]) {
            if (rule.kind === "loopNextUrl") {
              body[pg.nextKey] = pg.urlFor(pg.current);
              record("next_url points back to this page");
            } else {
              const rows = body[res.rowsKey ?? "results"] as Record<string, unknown>[];
              const next = decodeCursor(
                new URL(body[pg.nextKey] as string).searchParams.get("cursor") ?? "",
              );
              const k = Math.min(3, rows.length - 1);
              if (next && k >= 1) {
                const rewound = { ...next };
                const pos = next[pg.posField];
                if (typeof pos === "number" && pg.posField === "pos") rewound.pos = pos - k;
                else if (typeof pos === "number") {
                  rewound[pg.posField] = pg.keyOf(rows[rows.length - k]!) as number;
                } else {rewound[pg.posField] = String(
                    BigInt(pg.keyOf(rows[rows.length - k - 1]!) as string),
                  );}
                body[pg.nextKey] = pg.urlFor(rewound);
                record(`next page repeats the last ${k} rows`);
              } else record("page too short to duplicate");
            }
          } else record("no next page; fault had no effect");
          break;
        }
        default:
          break;
      }
    }
    const r = res!;
    const headers = new Headers({
      "content-type": r.contentType ?? "application/json; charset=utf-8",
      ...(r.headers ?? {}),
    });
    log(r.status, m.route, rule?.kind);
    // Large row pages are serialized row batch by row batch as the client reads.
    const rows = r.rowsKey && r.json && typeof r.json === "object"
      ? (r.json as Record<string, unknown>)[r.rowsKey]
      : undefined;
    if (!rule && r.text === undefined && Array.isArray(rows) && rows.length > STREAM_ROWS) {
      return new Response(streamJson(r.json as Record<string, unknown>, r.rowsKey!, rows), {
        status: r.status,
        headers,
      });
    }
    const text = r.text ?? toJson(r.json);
    if (rule?.kind === "truncated") {
      faults.record({
        requestSeq: n,
        route: m.route,
        kind: "truncated",
        path,
        detail: `${Math.floor(text.length / 2)} of ${text.length} chars`,
      });
      return new Response(text.slice(0, Math.floor(text.length / 2)), {
        status: r.status,
        headers,
      });
    }
    if (rule?.kind === "reset") {
      faults.record({
        requestSeq: n,
        route: m.route,
        kind: "reset",
        path,
        detail: "connection closed after a quarter of the declared Content-Length",
      });
      // Declare the full length, send a quarter, end the stream: the client's read fails with a
      // connection error, as when a peer resets mid-body.
      const bytes = new TextEncoder().encode(text);
      headers.set("content-length", String(bytes.length));
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes.subarray(0, Math.max(1, bytes.length >> 2)));
          c.close();
        },
      });
      return new Response(body, { status: r.status, headers });
    }
    // The text as the body: Deno.serve encodes and sends it without a JS stream (large row
    // pages were streamed above).
    return new Response(text, { status: r.status, headers });
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => listening.resolve(),
    signal: controller.signal,
  }, handler);
  await listening.promise;
  const addr = server.addr as Deno.NetAddr;
  baseUrl = `http://127.0.0.1:${addr.port}`;
  return {
    baseUrl,
    wsUrl: `ws://127.0.0.1:${addr.port}`,
    world,
    faultLog: faults.log,
    requestLog,
    async close() {
      controller.abort();
      for (const t of timers) clearTimeout(t);
      await server.finished;
    },
  };
}
