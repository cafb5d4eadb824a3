/**
 * The catalogue of ingestible datasets (`source/dataset` -> pipeline) and the construction of
 * vendor clients from the workbench configuration (base URLs and keys from lib/config, so the
 * same task talks to a vendor, the simulated market or a test server).
 */
import type { WorkbenchConfig } from "../config/config.ts";
import { loadConfig } from "../config/config.ts";
import { ConfigError } from "../core/errors.ts";
import { Secret } from "../core/secret.ts";
import type { HttpClientOptions } from "../sources/_http.ts";
import { RequestMetrics } from "../sources/_metrics.ts";
import { AlpacaClient } from "../sources/alpaca.ts";
import { AlphaVantageClient } from "../sources/alphavantage.ts";
import { BeaClient } from "../sources/bea.ts";
import { BlsClient } from "../sources/bls.ts";
import { DukascopyClient } from "../sources/dukascopy.ts";
import { FinnhubClient } from "../sources/finnhub.ts";
import { FredClient } from "../sources/fred.ts";
import { OandaClient } from "../sources/oanda.ts";
import { PolygonClient } from "../sources/polygon.ts";
import type { Clients, Pipeline } from "./types.ts";
import {
  alphaVantageDividendsPipeline,
  alphaVantageListingPipeline,
  alphaVantageSplitsPipeline,
  polygonDividendsPipeline,
  polygonSplitsPipeline,
} from "./pipelines/corporate_actions.ts";
import { fredObservationsPipeline } from "./pipelines/fred.ts";
import { beaNipaPipeline, blsSeriesPipeline } from "./pipelines/macro_releases.ts";
import { dukascopyBarsPipeline, dukascopyTicksPipeline } from "./pipelines/dukascopy.ts";
import {
  alpacaBarPipeline,
  finnhubChainPipeline,
  polygonNewsPipeline,
  polygonTicksPipeline,
} from "./pipelines/market_misc.ts";
import {
  polygonMarketCalendarPipeline,
  polygonOptionSnapshotPipeline,
} from "./pipelines/polygon_snapshots.ts";
import { oandaCandlesPipeline } from "./pipelines/oanda.ts";
import {
  optionContractsPipeline,
  polygonBarPipeline,
  polygonOptionBarPipeline,
} from "./pipelines/polygon_bars.ts";

/** Options that shape some pipelines. */
export interface PipelineOptions {
  /** Option discovery strike band (fraction of the open). @default 0.01 */
  strikeBand?: number;
  /** Option discovery expiry window in calendar days. @default 30 */
  expiryDays?: number;
  /** Alpaca `adjustment`. @default "raw" */
  adjustment?: "raw" | "split" | "dividend" | "all";
  /** Alpaca `feed`. @default "iex" */
  feed?: string;
}

const FACTORIES: Record<string, (o: PipelineOptions) => Pipeline> = {
  "polygon/stock_bars_second": () => polygonBarPipeline("stock", "second"),
  "polygon/stock_bars_minute": () => polygonBarPipeline("stock", "minute"),
  "polygon/stock_bars_day": () => polygonBarPipeline("stock", "day"),
  "polygon/index_bars_minute": () => polygonBarPipeline("index", "minute"),
  "polygon/index_bars_day": () => polygonBarPipeline("index", "day"),
  "polygon/option_contracts": (o) => optionContractsPipeline(o),
  "polygon/option_bars_minute": (o) => polygonOptionBarPipeline({ ...o, timespan: "minute" }),
  "polygon/option_bars_day": (o) => polygonOptionBarPipeline({ ...o, timespan: "day" }),
  "polygon/trades": () => polygonTicksPipeline("trades"),
  "polygon/quotes": () => polygonTicksPipeline("quotes"),
  "polygon/news": () => polygonNewsPipeline(),
  "polygon/splits": () => polygonSplitsPipeline(),
  "polygon/dividends": () => polygonDividendsPipeline(),
  "polygon/option_snapshot": () => polygonOptionSnapshotPipeline(),
  "polygon/market_calendar": () => polygonMarketCalendarPipeline(),
  "fred/macro_observations": () => fredObservationsPipeline(),
  "alpaca/stock_bars_minute": (o) => alpacaBarPipeline("minute", o),
  "alpaca/stock_bars_day": (o) => alpacaBarPipeline("day", o),
  "alphavantage/listing_status": () => alphaVantageListingPipeline(),
  "alphavantage/splits": () => alphaVantageSplitsPipeline(),
  "alphavantage/dividends": () => alphaVantageDividendsPipeline(),
  "oanda/fx_candles_m1": () => oandaCandlesPipeline("M1"),
  "oanda/fx_candles_s5": () => oandaCandlesPipeline("S5"),
  "oanda/fx_candles_h1": () => oandaCandlesPipeline("H1"),
  "finnhub/option_chain": () => finnhubChainPipeline(),
  "bls/series": () => blsSeriesPipeline(),
  "bea/nipa": () => beaNipaPipeline(),
  "dukascopy/fx_ticks": () => dukascopyTicksPipeline(),
  "dukascopy/fx_bars_m1": () => dukascopyBarsPipeline("M1"),
  "dukascopy/fx_bars_m5": () => dukascopyBarsPipeline("M5"),
  "dukascopy/fx_bars_m15": () => dukascopyBarsPipeline("M15"),
  "dukascopy/fx_bars_h1": () => dukascopyBarsPipeline("H1"),
  "dukascopy/fx_bars_h4": () => dukascopyBarsPipeline("H4"),
  "dukascopy/fx_bars_d1": () => dukascopyBarsPipeline("D1"),
};

/** Every `source/dataset` the engine can backfill. */
export function datasetNames(): string[] {
  return Object.keys(FACTORIES).sort();
}

/** The pipeline of a dataset; throws a RangeError naming the known datasets otherwise. */
export function pipelineFor(
  source: string,
  dataset: string,
  options: PipelineOptions = {},
): Pipeline {
  const f = FACTORIES[`${source}/${dataset}`];
  if (!f) {
    throw new RangeError(
      `Unknown dataset ${source}/${dataset}; known: ${datasetNames().join(", ")}`,
    );
  }
  return f(options);
}

/** Options of {@link connectClients}. */
export interface ConnectOptions {
  /** Overrides of every vendor's HTTP policy (tests: fast backoff). */
  http?: Partial<HttpClientOptions>;
  /** One metrics accumulator for all vendors. @default one per vendor */
  metrics?: RequestMetrics;
  /** Use this placeholder key when a vendor has none configured (the simulated market). */
  fallbackKey?: string;
}

/**
 * Vendor clients from the configuration. A vendor without a key is left out unless a fallback
 * key is given (the simulated market accepts any key).
 */
export function connectClients(config?: WorkbenchConfig, options: ConnectOptions = {}): Clients {
  const cfg = config ?? loadConfig();
  const v = cfg.vendors;
  const fb = options.fallbackKey ? new Secret(options.fallbackKey) : undefined;
  const key = (k: Secret | undefined) => k ?? fb;
  const http = (vendor: string) => ({
    ...options.http,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    vendor,
  });
  /** Base URL, key and HTTP policy of a vendor that needs a key; undefined without one. */
  const keyed = (vendor: "fred" | "polygon" | "alphavantage" | "oanda" | "finnhub" | "bea") => {
    const apiKey = key(v[vendor].apiKey);
    return apiKey ? { baseUrl: v[vendor].baseUrl, apiKey, httpOptions: http(vendor) } : undefined;
  };
  const out: Clients = {};
  const fred = keyed("fred");
  if (fred) out.fred = new FredClient(fred);
  const polygon = keyed("polygon");
  if (polygon) out.polygon = new PolygonClient(polygon);
  const ak = key(v.alpaca.apiKey), as = key(v.alpaca.apiSecret);
  if (ak && as) {
    out.alpaca = new AlpacaClient({
      baseUrl: v.alpaca.baseUrl,
      keyId: ak,
      secretKey: as,
      httpOptions: http("alpaca"),
    });
  }
  const alphavantage = keyed("alphavantage");
  if (alphavantage) out.alphavantage = new AlphaVantageClient(alphavantage);
  const oanda = keyed("oanda");
  if (oanda) out.oanda = new OandaClient(oanda);
  const finnhub = keyed("finnhub");
  if (finnhub) out.finnhub = new FinnhubClient(finnhub);
  // BLS answers without a registration key too (25 queries a day, 25 series, 10 years).
  const bk = key(v.bls.apiKey);
  out.bls = new BlsClient({
    baseUrl: v.bls.baseUrl,
    ...(bk ? { apiKey: bk } : {}),
    httpOptions: http("bls"),
  });
  const bea = keyed("bea");
  if (bea) out.bea = new BeaClient(bea);
  // Dukascopy's datafeed needs no key.
  out.dukascopy = new DukascopyClient({
    baseUrl: v.dukascopy.baseUrl,
    httpOptions: { minIntervalMs: 100, concurrency: 4, ...http("dukascopy") },
  });
  return out;
}

/** Throw a ConfigError when a pipeline's vendor has no client. */
export function requireClient(clients: Clients, p: Pipeline): void {
  if (!clients[p.vendor]) {
    const env = p.vendor.toUpperCase();
    throw new ConfigError(
      `${env}_API_KEY`,
      `no ${p.vendor} key configured (needed for ${p.source}/${p.dataset})`,
    );
  }
}
