-- view: fx_candles
-- purpose: OANDA FX candles with bid, ask and mid prices
-- grain: one row per (granularity, instrument, ts); ts is the candle open (UTC)
-- inputs: curated/oanda/fx_candles_*/**/*.parquet
-- known_at: candle close (ts + granularity)
CREATE OR REPLACE VIEW fx_candles AS
SELECT
  upper(regexp_extract(filename, '/fx_candles_([a-z0-9]+)/', 1)) AS granularity,
  instrument, ts,
  bid_open, bid_high, bid_low, bid_close,
  ask_open, ask_high, ask_low, ask_close,
  mid_open, mid_high, mid_low, mid_close,
  volume, known_at
FROM read_parquet('{{lake}}/curated/oanda/fx_candles_*/**/*.parquet', union_by_name = true,
  filename = true, hive_partitioning = false);
