export * from "./spec.ts";
export * from "./writer.ts";
export * from "./reader.ts";
export * from "./manifest.ts";
export * from "./compact.ts";
export { LockError } from "./lock.ts";
export { nyDateOfMs } from "./_partition.ts";
export * from "./bar_schema.ts";
export * from "./verify.ts";
export {
  assertInsideLake,
  clearVerifiedCache,
  IntegrityError,
  verifyFile,
  verifyFiles,
} from "./integrity.ts";
export * from "./scan.ts";
