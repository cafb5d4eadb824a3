/**
 * Headless Chromium helper for report tests: renders an HTML file and returns the DOM after
 * scripts ran, or saves a PNG screenshot of it. Tests skip (with a visible message) when chromium
 * is absent, unless env CI is set.
 */

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** Flags for a quiet, offline, sandbox-free headless run. */
const HEADLESS_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Path of a chromium binary, or undefined. */
export function chromiumPath(): string | undefined {
  const env = Deno.env.get("CHROMIUM_PATH");
  if (env) return env;
  for (const p of CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** True when the browser test should be ignored (absent chromium, not on CI); logs why. */
export function skipBrowser(): boolean {
  if (chromiumPath()) return false;
  if (Deno.env.get("CI")) return false; // must fail on CI rather than skip
  console.warn("SKIPPED: chromium not found (set CHROMIUM_PATH); HTML render test not run");
  return true;
}

/** Run headless chromium on `file://htmlPath` with extra flags, in a throwaway profile. */
async function runChromium(
  htmlPath: string,
  flags: string[],
): Promise<{ success: boolean; stdout: string; stderr: string }> {
  const bin = chromiumPath();
  if (!bin) throw new Error("chromium not found (set CHROMIUM_PATH)");
  const profile = await Deno.makeTempDir({ prefix: "chromium_profile_" });
  try {
    const out = await new Deno.Command(bin, {
      args: [...HEADLESS_FLAGS, `--user-data-dir=${profile}`, ...flags, `file://${htmlPath}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { success: out.success, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** Render `htmlPath` in headless chromium and return the serialised DOM. */
export async function dumpDom(htmlPath: string, budgetMs = 5000): Promise<string> {
  const out = await runChromium(htmlPath, [`--virtual-time-budget=${budgetMs}`, "--dump-dom"]);
  if (!out.success && out.stdout.length === 0) {
    throw new Error(`chromium failed: ${out.stderr.slice(0, 2000)}`);
  }
  return out.stdout;
}

/** Options of {@link screenshot}. */
export interface ScreenshotOptions {
  /** Viewport width in CSS pixels. @default 1280 */
  width?: number;
  /** Viewport height in CSS pixels (the PNG shows this much of the page). @default 3600 */
  height?: number;
  /** Virtual time given to scripts before the capture. @default 8000 */
  budgetMs?: number;
}

/**
 * Render `htmlPath` in headless chromium and save a PNG screenshot to `pngPath`; returns its
 * size in bytes. Throws when chromium fails or writes no PNG.
 */
export async function screenshot(
  htmlPath: string,
  pngPath: string,
  options: ScreenshotOptions = {},
): Promise<number> {
  const { width = 1280, height = 3600, budgetMs = 8000 } = options;
  await Deno.remove(pngPath).catch(() => {});
  const out = await runChromium(htmlPath, [
    `--virtual-time-budget=${budgetMs}`,
    "--hide-scrollbars",
    `--window-size=${width},${height}`,
    `--screenshot=${pngPath}`,
  ]);
  let size = 0;
  try {
    size = (await Deno.stat(pngPath)).size;
  } catch {
    // reported below
  }
  if (size === 0) {
    throw new Error(
      `chromium wrote no screenshot (exit ${out.success ? 0 : "non-zero"}): ${
        out.stderr.slice(0, 2000)
      }`,
    );
  }
  return size;
}

/** Width and height of a PNG from its IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 24 || sig.some((b, i) => bytes[i] !== b)) {
    throw new TypeError("Cannot read PNG size: not a PNG signature");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/** Number of rendered Plotly charts (`js-plotly-plot` class added by Plotly.newPlot). */
export function countRenderedPlots(dom: string): number {
  return (dom.match(/class="[^"]*js-plotly-plot[^"]*"/g) ?? []).length;
}

/**
 * Every chart container of a `plotlyHtml` page (`<div id=... class="plotly-chart ...">`) with
 * whether Plotly rendered it: the `js-plotly-plot` class on the div and an `svg.main-svg` inside
 * it (before the next chart starts).
 */
export function chartStates(
  dom: string,
): { id: string; plotly: boolean; mainSvg: boolean }[] {
  const re = /<div id="([^"]+)" class="([^"]*\bplotly-chart\b[^"]*)"/g;
  const starts = [...dom.matchAll(re)];
  return starts.map((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.index : dom.length;
    const body = dom.slice(m.index, end);
    return {
      id: m[1]!,
      plotly: /\bjs-plotly-plot\b/.test(m[2]!),
      mainSvg: /<svg[^>]*class="[^"]*\bmain-svg\b/.test(body),
    };
  });
}

/** What {@link renderCheck} found for one chart of a page. */
export interface ChartRender {
  id: string;
  /** Chart title as drawn (empty when none). */
  title: string;
  /** Traces Plotly laid out (`gd._fullData`), visible ones only. */
  traces: number;
  /** Of those, traces with something drawn: a line/fill path with at least two points, a marker, or a heatmap image. */
  drawn: number;
  /** Drawn marks: line segments' points, markers and heatmap images summed over the chart. */
  marks: number;
}

/** The result of {@link renderCheck}. */
export interface RenderCheck {
  charts: ChartRender[];
  /** console.error / console.warn messages, uncaught errors and unhandled rejections. */
  errors: string[];
}

/**
 * Script put first in the page's head: records console errors and warnings, uncaught errors and
 * unhandled promise rejections (a failed `Plotly.newPlot` rejects: "Something went wrong with
 * axis scaling"), then, once the page has loaded and Plotly has drawn, measures every
 * `.plotly-chart` from its drawn SVG and writes the result as base64 JSON into
 * `<pre id="__render_check">` for `--dump-dom` to carry out.
 */
const PROBE = `<script>(function () {
  var errors = [];
  var text = function (a) { return Array.prototype.map.call(a, function (x) {
    return x && x.stack ? String(x.stack).split("\\n")[0] : String(x); }).join(" "); };
  ["error", "warn"].forEach(function (k) {
    var orig = console[k];
    console[k] = function () { errors.push(k + ": " + text(arguments)); return orig.apply(console, arguments); };
  });
  window.addEventListener("error", function (e) { errors.push("uncaught: " + e.message); });
  window.addEventListener("unhandledrejection", function (e) {
    errors.push("unhandled rejection: " + text([e.reason])); });
  function points(d) { return (d.match(/[ML]/g) || []).length; }
  function measure() {
    var charts = Array.prototype.map.call(document.querySelectorAll(".plotly-chart"), function (gd) {
      var full = (gd._fullData || []).filter(function (t) { return t.visible === true; });
      var drawn = 0, marks = 0;
      gd.querySelectorAll("g.trace, g.hm").forEach(function (g) {
        var m = 0;
        g.querySelectorAll("path.js-line, path.js-fill").forEach(function (p) {
          var d = p.getAttribute("d") || "";
          if (d.indexOf("NaN") < 0 && points(d) >= 2) m += points(d);
        });
        m += g.querySelectorAll("path.point").length;
        g.querySelectorAll("image").forEach(function (im) {
          var w = parseFloat(im.getAttribute("width") || "0"), h = parseFloat(im.getAttribute("height") || "0");
          if (w > 0 && h > 0 && (im.getAttribute("href") || im.getAttribute("xlink:href") || "").length > 100) m++;
        });
        if (m > 0) drawn++;
        marks += m;
      });
      var t = gd.querySelector(".gtitle");
      return { id: gd.id, title: t ? t.textContent : "", traces: full.length, drawn: drawn, marks: marks };
    });
    var pre = document.createElement("pre");
    pre.id = "__render_check";
    pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify({ charts: charts, errors: errors }))));
    document.body.appendChild(pre);
  }
  window.addEventListener("load", function () { setTimeout(measure, 1500); });
})();</script>`;

/**
 * Render a `plotlyHtml` page in headless chromium and read, per chart, how many traces Plotly
 * laid out and how many it drew (from the SVG: paths with points, markers, heatmap images), plus
 * every console error, uncaught error and unhandled rejection. A failed chart still gets the
 * `js-plotly-plot` class; this looks at what was drawn instead. The page is copied with a probe
 * script put first in its head; the original file is not changed.
 */
export async function renderCheck(htmlPath: string, budgetMs = 10_000): Promise<RenderCheck> {
  const html = await Deno.readTextFile(htmlPath);
  const at = html.indexOf("<head>");
  if (at < 0) throw new Error(`${htmlPath}: no <head> to put the probe in`);
  const probed = `${htmlPath}.probe.html`;
  await Deno.writeTextFile(probed, html.slice(0, at + 6) + PROBE + html.slice(at + 6));
  try {
    const dom = await dumpDom(probed, budgetMs);
    const m = /<pre id="__render_check">([A-Za-z0-9+/=]+)<\/pre>/.exec(dom);
    if (!m) throw new Error(`the probe wrote no result (page did not load?): ${dom.slice(0, 300)}`);
    const bin = atob(m[1]!);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as RenderCheck;
  } finally {
    await Deno.remove(probed).catch(() => {});
  }
}
