/**
 * How the buy-and-hold benchmark of a backtest entered the market, in words a reader can check
 * against the data: the bar and price of each entry fill, the shares bought and what they cost
 * against the starting equity, and (one symbol) the asset's own return from that entry.
 *
 * Why it is needed: the benchmark's total return is not the series' close-to-close return from
 * its first bar. The benchmark decides at the first close and its order fills at the NEXT bar
 * (nothing fills at the price that made the decision): at that bar's open, or at its close when
 * the bar has no open (close-only data such as macro series or index levels); it buys whole
 * shares of weight x equity at the fill price, so a little cash stays uninvested; costs, if any,
 * are paid on top. With one symbol and no costs:
 *
 *   total return = shares x (last close - entry price) / starting equity,
 *   shares = floor(starting equity / entry price),
 *
 * which is slightly below the asset's return from the entry, last close / entry price - 1.
 */
import type { BacktestResult } from "../backtest/engine.ts";
import { closeLabeler } from "../quality/period_close.ts";
import type { BarPanel } from "../backtest/panel.ts";

/** One entry fill of the benchmark. */
export interface BenchmarkEntryFill {
  symbol: string;
  /** Date of the bar whose close decided the entry (the symbol's first close). */
  signalDate: string;
  /** Date of the fill bar (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM UTC` intraday; `first..last` when split). */
  date: string;
  /** Fill price (volume-weighted over the entry's fills) and whether it was the bar's open or close. */
  price: number;
  at: "open" | "close";
  shares: number;
  /** shares x price, in the run's currency (costs excluded). */
  value: number;
}

/** Result of {@link benchmarkEntry}. */
export interface BenchmarkEntry {
  fills: BenchmarkEntryFill[];
  /** Sum of the entry fills' values. */
  invested: number;
  /** invested / starting equity. */
  investedShare: number;
  initialCash: number;
  /** Date of the last bar, where the position is marked. */
  lastDate: string;
  /** One symbol: its last close and its own return from the entry price (else NaN). */
  lastClose: number;
  assetReturnFromEntry: number;
  /** One symbol: its return from the first close (the series' close-to-close return), else NaN. */
  assetReturnFromFirstClose: number;
  /** One line for the report and the task output. */
  text: string;
}

/**
 * Describe the buy-and-hold benchmark's entry (module doc) from its run and the panel it read.
 * A symbol's trade fills are its entry (buy and hold never sells); fills index the panel's bars
 * (a result resampled to sessions keeps them). A run without fills says so.
 *
 * @example
 * ```ts ignore
 * const e = benchmarkEntry(out.benchmark!, out.panel, "USD");
 * e.text; // "entered 1959-04-01 at the close 2778.801 (...), 359 shares = ..."
 * ```
 */
export function benchmarkEntry(
  run: BacktestResult,
  panel: BarPanel,
  currency: string | null = null,
): BenchmarkEntry {
  const nBars = panel.tsMs.length;
  const intraday = panel.day !== undefined;
  const dateOf = (t: number) => {
    const iso = new Date(panel.tsMs[t]!).toISOString();
    return intraday ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(0, 10);
  };
  // weekly and slower bars are stored on their period's first day: the text names the period's
  // close ("1990-01-12 (week of 1990-01-08)"); the fields keep the stored dates
  const periods = intraday ? null : closeLabeler(panel.frequency, panel.calendar);
  const on = (d: string) => (periods ? periods.on(d) : d);
  const onRange = (d: string) => d.split("..").map(on).join(" to ");
  const ccy = currency ?? "";
  // buy and hold never sells: every trade fill of a symbol is part of its entry (the
  // participation cap can split one order over several bars)
  const bySymbol = new Map<string, BacktestResult["fills"]>();
  for (const f of run.fills) {
    if (f.kind !== "trade") continue;
    const list = bySymbol.get(f.symbol) ?? [];
    list.push(f);
    bySymbol.set(f.symbol, list);
  }
  const fills: BenchmarkEntryFill[] = [];
  for (const [symbol, list] of bySymbol) {
    const s = panel.symbols.indexOf(symbol);
    let first = 0;
    while (first < nBars && !(panel.close[s * nBars + first]! > 0)) first++;
    const f0 = list[0]!, fk = list.at(-1)!;
    const shares = list.reduce((a, f) => a + f.qty, 0);
    const value = list.reduce((a, f) => a + f.qty * f.price, 0);
    const i = s * nBars + f0.bar;
    const at = Number.isNaN(panel.open[i]!) || f0.price !== panel.open[i]! ? "close" : "open";
    fills.push({
      symbol,
      signalDate: dateOf(first),
      date: list.length > 1 ? `${dateOf(f0.bar)}..${dateOf(fk.bar)}` : dateOf(f0.bar),
      price: value / shares,
      at,
      shares,
      value,
    });
  }
  const invested = fills.reduce((a, f) => a + f.value, 0);
  const investedShare = invested / run.initialCash;
  const lastDate = nBars > 0 ? dateOf(nBars - 1) : "";
  let lastClose = NaN, fromEntry = NaN, fromFirst = NaN;
  const one = fills.length === 1 && panel.symbols.length === 1 ? fills[0]! : undefined;
  if (one) {
    let firstClose = NaN;
    for (let t = 0; t < nBars; t++) {
      const c = panel.close[t]!;
      if (c > 0) {
        if (Number.isNaN(firstClose)) firstClose = c;
        lastClose = c;
      }
    }
    fromEntry = lastClose / one.price - 1;
    fromFirst = lastClose / firstClose - 1;
  }
  const money = (v: number) => `${v.toFixed(2)}${ccy ? ` ${ccy}` : ""}`;
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const px = (v: number) => String(Number(v.toPrecision(10)));
  let text: string;
  if (fills.length === 0) text = "no entry: the benchmark never traded (no bar after a close)";
  else if (one) {
    text = `entered ${onRange(one.date)} at the ${one.at} ${
      px(one.price)
    } (decided at the first close, ${on(one.signalDate)}; orders fill at the next bar${
      one.at === "close" ? ", at its close on close-only data" : ""
    }): ${one.shares} whole shares = ${money(one.value)}, ${pct(investedShare)} of the starting ${
      money(run.initialCash)
    }; marked at the ${periods ? periods.close(lastDate) : `${lastDate} close`} ${
      px(lastClose)
    }. The asset's own return: ${pct(fromEntry)} from the entry, ${
      pct(fromFirst)
    } from the first close`;
  } else {
    const dates = fills.map((f) => f.date).sort();
    const from = periods ? on(dates[0]!.split("..")[0]!) : dates[0];
    const to = periods ? on(dates.at(-1)!.split("..").at(-1)!) : dates.at(-1);
    text =
      `entered ${fills.length} symbols ${
        periods && from === to ? `on ${from}` : `from ${from} to ${to}`
      } (each decided at ` +
      `its first close, filled at the next bar): ${money(invested)}, ${
        pct(investedShare)
      } of the starting ${money(run.initialCash)}; marked at the ${
        periods ? periods.close(lastDate) : `${lastDate} close`
      }`;
  }
  return {
    fills,
    invested,
    investedShare,
    initialCash: run.initialCash,
    lastDate,
    lastClose,
    assetReturnFromEntry: fromEntry,
    assetReturnFromFirstClose: fromFirst,
    text,
  };
}
