/** Rendering query results as a readable table, CSV or JSON. */
import type { QueryResult } from "./catalog.ts";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(+v.toPrecision(10));
  if (typeof v === "object") {
    return JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x);
  }
  return String(v);
}

/** A boxed text table; long results are cut at `maxRows` with a note. */
export function formatTable(r: QueryResult, maxRows = 200): string {
  const rows = r.rows.slice(0, maxRows).map((row) => r.columns.map((c) => cell(row[c])));
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
  return out.join("\n");
}

/** RFC 4180 CSV with a header row. */
export function formatCsv(r: QueryResult): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  return [
    r.columns.map(esc).join(","),
    ...r.rows.map((row) => r.columns.map((c) => esc(cell(row[c]))).join(",")),
  ]
    .join("\n") + "\n";
}

/** JSON array of row objects (bigints as strings, dates as ISO). */
export function formatJson(r: QueryResult): string {
  return JSON.stringify(r.rows, (_k, v) => typeof v === "bigint" ? v.toString() : v, 2) + "\n";
}
