/**
 * JSON text with exact bigints: nanosecond vendor timestamps exceed 2^53, so they are held as
 * bigint and written as bare integer literals (JSON.stringify cannot).
 */
const MARK = "@@bigint@@";
const MARK_RE = /"@@bigint@@(-?\d+)"/g;

/** JSON.stringify that writes bigint values as exact integer literals. */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v) => typeof v === "bigint" ? MARK + v.toString() : v);
  return text.includes(MARK) ? text.replace(MARK_RE, "$1") : text;
}
