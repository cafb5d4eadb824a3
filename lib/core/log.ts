/**
 * Structured logging: one JSON object per line on stderr (machine-readable, greppable), or a
 * short human line when `WORKBENCH_LOG_FORMAT=pretty`. Every line passes through `redact`, so a
 * secret never reaches a log even when it is inside an error message or a URL.
 *
 * Levels: debug < info < warn < error; `WORKBENCH_LOG_LEVEL` sets the threshold (default info).
 *
 * @example
 * ```ts
 * import { log } from "./log.ts";
 * log.info("backfill.unit.done", { unit: "SPY 2024-01", rows: 1234 });
 * ```
 */
import { format } from "node:util";
import { redact } from "./secret.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go; tests replace it to capture lines. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();
let sink: LogSink = (line) => {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
};
let threshold: LogLevel = readLevel();
let pretty = readPretty();

function readLevel(): LogLevel {
  try {
    const v = Deno.env.get("WORKBENCH_LOG_LEVEL");
    if (v && v in ORDER) return v as LogLevel;
  } catch { /* no env permission */ }
  return "info";
}
function readPretty(): boolean {
  try {
    return Deno.env.get("WORKBENCH_LOG_FORMAT") === "pretty";
  } catch {
    return false;
  }
}

/** Replace the sink (returns the previous one). */
export function setLogSink(next: LogSink): LogSink {
  const prev = sink;
  sink = next;
  return prev;
}
/** Set the minimum level that is written. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}
/** Choose JSON lines (default) or pretty lines. */
export function setLogFormat(format: "json" | "pretty"): void {
  pretty = format === "pretty";
}

function serialise(v: unknown): unknown {
  if (v instanceof Error) {
    return { name: v.name, message: v.message, ...(v.cause ? { cause: String(v.cause) } : {}) };
  }
  if (typeof v === "bigint") return v.toString();
  return v;
}

function write(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const ts = new Date().toISOString();
  let line: string;
  if (pretty) {
    const kv = Object.entries(fields).map(([k, v]) => `${k}=${JSON.stringify(serialise(v))}`);
    line = `${ts} ${level.toUpperCase().padEnd(5)} ${event} ${kv.join(" ")}`;
  } else {
    const obj: Record<string, unknown> = { ts, level, event };
    for (const [k, v] of Object.entries(fields)) obj[k] = serialise(v);
    line = JSON.stringify(obj, (_k, v) => typeof v === "bigint" ? v.toString() : v);
  }
  sink(redact(line));
}

/** The process logger. */
export const log = {
  debug: (event: string, fields?: Record<string, unknown>) => write("debug", event, fields),
  info: (event: string, fields?: Record<string, unknown>) => write("info", event, fields),
  warn: (event: string, fields?: Record<string, unknown>) => write("warn", event, fields),
  error: (event: string, fields?: Record<string, unknown>) => write("error", event, fields),
};

let consoleRedacted = false;

/**
 * Make `console.log`, `info`, `warn`, `error` and `debug` pass their formatted text through
 * `redact` (once per process; later calls do nothing). The task layer calls it before a task
 * runs, so a task's own prints cannot carry a secret either.
 *
 * @example
 * ```ts
 * redactConsole();
 * console.log(`GET https://x/?apiKey=${"k".repeat(20)}`); // prints "...?apiKey=***"
 * ```
 */
export function redactConsole(): void {
  if (consoleRedacted) return;
  consoleRedacted = true;
  for (const m of ["log", "info", "warn", "error", "debug"] as const) {
    const orig = console[m].bind(console);
    console[m] = (...args: unknown[]) => {
      if (args.length === 0) return orig();
      orig(redact(format(...args)));
    };
  }
}
