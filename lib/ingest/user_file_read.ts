/**
 * Read a user's CSV or Parquet file into columns of cells, strictly: nothing is converted here
 * except Parquet values into the text a CSV would hold for them (dates, date-times with their
 * zone or naive, decimals as numbers), so that one set of rules in `user_file.ts` applies to both.
 *
 * CSV (RFC 4180): first line is the header; fields may be quoted (`""` escapes a quote, quoted
 * fields may hold the delimiter and newlines); a UTF-8 byte order mark is dropped; empty lines
 * are skipped. The delimiter is `,` unless given (`;`, tab or `|`) or, when not given, the header
 * makes it unambiguous: a header whose unquoted text holds `;` (or tab, or `|`) and no other of
 * these is split on it (`write.csv2` in R, Excel in European locales); a header holding two of
 * them is refused, asking for the delimiter. A header field with no name (the index column that
 * pandas `to_csv` and R `write.csv` write first) is named `Unnamed: <position>`, as pandas
 * names it when it reads such a file back. A line with more or fewer fields than the header is a bad row (`field_count`), a line
 * whose bytes are not UTF-8 a bad row (`not_utf8`); neither is dropped silently.
 *
 * Encoding: UTF-8 unless `encoding` names another (a `TextDecoder` label: `latin1`, `cp1252`,
 * ...). A UTF-8 read of bytes that are not UTF-8 and hold no valid multi-byte UTF-8 sequence at
 * all (every non-ASCII byte invalid) is refused ({@link NotUtf8FileError}): such a file is almost
 * surely latin-1/cp1252, and landing its ASCII lines only is rarely wanted. A file with valid
 * multi-byte UTF-8 text keeps the per-line `not_utf8` (a corrupt line).
 *
 * `.csv.gz` / `.txt.gz` are gunzipped first (the same rows as the uncompressed file).
 */
import pl from "nodejs-polars";
import { basename } from "node:path";
import { gunzipSync } from "node:zlib";
import { DataError } from "../core/errors.ts";

/** A cell: CSV text, or a Parquet number, integer (bigint), boolean, text; null when empty. */
export type Cell = string | number | bigint | boolean | null;

/** A file row that could not be split into the header's columns. */
export interface BadRow {
  /** 0-based data row index (file order). */
  row: number;
  code: "field_count" | "not_utf8";
  detail: string;
  /** The row as far as it could be read: header name -> value, extra fields under `_extra`. */
  payload: Record<string, unknown>;
}

/** The contents of a user file. */
export interface UserTable {
  columns: string[];
  /** Cells per column, one per data row (null for bad rows). */
  cells: Map<string, Cell[]>;
  /** Number of data rows (good and bad). */
  rows: number;
  bad: BadRow[];
  /** Parquet column types, for messages; CSV columns are "text". */
  types: Map<string, string>;
  /** CSV only: the field delimiter, and whether it was detected from the header (not given). */
  delimiter?: { char: string; detected: boolean };
}

/** Options of {@link readUserFile} and {@link parseCsv}. */
export interface ReadCsvOptions {
  /** CSV field delimiter (one of {@link CSV_DELIMITERS}). @default detected from the header, else "," */
  delimiter?: string;
  /**
   * The file has no header line (R `write.zoo` of an unnamed series, `write.table(col.names =
   * FALSE)`): the first line is data, and the columns are named by position `col1`, `col2`, ...
   * ({@link positionalName}), as many as the first line has fields. @default false
   */
  noHeader?: boolean;
  /**
   * Text encoding of a CSV file, a `TextDecoder` label (`utf-8`, `latin1`, `cp1252`, ...).
   * @default "utf-8" (a file that reads as latin-1/cp1252 is refused: {@link NotUtf8FileError})
   */
  encoding?: string;
}

/**
 * A CSV file read as UTF-8 whose bytes are not UTF-8 and hold no multi-byte UTF-8 sequence: most
 * likely latin-1/cp1252. Thrown before anything is landed; `ingest-file` exits 2 on it.
 */
export class NotUtf8FileError extends DataError {
  constructor(message: string, options: ConstructorParameters<typeof DataError>[1] = {}) {
    super(message, options);
    this.name = "NotUtf8FileError";
  }
}

/** The file name endings `ingest-file` reads (CSV, gzipped CSV, Parquet), for messages. */
export const USER_FILE_EXTENSIONS: readonly string[] = [
  ".csv",
  ".txt",
  ".csv.gz",
  ".txt.gz",
  ".parquet",
];

/** What a file name says the file is: CSV (`gzip`: compressed), Parquet, or null (not read). */
export function userFileKind(
  path: string,
): { kind: "csv"; gzip: boolean } | { kind: "parquet" } | null {
  const lower = path.toLowerCase();
  if (lower.endsWith(".parquet")) return { kind: "parquet" };
  const m = /\.(csv|txt)(\.gz)?$/.exec(lower);
  return m ? { kind: "csv", gzip: m[2] !== undefined } : null;
}

/** The message part listing {@link USER_FILE_EXTENSIONS}: "expected a .csv or .parquet file (...)". */
export const EXPECTED_EXTENSIONS = `expected a .csv or .parquet file (read: ${
  USER_FILE_EXTENSIONS.join(", ")
})`;

/**
 * The canonical name of a text encoding label (`TextDecoder`'s), or null when unknown.
 *
 * @example encodingName("cp1252") // "windows-1252"
 */
export function encodingName(label: string): string | null {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return null;
  }
}

/**
 * Whether `bytes` hold at least one well-formed multi-byte UTF-8 sequence (a 2, 3 or 4 byte
 * character, no overlong form or surrogate). A latin-1/cp1252 file rarely does: its non-ASCII
 * bytes stand alone (`é` is one byte 0xE9, not followed by two continuation bytes).
 */
export function hasUtf8MultiByte(bytes: Uint8Array): boolean {
  const cont = (i: number, lo = 0x80, hi = 0xbf) =>
    i < bytes.length && bytes[i]! >= lo && bytes[i]! <= hi;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0xc2 || b > 0xf4) continue;
    if (b <= 0xdf) {
      if (cont(i + 1)) return true;
    } else if (b <= 0xef) {
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf;
      if (cont(i + 1, lo, hi) && cont(i + 2)) return true;
    } else {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      if (cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3)) return true;
    }
  }
  return false;
}

/** The advice for a file that is not UTF-8: --encoding, or re-encode with iconv. */
function encodingAdvice(name: string): string {
  return `pass --encoding cp1252 (Windows/Excel; or --encoding latin1), or re-encode it: iconv -f cp1252 -t utf-8 ${name} > utf8_${name}`;
}

/**
 * The name of the 0-based column `i` of a file read without a header: `col1` for the first.
 *
 * @example positionalName(0) // "col1"
 */
export function positionalName(i: number): string {
  return `col${i + 1}`;
}

/** The CSV field delimiters understood: comma, semicolon, tab, pipe. */
export const CSV_DELIMITERS: readonly string[] = [",", ";", "\t", "|"];

/** How a delimiter is named in messages. */
export function delimiterName(d: string): string {
  return d === "\t" ? "tab" : `'${d}'`;
}

/**
 * The delimiter of a CSV text from its header line (unquoted characters only): the one of
 * `,` `;` tab `|` present, `,` when none is; null when more than one is present (ambiguous),
 * with the counts for the message.
 *
 * @example detectDelimiter('"";"DAX";"SMI"\n"1";1628,75;1678,1') // ";"
 */
export function detectDelimiter(text: string): string | { counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && CSV_DELIMITERS.includes(ch)) counts[ch] = (counts[ch] ?? 0) + 1;
  }
  const found = Object.keys(counts);
  if (found.length === 0) return ",";
  if (found.length === 1) return found[0]!;
  return { counts };
}

/**
 * Read a `.csv`/`.txt` (or `.csv.gz`/`.txt.gz`) or `.parquet` file (DataError for another
 * extension, a bad header, a corrupt gzip file, or a file that reads as latin-1/cp1252 without
 * `encoding`).
 */
export function readUserFile(path: string, options: ReadCsvOptions = {}): UserTable {
  const kind = userFileKind(path);
  if (kind?.kind === "parquet") {
    if (options.noHeader) {
      throw new RangeError(
        `${basename(path)}: a Parquet file always names its columns (no-header is for CSV)`,
      );
    }
    if (options.encoding !== undefined) {
      throw new RangeError(`${basename(path)}: a Parquet file has no text encoding to choose`);
    }
    return readParquetTable(path);
  }
  if (kind?.kind === "csv") {
    let bytes: Uint8Array = Deno.readFileSync(path);
    if (kind.gzip) {
      try {
        bytes = gunzipSync(bytes);
      } catch (e) {
        throw new DataError(
          `Cannot ingest ${basename(path)}: not a readable gzip file (${
            (e as Error).message
          }); nothing was read`,
          { source: "user", cause: e },
        );
      }
    }
    return parseCsv(bytes, basename(path), options);
  }
  throw new DataError(`Cannot ingest ${path}: ${EXPECTED_EXTENSIONS}`, {
    source: "user",
  });
}

/** Split CSV text into records of fields (quotes handled). */
function splitRecords(text: string, delimiter: string): string[][] {
  const out: string[][] = [];
  let rec: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  let fieldStart = true;
  while (i < n) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
      i++;
      continue;
    }
    if (ch === delimiter) {
      rec.push(field);
      field = "";
      fieldStart = true;
      i++;
      continue;
    }
    if (ch === "\n" || ch === "\r") {
      rec.push(field);
      if (!(rec.length === 1 && rec[0] === "")) out.push(rec);
      rec = [];
      field = "";
      fieldStart = true;
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      continue;
    }
    field += ch;
    fieldStart = false;
    i++;
  }
  if (field !== "" || rec.length > 0) {
    rec.push(field);
    if (!(rec.length === 1 && rec[0] === "")) out.push(rec);
  }
  return out;
}

/** Parse CSV bytes (exported for tests). */
export function parseCsv(
  bytes: Uint8Array,
  name = "file",
  options: ReadCsvOptions = {},
): UserTable {
  if (options.delimiter !== undefined && !CSV_DELIMITERS.includes(options.delimiter)) {
    throw new RangeError(
      `Unknown CSV delimiter "${options.delimiter}": expected one of , ; \\t |`,
    );
  }
  const encoding = options.encoding === undefined ? "utf-8" : encodingName(options.encoding);
  if (encoding === null) {
    throw new RangeError(
      `Unknown text encoding "${options.encoding}": expected utf-8, latin1, cp1252 or another TextDecoder label`,
    );
  }
  // Another encoding than UTF-8: the whole file decoded (a single-byte encoding never fails).
  const text = encoding === "utf-8" ? null : new TextDecoder(encoding).decode(bytes);
  let delimiter = options.delimiter;
  if (delimiter === undefined) {
    // The header line only (a non-UTF-8 byte there makes the header unreadable anyway).
    let head: string;
    if (text !== null) head = text.slice(0, text.search(/\n|$/));
    else {
      const nl = bytes.indexOf(0x0a);
      head = new TextDecoder("utf-8").decode(nl < 0 ? bytes : bytes.subarray(0, nl));
    }
    const d = detectDelimiter(head);
    if (typeof d !== "string") {
      throw new DataError(
        `Cannot ingest ${name}: the header holds more than one possible delimiter (${
          Object.entries(d.counts).map(([c, n]) => `${n} x ${delimiterName(c)}`).join(", ")
        }): pass --delimiter ${
          Object.keys(d.counts).map((c) => c === "\t" ? "tab" : c).join(" or ")
        }`,
        { source: "user" },
      );
    }
    delimiter = d;
  }
  const sep = delimiter;
  let records: (string[] | { notUtf8: string })[];
  try {
    records = splitRecords(
      text ?? new TextDecoder("utf-8", { fatal: true }).decode(bytes),
      sep,
    );
  } catch {
    if (!hasUtf8MultiByte(bytes)) {
      // Every non-ASCII byte is invalid UTF-8: a single-byte encoding, not a corrupt line.
      const bad = bytes.findIndex((b) => b >= 0x80);
      let line = 1;
      for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
      const n = bytes.filter((b) => b >= 0x80).length;
      throw new NotUtf8FileError(
        `Cannot ingest ${name}: the file is not UTF-8 and looks like latin-1/cp1252 (${n} byte${
          n === 1 ? "" : "s"
        } above 0x7F, none in a UTF-8 sequence; the first on line ${line}, byte 0x${
          bytes[bad]!.toString(16).toUpperCase()
        }): ${encodingAdvice(name)}. Nothing was landed`,
        { source: "user" },
      );
    }
    // Not UTF-8 somewhere: line by line, so that only the bad lines are set aside (quoted
    // fields spanning lines are not supported in such a file).
    records = [];
    const dec = new TextDecoder("utf-8", { fatal: true });
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        let line = bytes.subarray(start, i);
        if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
        start = i + 1;
        if (line.length === 0) continue;
        try {
          records.push(...splitRecords(dec.decode(line), sep));
        } catch {
          records.push({ notUtf8: new TextDecoder("latin1").decode(line) });
        }
      }
    }
  }
  const header = options.noHeader
    ? (Array.isArray(records[0]) ? records[0].map((_, i) => positionalName(i)) : undefined)
    : records.shift();
  if (!header || !Array.isArray(header)) {
    throw new DataError(
      `Cannot ingest ${name}: no header line${
        header ? ` (the header is not UTF-8: ${encodingAdvice(name)})` : ""
      }`,
      { source: "user" },
    );
  }
  const columns = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, "") : h).trim())
    .map((h, i) => h === "" ? `Unnamed: ${i}` : h);
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) {
    throw new DataError(`Cannot ingest ${name}: the header names column "${dup}" twice`, {
      source: "user",
      column: dup,
    });
  }
  const cells = new Map<string, Cell[]>(columns.map((c) => [c, new Array(records.length)]));
  const cols = columns.map((c) => cells.get(c)!);
  const bad: BadRow[] = [];
  records.forEach((r, row) => {
    if (!Array.isArray(r)) {
      bad.push({
        row,
        code: "not_utf8",
        detail: "line bytes are not UTF-8",
        payload: { _line_latin1: r.notUtf8 },
      });
      for (const c of cols) c[row] = null;
      return;
    }
    if (r.length !== columns.length) {
      const payload: Record<string, unknown> = {};
      columns.forEach((c, j) => (payload[c] = r[j] ?? null));
      if (r.length > columns.length) payload._extra = r.slice(columns.length);
      bad.push({
        row,
        code: "field_count",
        detail: `${r.length} fields, header has ${columns.length}`,
        payload,
      });
      for (const c of cols) c[row] = null;
      return;
    }
    for (let j = 0; j < cols.length; j++) {
      const v = r[j]!;
      cols[j]![row] = v === "" ? null : v;
    }
  });
  return {
    columns,
    cells,
    rows: records.length,
    bad,
    types: new Map(columns.map((c) => [c, "text"])),
    delimiter: { char: sep, detected: options.delimiter === undefined },
  };
}

function readParquetTable(path: string): UserTable {
  let df: pl.DataFrame;
  try {
    df = pl.readParquet(path);
  } catch (e) {
    throw new DataError(`Cannot ingest ${basename(path)}: not a readable Parquet file`, {
      source: "user",
      cause: e,
    });
  }
  const cells = new Map<string, Cell[]>();
  const types = new Map<string, string>();
  for (const name of df.columns) {
    let s = df.getColumn(name);
    // "DataType(Datetime(ms,America/New_York))" -> "Datetime(ms,America/New_York)"; a naive
    // one prints as "Datetime(us,)".
    const t = String(s.dtype).replace(/^DataType\((.*)\)$/, "$1");
    types.set(name, t);
    let values: unknown[];
    if (t.startsWith("Datetime")) {
      const zoned = /^Datetime\([^,]*,\s*[^)\s]/.test(t);
      values = s.dt.strftime(zoned ? "%Y-%m-%dT%H:%M:%S%.f%:z" : "%Y-%m-%dT%H:%M:%S%.f")
        .toArray() as unknown[];
    } else if (t === "Date") {
      values = s.dt.strftime("%Y-%m-%d").toArray() as unknown[];
    } else if (t.startsWith("Decimal")) {
      s = s.cast(pl.Float64);
      values = s.toArray() as unknown[];
    } else if (t === "Int64" || t === "UInt64") {
      values = s.cast(pl.Utf8).toArray() as unknown[];
      values = values.map((v) => (v === null || v === undefined ? null : BigInt(v as string)));
    } else if (t === "Bool" || t === "Boolean") {
      values = s.toArray() as unknown[];
    } else if (/^(Int|UInt|Float)/.test(t)) {
      values = s.toArray() as unknown[];
    } else if (t === "Utf8" || t === "String") {
      values = s.toArray() as unknown[];
    } else {
      values = s.cast(pl.Utf8).toArray() as unknown[];
    }
    cells.set(
      name,
      values.map((v) =>
        v === undefined || v === null
          ? null
          : (typeof v === "string" && v === "" ? null : v as Cell)
      ),
    );
  }
  return { columns: df.columns, cells, rows: df.height, bad: [], types };
}
