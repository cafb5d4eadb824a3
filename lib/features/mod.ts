export * from "./technical.ts";
export * from "./volatility.ts";
export * from "./returns.ts";
export * from "./cross_sectional.ts";
export * from "./point_in_time.ts";
export * from "./macro.ts";
