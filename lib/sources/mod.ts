/** Vendor connectors and the shared HTTP layer (the simulated market is in ./sim/mod.ts). */
export * from "./_http.ts";
export * from "./_metrics.ts";
export * from "./endpoints.ts";
export * from "./fred.ts";
export * from "./polygon.ts";
export * from "./alpaca.ts";
export * from "./alphavantage.ts";
export * from "./oanda.ts";
export * from "./finnhub.ts";
