/**
 * LOBSTER limit-order-book files: the message file and the order-book file of one symbol and day.
 *
 * Format (LOBSTER output structure, https://lobsterdata.com/info/DataStructure.php):
 * - Names: `TICKER_YYYY-MM-DD_StartMs_EndMs_message_LEVEL.csv` and `..._orderbook_LEVEL.csv`;
 *   StartMs and EndMs are milliseconds after midnight (New York), LEVEL the number of book levels.
 * - Message file, no header, 6 columns: time (seconds after midnight, decimals down to ns), event
 *   type (1 submission, 2 partial cancellation, 3 deletion, 4 execution of a visible order,
 *   5 execution of a hidden order, 6 cross trade, 7 trading halt indicator), order id, size
 *   (shares), price (USD x 10,000), direction (1 buy limit order, -1 sell limit order; the
 *   execution of a sell limit order is a buyer-initiated trade).
 * - Order-book file, no header, 4 x LEVEL columns: ask price 1, ask size 1, bid price 1, bid size
 *   1, ask price 2, ... Row k is the book after message k (same row count as the message file).
 *   An empty level holds the dummy prices 9999999999 (ask) and -9999999999 (bid) with size 0.
 * - Halts: type 7 with price -1 (halt), 0 (quoting resumes), 1 (trading resumes); the order-book
 *   row repeats the previous state.
 *
 * Conventions here: prices are converted to USD (divided by 10,000); an empty level is NaN price
 * and size 0; times are kept exactly as integer nanoseconds after midnight (< 8.64e13, exact in a
 * float64) and converted to epoch ms on the New York calendar date of the file.
 *
 * @see Huang, R., & Polak, T. (2011). LOBSTER: Limit Order Book Reconstruction System.
 *      doi:10.2139/ssrn.1977207
 */
import { nyWallToMs } from "../time/new_york.ts";

/** LOBSTER's price unit: prices in the files are USD x 10,000. */
export const LOBSTER_PRICE_SCALE = 10_000;
/** Dummy ask price of an empty level. */
export const LOBSTER_EMPTY_ASK = 9_999_999_999;
/** Dummy bid price of an empty level. */
export const LOBSTER_EMPTY_BID = -9_999_999_999;
/** Message event types. */
export const LOBSTER_EVENT = Object.freeze({
  submission: 1,
  cancellation: 2,
  deletion: 3,
  executionVisible: 4,
  executionHidden: 5,
  cross: 6,
  halt: 7,
});

/** What a LOBSTER file name says. */
export interface LobsterFileName {
  symbol: string;
  /** Trading date, YYYY-MM-DD (New York). */
  date: string;
  /** Start of the requested window, ms after midnight. */
  startMs: number;
  /** End of the requested window, ms after midnight. */
  endMs: number;
  kind: "message" | "orderbook";
  levels: number;
}

const NAME_RE =
  /^([A-Za-z0-9.^-]+)_(\d{4}-\d{2}-\d{2})_(\d+)_(\d+)_(message|orderbook)_(\d+)\.csv$/;

/**
 * Parse a LOBSTER file name (the base name; a directory part is ignored). Returns null when the
 * name does not follow the convention.
 *
 * @example
 * ```ts
 * parseLobsterFileName("AAPL_2012-06-21_34200000_57600000_message_10.csv");
 * // { symbol: "AAPL", date: "2012-06-21", startMs: 34200000, endMs: 57600000, kind: "message", levels: 10 }
 * ```
 */
export function parseLobsterFileName(path: string): LobsterFileName | null {
  const base = path.split(/[\\/]/).pop() ?? "";
  const m = NAME_RE.exec(base);
  if (!m) return null;
  const date = m[2]!;
  const ms = Date.parse(date + "T00:00:00Z");
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return null;
  const levels = Number(m[6]);
  if (!(levels >= 1)) return null;
  return {
    symbol: m[1]!,
    date,
    startMs: Number(m[3]),
    endMs: Number(m[4]),
    kind: m[5] as "message" | "orderbook",
    levels,
  };
}

/** The file name of a LOBSTER file. */
export function lobsterFileName(n: LobsterFileName): string {
  return `${n.symbol}_${n.date}_${n.startMs}_${n.endMs}_${n.kind}_${n.levels}.csv`;
}

/**
 * One symbol-day of book data in columns: message k and the book state after it.
 * Per-level arrays are indexed [level - 1][k].
 */
export interface BookDay {
  symbol: string;
  date: string;
  levels: number;
  length: number;
  /** Nanoseconds after midnight (New York), exact integers. */
  timeNs: Float64Array;
  /** Epoch milliseconds (floor of the exact instant). */
  tsMs: Float64Array;
  /** Position of the message in the file (0-based), kept through filtering. */
  seq: Float64Array;
  eventType: Int8Array;
  orderId: Float64Array;
  size: Float64Array;
  /** USD (the halt indicator's -1/0/1 is divided too: -0.0001, 0, 0.0001). */
  price: Float64Array;
  direction: Int8Array;
  askPrice: Float64Array[];
  askSize: Float64Array[];
  bidPrice: Float64Array[];
  bidSize: Float64Array[];
}

/** A row that could not be read, with a lake quarantine reason code. */
export interface LobsterProblem {
  /** 1-based line number (same in both files). */
  line: number;
  code: "field_count" | "not_a_number" | "not_increasing" | "invalid_value" | "not_positive";
  detail: string;
  message: string;
  orderbook: string;
}

/** Result of {@linkcode parseLobster}. */
export interface LobsterParse {
  day: BookDay;
  problems: LobsterProblem[];
}

/** Options of {@linkcode parseLobster}. */
export interface ParseLobsterOptions {
  symbol: string;
  /** Trading date YYYY-MM-DD (New York). */
  date: string;
  /** Levels in the order-book file. @default inferred from the first row's field count / 4 */
  levels?: number;
}

const INT_RE = /^-?\d+$/;
const TIME_RE = /^(\d+)(?:\.(\d{1,9}))?$/;

/** Seconds-after-midnight text to exact integer nanoseconds, or NaN. */
export function lobsterTimeNs(text: string): number {
  const m = TIME_RE.exec(text.trim());
  if (!m) return NaN;
  const frac = (m[2] ?? "").padEnd(9, "0");
  return Number(m[1]) * 1e9 + Number(frac);
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1]!.trim() === "") lines.pop();
  return lines;
}

/**
 * Read a message file and its order-book file (their text) into columns. Every row is either
 * kept or reported as a problem with a reason code: wrong field count (`field_count`), a field
 * that is not an integer where one is required (`not_a_number`), a time earlier than the
 * previous kept row (`not_increasing`), an unknown event type or direction, a crossed book, or a
 * dummy price with a nonzero size (`invalid_value`), a non-positive size of an order event or a
 * negative level size (`not_positive`). Files of different row counts are an error (the files
 * do not belong together), as is a level count that disagrees with the order-book rows.
 *
 * @example
 * ```ts ignore
 * const { day, problems } = parseLobster(msgText, bookText, { symbol: "AAPL", date: "2012-06-21" });
 * day.askPrice[0][0]; // best ask after the first message, USD
 * ```
 */
export function parseLobster(
  messageText: string,
  orderbookText: string,
  options: ParseLobsterOptions,
): LobsterParse {
  const msg = splitLines(messageText);
  const ob = splitLines(orderbookText);
  if (msg.length !== ob.length) {
    throw new RangeError(
      `Cannot read LOBSTER ${options.symbol} ${options.date}: message file has ${msg.length} rows, order-book file ${ob.length} (row k of one is the book after message k of the other)`,
    );
  }
  const firstFields = ob.length ? ob[0]!.split(",").length : 0;
  const levels = options.levels ?? Math.max(1, Math.floor(firstFields / 4));
  if (options.levels === undefined && ob.length && firstFields % 4 !== 0) {
    throw new RangeError(
      `Cannot read LOBSTER ${options.symbol} ${options.date}: order-book rows have ${firstFields} fields, not a multiple of 4`,
    );
  }
  const dayNum = Math.floor(Date.parse(options.date + "T00:00:00Z") / 86_400_000);
  if (!Number.isFinite(dayNum)) throw new RangeError(`Invalid LOBSTER date "${options.date}"`);
  const midnightMs = nyWallToMs(dayNum, 0);
  const n = msg.length;
  const timeNs = new Float64Array(n), tsMs = new Float64Array(n), seq = new Float64Array(n);
  const eventType = new Int8Array(n), direction = new Int8Array(n);
  const orderId = new Float64Array(n), size = new Float64Array(n), price = new Float64Array(n);
  const mk = () => Array.from({ length: levels }, () => new Float64Array(n));
  const askPrice = mk(), askSize = mk(), bidPrice = mk(), bidSize = mk();
  const problems: LobsterProblem[] = [];
  let k = 0;
  let lastNs = -Infinity;
  const bookVals = new Float64Array(4 * levels);
  rows: for (let i = 0; i < n; i++) {
    const line = i + 1;
    const bad = (code: LobsterProblem["code"], detail: string) =>
      problems.push({ line, code, detail, message: msg[i]!, orderbook: ob[i]! });
    const mf = msg[i]!.split(",");
    const bf = ob[i]!.split(",");
    if (mf.length !== 6) {
      bad("field_count", `message row has ${mf.length} fields, expected 6`);
      continue;
    }
    if (bf.length !== 4 * levels) {
      bad("field_count", `order-book row has ${bf.length} fields, expected ${4 * levels}`);
      continue;
    }
    const t = lobsterTimeNs(mf[0]!);
    if (Number.isNaN(t)) {
      bad("not_a_number", `time "${mf[0]}" is not seconds after midnight`);
      continue;
    }
    for (let c = 1; c < 6; c++) {
      if (!INT_RE.test(mf[c]!.trim())) {
        bad("not_a_number", `message column ${c + 1} "${mf[c]}" is not an integer`);
        continue rows;
      }
    }
    for (let c = 0; c < bf.length; c++) {
      if (!INT_RE.test(bf[c]!.trim())) {
        bad("not_a_number", `order-book column ${c + 1} "${bf[c]}" is not an integer`);
        continue rows;
      }
      bookVals[c] = Number(bf[c]);
    }
    const type = Number(mf[1]), dir = Number(mf[5]), sz = Number(mf[3]);
    if (!(type >= 1 && type <= 7)) {
      bad("invalid_value", `event type ${type} is not 1..7`);
      continue;
    }
    if (dir !== 1 && dir !== -1) {
      bad("invalid_value", `direction ${dir} is not 1 or -1`);
      continue;
    }
    if (type !== 7 && !(sz > 0)) {
      bad("not_positive", `size ${sz} of a type ${type} message is not positive`);
      continue;
    }
    if (t < lastNs) {
      bad("not_increasing", `time ${mf[0]} is earlier than the previous message`);
      continue;
    }
    for (let l = 0; l < levels; l++) {
      const ap = bookVals[4 * l]!, as = bookVals[4 * l + 1]!;
      const bp = bookVals[4 * l + 2]!, bs = bookVals[4 * l + 3]!;
      if (as < 0 || bs < 0) {
        bad("not_positive", `negative size at level ${l + 1}`);
        continue rows;
      }
      if ((ap === LOBSTER_EMPTY_ASK && as !== 0) || (bp === LOBSTER_EMPTY_BID && bs !== 0)) {
        bad("invalid_value", `empty level ${l + 1} with a nonzero size`);
        continue rows;
      }
      if ((ap !== LOBSTER_EMPTY_ASK && !(ap > 0)) || (bp !== LOBSTER_EMPTY_BID && !(bp > 0))) {
        bad("not_positive", `price at level ${l + 1} is not positive`);
        continue rows;
      }
    }
    const a1 = bookVals[0]!, b1 = bookVals[2]!;
    if (a1 !== LOBSTER_EMPTY_ASK && b1 !== LOBSTER_EMPTY_BID && a1 <= b1) {
      bad(
        "invalid_value",
        `crossed book: ask ${a1 / LOBSTER_PRICE_SCALE} <= bid ${b1 / LOBSTER_PRICE_SCALE}`,
      );
      continue;
    }
    lastNs = t;
    timeNs[k] = t;
    tsMs[k] = midnightMs + Math.floor(t / 1e6);
    seq[k] = i;
    eventType[k] = type;
    orderId[k] = Number(mf[2]);
    size[k] = sz;
    price[k] = Number(mf[4]) / LOBSTER_PRICE_SCALE;
    direction[k] = dir;
    for (let l = 0; l < levels; l++) {
      const ap = bookVals[4 * l]!, bp = bookVals[4 * l + 2]!;
      askPrice[l]![k] = ap === LOBSTER_EMPTY_ASK ? NaN : ap / LOBSTER_PRICE_SCALE;
      askSize[l]![k] = bookVals[4 * l + 1]!;
      bidPrice[l]![k] = bp === LOBSTER_EMPTY_BID ? NaN : bp / LOBSTER_PRICE_SCALE;
      bidSize[l]![k] = bookVals[4 * l + 3]!;
    }
    k++;
  }
  const cut = <T extends Float64Array | Int8Array>(a: T) => a.slice(0, k) as T;
  return {
    day: {
      symbol: options.symbol,
      date: options.date,
      levels,
      length: k,
      timeNs: cut(timeNs),
      tsMs: cut(tsMs),
      seq: cut(seq),
      eventType: cut(eventType),
      orderId: cut(orderId),
      size: cut(size),
      price: cut(price),
      direction: cut(direction),
      askPrice: askPrice.map(cut),
      askSize: askSize.map(cut),
      bidPrice: bidPrice.map(cut),
      bidSize: bidSize.map(cut),
    },
    problems,
  };
}

function fmtTime(ns: number): string {
  const s = Math.floor(ns / 1e9);
  const frac = String(ns - s * 1e9).padStart(9, "0");
  return `${s}.${frac}`;
}

/**
 * Write a book day back to the two LOBSTER texts (inverse of {@linkcode parseLobster}: USD
 * prices are multiplied by 10,000 and rounded, NaN prices become the dummy prices).
 */
export function formatLobster(day: BookDay): { message: string; orderbook: string } {
  const m: string[] = [], b: string[] = [];
  const px = (v: number) => String(Math.round(v * LOBSTER_PRICE_SCALE));
  for (let k = 0; k < day.length; k++) {
    m.push(
      `${fmtTime(day.timeNs[k]!)},${day.eventType[k]},${day.orderId[k]},${day.size[k]},${
        px(day.price[k]!)
      },${day.direction[k]}`,
    );
    const row: string[] = [];
    for (let l = 0; l < day.levels; l++) {
      const ap = day.askPrice[l]![k]!, bp = day.bidPrice[l]![k]!;
      row.push(
        Number.isNaN(ap) ? String(LOBSTER_EMPTY_ASK) : px(ap),
        String(day.askSize[l]![k]),
        Number.isNaN(bp) ? String(LOBSTER_EMPTY_BID) : px(bp),
        String(day.bidSize[l]![k]),
      );
    }
    b.push(row.join(","));
  }
  return {
    message: m.join("\n") + (m.length ? "\n" : ""),
    orderbook: b.join("\n") + (b.length ? "\n" : ""),
  };
}
