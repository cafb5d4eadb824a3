/**
 * The end-to-end demo behind `deno task demo`. Each stage is a function that reads what the
 * previous stages wrote to the lake, so a rerun reuses the lake and skips finished work.
 */
import pl from "nodejs-polars";
import { resolve } from "node:path";
import { Rng } from "../core/random.ts";
import { log } from "../core/log.ts";
import { type DatasetSpec, datasetState, lakeRoot, writeDataset } from "../lake/mod.ts";
import { Catalog, formatTable } from "../query/mod.ts";
import { sessionBounds, tradingDays } from "../time/mod.ts";

/** Options for {@link runDemo}. */
export interface DemoOptions {
  /** World seed. @default 42 */
  seed?: number;
  /** Trading days of daily history. @default 60 */
  days?: number;
  /** The null world (no planted effects). @default false */
  nullWorld?: boolean;
  /** Lake root. @default lakeRoot() */
  root?: string;
}

/** What the demo did. */
export interface DemoSummary {
  ok: boolean;
  text: string;
  outputs: Record<string, string>;
}

/** Spec of the demo's seeded daily bars (user zone, so the user_daily_bars view shows them). */
export const DEMO_BARS: DatasetSpec = {
  zone: "curated",
  source: "user",
  dataset: "demo_daily_bars",
  partitioning: "year",
  timeColumn: "date",
  naturalKey: ["symbol", "date"],
  schema: {
    symbol: "str",
    date: "date",
    open: "f64",
    high: "f64",
    low: "f64",
    close: "f64",
    volume: "f64",
    known_at: "ts_ms",
  },
};

/** Seeded daily OHLCV bars for a few symbols over the last `days` sessions before 2025-06-30. */
export function seededDailyBars(seed: number, days: number): pl.DataFrame {
  const all = tradingDays("2015-01-02", "2025-06-30");
  const dates = all.slice(-days);
  const symbols = ["AAA", "BBB", "CCC"];
  const cols = {
    symbol: [] as string[],
    date: [] as string[],
    open: [] as number[],
    high: [] as number[],
    low: [] as number[],
    close: [] as number[],
    volume: [] as number[],
    known_at: [] as number[],
  };
  for (const s of symbols) {
    const rng = new Rng(seed).fork(s);
    let px = 50 + rng.uniform() * 100;
    for (const d of dates) {
      const open = px * Math.exp(0.003 * rng.normal());
      const close = open * Math.exp(0.012 * rng.normal());
      const high = Math.max(open, close) * (1 + 0.004 * Math.abs(rng.normal()));
      const low = Math.min(open, close) * (1 - 0.004 * Math.abs(rng.normal()));
      cols.symbol.push(s);
      cols.date.push(d);
      cols.open.push(open);
      cols.high.push(high);
      cols.low.push(low);
      cols.close.push(close);
      cols.volume.push(Math.round(1e6 * Math.exp(0.3 * rng.normal())));
      cols.known_at.push(sessionBounds(d)!.close.getTime());
      px = close;
    }
  }
  return pl.DataFrame([
    pl.Series("symbol", cols.symbol),
    pl.Series("date", cols.date).str.strptime(pl.Date, "%Y-%m-%d"),
    pl.Series("open", cols.open),
    pl.Series("high", cols.high),
    pl.Series("low", cols.low),
    pl.Series("close", cols.close),
    pl.Series("volume", cols.volume),
    pl.Series("known_at", cols.known_at).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
  ]);
}

/** Run the demo. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const seed = options.seed ?? 42;
  const days = options.days ?? 60;
  const root = resolve(lakeRoot(options.root));
  const lines: string[] = [];
  const t0 = performance.now();
  Deno.mkdirSync(root, { recursive: true });
  lines.push(`Lake: ${root}`);

  // Stage 1: a small dataset through the lake writer.
  const bars = seededDailyBars(seed, days);
  const w = await writeDataset(DEMO_BARS, bars, {
    transformId: "demo.seeded_bars@1",
    sourceUri: `demo://seeded?seed=${seed}`,
    root,
  });
  const st = datasetState(DEMO_BARS, root);
  lines.push(
    `Wrote ${DEMO_BARS.zone}/${DEMO_BARS.source}/${DEMO_BARS.dataset}: ${
      w.noop ? "unchanged (already in the lake)" : `${w.rowsWritten} rows`
    }; ` +
      `dataset holds ${st.rows} rows in ${st.files.length} files, ${st.min_time} .. ${st.max_time}`,
  );
  log.info("demo.stage.done", { stage: "lake", rows: st.rows });

  // Stage 2: views and a query.
  const catalog = await Catalog.open({ root });
  try {
    const avail = catalog.views.filter((v) => v.available).map((v) => v.name);
    lines.push(
      `Views registered: ${catalog.views.length} (${avail.length} with data: ${avail.join(", ")})`,
    );
    const r = await catalog.query(
      `SELECT symbol, count(*)::INT AS sessions, min(date) AS first, max(date) AS last,
              round(last(close ORDER BY date) / first(open ORDER BY date) - 1, 4) AS ret_simple
         FROM user_daily_bars WHERE dataset = $1 GROUP BY symbol ORDER BY symbol`,
      [DEMO_BARS.dataset],
    );
    lines.push(formatTable(r));
  } finally {
    catalog.close();
  }
  lines.push(`Done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { ok: true, text: lines.join("\n"), outputs: { lake: root } };
}
