export * from "./lobster.ts";
export * from "./features.ts";
