export * from "./message.ts";
export * from "./file.ts";
export * from "./smtp.ts";
