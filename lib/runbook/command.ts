/**
 * The runbook's command layer behind `deno task daily` and `deno task shadow`: configuration
 * (a JSON file or the defaults below), the incremental ingest of daily bars after the
 * watermarks (against the configured vendors, or the in-process simulated market with a fixed
 * world so that every day sees the same market), and the printed summary.
 */
import { loadConfig, type WorkbenchConfig } from "../config/mod.ts";
import { openSession } from "../ingest/session.ts";
import { formatSummary, runBackfill } from "../ingest/backfill.ts";
import { pipelineFor } from "../ingest/registry.ts";
import { tradingDays } from "../time/mod.ts";
import type { WorldConfig } from "../sources/sim/mod.ts";
import { type DailyResult, type RunbookConfig, runDaily } from "./daily.ts";
import { type PromotionRule, runShadow } from "./shadow.ts";
import type { ModelSpec } from "./models.ts";

/** Default models: a momentum champion and a volatility-shape challenger. */
export const DEFAULT_MODELS: ModelSpec[] = [
  { name: "ridge_mom", role: "champion", features: ["roc_5", "roc_20", "rsi_14"] },
  { name: "ridge_vol", role: "challenger", features: ["vol_yz_20", "atr_14_pct", "bb_pctb"] },
];

/** Default simulated world of the runbook (fixed, so reruns see the same market). */
export const DEFAULT_WORLD: WorldConfig = {
  start: "2024-01-02",
  end: "2024-06-28",
  equityCount: 30,
};

/**
 * The fields of a runbook file that the runbook reads (`deno task daily|shadow --config`
 * refuses any other, tasks/_runbook_options.ts): keep in step with `runbookConfig` below.
 */
export const RUNBOOK_FILE_FIELDS = [
  "models",
  "trainStart",
  "trainEnd",
  "symbols",
  "topFraction",
  "costBps",
  "driftWindow",
  "thresholds",
  "warmupSessions",
  "world",
  "promotion",
] as const;

/** A runbook configuration file (JSON). */
export interface RunbookFile extends Partial<Omit<RunbookConfig, "root">> {
  /** Symbols to ingest (default: the simulated world's first 20 stocks). */
  symbols?: string[];
  /** Simulated world (with --sim). */
  world?: WorldConfig;
  promotion?: PromotionRule;
}

/** Arguments of the commands. */
export interface RunbookArgs {
  /** Path of a RunbookFile. */
  config?: string;
  /** Ingest through the in-process simulated market. */
  sim?: boolean;
  seed?: number;
  /** Skip the ingest stage. */
  noIngest?: boolean;
  /** Send email when SMTP_HOST is set. @default true */
  email?: boolean;
  workers?: number;
  print?: (line: string) => void;
  workbench?: WorkbenchConfig;
}

function readFile(path: string | undefined): RunbookFile {
  if (!path) return {};
  const raw = JSON.parse(Deno.readTextFileSync(path)) as RunbookFile;
  if (typeof raw !== "object" || raw === null) {
    throw new TypeError(`${path}: expected a JSON object`);
  }
  return raw;
}

function runbookConfig(file: RunbookFile, wb: WorkbenchConfig): RunbookConfig {
  return {
    models: file.models ?? DEFAULT_MODELS,
    trainStart: file.trainStart ?? "2024-02-01",
    trainEnd: file.trainEnd ?? "2024-04-30",
    root: wb.lakeRoot,
    ...(file.symbols ? { symbols: file.symbols } : {}),
    ...(file.topFraction ? { topFraction: file.topFraction } : {}),
    ...(file.costBps !== undefined ? { costBps: file.costBps } : {}),
    ...(file.driftWindow ? { driftWindow: file.driftWindow } : {}),
    ...(file.thresholds ? { thresholds: file.thresholds } : {}),
    ...(file.warmupSessions ? { warmupSessions: file.warmupSessions } : {}),
  };
}

/** Run `fn` with an ingest stage (or none), closing the session afterwards. */
async function withIngest<T>(
  args: RunbookArgs,
  file: RunbookFile,
  rb: RunbookConfig,
  wb: WorkbenchConfig,
  fn: (ingest: ((date: string) => Promise<string>) | undefined) => Promise<T>,
): Promise<T> {
  if (args.noIngest) return await fn(undefined);
  const world = { ...DEFAULT_WORLD, ...file.world };
  const session = await openSession({
    config: wb,
    // --sim, or WORKBENCH_USE_SIM (auto: no vendor key or URL configured).
    sim: args.sim || wb.run.useSim ? { seed: args.seed ?? wb.run.seed, world } : false,
  });
  try {
    let symbols = file.symbols;
    if (!symbols) {
      if (!session.sim) {
        throw new RangeError("symbols are required in the runbook file without --sim");
      }
      symbols = session.sim.world.listings().filter((l) => l.assetType === "Stock").slice(0, 20)
        .map((l) => l.ticker);
    }
    rb.symbols = symbols;
    const pipeline = pipelineFor("polygon", "stock_bars_day");
    const before = tradingDays("2000-01-03", rb.trainStart);
    const start = before[Math.max(0, before.length - 1 - (rb.warmupSessions ?? 40))]!;
    return await fn(async (date) => {
      const s = await runBackfill([{ pipeline, symbols: symbols!, start, end: date }], {
        clients: session.clients,
        root: wb.lakeRoot,
        incremental: true,
        quality: false,
        workers: args.workers ?? wb.run.workers,
      });
      if (s.units.failed > 0) {
        throw new Error(`Ingest for ${date} failed:\n${formatSummary(s)}`);
      }
      return `${s.units.done} units, ${s.curatedRows} curated rows (${s.units.total} planned after the watermarks)`;
    });
  } finally {
    await session.close();
  }
}

function describe(r: DailyResult): string[] {
  const fired = r.tripwires.filter((t) => t.fired).map((t) => t.tripwire);
  return [
    `${r.date}: champion ${r.champion}, ${r.symbols.length} symbols, newest bar ${r.latestBar}, ` +
    `lake writes ${r.lakeWrites}, email ${r.notified.email}, tripwires ${
      fired.length ? fired.join(",") : "ok"
    }`,
    ...r.pnl.map((p) =>
      `  ${p.role.padEnd(10)} ${p.model.padEnd(14)} net ${(p.retNet * 1e4).toFixed(1)} bps, cum ${
        (p.cumNet * 100).toFixed(2)
      }%`
    ),
  ];
}

/** `deno task daily --date D`: exit code 0, or 3 when a tripwire fired. */
export async function dailyCommand(date: string, args: RunbookArgs = {}): Promise<number> {
  const print = args.print ?? console.log;
  const wb = args.workbench ?? loadConfig();
  const file = readFile(args.config);
  const rb = runbookConfig(file, wb);
  const r = await withIngest(args, file, rb, wb, (ingest) =>
    runDaily(date, rb, {
      ...(ingest ? { ingest } : {}),
      ...(args.email !== false && wb.smtp.host ? { smtp: wb.smtp } : {}),
    }));
  for (const l of describe(r)) print(l);
  print(r.message.text);
  return r.tripwires.some((t) => t.fired) ? 3 : 0;
}

/** `deno task shadow --from D1 --to D2`: prints each day and the promotion decisions. */
export async function shadowCommand(
  from: string,
  to: string,
  args: RunbookArgs = {},
): Promise<number> {
  const print = args.print ?? console.log;
  const wb = args.workbench ?? loadConfig();
  const file = readFile(args.config);
  const rb = runbookConfig(file, wb);
  const res = await withIngest(args, file, rb, wb, (ingest) =>
    runShadow(from, to, rb, {
      ...(ingest ? { ingest } : {}),
      ...(file.promotion ? { rule: file.promotion } : {}),
      onDay: (r) => describe(r).forEach((l) => print(l)),
    }));
  for (const d of res.decisions) {
    print(`${d.promoted ? "PROMOTE" : "keep champion"}: ${d.model} ${d.detail}`);
  }
  return 0;
}
