/**
 * The runbook's models: a champion and challengers, each a ridge regression of the next
 * session's close-to-close return on a set of daily features, fitted once on a fixed training
 * window (so every day of the runbook, and every rerun, uses the same fitted model), and a
 * long/short book from each model's cross-sectional ranking.
 *
 * Label: y_{t,s} = close_{t+1,s} / close_{t,s} - 1. A training row (t, s) needs t+1 <= trainEnd,
 * so no label reaches past the training window. Features are standardised on the training rows.
 * Book: rank the finite scores of a date; the top `topFraction` of names are long with equal
 * weight summing to +0.5, the bottom `topFraction` short summing to -0.5 (gross 1, net 0).
 */
import { fitRidge, type LinearModel, predictLinear } from "../models/linear.ts";
import { matrixFromColumns } from "../models/matrix.ts";
import type { DailyFeaturePanel } from "../features/mod.ts";

/** A model of the runbook. */
export interface ModelSpec {
  name: string;
  role: "champion" | "challenger";
  /** Daily panel feature names (see DAILY_FEATURES). */
  features: string[];
  /** Ridge penalty on standardised coefficients. @default 1 */
  alpha?: number;
}

/** A fitted model with its training-reference sample. */
export interface FittedModel {
  spec: ModelSpec;
  model: LinearModel;
  /** Feature values of the training rows (reference sample for drift). */
  referenceFeatures: Record<string, Float64Array>;
  /** In-sample predictions on the training rows (reference sample for prediction drift). */
  referencePredictions: Float64Array;
  trainRows: number;
}

/** Next-session simple returns on the panel grid (NaN where either close is missing). */
export function nextReturns(panel: DailyFeaturePanel): Float64Array {
  const nS = panel.symbols.length, nT = panel.dates.length;
  const y = new Float64Array(nS * nT).fill(NaN);
  for (let t = 0; t + 1 < nT; t++) {
    for (let s = 0; s < nS; s++) {
      const a = panel.close[t * nS + s]!, b = panel.close[(t + 1) * nS + s]!;
      if (a > 0 && b > 0) y[t * nS + s] = b / a - 1;
    }
  }
  return y;
}

function rowsWhere(
  panel: DailyFeaturePanel,
  features: string[],
  tFrom: number,
  tTo: number,
  extra?: Float64Array,
): number[] {
  const nS = panel.symbols.length;
  const out: number[] = [];
  for (let t = Math.max(0, tFrom); t <= tTo && t < panel.dates.length; t++) {
    for (let s = 0; s < nS; s++) {
      const i = t * nS + s;
      if (extra && !Number.isFinite(extra[i]!)) continue;
      if (features.every((f) => Number.isFinite(panel.features[f]?.[i] ?? NaN))) out.push(i);
    }
  }
  return out;
}

function columnsAt(panel: DailyFeaturePanel, features: string[], rows: number[]) {
  const cols: Record<string, Float64Array> = {};
  for (const f of features) cols[f] = Float64Array.from(rows, (i) => panel.features[f]![i]!);
  return cols;
}

/**
 * Fit a model on the panel's training window [trainStart, trainEnd] (dates inclusive).
 * Throws a RangeError when fewer than 30 complete training rows exist.
 */
export function fitModel(
  spec: ModelSpec,
  panel: DailyFeaturePanel,
  window: { trainStart: string; trainEnd: string },
): FittedModel {
  for (const f of spec.features) {
    if (!panel.features[f]) {
      throw new RangeError(`Model ${spec.name}: feature ${f} is not in the panel`);
    }
  }
  const y = nextReturns(panel);
  const t0 = panel.dates.findIndex((d) => d >= window.trainStart);
  let t1 = -1;
  for (let t = 0; t < panel.dates.length; t++) if (panel.dates[t]! <= window.trainEnd) t1 = t;
  // the label of the last training date needs the next date inside the window
  const rows = t0 < 0 ? [] : rowsWhere(panel, spec.features, t0, t1 - 1, y);
  if (rows.length < 30) {
    throw new RangeError(
      `Cannot fit model ${spec.name}: ${rows.length} complete training rows in ${window.trainStart}..${window.trainEnd} (need 30)`,
    );
  }
  const cols = columnsAt(panel, spec.features, rows);
  const x = matrixFromColumns(cols);
  const model = fitRidge(x, Float64Array.from(rows, (i) => y[i]!), {
    alpha: spec.alpha ?? 1,
    standardize: true,
  });
  return {
    spec,
    model,
    referenceFeatures: cols,
    referencePredictions: predictLinear(model, x),
    trainRows: rows.length,
  };
}

/** Scores of one date index (NaN where a feature is missing). */
export function scoresAt(fm: FittedModel, panel: DailyFeaturePanel, t: number): Float64Array {
  const nS = panel.symbols.length;
  const out = new Float64Array(nS).fill(NaN);
  const rows = rowsWhere(panel, fm.spec.features, t, t);
  if (rows.length === 0) return out;
  const p = predictLinear(fm.model, matrixFromColumns(columnsAt(panel, fm.spec.features, rows)));
  rows.forEach((i, k) => (out[i - t * nS] = p[k]!));
  return out;
}

/** Predictions of the rows of dates [tFrom, tTo] (for prediction drift). */
export function predictionsBetween(
  fm: FittedModel,
  panel: DailyFeaturePanel,
  tFrom: number,
  tTo: number,
): { rows: number[]; predictions: Float64Array } {
  const rows = rowsWhere(panel, fm.spec.features, tFrom, tTo);
  if (rows.length === 0) return { rows, predictions: new Float64Array(0) };
  return {
    rows,
    predictions: predictLinear(
      fm.model,
      matrixFromColumns(columnsAt(panel, fm.spec.features, rows)),
    ),
  };
}

/**
 * Percentile ranks (0..1, ties averaged; NaN stays NaN) and long/short weights of one date's
 * scores (module doc).
 *
 * @example
 * ```ts
 * import { bookWeights } from "./models.ts";
 * bookWeights(Float64Array.from([0.3, -0.1, 0.2, NaN, -0.4]), 0.25).weights;
 * // [0.5, 0, 0, 0, -0.5]: one long (top 25% of 4 names), one short
 * ```
 */
export function bookWeights(
  scores: Float64Array,
  topFraction = 0.2,
): { rankPct: Float64Array; weights: Float64Array } {
  const idx = [...scores.keys()].filter((i) => Number.isFinite(scores[i]!));
  idx.sort((a, b) => scores[a]! - scores[b]! || a - b);
  const n = idx.length;
  const rankPct = new Float64Array(scores.length).fill(NaN);
  const weights = new Float64Array(scores.length);
  let k = 0;
  while (k < n) {
    let j = k;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[k]!]) j++;
    const r = n === 1 ? 0.5 : ((k + j) / 2) / (n - 1);
    for (let m = k; m <= j; m++) rankPct[idx[m]!] = r;
    k = j + 1;
  }
  const q = Math.floor(n * topFraction);
  if (q >= 1 && 2 * q <= n) {
    for (let m = 0; m < q; m++) {
      weights[idx[m]!] = -0.5 / q;
      weights[idx[n - 1 - m]!] = 0.5 / q;
    }
  }
  return { rankPct, weights };
}
