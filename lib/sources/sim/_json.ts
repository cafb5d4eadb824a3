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
 * `rows.map(toJson).join(",")` in one JSON.stringify call when that gives the same text: every
 * row an object (not undefined, a hole or a function, which an array writes as `null` and the
 * join as nothing) without a `toJSON` (which would see the index as its key), and no bigint
 * anywhere (JSON.stringify throws on the first one: the per-row path then writes them exactly).
 * The array's text is then `[` + the rows' texts joined by `,` + `]`.
 */
export function joinRows(rows: unknown[]): string {
  let plain = true;
  for (let k = 0; k < rows.length && plain; k++) {
    const r = rows[k];
    plain = typeof r === "object" && r !== null && !("toJSON" in r);
  }
  if (plain) {
    try {
      return JSON.stringify(rows).slice(1, -1);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
    }
  }
  return rows.map((x) => toJson(x)).join(",");
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
      const batch = joinRows(rows.slice(i, i + 1000));
      c.enqueue(enc.encode(i === 0 ? batch : "," + batch));
      i += 1000;
    },
  });
}
