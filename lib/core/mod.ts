export * from "./errors.ts";
export * from "./constants.ts";
export * from "./random.ts";
export * from "./normal.ts";
export * from "./secret.ts";
export * from "./log.ts";
export * from "./progress.ts";
export * from "./stats.ts";
