export * from "./checks.ts";
export * from "./gaps.ts";
export * from "./outliers.ts";
export * from "./report.ts";
