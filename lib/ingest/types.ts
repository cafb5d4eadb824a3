/**
 * Types shared by the backfill engine and the dataset pipelines.
 *
 * A pipeline turns one unit of work (source, dataset, symbol, date range) into raw rows (the
 * payload fields as received, typed where lossless, plus lineage) and derives curated rows
 * (typed, validated, deduplicated by natural key, PIT-stamped with `known_at`) from raw rows by
 * a pure function, so `deno task curate` can rebuild curated data from raw without the network.
 */
import type pl from "nodejs-polars";
import type { DatasetSpec } from "../lake/mod.ts";
import type { Rejected } from "../sources/_wire.ts";
import type { AlpacaClient } from "../sources/alpaca.ts";
import type { AlphaVantageClient } from "../sources/alphavantage.ts";
import type { BeaClient } from "../sources/bea.ts";
import type { BlsClient } from "../sources/bls.ts";
import type { DukascopyClient } from "../sources/dukascopy.ts";
import type { FinnhubClient } from "../sources/finnhub.ts";
import type { FredClient } from "../sources/fred.ts";
import type { OandaClient } from "../sources/oanda.ts";
import type { PolygonClient } from "../sources/polygon.ts";

/** Connected vendor clients (only those a plan needs must be present). */
export interface Clients {
  fred?: FredClient;
  polygon?: PolygonClient;
  alpaca?: AlpacaClient;
  alphavantage?: AlphaVantageClient;
  oanda?: OandaClient;
  finnhub?: FinnhubClient;
  bls?: BlsClient;
  bea?: BeaClient;
  dukascopy?: DukascopyClient;
}

/** How a job's date range is cut into units. */
export type Chunking = "session" | "fx_day" | "month" | "year" | "all";

/** One unit of work. Dates are ISO `YYYY-MM-DD`, both inclusive. */
export interface Unit {
  /** Stable id: `source/dataset/symbol/start..end`. */
  id: string;
  source: string;
  dataset: string;
  symbol: string;
  start: string;
  end: string;
}

/** A rejected wire row with the URL of the page it came from. */
export interface RejectedRow extends Rejected {
  url: string;
}

/** Field name -> JSON type (`number`, `string`, `boolean`, `object`, `array`, `null`). */
export type FieldTypes = Record<string, string>;

/** What fetching a unit produced. */
export interface FetchedUnit {
  /** Raw rows (wire columns; may be empty). */
  raw: pl.DataFrame;
  /** Wire rows that failed their schema. */
  rejected: RejectedRow[];
  /** Public URL of the first request (lineage `source_uri`). */
  sourceUri: string;
  /** Pages fetched. */
  pages: number;
  /** Field types seen in a sample of payload rows (schema-drift input). */
  fields: FieldTypes[];
  /** Rows for other pipelines found on the way (e.g. contracts discovered for option bars). */
  side?: { pipeline: Pipeline; raw: pl.DataFrame; unit: Unit }[];
}

/** Curated rows and rows that failed semantic validation. */
export interface CuratedResult {
  curated: pl.DataFrame;
  rejected: { reason: string; payload: string; ref: string }[];
}

/** Context a pipeline runs in. */
export interface PipelineContext {
  clients: Clients;
}

/** A dataset pipeline: how to fetch a unit and how to curate raw rows. */
export interface Pipeline {
  source: string;
  dataset: string;
  /** Raw zone spec (wire columns + lineage). */
  rawSpec: DatasetSpec;
  /** Curated zone spec (typed, PIT-stamped). */
  curatedSpec: DatasetSpec;
  chunking: Chunking;
  /** Code version + transform name stored as lineage. */
  transformId: string;
  /** Vendor HTTP client this pipeline uses (for metrics), resolved from the clients. */
  vendor: keyof Clients;
  fetch(ctx: PipelineContext, unit: Unit): Promise<FetchedUnit>;
  /** Raw rows to curated rows and rejects (pure; may finish in Polars' threads). */
  curate(raw: pl.DataFrame): CuratedResult | Promise<CuratedResult>;
}
