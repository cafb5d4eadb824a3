export * from "./option_columns.ts";
export * from "./black_scholes.ts";
export * from "./implied_vol.ts";
export * from "./svi.ts";
export * from "./rates.ts";
export * from "./features.ts";
export * from "./hedging.ts";
export * from "./chain.ts";
