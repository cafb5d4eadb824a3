/**
 * Work fanned out to worker processes through pg-boss on the PostgreSQL catalog: job kinds
 * (registry.ts), the worker loop (worker.ts), submission with progress across workers
 * (submit.ts), the shared vendor request budget (budget.ts) and exact numeric codecs (codec.ts).
 * lib/cluster knows no job kind: lib/jobs registers the backtest, validation and ingest ones.
 */
export * from "./connection.ts";
export * from "./registry.ts";
export * from "./codec.ts";
export * from "./worker.ts";
export * from "./submit.ts";
export * from "./budget.ts";
export * from "./cli.ts";
