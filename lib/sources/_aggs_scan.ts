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
 *
 * The scanner reads the body's bytes (UTF-8), so the HTTP layer need not decode the page to a
 * string first: only the envelope and the odd bars are decoded. Keys and numbers are ASCII, and
 * the cuts it decodes at are ASCII delimiters, so multi-byte text elsewhere decodes whole.
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

function isSpace(ch: number | undefined): boolean {
  return ch === 32 || ch === 10 || ch === 13 || ch === 9;
}

const decoder = new TextDecoder();

/** Text of bytes [i, j). */
function text(b: Uint8Array, i: number, j: number): string {
  return decoder.decode(b.subarray(i, j));
}

/** True when the ASCII `word` stands at b[i]. */
function startsWith(b: Uint8Array, word: string, i: number): boolean {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** Index of the ASCII `word` in b, or -1. */
function indexOf(b: Uint8Array, word: string): number {
  const first = word.charCodeAt(0);
  for (let i = b.indexOf(first); i >= 0; i = b.indexOf(first, i + 1)) {
    if (startsWith(b, word, i)) return i;
  }
  return -1;
}

/** Index just past the JSON string starting at `i` (which is a quote). */
function skipString(s: Uint8Array, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const ch = s[j];
    if (ch === 92) j++;
    else if (ch === 34) return j + 1;
  }
  throw new SyntaxError("unterminated string");
}

/** Index just past the JSON value (object, array, string, literal) starting at `i`. */
function skipValue(s: Uint8Array, i: number): number {
  const ch = s[i];
  if (ch === 34) return skipString(s, i);
  if (ch === 123 || ch === 91) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const c = s[j];
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
    const c = s[j];
    if (c === 44 || c === 125 || c === 93 || isSpace(c)) break;
    j++;
  }
  if (j === i) throw new SyntaxError(`unexpected character at ${i}`);
  return j;
}

/** Decode a JSON number in s[i, j); NaN when the token is not a number. */
function decodeNumber(s: Uint8Array, i: number, j: number): number {
  let k = i;
  let neg = false;
  if (s[k] === 45) {
    neg = true;
    k++;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let seenDot = false;
  for (; k < j; k++) {
    const c = s[k]!;
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      if (mant !== 0 || seenDot) digits++;
      if (seenDot) frac++;
    } else if (c === 46 && !seenDot) seenDot = true;
    else {
      return Number(text(s, i, j)); // exponent or junk: the general path
    }
  }
  if (k === i + (neg ? 1 : 0)) return NaN;
  if (digits > 15 || frac > 22) return Number(text(s, i, j));
  const x = frac ? mant / POW10[frac]! : mant;
  return neg ? -x : x;
}

/** Slot of a one-letter key (t o h l c v n), or -1. */
function slotOf(ch: number | undefined): number {
  switch (ch) {
    case 116: // t
      return 0;
    case 111: // o
      return 1;
    case 104: // h
      return 2;
    case 108: // l
      return 3;
    case 99: // c
      return 4;
    case 118: // v
      return 5;
    case 110: // n
      return 7;
    default:
      return -1;
  }
}

/** Growable typed columns of the fast rows. */
class Columns {
  size = 0;
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
  vw: Float64Array;
  n: Float64Array;
  constructor(capacity: number) {
    this.t = new Float64Array(capacity);
    this.o = new Float64Array(capacity);
    this.h = new Float64Array(capacity);
    this.l = new Float64Array(capacity);
    this.c = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
    this.vw = new Float64Array(capacity);
    this.n = new Float64Array(capacity);
  }
  grow(): void {
    const cap = this.t.length * 2 + 16;
    const g = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.t = g(this.t);
    this.o = g(this.o);
    this.h = g(this.h);
    this.l = g(this.l);
    this.c = g(this.c);
    this.v = g(this.v);
    this.vw = g(this.vw);
    this.n = g(this.n);
  }
}

/**
 * Columns handed back by {@link releaseScan}, for the next scans: a page's columns are a few MB,
 * and fresh memory costs a page fault per 4 KiB on first write (slow on this kind of VM), plus
 * the zeroing. At most {@link POOL_MAX} are kept.
 */
const pool: Columns[] = [];
const POOL_MAX = 8;
const owner = new WeakMap<ScannedAggs, Columns>();

function takeColumns(capacity: number): Columns {
  for (let k = pool.length - 1; k >= 0; k--) {
    if (pool[k]!.t.length >= capacity) {
      const c = pool.splice(k, 1)[0]!;
      c.size = 0;
      return c;
    }
  }
  return new Columns(capacity);
}

/**
 * Hand a scan's columns back for reuse once they have been copied (into Polars): the scan's
 * typed arrays must not be read afterwards, since a later scan overwrites them. Optional: a
 * scan never released is garbage-collected as usual.
 */
export function releaseScan(scan: ScannedAggs): void {
  const c = owner.get(scan);
  if (!c) return;
  owner.delete(scan);
  if (pool.length >= POOL_MAX) pool.shift();
  pool.push(c);
}

/** Scan one aggregates page, as bytes or text (see module doc). */
export function scanAggs(body: Uint8Array | string, requireVolume = false): ScannedAggs {
  const b = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const at = indexOf(b, '"results"');
  let envelopeText: string | null = null;
  // A bar takes at least ~60 bytes (vendor bars ~90-110): sized so that the columns never grow
  // (a growth copies every column); the views returned keep the slack until they are dropped.
  const cols = takeColumns(Math.max(64, Math.ceil(b.length / 60)));
  const odd: ScannedAggs["odd"] = [];
  let count = 0;
  let start = -1, end = -1;
  if (at >= 0) {
    let i = at + 9;
    while (isSpace(b[i]!)) i++;
    if (b[i]! !== 58) throw new SyntaxError("expected ':' after results");
    i++;
    while (isSpace(b[i]!)) i++;
    if (b[i]! !== 91) throw new SyntaxError("results is not an array");
    start = i;
    i++;
    const len = b.length;
    for (;;) {
      let ch = b[i]!;
      while (ch === 44 || isSpace(ch)) ch = b[++i]!;
      if (i >= len) throw new SyntaxError("truncated results array");
      if (ch === 93) {
        end = i;
        break;
      }
      const objStart = i;
      if (ch !== 123) {
        const e = skipValue(b, i);
        odd.push({ index: count++, text: text(b, i, e) });
        i = e;
        continue;
      }
      // Values go straight into row k of the columns; `seen` has a bit per slot present. A row
      // that turns out odd is not counted, so the next row overwrites what it wrote.
      if (cols.size === cols.t.length) cols.grow();
      const k = cols.size;
      let seen = 0;
      let ok = true;
      i++;
      for (;;) {
        ch = b[i]!;
        while (ch === 44 || isSpace(ch)) ch = b[++i]!;
        if (i >= len) throw new SyntaxError("truncated bar");
        if (ch === 125) {
          i++;
          break;
        }
        if (ch !== 34) throw new SyntaxError(`expected a key at ${i}`);
        // Known keys are matched on their characters; anything else is sliced and looked up.
        const k1 = b[i + 1]!;
        const k2 = b[i + 2]!;
        let slot: number;
        if (k2 === 34 && (slot = slotOf(k1)) >= 0) i += 3;
        else if (k1 === 118 && k2 === 119 && b[i + 3]! === 34) {
          slot = 6;
          i += 4;
        } else {
          const kEnd = skipString(b, i);
          slot = KEYS.indexOf(text(b, i + 1, kEnd - 1) as typeof KEYS[number]);
          if (slot < 0) slot = 9;
          i = kEnd;
        }
        ch = b[i]!;
        while (isSpace(ch)) ch = b[++i]!;
        if (ch !== 58) throw new SyntaxError(`expected ':' at ${i}`);
        ch = b[++i]!;
        while (isSpace(ch)) ch = b[++i]!;
        if (slot < 8) {
          // Inline number: [-]digits[.digits] with at most 15 digits, ended by , } or space.
          // The digits accumulate in two small integers (9 digits each) rather than in one
          // double: integer multiply-adds are several times cheaper than a chain of float ones.
          const v0 = i;
          const neg = ch === 45;
          if (neg) ch = b[++i]!;
          let hi = 0, lo = 0, nLo = 0;
          const d0 = i;
          while (ch >= 48 && ch <= 57) {
            if (i - d0 < 9) hi = hi * 10 + (ch - 48);
            else if (nLo < 9) {
              lo = lo * 10 + (ch - 48);
              nLo++;
            }
            ch = b[++i]!;
          }
          let digits = i - d0;
          let frac = 0;
          if (ch === 46) {
            ch = b[++i]!;
            const f0 = i;
            while (ch >= 48 && ch <= 57) {
              if (i - f0 + digits < 9) hi = hi * 10 + (ch - 48);
              else if (nLo < 9) {
                lo = lo * 10 + (ch - 48);
                nLo++;
              }
              ch = b[++i]!;
            }
            frac = i - f0;
            digits += frac;
            if (frac === 0) digits = 0; // "1." is not a JSON number
          }
          let x: number;
          if (digits > 0 && digits <= 15 && (ch === 44 || ch === 125 || isSpace(ch))) {
            // hi * 10^nLo + lo < 10^15: exact; so is 10^frac, and the quotient is then the
            // correctly rounded value, as JSON.parse gives.
            const mant = nLo ? hi * POW10[nLo]! + lo : hi;
            x = frac ? mant / POW10[frac]! : mant;
            if (neg) x = -x;
          } else {
            // Exponents, long mantissas, strings, null, junk: the general decoder decides.
            i = skipValue(b, v0);
            x = decodeNumber(b, v0, i);
            if (Number.isNaN(x)) ok = false;
          }
          seen |= 1 << slot;
          switch (slot) {
            case 0:
              cols.t[k] = x;
              break;
            case 1:
              cols.o[k] = x;
              break;
            case 2:
              cols.h[k] = x;
              break;
            case 3:
              cols.l[k] = x;
              break;
            case 4:
              cols.c[k] = x;
              break;
            case 5:
              cols.v[k] = x;
              break;
            case 6:
              cols.vw[k] = x;
              break;
            default:
              cols.n[k] = x;
          }
        } else {
          const vEnd = skipValue(b, i);
          // otc (a boolean) or an unknown key: the slow path decides.
          if (!(slot === 8 && (startsWith(b, "true", i) || startsWith(b, "false", i)))) {
            ok = false;
          }
          i = vEnd;
        }
      }
      if ((seen & 1) === 0 || (requireVolume && (seen & 0x20) === 0)) ok = false;
      if (ok && seen !== 0xff) {
        // A missing field is NaN (a missing price then fails validation downstream).
        if ((seen & 2) === 0) cols.o[k] = NaN;
        if ((seen & 4) === 0) cols.h[k] = NaN;
        if ((seen & 8) === 0) cols.l[k] = NaN;
        if ((seen & 16) === 0) cols.c[k] = NaN;
        if ((seen & 32) === 0) cols.v[k] = NaN;
        if ((seen & 64) === 0) cols.vw[k] = NaN;
        if ((seen & 128) === 0) cols.n[k] = NaN;
      }
      if (ok && !Number.isNaN(cols.t[k]!)) cols.size++;
      else odd.push({ index: count, text: text(b, objStart, i) });
      count++;
    }
    envelopeText = text(b, 0, start) + "[]" + text(b, end + 1, b.length);
  }
  const envelope = JSON.parse(envelopeText ?? decoder.decode(b)) as Record<string, unknown>;
  if (at >= 0) delete envelope.results;
  const good = cols.size;
  // Views, not copies: every consumer copies the columns into Polars anyway.
  const f = (a: Float64Array) => a.subarray(0, good);
  const out = {
    t: f(cols.t),
    o: f(cols.o),
    h: f(cols.h),
    l: f(cols.l),
    c: f(cols.c),
    v: f(cols.v),
    vw: f(cols.vw),
    n: f(cols.n),
  };
  const pick = [0, good >> 1, good - 1].filter((k, idx, arr) =>
    k >= 0 && k < good && arr.indexOf(k) === idx
  );
  const sample: unknown[] = pick.map((k) => {
    const o: Record<string, number> = {
      t: out.t[k]!,
      o: out.o[k]!,
      h: out.h[k]!,
      l: out.l[k]!,
      c: out.c[k]!,
    };
    for (const key of ["v", "vw", "n"] as const) {
      if (!Number.isNaN(out[key][k]!)) o[key] = out[key][k]!;
    }
    return o;
  });
  for (const x of odd.slice(0, 3)) {
    try {
      sample.push(JSON.parse(x.text));
    } catch { /* kept for the reject path */ }
  }
  const scan = { envelope, length: count, ...out, odd, sample };
  owner.set(scan, cols);
  return scan;
}
