/**
 * Plotly charts that work offline: a self-contained HTML page with the minified plotly.js inlined
 * once from the pinned npm package `plotly.js-dist-min` (about 4.85 MB, so a report stays under
 * 5 MB), or referenced by a `<script src>` (a file written next to the page, or the plotly CDN)
 * when the caller asks; and inline display in Jupyter notebooks on the Deno kernel.
 *
 * The bundle is read from the installed package (`node_modules/plotly.js-dist-min/plotly.min.js`,
 * found through Node resolution from this file or the working directory); set env
 * `PLOTLY_JS_MIN_PATH` to point at another copy (`PLOTLY_JS_PATH` for the unminified
 * `plotly.js-dist`, kept for debugging). Nothing is fetched from a CDN unless a page is written
 * with {@link plotlyCdnUrl} as its `plotlySrc`.
 */

import { createRequire } from "node:module";
import { dirname, join } from "node:path";

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
  /**
   * Reference plotly.js by this `<script src>` (a relative file name written with
   * {@link writePlotlyFile}, or {@link plotlyCdnUrl}) instead of inlining it.
   * @default undefined (the minified bundle inlined once)
   */
  plotlySrc?: string;
}

/** Which build of plotly.js: the full `plotly.js-dist` (HTML reports) or `plotly.js-dist-min`. */
export type PlotlyBuild = "dist" | "dist-min";

const cachedBundle = new Map<PlotlyBuild, string>();

/** Path of the plotly.js bundle file of the installed npm package. */
export function plotlyBundlePath(build: PlotlyBuild = "dist"): string {
  const override = Deno.env.get(build === "dist" ? "PLOTLY_JS_PATH" : "PLOTLY_JS_MIN_PATH");
  if (override) return override;
  const pkg = build === "dist" ? "plotly.js-dist" : "plotly.js-dist-min";
  const bases = [import.meta.url, `file://${Deno.cwd()}/`];
  const errors: string[] = [];
  for (const base of bases) {
    try {
      return createRequire(base).resolve(pkg);
    } catch (e) {
      errors.push(String(e));
    }
  }
  throw new Error(
    `Cannot locate ${pkg}: run \`deno install\` in the repository (or set PLOTLY_JS_PATH / PLOTLY_JS_MIN_PATH); ${
      errors.join("; ")
    }`,
  );
}

/** Version of the installed plotly.js (from the package's package.json), e.g. "3.7.0". */
export function plotlyVersion(): string {
  const pkg = JSON.parse(
    Deno.readTextFileSync(join(dirname(plotlyBundlePath("dist-min")), "package.json")),
  ) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new Error("plotly.js-dist-min: no version");
  return pkg.version;
}

/**
 * The plotly CDN address of the installed version's minified build (a page written with it
 * needs network access to draw).
 * @example plotlyCdnUrl() // "https://cdn.plot.ly/plotly-3.7.0.min.js"
 */
export function plotlyCdnUrl(): string {
  return `https://cdn.plot.ly/plotly-${plotlyVersion()}.min.js`;
}

/**
 * Write the minified plotly.js into `dir` as `plotly-<version>.min.js` (unchanged when it is
 * already there with the same size) and return that file name, for `plotlySrc`: several reports
 * in one folder then share one copy.
 */
export function writePlotlyFile(dir: string): string {
  const name = `plotly-${plotlyVersion()}.min.js`;
  const src = plotlyBundlePath("dist-min");
  const dest = join(dir, name);
  let same = false;
  try {
    same = Deno.statSync(dest).size === Deno.statSync(src).size;
  } catch {
    // not there yet
  }
  if (!same) Deno.copyFileSync(src, dest);
  return name;
}

/**
 * The plotly.js source text (full build about 11 MB, minified about 4.85 MB), read once and
 * cached. Non-ASCII code units are written as \uXXXX escapes (they only occur in string and
 * regex literals and comments): lone surrogates in the source would otherwise break the UTF-8
 * encoding of Jupyter messages and files. A literal closing script tag is escaped too.
 */
export function plotlyBundle(build: PlotlyBuild = "dist"): string {
  let b = cachedBundle.get(build);
  if (b === undefined) {
    b = Deno.readTextFileSync(plotlyBundlePath(build))
      .replaceAll("</script", "<\\/script")
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    cachedBundle.set(build, b);
  }
  return b;
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

/** Chart height in CSS pixels when the layout sets none (Plotly's own default is 450). */
const DEFAULT_CHART_HEIGHT_PX = 420;

function plotDiv(id: string, fig: PlotFigure, dataJs?: string): string {
  // The div is as tall as the figure: a figure with a smaller layout height (a heatmap of a few
  // rows) would otherwise leave a blank band under it.
  const h = fig.layout?.height;
  const px = typeof h === "number" && Number.isFinite(h) && h > 0 ? h : DEFAULT_CHART_HEIGHT_PX;
  return `<div id="${id}" class="plotly-chart" style="width:100%;min-height:${px}px"></div>\n` +
    `<script>Plotly.newPlot(${scriptJson(id)}, ${dataJs ?? scriptJson(fig.data)}, ${
      scriptJson(fig.layout ?? {})
    }, {responsive: true, displaylogo: false});</script>`;
}

/**
 * Serialise the figures' traces, writing an array that two or more traces share (the same
 * array object, e.g. one date axis) once as `__A[i]` in a leading script: a 10-trace report then
 * carries its dates once instead of ten times.
 */
function sharedArrays(figures: PlotFigure[]): { prelude: string; data: string[] } {
  const uses = new Map<unknown, number>();
  for (const f of figures) {
    for (const tr of f.data) {
      if (tr === null || typeof tr !== "object") continue;
      for (const v of Object.values(tr)) {
        if (Array.isArray(v) && v.length > 16) uses.set(v, (uses.get(v) ?? 0) + 1);
      }
    }
  }
  const shared = [...uses].filter(([, n]) => n > 1).map(([a]) => a);
  const index = new Map(shared.map((a, i) => [a, i]));
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const marker = new RegExp(`"@${nonce}:(\\d+)"`, "g");
  const data = figures.map((f) =>
    scriptJson(JSON.parse(JSON.stringify(f.data, (_k, v) => {
      const i = index.get(v);
      return i === undefined ? v : `@${nonce}:${i}`;
    }))).replace(marker, "__A[$1]")
  );
  const prelude = shared.length ? `<script>const __A = ${scriptJson(shared)};</script>\n` : "";
  return { prelude, data };
}

/**
 * A complete offline HTML page showing `figures` one below the other, the minified plotly.js
 * inlined once (or referenced by `options.plotlySrc`). Each chart is a
 * `<div class="plotly-chart" id="chart-<i>">`; the report tests read the traces Plotly drew in
 * each (tests/_chromium.ts `renderCheck`), not the class Plotly adds even to a failed chart.
 *
 * @example
 * ```ts
 * const html = plotlyHtml([{ data: [{ type: "scatter", y: [1, 2, 3] }], layout: {} }], {
 *   title: "demo",
 * });
 * ```
 */
export function plotlyHtml(figures: PlotFigure[], options: PlotlyHtmlOptions): string {
  const { prelude, data } = sharedArrays(figures);
  const divs = figures.map((f, i) => plotDiv(`chart-${i}`, f, data[i])).join("\n");
  const plotly = options.plotlySrc !== undefined
    ? `<script src="${escapeHtml(options.plotlySrc)}"></script>`
    : `<script>${plotlyBundle("dist-min")}</script>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style>
${plotly}</head>
<body><h1>${escapeHtml(options.title)}</h1>
${options.headerHtml ?? ""}
${prelude}${divs}
</body></html>
`;
}

let notebookBundleShown = false;
let notebookChartCount = 0;
const notebookPrefix = crypto.randomUUID().slice(0, 8);

/**
 * The plotly.js bundle for a notebook: one `<script>` with the minified build
 * (`plotly.js-dist-min`, same version as `plotly.js-dist`, about 4.8 MB). Included once per kernel
 * session, before the first chart, so exported notebooks (nbconvert HTML) render offline.
 */
export function notebookBundleFragments(): string[] {
  return [`<script>${plotlyBundle("dist-min")}</script>`];
}

/**
 * The HTML fragments for one inline notebook chart: the plotly.js bundle fragment on the first
 * call of a kernel session, then the chart itself.
 */
export function notebookPlotHtml(data: unknown[], layout: Record<string, unknown> = {}): string[] {
  const id = `plot-${notebookPrefix}-${notebookChartCount++}`;
  const out: string[] = [];
  if (!notebookBundleShown) {
    out.push(...notebookBundleFragments());
    notebookBundleShown = true;
  }
  out.push(plotDiv(id, { data, layout: withTitleObjects(layout) }));
  return out;
}

/** Keys of a layout whose value is an axis (or a 3-D scene holding axes) with a `title`. */
const AXIS_KEY =
  /^(?:[xyz]axis\d*|scene\d*|polar\d*|radialaxis|angularaxis|coloraxis\d*|colorbar)$/;

/**
 * A copy of `layout` in which every `title: "text"` (of the chart, an axis, a scene's axes or a
 * color bar) is `title: { text: "text" }`: plotly.js 3 draws nothing for a plain string title.
 * Other values are kept as given; the input is not modified.
 *
 * @example
 * ```ts
 * withTitleObjects({ title: "Equity", xaxis: { title: "date" } });
 * // { title: { text: "Equity" }, xaxis: { title: { text: "date" } } }
 * ```
 */
export function withTitleObjects(layout: Record<string, unknown>): Record<string, unknown> {
  const fix = (o: Record<string, unknown>, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...o };
    if (typeof out.title === "string") out.title = { text: out.title };
    if (depth < 2) {
      for (const [k, v] of Object.entries(out)) {
        if (AXIS_KEY.test(k) && v !== null && typeof v === "object" && !Array.isArray(v)) {
          out[k] = fix(v as Record<string, unknown>, depth + 1);
        }
      }
    }
    return out;
  };
  return fix(layout, 0);
}

/** Jupyter's display protocol symbol (`Deno.jupyter.$display`). */
const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/**
 * HTML that renders itself when it is the value of a notebook cell (the Deno kernel's
 * `Deno.jupyter.$display` protocol): it goes out as the cell's execute_result, which the kernel
 * sends before the cell finishes. (Asynchronous `Deno.jupyter.display` messages of several MB are
 * sometimes lost by the Deno 2.x kernel under nbconvert.)
 */
export interface NotebookHtml {
  readonly html: string;
  [JUPYTER_DISPLAY](): { "text/html": string };
}

/** Wrap HTML as a {@link NotebookHtml}. */
export function notebookHtml(html: string): NotebookHtml {
  return {
    html,
    [JUPYTER_DISPLAY]() {
      return { "text/html": html };
    },
  };
}

/**
 * A Plotly chart as a notebook value: make it the last expression of a Deno Jupyter cell and it
 * renders inline (sent as the cell's execute_result); the first chart of a session carries the
 * plotly.js bundle. Outside a notebook it is just the HTML.
 *
 * @example
 * ```ts ignore
 * plotOutput([{ type: "scatter", y: [1, 3, 2] }], { title: "demo" });
 * ```
 */
export function plotOutput(data: unknown[], layout: Record<string, unknown> = {}): NotebookHtml {
  return notebookHtml(notebookPlotHtml(data, layout).join("\n"));
}

/** Several figures as one notebook value (see {@linkcode plotOutput}). */
export function figuresOutput(figures: PlotFigure[]): NotebookHtml {
  return notebookHtml(
    figures.flatMap((f) => notebookPlotHtml(f.data, f.layout ?? {})).join("\n"),
  );
}

/** The part of `Deno.jupyter` used here. */
export interface JupyterLike {
  display(obj: unknown, options?: { raw?: boolean }): Promise<void> | void;
}

/** `Deno.jupyter` inside the Deno kernel, else undefined (the getter throws elsewhere). */
export function jupyter(): JupyterLike | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterLike }).jupyter;
  } catch {
    return undefined;
  }
}

/** Pause after a display message of several MB (the Deno kernel sends them asynchronously). */
const LARGE_DISPLAY_PAUSE_MS = 1500;

/**
 * Display a Plotly chart inline in a Jupyter notebook on the Deno kernel (a side effect, usable
 * anywhere in a cell); the first chart of a session carries the plotly.js bundle and is followed
 * by a short pause. Outside a notebook it displays nothing. Returns nothing, so `await
 * showPlot(...)` as the last line of a cell prints nothing under the chart.
 * Prefer {@linkcode plotOutput} as the last expression of a cell where possible (one output,
 * sent before the cell finishes).
 *
 * @example
 * ```ts ignore
 * await showPlot([{ type: "scatter", y: [1, 3, 2] }], { title: "demo" });
 * ```
 */
export async function showPlot(
  data: unknown[],
  layout: Record<string, unknown> = {},
): Promise<void> {
  const parts = notebookPlotHtml(data, layout);
  const j = jupyter();
  if (j) {
    for (const html of parts) {
      await j.display({ "text/html": html }, { raw: true });
      if (html.length > 1_000_000) await new Promise((r) => setTimeout(r, LARGE_DISPLAY_PAUSE_MS));
    }
  }
}

/** Display several figures inline (see {@linkcode showPlot}). */
export async function showFigures(figures: PlotFigure[]): Promise<void> {
  for (const f of figures) await showPlot(f.data, f.layout ?? {});
}
