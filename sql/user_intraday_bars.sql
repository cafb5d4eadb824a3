-- view: user_intraday_bars
-- purpose: intraday OHLCV bars loaded from users' own files with `deno task ingest-file` (dense data in date= partitions, sparse data such as 30-minute FX in year= partitions; value series and daily bars are left out)
-- grain: one row per dataset per symbol per bar (ts = bar open, UTC)
-- inputs: curated/user/<dataset>/date=YYYY-MM-DD/*.parquet and year=YYYY/*.parquet (rows with a ts and at least one price)
-- known_at: bar open + bar interval (the bar's close)
CREATE OR REPLACE VIEW user_intraday_bars AS
SELECT
  regexp_extract(filename, '/curated/user/([^/]+)/(date|year)=', 1) AS dataset,
  symbol, ts, open, high, low, close, volume, known_at,
  ingested_at, source_uri, transform_id
FROM read_parquet('{{lake}}/curated/user/*/*=*/*.parquet', hive_partitioning = true,
  union_by_name = true, filename = true)
WHERE ts IS NOT NULL
  AND (open IS NOT NULL OR high IS NOT NULL OR low IS NOT NULL OR close IS NOT NULL);
