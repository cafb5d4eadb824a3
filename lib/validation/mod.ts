export * from "./sharpe.ts";
export * from "./cpcv.ts";
