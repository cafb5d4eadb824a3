export * from "./covariance.ts";
export * from "./sizing.ts";
export * from "./constraints.ts";
