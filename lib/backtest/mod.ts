export * from "./panel.ts";
export * from "./engine.ts";
export * from "./vectorized.ts";
export type { CostSeries, CostTotals } from "./_book.ts";
export { type MarketEstimates, marketEstimates } from "./_estimates.ts";
export * from "./synthetic.ts";
export * from "./strategies.ts";
export * from "./rank.ts";
export * from "./sim_panel.ts";
export * from "./spec.ts";
export * from "./options_sleeve.ts";
export * from "./sim_chain.ts";
export * from "./adjust.ts";
export * from "./sweep_parallel.ts";
export {
  createKernel as createMaCrossKernel,
  type MaCrossArgs,
  maCrossWindows,
} from "./ma_cross_kernel.ts";
export * from "./frame_panel.ts";
export * from "./governance.ts";
export * from "./resample.ts";
export { returnsFromEquity } from "./returns.ts";
export * from "./strategy_module.ts";
export * from "./lake_panel.ts";
export * from "./coverage.ts";
export * from "./run_notes.ts";
