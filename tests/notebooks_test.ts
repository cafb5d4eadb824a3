/**
 * Every notebook under notebooks/ is stored without outputs, and executes headless on the Deno
 * kernel (Jupyter's nbconvert) to a notebook a person can read (issue 19):
 *
 * - no error output; every code cell has an output. Notebooks run through lib/report/_notebook_exec.py
 *   (nbclient, as `nbconvert --execute`) which keeps outputs the Deno kernel publishes after the
 *   cell's idle status; plain nbconvert drops them silently (one full run here: 4 late outputs in 3
 *   of 7 notebooks, among them the 4.8 MB plotly.js bundle); a cell still without output fails;
 * - no text output over 20 KB (a plot helper printing plotly.js source, a table dumped as text);
 * - every chart's saved figure has traces with data and a title that plotly.js 3 draws
 *   (`title: { text }`; a plain string is ignored);
 * - the executed notebook converted to HTML and rendered in headless Chromium draws every trace of
 *   every chart and its title, with no console error.
 *
 * Without Jupyter (or Chromium for the render check) the tests skip with a message saying how to
 * install it, except in CI (env CI set), where they fail. Set WORKBENCH_NOTEBOOK_TEST_DIR to keep
 * the executed notebooks, their HTML and a screenshot of each.
 */
import { assert, assertEquals } from "./_assert.ts";
import { chromiumPath, dumpDom, screenshot } from "./_chromium.ts";
import { executeNotebook, jupyterAvailable } from "../lib/report/notebook_run.ts";

const REPO = new URL("../", import.meta.url).pathname;
const dir = `${REPO}notebooks/`;
const notebooks = (() => {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".ipynb")).map((
      e,
    ) => e.name).sort();
  } catch {
    return [];
  }
})();

/** Largest text output of a cell (stream text or a text/plain value). */
const MAX_TEXT_BYTES = 20 * 1024;
/** How long nbclient waits for a cell's outputs after its reply. */
const IOPUB_TIMEOUT_S = 120;

const JUPYTER = jupyterAvailable();
const CHROMIUM = chromiumPath() !== undefined;
const IN_CI = !!Deno.env.get("CI");
if (!JUPYTER && !IN_CI) {
  console.warn(
    "notebook tests SKIPPED: Jupyter with the Deno kernel is not installed. Install with:\n" +
      "  sudo apt-get install jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient && deno jupyter --install",
  );
}
if (JUPYTER && !CHROMIUM && !IN_CI) {
  console.warn("notebook render check SKIPPED: chromium not found (set CHROMIUM_PATH)");
}

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}

const joined = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join("") : s ?? "");

/** One chart of a saved notebook: its id, traces and layout, as passed to Plotly.newPlot. */
export interface SavedChart {
  cell: number;
  id: string;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** The charts in a text/html output (`Plotly.newPlot("id", [traces], {layout}, {config})`). */
export function chartsInHtml(html: string, cell: number): SavedChart[] {
  const out: SavedChart[] = [];
  const re =
    /Plotly\.newPlot\(("[^"]*"), (.*?), \{responsive: true, displaylogo: false\}\);<\/script>/gs;
  for (const m of html.matchAll(re)) {
    const [data, layout] = JSON.parse(`[${m[2]}]`) as [
      Record<string, unknown>[],
      Record<string, unknown>,
    ];
    out.push({ cell, id: JSON.parse(m[1]!) as string, data, layout });
  }
  return out;
}

/** Does a trace carry data: some data array (x, y, z, values, ...) with a finite number or a text label. */
export function traceHasData(t: Record<string, unknown>): boolean {
  const has = (v: unknown): boolean =>
    Array.isArray(v) &&
    v.some((x) =>
      (typeof x === "number" && Number.isFinite(x)) || (typeof x === "string" && x !== "") || has(x)
    );
  return ["x", "y", "z", "values", "lat", "lon", "r"].some((k) => has(t[k]));
}

/** Title text of a layout (`title.text`; a plain string title is not drawn by plotly.js 3). */
export function layoutTitle(layout: Record<string, unknown>): string {
  const t = layout.title as { text?: unknown } | undefined;
  return t !== null && typeof t === "object" && typeof t.text === "string" ? t.text.trim() : "";
}

/** Problems found in an executed notebook's saved outputs, and the charts it holds. */
export function savedOutputProblems(cells: Cell[]): { problems: string[]; charts: SavedChart[] } {
  const problems: string[] = [];
  const charts: SavedChart[] = [];
  cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    const where = `cell ${i}${c.id ? ` (${c.id})` : ""}`;
    const outs = c.outputs ?? [];
    if (outs.length === 0) problems.push(`${where}: no output (lost, or the cell shows nothing)`);
    for (const o of outs) {
      if (o.output_type === "error") problems.push(`${where}: ${o.ename}: ${o.evalue}`);
      const texts = [joined(o.text), joined(o.data?.["text/plain"])];
      for (const t of texts) {
        const bytes = new TextEncoder().encode(t).length;
        if (bytes > MAX_TEXT_BYTES) {
          problems.push(
            `${where}: ${bytes} bytes of text output (limit ${MAX_TEXT_BYTES}): ${
              JSON.stringify(t.slice(0, 80))
            }`,
          );
        }
      }
      const html = joined(o.data?.["text/html"]);
      if (html) {
        const found = chartsInHtml(html, i);
        const divs = (html.match(/class="plotly-chart"/g) ?? []).length;
        if (divs !== found.length) {
          problems.push(`${where}: ${divs} chart divs but ${found.length} parsed figures`);
        }
        charts.push(...found);
      }
    }
  });
  for (const ch of charts) {
    const where = `cell ${ch.cell} chart ${ch.id}`;
    if (!layoutTitle(ch.layout)) {
      problems.push(
        `${where}: no title (use layout.title = { text }), got ${JSON.stringify(ch.layout.title)}`,
      );
    }
    if (ch.data.length === 0) problems.push(`${where}: no traces`);
    ch.data.forEach((t, k) => {
      if (!traceHasData(t)) problems.push(`${where}: trace ${k} (${t.name ?? t.type}) has no data`);
    });
  }
  return { problems, charts };
}

/**
 * Put first in the rendered page's head: records console errors, uncaught errors and rejected
 * promises; after load, per `.plotly-chart`: visible traces Plotly laid out, traces with drawn
 * marks (a line or fill path with two or more points, a marker, a bar with a non-empty path, a
 * heatmap image; a 3-D trace counts when its scene has a WebGL canvas with a non-zero size), and
 * the title text drawn. Result as base64 JSON in `<pre id="__nb_check">`.
 */
const PROBE = `<script>(function () {
  var errors = [];
  var text = function (a) { return Array.prototype.map.call(a, function (x) {
    return x && x.stack ? String(x.stack).split("\\n")[0] : String(x); }).join(" "); };
  ["error", "warn"].forEach(function (k) {
    var orig = console[k];
    console[k] = function () { errors.push(k + ": " + text(arguments)); return orig.apply(console, arguments); };
  });
  window.addEventListener("error", function (e) { if (e.message) errors.push("uncaught: " + e.message); });
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + text([e.reason])); });
  function points(d) { return (d.match(/[ML]/g) || []).length; }
  function measure() {
    var charts = Array.prototype.map.call(document.querySelectorAll(".plotly-chart"), function (gd) {
      var full = (gd._fullData || []).filter(function (t) { return t.visible === true; });
      var drawn = 0;
      gd.querySelectorAll("g.trace, g.hm").forEach(function (g) {
        var m = 0;
        g.querySelectorAll("path.js-line, path.js-fill").forEach(function (p) {
          var d = p.getAttribute("d") || "";
          if (d.indexOf("NaN") < 0 && points(d) >= 2) m++;
        });
        m += g.querySelectorAll("path.point").length;
        g.querySelectorAll("g.point > path").forEach(function (p) {
          var d = p.getAttribute("d") || "";
          if (d !== "" && d !== "M0,0Z" && d.indexOf("NaN") < 0) m++;
        });
        g.querySelectorAll("image").forEach(function (im) {
          if ((im.getAttribute("href") || im.getAttribute("xlink:href") || "").length > 100) m++;
        });
        if (m > 0) drawn++;
      });
      var gl = full.filter(function (t) { return t.type === "surface" || t.type === "scatter3d" || t.type === "mesh3d"; });
      if (gl.length) {
        var c = gd.querySelector("canvas");
        if (c && c.width > 0 && c.height > 0) drawn += gl.length;
      }
      var t = gd.querySelector(".gtitle");
      return { id: gd.id, title: t ? t.textContent : "", traces: full.length, drawn: drawn };
    });
    var pre = document.createElement("pre");
    pre.id = "__nb_check";
    pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify({ charts: charts, errors: errors }))));
    document.body.appendChild(pre);
  }
  window.addEventListener("load", function () { setTimeout(measure, 2000); });
})();</script>`;

interface RenderedChart {
  id: string;
  title: string;
  traces: number;
  drawn: number;
}

async function renderNotebookHtml(
  htmlPath: string,
): Promise<{ charts: RenderedChart[]; errors: string[] }> {
  const html = await Deno.readTextFile(htmlPath);
  const at = html.indexOf("<head>");
  assert(at >= 0, `${htmlPath}: no <head>`);
  const probed = `${htmlPath}.probe.html`;
  await Deno.writeTextFile(probed, html.slice(0, at + 6) + PROBE + html.slice(at + 6));
  try {
    const dom = await dumpDom(probed, 30_000);
    const m = /<pre id="__nb_check">([A-Za-z0-9+/=]+)<\/pre>/.exec(dom);
    assert(m, `the probe wrote no result (page did not load?): ${dom.slice(0, 300)}`);
    const bytes = Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } finally {
    await Deno.remove(probed).catch(() => {});
  }
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const o = await new Deno.Command(cmd, {
    args,
    cwd: REPO,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { ok: o.success, err: new TextDecoder().decode(o.stderr) };
}

Deno.test("chartsInHtml / savedOutputProblems: a string title, an empty trace, a big text, a lost output", () => {
  const chart = (title: unknown, y: unknown[]) =>
    `<div id="p1" class="plotly-chart"></div>\n<script>Plotly.newPlot("p1", ${
      JSON.stringify([{ type: "scatter", y }])
    }, ${JSON.stringify({ title })}, {responsive: true, displaylogo: false});</script>`;
  const cells: Cell[] = [
    {
      cell_type: "code",
      source: "",
      outputs: [{
        output_type: "execute_result",
        data: { "text/html": chart({ text: "ok" }, [1, 2]) },
      }],
    },
    {
      cell_type: "code",
      source: "",
      outputs: [{ output_type: "execute_result", data: { "text/html": chart("plain", [1]) } }],
    },
    {
      cell_type: "code",
      source: "",
      outputs: [{
        output_type: "execute_result",
        data: { "text/html": chart({ text: "t" }, [null, null]) },
      }],
    },
    {
      cell_type: "code",
      source: "",
      outputs: [{ output_type: "stream", text: "x".repeat(MAX_TEXT_BYTES + 1) }],
    },
    { cell_type: "code", source: "", outputs: [] },
    { cell_type: "markdown", source: "" },
  ];
  const { problems, charts } = savedOutputProblems(cells);
  assertEquals(charts.length, 3);
  assertEquals(layoutTitle(charts[0]!.layout), "ok");
  assertEquals(problems.length, 4, problems.join("\n"));
  assert(problems.some((p) => p.startsWith("cell 1 chart p1: no title")));
  assert(problems.some((p) => p.startsWith("cell 2 chart p1: trace 0")));
  assert(problems.some((p) => p.startsWith("cell 3: 20481 bytes")));
  assert(problems.some((p) => p.startsWith("cell 4: no output")));
});

Deno.test({
  name:
    "render probe: a plain-string title is not drawn, an all-null trace is not drawn, a good chart is",
  ignore: !CHROMIUM && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { plotlyBundle, scriptJson } = await import("../lib/report/plot.ts");
    const div = (id: string, data: unknown[], layout: unknown) =>
      `<div id="${id}" class="plotly-chart" style="width:600px;height:300px"></div>\n` +
      `<script>Plotly.newPlot(${scriptJson(id)}, ${scriptJson(data)}, ${
        scriptJson(layout)
      });</script>`;
    const page = `<!DOCTYPE html><html><head><meta charset="utf-8"><script>${
      plotlyBundle("dist-min")
    }</script></head><body>${
      div("good", [{ type: "bar", x: ["a", "b"], y: [1, 2] }, { type: "scatter", y: [1, 3, 2] }], {
        title: { text: "Good" },
      })
    }${div("plain", [{ type: "scatter", y: [1, 2] }], { title: "Plain string" })}${
      div("empty", [{ type: "scatter", y: [null, null] }], { title: { text: "Empty" } })
    }</body></html>`;
    const d = await Deno.makeTempDir({ prefix: "nb-probe-" });
    try {
      await Deno.writeTextFile(`${d}/p.html`, page);
      const r = await renderNotebookHtml(`${d}/p.html`);
      assertEquals(r.errors, []);
      assertEquals(r.charts.map((c) => [c.id, c.title, c.traces, c.drawn]), [
        ["good", "Good", 2, 2],
        ["plain", "", 1, 1],
        ["empty", "Empty", 1, 0],
      ]);
    } finally {
      await Deno.remove(d, { recursive: true });
    }
  },
});

for (const nb of notebooks) {
  Deno.test(`notebook ${nb} is stored without outputs`, () => {
    const doc = JSON.parse(Deno.readTextFileSync(dir + nb));
    assertEquals(doc.metadata?.kernelspec?.name, "deno", `${nb}: kernel must be deno`);
    for (const c of doc.cells) {
      if (c.cell_type !== "code") continue;
      assertEquals(c.outputs ?? [], [], `${nb}: a code cell has stored outputs`);
      assertEquals(c.execution_count ?? null, null, `${nb}: a code cell has an execution count`);
    }
  });
  Deno.test({
    name:
      `notebook ${nb} executes: no error, no lost output, text under 20 KB, every chart titled and drawn`,
    ignore: !JUPYTER && !IN_CI,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      assert(
        JUPYTER,
        "Jupyter with the Deno kernel is required in CI (apt-get install jupyter-nbconvert python3-nbclient; deno jupyter --install)",
      );
      const keep = Deno.env.get("WORKBENCH_NOTEBOOK_TEST_DIR");
      const out = keep ?? await Deno.makeTempDir({ prefix: "nb-" });
      if (keep) await Deno.mkdir(keep, { recursive: true });
      const lake = await Deno.makeTempDir({ prefix: "nb-lake-" });
      try {
        const exec = await executeNotebook(dir + nb, `${out}/${nb}`, {
          timeoutS: 600,
          iopubTimeoutS: IOPUB_TIMEOUT_S,
          env: { WORKBENCH_DATA: lake },
        });
        if (exec.lateOutputs) {
          console.log(`${nb}: kept ${exec.lateOutputs} output(s) the kernel sent after idle`);
        }
        if (exec.transportRetries) {
          console.log(`${nb}: run again after a kernel message with an invalid signature`);
        }
        assert(exec.ok, `${nb} failed:\n${exec.stderr.slice(-4000)}`);
        const done = JSON.parse(await Deno.readTextFile(`${out}/${nb}`)) as { cells: Cell[] };
        const { problems, charts } = savedOutputProblems(done.cells);
        assertEquals(problems, [], `${nb}:\n${problems.join("\n")}`);
        if (!CHROMIUM && !IN_CI) return;
        const html = await run("jupyter-nbconvert", [
          "--to",
          "html",
          "--output-dir",
          out,
          `${out}/${nb}`,
        ]);
        assert(html.ok, `${nb}: HTML export failed:\n${html.err.slice(-2000)}`);
        const htmlPath = `${out}/${nb.replace(/\.ipynb$/, ".html")}`;
        const r = await renderNotebookHtml(htmlPath);
        assertEquals(r.errors, [], `${nb}: console errors in the rendered notebook`);
        assertEquals(r.charts.length, charts.length, `${nb}: charts rendered vs saved`);
        const bad = r.charts.filter((c) =>
          c.traces === 0 || c.drawn < c.traces || c.title.trim() === ""
        );
        assertEquals(bad, [], `${nb}: charts not drawn or untitled`);
        if (keep) {
          await screenshot(htmlPath, htmlPath.replace(/\.html$/, ".png"), {
            height: 6000,
            budgetMs: 15_000,
          });
        }
      } finally {
        if (!keep) await Deno.remove(out, { recursive: true });
        await Deno.remove(lake, { recursive: true });
      }
    },
  });
}
