export * from "./sharpe.ts";
export * from "./cpcv.ts";
export * from "./pbo.ts";
