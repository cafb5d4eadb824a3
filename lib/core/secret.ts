/**
 * Secrets (API keys, passwords) as a branded wrapper that never prints its value.
 *
 * `String(s)`, template literals, `JSON.stringify`, `console.log` and `Deno.inspect` all show
 * `***1234` (the last four characters only, or `***` for short values). Only `reveal()` returns
 * the value, and it is called at the last moment (building a request) and never logged.
 */

const SECRET_VALUES = new Set<string>();

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    if (value.length >= 4) SECRET_VALUES.add(value);
  }
  /** The raw value. Use only to build a request; never log it. */
  reveal(): string {
    return this.#value;
  }
  /** `***` plus the last four characters (only when the value is long enough to stay secret). */
  get masked(): string {
    return this.#value.length >= 12 ? `***${this.#value.slice(-4)}` : "***";
  }
  toString(): string {
    return this.masked;
  }
  toJSON(): string {
    return this.masked;
  }
  [Symbol.toPrimitive](): string {
    return this.masked;
  }
  [Symbol.for("Deno.customInspect")](): string {
    return `Secret(${this.masked})`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Secret(${this.masked})`;
  }
}

/** Every secret value created in this process (for redaction); never exported as values. */
export function knownSecretCount(): number {
  return SECRET_VALUES.size;
}

const KEY_PARAMS = /([?&](?:api_?key|apikey|token|access_token|key|password|secret)=)[^&#\s"']*/gi;
const BEARER =
  /(Bearer\s+|APCA-API-(?:KEY-ID|SECRET-KEY)["']?\s*[:=]\s*["']?)[A-Za-z0-9._\-~+/]+/gi;

/**
 * Remove secrets from any text: every `Secret` value ever created in this process, plus values
 * of query parameters and headers that conventionally hold keys (`apiKey=`, `api_key=`,
 * `token=`, `Bearer ...`).
 *
 * @example
 * ```ts
 * redact("https://x/v2?apiKey=abcd1234&limit=5"); // "https://x/v2?apiKey=***&limit=5"
 * ```
 */
export function redact(text: string): string {
  let out = text;
  for (const v of SECRET_VALUES) {
    if (out.includes(v)) out = out.split(v).join("***");
  }
  return out.replace(KEY_PARAMS, "$1***").replace(BEARER, "$1***");
}
