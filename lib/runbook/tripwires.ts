/**
 * Tripwires of the daily runbook: conditions that stop trusting the live strategy until a human
 * looks. Each evaluates to a {@linkcode TripwireState} with its measured value, threshold and
 * outcome, and the runbook records every state (fired or not) in the lake.
 *
 * - `drawdown`: current drawdown of the champion's net daily returns from their running peak,
 *   geometric (DD_t = 1 - E_t / max_{s<=t} E_s, E = prod(1 + r)); fires when DD_t >= threshold.
 * - `slippage`: mean realised slippage of the trailing fills in bps,
 *   side * (fill_px - arrival_px) / arrival_px * 1e4 (side +1 buy, -1 sell; positive = cost),
 *   against the mean cost the model charged for the same fills; fires when
 *   realised > maxRatio * modelled + slackBps, with at least `minFills` fills (else "no_data").
 * - `staleness`: trading sessions between the newest curated bar and the run date
 *   (0 = the run date's bar is in); fires when the lag exceeds `maxLagSessions`.
 * - `drift`: the worst PSI of the features and of the predictions against the training
 *   reference; fires when the prediction PSI >= `psiAlarm`, or when at least `minFeatures`
 *   features have PSI >= `psiAlarm` (PSI 0.25 = "significant shift", Yurdakul 2018).
 */
import type { DriftRow } from "../validation/mod.ts";
import { tradingDays } from "../time/mod.ts";

/** Names of the tripwires. */
export type TripwireName = "drawdown" | "slippage" | "staleness" | "drift";

/** One tripwire's outcome on one date. */
export interface TripwireState {
  date: string;
  tripwire: TripwireName;
  /** Measured value (NaN when there was no data). */
  value: number;
  threshold: number;
  fired: boolean;
  status: "ok" | "fired" | "no_data";
  /** Human-readable explanation with the numbers. */
  detail: string;
}

/** Thresholds of the tripwires. */
export interface TripwireThresholds {
  /** Drawdown from peak (fraction) that fires. @default 0.1 */
  maxDrawdown?: number;
  /** Realised slippage may be this multiple of the modelled cost. @default 2 */
  slippageMaxRatio?: number;
  /** Plus this many bps of slack. @default 2 */
  slippageSlackBps?: number;
  /** Fewer fills than this is "no_data". @default 10 */
  slippageMinFills?: number;
  /** Sessions of lag allowed between the newest bar and the run date. @default 0 */
  maxLagSessions?: number;
  /** PSI at or above which a column counts as drifted. @default 0.25 */
  psiAlarm?: number;
  /** Drifted features needed to fire (the prediction alone always suffices). @default 3 */
  minFeatures?: number;
}

/** Resolved thresholds. */
export function resolveThresholds(t: TripwireThresholds = {}): Required<TripwireThresholds> {
  return {
    maxDrawdown: t.maxDrawdown ?? 0.1,
    slippageMaxRatio: t.slippageMaxRatio ?? 2,
    slippageSlackBps: t.slippageSlackBps ?? 2,
    slippageMinFills: t.slippageMinFills ?? 10,
    maxLagSessions: t.maxLagSessions ?? 0,
    psiAlarm: t.psiAlarm ?? 0.25,
    minFeatures: t.minFeatures ?? 3,
  };
}

const f4 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));

function state(
  date: string,
  tripwire: TripwireName,
  value: number,
  threshold: number,
  fired: boolean | null,
  detail: string,
): TripwireState {
  return {
    date,
    tripwire,
    value,
    threshold,
    fired: fired === true,
    status: fired === null ? "no_data" : fired ? "fired" : "ok",
    detail,
  };
}

/**
 * Current drawdown from the running peak of simple returns (geometric), 0 for no returns.
 *
 * @example
 * ```ts
 * import { currentDrawdown } from "./tripwires.ts";
 * currentDrawdown([0.1, -0.5]); // 0.5
 * currentDrawdown([0.1, -0.5, 1.0]); // 0 (new peak 1.1)
 * ```
 */
export function currentDrawdown(returns: ArrayLike<number>): number {
  let equity = 1, peak = 1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (!Number.isFinite(r) || r < -1) {
      throw new RangeError(`Cannot compute drawdown: return at index ${i} is ${r}`);
    }
    equity *= 1 + r;
    peak = Math.max(peak, equity);
  }
  return 1 - equity / peak;
}

/** Drawdown tripwire on the champion's net returns up to `date`. */
export function drawdownTripwire(
  date: string,
  returns: ArrayLike<number>,
  thresholds: TripwireThresholds = {},
): TripwireState {
  const t = resolveThresholds(thresholds).maxDrawdown;
  if (returns.length === 0) return state(date, "drawdown", NaN, t, null, "no returns yet");
  const dd = currentDrawdown(returns);
  return state(
    date,
    "drawdown",
    dd,
    t,
    dd >= t,
    `drawdown ${f4(dd * 100)}% from peak over ${returns.length} sessions (limit ${f4(t * 100)}%)`,
  );
}

/** A fill for the slippage tripwire. */
export interface FillRecord {
  /** +1 buy, -1 sell. */
  side: number;
  arrivalPx: number;
  fillPx: number;
  /** The cost the model charged for this fill, bps of notional. */
  modelCostBps: number;
}

/** Slippage tripwire over the trailing fills. */
export function slippageTripwire(
  date: string,
  fills: FillRecord[],
  thresholds: TripwireThresholds = {},
): TripwireState {
  const t = resolveThresholds(thresholds);
  const ok = fills.filter((f) =>
    (f.side === 1 || f.side === -1) && f.arrivalPx > 0 && Number.isFinite(f.fillPx) &&
    Number.isFinite(f.modelCostBps)
  );
  const bad = fills.length - ok.length;
  if (ok.length < t.slippageMinFills) {
    return state(
      date,
      "slippage",
      NaN,
      NaN,
      null,
      `${ok.length} valid fills (need ${t.slippageMinFills})${bad ? `, ${bad} rejected` : ""}`,
    );
  }
  let real = 0, model = 0;
  for (const f of ok) {
    real += f.side * (f.fillPx - f.arrivalPx) / f.arrivalPx * 1e4;
    model += f.modelCostBps;
  }
  real /= ok.length;
  model /= ok.length;
  const limit = t.slippageMaxRatio * model + t.slippageSlackBps;
  return state(
    date,
    "slippage",
    real,
    limit,
    real > limit,
    `realised ${f4(real)} bps vs modelled ${f4(model)} bps over ${ok.length} fills (limit ${
      f4(limit)
    } bps)${bad ? `; ${bad} fills rejected` : ""}`,
  );
}

/** Staleness tripwire: `latest` is the newest curated bar date (null: no data at all). */
export function stalenessTripwire(
  date: string,
  latest: string | null,
  thresholds: TripwireThresholds = {},
): TripwireState {
  const t = resolveThresholds(thresholds).maxLagSessions;
  if (latest === null) {
    return state(date, "staleness", Infinity, t, true, "no curated bars at all");
  }
  // sessions strictly after `latest` up to and including `date`
  const lag = latest >= date ? 0 : tradingDays(latest, date).filter((d) => d > latest).length;
  return state(
    date,
    "staleness",
    lag,
    t,
    lag > t,
    `newest bar ${latest}, ${lag} session(s) behind ${date} (allowed ${t})`,
  );
}

/** Drift tripwire from the day's drift rows (`feature` "prediction:<model>" for predictions). */
export function driftTripwire(
  date: string,
  features: DriftRow[],
  predictions: DriftRow[],
  thresholds: TripwireThresholds = {},
): TripwireState {
  const t = resolveThresholds(thresholds);
  if (features.length === 0 && predictions.length === 0) {
    return state(date, "drift", NaN, t.psiAlarm, null, "no drift measured");
  }
  const hotF = features.filter((r) => r.psi >= t.psiAlarm);
  const hotP = predictions.filter((r) => r.psi >= t.psiAlarm);
  const worst = Math.max(...features.map((r) => r.psi), ...predictions.map((r) => r.psi));
  const fired = hotP.length > 0 || hotF.length >= t.minFeatures;
  const names = [...hotP, ...hotF].map((r) => `${r.feature} ${f4(r.psi)}`).join(", ");
  return state(
    date,
    "drift",
    worst,
    t.psiAlarm,
    fired,
    `${hotF.length}/${features.length} features and ${hotP.length}/${predictions.length} ` +
      `predictions with PSI >= ${t.psiAlarm}${names ? ` (${names})` : ""}`,
  );
}
