/**
 * FRED / ALFRED connector (API v1, JSON): observations with full vintage history, series
 * metadata and vintage dates.
 *
 * Vintage history: the real-time window [realtime_start, realtime_end] is split so that no
 * request spans more than `maxVintages` vintage dates (the vendor caps json at 2000 and answers
 * 400 "... exceeds the maximum number of vintage dates"); the split points are the series' own
 * vintage dates. A value valid across a split point comes back clipped twice; the pieces are
 * merged again (same date and value, adjacent validity), which reproduces the unsplit answer.
 * `"."` becomes null; every value is parsed as a number.
 *
 * @see /work/shared/reference/vendor-formats.md section 1; https://fred.stlouisfed.org/docs/api/fred/
 */
import pl from "nodejs-polars";
import { z } from "zod";
import type { Secret } from "../core/secret.ts";
import { HttpClient, type HttpClientOptions, HttpError, type VendorVerdict } from "./_http.ts";
import { numOrNull, type Rejected, sampleFields } from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

/** The default macro series list. */
export const FRED_DEFAULT_SERIES = [
  "FEDFUNDS",
  "DTB3",
  "DGS2",
  "DGS10",
  "T10Y2Y",
  "CPIAUCSL",
  "PCEPILFE",
  "T5YIFR",
  "MICH",
  "PAYEMS",
  "UNRATE",
  "ICSA",
  "JTSJOL",
  "INDPRO",
  "USSLIND",
  "UMCSENT",
  "BAA10Y",
  "BAMLC0A4CBBB",
  "STLFSI4",
  "WALCL",
  "SP500",
  "DJIA",
  "NASDAQCOM",
  "VIXCLS",
] as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Wire row of `series/observations`: every value a string, "." for missing. */
export const FredObservationSchema = z.object({
  realtime_start: z.string().regex(DATE),
  realtime_end: z.string().regex(DATE),
  date: z.string().regex(DATE),
  value: z.string().refine((v) => v === "." || Number.isFinite(Number(v)) && v.trim() !== "", {
    message: 'value must be a number string or "."',
  }),
});

/** Envelope of `series/observations`. */
export const FredObservationsEnvelope = z.object({
  count: z.number(),
  offset: z.number(),
  limit: z.number(),
  observations: z.array(z.unknown()),
}).loose();

/** One series of `fred/series` (`seriess`, double s). */
export const FredSeriesSchema = z.object({
  id: z.string(),
  title: z.string(),
  observation_start: z.string(),
  observation_end: z.string(),
  frequency_short: z.string(),
  units: z.string(),
  seasonal_adjustment_short: z.string().optional(),
  last_updated: z.string(),
  notes: z.string().optional(),
}).loose();

/** FRED's error body (also checked in 200 bodies). */
export function fredVerdict(body: unknown): VendorVerdict | null {
  if (body === null || typeof body !== "object") return null;
  const b = body as Record<string, unknown>;
  if (b.error_code === undefined && b.error_message === undefined) return null;
  const code = Number(b.error_code);
  return { message: `${b.error_code}: ${b.error_message}`, retryable: code === 429 || code >= 500 };
}

/** Options of {@link FredClient}. */
export interface FredClientOptions {
  /** Base URL. @default https://api.stlouisfed.org/fred */
  baseUrl?: string;
  /** API key (`api_key` query parameter). */
  apiKey: Secret;
  /** Shared HTTP client. @default pacing at 2 requests/s and 120/min */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
  /** Largest number of vintage dates per observations request. @default 2000 */
  maxVintages?: number;
}

/** Observations of one series as wire columns (strings as received). */
export interface FredObservationPage {
  url: string;
  frame: pl.DataFrame;
  rejected: Rejected[];
  fields: Record<string, string>;
}

/** FRED/ALFRED client. */
export class FredClient {
  readonly http: HttpClient;
  readonly #base: string;
  readonly #key: Secret;
  readonly #maxVintages: number;

  constructor(options: FredClientOptions) {
    this.#base = options.baseUrl ?? "https://api.stlouisfed.org/fred";
    this.#key = options.apiKey;
    this.#maxVintages = options.maxVintages ?? 2000;
    this.http = options.http ?? new HttpClient({
      vendor: "fred",
      minIntervalMs: 500,
      jitterMs: 50,
      perMinute: 120,
      concurrency: 2,
      secrets: [options.apiKey],
      ...options.httpOptions,
    });
  }

  #url(path: string, params: Record<string, string | number | undefined>): URL {
    const u = joinUrl(this.#base, path);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined) u.searchParams.set(k, String(v));
    }
    u.searchParams.set("file_type", "json");
    u.searchParams.set("api_key", this.#key.reveal());
    return u;
  }

  /** Series metadata (`last_updated` kept as the vendor's non-ISO text). */
  async series(seriesId: string): Promise<{ url: string; row: z.infer<typeof FredSeriesSchema> }> {
    const res = await this.http.getJson(this.#url("series", { series_id: seriesId }), {
      check: fredVerdict,
    });
    const env = z.object({ seriess: z.array(FredSeriesSchema).min(1) }).loose().parse(res.value);
    return { url: res.url, row: env.seriess[0]! };
  }

  /** All vintage dates of a series in a real-time window, paging by offset. */
  async vintageDates(
    seriesId: string,
    options: { realtimeStart?: string; realtimeEnd?: string } = {},
  ): Promise<string[]> {
    const out: string[] = [];
    for (let offset = 0;;) {
      const res = await this.http.getJson(
        this.#url("series/vintagedates", {
          series_id: seriesId,
          realtime_start: options.realtimeStart ?? "1776-07-04",
          realtime_end: options.realtimeEnd ?? "9999-12-31",
          limit: 10000,
          offset,
        }),
        { check: fredVerdict },
      );
      const env = z.object({
        count: z.number(),
        vintage_dates: z.array(z.string().regex(DATE)),
      }).loose().parse(res.value);
      out.push(...env.vintage_dates);
      offset += env.vintage_dates.length;
      if (env.vintage_dates.length === 0 || offset >= env.count) break;
    }
    return out;
  }

  /** Observations for one real-time window, all pages (offset paging). */
  async observationsWindow(seriesId: string, options: {
    realtimeStart: string;
    realtimeEnd: string;
    observationStart?: string;
    observationEnd?: string;
    limit?: number;
  }): Promise<FredObservationPage[]> {
    const pages: FredObservationPage[] = [];
    const limit = options.limit ?? 100_000;
    for (let offset = 0;;) {
      const res = await this.http.getJson(
        this.#url("series/observations", {
          series_id: seriesId,
          realtime_start: options.realtimeStart,
          realtime_end: options.realtimeEnd,
          observation_start: options.observationStart,
          observation_end: options.observationEnd,
          sort_order: "asc",
          limit,
          offset,
        }),
        { check: fredVerdict },
      );
      const env = FredObservationsEnvelope.parse(res.value);
      pages.push({
        url: res.url,
        ...parseObservations(env.observations, seriesId),
        fields: sampleFields(env.observations),
      });
      offset += env.observations.length;
      if (env.observations.length === 0 || offset >= env.count) break;
    }
    return pages;
  }

  /**
   * Full vintage history of a series: real-time windows split on vintage dates so none exceeds
   * the cap, and the clipped pieces merged back. Returns one frame of wire columns plus rejects.
   */
  async observationsAllVintages(seriesId: string, options: {
    realtimeStart?: string;
    realtimeEnd?: string;
    observationStart?: string;
    observationEnd?: string;
  } = {}): Promise<
    {
      frame: pl.DataFrame;
      rejected: (Rejected & { url: string })[];
      urls: string[];
      fields: Record<string, string>[];
    }
  > {
    const rtStart = options.realtimeStart ?? "1776-07-04";
    const rtEnd = options.realtimeEnd ?? "9999-12-31";
    const vintages = await this.vintageDates(seriesId, {
      realtimeStart: rtStart,
      realtimeEnd: rtEnd,
    });
    const windows = splitWindows(vintages, rtStart, rtEnd, this.#maxVintages);
    const frames: pl.DataFrame[] = [];
    const rejected: (Rejected & { url: string })[] = [];
    const urls: string[] = [];
    const fields: Record<string, string>[] = [];
    const queue = [...windows];
    while (queue.length) {
      const w = queue.shift()!;
      let pages: FredObservationPage[];
      try {
        pages = await this.observationsWindow(seriesId, {
          realtimeStart: w[0],
          realtimeEnd: w[1],
          ...(options.observationStart ? { observationStart: options.observationStart } : {}),
          ...(options.observationEnd ? { observationEnd: options.observationEnd } : {}),
        });
      } catch (e) {
        // The vendor's own cap message: bisect the window on the vintage dates inside it.
        if (
          e instanceof HttpError && /exceeds the maximum number of vintage/i.test(String(e.cause))
        ) {
          const inside = vintages.filter((v) => v >= w[0] && v <= w[1]);
          if (inside.length < 2) throw e;
          const half = splitWindows(inside, w[0], w[1], Math.ceil(inside.length / 2));
          queue.unshift(...half);
          continue;
        }
        throw e;
      }
      for (const p of pages) {
        frames.push(p.frame);
        for (const r of p.rejected) rejected.push({ ...r, url: p.url });
        urls.push(p.url);
        fields.push(p.fields);
      }
    }
    const all = frames.length
      ? pl.concat(frames, { how: "vertical" })
      : emptyObservations(seriesId);
    return { frame: mergeClippedVintages(all), rejected, urls, fields };
  }
}

/**
 * Real-time windows covering [start, end] with at most `cap` vintage dates each; each window
 * starts on a vintage date and ends the day before the next window's first vintage.
 */
export function splitWindows(
  vintages: string[],
  start: string,
  end: string,
  cap: number,
): [string, string][] {
  const inside = vintages.filter((v) => v >= start && v <= end).sort();
  if (inside.length <= cap) return [[start, end]];
  const out: [string, string][] = [];
  for (let i = 0; i < inside.length; i += cap) {
    const ws = i === 0 ? start : inside[i]!;
    const next = inside[i + cap];
    const we = next === undefined ? end : dayBefore(next);
    out.push([ws, we]);
  }
  return out;
}

function dayBefore(date: string): string {
  return new Date(Date.parse(date + "T00:00:00Z") - 86_400_000).toISOString().slice(0, 10);
}
function dayAfter(date: string): string {
  return new Date(Date.parse(date + "T00:00:00Z") + 86_400_000).toISOString().slice(0, 10);
}

function emptyObservations(seriesId: string): pl.DataFrame {
  return pl.DataFrame({
    series_id: pl.Series("series_id", [] as string[], pl.Utf8),
    date: pl.Series("date", [] as string[], pl.Utf8),
    value: pl.Series("value", [] as string[], pl.Utf8),
    realtime_start: pl.Series("realtime_start", [] as string[], pl.Utf8),
    realtime_end: pl.Series("realtime_end", [] as string[], pl.Utf8),
  }).withColumns(pl.lit(seriesId).alias("series_id"));
}

/** Validate observation rows and return wire columns (values as received strings). */
export function parseObservations(
  rows: unknown[],
  seriesId: string,
): { frame: pl.DataFrame; rejected: Rejected[] } {
  const date: string[] = [], value: string[] = [], rs: string[] = [], re: string[] = [];
  const rejected: Rejected[] = [];
  rows.forEach((r, index) => {
    const p = FredObservationSchema.safeParse(r);
    if (!p.success) {
      const issue = p.error.issues[0]!;
      rejected.push({
        index,
        reason: `${issue.path.join(".") || "(row)"}: ${issue.message}`,
        payload: JSON.stringify(r),
      });
      return;
    }
    date.push(p.data.date);
    value.push(p.data.value);
    rs.push(p.data.realtime_start);
    re.push(p.data.realtime_end);
  });
  const frame = pl.DataFrame({
    series_id: pl.Series("series_id", date.map(() => seriesId), pl.Utf8),
    date: pl.Series("date", date, pl.Utf8),
    value: pl.Series("value", value, pl.Utf8),
    realtime_start: pl.Series("realtime_start", rs, pl.Utf8),
    realtime_end: pl.Series("realtime_end", re, pl.Utf8),
  });
  return { frame, rejected };
}

/**
 * Merge rows of the same (series, date, value) whose validity intervals touch (end + 1 day =
 * next start): the pieces a split real-time window produces. Rows are otherwise unchanged.
 */
export function mergeClippedVintages(frame: pl.DataFrame): pl.DataFrame {
  if (frame.height === 0) return frame;
  const sorted = frame.sort(["series_id", "date", "realtime_start"]);
  const sid = sorted.getColumn("series_id").toArray() as string[];
  const d = sorted.getColumn("date").toArray() as string[];
  const v = sorted.getColumn("value").toArray() as string[];
  const rs = sorted.getColumn("realtime_start").toArray() as string[];
  const re = sorted.getColumn("realtime_end").toArray() as string[];
  const o = {
    sid: [] as string[],
    d: [] as string[],
    v: [] as string[],
    rs: [] as string[],
    re: [] as string[],
  };
  for (let i = 0; i < d.length; i++) {
    const last = o.d.length - 1;
    if (
      last >= 0 && o.sid[last] === sid[i] && o.d[last] === d[i] && o.v[last] === v[i] &&
      (o.re[last] === rs[i] || dayAfter(o.re[last]!) === rs[i])
    ) {
      if (re[i]! > o.re[last]!) o.re[last] = re[i]!;
      continue;
    }
    if (last >= 0 && o.sid[last] === sid[i] && o.d[last] === d[i] && o.rs[last] === rs[i]) {
      // Same key twice (overlapping windows): keep the later validity end.
      if (re[i]! > o.re[last]!) o.re[last] = re[i]!;
      continue;
    }
    o.sid.push(sid[i]!);
    o.d.push(d[i]!);
    o.v.push(v[i]!);
    o.rs.push(rs[i]!);
    o.re.push(re[i]!);
  }
  return pl.DataFrame({
    series_id: pl.Series("series_id", o.sid, pl.Utf8),
    date: pl.Series("date", o.d, pl.Utf8),
    value: pl.Series("value", o.v, pl.Utf8),
    realtime_start: pl.Series("realtime_start", o.rs, pl.Utf8),
    realtime_end: pl.Series("realtime_end", o.re, pl.Utf8),
  });
}

/** A FRED value string as a number, `"."` as null. */
export function fredValue(v: string): number | null {
  return numOrNull(v);
}
