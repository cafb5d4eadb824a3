export * from "./paths.ts";
export * from "./latency.ts";
export * from "./heartbeat.ts";
export * from "./health.ts";
export * from "./workers.ts";
