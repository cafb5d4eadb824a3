/**
 * Tables and time axes for notebooks: {@linkcode show} renders a Polars DataFrame, a DuckDB
 * query result or an array of row objects as an HTML table with its shape, its column types, the
 * first and last rows and an explicit "… N rows hidden …" marker (the Deno kernel's own DataFrame
 * display cuts silently at 50 rows and shows neither shape nor types); {@linkcode wallClock} turns
 * instants into an exchange's wall-clock time for a Plotly axis (Plotly ignores zone offsets and
 * would draw UTC where exchange time is meant).
 *
 * This file knows nothing of Polars or DuckDB: it reads them through the small structural types
 * below, so it loads neither.
 */

/** Jupyter's display protocol symbol (`Deno.jupyter.$display`). */
const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** The part of a nodejs-polars `DataFrame` that {@linkcode show} reads. */
export interface DataFrameLike {
  readonly height: number;
  readonly columns: string[];
  readonly dtypes: readonly unknown[];
  head(n: number): { toRecords(): Record<string, unknown>[] };
  tail(n: number): { toRecords(): Record<string, unknown>[] };
}

/** A query result (`Catalog.query` in lib/query): column names, row objects, DuckDB types. */
export interface QueryResultLike {
  columns: string[];
  rows: readonly Record<string, unknown>[];
  /** DuckDB type per column (`DOUBLE`, `TIMESTAMP WITH TIME ZONE`, ...). */
  types?: readonly string[];
}

/** What {@linkcode show} accepts. */
export type Showable = DataFrameLike | QueryResultLike | readonly Record<string, unknown>[];

/** Options of {@linkcode show} and {@linkcode tableView}. */
export interface ShowOptions {
  /** Rows shown from the top. @default 10 */
  head?: number;
  /** Rows shown from the bottom (when there are more than `head + tail` rows). @default 5 */
  tail?: number;
  /**
   * IANA zone in which instants without a zone of their own are written (DuckDB
   * `TIMESTAMP WITH TIME ZONE`, JS `Date` values in row objects); Polars columns with a zone keep
   * theirs, naive timestamps are written as stored. The type row names the zone used.
   * @default "UTC"
   */
  timeZone?: string;
  /** Caption shown above the shape. @default none */
  title?: string;
  /** Longest cell text before it is cut with "…". @default 60 */
  maxChars?: number;
}

/** How a column's values are written. */
type Kind = "number" | "instant" | "naive" | "date" | "other";

/** The rows and labels a table display shows; the pure part of {@linkcode show}. */
export interface TableView {
  columns: string[];
  /** Type label per column (Polars dtype, DuckDB type, or the JS type found in row objects). */
  dtypes: string[];
  /** Total rows. */
  height: number;
  /** Shown rows as cell text, with their 0-based row number; `null` marks the hidden gap. */
  rows: ({ index: number; cells: string[] } | null)[];
  /** Rows not shown. */
  hidden: number;
  /** Right-align the column (numbers). */
  numeric: boolean[];
}

function isDataFrame(x: unknown): x is DataFrameLike {
  const d = x as DataFrameLike;
  return typeof x === "object" && x !== null && typeof d.height === "number" &&
    Array.isArray(d.columns) && Array.isArray(d.dtypes) && typeof d.head === "function" &&
    typeof d.tail === "function";
}

function isQueryResult(x: unknown): x is QueryResultLike {
  const q = x as QueryResultLike;
  return typeof x === "object" && x !== null && !Array.isArray(x) && Array.isArray(q.columns) &&
    Array.isArray(q.rows);
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      throw new RangeError(`Unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name)`);
    }
    zoneFormatters.set(timeZone, f);
  }
  return f;
}

/** Offsets are looked up once per 15-minute block: every zone changes offset on such a block. */
const OFFSET_BLOCK_MS = 900_000;

/** UTC offset of `timeZone` at instant `ms`, in ms (wall = UTC + offset). */
function offsetMs(ms: number, timeZone: string, cache: Map<number, number>): number {
  const block = Math.floor(ms / OFFSET_BLOCK_MS);
  let off = cache.get(block);
  if (off === undefined) {
    const at = block * OFFSET_BLOCK_MS;
    const p: Record<string, number> = {};
    for (const part of zoneFormatter(timeZone).formatToParts(at)) {
      if (part.type !== "literal") p[part.type] = Number(part.value);
    }
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    off = wall - at;
    cache.set(block, off);
  }
  return off;
}

/** "YYYY-MM-DD HH:MM:SS[.mmm]" of a UTC-based ms value (milliseconds only when not zero). */
function isoWall(ms: number): string {
  const s = new Date(ms).toISOString();
  const base = `${s.slice(0, 10)} ${s.slice(11, 19)}`;
  return s.slice(20, 23) === "000" ? base : `${base}.${s.slice(20, 23)}`;
}

/**
 * Instants as wall-clock time in `timeZone`, written "YYYY-MM-DD HH:MM:SS" (with ".mmm" when
 * the milliseconds are not zero) for a Plotly date axis: Plotly drops zone offsets, so an
 * ISO string in UTC or a `Date` is drawn at UTC wall time. Label the axis with the zone.
 * Convention: DST-correct through the platform's IANA database (`Intl`); a NaN or null instant
 * gives null (a gap on the chart).
 *
 * @example
 * ```ts
 * // 2024-03-28 13:30 UTC is the 09:30 open in New York (EDT, UTC-4)
 * wallClock([Date.UTC(2024, 2, 28, 13, 30)], "America/New_York"); // ["2024-03-28 09:30:00"]
 * ```
 */
export function wallClock(
  instants: ArrayLike<number | Date | null>,
  timeZone: string,
): (string | null)[] {
  zoneFormatter(timeZone); // validates the zone even for empty input
  const cache = new Map<number, number>();
  return Array.from(instants, (v) => {
    const ms = v instanceof Date ? v.getTime() : v;
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
    return isoWall(ms + offsetMs(ms, timeZone, cache));
  });
}

/** Cell text of a number: integers as they are, other values to 6 significant digits. */
function numberText(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return v.toExponential(5).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(6)));
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

function cellText(
  v: unknown,
  kind: Kind,
  zone: string | null,
  cache: Map<number, number>,
  max: number,
): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof Date) {
    const ms = v.getTime();
    if (!Number.isFinite(ms)) return "Invalid Date";
    if (kind === "date") return isoWall(ms).slice(0, 10);
    if (kind === "naive" || zone === null) return isoWall(ms);
    return isoWall(ms + offsetMs(ms, zone, cache));
  }
  if (typeof v === "number") return numberText(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return cut(v, max);
  if (typeof v === "boolean") return String(v);
  const json = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  return cut(json ?? String(v), max);
}

/** Column kind and label of a Polars dtype (`DataType(Datetime(ms,America/New_York))`). */
function polarsColumn(dtype: unknown): { label: string; kind: Kind; zone: string | null } {
  const label = String(dtype).replace(/^DataType\((.*)\)$/s, "$1");
  const variant = (dtype as { variant?: string }).variant ?? label;
  if (variant === "Datetime") {
    const tz = (dtype as { timeZone?: string }).timeZone;
    return tz ? { label, kind: "instant", zone: tz } : { label, kind: "naive", zone: null };
  }
  if (variant === "Date") return { label, kind: "date", zone: null };
  if (/^(Float|Int|UInt|Decimal)/.test(variant)) return { label, kind: "number", zone: null };
  return { label, kind: "other", zone: null };
}

/** Column kind of a DuckDB type name. */
function duckColumn(
  type: string,
  zone: string,
): { label: string; kind: Kind; zone: string | null } {
  const t = type.toUpperCase();
  if (t === "TIMESTAMP WITH TIME ZONE" || t === "TIMESTAMPTZ") {
    return { label: `${type} (shown in ${zone})`, kind: "instant", zone };
  }
  if (t.startsWith("TIMESTAMP")) return { label: type, kind: "naive", zone: null };
  if (t === "DATE") return { label: type, kind: "date", zone: null };
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/
      .test(t)
  ) return { label: type, kind: "number", zone: null };
  return { label: type, kind: "other", zone: null };
}

/** Column kind of row objects without declared types: the JS type(s) of the non-null values. */
function inferColumn(
  rows: readonly Record<string, unknown>[],
  name: string,
  zone: string,
): { label: string; kind: Kind; zone: string | null } {
  const seen = new Set<string>();
  for (const r of rows) {
    const v = r[name];
    if (v === null || v === undefined) continue;
    seen.add(v instanceof Date ? "Date" : Array.isArray(v) ? "array" : typeof v);
    if (seen.size > 2) break;
  }
  const types = [...seen].sort();
  if (types.length === 0) return { label: "null", kind: "other", zone: null };
  const label = types.join(" | ");
  if (types.length === 1 && types[0] === "Date") {
    return { label: `Date (shown in ${zone})`, kind: "instant", zone };
  }
  const numeric = types.every((t) => t === "number" || t === "bigint");
  return { label, kind: numeric ? "number" : "other", zone: null };
}

function nonNegativeInt(v: number | undefined, fallback: number, what: string): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`show: ${what} must be a non-negative integer, got ${v}`);
  }
  return n;
}

/**
 * The shape, column types and shown rows of a table (the first `head` and last `tail` rows, and
 * the count of rows between them): what {@linkcode show} renders. Reads only the rows it shows
 * from a Polars frame.
 */
export function tableView(data: Showable, o: ShowOptions = {}): TableView {
  const head = nonNegativeInt(o.head, 10, "head");
  const tail = nonNegativeInt(o.tail, 5, "tail");
  const max = nonNegativeInt(o.maxChars, 60, "maxChars");
  const zone = o.timeZone ?? "UTC";
  zoneFormatter(zone);
  let columns: string[];
  let height: number;
  let meta: { label: string; kind: Kind; zone: string | null }[];
  let top: Record<string, unknown>[];
  let bottom: Record<string, unknown>[];
  if (isDataFrame(data)) {
    columns = [...data.columns];
    height = data.height;
    meta = data.dtypes.map((d) => polarsColumn(d));
    const all = height <= head + tail;
    top = data.head(all ? height : head).toRecords();
    bottom = all ? [] : tail > 0 ? data.tail(tail).toRecords() : [];
  } else {
    let rows: readonly Record<string, unknown>[];
    if (Array.isArray(data)) {
      rows = data as readonly Record<string, unknown>[];
      const names = new Set<string>();
      for (const r of rows) {
        if (r === null || typeof r !== "object") {
          throw new TypeError("show: an array must hold row objects ({ column: value, ... })");
        }
        for (const k of Object.keys(r)) names.add(k);
      }
      columns = [...names];
      meta = columns.map((c) => inferColumn(rows, c, zone));
    } else if (isQueryResult(data)) {
      rows = data.rows;
      columns = [...data.columns];
      const types = data.types;
      meta = types && types.length === columns.length
        ? types.map((t) => duckColumn(t, zone))
        : columns.map((c) => inferColumn(rows, c, zone));
    } else {
      const what = typeof (data as { collect?: unknown })?.collect === "function"
        ? "a LazyFrame (call .collect() first)"
        : typeof data;
      throw new TypeError(
        `show: expected a Polars DataFrame, a query result or an array of row objects, got ${what}`,
      );
    }
    height = rows.length;
    const all = height <= head + tail;
    top = rows.slice(0, all ? height : head);
    bottom = all || tail === 0 ? [] : rows.slice(height - tail);
  }
  const cache = new Map<string, Map<number, number>>();
  const text = (r: Record<string, unknown>) =>
    columns.map((c, j) => {
      const m = meta[j]!;
      const key = m.zone ?? "";
      let zc = cache.get(key);
      if (!zc) cache.set(key, zc = new Map());
      return cellText(r[c], m.kind, m.zone, zc, max);
    });
  const hidden = height - top.length - bottom.length;
  const rows: TableView["rows"] = top.map((r, i) => ({ index: i, cells: text(r) }));
  if (hidden > 0) rows.push(null);
  bottom.forEach((r, i) => rows.push({ index: height - bottom.length + i, cells: text(r) }));
  return {
    columns,
    dtypes: meta.map((m) => m.label),
    height,
    rows,
    hidden,
    numeric: meta.map((m) => m.kind === "number"),
  };
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** "1,170" */
function grouped(n: number): string {
  return n.toLocaleString("en-US");
}

function shapeText(v: TableView): string {
  return `${grouped(v.height)} row${v.height === 1 ? "" : "s"} × ${v.columns.length} column${
    v.columns.length === 1 ? "" : "s"
  }`;
}

function hiddenText(n: number): string {
  return `… ${grouped(n)} row${n === 1 ? "" : "s"} hidden …`;
}

/** The HTML of a {@linkcode TableView}. */
export function tableHtml(v: TableView, title?: string): string {
  const td = "padding:2px 8px;border-bottom:1px solid #e4e4e4;white-space:nowrap";
  const align = (j: number) => (v.numeric[j] ? "right" : "left");
  const head = v.columns.map((c, j) =>
    `<th style="${td};text-align:${align(j)}">${escapeHtml(c)}</th>`
  ).join("");
  const types = v.dtypes.map((d, j) =>
    `<td style="${td};text-align:${align(j)};color:#777;font-style:italic">${escapeHtml(d)}</td>`
  ).join("");
  const n = v.columns.length + 1;
  const body = v.rows.map((r) =>
    r === null
      ? `<tr class="wb-hidden-rows"><td colspan="${n}" style="${td};text-align:center;color:#555;background:#f6f6f6">${
        hiddenText(v.hidden)
      }</td></tr>`
      : `<tr><td style="${td};color:#999;text-align:right">${r.index}</td>${
        r.cells.map((c, j) =>
          `<td style="${td};text-align:${align(j)}${c === "null" ? ";color:#999" : ""}">${
            escapeHtml(c)
          }</td>`
        ).join("")
      }</tr>`
  ).join("\n");
  const empty = v.height === 0
    ? `<tr><td colspan="${n}" style="${td};color:#777">no rows</td></tr>`
    : "";
  return `<div class="wb-show" style="font-family:system-ui,sans-serif;font-size:12px">` +
    (title ? `<div style="font-weight:600">${escapeHtml(title)}</div>` : "") +
    `<div class="wb-shape" style="color:#555">shape: ${shapeText(v)}</div>` +
    `<table style="border-collapse:collapse;font-variant-numeric:tabular-nums"><thead><tr><th style="${td}"></th>${head}</tr>` +
    `<tr class="wb-dtypes"><td style="${td}"></td>${types}</tr></thead><tbody>\n${body}${empty}</tbody></table></div>`;
}

/** Plain-text form of a {@linkcode TableView} (aligned columns, for consoles and text viewers). */
export function tableText(v: TableView, title?: string): string {
  const idx = v.rows.map((r) => (r === null ? "…" : String(r.index)));
  const widths = v.columns.map((c, j) =>
    Math.max(
      c.length,
      v.dtypes[j]!.length,
      ...v.rows.map((r) => (r === null ? 0 : r.cells[j]!.length)),
    )
  );
  const iw = Math.max(0, ...idx.map((s) => s.length));
  const pad = (
    s: string,
    j: number,
  ) => (v.numeric[j] ? s.padStart(widths[j]!) : s.padEnd(widths[j]!));
  const line = (first: string, cells: string[]) =>
    `${first.padStart(iw)}  ${cells.map(pad).join("  ")}`.trimEnd();
  const out: string[] = [];
  if (title) out.push(title);
  out.push(`shape: ${shapeText(v)}`);
  out.push(line("", v.columns), line("", v.dtypes));
  v.rows.forEach((r, i) => {
    out.push(r === null ? hiddenText(v.hidden) : line(idx[i]!, r.cells));
  });
  return out.join("\n");
}

/** A table as a notebook value (text/html, with a text/plain form). */
export interface NotebookTable {
  readonly html: string;
  readonly text: string;
  readonly view: TableView;
  [JUPYTER_DISPLAY](): { "text/html": string; "text/plain": string };
}

/**
 * Show a Polars DataFrame, a query result or an array of row objects in a notebook: make it the
 * last expression of a Deno Jupyter cell (or pass it to `Deno.jupyter.display`) and it renders as
 * an HTML table with the shape, each column's type, the first `head` rows and the last `tail`
 * rows with their row numbers, and a "… N rows hidden …" row between them when rows are left
 * out. Numbers are written to 6 significant digits (integers in full); the frame keeps full
 * precision. Outside a notebook `.text` is the same table as plain text.
 *
 * @example
 * ```ts
 * const t = show([{ sym: "SPY", close: 512.345678 }, { sym: "QQQ", close: 440.1 }]);
 * t.text.split("\n")[0]; // "shape: 2 rows × 2 columns"
 * ```
 */
export function show(data: Showable, o: ShowOptions = {}): NotebookTable {
  const view = tableView(data, o);
  const html = tableHtml(view, o.title);
  const text = tableText(view, o.title);
  return {
    html,
    text,
    view,
    [JUPYTER_DISPLAY]() {
      return { "text/html": html, "text/plain": text };
    },
  };
}
