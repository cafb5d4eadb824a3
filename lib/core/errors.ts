/**
 * Error types shared by every area.
 *
 * `DataError` is for bad data that callers may handle (quarantine, skip a unit): it carries where
 * the bad value came from. Programming mistakes use the built-in classes (`RangeError`,
 * `TypeError`).
 *
 * Both classes pass their message (and a string `cause`, such as a vendor body) through `redact`,
 * so a secret a caller put into them never reaches a log, stderr or a quarantine row.
 */
import { redact } from "./secret.ts";

/** Fields that locate a data problem. */
export interface DataErrorOptions {
  /** Vendor or producer, e.g. `polygon`, `fred`, `user-file`. */
  source?: string;
  /** Dataset name, e.g. `stock_bars_minute`. */
  dataset?: string;
  /** Column at fault, if one. */
  column?: string;
  /** Underlying error or vendor body (secrets already redacted). */
  cause?: unknown;
}

/** Bad data: the message says what could not be done and why, with the offending value. */
export class DataError extends Error {
  readonly source: string | undefined;
  readonly dataset: string | undefined;
  readonly column: string | undefined;
  constructor(message: string, options: DataErrorOptions = {}) {
    const cause = typeof options.cause === "string" ? redact(options.cause) : options.cause;
    super(redact(message), cause === undefined ? undefined : { cause });
    this.name = "DataError";
    this.source = options.source;
    this.dataset = options.dataset;
    this.column = options.column;
  }
}

/** A configuration setting is missing or invalid; the message names the setting. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(redact(`Invalid setting ${setting}: ${message}`));
    this.name = "ConfigError";
    this.setting = setting;
  }
}
