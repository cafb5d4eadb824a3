/**
 * A loopback market that replays a list of WebSocket events in the Polygon/Massive wire format,
 * with a fault schedule, and serves the REST aggregates of the same events for gap repair. It is
 * the test double of the stream client and the engine of `deno task simulate` (replaying a lake
 * day for rehearsals).
 *
 * WebSocket: `ws://host:port/<feed>` speaks the handshake of vendor-formats.md (connected,
 * auth, subscribe with a comma-separated params string, acks) and sends JSON-array frames of
 * 1..frameSize events filtered by the subscriptions (`AM.SPY`, `A.*`).
 * REST: `GET /v2/aggs/ticker/{T}/range/1/{second|minute}/{from}/{to}` (ms or YYYY-MM-DD, both
 * inclusive) from the `A`/`AM` events; `GET /v2/reference/news` from the given articles.
 *
 * The market has one cursor per feed. Unpaced (`speed` absent) it advances only while a client
 * is subscribed, as fast as the socket drains; paced, event time advances `speed` times faster
 * than the wall clock from the first subscription, whether or not a client listens.
 * Faults (seeded): every `disconnectEvery` events the socket is closed and the next
 * `skipOnDisconnect` events are lost (the market moves on while the client is away); every
 * `duplicateEvery` events one is sent twice; every `reorderEvery` events two neighbours swap.
 * Silent-feed faults (issue 23), placed by event time:
 * - `halfOpen`: at `at` the connection goes half-open: the server stops sending without closing
 *   and the TCP stream is frozen both ways by a loopback proxy in front of the WebSocket (so the
 *   client's close frame is never answered, as on a dead NAT mapping); the events of
 *   [at, at + lostMs) are lost (the market moves on while the client is deaf). A new connection
 *   is served normally from there.
 * - `withhold`: events of [from, to) are not sent, the connection staying up (a hole inside a
 *   live connection).
 * - `restOmitNEvery`: the REST aggregates omit `n` on every bar whose window start in seconds is
 *   a multiple of it (the vendor's spec makes `n` optional).
 */
import { Rng } from "../core/random.ts";
import { nyDate } from "../time/mod.ts";
import type { Feed } from "./stream_events.ts";

/** Fault schedule of the replay market. */
export interface ReplayFaults {
  /** Close the socket after every this many events sent. @default Infinity (never) */
  disconnectEvery?: number;
  /** Events lost at each disconnect. @default 0 */
  skipOnDisconnect?: number;
  /** Send one event twice every this many events. @default Infinity */
  duplicateEvery?: number;
  /** Swap two neighbouring events every this many events. @default Infinity */
  reorderEvery?: number;
  /** Half-open connections: at event time `at` (ms), silence without a close; `lostMs` lost. */
  halfOpen?: { at: number; lostMs: number }[];
  /** Event-time spans [from, to) (ms) not sent although the connection stays up. */
  withhold?: { from: number; to: number }[];
  /** REST aggregates omit `n` when floor(t / 1000) is a multiple of this. @default never */
  restOmitNEvery?: number;
}

/** What the faults did. */
export interface FaultLog {
  disconnects: number;
  skipped: number;
  duplicates: number;
  reorders: number;
  /** Connections turned half-open, and the events lost with them. */
  halfOpens: number;
  halfOpenLost: number;
  /** Events withheld inside a live connection. */
  withheld: number;
  /** REST bars served without `n`. */
  restWithoutN: number;
}

/** Options of {@link startReplayServer}. */
export interface ReplayServerOptions {
  /** Events per feed, sorted by event time (`s` for aggregates, `t` otherwise). */
  events: Partial<Record<Feed, Record<string, unknown>[]>>;
  /** Articles served by `/v2/reference/news` (Polygon news wire rows). @default [] */
  news?: Record<string, unknown>[];
  /** Accepted API key. @default "test-key" */
  apiKey?: string;
  /** Port (0 = any free port). @default 0 */
  port?: number;
  /** Largest number of events in one frame. @default 20 */
  frameSize?: number;
  /** Replay speed (event-time ms per wall ms); absent = as fast as the socket drains. */
  speed?: number;
  faults?: ReplayFaults;
  /** Seed of frame sizes and fault placement. @default 7 */
  seed?: number;
  /** Pre-serialised frames per feed (benchmarks; replaces `events` on the socket). */
  frames?: Partial<Record<Feed, string[]>>;
}

/** A running replay market. */
export interface ReplayServer {
  baseUrl: string;
  wsUrl: string;
  faultLog: FaultLog;
  /** Events (or pre-serialised frames) sent per feed. */
  sent: Record<string, number>;
  /** True once every feed's cursor reached its end. */
  finished(): boolean;
  /** Pause or resume the market (a paused feed sends nothing: a stall). */
  pause(paused: boolean): void;
  close(): Promise<void>;
}

function eventTime(e: Record<string, unknown>): number {
  return (typeof e.s === "number" && (e.ev === "A" || e.ev === "AM") ? e.s : e.t) as number;
}

function eventSym(e: Record<string, unknown>): string {
  return String(e.ev === "V" ? e.T : e.sym);
}

function matches(subs: Set<string>, e: Record<string, unknown>): boolean {
  const ev = String(e.ev);
  return subs.has(`${ev}.${eventSym(e)}`) || subs.has(`${ev}.*`);
}

/** Start the replay market on loopback. */
export function startReplayServer(options: ReplayServerOptions): ReplayServer {
  const key = options.apiKey ?? "test-key";
  const frameSize = options.frameSize ?? 20;
  const faults = options.faults ?? {};
  const rng = new Rng(options.seed ?? 7);
  const faultLog: FaultLog = {
    disconnects: 0,
    skipped: 0,
    duplicates: 0,
    reorders: 0,
    halfOpens: 0,
    halfOpenLost: 0,
    withheld: 0,
    restWithoutN: 0,
  };
  const halfOpen = [...(faults.halfOpen ?? [])].sort((a, b) => a.at - b.at);
  const withhold = faults.withhold ?? [];
  const sent: Record<string, number> = {};
  const cursor: Record<string, number> = {};
  const feeds = new Set<string>([
    ...Object.keys(options.events),
    ...Object.keys(options.frames ?? {}),
  ]);
  for (const f of feeds) {
    cursor[f] = 0;
    sent[f] = 0;
  }
  let paused = false;
  let closed = false;
  let pacedStart: number | null = null;
  const sockets = new Set<WebSocket>();
  let proxy: FreezableProxy | null = null;
  const ac = new AbortController();

  const total = (f: string) =>
    options.frames?.[f as Feed]?.length ?? options.events[f as Feed]?.length ?? 0;

  async function pump(ws: WebSocket, feed: string, subs: Set<string>) {
    const events = options.events[feed as Feed] ?? [];
    const frames = options.frames?.[feed as Feed];
    const t0 = events.length ? eventTime(events[0]!) : 0;
    let sinceDisconnect = 0;
    let sinceDup = 0;
    let sinceReorder = 0;
    while (!closed && ws.readyState === WebSocket.OPEN) {
      if (paused || cursor[feed]! >= total(feed)) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      if (ws.bufferedAmount > 8 << 20) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (frames) {
        // Benchmark mode: pre-serialised frames, no faults.
        const end = Math.min(frames.length, cursor[feed]! + 64);
        for (let i = cursor[feed]!; i < end; i++) ws.send(frames[i]!);
        sent[feed] = sent[feed]! + (end - cursor[feed]!);
        cursor[feed] = end;
        await new Promise((r) => setTimeout(r, 0));
        continue;
      }
      let n = 1 + Math.floor(rng.uniform() * frameSize);
      if (options.speed !== undefined) {
        pacedStart ??= performance.now();
        const limitT = t0 + (performance.now() - pacedStart) * options.speed;
        // Events whose time passed while nobody listened are lost, as on a live feed.
        const c = cursor[feed]!;
        let avail = 0;
        while (c + avail < events.length && eventTime(events[c + avail]!) <= limitT) avail++;
        if (avail === 0) {
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        n = Math.min(n, avail);
      }
      const start = cursor[feed]!;
      const batch: Record<string, unknown>[] = [];
      let i = start;
      let disconnect = false;
      let deaf = false;
      while (i < events.length && batch.length < n) {
        const te = eventTime(events[i]!);
        if (halfOpen.length && te >= halfOpen[0]!.at) {
          const h = halfOpen.shift()!;
          while (i < events.length && eventTime(events[i]!) < h.at + h.lostMs) {
            i++;
            faultLog.halfOpenLost++;
          }
          deaf = true;
          break;
        }
        const e = events[i++]!;
        if (withhold.some((w) => te >= w.from && te < w.to)) {
          faultLog.withheld++;
          continue;
        }
        sinceDisconnect++;
        sinceDup++;
        sinceReorder++;
        if (matches(subs, e)) {
          batch.push(e);
          if (sinceDup >= (faults.duplicateEvery ?? Infinity)) {
            sinceDup = 0;
            batch.push(e);
            faultLog.duplicates++;
          }
          if (sinceReorder >= (faults.reorderEvery ?? Infinity) && batch.length >= 2) {
            sinceReorder = 0;
            const k = batch.length - 1;
            [batch[k], batch[k - 1]] = [batch[k - 1]!, batch[k]!];
            faultLog.reorders++;
          }
        }
        if (sinceDisconnect >= (faults.disconnectEvery ?? Infinity)) {
          disconnect = true;
          break;
        }
      }
      cursor[feed] = i;
      if (batch.length) {
        ws.send(JSON.stringify(batch));
        sent[feed] = sent[feed]! + batch.length;
      }
      if (deaf) {
        // Half-open: let what was sent reach the client, then freeze the TCP stream both ways
        // and never send or close on this socket again.
        faultLog.halfOpens++;
        while (ws.bufferedAmount > 0 && !closed) await new Promise((r) => setTimeout(r, 1));
        await new Promise((r) => setTimeout(r, 20));
        proxy?.freezeAll();
        return;
      }
      if (disconnect) {
        const skip = Math.min(faults.skipOnDisconnect ?? 0, events.length - cursor[feed]!);
        cursor[feed] = cursor[feed]! + skip;
        faultLog.skipped += skip;
        faultLog.disconnects++;
        ws.close(1012, "fault: disconnect");
        return;
      }
      if (options.speed === undefined) await new Promise((r) => setTimeout(r, 0));
    }
  }

  function handleWs(req: Request, feed: string): Response {
    const { socket, response } = Deno.upgradeWebSocket(req);
    let authed = false;
    const subs = new Set<string>();
    let pumping = false;
    socket.onopen = () => {
      sockets.add(socket);
      socket.send(JSON.stringify([{
        ev: "status",
        status: "connected",
        message: "Connected Successfully",
      }]));
    };
    socket.onclose = () => sockets.delete(socket);
    socket.onmessage = (m) => {
      let msg: { action?: string; params?: string };
      try {
        msg = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (msg.action === "auth") {
        if (msg.params === key) {
          authed = true;
          socket.send(
            JSON.stringify([{ ev: "status", status: "auth_success", message: "authenticated" }]),
          );
        } else {
          socket.send(JSON.stringify([{
            ev: "status",
            status: "auth_failed",
            message: "authentication failed",
          }]));
          socket.close(1008, "auth failed");
        }
      } else if (msg.action === "subscribe" && authed) {
        for (const p of String(msg.params ?? "").split(",")) if (p) subs.add(p.trim());
        socket.send(JSON.stringify([{
          ev: "status",
          status: "success",
          message: `subscribed to: ${msg.params}`,
        }]));
        if (!pumping && feeds.has(feed)) {
          pumping = true;
          pump(socket, feed, subs).catch(() => {});
        }
      }
    };
    return response;
  }

  function aggs(url: URL, m: RegExpMatchArray): Response {
    if (url.searchParams.get("apiKey") !== key) {
      return Response.json({ status: "ERROR", error: "Unknown API Key" }, { status: 401 });
    }
    const [, ticker, mult, span, from, to] = m;
    const ev = span === "second" ? "A" : span === "minute" ? "AM" : null;
    if (!ev || mult !== "1") {
      return Response.json({ status: "ERROR", error: "unsupported aggregate" }, { status: 400 });
    }
    const tick = decodeURIComponent(ticker!);
    const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
    const inRange = (t: number) => {
      const lo = isDate(from!) ? nyDate(t) >= from! : t >= Number(from);
      const hi = isDate(to!) ? nyDate(t) <= to! : t <= Number(to);
      return lo && hi;
    };
    const results: Record<string, unknown>[] = [];
    for (const list of Object.values(options.events)) {
      for (const e of list ?? []) {
        if (e.ev !== ev || e.sym !== tick || !inRange(e.s as number)) continue;
        const r: Record<string, unknown> = { t: e.s, o: e.o, h: e.h, l: e.l, c: e.c };
        if (e.v !== undefined) r.v = e.v;
        if (e.vw !== undefined) r.vw = e.vw;
        const omitN = faults.restOmitNEvery !== undefined &&
          Math.floor((e.s as number) / 1000) % faults.restOmitNEvery === 0;
        if (e.n !== undefined && !omitN) r.n = e.n;
        if (omitN) faultLog.restWithoutN++;
        results.push(r);
      }
    }
    results.sort((a, b) => (a.t as number) - (b.t as number));
    const body: Record<string, unknown> = {
      ticker: tick,
      adjusted: true,
      queryCount: results.length,
      resultsCount: results.length,
      status: "OK",
      request_id: "replay",
    };
    if (results.length) body.results = results;
    return Response.json(body);
  }

  function news(url: URL): Response {
    if (url.searchParams.get("apiKey") !== key) {
      return Response.json({ status: "ERROR", error: "Unknown API Key" }, { status: 401 });
    }
    const ticker = url.searchParams.get("ticker");
    const gte = url.searchParams.get("published_utc.gte");
    const results = (options.news ?? []).filter((a) =>
      (!ticker || (a.tickers as string[] | undefined)?.includes(ticker)) &&
      (!gte || String(a.published_utc) >= gte)
    );
    return Response.json({ status: "OK", count: results.length, results });
  }

  const server = Deno.serve({
    port: options.port ?? 0,
    hostname: "127.0.0.1",
    signal: ac.signal,
    onListen: () => {},
  }, (req) => {
    const url = new URL(req.url);
    if (req.headers.get("upgrade") === "websocket") {
      return handleWs(req, url.pathname.replace(/^\/+/, ""));
    }
    const m = url.pathname.match(
      /^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/(\w+)\/([^/]+)\/([^/]+)$/,
    );
    if (m) return aggs(url, m);
    if (url.pathname === "/v2/reference/news") return news(url);
    return Response.json({ status: "NOT_FOUND", message: "no route" }, { status: 404 });
  });
  const port = (server.addr as Deno.NetAddr).port;
  proxy = halfOpen.length ? startFreezableProxy(port) : null;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${proxy?.port ?? port}`,
    faultLog,
    sent,
    finished: () => [...feeds].every((f) => cursor[f]! >= total(f)),
    pause: (p) => {
      paused = p;
    },
    close: async () => {
      closed = true;
      for (const s of sockets) {
        try {
          s.close(1001, "server closing");
        } catch { /* closed */ }
      }
      ac.abort();
      await proxy?.close();
      await server.finished;
    },
  };
}

/** A loopback TCP proxy whose open connections can be frozen (bytes dropped both ways). */
interface FreezableProxy {
  port: number;
  freezeAll(): void;
  close(): Promise<void>;
}

function startFreezableProxy(upstreamPort: number): FreezableProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<{ a: Deno.Conn; b: Deno.Conn; frozen: boolean }>();
  const tasks: Promise<void>[] = [];
  const pipe = async (from: Deno.Conn, to: Deno.Conn, link: { frozen: boolean }) => {
    const buf = new Uint8Array(1 << 16);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        if (link.frozen) continue; // read and dropped: the peer never hears of it
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch { /* closed */ }
    if (!link.frozen) {
      try {
        to.closeWrite();
      } catch { /* closed */ }
    }
  };
  const accepting = (async () => {
    for await (const a of listener) {
      let b: Deno.Conn;
      try {
        b = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
      } catch {
        a.close();
        continue;
      }
      const link = { a, b, frozen: false };
      open.add(link);
      tasks.push(
        Promise.all([pipe(a, b, link), pipe(b, a, link)]).then(() => {
          open.delete(link);
          for (const c of [a, b]) {
            try {
              c.close();
            } catch { /* closed */ }
          }
        }),
      );
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    freezeAll: () => {
      for (const l of open) l.frozen = true;
    },
    close: async () => {
      try {
        listener.close();
      } catch { /* closed */ }
      for (const l of open) {
        for (const c of [l.a, l.b]) {
          try {
            c.close();
          } catch { /* closed */ }
        }
      }
      await accepting;
      await Promise.all(tasks);
    },
  };
}
