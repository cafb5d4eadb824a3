/**
 * Shadow trading (`deno task shadow --from D1 --to D2`): replay the daily runbook session by
 * session so every challenger runs a paper book beside the champion, then decide promotion.
 *
 * Promotion rule: a challenger is promoted when (a) in at least `weeksRequired` calendar weeks
 * of the shadow period its compounded net weekly return, prod(1 + r_net) - 1 over the week's
 * sessions, beat the champion's over the same sessions, and (b) its daily net returns over the
 * shadow period pass the validation go/no-go gate (`goNoGo` of lib/validation, with the
 * caller's trial statistics, PBO and thresholds; missing evidence fails the gate). Weeks are
 * keyed by their Monday (ISO week); a partial week at either end counts as a week.
 */
import pl from "nodejs-polars";
import {
  goNoGo,
  type GoNoGoInput,
  type GoNoGoOptions,
  type GoNoGoResult,
} from "../validation/mod.ts";
import { lakeRoot, writeDataset } from "../lake/mod.ts";
import { sessionBounds, tradingDays } from "../time/mod.ts";
import { type DailyResult, type RunbookConfig, runDaily, type RunDailyOptions } from "./daily.ts";
import type { FittedModel } from "./models.ts";
import { PROMOTIONS } from "./state.ts";

/** The promotion rule. */
export interface PromotionRule {
  /** Shadow weeks a challenger must win against the champion, net of costs. @default 4 */
  weeksRequired?: number;
  /** Gate thresholds. @default goNoGo defaults */
  gate?: GoNoGoOptions;
  /** Gate evidence: trials behind the challenger and its PBO. @default none (the gate fails them) */
  evidence?: Pick<GoNoGoInput, "trials" | "pbo">;
}

/** A daily net return of a model. */
export interface DailyNet {
  date: string;
  retNet: number;
}

/** A promotion decision for one challenger. */
export interface PromotionDecision {
  model: string;
  champion: string;
  weeks: number;
  weeksWon: number;
  weeksRequired: number;
  gate: GoNoGoResult | null;
  promoted: boolean;
  detail: string;
}

/** Monday (YYYY-MM-DD) of the ISO week of a date. */
export function weekOf(date: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  const dow = (new Date(t).getUTCDay() + 6) % 7; // Monday 0
  return new Date(t - dow * 86_400_000).toISOString().slice(0, 10);
}

/** Compounded net return per week, keyed by the week's Monday. */
export function weeklyReturns(daily: DailyNet[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of [...daily].sort((a, b) => (a.date < b.date ? -1 : 1))) {
    const w = weekOf(d.date);
    out.set(w, (1 + (out.get(w) ?? 0)) * (1 + d.retNet) - 1);
  }
  return out;
}

/**
 * Decide whether a challenger replaces the champion (module doc). Only sessions both models
 * traded are compared.
 *
 * @example
 * ```ts ignore
 * promotionDecision("ridge_mom", champDaily, "ridge_vol", challDaily, { weeksRequired: 4 });
 * ```
 */
export function promotionDecision(
  champion: string,
  championDaily: DailyNet[],
  challenger: string,
  challengerDaily: DailyNet[],
  rule: PromotionRule = {},
): PromotionDecision {
  const weeksRequired = rule.weeksRequired ?? 4;
  const both = new Set(championDaily.map((d) => d.date));
  const ch = challengerDaily.filter((d) => both.has(d.date));
  const common = new Set(ch.map((d) => d.date));
  const cw = weeklyReturns(championDaily.filter((d) => common.has(d.date)));
  const xw = weeklyReturns(ch);
  let won = 0;
  for (const [w, r] of xw) if (r > (cw.get(w) ?? 0)) won++;
  let gate: GoNoGoResult | null = null;
  let gateNote = "gate not run (fewer than 2 shadow sessions)";
  if (ch.length >= 2) {
    gate = goNoGo(
      { returns: ch.map((d) => d.retNet), ...rule.evidence, outOfSample: true, netOfCosts: true },
      rule.gate ?? {},
    );
    const failed = gate.criteria.filter((c) => c.status === "fail").map((c) => c.name);
    gateNote = `gate ${gate.verdict}${failed.length ? ` (failed: ${failed.join(", ")})` : ""}`;
  }
  const promoted = won >= weeksRequired && gate?.verdict === "go";
  return {
    model: challenger,
    champion,
    weeks: xw.size,
    weeksWon: won,
    weeksRequired,
    gate,
    promoted,
    detail:
      `won ${won}/${xw.size} shadow weeks vs ${champion} (need ${weeksRequired}); ${gateNote}`,
  };
}

/** Options for {@linkcode runShadow}. */
export interface ShadowOptions extends Omit<RunDailyOptions, "fitted"> {
  rule?: PromotionRule;
  /** Called after each replayed day. */
  onDay?: (r: DailyResult) => void;
}

/** What a shadow replay produced. */
export interface ShadowResult {
  days: DailyResult[];
  decisions: PromotionDecision[];
}

/**
 * Replay the runbook for every session in [from, to] (models fitted once), then decide each
 * challenger's promotion and record the decisions in `reference/runbook/promotions`.
 */
export async function runShadow(
  from: string,
  to: string,
  cfg: RunbookConfig,
  options: ShadowOptions = {},
): Promise<ShadowResult> {
  const sessions = tradingDays(from, to);
  if (sessions.length === 0) throw new RangeError(`No trading sessions in ${from}..${to}`);
  const fitted = new Map<string, FittedModel>();
  const days: DailyResult[] = [];
  for (const d of sessions) {
    const { rule: _r, onDay: _o, ...daily } = options;
    const r = await runDaily(d, cfg, { ...daily, fitted });
    days.push(r);
    options.onDay?.(r);
  }
  const series = (model: string): DailyNet[] =>
    days.map((r) => ({ date: r.date, retNet: r.pnl.find((p) => p.model === model)!.retNet }));
  const champion = cfg.models.find((m) => m.role === "champion")!.name;
  const decisions = cfg.models.filter((m) => m.role === "challenger").map((m) =>
    promotionDecision(champion, series(champion), m.name, series(m.name), options.rule)
  );
  if (decisions.length > 0) {
    const asOf = sessions[sessions.length - 1]!;
    await writeDataset(
      PROMOTIONS,
      pl.DataFrame([
        pl.Series("as_of", decisions.map(() => asOf)).str.strptime(pl.Date, "%Y-%m-%d"),
        pl.Series("model", decisions.map((x) => x.model), pl.Utf8),
        pl.Series("champion", decisions.map((x) => x.champion), pl.Utf8),
        pl.Series("weeks", BigInt64Array.from(decisions, (x) => BigInt(x.weeks))),
        pl.Series("weeks_won", BigInt64Array.from(decisions, (x) => BigInt(x.weeksWon))),
        pl.Series("weeks_required", BigInt64Array.from(decisions, (x) => BigInt(x.weeksRequired))),
        pl.Series("gate_verdict", decisions.map((x) => x.gate?.verdict ?? "not-run"), pl.Utf8),
        pl.Series("promoted", decisions.map((x) => x.promoted), pl.Bool),
        pl.Series("detail", decisions.map((x) => x.detail), pl.Utf8),
      ]),
      {
        transformId: "runbook.shadow@1",
        sourceUri: `runbook://shadow/${from}/${to}`,
        root: lakeRoot(cfg.root),
        ingestedAt: sessionBounds(asOf)!.close,
      },
    );
  }
  return { days, decisions };
}
