/**
 * CONTRACT STUB (to be implemented): load a dataset reference into a Polars frame with its
 * calendar, frequency and currency attached.
 */
import type pl from "nodejs-polars";
import type { DatasetMeta } from "../lake/spec.ts";
import type { SymbolCorporateAction } from "../frames/adjust.ts";
import type { DatasetRef } from "./dataset_ref.ts";

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Columns to read (besides symbol and time). @default all but lineage */
  columns?: string[];
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
}

/**
 * Read a dataset reference (string forms: "user/msft_daily", "view:name").
 * @throws RangeError for an unknown dataset (naming the ones the lake holds), DataError for bad data.
 */
export function loadDataset(
  _ref: DatasetRef | string,
  _options: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  throw new Error("loadDataset: not implemented yet");
}
