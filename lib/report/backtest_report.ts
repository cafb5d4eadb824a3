/**
 * The HTML report of a backtest run: summary table, equity curve with drawdowns, monthly returns
 * heatmap, exposures, cost breakdown and rolling Sharpe, as Plotly figures. `backtestReportHtml`
 * gives an offline page (plotly.js inlined); `showBacktestReport` displays the same figures
 * inline in a Deno Jupyter notebook.
 */

import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import type { BacktestResult } from "../backtest/mod.ts";
import {
  type BacktestSummary,
  drawdownSeries,
  returnsFromEquity,
  rollingSharpe,
  summarizeBacktest,
  unfilledLine,
} from "./metrics.ts";
import {
  escapeHtml,
  figuresOutput,
  type NotebookHtml,
  notebookHtml,
  type PlotFigure,
  plotlyHtml,
  showFigures,
} from "./plot.ts";

/** Options of the report functions. */
export interface BacktestReportOptions {
  /** Report title. @default "Backtest report" */
  title?: string;
  /** Periods per year of the rows. @default the result's `periodsPerYear`, else TRADING_DAYS_PER_YEAR */
  periodsPerYear?: number;
  /** Where the annualisation factor comes from, shown in the summary. @default "<ppy> periods a year" */
  annualisation?: string;
  /** Currency of prices and P&L (ISO 4217); null when unknown. @default the result's `currency`, else "USD" */
  currency?: string | null;
  /** Rolling Sharpe window, bars. @default 63 */
  rollingWindow?: number;
  /** Extra key/value rows for the header table (strategy, parameters, data). @default {} */
  meta?: Record<string, string | number>;
}

/** Monthly returns: one row per year, 12 columns (NaN where no data). */
export function monthlyReturns(
  tsMs: ArrayLike<number>,
  equity: ArrayLike<number>,
  initial: number,
): { years: number[]; values: number[][] } {
  const byMonth = new Map<number, number>(); // year*12+month -> last equity
  for (let t = 0; t < equity.length; t++) {
    const d = new Date(tsMs[t]!);
    byMonth.set(d.getUTCFullYear() * 12 + d.getUTCMonth(), equity[t]!);
  }
  const keys = [...byMonth.keys()].sort((a, b) => a - b);
  if (!keys.length) return { years: [], values: [] };
  const y0 = Math.floor(keys[0]! / 12), y1 = Math.floor(keys.at(-1)! / 12);
  const years = Array.from({ length: y1 - y0 + 1 }, (_, i) => y0 + i);
  const values = years.map(() => new Array<number>(12).fill(NaN));
  let prev = initial;
  for (const k of keys) {
    const e = byMonth.get(k)!;
    values[Math.floor(k / 12) - y0]![k % 12] = e / prev - 1;
    prev = e;
  }
  return { years, values };
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const num = (v: number) => (Number.isFinite(v) ? v : null);

/** The report's Plotly figures, in order: equity/drawdown, monthly heatmap, exposures, costs, rolling Sharpe. */
export function backtestFigures(res: BacktestResult, o: BacktestReportOptions = {}): PlotFigure[] {
  const ppy = o.periodsPerYear ?? res.periodsPerYear ?? TRADING_DAYS_PER_YEAR;
  const ccy = currencyLabel(o.currency !== undefined ? o.currency : res.currency);
  const x = Array.from(res.tsMs, iso);
  const eq = Array.from(res.equity);
  const dd = Array.from(drawdownSeries(res.equity), (v) => -v);
  const mr = monthlyReturns(res.tsMs, res.equity, res.initialCash);
  const grossLev = eq.map((e, t) => (e > 0 ? res.gross[t]! / e : null));
  const netLev = eq.map((e, t) => (e > 0 ? res.net[t]! / e : null));
  const c = res.costs;
  const cum = (a: Float64Array) => {
    let s = 0;
    return Array.from(a, (v) => (s += v));
  };
  const rs = rollingSharpe(returnsFromEquity(res.equity), o.rollingWindow ?? 63, ppy);
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  return [
    {
      data: [
        { type: "scatter", mode: "lines", name: "equity", x, y: eq, yaxis: "y" },
        {
          type: "scatter",
          mode: "lines",
          name: "drawdown",
          x,
          y: dd,
          yaxis: "y2",
          fill: "tozeroy",
          line: { color: "#d62728" },
        },
      ],
      layout: {
        title: { text: "Equity and drawdown" },
        yaxis: { title: { text: `equity (${ccy})` }, domain: [0.35, 1] },
        yaxis2: { title: { text: "drawdown" }, domain: [0, 0.28], tickformat: ".0%" },
        height: 520,
      },
    },
    {
      data: [{
        type: "heatmap",
        x: months,
        y: mr.years.map(String),
        z: mr.values.map((row) =>
          row.map((v) => (Number.isFinite(v) ? +(v * 100).toFixed(3) : null))
        ),
        colorscale: "RdBu",
        zmid: 0,
        colorbar: { title: { text: "%" } },
      }],
      layout: { title: { text: "Monthly returns (%)" }, height: 120 + 30 * mr.years.length },
    },
    {
      data: [
        { type: "scatter", mode: "lines", name: "gross / equity", x, y: grossLev },
        { type: "scatter", mode: "lines", name: "net / equity", x, y: netLev },
      ],
      layout: { title: { text: "Exposures" }, yaxis: { tickformat: ".0%" } },
    },
    {
      data: [
        {
          type: "scatter",
          mode: "lines",
          name: "commission",
          x,
          y: cum(c.commission),
          stackgroup: "c",
        },
        { type: "scatter", mode: "lines", name: "fees", x, y: cum(c.fees), stackgroup: "c" },
        { type: "scatter", mode: "lines", name: "spread", x, y: cum(c.spread), stackgroup: "c" },
        { type: "scatter", mode: "lines", name: "impact", x, y: cum(c.impact), stackgroup: "c" },
        { type: "scatter", mode: "lines", name: "borrow", x, y: cum(c.borrow), stackgroup: "c" },
      ],
      layout: { title: { text: `Cumulative costs by kind (${ccy})` } },
    },
    {
      data: [{
        type: "scatter",
        mode: "lines",
        name: "rolling Sharpe",
        x: x.slice(1),
        y: Array.from(rs, num),
      }],
      layout: { title: { text: `Rolling Sharpe (${o.rollingWindow ?? 63} bars, annualised)` } },
    },
  ];
}

function fmt(v: number, kind: "pct" | "num" | "usd" | "int"): string {
  if (!Number.isFinite(v)) return String(v);
  if (kind === "pct") return `${(v * 100).toFixed(2)}%`;
  if (kind === "usd") return v.toLocaleString("en-US", { maximumFractionDigits: 0 });
  if (kind === "int") return String(Math.round(v));
  return v.toFixed(3);
}

/** Currency and annualisation labels of a report: the options', else the result's. */
function labels(res: BacktestResult, o: BacktestReportOptions) {
  return {
    currency: o.currency !== undefined ? o.currency : res.currency,
    ...(o.annualisation ? { annualisation: o.annualisation } : {}),
  };
}

/** Label of a currency for tables and axes ("units" when it is unknown). */
export function currencyLabel(c: string | null | undefined): string {
  return c === undefined ? "USD" : c ?? "units";
}

/** The summary as an HTML table; `o` says the currency and annualisation. */
export function summaryTableHtml(
  s: BacktestSummary,
  meta: Record<string, string | number> = {},
  o: { currency?: string | null; annualisation?: string } = {},
): string {
  const ccy = currencyLabel(o.currency);
  const rows: [string, string][] = [
    ...Object.entries(meta).map(([k, v]) => [k, String(v)] as [string, string]),
    ["currency", ccy],
    ["annualisation", o.annualisation ?? `${s.periodsPerYear} periods a year`],
    [`final equity (${ccy})`, fmt(s.finalEquity, "usd")],
    ["total return", fmt(s.totalReturn, "pct")],
    ["CAGR", fmt(s.cagr, "pct")],
    ["annual vol", fmt(s.annualVol, "pct")],
    ["Sharpe", fmt(s.sharpe, "num")],
    ["Sortino", fmt(s.sortino, "num")],
    ["Calmar", fmt(s.calmar, "num")],
    ["max drawdown", fmt(s.maxDrawdown, "pct")],
    ["max drawdown duration (bars)", fmt(s.maxDrawdownDurationBars, "int")],
    ["hit rate", fmt(s.hitRate, "pct")],
    ["turnover (annual, x equity)", fmt(s.turnoverAnnual, "num")],
    ["avg gross leverage", fmt(s.avgGrossLeverage, "num")],
    [`costs total (${ccy})`, fmt(s.costs.total, "usd")],
    [
      "  commission / fees / spread",
      `${fmt(s.costs.commission, "usd")} / ${fmt(s.costs.fees, "usd")} / ${
        fmt(s.costs.spread, "usd")
      }`,
    ],
    ["  impact / borrow", `${fmt(s.costs.impact, "usd")} / ${fmt(s.costs.borrow, "usd")}`],
    ["costs (bps of traded)", fmt(s.costBpsOfTraded, "num")],
    [`capacity estimate (${ccy})`, fmt(s.capacityUsd, "usd")],
    ["fills", fmt(s.fills, "int")],
    ["orders", unfilledLine(s)],
    ...(s.ordersRejected
      ? [["orders rejected", String(s.ordersRejected)] as [string, string]]
      : []),
    ...(s.closeFillsForMissingOpen
      ? [[
        "fills at the close (bar without an open)",
        String(s.closeFillsForMissingOpen),
      ] as [string, string]]
      : []),
  ];
  return `<table class="summary">${
    rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")
  }</table>`;
}

/**
 * An offline HTML report of a run, plus its summary and figures.
 *
 * @example
 * ```ts
 * const { html } = backtestReportHtml(result, { title: "overnight" });
 * await Deno.writeTextFile("report.html", html);
 * ```
 */
export function backtestReportHtml(
  res: BacktestResult,
  o: BacktestReportOptions = {},
): { html: string; summary: BacktestSummary; figures: PlotFigure[] } {
  const summary = summarizeBacktest(res, o.periodsPerYear);
  const figures = backtestFigures(res, o);
  const html = plotlyHtml(figures, {
    title: o.title ?? "Backtest report",
    headerHtml: summaryTableHtml(summary, o.meta, labels(res, o)),
  });
  return { html, summary, figures };
}

/**
 * The report's summary table and charts as one notebook value: make it the last expression of a
 * Deno Jupyter cell and it renders inline (plotly.js included with the first chart of a session).
 *
 * @example
 * ```ts ignore
 * backtestReportOutput(result, { title: "momentum" });
 * ```
 */
export function backtestReportOutput(
  res: BacktestResult,
  o: BacktestReportOptions = {},
): NotebookHtml {
  const summary = summarizeBacktest(res, o.periodsPerYear);
  const figs = figuresOutput(backtestFigures(res, o));
  return notebookHtml(
    `<h3>${escapeHtml(o.title ?? "Backtest report")}</h3>${
      summaryTableHtml(summary, o.meta, labels(res, o))
    }\n${figs.html}`,
  );
}

/**
 * Display the report's summary table and charts inline in a Deno Jupyter notebook (side effect;
 * see {@linkcode showPlot}); returns the summary.
 */
export async function showBacktestReport(
  res: BacktestResult,
  o: BacktestReportOptions = {},
): Promise<BacktestSummary> {
  const summary = summarizeBacktest(res, o.periodsPerYear);
  const j =
    (Deno as unknown as { jupyter?: { display(x: unknown, o: { raw: boolean }): Promise<void> } })
      .jupyter;
  if (j) {
    await j.display({
      "text/html": `<h3>${escapeHtml(o.title ?? "Backtest report")}</h3>${
        summaryTableHtml(summary, o.meta, labels(res, o))
      }`,
    }, { raw: true });
  }
  await showFigures(backtestFigures(res, o));
  return summary;
}
