/**
 * Dataset references: one way for every recipe to name its input in the lake (a dataset or a
 * view, symbols, time range, asOf, adjustment) and read it with its calendar, frequency and
 * currency attached.
 */
export * from "./dataset_ref.ts";
export * from "./load.ts";
export * from "./periods.ts";
export * from "./cli.ts";
