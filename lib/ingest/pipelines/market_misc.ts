/**
 * The remaining market-data pipelines: Alpaca bars, Polygon trades and quotes (nanosecond
 * stamps kept exact as Int64), Polygon news with per-ticker sentiment, and option chains from
 * Finnhub (IV normalised to a decimal) as a second options source.
 *
 * known_at: Alpaca bars as Polygon bars (close of the bar, session close for daily bars);
 * trades and quotes at their SIP time; news at its publication time; a Finnhub chain at its
 * `updatedAt` (New York wall time) or, failing that, the close of its last trade date.
 */
import pl from "nodejs-polars";
import { CURATED_BAR_SCHEMA, type DatasetSpec } from "../../lake/mod.ts";
import { nyDate, sessionBounds } from "../../time/mod.ts";
import type { CuratedResult, FetchedUnit, Pipeline } from "../types.ts";
import {
  addDays,
  collect,
  curatedBarColumns,
  dateSeries,
  emptyFrame,
  nyWallMs,
  ohlcReason,
  splitValid,
  TRANSFORM_VERSION,
} from "./_common.ts";

function spec(
  zone: "raw" | "curated",
  source: string,
  dataset: string,
  partitioning: "date" | "year" | "none",
  time: string,
  key: string[],
  schema: DatasetSpec["schema"],
): DatasetSpec {
  return { zone, source, dataset, partitioning, timeColumn: time, naturalKey: key, schema };
}

// ---- Alpaca bars ----
const ALP_RAW = {
  symbol: "str",
  ts: "ts_ms",
  t: "i64",
  o: "f64",
  h: "f64",
  l: "f64",
  c: "f64",
  v: "f64",
  n: "i64",
  vw: "f64",
} as const;
const ALP_CUR = CURATED_BAR_SCHEMA;

const ALPACA_TF: Record<string, { tf: string; ms: number | null }> = {
  minute: { tf: "1Min", ms: 60_000 },
  day: { tf: "1Day", ms: null },
};

/** Alpaca stock bars (`minute` or `day`), with adjustment and feed options. */
export function alpacaBarPipeline(
  timespan: "minute" | "day",
  options: { adjustment?: "raw" | "split" | "dividend" | "all"; feed?: string } = {},
): Pipeline {
  const dataset = `stock_bars_${timespan}`;
  const isDay = timespan === "day";
  const cur = isDay ? { ...ALP_CUR, date: "date" as const } : ALP_CUR;
  return {
    source: "alpaca",
    dataset,
    vendor: "alpaca",
    rawSpec: spec("raw", "alpaca", dataset, isDay ? "year" : "date", "ts", ["symbol", "ts"], {
      ...ALP_RAW,
    }),
    curatedSpec: spec(
      "curated",
      "alpaca",
      dataset,
      isDay ? "year" : "date",
      "ts",
      ["ticker", "ts"],
      { ...cur },
    ),
    chunking: isDay ? "year" : "session",
    transformId: `${TRANSFORM_VERSION}:alpaca.${dataset}`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const a = ctx.clients.alpaca;
      if (!a) throw new TypeError("alpaca client is not configured");
      const start = isDay
        ? unit.start
        : sessionBounds(unit.start)?.open.toISOString() ?? unit.start;
      const end = isDay
        ? unit.end
        : sessionBounds(unit.end)?.close.toISOString() ?? addDays(unit.end, 1);
      const r = await collect(
        a.bars(unit.symbol.split("+"), {
          timeframe: ALPACA_TF[timespan]!.tf,
          start,
          end,
          ...(options.adjustment ? { adjustment: options.adjustment } : {}),
          ...(options.feed ? { feed: options.feed } : {}),
        }),
        () => emptyFrame(ALP_RAW).drop("ts"),
      );
      // The end bound is exclusive for intraday bars (a bar stamped at the close is not in it).
      let raw = r.frame.withColumns(pl.col("t").cast(pl.Datetime("ms", "UTC")).alias("ts"));
      if (!isDay) raw = raw.filter(pl.col("t").lt(Date.parse(end)));
      return { raw, rejected: r.rejected, sourceUri: r.first, pages: r.pages, fields: r.fields };
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(cur), rejected: [] };
      const { ok, rejected } = splitValid(raw, ohlcReason("o", "h", "l", "c", "v"), dataset, [
        "symbol",
        "t",
      ]);
      let df = ok.select(...curatedBarColumns("symbol", true));
      if (isDay) {
        const t = df.getColumn("t").cast(pl.Float64).toArray() as number[];
        const dates = t.map((x) => nyDate(x));
        const known = dates.map((d) =>
          sessionBounds(d)?.close.getTime() ?? nyWallMs(addDays(d, 1))
        );
        df = df.withColumns(
          dateSeries("date", dates),
          pl.Series("known_at", known, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
        );
      } else {
        df = df.withColumns(
          pl.col("t").add(ALPACA_TF[timespan]!.ms!).cast(pl.Datetime("ms", "UTC")).alias(
            "known_at",
          ),
        );
      }
      return { curated: df.drop("t"), rejected };
    },
  };
}

// ---- Polygon trades and quotes ----
const TRADE_RAW = {
  ticker: "str",
  ts: "ts_ms",
  sip_timestamp: "i64",
  participant_timestamp: "i64",
  trf_timestamp: "i64",
  sequence_number: "i64",
  tape: "i32",
  price: "f64",
  size: "f64",
  exchange: "i32",
  id: "str",
  conditions: "str",
} as const;
const QUOTE_RAW = {
  ticker: "str",
  ts: "ts_ms",
  sip_timestamp: "i64",
  participant_timestamp: "i64",
  sequence_number: "i64",
  tape: "i32",
  bid_price: "f64",
  ask_price: "f64",
  bid_size: "f64",
  ask_size: "f64",
  bid_exchange: "i32",
  ask_exchange: "i32",
} as const;

/** Polygon trades or quotes for a session (stamps in ns, exact). */
export function polygonTicksPipeline(kind: "trades" | "quotes"): Pipeline {
  const rawSchema = kind === "trades" ? TRADE_RAW : QUOTE_RAW;
  const curSchema: DatasetSpec["schema"] = { ...rawSchema, known_at: "ts_ms" };
  delete curSchema.sip_timestamp;
  delete curSchema.participant_timestamp;
  delete curSchema.trf_timestamp;
  curSchema.sip_ts_ns = "i64";
  curSchema.participant_ts_ns = "i64";
  if (kind === "trades") curSchema.trf_ts_ns = "i64";
  const key = ["ticker", "sip_ts_ns", "sequence_number"];
  return {
    source: "polygon",
    dataset: kind,
    vendor: "polygon",
    rawSpec: spec("raw", "polygon", kind, "date", "ts", [
      "ticker",
      "sip_timestamp",
      "sequence_number",
    ], { ...rawSchema }),
    curatedSpec: spec("curated", "polygon", kind, "date", "ts", key, curSchema),
    chunking: "session",
    transformId: `${TRANSFORM_VERSION}:polygon.${kind}`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const gte = BigInt(Date.parse(unit.start + "T00:00:00Z") - 12 * 3_600_000) * 1_000_000n;
      const lt = BigInt(Date.parse(addDays(unit.end, 1) + "T00:00:00Z") + 12 * 3_600_000) *
        1_000_000n;
      const r = await collect(
        ctx.clients.polygon!.ticks(kind, unit.symbol, { gte, lt }),
        () => emptyFrame(rawSchema).drop("ts"),
      );
      // Keep the session's New York date only (the request window is padded for time zones).
      const raw = r.frame
        .withColumns(
          pl.col("sip_timestamp").div(1_000_000).floor().cast(pl.Int64).cast(
            pl.Datetime("ms", "UTC"),
          ).alias("ts"),
        )
        .withColumns(pl.col("sequence_number").fillNull(-1));
      const dates = raw.height
        ? (raw.getColumn("ts").cast(pl.Int64).cast(pl.Float64).toArray() as number[]).map((x) =>
          nyDate(x)
        )
        : [];
      const keep = raw.height
        ? raw.filter(pl.Series(dates.map((d) => d >= unit.start && d <= unit.end)))
        : raw;
      return {
        raw: keep,
        rejected: r.rejected,
        sourceUri: r.first,
        pages: r.pages,
        fields: r.fields,
      };
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(curSchema), rejected: [] };
      const reason = kind === "trades"
        ? pl.when(pl.col("price").ltEq(0)).then(pl.lit("price not positive"))
          .when(pl.col("size").lt(0)).then(pl.lit("negative size"))
          .otherwise(pl.lit(null).cast(pl.Utf8))
        : pl.when(pl.col("bid_price").lt(0).or(pl.col("ask_price").lt(0))).then(
          pl.lit("negative price"),
        )
          .when(pl.col("bid_price").gt(pl.col("ask_price")).and(pl.col("ask_price").gt(0)))
          .then(pl.lit("crossed quote (bid > ask)"))
          .when(pl.col("bid_size").lt(0).or(pl.col("ask_size").lt(0))).then(pl.lit("negative size"))
          .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(raw, reason, kind, [
        "ticker",
        "sip_timestamp",
        "sequence_number",
      ]);
      const renamed = ok.rename({
        sip_timestamp: "sip_ts_ns",
        participant_timestamp: "participant_ts_ns",
        ...(kind === "trades" ? { trf_timestamp: "trf_ts_ns" } : {}),
      }).withColumns(pl.col("ts").alias("known_at"));
      return { curated: renamed, rejected };
    },
  };
}

// ---- Polygon news ----
const NEWS_RAW = {
  id: "str",
  ts: "ts_ms",
  published_utc: "str",
  title: "str",
  author: "str",
  publisher: "str",
  article_url: "str",
  tickers: "str",
  ticker: "str",
  sentiment: "str",
  sentiment_reasoning: "str",
} as const;
const NEWS_CUR = {
  id: "str",
  ts: "ts_ms",
  ticker: "str",
  title: "str",
  author: "str",
  publisher: "str",
  article_url: "str",
  tickers: "str",
  sentiment: "str",
  sentiment_score: "f64",
  sentiment_reasoning: "str",
  known_at: "ts_ms",
} as const;

/** Polygon news, one row per (article, ticker) with sentiment (+1 positive, 0 neutral, -1 negative). */
export function polygonNewsPipeline(): Pipeline {
  return {
    source: "polygon",
    dataset: "news",
    vendor: "polygon",
    rawSpec: spec("raw", "polygon", "news", "year", "ts", ["id", "ticker"], { ...NEWS_RAW }),
    curatedSpec: spec("curated", "polygon", "news", "year", "ts", ["id", "ticker"], {
      ...NEWS_CUR,
    }),
    chunking: "month",
    transformId: `${TRANSFORM_VERSION}:polygon.news`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const r = await collect(
        ctx.clients.polygon!.news({
          ticker: unit.symbol,
          publishedGte: `${unit.start}T00:00:00Z`,
          publishedLt: `${addDays(unit.end, 1)}T00:00:00Z`,
        }),
        () => emptyFrame(NEWS_RAW).drop("ts"),
      );
      const pub = r.frame.getColumn("published_utc").toArray() as string[];
      const raw = r.frame.withColumns(
        pl.Series("ts", pub.map((p) => Date.parse(p)), pl.Float64).cast(pl.Int64).cast(
          pl.Datetime("ms", "UTC"),
        ),
        pl.col("ticker").fillNull(pl.lit(unit.symbol)),
      );
      return { raw, rejected: r.rejected, sourceUri: r.first, pages: r.pages, fields: r.fields };
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(NEWS_CUR), rejected: [] };
      const reason = pl.when(pl.col("ts").isNull()).then(pl.lit("published_utc is not a date-time"))
        .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(raw.withColumns(pl.col("ts")), reason, "news", [
        "id",
        "ticker",
      ]);
      const score = pl.when(pl.col("sentiment").eq(pl.lit("positive"))).then(pl.lit(1))
        .when(pl.col("sentiment").eq(pl.lit("negative"))).then(pl.lit(-1))
        .when(pl.col("sentiment").eq(pl.lit("neutral"))).then(pl.lit(0))
        .otherwise(pl.lit(null)).cast(pl.Float64);
      const curated = ok.select(
        "id",
        "ts",
        "ticker",
        "title",
        "author",
        "publisher",
        "article_url",
        "tickers",
        "sentiment",
        "sentiment_reasoning",
      ).withColumns(score.alias("sentiment_score"), pl.col("ts").alias("known_at"));
      return { curated, rejected };
    },
  };
}

// ---- Finnhub option chain ----
const FH_RAW = {
  snapshot_date: "date",
  underlying: "str",
  contract_name: "str",
  contract_type: "str",
  expiration_date: "str",
  strike: "f64",
  in_the_money: "bool",
  last_price: "f64",
  bid: "f64",
  ask: "f64",
  volume: "f64",
  open_interest: "f64",
  iv: "f64",
  delta: "f64",
  gamma: "f64",
  theta: "f64",
  vega: "f64",
  updated_at: "str",
  last_trade_date: "str",
  underlying_price: "f64",
} as const;
const FH_CUR: DatasetSpec["schema"] = { ...FH_RAW, expiration_date: "date", known_at: "ts_ms" };
delete FH_CUR.updated_at;
delete FH_CUR.last_trade_date;

/** Finnhub option chain snapshots (unit per underlying; the chain is as of the request). */
export function finnhubChainPipeline(): Pipeline {
  const key = ["snapshot_date", "contract_name"];
  return {
    source: "finnhub",
    dataset: "option_chain",
    vendor: "finnhub",
    rawSpec: spec("raw", "finnhub", "option_chain", "year", "snapshot_date", key, { ...FH_RAW }),
    curatedSpec: spec("curated", "finnhub", "option_chain", "year", "snapshot_date", key, FH_CUR),
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:finnhub.option_chain`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const r = await ctx.clients.finnhub!.optionChain(unit.symbol);
      const snap = r.frame.height
        ? (r.frame.getColumn("last_trade_date").get(0) as string | null)
        : null;
      const raw = r.frame.withColumns(
        pl.lit(snap ?? unit.end).str.strptime(pl.Date, "%Y-%m-%d").alias("snapshot_date"),
      );
      return {
        raw,
        rejected: r.rejected.map((x) => ({ ...x, url: r.url })),
        sourceUri: r.url,
        pages: 1,
        fields: [r.fields],
      };
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(FH_CUR), rejected: [] };
      const reason = pl.when(pl.col("strike").ltEq(0)).then(pl.lit("strike not positive"))
        .when(pl.col("bid").gt(pl.col("ask"))).then(pl.lit("crossed quote (bid > ask)"))
        .when(pl.col("iv").lt(0)).then(pl.lit("negative iv"))
        .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(raw, reason, "option_chain", key);
      const upd = ok.getColumn("updated_at").toArray() as (string | null)[];
      const ltd = ok.getColumn("last_trade_date").toArray() as (string | null)[];
      const snap = ok.getColumn("snapshot_date").cast(pl.Utf8).toArray() as string[];
      const known = upd.map((u, i) => {
        const m = u ? /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2})/.exec(u) : null;
        if (m) return nyWallMs(m[1]!, `${m[2]}:${m[3]}`);
        const d = ltd[i] ?? snap[i]!;
        return sessionBounds(d)?.close.getTime() ?? nyWallMs(addDays(d, 1));
      });
      const curated = ok.drop("updated_at", "last_trade_date").withColumns(
        pl.col("expiration_date").str.strptime(pl.Date, "%Y-%m-%d"),
        pl.Series("known_at", known, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      );
      return { curated, rejected };
    },
  };
}
