/**
 * Missing sessions or periods between the bars of a backtest panel: `panelGaps` lives in
 * lib/features `data_gaps.ts` (below lib/backtest, whose gate annualises with it) and is
 * re-exported here for the report's users.
 *
 * @example
 * ```ts
 * import { panelGaps } from "./data_gaps.ts";
 * const day = 86_400_000, mon = Date.UTC(2024, 0, 1);
 * panelGaps({ tsMs: Float64Array.from([mon, mon + 14 * day]), calendar: "none", frequency: "week" });
 * // { clock: "periods", count: 1, examples: ["2024-01-08"] }
 * ```
 */
export { type PanelGaps, panelGaps } from "../features/data_gaps.ts";
