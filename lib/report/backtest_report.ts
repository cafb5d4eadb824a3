/**
 * The HTML report of a backtest run: summary table, equity curve with drawdowns, monthly returns
 * heatmap, exposures, cost breakdown and rolling Sharpe, as Plotly figures. `backtestReportHtml`
 * gives an offline page (plotly.js inlined); `showBacktestReport` displays the same figures
 * inline in a Deno Jupyter notebook.
 */

import { TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import type { BacktestResult } from "../backtest/mod.ts";
import { closeLabeler } from "../quality/period_close.ts";
import {
  type BacktestSummary,
  drawdownSeries,
  observedAnnualisationNote,
  observedPeriodsPerYear,
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
  /**
   * Participation cap of the cost model and the run's peak participation (lib/report
   * `peakParticipation`), bounding the capacity estimate.
   * @default undefined (capacity from impact only, and the table says so)
   */
  participation?: { cap: number; peak: number; noAdv?: number };
  /**
   * `<script src>` of plotly.js instead of inlining it (`writePlotlyFile(dir)` or `plotlyCdnUrl()`).
   * @default undefined (the minified bundle inlined)
   */
  plotlySrc?: string;
  /**
   * Missing sessions or periods between the result's bars (lib/report `panelGaps(panel)?.count`):
   * vol, Sharpe, Sortino, turnover and the rolling Sharpe are annualised over the bars observed
   * per year ({@link observedPeriodsPerYear}) and the annualisation row says so.
   * @default undefined (not checked: one period per bar)
   */
  gaps?: number;
  /**
   * Frequency and calendar of the bars (the panel's). Weekly and slower bars are stored on their
   * period's first day; with these the charts' dates and the monthly table are those of each
   * period's close (its last session, lib/quality `closeLabeler`), and the equity chart says so.
   * @default undefined (each bar's own date: daily and intraday bars)
   */
  frequency?: string;
  /** Calendar of the bars (see `frequency`). @default "none" when `frequency` is set */
  calendar?: string;
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

/** Most points a time-series trace of the report carries (a chart is about 1200 px wide). */
export const MAX_CHART_POINTS = 1000;

/** Rolling Sharpe window when the options set none, bars. */
const DEFAULT_ROLLING_WINDOW = 63;

/** Fewest returns a rolling Sharpe window may have (shorter runs use a window this small). */
const MIN_ROLLING_WINDOW = 5;

/**
 * The rows a chart shows: every row when there are at most `maxPoints`, else the last row of
 * each bucket of `k = ceil(n / maxPoints)` consecutive rows (row n - 1 always included).
 * Returns the chosen row indices and `k`.
 *
 * @example chartRows(5, 2) // { rows: [1, 3, 4], k: 2 }
 */
export function chartRows(n: number, maxPoints = MAX_CHART_POINTS): { rows: number[]; k: number } {
  if (n <= 0) return { rows: [], k: 1 };
  const k = Math.max(1, Math.ceil(n / Math.max(1, maxPoints)));
  const rows: number[] = [];
  for (let t = k - 1; t < n; t += k) rows.push(t);
  if (rows.at(-1) !== n - 1) rows.push(n - 1);
  return { rows, k };
}

/**
 * Rolling Sharpe window used for a run of `bars` rows: the requested one when the run has at
 * least twice as many returns, else half the returns (at least {@link MIN_ROLLING_WINDOW}), so a
 * one-month run still draws a line.
 *
 * @example rollingWindowFor(22, 63) // 10
 */
export function rollingWindowFor(bars: number, requested = DEFAULT_ROLLING_WINDOW): number {
  const returns = bars - 1;
  if (returns >= 2 * requested) return requested;
  return Math.max(MIN_ROLLING_WINDOW, Math.min(requested, Math.floor(returns / 2)));
}

const pad = (n: number) => String(n).padStart(2, "0");
/** Axis label of an instant: the UTC date, or date and time when rows fall within one day. */
function stamp(ms: number, intraday: boolean): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return intraday ? `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : date;
}
/** A chart value: 6 significant digits, null for NaN/Infinity (a gap). */
const sig = (v: number | null) => (v !== null && Number.isFinite(v) ? +v.toPrecision(6) : null);

/** Layout height of the monthly heatmap: enough plot area for one row (Plotly fails below). */
export function heatmapHeight(years: number): number {
  return Math.max(260, 110 + 32 * years);
}

/** The report's Plotly figures, in order: equity/drawdown, monthly heatmap, exposures, costs, rolling Sharpe. */
export function backtestFigures(res: BacktestResult, o: BacktestReportOptions = {}): PlotFigure[] {
  const ppy = o.periodsPerYear ?? res.periodsPerYear ?? TRADING_DAYS_PER_YEAR;
  const ccy = currencyLabel(o.currency !== undefined ? o.currency : res.currency);
  const n = res.equity.length;
  let intraday = false;
  for (let t = 1; t < n && !intraday; t++) {
    intraday = Math.floor(res.tsMs[t]! / 86_400_000) === Math.floor(res.tsMs[t - 1]! / 86_400_000);
  }
  // weekly and slower bars: the date of each period's close, not its stored first day
  const periods = intraday ? null : closeLabeler(o.frequency, o.calendar);
  const closeMs = periods
    ? Float64Array.from(
      res.tsMs,
      (ms) => Date.parse(periods.closeDate(new Date(ms).toISOString().slice(0, 10))),
    )
    : res.tsMs;
  const { rows, k } = chartRows(n);
  const x = rows.map((t) => stamp(closeMs[t]!, intraday));
  const pick = (a: ArrayLike<number | null>) => rows.map((t) => sig(a[t] ?? null));
  const eq = pick(res.equity);
  // drawdown: the deepest of each bucket, so thinning never hides a trough
  const ddAll = drawdownSeries(res.equity);
  const dd = rows.map((t) => {
    let m = 0;
    for (let i = Math.max(0, t - k + 1); i <= t; i++) m = Math.max(m, ddAll[i]!);
    return sig(-m);
  });
  const mr = monthlyReturns(closeMs, res.equity, res.initialCash);
  const lev = (a: Float64Array) =>
    pick(Array.from(res.equity, (e, t) => (e > 0 ? a[t]! / e : null)));
  const c = res.costs;
  const cum = (a: Float64Array) => {
    let s = 0;
    return pick(Array.from(a, (v) => (s += v)));
  };
  const window = rollingWindowFor(n, o.rollingWindow ?? DEFAULT_ROLLING_WINDOW);
  // over observed bars when the gaps are known (as the summary's Sharpe), else one period a bar
  const ppyObs = o.gaps === undefined
    ? ppy
    : observedPeriodsPerYear(ppy, Math.max(0, n - 1), o.gaps);
  const rsRet = rollingSharpe(returnsFromEquity(res.equity), window, ppyObs);
  // rolling Sharpe of return r (row t + 1), aligned to the rows: NaN on row 0
  const rs = pick(Array.from({ length: n }, (_, t) => (t === 0 ? NaN : rsRet[t - 1]!)));
  const thinned = k > 1 ? ` (one point per ${k} bars)` : "";
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
  const line = (name: string, y: (number | null)[], extra: Record<string, unknown> = {}) => ({
    type: "scatter",
    mode: n === 1 ? "markers" : "lines",
    name,
    x,
    y,
    ...extra,
  });
  const title = (text: string) => ({ text });
  const M = { t: 50, b: 40, l: 70, r: 30 };
  return [
    {
      data: [
        line("equity", eq, { yaxis: "y" }),
        line("drawdown", dd, { yaxis: "y2", fill: "tozeroy", line: { color: "#d62728" } }),
      ],
      layout: {
        title: title(
          `Equity and drawdown${
            k > 1 ? ` (one point per ${k} bars; drawdown the deepest of each)` : ""
          }${periods ? `, at each ${periods.frequency}'s close` : ""}`,
        ),
        yaxis: { title: title(`equity (${ccy})`), domain: [0.35, 1] },
        yaxis2: { title: title("drawdown"), domain: [0, 0.28], tickformat: ".0%" },
        height: 520,
        margin: M,
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
        colorbar: { title: title("%") },
      }],
      layout: {
        title: title("Monthly returns (%)"),
        height: heatmapHeight(mr.years.length),
        margin: M,
        yaxis: { type: "category", autorange: "reversed" },
        xaxis: { type: "category" },
      },
    },
    {
      data: [line("gross / equity", lev(res.gross)), line("net / equity", lev(res.net))],
      layout: { title: title(`Exposures${thinned}`), yaxis: { tickformat: ".0%" }, margin: M },
    },
    {
      data: [
        line("commission", cum(c.commission), { stackgroup: "c" }),
        line("fees", cum(c.fees), { stackgroup: "c" }),
        line("spread", cum(c.spread), { stackgroup: "c" }),
        line("impact", cum(c.impact), { stackgroup: "c" }),
        line("borrow", cum(c.borrow), { stackgroup: "c" }),
      ],
      layout: { title: title(`Cumulative costs by kind (${ccy})${thinned}`), margin: M },
    },
    {
      data: [line("rolling Sharpe", rs, n > 1 ? {} : { mode: "markers" })],
      layout: {
        title: title(
          `Rolling Sharpe (${window} bars, annualised by ${+ppyObs.toPrecision(6)}/year)${thinned}`,
        ),
        margin: M,
      },
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

function summaryOptions(o: BacktestReportOptions) {
  return {
    ...(o.participation ? { participation: o.participation } : {}),
    ...(o.gaps !== undefined ? { gaps: o.gaps } : {}),
  };
}

/** Currency and annualisation labels of a report: the options', else the result's. */
function labels(res: BacktestResult, o: BacktestReportOptions) {
  return {
    currency: o.currency !== undefined ? o.currency : res.currency,
    ...(o.annualisation ? { annualisation: o.annualisation } : {}),
  };
}

/**
 * Title of a spec's backtest report: "question: strategy" and the chosen configuration as JSON,
 * left out when it is empty (a strategy without parameters).
 *
 * @example backtestReportTitle("q", "buy_and_hold", {}) // "q: buy_and_hold"
 * @example backtestReportTitle("q", "momentum", { lookback: 20 }) // 'q: momentum {"lookback":20}'
 */
export function backtestReportTitle(
  question: string,
  strategy: string,
  config: Readonly<Record<string, unknown>>,
): string {
  const params = Object.keys(config).length ? ` ${JSON.stringify(config)}` : "";
  return `${question}: ${strategy}${params}`;
}

/** How the capacity estimate was bounded, for the summary table. */
export function capacityNote(s: BacktestSummary): string {
  const p = s.participation;
  const part = !p
    ? "participation not checked: the data has no volume"
    : Number.isFinite(p.cap)
    ? `participation cap ${fmtShare(p.cap)} of ADV, busiest day ${fmtShare(p.peak)} of ADV`
    : `no participation cap in the cost model, busiest day ${fmtShare(p.peak)} of ADV`;
  const skipped = p?.noAdv
    ? `; ${p.noAdv} traded (symbol, day)${
      p.noAdv === 1 ? "" : "s"
    } without an ADV estimate yet, not counted`
    : "";
  switch (s.capacityBoundBy) {
    case "unprofitable":
      return `no P&L left after linear costs; ${part}${skipped}`;
    case "participation":
      return `bound by ${part}${skipped}`;
    case "impact":
      return `bound by square-root impact; ${part}${skipped}`;
    default:
      return `no impact costs; ${part}${skipped}`;
  }
}

const fmtShare = (v: number) => Number.isFinite(v) ? `${+(v * 100).toPrecision(3)}%` : String(v);

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
    [
      "annualisation",
      [o.annualisation ?? `${s.periodsPerYear} periods a year`, observedAnnualisationNote(s)]
        .filter((x) => x !== null).join("; "),
    ],
    [`final equity (${ccy})`, fmt(s.finalEquity, "usd")],
    ["total return", fmt(s.totalReturn, "pct")],
    ["CAGR", fmt(s.cagr, "pct")],
    ["annual vol", fmt(s.annualVol, "pct")],
    ["Sharpe", fmt(s.sharpe, "num")],
    ["Sortino", fmt(s.sortino, "num")],
    ["Calmar", fmt(s.calmar, "num")],
    ...((s.maxDrawdownAllBars === null ? [["max drawdown", fmt(s.maxDrawdown, "pct")]] : [
      ["max drawdown (session closes)", fmt(s.maxDrawdown, "pct")],
      ["max drawdown (every bar)", fmt(s.maxDrawdownAllBars, "pct")],
    ]) as [string, string][]),
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
    [`capacity estimate (${ccy})`, `${fmt(s.capacityUsd, "usd")} (${capacityNote(s)})`],
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
  const summary = summarizeBacktest(res, o.periodsPerYear, summaryOptions(o));
  const figures = backtestFigures(res, o);
  const html = plotlyHtml(figures, {
    title: o.title ?? "Backtest report",
    headerHtml: summaryTableHtml(summary, o.meta, labels(res, o)),
    ...(o.plotlySrc !== undefined ? { plotlySrc: o.plotlySrc } : {}),
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
  const summary = summarizeBacktest(res, o.periodsPerYear, summaryOptions(o));
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
  const summary = summarizeBacktest(res, o.periodsPerYear, summaryOptions(o));
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
