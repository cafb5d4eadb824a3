/**
 * The simulated market's Dukascopy datafeed: `GET /datafeed/<INSTRUMENT>/<YYYY>/<MM0>/<DD>/<HH>h_ticks.bi5`
 * (month from 0) answers an LZMA-alone `.bi5` file of the hour's ticks, consistent with the
 * world's FX path: inside each world minute candle (mid open/high/low/close, half-spread) the
 * hour holds 4..10 ticks per minute at seeded instants, the first at the minute's open, the last
 * at its close, one at its high and one at its low, the others uniform on the tick grid between;
 * bid = mid - half-spread, ask = mid + half-spread, so M1 mid bars built from the ticks are the
 * world's minute candles (up to the division by the decimal factor). Volumes are float32 in
 * [0.0125, 5]. An hour outside every fx session is a 0-byte file; an hour after the simulated
 * "now", of a session outside the world or of an unknown instrument is a 404.
 *
 * Faults (route key `dukascopy.ticks`, or `dukascopy`): http403/429/5xx, slow, timeout as for
 * every route; `truncated` (half the bytes), `reset` (a quarter of the declared length) and
 * `error200` (a CDN's HTML error page with status 200) break the body so the client retries it;
 * `badValues` swaps bid and ask of one record (a crossed quote the client must quarantine). Row
 * faults meant for JSON pages have no effect on a binary file and are logged as such.
 */
import { compress } from "lzma1";
import { hashString, Rng } from "../../core/random.ts";
import { getCalendar } from "../../time/mod.ts";
import { BI5_RECORD_BYTES, decimalFactor, MS_PER_HOUR } from "../_dukascopy_format.ts";
import type { FaultKind, FaultScheduler } from "./faults.ts";
import { fxDayStartMs } from "./fx.ts";
import { LruCache } from "./_lru.ts";
import type { World } from "./world.ts";

/** Route key for faults and the request log. */
export const DUKASCOPY_ROUTE = "dukascopy.ticks";

/** Ticks of one hour in Dukascopy's units (points, float32 volumes). */
export interface SimHourTicks {
  ms: number[];
  askPoints: number[];
  bidPoints: number[];
  askVolume: number[];
  bidVolume: number[];
}

const CAL = getCalendar("fx");

/** World pair name of a Dukascopy instrument ("EURUSD" -> "EUR_USD"). */
function pairOf(instrument: string): string {
  return `${instrument.slice(0, 3)}_${instrument.slice(3)}`;
}

/**
 * The hour's ticks, or null when the world has no such hour (unknown pair, session outside the
 * world). An hour outside every fx session has no ticks.
 */
export function simHourTicks(
  world: World,
  instrument: string,
  hourMs: number,
): SimHourTicks | null {
  const pair = pairOf(instrument);
  if (!/^[A-Z]{6}$/.test(instrument) || !world.fx.pairs.includes(pair)) return null;
  const scale = decimalFactor(instrument);
  const empty: SimHourTicks = {
    ms: [],
    askPoints: [],
    bidPoints: [],
    askVolume: [],
    bidVolume: [],
  };
  const session = CAL.sessionDateOf(hourMs);
  if (session === null) return empty;
  const day = world.fx.day(pair, session);
  if (!day || session > world.today) return null;
  const rng = new Rng(world.config.seed).fork(`dukascopy:${instrument}:${hourMs}`);
  const k0 = Math.round((hourMs - fxDayStartMs(session)) / 60_000);
  const out = empty;
  for (let k = Math.max(0, k0); k < Math.min(k0 + 60, day.mid.length); k++) {
    const minuteMs = (k - k0) * 60_000;
    const o = Math.round(day.mid.o[k]! * scale), h = Math.round(day.mid.h[k]! * scale);
    const l = Math.round(day.mid.l[k]! * scale), c = Math.round(day.mid.c[k]! * scale);
    const half = Math.round(day.halfSpread[k]! * scale);
    const n = rng.int(4, 10);
    const at: number[] = [];
    for (let i = 0; i < n; i++) at.push(rng.int(0, 59_999));
    at.sort((a, b) => a - b);
    const iHigh = rng.int(1, n - 2);
    let iLow = rng.int(1, n - 3);
    if (iLow >= iHigh) iLow++;
    for (let i = 0; i < n; i++) {
      const mid = i === 0
        ? o
        : i === n - 1
        ? c
        : i === iHigh
        ? h
        : i === iLow
        ? l
        : l + rng.int(0, h - l);
      out.ms.push(minuteMs + at[i]!);
      out.askPoints.push(mid + half);
      out.bidPoints.push(mid - half);
      out.askVolume.push(Math.fround(rng.int(1, 400) * 0.0125));
      out.bidVolume.push(Math.fround(rng.int(1, 400) * 0.0125));
    }
  }
  return out;
}

/** 20-byte big-endian records of ticks (uncompressed `.bi5` payload). */
export function ticksToRecords(t: SimHourTicks): Uint8Array {
  const n = t.ms.length;
  const buf = new Uint8Array(n * BI5_RECORD_BYTES);
  const dv = new DataView(buf.buffer);
  for (let i = 0, o = 0; i < n; i++, o += BI5_RECORD_BYTES) {
    dv.setUint32(o, t.ms[i]!, false);
    dv.setUint32(o + 4, t.askPoints[i]!, false);
    dv.setUint32(o + 8, t.bidPoints[i]!, false);
    dv.setFloat32(o + 12, t.askVolume[i]!, false);
    dv.setFloat32(o + 16, t.bidVolume[i]!, false);
  }
  return buf;
}

/** A `.bi5` file of ticks: LZMA alone (declared size) around the records; 0 bytes when empty. */
export function encodeBi5(t: SimHourTicks): Uint8Array {
  if (t.ms.length === 0) return new Uint8Array(0);
  return compress(ticksToRecords(t), 1);
}

/** What the server shares with this route. */
export interface DukascopyRouteEnv {
  world: World;
  faults: FaultScheduler;
  seq: number;
  nowMs: number;
  requestLog: {
    seq: number;
    method: string;
    route: string;
    path: string;
    status: number;
    fault?: FaultKind;
  }[];
  sleep: (ms: number) => Promise<void>;
}

const PATH = /^\/datafeed\/([A-Za-z0-9]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})h_ticks\.bi5$/;
const files = new LruCache<string, Uint8Array>(512);

/** Serve one request under `/datafeed/` (faults applied, request logged). */
export async function dukascopyResponse(
  req: Request,
  url: URL,
  env: DukascopyRouteEnv,
): Promise<Response> {
  const path = url.pathname;
  const log = (status: number, fault?: FaultKind) =>
    env.requestLog.push({
      seq: env.seq,
      method: req.method,
      route: DUKASCOPY_ROUTE,
      path,
      status,
      ...(fault ? { fault } : {}),
    });
  const m = PATH.exec(path);
  const notFound = (why: string) => {
    log(404);
    return new Response(`<html><body><h1>404 Not Found</h1><p>${why}</p></body></html>`, {
      status: 404,
      headers: { "content-type": "text/html" },
    });
  };
  if (!m) return notFound("no such file");
  const [, ins, y, mo, d, h] = m;
  const hourMs = Date.UTC(Number(y), Number(mo), Number(d), Number(h));
  const back = new Date(hourMs);
  if (
    back.getUTCMonth() !== Number(mo) || back.getUTCDate() !== Number(d) || Number(h) > 23 ||
    hourMs + MS_PER_HOUR > env.nowMs
  ) {
    return notFound("no such hour");
  }
  const key = `${env.world.config.seed}:${ins}:${hourMs}`;
  let body: Uint8Array | undefined = files.get(key);
  if (!body) {
    const ticks = simHourTicks(env.world, ins!, hourMs);
    if (!ticks) return notFound("no such instrument or hour");
    body = encodeBi5(ticks);
    files.getOrSet(key, () => body!);
  }
  let status = 200;
  let contentType = "application/octet-stream";
  const rule = env.faults.next(DUKASCOPY_ROUTE);
  const record = (detail?: string) =>
    env.faults.record({
      requestSeq: env.seq,
      route: DUKASCOPY_ROUTE,
      kind: rule!.kind,
      path,
      ...(detail ? { detail } : {}),
    });
  let declared: number | undefined;
  if (rule) {
    switch (rule.kind) {
      case "http403":
      case "http500":
      case "http502":
      case "http503": {
        status = Number(rule.kind.slice(4));
        body = new TextEncoder().encode(`<html><body><h1>${status}</h1></body></html>`);
        contentType = "text/html";
        record();
        break;
      }
      case "http429": {
        record(
          rule.retryAfterSec !== undefined ? `Retry-After ${rule.retryAfterSec}` : "no Retry-After",
        );
        log(429, rule.kind);
        return new Response("Too Many Requests", {
          status: 429,
          headers: rule.retryAfterSec !== undefined
            ? { "Retry-After": String(rule.retryAfterSec) }
            : {},
        });
      }
      case "slow":
        record(`delay ${rule.delayMs ?? 1500} ms`);
        await env.sleep(rule.delayMs ?? 1500);
        break;
      case "timeout":
        record(`held ${rule.delayMs ?? 30000} ms`);
        await env.sleep(rule.delayMs ?? 30000);
        log(0, rule.kind);
        return new Response(null, { status: 504 });
      case "error200":
        body = new TextEncoder().encode(
          "<html><body><h1>Service temporarily unavailable</h1></body></html>",
        );
        contentType = "text/html";
        record("HTML error page with status 200");
        break;
      case "truncated":
        record(
          `${body.length >> 1} of ${body.length} bytes${body.length === 0 ? " (no effect)" : ""}`,
        );
        body = body.subarray(0, body.length >> 1);
        break;
      case "reset":
        if (body.length === 0) {
          record("empty file (no effect)");
        } else {
          declared = body.length;
          body = body.subarray(0, Math.max(1, body.length >> 2));
          record("connection closed after a quarter of the declared Content-Length");
        }
        break;
      case "badValues": {
        const ticks = simHourTicks(env.world, ins!, hourMs)!;
        const n = ticks.ms.length;
        if (n === 0) {
          record("empty file (no effect)");
          break;
        }
        const i = hashString(`${env.seq}:${path}`) % n;
        const a = ticks.askPoints[i]!;
        ticks.askPoints[i] = ticks.bidPoints[i]!;
        ticks.bidPoints[i] = a;
        body = encodeBi5(ticks);
        record(`record ${i}: bid and ask swapped (crossed quote)`);
        break;
      }
      default:
        record("no effect on a binary file");
    }
  }
  log(status, rule?.kind);
  const headers = new Headers({ "content-type": contentType });
  if (declared !== undefined) {
    headers.set("content-length", String(declared));
    const part = body;
    return new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(part);
          c.close();
        },
      }),
      { status, headers },
    );
  }
  return new Response(body.slice(), { status, headers });
}
