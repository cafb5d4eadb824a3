export * from "./panel.ts";
export * from "./engine.ts";
export * from "./vectorized.ts";
export type { CostSeries, CostTotals } from "./_book.ts";
export { type MarketEstimates, marketEstimates } from "./_estimates.ts";
export * from "./synthetic.ts";
export * from "./strategies.ts";
export * from "./sim_panel.ts";
export * from "./spec.ts";
