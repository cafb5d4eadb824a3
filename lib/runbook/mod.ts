export * from "./tripwires.ts";
export * from "./drift_monitor.ts";
export * from "./models.ts";
export * from "./bars.ts";
export * from "./state.ts";
export * from "./summary.ts";
export * from "./daily.ts";
export * from "./shadow.ts";
