/**
 * Private: Dukascopy's .bi5 record size, the hour a file covers and the instruments' decimal
 * factors (re-exported by dukascopy.ts); no Polars here, so the simulated datafeed loads none.
 */

/** Bytes per tick record. */
export const BI5_RECORD_BYTES = 20;
/** Milliseconds in the hour a file covers. */
export const MS_PER_HOUR = 3_600_000;

/**
 * Points per unit of price by instrument (Dukascopy's "decimal factor"): price = points / factor.
 * Taken from dukascopy-node's generated instrument metadata
 * (src/utils/instrument-meta-data/generated/instrument-meta-data.json, field `decimalFactor`,
 * commit fa7f150a of 2026-07-16): the USD, EUR, GBP, CHF, AUD, NZD and CAD pairs 100000, the
 * JPY pairs and the metals 1000.
 */
export const DUKASCOPY_DECIMAL_FACTOR: Readonly<Record<string, number>> = {
  EURUSD: 100_000,
  GBPUSD: 100_000,
  USDCHF: 100_000,
  AUDUSD: 100_000,
  NZDUSD: 100_000,
  USDCAD: 100_000,
  EURGBP: 100_000,
  EURCHF: 100_000,
  USDJPY: 1_000,
  EURJPY: 1_000,
  GBPJPY: 1_000,
  XAUUSD: 1_000,
  XAGUSD: 1_000,
};

/**
 * Decimal factor of an instrument (upper-case Dukascopy name, e.g. "EURUSD").
 * @throws RangeError for an instrument not in {@link DUKASCOPY_DECIMAL_FACTOR}
 * @example decimalFactor("USDJPY") // 1000
 */
export function decimalFactor(instrument: string): number {
  const f = DUKASCOPY_DECIMAL_FACTOR[instrument];
  if (f === undefined) {
    throw new RangeError(
      `Unknown Dukascopy instrument "${instrument}": no price scale known; known: ${
        Object.keys(DUKASCOPY_DECIMAL_FACTOR).join(", ")
      }`,
    );
  }
  return f;
}
