/**
 * Private: a single-pass scanner of Polygon aggregate pages straight into typed columns, without
 * building an object per bar (the hot path of second-bar backfills; JSON.parse allocates one
 * object and eight numbers per bar).
 *
 * Numbers are decoded exactly as JSON.parse would: a decimal with at most 15 significant digits
 * and at most 22 fraction digits is `mantissa / 10^k` (both exact doubles, so the quotient is the
 * correctly rounded value); anything else (exponents, long mantissas) goes through `Number`.
 * A bar whose fields are not all plain numbers, or that has unknown keys, is handed back as text
 * for the zod path, which gives the quarantine reason. The envelope (status, next_url, ...) is
 * parsed with JSON.parse after the results array is cut out. Malformed or truncated text throws
 * SyntaxError, which the HTTP layer treats as a truncated body and retries.
 */

const KEYS = ["t", "o", "h", "l", "c", "v", "vw", "n", "otc"] as const;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Columns of one page (NaN where a bar lacked an optional field). */
export interface ScannedAggs {
  envelope: Record<string, unknown>;
  length: number;
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
  vw: Float64Array;
  n: Float64Array;
  /** Bars that need the slow path: index in the page and the bar's JSON text. */
  odd: { index: number; text: string }[];
  /** A sample of bars (first, middle, last) as objects, for the schema-drift check. */
  sample: unknown[];
}

function isSpace(ch: number): boolean {
  return ch === 32 || ch === 10 || ch === 13 || ch === 9;
}

/** Index just past the JSON string starting at `i` (which is a quote). */
function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const ch = s.charCodeAt(j);
    if (ch === 92) j++;
    else if (ch === 34) return j + 1;
  }
  throw new SyntaxError("unterminated string");
}

/** Index just past the JSON value (object, array, string, literal) starting at `i`. */
function skipValue(s: string, i: number): number {
  const ch = s.charCodeAt(i);
  if (ch === 34) return skipString(s, i);
  if (ch === 123 || ch === 91) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 34) {
        j = skipString(s, j) - 1;
      } else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new SyntaxError("unterminated container");
  }
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 44 || c === 125 || c === 93 || isSpace(c)) break;
    j++;
  }
  if (j === i) throw new SyntaxError(`unexpected character at ${i}`);
  return j;
}

/** Decode a JSON number in s[i, j); NaN when the token is not a number. */
function decodeNumber(s: string, i: number, j: number): number {
  let k = i;
  let neg = false;
  if (s.charCodeAt(k) === 45) {
    neg = true;
    k++;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let seenDot = false;
  for (; k < j; k++) {
    const c = s.charCodeAt(k);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      if (mant !== 0 || seenDot) digits++;
      if (seenDot) frac++;
    } else if (c === 46 && !seenDot) seenDot = true;
    else {
      const x = Number(s.slice(i, j)); // exponent or junk: the general path
      return x;
    }
  }
  if (k === i + (neg ? 1 : 0)) return NaN;
  if (digits > 15 || frac > 22) return Number(s.slice(i, j));
  const x = frac ? mant / POW10[frac]! : mant;
  return neg ? -x : x;
}

/** Scan one aggregates page (see module doc). */
export function scanAggs(text: string, requireVolume = false): ScannedAggs {
  const at = text.indexOf('"results"');
  let envelopeText = text;
  const cols = {
    t: [] as number[],
    o: [] as number[],
    h: [] as number[],
    l: [] as number[],
    c: [] as number[],
    v: [] as number[],
    vw: [] as number[],
    n: [] as number[],
  };
  const odd: ScannedAggs["odd"] = [];
  let count = 0;
  let start = -1, end = -1;
  if (at >= 0) {
    let i = at + 9;
    while (isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 58) throw new SyntaxError("expected ':' after results");
    i++;
    while (isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 91) throw new SyntaxError("results is not an array");
    start = i;
    i++;
    const row = new Float64Array(9);
    for (;;) {
      while (isSpace(text.charCodeAt(i)) || text.charCodeAt(i) === 44) i++;
      if (i >= text.length) throw new SyntaxError("truncated results array");
      if (text.charCodeAt(i) === 93) {
        end = i;
        break;
      }
      const objStart = i;
      if (text.charCodeAt(i) !== 123) {
        const e = skipValue(text, i);
        odd.push({ index: count++, text: text.slice(i, e) });
        i = e;
        continue;
      }
      row.fill(NaN);
      let ok = true;
      i++;
      for (;;) {
        while (isSpace(text.charCodeAt(i)) || text.charCodeAt(i) === 44) i++;
        if (i >= text.length) throw new SyntaxError("truncated bar");
        const ch = text.charCodeAt(i);
        if (ch === 125) {
          i++;
          break;
        }
        if (ch !== 34) throw new SyntaxError(`expected a key at ${i}`);
        const kEnd = skipString(text, i);
        const key = text.slice(i + 1, kEnd - 1);
        i = kEnd;
        while (isSpace(text.charCodeAt(i))) i++;
        if (text.charCodeAt(i) !== 58) throw new SyntaxError(`expected ':' at ${i}`);
        i++;
        while (isSpace(text.charCodeAt(i))) i++;
        const vEnd = skipValue(text, i);
        const slot = KEYS.indexOf(key as typeof KEYS[number]);
        if (slot < 0 || slot === 8) {
          // otc (a boolean) or an unknown key: the slow path decides.
          if (!(slot === 8 && (text.startsWith("true", i) || text.startsWith("false", i)))) {
            ok = false;
          }
        } else {
          const x = decodeNumber(text, i, vEnd);
          if (Number.isNaN(x)) ok = false;
          row[slot] = x;
        }
        i = vEnd;
      }
      if (
        requireVolume && (Number.isNaN(row[5]!) || Number.isNaN(row[6]!) || Number.isNaN(row[7]!))
      ) ok = false;
      if (ok && !Number.isNaN(row[0]!)) {
        cols.t.push(row[0]!);
        cols.o.push(row[1]!);
        cols.h.push(row[2]!);
        cols.l.push(row[3]!);
        cols.c.push(row[4]!);
        cols.v.push(row[5]!);
        cols.vw.push(row[6]!);
        cols.n.push(row[7]!);
      } else {
        odd.push({ index: count, text: text.slice(objStart, i) });
      }
      count++;
    }
    envelopeText = text.slice(0, start) + "[]" + text.slice(end + 1);
  }
  const envelope = JSON.parse(envelopeText) as Record<string, unknown>;
  if (at >= 0) delete envelope.results;
  const f = (a: number[]) => Float64Array.from(a);
  const good = cols.t.length;
  // No sample from a page without good bars (an empty page says nothing about the fields).
  const pick = [0, good >> 1, good - 1].filter((k, idx, arr) =>
    k >= 0 && k < good && arr.indexOf(k) === idx
  );
  const sample = pick.map((k) => {
    const o: Record<string, number> = {
      t: cols.t[k]!,
      o: cols.o[k]!,
      h: cols.h[k]!,
      l: cols.l[k]!,
      c: cols.c[k]!,
    };
    for (const key of ["v", "vw", "n"] as const) {
      if (!Number.isNaN(cols[key][k]!)) o[key] = cols[key][k]!;
    }
    return o;
  });
  for (const x of odd.slice(0, 3)) {
    try {
      sample.push(JSON.parse(x.text));
    } catch { /* kept for the reject path */ }
  }
  return {
    envelope,
    length: count,
    t: f(cols.t),
    o: f(cols.o),
    h: f(cols.h),
    l: f(cols.l),
    c: f(cols.c),
    v: f(cols.v),
    vw: f(cols.vw),
    n: f(cols.n),
    odd,
    sample,
  };
}
