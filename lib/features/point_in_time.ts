/**
 * Point-in-time harness: proves, by perturbation, that a feature never looks ahead and that a
 * label looks ahead by no more than its declared horizon. Usable on any function of typed-array
 * columns, including users' own features.
 *
 * Method: compute the outputs once on the given inputs; then, for each cut-off time t, replace
 * every input value whose time is after t by a perturbed value and recompute. A feature passes
 * when every output at a time <= t is unchanged (bit for bit, NaN equal to NaN). A label with
 * horizon h passes when every output at a time <= t - h is unchanged (its value at time s may
 * depend on inputs up to s + h).
 *
 * Layout: input and output arrays are time-major; with `width` w, index i belongs to time
 * floor(i / w) (a panel of w symbols per date). A perturbation test can only find leaks that the
 * perturbation reaches: the default multiplies values by exp(0.25 z), z ~ N(0, 1), which keeps
 * the sign of prices, volumes and volatilities.
 */
import { Rng } from "../core/mod.ts";

/** A function under test: named input columns to one output column or several. */
export type ColumnsFn = (
  inputs: Record<string, Float64Array>,
) => ArrayLike<number> | Record<string, ArrayLike<number>>;

/** Options for {@linkcode checkPointInTime}. */
export interface PointInTimeOptions {
  /** Columns per time step in the inputs (panel width). @default 1 */
  width?: number;
  /** Columns per time step in the outputs. @default width */
  outputWidth?: number;
  /** How far (in time steps) the outputs may look ahead: 0 for features, h for labels. @default 0 */
  horizon?: number;
  /** Cut-off times to test. @default 12 times spread over the series, first and last included */
  cutoffs?: number[];
  /** Replacement for an input value after the cut-off. @default v * exp(0.25 z) */
  perturb?: (value: number, column: string, rng: Rng) => number;
  /** Input columns to leave untouched (e.g. calendar keys). @default [] */
  fixed?: string[];
  /** Seed of the perturbation. @default 7 */
  seed?: number;
}

/** One output value that changed although it was computed before the perturbed data. */
export interface PointInTimeViolation {
  output: string;
  index: number;
  time: number;
  cutoff: number;
  before: number;
  after: number;
}

/** Result of {@linkcode checkPointInTime}. */
export interface PointInTimeReport {
  ok: boolean;
  cutoffsTested: number;
  violations: PointInTimeViolation[];
}

function asRecord(
  out: ArrayLike<number> | Record<string, ArrayLike<number>>,
): Record<string, ArrayLike<number>> {
  return typeof (out as ArrayLike<number>).length === "number"
    ? { value: out as ArrayLike<number> }
    : (out as Record<string, ArrayLike<number>>);
}

/**
 * Runs the perturbation test and reports violations (at most 20 are kept).
 *
 * @example
 * ```ts
 * const rep = checkPointInTime(({ close }) => sma(close, 5), { close });
 * if (!rep.ok) console.log(rep.violations[0]);
 * ```
 */
export function checkPointInTime(
  fn: ColumnsFn,
  inputs: Record<string, Float64Array>,
  options: PointInTimeOptions = {},
): PointInTimeReport {
  const width = options.width ?? 1;
  const outW = options.outputWidth ?? width;
  const horizon = options.horizon ?? 0;
  const fixed = new Set(options.fixed ?? []);
  const rng = new Rng(options.seed ?? 7);
  const perturb = options.perturb ??
    ((v: number, _c: string, r: Rng) => v * Math.exp(0.25 * r.normal()));
  const names = Object.keys(inputs);
  const len = names.length ? inputs[names[0]!]!.length : 0;
  const steps = Math.floor(len / width);
  let cutoffs = options.cutoffs;
  if (!cutoffs) {
    const k = Math.min(12, steps);
    cutoffs = Array.from(
      { length: k },
      (_, j) => (k <= 1 ? 0 : Math.round((j * (steps - 1)) / (k - 1))),
    );
  }
  const base = asRecord(fn(inputs));
  const snapshot: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(base)) snapshot[k] = Float64Array.from(v);
  const violations: PointInTimeViolation[] = [];
  for (const t of cutoffs) {
    const changed: Record<string, Float64Array> = {};
    for (const name of names) {
      const src = inputs[name]!;
      const copy = Float64Array.from(src);
      if (!fixed.has(name)) {
        for (let i = (t + 1) * width; i < copy.length; i++) {
          if (Number.isFinite(copy[i]!)) copy[i] = perturb(copy[i]!, name, rng);
        }
      }
      changed[name] = copy;
    }
    const out = asRecord(fn(changed));
    for (const [name, before] of Object.entries(snapshot)) {
      const after = out[name];
      if (!after) continue;
      const last = Math.min(before.length, (t - horizon + 1) * outW);
      for (let i = 0; i < last; i++) {
        const a = before[i]!;
        const b = after[i]!;
        if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
        if (violations.length < 20) {
          violations.push({
            output: name,
            index: i,
            time: Math.floor(i / outW),
            cutoff: t,
            before: a,
            after: b,
          });
        }
      }
    }
  }
  return { ok: violations.length === 0, cutoffsTested: cutoffs.length, violations };
}

/**
 * Throws an Error describing the first violation when {@linkcode checkPointInTime} fails.
 *
 * @example
 * ```ts
 * assertPointInTime(({ close }) => rsi(close, 14), { close });
 * ```
 */
export function assertPointInTime(
  fn: ColumnsFn,
  inputs: Record<string, Float64Array>,
  options: PointInTimeOptions = {},
): void {
  const rep = checkPointInTime(fn, inputs, options);
  if (!rep.ok) {
    const v = rep.violations[0]!;
    throw new Error(
      `Point-in-time violation: output ${v.output}[${v.index}] (time ${v.time}) changed from ${v.before} to ${v.after} when inputs after time ${v.cutoff} were perturbed (horizon ${
        options.horizon ?? 0
      }); ${rep.violations.length} violation(s) kept`,
    );
  }
}
