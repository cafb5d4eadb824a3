/**
 * Polygon aggregate-bar pipelines: stock bars (second, minute, day), index bars (`I:VIX`,
 * `I:SPX`), and option bars for contracts discovered per session within a strike band around
 * the underlying's open and an expiry window (listing point in time via `as_of`).
 *
 * Curated bars: `ticker, ts (bar open, UTC), open, high, low, close, volume, vwap, trades,
 * known_at`. Intraday bars are known at their close (ts + bar length); daily bars (vendor stamp
 * ET midnight) carry `date` (the session date) and are known at that session's close from
 * lib/time (a non-session date falls back to the end of the day). Bars failing OHLC
 * consistency go to quarantine.
 */
import pl from "nodejs-polars";
import { DataError } from "../../core/errors.ts";
import { log } from "../../core/log.ts";
import type { DatasetSpec } from "../../lake/mod.ts";
import type { Timespan } from "../../sources/polygon.ts";
import { nyDate, sessionBounds } from "../../time/mod.ts";
import type { CuratedResult, FetchedUnit, Pipeline, PipelineContext, Unit } from "../types.ts";
import {
  addDays,
  collect,
  curatedBarColumns,
  dateSeries,
  emptyFrame,
  nyWallMs,
  ohlcAllValid,
  ohlcAllValidAsync,
  ohlcReason,
  splitValid,
  TRANSFORM_VERSION,
} from "./_common.ts";

const RAW_SCHEMA = {
  ticker: "str",
  ts: "ts_ms",
  t: "i64",
  o: "f64",
  h: "f64",
  l: "f64",
  c: "f64",
  v: "f64",
  vw: "f64",
  n: "i64",
} as const;

const CURATED_SCHEMA = {
  ticker: "str",
  ts: "ts_ms",
  open: "f64",
  high: "f64",
  low: "f64",
  close: "f64",
  volume: "f64",
  vwap: "f64",
  trades: "i64",
  known_at: "ts_ms",
} as const;

const OPTION_EXTRA = {
  underlying: "str",
  expiration_date: "date",
  contract_type: "str",
  strike: "f64",
} as const;

/** Bar length in ms of a Polygon timespan with multiplier 1 (day: not fixed, see known_at). */
const SPAN_MS: Partial<Record<Timespan, number>> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
};

/** Which instruments a bar pipeline fetches. */
export type BarKind = "stock" | "index" | "option";

/** Parse an OCC option ticker `O:SPY240621C00450000`. */
export function parseOcc(
  ticker: string,
): { underlying: string; expiration: string; type: "call" | "put"; strike: number } | null {
  const m = /^(?:O:)?([A-Z0-9.]{1,6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(ticker);
  if (!m) return null;
  return {
    underlying: m[1]!,
    expiration: `20${m[2]}-${m[3]}-${m[4]}`,
    type: m[5] === "C" ? "call" : "put",
    strike: Number(m[6]) / 1000,
  };
}

/** Curated rows of clean intraday stock or index bars: renames and known_at = bar close. */
function intradayPlan(raw: pl.DataFrame, timespan: Timespan): pl.LazyDataFrame {
  return raw.lazy().select(
    ...curatedBarColumns(),
    pl.col("t").add(SPAN_MS[timespan]!).cast(pl.Datetime("ms", "UTC")).alias("known_at"),
  );
}

/**
 * {@link curatePolygonBars} with the common case (clean intraday stock or index bars) computed
 * in Polars' threads, so that the JS thread goes on meanwhile (the backfill's lander).
 */
export async function curatePolygonBarsAsync(
  raw: pl.DataFrame,
  timespan: Timespan,
  kind: BarKind,
  dataset: string,
): Promise<CuratedResult> {
  if (raw.height === 0 || timespan === "day" || kind === "option") {
    return curatePolygonBars(raw, timespan, kind, dataset);
  }
  const allValid = await ohlcAllValidAsync(raw, "o", "h", "l", "c", "v");
  if (allValid) return { curated: await intradayPlan(raw, timespan).collect(), rejected: [] };
  return curatePolygonBars(raw, timespan, kind, dataset, allValid);
}

/**
 * Curate raw Polygon bars (pure; used by backfill and by `curate`). `allValid`: the result of
 * {@link ohlcAllValid} on `raw` when the caller has it already.
 */
export function curatePolygonBars(
  raw: pl.DataFrame,
  timespan: Timespan,
  kind: BarKind,
  dataset: string,
  allValid = raw.height > 0 && ohlcAllValid(raw, "o", "h", "l", "c", "v"),
): CuratedResult {
  const isDay = timespan === "day";
  let schema: Record<string, string> = { ...CURATED_SCHEMA };
  if (isDay) schema = { ...schema, date: "date" };
  if (kind === "option") schema = { ...schema, ...OPTION_EXTRA };
  if (raw.height === 0) return { curated: emptyFrame(schema as never), rejected: [] };
  // The common case (clean intraday bars) in one Polars plan: renames and known_at.
  if (allValid && !isDay && kind !== "option") {
    return { curated: intradayPlan(raw, timespan).collectSync(), rejected: [] };
  }
  let df = raw.select(...curatedBarColumns("ticker", true));
  const { ok, rejected } = allValid
    ? { ok: df, rejected: [] }
    : splitValid(df, ohlcReason("open", "high", "low", "close", "volume"), dataset, [
      "ticker",
      "t",
    ]);
  df = ok;
  if (isDay) {
    const t = df.getColumn("t").cast(pl.Float64).toArray() as number[];
    const dates = t.map((x) => nyDate(x));
    const close = new Map<string, number>();
    for (const d of new Set(dates)) {
      const b = sessionBounds(d);
      close.set(d, b ? b.close.getTime() : nyWallMs(addDays(d, 1)));
    }
    df = df.withColumns(
      dateSeries("date", dates),
      pl.Series("known_at", dates.map((d) => close.get(d)!), pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      ),
    );
  } else {
    const span = SPAN_MS[timespan]!;
    df = df.withColumns(
      pl.col("t").add(span).cast(pl.Datetime("ms", "UTC")).alias("known_at"),
    );
  }
  if (kind === "option") {
    const tick = df.getColumn("ticker").toArray() as string[];
    const occ = tick.map(parseOcc);
    df = df.withColumns(
      pl.Series("underlying", occ.map((o) => o?.underlying ?? null), pl.Utf8),
      dateSeries("expiration_date", occ.map((o) => o?.expiration ?? null)),
      pl.Series("contract_type", occ.map((o) => o?.type ?? null), pl.Utf8),
      pl.Series("strike", occ.map((o) => o?.strike ?? null), pl.Float64),
    );
  }
  return { curated: df.drop("t"), rejected };
}

function rawSpec(dataset: string, timespan: Timespan): DatasetSpec {
  return {
    zone: "raw",
    source: "polygon",
    dataset,
    partitioning: timespan === "day" ? "year" : "date",
    timeColumn: "ts",
    naturalKey: ["ticker", "ts"],
    schema: { ...RAW_SCHEMA },
    // Raw bars are written once and read rarely (curate rebuilds): the fastest codec.
    codec: "lz4",
  };
}

function curatedSpec(dataset: string, timespan: Timespan, kind: BarKind): DatasetSpec {
  let schema: DatasetSpec["schema"] = { ...CURATED_SCHEMA };
  if (timespan === "day") schema = { ...schema, date: "date" };
  if (kind === "option") schema = { ...schema, ...OPTION_EXTRA };
  return {
    zone: "curated",
    source: "polygon",
    dataset,
    partitioning: timespan === "day" ? "year" : "date",
    timeColumn: "ts",
    naturalKey: ["ticker", "ts"],
    schema,
  };
}

/**
 * Add the `ts` Datetime column the raw spec needs: `t` (Int64 epoch ms) as Datetime("ms", "UTC"),
 * appended last (an existing `ts` is replaced in place). The eager column is cast and added
 * (Polars' DataFrame.with_column) rather than through a lazy plan per unit.
 */
export function withTs(frame: pl.DataFrame): pl.DataFrame {
  return frame.withColumn(frame.getColumn("t").cast(pl.Datetime("ms", "UTC")).alias("ts"));
}

async function fetchAggs(
  ctx: PipelineContext,
  ticker: string,
  timespan: Timespan,
  from: string,
  to: string,
) {
  const poly = ctx.clients.polygon;
  if (!poly) throw new TypeError("polygon client is not configured");
  return await collect(
    poly.aggs(ticker, 1, timespan, from, to),
    () => emptyFrame(RAW_SCHEMA).drop("ts"),
  );
}

/** A bar pipeline for stocks or indices. */
export function polygonBarPipeline(kind: "stock" | "index", timespan: Timespan): Pipeline {
  const dataset = `${kind}_bars_${timespan}`;
  return {
    source: "polygon",
    dataset,
    vendor: "polygon",
    rawSpec: rawSpec(dataset, timespan),
    curatedSpec: curatedSpec(dataset, timespan, kind),
    chunking: timespan === "day" ? "year" : "session",
    transformId: `${TRANSFORM_VERSION}:polygon.${dataset}`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const r = await fetchAggs(ctx, unit.symbol, timespan, unit.start, unit.end);
      return {
        raw: withTs(r.frame),
        rejected: r.rejected,
        sourceUri: r.first,
        pages: r.pages,
        fields: r.fields,
      };
    },
    curate: (raw) => curatePolygonBarsAsync(raw, timespan, kind, dataset),
  };
}

/** Options of the option-bar pipeline. */
export interface OptionBarOptions {
  /** Bar timespan. @default "minute" */
  timespan?: Timespan;
  /** Strike band around the session open, as a fraction (0.01 = +-1%). @default 0.01 */
  strikeBand?: number;
  /** Expiries from the session date to this many calendar days after it. @default 30 */
  expiryDays?: number;
}

/** Contracts discovered for a session (the side output of the option-bar pipeline). */
export function optionContractsPipeline(options: OptionBarOptions = {}): Pipeline {
  const band = options.strikeBand ?? 0.01;
  const expiryDays = options.expiryDays ?? 30;
  const raw: DatasetSpec = {
    zone: "raw",
    source: "polygon",
    dataset: "option_contracts",
    partitioning: "year",
    timeColumn: "as_of",
    naturalKey: ["as_of", "ticker"],
    schema: {
      as_of: "date",
      ticker: "str",
      underlying_ticker: "str",
      contract_type: "str",
      exercise_style: "str",
      expiration_date: "str",
      strike_price: "f64",
      shares_per_contract: "f64",
      primary_exchange: "str",
    },
  };
  const curated: DatasetSpec = {
    zone: "curated",
    source: "polygon",
    dataset: "option_contracts",
    partitioning: "year",
    timeColumn: "as_of",
    naturalKey: ["as_of", "ticker"],
    schema: {
      as_of: "date",
      ticker: "str",
      underlying: "str",
      contract_type: "str",
      exercise_style: "str",
      expiration_date: "date",
      strike: "f64",
      shares_per_contract: "f64",
      primary_exchange: "str",
      known_at: "ts_ms",
    },
  };
  return {
    source: "polygon",
    dataset: "option_contracts",
    vendor: "polygon",
    rawSpec: raw,
    curatedSpec: curated,
    chunking: "session",
    transformId: `${TRANSFORM_VERSION}:polygon.option_contracts`,
    async fetch(ctx, unit) {
      const d = await discover(ctx, unit.symbol, unit.start, band, expiryDays);
      return {
        raw: d.frame,
        rejected: d.rejected,
        sourceUri: d.first,
        pages: d.pages,
        fields: d.fields,
      };
    },
    curate(rawDf) {
      if (rawDf.height === 0) return { curated: emptyFrame(curated.schema), rejected: [] };
      const reason = pl.when(pl.col("strike_price").ltEq(0)).then(pl.lit("strike not positive"))
        .when(pl.col("expiration_date").str.strptime(pl.Date, "%Y-%m-%d").isNull())
        .then(pl.lit("bad expiration_date"))
        .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(rawDf, reason, "option_contracts", ["as_of", "ticker"]);
      const asOf = ok.getColumn("as_of").cast(pl.Utf8).toArray() as string[];
      const out = ok.select(
        pl.col("as_of"),
        pl.col("ticker"),
        pl.col("underlying_ticker").alias("underlying"),
        pl.col("contract_type"),
        pl.col("exercise_style"),
        pl.col("expiration_date").str.strptime(pl.Date, "%Y-%m-%d"),
        pl.col("strike_price").alias("strike"),
        pl.col("shares_per_contract"),
        pl.col("primary_exchange"),
      ).withColumns(
        pl.Series("known_at", asOf.map((d) => nyWallMs(d)), pl.Float64).cast(pl.Int64)
          .cast(pl.Datetime("ms", "UTC")),
      );
      return { curated: out, rejected };
    },
  };
}

async function discover(
  ctx: PipelineContext,
  underlying: string,
  date: string,
  band: number,
  expiryDays: number,
) {
  const poly = ctx.clients.polygon!;
  const empty = () => emptyFrame(optionContractsPipeline().rawSpec.schema);
  // The strike band needs the session's open. A day bar that fails validation would silently
  // drop the whole session's options, so it is asked for again, and the unit fails (to be
  // retried by a resumed run) if it stays invalid; a session without a bar has no contracts.
  let day = await fetchAggs(ctx, underlying, "day", date, date);
  const earlier: typeof day.rejected = [];
  for (let attempt = 1; day.frame.height === 0 && day.rejected.length > 0; attempt++) {
    earlier.push(...day.rejected);
    if (attempt > 2) {
      throw new DataError(
        `Cannot discover ${underlying} options on ${date}: the day bar is invalid (${
          day.rejected[0]!.reason
        })`,
        { source: "polygon", dataset: "option_contracts", cause: day.rejected[0]!.payload },
      );
    }
    log.warn("options.open.refetch", { underlying, date, reason: day.rejected[0]!.reason });
    day = await fetchAggs(ctx, underlying, "day", date, date);
  }
  day.rejected.unshift(...earlier);
  if (day.frame.height === 0) {
    return { ...day, frame: empty(), first: day.first };
  }
  const open = day.frame.getColumn("o").get(0) as number;
  const res = await collect(
    poly.optionContracts(underlying, {
      asOf: date,
      strikeMin: Math.round(open * (1 - band) * 1000) / 1000,
      strikeMax: Math.round(open * (1 + band) * 1000) / 1000,
      expiryMin: date,
      expiryMax: addDays(date, expiryDays),
    }),
    empty,
  );
  const frame = res.frame.height
    ? res.frame.withColumns(pl.col("as_of").str.strptime(pl.Date, "%Y-%m-%d"))
    : res.frame;
  return {
    frame,
    rejected: [...day.rejected, ...res.rejected],
    fields: res.fields,
    first: res.first || day.first,
    pages: res.pages + day.pages,
  };
}

/** Option bars for the contracts discovered per session (contracts written as a side output). */
export function polygonOptionBarPipeline(options: OptionBarOptions = {}): Pipeline {
  const timespan = options.timespan ?? "minute";
  const dataset = `option_bars_${timespan}`;
  const band = options.strikeBand ?? 0.01;
  const expiryDays = options.expiryDays ?? 30;
  const contracts = optionContractsPipeline(options);
  return {
    source: "polygon",
    dataset,
    vendor: "polygon",
    rawSpec: rawSpec(dataset, timespan),
    curatedSpec: curatedSpec(dataset, timespan, "option"),
    chunking: "session",
    transformId: `${TRANSFORM_VERSION}:polygon.${dataset}`,
    async fetch(ctx, unit: Unit): Promise<FetchedUnit> {
      const d = await discover(ctx, unit.symbol, unit.start, band, expiryDays);
      const tickers = d.frame.height ? (d.frame.getColumn("ticker").toArray() as string[]) : [];
      const results = await Promise.all(
        tickers.map((t) => fetchAggs(ctx, t, timespan, unit.start, unit.end)),
      );
      const frames = results.map((r) => r.frame).filter((f) => f.height > 0);
      const raw = frames.length
        ? withTs(pl.concat(frames, { how: "diagonal" }))
        : withTs(emptyFrame(RAW_SCHEMA).drop("ts"));
      return {
        raw,
        rejected: [...d.rejected, ...results.flatMap((r) => r.rejected)],
        sourceUri: d.first,
        pages: d.pages + results.reduce((s, r) => s + r.pages, 0),
        fields: results.flatMap((r) => r.fields),
        side: [{
          pipeline: contracts,
          raw: d.frame,
          unit: { ...unit, dataset: "option_contracts" },
        }],
      };
    },
    curate: (raw) => curatePolygonBars(raw, timespan, "option", dataset),
  };
}
