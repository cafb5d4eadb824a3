export * from "./asof.ts";
export * from "./resample.ts";
export * from "./adjust.ts";
export * from "./universe.ts";
