/**
 * FRED/ALFRED macro observations with full vintage history.
 *
 * Curated `fred/macro_observations`: `series_id, date, value (null for "."), realtime_start,
 * realtime_end, known_at`, one row per (series, observation date, vintage start). `known_at` is
 * the vintage date at the release's time of day in New York where it is known
 * ({@link FRED_RELEASE_TIME_ET}); for other series the end of the vintage day (23:59:59.999 ET),
 * the conservative choice: a value is never stamped earlier than it could have been seen.
 */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../../lake/mod.ts";
import type { Pipeline } from "../types.ts";
import {
  addDays,
  dateSeries,
  emptyFrame,
  nyWallMs,
  splitValid,
  TRANSFORM_VERSION,
} from "./_common.ts";

/**
 * Release time of day (New York) of the default series, from the publishers' release
 * schedules: BLS 08:30 (CPI, employment, claims via DOL), BEA 08:30 (PCE), Fed H.15 16:15
 * (rates and FRED spreads built from it), Fed G.17 09:15 (industrial production), Fed H.4.1
 * 16:30 (WALCL), JOLTS 10:00, University of Michigan 10:00.
 */
export const FRED_RELEASE_TIME_ET: Record<string, string> = {
  FEDFUNDS: "16:15",
  DTB3: "16:15",
  DGS2: "16:15",
  DGS10: "16:15",
  T10Y2Y: "16:15",
  T5YIFR: "16:15",
  BAA10Y: "16:15",
  CPIAUCSL: "08:30",
  PCEPILFE: "08:30",
  PAYEMS: "08:30",
  UNRATE: "08:30",
  ICSA: "08:30",
  JTSJOL: "10:00",
  INDPRO: "09:15",
  UMCSENT: "10:00",
  MICH: "10:00",
  WALCL: "16:30",
};

/** known_at (epoch ms) of a vintage of a series. */
export function fredKnownAtMs(seriesId: string, vintageDate: string): number {
  const hhmm = FRED_RELEASE_TIME_ET[seriesId];
  return hhmm ? nyWallMs(vintageDate, hhmm) : nyWallMs(addDays(vintageDate, 1)) - 1;
}

const RAW: DatasetSpec = {
  zone: "raw",
  source: "fred",
  dataset: "macro_observations",
  partitioning: "none",
  timeColumn: "date",
  naturalKey: ["series_id", "date", "realtime_start"],
  schema: {
    series_id: "str",
    date: "date",
    value: "str",
    realtime_start: "date",
    realtime_end: "date",
  },
};

const CURATED: DatasetSpec = {
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
};

/** Curate raw FRED rows: "." -> null, numbers parsed, known_at stamped. */
export function curateFred(raw: pl.DataFrame): ReturnType<Pipeline["curate"]> {
  if (raw.height === 0) return { curated: emptyFrame(CURATED.schema), rejected: [] };
  const reason = pl.when(
    pl.col("value").neq(pl.lit(".")).and(pl.col("value").cast(pl.Float64, false).isNull()),
  )
    .then(pl.lit("value is neither a number nor '.'"))
    .when(pl.col("realtime_end").lt(pl.col("realtime_start"))).then(
      pl.lit("realtime_end before realtime_start"),
    )
    .otherwise(pl.lit(null).cast(pl.Utf8));
  const { ok, rejected } = splitValid(raw, reason, "macro_observations", [
    "series_id",
    "date",
    "realtime_start",
  ]);
  const sid = ok.getColumn("series_id").toArray() as string[];
  const rs = ok.getColumn("realtime_start").cast(pl.Utf8).toArray() as string[];
  const known = sid.map((s, i) => fredKnownAtMs(s, rs[i]!));
  const curated = ok.select(
    pl.col("series_id"),
    pl.col("date"),
    pl.when(pl.col("value").eq(pl.lit("."))).then(pl.lit(null).cast(pl.Float64))
      .otherwise(pl.col("value").cast(pl.Float64, false)).alias("value"),
    pl.col("realtime_start"),
    pl.col("realtime_end"),
  ).withColumns(
    pl.Series("known_at", known, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
  );
  return { curated, rejected };
}

/** Series metadata (reference zone). */
export const FRED_SERIES_META: DatasetSpec = {
  zone: "reference",
  source: "fred",
  dataset: "series_meta",
  partitioning: "none",
  timeColumn: "observation_start",
  naturalKey: ["series_id"],
  schema: {
    series_id: "str",
    title: "str",
    observation_start: "date",
    observation_end: "date",
    frequency: "str",
    units: "str",
    seasonal_adjustment: "str",
    last_updated: "str",
  },
};

/** The FRED/ALFRED observations pipeline (one unit per series, whole real-time history). */
export function fredObservationsPipeline(): Pipeline {
  return {
    source: "fred",
    dataset: "macro_observations",
    vendor: "fred",
    rawSpec: RAW,
    curatedSpec: CURATED,
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:fred.macro_observations`,
    async fetch(ctx, unit) {
      const fred = ctx.clients.fred;
      if (!fred) throw new TypeError("fred client is not configured");
      const r = await fred.observationsAllVintages(unit.symbol, {
        observationStart: unit.start,
        observationEnd: unit.end,
      });
      const f = r.frame;
      const raw = f.height === 0 ? emptyFrame(RAW.schema) : f.withColumns(
        pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"),
        pl.col("realtime_start").str.strptime(pl.Date, "%Y-%m-%d"),
        pl.col("realtime_end").str.strptime(pl.Date, "%Y-%m-%d"),
      );
      return {
        raw,
        rejected: r.rejected,
        sourceUri: r.urls[0] ?? "",
        pages: r.urls.length,
        fields: r.fields,
      };
    },
    curate: curateFred,
  };
}

export { dateSeries };
