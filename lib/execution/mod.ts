export * from "./fees.ts";
export * from "./spread.ts";
export * from "./impact.ts";
export * from "./participation.ts";
export * from "./cost_model.ts";
export * from "./almgren_chriss.ts";
export * from "./market_making.ts";
