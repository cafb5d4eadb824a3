import assert from "node:assert/strict";
import {
  escapeHtml,
  notebookPlotHtml,
  plotlyBundle,
  plotlyHtml,
  plotOutput,
  scriptJson,
  showPlot,
} from "../../lib/report/plot.ts";

const FIG = { data: [{ type: "scatter", x: [1, 2, 3], y: [2, 1, 3] }], layout: { title: "a" } };

Deno.test("plotlyHtml: self-contained page with the bundle and one div per figure", () => {
  const html = plotlyHtml([FIG, FIG], { title: "T <1>" });
  assert.ok(html.includes("<title>T &lt;1&gt;</title>"));
  assert.deepEqual((html.match(/class="plotly-chart"/g) ?? []).length, 2);
  assert(html.length > 1_000_000, "plotly.js must be inlined");
  assert(!/<script[^>]+src=/.test(html), "no external scripts");
});

Deno.test("plotlyHtml: a chart div is as tall as its figure's layout height (420 px without)", () => {
  const short = { data: FIG.data, layout: { height: 270 } };
  const html = plotlyHtml([FIG, short, { data: FIG.data, layout: { height: -5 } }], { title: "h" });
  const heights = [...html.matchAll(/class="plotly-chart" style="width:100%;min-height:(\d+)px"/g)]
    .map((m) => Number(m[1]));
  assert.deepEqual(heights, [420, 270, 420]);
});

Deno.test("plotlyHtml: no figures still gives a valid page", () => {
  const html = plotlyHtml([], { title: "empty" });
  assert.ok(html.includes("</html>"));
  assert.deepEqual((html.match(/class="plotly-chart"/g) ?? []).length, 0);
});

Deno.test("scriptJson: cannot close the script element; non-finite numbers become null", () => {
  const s = scriptJson({ a: "</script><b>", n: NaN, i: Infinity });
  assert(!s.includes("</script"));
  assert.deepEqual(JSON.parse(s), { a: "</script><b>", n: null, i: null });
  assert.deepEqual(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
});

Deno.test("notebookPlotHtml: the minified bundle once, before the first chart only", () => {
  const a = notebookPlotHtml(FIG.data, FIG.layout);
  const b = notebookPlotHtml(FIG.data, FIG.layout);
  assert.equal(a.length, 2);
  assert.ok(a[0]!.length > 4_000_000 && a[0]!.length < 6_000_000, "plotly.js-dist-min inlined");
  // deno-lint-ignore no-control-regex
  assert.ok(!/[^\x00-\x7f]/.test(a[0]!), "ASCII only");
  assert.equal(b.length, 1);
  assert.ok(b[0]!.includes("Plotly.newPlot"));
  // deno-lint-ignore no-control-regex
  assert.ok(!/[^\x00-\x7f]/.test(plotlyBundle()), "full bundle ASCII only too");
});

// Rendering in headless chromium is checked once, on the full report, in backtest_report_test.ts
// (one browser launch keeps the suite fast).

Deno.test("plotOutput and showPlot outside a notebook: HTML value with the Jupyter display protocol", async () => {
  const out = plotOutput(FIG.data, FIG.layout);
  const shown = (out as unknown as Record<symbol, () => { "text/html": string }>)[
    Symbol.for("Jupyter.display")
  ]!();
  assert.equal(shown["text/html"], out.html);
  assert.ok(out.html.includes("Plotly.newPlot"));
  // no Deno.jupyter here: nothing displayed; nothing returned that a cell would print
  assert.equal(await showPlot(FIG.data, FIG.layout), undefined);
});

Deno.test("plotlyHtml: an array two traces share is written once; the minified bundle inlined once", () => {
  const x = Array.from({ length: 100 }, (_, i) => `2024-01-${String(i).padStart(3, "0")}`);
  const figs = [
    { data: [{ type: "scatter", x, y: x.map((_, i) => i) }, { type: "scatter", x, y: [1] }] },
    { data: [{ type: "scatter", x, y: [2] }] },
  ];
  const html = plotlyHtml(figs, { title: "shared" });
  assert.equal(html.split("2024-01-099").length - 1, 1, "the date axis once");
  assert.equal((html.match(/__A\[0\]/g) ?? []).length, 3);
  assert.ok(html.length < 5_000_000, `${html.length} bytes`);
  assert.equal(html.split("<script>").length - 1, 1 + 1 + 2, "bundle, shared arrays, 2 charts");
  const linked = plotlyHtml(figs, { title: "src", plotlySrc: "plotly-x.min.js" });
  assert.ok(linked.includes('<script src="plotly-x.min.js"></script>') && linked.length < 10_000);
});
