export * from "./forward_returns.ts";
export * from "./triple_barrier.ts";
export * from "./uniqueness.ts";
export * from "./panel_labels.ts";
