/**
 * Maximum drawdown of a return series.
 */

/** Options of {@linkcode maxDrawdown}. */
export interface DrawdownOptions {
  /**
   * "geometric": equity E_t = prod(1 + r_i) (returns compound; result is a fraction of the peak);
   * "arithmetic": E_t = 1 + sum(r_i) (fixed capital; result in units of initial capital).
   * @default "geometric"
   */
  compounding?: "geometric" | "arithmetic";
}

/**
 * Maximum drawdown: the largest fall of the equity curve from its running peak.
 *
 * Geometric: MDD = max_t (1 - E_t / max_{s <= t} E_s) with E_0 = 1 before the first return, so
 * a first-period loss counts. Arithmetic: MDD = max_t (max_{s <= t} E_s - E_t).
 * Conventions: simple per-period returns; result >= 0 (0.2 = 20%); empty input gives 0;
 * non-finite returns, and returns below -1 in geometric mode, are rejected with a RangeError.
 *
 * @see Magdon-Ismail, M., & Atiya, A. (2004). Maximum drawdown. Risk 17(10).
 * @example
 * ```ts
 * import { maxDrawdown } from "./drawdown.ts";
 * maxDrawdown([0.1, -0.5, 0.2]); // 0.5: 1.1 -> 0.55
 * ```
 */
export function maxDrawdown(returns: ArrayLike<number>, options: DrawdownOptions = {}): number {
  const { compounding = "geometric" } = options;
  const geometric = compounding === "geometric";
  if (!geometric && compounding !== "arithmetic") {
    throw new RangeError(`Cannot compute drawdown: unknown compounding ${compounding}`);
  }
  let equity = 1, peak = 1, mdd = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (!Number.isFinite(r) || (geometric && r < -1)) {
      throw new RangeError(`Cannot compute drawdown: return at index ${i} is ${r}`);
    }
    equity = geometric ? equity * (1 + r) : equity + r;
    if (equity > peak) peak = equity;
    const dd = geometric ? 1 - equity / peak : peak - equity;
    if (dd > mdd) mdd = dd;
  }
  return mdd;
}
