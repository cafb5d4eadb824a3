/**
 * Polygon/Massive WebSocket events: zod schemas of the wire events, the raw-zone column layout
 * of every channel, and a columnar accumulator that turns event arrays into typed columns
 * without keeping row objects.
 *
 * Wire facts (vendor-formats.md section 2, massive-ws-openapi.json): every frame is a JSON array
 * of events of mixed types; dispatch is on `ev`; timestamps are epoch milliseconds (exact in a
 * JS number up to 2^53, stored as Int64); the index value event `V` names its symbol `T`.
 * Aggregate events `A` (second) and `AM` (minute) are stamped by their window start `s`.
 *
 * `pushEvent` (the reference path: events already parsed, REST repairs, odd frames) validates
 * every event with its zod schema. The hot path, frame text straight into columns, is the
 * scanner of stream_scan.ts, which takes only events these schemas accept and writes the same
 * values (tests/ingest/stream_scan_test.ts checks both against each other).
 */
import pl from "nodejs-polars";
import { z } from "zod";
import type { ColumnType, DatasetSpec } from "../lake/mod.ts";
import { F64Builder, isNum, zodReason } from "../sources/_wire.ts";

/** Stream feeds (Polygon WebSocket clusters). */
export type Feed = "stocks" | "options" | "indices";
/** Event channels carried to the lake. */
export type Channel = "A" | "AM" | "T" | "Q" | "V";

const int = z.number().int();

/** Aggregate event (stocks and options carry volume fields; indices do not). */
export const WsAggSchema = z.object({
  ev: z.enum(["A", "AM"]),
  sym: z.string().min(1),
  s: int,
  e: int,
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number().optional(),
  av: z.number().optional(),
  op: z.number().optional(),
  vw: z.number().optional(),
  a: z.number().optional(),
  z: z.number().optional(),
  // A trade count (stored as Int64): a fractional value is refused, not truncated.
  n: int.optional(),
  otc: z.boolean().optional(),
}).loose();

/** Trade event (stocks: also `i`, `z`, `trfi`, `trft`). */
export const WsTradeSchema = z.object({
  ev: z.literal("T"),
  sym: z.string().min(1),
  t: int,
  q: int,
  p: z.number(),
  s: z.number(),
  x: int.optional(),
  i: z.string().optional(),
  z: int.optional(),
  c: z.array(int).optional(),
  trfi: int.optional(),
  trft: int.optional(),
}).loose();

/** Quote event (stocks: also `c`, `i[]`, `z`). */
export const WsQuoteSchema = z.object({
  ev: z.literal("Q"),
  sym: z.string().min(1),
  t: int,
  q: int,
  bp: z.number(),
  ap: z.number(),
  bs: z.number(),
  as: z.number(),
  bx: int.optional(),
  ax: int.optional(),
  c: int.optional(),
  i: z.array(int).optional(),
  z: int.optional(),
}).loose();

/** Index value event: the symbol key is `T`, not `sym`. */
export const WsValueSchema = z.object({
  ev: z.literal("V"),
  T: z.string().min(1),
  t: int,
  val: z.number(),
}).loose();

/** Status event (`connected`, `auth_success`, `auth_failed`, `success`, `max_connections`). */
export const WsStatusSchema = z.object({
  ev: z.literal("status"),
  status: z.string(),
  message: z.string().optional(),
}).loose();

const SCHEMAS: Record<Channel, z.ZodType> = {
  A: WsAggSchema,
  AM: WsAggSchema,
  T: WsTradeSchema,
  Q: WsQuoteSchema,
  V: WsValueSchema,
};

/** Raw-zone column layout of one channel (wire names kept; `ts` is the event time). */
export interface ChannelLayout {
  columns: [string, ColumnType][];
  /**
   * Identity of a row. It names `ts` (the time column, always equal to `t`: both are written
   * from the same value) rather than `t`, so that the lake writer sees the time column in the
   * key: a flush whose rows are all later than the partition's stored ones is then appended
   * without reading the partition (lib/lake/writer.ts, append fast path).
   */
  naturalKey: string[];
}

const AGG: ChannelLayout = {
  columns: [
    ["ticker", "str"],
    ["ts", "ts_ms"],
    ["t", "i64"],
    ["e", "i64"],
    ["o", "f64"],
    ["h", "f64"],
    ["l", "f64"],
    ["c", "f64"],
    ["v", "f64"],
    ["vw", "f64"],
    ["n", "i64"],
    ["av", "f64"],
    ["op", "f64"],
    ["a", "f64"],
    ["z", "f64"],
    ["origin", "str"],
  ],
  naturalKey: ["ticker", "ts"],
};

/** Column layouts by channel. Aggregates keep the REST aggs wire names (`t` = window start). */
export const LAYOUTS: Record<Channel, ChannelLayout> = {
  A: AGG,
  AM: AGG,
  T: {
    columns: [
      ["ticker", "str"],
      ["ts", "ts_ms"],
      ["t", "i64"],
      ["q", "i64"],
      ["p", "f64"],
      ["s", "f64"],
      ["x", "i32"],
      ["i", "str"],
      ["z", "i32"],
      ["c", "str"],
      ["trfi", "i32"],
      ["trft", "i64"],
    ],
    naturalKey: ["ticker", "ts", "q"],
  },
  Q: {
    columns: [
      ["ticker", "str"],
      ["ts", "ts_ms"],
      ["t", "i64"],
      ["q", "i64"],
      ["bp", "f64"],
      ["bs", "f64"],
      ["bx", "i32"],
      ["ap", "f64"],
      ["as", "f64"],
      ["ax", "i32"],
      ["c", "i32"],
      ["i", "str"],
      ["z", "i32"],
    ],
    naturalKey: ["ticker", "ts", "q"],
  },
  V: {
    columns: [["ticker", "str"], ["ts", "ts_ms"], ["t", "i64"], ["val", "f64"]],
    naturalKey: ["ticker", "ts"],
  },
};

/** A wire event that failed its schema. */
export interface RejectedEvent {
  reason: string;
  payload: string;
}

/**
 * A low-cardinality string column (trade conditions, quote indicators, origin) kept as codes
 * into its distinct values: the frame is built from the few distinct strings and a gather,
 * instead of one string per row crossing into Polars.
 */
export class DictColumn {
  /** Distinct values in order of first appearance (null included when seen). */
  readonly values: (string | null)[] = [];
  readonly #index = new Map<string | null, number>();
  #codes = new Uint32Array(1024);
  length = 0;

  push(v: string | null): void {
    let k = this.#index.get(v);
    if (k === undefined) {
      k = this.values.length;
      this.values.push(v);
      this.#index.set(v, k);
    }
    if (this.length === this.#codes.length) {
      const next = new Uint32Array(this.#codes.length * 2);
      next.set(this.#codes);
      this.#codes = next;
    }
    this.#codes[this.length++] = k;
  }

  /** The value of every row. */
  toArray(): (string | null)[] {
    return Array.from(this.#codes.subarray(0, this.length), (k) => this.values[k]!);
  }

  /** The Polars column. */
  toSeries(name: string): pl.Series {
    return gatherUtf8(name, this.values, this.#codes.subarray(0, this.length));
  }
}

/**
 * `values[codes[i]]` for every row, as a Polars string column. The gather runs in Polars on a
 * UInt32 column built from the typed array (`Series.gather` would take a JS array of numbers,
 * several times slower to convert than the strings themselves).
 */
function gatherUtf8(name: string, values: (string | null)[], codes: Uint32Array): pl.Series {
  return pl.DataFrame([pl.Series(name, values, pl.Utf8)])
    .select(pl.col(name).gather(pl.Series("__idx", codes)))
    .getColumn(name);
}

/** String columns of each channel that are dictionary-encoded (few distinct values). */
const DICT: Partial<Record<Channel, string[]>> = {
  A: ["origin"],
  AM: ["origin"],
  T: ["c"],
  Q: ["i"],
};

/** Accumulates the events of one channel as columns (typed numbers, NaN = missing; strings). */
export class ChannelBatch {
  readonly channel: Channel;
  readonly layout: ChannelLayout;
  /** Numeric columns (f64, i64, i32, ts_ms): NaN marks a missing value. */
  readonly num: Record<string, F64Builder> = {};
  /** String columns (except `ticker`). */
  readonly str: Record<string, (string | null)[] | DictColumn> = {};
  /** Ticker of each row as an index into `symbols` (dictionary encoding). */
  readonly sym: number[] = [];
  readonly symbols: string[] = [];
  readonly #symIndex = new Map<string, number>();
  length = 0;
  /** Smallest and largest event time (ms) seen in this batch. */
  minTs = Infinity;
  maxTs = -Infinity;

  constructor(channel: Channel) {
    this.channel = channel;
    this.layout = LAYOUTS[channel];
    for (const [name, type] of this.layout.columns) {
      if (name === "ticker") continue;
      if (type === "str") {
        this.str[name] = DICT[channel]?.includes(name) ? new DictColumn() : [];
      } else this.num[name] = new F64Builder(4096);
    }
  }

  /** Append a ticker (dictionary-encoded). */
  pushSymbol(s: string): void {
    let k = this.#symIndex.get(s);
    if (k === undefined) {
      k = this.symbols.length;
      this.symbols.push(s);
      this.#symIndex.set(s, k);
    }
    this.sym.push(k);
  }

  /** Event times (ms) of the rows: window end for aggregates, `t` otherwise. */
  eventTimes(): Float64Array {
    return (this.num.e ?? this.num.t)!.finish();
  }

  /** Build the Polars frame of this batch with the layout's types (NaN -> null). */
  toFrame(): pl.DataFrame {
    const series: pl.Series[] = [];
    const casts: pl.Expr[] = [];
    for (const [name, type] of this.layout.columns) {
      if (name === "ticker") {
        series.push(gatherUtf8(name, this.symbols, Uint32Array.from(this.sym)));
      } else if (type === "str") {
        const col = this.str[name]!;
        series.push(
          col instanceof DictColumn ? col.toSeries(name) : pl.Series(name, col, pl.Utf8),
        );
      } else {
        // Float64 is exact for epoch ms and sequence numbers (< 2^53).
        series.push(pl.Series(name, this.num[name]!.finish()));
        const col = pl.col(name).fillNan(pl.lit(null));
        casts.push(
          type === "ts_ms"
            ? col.cast(pl.Int64).cast(pl.Datetime("ms", "UTC"))
            : type === "i64"
            ? col.cast(pl.Int64)
            : type === "i32"
            ? col.cast(pl.Int32)
            : col,
        );
      }
    }
    return pl.DataFrame(series).withColumns(...casts);
  }
}

const numOr = (v: unknown): number => (isNum(v) ? v : NaN);

/** The dedup identity of an event: channel, symbol, time and sequence. */
export function eventKey(ev: string, sym: string, t: number, q: number): string {
  return `${ev}|${sym}|${t}|${q}`;
}

/** What {@link pushEvent} did with one event. */
export type PushOutcome =
  | { kind: "data"; channel: Channel; sym: string; time: number }
  | { kind: "status"; status: string; message: string }
  | { kind: "rejected"; reason: string }
  | { kind: "ignored" };

/**
 * Validate one wire event and append it to the batch of its channel. Events of channels that
 * are not carried (LULD, NOI, FMV) are ignored; malformed events are rejected with the zod reason.
 * `origin` marks rows from the socket (`ws`) or from a REST gap repair (`rest`).
 */
export function pushEvent(
  batches: Partial<Record<Channel, ChannelBatch>>,
  e: unknown,
  origin = "ws",
): PushOutcome {
  if (e === null || typeof e !== "object") {
    return { kind: "rejected", reason: "(event): expected an object" };
  }
  const r = e as Record<string, unknown>;
  const ev = r.ev;
  if (ev === "status") {
    const p = WsStatusSchema.safeParse(r);
    if (!p.success) return { kind: "rejected", reason: zodReason(WsStatusSchema, r) };
    return { kind: "status", status: p.data.status, message: p.data.message ?? "" };
  }
  if (ev !== "A" && ev !== "AM" && ev !== "T" && ev !== "Q" && ev !== "V") {
    return { kind: "ignored" };
  }
  const channel = ev as Channel;
  const schema = SCHEMAS[channel];
  if (!schema.safeParse(r).success) {
    return { kind: "rejected", reason: `${ev}: ${zodReason(schema, r)}` };
  }
  const b = batches[channel] ??= new ChannelBatch(channel);
  const c = b.num;
  const st = b.str;
  // Aggregates carry their window start in `s`, the others their SIP time in `t`; index values
  // name the ticker `T`. Every layout stores the event time in both `ts` and `t`.
  const sym = (channel === "V" ? r.T : r.sym) as string;
  const time = (channel === "A" || channel === "AM" ? r.s : r.t) as number;
  c.ts!.push(time);
  c.t!.push(time);
  switch (channel) {
    case "A":
    case "AM":
      c.e!.push(r.e as number);
      c.o!.push(r.o as number);
      c.h!.push(r.h as number);
      c.l!.push(r.l as number);
      c.c!.push(r.c as number);
      c.v!.push(numOr(r.v));
      c.vw!.push(numOr(r.vw));
      c.n!.push(numOr(r.n));
      c.av!.push(numOr(r.av));
      c.op!.push(numOr(r.op));
      c.a!.push(numOr(r.a));
      c.z!.push(numOr(r.z));
      st.origin!.push(origin);
      break;
    case "T":
      c.q!.push(r.q as number);
      c.p!.push(r.p as number);
      c.s!.push(r.s as number);
      c.x!.push(numOr(r.x));
      st.i!.push(typeof r.i === "string" ? r.i : null);
      c.z!.push(numOr(r.z));
      st.c!.push(Array.isArray(r.c) ? (r.c as number[]).join(",") : null);
      c.trfi!.push(numOr(r.trfi));
      c.trft!.push(numOr(r.trft));
      break;
    case "Q":
      c.q!.push(r.q as number);
      c.bp!.push(r.bp as number);
      c.bs!.push(r.bs as number);
      c.bx!.push(numOr(r.bx));
      c.ap!.push(r.ap as number);
      c.as!.push(r.as as number);
      c.ax!.push(numOr(r.ax));
      c.c!.push(numOr(r.c));
      st.i!.push(Array.isArray(r.i) ? (r.i as number[]).join(",") : null);
      c.z!.push(numOr(r.z));
      break;
    case "V":
      c.val!.push(r.val as number);
      break;
  }
  b.pushSymbol(sym);
  b.length++;
  if (time < b.minTs) b.minTs = time;
  if (time > b.maxTs) b.maxTs = time;
  return { kind: "data", channel, sym, time };
}

/** The sequence number used in an event's dedup key (0 for aggregates and index values). */
export function eventSeq(e: Record<string, unknown>): number {
  return typeof e.q === "number" ? e.q : 0;
}

/** Lake source name of the stream's raw datasets. */
export const STREAM_SOURCE = "polygon_stream";

/**
 * Raw-zone spec of one feed and channel: `raw/polygon_stream/<feed>_<channel>/date=.../`,
 * event time `ts`, natural key of the channel layout.
 */
export function streamRawSpec(feed: Feed, channel: Channel): DatasetSpec {
  const layout = LAYOUTS[channel];
  return {
    zone: "raw",
    source: STREAM_SOURCE,
    dataset: `${feed}_${channel.toLowerCase()}`,
    partitioning: "date",
    timeColumn: "ts",
    naturalKey: layout.naturalKey,
    schema: Object.fromEntries(layout.columns),
  };
}
