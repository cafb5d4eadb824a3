/**
 * `--json` for tasks that end with a summary: one JSON object on stdout, everything a person
 * reads (progress, the text summary, notes) on stderr, so `deno task backtest --spec s.json
 * --json | jq .verdict` works.
 *
 * Conventions of the object: numbers are JSON numbers; a bigint beyond 2^53 - 1 (a nanosecond
 * timestamp) is a decimal string, since a JSON reader would round it (smaller bigints are
 * numbers); NaN and +-Infinity are null (JSON has neither); a Date is its ISO 8601 UTC string;
 * typed arrays are arrays; a Map is an object; undefined fields are left out. Secrets are
 * redacted as in every other output (lib/core/secret.ts).
 *
 * @example
 * ```ts ignore
 * const out = jsonOutput(values.json);       // routes console.log to stderr when on
 * out.say("backfill done");                  // human text: stdout, or stderr with --json
 * out.emit({ task: "backfill", rows: 1330 }); // with --json: one line of JSON on stdout
 * ```
 */
import { redact } from "../core/secret.ts";
import type { OptionDecl } from "./task.ts";

/** The `--json` option, declared once for every task that has it. */
export const JSON_OPTION = {
  type: "boolean",
  description:
    "Print one JSON object on stdout (numbers as numbers; integers beyond 2^53 as strings; NaN as null); the human text goes to stderr",
} as const satisfies OptionDecl;

/**
 * A value as JSON-safe data under the module's conventions (bigint and unsafe integers as
 * strings, non-finite numbers as null, Dates as ISO strings, typed arrays and Maps unpacked).
 *
 * @example toJsonValue({ n: 10n, ns: 1_700_000_000_000_000_000n, x: NaN }) // { n: 10, ns: "1700000000000000000", x: null }
 */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === "bigint") {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }
  // a JS number is a double already: written as is (its digits are exact to a reader)
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<number | bigint>, toJsonValue);
  }
  if (Array.isArray(v)) return v.map((x) => toJsonValue(x) ?? null);
  if (v instanceof Map) return toJsonValue(Object.fromEntries(v));
  if (v instanceof Set) return toJsonValue([...v]);
  if (v instanceof Error) return { error: v.name, message: v.message };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const j = toJsonValue(x);
    if (j !== undefined) out[k] = j;
  }
  return out;
}

/** What {@link jsonOutput} returns. */
export interface JsonOutput {
  /** Whether `--json` is on. */
  readonly on: boolean;
  /** One line of human text: stdout normally, stderr with `--json`. */
  say(line: string): void;
  /** With `--json`, write `summary` as one line of JSON on stdout; without, do nothing. */
  emit(summary: Record<string, unknown>): void;
}

/**
 * Output of a task with a `--json` switch. When `on`, `console.log` is routed to stderr for the
 * rest of the process (libraries that print progress or text summaries with `console.log` then
 * cannot spoil the JSON), and {@link JsonOutput.emit} is the only writer of stdout.
 */
export function jsonOutput(on: boolean): JsonOutput {
  if (on) console.log = (...a: unknown[]) => console.error(...a);
  return {
    on,
    say: (line) => (on ? console.error(line) : console.log(line)),
    emit(summary) {
      if (!on) return;
      const text = redact(JSON.stringify(toJsonValue(summary))) + "\n";
      const bytes = new TextEncoder().encode(text);
      for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
    },
  };
}
