export * from "./demo.ts";
