/**
 * Book days in the lake: the dataset spec of LOBSTER-style book data (one row per message with
 * the book after it) and the conversions between a lake frame and a {@linkcode BookDay}.
 *
 * Layout: `curated/<source>/<dataset>/date=YYYY-MM-DD/`, natural key (symbol, ts, seq). Columns:
 * symbol, ts (epoch ms, floor of the exact instant), time_ns (exact ns after New York midnight),
 * seq (row of the message in its file), event_type, order_id, size, price (USD), direction,
 * ask_price_j, ask_size_j, bid_price_j, bid_size_j for j = 1..levels (an empty level: null price,
 * size 0), known_at = the message instant rounded up to the ms (the book after a message is known
 * when the message is).
 */
import pl from "nodejs-polars";
import { type DatasetSpec, readDataset } from "../lake/mod.ts";
import type { BookDay } from "./lobster.ts";
import { nyDate } from "../time/new_york.ts";

/** The lake spec of a book dataset with `levels` levels. */
export function bookDatasetSpec(dataset: string, levels: number, source = "user"): DatasetSpec {
  const schema: DatasetSpec["schema"] = {
    symbol: "str",
    ts: "ts_ms",
    time_ns: "i64",
    seq: "i64",
    event_type: "i32",
    order_id: "i64",
    size: "f64",
    price: "f64",
    direction: "i32",
  };
  for (let j = 1; j <= levels; j++) {
    schema[`ask_price_${j}`] = "f64";
    schema[`ask_size_${j}`] = "f64";
    schema[`bid_price_${j}`] = "f64";
    schema[`bid_size_${j}`] = "f64";
  }
  schema.known_at = "ts_ms";
  return {
    zone: "curated",
    source,
    dataset,
    partitioning: "date",
    timeColumn: "ts",
    naturalKey: ["symbol", "ts", "seq"],
    schema,
    meta: { kind: "table", calendar: "nyse", currency: "USD", frequency: "event" },
  };
}

/** A book day as a lake frame (rows in message order). */
export function bookDayToFrame(day: BookDay): pl.DataFrame {
  const n = day.length;
  const ms = (name: string, v: ArrayLike<number>) =>
    pl.Series(name, Array.from(v), pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  const nullable = (v: Float64Array) => Array.from(v, (x) => (Number.isNaN(x) ? null : x));
  const cols: pl.Series[] = [
    pl.Series("symbol", new Array(n).fill(day.symbol), pl.Utf8),
    ms("ts", day.tsMs),
    pl.Series("time_ns", Array.from(day.timeNs), pl.Float64).cast(pl.Int64),
    pl.Series("seq", Array.from(day.seq), pl.Float64).cast(pl.Int64),
    pl.Series("event_type", Array.from(day.eventType), pl.Int32),
    pl.Series("order_id", Array.from(day.orderId), pl.Float64).cast(pl.Int64),
    pl.Series("size", Array.from(day.size), pl.Float64),
    pl.Series("price", Array.from(day.price), pl.Float64),
    pl.Series("direction", Array.from(day.direction), pl.Int32),
  ];
  for (let l = 0; l < day.levels; l++) {
    cols.push(
      pl.Series(`ask_price_${l + 1}`, nullable(day.askPrice[l]!), pl.Float64),
      pl.Series(`ask_size_${l + 1}`, Array.from(day.askSize[l]!), pl.Float64),
      pl.Series(`bid_price_${l + 1}`, nullable(day.bidPrice[l]!), pl.Float64),
      pl.Series(`bid_size_${l + 1}`, Array.from(day.bidSize[l]!), pl.Float64),
    );
  }
  cols.push(
    ms("known_at", Array.from(day.timeNs, (t, i) => day.tsMs[i]! + (t % 1e6 === 0 ? 0 : 1))),
  );
  return pl.DataFrame(cols);
}

function f64(df: pl.DataFrame, name: string): Float64Array {
  const v = df.getColumn(name).cast(pl.Float64).toArray() as (number | null)[];
  return Float64Array.from(v, (x) => (x === null ? NaN : x));
}

/**
 * A lake frame of one symbol-day back to a {@linkcode BookDay} (rows sorted by time_ns, seq).
 * Levels are those present as `ask_price_j` columns.
 */
export function frameToBookDay(df: pl.DataFrame, symbol: string, date: string): BookDay {
  const sorted = df.sort(["time_ns", "seq"]);
  let levels = 0;
  while (sorted.columns.includes(`ask_price_${levels + 1}`)) levels++;
  const tsMs = Float64Array.from(
    sorted.getColumn("ts").cast(pl.Int64).toArray() as (number | bigint)[],
    (x) => Number(x),
  );
  const pick = (p: string) =>
    Array.from({ length: levels }, (_, l) => f64(sorted, `${p}_${l + 1}`));
  return {
    symbol,
    date,
    levels,
    length: sorted.height,
    timeNs: f64(sorted, "time_ns"),
    tsMs,
    seq: f64(sorted, "seq"),
    eventType: Int8Array.from(f64(sorted, "event_type")),
    orderId: f64(sorted, "order_id"),
    size: f64(sorted, "size"),
    price: f64(sorted, "price"),
    direction: Int8Array.from(f64(sorted, "direction")),
    askPrice: pick("ask_price"),
    askSize: pick("ask_size"),
    bidPrice: pick("bid_price"),
    bidSize: pick("bid_size"),
  };
}

/** Options of {@linkcode loadBookDay}. */
export interface LoadBookDayOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Point in time: only rows known at or before it. @default all */
  asOf?: Date;
  /** Producer of the dataset. @default "user" */
  source?: string;
}

/**
 * Read one symbol-day of a book dataset from the lake (New York date).
 *
 * @example
 * ```ts ignore
 * const day = await loadBookDay("spy_book", "SPY", "2024-03-27");
 * ```
 */
export async function loadBookDay(
  dataset: string,
  symbol: string,
  date: string,
  options: LoadBookDayOptions = {},
): Promise<BookDay> {
  const spec = bookDatasetSpec(dataset, 1, options.source ?? "user");
  const start = new Date(Date.parse(date + "T00:00:00Z") - 6 * 3_600_000);
  const end = new Date(Date.parse(date + "T00:00:00Z") + 30 * 3_600_000);
  let df = await readDataset(spec, {
    start,
    end,
    ...(options.root ? { root: options.root } : {}),
    ...(options.asOf ? { asOf: options.asOf } : {}),
  });
  if (df.height === 0) throw new RangeError(`No book rows for ${symbol} on ${date} in ${dataset}`);
  df = df.filter(pl.col("symbol").eq(pl.lit(symbol)));
  const day = frameToBookDay(df, symbol, date);
  const keep: number[] = [];
  for (let i = 0; i < day.length; i++) if (nyDate(day.tsMs[i]!) === date) keep.push(i);
  if (keep.length === 0) {
    throw new RangeError(`No book rows for ${symbol} on ${date} in ${dataset}`);
  }
  if (keep.length === day.length) return day;
  const sel = <T extends Float64Array | Int8Array>(a: T) =>
    a.constructor === Int8Array
      ? Int8Array.from(keep, (i) => a[i]!) as T
      : Float64Array.from(keep, (i) => a[i]!) as T;
  return {
    ...day,
    length: keep.length,
    timeNs: sel(day.timeNs),
    tsMs: sel(day.tsMs),
    seq: sel(day.seq),
    eventType: sel(day.eventType),
    orderId: sel(day.orderId),
    size: sel(day.size),
    price: sel(day.price),
    direction: sel(day.direction),
    askPrice: day.askPrice.map(sel),
    askSize: day.askSize.map(sel),
    bidPrice: day.bidPrice.map(sel),
    bidSize: day.bidSize.map(sel),
  };
}
