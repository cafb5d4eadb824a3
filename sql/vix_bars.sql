-- view: vix_bars
-- purpose: CBOE VIX index bars (Polygon I:VIX), minute and daily
-- grain: one row per (timeframe, ts); ts is the bar open (UTC)
-- inputs: curated/polygon/index_bars_{minute,day}/**/*.parquet (ticker I:VIX)
-- known_at: bar close for minute bars; the session close for daily bars
CREATE OR REPLACE VIEW vix_bars AS
SELECT
  regexp_extract(filename, '/index_bars_([a-z]+)/', 1) AS timeframe,
  ts, open, high, low, close, known_at
FROM read_parquet('{{lake}}/curated/polygon/index_bars_*/**/*.parquet', union_by_name = true,
  filename = true, hive_partitioning = false)
WHERE ticker = 'I:VIX';
