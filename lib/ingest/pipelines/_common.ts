/** Private helpers shared by the dataset pipelines. */
import pl from "nodejs-polars";
import { MS_PER_DAY } from "../../core/constants.ts";
import type { ColumnType } from "../../lake/mod.ts";
import { polarsType } from "../../lake/_types.ts";
import { nyWallToMs } from "../../time/new_york.ts";
import type { Rejected } from "../../sources/_wire.ts";
import type { CuratedResult, FieldTypes, RejectedRow } from "../types.ts";

/** Transform version stamped into lineage; bump when a curate function changes its output. */
export const TRANSFORM_VERSION = "ingest@1";

/** Pages as connectors yield them. */
export interface PageLike {
  url: string;
  frame: pl.DataFrame;
  rejected: Rejected[];
  fields: Record<string, string>;
}

/** Drain a page generator into one frame plus rejects, fields and the first URL. */
export async function collect(
  pages: AsyncIterable<PageLike>,
  empty: () => pl.DataFrame,
): Promise<
  {
    frame: pl.DataFrame;
    rejected: RejectedRow[];
    fields: FieldTypes[];
    first: string;
    pages: number;
  }
> {
  const frames: pl.DataFrame[] = [];
  const rejected: RejectedRow[] = [];
  const fields: FieldTypes[] = [];
  let first = "";
  let n = 0;
  for await (const p of pages) {
    if (n === 0) first = p.url;
    n++;
    if (p.frame.height > 0) frames.push(p.frame);
    for (const r of p.rejected) rejected.push({ ...r, url: p.url });
    fields.push(p.fields);
  }
  const frame = frames.length === 0
    ? empty()
    : frames.length === 1
    ? frames[0]!
    : pl.concat(frames, { how: "diagonal" });
  return { frame, rejected, fields, first, pages: n };
}

/** An empty frame with the given lake schema. */
export function emptyFrame(schema: Record<string, ColumnType>): pl.DataFrame {
  return pl.DataFrame(
    Object.entries(schema).map(([k, t]) => pl.Series(k, [] as number[]).cast(polarsType(t))),
  );
}

/** Day number (days since epoch) of an ISO date. */
export function dayNum(date: string): number {
  return Math.floor(Date.parse(date + "T00:00:00Z") / MS_PER_DAY);
}

/** Epoch ms of a New York wall time `HH:MM` on an ISO date. */
export function nyWallMs(date: string, hhmm = "00:00"): number {
  return nyWallToMs(dayNum(date), Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)));
}

/** ISO date plus n days. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(date + "T00:00:00Z") + n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** A Series of ISO date strings (nulls allowed, sentinels become null) as a Date series. */
export function dateSeries(name: string, values: (string | null | undefined)[]): pl.Series {
  const clean = values.map((
    v,
  ) => (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null));
  return pl.Series(name, clean, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d");
}

/** A Series of epoch ms numbers (nulls allowed) as Datetime(ms, UTC). */
export function tsSeries(name: string, values: ArrayLike<number | null>): pl.Series {
  return pl.Series(name, Array.from(values), pl.Float64).cast(pl.Int64).cast(
    pl.Datetime("ms", "UTC"),
  );
}

/**
 * Split a frame by a reason expression (null = valid): valid rows, and rejects with the row as
 * JSON and a reference `<dataset>:<key values>`.
 */
export function splitValid(
  df: pl.DataFrame,
  reason: pl.Expr,
  dataset: string,
  keyCols: string[],
): { ok: pl.DataFrame; rejected: CuratedResult["rejected"] } {
  if (df.height === 0) return { ok: df, rejected: [] };
  const tagged = df.withColumns(reason.alias("__reason"));
  const bad = tagged.filter(pl.col("__reason").isNotNull());
  const ok = bad.height === 0 ? df : tagged.filter(pl.col("__reason").isNull()).drop("__reason");
  const rejected: CuratedResult["rejected"] = [];
  if (bad.height > 0) {
    const lineage = ["ingested_at", "source_uri", "transform_id"];
    const keep = bad.columns.filter((c) => !lineage.includes(c));
    const recs = bad.select(...keep).toRecords() as Record<string, unknown>[];
    for (const r of recs) {
      const why = String(r.__reason);
      delete r.__reason;
      rejected.push({
        reason: why,
        payload: JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
        ref: `${dataset}:${keyCols.map((k) => String(r[k])).join("|")}`,
      });
    }
  }
  return { ok, rejected };
}

/**
 * True when no row of the frame has an {@link ohlcReason}: every price present, finite and
 * positive, low <= min(open, close), high >= max(open, close), volume (if any) not negative.
 * One pass over typed arrays (no Polars expression), so clean batches skip {@link splitValid}.
 * A null price answers false (the caller then takes the expression path for the reasons).
 */
export function ohlcAllValid(
  df: pl.DataFrame,
  o: string,
  h: string,
  l: string,
  c: string,
  v?: string,
): boolean {
  const col = (name: string) => {
    const s = df.getColumn(name);
    return s.nullCount() > 0 ? null : (s.cast(pl.Float64).toTypedArray() as Float64Array);
  };
  const O = col(o), H = col(h), L = col(l), C = col(c);
  if (!O || !H || !L || !C) return false;
  let V: Float64Array | null = null;
  if (v) {
    // Null volumes are valid; fill them so the typed array has no holes.
    V = df.getColumn(v).cast(pl.Float64).fillNull("zero").toTypedArray() as Float64Array;
  }
  for (let i = 0; i < O.length; i++) {
    const op = O[i]!, hi = H[i]!, lo = L[i]!, cl = C[i]!;
    // Comparisons with NaN are false, so NaN fails every `>` below.
    if (
      !(op > 0 && hi > 0 && lo > 0 && cl > 0 && op < Infinity && hi < Infinity &&
        lo < Infinity && cl < Infinity && lo <= hi && hi >= op && hi >= cl && lo <= op &&
        lo <= cl)
    ) return false;
    if (V && V[i]! < 0) return false;
  }
  return true;
}

/**
 * Reason expression for OHLC bars: null when low <= min(open, close), high >= max(open, close),
 * all prices finite and positive and volume (if any) non-negative.
 */
export function ohlcReason(o: string, h: string, l: string, c: string, v?: string): pl.Expr {
  const px = [o, h, l, c];
  let e = pl.when(
    pl.col(o).isNull().or(pl.col(h).isNull()).or(pl.col(l).isNull()).or(pl.col(c).isNull()),
  )
    .then(pl.lit("missing price"));
  for (const p of px) {
    e = e.when(pl.col(p).isNan().or(pl.col(p).isInfinite())).then(pl.lit(`${p} not finite`));
    e = e.when(pl.col(p).ltEq(0)).then(pl.lit(`${p} not positive`));
  }
  e = e.when(pl.col(l).gt(pl.col(h))).then(pl.lit("low above high"))
    .when(pl.col(h).lt(pl.col(o)).or(pl.col(h).lt(pl.col(c)))).then(pl.lit("high below open/close"))
    .when(pl.col(l).gt(pl.col(o)).or(pl.col(l).gt(pl.col(c)))).then(pl.lit("low above open/close"));
  if (v) e = e.when(pl.col(v).lt(0)).then(pl.lit("negative volume"));
  return e.otherwise(pl.lit(null).cast(pl.Utf8));
}
