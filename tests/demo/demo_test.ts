/**
 * `deno task demo` end to end, as a user runs it (issue #11 must-holds):
 * - a fresh run on an empty lake exits 0 in under 60 s (issue 17); its reports and deliverables
 *   exist, the deliverables validate against their zod schemas, and the summary gives the gate
 *   verdict of every strategy with the failed criteria and why;
 * - the models, both backtests and the equities deliverable read the lake the ingest filled
 *   (issue 17): `data_used.json` gives a `{"source": "lake", ...}` reference for each, and every
 *   file it names is a committed file of that dataset's manifest, with the manifest's sha256 and
 *   the same bytes on disk; the overnight backtest's files hold exactly the minute bars the
 *   ingest landed;
 * - a rerun on the same lake is faster, skips every finished ingest unit and leaves the lake's
 *   manifests and data files as they were;
 * - the HTML reports render in headless Chromium: every chart div became a Plotly plot with an
 *   svg, and a screenshot PNG is saved next to each report;
 * - `--null` (no planted effects) says NO-GO for every strategy, and the models' out-of-sample
 *   IC is within noise of 0, while the planted world's is not.
 *
 * The demo runs as a subprocess (`deno task demo`) in a temporary lake (WORKBENCH_DATA) and
 * output directory (`--out`). Set WORKBENCH_DEMO_TEST_DIR to keep lakes, reports and screenshots
 * in that directory instead of a temporary one that is removed.
 */
import { join } from "node:path";
import { DEFAULT_EFFECTS } from "../../lib/sources/sim/config.ts";
import {
  EquityDeliverableSchema,
  OptionsDeliverableSchema,
} from "../../lib/report/deliverables.ts";
import { pngSize, renderCheck, screenshot, skipBrowser } from "../_chromium.ts";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";

const REPO = new URL("../../", import.meta.url).pathname;
/** The bound for a fresh run (issue 17: "the demo still finishes in under 60 s"). */
const FRESH_LIMIT_MS = 60_000;
const STRATEGIES = ["overnight", "momentum"];
/** Steps of the demo's ingest plan (13 datasets; dividends twice: the universe, then SPY). */
const INGEST_STEPS = 14;
/** What each consumer of lake data reads (dataset of its reference). */
const DATA_USED: Record<string, string> = {
  models: "polygon/stock_bars_day",
  overnight: "polygon/stock_bars_minute",
  momentum: "polygon/stock_bars_day",
  deliverableEquities: "polygon/stock_bars_day",
};
/** Report charts: equity/drawdown, monthly returns, exposures, costs, rolling Sharpe. */
const CHART_TITLES = [
  "Equity and drawdown",
  "Monthly returns",
  "Exposures",
  "Cumulative costs",
  "Rolling Sharpe",
];

interface DemoRun {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
}

async function runDemoTask(lake: string, args: string[]): Promise<DemoRun> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "demo", ...args],
    cwd: REPO,
    env: { WORKBENCH_DATA: lake, TZ: "UTC", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const run = {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    wallMs: performance.now() - t0,
  };
  if (run.code !== 0) {
    console.error(run.stdout.slice(-4000), run.stderr.slice(-4000));
  }
  return run;
}

/** The `job ...` line of each ingest step: units done, failed, skipped, of. */
function ingestSteps(
  stdout: string,
): { name: string; done: number; failed: number; skipped: number; of: number; rows: number[] }[] {
  const re =
    /^ {2}step (\d+) ([\w/]+):\njob \S+: units done (\d+), failed (\d+), skipped (\d+) \(of (\d+)\)\nrows: raw (\d+), curated (\d+), quarantined (\d+)$/gm;
  return [...stdout.matchAll(re)].map((m) => ({
    name: m[2]!,
    done: Number(m[3]),
    failed: Number(m[4]),
    skipped: Number(m[5]),
    of: Number(m[6]),
    rows: [Number(m[7]), Number(m[8]), Number(m[9])],
  }));
}

/** Output paths from the `5. outputs:` block. */
function outputs(stdout: string): Record<string, string> {
  const i = stdout.indexOf("5. outputs: ");
  assert(i >= 0, "summary has an outputs block");
  const block = stdout.slice(i + "5. outputs: ".length).split("\n");
  const out: Record<string, string> = {};
  for (const line of block) {
    const m = /^\s*(\w+): (\/.*)$/.exec(line);
    if (!m) break;
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Gate verdict lines: strategy -> verdict, failed criteria, and the `why:` line after it. */
function verdicts(
  stdout: string,
): Record<string, { verdict: string; failed: string[]; why: string }> {
  const re = /^4\. (\w+): .*; gate (GO|NO-GO)(?: \(failed: ([\w, ]+)\))?; .*\n(?: {3}why: (.*))?/gm;
  const out: Record<string, { verdict: string; failed: string[]; why: string }> = {};
  for (const m of stdout.matchAll(re)) {
    out[m[1]!] = {
      verdict: m[2]!,
      failed: m[3] ? m[3].split(", ") : [],
      why: m[4] ?? "",
    };
  }
  return out;
}

/** Out-of-sample IC of both models and the number of days they were evaluated on. */
function modelIc(stdout: string): { days: number; ridge: number; forest: number } {
  const m = /^3\. models \((\d+) days.*ridge OOS IC (-?[\d.]+) .*random forest OOS IC (-?[\d.]+) /m
    .exec(stdout);
  assert(m, "summary has the models line");
  return { days: Number(m[1]), ridge: Number(m[2]), forest: Number(m[3]) };
}

/** Every manifest and data file of the lake with its bytes' SHA-256. */
async function lakeFiles(lake: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && /(manifest\.jsonl|\.parquet)$/.test(e.name)) {
        const h = await crypto.subtle.digest("SHA-256", await Deno.readFile(p));
        out.set(
          p.slice(lake.length),
          Array.from(new Uint8Array(h), (b) => b.toString(16)).join(""),
        );
      }
    }
  };
  await walk(lake);
  return out;
}

/** Committed files of a dataset's manifest: path relative to the lake root -> sha256 and rows. */
async function manifestFiles(
  lake: string,
  dataset: string,
): Promise<Map<string, { sha256: string; rows: number }>> {
  const text = await Deno.readTextFile(join(lake, "_meta", "curated", dataset, "manifest.jsonl"));
  const out = new Map<string, { sha256: string; rows: number }>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as {
      added?: { partition: string; file: string; sha256: string; rows: number }[];
      removed?: { partition: string; file: string }[];
    };
    const key = (f: { partition: string; file: string }) =>
      ["curated", dataset, f.partition, f.file].filter(Boolean).join("/");
    for (const r of e.removed ?? []) out.delete(key(r));
    for (const a of e.added ?? []) out.set(key(a), { sha256: a.sha256, rows: a.rows });
  }
  return out;
}

/**
 * The models, backtests and deliverable read the lake (module doc). Returns the rows of the
 * files each consumer read, by consumer.
 */
async function checkDataUsed(run: DemoRun, lake: string): Promise<Record<string, number>> {
  const o = outputs(run.stdout);
  assert(o.dataUsed, "outputs name data_used.json");
  const used = JSON.parse(await Deno.readTextFile(o.dataUsed!)) as Record<string, {
    ref: { source: string; dataset: string };
    dataset: string;
    files: { path: string; sha256: string }[];
  }>;
  assertEquals(Object.keys(used).sort(), Object.keys(DATA_USED).sort(), "every consumer listed");
  const rows: Record<string, number> = {};
  for (const [who, dataset] of Object.entries(DATA_USED)) {
    const u = used[who]!;
    assertEquals(u.ref.source, "lake", `${who} reads a lake reference`);
    assertEquals(u.ref.dataset, dataset, `${who} reads ${dataset}`);
    assert(u.files.length > 0, `${who} read lake files`);
    const committed = await manifestFiles(lake, dataset);
    rows[who] = 0;
    for (const f of u.files) {
      const m = committed.get(f.path);
      assert(m, `${who}: ${f.path} is a committed file of ${dataset}'s manifest`);
      assertEquals(f.sha256, m.sha256, `${who}: ${f.path} checksum as in the manifest`);
      const h = await crypto.subtle.digest("SHA-256", await Deno.readFile(join(lake, f.path)));
      const hex = Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, "0")).join("");
      assertEquals(hex, m.sha256, `${who}: ${f.path} bytes match the manifest`);
      rows[who] += m.rows;
    }
  }
  // The backtests' summary lines say what they read.
  for (const s of STRATEGIES) {
    const m = new RegExp(
      `^4\\. ${s}: [^\\n]*\\n(?: {3}why: [^\\n]*\\n)? {3}data: (\\{[^\\n]*\\}) -> (\\d+) lake files`,
      "m",
    )
      .exec(run.stdout);
    assert(m, `${s}: summary names its data`);
    assertEquals(JSON.parse(m[1]!).source, "lake");
    assertEquals(Number(m[2]), used[s]!.files.length, `${s}: files in the summary`);
  }
  return rows;
}

/** Rows of a dataset from the `2. lake:` line. */
function lakeRows(stdout: string, dataset: string): number {
  const m = new RegExp(`^2\\. lake: .*\\b${dataset.replace("/", "\\/")}=(\\d+)`, "m").exec(stdout);
  assert(m, `lake line counts ${dataset}`);
  return Number(m[1]);
}

/** Checks every demo summary must pass: verdicts with reasons, outputs present and valid. */
async function checkSummary(run: DemoRun, outDir: string): Promise<void> {
  assertEquals(run.code, 0, "demo exits 0");
  const steps = ingestSteps(run.stdout);
  assertEquals(steps.length, INGEST_STEPS, "every ingest step reported");
  for (const s of steps) {
    assertEquals(s.failed, 0, `step ${s.name}: no failed unit`);
    assertEquals(s.done + s.skipped, s.of, `step ${s.name}: every unit done or skipped`);
  }
  assert(/^1\. ingest: all units done/m.test(run.stdout), "ingest says all units done");
  // Where the time went: one wall time per stage, together within the run's own total.
  const st =
    /^ {3}stage times: ingest ([\d.]+) s, lake ([\d.]+) s, models ([\d.]+) s, backtests ([\d.]+) s, outputs ([\d.]+) s$/m
      .exec(run.stdout);
  assert(st, "the summary gives the wall time of each stage");
  const total = Number(/done in ([\d.]+) s$/m.exec(run.stdout)?.[1]);
  const stageSum = st.slice(1).reduce((a, x) => a + Number(x), 0);
  assert(
    stageSum <= total + 0.3 && stageSum >= 0.9 * total - 0.3,
    `stage times sum to ${stageSum.toFixed(1)} s of the run's ${total} s`,
  );
  assert(run.wallMs / 1000 >= total, "the run's total is within the process's wall time");
  const v = verdicts(run.stdout);
  assertEquals(Object.keys(v).sort(), [...STRATEGIES].sort(), "a gate verdict per strategy");
  for (const [name, x] of Object.entries(v)) {
    if (x.verdict === "NO-GO") {
      assert(x.failed.length > 0, `${name}: NO-GO names the failed criteria`);
      // One explanation per failed criterion, separated by " | ".
      assertEquals(x.why.split(" | ").length, x.failed.length, `${name}: why: ${x.why}`);
    } else {
      assertEquals(x.failed, [], `${name}: GO lists no failed criterion`);
    }
  }
  const o = outputs(run.stdout);
  assertEquals(o.outDir, outDir);
  for (const key of ["ingestLog", "dataUsed", "deliverableEquities", "deliverableOptions"]) {
    assert(o[key]?.startsWith(outDir + "/"), `${key} under --out`);
    assert((await Deno.stat(o[key]!)).size > 0, `${key} written`);
  }
  for (const s of STRATEGIES) {
    const html = await Deno.readTextFile(o[`report_${s}`]!);
    assertEquals(
      (html.match(/<div id="chart-\d+" class="plotly-chart"/g) ?? []).length,
      CHART_TITLES.length,
      `report_${s} has its chart divs`,
    );
    assert(html.includes("gate verdict"), `report_${s} shows the gate verdict`);
  }
  const eq = EquityDeliverableSchema.safeParse(
    JSON.parse(await Deno.readTextFile(o.deliverableEquities!)),
  );
  assert(eq.success, `equities deliverable validates: ${eq.error?.message}`);
  const opt = OptionsDeliverableSchema.safeParse(
    JSON.parse(await Deno.readTextFile(o.deliverableOptions!)),
  );
  assert(opt.success, `options deliverable validates: ${opt.error?.message}`);
  // Every backtest line gives the gate's key figures, passed or not, PBO in percent only.
  for (const s of STRATEGIES) {
    const line = new RegExp(`^4\\. ${s}: .*$`, "m").exec(run.stdout)?.[0] ?? "";
    assert(
      /; Sharpe -?[\d.]+ \(>= [\d.]+: (pass|fail)\), max drawdown [\d.]+% \(<= [\d.]+%: (pass|fail)\), DSR (n\/a|[\d.e-]+) \(> [\d.]+: (pass|fail)\), PBO (n\/a|[\d.]+%) \(<= [\d.]+%: (pass|fail)\); /
        .test(line),
      `${s}: key gate figures: ${line}`,
    );
  }
  // The deliverable carries the sleeve's realised backtest (the summary's P&L) beside the model's
  // expectation, and a losing backtest means not recommended.
  const sl =
    /^ {3}options sleeve .*: P&L (-?\d+) USD after costs \(costs: option \d+, hedge \d+\)$/m
      .exec(run.stdout);
  assert(sl, "summary has the options sleeve line, its costs named");
  assert(opt.data.strategies.length > 0, "the options deliverable has a strategy");
  for (const s of opt.data.strategies) {
    assert(s.backtest, "the options deliverable carries the sleeve's backtest");
    assertEquals(s.backtest.pnl_after_costs.toFixed(0), sl[1], "deliverable vs summary P&L");
    assert(s.expected_pnl_basis.startsWith("model, not a backtest"), s.expected_pnl_basis);
    if (s.backtest.pnl_after_costs < 0) assertEquals(s.recommended, false, s.recommendation);
  }
}

/** Two standard errors of a correlation estimated from n independent pairs (~2/sqrt(n)). */
const twoSe = (n: number) => 2 / Math.sqrt(n);

const keep = Deno.env.get("WORKBENCH_DEMO_TEST_DIR");

Deno.test({
  name:
    "demo: fresh run < 60 s reads the lake, rerun skips finished work, reports render, --null says no-go",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const base = keep ?? await Deno.makeTempDir({ prefix: "demo_test_" });
    if (keep) {
      await Deno.remove(base, { recursive: true }).catch(() => {});
      await Deno.mkdir(base, { recursive: true });
    }
    const lake = join(base, "planted", "lake"), out = join(base, "planted", "out");
    try {
      let fresh: DemoRun | undefined;
      await t.step("fresh run on an empty lake (default size)", async () => {
        fresh = await runDemoTask(lake, ["--out", out]);
        console.log(`demo fresh run: ${(fresh.wallMs / 1000).toFixed(1)} s wall`);
        // Wall time: on a machine shared with other work it says as much about the others as
        // about the demo, so the failure names the load average (2 cores: above 2, it waited).
        assert(
          fresh.wallMs < FRESH_LIMIT_MS,
          `fresh run took ${(fresh.wallMs / 1000).toFixed(1)} s (limit 60 s); load average ${
            Deno.loadavg().map((x) => x.toFixed(1)).join(" ")
          }`,
        );
        await checkSummary(fresh, out);
        const rows = await checkDataUsed(fresh, lake);
        // The overnight backtest read every minute bar the ingest landed, and nothing else.
        assertEquals(rows.overnight, lakeRows(fresh.stdout, "polygon/stock_bars_minute"));
        const steps = ingestSteps(fresh.stdout);
        assert(steps.every((s) => s.skipped === 0 && s.done === s.of), "fresh: all units run");
        // News, splits and dividends are checked against the world; news exists for the demo's
        // universe, and a zero is explained.
        const ev =
          /^ {3}events vs the simulated world .*: news (\d+) of (\d+) in .*; splits (\d+) of (\d+) in [^;]*; dividends (\d+) of (\d+) in .*$/m
            .exec(fresh.stdout);
        assert(ev, "summary checks news and corporate actions against the world");
        const [news, newsW, sp, spW, dv, dvW] = ev.slice(1).map(Number) as number[];
        assert(newsW! > 0 && news === newsW, `news landed ${news} of ${newsW}`);
        assertEquals(sp, spW, "splits landed = planted");
        assertEquals(dv, dvW, "dividends landed = planted");
        if (spW === 0) assert(ev[0].includes("plants none"), "zero splits explained");
        // The planted overnight effect (correlation 0.15) is found: IC beyond 2 standard
        // errors of 0 and within 3 of the planted value.
        const ic = modelIc(fresh.stdout);
        for (const v of [ic.ridge, ic.forest]) {
          assert(v > twoSe(ic.days), `planted world IC ${v} > 2 SE (${twoSe(ic.days)})`);
          assert(
            Math.abs(v - DEFAULT_EFFECTS.overnight) < 1.5 * twoSe(ic.days),
            `planted world IC ${v} near the planted ${DEFAULT_EFFECTS.overnight}`,
          );
        }
        // The overnight strategy trades the planted effect: its out-of-sample Sharpe clears the
        // gate's bar (whatever else the gate says), which the null world's does not (below).
        const on = verdicts(fresh.stdout).overnight!;
        assert(!on.failed.includes("sharpe"), `planted overnight strategy found: ${on.why}`);
        assert(!/schema drift/.test(fresh.stdout), "no schema drift reported on a fresh run");
      });

      await t.step(
        "rerun on the same lake: faster, nothing re-ingested, lake unchanged",
        async () => {
          assert(fresh, "fresh run happened");
          const before = await lakeFiles(lake);
          assert(before.size > 0, "lake has files");
          const eqBefore = await Deno.readTextFile(outputs(fresh.stdout).deliverableEquities!);
          const rerun = await runDemoTask(lake, ["--out", out]);
          console.log(`demo rerun: ${(rerun.wallMs / 1000).toFixed(1)} s wall`);
          await checkSummary(rerun, out);
          await checkDataUsed(rerun, lake);
          // Faster overall and in the ingest stage, which the rerun skips (models, backtests and
          // reports are recomputed, so the whole run is not many times faster).
          assert(
            rerun.wallMs < fresh.wallMs,
            `rerun ${rerun.wallMs} ms vs fresh ${fresh.wallMs} ms`,
          );
          const ingestS = (s: string) => Number(/^1\. ingest: .* \((\d+) s\)$/m.exec(s)?.[1]);
          assert(
            ingestS(rerun.stdout) < ingestS(fresh.stdout),
            `rerun ingest ${ingestS(rerun.stdout)} s vs fresh ${ingestS(fresh.stdout)} s`,
          );
          for (const s of ingestSteps(rerun.stdout)) {
            assertEquals([s.done, s.skipped], [0, s.of], `rerun step ${s.name}: all units skipped`);
            assertEquals(s.rows, [0, 0, 0], `rerun step ${s.name}: no new rows`);
          }
          const after = await lakeFiles(lake);
          assertEquals([...after.entries()].sort(), [...before.entries()].sort(), "lake unchanged");
          // Same answers: verdicts, trial counts (the ledger does not count the rerun's trials
          // twice) and the deliverable.
          assertEquals(verdicts(rerun.stdout), verdicts(fresh.stdout));
          const trials = (s: string) => [...s.matchAll(/ledger trials (\d+)/g)].map((m) => m[1]);
          assertEquals(trials(rerun.stdout), trials(fresh.stdout));
          assertEquals(
            await Deno.readTextFile(outputs(rerun.stdout).deliverableEquities!),
            eqBefore,
          );
        },
      );

      await t.step({
        name: "reports render in headless Chromium (screenshot saved next to each report)",
        ignore: skipBrowser(),
        fn: async () => {
          for (const s of STRATEGIES) {
            const html = join(out, `report_${s}.html`);
            // What was drawn, not a class name: a chart whose plot failed still gets
            // js-plotly-plot. Every chart has every laid-out trace drawn, no console error.
            const check = await renderCheck(html, 15_000);
            assertEquals(check.errors, [], `${s}: console errors`);
            assertEquals(check.charts.length, CHART_TITLES.length, `${s}: charts on the page`);
            for (const c of check.charts) {
              assert(
                c.traces > 0 && c.drawn === c.traces && c.marks > 0,
                `${s} ${c.id}: every trace drawn (${JSON.stringify(c)})`,
              );
            }
            const drawnTitles = check.charts.map((c) => c.title).join(" | ");
            for (const title of CHART_TITLES) {
              assert(drawnTitles.includes(title), `${s}: ${title} drawn (${drawnTitles})`);
            }
            const size = (await Deno.stat(html)).size;
            assert(size < 5_000_000, `${s}: report ${size} bytes (limit 5 MB)`);
            const png = join(out, `report_${s}.png`);
            const bytes = await screenshot(html, png, { width: 1280, height: 3000 });
            assertEquals(pngSize(await Deno.readFile(png)), { width: 1280, height: 3000 });
            // A blank page of this size compresses to a few KB; five drawn charts are far more.
            assert(bytes > 100_000, `${s}: screenshot ${bytes} bytes looks blank`);
          }
        },
      });

      await t.step(
        "--null world: NO-GO for every strategy, model IC within noise of 0",
        async () => {
          const nlake = join(base, "null", "lake"), nout = join(base, "null", "out");
          // With --json: one JSON object on stdout, the human summary on stderr.
          const jsonRun = await runDemoTask(nlake, ["--null", "--out", nout, "--json"]);
          const lines = jsonRun.stdout.trim().split("\n");
          assertEquals(lines.length, 1, "--json: one line on stdout");
          const json = JSON.parse(lines[0]!) as {
            task: string;
            ok: boolean;
            verdicts: Record<string, { verdict: string }>;
            ic: { ridge: number; forest: number };
          };
          assertEquals([json.task, json.ok], ["demo", true]);
          const run = { ...jsonRun, stdout: jsonRun.stderr };
          console.log(`demo --null run: ${(run.wallMs / 1000).toFixed(1)} s wall`);
          for (const [name, v] of Object.entries(json.verdicts)) {
            assertEquals(v.verdict, "no-go", `--json verdict of ${name}`);
          }
          assertAlmostEquals(json.ic.ridge, modelIc(run.stdout).ridge, 5e-3, "--json IC = text IC");
          await checkSummary(run, nout);
          await checkDataUsed(run, nlake);
          assert(/NULL world/.test(run.stdout), "summary says null world");
          for (const [name, v] of Object.entries(verdicts(run.stdout))) {
            assertEquals(v.verdict, "NO-GO", `null world ${name}`);
            if (name === "overnight") assert(v.failed.includes("sharpe"), `null ${name}: ${v.why}`);
          }
          const ic = modelIc(run.stdout);
          for (const v of [ic.ridge, ic.forest]) {
            assert(Math.abs(v) < twoSe(ic.days), `null world IC ${v} within 2 SE of 0`);
          }
        },
      );
    } finally {
      if (!keep) await Deno.remove(base, { recursive: true }).catch(() => {});
    }
  },
});
