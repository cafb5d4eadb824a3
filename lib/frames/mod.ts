export * from "./asof.ts";
export * from "./resample.ts";
export * from "./adjust.ts";
export * from "./universe.ts";
export * from "./consolidate.ts";
export * from "./consolidate_sources.ts";
