/**
 * Small dense linear algebra for the linear models: Householder QR least squares and Cholesky.
 * Column-major storage throughout (`a[j * m + i]`).
 */

/**
 * Least-squares solution of `min ||A x - b||` by Householder QR (Golub & Van Loan, Matrix
 * Computations, 4th ed., sec. 5.2 and 5.3). `a` is `m x n` column-major (m >= n) and is
 * overwritten, as is `b`. Throws RangeError if A is rank-deficient at `rcond`.
 */
export function lstsqQr(a: Float64Array, b: Float64Array, m: number, n: number): Float64Array {
  const rdiag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm = 0;
    // scaled 2-norm of a[k:, k]
    let scale = 0;
    for (let i = k; i < m; i++) scale = Math.max(scale, Math.abs(a[ck + i]!));
    if (scale > 0) {
      for (let i = k; i < m; i++) {
        const v = a[ck + i]! / scale;
        norm += v * v;
      }
      norm = scale * Math.sqrt(norm);
    }
    if (norm === 0) {
      throw new RangeError(`Cannot solve least squares: column ${k} is linearly dependent`);
    }
    // JAMA / LINPACK convention: sign of the norm follows a_kk, R_kk = -norm
    if (a[ck + k]! < 0) norm = -norm;
    for (let i = k; i < m; i++) a[ck + i] = a[ck + i]! / norm;
    a[ck + k] = a[ck + k]! + 1;
    // apply H = I - v v' / v[0] to remaining columns and b
    const vk = a[ck + k]!;
    for (let j = k + 1; j < n; j++) {
      const cj = j * m;
      let s = 0;
      for (let i = k; i < m; i++) s += a[ck + i]! * a[cj + i]!;
      s = -s / vk;
      for (let i = k; i < m; i++) a[cj + i] = a[cj + i]! + s * a[ck + i]!;
    }
    {
      let s = 0;
      for (let i = k; i < m; i++) s += a[ck + i]! * b[i]!;
      s = -s / vk;
      for (let i = k; i < m; i++) b[i] = b[i]! + s * a[ck + i]!;
    }
    rdiag[k] = -norm;
  }
  let maxDiag = 0;
  for (let k = 0; k < n; k++) maxDiag = Math.max(maxDiag, Math.abs(rdiag[k]!));
  for (let k = 0; k < n; k++) {
    if (Math.abs(rdiag[k]!) <= maxDiag * 1e-13) {
      throw new RangeError(
        `Cannot solve least squares: design is rank-deficient at column ${k} (|R_kk| = ${
          Math.abs(rdiag[k]!)
        })`,
      );
    }
  }
  // back substitution R x = Q'b; R above the diagonal is in a, its diagonal in rdiag
  const x = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let j = k + 1; j < n; j++) s -= a[j * m + k]! * x[j]!;
    x[k] = s / rdiag[k]!;
  }
  return x;
}

/**
 * Solves `H x = g` for symmetric positive definite `H` (n x n, column-major) by Cholesky.
 * Returns null when H is not positive definite.
 */
export function choleskySolve(h: Float64Array, g: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = h[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[k * n + j]! ** 2;
    if (!(d > 0)) return null;
    const djj = Math.sqrt(d);
    l[j * n + j] = djj;
    for (let i = j + 1; i < n; i++) {
      let s = h[j * n + i]!;
      for (let k = 0; k < j; k++) s -= l[k * n + i]! * l[k * n + j]!;
      l[j * n + i] = s / djj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = g[i]!;
    for (let k = 0; k < i; k++) s -= l[k * n + i]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[i * n + k]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}
