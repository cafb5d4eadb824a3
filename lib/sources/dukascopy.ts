/**
 * Dukascopy historical ticks: one LZMA-compressed `.bi5` file per instrument and UTC hour,
 * `<base>/<INSTRUMENT>/<YYYY>/<MM>/<DD>/<HH>h_ticks.bi5` with the MONTH COUNTED FROM 0
 * (`EURUSD/2024/02/15/13h_ticks.bi5` is 2024-03-15 13:00-14:00 UTC). No key, no query string.
 *
 * Wire format of a file: the "LZMA alone" container (13-byte header: properties byte, 32-bit
 * little-endian dictionary size, 64-bit little-endian uncompressed size or all ones for
 * "unknown, end marker"), decompressing to records of 20 bytes, all big-endian:
 *
 * | bytes | type    | field                                        |
 * | ----- | ------- | -------------------------------------------- |
 * | 0-3   | uint32  | milliseconds since the start of the hour     |
 * | 4-7   | uint32  | ask in points                                |
 * | 8-11  | uint32  | bid in points                                |
 * | 12-15 | float32 | ask volume (millions of base units)          |
 * | 16-19 | float32 | bid volume (millions of base units)          |
 *
 * price = points / decimalFactor (10^5 for most pairs, 10^3 for JPY pairs and metals: see
 * {@link DUKASCOPY_DECIMAL_FACTOR}). An hour without ticks (weekend, holiday) is a 0-byte file.
 *
 * LZMA: decoded by `lzma1` (npm, MIT, pure TypeScript port of the LZMA SDK's LZMA-alone coder,
 * maintained 2024-2026; no native code, so it runs under Deno anywhere). Its decoder does not
 * report a stream cut short (past the end of input it reads -1 and decodes garbage); every call
 * here goes through {@link decodeLzmaAlone}, which detects any read past the input and fails
 * the body, so a truncated download is retried rather than landed. (A stream with a declared
 * size ends in the range coder's 5 flush bytes, which the decoder does not need: losing only
 * those loses no data, and decodes to the same records.)
 *
 * Binary records have no field names, so there is no zod schema: the layout is checked by size
 * (a multiple of 20 bytes) and each record by value (see {@link parseBi5}).
 *
 * @see https://github.com/Leo4815162342/dukascopy-node (URL layout, record layout, decimal factors)
 * @example
 * ```ts
 * const dk = new DukascopyClient({ baseUrl: "https://datafeed.dukascopy.com/datafeed" });
 * const h = await dk.hourTicks("EURUSD", Date.UTC(2024, 2, 15, 13));
 * h.ticks.length; // records in the hour
 * ```
 */
import pl from "nodejs-polars";
import { decompress } from "lzma1";
import { DataError } from "../core/errors.ts";
import { HttpClient, type HttpClientOptions } from "./_http.ts";
import type { Rejected } from "./_wire.ts";
import { joinUrl } from "./endpoints.ts";

// The record layout and price scales live in a module without Polars, so the simulated
// market's datafeed (lib/sources/sim/dukascopy.ts) can use them on a thread that loads no Polars.
export {
  BI5_RECORD_BYTES,
  decimalFactor,
  DUKASCOPY_DECIMAL_FACTOR,
  MS_PER_HOUR,
} from "./_dukascopy_format.ts";
import { BI5_RECORD_BYTES, decimalFactor, MS_PER_HOUR } from "./_dukascopy_format.ts";

/**
 * Path of the hour file holding `hourMs` (UTC, floored to the hour), month counted from 0.
 * @example bi5Path("EURUSD", Date.UTC(2024, 2, 15, 13)) // "EURUSD/2024/02/15/13h_ticks.bi5"
 */
export function bi5Path(instrument: string, hourMs: number): string {
  const d = new Date(Math.floor(hourMs / MS_PER_HOUR) * MS_PER_HOUR);
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${instrument}/${d.getUTCFullYear()}/${p2(d.getUTCMonth())}/${p2(d.getUTCDate())}/${
    p2(d.getUTCHours())
  }h_ticks.bi5`;
}

/**
 * Decode an LZMA-alone stream, failing (Error) when the decoder reads past the end of the
 * input (a truncated body) or the container is corrupt. A 0-byte input decodes to 0 bytes.
 */
export function decodeLzmaAlone(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return new Uint8Array(0);
  if (bytes.length < 13) throw new Error(`LZMA stream of ${bytes.length} bytes: header cut short`);
  // A declared size (bytes 5..12, little-endian; all ones = unknown) bounds the output.
  let known = false;
  for (let i = 5; i < 13; i++) if (bytes[i] !== 0xff) known = true;
  let size = -1;
  if (known) {
    size = 0;
    for (let i = 12; i >= 5; i--) size = size * 256 + bytes[i]!;
    if (size > MAX_DECODED_BYTES) {
      throw new Error(`LZMA stream declares ${size} bytes (more than ${MAX_DECODED_BYTES})`);
    }
  }
  // lzma1 reads the input as `buf[pos++]` while `pos < buf.length`; answering a longer length
  // through a proxy makes the first read past the real end visible, and it stops the decoder
  // (fed with -1 it would decode garbage, without end on a stream of unknown size).
  const n = bytes.length;
  const probe = new Proxy(bytes, {
    get(target, prop) {
      if (prop === "length") return n + 64;
      if (typeof prop === "string" && prop.length > 0 && prop.charCodeAt(0) <= 57) {
        const i = Number(prop);
        if (Number.isInteger(i)) {
          if (i >= n) throw new TruncatedStream(n);
          return target[i];
        }
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  let out: Uint8Array;
  try {
    out = decompress(probe);
  } catch (e) {
    if (e instanceof TruncatedStream) throw new Error(e.message);
    throw new Error(`LZMA stream corrupt: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (size >= 0 && size !== out.length) {
    throw new Error(`LZMA stream declares ${size} bytes but decodes to ${out.length}`);
  }
  return out;
}

/** Largest decoded hour accepted (a busy hour is well under 1 MB). */
const MAX_DECODED_BYTES = 64 * 1024 * 1024;

class TruncatedStream extends Error {
  constructor(n: number) {
    super(`LZMA stream truncated: the decoder needs more than its ${n} bytes`);
  }
}

/** Ticks of one hour file as typed columns (raw units). */
export interface Bi5Ticks {
  length: number;
  /** Milliseconds since the start of the hour. */
  ms: Float64Array;
  askPoints: Float64Array;
  bidPoints: Float64Array;
  askVolume: Float64Array;
  bidVolume: Float64Array;
}

/**
 * Decompressed records to columns. Throws (Error) when the length is not a multiple of 20 bytes
 * (a damaged file). Record-level checks are left to {@link rejectTicks}.
 */
export function recordsToTicks(raw: Uint8Array): Bi5Ticks {
  if (raw.length % BI5_RECORD_BYTES !== 0) {
    throw new Error(
      `bi5 payload of ${raw.length} bytes is not a whole number of ${BI5_RECORD_BYTES}-byte records`,
    );
  }
  const n = raw.length / BI5_RECORD_BYTES;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const t: Bi5Ticks = {
    length: n,
    ms: new Float64Array(n),
    askPoints: new Float64Array(n),
    bidPoints: new Float64Array(n),
    askVolume: new Float64Array(n),
    bidVolume: new Float64Array(n),
  };
  for (let i = 0, o = 0; i < n; i++, o += BI5_RECORD_BYTES) {
    t.ms[i] = dv.getUint32(o, false);
    t.askPoints[i] = dv.getUint32(o + 4, false);
    t.bidPoints[i] = dv.getUint32(o + 8, false);
    t.askVolume[i] = dv.getFloat32(o + 12, false);
    t.bidVolume[i] = dv.getFloat32(o + 16, false);
  }
  return t;
}

/**
 * Decode a `.bi5` body (LZMA alone, then 20-byte records). 0 bytes = an hour without ticks.
 * @throws Error on a truncated or corrupt stream or a payload that is not whole records
 */
export function parseBi5(body: Uint8Array): Bi5Ticks {
  return recordsToTicks(decodeLzmaAlone(body));
}

/** Why a record cannot be a tick: the quarantine code and a description. */
export interface TickProblem {
  /** Quarantine reason code (lib/ingest/quarantine.ts). */
  code:
    | "outside_range"
    | "not_increasing"
    | "not_positive"
    | "invalid_value"
    | "negative_volume"
    | "not_a_number";
  detail: string;
}

/**
 * Problems of the records (null = a valid tick), checked in order: ms >= 3,600,000
 * (`outside_range`), ms before the previous valid record's (`not_increasing`), bid or ask 0
 * (`not_positive`), ask below bid (`invalid_value`, a crossed quote), a volume below zero
 * (`negative_volume`) or not finite (`not_a_number`).
 */
export function rejectTicks(t: Bi5Ticks): (TickProblem | null)[] {
  const out: (TickProblem | null)[] = new Array(t.length).fill(null);
  let last = -1;
  for (let i = 0; i < t.length; i++) {
    const ms = t.ms[i]!, a = t.askPoints[i]!, b = t.bidPoints[i]!;
    const av = t.askVolume[i]!, bv = t.bidVolume[i]!;
    let r: TickProblem | null = null;
    if (ms >= MS_PER_HOUR) r = { code: "outside_range", detail: `ms ${ms} is past the hour` };
    else if (ms < last) {
      r = { code: "not_increasing", detail: `ms ${ms} before the previous tick's ${last}` };
    } else if (a <= 0 || b <= 0) r = { code: "not_positive", detail: "bid or ask of 0 points" };
    else if (a < b) r = { code: "invalid_value", detail: `crossed quote: ask ${a} below bid ${b}` };
    else if (!Number.isFinite(av) || !Number.isFinite(bv)) {
      r = { code: "not_a_number", detail: "volume not finite" };
    } else if (av < 0 || bv < 0) r = { code: "negative_volume", detail: "volume below zero" };
    out[i] = r;
    if (r === null) last = ms;
  }
  return out;
}

/** Options of {@link DukascopyClient}. */
export interface DukascopyClientOptions {
  /** Base URL (the folder holding the instrument folders). @default https://datafeed.dukascopy.com/datafeed */
  baseUrl?: string;
  /** Shared HTTP client. @default 10 requests/s, 4 in flight */
  http?: HttpClient;
  /** Options for the HTTP client when `http` is not given. */
  httpOptions?: Partial<HttpClientOptions>;
}

/** One fetched hour: the raw rows (valid records) and the rejected records. */
export interface DukascopyHour {
  url: string;
  hourMs: number;
  ticks: Bi5Ticks;
  /** Raw lake rows of the valid records (see {@link hourFrame}). */
  frame: pl.DataFrame;
  rejected: Rejected[];
  bytes: number;
}

/**
 * Raw rows of an hour: `instrument, ts (hour + ms, UTC), hour_ms, seq (record index in the
 * file), ms, ask_points, bid_points, ask_volume, bid_volume`, valid records only.
 */
export function hourFrame(
  instrument: string,
  hourMs: number,
  t: Bi5Ticks,
  keep: readonly (unknown | null)[],
): pl.DataFrame {
  const idx: number[] = [];
  for (let i = 0; i < t.length; i++) if (keep[i] === null) idx.push(i);
  const pick = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]!);
  const ms = pick(t.ms);
  return pl.DataFrame([
    pl.Series("instrument", idx.map(() => instrument), pl.Utf8),
    pl.Series("ts", Float64Array.from(ms, (m) => hourMs + m)).cast(pl.Int64).cast(
      pl.Datetime("ms", "UTC"),
    ),
    pl.Series("hour_ms", idx.map(() => hourMs), pl.Float64).cast(pl.Int64),
    pl.Series("seq", Float64Array.from(idx)).cast(pl.Int64),
    pl.Series("ms", ms).cast(pl.Int64),
    pl.Series("ask_points", pick(t.askPoints)).cast(pl.Int64),
    pl.Series("bid_points", pick(t.bidPoints)).cast(pl.Int64),
    pl.Series("ask_volume", pick(t.askVolume)),
    pl.Series("bid_volume", pick(t.bidVolume)),
  ]);
}

/** Dukascopy datafeed client (no key). */
export class DukascopyClient {
  readonly http: HttpClient;
  readonly #base: string;

  constructor(options: DukascopyClientOptions = {}) {
    this.#base = options.baseUrl ?? "https://datafeed.dukascopy.com/datafeed";
    this.http = options.http ?? new HttpClient({
      vendor: "dukascopy",
      minIntervalMs: 100,
      concurrency: 4,
      ...options.httpOptions,
    });
  }

  /**
   * Ticks of one UTC hour (`hourMs` floored to the hour). A truncated or corrupt body is
   * retried by the HTTP layer; records that cannot be ticks come back in `rejected` with a
   * reason and the record as JSON.
   */
  async hourTicks(instrument: string, hourMs: number): Promise<DukascopyHour> {
    decimalFactor(instrument); // an unknown instrument fails before any request
    const h = Math.floor(hourMs / MS_PER_HOUR) * MS_PER_HOUR;
    const u = joinUrl(this.#base, bi5Path(instrument, h));
    const res = await this.http.get(u, {
      parse: () => {
        throw new DataError("a .bi5 body is binary", { source: "dukascopy" });
      },
      parseBytes: parseBi5,
    });
    const ticks = res.value;
    const reasons = rejectTicks(ticks);
    const rejected: Rejected[] = [];
    reasons.forEach((r, index) => {
      if (r === null) return;
      rejected.push({
        index,
        reason: r.code,
        payload: JSON.stringify({
          problem: r.detail,
          hour: new Date(h).toISOString(),
          ms: ticks.ms[index],
          ask_points: ticks.askPoints[index],
          bid_points: ticks.bidPoints[index],
          ask_volume: ticks.askVolume[index],
          bid_volume: ticks.bidVolume[index],
        }),
      });
    });
    return {
      url: res.url,
      hourMs: h,
      ticks,
      frame: hourFrame(instrument, h, ticks, reasons),
      rejected,
      bytes: res.bytes,
    };
  }
}
