export * from "./checks.ts";
export * from "./gaps.ts";
export * from "./outliers.ts";
export * from "./report.ts";
export * from "./calendar_gaps.ts";
export * from "./period_gaps.ts";
export * from "./period_close.ts";
