-- view: option_bars
-- purpose: option OHLCV bars of the discovered contracts, with the contract terms parsed from the OCC ticker
-- grain: one row per (timeframe, ticker, ts); ts is the bar open (UTC)
-- inputs: curated/polygon/option_bars_{minute,day}/**/*.parquet
-- known_at: bar close (minute bars); the session close (daily bars)
CREATE OR REPLACE VIEW option_bars AS
SELECT
  regexp_extract(filename, '/option_bars_([a-z]+)/', 1) AS timeframe,
  ticker, underlying, expiration_date, contract_type, strike,
  ts, open, high, low, close, volume, vwap, trades, known_at
FROM read_parquet('{{lake}}/curated/polygon/option_bars_*/**/*.parquet', union_by_name = true,
  filename = true, hive_partitioning = false);
