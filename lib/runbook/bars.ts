/**
 * Daily bars for the runbook, read point in time from the curated lake (by default the Polygon
 * daily stock bars the backfill writes), grouped per symbol for the feature panel.
 */
import pl from "nodejs-polars";
import { type DatasetSpec, readDataset } from "../lake/mod.ts";
import { latestVersions } from "../lake/versions.ts";
import { pipelineFor } from "../ingest/registry.ts";
import { nyDate, sessionBounds } from "../time/mod.ts";
import type { SymbolDailyBars } from "../features/mod.ts";

/** The curated daily bars dataset the runbook reads by default (polygon/stock_bars_day). */
export function defaultBarsSpec(): DatasetSpec {
  return pipelineFor("polygon", "stock_bars_day").curatedSpec;
}

/** Options for {@linkcode loadDailyBars}. */
export interface LoadBarsOptions {
  /** First session to read (inclusive). */
  start: string;
  /** Last session to read (inclusive); rows known after its close are ignored. */
  end: string;
  /** Dataset. @default defaultBarsSpec() */
  spec?: DatasetSpec;
  /** Only these symbols. @default every symbol in the dataset */
  symbols?: string[];
  /** Lake root. @default lakeRoot() */
  root?: string;
}

/** Bars per symbol plus the newest session seen. */
export interface LoadedBars {
  bars: SymbolDailyBars[];
  /** Newest session date with any bar, or null when there is none. */
  latest: string | null;
  rows: number;
}

/**
 * Read daily bars for [start, end] as known at the close of `end`, one entry per symbol with
 * dates ascending. Columns used: `ticker` (or `symbol`), `date` (or the New York date of `ts`),
 * `open`, `high`, `low`, `close`, `volume`. Rows with a non-finite or non-positive close are
 * dropped and counted in the caller's summary through `rows`.
 */
export async function loadDailyBars(options: LoadBarsOptions): Promise<LoadedBars> {
  const spec = options.spec ?? defaultBarsSpec();
  const close = sessionBounds(options.end)?.close ??
    new Date(`${options.end}T23:59:59.999Z`);
  // A versioned dataset (user datasets): the version of each bar known at that close.
  const df = latestVersions(
    await readDataset(spec, {
      start: new Date(`${options.start}T00:00:00Z`),
      end: new Date(Date.parse(`${options.end}T00:00:00Z`) + 86_400_000 * 1.5),
      asOf: close,
      ...(options.root ? { root: options.root } : {}),
    }),
    spec,
  );
  if (df.height === 0) return { bars: [], latest: null, rows: 0 };
  const symCol = df.columns.includes("ticker") ? "ticker" : "symbol";
  const dates: string[] = df.columns.includes("date")
    ? df.getColumn("date").cast(pl.Utf8).toArray() as string[]
    : (df.getColumn(spec.timeColumn).cast(pl.Int64).toArray() as unknown as number[]).map((ms) =>
      nyDate(Number(ms))
    );
  const syms = df.getColumn(symCol).toArray() as string[];
  const col = (n: string) =>
    Float64Array.from(df.getColumn(n).cast(pl.Float64).toArray() as number[]);
  const o = col("open"), h = col("high"), l = col("low"), c = col("close"), v = col("volume");
  const want = options.symbols ? new Set(options.symbols) : null;
  const by = new Map<string, number[]>();
  for (let i = 0; i < syms.length; i++) {
    const d = dates[i]!;
    if (d < options.start || d > options.end) continue;
    if (want && !want.has(syms[i]!)) continue;
    if (!(c[i]! > 0)) continue;
    let a = by.get(syms[i]!);
    if (!a) by.set(syms[i]!, a = []);
    a.push(i);
  }
  let latest: string | null = null;
  let rows = 0;
  const bars: SymbolDailyBars[] = [];
  for (const sym of [...by.keys()].sort()) {
    const idx = by.get(sym)!.sort((a, b) => (dates[a]! < dates[b]! ? -1 : 1));
    const pick = (x: Float64Array) => Float64Array.from(idx, (i) => x[i]!);
    const ds = idx.map((i) => dates[i]!);
    rows += ds.length;
    if (latest === null || ds[ds.length - 1]! > latest) latest = ds[ds.length - 1]!;
    bars.push({
      symbol: sym,
      dates: ds,
      open: pick(o),
      high: pick(h),
      low: pick(l),
      close: pick(c),
      volume: pick(v),
    });
  }
  return { bars, latest, rows };
}
