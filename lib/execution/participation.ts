/**
 * Participation cap: at most `cap` times the average daily volume may be traded per symbol per
 * day. `capQuantity` clips a desired signed quantity to what is left of the day's allowance.
 * The unfilled remainder is carried to the next bar or cancelled, by the caller's rule
 * (`RemainderRule`).
 */

/** What happens to the part of an order the participation cap refused. */
export type RemainderRule = "carry" | "cancel";

/**
 * The fillable part of `desired` (signed shares): sign kept, |fill| <= cap * adv - usedToday.
 * A non-finite ADV with a finite cap allows nothing; `cap = Infinity` disables the cap.
 *
 * @example
 * ```ts
 * capQuantity(50_000, { adv: 200_000, cap: 0.1, usedToday: 0 }); // 20000
 * ```
 */
export function capQuantity(
  desired: number,
  m: { adv: number; cap: number; usedToday?: number },
): number {
  if (desired === 0 || m.cap === Infinity) return desired;
  const adv = m.adv > 0 ? m.adv : 0;
  const room = Math.max(0, m.cap * adv - (m.usedToday ?? 0));
  const q = Math.min(Math.abs(desired), room);
  return desired > 0 ? q : -q;
}
