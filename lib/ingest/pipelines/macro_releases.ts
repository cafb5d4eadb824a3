/**
 * BLS series and BEA NIPA tables into the lake.
 *
 * `bls/series` (one unit per series id, its whole date range; the client merges concurrent
 * units into multi-series queries): curated `series_id, date, period, frequency,
 * annual_average, value, value_status, footnote_codes, footnotes, latest, known_at,
 * known_at_source, point_in_time`, one row per (series, period). The BLS API publishes no release
 * dates, so `known_at` is the fetch instant, `known_at_source = 'fetch'` and `point_in_time =
 * false`: the value is the series' current revision, known no earlier than when it was fetched (a
 * later fetch replaces the row and moves `known_at` later, never earlier).
 *
 * `bea/nipa` (one unit per `TABLE[:F]` symbol, F = Q (default), A or M): curated `table_name,
 * series_code, line_number, line_description, frequency, period, date, metric_name, cl_unit,
 * unit_mult, value, value_status, vintage, known_at, known_at_source, point_in_time`, one row per
 * (table, line, series code, frequency, period, vintage). When the table's note carries
 * `LastRevised: <date>`, that date is the vintage and `known_at` is 08:30 New York time that day
 * (BEA's release time), or the fetch instant if that is earlier; `point_in_time = true`: the row
 * is the table as published on that date, and refetching another vintage adds rows beside it.
 * Without the note the vintage is `unknown`, `known_at` the fetch instant and `point_in_time =
 * false`.
 *
 * Values: BLS `-` and BEA `(NA)`, `(D)`, `(NM)`, `---` ... are null with the marker in
 * `value_status`; anything else that is not a number is quarantined with a reason.
 */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../../lake/mod.ts";
import {
  BEA_MISSING,
  type BeaFrequency,
  beaNumber,
  beaPeriod,
  lastRevised,
} from "../../sources/bea.ts";
import { BLS_MISSING, blsPeriod } from "../../sources/bls.ts";
import type { CuratedResult, Pipeline } from "../types.ts";
import { dateSeries, emptyFrame, nyWallMs, TRANSFORM_VERSION, tsSeries } from "./_common.ts";

const BLS_RAW: DatasetSpec = {
  zone: "raw",
  source: "bls",
  dataset: "series",
  partitioning: "none",
  timeColumn: "fetched_at",
  naturalKey: ["series_id", "year", "period"],
  schema: {
    series_id: "str",
    year: "str",
    period: "str",
    period_name: "str",
    latest: "str",
    value: "str",
    footnotes: "str",
    fetched_at: "ts_ms",
  },
};

const BLS_CURATED: DatasetSpec = {
  zone: "curated",
  source: "bls",
  dataset: "series",
  partitioning: "none",
  timeColumn: "date",
  naturalKey: ["series_id", "period", "date"],
  schema: {
    series_id: "str",
    date: "date",
    period: "str",
    frequency: "str",
    annual_average: "bool",
    value: "f64",
    value_status: "str",
    footnote_codes: "str",
    footnotes: "str",
    latest: "bool",
    known_at: "ts_ms",
    known_at_source: "str",
    point_in_time: "bool",
  },
};

/** Curate raw BLS rows (pure): periods decoded, `-` to null, known_at = fetch instant. */
export function curateBls(raw: pl.DataFrame): CuratedResult {
  if (raw.height === 0) return { curated: emptyFrame(BLS_CURATED.schema), rejected: [] };
  const sid = raw.getColumn("series_id").toArray() as string[];
  const year = raw.getColumn("year").toArray() as string[];
  const period = raw.getColumn("period").toArray() as string[];
  const latest = raw.getColumn("latest").toArray() as (string | null)[];
  const value = raw.getColumn("value").toArray() as string[];
  const notes = raw.getColumn("footnotes").toArray() as string[];
  const fetched = raw.getColumn("fetched_at").cast(pl.Int64).toArray() as (number | bigint)[];
  const o = {
    sid: [] as string[],
    date: [] as string[],
    period: [] as string[],
    freq: [] as string[],
    avg: [] as boolean[],
    value: [] as (number | null)[],
    status: [] as (string | null)[],
    codes: [] as (string | null)[],
    texts: [] as (string | null)[],
    latest: [] as boolean[],
    known: [] as number[],
  };
  const rejected: CuratedResult["rejected"] = [];
  for (let i = 0; i < raw.height; i++) {
    const ref = `series:${sid[i]}|${year[i]}|${period[i]}`;
    const payload = () =>
      JSON.stringify({ series_id: sid[i], year: year[i], period: period[i], value: value[i] });
    const p = blsPeriod(year[i]!, period[i]!);
    if (!p) {
      rejected.push({ reason: `unknown BLS period ${period[i]}`, payload: payload(), ref });
      continue;
    }
    const v = value[i]!.trim();
    let num: number | null = null, status: string | null = null;
    if (BLS_MISSING.has(v)) status = v === "" ? "empty" : v;
    else if (/^-?\d+(\.\d+)?$/.test(v)) num = Number(v);
    else {
      rejected.push({ reason: `value is neither a number nor '-': ${v}`, payload: payload(), ref });
      continue;
    }
    let fn: { code?: string; text?: string }[] = [];
    try {
      fn = JSON.parse(notes[i] ?? "[]");
    } catch { /* written by parseBlsObservations; cannot fail */ }
    o.sid.push(sid[i]!);
    o.date.push(p.date);
    o.period.push(period[i]!);
    o.freq.push(p.frequency);
    o.avg.push(p.annualAverage);
    o.value.push(num);
    o.status.push(status);
    o.codes.push(fn.length ? fn.map((f) => f.code ?? "").join(",") : null);
    o.texts.push(fn.length ? fn.map((f) => f.text ?? "").join(" | ") : null);
    o.latest.push(latest[i] === "true");
    o.known.push(Number(fetched[i]));
  }
  const curated = pl.DataFrame([
    pl.Series("series_id", o.sid, pl.Utf8),
    dateSeries("date", o.date),
    pl.Series("period", o.period, pl.Utf8),
    pl.Series("frequency", o.freq, pl.Utf8),
    pl.Series("annual_average", o.avg, pl.Bool),
    pl.Series("value", o.value, pl.Float64),
    pl.Series("value_status", o.status, pl.Utf8),
    pl.Series("footnote_codes", o.codes, pl.Utf8),
    pl.Series("footnotes", o.texts, pl.Utf8),
    pl.Series("latest", o.latest, pl.Bool),
    tsSeries("known_at", o.known),
    pl.Series("known_at_source", o.sid.map(() => "fetch"), pl.Utf8),
    pl.Series("point_in_time", o.sid.map(() => false), pl.Bool),
  ]);
  return { curated, rejected };
}

/** The BLS series pipeline. */
export function blsSeriesPipeline(): Pipeline {
  return {
    source: "bls",
    dataset: "series",
    vendor: "bls",
    rawSpec: BLS_RAW,
    curatedSpec: BLS_CURATED,
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:bls.series`,
    async fetch(ctx, unit) {
      const bls = ctx.clients.bls;
      if (!bls) throw new TypeError("bls client is not configured");
      if (!/^[A-Z0-9]+$/.test(unit.symbol)) {
        throw new RangeError(`Invalid BLS series id ${unit.symbol}`);
      }
      const pages = await bls.series(
        unit.symbol,
        Number(unit.start.slice(0, 4)),
        Number(unit.end.slice(0, 4)),
      );
      const frames: pl.DataFrame[] = [];
      for (const p of pages) {
        if (p.frame.height === 0) continue;
        frames.push(p.frame.withColumns(
          tsSeries("fetched_at", new Array(p.frame.height).fill(p.fetchedAtMs)),
        ));
      }
      let raw = frames.length ? pl.concat(frames, { how: "vertical" }) : emptyFrame(BLS_RAW.schema);
      // Keep the unit's dates only (BLS answers whole years); annual averages belong to their year.
      if (raw.height) {
        const periods = raw.getColumn("period").toArray() as string[];
        const keep = (raw.getColumn("year").toArray() as string[]).map((y, i) => {
          const p = blsPeriod(y, periods[i]!);
          if (!p) return true; // quarantined by curate, with its reason
          return periodOverlaps(p.date, p.frequency, unit.start, unit.end);
        });
        raw = raw.filter(pl.Series("k", keep, pl.Bool));
      }
      return {
        raw,
        rejected: pages.flatMap((p) => p.rejected.map((r) => ({ ...r, url: p.url }))),
        sourceUri: pages[0]?.url ?? "",
        pages: pages.length,
        fields: pages.map((p) => p.fields),
      };
    },
    curate: curateBls,
  };
}

const BEA_RAW: DatasetSpec = {
  zone: "raw",
  source: "bea",
  dataset: "nipa",
  partitioning: "none",
  timeColumn: "fetched_at",
  naturalKey: [
    "table_name",
    "frequency",
    "line_number",
    "series_code",
    "time_period",
    "table_note",
  ],
  schema: {
    table_name: "str",
    frequency: "str",
    series_code: "str",
    line_number: "str",
    line_description: "str",
    time_period: "str",
    metric_name: "str",
    cl_unit: "str",
    unit_mult: "str",
    data_value: "str",
    note_ref: "str",
    table_note: "str",
    fetched_at: "ts_ms",
  },
};

const BEA_CURATED: DatasetSpec = {
  zone: "curated",
  source: "bea",
  dataset: "nipa",
  partitioning: "none",
  timeColumn: "date",
  naturalKey: ["table_name", "frequency", "line_number", "series_code", "date", "vintage"],
  schema: {
    table_name: "str",
    series_code: "str",
    line_number: "i64",
    line_description: "str",
    frequency: "str",
    period: "str",
    date: "date",
    metric_name: "str",
    cl_unit: "str",
    unit_mult: "i64",
    value: "f64",
    value_status: "str",
    vintage: "str",
    known_at: "ts_ms",
    known_at_source: "str",
    point_in_time: "bool",
  },
};

/** BEA publishes its releases at 08:30 New York time. */
export const BEA_RELEASE_TIME_ET = "08:30";

/** Curate raw BEA rows (pure): values parsed, periods decoded, vintage and known_at stamped. */
export function curateBea(raw: pl.DataFrame): CuratedResult {
  if (raw.height === 0) return { curated: emptyFrame(BEA_CURATED.schema), rejected: [] };
  const col = (c: string) => raw.getColumn(c).toArray() as (string | null)[];
  const tn = col("table_name"), fq = col("frequency"), sc = col("series_code");
  const ln = col("line_number"), ld = col("line_description"), tp = col("time_period");
  const mn = col("metric_name"), cu = col("cl_unit"), um = col("unit_mult");
  const dv = col("data_value"), note = col("table_note");
  const fetched = raw.getColumn("fetched_at").cast(pl.Int64).toArray() as (number | bigint)[];
  const rows: Record<string, unknown[]> = {};
  for (const k of Object.keys(BEA_CURATED.schema)) rows[k] = [];
  const rejected: CuratedResult["rejected"] = [];
  for (let i = 0; i < raw.height; i++) {
    const ref = `nipa:${tn[i]}|${ln[i]}|${sc[i]}|${tp[i]}`;
    const payload = () =>
      JSON.stringify({
        table_name: tn[i],
        line_number: ln[i],
        series_code: sc[i],
        time_period: tp[i],
        data_value: dv[i],
      });
    const p = beaPeriod(tp[i] ?? "");
    if (!p) {
      rejected.push({ reason: `unparseable TimePeriod ${tp[i]}`, payload: payload(), ref });
      continue;
    }
    if (p.frequency !== fq[i]) {
      rejected.push({
        reason: `TimePeriod ${tp[i]} is not of the requested frequency ${fq[i]}`,
        payload: payload(),
        ref,
      });
      continue;
    }
    const v = (dv[i] ?? "").trim();
    let num: number | null = null, status: string | null = null;
    if (BEA_MISSING.has(v)) status = v;
    else {
      num = beaNumber(v);
      if (num === null) {
        rejected.push({ reason: `DataValue is not a number: ${v}`, payload: payload(), ref });
        continue;
      }
    }
    const fetchedMs = Number(fetched[i]);
    const vintage = lastRevised(note[i] ?? "");
    const knownMs = vintage
      ? Math.min(nyWallMs(vintage, BEA_RELEASE_TIME_ET), fetchedMs)
      : fetchedMs;
    rows.table_name!.push(tn[i]);
    rows.series_code!.push(sc[i]);
    rows.line_number!.push(Number(ln[i]));
    rows.line_description!.push(ld[i]);
    rows.frequency!.push(p.frequency);
    rows.period!.push(tp[i]);
    rows.date!.push(p.date);
    rows.metric_name!.push(mn[i]);
    rows.cl_unit!.push(cu[i]);
    rows.unit_mult!.push(Number(um[i]));
    rows.value!.push(num);
    rows.value_status!.push(status);
    rows.vintage!.push(vintage ?? "unknown");
    rows.known_at!.push(knownMs);
    rows.known_at_source!.push(vintage ? "table_revised" : "fetch");
    rows.point_in_time!.push(vintage !== null);
  }
  const s = (k: string, t: pl.DataType) => pl.Series(k, rows[k]! as never[], t);
  const curated = pl.DataFrame([
    s("table_name", pl.Utf8),
    s("series_code", pl.Utf8),
    s("line_number", pl.Int64),
    s("line_description", pl.Utf8),
    s("frequency", pl.Utf8),
    s("period", pl.Utf8),
    dateSeries("date", rows.date as string[]),
    s("metric_name", pl.Utf8),
    s("cl_unit", pl.Utf8),
    s("unit_mult", pl.Int64),
    s("value", pl.Float64),
    s("value_status", pl.Utf8),
    s("vintage", pl.Utf8),
    tsSeries("known_at", rows.known_at as number[]),
    s("known_at_source", pl.Utf8),
    s("point_in_time", pl.Bool),
  ]);
  return { curated, rejected };
}

/** `T10105` -> table T10105 quarterly; `T20804:M` -> monthly. */
export function parseNipaSymbol(symbol: string): { table: string; frequency: BeaFrequency } {
  const m = /^([A-Z0-9]+)(?::([AQM]))?$/.exec(symbol);
  if (!m) {
    throw new RangeError(
      `Invalid BEA NIPA symbol ${symbol}: expected TABLE or TABLE:A|Q|M (e.g. T10105:Q)`,
    );
  }
  return { table: m[1]!, frequency: (m[2] ?? "Q") as BeaFrequency };
}

/** The BEA NIPA pipeline. */
export function beaNipaPipeline(): Pipeline {
  return {
    source: "bea",
    dataset: "nipa",
    vendor: "bea",
    rawSpec: BEA_RAW,
    curatedSpec: BEA_CURATED,
    chunking: "all",
    transformId: `${TRANSFORM_VERSION}:bea.nipa`,
    async fetch(ctx, unit) {
      const bea = ctx.clients.bea;
      if (!bea) throw new TypeError("bea client is not configured");
      const { table, frequency } = parseNipaSymbol(unit.symbol);
      const pages = await bea.nipaRange(
        table,
        frequency,
        Number(unit.start.slice(0, 4)),
        Number(unit.end.slice(0, 4)),
      );
      const frames: pl.DataFrame[] = [];
      for (const p of pages) {
        if (p.frame.height === 0) continue;
        const n = p.frame.height;
        frames.push(p.frame.withColumns(
          pl.Series("frequency", new Array(n).fill(frequency), pl.Utf8),
          pl.Series("table_note", new Array(n).fill(p.tableNote), pl.Utf8),
          tsSeries("fetched_at", new Array(n).fill(p.fetchedAtMs)),
        ));
      }
      let raw = frames.length
        ? pl.concat(frames, { how: "vertical" }).select(...Object.keys(BEA_RAW.schema))
        : emptyFrame(BEA_RAW.schema);
      if (raw.height) {
        const keep = (raw.getColumn("time_period").toArray() as string[]).map((t) => {
          const p = beaPeriod(t);
          return !p || periodOverlaps(p.date, p.frequency, unit.start, unit.end);
        });
        raw = raw.filter(pl.Series("k", keep, pl.Bool));
      }
      return {
        raw,
        rejected: pages.flatMap((p) => p.rejected.map((r) => ({ ...r, url: p.url }))),
        sourceUri: pages[0]?.url ?? "",
        pages: pages.length,
        fields: pages.map((p) => p.fields),
      };
    },
    curate: curateBea,
  };
}

/**
 * True when the period starting on `date` (length by frequency: M a month, Q three, S six, A
 * twelve) overlaps the inclusive date range [start, end].
 */
export function periodOverlaps(
  date: string,
  frequency: string,
  start: string,
  end: string,
): boolean {
  const months = frequency === "M" ? 1 : frequency === "Q" ? 3 : frequency === "S" ? 6 : 12;
  const y = Number(date.slice(0, 4)), m = Number(date.slice(5, 7)) - 1 + months;
  const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  return date <= end && next > start;
}
