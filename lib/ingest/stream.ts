/**
 * Polygon/Massive WebSocket client: connect to `<wsUrl>/<feed>`, wait for `connected`,
 * authenticate (`auth_success`, or the older `success` + "authenticated"), subscribe with a
 * comma-separated `params` string, then hand every frame to the caller. On any disconnect it
 * reconnects with exponential backoff and jitter and subscribes again; the caller learns of
 * each (re)connection through `onConnect` and repairs the gap (see stream_runner.ts).
 *
 * Backoff: delay_k = min(maxMs, initialMs * 2^k) * (1 - jitter * u), u ~ U[0,1), k the number
 * of consecutive failed attempts (a connection that delivered no data frame counts as failed;
 * one that did resets k). An `auth_failed` status is fatal (no retry): a wrong key does not
 * become right by retrying.
 *
 * A connection can go half-open: the server (or a NAT on the way) stops sending without closing,
 * and a close handshake is then never answered. Two guards:
 * - the watchdog: no frame at all (data or status) for `silenceMs` while `isLive()` says the
 *   feed should be sending drops the connection and reconnects (with the backoff above);
 * - every close (stop, watchdog, handshake timeout, `dropConnection`) waits at most
 *   `closeTimeoutMs` for the close handshake, then abandons the socket (its handlers are
 *   detached, so nothing it might still deliver is taken) and the client moves on.
 *
 * @see /work/shared/reference/vendor-formats.md, "WebSocket"
 */
import { Rng } from "../core/random.ts";
import type { Secret } from "../core/secret.ts";
import { log } from "../core/log.ts";
import type { Feed } from "./stream_events.ts";

/** Authentication was refused by the server. */
export class StreamAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamAuthError";
  }
}

/** Options of {@link PolygonStream}. */
export interface PolygonStreamOptions {
  /** WebSocket base URL, e.g. `wss://socket.massive.com` or `ws://127.0.0.1:8080`. */
  wsUrl: string;
  feed: Feed;
  apiKey: Secret;
  /** Subscriptions such as `AM.SPY`, `T.O:SPY240621C00450000`, `V.I:VIX`. */
  subscriptions: string[];
  /** First reconnect delay. @default 250 */
  backoffInitialMs?: number;
  /** Largest reconnect delay. @default 30000 */
  backoffMaxMs?: number;
  /** Fraction of the delay removed at random. @default 0.5 */
  jitter?: number;
  /** Give up after this many consecutive failed attempts. @default Infinity */
  maxAttempts?: number;
  /** Handshake timeout (connected + auth + subscribe ack). @default 10000 */
  handshakeMs?: number;
  /** Seed of the jitter. @default 1 */
  seed?: number;
  /**
   * Called with the text of every data frame after subscription (a JSON array of events,
   * normally). Frames are not parsed here: the caller spools the text first, then parses it.
   */
  onFrame: (text: string) => void;
  /** Called after each successful subscription (`attempt` 0 is the first connection). */
  onConnect?: (info: { attempt: number; connection: number }) => void;
  /** Called when a connection ends (before any reconnect delay). */
  onDisconnect?: (info: { connection: number; reason: string }) => void;
  /**
   * Watchdog: drop a subscribed connection after this long without any frame while `isLive`
   * says the feed should be sending. @default Infinity (no watchdog)
   */
  silenceMs?: number;
  /** Whether the feed should be sending at an instant (epoch ms). @default always */
  isLive?: (nowMs: number) => boolean;
  /** Called when the watchdog drops a silent connection. */
  onSilence?: (info: { connection: number; silentMs: number }) => void;
  /** Longest wait for a close handshake before the socket is abandoned. @default 2000 */
  closeTimeoutMs?: number;
  /** Epoch-ms clock given to `isLive` (tests). @default Date.now */
  now?: () => number;
}

/** The connection in progress: what `dropConnection` and the watchdog act on. */
interface Current {
  ws: WebSocket;
  connection: number;
  /** A close was requested; the abandon timer runs. */
  closing: boolean;
  abandonTimer: ReturnType<typeof setTimeout> | null;
  /** Give up on the socket: detach its handlers and end the session now. */
  abandon: () => void;
}

/** Reconnect delay for `k` consecutive failures; `u` uniform in [0,1). */
export function backoffDelay(
  k: number,
  u: number,
  options: { initialMs?: number; maxMs?: number; jitter?: number } = {},
): number {
  const base = Math.min(options.maxMs ?? 30_000, (options.initialMs ?? 250) * 2 ** k);
  return base * (1 - (options.jitter ?? 0.5) * u);
}

/**
 * A reconnecting WebSocket subscription with a silence watchdog and bounded closes.
 *
 * @example
 * ```ts
 * const s = new PolygonStream({ wsUrl, feed: "stocks", apiKey, subscriptions: ["A.SPY"],
 *   silenceMs: 30_000, onFrame: (text) => console.log(text.length) });
 * const done = s.run();
 * setTimeout(() => s.stop(), 60_000); // run() resolves within closeTimeoutMs of the stop
 * await done;
 * ```
 */
export class PolygonStream {
  readonly #o: PolygonStreamOptions;
  #cur: Current | null = null;
  #stopped = false;
  #wake: (() => void) | null = null;
  /** Connections opened so far. */
  connections = 0;
  /** Frames delivered. */
  frames = 0;
  /** Connections dropped by the watchdog. */
  watchdogDrops = 0;
  /** Sockets abandoned because their close handshake was not answered in time. */
  abandoned = 0;

  constructor(options: PolygonStreamOptions) {
    this.#o = options;
  }

  /** Stop: close the socket (abandoned after `closeTimeoutMs`) and end `run()`. */
  stop(): void {
    this.#stopped = true;
    this.#close(1000, "client stop");
    this.#wake?.();
  }

  /**
   * Force a reconnect (the watchdog, or a caller that saw the feed go silent). The socket is
   * abandoned if its close handshake does not complete within `closeTimeoutMs`.
   */
  dropConnection(): void {
    this.#close(4000, "client drop");
  }

  #close(code: number, reason: string): void {
    const cur = this.#cur;
    if (!cur) return;
    cur.closing = true;
    try {
      cur.ws.close(code, reason);
    } catch { /* already closed */ }
    cur.abandonTimer ??= setTimeout(cur.abandon, this.#o.closeTimeoutMs ?? 2000);
  }

  /** Connect and keep reconnecting until `stop()`; rejects on an auth failure. */
  async run(): Promise<void> {
    const rng = new Rng(this.#o.seed ?? 1);
    let failures = 0;
    let attempt = 0;
    while (!this.#stopped) {
      const delivered = await this.#session(attempt).catch((e) => {
        if (e instanceof StreamAuthError) throw e;
        log.warn("stream.connect_failed", { feed: this.#o.feed, error: String(e?.message ?? e) });
        return false;
      });
      attempt++;
      if (this.#stopped) break;
      failures = delivered ? 0 : failures + 1;
      if (failures >= (this.#o.maxAttempts ?? Infinity)) {
        throw new Error(
          `Cannot stream ${this.#o.feed}: ${failures} consecutive connection attempts failed`,
        );
      }
      const wait = delivered ? 0 : backoffDelay(failures - 1, rng.uniform(), {
        initialMs: this.#o.backoffInitialMs,
        maxMs: this.#o.backoffMaxMs,
        jitter: this.#o.jitter,
      });
      if (wait > 0 && !this.#stopped) {
        await new Promise<void>((res) => {
          const id = setTimeout(res, wait);
          this.#wake = () => {
            clearTimeout(id);
            res();
          };
        });
        this.#wake = null;
      }
    }
  }

  /** One connection: resolves true if it delivered a data frame, false otherwise. */
  #session(attempt: number): Promise<boolean> {
    const o = this.#o;
    const url = `${o.wsUrl.replace(/\/+$/, "")}/${o.feed}`;
    return new Promise<boolean>((resolve, reject) => {
      const conn = ++this.connections;
      let state: "connecting" | "auth" | "subscribing" | "live" = "connecting";
      let delivered = false;
      let settled = false;
      let lastFrameAt = performance.now();
      const ws = new WebSocket(url);
      const silenceMs = o.silenceMs ?? Infinity;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(watchdog);
        if (cur.abandonTimer !== null) clearTimeout(cur.abandonTimer);
        if (this.#cur === cur) this.#cur = null;
        if (err) reject(err);
        else resolve(delivered);
      };
      const cur: Current = {
        ws,
        connection: conn,
        closing: false,
        abandonTimer: null,
        abandon: () => {
          if (settled) return;
          // The close handshake was not answered (a half-open connection): stop listening to
          // this socket altogether and let the run loop reconnect or end.
          ws.onmessage = null;
          ws.onclose = null;
          ws.onerror = null;
          this.abandoned++;
          log.warn("stream.socket_abandoned", { feed: o.feed, connection: conn });
          o.onDisconnect?.({ connection: conn, reason: "abandoned: close not answered" });
          finish();
        },
      };
      this.#cur = cur;
      if (this.#stopped) this.#close(1000, "client stop");
      const timer = setTimeout(() => {
        if (state !== "live" && this.#cur === cur) this.#close(4001, "handshake timeout");
      }, o.handshakeMs ?? 10_000);
      const watchdog = Number.isFinite(silenceMs)
        ? setInterval(() => {
          if (state !== "live" || cur.closing) return;
          const silent = performance.now() - lastFrameAt;
          if (silent <= silenceMs || !(o.isLive?.((o.now ?? Date.now)()) ?? true)) return;
          this.watchdogDrops++;
          log.warn("stream.silent", { feed: o.feed, connection: conn, silent_ms: silent });
          o.onSilence?.({ connection: conn, silentMs: silent });
          this.#close(4002, "watchdog: feed silent");
        }, Math.max(20, Math.min(1000, silenceMs / 4)))
        : undefined;
      ws.onmessage = (m) => {
        if (typeof m.data !== "string") return;
        lastFrameAt = performance.now();
        const text = m.data;
        if (state === "live") {
          this.frames++;
          delivered = true;
          o.onFrame(text);
          return;
        }
        let arr: unknown;
        try {
          arr = JSON.parse(text);
        } catch {
          log.warn("stream.bad_frame", { feed: o.feed, bytes: text.length });
          return;
        }
        const events = Array.isArray(arr) ? arr : [arr];
        let hasData = false;
        for (const e of events) {
          const ev = e as Record<string, unknown> | null;
          if (!ev || ev.ev !== "status") {
            hasData = true;
            continue;
          }
          const st = String(ev.status);
          const msg = String(ev.message ?? "");
          if (st === "auth_failed") {
            this.#close(1000, "auth failed");
            finish(new StreamAuthError(`Cannot stream ${o.feed}: authentication failed (${msg})`));
            return;
          }
          if (state === "connecting" && st === "connected") {
            state = "auth";
            ws.send(JSON.stringify({ action: "auth", params: o.apiKey.reveal() }));
          } else if (
            state === "auth" && (st === "auth_success" || (st === "success" && /auth/i.test(msg)))
          ) {
            state = "subscribing";
            ws.send(JSON.stringify({ action: "subscribe", params: o.subscriptions.join(",") }));
          } else if (state === "subscribing" && st === "success") {
            state = "live";
            clearTimeout(timer);
            o.onConnect?.({ attempt, connection: conn });
          } else if (st === "max_connections") {
            log.warn("stream.max_connections", { feed: o.feed, message: msg });
          }
        }
        if (state === "live" && hasData) {
          this.frames++;
          delivered = true;
          o.onFrame(text);
        }
      };
      ws.onclose = (c) => {
        o.onDisconnect?.({ connection: conn, reason: `${c.code} ${c.reason}`.trim() });
        finish();
      };
      ws.onerror = () => {/* onclose follows */};
    });
  }
}
