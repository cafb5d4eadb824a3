/**
 * BLS Public Data API v2 connector (JSON): time series by series id.
 *
 * Wire format (https://www.bls.gov/developers/api_signature_v2.htm): `POST
 * <base>/timeseries/data/` with a JSON body `{seriesid: [...], startyear, endyear,
 * registrationkey?, catalog?, calculations?, annualaverage?}`; the answer is
 * `{status, responseTime, message: [...], Results: {series: [{seriesID, data: [{year, period,
 * periodName, latest?, value, footnotes: [{code, text}] | [{}]}]}]}}`, newest first. Values are
 * strings; `-` marks a value that is not available. Periods: `M01`..`M12` months, `M13` the annual
 * average, `Q01`..`Q04` quarters (`Q05` annual average), `S01`/`S02` half-years (`S03` annual
 * average), `A01` annual. Errors arrive with HTTP 200: `status` `REQUEST_NOT_PROCESSED` (daily
 * threshold reached, invalid key) or `REQUEST_FAILED*`, with the reason in `message`; a series
 * that does not exist comes back with no data and a message naming it.
 *
 * Limits (https://www.bls.gov/developers/api_faqs.htm): with a registration key 500 queries a
 * day, 50 series and 20 years per query; without one 25 queries, 25 series and 10 years. The
 * client splits a year range into windows of at most that many years, and merges series that
 * are asked for at the same time (same window) into one query of at most that many series, so a
 * backfill of many series spends few of the day's queries. The daily budget is the HTTP layer's
 * `perDay` (per client); the vendor's own "daily threshold" answer is a permanent error.
 *
 * The registration key travels in the POST body, never in the URL; the body is not logged.
 *
 * @example
 * ```ts
 * const bls = new BlsClient({ apiKey: new Secret("my-key") });
 * const { frame } = await bls.series("CUSR0000SA0", 2020, 2024);
 * ```
 */
import pl from "nodejs-polars";
import { z } from "zod";
import { DataError } from "../core/errors.ts";
import type { Secret } from "../core/secret.ts";
import { HttpClient, type HttpClientOptions, type VendorVerdict } from "./_http.ts";
import { type Rejected, sampleFields } from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

/** Query limits of the API, with and without a registration key. */
export const BLS_LIMITS = {
  registered: { perDay: 500, series: 50, years: 20 },
  unregistered: { perDay: 25, series: 25, years: 10 },
} as const;

const PERIOD = /^(M(0[1-9]|1[0-3])|Q0[1-5]|S0[1-3]|A01)$/;

/** One footnote; BLS writes `[{}]` when a value has none. */
export const BlsFootnoteSchema = z.object({
  code: z.string().optional(),
  text: z.string().optional(),
}).loose();

/** One observation of `Results.series[].data`. */
export const BlsObservationSchema = z.object({
  year: z.string().regex(/^\d{4}$/),
  period: z.string().regex(PERIOD, { message: "period must be M01-M13, Q01-Q05, S01-S03 or A01" }),
  periodName: z.string(),
  latest: z.string().optional(),
  value: z.string(),
  footnotes: z.array(z.union([BlsFootnoteSchema, z.null()])).optional(),
}).loose();

/** One series of the answer. */
export const BlsSeriesSchema = z.object({
  seriesID: z.string().min(1),
  data: z.array(z.unknown()),
}).loose();

/** The answer's envelope. */
export const BlsEnvelope = z.object({
  status: z.string(),
  responseTime: z.number().optional(),
  message: z.array(z.string()).optional(),
  Results: z.object({ series: z.array(BlsSeriesSchema).optional() }).loose().optional(),
}).loose();

export type BlsEnvelope = z.infer<typeof BlsEnvelope>;

/**
 * BLS errors inside a 200 body. `REQUEST_NOT_PROCESSED` for the daily threshold or a bad key is
 * permanent (retrying spends more of the budget); other not-processed answers ("could not be
 * serviced, try again") are retried; `REQUEST_FAILED*` is permanent.
 */
export function blsVerdict(body: unknown): VendorVerdict | null {
  const p = BlsEnvelope.safeParse(body);
  if (!p.success) return { message: "not a BLS answer (no status)", retryable: false };
  const { status, message = [] } = p.data;
  if (status === "REQUEST_SUCCEEDED" && p.data.Results?.series) return null;
  const text = `${status}: ${message.join(" ") || "(no message)"}`;
  if (status === "REQUEST_NOT_PROCESSED") {
    const permanent = /threshold|key provided|invalid|not registered/i.test(text);
    return { message: text, retryable: !permanent };
  }
  return { message: text, retryable: false };
}

/** Options of {@link BlsClient}. */
export interface BlsClientOptions {
  /** Base URL. @default https://api.bls.gov/publicAPI/v2 */
  baseUrl?: string;
  /** Registration key (sent in the POST body). @default none: the unregistered limits apply */
  apiKey?: Secret;
  /** Shared HTTP client. @default pacing at 1 request/s, the daily budget of the key's tier */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
  /** How long a query waits for other series of the same window to join it (ms). @default 20 */
  lingerMs?: number;
}

/** One series' observations as wire columns (strings as received). */
export interface BlsSeriesPage {
  url: string;
  frame: pl.DataFrame;
  rejected: Rejected[];
  fields: Record<string, string>;
  /** The vendor's messages of the query (e.g. "No Data Available for Series X Year: 2003"). */
  messages: string[];
  /** Instant the answer arrived (epoch ms). */
  fetchedAtMs: number;
}

interface Waiter {
  id: string;
  resolve: (p: BlsSeriesPage) => void;
  reject: (e: unknown) => void;
}

/** BLS client: windows of years, merged multi-series queries. */
export class BlsClient {
  readonly http: HttpClient;
  readonly limits: { perDay: number; series: number; years: number };
  readonly #base: string;
  readonly #key: Secret | undefined;
  readonly #linger: number;
  readonly #pending = new Map<string, Waiter[]>();

  constructor(options: BlsClientOptions = {}) {
    this.#base = options.baseUrl ?? "https://api.bls.gov/publicAPI/v2";
    this.#key = options.apiKey;
    this.#linger = options.lingerMs ?? 20;
    this.limits = options.apiKey ? BLS_LIMITS.registered : BLS_LIMITS.unregistered;
    this.http = options.http ?? new HttpClient({
      vendor: "bls",
      minIntervalMs: 1000,
      jitterMs: 100,
      perDay: this.limits.perDay,
      concurrency: 1,
      ...(options.apiKey ? { secrets: [options.apiKey] } : {}),
      ...options.httpOptions,
    });
  }

  /**
   * Year windows covering [startYear, endYear], each at most `limits.years` long, newest last.
   *
   * @example
   * ```ts
   * new BlsClient().yearWindows(1990, 2024); // [[1990,1999],[2000,2009],[2010,2019],[2020,2024]]
   * ```
   */
  yearWindows(startYear: number, endYear: number): [number, number][] {
    if (!Number.isInteger(startYear) || !Number.isInteger(endYear) || startYear > endYear) {
      throw new RangeError(`Cannot query BLS years ${startYear}..${endYear}`);
    }
    const out: [number, number][] = [];
    for (let y = startYear; y <= endYear; y += this.limits.years) {
      out.push([y, Math.min(endYear, y + this.limits.years - 1)]);
    }
    return out;
  }

  /**
   * Every observation of a series in [startYear, endYear] (annual averages included), one page
   * per year window. Concurrent calls for the same window share queries of up to
   * `limits.series` series.
   */
  async series(seriesId: string, startYear: number, endYear: number): Promise<BlsSeriesPage[]> {
    const pages: BlsSeriesPage[] = [];
    for (const [a, b] of this.yearWindows(startYear, endYear)) {
      pages.push(await this.#enqueue(seriesId, a, b));
    }
    return pages;
  }

  #enqueue(id: string, a: number, b: number): Promise<BlsSeriesPage> {
    return new Promise((resolve, reject) => {
      const k = `${a}-${b}`;
      let list = this.#pending.get(k);
      if (!list) {
        list = [];
        this.#pending.set(k, list);
        setTimeout(() => this.#flush(k, a, b), this.#linger);
      }
      list.push({ id, resolve, reject });
      if (list.length >= this.limits.series) this.#flush(k, a, b);
    });
  }

  #flush(k: string, a: number, b: number): void {
    const list = this.#pending.get(k);
    if (!list || list.length === 0) return;
    this.#pending.delete(k);
    this.#query(list.map((w) => w.id), a, b).then((bySeries) => {
      for (const w of list) {
        const p = bySeries.get(w.id);
        if (p) w.resolve(p);
        else {
          w.reject(
            new DataError(`BLS answer for ${a}-${b} has no series ${w.id}`, {
              source: "bls",
              dataset: "series",
            }),
          );
        }
      }
    }, (e) => {
      for (const w of list) w.reject(e);
    });
  }

  /** One query (at most `limits.series` distinct ids), split into per-series pages. */
  async #query(ids: string[], a: number, b: number): Promise<Map<string, BlsSeriesPage>> {
    const unique = [...new Set(ids)];
    const body: Record<string, unknown> = {
      seriesid: unique,
      startyear: String(a),
      endyear: String(b),
      catalog: false,
      calculations: false,
      annualaverage: true,
    };
    if (this.#key) body.registrationkey = this.#key.reveal();
    const res = await this.http.getJson(joinUrl(this.#base, "timeseries/data/"), {
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
      check: blsVerdict,
    });
    const fetchedAtMs = Date.now();
    const env = BlsEnvelope.parse(res.value);
    const messages = env.message ?? [];
    const out = new Map<string, BlsSeriesPage>();
    for (const s of env.Results?.series ?? []) {
      const missing = messages.find((m) => /does not exist/i.test(m) && m.includes(s.seriesID));
      if (missing && s.data.length === 0) {
        throw new DataError(`BLS has no series ${s.seriesID}: ${missing}`, {
          source: "bls",
          dataset: "series",
        });
      }
      const { frame, rejected } = parseBlsObservations(s.data, s.seriesID);
      out.set(s.seriesID, {
        url: `${res.url} [${s.seriesID} ${a}-${b}]`,
        frame,
        rejected,
        fields: sampleFields(s.data),
        messages,
        fetchedAtMs,
      });
    }
    return out;
  }
}

/** Validate observation rows; wire columns as strings, footnotes as their JSON text. */
export function parseBlsObservations(
  rows: unknown[],
  seriesId: string,
): { frame: pl.DataFrame; rejected: Rejected[] } {
  const year: string[] = [], period: string[] = [], name: string[] = [];
  const latest: (string | null)[] = [], value: string[] = [], notes: string[] = [];
  const rejected: Rejected[] = [];
  rows.forEach((r, index) => {
    const p = BlsObservationSchema.safeParse(r);
    if (!p.success) {
      const issue = p.error.issues[0]!;
      rejected.push({
        index,
        reason: `${issue.path.join(".") || "(row)"}: ${issue.message}`,
        payload: JSON.stringify(r),
      });
      return;
    }
    year.push(p.data.year);
    period.push(p.data.period);
    name.push(p.data.periodName);
    latest.push(p.data.latest ?? null);
    value.push(p.data.value);
    notes.push(JSON.stringify((p.data.footnotes ?? []).filter((f) => f && (f.code || f.text))));
  });
  const frame = pl.DataFrame({
    series_id: pl.Series("series_id", year.map(() => seriesId), pl.Utf8),
    year: pl.Series("year", year, pl.Utf8),
    period: pl.Series("period", period, pl.Utf8),
    period_name: pl.Series("period_name", name, pl.Utf8),
    latest: pl.Series("latest", latest, pl.Utf8),
    value: pl.Series("value", value, pl.Utf8),
    footnotes: pl.Series("footnotes", notes, pl.Utf8),
  });
  return { frame, rejected };
}

/** What a BLS period code means. */
export interface BlsPeriod {
  /** First day of the period, YYYY-MM-DD. */
  date: string;
  /** `M`, `Q`, `S` or `A`. */
  frequency: "M" | "Q" | "S" | "A";
  /** True for M13, Q05 and S03: the annual average of a monthly, quarterly or half-year series. */
  annualAverage: boolean;
}

/**
 * Decode a year and period code; null for a code outside the documented set.
 *
 * @example
 * ```ts
 * blsPeriod("2024", "Q03"); // { date: "2024-07-01", frequency: "Q", annualAverage: false }
 * blsPeriod("2024", "M13"); // { date: "2024-01-01", frequency: "A", annualAverage: true }
 * ```
 */
export function blsPeriod(year: string, period: string): BlsPeriod | null {
  if (!/^\d{4}$/.test(year) || !PERIOD.test(period)) return null;
  const n = Number(period.slice(1));
  const d = (m: number) => `${year}-${String(m).padStart(2, "0")}-01`;
  switch (period[0]) {
    case "M":
      return n === 13
        ? { date: d(1), frequency: "A", annualAverage: true }
        : { date: d(n), frequency: "M", annualAverage: false };
    case "Q":
      return n === 5
        ? { date: d(1), frequency: "A", annualAverage: true }
        : { date: d(3 * (n - 1) + 1), frequency: "Q", annualAverage: false };
    case "S":
      return n === 3
        ? { date: d(1), frequency: "A", annualAverage: true }
        : { date: d(6 * (n - 1) + 1), frequency: "S", annualAverage: false };
    default:
      return { date: d(1), frequency: "A", annualAverage: false };
  }
}

/** BLS value strings that mean "not available" (`-`), kept as null with the marker. */
export const BLS_MISSING = new Set(["-", "(NA)", ""]);
