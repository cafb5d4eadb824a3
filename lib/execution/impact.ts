/**
 * Square-root market impact.
 *
 * Impact as a fraction of price: I = c * sigma * sqrt(|Q| / ADV), where sigma is the daily
 * return volatility (a fraction, e.g. 0.02), Q the shares traded in the day and ADV the average
 * daily volume in shares. The dollar cost of a fill is I * |Q| * price, so cost grows as
 * |Q|^(3/2). `c` is of order one (0.5 to 1 in most studies; default 1).
 * Conventions: sigma and ADV must be known before the fill (trailing estimates); a non-finite or
 * non-positive ADV gives an infinite impact (nothing can be traded without volume).
 *
 * @see Almgren, R., Thum, C., Hauptmann, E., & Li, H. (2005). Direct estimation of equity market
 *      impact. Risk 18(7). Also Toth et al. (2011), Anomalous price impact and the critical nature
 *      of liquidity, Phys. Rev. X 1, 021006, doi:10.1103/PhysRevX.1.021006
 */

/**
 * Impact as a fraction of price for `qty` shares (sign ignored).
 *
 * @example
 * ```ts
 * sqrtImpactFraction(10_000, { sigma: 0.02, adv: 1_000_000 }); // 1 * 0.02 * 0.1 = 0.002
 * ```
 */
export function sqrtImpactFraction(
  qty: number,
  m: { sigma: number; adv: number; coef?: number },
): number {
  const q = Math.abs(qty);
  if (q === 0) return 0;
  if (!(m.adv > 0)) return Infinity;
  return (m.coef ?? 1) * m.sigma * Math.sqrt(q / m.adv);
}

/**
 * Dollar impact cost of a fill: sqrtImpactFraction * |qty| * price.
 *
 * @example
 * ```ts
 * sqrtImpactCost(10_000, 50, { sigma: 0.02, adv: 1_000_000 }); // 0.002 * 500000 = 1000
 * ```
 */
export function sqrtImpactCost(
  qty: number,
  price: number,
  m: { sigma: number; adv: number; coef?: number },
): number {
  const q = Math.abs(qty);
  if (q === 0) return 0;
  return sqrtImpactFraction(q, m) * q * price;
}
