/**
 * Covariance estimates from a returns matrix (T observations x N assets, row-major
 * `Float64Array` with `r[t * N + i]`). Rows containing a NaN are dropped (complete cases).
 */

/** A symmetric N x N matrix, row-major. */
export interface Matrix {
  n: number;
  data: Float64Array;
}

function completeRows(r: Float64Array, nAssets: number): { x: Float64Array; t: number } {
  if (!(Number.isInteger(nAssets) && nAssets >= 1)) {
    throw new RangeError(`nAssets must be an integer >= 1, got ${nAssets}`);
  }
  if (r.length % nAssets !== 0) {
    throw new RangeError(`returns length ${r.length} is not a multiple of nAssets ${nAssets}`);
  }
  const rows = r.length / nAssets;
  const keep: number[] = [];
  for (let t = 0; t < rows; t++) {
    let ok = true;
    for (let i = 0; i < nAssets; i++) if (!Number.isFinite(r[t * nAssets + i]!)) ok = false;
    if (ok) keep.push(t);
  }
  const x = new Float64Array(keep.length * nAssets);
  keep.forEach((t, k) => x.set(r.subarray(t * nAssets, (t + 1) * nAssets), k * nAssets));
  return { x, t: keep.length };
}

function centre(x: Float64Array, t: number, n: number): void {
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let k = 0; k < t; k++) m += x[k * n + i]!;
    m /= t;
    for (let k = 0; k < t; k++) x[k * n + i] = x[k * n + i]! - m;
  }
}

/**
 * Sample covariance S = X'X / (T - ddof) of the demeaned returns.
 *
 * @example
 * ```ts
 * sampleCovariance(Float64Array.of(1, 2, 3, 4, 5, 7), 2, 1).data; // [4, 5, 5, 6.333...]
 * ```
 */
export function sampleCovariance(r: Float64Array, nAssets: number, ddof = 1): Matrix {
  const { x, t } = completeRows(r, nAssets);
  const n = nAssets;
  if (t - ddof <= 0) throw new RangeError(`Need more than ${ddof} complete rows, got ${t}`);
  centre(x, t, n);
  const s = new Float64Array(n * n);
  for (let k = 0; k < t; k++) {
    for (let i = 0; i < n; i++) {
      const xi = x[k * n + i]!;
      for (let j = i; j < n; j++) s[i * n + j] = s[i * n + j]! + xi * x[k * n + j]!;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = s[i * n + j]! / (t - ddof);
      s[i * n + j] = v;
      s[j * n + i] = v;
    }
  }
  return { n, data: s };
}

/**
 * Ledoit-Wolf shrinkage towards a scaled identity.
 *
 * S = X'X / T (demeaned, ddof 0); m = tr(S) / N; d2 = ||S - m I||_F^2 / N;
 * b2bar = (1 / T^2) sum_t ||x_t x_t' - S||_F^2 / N; b2 = min(b2bar, d2);
 * shrinkage = b2 / d2 (0 when d2 = 0); Sigma = (1 - shrinkage) S + shrinkage m I.
 * Conventions: ddof 0 as in the paper and scikit-learn's `LedoitWolf(assume_centered=False)`.
 *
 * @see Ledoit, O., & Wolf, M. (2004). A well-conditioned estimator for large-dimensional
 *      covariance matrices. J. Multivariate Analysis 88(2), 365-411.
 *      doi:10.1016/S0047-259X(03)00096-4
 * @example
 * ```ts
 * const { cov, shrinkage } = ledoitWolf(returns, 5);
 * ```
 */
export function ledoitWolf(r: Float64Array, nAssets: number): { cov: Matrix; shrinkage: number } {
  const { x, t } = completeRows(r, nAssets);
  const n = nAssets;
  if (t < 2) throw new RangeError(`Ledoit-Wolf needs at least 2 complete rows, got ${t}`);
  centre(x, t, n);
  const s = new Float64Array(n * n);
  for (let k = 0; k < t; k++) {
    for (let i = 0; i < n; i++) {
      const xi = x[k * n + i]!;
      for (let j = 0; j < n; j++) s[i * n + j] = s[i * n + j]! + xi * x[k * n + j]!;
    }
  }
  for (let i = 0; i < n * n; i++) s[i] = s[i]! / t;
  let m = 0;
  for (let i = 0; i < n; i++) m += s[i * n + i]!;
  m /= n;
  let d2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) d2 += (s[i * n + j]! - (i === j ? m : 0)) ** 2;
  }
  d2 /= n;
  let b2bar = 0;
  for (let k = 0; k < t; k++) {
    for (let i = 0; i < n; i++) {
      const xi = x[k * n + i]!;
      for (let j = 0; j < n; j++) b2bar += (xi * x[k * n + j]! - s[i * n + j]!) ** 2;
    }
  }
  b2bar /= t * t * n;
  const b2 = Math.min(b2bar, d2);
  const shrinkage = d2 > 0 ? b2 / d2 : 0;
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      cov[i * n + j] = (1 - shrinkage) * s[i * n + j]! + (i === j ? shrinkage * m : 0);
    }
  }
  return { cov: { n, data: cov }, shrinkage };
}

/** Portfolio variance w' Sigma w. */
export function portfolioVariance(w: ArrayLike<number>, cov: Matrix): number {
  const n = cov.n;
  if (w.length !== n) {
    throw new RangeError(`weights have ${w.length} entries, covariance is ${n}x${n}`);
  }
  let v = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += cov.data[i * n + j]! * w[j]!;
    v += w[i]! * row;
  }
  return v;
}

/** Solve Sigma x = b by Cholesky (Sigma symmetric positive definite); throws if it is not. */
export function choleskySolve(cov: Matrix, b: ArrayLike<number>): Float64Array {
  const n = cov.n;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = cov.data[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0)) {
          throw new RangeError(`Covariance is not positive definite (pivot ${i} = ${sum})`);
        }
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}
