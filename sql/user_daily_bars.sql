-- view: user_daily_bars
-- purpose: daily OHLCV bars loaded from users' own files with `deno task ingest-file`
-- grain: one row per dataset per symbol per session date
-- inputs: curated/user/<dataset>/year=YYYY/*.parquet
-- known_at: the session close of the bar's date (13:00 ET on early closes)
CREATE OR REPLACE VIEW user_daily_bars AS
SELECT
  regexp_extract(filename, '/curated/user/([^/]+)/year=', 1) AS dataset,
  symbol, date, open, high, low, close, volume, known_at,
  ingested_at, source_uri, transform_id
FROM read_parquet('{{lake}}/curated/user/*/year=*/*.parquet', hive_partitioning = true,
  union_by_name = true, filename = true);
