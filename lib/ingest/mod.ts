/** Backfill engine, dataset pipelines and the ingest commands (streaming lives in stream*.ts). */
export * from "./types.ts";
export * from "./backfill.ts";
export * from "./checkpoint.ts";
export * from "./watermark.ts";
export * from "./quarantine.ts";
export * from "./schema_drift.ts";
export * from "./registry.ts";
export * from "./session.ts";
export * from "./commands.ts";
export * from "./pipelines/polygon_bars.ts";
export * from "./pipelines/fred.ts";
export * from "./pipelines/oanda.ts";
export * from "./pipelines/corporate_actions.ts";
export * from "./pipelines/market_misc.ts";
