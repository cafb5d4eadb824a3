/**
 * The end-to-end demo behind `deno task demo`: the whole research loop on real code paths over
 * the built-in simulated market. Everything after the ingest reads the lake the ingest filled,
 * through dataset references as a user writes them (`{"source": "lake", "dataset":
 * "polygon/stock_bars_minute", "symbols": ["SPY"], ...}`, lib/dataset); nothing is generated
 * in-process for the models or the backtests.
 *
 * Stages (each prints one summary line; a rerun reuses the lake and skips finished work; the
 * summary ends with the wall and the CPU seconds of each stage, CPU over every thread):
 * 1. ingest: starts the simulated market in-process on a loopback port (every step's server
 *    shares one world, so no session is generated twice; on a fresh lake two worker threads
 *    generate the SPY sessions and equity day bars ahead, lib/sources/sim/prefetch.ts, while the
 *    steps that need none of them run first; on a rerun they generate the options sleeve's
 *    sessions instead) and backfills through
 *    the real connectors and the backfill engine (resumable, checkpointed): the survivorship-free
 *    listing, SPY daily bars (last `ingestDays` sessions), SPY minute bars (last `minuteDays`
 *    sessions), SPY second bars, VIX, SPY option contracts and minute aggregates, FRED vintages,
 *    FX minute candles, the universe's news with sentiment, and the equity universe's daily bars
 *    with splits and dividends (and SPY's dividends) over the whole window.
 * 2. lake: dataset row counts from the manifests, the news and corporate actions landed checked
 *    against what the simulated world planted (a zero says whether the world has none), and a
 *    SQL query over the views.
 * 3. models: overnight-return features and labels from the lake's SPY daily bars (a dataset
 *    reference), ridge and a random forest evaluated with purged CPCV (15 splits), out-of-sample
 *    IC and R^2.
 * 4. backtests (specs with `data.source: "lake"`): the overnight SPY strategy on the lake's minute
 *    bars (signal at the session's last minute, market-on-close entry, exit at the next open) and
 *    a cross-sectional momentum strategy on the universe's daily bars with the lake's splits and
 *    dividends, with costs over a parameter grid, every configuration recorded in the trial
 *    ledger, the candidate gated out of sample with DSR and PBO from the ledger; a delta-hedged
 *    straddle sleeve, priced from the simulated option chain (the lake holds one session of
 *    option trade bars, not a quote history).
 * 5. outputs: the HTML reports (Plotly, offline), the daily JSON deliverables (equities from the
 *    lake's universe bars) and `data_used.json`: each reference and the lake files (path and
 *    sha256 from the manifest) the models, backtests and deliverable read.
 */
import { join, resolve } from "node:path";
import { loadConfig } from "../config/config.ts";
import { Progress } from "../core/progress.ts";
import { setLogLevel } from "../core/log.ts";
import { committedState, lakeRoot } from "../lake/mod.ts";
import { type DatasetRef, DatasetRefSchema, loadDataset } from "../dataset/mod.ts";
import type { World } from "../sources/sim/world.ts";
import { backfillAllCommand, type PlanStep, universeSymbols } from "../ingest/commands.ts";
import { pipelineFor } from "../ingest/registry.ts";
import {
  DEMO_END,
  DEMO_SECOND_DAYS,
  DEMO_SLEEVE_DAYS,
  DEMO_VIX_DAYS,
  type DemoStart,
  type DemoWindows,
  processCpuSeconds,
  startDemo,
} from "./start.ts";
import { cpcvSplits } from "../validation/cpcv.ts";
import { fitRidge, predictLinear } from "../models/linear.ts";
import { fitRandomForest, predictEnsemble } from "../models/trees.ts";
import { matrixFromColumns } from "../models/matrix.ts";
import { type BacktestSpec, parseBacktestSpec, runSpec } from "../backtest/spec.ts";
import { simChainSource } from "../backtest/sim_chain.ts";
import { runOptionsSleeve } from "../backtest/options_sleeve.ts";
import { loadPanel } from "../backtest/lake_panel.ts";
import { backtestReportHtml } from "../report/backtest_report.ts";
import { runParticipation } from "../report/metrics.ts";
import {
  buildEquityDeliverable,
  buildOptionsDeliverable,
  EquityDeliverableSchema,
  OptionsDeliverableSchema,
} from "../report/deliverables.ts";

/** Options for {@link runDemo}. */
export interface DemoOptions {
  /** World seed. @default 42 */
  seed?: number;
  /** Sessions of daily history (ending 2024-03-28). @default 1000 */
  days?: number;
  /** The null world (no planted effects): the gate must say no-go. @default false */
  nullWorld?: boolean;
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Sessions of SPY daily history backfilled through the connectors. @default 250 */
  ingestDays?: number;
  /**
   * Sessions of SPY minute bars backfilled for the overnight backtest (the last ones of the
   * window; at most `days`). Each costs the ingest about 10-20 ms on 2 cores. @default 500
   */
  minuteDays?: number;
  /** Equities in the simulated universe. @default 10 */
  equities?: number;
  /** Where report and deliverables go. @default <lake>/../runs/demo-<seed>[-null] */
  outDir?: string;
  /** Progress and stage lines. @default console.log */
  print?: (line: string) => void;
}

/** What the demo did. */
export interface DemoSummary {
  /** True when every ingest unit finished and the landed events match the world's. */
  ok: boolean;
  /** The printed summary lines. */
  text: string;
  /**
   * Paths: lake, outDir, ingestLog, report_<strategy>, dataUsed (the `data` below as JSON),
   * deliverableEquities, deliverableOptions.
   */
  outputs: Record<string, string>;
  /** Gate verdict per strategy, the failed criteria and their explanations. */
  verdicts: Record<string, { verdict: string; failed: string[]; notes: string[] }>;
  /** Rows landed in the lake against the events the simulated world planted in the window. */
  events: Record<"news" | "splits" | "dividends", { lake: number; world: number }>;
  /**
   * What the models and each backtest read: the dataset reference, the dataset it resolved to
   * and the lake files (relative to the lake root) the read took from the manifest.
   */
  data: Record<
    string,
    { ref: DatasetRef; dataset: string; files: { path: string; sha256: string }[] }
  >;
  /** Out-of-sample information coefficients of the models. */
  ic: { ridge: number; forest: number };
  /** Wall seconds of each stage: ingest, lake, models, backtests, outputs. */
  stageSeconds: Record<"ingest" | "lake" | "models" | "backtests" | "outputs", number>;
  /**
   * CPU seconds (user + system) of the whole process during each stage, every thread counted
   * (the prefetch worker, Polars', DuckDB's and the file system pool's): on a shared machine
   * less sensitive to the load than the wall time.
   */
  stageCpuSeconds: Record<"ingest" | "lake" | "models" | "backtests" | "outputs", number>;
}

const END = DEMO_END;

/** A dataset reference into the lake, as a user writes it in a spec (`adjust` raw). */
function lakeRef(r: Omit<DatasetRef, "source" | "adjust">): DatasetRef {
  return DatasetRefSchema.parse({ source: "lake", adjust: "raw", ...r });
}

/** 4 significant digits, as the gate's notes print them (so one figure reads the same twice). */
const sig4 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : "n/a");

/**
 * The gate's key figures, passed or failed, on one line: annualised Sharpe, max drawdown, DSR
 * and PBO, each with its threshold and status; drawdown and PBO in percent, as the gate's notes
 * print them. Example: `Sharpe 2.314 (>= 1: pass), max drawdown 4.1% (<= 20%: pass), DSR 0.9986
 * (> 0.5: pass), PBO 8.571% (<= 5%: fail)`.
 */
export function gateFigures(
  criteria: readonly {
    name: string;
    value: number;
    threshold: number;
    comparison: string;
    status: string;
  }[],
): string {
  const key: [string, string, boolean][] = [
    ["sharpe", "Sharpe", false],
    ["max_drawdown", "max drawdown", true],
    ["deflated_sharpe", "DSR", false],
    ["pbo", "PBO", true],
  ];
  return key.flatMap(([name, label, pct]) => {
    const c = criteria.find((x) => x.name === name);
    if (!c) return [];
    const f = (v: number) => (pct && Number.isFinite(v) ? `${sig4(100 * v)}%` : sig4(v));
    const bound = c.status === "skipped"
      ? "skipped"
      : `${c.comparison} ${f(c.threshold)}: ${c.status}`;
    return [`${label} ${f(c.value)} (${bound})`];
  }).join(", ");
}

/** A reference as one line of JSON, the symbol list shortened. */
function refText(r: DatasetRef): string {
  const symbols = r.symbols && r.symbols.length > 3
    ? [...r.symbols.slice(0, 3), `... ${r.symbols.length} names`]
    : r.symbols;
  return JSON.stringify({ ...r, ...(symbols ? { symbols } : {}) });
}
const isoDate = (ms: number | undefined) =>
  ms === undefined ? "?" : new Date(ms).toISOString().slice(0, 10);

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]!) && Number.isFinite(b[i]!)) (n++, sa += a[i]!, sb += b[i]!);
  }
  const ma = sa / n, mb = sb / n;
  let cab = 0, caa = 0, cbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!(Number.isFinite(a[i]!) && Number.isFinite(b[i]!))) continue;
    cab += (a[i]! - ma) * (b[i]! - mb);
    caa += (a[i]! - ma) ** 2;
    cbb += (b[i]! - mb) ** 2;
  }
  return cab / Math.sqrt(caa * cbb);
}

/**
 * Events the simulated world planted for `universe` within the windows the plan asks the news,
 * splits and dividends steps for (news by publication date, splits by execution date, dividends
 * by ex-date, as the vendor filters them). Dividends also count the names of the plan's explicit
 * dividends steps (SPY).
 */
function plantedEvents(
  world: World,
  universe: string[],
  plan: PlanStep[],
): Record<"news" | "splits" | "dividends", { world: number; window: string }> {
  const names = new Set(universe);
  const windowOf = (dataset: string) => {
    const s = plan.find((p) => p.source === "polygon" && p.dataset === dataset);
    if (!s) throw new RangeError(`Cannot count planted ${dataset}: no plan step asks for it`);
    return { start: s.start, end: s.end, window: `${s.start}..${s.end}` };
  };
  const inside = (date: string, w: { start: string; end: string }) =>
    date >= w.start && date <= w.end;
  const wn = windowOf("news"), ws = windowOf("splits"), wd = windowOf("dividends");
  const acts = world.corporateActions().filter((a) => names.has(a.ticker));
  const divNames = new Set([
    ...universe,
    ...plan.flatMap((p) =>
      p.source === "polygon" && p.dataset === "dividends" && Array.isArray(p.symbols)
        ? p.symbols
        : []
    ),
  ]);
  const divs = world.corporateActions().filter((a) => divNames.has(a.ticker));
  return {
    news: {
      world:
        world.news.filter((a) =>
          names.has(a.ticker) && inside(new Date(a.publishedMs).toISOString().slice(0, 10), wn)
        ).length,
      window: wn.window,
    },
    splits: {
      world: acts.filter((a) => a.kind === "split" && inside(a.date, ws)).length,
      window: ws.window,
    },
    dividends: {
      world: divs.filter((a) => a.kind === "dividend" && inside(a.exDate, wd)).length,
      window: wd.window,
    },
  };
}

/**
 * The demo's ingest plan (14 backfill steps over `w`), as `runDemo` runs it.
 *
 * Order: the steps that need no SPY session of the simulated market first (listing, events,
 * macro, FX), then the few recent sessions (seconds, VIX minutes, option bars), then SPY's
 * daily and minute bars and the universe's day bars: on a fresh lake the prefetch workers
 * (runDemo) generate those sessions while the first steps run, so the main thread, which does
 * every step's fetching, curation and lake writes, generates almost none of them itself. Each
 * step writes its own dataset from the same deterministic world, so the order changes no row.
 */
export function demoPlan(w: DemoWindows): PlanStep[] {
  const { start, last, ingestStart, minuteStart } = w;
  const fred = ["DGS10", "DTB3", "DGS2", "VIXCLS", "UNRATE", "CPIAUCSL", "FEDFUNDS", "T10Y2Y"];
  return [
    {
      source: "alphavantage",
      dataset: "listing_status",
      symbols: ["active", "delisted"],
      start: END,
      end: END,
    },
    // The simulated market writes news about the equity universe (not SPY).
    { source: "polygon", dataset: "news", symbols: "@universe", start: last(20), end: END },
    { source: "fred", dataset: "macro_observations", symbols: fred, start: ingestStart, end: END },
    { source: "oanda", dataset: "fx_candles_m1", symbols: ["EUR_USD"], start: last(3), end: END },
    // The corporate actions the engine applies to the momentum backtest's universe (and SPY's
    // dividends, paid to the overnight strategy's positions): the whole window.
    { source: "polygon", dataset: "splits", symbols: "@universe", start, end: END },
    { source: "polygon", dataset: "dividends", symbols: "@universe", start, end: END },
    { source: "polygon", dataset: "dividends", symbols: ["SPY"], start, end: END },
    {
      source: "polygon",
      dataset: "stock_bars_second",
      symbols: ["SPY"],
      start: last(DEMO_SECOND_DAYS),
      end: END,
    },
    {
      source: "polygon",
      dataset: "index_bars_minute",
      symbols: ["I:VIX"],
      start: last(5),
      end: END,
    },
    {
      source: "polygon",
      dataset: "option_bars_minute",
      symbols: ["SPY"],
      start: last(1),
      end: END,
      expiryDays: 7,
    },
    {
      source: "polygon",
      dataset: "index_bars_day",
      symbols: ["I:VIX"],
      start: last(DEMO_VIX_DAYS),
      end: END,
    },
    {
      source: "polygon",
      dataset: "stock_bars_day",
      symbols: ["SPY"],
      start: ingestStart,
      end: END,
    },
    // The overnight backtest's minute bars (about 390 a session), the last `minuteDays` sessions.
    {
      source: "polygon",
      dataset: "stock_bars_minute",
      symbols: ["SPY"],
      start: minuteStart,
      end: END,
    },
    // The momentum backtest's universe: the whole window.
    { source: "polygon", dataset: "stock_bars_day", symbols: "@universe", start, end: END },
  ];
}

/**
 * Run the demo. `started`: the world and the prefetch `startDemo(options)` began earlier (the task
 * starts them before loading this module); the run's clocks start when it did. Its prefetch
 * workers are stopped when the run ends, whether it succeeds or throws.
 */
export async function runDemo(
  options: DemoOptions = {},
  started: DemoStart = startDemo(options),
): Promise<DemoSummary> {
  try {
    return await demoRun(options, started);
  } finally {
    started.prefetch.stop();
  }
}

async function demoRun(options: DemoOptions, started: DemoStart): Promise<DemoSummary> {
  const { seed, nullWorld } = started;
  const root = resolve(options.root ?? lakeRoot());
  const tag = `demo-${seed}${nullWorld ? "-null" : ""}`;
  const outDir = resolve(options.outDir ?? join(root, "..", "runs", tag));
  const print = options.print ?? ((l: string) => console.log(l));
  const t0 = started.t0;
  // Wall time per stage, printed at the end (where a run's time goes).
  const stageSeconds: DemoSummary["stageSeconds"] = {
    ingest: 0,
    lake: 0,
    models: 0,
    backtests: 0,
    outputs: 0,
  };
  const stageCpuSeconds: DemoSummary["stageCpuSeconds"] = { ...stageSeconds };
  const cpuNow = processCpuSeconds;
  let stageStart = t0, stageCpuStart = started.cpu0;
  const endStage = (name: keyof DemoSummary["stageSeconds"]) => {
    const now = performance.now(), cpu = cpuNow();
    stageSeconds[name] = (now - stageStart) / 1000;
    stageCpuSeconds[name] = cpu - stageCpuStart;
    stageStart = now;
    stageCpuStart = cpu;
  };
  const lines: string[] = [];
  const say = (l: string) => {
    lines.push(l);
    print(l);
  };
  Deno.mkdirSync(root, { recursive: true });
  Deno.mkdirSync(outDir, { recursive: true });
  const { start, last, ingestStart, minuteStart } = started.windows;
  const world = started.config;
  say(
    `Workbench demo: seed ${seed}, ${
      nullWorld ? "NULL world (no planted effects)" : "planted world"
    }, ${start}..${END}, lake ${root}`,
  );

  // 1. Ingest through the real connectors against the in-process simulated market.
  const plan = demoPlan({ start, last, ingestStart, minuteStart });
  const cfg = { ...loadConfig(), lakeRoot: root };
  const ingestLog: string[] = [];
  // Each step's session logs which source it uses; the header says it once. Warnings and unit
  // failures still show (set WORKBENCH_LOG_LEVEL to see every event).
  const quiet = !Deno.env.get("WORKBENCH_LOG_LEVEL");
  if (quiet) setLogLevel("warn");
  say("   source: the simulated market, in-process on a loopback port (no vendor is called)");
  // One world for every step's in-process server and for the ground truth below (startDemo):
  // a session the ingest generated once (its seconds, minutes and day bar) is not generated
  // again by the next step's server or by the options sleeve. Generation is deterministic, so
  // sharing changes no output, only the work.
  const simWorld = started.world;
  // Two workers generate ahead what the later steps will ask for, in the order they ask; they
  // started with the last sessions' I:VIX day bars and SPY sessions (startDemo). On a fresh lake
  // the rest follows: the SPY sessions of the daily step, the older ones of the minute step,
  // then the universe's day bars, while the first steps run; the server takes each result when
  // it arrives and generates anything still missing itself, so the data are the same with or
  // without it. On a rerun (nothing to ingest) they generate the SPY sessions of the options
  // sleeve (stage 4) instead, while the ingest checks and the lake stage run; on a fresh lake
  // those sessions are among the minute step's, already generated.
  const sleeveStart = last(DEMO_SLEEVE_DAYS);
  const minuteStep = plan.find((p) => p.dataset === "stock_bars_minute")!;
  const minuteSpec = pipelineFor(minuteStep.source, minuteStep.dataset, minuteStep).curatedSpec;
  const fresh = (await committedState(minuteSpec, root)).rows === 0;
  const prefetch = started.prefetch;
  prefetch.extend(
    fresh
      ? {
        vixDays: simWorld.days.filter((d) => d >= last(DEMO_VIX_DAYS)), // index_bars_day's window
        spySessions: [
          ...simWorld.days.filter((d) => d >= ingestStart),
          ...simWorld.days.filter((d) => d >= minuteStart && d < ingestStart),
        ],
        equities: simWorld.equityInfo.map((x) => x.ticker),
      }
      : { spySessions: simWorld.days.filter((d) => d >= sleeveStart) },
  );
  prefetch.seal();
  let code: number;
  try {
    code = await backfillAllCommand({ plan, resume: true }, {
      sim: { seed, world, worldInstance: simWorld },
      config: cfg,
      print: (l) => {
        ingestLog.push(l);
        if (/^(step|job|rows|elapsed)/.test(l)) print(`  ${l}`);
      },
    });
  } finally {
    // The rerun's worker ends by itself when it has posted the sleeve's sessions.
    if (fresh) prefetch.stop();
  }
  const ahead = fresh ? await prefetch.done : undefined;
  if (quiet) setLogLevel("info");
  Deno.writeTextFileSync(join(outDir, "ingest.log"), ingestLog.join("\n") + "\n");
  say(
    `1. ingest: ${code === 0 ? "all units done" : "SOME UNITS FAILED (see ingest.log)"} (${
      ((performance.now() - t0) / 1000).toFixed(0)
    } s)`,
  );
  if (ahead) {
    say(
      `   generated ahead on worker threads: ${ahead.spySeconds} SPY sessions of second bars, ` +
        `${ahead.vixDays} I:VIX days, ${ahead.spySessions} SPY sessions, ` +
        `${ahead.equities} equities' day bars ` +
        `(SPY sessions generated on the main thread: ${simWorld.spy.sessionsGenerated})`,
    );
  }

  endStage("ingest");

  // Stage 4's overnight backtest reads the ~500 minute-bar files first, decoded in Polars'
  // threads while this thread waits: it starts now, so that read overlaps the lake and models
  // stages (their own work runs on this thread and in DuckDB's). Its results are printed in
  // stage 4 as before; runs are deterministic, so starting earlier changes no number.
  const overnightSpec = parseBacktestSpec({
    question: `${tag}-overnight`,
    strategy: "overnight",
    grid: { lookback: [1, 2, 5], threshold: [0, 0.5] },
    // Minute bars: the signal is the session's open-to-last-minute return and the entry is
    // market-on-close, the timing of the planted effect. On daily bars the signal is a session
    // staler (an order decided at a close fills at the next close at the earliest), so the
    // effect the models find is gone by the time a daily backtest can trade it.
    data: lakeRef({
      dataset: "polygon/stock_bars_minute",
      symbols: ["SPY"],
      start: minuteStart,
      end: END,
    }),
    costs: {
      fees: "ibkr",
      halfSpreadBps: 0.5,
      impactCoef: 0.2,
      participationCap: 0.1,
      borrowRateAnnual: 0.005,
    },
  });
  const overnightRun = runSpec(overnightSpec, { root, codeVersion: "demo" });
  overnightRun.catch(() => {}); // awaited in stage 4, which reports a failure

  // 2. The lake: manifests and a query through the views. The views and the query run in
  // DuckDB's threads from now on (the views read every file's footer), while this thread counts
  // the manifests and the overnight backtest reads its files; the lines are printed in order.
  const lakeQuery = (async () => {
    // DuckDB is loaded here, not with the demo's modules: at start-up the prefetch workers hold
    // both cores and its ~0.25 s of module loading on this thread would wait for them (#21).
    const { Catalog, formatTable } = await import("../query/mod.ts");
    const catalog = await Catalog.open({ root });
    try {
      const avail = catalog.views.filter((v) => v.available).map((v) => v.name);
      const lines = [`   views with data: ${avail.length} of ${catalog.views.length}`];
      if (avail.includes("vendor_stock_bars")) {
        const r = await catalog.query(
          `SELECT timeframe, count(DISTINCT ticker)::INT AS tickers, count(*)::INT AS bars,
                  min(ts) AS first_ts, max(ts) AS last_ts
             FROM vendor_stock_bars GROUP BY timeframe ORDER BY bars DESC`,
        );
        lines.push(formatTable(r));
      }
      return lines;
    } finally {
      catalog.close();
    }
  })();
  lakeQuery.catch(() => {}); // awaited below, after the manifest lines
  const counts: { dataset: string; rows: number; files: number }[] = [];
  for (const s of plan) {
    const spec = pipelineFor(s.source, s.dataset, s).curatedSpec;
    const st = await committedState(spec, root);
    if (!counts.some((c) => c.dataset === `${spec.source}/${spec.dataset}`)) {
      counts.push({
        dataset: `${spec.source}/${spec.dataset}`,
        rows: st.rows,
        files: st.files.length,
      });
    }
  }
  say(`2. lake: ${counts.map((c) => `${c.dataset}=${c.rows}`).join(", ")}`);
  const universe = await universeSymbols(root);
  const rowsOf = (name: string) => counts.find((c) => c.dataset === name)?.rows ?? 0;
  const events = plantedEvents(simWorld, universe, plan);
  const eventsOk = (["news", "splits", "dividends"] as const).every((k) =>
    events[k].world === rowsOf(`polygon/${k}`)
  );
  say(
    `   events vs the simulated world (${universe.length} names): ${
      (["news", "splits", "dividends"] as const).map((k) => {
        const lake = rowsOf(`polygon/${k}`), w = events[k].world;
        const note = w === 0
          ? " (the world plants none in this universe and window)"
          : lake !== w
          ? ` (MISMATCH: world has ${w})`
          : "";
        return `${k} ${lake} of ${w} in ${events[k].window}${note}`;
      }).join("; ")
    }`,
  );
  for (const l of await lakeQuery) say(l);

  endStage("lake");

  // 3. Models on the lake's SPY daily bars (the last `ingestDays` sessions), read through a
  //    dataset reference as a user writes it: tonight's return from today's session.
  const modelRef = lakeRef({
    dataset: "polygon/stock_bars_day",
    symbols: ["SPY"],
    start: ingestStart,
    end: END,
  });
  const spy = await loadDataset(modelRef, { root });
  const data: DemoSummary["data"] = {
    models: { ref: modelRef, dataset: spy.name, files: spy.files },
  };
  const open = Float64Array.from(spy.frame.getColumn("open").toArray() as number[]);
  const close = Float64Array.from(spy.frame.getColumn("close").toArray() as number[]);
  const n = open.length;
  const rows: number[] = [];
  for (let t = 6; t < n - 1; t++) rows.push(t);
  const f = {
    ret_intraday: new Float64Array(rows.length),
    ret_intraday_lag1: new Float64Array(rows.length),
    ret_overnight: new Float64Array(rows.length),
    mom_5d: new Float64Array(rows.length),
  };
  const y = new Float64Array(rows.length);
  rows.forEach((t, i) => {
    f.ret_intraday[i] = Math.log(close[t]! / open[t]!);
    f.ret_intraday_lag1[i] = Math.log(close[t - 1]! / open[t - 1]!);
    f.ret_overnight[i] = Math.log(open[t]! / close[t - 1]!);
    f.mom_5d[i] = Math.log(close[t]! / close[t - 5]!);
    y[i] = Math.log(open[t + 1]! / close[t]!); // label: close t -> open t+1, known at the next open
  });
  const t0s = Float64Array.from(rows);
  const t1s = Float64Array.from(rows, (t) => t + 1);
  const cv = cpcvSplits(t0s, t1s, { groups: 6, testGroups: 2, embargo: 1 });
  const predR = new Float64Array(rows.length),
    predF = new Float64Array(rows.length),
    cnt = new Float64Array(rows.length);
  const prog = new Progress("   cpcv", cv.splits.length);
  for (const sp of cv.splits) {
    const sub = (idx: Int32Array) =>
      matrixFromColumns(
        Object.fromEntries(
          Object.entries(f).map(([k, v]) => [
            k,
            Float64Array.from(idx, (i) => v[i]!),
          ]),
        ),
      );
    const xtr = sub(sp.train), xte = sub(sp.test);
    const ytr = Float64Array.from(sp.train, (i) => y[i]!);
    const ridge = fitRidge(xtr, ytr, { alpha: 1, standardize: true });
    const forest = await fitRandomForest(xtr, ytr, {
      nTrees: 40,
      maxDepth: 4,
      minSamplesLeaf: 20,
      seed,
      threads: 1,
    });
    const pr = predictLinear(ridge, xte), pf = predictEnsemble(forest, xte);
    sp.test.forEach((i, k) => {
      predR[i] = predR[i]! + pr[k]!;
      predF[i] = predF[i]! + pf[k]!;
      cnt[i] = cnt[i]! + 1;
    });
    prog.tick();
  }
  prog.done();
  for (let i = 0; i < rows.length; i++) {
    predR[i] = predR[i]! / cnt[i]!;
    predF[i] = predF[i]! / cnt[i]!;
  }
  const r2 = (p: Float64Array) => {
    let ss = 0, st = 0, m = 0;
    for (const v of y) m += v / y.length;
    for (let i = 0; i < y.length; i++) (ss += (y[i]! - p[i]!) ** 2, st += (y[i]! - m) ** 2);
    return 1 - ss / st;
  };
  const icRidge = corr(predR, y), icForest = corr(predF, y);
  say(`   data: ${refText(modelRef)} -> ${spy.name}, ${spy.files.length} lake files`);
  say(
    `3. models (${rows.length} days, CPCV ${cv.splits.length} splits, ${cv.paths.length} paths): ` +
      `ridge OOS IC ${icRidge.toFixed(3)} R2 ${r2(predR).toFixed(4)}; ` +
      `random forest OOS IC ${icForest.toFixed(3)} R2 ${r2(predF).toFixed(4)}`,
  );

  endStage("models");

  // 4. Backtests under governance (ledger, DSR, PBO, gate) and the options sleeve.
  const verdicts: DemoSummary["verdicts"] = {};
  const outputs: Record<string, string> = {
    lake: root,
    outDir,
    ingestLog: join(outDir, "ingest.log"),
  };
  // The momentum universe: every stock of the listing the ingest landed (listed and delisted).
  const momentumRef = lakeRef({
    dataset: "polygon/stock_bars_day",
    symbols: universe,
    start,
    end: END,
  });
  const specs: BacktestSpec[] = [
    overnightSpec,
    parseBacktestSpec({
      question: `${tag}-momentum`,
      strategy: "momentum",
      grid: { lookback: [126, 252], skip: [21], quantile: [0.25], rebalanceEvery: [21] },
      data: momentumRef,
    }),
  ];
  for (const spec of specs) {
    const res = spec === overnightSpec
      ? await overnightRun
      : await runSpec(spec, { root, codeVersion: "demo" });
    const ref = spec.data as DatasetRef;
    data[spec.strategy] = { ref, dataset: ref.dataset, files: res.files };
    const failedCriteria = res.verdict.criteria.filter((c) => c.status === "fail");
    const failed = failedCriteria.map((c) => c.name);
    const notes = failedCriteria.map((c) => c.note);
    verdicts[spec.strategy] = { verdict: res.verdict.verdict, failed, notes };
    const participation = runParticipation(res);
    const html = backtestReportHtml(res.result, {
      title: `${spec.question}: candidate ${JSON.stringify(res.configs[res.candidate])}`,
      ...(participation ? { participation } : {}),
      meta: {
        world: nullWorld ? "null (no planted effects)" : `planted (seed ${seed})`,
        "gate verdict": res.verdict.verdict.toUpperCase(),
        "gate sample": `out of sample: the last ${res.oosReturns.length} session returns, from ${
          isoDate(res.result.tsMs[res.result.tsMs.length - res.oosReturns.length - 1])
        } (the rows below cover the whole run)`,
        ...Object.fromEntries(
          res.verdict.criteria.map((c) => [`gate: ${c.name} (${c.status})`, c.note]),
        ),
        "ledger trials": res.evidence.trials.trials,
      },
    });
    const file = join(outDir, `report_${spec.strategy}.html`);
    Deno.writeTextFileSync(file, html.html);
    outputs[`report_${spec.strategy}`] = file;
    say(
      `4. ${spec.strategy}: ${res.configs.length} configs -> candidate ${
        JSON.stringify(res.configs[res.candidate])
      }; ` +
        `gate ${res.verdict.verdict.toUpperCase()}${
          failed.length ? ` (failed: ${failed.join(", ")})` : ""
        }; ` +
        `${gateFigures(res.verdict.criteria)}; ledger trials ${res.evidence.trials.trials}`,
    );
    if (notes.length) say(`   why: ${notes.join(" | ")}`);
    say(`   data: ${refText(ref)} -> ${res.files.length} lake files, manifest ${res.manifest}`);
  }
  // The sleeve prices options from the simulated chain: the lake holds one session of SPY option
  // bars (trade aggregates, no bid/ask), not the quote history a 90-session sleeve needs.
  // The sleeve's sessions: adopted from the rerun's prefetch as far as it got (the rest, or all
  // when it could not start, are generated here); then the worker ends.
  const chain = simChainSource(simWorld, { start: sleeveStart });
  const sleeve = runOptionsSleeve(chain, {
    structure: "straddle",
    side: "short",
    contracts: 10,
    targetDte: 30,
    hedgeBand: 50,
    hedgeCostBps: 1,
  });
  prefetch.stop();
  const pnl = sleeve.pnl[sleeve.pnl.length - 1]!;
  const oc = sleeve.optionCosts.reduce((a, b) => a + b, 0),
    hc = sleeve.hedgeCosts.reduce((a, b) => a + b, 0);
  const sleeveDays = `${sleeve.days[0]}..${sleeve.days[sleeve.days.length - 1]}`;
  say(
    `   options sleeve (short 30-day straddle, 10 contracts a leg, delta-hedged, ${sleeve.days.length} sessions ${sleeveDays}, simulated chain): ` +
      `P&L ${pnl.toFixed(0)} USD after costs (costs: option ${oc.toFixed(0)}, hedge ${
        hc.toFixed(0)
      })`,
  );
  const sleeveBacktest = {
    description:
      "short 30-day ATM straddle, 10 contracts a leg, delta-hedged outside a 50-share band, " +
      "1 bp hedge cost, simulated chain",
    start: sleeve.days[0]!,
    end: sleeve.days[sleeve.days.length - 1]!,
    sessions: sleeve.days.length,
    pnlAfterCosts: pnl,
    optionCosts: oc,
    hedgeCosts: hc,
  };

  endStage("backtests");

  // 5. Deliverables for the last session.
  const eq = await loadPanel(momentumRef, { root });
  data.deliverableEquities = { ref: momentumRef, dataset: eq.dataset, files: eq.files };
  const sectors = eq.panel.symbols.map((s) =>
    simWorld.listings().find((l) => l.ticker === s)?.sector ?? "Unknown"
  );
  const eqDoc = EquityDeliverableSchema.parse(
    buildEquityDeliverable(eq.panel, sectors, eq.panel.tsMs.length - 1, {
      corporateActions: eq.corporateActions,
      now: new Date(Date.UTC(2024, 2, 28, 21)),
    }),
  );
  const optDoc = OptionsDeliverableSchema.parse(
    buildOptionsDeliverable(chain, END, {
      now: new Date(Date.UTC(2024, 2, 28, 21)),
      backtest: sleeveBacktest,
    }),
  );
  for (const st of optDoc.strategies) {
    say(
      `   options deliverable: ${st.type} x${st.quantity} to ${st.expiry}: ${st.recommendation}`,
    );
  }
  outputs.dataUsed = join(outDir, "data_used.json");
  Deno.writeTextFileSync(outputs.dataUsed, JSON.stringify(data, null, 1) + "\n");
  outputs.deliverableEquities = join(outDir, `deliverable_equities_${END}.json`);
  outputs.deliverableOptions = join(outDir, `deliverable_options_${END}.json`);
  Deno.writeTextFileSync(outputs.deliverableEquities, JSON.stringify(eqDoc, null, 2) + "\n");
  Deno.writeTextFileSync(outputs.deliverableOptions, JSON.stringify(optDoc, null, 2) + "\n");
  say(
    `5. outputs: ${Object.entries(outputs).map(([k, v]) => `${k}: ${v}`).join("\n            ")}`,
  );
  endStage("outputs");
  say(
    `   stage times: ${
      Object.entries(stageSeconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ")
    }`,
  );
  say(
    `   stage CPU (all threads): ${
      Object.entries(stageCpuSeconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ")
    }; load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`,
  );
  say(
    `Universe ${universe.length} names (listed and delisted); done in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );
  return {
    ok: code === 0 && eventsOk,
    text: lines.join("\n"),
    outputs,
    verdicts,
    data,
    events: {
      news: { lake: rowsOf("polygon/news"), world: events.news.world },
      splits: { lake: rowsOf("polygon/splits"), world: events.splits.world },
      dividends: { lake: rowsOf("polygon/dividends"), world: events.dividends.world },
    },
    ic: { ridge: icRidge, forest: icForest },
    stageSeconds,
    stageCpuSeconds,
  };
}
