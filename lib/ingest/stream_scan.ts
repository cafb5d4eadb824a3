/**
 * Hot path of the stream: a validating scanner of WebSocket frame text straight into the
 * channel column builders, without `JSON.parse` and without one object per event.
 *
 * The zod schemas of stream_events.ts stay the schema of record. The scanner only takes an
 * event when it is sure the schema accepts it, and then writes exactly the values `pushEvent`
 * would write; everything else goes the reference way (`JSON.parse` + `pushEvent`, which gives
 * the zod reason of a rejection):
 * - frame level: text that is not a JSON array of objects, or that uses anything the scanner
 *   does not handle (string escapes, nested objects, arrays other than integer arrays), is
 *   reported as not scanned and the caller parses the whole frame with `JSON.parse` (so a
 *   syntax error drops the frame exactly as before, and nothing of it is half-written);
 * - event level: an event of a data channel whose fields do not all pass the schema's checks,
 *   a status event, or an event of another channel is left to the caller with its text span.
 *
 * Number conversion is exact: an integer or decimal mantissa of at most 15 digits with a
 * power-of-ten exponent of at most 22 in magnitude is converted with one correctly rounded
 * IEEE multiply or divide (both operands exact), which is the correctly rounded value of the
 * decimal, i.e. what `JSON.parse` returns; longer numbers use `Number()` on the token.
 *
 * @see Clinger, W. D. (1990). How to read floating point numbers accurately. PLDI '90.
 *      doi:10.1145/93542.93557 (the exact fast path)
 */
import type { Channel, ChannelBatch } from "./stream_events.ts";

/** Field slots of the scratch record (the union of the fields of every data channel). */
const KEYS = [
  "ev",
  "sym",
  "T",
  "s",
  "e",
  "o",
  "h",
  "l",
  "c",
  "v",
  "av",
  "op",
  "vw",
  "a",
  "z",
  "n",
  "otc",
  "t",
  "q",
  "p",
  "x",
  "i",
  "trfi",
  "trft",
  "bp",
  "ap",
  "bs",
  "as",
  "bx",
  "ax",
  "val",
] as const;
const NS = KEYS.length;
const [
  EV,
  SYM,
  TT,
  S,
  E,
  O,
  H,
  L,
  C,
  V,
  AV,
  OP,
  VW,
  A,
  Z,
  N,
  OTC,
  T,
  Q,
  P,
  X,
  I,
  TRFI,
  TRFT,
  BP,
  AP,
  BS,
  AS,
  BX,
  AX,
  VAL,
] = KEYS.map((_, j) => j) as number[] as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** Kinds of a scanned value. */
const ABSENT = 0, NUM = 1, STR = 2, IARR = 3, BOOL = 4, NULL = 5, NARR = 6;

/** Key text -> slot, by a code of (length, up to 4 ASCII characters). */
function keyCode(s: Uint8Array, a: number, b: number): number {
  const len = b - a;
  if (len < 1 || len > 4) return -1;
  let code = len;
  for (let k = a; k < b; k++) {
    const ch = s[k]!;
    if (ch > 127) return -1;
    code = code * 128 + ch;
  }
  return code;
}
/** Open-addressing table: key code -> slot (codes stored to tell a stranger key apart). */
const KT_SIZE = 1024;
const KT_CODE = new Float64Array(KT_SIZE).fill(-1);
const KT_SLOT = new Int8Array(KT_SIZE).fill(-1);
for (let j = 0; j < KEYS.length; j++) {
  const code = keyCode(new TextEncoder().encode(KEYS[j]!), 0, KEYS[j]!.length);
  let h = code % KT_SIZE;
  while (KT_CODE[h] !== -1) h = (h + 1) % KT_SIZE;
  KT_CODE[h] = code;
  KT_SLOT[h] = j;
}
function slotOf(code: number): number {
  if (code < 0) return -1;
  let h = code % KT_SIZE;
  for (;;) {
    const c = KT_CODE[h]!;
    if (c === code) return KT_SLOT[h]!;
    if (c === -1) return -1;
    h = (h + 1) % KT_SIZE;
  }
}

/** Short ASCII strings (at most 7 characters) by their code: one string object per ticker. */
const INTERN_MAX = 7;
function shortCode(s: Uint8Array, a: number, b: number): number {
  let code = b - a;
  for (let k = a; k < b; k++) {
    const ch = s[k]!;
    if (ch > 127) return -1;
    code = code * 128 + ch;
  }
  return code;
}

const POW10: number[] = [];
for (let k = 0; k <= 22; k++) POW10.push(Number(`1e${k}`));

const intOk = (v: number) => Number.isSafeInteger(v);
const ENC = new TextEncoder();
const TRUE = ENC.encode("true");
const FALSE = ENC.encode("false");
const NULL_ = ENC.encode("null");
function startsWith(s: Uint8Array, i: number, w: Uint8Array): boolean {
  if (i + w.length > s.length) return false;
  for (let k = 0; k < w.length; k++) if (s[i + k] !== w[k]) return false;
  return true;
}
const isNum = (kd: Uint8Array, nm: Float64Array, j: number) =>
  kd[j] === NUM && Number.isFinite(nm[j]!);
const isInt = (kd: Uint8Array, nm: Float64Array, j: number) =>
  kd[j] === NUM && Number.isSafeInteger(nm[j]!);
const optNum = (kd: Uint8Array, nm: Float64Array, j: number) =>
  kd[j] === ABSENT || isNum(kd, nm, j);
const optInt = (kd: Uint8Array, nm: Float64Array, j: number) =>
  kd[j] === ABSENT || isInt(kd, nm, j);
const nonEmpty = (kd: Uint8Array, str: (string | undefined)[], j: number) =>
  kd[j] === STR && str[j] !== "";

/**
 * Reusable frame scanner (one per stream: it keeps its scratch buffers between frames).
 *
 * @example
 * ```ts
 * const sc = new FrameScanner();
 * if (sc.scan('[{"ev":"V","T":"I:SPX","t":1678220098130,"val":3988.5}]')) {
 *   sc.channel(0); // "V"
 * }
 * ```
 */
export class FrameScanner {
  #cap = 0;
  #kind = new Uint8Array(0);
  #num = new Float64Array(0);
  #str: (string | undefined)[] = [];
  /** Per event: channel (or null when the event must take the reference path). */
  #chan: (Channel | null)[] = [];
  #start = new Int32Array(0);
  #end = new Int32Array(0);
  #n = 0;
  #text = "";
  #ints: number[] = [];
  /** Value of the last number token read by `#number`. */
  #val = 0;
  #interned = new Map<number, string>();
  #buf = new Uint8Array(1 << 16);
  /** Joined text of small integer arrays by their code. */
  #joined = new Map<number, string>();

  #grow(n: number): void {
    if (n <= this.#cap) return;
    const cap = Math.max(64, n, this.#cap * 2);
    const kind = new Uint8Array(cap * NS);
    kind.set(this.#kind);
    const num = new Float64Array(cap * NS);
    num.set(this.#num);
    const start = new Int32Array(cap);
    start.set(this.#start);
    const end = new Int32Array(cap);
    end.set(this.#end);
    this.#kind = kind;
    this.#num = num;
    this.#start = start;
    this.#end = end;
    this.#str.length = cap * NS;
    this.#cap = cap;
  }

  /** Events of the last scanned frame. */
  get count(): number {
    return this.#n;
  }

  /**
   * Scan a frame. True when the frame is a JSON array of objects the scanner could read
   * (each event then either validated for its channel, or left to the reference path); false
   * when the caller must `JSON.parse` the whole frame.
   */
  scan(text: string, utf8?: Uint8Array): boolean {
    this.#text = text;
    this.#n = 0;
    let u: Uint8Array;
    if (utf8 !== undefined) u = utf8;
    else {
      if (this.#buf.length < text.length * 3) this.#buf = new Uint8Array(text.length * 3);
      u = this.#buf.subarray(0, ENC.encodeInto(text, this.#buf).written);
    }
    // Byte offsets are string offsets only for ASCII text; anything else takes JSON.parse.
    if (u.length !== text.length) return false;
    const len = u.length;
    let i = 0;
    let ch = 0;
    // skip whitespace
    while (i < len && ((ch = u[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
      i++;
    }
    if (i >= len || u[i]! !== 91 /* [ */) return false;
    i++;
    while (i < len && ((ch = u[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
      i++;
    }
    if (i < len && u[i]! === 93 /* ] */) {
      i++;
    } else {
      for (;;) {
        if (i >= len || u[i]! !== 123 /* { */) return false;
        const ev = this.#n;
        this.#grow(ev + 1);
        i = this.#object(u, i, ev);
        if (i < 0) return false;
        this.#n = ev + 1;
        while (
          i < len && ((ch = u[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)
        ) i++;
        if (i >= len) return false;
        ch = u[i]!;
        if (ch === 93) {
          i++;
          break;
        }
        if (ch !== 44 /* , */) return false;
        i++;
        while (
          i < len && ((ch = u[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)
        ) i++;
      }
    }
    while (i < len && ((ch = u[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
      i++;
    }
    if (i !== len) return false;
    for (let k = 0; k < this.#n; k++) this.#chan[k] = this.#validate(k);
    return true;
  }

  /** Scan one object starting at `i` (`{`) into the slots of event `ev`; end index or -1. */
  #object(s: Uint8Array, i: number, ev: number): number {
    const len = s.length;
    const base = ev * NS;
    this.#kind.fill(ABSENT, base, base + NS);
    this.#start[ev] = i;
    i++;
    let ch = 0;
    while (i < len && ((ch = s[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) i++;
    if (i < len && s[i]! === 125 /* } */) {
      this.#end[ev] = i + 1;
      return i + 1;
    }
    for (;;) {
      // key
      if (i >= len || s[i]! !== 34) return -1;
      const ka = i + 1;
      let kb = ka;
      while (kb < len && (ch = s[kb]!) !== 34) {
        if (ch === 92 /* \ */ || ch < 32) return -1;
        kb++;
      }
      if (kb >= len) return -1;
      const slot = slotOf(keyCode(s, ka, kb));
      i = kb + 1;
      while (i < len && ((ch = s[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
        i++;
      }
      if (i >= len || s[i]! !== 58 /* : */) return -1;
      i++;
      while (i < len && ((ch = s[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
        i++;
      }
      if (i >= len) return -1;
      ch = s[i]!;
      const at = base + (slot < 0 ? 0 : slot);
      if (ch === 34 /* " */) {
        const a = i + 1;
        let b = a;
        while (b < len && (ch = s[b]!) !== 34) {
          if (ch === 92 || ch < 32) return -1;
          b++;
        }
        if (b >= len) return -1;
        if (slot >= 0) {
          this.#kind[at] = STR;
          this.#str[at] = slot === EV || slot === SYM || slot === TT
            ? this.#intern(s, a, b)
            : slot === I
            ? this.#text.slice(a, b)
            : undefined;
        }
        i = b + 1;
      } else if (ch === 45 /* - */ || (ch >= 48 && ch <= 57)) {
        const end = this.#number(s, i);
        if (end < 0) return -1;
        if (slot >= 0) {
          this.#kind[at] = NUM;
          this.#num[at] = this.#val;
        }
        i = end;
      } else if (ch === 91 /* [ */) {
        const end = this.#intArray(s, i, at, slot >= 0);
        if (end < 0) return -1;
        i = end;
      } else if (startsWith(s, i, TRUE) || startsWith(s, i, FALSE)) {
        if (slot >= 0) {
          this.#kind[at] = BOOL;
          this.#num[at] = ch === 116 ? 1 : 0;
        }
        i += ch === 116 ? 4 : 5;
      } else if (startsWith(s, i, NULL_)) {
        if (slot >= 0) this.#kind[at] = NULL;
        i += 4;
      } else {
        return -1; // nested object or invalid: the reference path decides
      }
      while (i < len && ((ch = s[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
        i++;
      }
      if (i >= len) return -1;
      ch = s[i]!;
      if (ch === 125) {
        this.#end[ev] = i + 1;
        return i + 1;
      }
      if (ch !== 44) return -1;
      i++;
      while (i < len && ((ch = s[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
        i++;
      }
    }
  }

  /** `s.slice(a, b)`, the same string object each time for short ASCII text. */
  #intern(s: Uint8Array, a: number, b: number): string {
    if (b - a > INTERN_MAX) return this.#text.slice(a, b);
    const code = shortCode(s, a, b);
    if (code < 0) return this.#text.slice(a, b);
    let v = this.#interned.get(code);
    if (v === undefined) {
      v = this.#text.slice(a, b);
      if (this.#interned.size < 100_000) this.#interned.set(code, v);
    }
    return v;
  }

  /** Read a JSON number token at `i` into `#val`; end index, or -1 (bad grammar). */
  #number(s: Uint8Array, i: number): number {
    const len = s.length;
    const a = i;
    let neg = false;
    let ch = s[i]!;
    if (ch === 45) {
      neg = true;
      i++;
      if (i >= len) return -1;
      ch = s[i]!;
    }
    let m = 0;
    let digits = 0;
    if (ch === 48) {
      i++;
    } else if (ch >= 49 && ch <= 57) {
      while (i < len && (ch = s[i]!) >= 48 && ch <= 57) {
        if (digits < 15) m = m * 10 + (ch - 48);
        digits++;
        i++;
      }
    } else return -1;
    let exp = 0;
    let exact = digits <= 15;
    if (i < len && s[i]! === 46 /* . */) {
      i++;
      const f0 = i;
      while (i < len && (ch = s[i]!) >= 48 && ch <= 57) {
        if (digits < 15) {
          m = m * 10 + (ch - 48);
          exp--;
        } else exact = false;
        if (m !== 0 || digits > 0) digits++;
        i++;
      }
      if (i === f0) return -1;
    }
    if (i < len && ((ch = s[i]!) === 101 || ch === 69) /* e E */) {
      i++;
      let eneg = false;
      if (i < len && ((ch = s[i]!) === 43 || ch === 45)) {
        eneg = ch === 45;
        i++;
      }
      const e0 = i;
      let ev = 0;
      while (i < len && (ch = s[i]!) >= 48 && ch <= 57) {
        if (ev < 10_000) ev = ev * 10 + (ch - 48);
        i++;
      }
      if (i === e0) return -1;
      exp += eneg ? -ev : ev;
    }
    let v: number;
    if (exact && exp >= -22 && exp <= 22) {
      v = exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!;
      if (neg) v = -v;
    } else {
      v = Number(this.#text.slice(a, i));
    }
    this.#val = v;
    return i;
  }

  /** An array of numbers at `i`: joined as text when all are safe integers. */
  #intArray(s: Uint8Array, i: number, at: number, keep: boolean): number {
    const len = s.length;
    const ints = this.#ints;
    ints.length = 0;
    i++;
    let ch = 0;
    let allInt = true;
    // Code of arrays of at most 5 integers in [0, 1024): length, then 10 bits per element.
    let code = 0;
    while (i < len && ((ch = s[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) i++;
    if (i < len && s[i]! === 93) {
      i++;
    } else {
      for (;;) {
        if (i >= len) return -1;
        ch = s[i]!;
        if (!(ch === 45 || (ch >= 48 && ch <= 57))) return -1; // only arrays of numbers
        const end = this.#number(s, i);
        if (end < 0) return -1;
        const v = this.#val;
        if (!intOk(v)) allInt = false;
        ints.push(v);
        code = code >= 0 && ints.length <= 5 && v >= 0 && v < 1024 && !Object.is(v, -0)
          ? code * 1024 + v
          : -1;
        i = end;
        while (i < len && ((ch = s[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
          i++;
        }
        if (i >= len) return -1;
        ch = s[i]!;
        i++;
        if (ch === 93) break;
        if (ch !== 44) return -1;
        while (i < len && ((ch = s[i]!) === 32 || ch === 10 || ch === 13 || ch === 9)) {
          i++;
        }
      }
    }
    if (keep) {
      this.#kind[at] = allInt ? IARR : NARR;
      if (!allInt) this.#str[at] = undefined;
      else if (code < 0) this.#str[at] = ints.join(",");
      else {
        code = code * 8 + ints.length;
        let j = this.#joined.get(code);
        if (j === undefined) {
          j = ints.join(",");
          if (this.#joined.size < 100_000) this.#joined.set(code, j);
        }
        this.#str[at] = j;
      }
    }
    return i;
  }

  /** The channel of event `k` when every schema check passes, else null. */
  #validate(k: number): Channel | null {
    const b = k * NS;
    const kd = this.#kind;
    const nm = this.#num;
    if (kd[b + EV] !== STR) return null;
    const ev = this.#str[b + EV]!;
    switch (ev) {
      case "A":
      case "AM":
        return nonEmpty(kd, this.#str, b + SYM) && isInt(kd, nm, b + S) &&
            isInt(kd, nm, b + E) && isNum(kd, nm, b + O) && isNum(kd, nm, b + H) &&
            isNum(kd, nm, b + L) && isNum(kd, nm, b + C) && optNum(kd, nm, b + V) &&
            optNum(kd, nm, b + AV) && optNum(kd, nm, b + OP) && optNum(kd, nm, b + VW) &&
            optNum(kd, nm, b + A) && optNum(kd, nm, b + Z) && optInt(kd, nm, b + N) &&
            (kd[b + OTC] === ABSENT || kd[b + OTC] === BOOL)
          ? ev
          : null;
      case "T":
        return nonEmpty(kd, this.#str, b + SYM) && isInt(kd, nm, b + T) &&
            isInt(kd, nm, b + Q) && isNum(kd, nm, b + P) && isNum(kd, nm, b + S) &&
            optInt(kd, nm, b + X) && (kd[b + I] === ABSENT || kd[b + I] === STR) &&
            optInt(kd, nm, b + Z) && (kd[b + C] === ABSENT || kd[b + C] === IARR) &&
            optInt(kd, nm, b + TRFI) && optInt(kd, nm, b + TRFT)
          ? "T"
          : null;
      case "Q":
        return nonEmpty(kd, this.#str, b + SYM) && isInt(kd, nm, b + T) &&
            isInt(kd, nm, b + Q) && isNum(kd, nm, b + BP) && isNum(kd, nm, b + AP) &&
            isNum(kd, nm, b + BS) && isNum(kd, nm, b + AS) && optInt(kd, nm, b + BX) &&
            optInt(kd, nm, b + AX) && optInt(kd, nm, b + C) &&
            (kd[b + I] === ABSENT || kd[b + I] === IARR) && optInt(kd, nm, b + Z)
          ? "Q"
          : null;
      case "V":
        return nonEmpty(kd, this.#str, b + TT) && isInt(kd, nm, b + T) && isNum(kd, nm, b + VAL)
          ? "V"
          : null;
      default:
        return null;
    }
  }

  /** Channel of event `k` if it passed its schema checks; null: take the reference path. */
  channel(k: number): Channel | null {
    return this.#chan[k] ?? null;
  }

  /** Text of event `k` (for the reference path, a rejection payload or a log). */
  eventText(k: number): string {
    return this.#text.slice(this.#start[k]!, this.#end[k]!);
  }

  /** Ticker of a validated event `k`. */
  symbol(k: number): string {
    const base = k * NS;
    return this.#chan[k] === "V" ? this.#str[base + TT]! : this.#str[base + SYM]!;
  }

  /** Event time (ms) of a validated event `k`: `s` for aggregates, `t` otherwise. */
  time(k: number): number {
    const c = this.#chan[k];
    return this.#num[k * NS + (c === "A" || c === "AM" ? S : T)]!;
  }

  /** Sequence number of a validated event `k` (0 when it has none). */
  seq(k: number): number {
    const j = k * NS + Q;
    return this.#kind[j] === NUM ? this.#num[j]! : 0;
  }

  /**
   * Append validated event `k` to `batch` (of its channel), with the values `pushEvent` writes.
   */
  push(batch: ChannelBatch, k: number, origin: string): void {
    const base = k * NS;
    const kind = this.#kind;
    const num = this.#num;
    const str = this.#str;
    const c = batch.num;
    const st = batch.str;
    const opt = (j: number) => (kind[base + j] === NUM ? num[base + j]! : NaN);
    let time: number;
    switch (batch.channel) {
      case "A":
      case "AM":
        time = num[base + S]!;
        c.ts!.push(time);
        c.t!.push(time);
        c.e!.push(num[base + E]!);
        c.o!.push(num[base + O]!);
        c.h!.push(num[base + H]!);
        c.l!.push(num[base + L]!);
        c.c!.push(num[base + C]!);
        c.v!.push(opt(V));
        c.vw!.push(opt(VW));
        c.n!.push(opt(N));
        c.av!.push(opt(AV));
        c.op!.push(opt(OP));
        c.a!.push(opt(A));
        c.z!.push(opt(Z));
        st.origin!.push(origin);
        batch.pushSymbol(str[base + SYM]!);
        break;
      case "T":
        time = num[base + T]!;
        c.ts!.push(time);
        c.t!.push(time);
        c.q!.push(num[base + Q]!);
        c.p!.push(num[base + P]!);
        c.s!.push(num[base + S]!);
        c.x!.push(opt(X));
        st.i!.push(kind[base + I] === STR ? str[base + I]! : null);
        c.z!.push(opt(Z));
        st.c!.push(kind[base + C] === IARR ? str[base + C]! : null);
        c.trfi!.push(opt(TRFI));
        c.trft!.push(opt(TRFT));
        batch.pushSymbol(str[base + SYM]!);
        break;
      case "Q":
        time = num[base + T]!;
        c.ts!.push(time);
        c.t!.push(time);
        c.q!.push(num[base + Q]!);
        c.bp!.push(num[base + BP]!);
        c.bs!.push(num[base + BS]!);
        c.bx!.push(opt(BX));
        c.ap!.push(num[base + AP]!);
        c.as!.push(num[base + AS]!);
        c.ax!.push(opt(AX));
        c.c!.push(opt(C));
        st.i!.push(kind[base + I] === IARR ? str[base + I]! : null);
        c.z!.push(opt(Z));
        batch.pushSymbol(str[base + SYM]!);
        break;
      case "V":
        time = num[base + T]!;
        c.ts!.push(time);
        c.t!.push(time);
        c.val!.push(num[base + VAL]!);
        batch.pushSymbol(str[base + TT]!);
        break;
    }
    batch.length++;
    if (time < batch.minTs) batch.minTs = time;
    if (time > batch.maxTs) batch.maxTs = time;
  }
}
