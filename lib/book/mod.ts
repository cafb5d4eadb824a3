export * from "./lobster.ts";
export * from "./features.ts";
export * from "./lake.ts";
