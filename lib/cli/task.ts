/**
 * The task layer every `deno task` recipe uses: options declared once (type, description,
 * default, example), usage text built from that declaration, and one behaviour for every task:
 *
 * - `-h` / `--help` prints the usage and exits 0 before anything else runs;
 * - an unknown option, a missing required one, or a bad value (a date that is not a calendar
 *   date, a value outside an enum, a non-number, a path that does not exist) prints ONE line on
 *   stderr and exits 2 before any I/O;
 * - a {@link UsageError} thrown by the task later (a bad spec file, say) also exits 2 with one
 *   line; any other error exits 1 with one line saying what failed; no stack trace unless
 *   `--debug` or `WORKBENCH_DEBUG=1`.
 *
 * @example
 * ```ts ignore
 * const TASK = defineTask({
 *   name: "compact",
 *   summary: "Merge small files per partition without changing rows.",
 *   options: { zone: { type: "enum", values: ["raw", "curated", "reference"], description: "Only this zone" } },
 * });
 * await runTask(TASK, async ({ values }) => { ... });
 * ```
 */
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { redact } from "../core/secret.ts";
import { redactConsole } from "../core/log.ts";

/** Value types an option can have. `list` is a comma-separated list of strings. */
export type OptionType =
  | "string"
  | "boolean"
  | "number"
  | "integer"
  | "date"
  | "enum"
  | "path"
  | "list";

/** One declared option. */
export interface OptionDecl {
  type: OptionType;
  /** One line for the usage text. */
  description: string;
  /** Value used when the option is absent (shown in the usage). */
  default?: string | number | boolean | readonly string[];
  /** An example value shown in the usage (e.g. "2024-01-02"). */
  example?: string;
  /** One-letter alias. */
  short?: string;
  /** Allowed values of an `enum` option. */
  values?: readonly string[];
  /** The option must be given. @default false */
  required?: boolean;
  /** A `path` option must name an existing file or folder. @default false */
  mustExist?: boolean;
  /** Lower bound of a number/integer option (inclusive). */
  min?: number;
  /** The option may repeat; its value is an array. @default false */
  multiple?: boolean;
}

/** A positional argument. */
export interface PositionalDecl {
  name: string;
  description: string;
  /** @default false */
  required?: boolean;
  /** Takes every remaining positional. @default false */
  variadic?: boolean;
}

/** The declaration of one task. */
export interface TaskDecl {
  /** Task name as in `deno task <name>`. */
  name: string;
  /** One-line purpose (first line of the usage, and the README table). */
  summary: string;
  /** Longer text printed after the options (what it reads, writes, exit codes). */
  details?: string;
  positionals?: readonly PositionalDecl[];
  options: Readonly<Record<string, OptionDecl>>;
  /** Example command lines (without `deno task <name>`). */
  examples?: readonly string[];
}

type ValueOf<O extends OptionDecl> = O["multiple"] extends true ? string[]
  : O["type"] extends "boolean" ? boolean
  : O["type"] extends "number" | "integer" ? number
  : O["type"] extends "list" ? string[]
  : string;

/** Parsed option values: present when given or defaulted, else undefined. */
export type TaskValues<T extends TaskDecl> = {
  [K in keyof T["options"]]: T["options"][K] extends { default: unknown } ? ValueOf<T["options"][K]>
    : T["options"][K] extends { required: true } ? ValueOf<T["options"][K]>
    : T["options"][K]["type"] extends "boolean" ? boolean
    : ValueOf<T["options"][K]> | undefined;
};

/** The parse result handed to a task. */
export interface TaskArgs<T extends TaskDecl> {
  values: TaskValues<T>;
  positionals: string[];
}

/** A mistake in how a task was called (bad option, bad value, bad spec file): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Identity helper that keeps the literal types of a declaration. */
export function defineTask<const T extends TaskDecl>(decl: T): T {
  return decl;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The message for a path that does not exist: `deno task` runs every task in the workbench
 * folder, so a relative path typed in another folder (`deno task --config ~/wb/deno.json
 * ingest-file my.csv`, INIT_CWD set by deno task) is looked up there; the message says so.
 *
 * @example missingPathMessage("my.csv") // "no such file or folder" (+ the hint when it applies)
 */
export function missingPathMessage(path: string, what = "no such file or folder"): string {
  const from = Deno.env.get("INIT_CWD");
  const cwd = Deno.cwd();
  if (path.startsWith("/") || !from || from === cwd) return what;
  return `${what} (a relative path is read from ${cwd}, the folder deno task runs in, not from ${from}: give an absolute path)`;
}

/** Whether a string is a real calendar date "YYYY-MM-DD" (2024-02-30 is not). */
export function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

function placeholder(o: OptionDecl): string {
  if (o.type === "enum" && o.values) return o.values.join("|");
  if (o.example && (o.type === "string" || o.type === "list")) {
    return o.example.includes(" ") ? `"${o.example}"` : o.example;
  }
  return {
    string: "TEXT",
    boolean: "",
    number: "N",
    integer: "N",
    date: "YYYY-MM-DD",
    enum: "VALUE",
    path: "PATH",
    list: "A,B",
  }[o.type];
}

/** Width the option descriptions of the usage text are wrapped to. */
const USAGE_WIDTH = 100;

/** Word-wrap one line of text to `width` columns (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  out.push(line);
  return out;
}

/** The usage text of a task, built from its declaration. */
export function usageText(decl: TaskDecl): string {
  const pos = (decl.positionals ?? []).map((p) =>
    p.required ? `<${p.name}>${p.variadic ? "..." : ""}` : `[${p.name}${p.variadic ? "..." : ""}]`
  );
  const lines = [
    `deno task ${decl.name} ${[...pos, "[options]"].join(" ")}`.trimEnd(),
    "",
    decl.summary,
    "",
  ];
  if (decl.positionals?.length) {
    lines.push("Arguments:");
    for (const p of decl.positionals) lines.push(`  ${p.name.padEnd(24)} ${p.description}`);
    lines.push("");
  }
  lines.push("Options:");
  const rows: [string, string][] = [];
  for (const [name, o] of Object.entries(decl.options)) {
    const ph = placeholder(o);
    const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${ph ? ` ${ph}` : ""}`;
    const extra: string[] = [];
    if (o.required) extra.push("required");
    if (o.default !== undefined && o.type !== "boolean") {
      extra.push(`default ${Array.isArray(o.default) ? o.default.join(",") : o.default}`);
    }
    if (o.min !== undefined) extra.push(`min ${o.min}`);
    if (o.multiple) extra.push("repeatable");
    if (o.example && o.type !== "string" && o.type !== "list") extra.push(`e.g. ${o.example}`);
    // A description ending in a parenthesis takes the extras inside it: "x (y; default 3)".
    const d = o.description;
    const text = extra.length === 0
      ? d
      : d.endsWith(")")
      ? `${d.slice(0, -1)}; ${extra.join("; ")})`
      : `${d} (${extra.join("; ")})`;
    rows.push([flag, text]);
  }
  rows.push(["-h, --help", "Show this help and exit"]);
  rows.push(["--debug", "Show stack traces of errors (also WORKBENCH_DEBUG=1)"]);
  const w = Math.min(34, Math.max(...rows.map(([f]) => f.length)));
  const indent = "".padEnd(w + 4);
  for (const [f, d] of rows) {
    const text = wrap(d, USAGE_WIDTH - indent.length).join(`\n${indent}`);
    lines.push(f.length > w ? `  ${f}\n${indent}${text}` : `  ${f.padEnd(w)}  ${text}`);
  }
  if (decl.details) lines.push("", decl.details.trim());
  if (decl.examples?.length) {
    lines.push("", "Examples:");
    for (const e of decl.examples) lines.push(`  deno task ${decl.name} ${e}`);
  }
  return lines.join("\n");
}

function convert(name: string, o: OptionDecl, raw: string): string | number | string[] {
  const bad = (why: string) => new UsageError(`--${name} ${JSON.stringify(raw)}: ${why}`);
  switch (o.type) {
    case "number":
    case "integer": {
      const n = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(n)) throw bad("not a number");
      if (o.type === "integer" && !Number.isInteger(n)) throw bad("not an integer");
      if (o.min !== undefined && n < o.min) throw bad(`must be at least ${o.min}`);
      return n;
    }
    case "date":
      if (!isCalendarDate(raw)) throw bad("not a calendar date (expected YYYY-MM-DD)");
      return raw;
    case "enum":
      if (!o.values?.includes(raw)) throw bad(`expected one of ${o.values?.join(", ")}`);
      return raw;
    case "path":
      if (raw === "") throw bad("empty path");
      if (o.mustExist && !existsSync(raw)) throw bad(missingPathMessage(raw));
      return raw;
    case "list": {
      const parts = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (parts.length === 0) throw bad("empty list");
      return parts;
    }
    default:
      return raw;
  }
}

/**
 * Parse arguments against a declaration. Throws {@link UsageError} for anything wrong; returns
 * null when help was asked for (the caller prints {@link usageText}).
 */
export function parseTaskArgs<const T extends TaskDecl>(
  decl: T,
  args: readonly string[],
): TaskArgs<T> | null {
  const spec: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {
    help: { type: "boolean", short: "h" },
    debug: { type: "boolean" },
  };
  for (const [name, o] of Object.entries(decl.options)) {
    spec[name] = {
      type: o.type === "boolean" ? "boolean" : "string",
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  const dd = args.indexOf("--");
  const flags = dd < 0 ? args : args.slice(0, dd);
  if (flags.includes("--help") || flags.includes("-h")) return null;
  // A value option followed by its value is joined ("--x=-1.5"), so values may start with "-".
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (i === dd) {
      joined.push(...args.slice(i));
      break;
    }
    const name = a.startsWith("--")
      ? a.slice(2)
      : a.length === 2 && a[0] === "-"
      ? Object.keys(spec).find((k) => spec[k]!.short === a[1])
      : undefined;
    if (name && spec[name]?.type === "string" && i + 1 < args.length && !a.includes("=")) {
      joined.push(`--${name}=${args[++i]}`);
    } else joined.push(a);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: joined, options: spec, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // node:util messages: "Unknown option '--x'. To specify a positional argument starting
    // with a '-', place it at the end of the command after '--', as in '-- \"--x\"".
    throw new UsageError(msg.split("\n")[0]!.split(". ")[0]!.replace(/\.$/, ""));
  }
  if (parsed.values.help) return null;
  const values: Record<string, unknown> = {};
  // Values given are checked before missing options are reported, so that a bad value is named
  // even when a required option is also missing.
  const missing = Object.entries(decl.options).find(([name, o]) =>
    o.required && parsed.values[name] === undefined
  );
  for (const [name, o] of Object.entries(decl.options)) {
    const raw = parsed.values[name] as string | boolean | string[] | undefined;
    if (raw === undefined) {
      values[name] = o.default !== undefined
        ? (Array.isArray(o.default) ? [...o.default] : o.default)
        : (o.type === "boolean" ? false : undefined);
      continue;
    }
    if (typeof raw === "boolean") values[name] = raw;
    else if (Array.isArray(raw)) values[name] = raw.map((r) => convert(name, o, r)).flat();
    else values[name] = convert(name, o, raw);
  }
  if (missing) throw new UsageError(`--${missing[0]} is required`);
  const pos = parsed.positionals;
  const decls = decl.positionals ?? [];
  const variadic = decls.some((p) => p.variadic);
  const required = decls.filter((p) => p.required).length;
  if (pos.length < required) {
    throw new UsageError(`missing argument <${decls[pos.length]!.name}>`);
  }
  if (!variadic && pos.length > decls.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(pos[decls.length])}`);
  }
  return { values: values as TaskValues<T>, positionals: pos };
}

/**
 * An integer tunable read from an environment variable (benchmarks' sizes), `fallback` when the
 * variable is unset or empty; a value that is not an integer >= `min` is a {@link UsageError}.
 *
 * @example envInteger("INGEST_BENCH_RUNS", 9, 1) // 9 unless INGEST_BENCH_RUNS is set
 */
export function envInteger(name: string, fallback: number, min = 1): number {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${name}=${JSON.stringify(raw)}: expected an integer >= ${min}`);
  }
  return n;
}

function debugOn(args: readonly string[]): boolean {
  if (args.includes("--debug")) return true;
  try {
    return Deno.env.get("WORKBENCH_DEBUG") === "1";
  } catch {
    return false;
  }
}

/**
 * A zod error as "field.path: problem" parts joined by "; " (no JSON dump), for specs. An
 * unknown field of a strict object is named with its own path: `label.horizn: unknown field
 * (did you mean "horizon"?)` (the message of lib/cli/spec_schema.ts `specObject`; zod's default
 * "Unrecognized key" message becomes "unknown field").
 * @example formatZodIssues(err) // "data.dataset: Required; grid.lookback: Expected array"
 */
export function formatZodIssues(
  e: {
    issues: readonly {
      path: readonly PropertyKey[];
      message: string;
      code?: string;
      keys?: readonly string[];
    }[];
  },
): string {
  // A misspelled required field gives two issues: the unknown one and the missing one. The
  // unknown field (with its suggestion) comes first and the missing field it suggests is left
  // out: "trainend: unknown field (did you mean "trainEnd"?)" alone.
  const suggested = new Set<string>();
  for (const i of e.issues) {
    if (i.code !== "unrecognized_keys") continue;
    for (const m of i.message.matchAll(/did you mean "([^"]+)"\?/g)) {
      suggested.add([...i.path.map(String), m[1]!].join("."));
    }
  }
  const issues = [
    ...e.issues.filter((i) => i.code === "unrecognized_keys"),
    ...e.issues.filter((i) =>
      i.code !== "unrecognized_keys" &&
      !(/received undefined$/.test(i.message) && suggested.has(i.path.map(String).join(".")))
    ),
  ];
  return issues.map((i) => {
    const path = i.path.map(String);
    if (i.code === "unrecognized_keys" && i.keys?.length) {
      const msg = /^Unrecognized key/.test(i.message)
        ? `unknown field${i.keys.length > 1 ? "s" : ""}`
        : i.message;
      if (i.keys.length === 1) return `${[...path, i.keys[0]!].join(".")}: ${msg}`;
      // several keys: one "path.key: unknown field (hint)" part each (specObject's message
      // holds the hint of each key as `"key" (hint)`)
      const hints = new Map(
        [...msg.matchAll(/"([^"]+)" \(([^()]*)\)/g)].map((m) => [m[1]!, m[2]!] as const),
      );
      return i.keys.map((k) =>
        `${[...path, k].join(".")}: unknown field${hints.has(k) ? ` (${hints.get(k)})` : ""}`
      ).join("; ");
    }
    return `${path.join(".") || "(root)"}: ${i.message}`;
  }).join("; ");
}

/**
 * One line for an error: the lines of its message joined with " | " (a zod error as
 * {@link formatZodIssues}' "field: problem" parts), secrets redacted
 * (lib/core/secret.ts `redact`: 8+ character pieces of every secret in any case, URL userinfo,
 * key-like URL parameters).
 */
export function oneLine(e: unknown): string {
  // a zod error's message is a JSON dump of its issues: say "field: problem" instead
  const issues = (e as { issues?: unknown } | null)?.issues;
  const zod = Array.isArray(issues) && issues.every((i) => i && Array.isArray(i.path));
  const msg = zod
    ? formatZodIssues(e as Parameters<typeof formatZodIssues>[0])
    : e instanceof Error
    ? e.message
    : String(e);
  return redact(msg.split("\n").map((s) => s.trim()).filter(Boolean).join(" | "));
}

/**
 * Parse `Deno.args` against `decl` and run `main`. Exit codes: 0 done (or the number `main`
 * returns), 2 usage error, 1 failure. Never returns.
 */
export async function runTask<const T extends TaskDecl>(
  decl: T,
  main: (args: TaskArgs<T>) => Promise<number | void> | number | void,
  args: readonly string[] = Deno.args,
): Promise<never> {
  // Everything a task prints goes through the one redactor (lib/core/secret.ts).
  redactConsole();
  const debug = debugOn(args);
  let parsed: TaskArgs<T> | null;
  try {
    parsed = parseTaskArgs(decl, args);
  } catch (e) {
    console.error(`${decl.name}: ${oneLine(e)} (see --help)`);
    if (debug && e instanceof Error) console.error(redact(e.stack ?? ""));
    Deno.exit(2);
  }
  if (parsed === null) {
    console.log(usageText(decl));
    Deno.exit(0);
  }
  try {
    const code = await main(parsed);
    Deno.exit(typeof code === "number" ? code : 0);
  } catch (e) {
    const usage = e instanceof UsageError;
    const hint = usage ? " (see --help)" : debug ? "" : " (--debug shows the stack trace)";
    console.error(`${decl.name}: ${usage ? "" : "failed: "}${oneLine(e)}${hint}`);
    if (debug && e instanceof Error) console.error(redact(e.stack ?? ""));
    Deno.exit(usage ? 2 : 1);
  }
}
