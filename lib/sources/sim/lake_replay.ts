/**
 * Replay of a lake day on the simulator's WebSocket: reads the curated bars of one New York
 * session from the lake (`curated/polygon/stock_bars_second` and
 * `{stock,index,option}_bars_minute`, columns
 * ticker, ts, open, high, low, close, volume, vwap, trades; written by the ingest pipelines from
 * simulated or real vendor data) and turns them into Polygon `A` (second) and `AM` (minute)
 * events, emitted at each bar's end. Pass the result as `startSimServer({ ws: { replay } })`; subscriptions then select from
 * these events (`AM.SPY`, `AM.I:VIX`, `AM.*`) at the chosen speed.
 *
 * This file is the only part of the simulator that reads the lake; the server does not import it.
 */
import pl from "nodejs-polars";
import { curatedBarSpec, readDataset } from "../../lake/mod.ts";
import { sessionBounds } from "./_calendar.ts";
import type { WsEvent } from "./_ws.ts";

/** Options of {@link lakeReplayEvents}. */
export interface LakeReplayOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Lake source folder of the curated bar datasets. @default "polygon" */
  source?: string;
  /**
   * Datasets to read; names ending in `_second` become `A` events, the others `AM` events.
   * @default ["stock_bars_second", "stock_bars_minute", "index_bars_minute", "option_bars_minute"]
   */
  datasets?: string[];
}

/**
 * `AM` events of every bar of session `date` found in the lake, sorted by emission time (bar
 * end), with day-accumulated volume `av`, day VWAP `a` and official open `op` per symbol.
 * Index tickers (prefix `I:`) get the index event fields only. Returns [] when the lake holds
 * nothing for that day.
 *
 * @example
 * ```ts
 * const replay = { date: "2024-03-28", events: await lakeReplayEvents("2024-03-28") };
 * const sim = await startSimServer({ ws: { replay, speed: 10 } });
 * ```
 */
export async function lakeReplayEvents(
  date: string,
  options: LakeReplayOptions = {},
): Promise<WsEvent[]> {
  const b = sessionBounds(date);
  if (!b) throw new RangeError(`Cannot replay ${date}: not a trading session`);
  const start = new Date(b.open.getTime() - 5.5 * 3_600_000);
  const end = new Date(b.close.getTime() + 4 * 3_600_000);
  const out: WsEvent[] = [];
  const sets = options.datasets ??
    ["stock_bars_second", "stock_bars_minute", "index_bars_minute", "option_bars_minute"];
  for (const ds of sets) {
    const second = ds.endsWith("_second");
    const ev = second ? "A" : "AM";
    const span = second ? 1000 : 60_000;
    let df: pl.DataFrame;
    try {
      df = await readDataset(curatedBarSpec(options.source ?? "polygon", ds), {
        start,
        end,
        ...(options.root ? { root: options.root } : {}),
      });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
    if (df.height === 0 || !df.columns.includes("ts")) continue;
    const tick = df.getColumn("ticker").toArray() as string[];
    const ts = df.getColumn("ts").cast(pl.Int64).cast(pl.Float64).toArray() as number[];
    const col = (n: string) =>
      df.columns.includes(n) ? df.getColumn(n).cast(pl.Float64).toArray() as number[] : undefined;
    const o = col("open")!, h = col("high")!, l = col("low")!, c = col("close")!;
    const v = col("volume"), vw = col("vwap"), n = col("trades");
    const day = new Map<string, { op: number; av: number; pv: number }>();
    const order = [...ts.keys()].sort((i, j) =>
      ts[i]! - ts[j]! || tick[i]!.localeCompare(tick[j]!)
    );
    for (const i of order) {
      const sym = tick[i]!;
      const t = Number(ts[i]);
      let acc = day.get(sym);
      if (!acc) day.set(sym, acc = { op: o[i]!, av: 0, pv: 0 });
      const e: Record<string, unknown> = { ev, sym };
      if (!sym.startsWith("I:") && v) {
        const vol = v[i] ?? 0;
        acc.av += vol;
        acc.pv += (vw?.[i] ?? c[i]!) * vol;
        e.v = vol;
        e.av = acc.av;
        e.op = acc.op;
        e.vw = vw?.[i] ?? c[i];
        e.o = o[i];
        e.c = c[i];
        e.h = h[i];
        e.l = l[i];
        e.a = acc.av > 0 ? Math.round(acc.pv / acc.av * 1e4) / 1e4 : c[i];
        e.z = n && n[i] ? Math.round(vol / n[i]!) : 0;
      } else {
        e.op = acc.op;
        e.o = o[i];
        e.c = c[i];
        e.h = h[i];
        e.l = l[i];
      }
      e.s = t;
      e.e = t + span;
      out.push({ at: t + span, ev: e });
    }
  }
  out.sort((x, y) => x.at - y.at);
  return out;
}
