/**
 * Load a user's own CSV or Parquet file of OHLCV bars into the curated lake as a named dataset,
 * with validation; the rows that fail it go to the lake's quarantine table for user files,
 * `raw/user/quarantine` (the same table layout as the vendor ingests' `raw/<vendor>/quarantine`,
 * so the `ingest_quarantine` view lists every quarantined row of the lake).
 *
 * Rules (a row failing any of them is quarantined with the reason, never dropped silently):
 * - timestamp parses; open, high, low, close are finite and positive; volume is finite and >= 0
 * - high >= max(open, close) and low <= min(open, close)
 * - timestamps strictly increase per symbol in file order (duplicates and out-of-order rows are
 *   quarantined, the first occurrence is kept)
 * - daily bars fall on a trading day of the exchange calendar
 *
 * Time: daily bars are stamped with their session date and known at that session's close
 * (early closes respected); intraday bars are stamped at their open and known at open + the bar
 * interval. Naive timestamps are read in `tz` (default America/New_York).
 */
import pl from "nodejs-polars";
import { basename } from "node:path";
import { DataError } from "../core/errors.ts";
import { type DatasetSpec, writeDataset, type WriteResult } from "../lake/mod.ts";
import { type QuarantineRow, writeQuarantine } from "./quarantine.ts";
import { isTradingDay, nyOffsetMinutes, sessionBounds } from "../time/mod.ts";

/** Options for {@link ingestBarsFile}. */
export interface IngestFileOptions {
  /** Dataset name for the curated table (snake_case). */
  dataset: string;
  /** Bar frequency: `day` or an interval such as `1m`, `5m`, `1h`, `1s`. @default "day" */
  timeframe?: string;
  /** Map of lake column -> file column, e.g. { ts: "Date", close: "Adj Close" }. @default same names */
  columns?: Partial<Record<"symbol" | "ts" | "open" | "high" | "low" | "close" | "volume", string>>;
  /** Symbol for files without a symbol column. */
  symbol?: string;
  /** Time zone of naive timestamps: "UTC" or "America/New_York". @default "America/New_York" */
  tz?: "UTC" | "America/New_York";
  /** Lake root. @default lakeRoot() */
  root?: string;
}

/** Summary of an ingest. */
export interface IngestFileSummary {
  rowsRead: number;
  rowsValid: number;
  rowsQuarantined: number;
  reasons: Record<string, number>;
  write: WriteResult | null;
  dataset: DatasetSpec;
}

/** Spec of a user bars dataset. */
export function userBarsSpec(dataset: string, daily: boolean): DatasetSpec {
  return {
    zone: "curated",
    source: "user",
    dataset,
    partitioning: daily ? "year" : "date",
    timeColumn: daily ? "date" : "ts",
    naturalKey: daily ? ["symbol", "date"] : ["symbol", "ts"],
    schema: {
      symbol: "str",
      ...(daily ? { date: "date" as const } : { ts: "ts_ms" as const }),
      open: "f64",
      high: "f64",
      low: "f64",
      close: "f64",
      volume: "f64",
      known_at: "ts_ms",
    },
  };
}

const INTERVAL = /^(\d+)([smhd])$/;

/** Interval in ms of a timeframe like "5m"; null for "day". */
export function intervalMs(timeframe: string): number | null {
  if (timeframe === "day" || timeframe === "1d") return null;
  const m = timeframe.match(INTERVAL);
  if (!m) {
    throw new RangeError(
      `Unknown timeframe "${timeframe}": expected day or N followed by s, m or h (e.g. 5m)`,
    );
  }
  const n = Number(m[1]);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
  return n * unit;
}

/** Parse a timestamp cell to epoch ms (NaN when unparseable). Naive times are read in `tz`. */
export function parseInstant(v: unknown, tz: "UTC" | "America/New_York"): number {
  if (v === null || v === undefined) return NaN;
  if (v instanceof Date) return v.getTime();
  if (typeof v === "number" || typeof v === "bigint") {
    const n = Number(v);
    // Epoch seconds, milliseconds, or nanoseconds by magnitude.
    if (n > 1e17) return Math.floor(n / 1e6);
    if (n > 1e11) return n;
    return n * 1000;
  }
  const s = String(v).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return parseInstant(Number(s), tz);
  const m = s.match(
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/,
  );
  if (!m) return NaN;
  const [, y, mo, d, hh = "0", mi = "0", ss = "0", frac = "0", zone] = m;
  const naive = Date.UTC(+y!, +mo! - 1, +d!, +hh, +mi, +ss, Math.floor(Number(`0.${frac}`) * 1000));
  const check = new Date(naive);
  if (check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d!) return NaN;
  if (zone) {
    if (zone === "Z") return naive;
    const sign = zone[0] === "-" ? -1 : 1;
    const z = zone.slice(1).replace(":", "");
    return naive - sign * (Number(z.slice(0, 2)) * 60 + Number(z.slice(2, 4))) * 60_000;
  }
  if (tz === "UTC") return naive;
  // New York wall time -> UTC: offset at the guessed instant, refined once across DST edges.
  let guess = naive - nyOffsetMinutes(naive) * 60_000;
  guess = naive - nyOffsetMinutes(guess) * 60_000;
  return guess;
}

function readAny(path: string): pl.DataFrame {
  const lower = path.toLowerCase();
  if (lower.endsWith(".parquet")) return pl.readParquet(path);
  if (lower.endsWith(".csv") || lower.endsWith(".txt")) {
    return pl.readCSV(Deno.readTextFileSync(path), { inferSchemaLength: 0 }); // all columns as text
  }
  throw new DataError(`Cannot ingest ${path}: expected a .csv or .parquet file`, {
    source: "user",
  });
}

/**
 * Validate and load a bars file. Returns counts by rejection reason.
 *
 * @example
 * ```ts
 * await ingestBarsFile("spy_daily.csv", { dataset: "my_spy", columns: { ts: "Date" }, symbol: "SPY" });
 * ```
 */
export async function ingestBarsFile(
  path: string,
  options: IngestFileOptions,
): Promise<IngestFileSummary> {
  const tf = options.timeframe ?? "day";
  const step = intervalMs(tf);
  const daily = step === null;
  const tz = options.tz ?? "America/New_York";
  const map = options.columns ?? {};
  const df = readAny(path);
  const col = (k: "symbol" | "ts" | "open" | "high" | "low" | "close" | "volume") => {
    const name = map[k] ?? k;
    if (df.columns.includes(name)) return df.getColumn(name).toArray() as unknown[];
    // Case-insensitive fallback, and common alternatives for the time column.
    const alts = k === "ts" ? [name, "timestamp", "date", "time", "datetime"] : [name];
    const found = df.columns.find((c) => alts.some((a) => a.toLowerCase() === c.toLowerCase()));
    if (found) return df.getColumn(found).toArray() as unknown[];
    if (k === "symbol" && options.symbol) return new Array(df.height).fill(options.symbol);
    throw new DataError(
      `Cannot ingest ${basename(path)}: no column for ${k} (looked for "${name}"; file has ${
        df.columns.join(", ")
      }); map it with --map ${k}=<column>${k === "symbol" ? " or pass --symbol" : ""}`,
      { source: "user", dataset: options.dataset, column: k },
    );
  };
  const sym = col("symbol");
  const tsRaw = col("ts");
  const num = (a: unknown[]) =>
    Float64Array.from(a, (v) => (v === null || v === undefined || v === "" ? NaN : Number(v)));
  const o = num(col("open")),
    h = num(col("high")),
    l = num(col("low")),
    c = num(col("close")),
    v = num(col("volume"));
  const n = df.height;
  const okIdx: number[] = [];
  const ts = new Float64Array(n);
  const dates: string[] = new Array(n);
  const known = new Float64Array(n);
  const reasons: Record<string, number> = {};
  const q: { row: number; reason: string }[] = [];
  const last = new Map<string, number>();
  const reject = (i: number, reason: string) => {
    q.push({ row: i, reason });
    const key = reason.replace(/ \(.*\)$/, "");
    reasons[key] = (reasons[key] ?? 0) + 1;
  };
  for (let i = 0; i < n; i++) {
    const s = sym[i] === null || sym[i] === undefined ? "" : String(sym[i]).trim();
    if (!s) {
      reject(i, "missing symbol");
      continue;
    }
    let t = parseInstant(tsRaw[i], daily ? "UTC" : tz);
    if (!Number.isFinite(t)) {
      reject(i, `unparseable timestamp (${String(tsRaw[i])})`);
      continue;
    }
    if (daily) {
      const d = new Date(t).toISOString().slice(0, 10);
      if (d < "2000-01-01" || d > "2035-12-31") {
        reject(i, `date outside the calendar range 2000-2035 (${d})`);
        continue;
      }
      if (!isTradingDay(d)) {
        reject(i, `not a trading day (${d})`);
        continue;
      }
      dates[i] = d;
      t = Date.parse(d);
      known[i] = sessionBounds(d)!.close.getTime();
    } else {
      known[i] = t + step!;
    }
    const oi = o[i]!, hi = h[i]!, li = l[i]!, ci = c[i]!, vi = v[i]!;
    if (![oi, hi, li, ci].every((x) => Number.isFinite(x) && x > 0)) {
      reject(i, "non-positive or missing price");
      continue;
    }
    if (!Number.isFinite(vi) || vi < 0) {
      reject(i, `negative or missing volume (${vi})`);
      continue;
    }
    if (hi < Math.max(oi, ci)) {
      reject(i, `high below max(open, close) (${hi} < ${Math.max(oi, ci)})`);
      continue;
    }
    if (li > Math.min(oi, ci)) {
      reject(i, `low above min(open, close) (${li} > ${Math.min(oi, ci)})`);
      continue;
    }
    const prev = last.get(s);
    if (prev !== undefined && t <= prev) {
      reject(i, t === prev ? "duplicate timestamp" : "timestamp not increasing");
      continue;
    }
    last.set(s, t);
    ts[i] = t;
    okIdx.push(i);
  }
  const pick = <T>(a: ArrayLike<T>) => okIdx.map((i) => a[i]!);
  const spec = userBarsSpec(options.dataset, daily);
  const sourceUri = `file://${basename(path)}`;
  const transformId = `ingest-file@1:${tf}`;
  let write: WriteResult | null = null;
  if (okIdx.length > 0) {
    const time = daily
      ? pl.Series("date", pick(dates)).str.strptime(pl.Date, "%Y-%m-%d")
      : pl.Series("ts", pick(ts)).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
    const out = pl.DataFrame([
      pl.Series("symbol", okIdx.map((i) => String(sym[i]).trim())),
      time,
      pl.Series("open", pick(o)),
      pl.Series("high", pick(h)),
      pl.Series("low", pick(l)),
      pl.Series("close", pick(c)),
      pl.Series("volume", pick(v)),
      pl.Series("known_at", pick(known)).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
    ]);
    write = await writeDataset(spec, out, { transformId, sourceUri, root: options.root });
  }
  if (q.length > 0) {
    const today = new Date().toISOString().slice(0, 10);
    // One unit per file row: identical rows (a line repeated) stay distinct quarantined rows,
    // and loading the same file again quarantines each row once.
    const rows: QuarantineRow[] = q.map(({ row, reason }) => ({
      dataset: options.dataset,
      unitId: `${sourceUri}#row=${row + 1}`,
      unitStart: today,
      stage: "validate",
      reason,
      payload: JSON.stringify(df.row(row), (_k, x) => typeof x === "bigint" ? x.toString() : x),
      payloadRef: `${sourceUri}#row=${row + 1}`,
    }));
    await writeQuarantine("user", rows, { transformId, sourceUri, root: options.root });
  }
  return {
    rowsRead: n,
    rowsValid: okIdx.length,
    rowsQuarantined: q.length,
    reasons,
    write,
    dataset: spec,
  };
}
