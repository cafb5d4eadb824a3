-- view: vendor_stock_bars
-- purpose: stock OHLCV bars from the vendor backfills (Polygon, Alpaca) at every timeframe
-- grain: one row per (vendor, timeframe, ticker, ts); ts is the bar open (UTC)
-- inputs: curated/{polygon,alpaca}/stock_bars_{second,minute,day}/**/*.parquet
-- known_at: bar close for intraday bars; the session close for daily bars
CREATE OR REPLACE VIEW vendor_stock_bars AS
SELECT
  regexp_extract(filename, '/curated/([^/]+)/stock_bars_', 1) AS vendor,
  regexp_extract(filename, '/stock_bars_([a-z]+)/', 1) AS timeframe,
  ticker, ts, open, high, low, close, volume, vwap, trades, known_at
FROM read_parquet('{{lake}}/curated/*/stock_bars_*/**/*.parquet', union_by_name = true,
  filename = true, hive_partitioning = false);
