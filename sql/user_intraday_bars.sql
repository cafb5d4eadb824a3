-- view: user_intraday_bars
-- purpose: intraday OHLCV bars loaded from users' own files with `deno task ingest-file`
-- grain: one row per dataset per symbol per bar (ts = bar open, UTC)
-- inputs: curated/user/<dataset>/date=YYYY-MM-DD/*.parquet
-- known_at: bar open + bar interval (the bar's close)
CREATE OR REPLACE VIEW user_intraday_bars AS
SELECT
  regexp_extract(filename, '/curated/user/([^/]+)/date=', 1) AS dataset,
  symbol, ts, open, high, low, close, volume, known_at,
  ingested_at, source_uri, transform_id
FROM read_parquet('{{lake}}/curated/user/*/date=*/*.parquet', hive_partitioning = true,
  union_by_name = true, filename = true);
