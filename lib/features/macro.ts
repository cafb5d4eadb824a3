/**
 * Macro features from vintaged series (ALFRED-style: every value carries the period it describes
 * and the instant it was published), one row per release, aligned as of release time.
 *
 * At each release instant K (distinct known_at), the vintage V_K maps each period to its latest
 * value published at or before K. With p the latest period in V_K and p- the one before it:
 * - `level`    = V_K(p)
 * - `change`   = V_K(p) - V_K(p-)                (as known in the same vintage)
 * - `surprise` = V_K(p) - V_{K-}(latest period)  (vs the previous vintage's latest value, a
 *                 random-walk forecast; no consensus survey is needed)
 * - `revision` = V_K(p-) - V_{K-}(p-)            (how the previous period was revised)
 * where K- is the previous release instant. NaN where a term is undefined.
 *
 * @see Croushore, D., & Stark, T. (2001). A real-time data set for macroeconomists. Journal of
 *      Econometrics 105(1), 111-130. doi:10.1016/S0304-4076(01)00072-0
 */
import pl from "nodejs-polars";
import { asOfIndex } from "../frames/asof.ts";

/** Vintaged observations of one series (any order). */
export interface MacroVintages {
  /** Period each value describes, sortable text ("2024-01-01"). */
  period: string[];
  value: Float64Array;
  /** Epoch ms the value was published. */
  knownAt: Float64Array;
}

/** One row per release instant. */
export interface MacroReleaseFeatures {
  knownAt: Float64Array;
  period: string[];
  level: Float64Array;
  change: Float64Array;
  surprise: Float64Array;
  revision: Float64Array;
}

/**
 * Release-level features (see the module doc).
 *
 * @example
 * ```ts
 * const rel = macroReleaseFeatures({ period, value, knownAt });
 * const atMinutes = alignMacro(rel, minuteTimesMs); // as of each minute
 * ```
 */
export function macroReleaseFeatures(v: MacroVintages): MacroReleaseFeatures {
  const n = v.period.length;
  if (v.value.length !== n || v.knownAt.length !== n) {
    throw new RangeError(
      `Cannot build macro features: period ${n}, value ${v.value.length}, knownAt ${v.knownAt.length} rows`,
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    v.knownAt[a]! - v.knownAt[b]! || (v.period[a]! < v.period[b]! ? -1 : 1)
  );
  const cur = new Map<string, number>();
  const out = {
    knownAt: [] as number[],
    period: [] as string[],
    level: [] as number[],
    change: [] as number[],
    surprise: [] as number[],
    revision: [] as number[],
  };
  let prevVintage: Map<string, number> | null = null;
  let prevLatest = NaN;
  let i = 0;
  while (i < n) {
    const k = v.knownAt[order[i]!]!;
    if (!Number.isFinite(k)) {
      throw new RangeError(
        `Cannot build macro features: knownAt ${k} for period ${v.period[order[i]!]}`,
      );
    }
    while (i < n && v.knownAt[order[i]!] === k) {
      cur.set(v.period[order[i]!]!, v.value[order[i]!]!);
      i++;
    }
    const periods = [...cur.keys()].sort();
    const p = periods[periods.length - 1]!;
    const pm = periods.length > 1 ? periods[periods.length - 2]! : null;
    const level = cur.get(p)!;
    out.knownAt.push(k);
    out.period.push(p);
    out.level.push(level);
    out.change.push(pm === null ? NaN : level - cur.get(pm)!);
    out.surprise.push(level - prevLatest);
    out.revision.push(
      pm !== null && prevVintage?.has(pm) ? cur.get(pm)! - prevVintage.get(pm)! : NaN,
    );
    prevVintage = new Map(cur);
    prevLatest = level;
  }
  return {
    knownAt: Float64Array.from(out.knownAt),
    period: out.period,
    level: Float64Array.from(out.level),
    change: Float64Array.from(out.change),
    surprise: Float64Array.from(out.surprise),
    revision: Float64Array.from(out.revision),
  };
}

/**
 * The release features in force at each target instant (latest release with knownAt <= t);
 * NaN before the first release.
 *
 * @example
 * ```ts
 * alignMacro(rel, Float64Array.from([Date.parse("2024-02-13T13:31:00Z")])).level;
 * ```
 */
export function alignMacro(
  rel: MacroReleaseFeatures,
  targetMs: Float64Array,
): { level: Float64Array; change: Float64Array; surprise: Float64Array; revision: Float64Array } {
  const idx = asOfIndex(targetMs, rel.knownAt);
  const pick = (x: Float64Array) => Float64Array.from(idx, (j) => (j < 0 ? NaN : x[j]!));
  return {
    level: pick(rel.level),
    change: pick(rel.change),
    surprise: pick(rel.surprise),
    revision: pick(rel.revision),
  };
}

/**
 * The vintages of one series from the curated `fred/macro_observations` frame (columns
 * series_id, date, value, known_at); rows with a null value (FRED's ".") are skipped.
 *
 * @example
 * ```ts
 * const cpi = macroVintagesFromFrame(await readDataset(fredSpec), "CPIAUCSL");
 * ```
 */
export function macroVintagesFromFrame(df: pl.DataFrame, seriesId: string): MacroVintages {
  for (const c of ["series_id", "date", "value", "known_at"]) {
    if (!df.columns.includes(c)) {
      throw new TypeError(`Cannot read vintages: frame has no column ${c}`);
    }
  }
  const f = df.filter(pl.col("series_id").eq(pl.lit(seriesId)).and(pl.col("value").isNotNull()));
  return {
    period: f.getColumn("date").cast(pl.Utf8).toArray() as string[],
    value: f.getColumn("value").cast(pl.Float64).toTypedArray() as Float64Array,
    knownAt: f.getColumn("known_at").cast(pl.Int64).cast(pl.Float64).toTypedArray() as Float64Array,
  };
}
