/**
 * NumPy .npy encoding (format version 1.0) of a float32 array, so Python users can
 * `numpy.load(path)` a tensor written from TypeScript without any other dependency.
 *
 * Layout: magic "\x93NUMPY", version bytes 1 0, uint16 little-endian header length, an ASCII
 * dict `{'descr': '<f4', 'fortran_order': False, 'shape': (...), }` padded with spaces and a
 * newline so the data starts at a multiple of 64 bytes, then the raw little-endian data in C order.
 *
 * @see https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * @example
 * ```ts
 * Deno.writeFileSync("x.npy", encodeNpyFloat32(new Float32Array(6), [2, 3]));
 * ```
 */
export function encodeNpyFloat32(data: Float32Array, shape: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) {
    throw new RangeError(
      `Cannot encode npy: shape [${shape}] holds ${n} values, data has ${data.length}`,
    );
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pre = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, " ") + "\n";
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), pre);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // typed arrays are little-endian on every platform Deno supports (x86-64, aarch64)
  out.set(bytes, total);
  return out;
}
