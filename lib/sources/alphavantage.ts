/**
 * Alpha Vantage connector: LISTING_STATUS (CSV; active and delisted, for a survivorship-free
 * universe), SPLITS and DIVIDENDS (JSON with string numbers and "None" dates).
 *
 * Every error and throttle arrives with HTTP 200 and a JSON body keyed `Error Message`, `Note`,
 * `Information` or `message`; it is detected before any data is read (also on the CSV endpoint,
 * by sniffing a leading `{`). Throttle texts ("call frequency", "rate limit", "Burst pattern")
 * are retried; "Invalid API call" and premium-endpoint texts are not.
 *
 * @see /work/shared/reference/vendor-formats.md section 4
 */
import pl from "nodejs-polars";
import { z } from "zod";
import type { Secret } from "../core/secret.ts";
import { HttpClient, type HttpClientOptions, type VendorVerdict } from "./_http.ts";
import { dateOrNull, isIsoDate, numOrNull, type Rejected, sampleFields } from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

const DATE = { test: (s: string) => isIsoDate(s) };
const dateOrSentinel = z.string().refine((s) => DATE.test(s) || s === "None" || s === "null", {
  message: 'expected YYYY-MM-DD or "None"',
});
const numString = z.string().refine((s) => Number.isFinite(Number(s)) && s.trim() !== "", {
  message: "expected a number string",
});

/** LISTING_STATUS CSV row (after splitting). */
export const AvListingSchema = z.object({
  symbol: z.string().min(1),
  name: z.string(),
  exchange: z.string(),
  assetType: z.string(),
  ipoDate: z.string().refine((s) => s === "" || s === "null" || DATE.test(s), {
    message: "ipoDate must be YYYY-MM-DD, empty or null",
  }),
  delistingDate: z.string().refine((s) => s === "" || s === "null" || DATE.test(s), {
    message: "delistingDate must be YYYY-MM-DD, empty or null",
  }),
  status: z.enum(["Active", "Delisted"]),
});

/** SPLITS row. */
export const AvSplitSchema = z.object({
  effective_date: z.string().refine(isIsoDate, { message: "expected YYYY-MM-DD" }),
  split_factor: numString,
});

/** DIVIDENDS row. */
export const AvDividendSchema = z.object({
  ex_dividend_date: z.string().refine(isIsoDate, { message: "expected YYYY-MM-DD" }),
  declaration_date: dateOrSentinel.optional(),
  record_date: dateOrSentinel.optional(),
  payment_date: dateOrSentinel.optional(),
  amount: numString,
});

/** Alpha Vantage's 200-with-error bodies. */
export function alphaVantageVerdict(body: unknown): VendorVerdict | null {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  for (const key of ["Error Message", "Note", "Information", "message"]) {
    const v = b[key];
    if (typeof v === "string") {
      const throttle =
        /call frequency|rate limit|burst pattern|requests per|spreading out|higher API call volume/i
          .test(
            v,
          );
      const premium = /premium endpoint/i.test(v) && !throttle;
      return { message: `${key}: ${v}`, retryable: throttle && !premium };
    }
  }
  return null;
}

/** Options of {@link AlphaVantageClient}. */
export interface AlphaVantageClientOptions {
  /** Base URL. @default https://www.alphavantage.co */
  baseUrl?: string;
  /** API key (`apikey` query parameter). */
  apiKey: Secret;
  /** Shared HTTP client. @default 5 requests/min, steady pacing */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
}

/** Parse the LISTING_STATUS CSV (CRLF or LF) into wire columns (strings as received). */
export function parseListingCsv(text: string): { frame: pl.DataFrame; rejected: Rejected[] } {
  const lines = text.replace(/\r/g, "").split("\n").filter((l) => l.length > 0);
  const header = (lines[0] ?? "").split(",");
  const want = ["symbol", "name", "exchange", "assetType", "ipoDate", "delistingDate", "status"];
  if (want.some((w, i) => header[i] !== w)) {
    throw new SyntaxError(`LISTING_STATUS header is ${JSON.stringify(header)}, expected ${want}`);
  }
  const cols: Record<string, string[]> = Object.fromEntries(want.map((w) => [w, []]));
  const rejected: Rejected[] = [];
  for (let i = 1; i < lines.length; i++) {
    const f = splitCsvLine(lines[i]!);
    const row = Object.fromEntries(want.map((w, j) => [w, f[j]]));
    const p = f.length === want.length ? AvListingSchema.safeParse(row) : null;
    if (!p || !p.success) {
      const reason = p
        ? `${p.error.issues[0]!.path.join(".")}: ${p.error.issues[0]!.message}`
        : `expected ${want.length} fields, got ${f.length}`;
      rejected.push({ index: i - 1, reason, payload: lines[i]! });
      continue;
    }
    for (const w of want) cols[w]!.push(row[w] as string);
  }
  const frame = pl.DataFrame(
    Object.fromEntries(want.map((w) => [w, pl.Series(w, cols[w]!, pl.Utf8)])),
  );
  return { frame, rejected };
}

/** Split one CSV line, honouring double quotes. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Alpha Vantage client. */
export class AlphaVantageClient {
  readonly http: HttpClient;
  readonly #base: string;
  readonly #key: Secret;

  constructor(options: AlphaVantageClientOptions) {
    this.#base = options.baseUrl ?? "https://www.alphavantage.co";
    this.#key = options.apiKey;
    this.http = options.http ?? new HttpClient({
      vendor: "alphavantage",
      minIntervalMs: 12_000,
      perMinute: 5,
      concurrency: 1,
      secrets: [options.apiKey],
      ...options.httpOptions,
    });
  }

  #url(params: Record<string, string | undefined>): URL {
    const u = joinUrl(this.#base, "query");
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    u.searchParams.set("apikey", this.#key.reveal());
    return u;
  }

  /** LISTING_STATUS for `active` or `delisted` symbols, optionally as of a date. */
  async listingStatus(state: "active" | "delisted", date?: string) {
    const res = await this.http.get(this.#url({ function: "LISTING_STATUS", state, date }), {
      parse: (text) => {
        const t = text.trimStart();
        if (t.startsWith("{")) return { json: JSON.parse(t) as unknown, csv: null };
        return { json: null, csv: parseListingCsv(text) };
      },
      check: (v) => (v.json !== null ? alphaVantageVerdict(v.json) ?? unexpected(v.json) : null),
    });
    return { url: res.url, ...res.value.csv! };
  }

  /** SPLITS of a symbol: wire columns `symbol, effective_date, split_factor` (strings). */
  async splits(symbol: string) {
    const res = await this.http.getJson(this.#url({ function: "SPLITS", symbol }), {
      check: (v) => alphaVantageVerdict(v) ?? dataKey(v),
    });
    const rows = (res.value as { data: unknown[] }).data;
    const ok: z.infer<typeof AvSplitSchema>[] = [];
    const rejected: Rejected[] = [];
    rows.forEach((r, index) => {
      const p = AvSplitSchema.safeParse(r);
      if (p.success) ok.push(p.data);
      else {
        rejected.push({
          index,
          reason: `${p.error.issues[0]!.path.join(".")}: ${p.error.issues[0]!.message}`,
          payload: JSON.stringify(r),
        });
      }
    });
    const frame = pl.DataFrame({
      symbol: pl.Series("symbol", ok.map(() => symbol), pl.Utf8),
      effective_date: pl.Series("effective_date", ok.map((r) => r.effective_date), pl.Utf8),
      split_factor: pl.Series("split_factor", ok.map((r) => r.split_factor), pl.Utf8),
    });
    return { url: res.url, frame, rejected, fields: sampleFields(rows) };
  }

  /** DIVIDENDS of a symbol: wire columns as strings ("None" kept as received). */
  async dividends(symbol: string) {
    const res = await this.http.getJson(this.#url({ function: "DIVIDENDS", symbol }), {
      check: (v) => alphaVantageVerdict(v) ?? dataKey(v),
    });
    const rows = (res.value as { data: unknown[] }).data;
    const ok: z.infer<typeof AvDividendSchema>[] = [];
    const rejected: Rejected[] = [];
    rows.forEach((r, index) => {
      const p = AvDividendSchema.safeParse(r);
      if (p.success) ok.push(p.data);
      else {
        rejected.push({
          index,
          reason: `${p.error.issues[0]!.path.join(".")}: ${p.error.issues[0]!.message}`,
          payload: JSON.stringify(r),
        });
      }
    });
    const s = (k: keyof z.infer<typeof AvDividendSchema>) =>
      pl.Series(k, ok.map((r) => r[k] ?? null), pl.Utf8);
    const frame = pl.DataFrame([
      pl.Series("symbol", ok.map(() => symbol), pl.Utf8),
      s("ex_dividend_date"),
      s("declaration_date"),
      s("record_date"),
      s("payment_date"),
      s("amount"),
    ]);
    return { url: res.url, frame, rejected, fields: sampleFields(rows) };
  }
}

function dataKey(v: unknown): VendorVerdict | null {
  if (v && typeof v === "object" && Array.isArray((v as { data?: unknown }).data)) return null;
  return { message: "body has no data array", retryable: true };
}
function unexpected(_v: unknown): VendorVerdict {
  return { message: "JSON body where CSV was expected", retryable: true };
}

/** An Alpha Vantage date or null for "None" / "null" / empty. */
export function avDate(v: string | null | undefined): string | null {
  return dateOrNull(v);
}
/** An Alpha Vantage number string or null. */
export function avNumber(v: string | null | undefined): number | null {
  return numOrNull(v);
}
