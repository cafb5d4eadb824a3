/**
 * Polygon/Massive WebSocket client: connect to `<wsUrl>/<feed>`, wait for `connected`,
 * authenticate (`auth_success`, or the older `success` + "authenticated"), subscribe with a
 * comma-separated `params` string, then hand every frame to the caller. On any disconnect it
 * reconnects with exponential backoff and jitter and subscribes again; the caller learns of
 * each (re)connection through `onConnect` and repairs the gap (see stream_runner.ts).
 *
 * Backoff: delay_k = min(maxMs, initialMs * 2^k) * (1 - jitter * u), u ~ U[0,1), k the number
 * of consecutive failed attempts (reset once a connection delivers data). An `auth_failed`
 * status is fatal (no retry): a wrong key does not become right by retrying.
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

/** A reconnecting WebSocket subscription. */
export class PolygonStream {
  readonly #o: PolygonStreamOptions;
  #ws: WebSocket | null = null;
  #stopped = false;
  #wake: (() => void) | null = null;
  /** Connections opened so far. */
  connections = 0;
  /** Frames delivered. */
  frames = 0;

  constructor(options: PolygonStreamOptions) {
    this.#o = options;
  }

  /** Stop: close the socket and end `run()`. */
  stop(): void {
    this.#stopped = true;
    try {
      this.#ws?.close(1000, "client stop");
    } catch { /* already closed */ }
    this.#wake?.();
  }

  /** Force a reconnect (tests, or a watchdog that saw the feed go silent). */
  dropConnection(): void {
    try {
      this.#ws?.close(4000, "client drop");
    } catch { /* already closed */ }
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
      if (wait > 0) {
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

  /** One connection: resolves true if it reached the subscribed state, false otherwise. */
  #session(attempt: number): Promise<boolean> {
    const o = this.#o;
    const url = `${o.wsUrl.replace(/\/+$/, "")}/${o.feed}`;
    return new Promise<boolean>((resolve, reject) => {
      const conn = ++this.connections;
      let state: "connecting" | "auth" | "subscribing" | "live" = "connecting";
      let subscribed = false;
      let settled = false;
      const ws = new WebSocket(url);
      this.#ws = ws;
      const timer = setTimeout(() => {
        if (state !== "live") ws.close(4001, "handshake timeout");
      }, o.handshakeMs ?? 10_000);
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(subscribed);
      };
      ws.onmessage = (m) => {
        if (typeof m.data !== "string") return;
        const text = m.data;
        if (state === "live") {
          this.frames++;
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
            ws.close(1000, "auth failed");
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
            subscribed = true;
            clearTimeout(timer);
            o.onConnect?.({ attempt, connection: conn });
          } else if (st === "max_connections") {
            log.warn("stream.max_connections", { feed: o.feed, message: msg });
          }
        }
        if (state === "live" && hasData) {
          this.frames++;
          o.onFrame(text);
        }
      };
      ws.onclose = (c) => {
        if (this.#ws === ws) this.#ws = null;
        o.onDisconnect?.({ connection: conn, reason: `${c.code} ${c.reason}`.trim() });
        finish();
      };
      ws.onerror = () => {/* onclose follows */};
    });
  }
}
