/**
 * A small synthetic market written straight into a test lake as curated Polygon daily bars
 * (the dataset the runbook reads), with an optional planted volatility regime change.
 */
import pl from "nodejs-polars";
import { Rng } from "../../lib/core/mod.ts";
import { writeDataset } from "../../lib/lake/mod.ts";
import { sessionBounds, tradingDays } from "../../lib/time/mod.ts";
import { defaultBarsSpec } from "../../lib/runbook/mod.ts";
import type { ModelSpec, RunbookConfig } from "../../lib/runbook/mod.ts";

export interface WorldOptions {
  seed?: number;
  symbols?: number;
  start?: string;
  end?: string;
  /** From this session on, daily volatility is multiplied by `volMult`. */
  shiftFrom?: string;
  volMult?: number;
}

/** Write the bars; returns the sessions written. */
export async function writeWorld(root: string, o: WorldOptions = {}): Promise<string[]> {
  const days = tradingDays(o.start ?? "2024-01-02", o.end ?? "2024-06-28");
  const nSym = o.symbols ?? 24;
  const c = {
    ticker: [] as string[],
    ts: [] as number[],
    date: [] as string[],
    open: [] as number[],
    high: [] as number[],
    low: [] as number[],
    close: [] as number[],
    volume: [] as number[],
    vwap: [] as number[],
    trades: [] as bigint[],
    known_at: [] as number[],
  };
  for (let s = 0; s < nSym; s++) {
    const sym = `S${String(s).padStart(2, "0")}`;
    const rng = new Rng(o.seed ?? 7).fork(sym);
    let px = 20 + 80 * rng.uniform();
    for (const d of days) {
      const vol = 0.015 * (o.shiftFrom && d >= o.shiftFrom ? (o.volMult ?? 4) : 1);
      const open = px * Math.exp(0.3 * vol * rng.normal());
      const close = open * Math.exp(vol * rng.normal());
      const high = Math.max(open, close) * (1 + vol * 0.5 * Math.abs(rng.normal()));
      const low = Math.min(open, close) * (1 - vol * 0.5 * Math.abs(rng.normal()));
      const b = sessionBounds(d)!;
      c.ticker.push(sym);
      c.ts.push(Date.parse(`${d}T00:00:00Z`) + 4 * 3_600_000); // New York midnight (EDT-ish)
      c.date.push(d);
      c.open.push(open);
      c.high.push(high);
      c.low.push(low);
      c.close.push(close);
      c.volume.push(Math.round(1e6 * Math.exp(0.3 * rng.normal())));
      c.vwap.push((open + close + high + low) / 4);
      c.trades.push(1000n);
      c.known_at.push(b.close.getTime());
      px = close;
    }
  }
  const ms = (name: string, v: number[]) =>
    pl.Series(name, v).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  const df = pl.DataFrame([
    pl.Series("ticker", c.ticker),
    ms("ts", c.ts),
    pl.Series("date", c.date).str.strptime(pl.Date, "%Y-%m-%d"),
    pl.Series("open", c.open),
    pl.Series("high", c.high),
    pl.Series("low", c.low),
    pl.Series("close", c.close),
    pl.Series("volume", c.volume),
    pl.Series("vwap", c.vwap),
    pl.Series("trades", BigInt64Array.from(c.trades)),
    ms("known_at", c.known_at),
  ]);
  await writeDataset(defaultBarsSpec(), df, {
    transformId: "test.synthetic_bars@1",
    sourceUri: "test://synthetic",
    root,
    ingestedAt: new Date("2024-07-01T00:00:00Z"),
  });
  return days;
}

export const MODELS: ModelSpec[] = [
  { name: "ridge_mom", role: "champion", features: ["roc_5", "roc_20", "rsi_14"] },
  { name: "ridge_vol", role: "challenger", features: ["vol_yz_20", "atr_14_pct", "bb_pctb"] },
];

export function config(root: string, extra: Partial<RunbookConfig> = {}): RunbookConfig {
  return {
    models: MODELS,
    trainStart: "2024-02-01",
    trainEnd: "2024-04-30",
    root,
    ...extra,
  };
}
