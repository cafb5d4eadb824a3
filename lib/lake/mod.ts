export * from "./spec.ts";
export * from "./writer.ts";
export * from "./reader.ts";
export * from "./manifest.ts";
export * from "./compact.ts";
export { LockError } from "./lock.ts";
export { nyDateOfMs } from "./_partition.ts";
export * from "./bar_schema.ts";
export * from "./verify.ts";
export * from "./snapshot.ts";
export {
  assertInsideLake,
  clearVerifiedCache,
  IntegrityError,
  verifyFile,
  verifyFiles,
} from "./integrity.ts";
export * from "./scan.ts";
export { openLake, type OpenLakeOptions } from "./open.ts";
export { localFile, localFiles, removeReplacedFiles } from "./store/files.ts";
export { closeRemoteLakes } from "./store/remote.ts";
export { S3Bucket, type S3Config, s3ConfigFromEnv, S3Error } from "./store/s3.ts";
export { CatalogError, PgCatalog } from "./catalog/pg.ts";
