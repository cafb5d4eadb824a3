/**
 * The daily runbook (`deno task daily --date D`): for one session D,
 *
 * 1. ingest: an optional incremental backfill (injected; the task wires the Polygon daily bars
 *    backfill after the watermarks, against the configured vendor or the simulated market);
 * 2. bars -> features: the curated daily bars as known at D's close, the daily feature panel;
 * 3. models: the champion and every challenger, fitted on the fixed training window, score D;
 * 4. deliverables: every model's long/short target book for D (the champion's is the one to
 *    trade; challengers' are shadow books), written to the lake and to a CSV per day;
 * 5. P&L: each book's net daily return since the live start (first session after the training
 *    window), with the cost model's per-unit cost on turnover;
 * 6. drift: features and predictions of the trailing window vs the training reference (PSI/KL);
 * 7. tripwires: drawdown, slippage vs the cost model, data staleness, drift; all recorded;
 * 8. notification: the day's summary to a file, and by email when SMTP is configured.
 *
 * Idempotent: every output is a function of the lake's bars as known at D's close and the
 * configuration; lake rows are keyed by date, files are byte-stable, and the email is sent once
 * per distinct message (a `.sent` marker with the message digest), so running D twice changes
 * nothing.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { sha256Hex } from "../core/fs.ts";
import { buildDailyFeaturePanel, type DailyFeaturePanel } from "../features/mod.ts";
import { type DatasetSpec, lakeRoot, readDataset, writeDataset } from "../lake/mod.ts";
import { isTradingDay, sessionBounds, tradingDays } from "../time/mod.ts";
import { resolveCostModel } from "../execution/cost_model.ts";
import {
  type NotificationMessage,
  renderEml,
  sendSmtp,
  type SmtpSettings,
  writeNotificationFile,
} from "../notify/mod.ts";
import { loadDailyBars } from "./bars.ts";
import {
  bookWeights,
  fitModel,
  type FittedModel,
  type ModelSpec,
  predictionsBetween,
  scoresAt,
} from "./models.ts";
import { monitorDrift, type MonitoredDrift } from "./drift_monitor.ts";
import {
  drawdownTripwire,
  driftTripwire,
  type FillRecord,
  slippageTripwire,
  stalenessTripwire,
  type TripwireState,
  type TripwireThresholds,
} from "./tripwires.ts";
import { DRIFT, FILLS, PNL, PREDICTIONS, RUNS, TRIPWIRES } from "./state.ts";
import { composeDaySummary } from "./summary.ts";

/** Configuration of the runbook. */
export interface RunbookConfig {
  /** Exactly one champion and any number of challengers. */
  models: ModelSpec[];
  /** Training (reference) window, inclusive session dates. */
  trainStart: string;
  trainEnd: string;
  /** Bars dataset. @default polygon/stock_bars_day curated */
  barsSpec?: DatasetSpec;
  /** Universe. @default every symbol in the bars dataset */
  symbols?: string[];
  /** Sessions of bars read before trainStart for feature warm-up. @default 40 */
  warmupSessions?: number;
  /** Long and short fraction of the ranked names. @default 0.2 */
  topFraction?: number;
  /**
   * Cost per unit of traded notional in bps (the cost model's half-spread plus fees).
   * @default resolveCostModel({ halfSpreadBps: 5 }).halfSpreadBps
   */
  costBps?: number;
  /** Trailing live sessions in the drift sample. @default 20 */
  driftWindow?: number;
  /** PSI bins. @default 10 */
  driftBins?: number;
  /** Trailing sessions of fills for the slippage tripwire. @default 20 */
  slippageWindow?: number;
  thresholds?: TripwireThresholds;
  /** Lake root. @default lakeRoot() */
  root?: string;
}

/** Per-run options of {@linkcode runDaily}. */
export interface RunDailyOptions {
  /** Incremental backfill through D; returns a one-line summary. @default none */
  ingest?: (date: string) => Promise<string>;
  /** Send the summary by email with these settings (skipped when no host). @default none */
  smtp?: SmtpSettings;
  /** Write the notification files. @default true */
  notifyFile?: boolean;
  /** Reuse fitted models across days (shadow replay). */
  fitted?: Map<string, FittedModel>;
}

/** Outcome of one runbook day. */
export interface DailyResult {
  date: string;
  champion: string;
  symbols: string[];
  latestBar: string | null;
  /** Per model: net return of D, cumulative net since live start, turnover of D. */
  pnl: {
    model: string;
    role: string;
    retGross: number;
    retCost: number;
    retNet: number;
    turnover: number;
    cumNet: number;
  }[];
  /** Per model: weights of D (symbol order). */
  weights: Record<string, Float64Array>;
  drift: MonitoredDrift[];
  tripwires: TripwireState[];
  message: NotificationMessage;
  /** Lake writes that changed something (0 on a rerun of the same day). */
  lakeWrites: number;
  /** Files written or emails sent that changed something. */
  notified: { file: boolean; email: "sent" | "already-sent" | "skipped" };
}

const TRANSFORM = "runbook.daily@1";

function checkConfig(cfg: RunbookConfig): ModelSpec {
  const champs = cfg.models.filter((m) => m.role === "champion");
  if (champs.length !== 1) {
    throw new RangeError(`Runbook needs exactly one champion model, got ${champs.length}`);
  }
  const names = new Set(cfg.models.map((m) => m.name));
  if (names.size !== cfg.models.length) throw new RangeError("Runbook model names must be unique");
  if (!(cfg.trainStart < cfg.trainEnd)) {
    throw new RangeError(`Training window ${cfg.trainStart}..${cfg.trainEnd} is empty`);
  }
  return champs[0]!;
}

const dateSeries = (name: string, v: string[]) =>
  pl.Series(name, v).str.strptime(pl.Date, "%Y-%m-%d");

async function write(
  spec: DatasetSpec,
  df: pl.DataFrame,
  date: string,
  root: string,
): Promise<number> {
  if (df.height === 0) return 0;
  const r = await writeDataset(spec, df, {
    transformId: TRANSFORM,
    sourceUri: `runbook://daily/${date}`,
    root,
    ingestedAt: sessionBounds(date)!.close,
  });
  return r.noop ? 0 : 1;
}

/** Book returns of a model from the live start through index T (module doc of models.ts). */
function bookPath(
  fm: FittedModel,
  panel: DailyFeaturePanel,
  tLive: number,
  T: number,
  topFraction: number,
  costBps: number,
) {
  const nS = panel.symbols.length;
  let prev: Float64Array = new Float64Array(nS);
  const net: number[] = [];
  let last: {
    gross: number;
    cost: number;
    net: number;
    turnover: number;
    scores: Float64Array;
    weights: Float64Array;
  } = {
    gross: 0,
    cost: 0,
    net: 0,
    turnover: 0,
    scores: new Float64Array(nS).fill(NaN),
    weights: prev,
  };
  for (let t = tLive; t <= T; t++) {
    let gross = 0;
    if (t > tLive) {
      for (let s = 0; s < nS; s++) {
        const a = panel.close[(t - 1) * nS + s]!, b = panel.close[t * nS + s]!;
        // a name without today's bar contributes 0 (documented gap, not a silent loss of P&L sign)
        if (prev[s]! !== 0 && a > 0 && b > 0) gross += prev[s]! * (b / a - 1);
      }
    }
    const scores = scoresAt(fm, panel, t);
    const { weights } = bookWeights(scores, topFraction);
    let turnover = 0;
    for (let s = 0; s < nS; s++) turnover += Math.abs(weights[s]! - prev[s]!);
    const cost = turnover * costBps / 1e4;
    net.push(gross - cost);
    last = { gross, cost, net: gross - cost, turnover, scores, weights };
    prev = weights;
  }
  return { net, last };
}

/** Run the runbook for one session (module doc). */
export async function runDaily(
  date: string,
  cfg: RunbookConfig,
  options: RunDailyOptions = {},
): Promise<DailyResult> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isTradingDay(date)) {
    throw new RangeError(`Cannot run the daily runbook for ${date}: not a trading session`);
  }
  const champion = checkConfig(cfg);
  if (date <= cfg.trainEnd) {
    throw new RangeError(
      `Cannot run ${date}: it is inside the training window (ends ${cfg.trainEnd})`,
    );
  }
  const root = lakeRoot(cfg.root);
  const topFraction = cfg.topFraction ?? 0.2;
  const costBps = cfg.costBps ?? resolveCostModel({ halfSpreadBps: 5 }).halfSpreadBps;
  const asOf = sessionBounds(date)!.close;

  const ingestLine = options.ingest ? await options.ingest(date) : undefined;

  // bars -> features
  const lookback = tradingDays("2000-01-03", cfg.trainStart);
  const start = lookback[Math.max(0, lookback.length - 1 - (cfg.warmupSessions ?? 40))]!;
  const loaded = await loadDailyBars({
    start,
    end: date,
    root,
    ...(cfg.barsSpec ? { spec: cfg.barsSpec } : {}),
    ...(cfg.symbols ? { symbols: cfg.symbols } : {}),
  });
  const staleness = stalenessTripwire(date, loaded.latest, cfg.thresholds);
  if (loaded.bars.length === 0) {
    throw new RangeError(`Cannot run ${date}: no bars in the lake for ${start}..${date}`);
  }
  const features = [...new Set(cfg.models.flatMap((m) => m.features))].sort();
  const panel = buildDailyFeaturePanel(loaded.bars, { features });
  // the grid is the union of bar dates; D itself may be missing when data is stale
  let T = -1;
  for (let t = 0; t < panel.dates.length; t++) if (panel.dates[t]! <= date) T = t;
  const tLive = panel.dates.findIndex((d) => d > cfg.trainEnd);
  if (tLive < 0 || T < tLive) {
    throw new RangeError(`Cannot run ${date}: no live sessions after ${cfg.trainEnd} in the bars`);
  }

  // models, books, P&L
  const fitted = options.fitted ?? new Map<string, FittedModel>();
  const results: DailyResult["pnl"] = [];
  const weights: Record<string, Float64Array> = {};
  const predRows = {
    model: [] as string[],
    role: [] as string[],
    symbol: [] as string[],
    score: [] as number[],
    rank: [] as number[],
    weight: [] as number[],
  };
  let championNet: number[] = [];
  const currentPreds: Record<string, Float64Array> = {};
  const referencePreds: Record<string, Float64Array> = {};
  const tDrift = Math.max(tLive, T - (cfg.driftWindow ?? 20) + 1);
  for (const spec of cfg.models) {
    let fm = fitted.get(spec.name);
    if (!fm) {
      fm = fitModel(spec, panel, cfg);
      fitted.set(spec.name, fm);
    }
    const path = bookPath(fm, panel, tLive, T, topFraction, costBps);
    const cum = path.net.reduce((e, r) => e * (1 + r), 1) - 1;
    results.push({
      model: spec.name,
      role: spec.role,
      retGross: path.last.gross,
      retCost: path.last.cost,
      retNet: path.last.net,
      turnover: path.last.turnover,
      cumNet: cum,
    });
    if (spec.role === "champion") championNet = path.net;
    weights[spec.name] = path.last.weights;
    const { rankPct } = bookWeights(path.last.scores, topFraction);
    panel.symbols.forEach((sym, s) => {
      if (!Number.isFinite(path.last.scores[s]!)) return;
      predRows.model.push(spec.name);
      predRows.role.push(spec.role);
      predRows.symbol.push(sym);
      predRows.score.push(path.last.scores[s]!);
      predRows.rank.push(rankPct[s]!);
      predRows.weight.push(path.last.weights[s]!);
    });
    currentPreds[spec.name] = predictionsBetween(fm, panel, tDrift, T).predictions;
    referencePreds[spec.name] = fm.referencePredictions;
  }

  // drift: per feature, the training dates vs the trailing live window
  const nS = panel.symbols.length;
  const t0 = panel.dates.findIndex((d) => d >= cfg.trainStart);
  const slice = (x: Float64Array, a: number, b: number) => x.subarray(a * nS, (b + 1) * nS);
  const refF: Record<string, Float64Array> = {}, curF: Record<string, Float64Array> = {};
  for (const f of features) {
    refF[f] = slice(panel.features[f]!, t0, tLive - 1);
    curF[f] = slice(panel.features[f]!, tDrift, T);
  }
  const drift = monitorDrift(
    { features: refF, predictions: referencePreds },
    { features: curF, predictions: currentPreds },
    { bins: cfg.driftBins ?? 10, minCurrent: Math.min(20, nS) },
  ).rows;

  // fills for the slippage tripwire
  const sessions = tradingDays("2000-01-03", date);
  const fillStart = sessions[Math.max(0, sessions.length - (cfg.slippageWindow ?? 20))]!;
  const fillsDf = await readDataset(FILLS, {
    root,
    start: new Date(`${fillStart}T00:00:00Z`),
    end: new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000),
  });
  const fills: FillRecord[] = [];
  if (fillsDf.height > 0) {
    const side = fillsDf.getColumn("side").toArray() as number[];
    const arr = fillsDf.getColumn("arrival_px").toArray() as number[];
    const fil = fillsDf.getColumn("fill_px").toArray() as number[];
    const mc = fillsDf.getColumn("model_cost_bps").toArray() as number[];
    for (let i = 0; i < side.length; i++) {
      fills.push({
        side: Number(side[i]),
        arrivalPx: arr[i]!,
        fillPx: fil[i]!,
        modelCostBps: mc[i]!,
      });
    }
  }

  const tripwires: TripwireState[] = [
    drawdownTripwire(date, championNet, cfg.thresholds),
    slippageTripwire(date, fills, cfg.thresholds),
    staleness,
    driftTripwire(
      date,
      drift.filter((d) => d.kind === "feature"),
      drift.filter((d) => d.kind === "prediction"),
      cfg.thresholds,
    ),
  ];

  // summary
  const champScores = predRows.symbol.map((sym, i) => ({ sym, i })).filter(({ i }) =>
    predRows.model[i] === champion.name
  );
  const book = champScores
    .filter(({ i }) => predRows.weight[i] !== 0)
    .map(({ sym, i }) => ({ symbol: sym, weight: predRows.weight[i]!, score: predRows.score[i]! }));
  const message = composeDaySummary({
    date,
    asOf,
    champion: champion.name,
    latestBar: loaded.latest,
    symbols: nS,
    book,
    pnl: results.map((p) => ({
      model: p.model,
      role: p.role,
      retNet: p.retNet,
      turnover: p.turnover,
      cumNet: p.cumNet,
    })),
    tripwires,
    drift,
    ...(ingestLine ? { ingest: ingestLine } : {}),
  });

  // lake state
  const n = predRows.model.length;
  let lakeWrites = 0;
  lakeWrites += await write(
    PREDICTIONS,
    pl.DataFrame([
      dateSeries("date", Array(n).fill(date)),
      pl.Series("model", predRows.model, pl.Utf8),
      pl.Series("role", predRows.role, pl.Utf8),
      pl.Series("symbol", predRows.symbol, pl.Utf8),
      pl.Series("score", predRows.score, pl.Float64),
      pl.Series("rank_pct", predRows.rank, pl.Float64),
      pl.Series("weight", predRows.weight, pl.Float64),
    ]),
    date,
    root,
  );
  lakeWrites += await write(
    PNL,
    pl.DataFrame([
      dateSeries("date", results.map(() => date)),
      pl.Series("model", results.map((r) => r.model), pl.Utf8),
      pl.Series("role", results.map((r) => r.role), pl.Utf8),
      pl.Series("ret_gross", results.map((r) => r.retGross), pl.Float64),
      pl.Series("ret_cost", results.map((r) => r.retCost), pl.Float64),
      pl.Series("ret_net", results.map((r) => r.retNet), pl.Float64),
      pl.Series("turnover", results.map((r) => r.turnover), pl.Float64),
    ]),
    date,
    root,
  );
  lakeWrites += await write(
    DRIFT,
    pl.DataFrame([
      dateSeries("date", drift.map(() => date)),
      pl.Series("kind", drift.map((d) => d.kind), pl.Utf8),
      pl.Series("name", drift.map((d) => d.feature), pl.Utf8),
      pl.Series("psi", drift.map((d) => d.psi), pl.Float64),
      pl.Series("kl", drift.map((d) => d.kl), pl.Float64),
      pl.Series("ks", drift.map((d) => d.ks), pl.Float64),
      pl.Series("status", drift.map((d) => d.status), pl.Utf8),
      pl.Series("reference_n", BigInt64Array.from(drift, (d) => BigInt(d.referenceCount))),
      pl.Series("current_n", BigInt64Array.from(drift, (d) => BigInt(d.currentCount))),
    ]),
    date,
    root,
  );
  lakeWrites += await write(
    TRIPWIRES,
    pl.DataFrame([
      dateSeries("date", tripwires.map(() => date)),
      pl.Series("tripwire", tripwires.map((t) => t.tripwire), pl.Utf8),
      pl.Series("value", tripwires.map((t) => t.value), pl.Float64),
      pl.Series("threshold", tripwires.map((t) => t.threshold), pl.Float64),
      pl.Series("fired", tripwires.map((t) => t.fired), pl.Bool),
      pl.Series("status", tripwires.map((t) => t.status), pl.Utf8),
      pl.Series("detail", tripwires.map((t) => t.detail), pl.Utf8),
    ]),
    date,
    root,
  );
  lakeWrites += await write(
    RUNS,
    pl.DataFrame([
      dateSeries("date", [date]),
      pl.Series("champion", [champion.name], pl.Utf8),
      pl.Series("challengers", [
        cfg.models.filter((m) => m.role === "challenger").map((m) => m.name).join(","),
      ], pl.Utf8),
      pl.Series("symbols", BigInt64Array.from([BigInt(nS)])),
      pl.Series("latest_bar", [loaded.latest ?? ""], pl.Utf8),
      pl.Series(
        "fired",
        [tripwires.filter((t) => t.fired).map((t) => t.tripwire).join(",")],
        pl.Utf8,
      ),
      pl.Series("notification_id", [message.id], pl.Utf8),
    ]),
    date,
    root,
  );

  // deliverables file: every model's book of D
  const ops = join(root, "_ops");
  const delivDir = join(ops, "deliverables");
  Deno.mkdirSync(delivDir, { recursive: true });
  const csv = ["date,model,role,symbol,score,rank_pct,weight"];
  for (let i = 0; i < n; i++) {
    csv.push(
      [
        date,
        predRows.model[i],
        predRows.role[i],
        predRows.symbol[i],
        predRows.score[i]!.toPrecision(10),
        predRows.rank[i]!.toFixed(6),
        predRows.weight[i]!.toFixed(6),
      ].join(","),
    );
  }
  const csvText = csv.join("\n") + "\n";
  const csvPath = join(delivDir, `${date}.csv`);
  let old = "";
  try {
    old = Deno.readTextFileSync(csvPath);
  } catch { /* first run */ }
  if (old !== csvText) {
    Deno.writeTextFileSync(`${csvPath}.tmp`, csvText);
    Deno.renameSync(`${csvPath}.tmp`, csvPath);
    lakeWrites++;
  }

  // notification
  const notifyDir = join(ops, "notifications");
  let file = false;
  if (options.notifyFile ?? true) file = (await writeNotificationFile(message, notifyDir)).changed;
  let email: DailyResult["notified"]["email"] = "skipped";
  if (options.smtp?.host) {
    const digest = await sha256Hex(await renderEml(message));
    const marker = join(notifyDir, `${message.id}.sent`);
    let sent = "";
    try {
      sent = Deno.readTextFileSync(marker).trim();
    } catch { /* never sent */ }
    if (sent === digest) email = "already-sent";
    else {
      await sendSmtp(message, options.smtp);
      Deno.mkdirSync(notifyDir, { recursive: true });
      Deno.writeTextFileSync(marker, digest + "\n");
      email = "sent";
    }
  }

  return {
    date,
    champion: champion.name,
    symbols: panel.symbols,
    latestBar: loaded.latest,
    pnl: results,
    weights,
    drift,
    tripwires,
    message,
    lakeWrites,
    notified: { file, email },
  };
}
