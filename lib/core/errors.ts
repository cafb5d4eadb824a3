/**
 * Error types shared by every area.
 *
 * `DataError` is for bad data that callers may handle (quarantine, skip a unit): it carries where
 * the bad value came from. Programming mistakes use the built-in classes (`RangeError`,
 * `TypeError`).
 */

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
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
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
    super(`Invalid setting ${setting}: ${message}`);
    this.name = "ConfigError";
    this.setting = setting;
  }
}
