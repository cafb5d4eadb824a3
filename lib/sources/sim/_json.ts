/**
 * JSON text with exact bigints: nanosecond vendor timestamps exceed 2^53, so they are held as
 * bigint and written as bare integer literals (JSON.stringify cannot).
 */
const MARK = "@@bigint@@";
const MARK_RE = /"@@bigint@@(-?\d+)"/g;

/** JSON.stringify that writes bigint values as exact integer literals. */
export function toJson(value: unknown): string {
  // Most pages hold no bigint: the plain stringify (no replacer call per key) writes the same
  // text, and throws a TypeError at the first bigint, which takes the marked path below.
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  const text = JSON.stringify(value, (_k, v) => typeof v === "bigint" ? MARK + v.toString() : v);
  return text.includes(MARK) ? text.replace(MARK_RE, "$1") : text;
}

/**
 * The JSON text of `obj` as a byte stream, with the array under `key` serialized in batches of
 * 1000 rows on demand (same bytes as `toJson(obj)`).
 */
export function streamJson(
  obj: Record<string, unknown>,
  key: string,
  rows: unknown[],
): ReadableStream<Uint8Array> {
  const marker = "@@sim-rows@@";
  const shell = toJson({ ...obj, [key]: marker });
  const cut = shell.indexOf(`"${marker}"`);
  const head = shell.slice(0, cut) + "[";
  const tail = "]" + shell.slice(cut + marker.length + 2);
  const enc = new TextEncoder();
  let i = -1;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < 0) {
        c.enqueue(enc.encode(head));
        i = 0;
        return;
      }
      if (i >= rows.length) {
        c.enqueue(enc.encode(tail));
        c.close();
        return;
      }
      const batch = rows.slice(i, i + 1000).map((x) => toJson(x)).join(",");
      c.enqueue(enc.encode(i === 0 ? batch : "," + batch));
      i += 1000;
    },
  });
}
