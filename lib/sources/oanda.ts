/**
 * OANDA v20 candles: bid/ask/mid with string prices, 9-digit fractional RFC-3339 times,
 * `complete: false` (the still-forming bar) dropped. No cursor: pages advance by setting `from`
 * to the last candle time with `includeFirst=false`, `count` at most 5000 and never together with
 * both `from` and `to` (the last page is bounded by filtering on `to`).
 *
 * @see /work/shared/reference/vendor-formats.md section 5
 */
import pl from "nodejs-polars";
import { z } from "zod";
import type { Secret } from "../core/secret.ts";
import { HttpClient, type HttpClientOptions, type VendorVerdict } from "./_http.ts";
import { F64Builder, type Rejected, sampleFields } from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

const price = z.string().refine((s) => Number.isFinite(Number(s)) && s.trim() !== "", {
  message: "price must be a number string",
});
const ohlc = z.object({ o: price, h: price, l: price, c: price });

/** Wire candle. */
export const OandaCandleSchema = z.object({
  time: z.string().refine((s) => Number.isFinite(parseOandaTime(s)), {
    message: "time must be RFC-3339 or UNIX seconds",
  }),
  volume: z.number().int(),
  complete: z.boolean(),
  bid: ohlc.optional(),
  ask: ohlc.optional(),
  mid: ohlc.optional(),
});

type OandaCandle = z.infer<typeof OandaCandleSchema>;

const priceText = (s: unknown): boolean =>
  typeof s === "string" && Number.isFinite(Number(s)) && s.trim() !== "";

/**
 * A candle that plainly satisfies {@link OandaCandleSchema} (every field of the type and value
 * the schema asks for, checked as it checks them), as the schema's success; null for any other
 * value, which the schema then judges (and words the rejection). The schema costs ~20 us a
 * candle, ~30 ms a day of minute candles (issue #21); this check a fraction of that.
 */
export function plainCandle(c: unknown): { success: true; data: OandaCandle } | null {
  if (typeof c !== "object" || c === null || Array.isArray(c)) return null;
  const x = c as Record<string, unknown>;
  if (typeof x.time !== "string" || !Number.isFinite(parseOandaTime(x.time))) return null;
  if (typeof x.volume !== "number" || !Number.isSafeInteger(x.volume)) return null;
  if (typeof x.complete !== "boolean") return null;
  const data: OandaCandle = { time: x.time, volume: x.volume, complete: x.complete };
  for (const side of SIDES) {
    const q = x[side];
    if (q === undefined) {
      if (side in x) return null; // a key holding undefined: the schema keeps it
      continue;
    }
    if (typeof q !== "object" || q === null || Array.isArray(q)) return null;
    const o = q as Record<string, unknown>;
    if (!priceText(o.o) || !priceText(o.h) || !priceText(o.l) || !priceText(o.c)) return null;
    data[side] = { o: o.o as string, h: o.h as string, l: o.l as string, c: o.c as string };
  }
  return { success: true, data };
}

/** Envelope. */
export const OandaCandlesEnvelope = z.object({
  instrument: z.string(),
  granularity: z.string(),
  candles: z.array(z.unknown()),
}).loose();

/** Epoch ms of an OANDA time (RFC-3339 with up to 9 fraction digits, or "seconds.nanos"). */
export function parseOandaTime(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const m = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return NaN;
  const frac = m[2] ? m[2].slice(0, 4) : "";
  return Date.parse(`${m[1]}${frac}${m[3]}`);
}

/**
 * OANDA error body inside a 2xx answer: OANDA reports client errors with 4xx, so an
 * `errorMessage` with HTTP 200 is treated as transient and retried.
 */
export function oandaVerdict(body: unknown): VendorVerdict | null {
  if (body && typeof body === "object" && "errorMessage" in body && !("candles" in body)) {
    return { message: String((body as { errorMessage: unknown }).errorMessage), retryable: true };
  }
  return null;
}

/** Options of {@link OandaClient}. */
export interface OandaClientOptions {
  /** Base URL. @default https://api-fxpractice.oanda.com */
  baseUrl?: string;
  /** Bearer token. */
  apiKey: Secret;
  /** Shared HTTP client. @default 50 requests/s, 4 in flight */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
}

const SIDES = ["bid", "ask", "mid"] as const;

/** Candle length in ms by granularity (calendar-aligned D/W/M are not listed). */
export const GRANULARITY_MS: Record<string, number> = {
  S5: 5000,
  S10: 10_000,
  S15: 15_000,
  S30: 30_000,
  M1: 60_000,
  M2: 120_000,
  M4: 240_000,
  M5: 300_000,
  M10: 600_000,
  M15: 900_000,
  M30: 1_800_000,
  H1: 3_600_000,
  H2: 7_200_000,
  H3: 10_800_000,
  H4: 14_400_000,
  H6: 21_600_000,
  H8: 28_800_000,
  H12: 43_200_000,
};

/**
 * Parse one candles page: complete candles only, as typed columns (epoch ms `time_ms`, volume,
 * and `<side>_<o|h|l|c>` numbers for the sides present). Incomplete candles are returned in
 * `incomplete` (not rejected: they are expected).
 */
export function parseCandlesPage(body: unknown, price = "MBA"): {
  frame: pl.DataFrame;
  rejected: Rejected[];
  lastTimeMs: number | null;
  lastTime: string | null;
  incomplete: number;
  fields: Record<string, string>;
} {
  const env = OandaCandlesEnvelope.parse(body);
  const wanted = SIDES.filter((s) => price.includes(s === "bid" ? "B" : s === "ask" ? "A" : "M"));
  const n = env.candles.length;
  const time = new F64Builder(n), vol = new F64Builder(n);
  const px: Record<string, F64Builder> = {};
  for (const s of SIDES) for (const k of "ohlc") px[`${s}_${k}`] = new F64Builder(n);
  const rejected: Rejected[] = [];
  let lastTimeMs: number | null = null;
  let lastTime: string | null = null;
  let incomplete = 0;
  env.candles.forEach((c, index) => {
    const p = plainCandle(c) ?? OandaCandleSchema.safeParse(c);
    if (!p.success) {
      const issue = p.error.issues[0]!;
      rejected.push({
        index,
        reason: `${issue.path.join(".")}: ${issue.message}`,
        payload: JSON.stringify(c),
      });
      return;
    }
    const missing = wanted.find((s) => p.data[s] === undefined);
    if (missing) {
      rejected.push({
        index,
        reason: `${missing}: requested price side is missing`,
        payload: JSON.stringify(c),
      });
      return;
    }
    const ms = parseOandaTime(p.data.time);
    if (lastTimeMs === null || ms > lastTimeMs) {
      lastTimeMs = ms;
      lastTime = p.data.time;
    }
    if (!p.data.complete) {
      incomplete++;
      return;
    }
    time.push(ms);
    vol.push(p.data.volume);
    for (const s of SIDES) {
      const q = p.data[s];
      for (const k of ["o", "h", "l", "c"] as const) px[`${s}_${k}`]!.push(q ? Number(q[k]) : NaN);
    }
  });
  const series = [
    pl.Series("time_ms", time.finish()).cast(pl.Int64),
    pl.Series("volume", vol.finish()).cast(pl.Int64),
    ...Object.entries(px).map(([k, b]) => pl.Series(k, b.finish())),
  ];
  const frame = pl.DataFrame(series)
    .withColumns(
      ...Object.keys(px).map((k) => pl.col(k).fillNan(pl.lit(null))),
      pl.lit(env.instrument).alias("instrument"),
      pl.lit(env.granularity).alias("granularity"),
    );
  return { frame, rejected, lastTimeMs, lastTime, incomplete, fields: sampleFields(env.candles) };
}

/** OANDA v20 REST client. */
export class OandaClient {
  readonly http: HttpClient;
  readonly #base: string;
  readonly #key: Secret;

  constructor(options: OandaClientOptions) {
    this.#base = options.baseUrl ?? "https://api-fxpractice.oanda.com";
    this.#key = options.apiKey;
    this.http = options.http ?? new HttpClient({
      vendor: "oanda",
      minIntervalMs: 20,
      concurrency: 4,
      secrets: [options.apiKey],
      ...options.httpOptions,
    });
  }

  /**
   * Complete candles of an instrument in [from, to), paging by time.
   * `price` is any of "M", "B", "A" combined (default "MBA").
   */
  async *candles(instrument: string, options: {
    granularity: string;
    from: string;
    to: string;
    price?: string;
    count?: number;
  }) {
    const toMs = Date.parse(options.to);
    let from = options.from;
    let first = true;
    const seen = new Set<string>();
    for (;;) {
      const u = joinUrl(this.#base, `v3/instruments/${encodeURIComponent(instrument)}/candles`);
      u.searchParams.set("price", options.price ?? "MBA");
      u.searchParams.set("granularity", options.granularity);
      u.searchParams.set("from", from);
      // `to` bounds the page when the rest of the window fits in one page; otherwise `count`
      // (never both with `from`, which the vendor rejects).
      const cap = options.count ?? 5000;
      const span = GRANULARITY_MS[options.granularity];
      const fromMs = parseOandaTime(from);
      const bounded = span !== undefined && (toMs - fromMs) / span <= cap;
      if (bounded) u.searchParams.set("to", options.to);
      else u.searchParams.set("count", String(cap));
      if (!first) u.searchParams.set("includeFirst", "false");
      const res = await this.http.getJson(u, {
        headers: {
          Authorization: `Bearer ${this.#key.reveal()}`,
          "Accept-Datetime-Format": "RFC3339",
        },
        check: oandaVerdict,
      });
      const page = parseCandlesPage(res.value, options.price ?? "MBA");
      const frame = page.frame.filter(pl.col("time_ms").lt(toMs));
      yield {
        url: res.url,
        frame,
        rejected: page.rejected,
        incomplete: page.incomplete,
        fields: page.fields,
      };
      if (bounded) break; // the page covered the rest of the window
      if (page.lastTime === null || page.lastTimeMs === null || page.lastTimeMs >= toMs) break;
      if (page.incomplete > 0) break; // the forming bar is the newest one: nothing after it yet
      if (seen.has(page.lastTime)) break;
      seen.add(page.lastTime);
      from = page.lastTime;
      first = false;
    }
  }
}
