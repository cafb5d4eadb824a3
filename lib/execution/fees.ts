/**
 * Commission and regulatory fee schedules for equity orders.
 *
 * Commission per fill = clamp(perShare * |q| + pctOfValue * |q| * price, minPerOrder,
 * maxPctOfValue * |q| * price) (the maximum wins over the minimum, as in IBKR's fixed tiers).
 * Regulatory fees apply to sells only: SEC section 31 fee = secFeeRate * |q| * price, FINRA TAF =
 * min(tafPerShare * |q|, tafMax). Fees are rounded to the cent only if `roundToCent` is set.
 *
 * @see Interactive Brokers fixed pricing (USD 0.005/share, min USD 1, max 1% of trade value),
 *      https://www.interactivebrokers.com/en/pricing/commissions-stocks.php
 * @see SEC fee rate advisories (Section 31), https://www.sec.gov/divisions/marketreg/sec31feesasp
 */

/** A commission and fee schedule; every field is per fill. */
export interface FeeSchedule {
  /** Commission per share, USD. @default 0 */
  perShare?: number;
  /** Commission as a fraction of traded value. @default 0 */
  pctOfValue?: number;
  /** Minimum commission per fill (only when something is traded), USD. @default 0 */
  minPerOrder?: number;
  /** Maximum commission as a fraction of traded value. @default Infinity */
  maxPctOfValue?: number;
  /** SEC fee per USD of sale proceeds (sells only). @default 0 */
  secFeeRate?: number;
  /** FINRA trading activity fee per share sold. @default 0 */
  tafPerShare?: number;
  /** Cap on the FINRA TAF per fill, USD. @default Infinity */
  tafMax?: number;
}

/** No commission, no fees. */
export const ZERO_FEES: Readonly<FeeSchedule> = Object.freeze({});

/** IBKR fixed pricing for US stocks plus SEC fee (27.80 USD per million) and FINRA TAF. */
export const IBKR_FIXED: Readonly<FeeSchedule> = Object.freeze({
  perShare: 0.005,
  minPerOrder: 1,
  maxPctOfValue: 0.01,
  secFeeRate: 27.8e-6,
  tafPerShare: 0.000166,
  tafMax: 8.3,
});

/**
 * Commission for one fill of `qty` shares (signed; sign ignored) at `price`.
 *
 * @example
 * ```ts
 * commission(100, 50, IBKR_FIXED); // max(0.5, 1) = 1
 * ```
 */
export function commission(qty: number, price: number, s: Readonly<FeeSchedule>): number {
  const q = Math.abs(qty);
  if (q === 0) return 0;
  const value = q * price;
  let c = (s.perShare ?? 0) * q + (s.pctOfValue ?? 0) * value;
  c = Math.max(c, s.minPerOrder ?? 0);
  const maxPct = s.maxPctOfValue ?? Infinity;
  if (maxPct !== Infinity) c = Math.min(c, maxPct * value);
  return c;
}

/**
 * Regulatory fees for one fill: only sells (qty < 0) pay SEC fee and FINRA TAF.
 *
 * @example
 * ```ts
 * regulatoryFees(-1000, 100, IBKR_FIXED); // 100000 * 27.8e-6 + 0.166 = 2.946
 * ```
 */
export function regulatoryFees(qty: number, price: number, s: Readonly<FeeSchedule>): number {
  if (!(qty < 0)) return 0;
  const q = -qty;
  const sec = (s.secFeeRate ?? 0) * q * price;
  const taf = Math.min((s.tafPerShare ?? 0) * q, s.tafMax ?? Infinity);
  return sec + taf;
}
