/**
 * Headless Chromium helper for report tests: renders an HTML file and returns the DOM after
 * scripts ran. Tests skip (with a visible message) when chromium is absent, unless env CI is set.
 */

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

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

/** Render `htmlPath` in headless chromium and return the serialised DOM. */
export async function dumpDom(htmlPath: string, budgetMs = 5000): Promise<string> {
  const bin = chromiumPath();
  if (!bin) throw new Error("chromium not found (set CHROMIUM_PATH)");
  const profile = await Deno.makeTempDir({ prefix: "chromium_profile_" });
  try {
    const out = await new Deno.Command(bin, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        `--user-data-dir=${profile}`,
        `--virtual-time-budget=${budgetMs}`,
        "--dump-dom",
        `file://${htmlPath}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dom = new TextDecoder().decode(out.stdout);
    if (!out.success && dom.length === 0) {
      throw new Error(`chromium failed: ${new TextDecoder().decode(out.stderr).slice(0, 2000)}`);
    }
    return dom;
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** Number of rendered Plotly charts (`js-plotly-plot` class added by Plotly.newPlot). */
export function countRenderedPlots(dom: string): number {
  return (dom.match(/class="[^"]*js-plotly-plot[^"]*"/g) ?? []).length;
}
