/** The simulated market: a seeded world generator and a replay server in vendor wire formats. */
export * from "./config.ts";
export * from "./world.ts";
export * from "./bars.ts";
export * from "./server.ts";
export * from "./faults.ts";
export {
  bidAsk,
  occTicker,
  type OptionContract,
  type OptionQuote,
  OptionsMarket,
  parseOccTicker,
} from "./options.ts";
export { atmTotalVariance, impliedVol, ssviParams, stateSigma, totalVariance } from "./surface.ts";
export { type CboeTerm, cboeVariance, cboeVix, modelVix } from "./vix.ts";
export {
  FRED_SERIES_IDS,
  FRED_UNITS,
  type FredSeriesData,
  type FredUnits,
  fredValue,
  transformedReleases,
  valueAsOf,
} from "./fred.ts";
export type { NewsArticle } from "./news.ts";
export type { WsEvent, WsOptions } from "./_ws.ts";
