/**
 * Private helpers shared by the feature kernels: warm-up detection and input checks.
 * Conventions: leading NaNs are treated as warm-up (the series starts at its first finite
 * value, as in R's TTR); a non-finite value after that start is a bad value for recursive
 * kernels and is rejected with a RangeError naming the index.
 */

/** Index of the first finite value, or `x.length` when there is none. */
export function firstFinite(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) return i;
  return x.length;
}

/** Throws a RangeError when `x` holds a non-finite value after its first finite value. */
export function assertNoInteriorGap(x: ArrayLike<number>, name: string, from: number): void {
  for (let i = from; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new RangeError(
        `Cannot compute ${name}: non-finite value ${
          x[i]
        } at index ${i} after the series start ${from} (only leading NaNs are allowed)`,
      );
    }
  }
}

/** Throws a RangeError unless `n` is an integer >= `min`. */
export function assertWindow(n: number, name: string, min = 1): void {
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`Cannot compute ${name}: window ${n} must be an integer >= ${min}`);
  }
}

/** Throws a RangeError unless all arrays have the same length as the first. */
export function assertSameLength(name: string, ...xs: ArrayLike<number>[]): void {
  const n = xs[0]?.length ?? 0;
  for (const x of xs) {
    if (x.length !== n) {
      throw new RangeError(
        `Cannot compute ${name}: input columns differ in length (${n} vs ${x.length})`,
      );
    }
  }
}

/** A Float64Array of length n filled with NaN. */
export function nanArray(n: number): Float64Array {
  return new Float64Array(n).fill(NaN);
}
