/**
 * Daily bars for a training export: from a simulated world (adjusted for splits and dividends,
 * delisted names included while they traded) or from the curated lake's Polygon day bars.
 */
import pl from "nodejs-polars";
import { type DatasetSpec, datasetState, readDataset } from "../lake/mod.ts";
import { generateWorld } from "../sources/sim/world.ts";
import type { SymbolDailyBars } from "./daily_panel.ts";
import type { ExportInput } from "./training_export.ts";
import type { NewsItem } from "./news.ts";

/** The curated Polygon day bars (as written by lib/ingest's bar pipeline). */
const DAY_SPEC: DatasetSpec = {
  zone: "curated",
  source: "polygon",
  dataset: "stock_bars_day",
  partitioning: "year",
  timeColumn: "ts",
  naturalKey: ["ticker", "ts"],
  schema: {
    ticker: "str",
    ts: "ts_ms",
    date: "date",
    open: "f64",
    high: "f64",
    low: "f64",
    close: "f64",
    volume: "f64",
    known_at: "ts_ms",
  },
};

/** Where the bars come from. */
export type BarSource =
  | { kind: "sim"; seed?: number; start: string; end: string; equityCount?: number }
  | { kind: "lake"; root?: string; symbols?: string[] };

async function sha256Text(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Load daily bars per symbol, news (simulated worlds only; empty for the lake) and a provenance
 * record (hash of the simulator config, or of the lake manifest's per-file checksums, which pins
 * the exact files read).
 *
 * @example
 * ```ts
 * const { bars } = await loadDailyBars({ kind: "sim", seed: 1, start: "2023-01-03", end: "2024-06-28" });
 * ```
 */
export async function loadDailyBars(
  source: BarSource,
): Promise<{ bars: SymbolDailyBars[]; inputs: ExportInput[]; news: NewsItem[] }> {
  if (source.kind === "sim") {
    const cfg = {
      seed: source.seed ?? 1,
      start: source.start,
      end: source.end,
      equityCount: source.equityCount ?? 30,
    };
    const w = generateWorld(cfg);
    const bars = w.equityInfo.map((x) => {
      const d = w.equityDailyAdjusted(x.ticker, "all");
      return {
        symbol: x.ticker,
        dates: d.dates,
        open: d.o,
        high: d.h,
        low: d.l,
        close: d.c,
        volume: d.v,
      };
    }).filter((b) => b.dates.length > 0);
    const news = w.news.map((a) => ({
      symbol: a.ticker,
      knownAt: a.publishedMs,
      sentiment: a.sentiment,
    }));
    return {
      bars,
      news,
      inputs: [{
        name: `sim:${JSON.stringify(cfg)}`,
        sha256: await sha256Text(JSON.stringify(cfg)),
      }],
    };
  }
  const df = await readDataset(DAY_SPEC, {
    root: source.root,
    asOf: new Date(),
    dropLineage: true,
  });
  if (df.height === 0) {
    throw new RangeError(
      "Cannot load bars: curated/polygon/stock_bars_day is empty (run the backfill first)",
    );
  }
  const sel = df.select(
    pl.col("ticker"),
    pl.col("date").cast(pl.Utf8),
    pl.col("open"),
    pl.col("high"),
    pl.col("low"),
    pl.col("close"),
    pl.col("volume"),
  ).sort(["ticker", "date"]);
  const tick = sel.getColumn("ticker").toArray() as string[];
  const dates = sel.getColumn("date").toArray() as string[];
  const col = (c: string) => sel.getColumn(c).cast(pl.Float64).toTypedArray() as Float64Array;
  const o = col("open"), h = col("high"), l = col("low"), c = col("close"), v = col("volume");
  const want = source.symbols ? new Set(source.symbols) : null;
  const bars: SymbolDailyBars[] = [];
  let i = 0;
  while (i < tick.length) {
    let j = i;
    while (j < tick.length && tick[j] === tick[i]) j++;
    if (!want || want.has(tick[i]!)) {
      bars.push({
        symbol: tick[i]!,
        dates: dates.slice(i, j),
        open: o.slice(i, j),
        high: h.slice(i, j),
        low: l.slice(i, j),
        close: c.slice(i, j),
        volume: v.slice(i, j),
      });
    }
    i = j;
  }
  // pin the exact files read: the lake manifest's per-file checksums
  const state = datasetState(DAY_SPEC, source.root);
  const pinned = state.files.map((f) => `${f.partition}/${f.file}:${f.sha256}`).sort().join("\n");
  const digest = await sha256Text(pinned);
  return {
    bars,
    news: [],
    inputs: [{
      name: `lake:curated/polygon/stock_bars_day (${state.files.length} files, ${state.rows} rows)`,
      sha256: digest,
    }],
  };
}
