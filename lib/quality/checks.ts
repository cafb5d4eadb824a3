/**
 * Row-level consistency checks: OHLC bars, crossed quotes and stale values.
 *
 * - OHLC: a bar is inconsistent when low > min(open, close), high < max(open, close),
 *   low > high, or a price is not finite and positive.
 * - Quotes: crossed when bid > ask, locked when bid == ask (both positive).
 * - Stale: runs of at least `minRun` consecutive identical finite values (a frozen feed).
 *
 * @example
 * ```ts
 * ohlcViolations([10], [9], [11], [10]); // [0]: high below low
 * crossedQuotes([10, 10], [9, 10]); // { crossed: [0], locked: [1] }
 * staleRuns([1, 1, 1, 2], 3); // [{ start: 0, length: 3 }]
 * ```
 */

/** Indices of inconsistent OHLC bars. */
export function ohlcViolations(
  open: ArrayLike<number>,
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < open.length; i++) {
    const o = open[i]!, h = high[i]!, l = low[i]!, c = close[i]!;
    const bad = !(o > 0 && h > 0 && l > 0 && c > 0) || !Number.isFinite(o + h + l + c) ||
      l > h || l > Math.min(o, c) || h < Math.max(o, c);
    if (bad) out.push(i);
  }
  return out;
}

/** Crossed (bid > ask) and locked (bid == ask) quotes; rows with a missing side are skipped. */
export function crossedQuotes(
  bid: ArrayLike<number>,
  ask: ArrayLike<number>,
): { crossed: number[]; locked: number[] } {
  const crossed: number[] = [], locked: number[] = [];
  for (let i = 0; i < bid.length; i++) {
    const b = bid[i]!, a = ask[i]!;
    if (!(b > 0 && a > 0)) continue;
    if (b > a) crossed.push(i);
    else if (b === a) locked.push(i);
  }
  return { crossed, locked };
}

/** Runs of identical consecutive finite values of length >= minRun. */
export function staleRuns(
  x: ArrayLike<number>,
  minRun: number,
): { start: number; length: number }[] {
  if (!(minRun >= 2)) throw new RangeError(`minRun must be >= 2, got ${minRun}`);
  const out: { start: number; length: number }[] = [];
  let start = 0;
  for (let i = 1; i <= x.length; i++) {
    const same = i < x.length && Number.isFinite(x[i]!) && x[i] === x[i - 1];
    if (!same) {
      if (i - start >= minRun && Number.isFinite(x[start]!)) out.push({ start, length: i - start });
      start = i;
    }
  }
  return out;
}
