/**
 * Inputs for {@linkcode consolidateOptionMinutes}: from the curated lake (the Polygon pipelines'
 * datasets) or straight from a simulated world, and the curated output dataset.
 *
 * Lake inputs (curated zone, source `polygon`): `stock_bars_minute` (ticker = the underlying; the
 * previous session is read too, as indicator warm-up), `index_bars_minute` (ticker `I:VIX`),
 * `option_bars_minute` (underlying = the underlying). Output: `curated/workbench/
 * option_minute_consolidated`, partitioned by date, natural key (ticker, ts).
 */
import pl from "nodejs-polars";
import {
  curatedBarSpec,
  type DatasetSpec,
  OPTION_BAR_EXTRA,
  readDataset,
  scanDataset,
  writeDataset,
  type WriteResult,
} from "../lake/mod.ts";
import { previousTradingDay, sessionBounds } from "../time/mod.ts";
import type { World } from "../sources/sim/world.ts";
import type { Bars } from "../sources/sim/bars.ts";
import { SPY_DIVIDEND_YIELD } from "../sources/sim/options.ts";
import { CONSOLIDATED_SCHEMA, type ConsolidationInput } from "./consolidate.ts";

/** The curated dataset the consolidation writes. */
export const CONSOLIDATED_SPEC: DatasetSpec = {
  zone: "curated",
  source: "workbench",
  dataset: "option_minute_consolidated",
  partitioning: "date",
  timeColumn: "ts",
  naturalKey: ["ticker", "ts"],
  schema: { ...CONSOLIDATED_SCHEMA },
};

const barSpec = (dataset: string, extra: DatasetSpec["schema"] = {}): DatasetSpec =>
  curatedBarSpec("polygon", dataset, { extra });

/** Options for {@linkcode lakeConsolidationInput}. */
export interface LakeInputOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Underlying ticker. @default "SPY" */
  underlying?: string;
  /** VIX ticker in index_bars_minute. @default "I:VIX" */
  vixTicker?: string;
}

/**
 * Read one session's inputs from the curated lake. Throws a RangeError naming the missing
 * dataset when a required input is empty (run the backfill first).
 *
 * @example
 * ```ts
 * const input = await lakeConsolidationInput("2024-03-01");
 * ```
 */
export async function lakeConsolidationInput(
  date: string,
  options: LakeInputOptions = {},
): Promise<ConsolidationInput> {
  const sym = options.underlying ?? "SPY";
  const sb = sessionBounds(date);
  if (!sb) throw new RangeError(`Cannot consolidate ${date}: not a trading day`);
  const prev = sessionBounds(previousTradingDay(date))!;
  const asOf = sb.close;
  const base = { root: options.root, asOf, dropLineage: true } as const;
  const need = (df: pl.DataFrame, what: string) => {
    if (df.height === 0) {
      throw new RangeError(
        `Cannot consolidate ${date}: no rows in ${what} (run the backfill for that session first)`,
      );
    }
    return df;
  };
  // One session per call (the task runs one date at a time): each read is a lazy scan of that
  // session's files with the ticker / underlying filter pushed into the Parquet scans, so memory
  // follows the session of one underlying, not the lake nor the whole option chain of the day.
  const vixTicker = options.vixTicker ?? "I:VIX";
  const stock = await readDataset(barSpec("stock_bars_minute"), {
    ...base,
    start: prev.open,
    end: sb.close,
    symbols: [sym],
  });
  const index = await readDataset(barSpec("index_bars_minute"), {
    ...base,
    start: sb.open,
    end: sb.close,
    symbols: [vixTicker],
  });
  const optScan = await scanDataset(
    barSpec("option_bars_minute", OPTION_BAR_EXTRA),
    { ...base, start: sb.open, end: sb.close },
  );
  const opts = optScan.columns.length === 0 // no files in the session
    ? await optScan.collect()
    : await optScan.filter(pl.col("underlying").eq(pl.lit(sym))).collect();
  return {
    date,
    underlying: need(stock, `curated/polygon/stock_bars_minute (${sym})`),
    vix: need(index, `curated/polygon/index_bars_minute (${vixTicker})`),
    options: need(opts, `curated/polygon/option_bars_minute (${sym})`),
  };
}

function barsFrame(b: Bars, ticker: string): pl.DataFrame {
  const ts = pl.Series("ts", b.t).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  return pl.DataFrame([
    pl.Series("ticker", new Array<string>(b.length).fill(ticker), pl.Utf8),
    ts,
    pl.Series("open", b.o),
    pl.Series("high", b.h),
    pl.Series("low", b.l),
    pl.Series("close", b.c),
    pl.Series("volume", b.v),
    pl.Series("vwap", b.vw),
  ]).withColumns(
    pl.col("ts").cast(pl.Int64).add(60_000).cast(pl.Datetime("ms", "UTC")).alias("known_at"),
  );
}

/** Options for {@linkcode simConsolidationInput}. */
export interface SimInputOptions {
  /** Keep contracts with |strike / open - 1| <= band. @default 0.05 */
  strikeBand?: number;
  /** Keep expiries within this many calendar days. @default 30 */
  expiryDays?: number;
  /** Keep at most this many contracts (nearest the money first). @default Infinity */
  maxContracts?: number;
}

/**
 * One session's inputs straight from a simulated world (no HTTP, no lake): SPY minute bars of
 * the session and the previous one, VIX minute bars, option minute aggregates of the selected
 * contracts, and all news (market-wide sentiment). Also returns the world's option-pricing rate
 * and SPY's dividend yield so the Greeks use the simulator's own parameters.
 *
 * @example
 * ```ts
 * const { input, rate, div } = simConsolidationInput(generateWorld({ seed: 1 }), "2024-02-01");
 * ```
 */
export function simConsolidationInput(
  world: World,
  date: string,
  options: SimInputOptions = {},
): { input: ConsolidationInput; rate: number; div: number; contracts: number } {
  const cur = world.spyMinuteBars(date);
  if (!cur) {
    throw new RangeError(`Cannot consolidate ${date}: the simulated world has no session then`);
  }
  const i = world.days.indexOf(date);
  const prev = i > 0 ? world.spyMinuteBars(world.days[i - 1]!) : undefined;
  const spy = prev
    ? pl.concat([barsFrame(prev, "SPY"), barsFrame(cur, "SPY")])
    : barsFrame(cur, "SPY");
  const vix = barsFrame(world.vixMinuteBars(date)!, "I:VIX");
  const band = options.strikeBand ?? 0.05;
  const maxDays = options.expiryDays ?? 30;
  const open0 = cur.o[0]!;
  const horizon = new Date(Date.parse(date) + maxDays * 86_400_000).toISOString().slice(0, 10);
  const chosen = world.options.listed(date)
    .filter((c) => Math.abs(c.strike / open0 - 1) <= band && c.expiration <= horizon)
    .sort((a, b) =>
      Math.abs(a.strike - open0) - Math.abs(b.strike - open0) || (a.ticker < b.ticker ? -1 : 1)
    )
    .slice(0, options.maxContracts ?? Infinity);
  const frames: pl.DataFrame[] = [];
  for (const c of chosen) {
    const b = world.options.minuteAggs(c, date);
    if (b.length === 0) continue;
    frames.push(
      barsFrame(b, c.ticker).withColumns(
        pl.lit(c.expiration).alias("expiration_date"),
        pl.lit(c.type).alias("contract_type"),
        pl.lit(c.strike).alias("strike"),
      ),
    );
  }
  const news = world.news;
  const newsFrame = pl.DataFrame([
    pl.Series("known_at", news.map((a) => a.publishedMs)).cast(pl.Int64).cast(
      pl.Datetime("ms", "UTC"),
    ),
    pl.Series("sentiment", news.map((a) => a.sentiment), pl.Float64),
  ]);
  return {
    input: { date, underlying: spy, vix, options: pl.concat(frames), news: newsFrame },
    rate: world.options.rateOn(date),
    div: SPY_DIVIDEND_YIELD,
    contracts: frames.length,
  };
}

/**
 * Write a consolidated session to the curated lake (atomic, idempotent by (ticker, ts)).
 *
 * @example
 * ```ts
 * await writeConsolidated(df, { transformId: "consolidate@1", sourceUri: "lake:curated/polygon" });
 * ```
 */
export async function writeConsolidated(
  df: pl.DataFrame,
  options: { transformId: string; sourceUri: string; root?: string },
): Promise<WriteResult> {
  return await writeDataset(CONSOLIDATED_SPEC, df, options);
}

/** Options for {@linkcode lakeRiskFreeRate}. */
export interface LakeRateOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** FRED series of the 3-month T-bill rate, in percent. @default "DTB3" */
  seriesId?: string;
}

/**
 * The continuously compounded risk-free rate known at the open of `date`, from the curated
 * `fred/macro_observations` dataset: r = ln(1 + v / 100), v the latest observation of the
 * series with known_at <= the session open (its latest vintage). Null when there is none.
 *
 * @example
 * ```ts
 * const r = (await lakeRiskFreeRate("2024-03-01")) ?? 0.04;
 * ```
 */
export async function lakeRiskFreeRate(
  date: string,
  options: LakeRateOptions = {},
): Promise<number | null> {
  const sb = sessionBounds(date);
  if (!sb) throw new RangeError(`Cannot read the rate for ${date}: not a trading day`);
  const df = await readDataset({
    zone: "curated",
    source: "fred",
    dataset: "macro_observations",
    partitioning: "none",
    timeColumn: "date",
    naturalKey: ["series_id", "date", "realtime_start"],
    schema: {
      series_id: "str",
      date: "date",
      value: "f64",
      realtime_start: "date",
      realtime_end: "date",
      known_at: "ts_ms",
    },
  }, { root: options.root, asOf: sb.open, dropLineage: true });
  if (df.height === 0) return null;
  const s = df.filter(
    pl.col("series_id").eq(pl.lit(options.seriesId ?? "DTB3")).and(pl.col("value").isNotNull()),
  ).sort(["date", "known_at"]);
  if (s.height === 0) return null;
  const v = s.getColumn("value").get(s.height - 1) as number;
  return Math.log(1 + v / 100);
}

/** A dataset as read by lib/dataset `loadDataset` (the fields consolidation needs). */
export interface ConsolidationDataset {
  name: string;
  frame: pl.DataFrame;
  timeColumn: string;
  meta: { calendar: string; frequency: string };
}

/** Options of {@linkcode consolidationInputFromDatasets}. */
export interface DatasetInputOptions {
  /** Underlying symbol (rows of the underlying dataset; `underlying` column of option bars). @default "SPY" */
  underlying?: string;
}

const OPTION_CONTRACT_COLUMNS = ["expiration_date", "contract_type", "strike"] as const;

/**
 * One session's consolidation inputs from three loaded dataset references (underlying minute
 * bars of the session and the previous one, VIX minute bars, option minute bars), cut to the
 * NYSE regular sessions as {@linkcode lakeConsolidationInput} reads them. Each input must be
 * minute bars on the `nyse` calendar: the consolidation is one row per option contract per
 * minute of the NYSE regular session, with Greeks from minute closes. The option bars must carry
 * the contract terms (`expiration_date`, `contract_type`, `strike`), which a generic bar dataset
 * does not have. RangeError naming the dataset and the reason otherwise, or when an input has no
 * rows in the session.
 *
 * @example
 * ```ts ignore
 * const input = consolidationInputFromDatasets("2024-03-01", { underlying, vix, options });
 * ```
 */
export function consolidationInputFromDatasets(
  date: string,
  d: { underlying: ConsolidationDataset; vix: ConsolidationDataset; options: ConsolidationDataset },
  options: DatasetInputOptions = {},
): ConsolidationInput {
  const sb = sessionBounds(date);
  if (!sb) throw new RangeError(`Cannot consolidate ${date}: not a trading day`);
  const prev = sessionBounds(previousTradingDay(date))!;
  const sym = options.underlying ?? "SPY";
  const prep = (x: ConsolidationDataset, what: string, from: number, to: number) => {
    if (x.meta.calendar !== "nyse" || x.meta.frequency !== "1m" || x.timeColumn !== "ts") {
      throw new RangeError(
        `Cannot consolidate from ${x.name} (${what}): it is ${x.meta.frequency} on the ${x.meta.calendar} calendar; the consolidation is one row per option contract per minute of the NYSE regular session, so every input must be 1m bars on nyse`,
      );
    }
    let f = x.frame;
    if (f.height) {
      f = f.filter(
        pl.col("ts").cast(pl.Int64).gtEq(from).and(pl.col("ts").cast(pl.Int64).lt(to)),
      );
    }
    if (f.height === 0) {
      throw new RangeError(
        `Cannot consolidate ${date}: no rows in ${x.name} (${what}) that session`,
      );
    }
    if (!f.columns.includes("ticker")) f = f.withColumns(pl.col("symbol").alias("ticker"));
    if (!f.columns.includes("vwap")) f = f.withColumns(pl.lit(null).cast(pl.Float64).alias("vwap"));
    return f;
  };
  const missing = OPTION_CONTRACT_COLUMNS.filter((c) => !d.options.frame.columns.includes(c));
  if (missing.length) {
    throw new RangeError(
      `Cannot consolidate from ${d.options.name}: option bars need the contract terms ${
        OPTION_CONTRACT_COLUMNS.join(", ")
      } per row (missing ${
        missing.join(", ")
      }); a generic bar dataset cannot supply them (polygon/option_bars_minute parses them from the OCC ticker)`,
    );
  }
  const under = prep(d.underlying, `underlying ${sym}`, prev.open.getTime(), sb.close.getTime());
  const und = under.filter(pl.col("ticker").eq(pl.lit(sym)));
  if (und.height === 0) {
    throw new RangeError(`Cannot consolidate ${date}: no ${sym} rows in ${d.underlying.name}`);
  }
  let opts = prep(d.options, "option bars", sb.open.getTime(), sb.close.getTime());
  if (opts.columns.includes("underlying")) {
    const mine = opts.filter(pl.col("underlying").eq(pl.lit(sym)));
    if (mine.height === 0) {
      throw new RangeError(`Cannot consolidate ${date}: no ${sym} options in ${d.options.name}`);
    }
    opts = mine;
  }
  return {
    date,
    underlying: und,
    vix: prep(d.vix, "VIX", sb.open.getTime(), sb.close.getTime()),
    options: opts.withColumns(pl.col("expiration_date").cast(pl.Utf8)),
  };
}
