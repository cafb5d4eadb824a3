/**
 * Polygon.io / Massive REST connector: aggregates (stocks, indices `I:`, options `O:`), option
 * contract discovery (point in time via `as_of`), option chain snapshots, trades and quotes with
 * exact nanosecond timestamps, news with sentiment, splits, dividends and market status.
 *
 * Pagination follows `next_url` with the key re-applied (the cursor URL omits it) and stops on a
 * missing `next_url` or a cursor seen before (loops are reported on the options snapshot).
 * Each page parser returns typed wire columns plus the rows that failed the zod row schema.
 *
 * @see /work/shared/reference/vendor-formats.md section 2 and massive-rest-openapi.json
 */
import pl from "nodejs-polars";
import polarsNative from "nodejs-polars/bin/internals/polars_internal.js";
import { z } from "zod";
import type { Secret } from "../core/secret.ts";
import { DataError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { releaseScan, scanAggs, type ScannedAggs } from "./_aggs_scan.ts";
import { HttpClient, type HttpClientOptions, publicUrl, type VendorVerdict } from "./_http.ts";
import {
  F64Builder,
  isNum,
  quoteBigInts,
  type Rejected,
  sampleFields,
  zodReason,
} from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

/** Wire row of `/v2/aggs/...` (stocks; indices lack v, vw, n). */
export const PolygonAggSchema = z.object({
  t: z.number().int(),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number().optional(),
  vw: z.number().optional(),
  n: z.number().optional(),
  otc: z.boolean().optional(),
});

/**
 * Wire row of stock and option aggregates: volume required. The vendor's spec requires only
 * `o, h, l, c, v, t` (massive-rest-openapi.json, `/v2/aggs/ticker/...` results): `vw` and `n`
 * may be absent and are then stored as null, as on the live path (WsAggSchema), never rejected.
 */
export const PolygonStockAggSchema = PolygonAggSchema.extend({
  v: z.number(),
});

/** Envelope shared by list endpoints. */
export const PolygonEnvelopeSchema = z.object({
  status: z.string().optional(),
  request_id: z.string().optional(),
  results: z.array(z.unknown()).optional(),
  next_url: z.string().optional(),
  resultsCount: z.number().optional(),
  count: z.number().optional(),
}).loose();

/** Wire row of `/v3/reference/options/contracts`. */
export const PolygonContractSchema = z.object({
  ticker: z.string(),
  underlying_ticker: z.string(),
  contract_type: z.enum(["call", "put", "other"]),
  exercise_style: z.string().optional(),
  expiration_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  strike_price: z.number(),
  shares_per_contract: z.number().optional(),
  primary_exchange: z.string().optional(),
  cfi: z.string().optional(),
}).loose();

/** Wire row of `/v3/trades/{ticker}` (ns timestamps arrive as quoted strings after pre-parse). */
export const PolygonTradeSchema = z.object({
  sip_timestamp: z.string().regex(/^\d+$/),
  participant_timestamp: z.string().regex(/^\d+$/).optional(),
  trf_timestamp: z.string().regex(/^\d+$/).optional(),
  price: z.number(),
  size: z.number(),
  exchange: z.number().int().optional(),
  id: z.string().optional(),
  conditions: z.array(z.number()).optional(),
  sequence_number: z.number().optional(),
  tape: z.number().optional(),
}).loose();

/** Wire row of `/v3/quotes/{ticker}`. */
export const PolygonQuoteSchema = z.object({
  sip_timestamp: z.string().regex(/^\d+$/),
  participant_timestamp: z.string().regex(/^\d+$/).optional(),
  bid_price: z.number(),
  ask_price: z.number(),
  bid_size: z.number(),
  ask_size: z.number(),
  bid_exchange: z.number().optional(),
  ask_exchange: z.number().optional(),
  sequence_number: z.number().optional(),
  tape: z.number().optional(),
}).loose();

/** Wire row of `/v2/reference/news`. */
export const PolygonNewsSchema = z.object({
  id: z.string(),
  title: z.string(),
  published_utc: z.string(),
  author: z.string().optional(),
  article_url: z.string().optional(),
  description: z.string().optional(),
  publisher: z.object({ name: z.string() }).loose().optional(),
  tickers: z.array(z.string()).optional(),
  insights: z.array(
    z.object({
      ticker: z.string(),
      sentiment: z.string(),
      sentiment_reasoning: z.string().optional(),
    }).loose(),
  ).optional(),
}).loose();

/** Wire row of `/v3/reference/splits`. */
export const PolygonSplitSchema = z.object({
  ticker: z.string(),
  execution_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  split_from: z.number().positive(),
  split_to: z.number().positive(),
  id: z.string().optional(),
}).loose();

/** Wire row of `/v3/reference/dividends`. */
export const PolygonDividendSchema = z.object({
  ticker: z.string(),
  ex_dividend_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  cash_amount: z.number(),
  currency: z.string().optional(),
  declaration_date: z.string().optional(),
  record_date: z.string().optional(),
  pay_date: z.string().optional(),
  frequency: z.number().optional(),
  dividend_type: z.string().optional(),
  id: z.string().optional(),
}).loose();

/** Wire row of the options chain snapshot (nested objects flattened by the parser). */
export const PolygonSnapshotSchema = z.object({
  details: z.object({
    ticker: z.string(),
    contract_type: z.string(),
    expiration_date: z.string(),
    strike_price: z.number(),
  }).loose(),
  implied_volatility: z.number().optional(),
  open_interest: z.number().optional(),
  greeks: z.object({
    delta: z.number().optional(),
    gamma: z.number().optional(),
    theta: z.number().optional(),
    vega: z.number().optional(),
  }).loose().optional(),
  day: z.object({}).loose().optional(),
  last_quote: z.object({}).loose().optional(),
  underlying_asset: z.object({}).loose().optional(),
}).loose();

/** Aggregate timespans. */
export type Timespan = "second" | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "year";

/** Options of {@link PolygonClient}. */
export interface PolygonClientOptions {
  /** Base URL. @default https://api.massive.com */
  baseUrl?: string;
  /** API key (sent as `apiKey` query parameter, re-applied on every next_url). */
  apiKey: Secret;
  /** Shared HTTP client. @default a client with the Polygon paid-tier policy */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
  /** Stop after this many pages of one listing (a loop guard of last resort). @default 10000 */
  maxPages?: number;
}

/** One page: the parsed frame of wire columns, rejected rows, and the public URL it came from. */
export interface WirePage {
  url: string;
  frame: pl.DataFrame;
  rejected: Rejected[];
  /** Field types in a sample of the page's rows (schema-drift input). */
  fields: Record<string, string>;
}

/** Polygon's vendor-error check for 200 bodies: `status: "ERROR"` and friends. */
export function polygonVerdict(body: unknown): VendorVerdict | null {
  if (Array.isArray(body) || body === null || typeof body !== "object") return null;
  const b = body as Record<string, unknown>;
  const status = typeof b.status === "string" ? b.status : "";
  if (status === "OK" || status === "DELAYED" || status === "") {
    if (typeof b.error === "string" && !("results" in b)) {
      return { message: b.error, retryable: true };
    }
    return null;
  }
  const message = String(b.error ?? b.message ?? status);
  if (status === "NOT_AUTHORIZED" || status === "NOT_FOUND") return { message, retryable: false };
  return { message: `${status}: ${message}`, retryable: true };
}

/**
 * Parse one aggregates page into typed columns (the hot path: no per-row objects kept).
 * `requireVolume` (stocks and options, not indices) makes `v` required, so a row that lost it is
 * rejected rather than stored with a silent null; `vw` and `n` are optional (null when absent)
 * as the vendor's spec says.
 */
export function parseAggPage(
  body: unknown,
  ticker: string,
  requireVolume = !ticker.startsWith("I:"),
): {
  frame: pl.DataFrame;
  rejected: Rejected[];
  nextUrl: string | undefined;
  fields: Record<string, string>;
} {
  const env = PolygonEnvelopeSchema.parse(body);
  const rows = env.results ?? [];
  const n = rows.length;
  const t = new F64Builder(n), o = new F64Builder(n), h = new F64Builder(n);
  const l = new F64Builder(n), c = new F64Builder(n), v = new F64Builder(n);
  const vw = new F64Builder(n), cnt = new F64Builder(n);
  const rejected: Rejected[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i] as Record<string, unknown> | null;
    if (
      r === null || typeof r !== "object" || !Number.isSafeInteger(r.t) || !isNum(r.o) ||
      !isNum(r.h) || !isNum(r.l) || !isNum(r.c) ||
      (r.v !== undefined && !isNum(r.v)) || (r.vw !== undefined && !isNum(r.vw)) ||
      (r.n !== undefined && !isNum(r.n)) ||
      (requireVolume && r.v === undefined)
    ) {
      rejected.push({
        index: i,
        reason: zodReason(requireVolume ? PolygonStockAggSchema : PolygonAggSchema, r),
        payload: JSON.stringify(r),
      });
      continue;
    }
    t.push(r.t as number);
    o.push(r.o as number);
    h.push(r.h as number);
    l.push(r.l as number);
    c.push(r.c as number);
    v.push(r.v === undefined ? NaN : r.v as number);
    vw.push(r.vw === undefined ? NaN : r.vw as number);
    cnt.push(r.n === undefined ? NaN : r.n as number);
  }
  const frame = pl.DataFrame([
    pl.Series("t", t.finish()).cast(pl.Int64),
    pl.Series("o", o.finish()),
    pl.Series("h", h.finish()),
    pl.Series("l", l.finish()),
    pl.Series("c", c.finish()),
    pl.Series("v", v.finish()),
    pl.Series("vw", vw.finish()),
    pl.Series("n", cnt.finish()),
  ]).withColumns(
    pl.lit(ticker).alias("ticker"),
    // With `requireVolume` a fast row has v (the others went to the slow path); vw and n may
    // be absent (NaN here, null in the frame).
    ...(requireVolume ? [] : [pl.col("v").fillNan(pl.lit(null))]),
    pl.col("vw").fillNan(pl.lit(null)),
    pl.col("n").fillNan(pl.lit(null)).cast(pl.Int64),
  );
  return { frame, rejected, nextUrl: env.next_url, fields: sampleFields(rows) };
}

function strCol(rows: Record<string, unknown>[], key: string): (string | null)[] {
  return rows.map((r) => typeof r[key] === "string" ? r[key] as string : null);
}
function numCol(rows: Record<string, unknown>[], key: string): (number | null)[] {
  return rows.map((r) => isNum(r[key]) ? r[key] as number : null);
}
function get(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Split rows into schema-valid rows and rejected records. */
function validate(
  rows: unknown[],
  schema: z.ZodType,
): { ok: Record<string, unknown>[]; rejected: Rejected[] } {
  const ok: Record<string, unknown>[] = [];
  const rejected: Rejected[] = [];
  rows.forEach((r, index) => {
    const res = schema.safeParse(r);
    if (res.success) ok.push(r as Record<string, unknown>);
    else {
      const issue = res.error.issues[0]!;
      rejected.push({
        index,
        reason: `${issue.path.join(".") || "(row)"}: ${issue.message}`,
        payload: JSON.stringify(r),
      });
    }
  });
  return { ok, rejected };
}

const NS_KEYS = ["sip_timestamp", "participant_timestamp", "trf_timestamp", "last_updated"];

/** REST client for Polygon/Massive. */
export class PolygonClient {
  readonly http: HttpClient;
  readonly #base: string;
  readonly #key: Secret;
  readonly #maxPages: number;

  constructor(options: PolygonClientOptions) {
    this.#base = options.baseUrl ?? "https://api.massive.com";
    this.#key = options.apiKey;
    this.#maxPages = options.maxPages ?? 10_000;
    this.http = options.http ?? new HttpClient({
      vendor: "polygon",
      concurrency: 8,
      secrets: [options.apiKey],
      ...options.httpOptions,
    });
  }

  #url(path: string, params: Record<string, string | number | boolean | undefined>): URL {
    const u = joinUrl(this.#base, path);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined) u.searchParams.set(k, String(v));
    }
    return u;
  }

  #withKey(u: URL): URL {
    const k = new URL(u);
    k.searchParams.set("apiKey", this.#key.reveal());
    return k;
  }

  /**
   * Follow `next_url` pages from a first URL, yielding each parsed body with its public URL.
   * The key is re-applied to every cursor URL; a repeated cursor ends the listing.
   */
  async *pages(
    first: URL,
    parse: (text: string) => unknown = JSON.parse,
    resume?: (body: unknown) => URL | null,
    parseBytes?: (bytes: Uint8Array) => unknown,
  ): AsyncGenerator<{ body: unknown; url: string }> {
    const origin = new URL(this.#base).origin;
    const seen = new Set<string>([first.toString()]);
    let current: URL = first;
    let count = 0;
    let loops = 0;
    for (;;) {
      const res = await this.http.get(this.#withKey(current), {
        parse,
        check: polygonVerdict,
        ...(parseBytes ? { parseBytes } : {}),
      });
      checkPageLimit(res.value, current, res.url);
      const nu = get(res.value, "next_url");
      let next: URL | null = null;
      if (typeof nu === "string" && nu !== "") {
        const cand = new URL(nu, this.#base);
        // A vendor next_url may name the production host: keep the configured one.
        next = cand.origin === origin ? cand : joinUrl(this.#base, cand.pathname);
        next.search = cand.search;
        next.searchParams.delete("apiKey");
      }
      if (next && seen.has(next.toString())) {
        // Repeated cursor: ask for the same page again (a one-off loop heals); a persistent
        // loop ends the listing rather than spinning forever.
        this.http.metrics.recordRetry({
          vendor: "polygon",
          url: res.url,
          reason: "cursor_loop",
          status: res.status,
          delayMs: 0,
        });
        const fresh = resume?.(res.value) ?? null;
        if (fresh && !seen.has(fresh.toString())) {
          // Restart the listing after the last row received (aggs: from = last t + 1 ms).
          yield { body: res.value, url: res.url };
          count++;
          seen.add(fresh.toString());
          current = fresh;
          loops = 0;
          continue;
        }
        if (++loops <= 2) continue;
        log.warn("polygon.cursor_loop", { url: res.url, next: publicUrl(next) });
        next = null;
      }
      loops = 0;
      yield { body: res.value, url: res.url };
      count++;
      if (!next || count >= this.#maxPages) break;
      seen.add(next.toString());
      current = next;
    }
  }

  /**
   * Aggregate bars for a stock (`SPY`), index (`I:VIX`) or option (`O:SPY...`) ticker.
   * `from`/`to` are YYYY-MM-DD or epoch ms. Yields one typed page at a time.
   */
  async *aggs(
    ticker: string,
    multiplier: number,
    timespan: Timespan,
    from: string | number,
    to: string | number,
    options: { adjusted?: boolean; limit?: number } = {},
  ): AsyncGenerator<WirePage> {
    const u = this.#url(
      `v2/aggs/ticker/${pathTicker(ticker)}/range/${multiplier}/${timespan}/${from}/${to}`,
      {
        adjusted: ticker.startsWith("I:") ? undefined : options.adjusted ?? true,
        sort: "asc",
        limit: options.limit ?? 50_000,
      },
    );
    const requireVolume = !ticker.startsWith("I:");
    const resume = (body: unknown): URL | null => {
      const scan = (body as { __scan?: ScannedAggs }).__scan;
      if (!scan || scan.t.length === 0) return null;
      const last = scan.t[scan.t.length - 1]!;
      const r = new URL(u);
      r.pathname = r.pathname.replace(
        /\/range\/(\d+)\/(\w+)\/[^/]+\/([^/]+)$/,
        `/range/$1/$2/${last + 1}/$3`,
      );
      return r;
    };
    const parse = (body: string | Uint8Array) => {
      const scan = scanAggs(body, requireVolume);
      return { ...scan.envelope, __scan: scan };
    };
    const bound = aggsRowBound(multiplier, timespan, from, to);
    let received = 0;
    for await (const p of this.pages(u, parse, resume, parse)) {
      const scan = (p.body as { __scan: ScannedAggs }).__scan;
      received += scan.t.length + scan.odd.length;
      if (received > bound) {
        releaseScan(scan);
        throw new DataError(
          `Polygon returned ${received} bars for ${ticker} ${multiplier}/${timespan} ` +
            `${from}..${to} (${p.url}); that range holds at most ${bound} bars`,
          { source: "polygon", dataset: `aggs_${timespan}` },
        );
      }
      // The common page (integer t and n, no absent field, no odd row) is built in one go; the
      // rest is finished in Polars' threads by a lazy plan.
      const direct = directFrame(scan, ticker);
      if (direct) {
        releaseScan(scan); // copied into Polars: its columns can take a later page
        yield { url: p.url, frame: direct, rejected: [], fields: sampleFields(scan.sample) };
        continue;
      }
      const { plan, rejected, fields } = scanPlan(scan, ticker, requireVolume);
      releaseScan(scan);
      yield { url: p.url, frame: await plan.collect(), rejected, fields };
    }
  }

  /**
   * Option contracts listed for `underlying` as of a date (point in time: `as_of` with
   * `expired=false` lists the contracts live on that date, including ones that have expired
   * since), optionally within a strike band and an expiry window.
   */
  async *optionContracts(underlying: string, options: {
    asOf: string;
    strikeMin?: number;
    strikeMax?: number;
    expiryMin?: string;
    expiryMax?: string;
    contractType?: "call" | "put";
    /** Ask for contracts that had already expired as of `asOf`. @default false */
    expired?: boolean;
  }): AsyncGenerator<WirePage> {
    const u = this.#url("v3/reference/options/contracts", {
      underlying_ticker: underlying,
      as_of: options.asOf,
      expired: options.expired ?? false,
      "strike_price.gte": options.strikeMin,
      "strike_price.lte": options.strikeMax,
      "expiration_date.gte": options.expiryMin,
      "expiration_date.lte": options.expiryMax,
      contract_type: options.contractType,
      sort: "ticker",
      order: "asc",
      limit: 1000,
    });
    for await (const p of this.pages(u)) {
      const rows = PolygonEnvelopeSchema.parse(p.body).results ?? [];
      const { ok, rejected } = validate(rows, PolygonContractSchema);
      const frame = pl.DataFrame({
        ticker: strCol(ok, "ticker"),
        underlying_ticker: strCol(ok, "underlying_ticker"),
        contract_type: strCol(ok, "contract_type"),
        exercise_style: strCol(ok, "exercise_style"),
        expiration_date: strCol(ok, "expiration_date"),
        strike_price: numCol(ok, "strike_price"),
        shares_per_contract: numCol(ok, "shares_per_contract"),
        primary_exchange: strCol(ok, "primary_exchange"),
      }, { schema: CONTRACT_WIRE }).withColumns(pl.lit(options.asOf).alias("as_of"));
      yield { url: p.url, frame, rejected, fields: sampleFields(rows) };
    }
  }

  /** Trades (or quotes) of a ticker on a day or ns range; ns timestamps stay exact (Int64). */
  async *ticks(kind: "trades" | "quotes", ticker: string, options: {
    gte: string | bigint;
    lt: string | bigint;
    limit?: number;
  }): AsyncGenerator<WirePage> {
    const u = this.#url(`v3/${kind}/${pathTicker(ticker)}`, {
      "timestamp.gte": String(options.gte),
      "timestamp.lt": String(options.lt),
      order: "asc",
      sort: "timestamp",
      limit: options.limit ?? 50_000,
    });
    const parse = (t: string) => JSON.parse(quoteBigInts(t, NS_KEYS));
    for await (const p of this.pages(u, parse)) {
      const rows = PolygonEnvelopeSchema.parse(p.body).results ?? [];
      const schema = kind === "trades" ? PolygonTradeSchema : PolygonQuoteSchema;
      const { ok, rejected } = validate(rows, schema);
      const ns = (k: string) =>
        pl.Series(k, ok.map((r) => typeof r[k] === "string" ? r[k] as string : null), pl.Utf8)
          .cast(pl.Int64);
      const cols: pl.Series[] = [
        ns("sip_timestamp"),
        ns("participant_timestamp"),
        pl.Series("sequence_number", numCol(ok, "sequence_number"), pl.Float64).cast(pl.Int64),
        pl.Series("tape", numCol(ok, "tape"), pl.Float64).cast(pl.Int32),
      ];
      if (kind === "trades") {
        cols.push(
          ns("trf_timestamp"),
          pl.Series("price", numCol(ok, "price"), pl.Float64),
          pl.Series("size", numCol(ok, "size"), pl.Float64),
          pl.Series("exchange", numCol(ok, "exchange"), pl.Float64).cast(pl.Int32),
          pl.Series("id", strCol(ok, "id"), pl.Utf8),
          pl.Series(
            "conditions",
            ok.map((r) => Array.isArray(r.conditions) ? r.conditions.join(",") : null),
            pl.Utf8,
          ),
        );
      } else {
        for (const k of ["bid_price", "ask_price", "bid_size", "ask_size"]) {
          cols.push(pl.Series(k, numCol(ok, k), pl.Float64));
        }
        for (const k of ["bid_exchange", "ask_exchange"]) {
          cols.push(pl.Series(k, numCol(ok, k), pl.Float64).cast(pl.Int32));
        }
      }
      const frame = pl.DataFrame(cols).withColumns(pl.lit(ticker).alias("ticker"));
      yield { url: p.url, frame, rejected, fields: sampleFields(rows) };
    }
  }

  /** Options chain snapshot of an underlying, flattened to one row per contract. */
  async *optionSnapshot(underlying: string, options: {
    strikeMin?: number;
    strikeMax?: number;
    expiryMin?: string;
    expiryMax?: string;
  } = {}): AsyncGenerator<WirePage> {
    const u = this.#url(`v3/snapshot/options/${pathTicker(underlying)}`, {
      "strike_price.gte": options.strikeMin,
      "strike_price.lte": options.strikeMax,
      "expiration_date.gte": options.expiryMin,
      "expiration_date.lte": options.expiryMax,
      limit: 250,
    });
    const parse = (t: string) => JSON.parse(quoteBigInts(t, NS_KEYS));
    for await (const p of this.pages(u, parse)) {
      const rows = PolygonEnvelopeSchema.parse(p.body).results ?? [];
      const { ok, rejected } = validate(rows, PolygonSnapshotSchema);
      const s = (k: string, ...path: string[]) =>
        pl.Series(
          k,
          ok.map((r) => {
            const v = get(r, ...path);
            return typeof v === "string" ? v : null;
          }),
          pl.Utf8,
        );
      const f = (k: string, ...path: string[]) =>
        pl.Series(
          k,
          ok.map((r) => {
            const v = get(r, ...path);
            return isNum(v) ? v : null;
          }),
          pl.Float64,
        );
      const frame = pl.DataFrame([
        s("ticker", "details", "ticker"),
        s("contract_type", "details", "contract_type"),
        s("expiration_date", "details", "expiration_date"),
        f("strike_price", "details", "strike_price"),
        f("implied_volatility", "implied_volatility"),
        f("open_interest", "open_interest"),
        f("delta", "greeks", "delta"),
        f("gamma", "greeks", "gamma"),
        f("theta", "greeks", "theta"),
        f("vega", "greeks", "vega"),
        f("day_close", "day", "close"),
        f("day_volume", "day", "volume"),
        f("bid", "last_quote", "bid"),
        f("ask", "last_quote", "ask"),
        s("quote_last_updated", "last_quote", "last_updated").cast(pl.Int64),
        f("underlying_price", "underlying_asset", "price"),
      ]).withColumns(pl.lit(underlying).alias("underlying_ticker"));
      yield { url: p.url, frame, rejected, fields: sampleFields(rows) };
    }
  }

  /** News articles, one row per (article, insight ticker); articles without insights keep one row. */
  async *news(options: { ticker?: string; publishedGte?: string; publishedLt?: string }) {
    const u = this.#url("v2/reference/news", {
      ticker: options.ticker,
      "published_utc.gte": options.publishedGte,
      "published_utc.lt": options.publishedLt,
      order: "asc",
      sort: "published_utc",
      limit: 1000,
    });
    for await (const p of this.pages(u)) {
      const rows = PolygonEnvelopeSchema.parse(p.body).results ?? [];
      const { ok, rejected } = validate(rows, PolygonNewsSchema);
      const out: Record<string, (string | null)[]> = {
        id: [],
        published_utc: [],
        title: [],
        author: [],
        publisher: [],
        article_url: [],
        tickers: [],
        ticker: [],
        sentiment: [],
        sentiment_reasoning: [],
      };
      for (const r of ok) {
        const insights = (r.insights as Record<string, string>[] | undefined) ?? [];
        const list = insights.length ? insights : [null];
        for (const ins of list) {
          out.id!.push(r.id as string);
          out.published_utc!.push(r.published_utc as string);
          out.title!.push(r.title as string);
          out.author!.push((r.author as string | undefined) ?? null);
          out.publisher!.push((get(r, "publisher", "name") as string | undefined) ?? null);
          out.article_url!.push((r.article_url as string | undefined) ?? null);
          out.tickers!.push(Array.isArray(r.tickers) ? r.tickers.join(",") : null);
          out.ticker!.push(ins?.ticker ?? null);
          out.sentiment!.push(ins?.sentiment ?? null);
          out.sentiment_reasoning!.push(ins?.sentiment_reasoning ?? null);
        }
      }
      const frame = pl.DataFrame(
        Object.fromEntries(Object.entries(out).map(([k, v]) => [k, pl.Series(k, v, pl.Utf8)])),
      );
      yield { url: p.url, frame, rejected, fields: sampleFields(rows) };
    }
  }

  /** Splits of a ticker (or all tickers) with execution dates in [gte, lte]. */
  async *splits(options: { ticker?: string; gte?: string; lte?: string }) {
    const u = this.#url("v3/reference/splits", {
      ticker: options.ticker,
      "execution_date.gte": options.gte,
      "execution_date.lte": options.lte,
      limit: 1000,
    });
    for await (const p of this.pages(u)) {
      const rows = PolygonEnvelopeSchema.parse(p.body).results ?? [];
      const { ok, rejected } = validate(rows, PolygonSplitSchema);
      const frame = pl.DataFrame({
        id: pl.Series("id", strCol(ok, "id"), pl.Utf8),
        ticker: pl.Series("ticker", strCol(ok, "ticker"), pl.Utf8),
        execution_date: pl.Series("execution_date", strCol(ok, "execution_date"), pl.Utf8),
        split_from: pl.Series("split_from", numCol(ok, "split_from"), pl.Float64),
        split_to: pl.Series("split_to", numCol(ok, "split_to"), pl.Float64),
      });
      yield { url: p.url, frame, rejected, fields: sampleFields(rows) };
    }
  }

  /** Cash dividends of a ticker (or all) with ex-dates in [gte, lte]. */
  async *dividends(options: { ticker?: string; gte?: string; lte?: string }) {
    const u = this.#url("v3/reference/dividends", {
      ticker: options.ticker,
      "ex_dividend_date.gte": options.gte,
      "ex_dividend_date.lte": options.lte,
      limit: 1000,
    });
    for await (const p of this.pages(u)) {
      const rows = PolygonEnvelopeSchema.parse(p.body).results ?? [];
      const { ok, rejected } = validate(rows, PolygonDividendSchema);
      const cols: Record<string, pl.Series> = {};
      for (
        const k of [
          "id",
          "ticker",
          "currency",
          "ex_dividend_date",
          "declaration_date",
          "record_date",
          "pay_date",
          "dividend_type",
        ]
      ) cols[k] = pl.Series(k, strCol(ok, k), pl.Utf8);
      cols.cash_amount = pl.Series("cash_amount", numCol(ok, "cash_amount"), pl.Float64);
      cols.frequency = pl.Series("frequency", numCol(ok, "frequency"), pl.Float64);
      yield { url: p.url, frame: pl.DataFrame(cols), rejected, fields: sampleFields(rows) };
    }
  }

  /** Upcoming market holidays and early closes (a bare JSON array). */
  async marketUpcoming(): Promise<WirePage> {
    const res = await this.http.get(this.#withKey(this.#url("v1/marketstatus/upcoming", {})), {
      parse: JSON.parse,
      check: polygonVerdict,
    });
    const rows = Array.isArray(res.value) ? res.value : [];
    const schema = z.object({
      date: z.string(),
      exchange: z.string(),
      name: z.string(),
      status: z.string(),
      open: z.string().optional(),
      close: z.string().optional(),
    }).loose();
    const { ok, rejected } = validate(rows, schema);
    const cols: Record<string, pl.Series> = {};
    for (const k of ["date", "exchange", "name", "status", "open", "close"]) {
      cols[k] = pl.Series(k, strCol(ok, k), pl.Utf8);
    }
    return { url: res.url, frame: pl.DataFrame(cols), rejected, fields: sampleFields(rows) };
  }
}

const CONTRACT_WIRE = {
  ticker: pl.Utf8,
  underlying_ticker: pl.Utf8,
  contract_type: pl.Utf8,
  exercise_style: pl.Utf8,
  expiration_date: pl.Utf8,
  strike_price: pl.Float64,
  shares_per_contract: pl.Float64,
  primary_exchange: pl.Utf8,
};

/** A ticker for a URL path: percent-encoded except `:` (`I:VIX`, `O:SPY...` as the vendor documents). */
/** Milliseconds of one unit of each timespan, at its shortest (month 28 days, quarter 90). */
const TIMESPAN_MS: Record<Timespan, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 28 * 86_400_000,
  quarter: 90 * 86_400_000,
  year: 365 * 86_400_000,
};

/**
 * The most bars an aggregates request can return: floor(span / bar length) + 1, where the span
 * is [from, to] for epoch-ms bounds and, for YYYY-MM-DD bounds, from 12 h before `from`'s UTC
 * midnight to 36 h after `to`'s (any exchange time zone, the whole day; no session hours are
 * assumed). One day of minute bars: 2,881. A page or listing above it is a vendor fault.
 *
 * @example
 * ```ts
 * aggsRowBound(1, "minute", "2024-01-02", "2024-01-02"); // 2881
 * ```
 */
export function aggsRowBound(
  multiplier: number,
  timespan: Timespan,
  from: string | number,
  to: string | number,
): number {
  const edge = (x: string | number, end: boolean): number => {
    if (typeof x === "number") return x;
    if (/^\d+$/.test(x)) return Number(x);
    const ms = Date.parse(`${x.slice(0, 10)}T00:00:00Z`);
    if (!Number.isFinite(ms)) return NaN;
    return end ? ms + 36 * 3_600_000 : ms - 12 * 3_600_000;
  };
  const lo = edge(from, false);
  const hi = edge(to, true);
  const bar = Math.max(1, multiplier) * TIMESPAN_MS[timespan];
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return Infinity;
  return Math.floor((hi - lo) / bar) + 1;
}

/**
 * A page holding more rows than the request's `limit` asked for is a vendor fault: refused with
 * a {@link DataError} instead of landing it.
 */
function checkPageLimit(body: unknown, request: URL, shown: string): void {
  const limit = Number(request.searchParams.get("limit"));
  if (!Number.isFinite(limit) || limit <= 0) return;
  const scan = (body as { __scan?: ScannedAggs } | null)?.__scan;
  const results = (body as { results?: unknown } | null)?.results;
  const rows = scan ? scan.t.length + scan.odd.length : Array.isArray(results) ? results.length : 0;
  if (rows > limit) {
    if (scan) releaseScan(scan);
    throw new DataError(
      `Polygon page ${shown} holds ${rows} rows but the request asked for at most ${limit}`,
      { source: "polygon" },
    );
  }
}

function pathTicker(t: string): string {
  return encodeURIComponent(t).replace(/%3A/gi, ":");
}

/**
 * Typed frame of a scanned aggregates page: the fast rows as they are, the odd rows through the
 * zod path of {@link parseAggPage} (valid ones appended, the rest rejected with a reason).
 */
export function framesFromScan(scan: ScannedAggs, ticker: string, requireVolume: boolean): {
  frame: pl.DataFrame;
  rejected: Rejected[];
  fields: Record<string, string>;
} {
  const direct = directFrame(scan, ticker);
  if (direct) return { frame: direct, rejected: [], fields: sampleFields(scan.sample) };
  const { plan, rejected, fields } = scanPlan(scan, ticker, requireVolume);
  return { frame: plan.collectSync(), rejected, fields };
}

/** Whether this platform stores integers little-endian (the Int32 halves of an Int64). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Safe integers (|x| <= 2^53 - 1) as Int64 words, written as two Int32 halves: lo = x mod 2^32
 * (ToInt32), hi = floor(x / 2^32); both exact for safe integers, negative ones included (two's
 * complement). Undefined when some value is not a safe integer.
 */
function safeInt64(a: Float64Array): BigInt64Array | undefined {
  const out = new BigInt64Array(a.length);
  const w = new Int32Array(out.buffer);
  const lo = LITTLE_ENDIAN ? 0 : 1, hi = 1 - lo;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    if (!Number.isSafeInteger(x)) return undefined;
    w[2 * k + lo] = x | 0;
    w[2 * k + hi] = Math.floor(x / 4294967296);
  }
  return out;
}

/** True when no element is NaN. */
function noNaN(a: Float64Array): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] !== a[k]) return false;
  return true;
}

/**
 * The native column constructors of nodejs-polars (its `JsSeries`, not part of the public API):
 * a column made through them skips the JS wrapper `pl.Series` builds around every column (~150
 * closures and a Proxy, about half of a page's frame cost). `pl.DataFrame([...])` takes them as
 * `{ name, _s }`. Undefined when this nodejs-polars lacks them or builds a different frame from
 * them (checked once, on a two-row frame): the public constructors are used then.
 */
interface NativeSeries {
  newFloat64Array(name: string, values: Float64Array): unknown;
  newBigint64Array(name: string, values: BigInt64Array): unknown;
}
let nativeSeries: NativeSeries | undefined | null = null;

function nativeColumns(): NativeSeries | undefined {
  if (nativeSeries !== null) return nativeSeries;
  const m = polarsNative as unknown as {
    JsSeries?: Partial<NativeSeries>;
    default?: { JsSeries?: Partial<NativeSeries> };
  };
  const js = m?.JsSeries ?? m?.default?.JsSeries;
  nativeSeries = undefined;
  if (typeof js?.newFloat64Array !== "function" || typeof js?.newBigint64Array !== "function") {
    return undefined;
  }
  const cand = js as NativeSeries;
  try {
    const x = Float64Array.of(1.5, -0.25), i = BigInt64Array.of(-3n, 2n ** 40n);
    const a = buildFrame(cand, i, [x, x, x, x, x, x], i, "X");
    const b = buildFrame(undefined, i, [x, x, x, x, x, x], i, "X");
    const dtypes = (f: pl.DataFrame) => JSON.stringify([f.columns, f.dtypes.map(String)]);
    if (dtypes(a) === dtypes(b) && a.frameEqual(b, true)) nativeSeries = cand;
  } catch {
    // A changed internal API: the public constructors below.
  }
  return nativeSeries;
}

/** Whether clean aggregate pages are built through the native column constructors (tests). */
export function aggsFrameNative(): boolean {
  return nativeColumns() !== undefined;
}

/** The `ticker` column of the last page (a constant column, shared: Polars columns are immutable). */
let tickerColumn: { ticker: string; length: number; series: pl.Series } | undefined;

/** Frame `t o h l c v vw n ticker` from typed columns (`px`: o h l c v vw). */
function buildFrame(
  native: NativeSeries | undefined,
  t: BigInt64Array,
  px: Float64Array[],
  n: BigInt64Array,
  ticker: string,
): pl.DataFrame {
  const names = ["o", "h", "l", "c", "v", "vw"];
  if (tickerColumn?.ticker !== ticker || tickerColumn.length !== t.length) {
    tickerColumn = { ticker, length: t.length, series: pl.repeat(ticker, t.length, "ticker") };
  }
  const cols: pl.Series[] = native
    ? [
      { name: "t", _s: native.newBigint64Array("t", t) },
      ...px.map((a, k) => ({ name: names[k]!, _s: native.newFloat64Array(names[k]!, a) })),
      { name: "n", _s: native.newBigint64Array("n", n) },
    ] as unknown as pl.Series[]
    : [
      pl.Series("t", t),
      ...px.map((a, k) => pl.Series(names[k]!, a)),
      pl.Series("n", n),
    ];
  cols.push(tickerColumn.series);
  return pl.DataFrame(cols);
}

/**
 * The frame of {@link scanPlan} built directly from typed columns, for the common page: no odd
 * row, every `t` and `n` a safe integer, no absent `v`, `vw` or `n` (NaN in the scan). Then the
 * plan's casts and NaN fills change nothing and its frame is this one: `t`, `n` Int64 (exact
 * for safe integers), `o h l c v vw` Float64, `ticker` String, in that order. Undefined
 * otherwise (the plan handles the page). Eight column copies and one frame instead of a lazy
 * plan per page.
 */
function directFrame(scan: ScannedAggs, ticker: string): pl.DataFrame | undefined {
  if (scan.odd.length || !noNaN(scan.v) || !noNaN(scan.vw)) return undefined;
  const t = safeInt64(scan.t);
  const n = t && safeInt64(scan.n);
  if (!t || !n) return undefined;
  const px = [scan.o, scan.h, scan.l, scan.c, scan.v, scan.vw];
  return buildFrame(nativeColumns(), t, px, n, ticker);
}

/**
 * {@link framesFromScan} up to a lazy plan: the fast rows' columns are copied into Polars now
 * (the scan's columns are free afterwards), the rest runs when the plan is collected.
 */
function scanPlan(scan: ScannedAggs, ticker: string, requireVolume: boolean): {
  plan: pl.LazyDataFrame;
  rejected: Rejected[];
  fields: Record<string, string>;
} {
  let plan = pl.DataFrame([
    pl.Series("t", scan.t),
    pl.Series("o", scan.o),
    pl.Series("h", scan.h),
    pl.Series("l", scan.l),
    pl.Series("c", scan.c),
    pl.Series("v", scan.v),
    pl.Series("vw", scan.vw),
    pl.Series("n", scan.n),
  ]).lazy().withColumns(
    pl.col("t").cast(pl.Int64),
    pl.lit(ticker).alias("ticker"),
    // With `requireVolume` a fast row has v (the others went to the slow path); vw and n may
    // be absent (NaN here, null in the frame).
    ...(requireVolume ? [] : [pl.col("v").fillNan(pl.lit(null))]),
    pl.col("vw").fillNan(pl.lit(null)),
    pl.col("n").fillNan(pl.lit(null)).cast(pl.Int64),
  );
  const rejected: Rejected[] = [];
  if (scan.odd.length) {
    const objs: unknown[] = [];
    const idx: number[] = [];
    for (const o of scan.odd) {
      try {
        objs.push(JSON.parse(o.text));
        idx.push(o.index);
      } catch {
        rejected.push({ index: o.index, reason: "(row): not valid JSON", payload: o.text });
      }
    }
    const slow = parseAggPage({ results: objs }, ticker, requireVolume);
    for (const r of slow.rejected) rejected.push({ ...r, index: idx[r.index]! });
    if (slow.frame.height) {
      const cols = ["t", "o", "h", "l", "c", "v", "vw", "n", "ticker"];
      plan = pl.concat([plan, slow.frame.lazy().select(...cols)], { how: "vertical" });
    }
  }
  return { plan, rejected, fields: sampleFields(scan.sample) };
}
