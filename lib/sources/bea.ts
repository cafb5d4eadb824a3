/**
 * BEA API connector (JSON): `GetData` of NIPA tables.
 *
 * Wire format (BEA API user guide, https://apps.bea.gov/api/_pdf/bea_web_service_api_user_guide.pdf,
 * NIPA appendix): `GET <base>/data?UserID=<key>&method=GetData&DataSetName=NIPA&TableName=T10105
 * &Frequency=Q&Year=2023,2024&ResultFormat=JSON` answers `{BEAAPI: {Request: {RequestParam:
 * [...]}, Results: {Statistic, UTCProductionTime, Dimensions, Data: [{TableName, SeriesCode,
 * LineNumber, LineDescription, TimePeriod, METRIC_NAME, CL_UNIT, UNIT_MULT, DataValue,
 * NoteRef}], Notes: [{NoteRef, NoteText}]}}}`. Every field is a string; `DataValue` has thousands
 * separators (`"27,956,034"`) and is worth DataValue x 10^UNIT_MULT `CL_UNIT`; `TimePeriod` is
 * `2024` (annual), `2024Q1` or `2024M01`; `(NA)`, `(D)`, `(NM)` and `---` mark values that are not
 * available, suppressed or not meaningful. The table's note (NoteRef = TableName) ends with
 * `LastRevised: <Month D, YYYY>`: the table's vintage. Errors come with HTTP 200 as
 * `BEAAPI.Results.Error` or `BEAAPI.Error` `{APIErrorCode, APIErrorDescription}`; the request echo
 * (`Request.RequestParam`) repeats the UserID, so only `Data` and `Notes` are ever kept.
 *
 * Limits (same guide, "Data Request Limits"): 100 requests, 100 MB and 30 errors a minute; beyond
 * them the API answers HTTP 429 and locks the key out for an hour (honoured through Retry-After).
 *
 * @example
 * ```ts
 * const bea = new BeaClient({ apiKey: new Secret("36-character-user-id") });
 * const page = await bea.nipa("T10105", "Q", [2023, 2024]);
 * ```
 */
import { MONTH_NAMES } from "../time/mod.ts";
import pl from "nodejs-polars";
import { z } from "zod";
import type { Secret } from "../core/secret.ts";
import { HttpClient, type HttpClientOptions, type VendorVerdict } from "./_http.ts";
import { type Rejected, sampleFields } from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

/** NIPA frequencies. */
export type BeaFrequency = "A" | "Q" | "M";

/** One row of `BEAAPI.Results.Data` (NIPA). */
export const BeaDataSchema = z.object({
  TableName: z.string().min(1),
  SeriesCode: z.string(),
  LineNumber: z.string().regex(/^\d+$/),
  LineDescription: z.string(),
  TimePeriod: z.string().regex(/^\d{4}(Q[1-4]|M(0[1-9]|1[0-2]))?$/, {
    message: "TimePeriod must be YYYY, YYYYQn or YYYYMmm",
  }),
  METRIC_NAME: z.string().optional(),
  CL_UNIT: z.string(),
  UNIT_MULT: z.string().regex(/^-?\d+$/),
  DataValue: z.string(),
  NoteRef: z.string().optional(),
}).loose();

const ErrorSchema = z.object({
  APIErrorCode: z.union([z.string(), z.number()]).optional(),
  APIErrorDescription: z.string().optional(),
}).loose();

/** The answer's envelope (only what the connector reads). */
export const BeaEnvelope = z.object({
  BEAAPI: z.object({
    Error: ErrorSchema.optional(),
    Results: z.object({
      Error: ErrorSchema.optional(),
      Data: z.array(z.unknown()).optional(),
      Notes: z.array(z.object({ NoteRef: z.string(), NoteText: z.string() }).loose()).optional(),
    }).loose().optional(),
  }).loose(),
}).loose();

/**
 * BEA errors inside a 200 body. Parameter and key errors are permanent; a description that asks
 * to try again (the simulated market's transient answer) is retried; "No data exists for the
 * parameters requested" is an empty answer (null: data).
 */
export function beaVerdict(body: unknown): VendorVerdict | null {
  const p = BeaEnvelope.safeParse(body);
  if (!p.success) return { message: "not a BEA answer (no BEAAPI object)", retryable: false };
  const err = p.data.BEAAPI.Error ?? p.data.BEAAPI.Results?.Error;
  if (err) {
    // A window of years without any data answers with an error; it is an empty page, not a
    // failure (the user guide: requested years that are unavailable are left out, and a request
    // with none available returns an error).
    if (/no data exists/i.test(err.APIErrorDescription ?? "")) return null;
    const text = `APIErrorCode ${err.APIErrorCode ?? "?"}: ${err.APIErrorDescription ?? ""}`;
    return { message: text, retryable: /try again|temporar|unavailable/i.test(text) };
  }
  if (!p.data.BEAAPI.Results?.Data) {
    return { message: "BEA answer has neither Results.Data nor an error", retryable: false };
  }
  return null;
}

/** Options of {@link BeaClient}. */
export interface BeaClientOptions {
  /** Base URL. @default https://apps.bea.gov/api */
  baseUrl?: string;
  /** UserID (query parameter `UserID`; removed from every logged or stored URL). */
  apiKey: Secret;
  /** Shared HTTP client. @default 1 request per 0.7 s, 90 a minute */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
  /** Years per request (the client splits longer ranges). @default 20 */
  yearsPerRequest?: number;
}

/** One table answer as wire columns. */
export interface BeaPage {
  url: string;
  frame: pl.DataFrame;
  rejected: Rejected[];
  fields: Record<string, string>;
  /** The table's note text (NoteRef = table name), "" when absent. */
  tableNote: string;
  /** Instant the answer arrived (epoch ms). */
  fetchedAtMs: number;
}

/** BEA client (NIPA GetData). */
export class BeaClient {
  readonly http: HttpClient;
  readonly #base: string;
  readonly #key: Secret;
  readonly #years: number;

  constructor(options: BeaClientOptions) {
    this.#base = options.baseUrl ?? "https://apps.bea.gov/api";
    this.#key = options.apiKey;
    this.#years = options.yearsPerRequest ?? 20;
    this.http = options.http ?? new HttpClient({
      vendor: "bea",
      minIntervalMs: 700,
      jitterMs: 50,
      perMinute: 90,
      concurrency: 2,
      secrets: [options.apiKey],
      ...options.httpOptions,
    });
  }

  /** One GetData request for a NIPA table, frequency and list of years. */
  async nipa(table: string, frequency: BeaFrequency, years: number[]): Promise<BeaPage> {
    if (!/^[A-Z0-9]+$/.test(table)) throw new RangeError(`Invalid NIPA table name ${table}`);
    const u = joinUrl(this.#base, "data");
    u.searchParams.set("UserID", this.#key.reveal());
    u.searchParams.set("method", "GetData");
    u.searchParams.set("DataSetName", "NIPA");
    u.searchParams.set("TableName", table);
    u.searchParams.set("Frequency", frequency);
    u.searchParams.set("Year", years.join(","));
    u.searchParams.set("ResultFormat", "JSON");
    const res = await this.http.getJson(u, { check: beaVerdict });
    const fetchedAtMs = Date.now();
    const env = BeaEnvelope.parse(res.value);
    const rows = env.BEAAPI.Results?.Data ?? [];
    const note = (env.BEAAPI.Results?.Notes ?? []).find((n) => n.NoteRef === table);
    return {
      url: res.url,
      ...parseBeaData(rows),
      fields: sampleFields(rows),
      tableNote: note?.NoteText ?? "",
      fetchedAtMs,
    };
  }

  /** A table over [startYear, endYear], in requests of at most `yearsPerRequest` years. */
  async nipaRange(
    table: string,
    frequency: BeaFrequency,
    startYear: number,
    endYear: number,
  ): Promise<BeaPage[]> {
    if (!Number.isInteger(startYear) || !Number.isInteger(endYear) || startYear > endYear) {
      throw new RangeError(`Cannot query BEA years ${startYear}..${endYear}`);
    }
    const out: BeaPage[] = [];
    for (let y = startYear; y <= endYear; y += this.#years) {
      const ys: number[] = [];
      for (let k = y; k <= Math.min(endYear, y + this.#years - 1); k++) ys.push(k);
      out.push(await this.nipa(table, frequency, ys));
    }
    return out;
  }
}

/** Validate Data rows; wire columns as strings. */
export function parseBeaData(rows: unknown[]): { frame: pl.DataFrame; rejected: Rejected[] } {
  const cols = {
    table_name: [] as string[],
    series_code: [] as string[],
    line_number: [] as string[],
    line_description: [] as string[],
    time_period: [] as string[],
    metric_name: [] as (string | null)[],
    cl_unit: [] as string[],
    unit_mult: [] as string[],
    data_value: [] as string[],
    note_ref: [] as (string | null)[],
  };
  const rejected: Rejected[] = [];
  rows.forEach((r, index) => {
    const p = BeaDataSchema.safeParse(r);
    if (!p.success) {
      const issue = p.error.issues[0]!;
      rejected.push({
        index,
        reason: `${issue.path.join(".") || "(row)"}: ${issue.message}`,
        payload: JSON.stringify(r),
      });
      return;
    }
    const d = p.data;
    cols.table_name.push(d.TableName);
    cols.series_code.push(d.SeriesCode);
    cols.line_number.push(d.LineNumber);
    cols.line_description.push(d.LineDescription);
    cols.time_period.push(d.TimePeriod);
    cols.metric_name.push(d.METRIC_NAME ?? null);
    cols.cl_unit.push(d.CL_UNIT);
    cols.unit_mult.push(d.UNIT_MULT);
    cols.data_value.push(d.DataValue);
    cols.note_ref.push(d.NoteRef ?? null);
  });
  return {
    frame: pl.DataFrame(
      Object.entries(cols).map(([k, v]) => pl.Series(k, v as (string | null)[], pl.Utf8)),
    ),
    rejected,
  };
}

/** BEA markers of a value that is not available, suppressed or not meaningful. */
export const BEA_MISSING = new Set(["(NA)", "(D)", "(NM)", "---", "(S)", "(L)", "(X)"]);

/**
 * A BEA DataValue as a number: thousands separators removed; null for a missing-value marker or
 * anything else that is not a plain decimal (the caller quarantines those).
 *
 * @example
 * ```ts
 * beaNumber("27,956,034"); // 27956034
 * beaNumber("-1.3");       // -1.3
 * beaNumber("(NA)");       // null
 * ```
 */
export function beaNumber(v: string): number | null {
  const s = v.trim();
  // Separators only between groups of three digits: "1,2345" is not a number.
  if (!/^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(s)) return null;
  return Number(s.replace(/,/g, ""));
}

/**
 * Decode a TimePeriod: first day of the period and the frequency; null when malformed.
 *
 * @example
 * ```ts
 * beaPeriod("2024Q3"); // { date: "2024-07-01", frequency: "Q" }
 * ```
 */
export function beaPeriod(tp: string): { date: string; frequency: BeaFrequency } | null {
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(tp))) return { date: `${m[1]}-01-01`, frequency: "A" };
  if ((m = /^(\d{4})Q([1-4])$/.exec(tp))) {
    const mo = 3 * (Number(m[2]) - 1) + 1;
    return { date: `${m[1]}-${String(mo).padStart(2, "0")}-01`, frequency: "Q" };
  }
  if ((m = /^(\d{4})M(0[1-9]|1[0-2])$/.exec(tp))) {
    return { date: `${m[1]}-${m[2]}-01`, frequency: "M" };
  }
  return null;
}

/**
 * The `LastRevised: <Month D, YYYY>` date of a table note as YYYY-MM-DD; null when the note has
 * none or the date is not a real one.
 *
 * @example
 * ```ts
 * lastRevised("Table 1.1.5. Gross Domestic Product - LastRevised: March 28, 2024"); // "2024-03-28"
 * ```
 */
export function lastRevised(note: string): string | null {
  const m = /LastRevised:\s*([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})/.exec(note);
  if (!m) return null;
  const mo = MONTH_NAMES.indexOf(m[1]!.toLowerCase());
  if (mo < 0) return null;
  const iso = `${m[3]}-${String(mo + 1).padStart(2, "0")}-${m[2]!.padStart(2, "0")}`;
  const t = Date.parse(iso + "T00:00:00Z");
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === iso ? iso : null;
}
