/** Rendering query results as a readable table, CSV or JSON. */
import type { QueryResult } from "./catalog.ts";

/** Microseconds of a DuckDB TIME (as the DuckDB client gives it, a bigint) as HH:MM:SS[.ffffff]. */
function timeOfDay(us: bigint): string {
  const neg = us < 0n;
  let u = neg ? -us : us;
  const frac = u % 1_000_000n;
  u /= 1_000_000n;
  const p2 = (x: bigint) => String(x).padStart(2, "0");
  const hms = `${p2(u / 3600n)}:${p2((u / 60n) % 60n)}:${p2(u % 60n)}`;
  return (neg ? "-" : "") + hms + (frac ? `.${String(frac).padStart(6, "0")}` : "");
}

/** A DuckDB type names a calendar date (no time of day). */
const isDateType = (t: string | undefined) => t === "DATE";

/** Significant digits of a non-integer number in the table format (CSV and JSON are exact). */
export const TABLE_DIGITS = 10;

/**
 * The shortest text that reads back to the same float32: a FLOAT (4-byte) column's value reaches
 * JS as the double nearest it (0.1f is 0.10000000149011612), which is no number anyone stored.
 */
function float32Text(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = String(+v.toPrecision(p));
    if (Math.fround(+s) === v) return s;
  }
  return String(v);
}

/**
 * A number at full precision: the shortest decimal text that parses back to the same double
 * (`String(x)`: 0.30000000000000004, 1e-300), -0 as "-0", NaN and infinities as "NaN",
 * "Infinity", "-Infinity"; a FLOAT column's value as the shortest text of its float32.
 */
function exactNumber(v: number, type?: string): string {
  if (Object.is(v, -0)) return "-0";
  if (type === "FLOAT" && Number.isFinite(v) && Math.fround(v) === v) return float32Text(v);
  return String(v);
}

/** How a number is written: "exact" (CSV), or "display" (table: TABLE_DIGITS significant digits). */
type Mode = "exact" | "display";

/**
 * A value as text: a DATE column's values as YYYY-MM-DD; any other instant (TIMESTAMP, with time
 * zone or not) always as full ISO 8601 UTC, midnight included, so a timestamp column never
 * mixes bare dates with instants; TIME as HH:MM:SS; NULL as the empty string; a bigint exact;
 * a number exact (`exactNumber`), or in "display" mode a non-integer rounded to TABLE_DIGITS
 * significant digits (`rounded.n` counts the values the rounding changed).
 */
function cell(v: unknown, type?: string, mode: Mode = "exact", rounded?: { n: number }): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return "";
    const iso = v.toISOString();
    return isDateType(type) ? iso.slice(0, 10) : iso;
  }
  if (typeof v === "bigint") return type === "TIME" ? timeOfDay(v) : v.toString();
  if (typeof v === "number") {
    const exact = exactNumber(v, type);
    if (mode === "exact" || Number.isInteger(v) || !Number.isFinite(v) || type === "FLOAT") {
      return exact;
    }
    const shown = String(+v.toPrecision(TABLE_DIGITS));
    if (shown !== exact && rounded) rounded.n++;
    return shown;
  }
  if (typeof v === "object") return JSON.stringify(jsonValue(v));
  return String(v);
}

/**
 * A value for JSON: integers as numbers (a bigint, DuckDB's BIGINT/HUGEINT such as `count(*)`,
 * is a number while it is within +-(2^53 - 1) and a decimal string beyond, where a JSON reader
 * would round it); NaN and infinities null; DATE values "YYYY-MM-DD", other instants full ISO
 * 8601 UTC; TIME "HH:MM:SS"; lists and structs recursively.
 */
function jsonValue(v: unknown, type?: string): unknown {
  if (typeof v === "bigint") {
    if (type === "TIME") return timeOfDay(v);
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    return v <= max && v >= -max ? Number(v) : v.toString();
  }
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (v instanceof Date) return cell(v, type) || null;
  if (Array.isArray(v)) return v.map((x) => jsonValue(x));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  }
  return v ?? null;
}

/** The DuckDB type of each column, by name (empty when the result carries none). */
function typeOf(r: QueryResult): Map<string, string> {
  return new Map(r.types ? r.columns.map((c, i) => [c, r.types![i]!]) : []);
}

/**
 * A boxed text table for reading, not for export: long results are cut at `maxRows` with a note,
 * and non-integer numbers are shown to TABLE_DIGITS significant digits, with a footer note when
 * that changed any value shown (formatCsv and formatJson write every number exactly).
 */
export function formatTable(r: QueryResult, maxRows = 200): string {
  const types = typeOf(r);
  const rounded = { n: 0 };
  const rows = r.rows.slice(0, maxRows).map((row) =>
    r.columns.map((c) => cell(row[c], types.get(c), "display", rounded))
  );
  const widths = r.columns.map((c, i) =>
    Math.min(40, Math.max(c.length, ...rows.map((x) => x[i]!.length)))
  );
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, w - 1) + "…" : s.padEnd(w));
  const line = (cells: string[]) =>
    "│ " + cells.map((c, i) => fit(c, widths[i]!)).join(" │ ") + " │";
  const sep = (l: string, m: string, rr: string) =>
    l + widths.map((w) => "─".repeat(w + 2)).join(m) + rr;
  const out = [
    sep("┌", "┬", "┐"),
    line(r.columns),
    sep("├", "┼", "┤"),
    ...rows.map(line),
    sep("└", "┴", "┘"),
  ];
  out.push(
    `${r.rows.length} row${r.rows.length === 1 ? "" : "s"}${
      r.rows.length > maxRows ? ` (first ${maxRows} shown)` : ""
    }`,
  );
  if (rounded.n > 0) {
    out.push(
      `${rounded.n} value${rounded.n === 1 ? "" : "s"} rounded to ${TABLE_DIGITS} significant ` +
        "digits for display (CSV and JSON keep full precision)",
    );
  }
  return out.join("\n");
}

/**
 * RFC 4180 CSV with a header row. Numbers at full precision: the shortest text that reads back
 * to the same double (0.30000000000000004, 1e-300; NaN "NaN", -0 "-0"), integers and bigints
 * exact (9007199254740993). Instants are full ISO 8601 UTC (`2024-01-02T00:00:00.000Z`,
 * midnight included) except in DATE columns (`2024-01-02`); NULL is an empty field.
 */
export function formatCsv(r: QueryResult): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const types = typeOf(r);
  return [
    r.columns.map(esc).join(","),
    ...r.rows.map((row) => r.columns.map((c) => esc(cell(row[c], types.get(c)))).join(",")),
  ]
    .join("\n") + "\n";
}

/**
 * JSON array of row objects. Counts and other integers are numbers (`"n": 1330`); an integer
 * beyond +-(2^53 - 1) is a decimal string (a JSON reader would round it); NaN and infinities are
 * null; DATE values "YYYY-MM-DD", other instants full ISO 8601 UTC.
 *
 * @example formatJson({ columns: ["n"], rows: [{ n: 1330n }], types: ["BIGINT"] }) // '[\n  {\n    "n": 1330\n  }\n]\n'
 */
export function formatJson(r: QueryResult): string {
  const types = typeOf(r);
  const rows = r.rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, jsonValue(v, types.get(k))]),
    )
  );
  return JSON.stringify(rows, null, 2) + "\n";
}
