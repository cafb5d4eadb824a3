export * from "./plot.ts";
export * from "./metrics.ts";
export * from "./backtest_report.ts";
export * from "./deliverables.ts";
export * from "./show.ts";
export * from "./benchmark_entry.ts";
export * from "./data_gaps.ts";
