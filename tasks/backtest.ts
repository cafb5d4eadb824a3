/**
 * `deno task backtest --spec <file.json>`: run a backtest spec under governance
 * (lib/backtest/spec.ts): every grid configuration is validated against the strategy's schema,
 * backtested and recorded as a trial in the validation ledger; the best in-sample configuration's
 * out-of-sample, net-of-cost returns go through the go/no-go gate with the ledger's DSR and PBO;
 * a buy-and-hold benchmark runs on the same data and costs (its entry bar, price, shares and the
 * asset's own return from the entry are printed: lib/report/benchmark_entry.ts). Prints the data, annualisation,
 * currency, unfilled orders by reason and the verdict; writes the candidate's HTML report.
 */
import { LEASE_OPTION, leaseOption } from "../lib/cluster/cli.ts";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import {
  defineTask,
  formatZodIssues,
  JSON_OPTION,
  jsonOutput,
  runTask,
  UsageError,
} from "../lib/cli/mod.ts";
import {
  BUILTIN_STRATEGY_NAMES,
  coverageLine,
  oosSpanText,
  parseBacktestSpec,
  runNotes,
  runSpec,
  SpecError,
  symbolCoverage,
  UNFILLED_REASON_TEXT,
} from "../lib/backtest/mod.ts";
import {
  backtestReportHtml,
  backtestReportTitle,
  benchmarkEntry,
  observedAnnualisationNote,
  panelGaps,
  plotlyCdnUrl,
  runParticipation,
  summarizeBacktest,
  unfilledLine,
  writePlotlyFile,
} from "../lib/report/mod.ts";
import { memoryLedgerStore } from "../lib/validation/mod.ts";
import { catalogFromEnv, progressPrinter } from "../lib/cluster/mod.ts";
import { clusterEvaluate, registerWorkbenchJobs } from "../lib/jobs/mod.ts";
import { Progress } from "../lib/core/mod.ts";

const TASK = defineTask({
  name: "backtest",
  summary:
    "Backtest a spec's parameter grid on lake data (or generated data), record every configuration as a trial and gate the candidate.",
  options: {
    spec: {
      type: "path",
      required: true,
      mustExist: true,
      example: "tasks/specs/ma_cross_lake.json",
      description: "Backtest spec (JSON)",
    },
    report: {
      type: "path",
      example: "out.html",
      description: "HTML report of the candidate (default data/runs/<question>.html)",
    },
    "memory-ledger": {
      type: "boolean",
      description: "Record trials in memory only (not in the lake's trial ledger)",
    },
    strict: { type: "boolean", description: "Exit 1 when the verdict is NO-GO" },
    plotly: {
      type: "enum",
      values: ["inline", "file", "cdn"],
      default: "inline",
      description:
        "plotly.js in the report: inlined (minified, one self-contained file under 5 MB), a plotly-<version>.min.js file written next to the report, or the plotly CDN (needs network to view)",
    },
    cluster: {
      type: "boolean",
      description:
        "Run the grid on cluster workers (deno task worker) through the queue on WORKBENCH_CATALOG",
    },
    "lease-seconds": LEASE_OPTION,
    chunk: {
      type: "integer",
      min: 1,
      default: 10,
      description: "Configurations per cluster job (with --cluster)",
    },
    json: JSON_OPTION,
  },
  details: `Spec fields: question, strategy (${
    BUILTIN_STRATEGY_NAMES.join(", ")
  }, or a path to a strategy module relative to the spec file, see tasks/specs/strategies/rsi_reversal.ts),
grid (parameter -> values), data ({"source": "lake", "dataset": "user/my_bars", "symbols": [...],
"start", "end", "asOf", "adjust": "raw|split|total_return"}, or "synthetic" / "sim"), costs
({"model": "standard"} needs volume; {"model": "spread_only"}: half-spread and borrow only, for FX
closes or index levels), initialCash, oosFraction, gate, pboPartitions. Specs for every built-in
are in tasks/specs/. An unknown field is refused (exit 2) with its path and the field probably
meant, e.g. data.symbol: unknown field (did you mean "symbols"?).

Financing: maxGrossLeverage (default 1; null for no limit) is the largest gross exposure
(|longs| + |shorts|, not net) a fill may leave, as a multiple of equity: with 1 a long-only book
never borrows (cash never below zero). A fill beyond it is cut to the whole shares that fit, costs
included, and the rest of the order cancelled; the output prints the orders scaled or rejected
and the peak gross leverage, gross / equity at a close. The limit is checked at fills only, and
nothing is traded back between fills: a book with shorts (momentum, mean_reversion, ma_cross
without longOnly) drifts above it when its shorts rise or its longs fall, so its peak can exceed
the limit (the output then says so). Orders fill in submission order; rebalances send sales first.

Orders not filled in full are counted by reason, printed with their meaning:
${Object.entries(UNFILLED_REASON_TEXT).map(([k, v]) => `  ${k}: ${v}`).join("\n")}

Dates of weekly and slower bars: a bar is stored on its period's first day (Monday, the 1st) and
its value is known at the period's close; every date the output calls a close is that of the
period's last session on the calendar, with the period named, e.g. "the 1990-01-12 close (week of
1990-01-08)", "the 1996-04-30 close (month 1996-04)". Daily and intraday bars keep their own dates.
ma_cross is long while SMA(fast) > SMA(slow), flat (short unless longOnly) below, and keeps its
position when they are equal (within 1e-12 of the larger: equal averages rounded apart do not trade).
Sizing of ma_cross, mean_reversion and buy_and_hold: decided at the close of bar t, filled at
the open of t+1 (its close on close-only data), shares = floor(weight / nSymbols x equity at the
close of t / fill price) - position; a flat ma_cross with weight 1 buys floor(cash / open).
buy_and_hold buys each symbol at its own first bar from the cash still uninvested.
Data that ends early: a symbol whose bars end before the panel's is sold at its last close (a
"data ended" fill, no costs), never marked at a stale price; "gaps per symbol" names each
symbol's span and the rows it has no bar on; a position held through a hole inside a symbol's
data is counted ("stale marks"). Orders delayed by the participation cap, missing volume or
volatility history are counted by reason ("orders delayed or partly filled").

The candidate is the configuration with the best in-sample Sharpe; the gate judges its returns
over the last oosFraction (default 0.3) of the run, so its Sharpe and drawdown differ from the
full run's: the output and the report name that window and every criterion.

Sharpe and volatility are annualised by the data's periods per year (its frequency on its
calendar; intraday runs are resampled to sessions); CAGR compounds over the calendar time from the
first to the last bar (365.25-day years); amounts are in the dataset's currency. The output says
how many sessions (or weeks, months...) are missing between bars; when some are, the run's and the
benchmark's Sharpe, Sortino, volatility and turnover are annualised over the bars observed per
year, P x n / (n + missing) for n returns (a return across a gap spans several periods), and the
output says so; the in-sample and the gate's Sharpe likewise, over each segment's own gaps.
Intraday bars count by their session (a session without a bar is missing); on calendar none every
calendar day is a period (its 365 a year), so a weekday-only series counts its weekends.
The report's capacity estimate is the smaller of two bounds: the capital at which square-root
impact eats half the P&L left after linear costs, and the capital at which the run's busiest
(symbol, day) would reach the cost model's participation cap of ADV (lib/report capacityEstimate).

With --cluster the configurations run in chunks (--chunk) on \`deno task worker\` processes (any
machine that reaches WORKBENCH_CATALOG and the lake); progress across workers goes to stderr and
the result is the single-process one, bit for bit. With WORKBENCH_CATALOG set the trial ledger is
the catalog's (PostgreSQL) unless --memory-ledger.

Exit codes: 0 done (either verdict; with --strict 1 on NO-GO), 1 a failure while running,
2 bad arguments or a spec that cannot run as written (the message names the field), including
data that is not known to be a price (units not a price or index level, no units and no currency,
a price <= 0: the message says what to re-ingest with).`,
  examples: [
    "--spec tasks/specs/ma_cross_lake.json --memory-ledger",
    "--spec tasks/specs/momentum_synthetic.json --report out/momentum.html",
  ],
});

async function gitVersion(): Promise<string> {
  try {
    const head = await new Deno.Command("git", {
      args: ["rev-parse", "--short=12", "HEAD"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const dirty = await new Deno.Command("git", {
      args: ["status", "--porcelain", "--", "lib/"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const h = new TextDecoder().decode(head.stdout).trim() || "unknown";
    return new TextDecoder().decode(dirty.stdout).trim() ? `${h}+dirty` : h;
  } catch {
    return "unknown";
  }
}

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : String(v));
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));

await runTask(TASK, async ({ values: v }) => {
  const lease = leaseOption(v);
  const out_ = jsonOutput(v.json);
  let catalog;
  if (v.cluster) {
    try {
      catalog = catalogFromEnv();
    } catch (e) {
      throw new UsageError(`--cluster: ${(e as Error).message}`);
    }
    registerWorkbenchJobs();
  }
  let spec;
  try {
    spec = parseBacktestSpec(JSON.parse(await Deno.readTextFile(v.spec)));
  } catch (e) {
    if (e instanceof z.ZodError) throw new UsageError(`spec ${v.spec}: ${formatZodIssues(e)}`);
    if (e instanceof SyntaxError) throw new UsageError(`spec ${v.spec}: not JSON: ${e.message}`);
    if (e instanceof SpecError) throw new UsageError(`spec ${v.spec}: ${e.message}`);
    throw e;
  }
  let progress: Progress | undefined;
  let out;
  try {
    out = await runSpec(spec, {
      ...(v["memory-ledger"] ? { store: memoryLedgerStore() } : {}),
      baseDir: dirname(resolve(v.spec)),
      codeVersion: await gitVersion(),
      ...(catalog
        ? {
          evaluate: clusterEvaluate(spec, {
            catalog,
            baseDir: dirname(resolve(v.spec)),
            chunk: v.chunk,
            onProgress: progressPrinter(),
            ...lease,
          }),
        }
        : {}),
      onWarning: (m) => console.error(`warning: ${m}`),
      onTrial: (done, total) => {
        progress ??= new Progress("backtest trials", total);
        progress.tick();
        if (done === total) progress.done();
      },
    });
  } catch (e) {
    if (e instanceof SpecError) throw new UsageError(`spec ${v.spec}: ${e.message}`);
    throw e;
  }
  const ppy = out.periodsPerYear;
  const ccy = out.currency ?? "units (the dataset declares no currency)";
  const best = out.configs[out.candidate]!;
  console.log(`question: ${spec.question}   data: ${out.manifest}`);
  console.log(
    `data: calendar ${out.calendar}, frequency ${out.frequency}, currency ${ccy}, ${out.result.symbols.length} symbols, ${out.files.length} lake files`,
  );
  console.log(`annualisation: ${out.annualisation}`);
  const gaps = panelGaps(out.panel);
  const gapText = gaps === null
    ? `not checked (calendar ${out.calendar}, frequency ${out.frequency}: the rows are the only clock)`
    : gaps.count === 0
    ? `none (no missing ${gaps.clock} between bars)`
    : `${gaps.count} missing ${gaps.clock} between bars (${gaps.examples.join(", ")}${
      gaps.count > gaps.examples.length ? ", ..." : ""
    })`;
  console.log(
    `gaps: ${gapText}; CAGR compounds over the calendar time from the first to the last bar (365.25-day years)`,
  );
  // per symbol: rows of the panel's clock a symbol has no bar on (the count above is the union's)
  const coverage = symbolCoverage(out.panel);
  const covText = coverageLine(coverage);
  if (covText) console.log(`gaps per symbol: ${covText}`);
  // the result has one row per bar date (per session when resampled), the dates panelGaps counts
  // between; intraday panels (several bars a session) have no gap count (null)
  const gapOpt = gaps !== null && gaps.count > 0 ? { gaps: gaps.count } : {};
  console.log(`strategy: ${out.strategySource}`);
  console.log(
    `configurations: ${out.configs.length} (recorded ${
      out.recorded.filter((r) => !r.duplicate).length
    } new, ${
      out.recorded.filter((r) => r.duplicate).length
    } already in the ledger, ${out.notRecorded.length} without dispersion)`,
  );
  // one line per configuration that cannot trade, or did not (no dispersion), with its reason
  const reasonOf = new Map(out.cannotTrade.map((c) => [c.index, c.reason]));
  for (const i of new Set([...out.cannotTrade.map((c) => c.index), ...out.notRecorded])) {
    const reason = reasonOf.get(i);
    console.log(
      `  configuration ${JSON.stringify(out.configs[i])}: ${
        reason === undefined
          ? "not recorded: its returns have no dispersion (it never traded on this data)"
          : `cannot trade: ${reason}`
      }`,
    );
  }
  console.log(
    `candidate: ${JSON.stringify(best)}  in-sample Sharpe ${
      f3(out.inSampleSharpe[out.candidate]!)
    }`,
  );
  // a run resampled to sessions: its drawdown at session closes, and over every bar
  const drawdownText = (x: typeof s) =>
    x.maxDrawdownAllBars === null
      ? pct(x.maxDrawdown)
      : `${pct(x.maxDrawdown)} at session closes (${pct(x.maxDrawdownAllBars)} over every bar)`;
  const participation = runParticipation(out);
  const s = summarizeBacktest(out.result, ppy, {
    ...(participation ? { participation } : {}),
    ...gapOpt,
  });
  const observed = observedAnnualisationNote(s);
  if (observed !== null) {
    console.log(
      `annualisation (run and benchmark): ${observed}`,
    );
  }
  console.log(
    `candidate run: total return ${pct(s.totalReturn)}, CAGR ${pct(s.cagr)}, vol ${
      pct(s.annualVol)
    }, Sharpe ${f3(s.sharpe)}, max drawdown ${drawdownText(s)}, costs ${
      s.costs.total.toFixed(2)
    } ${ccy}, fills ${s.fills}`,
  );
  const b = summarizeBacktest(out.benchmark!, ppy, gapOpt);
  const entry = benchmarkEntry(out.benchmark!, out.panel, out.currency);
  // rounded like the candidate's figures; --json carries the full-precision value
  console.log(
    `benchmark buy_and_hold: total return ${pct(b.totalReturn)}, CAGR ${pct(b.cagr)}, Sharpe ${
      f3(b.sharpe)
    }, max drawdown ${drawdownText(b)}, costs ${b.costs.total.toFixed(2)} ${ccy}`,
  );
  console.log(`  benchmark ${entry.text}`);
  console.log(`orders: ${unfilledLine(s)}`);
  if (s.ordersRejected) console.log(`orders rejected at submission: ${s.ordersRejected}`);
  const notes = runNotes(out.result, out.panel);
  const bNotes = runNotes(out.benchmark!, out.panel);
  console.log(`leverage: ${notes.leverage}`);
  if (notes.delayed) console.log(notes.delayed);
  if (notes.dataEnded) console.log(`data end: ${notes.dataEnded}`);
  if (notes.heldWithoutBar) console.log(`stale marks: ${notes.heldWithoutBar}`);
  if (bNotes.leverage !== notes.leverage) {
    console.log(
      `  benchmark leverage: ${
        bNotes.leverageLimit === notes.leverageLimit ? bNotes.leverageUse : bNotes.leverage
      }`,
    );
  }
  if (bNotes.delayed && bNotes.delayed !== notes.delayed) {
    console.log(`  benchmark ${bNotes.delayed}`);
  }
  if (out.fillNote) console.log(`fills: ${out.fillNote}`);
  console.log(
    `ledger evidence: N = ${out.evidence.trials.trials}, Var(SR) = ${
      out.evidence.trials.srVariance.toExponential(3)
    }, PBO = ${
      Number.isFinite(out.evidence.pbo)
        ? out.evidence.pbo.toFixed(3)
        : `n/a (${out.evidence.pboNote})`
    }`,
  );
  const oosText = `the last ${
    Math.round(out.oos.fraction * 100)
  }% of the run: ${out.oos.returns} returns ${
    oosSpanText(out.oos)
  } (the gate's Sharpe, drawdown and DSR are of these, not of the full run above)`;
  console.log(`gate, out of sample: ${oosText}`);
  for (const c of out.verdict.criteria) {
    console.log(`  ${c.status.padEnd(7)} ${c.name.padEnd(16)} ${c.note}`);
  }
  console.log(`VERDICT: ${out.verdict.verdict.toUpperCase()}`);
  const reportPath = v.report ??
    `data/runs/${spec.question.replace(/[^A-Za-z0-9_.-]/g, "_")}.html`;
  await Deno.mkdir(dirname(reportPath), { recursive: true });
  const plotlySrc = v.plotly === "file"
    ? writePlotlyFile(dirname(reportPath))
    : v.plotly === "cdn"
    ? plotlyCdnUrl()
    : undefined;
  const { html } = backtestReportHtml(out.result, {
    title: backtestReportTitle(spec.question, spec.strategy, best),
    periodsPerYear: ppy,
    annualisation: out.annualisation,
    currency: out.currency,
    ...(participation ? { participation } : {}),
    ...gapOpt,
    ...(plotlySrc !== undefined ? { plotlySrc } : {}),
    ...(out.panel.frequency ? { frequency: out.panel.frequency } : {}),
    ...(out.panel.calendar ? { calendar: out.panel.calendar } : {}),
    meta: {
      verdict: out.verdict.verdict,
      "gate window (out of sample)": oosText,
      ...Object.fromEntries(
        out.verdict.criteria.map((c) => [`gate: ${c.name}`, `${c.status}: ${c.note}`]),
      ),
      data: out.manifest,
      calendar: out.calendar,
      frequency: out.frequency,
      gaps: gapText,
      ...(covText ? { "gaps per symbol": covText } : {}),
      leverage: notes.leverage,
      ...(notes.delayed ? { "orders delayed": notes.delayed } : {}),
      ...(notes.dataEnded ? { "data end": notes.dataEnded } : {}),
      ...(notes.heldWithoutBar ? { "stale marks": notes.heldWithoutBar } : {}),
      "benchmark leverage": bNotes.leverageLimit === notes.leverageLimit
        ? bNotes.leverageUse
        : bNotes.leverage,
      "benchmark (buy and hold) total return": pct(b.totalReturn),
      "benchmark entry": entry.text,
      ...(out.fillNote ? { fills: out.fillNote } : {}),
    },
  });
  await Deno.writeTextFile(reportPath, html);
  console.log(`report: ${reportPath}`);
  const exitCode = v.strict && out.verdict.verdict !== "go" ? 1 : 0;
  out_.emit({
    task: "backtest",
    question: spec.question,
    strategy: spec.strategy,
    strategySource: out.strategySource,
    data: {
      manifest: out.manifest,
      calendar: out.calendar,
      frequency: out.frequency,
      currency: out.currency,
      symbols: out.result.symbols.length,
      files: out.files.length,
      gaps,
      // per symbol: its span and the panel's rows it has no bar on (lib/backtest symbolCoverage)
      coverage,
    },
    // leverage limit, orders it cut, peak gross / equity; data-end exits; stale marks; delays
    execution: {
      leverage: out.result.leverage,
      leverageScaled: out.result.orders.leverageScaled ?? 0,
      leverageRejected: out.result.orders.leverageRejected ?? 0,
      delayedBars: out.result.orders.delayedBars ?? {},
      dataEnded: out.result.dataEnded ?? [],
      heldWithoutBar: out.result.heldWithoutBar ?? {},
      notes,
    },
    periodsPerYear: ppy,
    annualisation: out.annualisation,
    // null without missing periods; else how summary and benchmark.summary were annualised
    annualisationObserved: observed,
    configurations: {
      total: out.configs.length,
      recordedNew: out.recorded.filter((r) => !r.duplicate).length,
      alreadyInLedger: out.recorded.filter((r) => r.duplicate).length,
      withoutDispersion: out.notRecorded.length,
    },
    candidate: { config: best, inSampleSharpe: out.inSampleSharpe[out.candidate]! },
    summary: s,
    benchmark: {
      strategy: "buy_and_hold",
      summary: b,
      entry: { ...entry, fills: entry.fills.map((f) => ({ ...f })) },
      execution: {
        leverage: out.benchmark!.leverage,
        leverageScaled: out.benchmark!.orders.leverageScaled ?? 0,
        leverageRejected: out.benchmark!.orders.leverageRejected ?? 0,
        dataEnded: out.benchmark!.dataEnded ?? [],
        notes: bNotes,
      },
    },
    fillNote: out.fillNote,
    evidence: out.evidence,
    verdict: out.verdict.verdict,
    oos: out.oos,
    criteria: out.verdict.criteria,
    report: reportPath,
    exitCode,
  });
  return exitCode;
});
