/**
 * Alpaca Market Data v2 stock bars, single-symbol and multi-symbol, with page tokens,
 * `adjustment` and `feed` options. `limit` is a total across symbols per page; a symbol may
 * continue on the next page, so pages are followed until `next_page_token` is null with every
 * other parameter unchanged.
 *
 * @see /work/shared/reference/vendor-formats.md section 3
 */
import pl from "nodejs-polars";
import { z } from "zod";
import type { Secret } from "../core/secret.ts";
import { HttpClient, type HttpClientOptions, type VendorVerdict } from "./_http.ts";
import { F64Builder, isNum, type Rejected, sampleFields, zodReason } from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

/** Wire bar: `t` RFC-3339, prices numbers, `v` int volume, `n` trades, `vw` VWAP. */
export const AlpacaBarSchema = z.object({
  t: z.string().refine((s) => Number.isFinite(Date.parse(s)), { message: "t must be RFC-3339" }),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  n: z.number().optional(),
  vw: z.number().optional(),
});

/** Page envelope: `bars` an array (single symbol) or a map symbol -> bars (multi). */
export const AlpacaPageSchema = z.object({
  bars: z.union([z.array(z.unknown()), z.record(z.string(), z.array(z.unknown())), z.null()]),
  symbol: z.string().optional(),
  next_page_token: z.string().nullable().optional(),
}).loose();

/** Options of {@link AlpacaClient}. */
export interface AlpacaClientOptions {
  /** Data API base URL. @default https://data.alpaca.markets */
  baseUrl?: string;
  /** `APCA-API-KEY-ID`. */
  keyId: Secret;
  /** `APCA-API-SECRET-KEY`. */
  secretKey: Secret;
  /** Shared HTTP client. @default 200 requests/min */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
}

/** Bar request options. */
export interface AlpacaBarsOptions {
  /** `1Min`, `5Min`, `1Hour`, `1Day` ... */
  timeframe: string;
  /** RFC-3339 or date. */
  start: string;
  /** RFC-3339 or date. */
  end: string;
  /** `raw|split|dividend|all`. @default "raw" */
  adjustment?: "raw" | "split" | "dividend" | "all";
  /** Data feed. @default "iex" (sip needs a paid plan) */
  feed?: string;
  /** Bars per page across symbols. @default 10000 */
  limit?: number;
}

/**
 * Alpaca's error body (`message` without `bars`) inside a 2xx answer. Alpaca reports bad
 * requests with 4xx, so a 200 error body is treated as transient and retried.
 */
export function alpacaVerdict(body: unknown): VendorVerdict | null {
  if (body === null || typeof body !== "object") return null;
  const b = body as Record<string, unknown>;
  if ("bars" in b) return null;
  if (typeof b.message === "string") return { message: b.message, retryable: true };
  return null;
}

/** Parse one page into wire columns (`symbol`, `t` as epoch ms, o,h,l,c,v,n,vw). */
export function parseAlpacaPage(body: unknown, symbol?: string): {
  frame: pl.DataFrame;
  rejected: Rejected[];
  next: string | null;
  fields: Record<string, string>;
} {
  const env = AlpacaPageSchema.parse(body);
  const groups: [string, unknown[]][] = Array.isArray(env.bars)
    ? [[env.symbol ?? symbol ?? "", env.bars]]
    : Object.entries(env.bars ?? {});
  const sym: string[] = [];
  const cols = Array.from({ length: 8 }, () => new F64Builder(256));
  const [t, o, h, l, c, v, n, vw] = cols as [
    F64Builder,
    F64Builder,
    F64Builder,
    F64Builder,
    F64Builder,
    F64Builder,
    F64Builder,
    F64Builder,
  ];
  const rejected: Rejected[] = [];
  let index = 0;
  for (const [s, rows] of groups) {
    for (const r0 of rows) {
      const r = r0 as Record<string, unknown>;
      const tm = r && typeof r.t === "string" ? Date.parse(r.t) : NaN;
      if (
        !Number.isFinite(tm) || !isNum(r.o) || !isNum(r.h) || !isNum(r.l) || !isNum(r.c) ||
        !isNum(r.v) || (r.n !== undefined && !isNum(r.n)) || (r.vw !== undefined && !isNum(r.vw))
      ) {
        rejected.push({
          index,
          reason: `${s}: ${zodReason(AlpacaBarSchema, r)}`,
          payload: JSON.stringify(r),
        });
      } else {
        sym.push(s);
        t.push(tm);
        o.push(r.o as number);
        h.push(r.h as number);
        l.push(r.l as number);
        c.push(r.c as number);
        v.push(r.v as number);
        n.push(r.n === undefined ? NaN : r.n as number);
        vw.push(r.vw === undefined ? NaN : r.vw as number);
      }
      index++;
    }
  }
  const frame = pl.DataFrame([
    pl.Series("symbol", sym, pl.Utf8),
    pl.Series("t", t.finish()).cast(pl.Int64),
    pl.Series("o", o.finish()),
    pl.Series("h", h.finish()),
    pl.Series("l", l.finish()),
    pl.Series("c", c.finish()),
    pl.Series("v", v.finish()),
    pl.Series("n", n.finish()),
    pl.Series("vw", vw.finish()),
  ]).withColumns(
    pl.col("n").fillNan(pl.lit(null)).cast(pl.Int64),
    pl.col("vw").fillNan(pl.lit(null)),
  );
  return {
    frame,
    rejected,
    next: env.next_page_token ?? null,
    fields: sampleFields(groups.flatMap(([, rows]) => rows.slice(0, 3))),
  };
}

/** Alpaca data client. */
export class AlpacaClient {
  readonly http: HttpClient;
  readonly #base: string;
  readonly #keyId: Secret;
  readonly #secret: Secret;

  constructor(options: AlpacaClientOptions) {
    this.#base = options.baseUrl ?? "https://data.alpaca.markets";
    this.#keyId = options.keyId;
    this.#secret = options.secretKey;
    this.http = options.http ?? new HttpClient({
      vendor: "alpaca",
      perMinute: 200,
      concurrency: 4,
      secrets: [options.keyId, options.secretKey],
      ...options.httpOptions,
    });
  }

  /**
   * Bars for one symbol (`/v2/stocks/{symbol}/bars`) or several (`/v2/stocks/bars?symbols=`),
   * one typed page at a time. A repeated page token ends the listing.
   */
  async *bars(symbols: string[], options: AlpacaBarsOptions) {
    if (symbols.length === 0) return;
    const single = symbols.length === 1;
    const path = single ? `v2/stocks/${encodeURIComponent(symbols[0]!)}/bars` : "v2/stocks/bars";
    const seen = new Set<string>();
    let token: string | null = null;
    do {
      const u = joinUrl(this.#base, path);
      if (!single) u.searchParams.set("symbols", symbols.join(","));
      u.searchParams.set("timeframe", options.timeframe);
      u.searchParams.set("start", options.start);
      u.searchParams.set("end", options.end);
      u.searchParams.set("adjustment", options.adjustment ?? "raw");
      u.searchParams.set("feed", options.feed ?? "iex");
      u.searchParams.set("limit", String(options.limit ?? 10_000));
      u.searchParams.set("sort", "asc");
      if (token) u.searchParams.set("page_token", token);
      const res = await this.http.getJson(u, {
        headers: {
          "APCA-API-KEY-ID": this.#keyId.reveal(),
          "APCA-API-SECRET-KEY": this.#secret.reveal(),
        },
        check: alpacaVerdict,
      });
      const page = parseAlpacaPage(res.value, single ? symbols[0] : undefined);
      yield { url: res.url, frame: page.frame, rejected: page.rejected, fields: page.fields };
      token = page.next;
      if (token !== null) {
        if (seen.has(token)) break;
        seen.add(token);
      }
    } while (token);
  }
}
