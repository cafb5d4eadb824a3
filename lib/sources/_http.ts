/**
 * The shared HTTP layer every vendor connector goes through.
 *
 * - Pacing per vendor: a steady minimum interval between request starts plus uniform jitter,
 *   a sliding per-minute budget, a per-day budget (exhaustion is a permanent error), and a cap
 *   on requests in flight.
 * - Retries with exponential backoff and jitter (delay = min(max, base * 2^k) * U(0.5, 1.5)) on
 *   408/413/425/429/499/5xx, timeouts, connection resets, truncated or unparsable bodies, and
 *   vendor errors returned with HTTP 200 that the connector marks retryable (throttle bodies).
 *   `Retry-After` (seconds or HTTP date) and `X-RateLimit-Reset` (epoch seconds) are honoured and
 *   also push back the vendor's next request slot, so one 429 slows every worker.
 * - A timeout covers the whole exchange (headers and body), and a body larger than
 *   `maxBodyBytes` is cut off and fails the request for good (an endless body costs at most the
 *   cap in memory, whatever its `Content-Length` or compression says).
 * - Redirects are followed by hand (at most `maxRedirects`): a redirect to another origin drops
 *   every request header (keys travel in headers), the URL's userinfo and key-like query
 *   parameters, and is refused when its Location still carries a secret; `https` to `http` and
 *   non-http schemes are refused.
 * - Every URL that is logged, stored or put in an error goes through {@link publicUrl} (userinfo
 *   and key parameters removed) and `redact`, so keys never leave the process.
 * - Per-attempt metrics (latency, bytes, retries by reason) accumulate in {@link RequestMetrics}.
 *
 * @example
 * ```ts
 * const http = new HttpClient({ vendor: "fred", minIntervalMs: 500 });
 * const res = await http.getJson(new URL("https://api.stlouisfed.org/fred/series?series_id=X"));
 * ```
 */
import { DataError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { Rng } from "../core/random.ts";
import { containsSecret, redact, type Secret } from "../core/secret.ts";
import { RequestMetrics } from "./_metrics.ts";

/** Pacing and retry policy of one vendor. */
export interface VendorPolicy {
  /** Minimum milliseconds between request starts. @default 0 */
  minIntervalMs?: number;
  /** Extra uniform random delay in [0, jitterMs) added to each interval. @default 0 */
  jitterMs?: number;
  /** Requests allowed in any sliding 60 s window. @default Infinity */
  perMinute?: number;
  /** Requests allowed per client lifetime (a day's budget); beyond it requests fail. @default Infinity */
  perDay?: number;
  /** Requests in flight at once. @default 4 */
  concurrency?: number;
  /** Retries after the first attempt. @default 6 */
  maxRetries?: number;
  /** First backoff delay in milliseconds. @default 200 */
  backoffBaseMs?: number;
  /** Largest backoff delay in milliseconds. @default 20000 */
  backoffMaxMs?: number;
  /** Timeout for one attempt (headers and body), milliseconds. @default 30000 */
  timeoutMs?: number;
  /** Largest response body accepted, bytes (after decompression). @default 134217728 (128 MiB) */
  maxBodyBytes?: number;
  /** Redirects followed per attempt. @default 5 */
  maxRedirects?: number;
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions extends VendorPolicy {
  /** Vendor name used in logs, metrics and errors. */
  vendor: string;
  /** Secrets to scrub from URLs and bodies (they are also scrubbed globally by `redact`). */
  secrets?: Secret[];
  /** Seed of the jitter generator. @default 1 */
  seed?: number;
  /** Metrics accumulator. @default a new RequestMetrics */
  metrics?: RequestMetrics;
  /** fetch implementation (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** What a connector's check says about a parsed body. */
export interface VendorVerdict {
  /** Error text from the vendor (kept as the error's cause, redacted). */
  message: string;
  /** True for throttle bodies and transient errors worth retrying. */
  retryable: boolean;
}

/** Options of one request. */
export interface RequestOptions<T> {
  /** Request headers (secrets allowed; they are never logged). */
  headers?: Record<string, string>;
  /** Turns the body text into a value; a throw counts as a truncated body and is retried. */
  parse: (text: string) => T;
  /**
   * Turns the body bytes into a value instead of `parse`, for hot paths that scan bytes (the
   * body is then decoded to text only for errors). A throw counts as a truncated body and is
   * retried. @default undefined (`parse`)
   */
  parseBytes?: (bytes: Uint8Array) => T;
  /** Detects vendor errors inside a 2xx body; return null when the body is data. */
  check?: (value: T) => VendorVerdict | null;
  /** Statuses treated as data rather than errors (e.g. 404 meaning "no such series"). @default [] */
  acceptStatus?: number[];
  /**
   * A POST body (BLS takes its series and key as JSON). It may carry a credential, so it is
   * never logged, and a redirect of a POST to another origin is refused. @default undefined (GET)
   */
  body?: string;
}

/** A successful response. */
export interface HttpResult<T> {
  value: T;
  status: number;
  /** Request URL without secrets (safe to store as lineage). */
  url: string;
  bytes: number;
  attempts: number;
  headers: Headers;
}

/** A request that failed for good (permanent status, vendor error, or retries exhausted). */
export class HttpError extends DataError {
  readonly status: number;
  readonly url: string;
  readonly vendor: string;
  readonly retryable: boolean;
  constructor(
    vendor: string,
    url: string,
    status: number,
    message: string,
    options: { body?: string; retryable?: boolean } = {},
  ) {
    super(redact(`${vendor} request ${url} failed: ${message}`), {
      source: vendor,
      cause: options.body === undefined ? undefined : redact(options.body.slice(0, 2000)),
    });
    this.name = "HttpError";
    this.status = status;
    this.url = url;
    this.vendor = vendor;
    this.retryable = options.retryable ?? false;
  }
}

/** The per-day budget of a vendor is used up; the unit should be retried another day. */
export class BudgetExhaustedError extends HttpError {
  constructor(vendor: string, url: string, perDay: number) {
    super(vendor, url, 0, `daily request budget of ${perDay} exhausted`);
    this.name = "BudgetExhaustedError";
  }
}

const SECRET_PARAMS = new Set([
  "apikey",
  "api_key",
  "apiKey",
  "token",
  "access_token",
  "key",
  "password",
  "secret",
  "userid",
  "registrationkey",
]);

/**
 * The URL with its userinfo and secret query parameters removed (not masked: removed, so lineage
 * is stable whatever the key), then passed through `redact` for any secret embedded elsewhere.
 *
 * @example
 * ```ts
 * publicUrl("https://me:pw@x/v2?apiKey=k&limit=5"); // "https://x/v2?limit=5"
 * ```
 */
export function publicUrl(url: URL | string): string {
  const u = new URL(url.toString());
  u.username = "";
  u.password = "";
  dropSecretParams(u);
  return redact(u.toString());
}

function dropSecretParams(u: URL): void {
  for (const name of [...u.searchParams.keys()]) {
    if (SECRET_PARAMS.has(name) || SECRET_PARAMS.has(name.toLowerCase())) {
      u.searchParams.delete(name);
    }
  }
}

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/** A response that must not be used: too large, or a redirect that is refused. Never retried. */
class Refused extends Error {}

/**
 * Read a body, failing once it exceeds `cap` bytes. A declared `Content-Length` above the cap is
 * refused before reading; without one (or with a content encoding, whose decoded size the header
 * does not bound) the stream is read chunk by chunk and cancelled at the cap.
 */
async function readCapped(res: Response, cap: number): Promise<Uint8Array> {
  const declared = res.headers.get("content-length");
  const encoding = (res.headers.get("content-encoding") ?? "identity").toLowerCase();
  const n = declared === null ? NaN : Number(declared);
  if (Number.isFinite(n) && n > cap) {
    await res.body?.cancel().catch(() => {});
    throw new Refused(`response body of ${n} bytes exceeds the cap of ${cap} bytes`);
  }
  if (Number.isFinite(n) && encoding === "identity") return await res.bytes();
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel().catch(() => {});
      throw new Refused(`response body exceeds the cap of ${cap} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

const RETRY_STATUS = new Set([408, 413, 425, 429, 499, 500, 502, 503, 504]);

/** Parse Retry-After (seconds or HTTP date) or X-RateLimit-Reset (epoch s) into a delay in ms. */
export function retryAfterMs(headers: Headers, nowMs: number): number | null {
  const ra = headers.get("retry-after");
  if (ra !== null) {
    const secs = Number(ra);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const at = Date.parse(ra);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  const reset = headers.get("x-ratelimit-reset");
  if (reset !== null && headers.get("x-ratelimit-remaining") === "0") {
    const at = Number(reset) * 1000;
    if (Number.isFinite(at)) return Math.max(0, Math.min(at - nowMs, 120_000));
  }
  return null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rate-limited, retrying HTTP client for one vendor. */
export class HttpClient {
  readonly vendor: string;
  readonly metrics: RequestMetrics;
  readonly #policy: Required<VendorPolicy>;
  readonly #rng: Rng;
  readonly #fetch: typeof fetch;
  #nextSlot = 0;
  #window: number[] = [];
  #dayCount = 0;
  #inFlight = 0;
  #waiters: (() => void)[] = [];

  constructor(options: HttpClientOptions) {
    this.vendor = options.vendor;
    this.#policy = {
      minIntervalMs: options.minIntervalMs ?? 0,
      jitterMs: options.jitterMs ?? 0,
      perMinute: options.perMinute ?? Infinity,
      perDay: options.perDay ?? Infinity,
      concurrency: options.concurrency ?? 4,
      maxRetries: options.maxRetries ?? 6,
      backoffBaseMs: options.backoffBaseMs ?? 200,
      backoffMaxMs: options.backoffMaxMs ?? 20_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxBodyBytes: options.maxBodyBytes ?? 128 * 1024 * 1024,
      maxRedirects: options.maxRedirects ?? 5,
    };
    if (!(this.#policy.concurrency >= 1)) {
      throw new RangeError(`concurrency must be >= 1, got ${this.#policy.concurrency}`);
    }
    this.#rng = new Rng(options.seed ?? 1).fork(`http:${options.vendor}`);
    this.metrics = options.metrics ?? new RequestMetrics();
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The pacing policy in force (defaults filled in). */
  get policy(): Readonly<Required<VendorPolicy>> {
    return this.#policy;
  }

  async #acquire(): Promise<void> {
    if (this.#inFlight >= this.#policy.concurrency) {
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    this.#inFlight++;
  }

  #release(): void {
    this.#inFlight--;
    const w = this.#waiters.shift();
    if (w) w();
  }

  /** Reserve the next start time synchronously (no races between workers), then wait for it. */
  async #pace(url: string): Promise<void> {
    const p = this.#policy;
    if (this.#dayCount >= p.perDay) throw new BudgetExhaustedError(this.vendor, url, p.perDay);
    this.#dayCount++;
    const now = Date.now();
    let start = Math.max(now, this.#nextSlot);
    if (Number.isFinite(p.perMinute)) {
      while (this.#window.length > 0 && this.#window[0]! <= start - 60_000) this.#window.shift();
      if (this.#window.length >= p.perMinute) {
        start = Math.max(start, this.#window[this.#window.length - p.perMinute]! + 60_000);
      }
      this.#window.push(start);
    }
    const gap = p.minIntervalMs + (p.jitterMs > 0 ? this.#rng.uniform() * p.jitterMs : 0);
    this.#nextSlot = start + gap;
    if (start > now) await sleep(start - now);
  }

  #backoff(attempt: number): number {
    const p = this.#policy;
    const raw = Math.min(p.backoffMaxMs, p.backoffBaseMs * 2 ** attempt);
    return raw * (0.5 + this.#rng.uniform());
  }

  /**
   * Send a GET, following redirects by hand: same origin keeps the headers; another origin gets
   * no request headers, no userinfo and no key parameters, and is refused if its URL still holds
   * a secret. Returns the final response.
   */
  async #send(
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal,
    body?: string,
  ): Promise<Response> {
    const origin = url.origin;
    let current = url;
    let h = headers;
    let post = body;
    for (let hop = 0;; hop++) {
      const res = await this.#fetch(
        current,
        post === undefined
          ? { headers: h, signal, redirect: "manual" }
          : { method: "POST", headers: h, body: post, signal, redirect: "manual" },
      );
      if (!REDIRECT_STATUS.has(res.status)) return res;
      const loc = res.headers.get("location");
      await res.body?.cancel().catch(() => {});
      if (loc === null) throw new Refused(`HTTP ${res.status} redirect without a Location`);
      if (hop >= this.#policy.maxRedirects) {
        throw new Refused(`more than ${this.#policy.maxRedirects} redirects`);
      }
      let next: URL;
      try {
        next = new URL(loc, current);
      } catch {
        throw new Refused(`HTTP ${res.status} redirect to an unparsable Location`);
      }
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        throw new Refused(`redirect to a ${next.protocol} URL refused`);
      }
      if (current.protocol === "https:" && next.protocol === "http:") {
        throw new Refused(`redirect from https to http refused (${publicUrl(next)})`);
      }
      // 303 turns a POST into a GET; 307/308 resend the body, which may hold a credential.
      if (res.status === 303 || res.status === 301 || res.status === 302) post = undefined;
      if (post !== undefined && next.origin !== origin) {
        throw new Refused(`redirect of a POST to ${next.origin} refused: its body may hold a key`);
      }
      if (next.origin !== origin) {
        // Credentials are for the configured origin only.
        h = {};
        next.username = "";
        next.password = "";
        dropSecretParams(next);
        if (containsSecret(next.toString())) {
          throw new Refused(
            `redirect to ${next.origin} refused: its Location carries a credential`,
          );
        }
      }
      current = next;
    }
  }

  /** GET a URL (POST when `options.body` is set), parse and check the body, retrying transient failures. */
  async get<T>(url: URL, options: RequestOptions<T>): Promise<HttpResult<T>> {
    const shown = publicUrl(url);
    const p = this.#policy;
    this.metrics.requests++;
    await this.#acquire();
    try {
      for (let attempt = 0;; attempt++) {
        await this.#pace(shown);
        const t0 = performance.now();
        let status = 0;
        let reason: string;
        let detail: string;
        let body: string | undefined;
        let serverDelay: number | null = null;
        let permanent = false;
        const ctl = new AbortController();
        const timer = setTimeout(() => ctl.abort(), p.timeoutMs);
        try {
          const res = await this.#send(url, options.headers ?? {}, ctl.signal, options.body);
          status = res.status;
          const raw = await readCapped(res, p.maxBodyBytes);
          const bytes = raw.length;
          let decoded: string | undefined;
          const text = () => (decoded ??= DECODER.decode(raw));
          this.metrics.recordAttempt({ latencyMs: performance.now() - t0, bytes, status });
          if (res.ok || options.acceptStatus?.includes(status)) {
            let value: T;
            try {
              value = options.parseBytes ? options.parseBytes(raw) : options.parse(text());
            } catch (e) {
              throw new ParseFailure(e instanceof Error ? e.message : String(e), text());
            }
            const verdict = options.check?.(value) ?? null;
            if (verdict === null) {
              return {
                value,
                status,
                url: shown,
                bytes,
                attempts: attempt + 1,
                headers: res.headers,
              };
            }
            reason = "vendor_error";
            detail = verdict.message;
            body = text();
            permanent = !verdict.retryable;
          } else {
            reason = `http_${status}`;
            detail = `HTTP ${status}`;
            body = text();
            permanent = !RETRY_STATUS.has(status);
            serverDelay = retryAfterMs(res.headers, Date.now());
          }
        } catch (e) {
          if (e instanceof Refused) {
            reason = "refused";
            detail = e.message;
            permanent = true;
            this.metrics.recordAttempt({ latencyMs: performance.now() - t0, bytes: 0, status });
          } else if (e instanceof ParseFailure) {
            reason = "parse";
            detail = `unparsable body (${e.message.slice(0, 120)})`;
            body = e.text.slice(0, 500);
          } else if (ctl.signal.aborted) {
            reason = "timeout";
            detail = `no complete response within ${p.timeoutMs} ms`;
            this.metrics.recordAttempt({ latencyMs: performance.now() - t0, bytes: 0, status });
          } else {
            reason = status ? "body" : "network";
            detail = e instanceof Error ? e.message : String(e);
            this.metrics.recordAttempt({ latencyMs: performance.now() - t0, bytes: 0, status });
          }
        } finally {
          clearTimeout(timer);
        }
        if (permanent || attempt >= p.maxRetries) {
          this.metrics.failures++;
          const why = permanent ? detail : `${detail}; gave up after ${attempt + 1} attempts`;
          throw new HttpError(this.vendor, shown, status, why, {
            ...(body !== undefined ? { body } : {}),
            retryable: !permanent,
          });
        }
        let delay = this.#backoff(attempt);
        if (serverDelay !== null) {
          delay = serverDelay + this.#rng.uniform() * Math.max(1, p.jitterMs);
          this.#nextSlot = Math.max(this.#nextSlot, Date.now() + delay);
        }
        this.metrics.recordRetry({
          vendor: this.vendor,
          url: shown,
          reason,
          status,
          delayMs: delay,
        });
        log.debug("http.retry", {
          vendor: this.vendor,
          url: shown,
          reason,
          status,
          delayMs: delay,
        });
        await sleep(delay);
      }
    } finally {
      this.#release();
    }
  }

  /** GET and JSON.parse, with an optional vendor-error check. */
  getJson<T = unknown>(
    url: URL,
    options: Omit<RequestOptions<T>, "parse"> & { parse?: (text: string) => T } = {},
  ): Promise<HttpResult<T>> {
    return this.get<T>(url, { ...options, parse: options.parse ?? ((t) => JSON.parse(t) as T) });
  }
}

const DECODER = new TextDecoder();

class ParseFailure extends Error {
  readonly text: string;
  constructor(message: string, text: string) {
    super(message);
    this.text = text;
  }
}
