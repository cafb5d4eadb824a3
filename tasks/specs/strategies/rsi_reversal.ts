/**
 * Example strategy module for `deno task backtest --spec` (copy it to start your own).
 *
 * A strategy module exports two things (see lib/backtest/strategy_module.ts):
 * - `params`: a zod schema of ONE configuration's parameters. Every configuration of the spec's
 *   `grid` is validated against it before anything runs; a bad value or a name the schema does
 *   not know is an error naming the parameter. Defaults fill what the grid leaves out.
 * - `createStrategy(input, params)`: called once per configuration with `input.panel` (the bars:
 *   symbols x bars typed arrays, symbol-major, `index = s * nBars + t`), `input.adjustedClose`
 *   (closes adjusted for splits and dividends, for signals) and the parsed parameters; returns a
 *   `Strategy` whose `onBar(ctx)` runs after each bar's close and sends orders through `ctx`.
 *   An order decided at the close of bar t fills at bar t + 1 at the earliest (the engine refuses
 *   look-ahead); `ctx.orderTargetWeight(s, w)` trades symbol s to weight w of equity.
 * - optionally `description`, printed by the task.
 *
 * This one is RSI reversal, long only, per symbol: RSI_t = Wilder's relative strength index of
 * the adjusted closes over `period` bars (lib/features `rsi`: 100 * avgUp / (avgUp + avgDown),
 * Wilder smoothing 1/period); buy (weight / nSym of equity) when RSI_t < `entryBelow`, sell
 * everything when RSI_t > `exitAbove`. Orders are sent only when the state changes, so a held
 * position is not re-traded for price drift. A symbol whose closes have a gap inside the data is
 * refused by `rsi` with an error naming it.
 *
 * @see Wilder, J. W. (1978). New Concepts in Technical Trading Systems, ch. 6.
 *
 * Spec: `{"strategy": "strategies/rsi_reversal.ts", "grid": {"period": [7, 14], "entryBelow": [25, 30]}, ...}`
 * (paths are relative to the spec file), e.g. tasks/specs/rsi_reversal_user.json.
 */
import { z } from "zod";
import type { Strategy, StrategyInput } from "../../../lib/backtest/mod.ts";
import { rsi } from "../../../lib/features/technical.ts";

/** Parameters of one configuration. */
export const params = z.object({
  /** RSI window, bars. @default 14 */
  period: z.number().int().min(2).default(14),
  /** Enter long below this RSI. @default 30 */
  entryBelow: z.number().gt(0).lt(100).default(30),
  /** Exit above this RSI. @default 50 */
  exitAbove: z.number().gt(0).lt(100).default(50),
  /** Fraction of equity invested when every symbol is held. @default 1 */
  weight: z.number().positive().max(1).default(1),
}).refine((p) => p.entryBelow < p.exitAbove, {
  message: "entryBelow must be < exitAbove",
  path: ["entryBelow"],
});

/** What the task prints. */
export const description = "RSI reversal (long only): buy below entryBelow, sell above exitAbove";

/** Build the strategy of one configuration. */
export function createStrategy(input: StrategyInput, p: z.infer<typeof params>): Strategy {
  const { panel, adjustedClose } = input;
  const nSym = panel.symbols.length, nBars = panel.tsMs.length;
  const values = panel.symbols.map((sym, s) => {
    const x = adjustedClose.slice(s * nBars, (s + 1) * nBars);
    // leading/trailing NaN (not listed yet / delisted) are fine; a gap inside is refused
    let last = nBars - 1;
    while (last >= 0 && Number.isNaN(x[last]!)) last--;
    try {
      return rsi(x.subarray(0, last + 1), p.period);
    } catch (e) {
      throw new RangeError(`rsi_reversal: ${sym}: ${e instanceof Error ? e.message : e}`);
    }
  });
  const held = new Uint8Array(nSym);
  return {
    onBar(ctx) {
      for (let s = 0; s < nSym; s++) {
        const r = values[s]![ctx.t];
        if (r === undefined || Number.isNaN(r)) continue;
        if (!held[s] && r < p.entryBelow) {
          ctx.orderTargetWeight(s, p.weight / nSym);
          held[s] = 1;
        } else if (held[s] && r > p.exitAbove) {
          ctx.orderTarget(s, 0);
          held[s] = 0;
        }
      }
    },
  };
}
