export * from "./sharpe.ts";
