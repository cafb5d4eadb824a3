/**
 * Plotly charts that work offline: a self-contained HTML page with plotly.js inlined from the
 * pinned npm package `plotly.js-dist`, and inline display in Jupyter notebooks on the Deno kernel.
 *
 * The bundle is read from the installed package (`node_modules/plotly.js-dist/plotly.js`, found
 * through Node resolution from this file or the working directory); set env `PLOTLY_JS_PATH` to
 * point at another copy. Nothing is fetched from a CDN.
 */

import { createRequire } from "node:module";

/** One Plotly figure: traces and layout, as accepted by `Plotly.newPlot`. */
export interface PlotFigure {
  /** Plotly traces (`{ type: "scatter", x, y, ... }`). */
  data: unknown[];
  /** Plotly layout object. @default {} */
  layout?: Record<string, unknown>;
}

/** Options of {@linkcode plotlyHtml}. */
export interface PlotlyHtmlOptions {
  /** Page title, also shown as a heading. */
  title: string;
  /** Extra HTML inserted after the heading (already escaped by the caller). @default "" */
  headerHtml?: string;
}

let cachedBundle: string | undefined;

/** Path of the plotly.js bundle file from the `plotly.js-dist` package. */
export function plotlyBundlePath(): string {
  const override = Deno.env.get("PLOTLY_JS_PATH");
  if (override) return override;
  const bases = [import.meta.url, `file://${Deno.cwd()}/`];
  const errors: string[] = [];
  for (const base of bases) {
    try {
      return createRequire(base).resolve("plotly.js-dist");
    } catch (e) {
      errors.push(String(e));
    }
  }
  throw new Error(
    `Cannot locate plotly.js-dist: run \`deno install\` in the repository (or set PLOTLY_JS_PATH); ${
      errors.join("; ")
    }`,
  );
}

/** The plotly.js source text (about 11 MB), read once and cached. */
export function plotlyBundle(): string {
  if (cachedBundle === undefined) {
    // Guard against a literal closing script tag inside the bundle (there is none in 3.7.0).
    // Non-ASCII code units are written as \uXXXX escapes (they only occur in string and regex
    // literals and comments): lone surrogates in the source would otherwise break the UTF-8
    // encoding of Jupyter messages and files.
    cachedBundle = Deno.readTextFileSync(plotlyBundlePath())
      .replaceAll("</script", "<\\/script")
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  return cachedBundle;
}

/** JSON safe to embed in a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/** Escape text for HTML element content or attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

function plotDiv(id: string, fig: PlotFigure): string {
  return `<div id="${id}" class="plotly-chart" style="width:100%;min-height:420px"></div>\n` +
    `<script>Plotly.newPlot(${scriptJson(id)}, ${scriptJson(fig.data)}, ${
      scriptJson(fig.layout ?? {})
    }, {responsive: true, displaylogo: false});</script>`;
}

/**
 * A complete offline HTML page showing `figures` one below the other, plotly.js inlined.
 * Each chart is a `<div class="plotly-chart" id="chart-<i>">`; once rendered Plotly adds
 * `.js-plotly-plot` to it, which is what the headless-browser test checks.
 *
 * @example
 * ```ts
 * const html = plotlyHtml([{ data: [{ type: "scatter", y: [1, 2, 3] }], layout: {} }], {
 *   title: "demo",
 * });
 * ```
 */
export function plotlyHtml(figures: PlotFigure[], options: PlotlyHtmlOptions): string {
  const divs = figures.map((f, i) => plotDiv(`chart-${i}`, f)).join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style>
<script>${plotlyBundle()}</script></head>
<body><h1>${escapeHtml(options.title)}</h1>
${options.headerHtml ?? ""}
${divs}
</body></html>
`;
}

let notebookBundleShown = false;
let notebookChartCount = 0;
const notebookPrefix = crypto.randomUUID().slice(0, 8);

interface JupyterLike {
  display(obj: unknown, options?: { raw?: boolean }): Promise<void> | void;
}

function jupyter(): JupyterLike | undefined {
  return (Deno as unknown as { jupyter?: JupyterLike }).jupyter;
}

/** Size of each piece of the plotly.js bundle sent to a notebook (Jupyter drops huge messages). */
const NOTEBOOK_CHUNK = 2_000_000;

/**
 * The plotly.js bundle as a sequence of small HTML fragments for a notebook: each pushes a piece
 * of the source into a global array, the last one evaluates the joined source in global scope
 * (defining `window.Plotly`). Shown once per kernel session, before the first chart, so that
 * exported notebooks (nbconvert HTML) render offline.
 */
export function notebookBundleFragments(): string[] {
  const src = plotlyBundle();
  const out: string[] = [];
  for (let i = 0; i < src.length; i += NOTEBOOK_CHUNK) {
    out.push(
      `<script>(window.__wbPlotlySrc = window.__wbPlotlySrc || []).push(${
        scriptJson(src.slice(i, i + NOTEBOOK_CHUNK))
      });</script>`,
    );
  }
  out.push(
    `<script>if (!window.Plotly) { (0, eval)(window.__wbPlotlySrc.join("")); }` +
      ` delete window.__wbPlotlySrc;</script>`,
  );
  return out;
}

/**
 * The HTML fragments for one inline notebook chart: the plotly.js bundle fragments on the first
 * call of a kernel session, then the chart itself.
 */
export function notebookPlotHtml(data: unknown[], layout: Record<string, unknown> = {}): string[] {
  const id = `plot-${notebookPrefix}-${notebookChartCount++}`;
  const out: string[] = [];
  if (!notebookBundleShown) {
    out.push(...notebookBundleFragments());
    notebookBundleShown = true;
  }
  out.push(plotDiv(id, { data, layout }));
  return out;
}

/**
 * Display a Plotly chart inline in a Jupyter notebook on the Deno kernel. Outside a notebook
 * (no `Deno.jupyter`) it displays nothing and returns the HTML fragments it would have shown.
 *
 * @example
 * ```ts ignore
 * await showPlot([{ type: "scatter", y: [1, 3, 2] }], { title: "demo" });
 * ```
 */
export async function showPlot(
  data: unknown[],
  layout: Record<string, unknown> = {},
): Promise<string[]> {
  const parts = notebookPlotHtml(data, layout);
  const j = jupyter();
  if (j) { for (const html of parts) await j.display({ "text/html": html }, { raw: true }); }
  return parts;
}

/** Display several figures inline (see {@linkcode showPlot}). */
export async function showFigures(figures: PlotFigure[]): Promise<void> {
  for (const f of figures) await showPlot(f.data, f.layout ?? {});
}
