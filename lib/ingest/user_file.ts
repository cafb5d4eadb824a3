/**
 * Load a user's own CSV or Parquet time series into the curated lake as a named dataset
 * (`curated/user/<dataset>`), with validation; every row that fails it goes to the quarantine
 * table for user files, `raw/user/quarantine`, with a reason code and the detail (view
 * `ingest_quarantine`). Nothing is dropped or invented silently: every row read is landed or
 * quarantined, and the summary counts both by reason.
 *
 * What it takes:
 * - `kind: "bars"`: any subset of open/high/low/close/volume (at least one price); a field the
 *   file lacks is stored as null, never invented; a blank volume is null; OHLC consistency is
 *   checked over the fields present (high >= every present price, low <= every present price).
 * - `kind: "series"`: one value per time (yields, macro, index levels); `wide` reads one series
 *   per column, the column name being its symbol.
 * - time: ISO dates/date-times (naive ones in `tz`), epochs only with `timeUnit`, decimal years,
 *   a strftime-like pattern, or no time column at all (`start` + `freq`: the k-th row is the k-th
 *   period on the calendar). The rules are in `user_file_time.ts`; they are the same for CSV and
 *   Parquet (Parquet values are first turned into the text a CSV would hold).
 * - numbers in decimal notation only (`1.5`, `-2`, `1e+07`): hex (`0x1FF`), booleans, dates,
 *   infinities and thousands separators are `not_a_number`; blanks and NA/NaN/null/"." are blank.
 *   With `decimalComma` the decimal mark is `,` (`1628,75`) and a `.` in a number is
 *   `not_a_number`. Without it, a number column holding a decimal comma (`1,5`) refuses the file,
 *   naming the column, a value and the option: it is never read as 15, 1 or 5, nor quarantined
 *   row by row.
 * - CSV delimiter: `,`, or `delimiter`, or detected from the header (`user_file_read.ts`).
 * - an index column (pandas `to_csv`, R `write.csv`: a first column with no name, `Unnamed: 0`
 *   when read back, or `index`) holding the row numbers 0..n-1 or 1..n is not data: in a wide
 *   file it is left out with a note; an unnamed column holding anything else in a wide file
 *   stops the ingest, naming it and `skipColumns` (`--skip-column`). `skipColumns` leaves any
 *   column out.
 *
 * Calendar (`calendar`, default nyse) decides the checks and `known_at`:
 * - daily bars (freq `session`): the date must be a session (`not_a_session`), known at its
 *   close (early closes respected);
 * - intraday bars/series (freq like `30m`): the instant must fall in a session, known at
 *   ts + interval;
 * - series of freq `day`/`week`/`month`/`quarter`/`year`: stamped with the period's first day,
 *   known at the close of the period's last session (`periodKnownAt`) unless the file has a
 *   `known_at` column;
 * - session and intraday data outside the calendar's range is `outside_range` (a warning names
 *   `--calendar none` and, for daily data, `--freq year|...`); weekly and slower data is not
 *   session data: it is checked against the widest range (calendar none's, 1000-2100) only, and a
 *   period the calendar does not cover whole (sunspots of 1700 on nyse) is known at its end
 *   (midnight after its last day in the calendar's zone), counted in a note.
 * - `earlierQuarantine` counts the dataset's quarantine rows of earlier runs whose payload (and
 *   series column) this run did not quarantine again (`rows`) apart from those it did (`again`:
 *   the same file rows, e.g. the same file loaded twice), so a repeated run does not double them.
 *
 * Layout: weekly and slower data (a century of monthly values is a few thousand rows) in one
 * unpartitioned folder; daily data in `year=` partitions; intraday data in `date=` partitions only
 * when dense (on average at least {@link DENSE_ROWS_PER_DAY} rows per day), else `year=`
 * (62,496 thirty-minute FX bars: 5 yearly files instead of 1,302 daily ones). A dataset that
 * already exists keeps its recorded partitioning.
 *
 * Re-ingest into an existing dataset merges by natural key (a stored key the file also has takes
 * its values; stored keys it lacks are kept); when the file disagrees with the stored rows of a
 * symbol (changed values or a gap inside its span, e.g. shifted dates) and adds rows, `stale`
 * counts the stored rows it lacks and a warning names `--replace`. With `replace` the stored rows
 * of the file's landed symbols are replaced by the file's (`replaceRows`, one atomic commit).
 * Weekly and slower dates moved to the period's first day are counted in a note; `knownLagMs`
 * delays the derived `known_at` (a warning when period data has neither it nor a known_at column).
 * When no time parses, `hint` names `--time-format` with a guess (`guessTimeFormats`). Quarantine
 * rows of earlier ingests of the dataset are counted (`earlierQuarantine`); `clearQuarantine`
 * replaces them by this run's.
 *
 * Duplicates: valid rows of one (symbol, time) key with the same values land once (the first in
 * file order; the others are `duplicate_key`). Rows of one key with different values are
 * `duplicate_conflict`, all of them: none lands (counted in `duplicateConflicts`, with a
 * warning), unless `keep` says `first` or `last` (in file order), which lands and the others are
 * quarantined. Rows may come in any order (the lake sorts), unless `order: "increasing"`, when a
 * row earlier than its symbol's previous row is `not_increasing`; more than
 * {@link MAX_NOT_INCREASING} of the rows so is a file not sorted at all: refused
 * ({@link ColumnMappingError}) before anything lands. A row whose every field is blank (Excel's
 * trailing `,,,,,`) is no data row: skipped, counted in `emptyRows` and a note (with `start`, where
 * rows are placed by position, only trailing ones).
 */
import pl from "nodejs-polars";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DataError } from "../core/errors.ts";
import {
  committedState,
  type DatasetMeta,
  type DatasetSpec,
  readDataset,
  replaceRows,
  writeDataset,
  type WriteResult,
} from "../lake/mod.ts";
import {
  type QuarantineRow,
  quarantineSpec,
  type ReasonCode,
  writeQuarantine,
} from "./quarantine.ts";
import {
  CALENDAR_NAMES,
  type CalendarName,
  getCalendar,
  type TradingCalendar,
} from "../time/mod.ts";
import {
  type Cell,
  delimiterName,
  positionalName,
  readUserFile,
  type UserTable,
} from "./user_file_read.ts";
import {
  ingestUnits,
  type NonPositiveCount,
  NotPricesError,
  notPricesMessage,
  notPriceSymbols,
} from "./user_file_units.ts";
import {
  NOT_A_PRICE_HINT,
  resolveUnits,
  type Units,
  unitsClass,
  unitsLabel,
} from "../lake/units.ts";
import {
  afterBreak,
  type ChainBreak,
  DEFAULT_RETURNS_BASE,
  implausibleReturnsMessage,
  levelsFromReturns,
  type ReturnsKind,
  ReturnsOptionError,
  type ReturnsPlausibility,
  returnsPlausibility,
  returnsTransformTag,
} from "./user_file_returns.ts";
import {
  countPeriods,
  DATE_FREQS,
  type DateFreq,
  dateInZone,
  dayOfIso,
  decimalYearGrid,
  decimalYearToDate,
  dstGapText,
  epochToMs,
  generateDates,
  guessTimeFormats,
  intervalMs,
  isIntegerText,
  isNaiveIso,
  isValidZone,
  type ParsedTime,
  parseIsoTime,
  patternParser,
  periodEndMs,
  periodKnownAt,
  periodLabel,
  periodLastDay,
  quarterTextDate,
  TIME_UNITS,
  type TimeUnit,
  utcWrittenMinutes,
  wallClock,
  type WallFold,
  wallFold,
} from "./user_file_time.ts";
import { isoDay } from "../time/periods.ts";
import { latestVersions } from "../lake/versions.ts";
import { remoteOf } from "../lake/store/files.ts";
import {
  countsAtCommit,
  mergeVersions,
  type VersionCounts,
  versionWarnings,
} from "./user_file_versions.ts";
import { MS_PER_DAY } from "../core/constants.ts";

/**
 * Zones tried to name a `--tz` for daily UTC instants that sit at one zone's midnight (one per
 * offset pattern, west to east of Greenwich's neighbours).
 */
const MIDNIGHT_ZONES = [
  "Europe/London",
  "Europe/Zurich",
  "Europe/Helsinki",
  "Europe/Moscow",
  "Asia/Dubai",
  "Asia/Kolkata",
  "Asia/Singapore",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Pacific/Auckland",
];

/**
 * What to pass for a time column that did not read: the --time-format guessed from its values
 * (both when month-first and day-first fit), or the directives; `orElse` ends the no-guess advice.
 */
function timeFormatAdvice(guesses: string[], orElse = ""): string {
  if (guesses.length === 0) {
    return `pass --time-format with a pattern matching the values (directives: %Y %y %m %b %d %j %q %H %M %S %f; see --help)${orElse}`;
  }
  if (guesses.length === 1) return `pass --time-format "${guesses[0]}"`;
  return `pass --time-format "${guesses[0]}" (month first) or "${
    guesses[1]
  }" (day first): every value fits both, check which your source uses`;
}

/** The zone and wall minute of the FX day's roll (17:00 New York) daily candles are stamped at. */
const FX_ROLL_ZONE = "America/New_York";
const FX_ROLL_MINUTE = 17 * 60;

/** The key of an epoch's date in the daily-instant pass (its ms as text). */
function epochKey(ms: number): string {
  return `epoch:${ms}`;
}

/** Minutes after UTC midnight of an instant. */
function utcMinutesOf(ms: number): number {
  return Math.floor((((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / 60_000);
}

export { intervalMs } from "./user_file_time.ts";

/** Average rows per day from which intraday data gets one partition per day. */
export const DENSE_ROWS_PER_DAY = 20_000;

/** Default share of quarantined rows above which the `ingest-file` task exits 1. */
export const DEFAULT_MAX_QUARANTINED = 0.01;

/** Lake columns a file column can be mapped to. */
export type MappedColumn =
  | "symbol"
  | "ts"
  | "open"
  | "high"
  | "low"
  | "close"
  | "volume"
  | "value"
  | "known_at";

const PRICE_FIELDS = ["open", "high", "low", "close"] as const;

/**
 * With `order: "increasing"`: above this share of rows going back in time the file is not sorted
 * at all, and the ingest is refused before anything lands (below it such rows are quarantined).
 */
export const MAX_NOT_INCREASING = 0.1;

/** Frequencies of period data (not session data): stamped with the period's first day. */
const PERIOD_FREQS = ["week", "month", "quarter", "year"] as const;

/** Options for {@link ingestBarsFile}. */
export interface IngestFileOptions {
  /** Dataset name for the curated table (snake_case). */
  dataset: string;
  /** `bars` (OHLCV, any subset) or `series` (one value per time). @default "bars" */
  kind?: "bars" | "series";
  /** Series only: one series per column (the column name is the symbol). @default false */
  wide?: boolean;
  /**
   * Frequency: `session`, `day`, `week`, `month`, `quarter`, `year`, or an interval `N` + `s|m|h`
   * (e.g. `30m`). For bars, `day` and `1d` mean `session`. @default "session" for bars, "day" for series
   */
  freq?: string;
  /** Former name of `freq` (bars). */
  timeframe?: string;
  /** Lake column -> file column, e.g. `{ ts: "Date", close: "Adj Close" }`. @default same names, any case */
  columns?: Partial<Record<MappedColumn, string>>;
  /** Symbol for files without a symbol column (not used with `wide`). */
  symbol?: string;
  /** Trading calendar (lib/time `getCalendar`). @default "nyse" */
  calendar?: CalendarName;
  /** IANA zone of naive times (and of the date of epoch values). @default the calendar's zone */
  tz?: string;
  /** Unit of epoch numbers in the time column; without it a bare integer column is an error. */
  timeUnit?: TimeUnit;
  /**
   * Daily times at the 17:00 New York FX roll (21:00Z/22:00Z): candles stamped at their `open`
   * (OANDA: the trading date is the New York date + 1 day) or `close` (the New York date).
   * @default read from the stamps' weekdays (Sundays and no Friday: open; Fridays and no Sunday: close)
   */
  stamped?: "open" | "close";
  /** `iso`, `decimal-year`, or a pattern of %Y %m %d %H %M %S. @default "iso" */
  timeFormat?: string;
  /** First date for a file without a time column: the k-th row is the k-th period from here. */
  start?: string;
  /**
   * With `start`: the date of the file's last row, when known. The row count must equal the
   * calendar's periods from `start` to `end`, else a {@link ColumnMappingError} (nothing written)
   * says both counts and the date the last row would land on.
   */
  end?: string;
  /** ISO 4217 currency, or null. @default the calendar's, or the quote currency of FX pair symbols */
  currency?: string | null;
  /**
   * Units of the values (lib/lake/units.ts), recorded in the dataset's meta; a rate, ratio or
   * count has no currency unless `currency` says so. @default the dataset's declared units, else
   * none recorded (bars and series with a currency read as prices; others unknown, with a note)
   */
  units?: Units;
  /**
   * The values are period returns: store index levels cumulated per symbol from `returnsBase`
   * (lib/ingest/user_file_returns.ts; units `index`, the transform recorded in the meta). Series
   * (long or wide) or close-only bars. @default absent: values stored as read
   */
  fromReturns?: ReturnsKind;
  /** With `fromReturns`: the level of the period before each symbol's first return. @default 100 */
  returnsBase?: number;
  /**
   * With `fromReturns`: the returns are fractions (0.052 = 5.2%) or percent (5.2 = 5.2%, each
   * divided by 100 before use). @default "fraction"
   */
  returnsIn?: "fraction" | "percent";
  /** `any`, or `increasing` (a row earlier than its symbol's previous one is quarantined). @default "any" */
  order?: "any" | "increasing";
  /**
   * Rows of one (symbol, time) with different values: land the `first` or the `last` in file
   * order (the others are quarantined as `duplicate_conflict`). @default none of them lands
   */
  keep?: "first" | "last";
  /** CSV field delimiter: `,`, `;`, `\t` or `|`. @default detected from the header, else "," */
  delimiter?: string;
  /**
   * CSV without a header line: the first line is data, columns are named `col1`, `col2`, ... by
   * position; without `columns.ts` or `start`, `col1` is the time column. @default false (a
   * first line that reads as data, {@link headerLooksLikeData}, is then refused)
   */
  noHeader?: boolean;
  /** CSV text encoding, a TextDecoder label (`latin1`, `cp1252`). @default "utf-8" (user_file_read.ts) */
  encoding?: string;
  /** Numbers use a decimal comma (`1628,75`); a `.` in a number is then not_a_number. @default false */
  decimalComma?: boolean;
  /**
   * Thousands separator in numbers (`.` for `10.084,50` with `decimalComma`; `,` `' '` `'`):
   * removed where it groups the integer part in threes. @default none (such values are
   * not_a_number; a column of them is refused naming it)
   */
  thousands?: string;
  /** File columns not to read at all (e.g. an index column `Unnamed: 0`). @default [] */
  skipColumns?: string[];
  /**
   * Replace the dataset's stored rows of the symbols landed from the file by the file's rows
   * (other symbols untouched), in one atomic commit (`replaceRows`). @default false: merge
   * (a key already stored takes the file's values; stored keys the file lacks are kept)
   */
  replace?: boolean;
  /**
   * Milliseconds added to the `known_at` derived from the calendar (period close, bar close):
   * the release lag of macro data. Refused with a `known_at` column. @default 0
   */
  knownLagMs?: number;
  /**
   * Remove the quarantine rows of earlier ingests of this dataset: the dataset's quarantine rows
   * become this run's (one atomic commit). @default false
   */
  clearQuarantine?: boolean;
  /**
   * The ingest instant: a revised value (one the stored latest version disagrees with) is known
   * from the later of its derived known_at and this. @default the clock
   */
  now?: Date;
  /** Lake root. @default lakeRoot() */
  root?: string;
}

/** Stored rows a merge ingest left in place that the file does not have (see module doc). */
export interface StaleRows {
  /** Stored rows, inside the span of the file's rows of their symbol, whose key the file lacks. */
  rows: number;
  /** Symbols with such rows, and how many each. */
  bySymbol: Record<string, number>;
  /** One such stored key, e.g. "DAX 1991-07-01". */
  example: string;
}

/**
 * What a `replace` ingest did to the stored rows of the file's symbols, by natural key
 * (symbol, time), counted against the rows stored before it: `removed` stored rows whose key the
 * file lacks (deleted), `changed` keys in both whose values or known_at differ (overwritten),
 * `added` file keys not stored before, `unchanged` keys in both with equal values. Rows written
 * (new or changed) = `added + changed`. All 0 when the replace changed nothing.
 */
export interface ReplaceCounts {
  removed: number;
  changed: number;
  added: number;
  unchanged: number;
}

/** Summary of an ingest. `rowsRead = rowsValid + rowsQuarantined`. */
export interface IngestFileSummary {
  /**
   * Units read: file rows, times the number of series for a wide file, less the blanks of a wide
   * file's columns before their first or after their last value (`notListed`).
   */
  rowsRead: number;
  rowsValid: number;
  rowsQuarantined: number;
  /** Quarantined units by reason code. */
  reasons: Partial<Record<ReasonCode, number>>;
  /** Data rows in the file. */
  fileRows: number;
  /** File columns that were not used (reported, not an error). */
  ignoredColumns: string[];
  /** Which file column was read for each lake column (value columns for wide files). */
  usedColumns: Partial<Record<MappedColumn, string>> & { series?: string[] };
  /** CSV only: the delimiter used and whether it was detected from the header. */
  delimiter?: { char: string; detected: boolean };
  /** What was decided about the file without being asked (an index column left out, ...). */
  notes: string[];
  /** Things the user should act on (stale rows kept, known_at at period close, ...). */
  warnings: string[];
  /** When nothing landed and the rows' times did not parse: what to pass (`--time-format`). */
  hint: string | null;
  /**
   * The zone naive times (ISO text without an offset, `--time-format` patterns) were read in,
   * whether it came from `tz` or is the calendar's zone, and how many rows had one; null when no
   * time was naive (offsets, epochs, decimal years, `start`).
   */
  naiveZone: { zone: string; from: "tz" | "calendar"; rows: number } | null;
  /**
   * Wide files: blank cells of a column before its first value or after its last (in file
   * order): periods when the series was not listed. Neither landed nor quarantined, and not in
   * `rowsRead`; per symbol the blanks before (`before`) and after (`after`) its values and the
   * dates of its first and last value (null for a column without any value).
   */
  notListed: {
    rows: number;
    bySymbol: Record<
      string,
      { before: number; after: number; first: string | null; last: string | null }
    >;
  };
  /**
   * Calendar fx, intraday: `not_a_session` rows stamped from the weekly close, Friday 17:00 New
   * York, to the end of that Friday (the fx week runs Sunday 17:00 to Friday 17:00 New York).
   */
  afterFxClose: { rows: number; example: string } | null;
  /** With `start`: the last row's number (1-based) and the date it was placed on. */
  lastRow: { row: number; date: string } | null;
  /** Merge ingest into an existing dataset: stored rows the file disagrees with, or null. */
  stale: StaleRows | null;
  /** With `replace`: stored rows removed, changed, added, unchanged (see ReplaceCounts); else null. */
  replaced: ReplaceCounts | null;
  /**
   * Merge ingest: rows new, revised (a new version beside the stored one), unchanged (not
   * written) and corrected in place, with examples (lib/ingest/user_file_versions.ts); null
   * with `replace` or when nothing landed.
   */
  versions: VersionCounts | null;
  /**
   * Quarantine rows of this dataset from earlier ingests (before this run): `rows` those whose
   * payload (and series column) this run did not quarantine again, `again` those it did (the same
   * file rows refused again, e.g. a repeated run of the same file: not more refused data), and
   * whether `clearQuarantine` removed both.
   */
  earlierQuarantine: { rows: number; again: number; cleared: boolean };
  /**
   * With `fromReturns`: the transform, and per symbol its first landed row's date, return and
   * level, and the rows quarantined after a break of its chain (a quarantined return).
   */
  fromReturns: {
    kind: ReturnsKind;
    base: number;
    tag: string;
    bySymbol: Record<
      string,
      { first: string; firstReturn: number; firstLevel: number; rowsAfterBreak: number }
    >;
  } | null;
  /**
   * Keys (symbol, time) with rows of different values: how many keys and rows (all quarantined as
   * `duplicate_conflict` but the one `keep` landed), one example (key and values), and which row
   * was kept (null: none). Null when there were none.
   */
  duplicateConflicts: {
    keys: number;
    rows: number;
    example: string;
    kept: "first" | "last" | null;
  } | null;
  /** Rows whose every field is blank (Excel's trailing `,,,,,`): skipped, not in `rowsRead`. */
  emptyRows: number;
  write: WriteResult | null;
  dataset: DatasetSpec;
}

/** Options of the dataset specs. */
export interface UserSpecOptions {
  meta?: DatasetMeta;
  /** @default "year" for daily data, "date" for intraday */
  partitioning?: "year" | "date" | "none";
}

/** Spec of a user dataset: symbol, date (or ts), the `values` columns (f64), known_at. */
function userSpec(
  dataset: string,
  daily: boolean,
  options: UserSpecOptions,
  values: readonly string[],
): DatasetSpec {
  return {
    ...(options.meta ? { meta: options.meta } : {}),
    zone: "curated",
    source: "user",
    dataset,
    partitioning: options.partitioning ?? (daily ? "year" : "date"),
    timeColumn: daily ? "date" : "ts",
    // Versioned: every version of a (symbol, time) is kept, each with its known_at (module doc).
    naturalKey: daily ? ["symbol", "date", "known_at"] : ["symbol", "ts", "known_at"],
    schema: {
      symbol: "str",
      ...(daily ? { date: "date" as const } : { ts: "ts_ms" as const }),
      ...Object.fromEntries(values.map((c) => [c, "f64" as const])),
      known_at: "ts_ms",
    },
  };
}

/** Spec of a user bars dataset (all five price/volume columns; absent fields are null). */
export function userBarsSpec(
  dataset: string,
  daily: boolean,
  options: UserSpecOptions = {},
): DatasetSpec {
  return userSpec(dataset, daily, options, ["open", "high", "low", "close", "volume"]);
}

/** Spec of a user series dataset: symbol, date (or ts), value, known_at. */
export function userSeriesSpec(
  dataset: string,
  daily: boolean,
  options: UserSpecOptions = {},
): DatasetSpec {
  return userSpec(dataset, daily, options, ["value"]);
}

const MISSING = new Set(["", "na", "n/a", "nan", "null", "none", "."]);
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMBER_COMMA = /^[+-]?(?:\d+,?\d*|,\d+)(?:[eE][+-]?\d+)?$/;
/** A number with a decimal comma and no decimal point (`1,5`, `-1628,75`, `,5`). */
const DECIMAL_COMMA = /^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$/;

/**
 * A number whose integer part is grouped in threes by `sep` (`10.084,50` with sep `.` and a
 * decimal comma; `1,234,567.5` with sep `,`).
 */
function thousandsRegex(sep: string, decimalComma: boolean): RegExp {
  const e = sep.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^[+-]?\\d{1,3}(?:${e}\\d{3})+(?:${decimalComma ? "," : "\\."}\\d*)?$`,
  );
}

/** Thousands separators `ingest-file --thousands` takes. */
export const THOUSANDS_SEPARATORS = [".", ",", " ", "'"] as const;

/** A parsed number cell: the value, null for blank, or the reason it is not a number. */
export type NumberCell = number | null | { code: "not_a_number"; detail: string };

/**
 * Read a number cell strictly: decimal notation only (optional sign, fraction, exponent).
 * Blank and NA/NaN/null/none/"." are null. Hex, booleans, dates, infinities, thousands
 * separators and any other text are `not_a_number`. With `decimalComma` the decimal mark is
 * `,` and a `.` makes the cell `not_a_number` (so `1.628,75` is not read as anything).
 *
 * @example parseNumberCell("0x1FF") // { code: "not_a_number", detail: ... }
 * @example parseNumberCell("1628,75", true) // 1628.75
 */
export function parseNumberCell(
  v: Cell,
  decimalComma = false,
  thousands?: string,
): NumberCell {
  if (v === null) return null;
  if (typeof v === "boolean") return { code: "not_a_number", detail: `boolean ${v}` };
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") {
    if (Number.isNaN(v)) return null;
    return Number.isFinite(v) ? v : { code: "not_a_number", detail: `${v}` };
  }
  let t = v.trim();
  if (MISSING.has(t.toLowerCase())) return null;
  if (thousands !== undefined && t.includes(thousands)) {
    if (!thousandsRegex(thousands, decimalComma).test(t)) {
      return {
        code: "not_a_number",
        detail: `"${
          t.slice(0, 40)
        }" (thousands separator '${thousands}' not between groups of 3 digits)`,
      };
    }
    t = t.split(thousands).join("");
  }
  if (decimalComma) {
    if (!NUMBER_COMMA.test(t)) {
      return {
        code: "not_a_number",
        detail: `"${t.slice(0, 40)}"${
          t.includes(".") ? " (decimal comma: '.' is not a decimal mark)" : ""
        }`,
      };
    }
    return Number(t.replace(",", "."));
  }
  if (!NUMBER.test(t)) return { code: "not_a_number", detail: `"${t.slice(0, 40)}"` };
  return Number(t);
}

/** Quote currency of an FX pair symbol (EURUSD, EUR_USD, EUR/USD, EUR-USD -> USD), or null. */
export function pairQuoteCurrency(symbol: string): string | null {
  const m = /^([A-Z]{3})[_/-]?([A-Z]{3})$/.exec(symbol.trim().toUpperCase());
  if (!m) return null;
  const known = new Set(Intl.supportedValuesOf("currency"));
  return known.has(m[1]!) && known.has(m[2]!) ? m[2]! : null;
}

/** A whole number in a cell (1959, 1959.0, "1959", "1959.0"), or null. */
function wholeCell(v: Cell): number | null {
  const x = typeof v === "number"
    ? v
    : typeof v === "bigint"
    ? Number(v)
    : typeof v === "string" && /^\d+(?:\.0*)?$/.test(v.trim())
    ? Number(v.trim())
    : NaN;
  return Number.isInteger(x) ? x : null;
}

/**
 * A year column and a quarter (1-4) or month (1-12) column that together give the time
 * (statsmodels macrodata: `year,quarter` as floats 1959.0,1.0): their names, the frequency and
 * each row's period start date (null where a row has no readable pair), or null when the file
 * has no such pair (names year + quarter/qtr or month, every non-blank value a whole number in
 * range, years 1000-2999).
 */
function yearPeriodColumns(
  t: UserTable,
  skip: ReadonlySet<string>,
): {
  year: string;
  period: string;
  freq: "quarter" | "month";
  dates: (string | null)[];
  example: string;
} | null {
  const named = (names: string[]) =>
    t.columns.find((c) => !skip.has(c) && names.includes(c.toLowerCase()));
  const year = named(["year", "yr"]);
  if (!year) return null;
  for (
    const [names, freq, top] of [
      [["quarter", "qtr", "q"], "quarter", 4],
      [["month", "mon", "m"], "month", 12],
    ] as const
  ) {
    const period = named([...names]);
    if (!period) continue;
    const ys = t.cells.get(year)!, ps = t.cells.get(period)!;
    const dates: (string | null)[] = [];
    let ok = 0, example = "";
    let fits = true;
    for (let r = 0; r < ys.length; r++) {
      if (ys[r] === null && ps[r] === null) {
        dates.push(null);
        continue;
      }
      const y = wholeCell(ys[r]!), p = wholeCell(ps[r]!);
      if (y === null || p === null || y < 1000 || y > 2999 || p < 1 || p > top) {
        fits = false;
        break;
      }
      const m = freq === "quarter" ? 3 * (p - 1) + 1 : p;
      dates.push(`${y}-${String(m).padStart(2, "0")}-01`);
      if (ok++ === 0) example = `${String(ys[r])},${String(ps[r])}`;
    }
    if (fits && ok > 0) return { year, period, freq, dates, example };
  }
  return null;
}

/**
 * Symbol names of yields and rates (FRED DGS10, R's tcm1yd, tbilrate, *_yield, *_rate, SOFR...):
 * such a series without --units is not defaulted to a price.
 */
const RATE_NAME =
  /^(?:dgs\d|gs\d|tcm|tb\d|tbil|dff|sofr|libor|euribor|estr|fedfunds)|(?:^|[^a-z])(?:yield|yld|rate|ytm)(?:[^a-z]|$)|rate$/i;

function findColumn(
  t: UserTable,
  names: string[],
  skip: ReadonlySet<string> = new Set(),
): string | undefined {
  for (const n of names) if (t.cells.has(n) && !skip.has(n)) return n;
  const lower = names.map((n) => n.toLowerCase());
  return t.columns.find((c) => !skip.has(c) && lower.includes(c.toLowerCase()));
}

const TIME_NAMES = [
  "ts",
  "timestamp",
  "time",
  "date",
  "datetime",
  "date_time",
  "time_utc",
  "observation_date",
];

/**
 * The options name a column the file does not have, or the file lacks a column the options
 * need (a time, symbol, price or value column; a `--skip-column` not in it; both a time column
 * and `--start`): a mistake in how the ingest was called, which `ingest-file` reports as a
 * usage error (exit 2). Nothing is written.
 */
export class ColumnMappingError extends DataError {
  constructor(message: string, options: ConstructorParameters<typeof DataError>[1] = {}) {
    super(message, options);
    this.name = "ColumnMappingError";
  }
}

function fail(path: string, msg: string, column?: string, dataset?: string): never {
  throw new DataError(`Cannot ingest ${basename(path)}: ${msg}`, {
    source: "user",
    ...(dataset ? { dataset } : {}),
    ...(column ? { column } : {}),
  });
}

/** {@link fail} for a column the options and the file disagree on ({@link ColumnMappingError}). */
function failMapping(path: string, msg: string, column?: string, dataset?: string): never {
  throw new ColumnMappingError(`Cannot ingest ${basename(path)}: ${msg}`, {
    source: "user",
    ...(dataset ? { dataset } : {}),
    ...(column ? { column } : {}),
  });
}

interface Unit {
  row: number;
  symbol: string;
  valueCol: string | null;
}

/**
 * Validate and load a user file of bars or series. Returns the counts by reason code; throws a
 * DataError (nothing written) when the file as a whole cannot be read as asked: a missing
 * column, a bare-integer time column without `timeUnit`, no time column and no `start`.
 *
 * @example
 * ```ts ignore
 * await ingestBarsFile("ttrc.csv", { dataset: "ttrc", symbol: "TTRC", calendar: "nyse" });
 * await ingestBarsFile("usdthb.csv", { dataset: "usdthb_30m", symbol: "USDTHB", freq: "30m",
 *   calendar: "fx", tz: "UTC", columns: { ts: "time_utc" } });
 * await ingestBarsFile("tcm.csv", { dataset: "tcm", kind: "series", wide: true, freq: "month",
 *   timeFormat: "decimal-year", currency: null });
 * ```
 */
export async function ingestBarsFile(
  path: string,
  options: IngestFileOptions,
): Promise<IngestFileSummary> {
  const kind = options.kind ?? "bars";
  const calName = (options.calendar ?? "nyse") as CalendarName;
  if (!(CALENDAR_NAMES as readonly string[]).includes(calName)) {
    throw new RangeError(`Unknown calendar "${calName}": expected ${CALENDAR_NAMES.join(", ")}`);
  }
  const cal = getCalendar(calName);
  const tz = options.tz ?? cal.timeZone;
  if (!isValidZone(tz)) throw new RangeError(`Unknown time zone "${tz}": expected an IANA name`);
  // An s3:// lake's store is first written after the parse: one HEAD now makes an unreachable
  // endpoint fail before it, naming the endpoint and the cause (lake/store/s3.ts).
  await remoteOf(options.root)?.bucket.reachable();
  // A series placed by position (--start) has no default frequency: `day` would put a daily
  // index's closes on weekends, `session` on the calendar's holidays' gaps; the user says which.
  if (
    kind === "series" && options.start !== undefined && options.freq === undefined &&
    options.timeframe === undefined
  ) {
    failMapping(
      path,
      `--start places rows by position, and a series has no default frequency for that: pass --freq session (the ${cal.name} sessions from --start: trading-day data such as index closes or yields; --calendar to pick the market) or --freq day (every calendar day, weekends included), or week|month|quarter|year`,
      "ts",
      options.dataset,
    );
  }
  let freq = options.freq ?? options.timeframe ?? (kind === "bars" ? "session" : "day");
  if (kind === "bars" && (freq === "day" || freq === "1d")) freq = "session";
  const daily = (DATE_FREQS as readonly string[]).includes(freq);
  const step = daily ? null : intervalMs(freq);
  if (!daily && step === null) {
    throw new RangeError(
      `Unknown frequency "${freq}": expected ${
        DATE_FREQS.join(", ")
      } or N followed by s, m or h (e.g. 30m)`,
    );
  }
  if (options.wide && kind !== "series") {
    throw new RangeError("wide files hold one series per column: use them with kind series");
  }
  const timeFormat = options.timeFormat ?? "iso";
  if (timeFormat === "decimal-year" && !daily) {
    throw new RangeError(
      `A decimal-year time column needs a daily or slower frequency, not ${freq}`,
    );
  }
  const pattern = timeFormat !== "iso" && timeFormat !== "decimal-year"
    ? patternParser(timeFormat, freq)
    : null;
  if (options.timeUnit && !(TIME_UNITS as readonly string[]).includes(options.timeUnit)) {
    throw new RangeError(
      `Unknown time unit "${options.timeUnit}": expected ${TIME_UNITS.join(", ")}`,
    );
  }
  if (options.start !== undefined && !daily) {
    throw new RangeError(`--start places rows on a daily or slower frequency, not ${freq}`);
  }

  const fromReturns = options.fromReturns;
  const returnsBase = options.returnsBase ?? DEFAULT_RETURNS_BASE;
  if (fromReturns !== undefined) {
    if (fromReturns !== "simple" && fromReturns !== "log") {
      throw new RangeError(`Unknown returns kind "${fromReturns}": expected simple or log`);
    }
    if (!(returnsBase > 0 && Number.isFinite(returnsBase))) {
      throw new RangeError(
        `The base of --from-returns must be a positive number, not ${returnsBase}`,
      );
    }
    if (options.units !== undefined && options.units !== "index") {
      throw new ReturnsOptionError(
        `--from-returns stores index levels (units index), not ${options.units}: drop --units`,
        { dataset: options.dataset },
      );
    }
  } else if (options.returnsBase !== undefined) {
    throw new RangeError("A returns base is for --from-returns");
  } else if (options.returnsIn !== undefined) {
    throw new RangeError("returnsIn (fraction or percent) is for --from-returns");
  }
  const percentReturns = fromReturns !== undefined && options.returnsIn === "percent";

  const table = readUserFile(path, {
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    ...(options.noHeader ? { noHeader: true } : {}),
    ...(options.encoding ? { encoding: options.encoding } : {}),
  });
  const notes: string[] = [];
  const decimalComma = options.decimalComma ?? false;
  const skip = new Set(options.skipColumns ?? []);
  for (const c of skip) {
    if (!table.cells.has(c)) {
      failMapping(path, `no column "${c}" to skip (file has ${table.columns.join(", ")})`, c);
    }
  }
  // A header that is one field holding another delimiter: say so rather than "no time column".
  if (table.columns.length === 1 && table.delimiter) {
    const other = [";", "\t", "|", ","].find((d) =>
      d !== table.delimiter!.char && table.columns[0]!.includes(d)
    );
    if (other) {
      fail(
        path,
        `the header "${table.columns[0]!.slice(0, 60)}" is one column split on ${
          delimiterName(table.delimiter.char)
        }, but holds ${delimiterName(other)}: pass --delimiter ${other === "\t" ? "tab" : other}`,
      );
    }
  }
  const map = options.columns ?? {};
  // A first line that reads as data (a date then numbers) is never taken as a header: the first
  // observation would be lost and the columns named after its values.
  const isTimeText = (t: string): boolean =>
    parseIsoTime(t, "UTC") !== null || (pattern !== null && pattern(t, tz) !== null) ||
    (timeFormat === "decimal-year" && NUMBER.test(t.trim()));
  if (!options.noHeader && table.delimiter) {
    const what = headerLooksLikeData(table.columns, isTimeText);
    if (what) {
      failMapping(
        path,
        `its first line (${
          table.columns.map((c) => UNNAMED.test(c) ? "" : c).join(
            table.delimiter.char === "\t" ? " " : table.delimiter.char,
          ).slice(0, 80)
        }) looks like data, not a header (${what}; R write.zoo writes no header for an unnamed series): pass --no-header to read it as the first row (columns named col1, col2, ... by position; col1 is then the time column unless --map ts= or --start says otherwise)`,
        "ts",
        options.dataset,
      );
    }
  }
  for (const [k, c] of Object.entries(map)) {
    if (!options.noHeader && looksLikeValue(c, isTimeText)) {
      failMapping(
        path,
        `--map ${k}=${c} names a header field that looks like data (${
          isTimeText(c) ? "a date/time" : "a number"
        }): if the file has no header line, pass --no-header and map columns by position (--map ${k}=col1, col2, ...)`,
        k,
        options.dataset,
      );
    }
  }
  const used: IngestFileSummary["usedColumns"] = {};
  const col = (k: MappedColumn, defaults: string[], required: boolean): string | undefined => {
    const explicit = map[k];
    if (explicit !== undefined) {
      if (!table.cells.has(explicit)) {
        failMapping(
          path,
          `no column "${explicit}" for ${k} (file has ${table.columns.join(", ")})`,
          k,
        );
      }
      used[k] = explicit;
      return explicit;
    }
    const found = findColumn(table, defaults, skip); // --skip-column: not read
    if (found) used[k] = found;
    else if (required) {
      failMapping(
        path,
        `no column for ${k} (looked for ${defaults.join(", ")}; file has ${
          table.columns.join(", ")
        }); map it with --map ${k}=<column>`,
        k,
        options.dataset,
      );
    }
    return found;
  };

  // Time column, or generated periods.
  let timeCol: string | undefined;
  /** Columns read together as the time (year + quarter): used, not ignored. */
  const timeParts: string[] = [];
  if (options.start !== undefined) {
    if (map.ts !== undefined) {
      failMapping(path, "both a time column (--map ts=...) and --start given: use one");
    }
  } else {
    timeCol = col("ts", TIME_NAMES, false);
    if (!timeCol && options.noHeader && map.ts === undefined) {
      timeCol = used.ts = positionalName(0);
      notes.push(`no header: ${timeCol} read as the time column (--map ts=colN for another)`);
    }
    if (!timeCol && map.ts === undefined) {
      // R write.zoo names its index column "Index", pyarrow an unnamed pandas index
      // "__index_level_0__" (df.to_parquet of a frame indexed by date): the time column unless it
      // holds row numbers.
      const ix = table.columns.find((c) =>
        (c.toLowerCase() === "index" || c === "__index_level_0__") && !skip.has(c)
      );
      if (
        ix !== undefined &&
        indexBase(table.cells.get(ix)!, new Set(table.bad.map((b) => b.row))) === null
      ) {
        timeCol = used.ts = ix;
        notes.push(
          `column "${ix}" (${
            ix === "__index_level_0__"
              ? "pandas' unnamed index, as pyarrow writes it"
              : "R write.zoo's index"
          }) read as the time column`,
        );
      }
    }
    // --map ts=year beside a quarter (or month) column read as decimal years or %Y: every
    // period of a year on 1 January (duplicates; the first one lands) and the period column a
    // series. Refused before anything lands, naming the automatic year + quarter reading.
    if (
      map.ts !== undefined && (timeFormat === "decimal-year" || timeFormat === "%Y") &&
      (options.freq ?? options.timeframe) !== "year"
    ) {
      const pair = yearPeriodColumns(table, skip);
      if (pair && pair.year === map.ts) {
        failMapping(
          path,
          `columns "${pair.year}" and "${pair.period}" give the time together (year + ${pair.freq}, e.g. ${pair.example}): --map ts=${map.ts} --time-format ${timeFormat} reads the year alone (every ${pair.freq} of a year on 1 January, all but one quarantined as duplicates, and "${pair.period}" landing as a series); drop --map ts=${map.ts} and --time-format (year + ${pair.freq} are read together, --freq ${pair.freq}), or pass --freq year --skip-column ${pair.period} if yearly data was meant; nothing landed`,
          "ts",
          options.dataset,
        );
      }
    }
    if (!timeCol && map.ts === undefined) {
      // statsmodels/pandas write quarterly and monthly macro data as year + quarter (or month)
      // columns (macrodata: 1959.0, 1.0): together they are the time, not two more series.
      const pair = yearPeriodColumns(table, skip);
      if (pair) {
        const want = pair.freq;
        if ((options.freq ?? options.timeframe) !== undefined && freq !== want) {
          failMapping(
            path,
            `columns "${pair.year}" and "${pair.period}" give the time as year + ${want} (e.g. ${pair.example}): that is --freq ${want}, not --freq ${freq}; nothing landed`,
            "ts",
            options.dataset,
          );
        }
        freq = want;
        timeCol = used.ts = `${pair.year}+${pair.period}`;
        table.cells.set(timeCol, pair.dates);
        skip.add(pair.year);
        skip.add(pair.period);
        timeParts.push(pair.year, pair.period);
        notes.push(
          `columns "${pair.year}" and "${pair.period}" read together as the time (year + ${want}, e.g. ${pair.example} -> ${
            pair.dates.find((d) => d !== null)
          }; --freq ${want}); they land as no series`,
        );
      }
    }
    if (!timeCol) {
      const unnamed = table.columns.find((c) => UNNAMED.test(c) && !skip.has(c));
      failMapping(
        path,
        `no time column (looked for ${TIME_NAMES.join(", ")}; file has ${
          table.columns.join(", ")
        }): map it with --map ts=<column>, or for a file without dates pass --start DATE --freq ${
          DATE_FREQS.join("|")
        }${
          unnamed
            ? `; column "${unnamed}" has no name in the header (an index written by pandas to_csv or R write.csv?): if it holds the dates, --map ts="${unnamed}"`
            : ""
        }`,
        "ts",
        options.dataset,
      );
    }
  }
  const symbolCol = options.wide
    ? col("symbol", [], false)
    : col("symbol", ["symbol", "ticker"], false);
  if (!options.wide && !symbolCol && !options.symbol) {
    failMapping(
      path,
      "no symbol column (symbol, ticker): pass --symbol or --map symbol=<column>",
      "symbol",
    );
  }
  // ALFRED-style vintages (realtime_start, realtime_end, observation_date, VALUE): each row is a
  // version known from its realtime_start; realtime_end (the next vintage's start) is not read.
  const knownCol = kind === "series"
    ? col("known_at", ["known_at", "realtime_start"], false)
    : undefined;
  if (knownCol !== undefined && map.known_at === undefined && knownCol !== "known_at") {
    const end = findColumn(table, ["realtime_end"], skip);
    if (end !== undefined) skip.add(end);
    notes.push(
      `column "${knownCol}" read as known_at (ALFRED vintages: each row is the value known from that day${
        end !== undefined ? `; "${end}" is not read` : ""
      }): a date is known from 00:00 ${
        tz === "UTC" ? "UTC" : `in ${tz} (the time zone naive times are read in)`
      }; several rows of one date with different ${knownCol} are versions, all kept`,
    );
  }
  const lag = options.knownLagMs ?? 0;
  if (!(lag >= 0)) throw new RangeError(`knownLagMs must be >= 0, not ${lag}`);
  if (lag > 0 && knownCol) {
    fail(
      path,
      `the file has a known_at column ("${knownCol}"): a known-at lag is for files without one`,
      "known_at",
      options.dataset,
    );
  }

  // Value columns.
  const priceCols: Partial<Record<typeof PRICE_FIELDS[number] | "volume", string>> = {};
  let valueCols: string[] = [];
  if (kind === "bars") {
    for (const f of [...PRICE_FIELDS, "volume"] as const) {
      const c = col(f, [f], false);
      if (c) priceCols[f] = c;
    }
    // A bars dataset needs a close (backtests, features and returns read it): without one the
    // file is refused before anything lands, naming the columns nothing was mapped to.
    if (!priceCols.close) {
      const mapped = new Set<string>(
        [...Object.values(used).flat(), ...Object.values(priceCols)].filter((
          c,
        ): c is string => typeof c === "string"),
      );
      const unmapped = table.columns.filter((c) => !mapped.has(c) && !skip.has(c));
      failMapping(
        path,
        `a bars dataset needs a close, and no column was found for it (looked for close; ${
          unmapped.length
            ? `columns not mapped: ${unmapped.join(", ")}`
            : `every column is mapped: ${table.columns.join(", ")}`
        }): map it with --map close=<column>${
          unmapped.length === 1 ? ` (e.g. --map close=${unmapped[0]})` : ""
        }, or load one value per time with --kind series`,
        "close",
        options.dataset,
      );
    }
    const ohl = (["open", "high", "low"] as const).filter((f) => priceCols[f]);
    if (fromReturns && ohl.length) {
      throw new ReturnsOptionError(
        `Cannot ingest ${
          basename(path)
        }: --from-returns cumulates one return per row into a close; the file also maps ${
          ohl.map((f) => `${f}=${priceCols[f]}`).join(", ")
        }, whose levels cannot be derived from the returns of the close: leave them out (--skip-column) or load the returns as --kind series`,
        { dataset: options.dataset },
      );
    }
  } else if (options.wide) {
    const taken = new Set([timeCol, symbolCol, knownCol].filter((c): c is string => !!c));
    valueCols = table.columns.filter((c) => !taken.has(c) && !skip.has(c));
    // An index column is not a series: left out when it holds row numbers, else refused.
    for (const c of [...valueCols]) {
      if (!UNNAMED.test(c) && c.toLowerCase() !== "index") continue;
      const base = indexBase(table.cells.get(c)!, new Set(table.bad.map((b) => b.row)));
      if (base !== null) {
        valueCols = valueCols.filter((v) => v !== c);
        notes.push(
          `column "${c}" holds the row numbers ${base}..${
            table.rows - 1 + base
          } (an index written by pandas to_csv or R write.csv): left out, not read as a series`,
        );
      } else if (UNNAMED.test(c)) {
        const ex = table.cells.get(c)!.find((v) => v !== null);
        fail(
          path,
          `column "${c}" has no name in the header (an index written by pandas to_csv or R write.csv?) and holds ${
            ex === undefined ? "only blanks" : `values such as "${String(ex).slice(0, 30)}"`
          }, not row numbers; in a wide file every column is read as a series named after it: pass --skip-column "${c}" to leave it out${
            timeCol ? "" : `, or --map ts="${c}" if it holds the dates`
          }`,
          c,
          options.dataset,
        );
      }
    }
    if (valueCols.length === 0) fail(path, "a wide file needs at least one value column");
    used.series = valueCols;
  } else {
    let v = col("value", ["value"], false);
    if (v === undefined) {
      // One column left besides the time, symbol and known_at columns: it is the value.
      const taken = new Set([timeCol, symbolCol, knownCol].filter((c): c is string => !!c));
      const rest = table.columns.filter((c) => !taken.has(c) && !skip.has(c));
      if (rest.length === 1) {
        v = used.value = rest[0]!;
        notes.push(
          `column "${v}" read as the value (the file's only column besides ${
            timeCol ? `the time column "${timeCol}"` : "the dates from --start"
          }${symbolCol ? ` and the symbol` : ""}; --map value=<column> to choose another)`,
        );
      } else v = col("value", ["value"], true)!;
    }
    valueCols = [v];
  }
  const usedSet = new Set<string>(
    [...Object.values(used).flat(), ...Object.values(priceCols)].filter((c): c is string =>
      typeof c === "string"
    ),
  );
  const ignoredColumns = table.columns.filter((c) => !usedSet.has(c) && !timeParts.includes(c));

  const thousands = options.thousands;
  if (thousands !== undefined) {
    if (!(THOUSANDS_SEPARATORS as readonly string[]).includes(thousands)) {
      throw new RangeError(
        `Unknown thousands separator "${thousands}": expected one of ${
          THOUSANDS_SEPARATORS.map((c) => `"${c}"`).join(", ")
        }`,
      );
    }
    if (thousands === (decimalComma ? "," : ".")) {
      throw new RangeError(
        `The thousands separator "${thousands}" is the decimal mark${
          decimalComma ? " (--decimal-comma)" : " (pass --decimal-comma for 1.234,5)"
        }`,
      );
    }
  }
  // Thousands separators not declared: a number column whose values (nearly) all fail to read
  // and are grouped in threes by a separator (10.084,50) is refused naming --thousands; a few
  // such values get a note (their rows are quarantined not_a_number).
  if (thousands === undefined) {
    const numeric = kind === "bars"
      ? Object.values(priceCols).filter((c): c is string => !!c)
      : valueCols;
    const seps = THOUSANDS_SEPARATORS.filter((c) => c !== (decimalComma ? "," : "."));
    for (const c of numeric) {
      let nonNull = 0, failed = 0;
      const grouped = new Map<string, number>();
      let example = "";
      for (const v of table.cells.get(c)!) {
        const n = parseNumberCell(v, decimalComma);
        if (n === null) continue;
        nonNull++;
        if (typeof n === "number") continue;
        failed++;
        const t = String(v).trim();
        // 1,234 without --decimal-comma: a decimal comma or a thousands separator; the
        // decimal-comma check below refuses it naming both.
        if (!decimalComma && DECIMAL_COMMA.test(t)) continue;
        const sep = seps.find((x) => t.includes(x) && thousandsRegex(x, decimalComma).test(t));
        if (sep !== undefined) {
          grouped.set(sep, (grouped.get(sep) ?? 0) + 1);
          example ||= t;
        }
      }
      if (grouped.size === 0) continue;
      const [sep] = [...grouped].sort((a, b) => b[1] - a[1])[0]!;
      const read = Number(
        example.split(sep).join("").replace(decimalComma ? "," : ".", "."),
      );
      const what =
        `column "${c}" holds numbers with '${sep}' separating thousands (e.g. "${example}"; ${failed} of its ${nonNull} values do not read as numbers): pass --thousands ${
          sep === " " || sep === "'" ? `"${sep}"` : sep
        } to read "${example}" as ${read}`;
      if (failed >= 0.9 * nonNull) failMapping(path, `${what}; nothing landed`, c, options.dataset);
      notes.push(`${what} (without it those rows are quarantined not_a_number)`);
    }
  }

  // Decimal commas: read only when asked; otherwise refuse, naming a column and a value.
  if (!decimalComma) {
    const numeric = kind === "bars"
      ? Object.values(priceCols).filter((c): c is string => !!c)
      : valueCols;
    for (const c of numeric) {
      const cells = table.cells.get(c)!;
      const r = cells.findIndex((v) => typeof v === "string" && DECIMAL_COMMA.test(v.trim()));
      if (r >= 0) {
        const v = String(cells[r]).trim();
        fail(
          path,
          `column "${c}" holds numbers with a decimal comma (e.g. "${v}" on data row ${
            r + 1
          }): pass --decimal-comma to read "${v}" as ${
            Number(v.replace(",", "."))
          } (if ',' separates thousands there instead, pass --thousands ,)`,
          c,
          options.dataset,
        );
      }
    }
  }

  // Time parsing mode: a bare-integer column is never guessed.
  const timeCells = timeCol ? table.cells.get(timeCol)! : null;
  if (timeCells && !options.timeUnit && timeFormat === "iso") {
    let ints = 0, nonNull = 0;
    for (const v of timeCells) {
      if (v === null) continue;
      nonNull++;
      if (
        typeof v === "number" || typeof v === "bigint" ||
        (typeof v === "string" && isIntegerText(v))
      ) ints++;
    }
    if (nonNull > 0 && ints === nonNull) {
      const ex = timeCells.find((v) => v !== null);
      fail(
        path,
        `time column "${timeCol}" holds bare integers (e.g. ${String(ex)}): pass --time-unit ${
          TIME_UNITS.join("|")
        } for epoch times, or --time-format with a pattern such as %Y%m%d for compact dates${
          timeCells.every((v) => v === null || /^[12]\d{3}$/.test(String(v)))
            ? " (years such as these: --time-format %Y --freq year)"
            : ""
        }`,
        "ts",
      );
    }
  }
  // Quarter text (pandas PeriodIndex 1959Q1; 1959-Q1, 1959 Q1, 1959q1): quarters, --freq
  // quarter derived when not given, refused with another --freq.
  if (timeCells && !options.timeUnit && timeFormat === "iso") {
    let quarters = 0, nonNull = 0;
    let ex = "";
    for (const v of timeCells) {
      if (v === null) continue;
      nonNull++;
      if (typeof v === "string" && quarterTextDate(v) !== null) {
        quarters++;
        ex ||= v.trim();
      }
    }
    if (nonNull > 0 && quarters >= 0.9 * nonNull) {
      if ((options.freq ?? options.timeframe) === undefined) {
        freq = "quarter";
        notes.push(
          `time column "${timeCol}" holds quarters (e.g. ${ex} -> ${
            quarterTextDate(ex)
          }): --freq quarter`,
        );
      } else if (freq !== "quarter") {
        failMapping(
          path,
          `time column "${timeCol}" holds quarters (e.g. ${ex}): pass --freq quarter (or leave --freq out), not --freq ${freq}; nothing landed`,
          "ts",
          options.dataset,
        );
      }
    }
  }
  // %m read with --freq quarter from values that are quarter numbers (1959Q3 read by %YQ%m as
  // March): every month 1-4 and some 2 or 3 (no quarter starts there): refused, naming %q.
  if (
    pattern && timeCells && freq === "quarter" && /%m/.test(timeFormat) &&
    !/%d/.test(timeFormat)
  ) {
    const months = new Set<number>();
    for (const v of timeCells) {
      if (v === null || typeof v === "boolean") continue;
      const p = pattern(String(v), tz);
      if (p !== null) months.add(+p.date.slice(5, 7));
    }
    if (months.size > 0 && [...months].every((m) => m <= 4) && (months.has(2) || months.has(3))) {
      failMapping(
        path,
        `--time-format ${timeFormat} with --freq quarter reads months ${
          [...months].sort((a, b) => a - b).join(", ")
        } only: these are quarter numbers 1-4, not months (%m would put Q2 and Q3 in the first quarter and Q4 in the second); pass --time-format ${
          timeFormat.replace("%m", "%q")
        } (%q: quarter 1-4); nothing landed`,
        "ts",
        options.dataset,
      );
    }
  }
  // Day and month the wrong way round: some rows fail the pattern, and the pattern with %d and
  // %m swapped reads every row. Refused before anything lands: the rows with day <= 12 would
  // otherwise land on wrong dates (7 January for 1 July) and the others be quarantined.
  if (pattern && timeCells && timeFormat.includes("%d") && timeFormat.includes("%m")) {
    const swapped = timeFormat.replace(/%d|%m/g, (d) => (d === "%d" ? "%m" : "%d"));
    const other = patternParser(swapped, freq);
    const fits = new Map<string, [boolean, boolean]>();
    let both = 0, onlySwapped = 0, neither = 0, rows = 0;
    for (const v of timeCells) {
      if (v === null || typeof v === "boolean") continue;
      const t = String(v);
      let f = fits.get(t);
      if (!f) fits.set(t, f = [pattern(t, tz) !== null, other(t, tz) !== null]);
      rows++;
      if (f[0] && f[1]) both++;
      else if (f[1]) onlySwapped++;
      else if (!f[0]) neither++;
    }
    if (onlySwapped > 0 && neither === 0) {
      const ex = timeCells.find((v) => v !== null && fits.get(String(v))?.[0] === false);
      failMapping(
        path,
        `--time-format ${timeFormat} does not read ${onlySwapped} of the ${rows} times (e.g. "${
          String(ex)
        }") but ${swapped} reads them all: ${both} rows parse with both (on other dates unless day = month), ${onlySwapped} only with ${swapped}: did you mean --time-format ${swapped}? Nothing landed`,
        "ts",
        options.dataset,
      );
    }
  }
  const parseTime = (v: Cell): ParsedTime | { code: ReasonCode; detail: string } => {
    const bad = (detail: string) => ({ code: "unparseable_time" as const, detail });
    if (v === null) return bad("blank time");
    if (typeof v === "boolean") return bad(`boolean ${v}`);
    if (options.timeUnit) {
      const ms = epochToMs(v, options.timeUnit);
      if (!Number.isFinite(ms)) return bad(`${String(v)} is not an epoch in ${options.timeUnit}`);
      // Daily (and slower) epochs are UTC instants dated as ISO ones are (below): their UTC date,
      // or the date the pass before the rows found for them.
      if (daily) {
        return { ms, date: dateOverride.get(epochKey(ms)) ?? isoDay(Math.floor(ms / MS_PER_DAY)) };
      }
      return { ms, date: dateInZone(ms, tz) };
    }
    if (timeFormat === "decimal-year") {
      const d = typeof v === "bigint"
        ? decimalYearToDate(Number(v), freq)
        : decimalYearToDate(v, freq);
      if (d === null) return bad(`${String(v)} is not a decimal year`);
      return { ms: NaN, date: d };
    }
    const text = String(v);
    if (pattern) {
      const pt = pattern(text, tz);
      if (pt !== null) return pt;
      const wall = pattern(text, "UTC");
      const gap = wall === null ? null : dstGapText(wall.ms, tz);
      return bad(
        gap === null
          ? `"${text}" does not match ${timeFormat}`
          : `"${text}" is no wall time in ${tz}: ${gap}; use UTC times or times with an offset`,
      );
    }
    if (typeof v !== "string" || isIntegerText(text)) {
      return bad(`bare number ${text}: epoch times need --time-unit`);
    }
    const iso = parseIsoTime(text, tz);
    if (iso === null) {
      const q = quarterTextDate(text);
      if (q !== null && freq === "quarter") return { ms: NaN, date: q };
      const wall = parseIsoTime(text, "UTC");
      const gap = wall === null ? null : dstGapText(wall.ms, tz);
      if (gap !== null) {
        return bad(
          `"${text}" is no wall time in ${tz}: ${gap}; use UTC times or times with an offset`,
        );
      }
      return bad(
        `"${text.slice(0, 40)}" is not an ISO date/date-time (or not a wall time in ${tz})`,
      );
    }
    const zoned = dateOverride.get(text);
    return zoned === undefined ? iso : { ms: iso.ms, date: zoned };
  };

  // Checks on the whole time column before anything lands.
  const dateOverride = new Map<string, string>();
  let zonedMoved = 0, zonedExample = "";
  // Daily times read at the FX roll (--stamped or their weekdays); close stamps kept on their date.
  let rollRead = false, closeKept = 0, closeKeptExample = "";
  if (timeCells) {
    // A time format that reads (nearly) no row: refused, not quarantined row by row.
    const seenText = new Map<string, boolean>();
    let nonBlank = 0, unread = 0;
    let unreadExample: string | undefined;
    for (const v of timeCells) {
      if (v === null) continue;
      nonBlank++;
      const key = typeof v === "bigint" ? `${v}n` : `${typeof v}:${String(v)}`;
      let okTime = seenText.get(key);
      if (okTime === undefined) seenText.set(key, okTime = !("code" in parseTime(v)));
      if (!okTime) {
        unread++;
        unreadExample ??= String(v);
      }
    }
    if (nonBlank > 0 && unread >= Math.max(1, 0.9 * nonBlank)) {
      const samples = [
        ...new Set(
          timeCells.filter((v): v is string => typeof v === "string").slice(0, 1000),
        ),
      ];
      const guesses = timeFormat === "iso" && !options.timeUnit ? guessTimeFormats(samples) : [];
      failMapping(
        path,
        `the time column "${timeCol}" reads as no time on ${unread} of its ${nonBlank} non-blank rows (e.g. "${
          unreadExample!.slice(0, 40)
        }") with ${
          options.timeUnit ? `--time-unit ${options.timeUnit}` : `--time-format ${timeFormat}`
        }: ${
          timeFormatAdvice(guesses, ", or --map ts= another column")
        }; nothing landed (a file whose times mostly read is kept, its odd bad rows quarantined)`,
        "ts",
        options.dataset,
      );
    }
    // R's time() of a ts of frequency N: year + k/N. Only N = 4 and 12 are calendar periods
    // (quarters, months); 365/366 are days of the year. Any other N (248 or 260 trading days,
    // 52 weeks: 52 x 7 = 364 days) is an index, not a date: refused before anything lands.
    if (timeFormat === "decimal-year") {
      const xs: number[] = [];
      for (const v of timeCells) {
        if (v === null || typeof v === "boolean") continue;
        const x = Number(typeof v === "bigint" ? Number(v) : v);
        if (Number.isFinite(x)) xs.push(x);
      }
      // Whole decimal years (statsmodels sunspots: 1700.0, 1701.0, ...) are yearly data: read
      // as daily they would be 1 January of each year checked against sessions (1926-2008 on
      // nyse landing as a daily series, the rest quarantined). Without --freq, --freq year is
      // derived with a note; another --freq is refused before anything lands.
      const distinct = new Set(xs);
      if (
        distinct.size >= 2 && xs.every((x) => Number.isInteger(x)) && freq !== "year"
      ) {
        const ex = Math.min(...xs);
        const exText = String(timeCells.find((v) => v !== null && Number(v) === ex) ?? ex);
        if ((options.freq ?? options.timeframe) === undefined) {
          freq = "year";
          notes.push(
            `the decimal years in "${timeCol}" are whole years (e.g. ${exText} -> ${ex}-01-01): yearly data, --freq year`,
          );
        } else {
          failMapping(
            path,
            `the decimal years in "${timeCol}" are whole years (e.g. ${exText}): yearly data, pass --freq year (or leave --freq out), not --freq ${freq}; nothing landed`,
            "ts",
            options.dataset,
          );
        }
      }
      const n = decimalYearGrid(xs);
      const coarse = freq === "month" || freq === "quarter" || freq === "year";
      if (n !== null && n !== 365 && n !== 366 && !((n === 4 || n === 12) && coarse)) {
        const first = Math.min(...xs);
        failMapping(
          path,
          `the decimal years in "${timeCol}" step by 1/${n} of a year (e.g. ${first}, ${
            first + 1 / n
          }): R's time() of a ts of frequency ${n}, ${
            n === 4 || n === 12
              ? `quarters or months: pass --freq ${n === 4 ? "quarter" : "month"}`
              : `${
                n === 52
                  ? "weeks (52 weeks are 364 days, so k/52 of a year is no calendar week)"
                  : "trading days or another index"
              }, not calendar dates (k/${n} of a year is no day of the calendar: read as a fraction of 365 days the rows would land on weekends and run past the real end); nothing landed: load it without dates by position, --skip-column "${timeCol}" --start <the first row's real date> --freq ${
                n === 52 ? "week" : "session --calendar <the market's calendar>"
              } (and --end <the last row's date> to check the count), as README shows for EuStockMarkets`
          }`,
          "ts",
          options.dataset,
        );
      }
    }
    // Daily (and slower) data stamped as UTC instants (Parquet TIMESTAMPTZ of DuckDB/Spark,
    // "...T23:00:00+00:00" text): an instant has no local date. At 00:00 UTC it is a date stored
    // as UTC midnight (the date as written); otherwise its date is taken in --tz, or without
    // --tz in the calendar's zone when that puts it at local midnight; at the session close of
    // its UTC date (a close stamp) it keeps that date; in the afternoon or evening UTC it could
    // be midnight east of UTC (a day later): refused, naming --tz.
    const unit = options.timeUnit;
    if (daily && (unit !== undefined || timeFormat === "iso")) {
      let unexplained = 0, unexplainedExample = "", unexplainedMs = NaN;
      const done = new Set<string>();
      // An ISO text's UTC minutes as written, or an epoch's (its text is the key of its date).
      const instantOf = (v: Cell): { key: string; mins: number | null; ms: number } | null => {
        if (v === null || typeof v === "boolean") return null;
        if (unit !== undefined) {
          const ms = epochToMs(v, unit);
          if (!Number.isFinite(ms)) return null;
          return { key: epochKey(ms), mins: utcMinutesOf(ms), ms };
        }
        if (typeof v !== "string") return null;
        const p = parseIsoTime(v, "UTC");
        return p ? { key: v, mins: utcWrittenMinutes(v), ms: p.ms } : null;
      };
      const shown = (v: Cell, ms: number) =>
        unit === undefined
          ? String(v).trim()
          : `${String(v).trim()} (${new Date(ms).toISOString()})`;
      // FX daily candles at the 17:00 New York roll (21:00Z in US summer time, 22:00Z in
      // winter), whatever --tz says: stamped at the candle's open (OANDA dailyAlignment=17:
      // stamps on Sundays, none on Fridays) the row is the session that candle closes, the New
      // York date + 1 day; stamped at its close (Fridays, no Sundays) the New York date.
      // --stamped decides; neither pattern without it exits 2; off calendar fx exits 2 naming it.
      const rollMs = new Map<string, number>(), rollCell = new Map<string, Cell>();
      for (const v of timeCells) {
        const inst = instantOf(v);
        if (inst === null) continue;
        if (inst.mins === null || wallClock(inst.ms, FX_ROLL_ZONE).minutes !== FX_ROLL_MINUTE) {
          rollMs.clear();
          break;
        }
        rollMs.set(inst.key, inst.ms);
        rollCell.set(inst.key, v);
      }
      if (rollMs.size > 0) {
        let sundays = 0, fridays = 0, rollExample = "";
        for (const [key, ms] of rollMs) {
          const wd = wallClock(ms, FX_ROLL_ZONE).weekday;
          if (wd === 0) sundays++;
          if (wd === 5) fridays++;
          rollExample ||= shown(rollCell.get(key)!, ms);
        }
        const signature = sundays > 0 && fridays === 0
          ? "open"
          : fridays > 0 && sundays === 0
          ? "close"
          : null;
        const rollDate = (ms: number, how: "open" | "close") =>
          isoDay(dayOfIso(dateInZone(ms, FX_ROLL_ZONE)) + (how === "open" ? 1 : 0));
        const what = `${rollMs.size} distinct daily time${
          rollMs.size === 1 ? "" : "s"
        } in "${timeCol}" (e.g. ${rollExample}) ${
          rollMs.size === 1 ? "is" : "are"
        } at the 17:00 New York FX roll (21:00Z in US summer time, 22:00Z in winter)`;
        const seen = `stamps on ${sundays} Sunday${sundays === 1 ? "" : "s"} and ${fridays} Friday${
          fridays === 1 ? "" : "s"
        }`;
        const readings =
          "--stamped open (candles stamped at their open, OANDA's daily alignment: each row is the session the candle closes, the New York date + 1 day) or --stamped close (stamped at their close: the New York date)";
        const tzAgrees = options.tz !== undefined && signature !== null &&
          [...rollMs.values()].every((ms) =>
            dateInZone(ms, options.tz!) === rollDate(ms, signature)
          );
        if (cal.name !== "fx" && options.stamped === undefined && !tzAgrees) {
          failMapping(
            path,
            `${what}: FX daily candles, whose trading day ends at that roll, not ${cal.name} dates (${seen}${
              signature ? `: stamped at each candle's ${signature}` : ""
            }); nothing landed: pass --calendar fx, or, keeping --calendar ${cal.name}, ${readings}`,
            "ts",
            options.dataset,
          );
        }
        if (cal.name === "fx" || options.stamped !== undefined) {
          const how = options.stamped ?? signature;
          if (how === null) {
            failMapping(
              path,
              `${what}, but the rows show neither vendor pattern (${seen}; candles stamped at their open fall on Sundays and never Fridays, at their close on Fridays and never Sundays): which trading day each row is cannot be told; nothing landed: pass ${readings}`,
              "ts",
              options.dataset,
            );
          }
          rollRead = true;
          let example = "";
          for (const [key, ms] of rollMs) {
            const d = rollDate(ms, how);
            example ||= `${shown(rollCell.get(key)!, ms)} -> ${d}`;
            if (d !== isoDay(Math.floor(ms / MS_PER_DAY))) dateOverride.set(key, d);
          }
          const tzDiffers = options.tz !== undefined &&
            [...rollMs.values()].some((ms) => dateInZone(ms, options.tz!) !== rollDate(ms, how));
          notes.push(
            `${what}: read as candles stamped at their ${how} (${
              options.stamped !== undefined ? `--stamped ${how}` : `${seen}`
            }), ${
              how === "open"
                ? "each row the session its candle closes, the New York date + 1 day"
                : "each row the New York date of its stamp"
            } (e.g. ${example})${
              tzDiffers ? `, not the dates in --tz ${options.tz}` : ""
            }; if your vendor stamps the other end pass --stamped ${
              how === "open" ? "close" : "open"
            }`,
          );
        }
      }
      // Read at the roll above: no other rule dates them.
      for (const v of rollRead ? [] : timeCells) {
        const inst = instantOf(v);
        if (inst === null || done.has(inst.key)) continue;
        done.add(inst.key);
        const mins = inst.mins;
        if (mins === null || mins === 0) continue;
        const p = { ms: inst.ms, date: isoDay(Math.floor(inst.ms / MS_PER_DAY)) };
        const key = inst.key;
        let d: string | null = null;
        if (options.tz !== undefined) d = dateInZone(p.ms, options.tz);
        else if (wallClock(p.ms, cal.timeZone).minutes === 0) d = dateInZone(p.ms, cal.timeZone);
        else if (cal.sessionBounds(p.date)?.close.getTime() === p.ms) {
          d = p.date;
          if (closeKept++ === 0) closeKeptExample = shown(v, p.ms);
        } else if (mins >= 12 * 60) {
          unexplained++;
          if (!unexplainedExample) {
            unexplainedExample = shown(v, p.ms);
            unexplainedMs = p.ms;
          }
          continue;
        } else d = p.date;
        if (d !== p.date) {
          dateOverride.set(key, d);
          zonedMoved++;
          zonedExample ||= `${shown(v, p.ms)} -> ${d}`;
        }
      }
      if (unexplained > 0) {
        const ms = unexplainedMs;
        const east = 1440 - utcMinutesOf(ms);
        const eastText = `UTC+${String(Math.floor(east / 60)).padStart(2, "0")}:${
          String(east % 60).padStart(2, "0")
        }`;
        const zone = MIDNIGHT_ZONES.find((z) => {
          for (const v of timeCells) {
            const inst = instantOf(v);
            if (inst === null || inst.mins === null || inst.mins === 0) continue;
            if (wallClock(inst.ms, z).minutes !== 0) return false;
          }
          return true;
        });
        failMapping(
          path,
          `${unexplained} distinct ${freq === "session" ? "daily" : freq} time${
            unexplained === 1 ? "" : "s"
          } in "${timeCol}" ${
            unexplained === 1 ? "is a UTC instant" : "are UTC instants"
          } in the afternoon or evening (e.g. ${unexplainedExample}), not midnight in the ${cal.name} calendar's zone (${cal.timeZone}) nor its session close: a UTC instant has no local date, and read as written each row would land on the UTC date, a day early if the stamp is midnight in a zone east of UTC (${unexplainedExample} is ${
            isoDay(Math.floor(ms / MS_PER_DAY) + 1)
          } 00:00 at ${eastText}); nothing landed: pass --tz with the zone whose dates the rows are${
            zone ? ` (every such time is midnight in ${zone}: --tz ${zone})` : ""
          }, or --tz UTC if the UTC dates as written are right`,
          "ts",
          options.dataset,
        );
      }
      if (closeKept > 0) {
        notes.push(
          `${closeKept} distinct daily time${
            closeKept === 1 ? " is a UTC instant" : "s are UTC instants"
          } at the ${cal.name} session close of their UTC date (e.g. ${closeKeptExample}): close stamps, dated on that date`,
        );
      }
      if (zonedMoved > 0) {
        notes.push(
          `${zonedMoved} distinct ${freq === "session" ? "daily" : freq} time${
            zonedMoved === 1 ? " is a UTC instant" : "s are UTC instants"
          } away from midnight: dated in ${
            options.tz !== undefined
              ? `--tz ${options.tz}`
              : `the ${cal.name} calendar's zone ${cal.timeZone}, where they are midnight`
          } (e.g. ${zonedExample}), not on their UTC date`,
        );
      }
    }
  }

  if (options.stamped !== undefined && !rollRead) {
    failMapping(
      path,
      `--stamped ${options.stamped} reads daily times at the 17:00 New York FX roll (21:00Z in US summer time, 22:00Z in winter), and ${
        daily ? `the times in "${timeCol ?? "ts"}" are not all there` : `--freq ${freq} is intraday`
      }; nothing landed: drop --stamped`,
      "ts",
      options.dataset,
    );
  }
  const generated = options.start !== undefined
    ? generateDates(options.start, freq as DateFreq, table.rows, cal)
    : null;
  let lastRow: IngestFileSummary["lastRow"] = null;
  if (generated && generated.length > 0) {
    lastRow = { row: generated.length, date: generated[generated.length - 1]! };
    const what = freq === "session" ? `${cal.name} sessions` : `${freq}s`;
    if (options.end !== undefined) {
      // The source may have skipped periods the calendar has (another market's holidays): rows
      // placed by position then drift, and the last row lands before the date it was taken.
      const want = countPeriods(options.start!, options.end, freq as DateFreq, cal);
      if (want !== table.rows) {
        const endIsPeriod = freq !== "session" || cal.isSession(options.end);
        failMapping(
          path,
          `--end ${options.end}: the file has ${table.rows} rows but the ${what} from ${options.start} to ${options.end} number ${want}${
            endIsPeriod ? "" : ` (${options.end} is not a ${cal.name} session)`
          }; placed by position the last row would land on ${lastRow.date}, ${
            Math.abs(want - table.rows)
          } ${freq === "session" ? "session" : freq}${
            Math.abs(want - table.rows) === 1 ? "" : "s"
          } ${table.rows < want ? "before" : "after"} --end: the source ${
            table.rows < want
              ? "skipped periods the calendar has (another market's holidays?)"
              : "has rows on days the calendar lacks"
          } or rows are missing or extra; nothing landed: pick the calendar the data was recorded on, or use a file with dates`,
          "ts",
          options.dataset,
        );
      }
      notes.push(
        `row ${lastRow.row} -> ${lastRow.date} = --end: the ${table.rows} rows are the ${what} from ${options.start} to ${options.end}`,
      );
    } else {
      notes.push(
        `row ${lastRow.row} -> ${lastRow.date} (rows placed by position on the ${what} from ${options.start}); pass --end with the last row's real date to check the count`,
      );
    }
  }

  // Units: one per file row, or per row and series column for a wide file. In a wide file the
  // blanks of a column before its first value and after its last are periods when the series was
  // not listed (a stock that starts later): no unit, counted in notListed.
  const units: Unit[] = [];
  const symCells = symbolCol ? table.cells.get(symbolCol)! : null;
  const badRows = new Map(table.bad.map((b) => [b.row, b]));
  // A row whose every field is blank (Excel's trailing ",,,,,") is no data row: skipped, counted
  // in a note. With --start (rows placed by position) only trailing ones: others hold a period.
  const emptyRows = emptyRowsOf(table, badRows, options.start !== undefined);
  if (emptyRows.size > 0) {
    notes.push(
      `${emptyRows.size} empty row${emptyRows.size === 1 ? "" : "s"} (every field blank, e.g. row ${
        [...emptyRows].reduce((a, b) => Math.min(a, b)) + 1
      }; Excel writes ",,,,," for a trailing row) skipped: neither landed nor quarantined`,
    );
  }
  const notListed: IngestFileSummary["notListed"] = { rows: 0, bySymbol: {} };
  const span = new Map<string, [number, number]>();
  if (options.wide) {
    const dateOfRow = (r: number): string | null => {
      if (generated) return generated[r] ?? null;
      const v = timeCells![r]!;
      const p = parseTime(v);
      return "code" in p ? (v === null ? null : String(v)) : p.date;
    };
    for (const c of valueCols) {
      const cells = table.cells.get(c)!;
      const has = (r: number) =>
        !badRows.has(r) && parseNumberCell(cells[r]!, decimalComma, thousands) !== null;
      let first = 0, last = table.rows - 1;
      while (first < table.rows && !has(first)) first++;
      while (last >= first && !has(last)) last--;
      span.set(c, [first, last]);
      const blank = (from: number, to: number) => {
        let n = 0;
        for (let r = from; r < to; r++) if (!badRows.has(r) && !emptyRows.has(r)) n++;
        return n;
      };
      const before = blank(0, first), after = blank(last + 1, table.rows);
      if (before + after === 0) continue;
      notListed.rows += before + after;
      notListed.bySymbol[c] = {
        before,
        after,
        first: first <= last ? dateOfRow(first) : null,
        last: first <= last ? dateOfRow(last) : null,
      };
    }
  }
  // "." alone is FRED's documented marker for no observation (DGS10 on a federal holiday): no
  // unit, counted in a note, neither landed nor quarantined (a blank or NA still is quarantined
  // as missing_value; with --from-returns a missing return breaks the levels: quarantined too).
  let dotRows = 0, dotExample = "";
  const noObservation = (r: number, c: string | null, sym: string): boolean => {
    if (kind !== "series" || fromReturns || c === null || badRows.has(r)) return false;
    const raw = table.cells.get(c)![r];
    if (typeof raw !== "string" || raw.trim() !== ".") return false;
    if (dotRows++ === 0) {
      const tc = generated ? generated[r] : timeCells?.[r];
      dotExample = `${sym}${tc === undefined || tc === null ? "" : ` on ${String(tc)}`}`;
    }
    return true;
  };
  for (let r = 0; r < table.rows; r++) {
    if (emptyRows.has(r)) continue;
    if (options.wide) {
      for (const c of valueCols) {
        const [first, last] = span.get(c)!;
        if ((r < first || r > last) && !badRows.has(r)) continue;
        if (noObservation(r, c, c)) continue;
        units.push({ row: r, symbol: c, valueCol: c });
      }
    } else {
      const s = symCells ? symCells[r] : options.symbol ?? null;
      if (
        noObservation(
          r,
          valueCols[0] ?? null,
          s === null || s === undefined ? "" : String(s).trim(),
        )
      ) continue;
      units.push({
        row: r,
        symbol: s === null || s === undefined ? "" : String(s).trim(),
        valueCol: valueCols[0] ?? null,
      });
    }
  }
  // Validate.
  const reasons: Partial<Record<ReasonCode, number>> = {};
  const q: { unit: Unit; code: ReasonCode; detail: string }[] = [];
  // --from-returns: the time key of the unit being validated (undefined until its time parses),
  // and per symbol where quarantined returns break the chain of levels.
  let curKey: number | string | undefined;
  const breaks = new Map<string, { byKey?: ChainBreak; byRow?: ChainBreak }>();
  // --from-returns: every return read per symbol with its time key (kept or not), for the
  // plausibility check (returnsPlausibility) before anything lands.
  const readReturns = new Map<string, [number | string, number][]>();
  const noteReturn = (unit: Unit, n: number) => {
    if (!fromReturns || curKey === undefined) return;
    let a = readReturns.get(unit.symbol);
    if (!a) readReturns.set(unit.symbol, a = []);
    a.push([curKey, n]);
  };
  const reject = (unit: Unit, code: ReasonCode, detail: string) => {
    q.push({ unit, code, detail });
    reasons[code] = (reasons[code] ?? 0) + 1;
    if (fromReturns && unit.symbol) {
      let b = breaks.get(unit.symbol);
      if (!b) breaks.set(unit.symbol, b = {});
      const what = `${
        curKey === undefined
          ? `file row ${unit.row + 1}`
          : typeof curKey === "number"
          ? new Date(curKey).toISOString()
          : curKey
      } (${code})`;
      if (curKey !== undefined) {
        if (!b.byKey || curKey < b.byKey.key!) b.byKey = { key: curKey, row: unit.row, what };
      } else if (!b.byRow || unit.row < b.byRow.row) b.byRow = { row: unit.row, what };
    }
  };
  const ok: number[] = [];
  const outTime = new Float64Array(units.length); // epoch ms (intraday) or day label index
  const outDate: string[] = new Array(units.length);
  const outKnown = new Float64Array(units.length);
  const outVals: Record<string, (number | null)[]> = {
    open: [],
    high: [],
    low: [],
    close: [],
    volume: [],
    value: [],
  };
  const vals = Object.fromEntries(
    Object.keys(outVals).map((k) => [k, new Array<number | null>(units.length).fill(null)]),
  ) as Record<string, (number | null)[]>;
  const knownCells = knownCol ? table.cells.get(knownCol)! : null;
  // Per symbol, the unit of each key's first valid row; later valid rows of a key are collected
  // with it (dupGroups: first unit -> its key's units in file order) and settled after the loop.
  const seen = new Map<string, Map<number | string, number>>();
  const dupGroups = new Map<number, number[]>();
  let firstBack = "";
  const last = new Map<string, number | string>();
  const timeCache = new Map<Cell, ReturnType<typeof parseTime>>();
  // Dates moved to their period's first day (weekly: the Monday of the ISO week).
  let moved = 0;
  let movedExample = "";
  // Rows of a --freq day series on dates that are not sessions of the calendar (holidays,
  // weekends): kept, counted in a note.
  let offSession = 0;
  let offSessionExample = "";
  const offSessionOf = new Map<number, string>();
  // Weekly and slower data is not session data: the calendar only dates its known_at, so its
  // range check is the widest one (calendar none's); a period the calendar cannot place a last
  // session in is known at the period's end (periodKnownAt), counted in a note.
  const periodData = (PERIOD_FREQS as readonly string[]).includes(freq);
  const widest = getCalendar("none");
  const [lo, hi] = periodData ? [widest.firstDate, widest.lastDate] : [cal.firstDate, cal.lastDate];
  let offCalendar = 0;
  let offCalendarExample = "";
  const calFirstDay = dayOfIso(cal.firstDate), calLastDay = dayOfIso(cal.lastDate);
  // A period known at its end because the calendar cannot tell its last session.
  const notePeriod = (label: string, known: number) => {
    if (
      (dayOfIso(label) < calFirstDay || periodLastDay(label, freq as DateFreq) > calLastDay) &&
      known === periodEndMs(label, freq as DateFreq, cal.timeZone)
    ) {
      if (offCalendar++ === 0) offCalendarExample = label;
    }
  };
  let outsideExample = "";
  const checkDate = (d: string): { code: ReasonCode; detail: string } | null => {
    if (d < lo || d > hi) {
      if (!outsideExample) outsideExample = d;
      return {
        code: "outside_range",
        detail: periodData
          ? `${d} outside ${lo}..${hi}, the dates any calendar covers`
          : `${d} outside the ${cal.name} calendar ${lo}..${hi}`,
      };
    }
    return null;
  };

  // Naive times (wall time in tz): counted, and for intraday data kept to test other zones.
  const naiveCell = (v: Cell): boolean =>
    !options.timeUnit && timeFormat !== "decimal-year" && v !== null &&
    typeof v !== "boolean" && (pattern !== null || (typeof v === "string" && isNaiveIso(v)));
  let naiveRows = 0, naiveOff = 0;
  const naiveUnits: number[] = [];
  let afterFx = 0, afterFxExample = "";
  // DST fall-back in naive intraday times: a wall time the zone shows twice. Per symbol in file
  // order, a run of such rows whose clock steps back once inside the repeated hour holds both
  // passes (pandas tz_localize(ambiguous="infer")): the rows from the step back on are the second
  // pass (standard time). A run that steps back more than once, never (one pass: which one cannot
  // be told) or out of order with the symbol's rows around it is quarantined as
  // ambiguous_local_time. foldOf: unit -> the second pass's instant, or the quarantine detail.
  const foldOf = new Map<number, number | string>();
  let foldSecond = 0, foldChange = "";
  if (!daily && timeCells && !generated && tz !== "UTC" && tz !== "Etc/UTC") {
    const foldCache = new Map<string, WallFold | null>();
    const bySymbol = new Map<
      string,
      { u: number; ms: number; wall: number; fold: WallFold | null }[]
    >();
    for (let u = 0; u < units.length; u++) {
      const unit = units[u]!;
      if (badRows.has(unit.row) || !unit.symbol) continue;
      const cell = timeCells[unit.row]!;
      let pt = timeCache.get(cell);
      if (pt === undefined) {
        pt = parseTime(cell);
        if (typeof cell === "string" || typeof cell === "number") timeCache.set(cell, pt);
      }
      if ("code" in pt) continue;
      let fold: WallFold | null = null, wall = NaN;
      if (naiveCell(cell)) {
        const text = String(cell);
        const w = pattern ? pattern(text, "UTC") : parseIsoTime(text, "UTC");
        if (w !== null) {
          wall = w.ms;
          fold = foldCache.get(text) ?? null;
          if (!foldCache.has(text)) foldCache.set(text, fold = wallFold(wall, tz));
        }
      }
      let seq = bySymbol.get(unit.symbol);
      if (!seq) bySymbol.set(unit.symbol, seq = []);
      seq.push({ u, ms: pt.ms, wall, fold });
    }
    for (const [symbol, seq] of bySymbol) {
      seq.sort((a, b) => units[a.u]!.row - units[b.u]!.row);
      for (let i = 0; i < seq.length;) {
        const change = seq[i]!.fold?.change;
        if (change === undefined) {
          i++;
          continue;
        }
        let j = i + 1;
        while (j < seq.length && seq[j]!.fold?.change === change) j++;
        const steps: number[] = [];
        for (let k = i + 1; k < j; k++) if (seq[k]!.wall <= seq[k - 1]!.wall) steps.push(k);
        let why = "";
        if (steps.length === 1) {
          const s0 = steps[0]!;
          const before = i > 0 ? seq[i - 1]!.ms : -Infinity;
          const after = j < seq.length ? seq[j]!.ms : Infinity;
          if (seq[i]!.fold!.first > before && seq[j - 1]!.fold!.second < after) {
            for (let k = s0; k < j; k++) foldOf.set(seq[k]!.u, seq[k]!.fold!.second);
            foldSecond += j - s0;
            foldChange ||= change;
          } else why = "the rows around it are not in time order";
        } else {
          why = steps.length === 0
            ? "the file goes through it once, so which pass each row is cannot be told"
            : `the file's clock goes back ${steps.length} times inside it (rows not in time order)`;
        }
        if (why) {
          for (let k = i; k < j; k++) {
            foldOf.set(
              seq[k]!.u,
              `${symbol} ${
                String(timeCells[units[seq[k]!.u]!.row])
              } is ambiguous: ${change}; ${why}; use UTC times or times with an offset`,
            );
          }
        }
        i = j;
      }
    }
  }
  // Rows per symbol and rows holding a price <= 0 (without --from-returns): too many of them
  // and the values are not prices (notPriceSymbols): refused before anything lands.
  const nonPos = new Map<string, NonPositiveCount>();
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    let np = nonPos.get(unit.symbol);
    if (!np) nonPos.set(unit.symbol, np = { rows: 0, nonPositive: 0 });
    np.rows++;
    curKey = undefined;
    const br = badRows.get(unit.row);
    if (br) {
      reject(unit, br.code, br.detail);
      continue;
    }
    if (!unit.symbol) {
      reject(unit, "missing_symbol", "blank symbol");
      continue;
    }
    // Time.
    let key: number | string;
    try {
      if (generated) {
        const d = generated[unit.row]!;
        curKey = d;
        const out = checkDate(d);
        if (out) {
          reject(unit, out.code, out.detail);
          continue;
        }
        outDate[u] = d;
        outKnown[u] = freq === "session"
          ? cal.sessionBounds(d)!.close.getTime()
          : periodKnownAt(d, freq as DateFreq, cal);
        if (periodData) notePeriod(d, outKnown[u]!);
        key = d;
      } else {
        const cell = timeCells![unit.row]!;
        let pt = timeCache.get(cell);
        if (pt === undefined) {
          pt = parseTime(cell);
          if (typeof cell === "string" || typeof cell === "number") timeCache.set(cell, pt);
        }
        if ("code" in pt) {
          reject(unit, pt.code, pt.detail);
          continue;
        }
        const naive = naiveCell(cell);
        if (naive) naiveRows++;
        if (daily) {
          curKey = periodLabel(pt.date, freq as DateFreq);
          const out = checkDate(pt.date);
          if (out) {
            reject(unit, out.code, out.detail);
            continue;
          }
          const label = periodLabel(pt.date, freq as DateFreq);
          if (label !== pt.date && freq !== "session" && freq !== "day") {
            if (moved++ === 0) movedExample = `${pt.date} -> ${label}`;
          }
          if (freq === "session") {
            const b = cal.sessionBounds(label);
            if (!b) {
              reject(unit, "not_a_session", `${label} is not a ${cal.name} session`);
              continue;
            }
            outKnown[u] = b.close.getTime();
          } else {
            outKnown[u] = periodKnownAt(label, freq as DateFreq, cal);
            if (periodData) notePeriod(label, outKnown[u]!);
            if (freq === "day" && cal.name !== "none" && !cal.sessionBounds(label)) {
              offSessionOf.set(u, label);
            }
          }
          outDate[u] = label;
          key = label;
        } else {
          curKey = pt.ms;
          const fold = foldOf.get(u);
          if (typeof fold === "string") {
            reject(unit, "ambiguous_local_time", fold);
            continue;
          }
          if (fold !== undefined) curKey = (pt = { ms: fold, date: dateInZone(fold, tz) }).ms;
          const out = checkDate(dateInZone(pt.ms, cal.timeZone));
          if (out) {
            reject(unit, out.code, out.detail);
            continue;
          }
          if (naive) naiveUnits.push(u);
          if (cal.sessionDateOf(pt.ms) === null) {
            if (naive) naiveOff++;
            const at = new Date(pt.ms).toISOString();
            if (cal.name === "fx" && isAfterFxClose(pt.ms)) {
              if (afterFx++ === 0) afterFxExample = `${String(cell)} (${at})`;
              reject(
                unit,
                "not_a_session",
                `${at} is after the weekly FX close (Fri 17:00 New York), before the Sunday 17:00 open`,
              );
            } else reject(unit, "not_a_session", `${at} is in no ${cal.name} session`);
            continue;
          }
          outTime[u] = pt.ms;
          outKnown[u] = pt.ms + step!;
          key = pt.ms;
        }
      }
    } catch (e) {
      if (e instanceof RangeError) {
        reject(unit, "outside_range", e.message);
        continue;
      }
      throw e;
    }
    // known_at column (series).
    if (knownCells) {
      const kc = knownCells[unit.row]!;
      if (kc !== null) {
        const kt = options.timeUnit
          ? epochToMs(kc as string, options.timeUnit)
          : typeof kc === "string"
          ? parseIsoTime(kc, tz)?.ms ?? NaN
          : NaN;
        if (!Number.isFinite(kt)) {
          reject(unit, "unparseable_time", `known_at ${String(kc)} is not a time`);
          continue;
        }
        outKnown[u] = kt;
      }
    }
    if (lag > 0) outKnown[u] = outKnown[u]! + lag;
    // Values.
    let bad: { code: ReasonCode; detail: string } | null = null;
    if (kind === "bars") {
      // A bar needs every price column the file has: blanks are collected (the detail names them
      // all and what to do), another bad value stops at once.
      const blanks: (typeof PRICE_FIELDS[number])[] = [];
      for (const f of PRICE_FIELDS) {
        const c = priceCols[f];
        if (!c) continue;
        let n = parseNumberCell(table.cells.get(c)![unit.row]!, decimalComma, thousands);
        if (percentReturns && typeof n === "number") n = n / 100;
        if (typeof n === "number") noteReturn(unit, n);
        if (n === null) blanks.push(f);
        else if (typeof n === "object") bad = { code: n.code, detail: `${f}: ${n.detail}` };
        else if (fromReturns === "simple" && n <= -1) {
          bad = {
            code: "not_positive",
            detail: `${f}: simple return ${n} <= -1 (the level would be <= 0)`,
          };
        } else if (!(n > 0) && !fromReturns) {
          bad = { code: "not_positive", detail: `${f} ${n} <= 0` };
          np.nonPositive++;
        } else vals[f]![u] = n;
        if (bad) break;
      }
      if (blanks.length > 0) {
        bad = {
          code: "missing_value",
          detail: blankPricesDetail(blanks, priceCols, bad ? null : vals.close![u] ?? null),
        };
      }
      if (!bad && priceCols.volume) {
        const n = parseNumberCell(
          table.cells.get(priceCols.volume)![unit.row]!,
          decimalComma,
          thousands,
        );
        if (n !== null && typeof n === "object") {
          bad = { code: n.code, detail: `volume: ${n.detail}` };
        } else if (n !== null && n < 0) bad = { code: "negative_volume", detail: `volume ${n}` };
        else vals.volume![u] = n;
      }
      if (!bad) {
        const o = vals.open![u] ?? null, h = vals.high![u] ?? null;
        const l = vals.low![u] ?? null, c = vals.close![u] ?? null;
        const present = [o, h, l, c].filter((x): x is number => x !== null);
        if (h !== null && present.some((x) => h! < x)) {
          bad = { code: "ohlc_inconsistent", detail: `high ${h} below ${Math.max(...present)}` };
        } else if (l !== null && present.some((x) => l! > x)) {
          bad = { code: "ohlc_inconsistent", detail: `low ${l} above ${Math.min(...present)}` };
        }
      }
    } else {
      let n = parseNumberCell(table.cells.get(unit.valueCol!)![unit.row]!, decimalComma, thousands);
      if (percentReturns && typeof n === "number") n = n / 100;
      if (typeof n === "number") noteReturn(unit, n);
      if (n === null) {
        bad = {
          code: "missing_value",
          detail: `${unit.valueCol} is blank${
            fromReturns ? " (a missing return is not taken as 0)" : ""
          }`,
        };
      } else if (typeof n === "object") {
        bad = { code: n.code, detail: `${unit.valueCol}: ${n.detail}` };
      } else if (fromReturns === "simple" && n <= -1) {
        bad = {
          code: "not_positive",
          detail: `${unit.valueCol}: simple return ${n} <= -1 (the level would be <= 0)`,
        };
      } else {
        if (!(n > 0)) np.nonPositive++;
        vals.value![u] = n;
      }
    }
    if (bad) {
      reject(unit, bad.code, bad.detail);
      continue;
    }
    // Key. A later valid row of a key already seen is settled after the loop (same values:
    // duplicate_key; different values: duplicate_conflict), when all the key's rows are known.
    let s = seen.get(unit.symbol);
    if (!s) seen.set(unit.symbol, s = new Map());
    // With a known_at column, rows of one time with different known_at are versions (vintages),
    // not duplicates.
    const dupKey = knownCells ? `${String(key)}@${outKnown[u]}` : key;
    const firstOfKey = s.get(dupKey);
    if (firstOfKey !== undefined) {
      let g = dupGroups.get(firstOfKey);
      if (!g) dupGroups.set(firstOfKey, g = [firstOfKey]);
      g.push(u);
      continue;
    }
    const prev = last.get(unit.symbol);
    if (options.order === "increasing" && prev !== undefined && key < prev) {
      if (!firstBack) firstBack = `row ${unit.row + 1}, ${unit.symbol} ${String(key)}`;
      reject(unit, "not_increasing", `${unit.symbol}: ${String(key)} after ${String(prev)}`);
      continue;
    }
    s.set(dupKey, u);
    last.set(unit.symbol, key);
    ok.push(u);
  }
  curKey = undefined;
  const keyOf = (u: number): number | string => daily ? outDate[u]! : outTime[u]!;
  // --order increasing on a file that is not sorted at all: refused before anything lands.
  const back = reasons.not_increasing ?? 0;
  if (options.order === "increasing" && back > MAX_NOT_INCREASING * units.length) {
    failMapping(
      path,
      `the file is not in increasing time order (${back} of ${units.length} rows go back in time, first at ${firstBack}): sort it or drop --order increasing; nothing landed`,
      "ts",
      options.dataset,
    );
  }
  // Rows of one key: the same values land once (the first; the others duplicate_key); different
  // values are duplicate_conflict, every row of the key, unless keep lands the first or last.
  const unkept = new Set<number>();
  const keptLast: number[] = [];
  let conflictKeys = 0, conflictRows = 0, conflictExample = "";
  const valueFields = kind === "bars" ? ["open", "high", "low", "close", "volume"] : ["value"];
  for (const [first, g] of dupGroups) {
    const unit0 = units[first]!;
    const k = keyOf(first);
    curKey = k;
    const keyText = `${unit0.symbol} ${daily ? k : new Date(k as number).toISOString()}`;
    const rowOf = (u: number) => `row ${units[u]!.row + 1}`;
    const diffs: string[] = [];
    const differ = (name: string, show: (u: number) => string) => {
      const shown = g.map(show);
      if (shown.every((x) => x === shown[0])) return;
      const list = g.slice(0, 4).map((u, i) => `${shown[i]} (${rowOf(u)})`).join(" vs ");
      diffs.push(`${name} ${list}${g.length > 4 ? ` and ${g.length - 4} more` : ""}`);
    };
    for (const f of valueFields) {
      differ(kind === "bars" ? f : unit0.valueCol ?? f, (u) => {
        const v = vals[f]![u];
        return v === null || v === undefined ? "blank" : String(v);
      });
    }
    differ("known_at", (u) => new Date(outKnown[u]!).toISOString());
    if (diffs.length === 0) {
      for (const u of g.slice(1)) {
        reject(units[u]!, "duplicate_key", `${keyText} seen before (${rowOf(first)}, same values)`);
      }
      continue;
    }
    conflictKeys++;
    const what = `${keyText}: ${diffs.join("; ")}`;
    if (!conflictExample) conflictExample = what;
    const kept = options.keep === "first" ? first : options.keep === "last" ? g.at(-1)! : null;
    if (kept !== first) unkept.add(first);
    if (kept !== null && kept !== first) keptLast.push(kept);
    for (const u of g) {
      if (u === kept) continue;
      conflictRows++;
      reject(
        units[u]!,
        "duplicate_conflict",
        `${what}; ${
          kept === null
            ? "none of them landed (fix the file, or --keep first|last)"
            : `kept the ${options.keep} (${rowOf(kept)}, --keep ${options.keep})`
        }`,
      );
    }
  }
  curKey = undefined;
  if (unkept.size > 0 || keptLast.length > 0) {
    const next = ok.filter((u) => !unkept.has(u)).concat(keptLast).sort((a, b) => a - b);
    ok.length = 0;
    for (const u of next) ok.push(u);
  }
  // Counted once the row lands (a quarantined row on a holiday is not "kept").
  for (const u of ok) {
    const off = offSessionOf.get(u);
    if (off !== undefined && offSession++ === 0) offSessionExample = off;
  }

  // --from-returns: rows after a quarantined return of their symbol lose their level (quarantined
  // too), the others get their level cumulated in time order (lib/ingest/user_file_returns.ts).
  let returnsSummary: IngestFileSummary["fromReturns"] = null;
  if (fromReturns) {
    const field = kind === "bars" ? "close" : "value";
    const bySymbol: NonNullable<IngestFileSummary["fromReturns"]>["bySymbol"] = {};
    const kept: number[] = [];
    const dropped = new Map<string, number>();
    for (const u of ok) {
      const unit = units[u]!;
      const b = afterBreak(breaks.get(unit.symbol), keyOf(u), unit.row);
      if (b) {
        // not through reject: a dropped level does not move the break
        q.push({
          unit,
          code: "missing_value",
          detail:
            `level unknown: ${unit.symbol}'s return of ${b.what} was quarantined and every later level needs it`,
        });
        reasons.missing_value = (reasons.missing_value ?? 0) + 1;
        dropped.set(unit.symbol, (dropped.get(unit.symbol) ?? 0) + 1);
      } else kept.push(u);
    }
    ok.length = 0;
    ok.push(...kept);
    const groups = new Map<string, number[]>();
    for (const u of ok) {
      const sym = units[u]!.symbol;
      let g = groups.get(sym);
      if (!g) groups.set(sym, g = []);
      g.push(u);
    }
    for (const g of groups.values()) {
      g.sort((a, b) => {
        const ka = keyOf(a), kb = keyOf(b);
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      });
    }
    // Values that are not returns (levels, gross returns, percent...) refused before anything
    // lands (returnsPlausibility): cumulated, they would make levels of +100% a period.
    const offenders: [string, ReturnsPlausibility][] = [];
    for (const [sym, a] of readReturns) {
      a.sort((x, y) => x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
      const p = returnsPlausibility(a.map((x) => x[1]), freq);
      if (p.kind !== null) offenders.push([sym, p]);
    }
    if (offenders.length > 0) {
      throw new ReturnsOptionError(
        implausibleReturnsMessage(basename(path), fromReturns, freq, percentReturns, offenders),
        { dataset: options.dataset },
      );
    }
    for (const [sym, g] of groups) {
      const r = g.map((u) => vals[field]![u]!);
      const levels = levelsFromReturns(r, fromReturns, returnsBase);
      g.forEach((u, k) => (vals[field]![u] = levels[k]!));
      bySymbol[sym] = {
        first: daily ? outDate[g[0]!]! : new Date(outTime[g[0]!]!).toISOString(),
        firstReturn: r[0]!,
        firstLevel: levels[0]!,
        rowsAfterBreak: dropped.get(sym) ?? 0,
      };
    }
    for (const [sym, n] of dropped) {
      if (bySymbol[sym] === undefined) {
        bySymbol[sym] = { first: "", firstReturn: NaN, firstLevel: NaN, rowsAfterBreak: n };
      }
    }
    returnsSummary = {
      kind: fromReturns,
      base: returnsBase,
      tag: returnsTransformTag(fromReturns, returnsBase, percentReturns),
      bySymbol,
    };
  }

  const warnings: string[] = [];
  let hint: string | null = null;
  if (conflictKeys > 0) {
    const keys = `${conflictKeys} key${conflictKeys === 1 ? "" : "s"} (symbol and ${
      daily ? "date" : "time"
    })`;
    if (options.keep === undefined) {
      warnings.push(
        `${keys} of the file ${
          conflictKeys === 1 ? "has" : "have"
        } rows with different values (e.g. ${conflictExample}): none of their ${conflictRows} rows landed, all quarantined as duplicate_conflict; fix the file and re-run, or choose with --keep first or --keep last (the first or last row of each such key in file order lands)`,
      );
    } else {
      notes.push(
        `${keys} of the file had rows with different values (e.g. ${conflictExample}): the ${options.keep} row of each in file order landed (--keep ${options.keep}), the other ${conflictRows} quarantined as duplicate_conflict`,
      );
    }
  }
  if (moved > 0) {
    const what = freq === "week"
      ? "the Monday of their ISO week"
      : `the first day of their ${freq}`;
    notes.push(
      `${moved} date${
        moved === 1 ? "" : "s"
      } moved to ${what} (e.g. ${movedExample}): a ${freq}ly series is stored on its period's first day, known at the close of the period's last session`,
    );
  }
  if (dotRows > 0) {
    notes.push(
      `${dotRows} value${
        dotRows === 1 ? "" : "s"
      } "." (FRED's marker for no observation, e.g. ${dotExample}): no value on that date, skipped (neither landed nor quarantined)`,
    );
  }
  if (offSession > 0) {
    notes.push(
      `${offSession} row${
        offSession === 1 ? " is" : "s are"
      } on dates that are not ${cal.name} sessions (e.g. ${offSessionExample}, a holiday or weekend): kept as values on those dates (a --freq day series keeps every calendar date; such a row is known at the midnight ending its day, no session closing then); quality counts them as off_calendar_rows; to leave them out, ingest with --freq session (they are quarantined as not_a_session, as daily bars' are)`,
    );
  }
  for (const [sym, n] of Object.entries(notListed.bySymbol)) {
    if (n.first === null) {
      warnings.push(
        `${sym}: no value in any of its ${n.before} rows: nothing landed for it (not quarantined)`,
      );
      continue;
    }
    // File order is usually ascending; a descending file has its leading blanks after the last date.
    const desc = n.last !== null && n.first > n.last;
    const lead = n.before > 0
      ? `${desc ? "after" : "before"} ${n.first} (${n.before} row${n.before === 1 ? "" : "s"})`
      : "";
    const trail = n.after > 0
      ? `${desc ? "before" : "after"} ${n.last} (${n.after} row${n.after === 1 ? "" : "s"})`
      : "";
    notes.push(
      `${sym}: no values ${
        [lead, trail].filter((x) => x).join(" or ")
      }, not listed then: not quarantined, not landed`,
    );
  }
  if (foldSecond > 0) {
    notes.push(
      `${foldSecond} row${
        foldSecond === 1 ? "" : "s"
      } with naive times in a repeated hour (${foldChange}) read as its second pass (standard time): the file's clock goes back inside that hour (as pandas tz_localize(ambiguous="infer"))`,
    );
  }
  if (afterFx > 0) {
    notes.push(
      `${afterFx} row${
        afterFx === 1 ? "" : "s"
      } after the weekly FX close (Fri 17:00 New York), e.g. ${afterFxExample}: quarantined as not_a_session (the fx week runs Sunday 17:00 to Friday 17:00 New York, the 5 pm roll that daily and weekly FX candles are aligned to)`,
    );
  }
  const naiveZone: IngestFileSummary["naiveZone"] = naiveRows > 0
    ? { zone: tz, from: options.tz !== undefined ? "tz" : "calendar", rows: naiveRows }
    : null;
  if (step !== null && naiveOff >= 10 && naiveOff >= 0.01 * naiveUnits.length) {
    const reparse = (t: string, z: string) => pattern ? pattern(t, z) : parseIsoTime(t, z);
    const sample: string[] = [];
    const every = Math.max(1, naiveUnits.length / ZONE_SAMPLE);
    for (let i = 0; i < naiveUnits.length && sample.length < ZONE_SAMPLE; i++) {
      const u = naiveUnits[Math.floor(i * every)];
      if (u === undefined) break;
      sample.push(String(timeCells![units[u]!.row]));
    }
    const fit = suggestZone(sample, reparse, cal, tz);
    if (fit) {
      warnings.push(
        `${naiveOff} of ${naiveUnits.length} rows are in no ${cal.name} session with their naive times read as ${tz}${
          options.tz === undefined ? ` (the ${cal.name} calendar's zone)` : ""
        }; read as ${fit.zone} (${fit.label}), ${fit.off} of a sample of ${sample.length} would be${
          cal.name === "fx" ? " (the hour after the Friday close aside)" : ""
        }: if the file's clock is ${fit.zone}'s, re-run with --tz ${fit.zone} --replace (a hint: no time was shifted)`,
      );
    }
  }
  if (offCalendar > 0) {
    notes.push(
      `${offCalendar} row${
        offCalendar === 1 ? "" : "s"
      } of ${freq}s the ${cal.name} calendar (${cal.firstDate}..${cal.lastDate}) does not cover whole (e.g. ${offCalendarExample}): landed, each known at its ${freq}'s end (midnight after its last day, ${cal.timeZone}) instead of at a last session close the calendar cannot tell`,
    );
  }
  if ((reasons.outside_range ?? 0) > 0 && !periodData) {
    warnings.push(
      `${reasons.outside_range} row${
        reasons.outside_range === 1 ? "" : "s"
      } outside the ${cal.name} calendar's ${cal.firstDate}..${cal.lastDate} (e.g. ${outsideExample}) quarantined as outside_range${
        cal.name === "none"
          ? ""
          : `: for ${
            step === null ? "daily" : "intraday"
          } data from before ${cal.firstDate} (no exchange sessions to check) pass --calendar none (${widest.firstDate}..${widest.lastDate})`
      }${
        step === null
          ? `; if the data is weekly or slower (e.g. whole decimal years such as 1700.0), pass --freq week|month|quarter|year, whose periods are not checked against sessions`
          : ""
      }`,
    );
  }
  if (ok.length === 0 && units.length > 0 && reasons.unparseable_time === units.length) {
    const samples = [
      ...new Set(
        (timeCells ?? []).filter((v): v is string => typeof v === "string").slice(0, 1000),
      ),
    ];
    const guesses = guessTimeFormats(samples);
    const ex = samples[0];
    hint = `no time parsed${
      ex !== undefined ? ` (e.g. "${ex}")` : ""
    } with --time-format ${timeFormat}: ${timeFormatAdvice(guesses)}`;
  }
  if (
    ok.length > 0 && ["week", "month", "quarter", "year"].includes(freq) && !knownCol &&
    lag === 0
  ) {
    const u0 = ok[0]!;
    warnings.push(
      `no known_at column and no --known-lag: each ${freq}'s value is marked known at the close of the period's last session, or at the period's end where the calendar has none (e.g. ${
        outDate[u0]
      } known at ${
        new Date(outKnown[u0]!).toISOString().slice(0, 16).replace("T", " ")
      } UTC); published data is released later: pass --known-lag (e.g. 30d) or a known_at column so that as-of reads do not see values before their release`,
    );
  }

  // Currency and meta.
  const symbols = [...new Set(ok.map((u) => units[u]!.symbol))];
  const storedMeta = (await committedState(
    kind === "bars" ? userBarsSpec(options.dataset, daily) : userSeriesSpec(options.dataset, daily),
    options.root,
  )).spec?.meta;
  let currency: string | null;
  if (options.currency !== undefined) currency = options.currency;
  else if (options.units && unitsClass(options.units) !== "level") currency = null;
  else {
    // FX pair symbols (USD/CHF, USD_CHF, USDCHF, EUR-USD): a pair's price is in its quote
    // currency (USD/CHF 1.19 is CHF per USD), on any calendar; pairs quoting in several
    // currencies get none (one dataset has one currency), with a note naming --currency.
    const quotes = new Set(symbols.map(pairQuoteCurrency));
    const allPairs = symbols.length > 0 && !quotes.has(null);
    const q1 = quotes.size === 1 ? [...quotes][0]! : null;
    const fromPair = allPairs && q1 !== null;
    currency = fromPair ? q1 : allPairs ? null : cal.currency;
    if (allPairs && !fromPair) {
      const qs = [...quotes].sort();
      notes.push(
        `the pair symbols quote in ${qs.slice(0, -1).join(", ")} and ${
          qs.at(-1)
        } (a pair's price is in its quote currency): one dataset has one currency, so none is recorded; ingest each quote currency's pairs separately, or pass --currency <ISO code> (or --currency none to silence this)`,
      );
    }
    // A series with neither --units nor --currency that looks like rates (a calendar meant for
    // them, or yield/rate names) is not taken as prices in the calendar's currency: no
    // currency, units unknown (price-only tasks refuse it, naming --units price).
    const rateLike = kind === "series" && !fromReturns && options.units === undefined &&
        storedMeta?.units === undefined &&
        (storedMeta === undefined || storedMeta.currency === null) &&
        (cal.name === "us_federal" || symbols.some((s) => RATE_NAME.test(s)))
      ? (cal.name === "us_federal"
        ? "the us_federal calendar (government and central-bank series)"
        : `names like yields or rates (${
          symbols.filter((s) => RATE_NAME.test(s)).slice(0, 3).join(", ")
        })`)
      : null;
    if (rateLike !== null && currency !== null) {
      notes.push(
        `no --units on ${rateLike}: not taken as prices in ${currency}; recorded with no currency and units unknown (backtest and export-training refuse it): pass --units percent|bp|rate for yields and rates, or --units price (and --currency ${currency}) if the values are prices`,
      );
      currency = null;
    } else if (currency !== null) {
      notes.push(
        `currency ${currency} (default: ${
          fromPair ? "the quote currency of the pair symbols" : `the ${cal.name} calendar's`
        }): pass --currency <ISO code> (e.g. EUR, CHF, GBP) if the values are in another, or --currency none`,
      );
    }
  }
  if (fromReturns && storedMeta && !options.replace) {
    // Levels cumulated from this file start again at the base: merged into stored rows they
    // would jump. Refused before anything lands.
    throw new ReturnsOptionError(
      `Cannot ingest ${
        basename(path)
      } with --from-returns into user/${options.dataset} without --replace: its levels start again at ${returnsBase} and cannot be merged into the stored rows (${
        storedMeta.transform ?? `units ${unitsLabel(storedMeta)}`
      }); pass --replace to make the dataset hold this file's levels for its symbols`,
      { dataset: options.dataset },
    );
  }
  if (!fromReturns && storedMeta?.transform && !options.replace) {
    throw new ReturnsOptionError(
      `Cannot merge ${
        basename(path)
      } into user/${options.dataset}: it holds index levels derived from returns (${storedMeta.transform}); pass the same --from-returns and --replace, or --replace to store this file's values as read`,
      { dataset: options.dataset },
    );
  }
  const unitsOut = ingestUnits(
    fromReturns ? { ...options, units: "index" } : options,
    kind,
    currency,
    storedMeta?.units,
  );
  if (unitsOut.note) notes.push(unitsOut.note);
  const meta: DatasetMeta = {
    kind,
    calendar: cal.name,
    currency,
    frequency: freq,
    ...(unitsOut.units ? { units: unitsOut.units } : {}),
    ...(returnsSummary ? { transform: returnsSummary.tag } : {}),
  };
  if (returnsSummary) {
    for (const [sym, b] of Object.entries(returnsSummary.bySymbol)) {
      if (b.rowsAfterBreak === 0) continue;
      warnings.push(
        `${sym}: ${b.rowsAfterBreak} row${
          b.rowsAfterBreak === 1 ? "" : "s"
        } after a quarantined return quarantined as missing_value (their levels need it: a missing return is not taken as 0); fix the return in the file (0 if the market was closed that period) and re-run with --replace`,
      );
    }
  } else {
    // A price or index level is > 0: values <= 0 in a series taken as prices (declared, default
    // or unknown units) are likely returns, logs or yields. Bars quarantine them (not_positive).
    // Declared or default price/index units with 5% or more of a symbol's rows <= 0 (and at
    // least 3): not prices at all; refused before anything lands (user_file_units.ts).
    const r = resolveUnits(meta);
    if (!fromReturns && r.units !== null && unitsClass(r.units) === "level") {
      const offenders = notPriceSymbols(nonPos);
      if (offenders.length > 0) {
        throw new NotPricesError(
          notPricesMessage(
            basename(path),
            options.dataset,
            unitsLabel(meta),
            offenders,
            storedMeta !== undefined,
            kind,
          ),
          { dataset: options.dataset },
        );
      }
    }
    if (kind === "series" && (r.units === null || unitsClass(r.units) === "level")) {
      const bySym = new Map<string, number>();
      for (const u of ok) {
        if (!(vals.value![u]! > 0)) {
          const sym = units[u]!.symbol;
          bySym.set(sym, (bySym.get(sym) ?? 0) + 1);
        }
      }
      if (bySym.size > 0) {
        const n = [...bySym.values()].reduce((a, b) => a + b, 0);
        const list = [...bySym].slice(0, 6).map(([k, v]) => `${k} ${v}`).join(", ");
        warnings.push(
          `${n} of the ${ok.length} values landed are <= 0 (${list}${
            bySym.size > 6 ? ", ..." : ""
          }) but the units are ${
            unitsLabel(meta)
          }: a price or index level is > 0; ${NOT_A_PRICE_HINT}`,
        );
      }
    }
  }
  const partitioning = await choosePartitioning(
    options,
    kind,
    daily,
    ["week", "month", "quarter", "year"].includes(freq),
    ok.length,
    daily ? 0 : new Set(ok.map((u) => dateInZone(outTime[u]!, "America/New_York"))).size,
  );
  // A fresh yearly dataset is one folder; one whose first ingest was daily (sunspots read as
  // days before --freq year) keeps its year partitions: one file per year, said in a warning.
  if (freq === "year" && partitioning !== "none") {
    warnings.push(
      `user/${options.dataset} keeps the ${partitioning} partitioning its first ingest recorded: yearly rows land one file per year; to store them in one folder (as a new yearly dataset is), ingest into a new --dataset name`,
    );
  }
  const specOpts = { meta, partitioning };
  const spec = kind === "bars"
    ? userBarsSpec(options.dataset, daily, specOpts)
    : userSeriesSpec(options.dataset, daily, specOpts);
  // The absolute path of the file read (verify --repair names it to ingest again): a path, never
  // the file's contents.
  const sourceUri = pathToFileURL(resolve(path)).href;
  const transformId = `ingest-file@2:${kind}:${freq}${
    returnsSummary ? `:${returnsSummary.tag}` : ""
  }`;

  let write: WriteResult | null = null;
  let stale: StaleRows | null = null;
  let replaced: ReplaceCounts | null = null;
  let versions: VersionCounts | null = null;
  if (ok.length > 0) {
    const time = daily
      ? pl.Series("date", ok.map((u) => outDate[u]!), pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d")
      : pl.Series("ts", ok.map((u) => outTime[u]!), pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      );
    const f64 = (name: string) => pl.Series(name, ok.map((u) => vals[name]![u]!), pl.Float64);
    const out = pl.DataFrame([
      pl.Series("symbol", ok.map((u) => units[u]!.symbol), pl.Utf8),
      time,
      ...(kind === "bars" ? ["open", "high", "low", "close", "volume"].map(f64) : [f64("value")]),
      pl.Series("known_at", ok.map((u) => outKnown[u]!), pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      ),
    ]);
    const wopts = { transformId, sourceUri, root: options.root };
    if (options.replace) {
      // Counted against the stored rows before the replace: the writer's rowsRemoved and
      // rowsWritten count every row of the rewritten partitions, not the keys that changed.
      const counts = await replaceCounts(spec, out, options.root);
      const r = await replaceRows(spec, out, {
        ...wopts,
        where: { column: "symbol", values: symbols },
      });
      replaced = r.noop ? { removed: 0, changed: 0, added: 0, unchanged: out.height } : counts;
      write = r;
    } else {
      stale = await staleRows(spec, out, options.root);
      // Versions (user_file_versions.ts): unchanged rows dropped, revisions known from now.
      const mopts = {
        root: options.root,
        now: options.now ?? new Date(),
        fileKnown: knownCells !== null,
      };
      const merged = await mergeVersions(spec, out, mopts);
      versions = merged.counts;
      write = await writeDataset(spec, merged.rows, wopts);
      // The merge read the stored rows before the write lock: rows the commit found already
      // stored (another ingest committed them meanwhile) are counted as that state has them.
      versions = await countsAtCommit(spec, out, merged.rows, write, mopts) ?? versions;
      warnings.push(...versionWarnings(versions));
      if (stale && write.noop) stale = null; // nothing added: the file only repeats stored rows
      if (stale) {
        const by = Object.entries(stale.bySymbol).map(([k, n]) => `${k} ${n}`).join(", ");
        warnings.push(
          `the file disagrees with the stored rows of ${
            Object.keys(stale.bySymbol).length
          } symbol(s) (changed values or gaps: shifted dates?) and lacks ${stale.rows} stored row${
            stale.rows === 1 ? "" : "s"
          } of them (${by}; e.g. ${stale.example}), which were kept beside the file's rows. To make the dataset hold exactly the file's rows for these symbols, run again with --replace`,
        );
      }
    }
  }
  // Quarantine rows of this dataset written by earlier runs (before this one's are added).
  const earlier = await quarantineRowsOf(options.dataset, options.root);
  // This run's quarantine rows: one unit per file row (and series column): identical rows stay
  // distinct quarantined rows, and loading the same file again quarantines each row once.
  const today = new Date().toISOString().slice(0, 10);
  const payloadOf = new Map<number, string>();
  const rows: QuarantineRow[] = q.map(({ unit, code, detail }) => {
    let payload = payloadOf.get(unit.row);
    if (payload === undefined) {
      const br = badRows.get(unit.row);
      const obj: Record<string, unknown> = br ? br.payload : {};
      if (!br) { for (const c of table.columns) obj[c] = table.cells.get(c)![unit.row]; }
      payload = JSON.stringify(obj, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
      payloadOf.set(unit.row, payload);
    }
    const ref = `${sourceUri}#row=${unit.row + 1}${options.wide ? `&col=${unit.valueCol}` : ""}`;
    return {
      dataset: options.dataset,
      unitId: ref,
      unitStart: today,
      stage: "validate",
      reason: code,
      detail,
      payload,
      payloadRef: ref,
    };
  });
  // Earlier rows whose payload (and series column) this run quarantines again are the same file
  // rows refused again (a repeated run of the same file), not more refused data.
  const thisRun = new Set(rows.map((r) => quarantineKey(r.payload, r.payloadRef)));
  const again = earlier.filter((e) => thisRun.has(quarantineKey(e.payload, e.payloadRef))).length;
  if (q.length > 0 || (options.clearQuarantine && earlier.length > 0)) {
    await writeQuarantine("user", rows, {
      transformId,
      sourceUri,
      root: options.root,
      ...(options.clearQuarantine ? { replaceDataset: options.dataset } : {}),
    });
  }
  return {
    rowsRead: units.length,
    rowsValid: ok.length,
    rowsQuarantined: q.length,
    reasons,
    fileRows: table.rows,
    ignoredColumns,
    usedColumns: used,
    ...(table.delimiter ? { delimiter: table.delimiter } : {}),
    notes,
    warnings,
    hint,
    naiveZone,
    notListed,
    afterFxClose: afterFx > 0 ? { rows: afterFx, example: afterFxExample } : null,
    lastRow,
    stale,
    replaced,
    versions,
    earlierQuarantine: {
      rows: earlier.length - again,
      again,
      cleared: (options.clearQuarantine ?? false) && earlier.length > 0,
    },
    fromReturns: returnsSummary,
    duplicateConflicts: conflictKeys > 0
      ? {
        keys: conflictKeys,
        rows: conflictRows,
        example: conflictExample,
        kept: options.keep ?? null,
      }
      : null,
    emptyRows: emptyRows.size,
    write,
    dataset: spec,
  };
}

/**
 * The detail of a bar row with blank price cells: which are blank, and, when the row has a close,
 * that it does not land (a bar needs every price column the file has) and what to do.
 */
function blankPricesDetail(
  blanks: readonly string[],
  priceCols: Partial<Record<string, string>>,
  close: number | null,
): string {
  const names = blanks.length === 1
    ? blanks[0]!
    : `${blanks.slice(0, -1).join(", ")} and ${blanks.at(-1)}`;
  const are = blanks.length === 1 ? "is" : "are";
  if (close === null) return `${names} ${are} blank`;
  const skip = blanks.map((f) => {
    const c = priceCols[f] ?? f;
    return `--skip-column ${/^[\w.-]+$/.test(c) ? c : `"${c}"`}`;
  }).join(" ");
  return `${names} ${are} blank (the row's close ${close} does not land: a bar needs every price column the file has; fill ${
    blanks.length === 1 ? "it" : "them"
  }, or ${skip} to land the other columns without ${blanks.length === 1 ? "it" : "them"})`;
}

/**
 * Data rows whose every field is blank (Excel's trailing `,,,,,`; a CSV line of only delimiters
 * with too few or too many fields too). With `trailingOnly`, only those after the last row that
 * is not.
 */
function emptyRowsOf(
  table: UserTable,
  badRows: Map<number, UserTable["bad"][number]>,
  trailingOnly: boolean,
): Set<number> {
  const blank = (v: unknown): boolean =>
    v === null || v === undefined || (typeof v === "string" && v.trim() === "") ||
    (Array.isArray(v) && v.every(blank));
  const cols = table.columns.map((c) => table.cells.get(c)!);
  const isEmpty = (r: number): boolean => {
    const b = badRows.get(r);
    if (b) return b.code === "field_count" && Object.values(b.payload).every(blank);
    return cols.every((c) => blank(c[r]));
  };
  const out = new Set<number>();
  if (trailingOnly) {
    for (let r = table.rows - 1; r >= 0 && isEmpty(r); r--) out.add(r);
  } else {
    for (let r = 0; r < table.rows; r++) if (isEmpty(r)) out.add(r);
  }
  return out;
}

/**
 * Stored rows of the file's symbols that the file does not have, for the symbols where the file
 * disagrees with what is stored: it lacks a stored key inside its own span (first to last time
 * of the symbol in the file), or it changes the values of a stored key while lacking some other
 * stored key (the same data with shifted dates: every value moves one period, the first stored
 * date is left behind). A file that only repeats stored rows and adds later ones (an update) is
 * not flagged. After a merge those rows sit beside the file's rows. Null when there are none or
 * the dataset does not exist yet.
 */
async function staleRows(
  spec: DatasetSpec,
  out: pl.DataFrame,
  root: string | undefined,
): Promise<StaleRows | null> {
  const state = await committedState(spec, root);
  if (state.files.length === 0) return null;
  const t = spec.timeColumn;
  const valueCols = out.columns.filter((c) => c !== "symbol" && c !== t && c !== "known_at");
  const symbols = [...new Set(out.getColumn("symbol").toArray() as string[])];
  // The latest version of each stored (symbol, time) (lib/lake versions.ts).
  const stored = latestVersions(
    await readDataset(spec, { root, columns: ["symbol", t, ...valueCols, "known_at"], symbols }),
    spec,
  );
  if (stored.height === 0) return null;
  const keyed = (df: pl.DataFrame) =>
    df.select(
      pl.col("symbol"),
      pl.col(t).cast(t === "date" ? pl.Int32 : pl.Int64).alias("k"),
      ...valueCols.map((c) => pl.col(c).cast(pl.Utf8).fillNull("null").alias(c)),
    );
  const fileRows = keyed(out);
  const storedRows = keyed(stored);
  const spans = fileRows.groupBy("symbol").agg(
    pl.col("k").min().alias("lo"),
    pl.col("k").max().alias("hi"),
  );
  const missing = storedRows.join(fileRows.select("symbol", "k"), {
    on: ["symbol", "k"],
    how: "anti",
  }).join(spans, { on: "symbol" });
  if (missing.height === 0) return null;
  const inside = missing.filter(pl.col("k").gtEq(pl.col("lo")).and(pl.col("k").ltEq(pl.col("hi"))))
    .getColumn("symbol").toArray() as string[];
  const both = storedRows.join(fileRows, { on: ["symbol", "k"], how: "inner" });
  const differs = valueCols.reduce<pl.Expr>(
    (e, c) => e.or(pl.col(c).neq(pl.col(`${c}_right`))),
    pl.lit(false),
  );
  const changed = both.height === 0
    ? []
    : both.filter(differs).getColumn("symbol").toArray() as string[];
  const flagged = new Set([...inside, ...changed]);
  const rows = missing.filter(pl.col("symbol").isIn([...flagged])).sort(["symbol", "k"]);
  if (rows.height === 0) return null;
  const bySymbol: Record<string, number> = {};
  for (const s of rows.getColumn("symbol").toArray() as string[]) {
    bySymbol[s] = (bySymbol[s] ?? 0) + 1;
  }
  const k0 = Number(rows.getColumn("k").get(0));
  const when = t === "date"
    ? new Date(k0 * 86_400_000).toISOString().slice(0, 10)
    : new Date(k0).toISOString();
  return { rows: rows.height, bySymbol, example: `${rows.getColumn("symbol").get(0)} ${when}` };
}

/** {@link ReplaceCounts} of replacing the stored rows of `out`'s symbols by `out`. */
async function replaceCounts(
  spec: DatasetSpec,
  out: pl.DataFrame,
  root: string | undefined,
): Promise<ReplaceCounts> {
  const state = await committedState(spec, root);
  if (state.files.length === 0) return { removed: 0, changed: 0, added: out.height, unchanged: 0 };
  const t = spec.timeColumn;
  const valueCols = out.columns.filter((c) => c !== "symbol" && c !== t);
  const symbols = [...new Set(out.getColumn("symbol").toArray() as string[])];
  const stored = latestVersions(
    await readDataset(spec, { root, columns: ["symbol", t, ...valueCols], symbols }),
    spec,
  );
  const keyed = (df: pl.DataFrame) =>
    df.select(
      pl.col("symbol"),
      pl.col(t).cast(t === "date" ? pl.Int32 : pl.Int64).alias("k"),
      ...valueCols.map((c) =>
        (c === "known_at" ? pl.col(c).cast(pl.Int64) : pl.col(c)).cast(pl.Utf8).fillNull("null")
          .alias(c)
      ),
    );
  const fileRows = keyed(out);
  const storedRows = keyed(stored.filter(pl.col("symbol").isIn(symbols)));
  const both = storedRows.join(fileRows, { on: ["symbol", "k"], how: "inner" });
  const differs = valueCols.reduce<pl.Expr>(
    (e, c) => e.or(pl.col(c).neq(pl.col(`${c}_right`))),
    pl.lit(false),
  );
  const changed = both.height === 0 ? 0 : both.filter(differs).height;
  return {
    removed: storedRows.height - both.height,
    changed,
    added: fileRows.height - both.height,
    unchanged: both.height - changed,
  };
}

/** Payload and payload reference of the rows of `raw/user/quarantine` for a dataset. */
async function quarantineRowsOf(
  dataset: string,
  root: string | undefined,
): Promise<{ payload: string; payloadRef: string }[]> {
  const spec = quarantineSpec("user");
  const state = await committedState(spec, root);
  if (state.files.length === 0) return [];
  const df = (await readDataset(spec, { root, columns: ["dataset", "payload", "payload_ref"] }))
    .filter(pl.col("dataset").eq(pl.lit(dataset)));
  const payload = df.getColumn("payload").toArray() as string[];
  const ref = df.getColumn("payload_ref").toArray() as string[];
  return payload.map((p, i) => ({ payload: p, payloadRef: ref[i] ?? "" }));
}

/** A quarantined row's identity across runs: its payload and, for a wide file, its column. */
function quarantineKey(payload: string, payloadRef: string): string {
  const col = /[#&]col=(.*)$/.exec(payloadRef);
  return `${col ? col[1] : ""}\u0000${payload}`;
}

/** Whether an instant is from Friday 17:00 New York (the fx week's close) to that day's end. */
function isAfterFxClose(ms: number): boolean {
  const w = wallClock(ms, "America/New_York");
  return w.weekday === 5 && w.minutes >= 17 * 60;
}

/**
 * Whether an instant is in the hour after the fx week's close (Friday 17:00-18:00 New York),
 * where vendors still stamp quotes: not counted against a zone by {@link suggestZone}, so that
 * such quotes do not favour the zone an hour east of the file's.
 */
function isFxRollHour(ms: number): boolean {
  const w = wallClock(ms, "America/New_York");
  return w.weekday === 5 && w.minutes >= 17 * 60 && w.minutes < 18 * 60;
}

/** Rows of naive intraday times re-read in other zones by {@link suggestZone}. */
const ZONE_SAMPLE = 2000;

/**
 * Zones tried for naive intraday times that fall outside sessions: common market zones (one per
 * set of equal offsets and summer-time rules), then every whole-hour fixed offset.
 */
const ZONE_CANDIDATES: readonly (readonly [string, string])[] = [
  ["UTC", "UTC"],
  ["Europe/London", "UK time"],
  ["Europe/Berlin", "Central European time, as Europe/Zurich or Europe/Paris"],
  ["Europe/Helsinki", "Eastern European time"],
  ["Europe/Moscow", "Moscow time"],
  ["Asia/Dubai", "UTC+4"],
  ["Asia/Kolkata", "India, UTC+5:30"],
  ["Asia/Singapore", "UTC+8, as Asia/Hong_Kong or Asia/Shanghai"],
  ["Asia/Tokyo", "Japan, UTC+9"],
  ["Australia/Sydney", "Sydney time"],
  ["Pacific/Auckland", "New Zealand time"],
  ["America/Sao_Paulo", "Brasilia time"],
  ["America/New_York", "US Eastern time"],
  ["America/Chicago", "US Central time"],
  ["America/Denver", "US Mountain time"],
  ["America/Los_Angeles", "US Pacific time"],
];

/**
 * The zone in which (nearly) all of `texts` (naive times, read as `tz`) fall inside `cal`'s
 * sessions: the best of {@link ZONE_CANDIDATES}, else of the fixed offsets UTC-12..UTC+14, when
 * at most a third as many texts as in `tz` and at most 2% of them stay outside sessions (a text
 * that is no wall time in the zone counts as outside; on calendar fx a time in the hour after the
 * Friday close does not, {@link isFxRollHour}, but of two zones that fit equally the one with
 * fewer such times is taken). Null when none fits.
 */
function suggestZone(
  texts: readonly string[],
  reparse: (text: string, tz: string) => ParsedTime | null,
  cal: TradingCalendar,
  tz: string,
): { zone: string; label: string; off: number; roll: number; base: number } | null {
  // Texts outside sessions, and those in the hour after the fx close (the tie-break: of two
  // zones an hour apart that both fit, the one placing fewer quotes after the close).
  const outside = (z: string) => {
    let n = 0, roll = 0;
    for (const t of texts) {
      const p = reparse(t, z);
      if (p === null) n++;
      else {
        try {
          if (cal.sessionDateOf(p.ms) !== null) continue;
          if (cal.name === "fx" && isFxRollHour(p.ms)) roll++;
          else n++;
        } catch {
          n++; // outside the calendar's range
        }
      }
    }
    return { n, roll };
  };
  const base = outside(tz).n;
  const fixed: [string, string][] = [];
  for (let h = -12; h <= 14; h++) {
    // Etc/GMT zones have the POSIX sign: Etc/GMT-5 is UTC+5.
    if (h !== 0) {
      fixed.push([
        `Etc/GMT${h > 0 ? "-" : "+"}${Math.abs(h)}`,
        `UTC${h > 0 ? "+" : ""}${h}, no summer time`,
      ]);
    }
  }
  for (const group of [ZONE_CANDIDATES, fixed]) {
    let best: { zone: string; label: string; off: number; roll: number } | null = null;
    for (const [zone, label] of group) {
      if (zone === tz) continue;
      const { n: off, roll } = outside(zone);
      if (best === null || off < best.off || (off === best.off && roll < best.roll)) {
        best = { zone, label, off, roll };
      }
    }
    if (best && best.off * 3 <= base && best.off <= 0.02 * texts.length) return { ...best, base };
  }
  return null;
}

/** A header name given to a column without one (`user_file_read.ts`, pandas' convention). */
const UNNAMED = /^Unnamed: \d+$/;

/**
 * A header field that reads as a data value: a date/time (`isTime`), or a number that is not a
 * plain integer (`335.747`, `-1e-3`; a column may well be named `10` or `2020`).
 */
function looksLikeValue(name: string, isTime: (t: string) => boolean): boolean {
  const t = name.trim();
  return isTime(t) || (NUMBER.test(t) && !/^\d+$/.test(t));
}

/**
 * Why a CSV header line looks like a data row, or null: its first field is a date/time (`isTime`:
 * ISO, or the `--time-format` in use) and every other field a number or NA
 * (`"1980-01-01",838.74`: R `write.zoo` of an unnamed series), or every field is a number and one
 * of them not a plain integer (`306.25`: a file without dates or header). A blank field (named
 * `Unnamed: k`) counts as NA. Integer-only headers (`1,2,5,10`: yield tenors) are names.
 *
 * @example headerLooksLikeData(["1980-01-01", "838.74"], (t) => /^\d{4}-\d\d-\d\d$/.test(t)) // "a date/time then numbers"
 * @example headerLooksLikeData(["Index", "NYSE"], () => false) // null
 */
export function headerLooksLikeData(
  fields: readonly string[],
  isTime: (t: string) => boolean,
): string | null {
  if (fields.length === 0) return null;
  const numOrNa = (f: string) =>
    UNNAMED.test(f) || NUMBER.test(f.trim()) || MISSING.has(f.trim().toLowerCase());
  if (isTime(fields[0]!.trim()) && fields.slice(1).every(numOrNa)) {
    return fields.length === 1 ? "a date/time" : "a date/time then numbers";
  }
  if (
    fields.every(numOrNa) && fields.some((f) => NUMBER.test(f.trim()) && !/^\d+$/.test(f.trim()))
  ) {
    return "numbers only";
  }
  return null;
}

/**
 * Whether a column is a row-number index: every cell an integer and row r holds r + base for a
 * base of 0 (pandas) or 1 (R row names); rows that could not be split (`bad`) are passed over.
 * Returns the base, or null.
 */
function indexBase(cells: Cell[], bad: Set<number>): 0 | 1 | null {
  if (cells.length === 0) return null;
  for (const base of [0, 1] as const) {
    if (
      cells.every((v, r) =>
        bad.has(r) || v !== null && typeof v !== "boolean" &&
          (typeof v === "string" ? isIntegerText(v.trim()) : true) &&
          Number(v) === r + base
      )
    ) return base;
  }
  return null;
}

/**
 * Partitioning from the data's density (module doc), or the one an existing dataset recorded
 * (its committed state: the manifest, or on an `s3://` lake the catalog, read asynchronously).
 */
async function choosePartitioning(
  options: IngestFileOptions,
  kind: "bars" | "series",
  daily: boolean,
  slow: boolean,
  rows: number,
  days: number,
): Promise<"year" | "date" | "none"> {
  const probe = kind === "bars"
    ? userBarsSpec(options.dataset, daily)
    : userSeriesSpec(options.dataset, daily);
  const state = await committedState(probe, options.root);
  const recorded = state.spec?.partitioning ??
    (state.files.some((f) => f.partition.startsWith("date="))
      ? "date"
      : state.files.some((f) => f.partition.startsWith("year="))
      ? "year"
      : state.files.length > 0
      ? "none"
      : undefined);
  if (recorded === "date" || recorded === "year" || recorded === "none") return recorded;
  if (slow) return "none";
  if (daily) return "year";
  return days > 0 && rows / days >= DENSE_ROWS_PER_DAY ? "date" : "year";
}

/** The calendar of an ingest (re-exported for the task). */
export function calendarOf(name: string): TradingCalendar {
  return getCalendar(name);
}
