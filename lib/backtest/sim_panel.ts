/**
 * Panels from the simulated market (`lib/sources/sim`): raw daily bars of its equities with their
 * splits, dividends and delistings as engine corporate actions, and SPY's daily path.
 * For research on ingested data, build the panel from the lake instead; this adapter exists so
 * notebooks and tasks run with no data on disk.
 */

import type { World } from "../sources/sim/mod.ts";
import type { CorporateAction } from "./engine.ts";
import type { BarPanel } from "./panel.ts";

/** A panel with its corporate actions and sectors. */
export interface SimPanel {
  panel: BarPanel;
  corporateActions: CorporateAction[];
  sectors: string[];
}

/**
 * Daily panel of the world's equities (SPY excluded unless listed in `tickers`). Bars are stamped
 * at the session's New York midnight as served; sessions where a name is not listed are NaN.
 *
 * @example
 * ```ts ignore
 * const { panel, corporateActions } = simEquityPanel(generateWorld({ equityCount: 30 }));
 * ```
 */
export function simEquityPanel(world: World, o: { tickers?: string[] } = {}): SimPanel {
  const listings = world.listings().filter((l) => l.assetType === "Stock");
  const chosen = o.tickers ? listings.filter((l) => o.tickers!.includes(l.ticker)) : listings;
  const days = world.days;
  const nBars = days.length;
  const dayIdx = new Map(days.map((d, i) => [d, i] as const));
  const nSym = chosen.length;
  const mk = () => new Float64Array(nSym * nBars).fill(NaN);
  const open = mk(), high = mk(), low = mk(), close = mk();
  const volume = new Float64Array(nSym * nBars);
  const tsMs = new Float64Array(nBars);

  days.forEach((d, i) => (tsMs[i] = Date.parse(`${d}T00:00:00Z`)));

  chosen.forEach((l, s) => {
    const b = world.equityDaily(l.ticker);
    for (let k = 0; k < b.length; k++) {
      const t = dayIdx.get(b.dates[k]!);
      if (t === undefined) continue;
      const i = s * nBars + t;
      open[i] = b.o[k]!;
      high[i] = b.h[k]!;
      low[i] = b.l[k]!;
      close[i] = b.c[k]!;
      volume[i] = b.v[k]!;
    }
  });
  const symIdx = new Map(chosen.map((l, s) => [l.ticker, s] as const));
  const actions: CorporateAction[] = [];
  for (const a of world.corporateActions()) {
    if (!symIdx.has(a.ticker)) continue;
    if (a.kind === "split") {
      const t = dayIdx.get(a.date);
      if (t !== undefined) {
        actions.push({ type: "split", symbol: a.ticker, bar: t, ratio: a.to / a.from });
      }
    } else if (a.kind === "dividend") {
      const t = dayIdx.get(a.exDate);
      if (t !== undefined) {
        actions.push({ type: "dividend", symbol: a.ticker, bar: t, amount: a.amount });
      }
    } else if (a.kind === "delisting") {
      const t = dayIdx.get(a.date);
      if (t !== undefined) actions.push({ type: "delist", symbol: a.ticker, bar: t });
    }
  }
  return {
    panel: { symbols: chosen.map((l) => l.ticker), tsMs, open, high, low, close, volume },
    corporateActions: actions,
    sectors: chosen.map((l) => l.sector),
  };
}

/**
 * SPY daily panel from the world's daily state (session open/close; high/low = max/min of
 * them, as the daily path carries no intraday range), with its dividends.
 */
export function simSpyPanel(world: World): SimPanel {
  const d = world.spyDaily;
  const n = d.days.length;
  const open = Float64Array.from(d.open), close = Float64Array.from(d.close);
  const high = open.map((o, i) => Math.max(o, close[i]!));
  const low = open.map((o, i) => Math.min(o, close[i]!));
  const actions: CorporateAction[] = [];
  for (let i = 0; i < n; i++) {
    if (d.dividend[i]! > 0) {
      actions.push({ type: "dividend", symbol: "SPY", bar: i, amount: d.dividend[i]! });
    }
  }
  return {
    panel: {
      symbols: ["SPY"],
      tsMs: Float64Array.from(d.days, (x) => Date.parse(`${x}T00:00:00Z`)),
      open,
      high,
      low,
      close,
      volume: Float64Array.from(d.volume),
    },
    corporateActions: actions,
    sectors: ["ETF"],
  };
}

/**
 * SPY minute-bar panel over the world's sessions in [start, end] (bars stamped at their open,
 * `day` = session index), with SPY's dividends at each ex-date's first bar. Generating minute
 * bars costs about 30 ms per session.
 *
 * @example
 * ```ts ignore
 * const { panel } = simSpyMinutePanel(world, { start: "2023-01-03", end: "2023-06-30" });
 * ```
 */
export function simSpyMinutePanel(
  world: World,
  o: { start?: string; end?: string } = {},
): SimPanel {
  const days = world.days.filter((d) => (!o.start || d >= o.start) && (!o.end || d <= o.end));
  const parts = days.map((d) => world.spyMinuteBars(d)!).filter((b) => b && b.length);
  const n = parts.reduce((a, b) => a + b.length, 0);
  const tsMs = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);
  const day = new Int32Array(n);
  const actions: CorporateAction[] = [];
  const div = world.spyDaily.dividend;
  const dayIdx = new Map(world.days.map((d, i) => [d, i] as const));
  let k = 0;
  parts.forEach((b, di) => {
    const amount = div[dayIdx.get(days[di]!)!]!;
    if (amount > 0) actions.push({ type: "dividend", symbol: "SPY", bar: k, amount });
    for (let i = 0; i < b.length; i++, k++) {
      tsMs[k] = b.t[i]!;
      open[k] = b.o[i]!;
      high[k] = b.h[i]!;
      low[k] = b.l[i]!;
      close[k] = b.c[i]!;
      volume[k] = b.v[i]!;
      day[k] = di;
    }
  });
  return {
    panel: { symbols: ["SPY"], tsMs, day, open, high, low, close, volume },
    corporateActions: actions,
    sectors: ["ETF"],
  };
}
