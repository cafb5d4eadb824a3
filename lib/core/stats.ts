/**
 * Small descriptive statistics over typed arrays, shared by every area. NaN handling is stated
 * per function; nothing here mutates its input.
 */

/** Arithmetic mean of the finite values; NaN when there are none. */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : NaN;
}

/**
 * Variance of the finite values with `ddof` degrees of freedom removed (1 = sample, the
 * default; 0 = population). Two-pass for accuracy. NaN when fewer than ddof + 1 values.
 */
export function variance(x: ArrayLike<number>, ddof = 1): number {
  const m = mean(x);
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isFinite(v)) {
      s += (v - m) * (v - m);
      n++;
    }
  }
  return n - ddof > 0 ? s / (n - ddof) : NaN;
}

/** Standard deviation: sqrt(variance(x, ddof)). */
export function stdev(x: ArrayLike<number>, ddof = 1): number {
  return Math.sqrt(variance(x, ddof));
}

/**
 * Sample skewness (biased, population moments: m3 / m2^1.5) and raw kurtosis (m4 / m2^2,
 * normal = 3), the conventions of Bailey & Lopez de Prado's PSR/DSR.
 */
export function moments(x: ArrayLike<number>): { mean: number; skew: number; kurtosis: number } {
  const m = mean(x);
  let m2 = 0, m3 = 0, m4 = 0, n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) continue;
    const d = v - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    n++;
  }
  if (n === 0) return { mean: NaN, skew: NaN, kurtosis: NaN };
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean: m, skew: m3 / Math.pow(m2, 1.5), kurtosis: m4 / (m2 * m2) };
}

/** Quantile by linear interpolation between order statistics (type 7, numpy default). */
export function quantile(x: ArrayLike<number>, q: number): number {
  const v = Array.from(x).filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const h = (v.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return v[lo]! + (h - lo) * (v[hi]! - v[lo]!);
}
