/**
 * Dukascopy ticks and the bars built from them.
 *
 * One unit per fx session (chunking `fx_day`; a date that is not a weekday has no session and
 * fetches nothing): the 24 hour files from the session's open (D-1 17:00 New York) to its close
 * (D 17:00), so every bar of every frame lies inside one unit and is complete when it lands.
 *
 * - `dukascopy/fx_ticks`: raw = the records as received (`instrument, ts, hour_ms, seq` (record
 *   index in the hour file), `ms, ask_points, bid_points, ask_volume, bid_volume`); curated =
 *   `instrument, ts, seq, bid, ask, mid, bid_volume, ask_volume, known_at` with price = points /
 *   decimal factor, mid = (bid_points + ask_points) / (2 factor) and known_at = ts (a tick is known when it prints).
 *   Natural key (instrument, ts, seq): two ticks in one millisecond are both kept. Records that
 *   cannot be ticks (outside the hour, out of order, zero price, crossed, bad volume) are
 *   quarantined at parse with their reason.
 * - `dukascopy/fx_bars_<m1|m5|m15|h1|h4|d1>`: bid/ask/mid OHLC, `ticks`, volumes (see
 *   lib/sources/fx_tick_bars.ts), `session` (fx session date), known_at = the bar's close. Their
 *   raw zone holds the bars as derived at ingest from the unit's valid ticks (Dukascopy serves
 *   no bars here); curate checks OHLC consistency of every side. Backfilling `fx_ticks` lands
 *   every bar frame too; backfilling one bar dataset fetches the ticks and lands only its bars.
 */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../../lake/mod.ts";
import { decimalFactor, type DukascopyHour } from "../../sources/dukascopy.ts";
import {
  FX_BAR_TIMEFRAMES,
  fxBarsFromTicks,
  type FxTimeframe,
} from "../../sources/fx_tick_bars.ts";
import { getCalendar } from "../../time/mod.ts";
import { unitId } from "../backfill.ts";
import type {
  CuratedResult,
  FetchedUnit,
  Pipeline,
  PipelineContext,
  RejectedRow,
  Unit,
} from "../types.ts";
import { addDays, emptyFrame, ohlcReason, splitValid, TRANSFORM_VERSION } from "./_common.ts";

const SIDES = ["bid", "ask", "mid"] as const;
const OHLC = ["open", "high", "low", "close"] as const;
const HOUR_MS = 3_600_000;

function rawTickSchema(): DatasetSpec["schema"] {
  return {
    instrument: "str",
    ts: "ts_ms",
    hour_ms: "i64",
    seq: "i64",
    ms: "i64",
    ask_points: "i64",
    bid_points: "i64",
    ask_volume: "f64",
    bid_volume: "f64",
  };
}

function curatedTickSchema(): DatasetSpec["schema"] {
  return {
    instrument: "str",
    ts: "ts_ms",
    seq: "i64",
    bid: "f64",
    ask: "f64",
    mid: "f64",
    bid_volume: "f64",
    ask_volume: "f64",
    known_at: "ts_ms",
  };
}

function barSchema(curated: boolean): DatasetSpec["schema"] {
  const s: DatasetSpec["schema"] = { instrument: "str", ts: "ts_ms", session: "str" };
  for (const side of SIDES) for (const k of OHLC) s[`${side}_${k}`] = "f64";
  s.ticks = "i64";
  s.bid_volume = "f64";
  s.ask_volume = "f64";
  s[curated ? "known_at" : "close_ts"] = "ts_ms";
  return s;
}

/** Curate raw tick rows: prices from points by the instrument's decimal factor. */
export function curateDukascopyTicks(raw: pl.DataFrame): CuratedResult {
  if (raw.height === 0) return { curated: emptyFrame(curatedTickSchema()), rejected: [] };
  const instruments = [...new Set(raw.getColumn("instrument").toArray() as string[])];
  let factor: pl.Expr = pl.lit(null).cast(pl.Float64);
  for (const ins of instruments) {
    factor = pl.when(pl.col("instrument").eq(pl.lit(ins))).then(pl.lit(decimalFactor(ins)))
      .otherwise(factor);
  }
  const bid = pl.col("bid_points").cast(pl.Float64).div(pl.col("__f"));
  const ask = pl.col("ask_points").cast(pl.Float64).div(pl.col("__f"));
  const curated = raw.withColumns(factor.alias("__f")).select(
    pl.col("instrument"),
    pl.col("ts"),
    pl.col("seq"),
    bid.alias("bid"),
    ask.alias("ask"),
    // One division of an exact sum of points: the correctly rounded mid (no 1.1065800000000001).
    pl.col("bid_points").add(pl.col("ask_points")).cast(pl.Float64).div(pl.col("__f").mul(2))
      .alias("mid"),
    pl.col("bid_volume"),
    pl.col("ask_volume"),
    pl.col("ts").alias("known_at"),
  ).sort(["instrument", "ts", "seq"]);
  return { curated, rejected: [] };
}

/** Curate raw bar rows: OHLC consistency per side, known_at = the bar's close. */
export function curateDukascopyBars(raw: pl.DataFrame): CuratedResult {
  if (raw.height === 0) return { curated: emptyFrame(barSchema(true)), rejected: [] };
  let reason = ohlcReason("mid_open", "mid_high", "mid_low", "mid_close");
  for (const s of ["bid", "ask"]) {
    reason = reason.fillNull(ohlcReason(`${s}_open`, `${s}_high`, `${s}_low`, `${s}_close`));
  }
  const { ok, rejected } = splitValid(raw, reason, "fx_bars", ["instrument", "ts"]);
  const cols = Object.keys(barSchema(false)).filter((c) => c !== "close_ts").map((c) => pl.col(c));
  return {
    curated: ok.select(...cols, pl.col("close_ts").alias("known_at")),
    rejected,
  };
}

/** Bars of one frame from curated ticks (one instrument, time order) as raw bar rows. */
export function barsFrame(ticks: pl.DataFrame, tf: FxTimeframe): pl.DataFrame {
  if (ticks.height === 0) return emptyFrame(barSchema(false));
  const instruments = [...new Set(ticks.getColumn("instrument").toArray() as string[])];
  const frames: pl.DataFrame[] = [];
  for (const ins of instruments) {
    const t = instruments.length === 1 ? ticks : ticks.filter(pl.col("instrument").eq(pl.lit(ins)));
    const f64 = (c: string) => Float64Array.from(t.getColumn(c).toArray() as number[]);
    const ts = Float64Array.from(
      t.getColumn("ts").cast(pl.Int64).toArray() as (number | bigint)[],
      Number,
    );
    const b = fxBarsFromTicks({
      ts_ms: ts,
      bid: f64("bid"),
      ask: f64("ask"),
      mid: f64("mid"),
      bid_volume: f64("bid_volume"),
      ask_volume: f64("ask_volume"),
    }, tf);
    const tsCol = (name: string, v: Float64Array) =>
      pl.Series(name, v).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
    const series: pl.Series[] = [
      pl.Series("instrument", b.session.map(() => ins), pl.Utf8),
      tsCol("ts", b.ts_ms),
      pl.Series("session", b.session, pl.Utf8),
    ];
    for (const s of SIDES) {
      for (const k of OHLC) series.push(pl.Series(`${s}_${k}`, b[`${s}_${k}`]));
    }
    series.push(
      pl.Series("ticks", b.ticks).cast(pl.Int64),
      pl.Series("bid_volume", b.bid_volume),
      pl.Series("ask_volume", b.ask_volume),
      tsCol("close_ts", b.close_ms),
    );
    frames.push(pl.DataFrame(series));
  }
  return frames.length === 1 ? frames[0]! : pl.concat(frames);
}

/** Start instants of the hours of the fx sessions in [start, end]. */
export function sessionHours(start: string, end: string): number[] {
  const cal = getCalendar("fx");
  const out: number[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) {
    const b = cal.sessionBounds(d);
    if (!b) continue;
    for (let h = b.open.getTime(); h < b.close.getTime(); h += HOUR_MS) out.push(h);
  }
  return out;
}

/** Fetch a unit's hours; raw tick rows plus parse rejects. */
async function fetchTicks(
  ctx: PipelineContext,
  unit: Unit,
): Promise<{ raw: pl.DataFrame; rejected: RejectedRow[]; first: string; pages: number }> {
  const dk = ctx.clients.dukascopy;
  if (!dk) throw new TypeError("dukascopy client is not configured");
  const hours = sessionHours(unit.start, unit.end);
  const got: DukascopyHour[] = await Promise.all(hours.map((h) => dk.hourTicks(unit.symbol, h)));
  const rejected: RejectedRow[] = [];
  for (const h of got) for (const r of h.rejected) rejected.push({ ...r, url: h.url });
  const frames = got.map((h) => h.frame).filter((f) => f.height > 0);
  const raw = frames.length === 0
    ? emptyFrame(rawTickSchema())
    : frames.length === 1
    ? frames[0]!
    : pl.concat(frames);
  return { raw, rejected, first: got[0]?.url ?? "", pages: got.length };
}

function spec(
  zone: "raw" | "curated",
  dataset: string,
  schema: DatasetSpec["schema"],
  partitioning: "date" | "year",
  naturalKey: string[],
): DatasetSpec {
  return { zone, source: "dukascopy", dataset, partitioning, timeColumn: "ts", naturalKey, schema };
}

/** The bars pipeline of one frame. */
export function dukascopyBarsPipeline(tf: FxTimeframe): Pipeline {
  const dataset = `fx_bars_${tf.toLowerCase()}`;
  const part = tf === "D1" || tf === "H4" || tf === "H1" ? "year" : "date";
  const pipeline: Pipeline = {
    source: "dukascopy",
    dataset,
    vendor: "dukascopy",
    rawSpec: spec("raw", dataset, barSchema(false), part, ["instrument", "ts"]),
    curatedSpec: spec("curated", dataset, barSchema(true), part, ["instrument", "ts"]),
    chunking: "fx_day",
    transformId: `${TRANSFORM_VERSION}:dukascopy.${dataset}`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const r = await fetchTicks(ctx, unit);
      const ticks = curateDukascopyTicks(r.raw).curated;
      return {
        raw: barsFrame(ticks, tf),
        rejected: r.rejected,
        sourceUri: r.first,
        pages: r.pages,
        fields: [],
      };
    },
    curate: curateDukascopyBars,
  };
  return pipeline;
}

/** The ticks pipeline; its units land every bar frame as side outputs. */
export function dukascopyTicksPipeline(): Pipeline {
  const dataset = "fx_ticks";
  const bars = FX_BAR_TIMEFRAMES.map((tf) => ({ tf, p: dukascopyBarsPipeline(tf) }));
  return {
    source: "dukascopy",
    dataset,
    vendor: "dukascopy",
    rawSpec: spec("raw", dataset, rawTickSchema(), "date", ["instrument", "ts", "seq"]),
    curatedSpec: spec("curated", dataset, curatedTickSchema(), "date", [
      "instrument",
      "ts",
      "seq",
    ]),
    chunking: "fx_day",
    transformId: `${TRANSFORM_VERSION}:dukascopy.${dataset}`,
    async fetch(ctx, unit): Promise<FetchedUnit> {
      const r = await fetchTicks(ctx, unit);
      const ticks = curateDukascopyTicks(r.raw).curated;
      return {
        raw: r.raw,
        rejected: r.rejected,
        sourceUri: r.first,
        pages: r.pages,
        fields: [],
        side: bars.map(({ tf, p }) => ({
          pipeline: p,
          raw: barsFrame(ticks, tf),
          unit: {
            ...unit,
            dataset: p.dataset,
            id: unitId("dukascopy", p.dataset, unit.symbol, unit.start, unit.end),
          },
        })),
      };
    },
    curate: curateDukascopyTicks,
  };
}
