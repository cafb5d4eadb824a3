/**
 * Load a dataset reference into a Polars frame with its calendar, frequency and currency
 * attached: the one way every recipe (`export-training`, `train`, `quality`, `consolidate`,
 * `backtest`) reads its input from the lake.
 *
 * Resolution: `source/dataset` is `curated/source/dataset`; `raw/...`, `curated/...` and
 * `reference/...` name the zone; `view:<name>` is a DuckDB view of `sql/` (lib/query). What a
 * dataset is (kind, calendar, currency, frequency, time column, natural key) comes from its
 * manifest (recorded by the lake writer from the spec's `meta`); for datasets written without
 * it, it is inferred from the producer and name (see `_infer.ts`); the reference's `calendar` and
 * `currency` override both.
 *
 * Reading: the lake's lazy scan (lib/lake `readDataset`): the manifest's committed file list
 * (never a directory listing), files pruned by partition and recorded time range, each file's
 * bytes checked against its recorded sha256 (a mismatch is a DataError), the time, `asOf` and
 * symbol filters pushed into the Parquet scans, lineage columns never decoded. Filters:
 * - `start` / `end`: inclusive dates in the calendar's sense. Date-keyed rows: start <= date <=
 *   end. Intraday rows: the day D spans [day start of D, day start of D + 1), where the day start
 *   is the earlier of local midnight (calendar time zone) and the open of D's session: so the FX
 *   session of D (D-1 17:00 to D 17:00 New York) belongs to D, and NYSE pre-market bars to their
 *   New York date;
 * - `asOf`: only rows with `known_at <= asOf`; a date-only `asOf` means the end of that UTC day
 *   (`YYYY-MM-DDT23:59:59.999Z`); corporate actions are applied only when known by then too. A
 *   versioned dataset (its natural key holds `known_at`: user datasets keep every version of a
 *   row) gives per (symbol, time) the version with the greatest `known_at` among those read: the
 *   one known as of `asOf`, the latest without it (lib/lake `latestVersions`);
 * - `symbols`: rows of these symbols (the dataset's `symbol`, `ticker`, `instrument` or
 *   `series_id` column), matched exactly. A symbol the dataset does not hold in any time range
 *   is a RangeError naming it, with the closest symbol (`"CO2"` -> did you mean `"co2"`?) and
 *   a few of the dataset's symbols with their count; a symbol held but without rows in the
 *   window is not an error.
 *
 * Output frame: `symbol` (renamed from the dataset's symbol column; the dataset's name when it
 * has none), the time column (`date` as pl.Date for daily and slower data, derived from `ts` as
 * the local date of the calendar when the dataset stores only `ts`; else `ts`), the data columns,
 * `known_at`; no lineage. Bars always carry `open, high, low, close, volume` (null where the
 * dataset lacks them: a close-only series keeps null open/high/low/volume, never invented); FX
 * candles without `close` get `open..close` from their `mid_*` prices. Rows sorted by time then
 * symbol.
 *
 * Adjustment (`adjust`): `split` and `total_return` apply the lake's corporate actions (every
 * curated dataset named `splits` or `dividends`, common columns `event_date`, `split_ratio`,
 * `cash_amount`, `known_at`; one action per symbol, date and kind, the first source in the order
 * user, polygon, alphavantage, others winning) with lib/frames `adjustmentFactors` per symbol
 * (backward: the last bar read is unchanged; actions after the last or at/before the first bar
 * read are not applied). Decision for data where adjustment cannot apply: bars on an equity
 * exchange calendar (nyse, lse, xetra) with no corporate-action dataset in the lake at all is a
 * RangeError (an adjusted series would silently be raw); for other calendars (fx, crypto,
 * weekdays, none) and for non-bar kinds no corporate actions can exist, the prices are returned
 * unchanged and `notes` says so.
 *
 * @example
 * ```ts ignore
 * const d = await loadDataset({ source: "lake", dataset: "user/msft_daily", start: "1990-01-02",
 *   adjust: "raw" });
 * d.meta.calendar; d.periodsPerYear; d.frame.height;
 * ```
 */
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { join } from "node:path";
// @deno-types="@types/luxon"
import { DateTime } from "luxon";
import { MS_PER_DAY } from "../core/constants.ts";
import { DataError } from "../core/errors.ts";
import { listDir, sha256Hex } from "../core/fs.ts";
import { adjustmentFactors, type SymbolCorporateAction } from "../frames/adjust.ts";
import { acquireLock } from "../lake/lock.ts";
import type { ManifestFile, ManifestState } from "../lake/manifest.ts";
import { openLake } from "../lake/open.ts";
import { datasetState, readDataset, selectFiles, stateAtVersion } from "../lake/reader.ts";
import { localFiles, remoteOf } from "../lake/store/files.ts";
import {
  type ColumnType,
  datasetDir,
  type DatasetMeta,
  type DatasetSpec,
  KNOWN_AT,
  lakeRoot,
  LINEAGE_COLUMNS,
  metaDir,
  type Zone,
} from "../lake/spec.ts";
import { latestVersions } from "../lake/versions.ts";
import { lossOverlaps, lostNote } from "../lake/verify.ts";
import { recoverDataset } from "../lake/writer.ts";
import { alignTypes } from "../lake/_types.ts";
import { getCalendar, type TradingCalendar } from "../time/trading_calendar.ts";
import { type DatasetRef, DatasetRefSchema } from "./dataset_ref.ts";
import { formatZodIssues } from "../cli/task.ts";
import { inferInterval, inferMeta, quoteCurrency } from "./_infer.ts";
import { isDateFrequency, periodsPerYear } from "./periods.ts";
import { unknownDatasetMessage, unknownSymbolsMessage } from "./_suggest.ts";

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Columns to read (besides symbol and time). @default all but lineage */
  columns?: string[];
  /** Folder of SQL views (for `view:` references). @default the repository's sql/ */
  sqlDir?: string;
  /**
   * Read a dataset (not a view) at this manifest version, not the latest (lib/lake
   * `stateAtVersion`): a reader that reads in several steps sees one state. @default latest
   */
  version?: number;
}

/** A dataset reference, read. */
export interface LoadedDataset {
  /** The reference as resolved (zone/source/dataset or view). */
  ref: DatasetRef;
  /** Display name, e.g. "curated/user/msft_daily" or "view:user_daily_bars". */
  name: string;
  /**
   * Rows sorted by time then symbol; columns `symbol` (a dataset without one gets its single
   * series' name), the time column, the data columns (prices adjusted per `ref.adjust`),
   * `known_at`; no lineage columns.
   */
  frame: pl.DataFrame;
  /** `date` (pl.Date, daily and slower) or `ts` (Datetime ms UTC, intraday). */
  timeColumn: string;
  /** Declared (or inferred for vendor datasets), then overridden by the reference. */
  meta: DatasetMeta;
  /** Periods per year of the frequency on the calendar (annualisation of per-bar returns). */
  periodsPerYear: number;
  /** Lake files read, relative to the lake root, with their sha256 from the manifest. */
  files: { path: string; sha256: string }[];
  /** Stable identifier of exactly the data read: name, filters and a hash of the files. */
  manifest: string;
  /** Corporate actions of the symbols read, from the lake (empty when none are known). */
  corporateActions: SymbolCorporateAction[];
  /** Whether `meta` was declared by the dataset's producer or inferred (old or vendor datasets). */
  metaSource: "declared" | "inferred" | "view";
  /** Things a reader should know (adjustment not applicable, inferred frequency, ...). */
  notes: string[];
}

const ZONES: readonly Zone[] = ["raw", "curated", "reference"];
const SYMBOL_COLUMNS = ["symbol", "ticker", "instrument", "series_id"] as const;
const EQUITY_CALENDARS = new Set(["nyse", "lse", "xetra"]);
const BAR_COLUMNS = ["open", "high", "low", "close", "volume"] as const;
/** Corporate-action sources in priority order (first wins a duplicate action). */
const CA_PRIORITY = ["user", "polygon", "alphavantage"];

/** Parse a reference given as a string or an object; RangeError with one line when malformed. */
export function parseDatasetRef(ref: DatasetRef | string | Record<string, unknown>): DatasetRef {
  const raw = typeof ref === "string" ? { source: "lake", dataset: ref } : ref;
  const r = DatasetRefSchema.safeParse(raw);
  if (!r.success) {
    throw new RangeError(`Invalid dataset reference: ${formatZodIssues(r.error)}`);
  }
  return r.data;
}

/**
 * Every dataset the lake holds (`zone/source/dataset` of the zones raw, curated and reference,
 * those with a manifest; internal ones included), sorted. On an
 * `s3://` lake: those of its catalog as this process last loaded it (`openLake`, which
 * {@link loadDataset} calls first).
 */
export function listLakeDatasets(root?: string): string[] {
  const remote = remoteOf(root);
  if (remote) {
    return [...remote.seen].filter(([, entries]) => entries.length > 0).map(([n]) => n).sort();
  }
  const base = join(lakeRoot(root), "_meta");
  const out: string[] = [];
  // only the zones: `_meta/ingest/` holds the ingest engine's checkpoints, not datasets
  for (const z of listDir(base).filter((e) => e.isDirectory && ZONES.includes(e.name as Zone))) {
    for (const s of listDir(join(base, z.name)).filter((e) => e.isDirectory)) {
      for (const d of listDir(join(base, z.name, s.name)).filter((e) => e.isDirectory)) {
        try {
          Deno.statSync(join(base, z.name, s.name, d.name, "manifest.jsonl"));
          out.push(`${z.name}/${s.name}/${d.name}`);
        } catch { /* no manifest: nothing committed */ }
      }
    }
  }
  return out.sort();
}

/** Zone, source and dataset of a reference's `dataset` string. */
export function resolveDatasetName(name: string): { zone: Zone; source: string; dataset: string } {
  const parts = name.split("/");
  if (parts.length === 2 && parts.every((p) => p)) {
    return { zone: "curated", source: parts[0]!, dataset: parts[1]! };
  }
  if (
    parts.length === 3 && ["raw", "curated", "reference"].includes(parts[0]!) && parts[1] &&
    parts[2]
  ) {
    return { zone: parts[0] as Zone, source: parts[1], dataset: parts[2] };
  }
  throw new RangeError(
    `Invalid dataset "${name}": expected source/dataset, zone/source/dataset (zone raw, curated or reference) or view:<name>`,
  );
}

/** The instant an `asOf` string stands for (module doc); RangeError when unreadable. */
export function asOfInstant(asOf: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? `${asOf}T23:59:59.999Z` : asOf;
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(asOf) || Number.isNaN(ms)) {
    throw new RangeError(`Invalid asOf "${asOf}": expected an ISO date or datetime`);
  }
  return new Date(ms);
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(date + "T00:00:00Z") + n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Epoch ms of a Datetime (ms) column as float64. */
function msOf(s: pl.Series): Float64Array {
  return s.cast(pl.Float64).toTypedArray() as Float64Array;
}

/** Local midnight of a date in a time zone (epoch ms). */
function localMidnightMs(date: string, zone: string): number {
  return DateTime.fromISO(date, { zone }).toMillis();
}

/** Start of day D on a calendar (module doc: the earlier of local midnight and D's open). */
export function dayStartMs(cal: TradingCalendar, date: string): number {
  const mid = localMidnightMs(date, cal.timeZone);
  let open = Infinity;
  try {
    const b = cal.isSession(date) ? cal.sessionBounds(date) : null;
    if (b) open = b.open.getTime();
  } catch { /* outside the calendar's range: local midnight */ }
  return Math.min(mid, open);
}

/** Local dates (calendar time zone) of epoch-ms stamps. */
function localDates(tsMs: Float64Array, zone: string): string[] {
  const cache = new Map<number, string>();
  return Array.from(tsMs, (t) => {
    if (!Number.isFinite(t)) return "";
    let d = cache.get(t);
    if (d === undefined) {
      d = zone === "UTC"
        ? new Date(t).toISOString().slice(0, 10)
        : DateTime.fromMillis(t, { zone }).toISODate()!;
      cache.set(t, d);
    }
    return d;
  });
}

/** Session dates of intraday stamps: the calendar's session, else the local date. */
function sessionDates(tsMs: Float64Array, cal: TradingCalendar): string[] {
  const local = localDates(tsMs, cal.timeZone);
  return Array.from(tsMs, (t, i) => {
    try {
      return cal.sessionDateOf(t) ?? local[i]!;
    } catch {
      return local[i]!;
    }
  });
}

interface Resolved {
  zone: Zone;
  source: string;
  dataset: string;
  state: ManifestState;
  timeColumn: string;
  timeType: ColumnType;
  naturalKey: string[];
}

function resolveSpec(
  name: { zone: Zone; source: string; dataset: string },
  state: ManifestState,
): Resolved {
  const schema = state.schema;
  let timeColumn = state.spec?.timeColumn;
  if (!timeColumn) {
    timeColumn = "ts" in schema && schema.ts === "ts_ms"
      ? "ts"
      : "date" in schema && schema.date === "date"
      ? "date"
      : Object.keys(schema).find((c) =>
        c !== KNOWN_AT && (schema[c] === "date" || schema[c] === "ts_ms")
      );
  }
  if (!timeColumn || !schema[timeColumn]) {
    throw new DataError(
      `Cannot read ${name.zone}/${name.source}/${name.dataset}: no time column in its schema`,
      { source: name.source, dataset: name.dataset },
    );
  }
  const sym = SYMBOL_COLUMNS.find((c) => c in schema);
  return {
    ...name,
    state,
    timeColumn,
    timeType: schema[timeColumn]!,
    naturalKey: state.spec?.naturalKey ?? [...(sym ? [sym] : []), timeColumn],
  };
}

async function ensureRecovered(
  spec: { zone: Zone; source: string; dataset: string },
  root: string,
) {
  if (remoteOf(root)) return; // an s3:// lake: a write is one catalog transaction
  const meta = metaDir(spec, root);
  try {
    Deno.statSync(join(meta, "journal.json"));
  } catch {
    return;
  }
  const release = await acquireLock(meta);
  try {
    await recoverDataset(spec, root);
  } finally {
    release();
  }
}

/** Read the given manifest files of a dataset, verifying each file's sha256. */
async function readFiles(
  r: Resolved,
  files: ManifestFile[],
  root: string,
): Promise<pl.DataFrame | null> {
  const dir = datasetDir(r, root);
  // An s3:// lake: each file fetched into the local cache (checked against its sha256 there).
  const cached = remoteOf(root)
    ? await localFiles(r, files, { root, cached: true }).catch((e) => {
      throw new DataError(
        `Cannot read ${r.zone}/${r.source}/${r.dataset}: ${e instanceof Error ? e.message : e}`,
        { source: r.source, dataset: r.dataset, cause: e },
      );
    })
    : null;
  const frames: pl.DataFrame[] = [];
  for (const [i, f] of files.entries()) {
    const path = cached ? cached[i]! : join(dir, f.partition, f.file);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (e) {
      throw new DataError(
        `Cannot read ${r.zone}/${r.source}/${r.dataset}: file ${f.partition}/${f.file} named by the manifest is missing`,
        { source: r.source, dataset: r.dataset, cause: e },
      );
    }
    const sha = await sha256Hex(bytes);
    if (sha !== f.sha256) {
      throw new DataError(
        `Cannot read ${r.zone}/${r.source}/${r.dataset}: file ${f.partition}/${f.file} has sha256 ${
          sha.slice(0, 16)
        }.. but the manifest records ${f.sha256.slice(0, 16)}..`,
        { source: r.source, dataset: r.dataset },
      );
    }
    frames.push(
      alignTypes(
        pl.readParquet(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)),
        r.state.schema,
      ),
    );
  }
  if (frames.length === 0) return null;
  return frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "diagonal" });
}

const rel = (r: { zone: string; source: string; dataset: string }, f: ManifestFile) =>
  [r.zone, r.source, r.dataset, f.partition, f.file].filter((x) => x).join("/");

/** Corporate actions of the lake for some symbols (module doc), and the files they came from. */
export async function lakeCorporateActions(
  symbols: readonly string[],
  options: { root?: string } = {},
): Promise<
  {
    actions: SymbolCorporateAction[];
    files: { path: string; sha256: string }[];
    datasets: string[];
  }
> {
  const root = lakeRoot(options.root);
  await openLake(root); // an s3:// lake: its catalog state, for the listing and states below
  const names = listLakeDatasets(root).filter((n) =>
    /^curated\/[^/]+\/(splits|dividends)$/.test(n)
  );
  const rank = (n: string) => {
    const k = CA_PRIORITY.indexOf(n.split("/")[1]!);
    return k < 0 ? CA_PRIORITY.length : k;
  };
  names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const want = new Set(symbols);
  const seen = new Set<string>();
  const actions: SymbolCorporateAction[] = [];
  const files: { path: string; sha256: string }[] = [];
  for (const n of names) {
    const [zone, source, dataset] = n.split("/") as [Zone, string, string];
    await ensureRecovered({ zone, source, dataset }, root);
    const state = datasetState({ zone, source, dataset }, root);
    // an empty dataset (e.g. a backfill that found no splits) has no schema and no actions
    if (state.files.length === 0) continue;
    const r = resolveSpec({ zone, source, dataset }, state);
    const df = await readFiles(r, state.files, root);
    files.push(...state.files.map((f) => ({ path: rel(r, f), sha256: f.sha256 })));
    if (!df || df.height === 0) continue;
    const symCol = SYMBOL_COLUMNS.find((c) => df.columns.includes(c));
    if (!symCol || !df.columns.includes("event_date")) continue;
    const sym = df.getColumn(symCol).cast(pl.Utf8).toArray() as string[];
    const date = df.getColumn("event_date").cast(pl.Utf8).toArray() as (string | null)[];
    const num = (c: string) =>
      df.columns.includes(c)
        ? (df.getColumn(c).cast(pl.Float64).toArray() as (number | null)[])
        : new Array<number | null>(df.height).fill(null);
    const ratio = num("split_ratio"), cash = num("cash_amount");
    const known = df.columns.includes(KNOWN_AT)
      ? (df.getColumn(KNOWN_AT).cast(pl.Int64).toArray() as (number | bigint | null)[])
      : new Array<null>(df.height).fill(null);
    for (let i = 0; i < df.height; i++) {
      if (!want.has(sym[i]!) || !date[i]) continue;
      const isSplit = ratio[i] !== null && ratio[i] !== undefined;
      const isDiv = cash[i] !== null && cash[i] !== undefined && cash[i]! > 0;
      const ka = known[i] === null || known[i] === undefined ? undefined : Number(known[i]);
      for (const kind of [isSplit ? "split" : null, isDiv ? "dividend" : null]) {
        if (!kind) continue;
        const key = `${sym[i]}|${date[i]}|${kind}`;
        if (seen.has(key)) continue;
        seen.add(key);
        actions.push({
          symbol: sym[i]!,
          exDate: date[i]!,
          ...(kind === "split" ? { splitRatio: ratio[i]! } : { cashDividend: cash[i]! }),
          ...(ka !== undefined ? { knownAt: ka } : {}),
        });
      }
    }
  }
  actions.sort((a, b) =>
    a.symbol < b.symbol
      ? -1
      : a.symbol > b.symbol
      ? 1
      : a.exDate < b.exDate
      ? -1
      : a.exDate > b.exDate
      ? 1
      : 0
  );
  return { actions, files, datasets: names };
}

/**
 * Apply corporate actions to a frame sorted by symbol then time (module doc); returns the frame
 * with price columns times the price factor and volume times the volume factor.
 */
function applyActions(
  df: pl.DataFrame,
  dates: string[],
  actions: SymbolCorporateAction[],
  mode: "split" | "total_return",
  asOfMs: number | undefined,
): pl.DataFrame {
  const sym = df.getColumn("symbol").toArray() as string[];
  const close = Float64Array.from(
    df.getColumn("close").cast(pl.Float64).toArray() as (number | null)[],
    (v) => v ?? NaN,
  );
  const bySym = new Map<string, SymbolCorporateAction[]>();
  for (const a of actions) bySym.set(a.symbol, [...(bySym.get(a.symbol) ?? []), a]);
  const pf = new Float64Array(df.height).fill(1), vf = new Float64Array(df.height).fill(1);
  for (let i = 0; i < sym.length;) {
    let j = i;
    while (j < sym.length && sym[j] === sym[i]) j++;
    const first = dates[i]!, last = dates[j - 1]!;
    const acts = (bySym.get(sym[i]!) ?? []).filter((a) => a.exDate > first && a.exDate <= last);
    if (acts.length) {
      const f = adjustmentFactors(
        { dates: dates.slice(i, j), close: close.subarray(i, j) },
        acts,
        { mode, ...(asOfMs !== undefined ? { asOf: asOfMs } : {}) },
      );
      pf.set(f.price, i);
      vf.set(f.volume, i);
    }
    i = j;
  }
  const prices = ["open", "high", "low", "close", "vwap"].filter((c) => df.columns.includes(c));
  return df.withColumns(pl.Series("__pf", pf), pl.Series("__vf", vf)).withColumns(
    ...prices.map((c) => pl.col(c).cast(pl.Float64).mul(pl.col("__pf")).alias(c)),
    ...(df.columns.includes("volume")
      ? [pl.col("volume").cast(pl.Float64).mul(pl.col("__vf")).alias("volume")]
      : []),
  ).drop("__pf", "__vf");
}

async function sha256Text(text: string): Promise<string> {
  return await sha256Hex(new TextEncoder().encode(text));
}

/** Manifest id of a read: name, filters and a hash of the files (see {@link LoadedDataset}). */
export async function manifestId(
  name: string,
  ref: DatasetRef,
  files: { path: string; sha256: string }[],
  extra = "",
): Promise<string> {
  const q = [
    ref.symbols ? `symbols=${ref.symbols.join(",")}` : "",
    ref.start ? `start=${ref.start}` : "",
    ref.end ? `end=${ref.end}` : "",
    ref.asOf ? `asOf=${ref.asOf}` : "",
    `adjust=${ref.adjust}`,
  ].filter((x) => x).join("&");
  const h = await sha256Text(files.map((f) => `${f.path}:${f.sha256}`).join("\n") + extra);
  return `${name}?${q}#${h.slice(0, 16)}`;
}

/**
 * True when `column` strictly increases down the frame: then every order that sorts by it first
 * is the frame's own order, and the sort is skipped (one instrument's bars, as read: ~0.1 s of
 * this thread for 195k minute bars).
 */
function strictlyIncreasing(df: pl.DataFrame, column: string): boolean {
  if (df.height < 2) return true;
  const t = df.getColumn(column);
  const asInt = t.dtype.equals(pl.Date) ? pl.Int32 : pl.Int64;
  if (!(t.dtype.equals(pl.Date) || t.dtype.variant === "Datetime" || t.dtype.isNumeric())) {
    return false;
  }
  if (t.nullCount() > 0) return false;
  const r = df.select(pl.col(column).cast(asInt).diff(1, "drop").gt(0).all().alias("ok"));
  return r.getColumn("ok").toArray()[0] === true;
}

/** The sorted symbols of each dataset state read (key: root, name, version, entries). */
const symbolCache = new Map<string, string[]>();

/**
 * Refuse symbols asked that the dataset does not hold at all (in any time range): a RangeError
 * `Invalid dataset reference: symbols: <name> has no "CO2" (did you mean "co2"?); its 3
 * symbols: ...` (lib/dataset `_suggest.ts`). A symbol the dataset holds but not in the window
 * read is not an error (an empty or shorter frame). Symbols are matched exactly: a case or
 * spelling difference is suggested, never read in place of the one asked. The dataset's
 * symbols are read (its symbol column only) only when some asked symbol has no row read, and
 * kept per manifest state. A dataset with no rows at all is not judged.
 */
async function checkSymbols(
  asked: readonly string[],
  df: pl.DataFrame,
  o: {
    name: string;
    spec: DatasetSpec;
    state: ManifestState;
    symCol: string | undefined;
    root: string;
    version: number | undefined;
  },
): Promise<void> {
  const read = new Set(
    df.height ? (df.getColumn("symbol").unique().toArray() as string[]) : [],
  );
  const missing = asked.filter((s) => !read.has(s));
  if (missing.length === 0 || o.state.rows === 0) return;
  let known: string[];
  if (!o.symCol) {
    known = [o.spec.dataset]; // one series, named after the dataset (module doc)
  } else {
    const key = `${o.root}|${o.name}|${o.version ?? "latest"}|${o.state.entries}`;
    const cached = symbolCache.get(key);
    if (cached) {
      known = cached;
    } else {
      const all = await readDataset(o.spec, {
        root: o.root,
        columns: [o.symCol],
        dropLineage: true,
        ...(o.version !== undefined ? { version: o.version } : {}),
      });
      known = all.height
        ? (all.getColumn(o.symCol).cast(pl.Utf8).dropNulls().unique().sort()
          .toArray() as string[])
        : [];
      symbolCache.set(key, known);
    }
  }
  const held = new Set(known);
  const absent = missing.filter((s) => !held.has(s));
  if (absent.length) {
    throw new RangeError(
      `Invalid dataset reference: ${unknownSymbolsMessage(o.name, absent, known)}`,
    );
  }
}

/** Normalise a read frame to the output shape (module doc). */
function normalise(
  df: pl.DataFrame,
  opts: { fallbackSymbol: string; kind: DatasetMeta["kind"] },
): pl.DataFrame {
  const lineage = LINEAGE_COLUMNS.filter((c) => df.columns.includes(c));
  let out = lineage.length ? df.drop(lineage) : df;
  if (!out.columns.includes("symbol")) {
    const sc = SYMBOL_COLUMNS.find((c) => out.columns.includes(c));
    out = sc
      ? out.withColumns(pl.col(sc).cast(pl.Utf8).alias("symbol"))
      : out.withColumns(pl.lit(opts.fallbackSymbol).cast(pl.Utf8).alias("symbol"));
    // A literal column on a frame without rows (or without columns) would make one row.
    if (df.height === 0) out = out.head(0);
  }
  if (
    opts.kind === "bars" && !out.columns.includes("close") && out.columns.includes("mid_close")
  ) {
    out = out.withColumns(
      ...["open", "high", "low", "close"].filter((c) => out.columns.includes(`mid_${c}`)).map((c) =>
        pl.col(`mid_${c}`).alias(c)
      ),
    );
  }
  if (opts.kind === "bars") {
    const missing = BAR_COLUMNS.filter((c) => !out.columns.includes(c));
    if (missing.length) {
      out = out.withColumns(...missing.map((c) => pl.lit(null).cast(pl.Float64).alias(c)));
    }
  }
  return out;
}

/**
 * Read a dataset reference (string forms: "user/msft_daily", "view:name"). See the module doc.
 * @throws RangeError for an unknown dataset (with the closest name and the datasets a user
 *   reads: lib/dataset `_suggest.ts`), symbols the dataset does not hold, or a bad reference,
 *   DataError for bad data (a file that does not match its manifest checksum).
 */
export async function loadDataset(
  refIn: DatasetRef | string,
  options: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  const ref = parseDatasetRef(refIn);
  const root = lakeRoot(options.root);
  if (ref.start && ref.end && ref.start > ref.end) {
    throw new RangeError(`Invalid dataset reference: start ${ref.start} is after end ${ref.end}`);
  }
  const asOf = ref.asOf ? asOfInstant(ref.asOf) : undefined;
  if (ref.dataset.startsWith("view:")) return await loadView(ref, root, asOf, options);
  const where = resolveDatasetName(ref.dataset);
  // An s3:// lake: load its catalog state (every dataset's entries, one query) so the state,
  // the listing of an unknown dataset's error and the corporate actions below read it.
  await openLake(root);
  await ensureRecovered(where, root);
  const state = options.version !== undefined
    ? await stateAtVersion(where, options.version, root)
    : datasetState(where, root);
  const name = `${where.zone}/${where.source}/${where.dataset}`;
  if (state.entries === 0) {
    throw new RangeError(unknownDatasetMessage(name, listLakeDatasets(root), root));
  }
  const r = resolveSpec(where, state);
  const declared = state.spec?.meta;
  const inferred = inferMeta(where.source, where.dataset, r.timeType === "date" ? "date" : "ts_ms");
  const notes: string[] = [];
  // Rows a repair dropped and could not restore (lib/lake recordLosses): said while recorded.
  for (const l of state.lost ?? []) {
    if (lossOverlaps(l, ref.start, ref.end)) notes.push(lostNote(l));
  }
  const calendarName = ref.calendar ?? declared?.calendar ?? inferred.calendar;
  const cal = getCalendar(calendarName);
  const isDate = r.timeType === "date";

  // Files pruned by their recorded time range (a margin of a day either side for intraday).
  let lo: number | null = null, hi: number | null = null; // ms, [lo, hi)
  if (ref.start) lo = isDate ? Date.parse(ref.start) : dayStartMs(cal, ref.start);
  if (ref.end) {
    hi = isDate ? Date.parse(addDays(ref.end, 1)) : dayStartMs(cal, addDays(ref.end, 1));
  }
  // Read through the lake's lazy scan (lib/lake/scan.ts): files pruned by partition and recorded
  // time range, each checked against its sha256, with the time, asOf and symbol filters pushed
  // into the Parquet scans and lineage never decoded.
  const spec: DatasetSpec = {
    zone: where.zone,
    source: where.source,
    dataset: where.dataset,
    ...(state.spec ? { partitioning: state.spec.partitioning } : {}),
    timeColumn: r.timeColumn,
    naturalKey: r.naturalKey,
    schema: state.schema,
  };
  const window = {
    root,
    ...(lo !== null ? { start: new Date(lo) } : {}),
    ...(hi !== null ? { end: new Date(hi) } : {}),
  };
  const files = selectFiles(spec, state, window);
  if (asOf && files.length > 0 && !(KNOWN_AT in state.schema)) {
    throw new RangeError(`Cannot read ${name} as of ${ref.asOf}: it has no ${KNOWN_AT} column`);
  }
  const symCol = SYMBOL_COLUMNS.find((c) => c in state.schema);
  let df = await readDataset(spec, {
    ...window,
    ...(asOf ? { asOf } : {}),
    ...(ref.symbols && symCol ? { symbols: ref.symbols } : {}),
    ...(options.version !== undefined ? { version: options.version } : {}),
    dropLineage: true,
  });
  // A versioned dataset (known_at in its key: user datasets keep every version): per (symbol,
  // time) the latest version known as of the read (lib/lake versions.ts).
  df = latestVersions(df, spec);
  const fileList = files.map((f) => ({ path: rel(r, f), sha256: f.sha256 }));
  const kind = declared?.kind ?? inferred.kind;
  df = normalise(df.height || df.columns.length ? df : pl.DataFrame({}), {
    fallbackSymbol: where.dataset,
    kind,
  });
  if (ref.symbols && df.columns.includes("symbol")) {
    df = df.filter(pl.col("symbol").isIn(ref.symbols));
  }
  if (ref.symbols) {
    await checkSymbols(ref.symbols, df, {
      name,
      spec,
      state,
      symCol,
      root,
      version: options.version,
    });
  }
  // Currency: declared (null is a declaration: unitless series), else the calendar's, else (FX)
  // the pairs' common quote currency.
  let currency: string | null = ref.currency ??
    (declared ? declared.currency : inferred.currency);
  if (!ref.currency && !declared && currency === null && cal.name === "fx" && df.height) {
    const quotes = new Set(
      (df.getColumn("symbol").unique().toArray() as string[]).map((s) => quoteCurrency(s)),
    );
    if (quotes.size === 1) currency = [...quotes][0] ?? null;
    else notes.push("currency: the pairs read have different quote currencies (currency null)");
  }
  let frequency = declared?.frequency ?? inferred.frequency;
  if (frequency === null) {
    frequency = df.height && r.timeType === "ts_ms"
      ? inferInterval(
        df.sort(["symbol", r.timeColumn]).getColumn("symbol").toArray() as string[],
        msOf(df.sort(["symbol", r.timeColumn]).getColumn(r.timeColumn)),
      )
      : "irregular";
    notes.push(`frequency ${frequency} inferred from the spacing of the stamps`);
  }
  const meta: DatasetMeta = {
    kind,
    calendar: cal.name,
    currency,
    frequency,
    ...(declared?.units ? { units: declared.units } : {}),
  };
  if (!declared) notes.push(`meta inferred from the dataset name (the manifest declares none)`);

  // Output time column: date for daily and slower data.
  let timeColumn = r.timeColumn;
  const dateKeyed = isDateFrequency(frequency);
  if (dateKeyed && !isDate) {
    if (!df.columns.includes("date") && df.height) {
      const ts = msOf(df.getColumn(r.timeColumn));
      df = df.withColumns(
        pl.Series("date", localDates(ts, cal.timeZone), pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      );
    }
    if (df.columns.includes("date")) timeColumn = "date";
  }

  // Adjustment.
  let corporateActions: SymbolCorporateAction[] = [];
  const syms = df.height ? (df.getColumn("symbol").unique().sort().toArray() as string[]) : [];
  const equity = kind === "bars" && EQUITY_CALENDARS.has(cal.name);
  const ca = equity ? await lakeCorporateActions(syms, { root }) : null;
  if (ca) corporateActions = ca.actions;
  if (ref.adjust !== "raw") {
    if (!equity) {
      notes.push(
        `adjust ${ref.adjust}: no corporate actions apply to ${kind} data on the ${cal.name} calendar; prices are as stored`,
      );
    } else if (ca!.datasets.length === 0) {
      throw new RangeError(
        `Cannot read ${name} with adjust ${ref.adjust}: the lake holds no corporate actions (no curated <source>/splits or <source>/dividends dataset); backfill polygon/splits and polygon/dividends, or read it with adjust raw`,
      );
    } else {
      fileList.push(...ca!.files);
      if (df.height && df.columns.includes("close")) {
        const order = [
          "symbol",
          ...(timeColumn !== r.timeColumn ? [timeColumn] : []),
          r.timeColumn,
        ];
        df = df.sort(order);
        const dates = timeColumn === "date"
          ? (df.getColumn("date").cast(pl.Utf8).toArray() as string[])
          : sessionDates(
            msOf(df.getColumn(r.timeColumn)),
            cal,
          );
        df = applyActions(
          df,
          dates,
          corporateActions,
          ref.adjust,
          asOf?.getTime(),
        );
      }
    }
  }
  if (df.height && !strictlyIncreasing(df, timeColumn)) {
    df = df.sort([timeColumn, "symbol", ...(timeColumn !== r.timeColumn ? [r.timeColumn] : [])]);
  }
  if (options.columns && df.height) {
    const keep = [
      "symbol",
      timeColumn,
      ...options.columns.filter((c) => c !== "symbol" && c !== timeColumn),
    ];
    const absent = keep.filter((c) => !df.columns.includes(c));
    if (absent.length) {
      throw new RangeError(
        `Cannot read ${name}: no column ${absent.join(", ")} (has ${df.columns.join(", ")})`,
      );
    }
    df = df.select(...keep);
  }
  return {
    ref,
    name,
    frame: df,
    timeColumn,
    meta,
    periodsPerYear: periodsPerYear(frequency, cal.name),
    files: fileList,
    manifest: await manifestId(name, ref, fileList),
    corporateActions,
    metaSource: declared ? "declared" : "inferred",
    notes,
  };
}

/** A `view:<name>` reference through the DuckDB catalog (lib/query). */
async function loadView(
  ref: DatasetRef,
  root: string,
  asOf: Date | undefined,
  options: LoadDatasetOptions,
): Promise<LoadedDataset> {
  const view = ref.dataset.slice("view:".length);
  const { Catalog, quoteIdent } = await import("../query/catalog.ts");
  const cat = await Catalog.open({ root, ...(options.sqlDir ? { sqlDir: options.sqlDir } : {}) });
  try {
    const info = cat.views.find((v) => v.name === view);
    if (!info) {
      throw new RangeError(
        `Unknown view ${view}: the catalog has ${cat.views.map((v) => v.name).join(", ")}`,
      );
    }
    if (!info.available) {
      throw new RangeError(`Cannot read view ${view}: ${info.error ?? "its data is missing"}`);
    }
    const cols = (await cat.query(`SELECT * FROM ${quoteIdent(view)} LIMIT 0`)).columns;
    const symCol = SYMBOL_COLUMNS.find((c) => cols.includes(c));
    const timeCol = cols.includes("date") ? "date" : cols.includes("ts") ? "ts" : null;
    if (!timeCol) throw new RangeError(`Cannot read view ${view}: it has no date or ts column`);
    const calName = ref.calendar ?? "none";
    const cal = getCalendar(calName);
    const where: string[] = [];
    const params: (string | number)[] = [];
    const p = (v: string | number) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (ref.symbols && symCol) {
      where.push(`${quoteIdent(symCol)} IN (${ref.symbols.map((s) => p(s)).join(", ")})`);
    }
    if (timeCol === "date") {
      if (ref.start) where.push(`date >= CAST(${p(ref.start)} AS DATE)`);
      if (ref.end) where.push(`date <= CAST(${p(ref.end)} AS DATE)`);
    } else {
      if (ref.start) where.push(`epoch_ms(ts) >= ${p(dayStartMs(cal, ref.start))}`);
      if (ref.end) where.push(`epoch_ms(ts) < ${p(dayStartMs(cal, addDays(ref.end, 1)))}`);
    }
    if (asOf) {
      if (!cols.includes(KNOWN_AT)) {
        throw new RangeError(
          `Cannot read view ${view} as of ${ref.asOf}: it has no ${KNOWN_AT} column`,
        );
      }
      where.push(`epoch_ms(known_at) <= ${p(asOf.getTime())}`);
    }
    const select = cols.filter((c) => !(LINEAGE_COLUMNS as readonly string[]).includes(c)).map((
      c,
    ) =>
      c === timeCol
        ? (timeCol === "date" ? `strftime(date, '%Y-%m-%d') AS date` : `epoch_ms(ts) AS ts`)
        : c === KNOWN_AT
        ? `epoch_ms(known_at) AS known_at`
        : quoteIdent(c)
    );
    const q = await cat.query(
      `SELECT ${select.join(", ")} FROM ${quoteIdent(view)}${
        where.length ? ` WHERE ${where.join(" AND ")}` : ""
      }`,
      params,
    );
    const series = q.columns.map((c) => {
      const vals = q.rows.map((row) => {
        const v = row[c];
        return typeof v === "bigint" ? Number(v) : v ?? null;
      });
      if (c === timeCol && timeCol === "date") {
        return pl.Series(c, vals as (string | null)[], pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d");
      }
      if (c === timeCol || c === KNOWN_AT) {
        return pl.Series(c, vals as (number | null)[], pl.Float64).cast(pl.Int64).cast(
          pl.Datetime("ms", "UTC"),
        );
      }
      return pl.Series(c, vals);
    });
    const kind: DatasetMeta["kind"] = ["open", "high", "low", "close"].some((c) => cols.includes(c))
      ? "bars"
      : "table";
    let df = normalise(pl.DataFrame(series), { fallbackSymbol: view, kind });
    if (df.height) df = df.sort([timeCol, "symbol"]);
    const notes = [
      `view: calendar ${cal.name}${
        ref.calendar ? "" : " (default; set calendar in the reference)"
      }`,
    ];
    const frequency = timeCol === "date" ? "session" : df.height
      ? inferInterval(
        df.sort(["symbol", "ts"]).getColumn("symbol").toArray() as string[],
        msOf(df.sort(["symbol", "ts"]).getColumn("ts")),
      )
      : "irregular";
    if (ref.adjust !== "raw") {
      throw new RangeError(
        `Cannot read view ${view} with adjust ${ref.adjust}: adjustment applies to lake datasets only (name the dataset instead)`,
      );
    }
    const sqlText = Deno.readTextFileSync(
      join(options.sqlDir ?? new URL("../../sql/", import.meta.url).pathname, `${view}.sql`),
    );
    return {
      ref,
      name: `view:${view}`,
      frame: df,
      timeColumn: timeCol,
      meta: { kind, calendar: cal.name, currency: ref.currency ?? cal.currency, frequency },
      periodsPerYear: periodsPerYear(frequency, cal.name),
      files: [],
      manifest: await manifestId(`view:${view}`, ref, [], `${sqlText}\n${df.height}`),
      corporateActions: [],
      metaSource: "view",
      notes,
    };
  } finally {
    cat.close();
  }
}
