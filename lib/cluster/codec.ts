/**
 * Exact encodings of numeric arrays for job payloads and outputs (JSON in PostgreSQL `jsonb`):
 * a Float64Array travels as base64 of its little-endian bytes, so every bit (NaN, -0, Infinity
 * included) arrives unchanged; plain JSON numbers would lose NaN and Infinity.
 *
 * @example
 * ```ts
 * import { decodeF64, encodeF64 } from "./codec.ts";
 * const a = Float64Array.of(0.1, NaN, -0);
 * Object.is(decodeF64(encodeF64(a))[2], -0); // true
 * ```
 */

/** Base64 of the array's bytes (little-endian doubles). */
export function encodeF64(a: ArrayLike<number>): string {
  const f = a instanceof Float64Array ? a : Float64Array.from(a);
  const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Inverse of {@link encodeF64}. @throws RangeError when the length is not a multiple of 8. */
export function decodeF64(b64: string): Float64Array {
  const s = atob(b64);
  if (s.length % 8 !== 0) {
    throw new RangeError(`Cannot decode Float64Array: ${s.length} bytes is not a multiple of 8`);
  }
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float64Array(bytes.buffer);
}
