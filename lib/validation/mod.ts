export * from "./sharpe.ts";
export * from "./cpcv.ts";
export * from "./pbo.ts";
export * from "./drift.ts";
export * from "./ledger.ts";
export * from "./drawdown.ts";
export * from "./gate.ts";
export * from "./study.ts";
