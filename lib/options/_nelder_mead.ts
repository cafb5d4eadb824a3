/**
 * Private: Nelder-Mead simplex minimiser (standard coefficients 1, 2, 0.5, 0.5), for the small
 * smooth fits in this area (SVI outer problem, SSVI). Deterministic; no allocation per step
 * beyond the simplex.
 *
 * @see Nelder, J. A., & Mead, R. (1965). A simplex method for function minimization.
 *      The Computer Journal 7(4), 308-313. doi:10.1093/comjnl/7.4.308
 */
export interface NelderMeadOptions {
  /** Initial step per coordinate. @default 0.1 for every coordinate */
  step?: number[];
  /** Maximum function evaluations. @default 2000 */
  maxEvals?: number;
  /** Stop when the simplex's function values span less than this. @default 1e-14 */
  fTol?: number;
}

export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  options: NelderMeadOptions = {},
): { x: Float64Array; fx: number; evals: number } {
  const n = x0.length;
  const maxEvals = options.maxEvals ?? 2000;
  const fTol = options.fTol ?? 1e-14;
  const pts: Float64Array[] = [];
  const vals = new Float64Array(n + 1);
  let evals = 0;
  const ev = (x: Float64Array) => {
    evals++;
    const v = f(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  for (let i = 0; i <= n; i++) {
    const p = Float64Array.from(x0);
    if (i > 0) p[i - 1]! += options.step?.[i - 1] ?? 0.1;
    pts.push(p);
    vals[i] = ev(p);
  }
  const centroid = new Float64Array(n);
  const xr = new Float64Array(n);
  const xe = new Float64Array(n);
  const xc = new Float64Array(n);
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  while (evals < maxEvals) {
    order.sort((a, b) => vals[a]! - vals[b]!);
    const best = order[0]!;
    const worst = order[n]!;
    const second = order[n - 1]!;
    if (Math.abs(vals[worst]! - vals[best]!) <= fTol * (Math.abs(vals[best]!) + fTol)) break;
    centroid.fill(0);
    for (const i of order) {
      if (i === worst) continue;
      for (let j = 0; j < n; j++) centroid[j]! += pts[i]![j]! / n;
    }
    for (let j = 0; j < n; j++) xr[j] = centroid[j]! + (centroid[j]! - pts[worst]![j]!);
    const fr = ev(xr);
    if (fr < vals[best]!) {
      for (let j = 0; j < n; j++) xe[j] = centroid[j]! + 2 * (xr[j]! - centroid[j]!);
      const fe = ev(xe);
      if (fe < fr) {
        pts[worst]!.set(xe);
        vals[worst] = fe;
      } else {
        pts[worst]!.set(xr);
        vals[worst] = fr;
      }
      continue;
    }
    if (fr < vals[second]!) {
      pts[worst]!.set(xr);
      vals[worst] = fr;
      continue;
    }
    const outside = fr < vals[worst]!;
    for (let j = 0; j < n; j++) {
      xc[j] = outside
        ? centroid[j]! + 0.5 * (xr[j]! - centroid[j]!)
        : centroid[j]! + 0.5 * (pts[worst]![j]! - centroid[j]!);
    }
    const fc = ev(xc);
    if (fc < (outside ? fr : vals[worst]!)) {
      pts[worst]!.set(xc);
      vals[worst] = fc;
      continue;
    }
    for (const i of order) {
      if (i === best) continue;
      for (let j = 0; j < n; j++) {
        pts[i]![j] = pts[best]![j]! + 0.5 * (pts[i]![j]! - pts[best]![j]!);
      }
      vals[i] = ev(pts[i]!);
    }
  }
  let bi = 0;
  for (let i = 1; i <= n; i++) if (vals[i]! < vals[bi]!) bi = i;
  return { x: pts[bi]!, fx: vals[bi]!, evals };
}
