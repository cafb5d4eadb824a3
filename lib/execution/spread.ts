/**
 * Half-spread cost: crossing the spread costs half of it relative to the mid.
 *
 * From quotes: cost = |q| * (ask - bid) / 2. From a model when no quote: cost = |q| * price *
 * halfSpreadBps / 1e4. A crossed or missing quote (ask < bid, NaN) falls back to the model.
 *
 * @see Harris, L. (2003). Trading and Exchanges, ch. 14 (effective half-spread).
 */

/**
 * Half-spread cost in USD of trading `qty` shares (sign ignored).
 *
 * @example
 * ```ts
 * halfSpreadCost(100, 50, { bid: 49.98, ask: 50.02 }); // 100 * 0.02 = 2
 * halfSpreadCost(100, 50, { halfSpreadBps: 5 }); // 100 * 50 * 5e-4 = 2.5
 * ```
 */
export function halfSpreadCost(
  qty: number,
  price: number,
  q: { bid?: number; ask?: number; halfSpreadBps?: number },
): number {
  const n = Math.abs(qty);
  if (n === 0) return 0;
  const bid = q.bid ?? NaN;
  const ask = q.ask ?? NaN;
  if (ask >= bid) return (n * (ask - bid)) / 2;
  return (n * price * (q.halfSpreadBps ?? 0)) / 1e4;
}
