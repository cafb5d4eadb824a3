/**
 * Secrets (API keys, passwords, URL userinfo) and the one redactor every string leaving the
 * process passes through.
 *
 * A `Secret` never prints its value: `String(s)`, template literals, `JSON.stringify`,
 * `console.log` and `Deno.inspect` all show `***` (no characters of the value, not even the
 * last four: those are part of the key). Only `reveal()` returns the value, at the last moment
 * (building a request), and it is never logged.
 *
 * {@link redact} removes from any text:
 * - every run of 8 or more characters that is a substring of a registered secret, compared
 *   without regard to ASCII case (so a key's 12-character prefix, its lower-cased or upper-cased
 *   form, and the two halves of a key split across a message are all caught); also the
 *   percent-encoded and JSON-escaped forms of each secret. A secret of 4 to 7 characters is
 *   removed where it occurs whole (case-sensitive: shorter runs would match ordinary words);
 * - the password in URL userinfo (`scheme://user:password@host` becomes `scheme://user:***@host`;
 *   `scheme://user@host` is kept: a user name is not a secret, and `--help` examples must stay
 *   copyable). A token passed as the user name is still removed when it is a registered secret
 *   (by the substring rule above, which runs first);
 * - values of query parameters that conventionally hold keys (`apiKey=`, `api_key=`, `token=`,
 *   `access_token=`, `key=`, `password=`, `secret=`, `signature=` ...), `Bearer`/`Basic`
 *   credentials and Alpaca's key headers.
 *
 * Secrets are registered by `new Secret(value)`, by {@link registerSecret}, and, the first time
 * {@link redact} runs, from the process environment: every variable whose name ends in `_KEY`,
 * `_API_KEY`, `_SECRET`, `_API_SECRET`, `_TOKEN`, `_PASSWORD` or `_PASS`, and the password of
 * every variable whose value is a URL with one (a URL's user name is not a secret). So a key is redacted even when a task fails
 * before it has read its configuration.
 *
 * Matching (rolling hash of ASCII-folded 8-character windows, verified against the stored
 * windows) costs one pass over the text: O(length), no allocation unless a window's hash hits.
 */

/** Shortest run of a registered secret that {@link redact} removes (and the scanner's window). */
export const SECRET_WINDOW = 8;
/** Secrets shorter than this are not registered (they would match ordinary words). */
const MIN_SECRET = 4;

/** ASCII-folded 8-character windows of every registered secret (and its encoded forms). */
const GRAMS = new Set<string>();
/** Rolling hashes of {@link GRAMS}, as a bitset (2^20 bits) to reject most windows cheaply. */
const GRAM_BITS = new Uint8Array(1 << 17);
/** Registered values of 4..7 characters: removed where they occur whole. */
const SHORT = new Set<string>();
/** Every registered value (to skip re-registration). */
const VALUES = new Set<string>();

const BASE = 0x01000193; // FNV prime, as the polynomial base
let BASE_POW = 1; // BASE^(W-1) mod 2^32
for (let i = 0; i < SECRET_WINDOW - 1; i++) BASE_POW = Math.imul(BASE_POW, BASE);

const fold = (c: number) => (c >= 65 && c <= 90 ? c | 32 : c);

function addGrams(v: string): void {
  if (v.length < SECRET_WINDOW) return;
  for (let i = 0; i + SECRET_WINDOW <= v.length; i++) {
    let h = 0;
    let s = "";
    for (let j = i; j < i + SECRET_WINDOW; j++) {
      const c = fold(v.charCodeAt(j));
      h = (Math.imul(h, BASE) + c) | 0;
      s += String.fromCharCode(c);
    }
    GRAMS.add(s);
    const b = h & 0xfffff;
    GRAM_BITS[b >>> 3] = GRAM_BITS[b >>> 3]! | (1 << (b & 7));
  }
}

/**
 * Register a value as secret so that {@link redact} removes it (and its 8+ character pieces).
 * Values shorter than 4 characters are ignored. `new Secret(v)` calls this.
 *
 * @example
 * ```ts
 * registerSecret("pk_live_0123456789abcdef");
 * redact("echo: PK_LIVE_0123456789"); // "echo: ***"
 * ```
 */
export function registerSecret(value: string): void {
  if (value.length < MIN_SECRET || VALUES.has(value)) return;
  VALUES.add(value);
  const forms = new Set([value]);
  try {
    forms.add(encodeURIComponent(value));
  } catch { /* lone surrogate */ }
  forms.add(JSON.stringify(value).slice(1, -1));
  for (const f of forms) {
    if (f.length >= SECRET_WINDOW) addGrams(f);
    else SHORT.add(f);
  }
}

/** Names of environment variables whose values are secrets. */
const SECRET_ENV = /(?:^|_)(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS)$/i;

/**
 * Register the secrets found in environment variables: values of variables named `*_KEY`,
 * `*_SECRET`, `*_TOKEN`, `*_PASSWORD`, `*_PASS`, and the password of any URL value with one (not
 * its user name); only values of 8+ characters (shorter ones would match ordinary words; URL
 * passwords of any length are still removed by the userinfo rule). Returns how many values were
 * registered.
 */
export function registerSecretsFromEnv(env: Record<string, string | undefined>): number {
  let n = 0;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const t = v.trim();
    if (t === "") continue;
    // Only values of 8+ characters: a 4-character setting such as "true" is not a key.
    if (SECRET_ENV.test(k) && t.length >= SECRET_WINDOW) {
      registerSecret(t);
      n++;
    }
    for (const u of urlUserinfo(t)) {
      if (u.length < SECRET_WINDOW) continue;
      registerSecret(u);
      n++;
    }
  }
  return n;
}

/**
 * The secret part of a URL's userinfo: its password, raw and percent-decoded (empty when the URL
 * has no password). The user name is not a secret (`postgres://workbench@host/db` holds nothing
 * secret): registering it would mask that word everywhere. `redact` removes the password where a
 * URL is printed, and a user name only when it is a registered secret (some vendors pass a token
 * as the user name: register it with {@link registerSecret}).
 */
export function urlUserinfo(text: string): string[] {
  const m = /^[a-z][a-z0-9+.\-]*:\/\/([^/?#\s]*)@/i.exec(text);
  if (!m) return [];
  const colon = m[1]!.indexOf(":");
  const part = colon < 0 ? "" : m[1]!.slice(colon + 1);
  if (part === "") return [];
  const out = [part];
  try {
    const d = decodeURIComponent(part);
    if (d !== part) out.push(d);
  } catch { /* malformed escape: the raw part is registered */ }
  return out;
}

let envLoaded = false;
function loadEnvOnce(): void {
  if (envLoaded) return;
  envLoaded = true;
  try {
    registerSecretsFromEnv(Deno.env.toObject());
  } catch { /* no env permission */ }
}

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }
  /** The raw value. Use only to build a request; never log it. */
  reveal(): string {
    return this.#value;
  }
  /** Always `***`: no character of the value is shown. */
  get masked(): string {
    return "***";
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

/** How many secret values are registered in this process (never the values). */
export function knownSecretCount(): number {
  loadEnvOnce();
  return VALUES.size;
}

const KEY_PARAMS =
  /([?&;](?:api[_-]?key|apikey|token|access_token|auth_token|refresh_token|key|password|passwd|secret|client_secret|signature|sig)=)[^&#\s"'<>]*/gi;
const AUTH =
  /((?:Bearer|Basic|Token)\s+|APCA-API-(?:KEY-ID|SECRET-KEY)["']?\s*[:=]\s*["']?|X-API-KEY["']?\s*[:=]\s*["']?)[A-Za-z0-9._\-~+/=]+/gi;
/** `scheme://user:` (kept) then the password up to `@` (masked); a user-only userinfo has no colon and is kept. */
const USERINFO = /([a-z][a-z0-9+.\-]*:\/\/[^/?#\s@"'<>:]*:)[^/?#\s@"'<>]*@/gi;

/** The spans [start, end) of `text` covered by 8+ character pieces of registered secrets. */
function secretSpans(text: string): number[] {
  const spans: number[] = [];
  const n = text.length;
  if (GRAMS.size === 0 || n < SECRET_WINDOW) return spans;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = fold(text.charCodeAt(i));
    if (i >= SECRET_WINDOW) {
      h = (h - Math.imul(fold(text.charCodeAt(i - SECRET_WINDOW)), BASE_POW)) | 0;
    }
    h = (Math.imul(h, BASE) + c) | 0;
    if (i < SECRET_WINDOW - 1) continue;
    const b = h & 0xfffff;
    if ((GRAM_BITS[b >>> 3]! & (1 << (b & 7))) === 0) continue;
    const start = i - SECRET_WINDOW + 1;
    let s = "";
    for (let j = start; j <= i; j++) s += String.fromCharCode(fold(text.charCodeAt(j)));
    if (!GRAMS.has(s)) continue;
    const last = spans.length - 1;
    if (last > 0 && start <= spans[last]!) spans[last] = i + 1;
    else spans.push(start, i + 1);
  }
  return spans;
}

/**
 * Remove secrets from any text (see the module doc for what is removed); every removed run
 * becomes `***`.
 *
 * @example
 * ```ts
 * redact("https://x/v2?apiKey=abcd1234&limit=5"); // "https://x/v2?apiKey=***&limit=5"
 * redact("https://me:pw@host/x"); // "https://me:***@host/x"
 * redact("postgres://workbench@host/db"); // unchanged
 * ```
 */
export function redact(text: string): string {
  loadEnvOnce();
  let out = text;
  const spans = secretSpans(out);
  if (spans.length > 0) {
    let r = "";
    let at = 0;
    for (let k = 0; k < spans.length; k += 2) {
      r += out.slice(at, spans[k]) + "***";
      at = spans[k + 1]!;
    }
    out = r + out.slice(at);
  }
  for (const v of SHORT) {
    if (out.includes(v)) out = out.split(v).join("***");
  }
  return out.replace(USERINFO, "$1***@").replace(KEY_PARAMS, "$1***").replace(AUTH, "$1***");
}

/**
 * Whether `text` holds any 8+ character piece of a registered secret (ASCII case ignored), or
 * a whole registered secret of 4..7 characters. For tests and for refusing to send a request.
 */
export function containsSecret(text: string): boolean {
  loadEnvOnce();
  if (secretSpans(text).length > 0) return true;
  for (const v of SHORT) if (text.includes(v)) return true;
  return false;
}
