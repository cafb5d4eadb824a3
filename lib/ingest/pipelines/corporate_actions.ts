/**
 * Corporate actions and the listing universe: Polygon splits and dividends, Alpha Vantage
 * SPLITS, DIVIDENDS and LISTING_STATUS (active and delisted, for a survivorship-free universe).
 *
 * known_at conventions (the first instant the event could be known, New York time):
 * - splits: the execution (effective) date at 00:00 (vendors do not carry the announcement);
 * - dividends: the declaration date at 00:00 when given, else the ex-date at 00:00;
 * - listing status: the as-of date at 00:00.
 * Alpha Vantage's "None" and "null" sentinels become null; numeric strings become numbers.
 */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../../lake/mod.ts";
import type { Rejected } from "../../sources/_wire.ts";
import type { CuratedResult, FetchedUnit, FieldTypes, Pipeline, Unit } from "../types.ts";
import {
  collect,
  dateSeries,
  emptyFrame,
  nyWallMs,
  type PageLike,
  splitValid,
  TRANSFORM_VERSION,
} from "./_common.ts";

const strDate = (c: string) => pl.col(c).str.strptime(pl.Date, "%Y-%m-%d");

function msSeries(name: string, dates: (string | null)[]): pl.Series {
  return pl.Series(name, dates.map((d) => (d ? nyWallMs(d) : null)), pl.Float64).cast(pl.Int64)
    .cast(pl.Datetime("ms", "UTC"));
}

function spec(
  zone: "raw" | "curated",
  source: string,
  dataset: string,
  time: string,
  key: string[],
  schema: DatasetSpec["schema"],
): DatasetSpec {
  return { zone, source, dataset, partitioning: "none", timeColumn: time, naturalKey: key, schema };
}

/**
 * A Polygon corporate-action listing (`ticker`, `gte`..`lte` on the event date) as a fetched
 * unit: every page, the event date `dateCol` parsed to a date (strings when empty).
 */
async function polygonEvents(
  pages: AsyncIterable<PageLike>,
  rawSchema: DatasetSpec["schema"],
  dateCol: string,
): Promise<FetchedUnit> {
  const r = await collect(
    pages,
    () => emptyFrame(rawSchema).withColumns(pl.col(dateCol).cast(pl.Utf8)),
  );
  return {
    raw: r.frame.withColumns(strDate(dateCol)),
    rejected: r.rejected,
    sourceUri: r.first,
    pages: r.pages,
    fields: r.fields,
  };
}

/**
 * An Alpha Vantage per-symbol answer (the symbol's whole history) as a fetched unit: the rows
 * whose `dateCol` lies in the unit's range, one page, every rejected row tagged with the URL.
 */
function alphaVantageInRange(
  r: { url: string; frame: pl.DataFrame; rejected: Rejected[]; fields: FieldTypes },
  unit: Unit,
  dateCol: string,
): FetchedUnit {
  const raw = r.frame.withColumns(strDate(dateCol))
    .filter(pl.col(dateCol).gtEq(pl.lit(unit.start).str.strptime(pl.Date, "%Y-%m-%d")))
    .filter(pl.col(dateCol).ltEq(pl.lit(unit.end).str.strptime(pl.Date, "%Y-%m-%d")));
  return {
    raw,
    rejected: r.rejected.map((x) => ({ ...x, url: r.url })),
    sourceUri: r.url,
    pages: 1,
    fields: [r.fields],
  };
}

// ---- Polygon splits ----
const P_SPLITS_RAW = {
  id: "str",
  ticker: "str",
  execution_date: "date",
  split_from: "f64",
  split_to: "f64",
} as const;
/**
 * Every curated corporate-action table (splits and dividends of every vendor) also carries
 * `event_date`, `split_ratio` and `cash_amount` (null where they do not apply), so one SQL view
 * reads them all whatever subset exists.
 */
const COMMON = { event_date: "date", split_ratio: "f64", cash_amount: "f64" } as const;
const common = (date: string, ratio: string | null, cash: string | null) => [
  pl.col(date).alias("event_date"),
  (ratio ? pl.col(ratio) : pl.lit(null)).cast(pl.Float64).alias("split_ratio"),
  (cash ? pl.col(cash) : pl.lit(null)).cast(pl.Float64).alias("cash_amount"),
];

const P_SPLITS_CUR = {
  ticker: "str",
  execution_date: "date",
  split_from: "f64",
  split_to: "f64",
  ratio: "f64",
  ...COMMON,
  known_at: "ts_ms",
} as const;

/** Polygon splits (unit per ticker over the range). `ratio` = split_to / split_from. */
export function polygonSplitsPipeline(): Pipeline {
  return {
    source: "polygon",
    dataset: "splits",
    vendor: "polygon",
    rawSpec: spec("raw", "polygon", "splits", "execution_date", ["ticker", "execution_date"], {
      ...P_SPLITS_RAW,
    }),
    curatedSpec: spec("curated", "polygon", "splits", "execution_date", [
      "ticker",
      "execution_date",
    ], { ...P_SPLITS_CUR }),
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:polygon.splits`,
    fetch(ctx, unit): Promise<FetchedUnit> {
      return polygonEvents(
        ctx.clients.polygon!.splits({ ticker: unit.symbol, gte: unit.start, lte: unit.end }),
        P_SPLITS_RAW,
        "execution_date",
      );
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(P_SPLITS_CUR), rejected: [] };
      const reason = pl.when(pl.col("execution_date").isNull()).then(pl.lit("bad execution_date"))
        .when(pl.col("split_from").ltEq(0).or(pl.col("split_to").ltEq(0))).then(
          pl.lit("split ratio not positive"),
        )
        .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(raw, reason, "splits", ["ticker", "execution_date"]);
      const dates = ok.getColumn("execution_date").cast(pl.Utf8).toArray() as string[];
      const curated = ok.select(
        "ticker",
        "execution_date",
        "split_from",
        "split_to",
      ).withColumns(
        pl.col("split_to").div(pl.col("split_from")).alias("ratio"),
        msSeries("known_at", dates),
      ).withColumns(...common("execution_date", "ratio", null));
      return { curated, rejected };
    },
  };
}

// ---- Polygon dividends ----
const P_DIV_RAW = {
  id: "str",
  ticker: "str",
  currency: "str",
  ex_dividend_date: "date",
  declaration_date: "str",
  record_date: "str",
  pay_date: "str",
  dividend_type: "str",
  cash_amount: "f64",
  frequency: "f64",
} as const;
const DIV_CUR = {
  ticker: "str",
  ex_dividend_date: "date",
  declaration_date: "date",
  record_date: "date",
  pay_date: "date",
  currency: "str",
  dividend_type: "str",
  ...COMMON,
  known_at: "ts_ms",
} as const;

function dividendKnownAt(ok: pl.DataFrame): pl.Series {
  const decl = ok.getColumn("declaration_date").cast(pl.Utf8).toArray() as (string | null)[];
  const ex = ok.getColumn("ex_dividend_date").cast(pl.Utf8).toArray() as string[];
  return msSeries("known_at", ex.map((e, i) => (decl[i] && decl[i]! <= e ? decl[i]! : e)));
}

/** Polygon cash dividends. */
export function polygonDividendsPipeline(): Pipeline {
  return {
    source: "polygon",
    dataset: "dividends",
    vendor: "polygon",
    rawSpec: spec("raw", "polygon", "dividends", "ex_dividend_date", [
      "ticker",
      "ex_dividend_date",
      "dividend_type",
    ], { ...P_DIV_RAW }),
    curatedSpec: spec("curated", "polygon", "dividends", "ex_dividend_date", [
      "ticker",
      "ex_dividend_date",
      "dividend_type",
    ], { ...DIV_CUR }),
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:polygon.dividends`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const f = await polygonEvents(
        ctx.clients.polygon!.dividends({ ticker: unit.symbol, gte: unit.start, lte: unit.end }),
        P_DIV_RAW,
        "ex_dividend_date",
      );
      return { ...f, raw: f.raw.withColumns(pl.col("dividend_type").fillNull(pl.lit("CD"))) };
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(DIV_CUR), rejected: [] };
      const reason = pl.when(pl.col("ex_dividend_date").isNull()).then(
        pl.lit("bad ex_dividend_date"),
      )
        .when(pl.col("cash_amount").lt(0)).then(pl.lit("negative cash_amount"))
        .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(raw, reason, "dividends", ["ticker", "ex_dividend_date"]);
      const curated = ok.select(
        pl.col("ticker"),
        pl.col("ex_dividend_date"),
        strDate("declaration_date"),
        strDate("record_date"),
        strDate("pay_date"),
        pl.col("cash_amount"),
        pl.col("currency"),
        pl.col("dividend_type"),
      ).withColumns(dividendKnownAt(ok), ...common("ex_dividend_date", null, "cash_amount"));
      return { curated, rejected };
    },
  };
}

// ---- Alpha Vantage SPLITS ----
const AV_SPLIT_RAW = { symbol: "str", effective_date: "date", split_factor: "str" } as const;
/** Curated Alpha Vantage splits use Polygon's column names (one shape for corporate_actions). */
const AV_SPLIT_CUR = {
  ticker: "str",
  execution_date: "date",
  ratio: "f64",
  ...COMMON,
  known_at: "ts_ms",
} as const;

/** Alpha Vantage SPLITS (unit per symbol). */
export function alphaVantageSplitsPipeline(): Pipeline {
  return {
    source: "alphavantage",
    dataset: "splits",
    vendor: "alphavantage",
    rawSpec: spec("raw", "alphavantage", "splits", "effective_date", ["symbol", "effective_date"], {
      ...AV_SPLIT_RAW,
    }),
    curatedSpec: spec("curated", "alphavantage", "splits", "execution_date", [
      "ticker",
      "execution_date",
    ], { ...AV_SPLIT_CUR }),
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:alphavantage.splits`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const r = await ctx.clients.alphavantage!.splits(unit.symbol);
      return alphaVantageInRange(r, unit, "effective_date");
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(AV_SPLIT_CUR), rejected: [] };
      const f = pl.col("split_factor").cast(pl.Float64, false);
      const reason = pl.when(f.isNull().or(f.ltEq(0))).then(
        pl.lit("split_factor not a positive number"),
      )
        .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(raw, reason, "splits", ["symbol", "effective_date"]);
      const dates = ok.getColumn("effective_date").cast(pl.Utf8).toArray() as string[];
      return {
        curated: ok.select(
          pl.col("symbol").alias("ticker"),
          pl.col("effective_date").alias("execution_date"),
          f.alias("ratio"),
        ).withColumns(msSeries("known_at", dates), ...common("execution_date", "ratio", null)),
        rejected,
      };
    },
  };
}

// ---- Alpha Vantage DIVIDENDS ----
const AV_DIV_RAW = {
  symbol: "str",
  ex_dividend_date: "date",
  declaration_date: "str",
  record_date: "str",
  payment_date: "str",
  amount: "str",
} as const;
/** Curated Alpha Vantage dividends use Polygon's column names. */
const AV_DIV_CUR = {
  ticker: "str",
  ex_dividend_date: "date",
  declaration_date: "date",
  record_date: "date",
  pay_date: "date",
  ...COMMON,
  known_at: "ts_ms",
} as const;

/** Alpha Vantage DIVIDENDS (unit per symbol); "None" dates become null. */
export function alphaVantageDividendsPipeline(): Pipeline {
  return {
    source: "alphavantage",
    dataset: "dividends",
    vendor: "alphavantage",
    rawSpec: spec("raw", "alphavantage", "dividends", "ex_dividend_date", [
      "symbol",
      "ex_dividend_date",
    ], { ...AV_DIV_RAW }),
    curatedSpec: spec("curated", "alphavantage", "dividends", "ex_dividend_date", [
      "ticker",
      "ex_dividend_date",
    ], { ...AV_DIV_CUR }),
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:alphavantage.dividends`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const r = await ctx.clients.alphavantage!.dividends(unit.symbol);
      return alphaVantageInRange(r, unit, "ex_dividend_date");
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(AV_DIV_CUR), rejected: [] };
      const amt = pl.col("amount").cast(pl.Float64, false);
      const reason = pl.when(amt.isNull()).then(pl.lit("amount is not a number"))
        .when(amt.lt(0)).then(pl.lit("negative amount"))
        .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(raw, reason, "dividends", ["symbol", "ex_dividend_date"]);
      const decl = ok.getColumn("declaration_date").toArray() as (string | null)[];
      const ex = ok.getColumn("ex_dividend_date").cast(pl.Utf8).toArray() as string[];
      const curated = ok.select(
        pl.col("symbol").alias("ticker"),
        pl.col("ex_dividend_date"),
        strDate("declaration_date"),
        strDate("record_date"),
        strDate("payment_date").alias("pay_date"),
        amt.alias("cash_amount"),
      ).withColumns(
        ...common("ex_dividend_date", null, "cash_amount"),
        msSeries(
          "known_at",
          ex.map((
            e,
            i,
          ) => (decl[i] && /^\d{4}-\d{2}-\d{2}$/.test(decl[i]!) && decl[i]! <= e ? decl[i]! : e)),
        ),
      );
      return { curated, rejected };
    },
  };
}

// ---- Alpha Vantage LISTING_STATUS ----
const LIST_RAW = {
  as_of: "date",
  state: "str",
  symbol: "str",
  name: "str",
  exchange: "str",
  assetType: "str",
  ipoDate: "str",
  delistingDate: "str",
  status: "str",
} as const;
const LIST_CUR = {
  as_of: "date",
  symbol: "str",
  name: "str",
  exchange: "str",
  asset_type: "str",
  ipo_date: "date",
  delisting_date: "date",
  status: "str",
  listing_id: "str",
  known_at: "ts_ms",
} as const;

/**
 * Alpha Vantage LISTING_STATUS. Unit symbol is the state (`active` or `delisted`); the listing
 * is taken as of the unit's end date. `listing_id` = `symbol|ipo_date|delisting_date`
 * distinguishes a ticker reused by several companies.
 */
export function alphaVantageListingPipeline(): Pipeline {
  const key = ["as_of", "listing_id"];
  return {
    source: "alphavantage",
    dataset: "listing_status",
    vendor: "alphavantage",
    rawSpec: spec("raw", "alphavantage", "listing_status", "as_of", [
      "as_of",
      "state",
      "symbol",
      "ipoDate",
      "delistingDate",
    ], { ...LIST_RAW }),
    curatedSpec: spec("curated", "alphavantage", "listing_status", "as_of", key, { ...LIST_CUR }),
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:alphavantage.listing_status`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const state = unit.symbol === "delisted" ? "delisted" : "active";
      const r = await ctx.clients.alphavantage!.listingStatus(state, unit.end);
      const raw = r.frame.withColumns(
        pl.lit(unit.end).str.strptime(pl.Date, "%Y-%m-%d").alias("as_of"),
        pl.lit(state).alias("state"),
      );
      return {
        raw,
        rejected: r.rejected.map((x) => ({ ...x, url: r.url })),
        sourceUri: r.url,
        pages: 1,
        fields: [],
      };
    },
    curate(raw): CuratedResult {
      if (raw.height === 0) return { curated: emptyFrame(LIST_CUR), rejected: [] };
      const reason = pl.when(
        pl.col("status").eq(pl.lit("Delisted")).and(strDate("delistingDate").isNull()),
      )
        .then(pl.lit("delisted without a delisting date"))
        .otherwise(pl.lit(null).cast(pl.Utf8));
      const { ok, rejected } = splitValid(raw, reason, "listing_status", [
        "symbol",
        "ipoDate",
        "delistingDate",
      ]);
      const asOf = ok.getColumn("as_of").cast(pl.Utf8).toArray() as string[];
      const curated = ok.select(
        pl.col("as_of"),
        pl.col("symbol"),
        pl.col("name"),
        pl.col("exchange"),
        pl.col("assetType").alias("asset_type"),
        strDate("ipoDate").alias("ipo_date"),
        strDate("delistingDate").alias("delisting_date"),
        pl.col("status"),
        pl.concatString([pl.col("symbol"), pl.col("ipoDate"), pl.col("delistingDate")], "|").alias(
          "listing_id",
        ),
      ).withColumns(msSeries("known_at", asOf));
      return { curated, rejected };
    },
  };
}

export { dateSeries };
