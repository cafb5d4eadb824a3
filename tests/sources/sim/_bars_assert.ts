/** Shared assertion of the sim bar tests: bit-for-bit equality of two bar sets. */
import { assertEquals } from "../../_assert.ts";
import type { Bars } from "../../../lib/sources/sim/bars.ts";

/** The columns of a bar set. */
export const BAR_COLS = ["t", "o", "h", "l", "c", "v", "vw", "n"] as const;

/** Bitwise equality of two bar sets (Object.is: -0 and NaN told apart as stored). */
export function assertSameBars(a: Bars, b: Bars, what: string): void {
  assertEquals(a.length, b.length, `${what}: length`);
  for (const k of BAR_COLS) {
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[k][i], b[k][i])) {
        throw new Error(`${what}: ${k}[${i}] ${a[k][i]} !== ${b[k][i]}`);
      }
    }
  }
}
