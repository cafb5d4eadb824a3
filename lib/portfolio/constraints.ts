/**
 * Portfolio constraints: per-name, per-sector, gross and net exposure caps and a turnover
 * limit. Weights are fractions of equity (long > 0, short < 0). Constraints are applied in a
 * fixed order by proportional scaling (names, sectors, net, gross, then turnover towards the
 * previous weights); the final weights are checked against every constraint and anything that
 * cannot be met (for example a previous book that breaks a cap and a turnover limit that forbids
 * fixing it) is reported in `violations`, never silently accepted. All constraints are convex,
 * so a blend of two feasible books is feasible.
 */

/** Options of {@link applyConstraints}; every cap is optional. */
export interface ConstraintOptions {
  /** Max |w_i|. @default Infinity */
  perNameCap?: number;
  /** Sector of each name (same order as weights). Required with sectorCaps. */
  sectors?: readonly string[];
  /** Max sum |w| per sector; key "*" applies to sectors without their own cap. @default {} */
  sectorCaps?: Record<string, number>;
  /** Max sum |w|. @default Infinity */
  grossCap?: number;
  /** Max |sum w|. @default Infinity */
  netCap?: number;
  /** Max sum |w - previous|. @default Infinity */
  turnoverLimit?: number;
  /** Previous weights for the turnover limit. @default zeros */
  previous?: ArrayLike<number>;
  /** Throw a RangeError listing violations instead of returning them. @default false */
  throwOnViolation?: boolean;
}

/** A constraint that the final weights break. */
export interface Violation {
  constraint: string;
  limit: number;
  value: number;
}

/** Result of {@link applyConstraints}. */
export interface ConstrainedWeights {
  weights: Float64Array;
  /** Constraints that changed the weights. */
  binding: string[];
  /** Constraints the final weights still break (empty when all are met). */
  violations: Violation[];
}

const EPS = 1e-12;

/**
 * Apply caps and the turnover limit; see the module doc for the order and the guarantees.
 *
 * @example
 * ```ts
 * applyConstraints([0.5, 0.5], { perNameCap: 0.3 }).weights; // [0.3, 0.3]
 * ```
 */
export function applyConstraints(
  target: ArrayLike<number>,
  o: ConstraintOptions = {},
): ConstrainedWeights {
  const n = target.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(target[i]!)) {
      throw new RangeError(`weight ${i} is not finite: ${target[i]}`);
    }
  }
  for (const k of ["perNameCap", "grossCap", "netCap", "turnoverLimit"] as const) {
    const v = o[k];
    if (v !== undefined && !(v >= 0)) throw new RangeError(`${k} must be >= 0, got ${v}`);
  }
  if (o.sectorCaps && (!o.sectors || o.sectors.length !== n)) {
    throw new RangeError(`sectorCaps need sectors for all ${n} names`);
  }
  const prev = Float64Array.from(o.previous ?? new Float64Array(n));
  if (prev.length !== n) throw new RangeError(`previous has ${prev.length} weights, expected ${n}`);
  const w = Float64Array.from(target);
  const binding: string[] = [];

  const cap = o.perNameCap ?? Infinity;
  let hit = false;
  for (let i = 0; i < n; i++) {
    if (Math.abs(w[i]!) > cap) {
      w[i] = Math.sign(w[i]!) * cap;
      hit = true;
    }
  }
  if (hit) binding.push("perName");

  const sectorCapOf = (sec: string) => o.sectorCaps?.[sec] ?? o.sectorCaps?.["*"] ?? Infinity;
  if (o.sectorCaps && o.sectors) {
    const sums = sectorSums(w, o.sectors);
    for (const [sec, g] of sums) {
      const c = sectorCapOf(sec);
      if (g > c) {
        const k = c / g;
        for (let i = 0; i < n; i++) if (o.sectors[i] === sec) w[i] = w[i]! * k;
        binding.push(`sector:${sec}`);
      }
    }
  }

  const netCap = o.netCap ?? Infinity;
  let { net, long, short } = exposures(w);
  if (Math.abs(net) > netCap) {
    // shrink the dominant side so that |net| = netCap
    if (net > 0) {
      const k = (netCap + short) / long; // long' - short = netCap
      for (let i = 0; i < n; i++) if (w[i]! > 0) w[i] = w[i]! * k;
    } else {
      const k = (netCap + long) / short;
      for (let i = 0; i < n; i++) if (w[i]! < 0) w[i] = w[i]! * k;
    }
    binding.push("net");
  }

  const grossCap = o.grossCap ?? Infinity;
  ({ net, long, short } = exposures(w));
  if (long + short > grossCap) {
    const k = grossCap / (long + short);
    for (let i = 0; i < n; i++) w[i] = w[i]! * k;
    binding.push("gross");
  }

  const tLimit = o.turnoverLimit ?? Infinity;
  let turnover = 0;
  for (let i = 0; i < n; i++) turnover += Math.abs(w[i]! - prev[i]!);
  if (turnover > tLimit) {
    const k = tLimit / turnover;
    for (let i = 0; i < n; i++) w[i] = prev[i]! + k * (w[i]! - prev[i]!);
    binding.push("turnover");
  }

  // Verify every constraint on the final book.
  const violations: Violation[] = [];
  const check = (constraint: string, limit: number, value: number) => {
    if (value > limit * (1 + 1e-9) + EPS) violations.push({ constraint, limit, value });
  };
  for (let i = 0; i < n; i++) check(`perName:${i}`, cap, Math.abs(w[i]!));
  if (o.sectorCaps && o.sectors) {
    for (const [sec, g] of sectorSums(w, o.sectors)) check(`sector:${sec}`, sectorCapOf(sec), g);
  }
  ({ net, long, short } = exposures(w));
  check("net", netCap, Math.abs(net));
  check("gross", grossCap, long + short);
  let to = 0;
  for (let i = 0; i < n; i++) to += Math.abs(w[i]! - prev[i]!);
  check("turnover", tLimit, to);
  if (violations.length && o.throwOnViolation) {
    throw new RangeError(
      `Constraints cannot be met: ${
        violations.map((v) => `${v.constraint} ${v.value} > ${v.limit}`).join("; ")
      }`,
    );
  }
  return { weights: w, binding, violations };
}

function exposures(w: Float64Array): { net: number; long: number; short: number } {
  let long = 0, short = 0;
  for (const x of w) {
    if (x > 0) long += x;
    else short -= x;
  }
  return { net: long - short, long, short };
}

function sectorSums(w: Float64Array, sectors: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < w.length; i++) {
    m.set(sectors[i]!, (m.get(sectors[i]!) ?? 0) + Math.abs(w[i]!));
  }
  return m;
}
