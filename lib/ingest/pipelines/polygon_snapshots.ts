/**
 * Polygon "as of now" endpoints as lake datasets, so a nightly job keeps their history:
 *
 * - `polygon/option_snapshot`: the options chain snapshot of an underlying (one row per contract
 *   with the last quote, day statistics, IV, Greeks and open interest as the vendor computed
 *   them). The snapshot date is the New York date of the quotes' `last_updated`; `known_at` is
 *   that quote time (a snapshot says nothing before its quotes existed). Curated rows keep the
 *   vendor's IV and Greeks beside the quote so they can be checked against lib/options.
 * - `polygon/market_calendar`: upcoming holidays and early closes per exchange
 *   (`/v1/marketstatus/upcoming`), each row compared with the workbench's own exchange calendar
 *   (`matches_calendar`), so a disagreement is visible instead of silent. `known_at` is the start
 *   of the unit's end date in New York (the day the list was fetched for).
 *
 * Both are fetched as one unit per symbol (`chunking: "all"`); the market calendar's symbol is a
 * label only (use `US`).
 */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../../lake/mod.ts";
import { isEarlyClose, nyDate, sessionBounds } from "../../time/mod.ts";
import type { CuratedResult, FetchedUnit, Pipeline } from "../types.ts";
import {
  collect,
  dateSeries,
  emptyFrame,
  nyWallMs,
  splitValid,
  TRANSFORM_VERSION,
  tsSeries,
} from "./_common.ts";

function spec(
  zone: "raw" | "curated",
  dataset: string,
  time: string,
  key: string[],
  schema: DatasetSpec["schema"],
): DatasetSpec {
  return {
    zone,
    source: "polygon",
    dataset,
    partitioning: "year",
    timeColumn: time,
    naturalKey: key,
    schema,
  };
}

// ---- options chain snapshot ----
const SNAP_RAW = {
  snapshot_date: "date",
  ticker: "str",
  underlying_ticker: "str",
  contract_type: "str",
  expiration_date: "str",
  strike_price: "f64",
  implied_volatility: "f64",
  open_interest: "f64",
  delta: "f64",
  gamma: "f64",
  theta: "f64",
  vega: "f64",
  day_close: "f64",
  day_volume: "f64",
  bid: "f64",
  ask: "f64",
  quote_last_updated: "i64",
  underlying_price: "f64",
} as const;

const SNAP_CUR = {
  snapshot_date: "date",
  ticker: "str",
  underlying: "str",
  contract_type: "str",
  expiration_date: "date",
  strike: "f64",
  quote_ts: "ts_ms",
  bid: "f64",
  ask: "f64",
  iv: "f64",
  open_interest: "f64",
  delta: "f64",
  gamma: "f64",
  theta: "f64",
  vega: "f64",
  day_close: "f64",
  day_volume: "f64",
  underlying_price: "f64",
  known_at: "ts_ms",
} as const;

const SNAP_KEY = ["snapshot_date", "ticker"];

/** Curate raw option snapshot rows (pure). */
export function curateOptionSnapshot(raw: pl.DataFrame): CuratedResult {
  if (raw.height === 0) return { curated: emptyFrame(SNAP_CUR), rejected: [] };
  const reason = pl.when(pl.col("strike_price").isNull().or(pl.col("strike_price").ltEq(0)))
    .then(pl.lit("strike not positive"))
    .when(pl.col("contract_type").isIn(["call", "put"]).not())
    .then(pl.lit("contract_type is not call or put"))
    .when(pl.col("expiration_date").str.contains("^\\d{4}-\\d{2}-\\d{2}$").not())
    .then(pl.lit("bad expiration_date"))
    .when(pl.col("bid").gt(pl.col("ask"))).then(pl.lit("crossed quote (bid > ask)"))
    .when(pl.col("bid").lt(0).or(pl.col("ask").lt(0))).then(pl.lit("negative quote"))
    .when(pl.col("implied_volatility").lt(0)).then(pl.lit("negative implied volatility"))
    .otherwise(pl.lit(null).cast(pl.Utf8));
  const { ok, rejected } = splitValid(raw, reason, "option_snapshot", SNAP_KEY);
  const ns = ok.getColumn("quote_last_updated").toArray() as (bigint | number | null)[];
  const snap = ok.getColumn("snapshot_date").cast(pl.Utf8).toArray() as string[];
  const quoteMs = ns.map((v) => (v === null ? null : Number(BigInt(v) / 1_000_000n)));
  const known = quoteMs.map((q, i) =>
    q ?? sessionBounds(snap[i]!)?.close.getTime() ?? nyWallMs(snap[i]!, "23:59")
  );
  const curated = ok.withColumns(
    tsSeries("quote_ts", quoteMs),
    tsSeries("known_at", known),
  ).select(
    pl.col("snapshot_date"),
    pl.col("ticker"),
    pl.col("underlying_ticker").alias("underlying"),
    pl.col("contract_type"),
    pl.col("expiration_date").str.strptime(pl.Date, "%Y-%m-%d"),
    pl.col("strike_price").alias("strike"),
    pl.col("quote_ts"),
    pl.col("bid"),
    pl.col("ask"),
    pl.col("implied_volatility").alias("iv"),
    pl.col("open_interest"),
    pl.col("delta"),
    pl.col("gamma"),
    pl.col("theta"),
    pl.col("vega"),
    pl.col("day_close"),
    pl.col("day_volume"),
    pl.col("underlying_price"),
    pl.col("known_at"),
  );
  return { curated, rejected };
}

/** Polygon options chain snapshot of each symbol (an underlying), as of the vendor's now. */
export function polygonOptionSnapshotPipeline(): Pipeline {
  return {
    source: "polygon",
    dataset: "option_snapshot",
    vendor: "polygon",
    rawSpec: spec("raw", "option_snapshot", "snapshot_date", SNAP_KEY, { ...SNAP_RAW }),
    curatedSpec: spec("curated", "option_snapshot", "snapshot_date", SNAP_KEY, { ...SNAP_CUR }),
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:polygon.option_snapshot`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const r = await collect(
        ctx.clients.polygon!.optionSnapshot(unit.symbol),
        () => emptyFrame(SNAP_RAW).drop("snapshot_date"),
      );
      const ns = r.frame.height
        ? (r.frame.getColumn("quote_last_updated").toArray() as (bigint | number | null)[])
        : [];
      // One snapshot date for the whole chain: the newest quote's New York date.
      let newest: bigint | null = null;
      for (const v of ns) {
        if (v !== null && (newest === null || BigInt(v) > newest)) newest = BigInt(v);
      }
      const date = newest === null ? unit.end : nyDate(Number(newest / 1_000_000n));
      const raw = r.frame.withColumns(
        pl.lit(date).str.strptime(pl.Date, "%Y-%m-%d").alias("snapshot_date"),
      );
      return {
        raw,
        rejected: r.rejected,
        sourceUri: r.first,
        pages: r.pages,
        fields: r.fields,
      };
    },
    curate: curateOptionSnapshot,
  };
}

// ---- market calendar (upcoming holidays and early closes) ----
const CAL_RAW = {
  date: "date",
  exchange: "str",
  name: "str",
  status: "str",
  open: "str",
  close: "str",
  fetched_for: "date",
} as const;

const CAL_CUR = {
  date: "date",
  exchange: "str",
  name: "str",
  status: "str",
  open: "ts_ms",
  close: "ts_ms",
  matches_calendar: "bool",
  known_at: "ts_ms",
} as const;

const CAL_KEY = ["date", "exchange"];

/** Curate raw market-calendar rows (pure): typed, checked against lib/time's NYSE calendar. */
export function curateMarketCalendar(raw: pl.DataFrame): CuratedResult {
  if (raw.height === 0) return { curated: emptyFrame(CAL_CUR), rejected: [] };
  const reason = pl.when(pl.col("date").isNull()).then(pl.lit("bad date"))
    .when(pl.col("status").isIn(["closed", "early-close"]).not())
    .then(pl.lit("status is not closed or early-close"))
    .when(pl.col("status").eq(pl.lit("early-close")).and(pl.col("close").isNull()))
    .then(pl.lit("early close without a close time"))
    .otherwise(pl.lit(null).cast(pl.Utf8));
  const { ok, rejected } = splitValid(raw, reason, "market_calendar", CAL_KEY);
  const dates = ok.getColumn("date").cast(pl.Utf8).toArray() as string[];
  const status = ok.getColumn("status").toArray() as string[];
  const closeIso = ok.getColumn("close").toArray() as (string | null)[];
  const fetchedFor = ok.getColumn("fetched_for").cast(pl.Utf8).toArray() as string[];
  const matches = dates.map((d, i) => {
    const b = sessionBounds(d);
    if (status[i] === "closed") return b === null;
    if (b === null || !isEarlyClose(d)) return false;
    const c = Date.parse(closeIso[i] ?? "");
    return Number.isFinite(c) ? c === b.close.getTime() : true;
  });
  const ms = (col: string) =>
    (ok.getColumn(col).toArray() as (string | null)[]).map((s) => {
      const t = s ? Date.parse(s) : NaN;
      return Number.isFinite(t) ? t : null;
    });
  const curated = ok.drop("open", "close").withColumns(
    tsSeries("open", ms("open")),
    tsSeries("close", ms("close")),
    pl.Series("matches_calendar", matches, pl.Bool),
    tsSeries("known_at", fetchedFor.map((d) => nyWallMs(d))),
  ).select(
    pl.col("date"),
    pl.col("exchange"),
    pl.col("name"),
    pl.col("status"),
    "open",
    "close",
    "matches_calendar",
    "known_at",
  );
  return { curated, rejected };
}

/** Polygon upcoming market holidays and early closes (`--symbols US`; one unit per run). */
export function polygonMarketCalendarPipeline(): Pipeline {
  return {
    source: "polygon",
    dataset: "market_calendar",
    vendor: "polygon",
    rawSpec: spec("raw", "market_calendar", "date", CAL_KEY, { ...CAL_RAW }),
    curatedSpec: spec("curated", "market_calendar", "date", CAL_KEY, { ...CAL_CUR }),
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:polygon.market_calendar`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const p = await ctx.clients.polygon!.marketUpcoming();
      const raw = p.frame.withColumns(
        dateSeries("date", p.frame.getColumn("date").toArray() as (string | null)[]),
        pl.lit(unit.end).str.strptime(pl.Date, "%Y-%m-%d").alias("fetched_for"),
      );
      return {
        raw,
        rejected: p.rejected.map((x) => ({ ...x, url: p.url })),
        sourceUri: p.url,
        pages: 1,
        fields: [p.fields],
      };
    },
    curate: curateMarketCalendar,
  };
}
