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
