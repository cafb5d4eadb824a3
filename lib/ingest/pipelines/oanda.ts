/**
 * OANDA FX candles (bid/ask/mid). One unit per UTC day (Saturdays skipped: the market is shut
 * from Friday 17:00 to Sunday 17:00 New York). Curated `oanda/fx_candles_<granularity>`:
 * `instrument, ts (candle open), bid_/ask_/mid_ open/high/low/close, volume, known_at` with
 * known_at = ts + candle length. Candles whose sides fail OHLC consistency are quarantined.
 */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../../lake/mod.ts";
import type { Pipeline } from "../types.ts";
import {
  addDays,
  collect,
  emptyFrame,
  ohlcReason,
  splitValid,
  TRANSFORM_VERSION,
} from "./_common.ts";

const SIDES = ["bid", "ask", "mid"] as const;
const GRAN_MS: Record<string, number> = {
  S5: 5000,
  S10: 10_000,
  S15: 15_000,
  S30: 30_000,
  M1: 60_000,
  M5: 300_000,
  M15: 900_000,
  M30: 1_800_000,
  H1: 3_600_000,
  H4: 14_400_000,
};

function rawSchema(): DatasetSpec["schema"] {
  const s: DatasetSpec["schema"] = {
    instrument: "str",
    granularity: "str",
    ts: "ts_ms",
    time_ms: "i64",
    volume: "i64",
  };
  for (const side of SIDES) for (const k of "ohlc") s[`${side}_${k}`] = "f64";
  return s;
}
function curatedSchema(): DatasetSpec["schema"] {
  const s: DatasetSpec["schema"] = { instrument: "str", ts: "ts_ms" };
  for (const side of SIDES) {
    for (const k of ["open", "high", "low", "close"]) s[`${side}_${k}`] = "f64";
  }
  s.volume = "i64";
  s.known_at = "ts_ms";
  return s;
}

/** Curate raw candles. */
export function curateOanda(
  raw: pl.DataFrame,
  granularity: string,
): ReturnType<Pipeline["curate"]> {
  if (raw.height === 0) return { curated: emptyFrame(curatedSchema()), rejected: [] };
  let reason = ohlcReason("mid_o", "mid_h", "mid_l", "mid_c");
  // Bid and ask sides are checked when present.
  const sideReason = (s: string) =>
    pl.when(pl.col(`${s}_o`).isNull()).then(pl.lit(null).cast(pl.Utf8)).otherwise(
      ohlcReason(`${s}_o`, `${s}_h`, `${s}_l`, `${s}_c`),
    );
  reason = pl.when(pl.col("mid_o").isNull()).then(pl.lit(null).cast(pl.Utf8)).otherwise(reason);
  reason = reason.fillNull(sideReason("bid")).fillNull(sideReason("ask"));
  const { ok, rejected } = splitValid(raw, reason, `fx_candles`, ["instrument", "time_ms"]);
  const span = GRAN_MS[granularity] ?? 60_000;
  const cols: pl.Expr[] = [pl.col("instrument"), pl.col("ts")];
  for (const side of SIDES) {
    for (const [k, name] of [["o", "open"], ["h", "high"], ["l", "low"], ["c", "close"]] as const) {
      cols.push(pl.col(`${side}_${k}`).alias(`${side}_${name}`));
    }
  }
  cols.push(
    pl.col("volume"),
    pl.col("time_ms").add(span).cast(pl.Datetime("ms", "UTC")).alias("known_at"),
  );
  return { curated: ok.select(...cols), rejected };
}

/** The OANDA candles pipeline for one granularity (default M1). */
export function oandaCandlesPipeline(granularity = "M1"): Pipeline {
  const dataset = `fx_candles_${granularity.toLowerCase()}`;
  const spec = (zone: "raw" | "curated", schema: DatasetSpec["schema"]): DatasetSpec => ({
    zone,
    source: "oanda",
    dataset,
    partitioning: "date",
    timeColumn: "ts",
    naturalKey: ["instrument", "ts"],
    schema,
  });
  return {
    source: "oanda",
    dataset,
    vendor: "oanda",
    rawSpec: spec("raw", rawSchema()),
    curatedSpec: spec("curated", curatedSchema()),
    chunking: "fx_day",
    transformId: `${TRANSFORM_VERSION}:oanda.${dataset}`,
    async fetch(ctx, unit) {
      const oanda = ctx.clients.oanda;
      if (!oanda) throw new TypeError("oanda client is not configured");
      const r = await collect(
        oanda.candles(unit.symbol, {
          granularity,
          from: `${unit.start}T00:00:00.000000000Z`,
          to: `${addDays(unit.end, 1)}T00:00:00.000000000Z`,
        }),
        () => emptyFrame(rawSchema()).drop("ts"),
      );
      return {
        raw: r.frame.withColumns(pl.col("time_ms").cast(pl.Datetime("ms", "UTC")).alias("ts")),
        rejected: r.rejected,
        sourceUri: r.first,
        pages: r.pages,
        fields: r.fields,
      };
    },
    curate: (raw) => curateOanda(raw, granularity),
  };
}
