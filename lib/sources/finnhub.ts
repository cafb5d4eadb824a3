/**
 * Finnhub option chain: calls and puts nested per expiry under `options.CALL` / `options.PUT`,
 * IV in percent (normalised here to a decimal), `inTheMoney` as "TRUE"/"FALSE" strings. One
 * request returns the whole chain; there is no pagination.
 *
 * @see /work/shared/reference/vendor-formats.md section 6
 */
import pl from "nodejs-polars";
import { z } from "zod";
import type { Secret } from "../core/secret.ts";
import { HttpClient, type HttpClientOptions, type VendorVerdict } from "./_http.ts";
import { isNum, type Rejected, sampleFields } from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

/** One contract of the chain. */
export const FinnhubContractSchema = z.object({
  contractName: z.string(),
  type: z.enum(["CALL", "PUT"]),
  expirationDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  strike: z.number(),
  inTheMoney: z.enum(["TRUE", "FALSE"]).optional(),
  lastPrice: z.number().nullable().optional(),
  bid: z.number().nullable().optional(),
  ask: z.number().nullable().optional(),
  volume: z.number().nullable().optional(),
  openInterest: z.number().nullable().optional(),
  impliedVolatility: z.number().nullable().optional(),
  delta: z.number().nullable().optional(),
  gamma: z.number().nullable().optional(),
  theta: z.number().nullable().optional(),
  vega: z.number().nullable().optional(),
  updatedAt: z.string().optional(),
}).loose();

/** Envelope. */
export const FinnhubChainSchema = z.object({
  code: z.string(),
  lastTradeDate: z.string().optional(),
  lastTradePrice: z.number().optional(),
  data: z.array(
    z.object({
      expirationDate: z.string(),
      options: z.object({
        CALL: z.array(z.unknown()).optional(),
        PUT: z.array(z.unknown()).optional(),
      }),
    }).loose(),
  ),
}).loose();

/**
 * Finnhub error body (`error` or `message` without `data`) inside a 2xx answer: retried as
 * transient (entitlement and key errors come with 401/403).
 */
export function finnhubVerdict(body: unknown): VendorVerdict | null {
  if (body && typeof body === "object" && !("data" in body)) {
    const b = body as Record<string, unknown>;
    const m = b.error ?? b.message;
    if (m !== undefined) return { message: String(m), retryable: true };
  }
  return null;
}

/** Options of {@link FinnhubClient}. */
export interface FinnhubClientOptions {
  /** Base URL (the host; `/api/v1` is appended). @default https://finnhub.io */
  baseUrl?: string;
  /** Token (`X-Finnhub-Token` header). */
  apiKey: Secret;
  /** Shared HTTP client. @default 60 requests/min */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
}

/** Flatten a chain body into one row per contract (IV as a decimal). */
export function parseFinnhubChain(
  body: unknown,
): { frame: pl.DataFrame; rejected: Rejected[]; fields: Record<string, string> } {
  const env = FinnhubChainSchema.parse(body);
  const rows: z.infer<typeof FinnhubContractSchema>[] = [];
  const rejected: Rejected[] = [];
  let index = 0;
  for (const exp of env.data) {
    for (const side of ["CALL", "PUT"] as const) {
      for (const c of exp.options[side] ?? []) {
        const p = FinnhubContractSchema.safeParse(c);
        if (p.success) rows.push(p.data);
        else {
          const issue = p.error.issues[0]!;
          rejected.push({
            index,
            reason: `${issue.path.join(".")}: ${issue.message}`,
            payload: JSON.stringify(c),
          });
        }
        index++;
      }
    }
  }
  const num = (k: keyof z.infer<typeof FinnhubContractSchema>, scale = 1) =>
    pl.Series(k, rows.map((r) => (isNum(r[k]) ? (r[k] as number) * scale : null)), pl.Float64);
  const frame = pl.DataFrame([
    pl.Series("contract_name", rows.map((r) => r.contractName), pl.Utf8),
    pl.Series("contract_type", rows.map((r) => r.type === "CALL" ? "call" : "put"), pl.Utf8),
    pl.Series("expiration_date", rows.map((r) => r.expirationDate), pl.Utf8),
    pl.Series("strike", rows.map((r) => r.strike), pl.Float64),
    pl.Series(
      "in_the_money",
      rows.map((r) => r.inTheMoney === undefined ? null : r.inTheMoney === "TRUE"),
      pl.Bool,
    ),
    num("lastPrice").alias("last_price"),
    num("bid"),
    num("ask"),
    num("volume"),
    num("openInterest").alias("open_interest"),
    num("impliedVolatility", 0.01).alias("iv"),
    num("delta"),
    num("gamma"),
    num("theta"),
    num("vega"),
    pl.Series("updated_at", rows.map((r) => r.updatedAt ?? null), pl.Utf8),
  ]).withColumns(
    pl.lit(env.code).alias("underlying"),
    pl.lit(env.lastTradeDate ?? null).cast(pl.Utf8).alias("last_trade_date"),
    pl.lit(env.lastTradePrice ?? null).cast(pl.Float64).alias("underlying_price"),
  );
  const sample = env.data.flatMap((
    e,
  ) => [...(e.options.CALL ?? []).slice(0, 2), ...(e.options.PUT ?? []).slice(0, 2)]);
  return { frame, rejected, fields: sampleFields(sample) };
}

/** Finnhub client (option chain only). */
export class FinnhubClient {
  readonly http: HttpClient;
  readonly #base: string;
  readonly #key: Secret;

  constructor(options: FinnhubClientOptions) {
    this.#base = options.baseUrl ?? "https://finnhub.io";
    this.#key = options.apiKey;
    this.http = options.http ?? new HttpClient({
      vendor: "finnhub",
      perMinute: 60,
      concurrency: 2,
      secrets: [options.apiKey],
      ...options.httpOptions,
    });
  }

  /** The whole option chain of a symbol. */
  async optionChain(symbol: string) {
    // The base may be the host (https://finnhub.io) or already end in /api/v1.
    const path = /\/api\/v1\/?$/.test(this.#base)
      ? "stock/option-chain"
      : "api/v1/stock/option-chain";
    const u = joinUrl(this.#base, path);
    u.searchParams.set("symbol", symbol);
    const res = await this.http.getJson(u, {
      headers: { "X-Finnhub-Token": this.#key.reveal() },
      check: finnhubVerdict,
    });
    return { url: res.url, ...parseFinnhubChain(res.value) };
  }
}
