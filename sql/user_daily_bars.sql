-- view: user_daily_bars
-- purpose: daily OHLCV bars loaded from users' own files with `deno task ingest-file` (bars with absent fields have them null; value series and intraday bars of the same folders are left out)
-- grain: one row per dataset per symbol per session date
-- inputs: curated/user/<dataset>/year=YYYY/*.parquet (rows with a date and at least one price)
-- known_at: the session close of the bar's date on the dataset's calendar (13:00 ET on NYSE early closes)
CREATE OR REPLACE VIEW user_daily_bars AS
SELECT
  regexp_extract(filename, '/curated/user/([^/]+)/year=', 1) AS dataset,
  symbol, date, open, high, low, close, volume, known_at,
  ingested_at, source_uri, transform_id
FROM read_parquet('{{lake}}/curated/user/*/year=*/*.parquet', hive_partitioning = true,
  union_by_name = true, filename = true)
WHERE date IS NOT NULL
  AND (open IS NOT NULL OR high IS NOT NULL OR low IS NOT NULL OR close IS NOT NULL);
