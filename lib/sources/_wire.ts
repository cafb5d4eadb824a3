/**
 * Helpers shared by the vendor wire parsers: rejected-row records (the quarantine feed), zod
 * reasons, exact nanosecond integers, and a typed-column accumulator that avoids row objects in
 * the hot path.
 */
import type { z } from "zod";

/** A wire row that failed its schema: kept with the reason and the payload as received. */
export interface Rejected {
  /** Position of the row in its page. */
  index: number;
  /** Why it was rejected (zod issue path and message, or a semantic rule). */
  reason: string;
  /** The row as JSON text. */
  payload: string;
}

/** The first zod issue of a failed parse, as "path: message". */
export function zodReason(schema: z.ZodType, value: unknown): string {
  const r = schema.safeParse(value);
  if (r.success) return "row passed schema but failed a typed-column check";
  const issue = r.error.issues[0]!;
  return `${issue.path.join(".") || "(row)"}: ${issue.message}`;
}

/** True for a finite JS number. */
export function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/**
 * Quote the integer values of the named JSON keys so `JSON.parse` keeps them exact as strings
 * (nanosecond timestamps exceed 2^53). Only bare integer values are touched.
 *
 * @example
 * ```ts
 * quoteBigInts('{"sip_timestamp":1712606399123456789}', ["sip_timestamp"]);
 * // '{"sip_timestamp":"1712606399123456789"}'
 * ```
 */
export function quoteBigInts(text: string, keys: string[]): string {
  const re = new RegExp(`"(${keys.join("|")})"\\s*:\\s*(-?\\d+)(?=[,}\\s])`, "g");
  return text.replace(re, '"$1":"$2"');
}

/** Parse an exact integer given as a decimal string or safe JS number; null when impossible. */
export function toBigInt(v: unknown): bigint | null {
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  return null;
}

/** Parse a vendor numeric string ("3.7", "1.08612"); null for sentinels ("." "None" "null" ""). */
export function numOrNull(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string") return null;
  const s = v.trim();
  if (s === "" || s === "." || s === "None" || s === "null" || s === "NaN" || s === "-") {
    return null;
  }
  const x = Number(s);
  return Number.isFinite(x) ? x : null;
}

/** True for a real calendar date written YYYY-MM-DD (2024-02-30 and 2024-13-01 are not). */
export function isIsoDate(v: unknown): v is string {
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const t = Date.parse(v + "T00:00:00Z");
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === v;
}

/** A date string YYYY-MM-DD, or null for sentinels and impossible dates. */
export function dateOrNull(v: unknown): string | null {
  return isIsoDate(v) ? v : null;
}

/** Growable Float64 column (NaN marks a missing value until converted to null). */
export class F64Builder {
  #buf: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.#buf = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.#buf.length) {
      const next = new Float64Array(this.#buf.length * 2);
      next.set(this.#buf);
      this.#buf = next;
    }
    this.#buf[this.length++] = v;
  }
  /** A view of the filled part. */
  finish(): Float64Array {
    return this.#buf.subarray(0, this.length);
  }
}

/** JSON type name of a value, as recorded by the schema-drift check. */
export function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/**
 * Field name -> JSON type over a sample of rows (the first, middle and last few), enough to see
 * a renamed, added or retyped field without touching every row.
 */
export function sampleFields(rows: readonly unknown[], perEnd = 3): Record<string, string> {
  const out: Record<string, string> = {};
  const n = rows.length;
  const idx = new Set<number>();
  for (let i = 0; i < Math.min(perEnd, n); i++) {
    idx.add(i);
    idx.add(n - 1 - i);
    idx.add(Math.floor(n / 2) + i < n ? Math.floor(n / 2) + i : n - 1);
  }
  for (const i of idx) {
    const r = rows[i];
    if (r === null || typeof r !== "object" || Array.isArray(r)) continue;
    for (const [k, v] of Object.entries(r)) {
      const t = jsonType(v);
      if (out[k] === undefined || out[k] === "null") out[k] = t;
    }
  }
  return out;
}
