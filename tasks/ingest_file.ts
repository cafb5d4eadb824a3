/**
 * deno task ingest-file <file.csv|file.parquet> --dataset NAME [options]
 *
 * Loads your own time series (bars: a close column and any of the open/high/low/volume columns; value series, wide files, files
 * without dates) into curated/user/NAME; rows that fail validation go to raw/user/quarantine with
 * a reason code (view ingest_quarantine). Prints counts by reason; exits 1 when more than
 * --max-quarantined of the rows were quarantined (the landed rows are committed all the same)
 * or none landed or rows of one key had different values (duplicate_conflict, without --keep),
 * 2 before anything lands on bad arguments, a column the file lacks (a bars file
 * without a close), a --time-format with day and month swapped, a --start file whose row
 * count disagrees with --end, or --from-returns that cannot apply (other --units, bars with
 * open/high/low, a merge into stored rows without --replace). --from-returns simple|log stores
 * index levels cumulated from a file of returns (lib/ingest/user_file_returns.ts).
 * The logic lives in lib/ingest/user_file.ts.
 */
import { existsSync } from "node:fs";
import {
  defineTask,
  JSON_OPTION,
  jsonOutput,
  missingPathMessage,
  runTask,
  UsageError,
} from "../lib/cli/mod.ts";
import {
  ColumnMappingError,
  DEFAULT_MAX_QUARANTINED,
  ingestBarsFile,
  intervalMs,
  type MappedColumn,
  THOUSANDS_SEPARATORS,
} from "../lib/ingest/user_file.ts";
import {
  DATE_FREQS,
  isValidZone,
  parseDuration,
  PATTERN_DIRECTIVES,
  patternParser,
  TIME_UNITS,
  type TimeUnit,
} from "../lib/ingest/user_file_time.ts";
import { CALENDAR_NAMES, type CalendarName } from "../lib/time/mod.ts";
import { ingestBookTask } from "../lib/ingest/user_book.ts";
import {
  encodingName,
  EXPECTED_EXTENSIONS,
  NotUtf8FileError,
  userFileKind,
} from "../lib/ingest/user_file_read.ts";
import { NotPricesError, UnitsConflictError } from "../lib/ingest/user_file_units.ts";
import { versionCountsText } from "../lib/ingest/user_file_versions.ts";
import {
  DEFAULT_RETURNS_BASE,
  RETURNS_KINDS,
  ReturnsOptionError,
  returnsTransformPhrase,
} from "../lib/ingest/user_file_returns.ts";
import { NOT_A_PRICE_HINT, UNITS, type Units, unitsLabel } from "../lib/lake/units.ts";

const MAPPABLE: readonly MappedColumn[] = [
  "symbol",
  "ts",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "value",
  "known_at",
];

const TASK = defineTask({
  name: "ingest-file",
  summary: "Load your own CSV or Parquet time series into the lake (invalid rows quarantined).",
  positionals: [{
    name: "FILE",
    description: "A .csv, .txt, .csv.gz, .txt.gz or .parquet file",
    required: true,
  }],
  options: {
    dataset: {
      type: "string",
      required: true,
      description: "Dataset name (snake_case): curated/user/NAME",
      example: "msft_daily",
    },
    kind: {
      type: "enum",
      values: ["bars", "series", "book"],
      default: "bars",
      description:
        "bars: a close column and any of the open/high/low/volume columns (a row needs every price column the file has: one blank is quarantined as missing_value; a blank volume lands as null); series: one value per time; book: a LOBSTER message file (its _orderbook_ file beside it)",
    },
    wide: {
      type: "boolean",
      description: "Series only: one series per column, the column name is its symbol",
    },
    freq: {
      type: "string",
      description: `${
        DATE_FREQS.join("|")
      } or an interval like 30m, 1h, 15s (default session for bars, day for series with a time column; series with --start: required, session for trading-day data, day for every calendar day)`,
      example: "30m",
    },
    timeframe: { type: "string", description: "Former name of --freq (day = session)" },
    calendar: {
      type: "enum",
      values: CALENDAR_NAMES,
      default: "nyse",
      description:
        "Calendar for session checks and known_at (weekly and slower data is not checked against sessions; see below)",
    },
    tz: {
      type: "string",
      description:
        "IANA zone of naive times, of intraday epochs' dates, and of daily UTC instants away from 00:00 except at the 17:00 New York FX roll (--stamped) (default: the calendar's zone)",
      example: "UTC",
    },
    stamped: {
      type: "enum",
      values: ["open", "close"],
      description:
        "Daily FX candles at the 17:00 New York roll (21:00Z/22:00Z): stamped at their open (OANDA: the row is the next New York date's session) or close (default: read from the stamps' weekdays)",
    },
    "time-unit": {
      type: "enum",
      values: TIME_UNITS,
      description: "Unit of an epoch time column (a bare integer column without it is an error)",
    },
    "time-format": {
      type: "string",
      default: "iso",
      description:
        "iso, decimal-year (year + fraction of its days; with --freq month/quarter/year the period; whole years such as 1700.0 are --freq year; an R ts index of 1/248, 1/260 or 1/52 of a year is refused), or a strptime pattern (directives below; no day with --freq month/quarter/year; the year alone with --freq year)",
      example: "%Y%m%d%H%M",
    },
    start: {
      type: "date",
      description: "File without a time column: the k-th row is the k-th --freq period from here",
      example: "1991-07-01",
    },
    end: {
      type: "date",
      description:
        "With --start: the date of the file's last row, if you know it; the row count must equal the calendar's periods from --start to --end, else exit 2 before anything lands",
      example: "1999-12-31",
    },
    symbol: { type: "string", description: "Symbol for a file without a symbol column" },
    map: {
      type: "string",
      multiple: true,
      description: `lake_column=FileColumn, lake column one of ${MAPPABLE.join(", ")}`,
      example: "ts=Date",
    },
    currency: {
      type: "string",
      description:
        "ISO 4217 code or none (default: the calendar's, e.g. nyse USD, xetra EUR, lse GBP, or, on any calendar, the quote currency of FX pair symbols such as USD/CHF -> CHF; pairs quoting in several currencies get none; a note says when it was defaulted)",
      example: "EUR",
    },
    units: {
      type: "enum",
      values: UNITS,
      description:
        "What the values are: price|index (tradable levels), percent|bp|rate (rates and yields: no backtest or return labels; quality judges their changes), ratio|count|return|other (neither; return: period returns kept as they are, see --from-returns). Default: bars and series with a currency are prices (a note on every series that defaulted); a series with --currency none, or without --units and --currency on us_federal or with yield/rate names (DGS10, tcm10yd, tbilrate, *_yield, *_rate), has unknown units and no currency (a note; backtest and export-training refuse it until --units is declared). A percent|bp|rate|ratio|count|return|other series has no currency unless --currency says so",
      example: "percent",
    },
    "from-returns": {
      type: "enum",
      values: RETURNS_KINDS,
      description:
        "The values are period returns (simple p_t/p_{t-1}-1 or log ln(p_t/p_{t-1})): store an index level per symbol, units index, starting from --base the period before the first return (first level = base x (1+r1), or base x e^r1); series (long or wide) or close-only bars",
      example: "log",
    },
    "returns-in": {
      type: "enum",
      values: ["fraction", "percent"],
      description:
        "With --from-returns: fraction (0.052 = 5.2%, the default) or percent (5.2 = 5.2%: each value divided by 100)",
      example: "percent",
    },
    base: {
      type: "number",
      description:
        `With --from-returns: the level of the unseen period before each symbol's first return (default ${DEFAULT_RETURNS_BASE})`,
      example: "100",
    },
    order: {
      type: "enum",
      values: ["any", "increasing"],
      default: "any",
      description:
        "increasing: quarantine a row earlier than its symbol's previous row; when more than 10% of the rows are, the file is not sorted: exit 2 before anything lands",
    },
    keep: {
      type: "enum",
      values: ["first", "last"],
      description:
        "Rows of one symbol and date (or time) with different values: land the first or the last in file order, the others quarantined as duplicate_conflict. Default: none of them lands (all duplicate_conflict), with a warning and exit 1. Rows with the same values land once without it (the others duplicate_key)",
    },
    "max-quarantined": {
      type: "number",
      default: DEFAULT_MAX_QUARANTINED,
      min: 0,
      description:
        "Exit 1 when more than this share of rows is quarantined (the rows that landed are committed all the same)",
    },
    delimiter: {
      type: "string",
      description:
        "CSV field delimiter: , ; tab or | (default: detected from the header when it holds only one of them, else ,)",
      example: ";",
    },
    "no-header": {
      type: "boolean",
      description:
        "CSV without a header line (R write.zoo of an unnamed series): the first line is data; columns are named col1, col2, ... by position (--map value=col2); col1 is the time column unless --map ts= or --start",
    },
    encoding: {
      type: "string",
      description:
        "CSV text encoding: utf-8 (default), cp1252 (Windows/Excel ANSI), latin1, or another WHATWG label. Without it a file whose non-ASCII bytes are all invalid UTF-8 (latin-1/cp1252) is refused, exit 2 before anything lands (or re-encode: iconv -f cp1252 -t utf-8); a file with UTF-8 text and a few invalid lines quarantines those lines as not_utf8. .csv.gz and .txt.gz files are gunzipped first",
      example: "cp1252",
    },
    "decimal-comma": {
      type: "boolean",
      description:
        "Numbers use a decimal comma (1628,75 = 1628.75; R write.csv2, European Excel); without it such a column stops the ingest",
    },
    thousands: {
      type: "string",
      description:
        "Thousands separator in numbers: . (10.084,50 with --decimal-comma), , (1,234.5), ' ' or \"'\" (Swiss 10'084.50); removed where it groups digits in threes (pandas read_csv thousands=). Without it a number column of such values stops the ingest, naming the option",
    },
    "skip-column": {
      type: "string",
      multiple: true,
      description:
        'A file column not to read (e.g. an index column "Unnamed: 0"); a header field with no name is called Unnamed: <position>',
      example: "Unnamed: 0",
    },
    replace: {
      type: "boolean",
      description:
        "Replace the dataset's rows of the file's symbols by the file's rows (other symbols untouched; one atomic commit). Without it rows are merged: a stored date the file lacks is kept",
    },
    "known-lag": {
      type: "string",
      description:
        "Release lag added to the derived known_at (N followed by d, h, m or w), for data published after its period ends; not with a known_at column",
      example: "30d",
    },
    "clear-quarantine": {
      type: "boolean",
      description:
        "Remove this dataset's quarantine rows from earlier ingests (its quarantine rows become this run's)",
    },
    json: JSON_OPTION,
  },
  details: `Every row read is landed or quarantined (reason codes: outside_range, not_a_session,
ohlc_inconsistent, not_positive, negative_volume, not_a_number, missing_value, duplicate_key,
duplicate_conflict, not_increasing, unparseable_time, ambiguous_local_time, missing_symbol, field_count, not_utf8);
counts by reason are printed. A row whose every field is blank (Excel's trailing ,,,,,) is no
data row: skipped, counted in a note. Bars: a row needs every price column (open/high/low/close)
the file has; a blank one quarantines the row as missing_value (the detail names --skip-column to
land the other columns without it); a blank volume lands as null. A series value "." alone (FRED's no-observation marker) is skipped, counted in a note. Naive times are wall time in --tz; times with an offset keep it (a daily bar's date is
the date as written), except daily (and slower) UTC instants (Z or +00:00, as Parquet TIMESTAMPTZ
of DuckDB/Spark stores them) away from 00:00: their date is taken in --tz, or without --tz in
the calendar's zone when they are midnight there (midnight Zurich = 23:00 UTC is the next day
on xetra), and a note counts them; at the session close of their UTC date they keep it; at
another afternoon or evening UTC time (a midnight east of UTC?) the ingest exits 2 naming --tz.
Daily times all at the 17:00 New York FX roll (21:00Z in US summer time, 22:00Z in winter) are
FX candles, whatever --tz says: stamped at the candle's open (OANDA; stamps on Sundays, none on
Fridays) a row is the session the candle closes, the New York date + 1 day; stamped at its close
(Fridays, no Sundays) the New York date; a note says which; --stamped open|close decides, and
neither pattern without it exits 2; off --calendar fx such a file exits 2 naming --calendar fx.
A naive time in the hour a DST fall-back repeats is its first pass unless the file's clock goes
back inside that hour (per symbol, in file order: the rows from there on are the second pass, as
pandas tz_localize(ambiguous="infer")); otherwise it is quarantined as ambiguous_local_time.
Daily epochs (--time-unit) are UTC instants under the same rule (at 00:00 UTC: that date).
The zone naive times were read in is printed; when many intraday rows fall
outside sessions and another zone (a common market zone, or a whole-hour offset UTC-12..+14)
would put nearly all of them inside, a warning names that --tz (a hint: nothing is shifted).
Exit codes: 0 landed; 1 more than --max-quarantined quarantined, nothing landed, rows of one key
with different values without --keep (below), or a file that cannot be read as asked; 2, before anything lands, on bad arguments or when the options and the
file disagree: a column the file lacks (no column for value, a --map column not in the file, a
bars file without a close: --map close=<column>), a time column that reads as no time on 90% or
more of its rows (the message guesses a --time-format; an odd bad row is quarantined instead), a
--time-format whose %d and %m are the wrong way round (some rows fail it, the swapped pattern
reads them all), decimal years on a grid of 1/N of a year other than months or quarters (R's
time() of a ts of frequency 248, 260 or 52: an index, not dates; load such a file by position
with --start), daily UTC instants no zone explains (above), a --start series without --freq, a
--start file whose row count is not the calendar's periods from --start to --end, prices <= 0 on 5% or more of a
symbol's rows (see Units), or --order increasing on a file where more than 10% of the rows go
back in time (not sorted: sort it or drop --order increasing). Exit 1 over --max-quarantined does NOT
undo the ingest: the rows that landed are committed (a message on stderr says how many, and how
many were quarantined); re-run with --replace after fixing the file, or raise the threshold.

--time-format patterns (strptime-like, other characters literal):
${PATTERN_DIRECTIVES}.
%m %d %H %M %S take one or two digits before a separator (7/1/1991 reads with %m/%d/%Y), two
when another directive follows (%Y%m%d). A pattern needs a year and %m (or %b) with %d, or %j;
with --freq month or quarter a year and a month; with --freq year the year alone will do.

Header: the first line names the columns. A first line that reads as data (its first field a
date/time, ISO or --time-format, and the others numbers or NA; or only numbers, one not an
integer) is refused (exit 2): R write.zoo writes no header for an unnamed series, and taking
its first observation as the header would lose it. Pass --no-header: every line is a row, the
columns are col1, col2, ... by position, col1 is the time column unless --map ts= or --start,
and --map value=col2 etc. name the others. A --map naming a header field that reads as a date
or a non-integer number is refused the same way. Time column names looked for: ts, timestamp,
time, date, datetime, date_time, time_utc, then Index (R write.zoo) unless it holds row
numbers. A series file with one column besides the time (and symbol) columns reads it as the
value, with a note (forecast::gold's "gold").

A semicolon-delimited file (R write.csv2, European Excel) is detected from its header and said
so; decimal commas are read only with --decimal-comma (without it a number column holding 1,5
stops the ingest with a message naming the column and the option). An index column (pandas
to_csv, R row names: no name in the header, or Unnamed: 0, or index) holding the row numbers is
left out of a wide file with a note; an unnamed column holding anything else stops a wide
ingest, naming --skip-column.

Wide files: the blanks of a column before its first value and after its last (a stock listed
later, or delisted) are periods when the series was not listed: neither landed nor quarantined
nor counted in rows read; a note per symbol says how many and from when. Blanks between a
series' first and last value are quarantined as missing_value.

Files without dates (--start): a series needs --freq (session: the calendar's trading days,
for index closes or yields; day: every calendar day, weekends included); bars default to
session. Rows are placed by position, so a source that skipped days the
calendar has (US Treasury yields follow the bond market, closed on Columbus and Veterans Day)
drifts; a note gives the date the last row lands on, and --end checks the count.

Calendar fx: the week runs Sunday 17:00 to Friday 17:00 New York (the 5 pm roll); intraday rows
stamped Friday 17:00 or later are quarantined as not_a_session and counted as after the weekly
FX close. Daily candles stamped at the roll: at their open (OANDA) the row is the next New York
date's session, at their close the New York date (--stamped; see time above).

Duplicates within the file: rows of one (symbol, date) with the same values land once (the
others are duplicate_key); rows with different values are duplicate_conflict, every one of them
(the detail names the key, the values and their rows), with a warning and exit 1, unless --keep
first|last lands the first or last in file order (the others duplicate_conflict).
Ingesting into an existing dataset merges: a stored (symbol, date) the file also has takes the
file's values, and stored rows the file lacks are kept. When the file lacks stored rows inside its
own date span (the same data with shifted dates, e.g. --start moved by a day), a warning says how
many and names --replace, which makes the dataset hold exactly the file's rows for the file's
symbols (other symbols untouched; one atomic commit: a crash leaves the old rows or the new).

Units (--units) are recorded in the dataset's meta (manifest) and shown by ingest-file, quality,
backtest and export-training. A backtest, return features and return labels need prices: on
percent|bp|rate|ratio|count|other values they are refused (exit 2); on unknown units (a series
with --currency none and no --units, or a dataset ingested before units were recorded) they warn
that the values are taken as prices. quality judges rates by their changes (change_outliers).
A re-ingest keeps the declared units; other --units are refused unless --replace. A series without
a currency and without --units is refused by backtest and export-training (exit 2): declare its
units by ingesting the same file again with --units price (or index, percent...): no row changes,
the new units are recorded. Prices and index levels are > 0: when the units are price or index
(declared or default) and a symbol has 5% or more of its rows (and at least 3) <= 0, the values
are not prices (returns? log levels? yields? changes?): exit 2 before anything lands, naming the
symbols with count and share, --from-returns simple|log and --units percent|rate|other|return. A
real price is <= 0 on rare days at most (WTI futures settled at -37.63 USD on 2020-04-20).
Below 5%, bars quarantine those rows as not_positive and a series lands them with a warning
(counts per symbol); a series of unknown units (no currency, no --units) only warns.

Returns (--from-returns simple|log, --base B default 100): each symbol's values, in time order,
are returns; the lake stores the index level L_k = B x (1+r_1)...(1+r_k) (simple) or
B x exp(r_1+...+r_k) (log): the first row's return is from an unseen base period at level B, so
the first stored level is B x (1+r_1) or B x e^r_1. Units index; the transform is recorded in the
dataset's meta (transform from_returns:log:base=100) and printed. --returns-in percent reads
5.2 as 5.2% (each value / 100; tag ...:percent).
Plausibility (before anything lands, exit 2): per symbol with 5 or more returns, the values are
refused as not returns when fewer than 10% are negative and more than half are >= 0.5 (levels,
or gross returns 1 + r); when they change by under a quarter of their size from one period to
the next (median |x_t - x_t-1| < 0.25 median |x|) and either |median| x periods a year (252,
52, 12, 4, 1) exceeds 1 (cumulative returns, or percent returns of a T-bill) or, with 16 or more
values, median |x_t - x_t-1| x periods a year exceeds 0.005 (half a point of annual rate) and
the changes add up like a random walk (cumulative returns: each change is a period's return of
the asset); or when the median |r| exceeds 0.10 a day (and intraday), 0.15 a week, 0.25 a
month, 0.40 a quarter, 0.60 a year (large values that change by under 0.7 of their size from one
period to the next: cumulative; else, 10% or more negative with median |r| / 100 below that:
percent returns, --returns-in percent). The checks run on the values as they will be
compounded: with --returns-in percent, after each is divided by 100 (so cumulative values read
as percent are still refused).
Real series sit far below (daily Swiss indices 0.001-0.004, weekly NYSE 0.012, monthly small
caps 0.04-0.10). The message names the symbols, what the values look like, and what to pass. A blank or NaN return is
quarantined (missing_value), never taken as 0, and every later row of its symbol too (their
levels need it), with a warning; so is any return quarantined for another reason (a simple return
<= -1 is not_positive). Bars: a close column of returns only (no open/high/low). Into an existing
dataset only with --replace. --units return keeps returns as they are (backtest and
export-training refuse them, naming --from-returns).

Weekly and slower series are stored on the period's first day (weekly: the Monday of the ISO
week); a note says how many dates moved. Their known_at is the close of the period's last session
unless the file has a known_at column or --known-lag adds a release lag (a warning says so).
Quarantine rows of earlier ingests of the dataset stay after a successful re-ingest; the summary
counts those this run did not quarantine again (an earlier row with the same payload is the same
file row refused again: a repeated run of one file does not double the count), and
--clear-quarantine removes them.

Calendar range: session and intraday data (--freq session, day, 30m, ...) outside the calendar's
dates (nyse, fx, lse, xetra, us_federal, crypto, weekdays: 1926-2100; none: 1000-2100) is quarantined as
outside_range, and a warning names --calendar none (and --freq year|... for yearly data such as
decimal years 1700.0). Weekly and slower data (--freq week|month|quarter|year) is not session
data: it lands on any calendar from 1000 to 2100; a period whose last session the calendar
cannot tell (sunspots of 1700 on nyse) is known at the period's end (midnight after its last
day in the calendar's zone) instead of at its last session close, and a note counts such rows.
Days that are not sessions: daily bars (--freq session) quarantine a row on a holiday or weekend
of the calendar as not_a_session; a --freq day series (the default of a series with a time
column) keeps it as a value on
that date, known at the midnight ending the day, and a note counts such rows with an example
(quality reports them as off_calendar_rows); --freq session leaves them out.`,
  examples: [
    "ttrc.csv --dataset ttrc --symbol TTRC --calendar nyse",
    "usdthb.csv --dataset usdthb_30m --symbol USDTHB --freq 30m --calendar fx --tz UTC --map ts=time_utc",
    "tcm.csv --dataset tcm --kind series --wide --time-format decimal-year --freq month --units percent",
    "lpp2005rec_returns.csv --dataset lpp --kind series --wide --calendar weekdays --currency CHF --from-returns log --base 100",
    "sunspots.csv --dataset sunspots --kind series --symbol SUNSPOTS --map ts=YEAR --map value=SUNACTIVITY --time-format decimal-year --freq year --units count",
    "eu.csv --dataset eu_indices --kind series --wide --start 1991-07-01 --freq session --calendar weekdays",
    "eu_csv2.csv --dataset eu_indices --kind series --wide --decimal-comma --start 1991-07-01 --freq session --calendar weekdays",
    "eu.csv --dataset eu_indices --kind series --wide --start 1991-07-02 --freq session --calendar weekdays --replace",
    'ftse.csv --dataset ftse --kind series --symbol FTSE --map value=Close --time-format "%d/%m/%y" --calendar lse',
    "macro.csv --dataset macro_q --kind series --wide --freq quarter --map ts=date --known-lag 30d --currency none",
    "ticks.parquet --dataset spy_1m --freq 1m --time-unit ns --map ts=sip_ts",
    "AAPL_2012-06-21_34200000_57600000_message_10.csv --dataset aapl_book --kind book",
  ],
});

await runTask(TASK, async ({ values, positionals }) => {
  const file = positionals[0]!;
  if (userFileKind(file) === null) throw new UsageError(`${file}: ${EXPECTED_EXTENSIONS}`);
  if (!existsSync(file)) {
    throw new UsageError(`${file}: ${missingPathMessage(file, "no such file")}`);
  }
  if (!/^[a-z][a-z0-9_]*$/.test(values.dataset)) {
    throw new UsageError(`--dataset "${values.dataset}": use snake_case (a-z, 0-9, _)`);
  }
  let delimiter: string | undefined;
  if (values.delimiter !== undefined) {
    const d = values.delimiter.toLowerCase();
    delimiter = d === "tab" || d === "\\t" ? "\t" : values.delimiter;
    if (![",", ";", "\t", "|"].includes(delimiter)) {
      throw new UsageError(`--delimiter "${values.delimiter}": expected , ; tab or |`);
    }
    if (/\.parquet$/i.test(file)) throw new UsageError("--delimiter is for CSV files");
  }
  if (values.encoding !== undefined) {
    if (encodingName(values.encoding) === null) {
      throw new UsageError(
        `--encoding "${values.encoding}": not a text encoding (utf-8, cp1252, latin1, ...)`,
      );
    }
    if (/\.parquet$/i.test(file)) throw new UsageError("--encoding is for CSV files");
  }
  if (values["no-header"] && /\.parquet$/i.test(file)) {
    throw new UsageError("--no-header is for CSV files (Parquet names its columns)");
  }
  if (values.kind === "book") return await ingestBookTask(file, values.dataset, values.symbol);
  const freq = values.freq ?? values.timeframe;
  if (
    freq !== undefined && freq !== "1d" && !(DATE_FREQS as readonly string[]).includes(freq) &&
    intervalMs(freq) === null
  ) {
    throw new UsageError(
      `--freq "${freq}": expected ${DATE_FREQS.join(", ")} or N followed by s, m or h (e.g. 30m)`,
    );
  }
  if (values.tz !== undefined && !isValidZone(values.tz)) {
    throw new UsageError(`--tz "${values.tz}": not an IANA time zone (e.g. UTC, Europe/London)`);
  }
  if (values.thousands !== undefined) {
    if (!(THOUSANDS_SEPARATORS as readonly string[]).includes(values.thousands)) {
      throw new UsageError(
        `--thousands "${values.thousands}": expected one of ${
          THOUSANDS_SEPARATORS.map((c) => `"${c}"`).join(", ")
        }`,
      );
    }
    if (values.thousands === (values["decimal-comma"] ? "," : ".")) {
      throw new UsageError(
        `--thousands "${values.thousands}" is the decimal mark${
          values["decimal-comma"] ? " with --decimal-comma" : ": pass --decimal-comma for 1.234,5"
        }`,
      );
    }
  }
  const tf = values["time-format"];
  if (tf !== "iso" && tf !== "decimal-year") {
    try {
      patternParser(tf, freq ?? (values.kind === "series" ? "day" : "session"));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  let currency: string | null | undefined;
  if (values.currency !== undefined) {
    if (values.currency.toLowerCase() === "none") currency = null;
    else if (Intl.supportedValuesOf("currency").includes(values.currency.toUpperCase())) {
      currency = values.currency.toUpperCase();
    } else throw new UsageError(`--currency "${values.currency}": not an ISO 4217 code or none`);
  }
  if (values.base !== undefined && values["from-returns"] === undefined) {
    throw new UsageError("--base is the starting level of --from-returns");
  }
  if (values["returns-in"] !== undefined && values["from-returns"] === undefined) {
    throw new UsageError("--returns-in says how the returns of --from-returns are written");
  }
  if (values.base !== undefined && !(values.base > 0)) {
    throw new UsageError(`--base ${values.base}: expected a positive number`);
  }
  if (
    values["from-returns"] !== undefined && values.units !== undefined && values.units !== "index"
  ) {
    throw new UsageError(
      `--from-returns stores index levels (units index), not ${values.units}: drop --units ${values.units}`,
    );
  }
  const columns: Partial<Record<MappedColumn, string>> = {};
  for (const m of values.map ?? []) {
    const eq = m.indexOf("=");
    const k = m.slice(0, eq) as MappedColumn;
    if (eq < 1 || !MAPPABLE.includes(k) || eq === m.length - 1) {
      throw new UsageError(
        `--map "${m}": expected lake_column=FileColumn, lake column one of ${MAPPABLE.join(", ")}`,
      );
    }
    columns[k] = m.slice(eq + 1);
  }
  if (values.wide && values.kind !== "series") throw new UsageError("--wide needs --kind series");
  if (values.start !== undefined && columns.ts !== undefined) {
    throw new UsageError("--start is for files without a time column: drop --map ts=...");
  }
  if (values.end !== undefined && values.start === undefined) {
    throw new UsageError("--end is the date of the last row of a file placed with --start");
  }
  if (values.end !== undefined && values.end < values.start!) {
    throw new UsageError(`--end ${values.end} is before --start ${values.start}`);
  }
  if (values.start !== undefined && freq !== undefined && intervalMs(freq) !== null) {
    throw new UsageError(`--start places rows on ${DATE_FREQS.join("|")} periods, not ${freq}`);
  }
  if (tf === "decimal-year" && freq !== undefined && intervalMs(freq) !== null) {
    throw new UsageError(`--time-format decimal-year needs a daily or slower --freq, not ${freq}`);
  }

  let knownLagMs: number | undefined;
  if (values["known-lag"] !== undefined) {
    const ms = parseDuration(values["known-lag"]);
    if (ms === null) {
      throw new UsageError(
        `--known-lag "${values["known-lag"]}": expected N followed by d, h, m or w (e.g. 30d)`,
      );
    }
    knownLagMs = ms;
  }

  const out = jsonOutput(values.json);
  let s: Awaited<ReturnType<typeof ingestBarsFile>>;
  try {
    s = await ingestBarsFile(file, {
      dataset: values.dataset,
      kind: values.kind as "bars" | "series",
      wide: values.wide,
      ...(freq !== undefined ? { freq } : {}),
      calendar: values.calendar as CalendarName,
      ...(values.tz !== undefined ? { tz: values.tz } : {}),
      ...(values["time-unit"] !== undefined ? { timeUnit: values["time-unit"] as TimeUnit } : {}),
      ...(values.stamped !== undefined ? { stamped: values.stamped as "open" | "close" } : {}),
      timeFormat: tf,
      ...(values.start !== undefined ? { start: values.start } : {}),
      ...(values.end !== undefined ? { end: values.end } : {}),
      ...(values.symbol !== undefined ? { symbol: values.symbol } : {}),
      ...(currency !== undefined ? { currency } : {}),
      ...(values.units !== undefined ? { units: values.units as Units } : {}),
      ...(values["from-returns"] !== undefined
        ? {
          fromReturns: values["from-returns"] as "simple" | "log",
          ...(values.base !== undefined ? { returnsBase: values.base } : {}),
          ...(values["returns-in"] !== undefined
            ? { returnsIn: values["returns-in"] as "fraction" | "percent" }
            : {}),
        }
        : {}),
      order: values.order as "any" | "increasing",
      ...(values.keep !== undefined ? { keep: values.keep as "first" | "last" } : {}),
      columns,
      ...(delimiter !== undefined ? { delimiter } : {}),
      ...(values["no-header"] ? { noHeader: true } : {}),
      ...(values.encoding !== undefined ? { encoding: values.encoding } : {}),
      decimalComma: values["decimal-comma"] ?? false,
      ...(values.thousands !== undefined ? { thousands: values.thousands } : {}),
      ...(values["skip-column"] ? { skipColumns: values["skip-column"] } : {}),
      replace: values.replace ?? false,
      ...(knownLagMs !== undefined ? { knownLagMs } : {}),
      clearQuarantine: values["clear-quarantine"] ?? false,
    });
  } catch (e) {
    // The options and the file disagree on a column: a mistake in the call (exit 2, one line).
    if (e instanceof ColumnMappingError) throw new UsageError(e.message);
    if (e instanceof UnitsConflictError) throw new UsageError(e.message);
    if (e instanceof NotPricesError) throw new UsageError(e.message);
    if (e instanceof ReturnsOptionError) throw new UsageError(e.message);
    if (e instanceof NotUtf8FileError) throw new UsageError(e.message);
    throw e;
  }
  const share = s.rowsRead === 0 ? 0 : s.rowsQuarantined / s.rowsRead;
  const m = s.dataset.meta!;
  out.say(`ingest-file ${file} -> curated/user/${values.dataset}`);
  out.say(
    `  ${m.kind}, ${m.frequency}, calendar ${m.calendar}, currency ${m.currency ?? "none"}, units ${
      unitsLabel(m)
    }, ${
      s.dataset.partitioning === "none"
        ? "no partitions (one folder)"
        : `${s.dataset.partitioning} partitions`
    }`,
  );
  out.say(
    `  columns used:     ${
      Object.entries(s.usedColumns).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("|") : v}`)
        .join(", ")
    }`,
  );
  if (s.ignoredColumns.length) {
    out.say(
      `  columns ignored:  ${
        s.ignoredColumns.join(", ")
      } (not read; --map <lake column>=<file column> to use one)`,
    );
  }
  if (s.fromReturns) {
    const fr = s.fromReturns;
    out.say(
      `  transform:        ${returnsTransformPhrase(fr.kind, fr.base)}${
        fr.tag.endsWith(":percent") ? ", returns read in percent (divided by 100)" : ""
      }; meta transform ${fr.tag}`,
    );
    for (const [sym, b] of Object.entries(fr.bySymbol)) {
      if (!b.first) continue;
      out.say(
        `    ${sym}: first row ${b.first}, return ${b.firstReturn} -> level ${b.firstLevel}${
          b.rowsAfterBreak
            ? `; ${b.rowsAfterBreak} rows after a quarantined return quarantined`
            : ""
        }`,
      );
    }
  }
  if (s.naiveZone) {
    out.say(
      `  time zone:        naive times read as ${s.naiveZone.zone} (${
        s.naiveZone.from === "tz" ? "--tz" : `the ${m.calendar} calendar's zone; --tz to change`
      })`,
    );
  }
  if (s.delimiter) {
    out.say(
      `  delimiter:        ${s.delimiter.char === "\t" ? "tab" : `'${s.delimiter.char}'`} (${
        s.delimiter.detected
          ? `detected from the ${values["no-header"] ? "first line" : "header"}`
          : "--delimiter"
      })${values["decimal-comma"] ? ", decimal comma" : ""}`,
    );
  }
  for (const n of s.notes) out.say(`  note: ${n}`);
  out.say(
    `  rows read:        ${s.rowsRead}${
      s.rowsRead !== s.fileRows ? ` (${s.fileRows} file rows)` : ""
    }`,
  );
  if (s.notListed.rows > 0) {
    out.say(
      `  not listed:       ${s.notListed.rows} blank cells before a series' first value or after its last (${
        Object.keys(s.notListed.bySymbol).join(", ")
      }; see the notes): not landed, not quarantined`,
    );
  }
  out.say(
    `  rows landed:      ${s.rowsValid} (${
      s.write?.noop
        ? `already in the lake${s.versions ? `: ${versionCountsText(s.versions)}` : ""}`
        : s.versions
        ? `${s.versions.new + s.versions.revised + s.versions.corrected} new or changed: ${
          versionCountsText(s.versions)
        }`
        : `${
          s.replaced ? s.replaced.added + s.replaced.changed : s.write?.rowsWritten ?? 0
        } new or changed`
    }${s.write ? `, ${s.write.filesAdded.length} files added` : ""})`,
  );
  if (s.replaced) {
    const r = s.replaced;
    out.say(
      `  replace:          ${r.removed} stored row${
        r.removed === 1 ? "" : "s"
      } the file lacks removed; ${r.added} added, ${r.changed} changed, ${r.unchanged} unchanged`,
    );
  }
  out.say(
    `  rows quarantined: ${s.rowsQuarantined} (${(share * 100).toFixed(2)}%)${
      s.rowsQuarantined ? " -> raw/user/quarantine (view ingest_quarantine)" : ""
    }`,
  );
  for (const [r, n] of Object.entries(s.reasons)) {
    out.say(
      `    ${r}: ${n}${
        r === "not_a_session" && s.afterFxClose
          ? ` (${s.afterFxClose.rows} after the weekly FX close, Fri 17:00 New York)`
          : r === "not_positive" && !s.fromReturns
          ? ` (a price must be > 0: ${NOT_A_PRICE_HINT}; a close of returns: --from-returns simple|log with --map close=<column>)`
          : ""
      }`,
    );
  }
  const eq = s.earlierQuarantine;
  const rowsWord = (n: number) => `${n} row${n === 1 ? "" : "s"}`;
  if (eq.cleared) {
    out.say(
      `  earlier quarantine: ${
        rowsWord(eq.rows + eq.again)
      } of earlier ingests of ${values.dataset} removed (--clear-quarantine)${
        eq.again > 0 ? `, ${eq.again} of them rows this run quarantined again` : ""
      }`,
    );
  } else if (eq.rows > 0) {
    out.say(
      `  earlier quarantine: ${
        rowsWord(eq.rows)
      } of earlier ingests of ${values.dataset} that this run did not quarantine again remain in raw/user/quarantine (a successful re-ingest does not remove them)${
        eq.again > 0
          ? `; ${eq.again} more earlier rows are the same file rows this run quarantined again, counted above`
          : ""
      }; see them with deno task query "SELECT reason, count(*) FROM ingest_quarantine WHERE dataset = '${values.dataset}' GROUP BY reason", remove them with --clear-quarantine`,
    );
  } else if (eq.again > 0) {
    out.say(
      `  earlier quarantine: none besides the ${
        rowsWord(eq.again)
      } counted above (earlier ingests of ${values.dataset} quarantined the same file rows)`,
    );
  }
  for (const w of s.warnings) console.error(`ingest-file: warning: ${w}`);
  // Rows of one key with different values and no --keep: one of them is wrong, none landed.
  const conflict = s.duplicateConflicts !== null && s.duplicateConflicts.kept === null;
  const exitCode = s.rowsValid === 0 ? 1 : share > values["max-quarantined"] || conflict ? 1 : 0;
  out.emit({
    task: "ingest-file",
    file,
    dataset: `curated/user/${values.dataset}`,
    kind: m.kind,
    frequency: m.frequency,
    calendar: m.calendar,
    currency: m.currency ?? null,
    units: m.units ?? null,
    transform: m.transform ?? null,
    fromReturns: s.fromReturns,
    partitioning: s.dataset.partitioning,
    usedColumns: s.usedColumns,
    ignoredColumns: s.ignoredColumns,
    delimiter: s.delimiter?.char ?? null,
    delimiterDetected: s.delimiter?.detected ?? null,
    decimalComma: values["decimal-comma"] ?? false,
    notes: s.notes,
    fileRows: s.fileRows,
    rowsRead: s.rowsRead,
    rowsLanded: s.rowsValid,
    rowsWritten: s.write?.rowsWritten ?? 0,
    alreadyInLake: s.write?.noop ?? false,
    filesAdded: s.write?.filesAdded.length ?? 0,
    rowsQuarantined: s.rowsQuarantined,
    quarantinedShare: share,
    reasons: s.reasons,
    warnings: s.warnings,
    hint: s.hint,
    naiveZone: s.naiveZone?.zone ?? null,
    naiveZoneFrom: s.naiveZone?.from ?? null,
    notListedRows: s.notListed.rows,
    notListed: s.notListed.bySymbol,
    afterFxCloseRows: s.afterFxClose?.rows ?? 0,
    duplicateConflicts: s.duplicateConflicts,
    emptyRows: s.emptyRows,
    lastRowDate: s.lastRow?.date ?? null,
    staleRows: s.stale?.rows ?? 0,
    replace: values.replace ?? false,
    rowsRemoved: s.replaced?.removed ?? 0,
    rowsAdded: s.replaced?.added ?? null,
    rowsChanged: s.replaced?.changed ?? null,
    knownLagMs: knownLagMs ?? 0,
    earlierQuarantineRows: eq.rows,
    earlierQuarantineAgain: eq.again,
    earlierQuarantineCleared: eq.cleared,
    exitCode,
  });
  if (s.rowsValid === 0) {
    console.error(
      `ingest-file: no row landed: ${
        s.rowsRead === 0
          ? s.notListed.rows > 0 ? "every value cell is blank" : "the file has no data rows"
          : `all ${s.rowsRead} rows quarantined (raw/user/quarantine)`
      }${s.hint ? `; ${s.hint}` : ""}`,
    );
    return 1;
  }
  if (share > values["max-quarantined"]) {
    console.error(
      `ingest-file: exit 1: ${s.rowsQuarantined} of ${s.rowsRead} rows (${
        (share * 100).toFixed(2)
      }%) quarantined, more than --max-quarantined ${
        values["max-quarantined"]
      }; the ${s.rowsValid} rows landed ARE committed to curated/user/${values.dataset} (fix the file and re-run with --replace, or raise --max-quarantined)`,
    );
    return 1;
  }
  if (conflict) {
    const d = s.duplicateConflicts!;
    console.error(
      `ingest-file: exit 1: ${d.keys} key${d.keys === 1 ? "" : "s"} of the file ${
        d.keys === 1 ? "has" : "have"
      } rows with different values (e.g. ${d.example}): none of those ${d.rows} rows landed (duplicate_conflict); the ${s.rowsValid} other rows landed ARE committed to curated/user/${values.dataset} (fix the file and re-run, or pass --keep first|last)`,
    );
    return 1;
  }
});
